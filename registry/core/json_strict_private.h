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
/* json_loadb, parsed a second time when the first failure may have been memory (see
 * json_strict.c). */
json_t *aidreg_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err);

/* field = prefix, cut at a character boundary if too long. */
void json_ptr_init(char *field, size_t cap, const char *prefix);
/* Appends "/" + seg to the JSON pointer in field, escaped per RFC 6901 (~ → ~0, / → ~1)
 * and cut at a character boundary when it does not fit the problem's field. */
void json_ptr_add(char *field, size_t cap, const char *seg);
/* field = base + "/" + seg (base "" for a top-level member). */
void json_ptr(char *field, size_t cap, const char *base, const char *seg);

#endif
