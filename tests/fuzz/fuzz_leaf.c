/* libFuzzer target: a stored leaf (include/aidreg/leaf.h), as a verifier reads it from an
 * entry bundle or the database. An accepted leaf must be exactly the bytes
 * aidreg_leaf_build writes for the values parsed (the layout is canonical: verifiers hash
 * leaves as stored and never re-encode); a refusal is a well-formed problem and leaves
 * nothing allocated. And the fast JSON reader the leaf is read by (core/json_fast.h, after
 * its UTF-8 check) builds, on any text it reads, exactly what jansson builds from it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/leaf.h"
#include "fuzz_common.h"
#include "aidreg/event.h"
#include "core/json_fast.h"

static void same_as_jansson(const uint8_t *data, size_t size) {
  json_t *fast = aidreg_utf8_valid(data, size) ? ar_json_fast_load(data, size) : NULL;
  if (!fast) return;
  json_error_t err;
  json_t *slow = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
  ASSERT(slow != NULL && json_equal(fast, slow));
  char *a = json_dumps(fast, JSON_COMPACT), *b = json_dumps(slow, JSON_COMPACT);
  ASSERT(a && b && strcmp(a, b) == 0); /* members in the same order */
  free(a);
  free(b);
  json_decref(fast);
  json_decref(slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  same_as_jansson(data, size);
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
