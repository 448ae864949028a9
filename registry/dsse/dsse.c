/* DSSE: the PAE bytes, signing and verifying over them, and the canonical compact form
 * of an envelope written into leaves. Sign and verify sit together so that they cannot
 * disagree on the bytes signed. (Parsing is in envelope_parse.c.) */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"

uint8_t *aidreg_dsse_pae(const char *type, const uint8_t *payload, size_t n, size_t *outlen) {
  size_t tlen = strlen(type);
  int head = snprintf(NULL, 0, "DSSEv1 %zu %s %zu ", tlen, type, n);
  if (head < 0 || n > SIZE_MAX - (size_t)head - 1) return NULL;
  size_t len = (size_t)head + n;
  uint8_t *out = malloc(len + 1); /* +1: snprintf writes a NUL after the header */
  if (!out) return NULL;
  snprintf((char *)out, (size_t)head + 1, "DSSEv1 %zu %s %zu ", tlen, type, n);
  if (n) memcpy(out + head, payload, n);
  *outlen = len;
  return out;
}

int aidreg_envelope_verify(const aidreg_envelope *env, aidreg_problem *p) {
  if (env->nsig == 0) return aidreg_problem_set(p, AIDREG_E_NO_SIGNATURE, "/signatures", "the envelope carries no signature");
  if (env->nsig > AIDREG_MAX_SIGNATURES)
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/signatures", "more than %d signatures",
                              AIDREG_MAX_SIGNATURES);
  size_t plen;
  uint8_t *pae = aidreg_dsse_pae(AIDREG_PAYLOAD_TYPE, env->payload, env->payload_len, &plen);
  if (!pae) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  int rc = 0;
  for (size_t i = 0; i < env->nsig; i++) {
    if (crypto_sign_verify_detached(env->sigs[i].sig, pae, plen, env->sigs[i].pk) != 0) {
      char field[64];
      snprintf(field, sizeof field, "/signatures/%zu/sig", i);
      rc = aidreg_problem_set(p, AIDREG_E_BAD_SIGNATURE, field,
                              "signature %zu does not verify over the payload with key %.44s", i, env->sigs[i].keyid);
      break;
    }
  }
  free(pae);
  return rc;
}

int aidreg_envelope_sign(const uint8_t *payload, size_t n, const aidreg_keypair *keys, size_t nkeys,
                         aidreg_envelope *env) {
  memset(env, 0, sizeof *env);
  if (nkeys == 0 || nkeys > AIDREG_MAX_SIGNATURES) return -1;
  size_t plen;
  uint8_t *pae = aidreg_dsse_pae(AIDREG_PAYLOAD_TYPE, payload, n, &plen);
  if (!pae) return -1;
  env->payload = malloc(n ? n : 1);
  if (!env->payload) {
    free(pae);
    return -1;
  }
  if (n) memcpy(env->payload, payload, n);
  env->payload_len = n;
  for (size_t i = 0; i < nkeys; i++) {
    aidreg_dsse_sig *s = &env->sigs[i];
    if (crypto_sign_detached(s->sig, NULL, pae, plen, keys[i].sk) != 0) {
      free(pae);
      aidreg_envelope_free(env);
      return -1;
    }
    memcpy(s->pk, keys[i].pk, 32);
    aidreg_key_id(s->pk, s->keyid);
  }
  env->nsig = nkeys;
  free(pae);
  return 0;
}

/* Every string written is base64 or the fixed payload type, none needing JSON escapes,
 * so the canonical form is assembled directly: its bytes are the leaf's bytes and must
 * not depend on a JSON library's formatting choices. */
char *aidreg_envelope_serialize(const aidreg_envelope *env, size_t *len) {
  static const char head[] = "{\"payloadType\":\"" AIDREG_PAYLOAD_TYPE "\",\"payload\":\"";
  static const char mid[] = "\",\"signatures\":[";
  static const char tail[] = "]}";
  enum { SIG_B64 = 4 * ((crypto_sign_BYTES + 2) / 3) };
  /* {"keyid":"<44>","sig":"<88>"} and a comma */
  const size_t sig_entry = sizeof "{\"keyid\":\"\",\"sig\":\"\"}" - 1 + AIDREG_KEYID_LEN + SIG_B64 + 1;
  if (env->nsig > AIDREG_MAX_SIGNATURES) return NULL;
  char *payload = aidreg_b64_encode(env->payload, env->payload_len);
  if (!payload) return NULL;
  size_t cap = sizeof head - 1 + strlen(payload) + sizeof mid - 1 + env->nsig * sig_entry + sizeof tail;
  char *out = malloc(cap);
  if (!out) {
    free(payload);
    return NULL;
  }
  size_t n = (size_t)snprintf(out, cap, "%s%s%s", head, payload, mid);
  free(payload);
  for (size_t i = 0; i < env->nsig; i++) {
    char keyid[AIDREG_KEYID_LEN + 1], sig[SIG_B64 + 1];
    /* The key id is re-derived from the key that was verified, never copied through. */
    aidreg_key_id(env->sigs[i].pk, keyid);
    aidreg_b64_encode_to(env->sigs[i].sig, crypto_sign_BYTES, sig, sizeof sig);
    n += (size_t)snprintf(out + n, cap - n, "%s{\"keyid\":\"%s\",\"sig\":\"%s\"}", i ? "," : "", keyid, sig);
  }
  n += (size_t)snprintf(out + n, cap - n, "%s", tail);
  *len = n;
  return out;
}

void aidreg_envelope_free(aidreg_envelope *env) {
  if (!env) return;
  free(env->payload);
  memset(env, 0, sizeof *env);
}
