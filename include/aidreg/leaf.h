#ifndef AIDREG_LEAF_H
#define AIDREG_LEAF_H
/* The leaf: the exact bytes hashed into the log,
 *   {"v":1,"index":<n>,"time":"<RFC 3339 UTC>","envelope":<canonical DSSE envelope>}
 * compact, members in that order. Verifiers hash leaves as stored and never re-encode. */
#include <stddef.h>
#include <stdint.h>

#include "aidreg/dsse.h"
#include "aidreg/problem.h"

#define AIDREG_MAX_LEAF 65535 /* a tlog-tiles entry length is a uint16 */

/* Builds the leaf (malloc'd, *len its length). time_str is the server's RFC 3339 UTC time.
 * Returns NULL with TOO_LARGE when the leaf would exceed AIDREG_MAX_LEAF, or INTERNAL. */
char *aidreg_leaf_build(uint64_t index, const char *time_str, const aidreg_envelope *env, size_t *len,
                        aidreg_problem *p);

typedef struct {
  uint64_t index;
  char time[40];
  aidreg_envelope env; /* owned; free with aidreg_leaf_free */
} aidreg_leaf;

/* Parse a stored leaf and check its layout: the bytes must be exactly what
 * aidreg_leaf_build would write for the parsed values. Returns 0 or -1 with p. */
int aidreg_leaf_parse(const uint8_t *data, size_t len, aidreg_leaf *leaf, aidreg_problem *p);
void aidreg_leaf_free(aidreg_leaf *leaf);

#endif
