#ifndef AIDREG_JSON_STRICT_PRIVATE_H
#define AIDREG_JSON_STRICT_PRIVATE_H
/* Private: text helpers of the strict parsers (json_strict.c), for problems whose field
 * and detail the server puts into JSON and so must stay valid UTF-8 when cut to fit. */
#include <stddef.h>

#include "core/utf8.h"

/* field = prefix, cut at a character boundary if too long. */
void json_ptr_init(char *field, size_t cap, const char *prefix);
/* Appends "/" + seg to the JSON pointer in field, escaped per RFC 6901 (~ → ~0, / → ~1)
 * and cut at a character boundary when it does not fit the problem's field. */
void json_ptr_add(char *field, size_t cap, const char *seg);
/* field = base + "/" + seg (base "" for a top-level member). */
void json_ptr(char *field, size_t cap, const char *base, const char *seg);

#endif
