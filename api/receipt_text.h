#ifndef AIDREG_API_RECEIPT_TEXT_H
#define AIDREG_API_RECEIPT_TEXT_H
/* The receipt of one accepted envelope as the answer's bytes, written straight into one
 * buffer: byte for byte what json_dumps(aidreg_receipt_json(rc), JSON_COMPACT) gives
 * (tests/unit/test_receipt_text.c compares them), without the jansson tree and the
 * ~20 small allocations per answer that it costs on the hot path of every submission. */
#include <jansson.h>
#include <stddef.h>

#include "aidreg/registry.h"

/* malloc'd text (NUL-terminated, *len bytes without it), or NULL when out of memory or
 * when a string is not UTF-8 (where json_pack refuses too: the caller answers 500). */
char *receipt_text(const aidreg_receipt *rc, size_t *len);

/* A batch's answer, {"results":[...]}: what json_dumps of the tree of h_entries.c's
 * answer_batch gives, the receipts written here, each problem (problem(res): a new
 * reference, as problem_json) dumped by jansson. NULL when out of memory or when either
 * writer refuses a result. */
char *results_text(const aidreg_result *results, size_t n, json_t *(*problem)(const aidreg_result *), size_t *len);

#endif
