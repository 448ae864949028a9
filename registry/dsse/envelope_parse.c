/* DSSE envelopes from the wire, parsed strictly: exactly the members DSSE defines, our one
 * payloadType, canonical base64, and key ids of the right form (32-byte keys). Signatures are
 * only decoded here; aidreg_envelope_verify checks them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/json_strict.h"
#include "core/json_strict_private.h"

/* The first member of obj not in names (NULL-terminated), or NULL. */
static const char *unknown_member(const json_t *obj, const char *const *names) {
  const char *key;
  json_t *val;
  /* jansson's iterators take a non-const object; they do not modify it. */
  json_object_foreach((json_t *)obj, key, val) {
    size_t i = 0;
    while (names[i] && strcmp(names[i], key) != 0) i++;
    if (!names[i]) return key;
  }
  return NULL;
}

/* aidreg_b64_decode is strict and canonical (padding, zero leftover bits): one value, one
 * spelling. */
static int b64(const json_t *s, uint8_t **out, size_t *outlen) {
  return aidreg_b64_decode(json_string_value(s), json_string_length(s), out, outlen);
}

static const char *const env_members[] = {"payloadType", "payload", "signatures", NULL};
static const char *const sig_members[] = {"keyid", "sig", NULL};

/* One element of signatures; base is its pointer. */
static int parse_sig(const json_t *obj, const char *base, const aidreg_envelope *env,
                     aidreg_dsse_sig *sig, aidreg_problem *p) {
  char field[sizeof p->field];
  const char *bad;
  uint8_t *raw = NULL;
  size_t rawlen = 0;
  int rc = -1;
  if (!json_is_object(obj)) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, base, "a signature must be an object");
    goto out;
  }
  if ((bad = unknown_member(obj, sig_members))) {
    ar_json_ptr(field, sizeof field, base, bad);
    aidreg_problem_set(p, AIDREG_E_UNKNOWN_FIELD, field, "unknown member of a signature");
    goto out;
  }

  const json_t *keyid = json_object_get(obj, "keyid");
  ar_json_ptr(field, sizeof field, base, "keyid");
  if (!keyid) {
    aidreg_problem_set(p, AIDREG_E_MISSING_FIELD, field, "keyid is required");
    goto out;
  }
  char again[AIDREG_KEYID_LEN + 1];
  /* The length test comes first: it bounds the copy into sig->keyid. Re-encoding refuses
   * a second spelling of the same key. */
  if (!json_is_string(keyid) || json_string_length(keyid) != AIDREG_KEYID_LEN ||
      aidreg_key_id_decode(json_string_value(keyid), sig->pk) ||
      aidreg_b64_encode_to(sig->pk, sizeof sig->pk, again, sizeof again) ||
      strcmp(again, json_string_value(keyid)) != 0) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, field,
                       "keyid must be the standard base64 of a 32-byte Ed25519 public key");
    goto out;
  }
  memcpy(sig->keyid, again, sizeof sig->keyid);
  /* One key signing twice proves nothing more and would count twice towards a rule. */
  for (size_t i = 0; i < env->nsig; i++) {
    if (memcmp(env->sigs[i].pk, sig->pk, sizeof sig->pk) == 0) {
      aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, field,
                         "keyid repeats signature %zu: one signature per key", i);
      goto out;
    }
  }

  const json_t *s = json_object_get(obj, "sig");
  ar_json_ptr(field, sizeof field, base, "sig");
  if (!s) {
    aidreg_problem_set(p, AIDREG_E_MISSING_FIELD, field, "sig is required");
    goto out;
  }
  if (!json_is_string(s)) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, field, "sig must be a base64 string");
    goto out;
  }
  int decoded = b64(s, &raw, &rawlen);
  if (decoded) {
    if (decoded == -2) aidreg_problem_set(p, AIDREG_E_INTERNAL, field, "out of memory decoding sig");
    else aidreg_problem_set(p, AIDREG_E_INVALID_BASE64, field, "sig is not strict standard base64");
    goto out;
  }
  if (rawlen != sizeof sig->sig) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, field,
                       "sig must be a 64-byte Ed25519 signature, not %zu bytes", rawlen);
    goto out;
  }
  memcpy(sig->sig, raw, sizeof sig->sig);
  rc = 0;
out:
  free(raw);
  return rc;
}

int aidreg_envelope_from_json(const json_t *obj, const char *prefix, aidreg_envelope *env,
                              aidreg_problem *p) {
  char field[sizeof p->field], base[sizeof p->field];
  const char *bad;
  int rc = -1;
  if (!env) return aidreg_problem_set(p, AIDREG_E_INTERNAL, "", "no envelope to fill");
  memset(env, 0, sizeof *env);
  if (!prefix) prefix = "";
  ar_json_ptr_init(base, sizeof base, prefix);

  if (!json_is_object(obj)) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, base, "envelope must be a JSON object");
    goto out;
  }
  if ((bad = unknown_member(obj, env_members))) {
    ar_json_ptr(field, sizeof field, base, bad);
    aidreg_problem_set(p, AIDREG_E_UNKNOWN_FIELD, field, "unknown member of the envelope");
    goto out;
  }

  const json_t *type = json_object_get(obj, "payloadType");
  ar_json_ptr(field, sizeof field, base, "payloadType");
  if (!type) {
    aidreg_problem_set(p, AIDREG_E_MISSING_FIELD, field, "payloadType is required");
    goto out;
  }
  if (!json_is_string(type)) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, field, "payloadType must be a string");
    goto out;
  }
  if (strcmp(json_string_value(type), AIDREG_PAYLOAD_TYPE) != 0) {
    aidreg_problem_set(p, AIDREG_E_PAYLOAD_TYPE, field, "payloadType must be %s",
                       AIDREG_PAYLOAD_TYPE);
    goto out;
  }

  const json_t *payload = json_object_get(obj, "payload");
  ar_json_ptr(field, sizeof field, base, "payload");
  if (!payload) {
    aidreg_problem_set(p, AIDREG_E_MISSING_FIELD, field, "payload is required");
    goto out;
  }
  if (!json_is_string(payload)) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, field, "payload must be a base64 string");
    goto out;
  }
  /* Empty is valid DSSE but never an event; refusing it keeps env->payload non-NULL. */
  if (json_string_length(payload) == 0) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, field, "payload is empty");
    goto out;
  }
  int decoded = b64(payload, &env->payload, &env->payload_len);
  if (decoded) {
    if (decoded == -2) aidreg_problem_set(p, AIDREG_E_INTERNAL, field, "out of memory decoding the payload");
    else aidreg_problem_set(p, AIDREG_E_INVALID_BASE64, field, "payload is not strict standard base64");
    goto out;
  }

  const json_t *sigs = json_object_get(obj, "signatures");
  ar_json_ptr(field, sizeof field, base, "signatures");
  if (!sigs) {
    aidreg_problem_set(p, AIDREG_E_MISSING_FIELD, field, "signatures is required");
    goto out;
  }
  if (!json_is_array(sigs)) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, field, "signatures must be an array");
    goto out;
  }
  size_t nsig = json_array_size(sigs);
  if (nsig == 0) {
    aidreg_problem_set(p, AIDREG_E_NO_SIGNATURE, field, "the envelope carries no signature");
    goto out;
  }
  if (nsig > AIDREG_MAX_SIGNATURES) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, field, "at most %d signatures, not %zu",
                       AIDREG_MAX_SIGNATURES, nsig);
    goto out;
  }
  for (size_t i = 0; i < nsig; i++) {
    char item[sizeof p->field], idx[24];
    snprintf(idx, sizeof idx, "%zu", i);
    ar_json_ptr(item, sizeof item, field, idx);
    if (parse_sig(json_array_get(sigs, i), item, env, &env->sigs[i], p)) goto out;
    env->nsig = i + 1;
  }
  rc = 0;
out:
  if (rc) {
    free(env->payload);
    memset(env, 0, sizeof *env);
  }
  return rc;
}

int aidreg_envelope_parse(const char *buf, size_t len, aidreg_envelope *env, aidreg_problem *p) {
  if (!env) return aidreg_problem_set(p, AIDREG_E_INTERNAL, "", "no envelope to fill");
  memset(env, 0, sizeof *env);
  /* JSON_DECODE_ANY: a bare scalar is JSON, just not an envelope (INVALID_FIELD below). */
  json_t *root = aidreg_json_strict_load((const uint8_t *)buf, len, JSON_DECODE_ANY, "envelope", p);
  if (!root) return -1;
  int rc = aidreg_envelope_from_json(root, "", env, p);
  json_decref(root);
  return rc;
}
