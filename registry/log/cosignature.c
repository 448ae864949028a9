/* C2SP tlog-cosignature v1, Ed25519 (type 0x04). The note walk is note.c's, so a note
 * with cosignatures is parsed by exactly the rules of any other signed note. */
#include "aidreg/cosignature.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "log/note_private.h"

#define ALG_COSIG_V1 0x04
#define BLOB_LEN (4 + 8 + crypto_sign_BYTES)
static const char em_dash[] = "\xe2\x80\x94 ";

int aidreg_cosig_verifier_init(aidreg_note_verifier *v, const char *name, const uint8_t pub[32]) {
  if (aidreg_note_verifier_init(v, name, pub) != 0) return -1;
  ar_note_key_id_alg(name, strlen(name), ALG_COSIG_V1, pub, v->key_id);
  return 0;
}

char *aidreg_cosig_vkey(const char *name, const uint8_t pub[32]) { return ar_note_vkey_alg(name, ALG_COSIG_V1, pub); }

int aidreg_cosig_vkey_parse(const char *vkey, aidreg_note_verifier *v) {
  return ar_note_vkey_parse_alg(vkey, ALG_COSIG_V1, v);
}

/* "cosignature/v1\ntime <seconds>\n" || text, malloc'd, length in *n. */
static uint8_t *message(const char *text, size_t tlen, uint64_t seconds, size_t *n) {
  char head[64];
  int h = snprintf(head, sizeof head, "cosignature/v1\ntime %" PRIu64 "\n", seconds);
  uint8_t *m = malloc((size_t)h + tlen);
  if (!m) return NULL;
  memcpy(m, head, (size_t)h);
  memcpy(m + h, text, tlen);
  *n = (size_t)h + tlen;
  return m;
}

char *aidreg_cosig_sign(const char *text, size_t tlen, const char *name, const uint8_t sk[64], uint64_t seconds) {
  size_t nlen = strlen(name);
  /* A zero timestamp means "no time" in the spec, and times past 2^63 are refused by
   * verifiers. */
  if (tlen == 0 || text[tlen - 1] != '\n' || seconds == 0 || seconds >= (UINT64_C(1) << 63) ||
      !ar_note_name_valid(name, nlen))
    return NULL;
  uint8_t blob[BLOB_LEN];
  ar_note_key_id_alg(name, nlen, ALG_COSIG_V1, sk + 32, blob);
  for (int i = 0; i < 8; i++) blob[4 + i] = (uint8_t)(seconds >> (56 - 8 * i));
  size_t mlen;
  uint8_t *m = message(text, tlen, seconds, &mlen);
  if (!m) return NULL;
  int rc = crypto_sign_detached(blob + 12, NULL, m, mlen, sk);
  free(m);
  if (rc != 0) return NULL;
  char b64[4 * ((BLOB_LEN + 2) / 3) + 1];
  aidreg_b64_encode_to(blob, sizeof blob, b64, sizeof b64);
  size_t len = (sizeof em_dash - 1) + nlen + 1 + strlen(b64) + 2;
  char *out = malloc(len);
  if (!out) return NULL;
  snprintf(out, len, "%s%s %s\n", em_dash, name, b64);
  return out;
}

static int cosig_check(const uint8_t *blob, size_t blen, const char *text, size_t tlen, const aidreg_note_verifier *v,
                       void *ctx) {
  if (blen != BLOB_LEN) return -1;
  uint64_t seconds = 0;
  for (int i = 0; i < 8; i++) seconds = seconds << 8 | blob[4 + i];
  if (seconds == 0 || seconds >= (UINT64_C(1) << 63)) return -1;
  size_t mlen;
  uint8_t *m = message(text, tlen, seconds, &mlen);
  if (!m) return -1;
  int rc = crypto_sign_verify_detached(blob + 12, m, mlen, v->pub);
  free(m);
  if (rc != 0) return -1;
  *(uint64_t *)ctx = seconds;
  return 0;
}

int aidreg_cosig_verify(const char *note, size_t len, const aidreg_note_verifier *v, uint64_t *seconds) {
  uint64_t t = 0;
  int rc = ar_note_verify_with(note, len, v, cosig_check, &t, NULL);
  if (rc == 0 && seconds) *seconds = t;
  return rc;
}

size_t aidreg_cosig_count(const char *note, size_t len, const aidreg_note_verifier *witnesses, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    int dup = 0; /* the same witness listed twice counts once */
    for (size_t j = 0; j < i; j++)
      dup |= !strcmp(witnesses[j].name, witnesses[i].name) && !memcmp(witnesses[j].key_id, witnesses[i].key_id, 4) &&
             !memcmp(witnesses[j].pub, witnesses[i].pub, 32);
    if (!dup && aidreg_cosig_verify(note, len, &witnesses[i], NULL) == 0) count++;
  }
  return count;
}
