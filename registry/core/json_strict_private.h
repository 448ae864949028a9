#ifndef AIDREG_JSON_STRICT_PRIVATE_H
#define AIDREG_JSON_STRICT_PRIVATE_H
/* Private: text helpers of the strict parsers (json_strict.c), for problems whose field
 * and detail the server puts into JSON and so must stay valid UTF-8 when cut to fit. */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/utf8.h"

/* A json_load* failure that was our memory, not the text: refuse it as INTERNAL. */
bool aidreg_json_load_oom(const json_error_t *err);
/* json_loadb, but NULL with an out-of-memory error (aidreg_json_load_oom) when any
 * allocation failed during the parse, whatever jansson made of it (see json_strict.c). */
json_t *aidreg_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err);
/* The allocator under the one that notes failures (jansson's, or the process's before
 * main): for tests that make allocations fail. */
void aidreg_json_alloc_below(json_malloc_t m, json_free_t f);

/* field = prefix, cut at a character boundary if too long. */
void ar_json_ptr_init(char *field, size_t cap, const char *prefix);
/* Appends "/" + seg to the JSON pointer in field, escaped per RFC 6901 (~ → ~0, / → ~1)
 * and cut at a character boundary when it does not fit the problem's field. */
void ar_json_ptr_add(char *field, size_t cap, const char *seg);
/* field = base + "/" + seg (base "" for a top-level member). */
void ar_json_ptr(char *field, size_t cap, const char *base, const char *seg);

/* A new object or array with the members or elements of v (shared, a reference each);
 * NULL when v is neither, or out of memory (never a copy with members missing). */
json_t *ar_json_copy1(const json_t *v);

#endif
