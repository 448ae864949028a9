/* The leaf's exact bytes and hash (tests/vectors/leaf.json, around dsse.json's known
 * envelope): built, hashed as RFC 6962 leaves are, parsed back, and refused when
 * re-encoded (verifiers hash leaves as stored). */
#include <sodium.h>
#include <stdlib.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/leaf.h"
#include "aidreg/merkle.h"
#include "test.h"
#include "vectors.h"

int main(void) {
  if (sodium_init() < 0) return 1;
  json_t *dsse = vectors_load("dsse.json"), *vec = vectors_load("leaf.json");
  const json_t *known = vec_get(dsse, "known_signature");
  const char *want = vec_str(vec, "leaf"), *time_str = vec_str(vec, "time");
  uint64_t index = vec_u64(vec, "index");
  CHECK_STR(vec_str(vec, "envelope"), vec_str(known, "envelope"));

  /* Ed25519 is deterministic: the vector's key signs the same envelope again. */
  uint8_t seed[32];
  if (vec_hex(known, "seed_hex", seed, sizeof seed) != 32) abort();
  aidreg_keypair k;
  crypto_sign_seed_keypair(k.pk, k.sk, seed);
  const char *payload = vec_str(known, "payload");
  aidreg_envelope env;
  CHECK(aidreg_envelope_sign((const uint8_t *)payload, strlen(payload), &k, 1, &env) == 0);

  aidreg_problem p;
  aidreg_problem_clear(&p);
  size_t len = 0;
  char *leaf = aidreg_leaf_build(index, time_str, &env, &len, &p);
  CHECK_STR(leaf, want);
  CHECK(leaf && len == strlen(want));

  uint8_t lh[32];
  char hex[65];
  aidreg_merkle_leaf_hash((const uint8_t *)want, strlen(want), lh);
  aidreg_hex_encode(lh, 32, hex);
  CHECK_STR(hex, vec_str(vec, "leaf_hash"));

  aidreg_leaf parsed;
  aidreg_problem_clear(&p);
  CHECK(aidreg_leaf_parse((const uint8_t *)want, strlen(want), &parsed, &p) == 0);
  if (p.code == AIDREG_OK) {
    CHECK(parsed.index == index);
    CHECK_STR(parsed.time, time_str);
    char *again = aidreg_envelope_serialize(&parsed.env, &len);
    CHECK_STR(again, vec_str(known, "envelope"));
    free(again);
    aidreg_leaf_free(&parsed);
  }

  /* The same values with a space after the first colon are not the stored bytes. */
  size_t n = strlen(want);
  char *spaced = malloc(n + 2);
  if (!spaced) abort();
  const char *colon = strchr(want, ':');
  size_t at = (size_t)(colon - want) + 1;
  memcpy(spaced, want, at);
  spaced[at] = ' ';
  memcpy(spaced + at + 1, want + at, n - at + 1);
  aidreg_problem_clear(&p);
  CHECK(aidreg_leaf_parse((const uint8_t *)spaced, n + 1, &parsed, &p) == -1);
  free(spaced);

  free(leaf);
  aidreg_envelope_free(&env);
  aidreg_key_wipe(&k);
  sodium_memzero(seed, sizeof seed);
  json_decref(dsse);
  json_decref(vec);
  return test_done();
}
