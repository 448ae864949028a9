/* libFuzzer target: witness cosignatures (include/aidreg/cosignature.h). The input is read
 * as a cosigned note (verified with the fuzz witness key, and counted), and as a witness
 * verifier key string. To reach the cosignature check behind a valid note, the input is
 * also signed with the fuzz log key when aidreg_note_sign accepts it as text, then
 * cosigned: the cosignature must verify with the witness key, at its time, and with no
 * other key; the log's signature must still verify beside it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/cosignature.h"
#include "fuzz_common.h"

#define WITNESS "fuzz.witness/w1"

static const aidreg_note_verifier *witness(uint8_t sk[64]) {
  static aidreg_note_verifier v;
  static uint8_t key[64];
  static int ready;
  if (!ready) {
    uint8_t seed[32], pk[32];
    ASSERT(sodium_init() >= 0);
    memset(seed, 0x5b, sizeof seed);
    crypto_sign_seed_keypair(pk, key, seed);
    ASSERT(aidreg_cosig_verifier_init(&v, WITNESS, pk) == 0);
    ready = 1;
  }
  if (sk) memcpy(sk, key, 64);
  return &v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t sk[64];
  const aidreg_note_verifier *w = witness(sk);
  const fuzz_key *k = fuzz_log_key();
  const char *in = (const char *)data;
  uint64_t t = 0;
  int rc = aidreg_cosig_verify(in, size, w, &t);
  ASSERT(rc == 0 || rc == -1 || rc == -2);
  if (rc == 0) ASSERT(t > 0 && t < (UINT64_C(1) << 63));
  size_t n = aidreg_cosig_count(in, size, w, 1);
  ASSERT(n == (rc == 0 ? 1u : 0u) || rc == -2);
  /* The log's key never verifies as a witness key, nor the reverse. */
  ASSERT(aidreg_cosig_verify(in, size, &k->v, NULL) != 0);

  char *s = malloc(size + 1);
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  aidreg_note_verifier parsed;
  if (aidreg_cosig_vkey_parse(s, &parsed) == 0) {
    char *again = aidreg_cosig_vkey(parsed.name, parsed.pub);
    aidreg_note_verifier back;
    ASSERT(again && aidreg_cosig_vkey_parse(again, &back) == 0 && memcmp(&back, &parsed, sizeof back) == 0);
    free(again);
    ASSERT(aidreg_note_vkey_parse(s, &parsed) != 0);
  }
  char *note = aidreg_note_sign(s, FUZZ_ORIGIN, k->sk);
  if (note) {
    size_t tlen = strlen(s), nlen = strlen(note);
    char *line = aidreg_cosig_sign(s, tlen, WITNESS, sk, 1700000000);
    ASSERT(line != NULL);
    size_t llen = strlen(line);
    char *both = malloc(nlen + llen + 1);
    ASSERT(both != NULL);
    memcpy(both, note, nlen);
    memcpy(both + nlen, line, llen + 1);
    t = 0;
    ASSERT(aidreg_cosig_verify(both, nlen + llen, w, &t) == 0 && t == 1700000000);
    size_t text_len = 0;
    ASSERT(aidreg_note_verify(both, nlen + llen, &k->v, &text_len) == 0 && text_len == tlen);
    ASSERT(aidreg_cosig_verify(note, nlen, w, NULL) == -1);
    free(both);
    free(line);
    free(note);
  }
  free(s);
  return 0;
}
