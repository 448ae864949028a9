/* A reader for the compact JSON that clients send, which gives up on anything else. */
#ifndef AIDREG_CORE_JSON_FAST_H
#define AIDREG_CORE_JSON_FAST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The tree json_loadb(buf, len, JSON_REJECT_DUPLICATES, ...) would build from a text that
 * aidreg_utf8_valid accepts, or NULL when the text is outside the subset read here (then
 * jansson reads it and gives its verdict): an object at the root; no whitespace; strings
 * without escapes or control characters; integers
 * of at most 18 digits without a leading zero; true, false, null; at most 32 deep; no
 * repeated key. NULL too when an allocation fails. The caller owns the tree. */
json_t *ar_json_fast_load(const uint8_t *buf, size_t len);

#endif
