#ifndef AIDREG_LOG_LEAF_JSON_H
#define AIDREG_LOG_LEAF_JSON_H
/* Private to registry/log: the JSON of a stored leaf without jansson's lexer. It reads
 * only a subset (no whitespace; strings of printable ASCII without escapes; integers
 * 0..10^18-1; objects and arrays; no duplicate keys) and builds exactly the values
 * json_loadb(text, len, JSON_REJECT_DUPLICATES) builds for such text: members in their
 * order, strings with their bytes. NULL when the text leaves the subset anywhere, or
 * memory runs out: the caller then asks jansson, whose verdict and messages stand.
 * A canonical leaf (leaf.h) is inside the subset. */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

json_t *ar_leaf_json_load(const char *text, size_t len);

#endif
