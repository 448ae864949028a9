/* libFuzzer target: a stored leaf (include/aidreg/leaf.h), as a verifier reads it from an
 * entry bundle or the database. An accepted leaf must be exactly the bytes
 * aidreg_leaf_build writes for the values parsed (the layout is canonical: verifiers hash
 * leaves as stored and never re-encode); a refusal is a well-formed problem and leaves
 * nothing allocated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/leaf.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aidreg_leaf leaf;
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (aidreg_leaf_parse(data, size, &leaf, &p) != 0) {
    fuzz_check_problem(&p);
    ASSERT(leaf.env.payload == NULL && leaf.env.nsig == 0);
    return 0;
  }
  ASSERT(size <= AIDREG_MAX_LEAF && memchr(leaf.time, '\0', sizeof leaf.time));
  size_t len = 0;
  aidreg_problem_clear(&p);
  char *again = aidreg_leaf_build(leaf.index, leaf.time, &leaf.env, &len, &p);
  ASSERT(again != NULL);
  ASSERT(len == size && memcmp(again, data, size) == 0);
  free(again);
  aidreg_leaf_free(&leaf);
  return 0;
}
