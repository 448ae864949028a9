#ifndef AIDREG_JSON_STRICT_H
#define AIDREG_JSON_STRICT_H
/* Strict JSON loading, one classification of its failures for every reader of untrusted
 * JSON: the envelope and event parsers and the server's request bodies. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/problem.h"

/* Loads buf[0..len) (NULL with len 0 is the empty text) with duplicate keys refused:
 * not valid UTF-8 or holding NUL is INVALID_UTF8 (checked before jansson, whose UTF-8
 * errors carry no code we can rely on across versions), a duplicate key DUPLICATE_KEY,
 * anything else jansson refuses MALFORMED_JSON, out of memory INTERNAL. flags are added to
 * JSON_REJECT_DUPLICATES (JSON_DECODE_ANY: a bare scalar is returned too; the caller checks
 * the kind). what names the text in the details ("payload": "payload: <jansson's text>
 * (line L, column C)"); they stay valid UTF-8. Returns a new reference, or NULL with p
 * filled. */
json_t *aidreg_json_strict_load(const uint8_t *buf, size_t len, size_t flags, const char *what,
                                aidreg_problem *p);

#endif
