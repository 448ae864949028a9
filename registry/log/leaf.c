/* Leaves: the exact bytes that enter the Merkle tree (see include/aidreg/leaf.h). */
#include "aidreg/leaf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "core/json_strict_private.h"
#include "core/json_fast.h"

char *aidreg_leaf_build(uint64_t index, const char *time_str, const aidreg_envelope *env, size_t *len,
                        aidreg_problem *p) {
  size_t env_len = 0;
  char *env_json = aidreg_envelope_serialize(env, &env_len);
  if (!env_json) {
    aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "cannot serialise envelope");
    return NULL;
  }
  size_t cap = env_len + strlen(time_str) + 64;
  char *out = malloc(cap);
  if (!out) {
    free(env_json);
    aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
    return NULL;
  }
  int n = snprintf(out, cap, "{\"v\":1,\"index\":%" PRIu64 ",\"time\":\"%s\",\"envelope\":%s}", index,
                   time_str, env_json);
  free(env_json);
  if (n < 0 || (size_t)n >= cap) {
    free(out);
    aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "leaf formatting failed");
    return NULL;
  }
  if ((size_t)n > AIDREG_MAX_LEAF) {
    free(out);
    aidreg_problem_set(p, AIDREG_E_TOO_LARGE, "", "the entry would be %d bytes; a leaf holds at most %d",
                       n, AIDREG_MAX_LEAF);
    return NULL;
  }
  *len = (size_t)n;
  return out;
}

int aidreg_leaf_parse(const uint8_t *data, size_t len, aidreg_leaf *leaf, aidreg_problem *p) {
  memset(leaf, 0, sizeof *leaf);
  json_error_t jerr;
  /* A stored leaf is compact JSON: read by the fast reader (core/json_fast.h, the one the
   * submissions are read by); jansson has the last word on anything else. */
  json_t *root = aidreg_utf8_valid(data, len) ? ar_json_fast_load(data, len) : NULL;
  if (!root) root = aidreg_json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root && aidreg_json_load_oom(&jerr)) return aidreg_problem_set(p, AIDREG_E_INTERNAL, "", "out of memory");
  if (!root || !json_is_object(root)) {
    json_decref(root);
    return aidreg_problem_set(p, AIDREG_E_MALFORMED_JSON, "", "leaf is not a JSON object");
  }
  int rc = -1;
  json_t *v = json_object_get(root, "v"), *index = json_object_get(root, "index");
  json_t *time = json_object_get(root, "time"), *env = json_object_get(root, "envelope");
  if (json_object_size(root) != 4 || !json_is_integer(v) || json_integer_value(v) != 1 ||
      !json_is_integer(index) || json_integer_value(index) < 0 || !json_is_string(time) ||
      json_string_length(time) >= sizeof leaf->time || !env) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "", "leaf members are not v, index, time, envelope");
    goto out;
  }
  int64_t sec;
  int32_t nsec;
  if (aidreg_rfc3339_parse(json_string_value(time), &sec, &nsec) != 0) {
    aidreg_problem_set(p, AIDREG_E_INVALID_TIME, "/time", "leaf time is not RFC 3339");
    goto out;
  }
  leaf->index = (uint64_t)json_integer_value(index);
  snprintf(leaf->time, sizeof leaf->time, "%s", json_string_value(time));
  if (aidreg_envelope_from_json(env, "/envelope", &leaf->env, p) != 0) goto out;

  /* Layout: the stored bytes must be the canonical form of what they say. */
  size_t canon_len = 0;
  aidreg_problem bp = {0};
  char *canon = aidreg_leaf_build(leaf->index, leaf->time, &leaf->env, &canon_len, &bp);
  if (!canon && bp.code == AIDREG_E_INTERNAL) {
    aidreg_problem_set(p, AIDREG_E_INTERNAL, "", "out of memory");
    goto out;
  }
  if (!canon || canon_len != len || memcmp(canon, data, len) != 0) {
    free(canon);
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "", "leaf bytes are not in the canonical layout");
    goto out;
  }
  free(canon);
  rc = 0;
out:
  if (rc != 0) aidreg_envelope_free(&leaf->env);
  json_decref(root);
  return rc;
}

void aidreg_leaf_free(aidreg_leaf *leaf) {
  if (leaf) aidreg_envelope_free(&leaf->env);
}
