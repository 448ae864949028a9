/* The length of a tree's compact encoding, counted without writing it. */
#ifndef AIDREG_CORE_JSON_SIZE_H
#define AIDREG_CORE_JSON_SIZE_H

#include <jansson.h>
#include <stddef.h>

/* json_dumpb(v, NULL, 0, JSON_COMPACT), the same number for every tree (0 where jansson
 * refuses to encode: a root that is neither an object nor an array). Counts objects,
 * arrays, ASCII strings, integers, true/false/null itself; a real, a non-ASCII string or a
 * deep tree is left to json_dumpb, whose escaping and number formatting are its own. */
size_t ar_json_compact_size(const json_t *v);

#endif
