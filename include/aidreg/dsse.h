#ifndef AIDREG_DSSE_H
#define AIDREG_DSSE_H
/* DSSE envelopes (in-toto/Sigstore): PAE, strict parsing, signing and verifying, and
 * the canonical compact form written into leaves. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/keys.h"
#include "aidreg/problem.h"

#define AIDREG_PAYLOAD_TYPE "application/vnd.aidreg.event+json"
#define AIDREG_MAX_SIGNATURES 16

/* "DSSEv1" SP len(type) SP type SP len(payload) SP payload; malloc'd, caller frees. */
uint8_t *aidreg_dsse_pae(const char *type, const uint8_t *payload, size_t n, size_t *outlen);

typedef struct {
  char keyid[AIDREG_KEYID_LEN + 1];
  uint8_t pk[32];
  uint8_t sig[64];
} aidreg_dsse_sig;

typedef struct {
  uint8_t *payload; /* decoded payload bytes, owned (malloc) */
  size_t payload_len;
  size_t nsig;
  aidreg_dsse_sig sigs[AIDREG_MAX_SIGNATURES];
} aidreg_envelope;

/* Parse an envelope object strictly: exactly the members payloadType, payload,
 * signatures (each signature exactly keyid, sig); payloadType must be
 * AIDREG_PAYLOAD_TYPE (else PAYLOAD_TYPE, 415); strict base64; keyid a valid key id;
 * at least one signature (else NO_SIGNATURE). Problems carry the JSON pointer of the
 * field (prefix is prepended, e.g. "/envelopes/3"). Returns 0 or -1 (env left empty). */
int aidreg_envelope_from_json(const json_t *obj, const char *prefix, aidreg_envelope *env,
                              aidreg_problem *p);
/* Load bytes (valid UTF-8, duplicate keys refused) then aidreg_envelope_from_json. */
int aidreg_envelope_parse(const char *buf, size_t len, aidreg_envelope *env, aidreg_problem *p);
/* Every signature must verify over the PAE (else BAD_SIGNATURE with its field). */
int aidreg_envelope_verify(const aidreg_envelope *env, aidreg_problem *p);
/* Sign payload with each key (in order). env is filled (payload copied). Returns 0 or -1. */
int aidreg_envelope_sign(const uint8_t *payload, size_t n, const aidreg_keypair *keys, size_t nkeys,
                         aidreg_envelope *env);
/* Canonical compact JSON: {"payloadType":..,"payload":..,"signatures":[{"keyid":..,"sig":..}]}.
 * malloc'd, caller frees; *len gets its length. */
char *aidreg_envelope_serialize(const aidreg_envelope *env, size_t *len);
void aidreg_envelope_free(aidreg_envelope *env);

#endif
