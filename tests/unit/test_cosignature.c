/* C2SP tlog-cosignature v1 (Ed25519, type 0x04): the key id, the verifier key string,
 * the line's bytes and the signed message are rebuilt here from the spec independently
 * of registry/log/cosignature.c; a cosigned checkpoint still verifies as a note by the
 * log's key; flipped bytes, a zero time, a wrong key, a line by the log key and a
 * cosignature copied onto another checkpoint are refused. */
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>

#include "aidreg/cosignature.h"
#include "aidreg/encoding.h"
#include "aidreg/note.h"
#include "test.h"

static void keypair(uint8_t pk[32], uint8_t sk[64], unsigned char seed_byte) {
  uint8_t seed[32];
  memset(seed, seed_byte, sizeof seed);
  crypto_sign_seed_keypair(pk, sk, seed);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  uint8_t lpk[32], lsk[64], wpk[32], wsk[64], opk[32], osk[64];
  keypair(lpk, lsk, 1);
  keypair(wpk, wsk, 2);
  keypair(opk, osk, 3);
  const char *origin = "localhost/110101", *wname = "witness.example/w1";
  const char *body = "localhost/110101\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
  char *note = aidreg_note_sign(body, origin, lsk);
  CHECK(note != NULL);

  /* Key id: SHA-256(name || 0x0A || 0x04 || pub)[:4], by hand. */
  uint8_t h[32], kid[4];
  {
    crypto_hash_sha256_state st;
    uint8_t sep[2] = {'\n', 0x04};
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)wname, strlen(wname));
    crypto_hash_sha256_update(&st, sep, 2);
    crypto_hash_sha256_update(&st, wpk, 32);
    crypto_hash_sha256_final(&st, h);
    memcpy(kid, h, 4);
  }
  aidreg_note_verifier w, w2, other, logv;
  CHECK(aidreg_cosig_verifier_init(&w, wname, wpk) == 0);
  CHECK(memcmp(w.key_id, kid, 4) == 0);
  char *vkey = aidreg_cosig_vkey(wname, wpk);
  CHECK(vkey != NULL);
  {
    uint8_t key[33];
    char hex[9], b64[45], want[128];
    key[0] = 0x04;
    memcpy(key + 1, wpk, 32);
    aidreg_hex_encode(kid, 4, hex);
    aidreg_b64_encode_to(key, 33, b64, sizeof b64);
    snprintf(want, sizeof want, "%s+%s+%s", wname, hex, b64);
    CHECK_STR(vkey, want);
  }
  CHECK(aidreg_cosig_vkey_parse(vkey, &w2) == 0);
  CHECK(memcmp(&w, &w2, sizeof w) == 0);
  /* A type 0x01 key string is not a witness key, and the reverse. */
  char *log_vkey = aidreg_note_vkey(origin, lpk);
  CHECK(aidreg_cosig_vkey_parse(log_vkey, &w2) != 0);
  CHECK(aidreg_note_vkey_parse(vkey, &w2) != 0);
  CHECK(aidreg_note_vkey_parse(log_vkey, &logv) == 0);

  /* The line: "— name base64(key id || u64be time || sig)" over the message. */
  uint64_t t = 1767225600;
  char *line = aidreg_cosig_sign(body, strlen(body), wname, wsk, t);
  CHECK(line != NULL);
  {
    const char *prefix = "\xe2\x80\x94 witness.example/w1 ";
    CHECK(strncmp(line, prefix, strlen(prefix)) == 0);
    const char *b = line + strlen(prefix);
    uint8_t *blob = NULL;
    size_t blen = 0;
    CHECK(aidreg_b64_decode(b, strlen(b) - 1, &blob, &blen) == 0);
    CHECK(blen == 76);
    if (blen == 76) {
      CHECK(memcmp(blob, kid, 4) == 0);
      uint64_t got = 0;
      for (int i = 0; i < 8; i++) got = got << 8 | blob[4 + i];
      CHECK(got == t);
      char msg[512];
      int n = snprintf(msg, sizeof msg, "cosignature/v1\ntime %" PRIu64 "\n%s", t, body);
      CHECK(crypto_sign_verify_detached(blob + 12, (const uint8_t *)msg, (size_t)n, wpk) == 0);
    }
    free(blob);
  }

  char *cosigned = test_cat(note, line);
  uint64_t seen = 0;
  CHECK(aidreg_cosig_verify(cosigned, strlen(cosigned), &w, &seen) == 0);
  CHECK(seen == t);
  /* Still the log's note: its signature verifies and the cosignature is ignored. */
  aidreg_checkpoint cp;
  CHECK(aidreg_checkpoint_open(cosigned, strlen(cosigned), &logv, &cp) == 0 && cp.size == 5);
  /* Without the line, by another witness, or by the log's key: no cosignature. */
  CHECK(aidreg_cosig_verify(note, strlen(note), &w, NULL) == -1);
  CHECK(aidreg_cosig_verifier_init(&other, "witness.example/w2", opk) == 0);
  CHECK(aidreg_cosig_verify(cosigned, strlen(cosigned), &other, NULL) == -1);
  /* The same key and name under type 0x01 (a log-style signature) is not a cosignature. */
  aidreg_note_verifier as_log;
  CHECK(aidreg_note_verifier_init(&as_log, wname, wpk) == 0);
  {
    char *plain = aidreg_note_sign(body, wname, wsk);
    const char *sig = strstr(plain, "\n\n") + 2;
    char *n2 = test_cat(note, sig);
    CHECK(aidreg_cosig_verify(n2, strlen(n2), &w, NULL) == -1);
    free(n2);
    free(plain);
  }
  /* Every flipped byte of the line or the body breaks it. */
  size_t nlen = strlen(note), total = strlen(cosigned), bad = 0;
  for (size_t i = 0; i < total; i++) {
    if (i >= nlen - 1 && i < nlen + 4) continue; /* the blank line and the em dash: syntax */
    char *m = strdup(cosigned);
    m[i] ^= 0x01;
    if (aidreg_cosig_verify(m, total, &w, NULL) == 0 && i < strlen(body)) bad++;
    if (i >= nlen + 4 && aidreg_cosig_verify(m, total, &w, NULL) == 0) bad++;
    free(m);
  }
  CHECK_MSG(bad == 0, "%zu flipped bytes still verified", bad);
  /* Copied onto another checkpoint (same origin, other size): refused. */
  {
    const char *body2 = "localhost/110101\n6\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    char *note2 = aidreg_note_sign(body2, origin, lsk);
    char *forged = test_cat(note2, line);
    CHECK(aidreg_cosig_verify(forged, strlen(forged), &w, NULL) == -1);
    free(forged);
    free(note2);
  }
  /* Two lines by the same witness make the note malformed. */
  {
    char *line2 = aidreg_cosig_sign(body, strlen(body), wname, wsk, t + 1);
    char *twice = test_cat(cosigned, line2);
    CHECK(aidreg_cosig_verify(twice, strlen(twice), &w, NULL) == -1);
    free(twice);
    free(line2);
  }
  /* A zero time is refused when signing. */
  CHECK(aidreg_cosig_sign(body, strlen(body), wname, wsk, 0) == NULL);
  CHECK(aidreg_cosig_sign(body, strlen(body), "bad name", wsk, t) == NULL);

  /* Counting: the listed witnesses that cosigned, each once. */
  {
    char *oline = aidreg_cosig_sign(body, strlen(body), "witness.example/w2", osk, t);
    char *both = test_cat(cosigned, oline);
    aidreg_note_verifier list[3] = {w, other, w};
    CHECK(aidreg_cosig_count(both, strlen(both), list, 3) == 2);
    CHECK(aidreg_cosig_count(cosigned, strlen(cosigned), list, 3) == 1);
    CHECK(aidreg_cosig_count(note, strlen(note), list, 3) == 0);
    free(both);
    free(oline);
  }
  free(cosigned);
  free(line);
  free(log_vkey);
  free(vkey);
  free(note);
  return test_done();
}
