/* DSSE: the spec's PAE example, a signature computed independently (Python
 * `cryptography` over the PAE, RFC 8032 test key 1; both in tests/vectors/dsse.json), sign/verify with one and two keys,
 * tampering, and the exact canonical serialization. */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "test.h"
#include "vectors.h"

/* tests/vectors/dsse.json: its known_signature (RFC 8032 §7.1 TEST 1 key). */
static json_t *vec;
static const char *payload, *seed1_hex, *keyid1, *sig1_b64, *envelope1;

static void keypair_from_seed(const char *hex, aidreg_keypair *k) {
  uint8_t seed[32];
  if (aidreg_hex_decode(hex, seed, 32) != 0) abort();
  crypto_sign_seed_keypair(k->pk, k->sk, seed);
  sodium_memzero(seed, sizeof seed);
}

/* The PAE vectors; payload bytes are taken as they are, NULs included. */
static void test_pae(void) {
  size_t i;
  const json_t *t;
  json_array_foreach(vec_get(vec, "pae"), i, t) {
    uint8_t in[64], want[128];
    size_t in_len = vec_hex(t, "payload_hex", in, sizeof in), want_len = vec_hex(t, "pae_hex", want, sizeof want), n = 0;
    uint8_t *pae = aidreg_dsse_pae(vec_str(t, "type"), in_len ? in : NULL, in_len, &n);
    CHECK_MSG(pae && n == want_len && memcmp(pae, want, n) == 0, "PAE %s", vec_str(t, "pae_text"));
    free(pae);
  }
}

static void test_known_signature(void) {
  aidreg_keypair k;
  keypair_from_seed(seed1_hex, &k);
  aidreg_envelope env;
  CHECK(aidreg_envelope_sign((const uint8_t *)payload, strlen(payload), &k, 1, &env) == 0);
  CHECK(env.nsig == 1);
  CHECK_STR(env.sigs[0].keyid, keyid1);
  char sig[89];
  aidreg_b64_encode_to(env.sigs[0].sig, 64, sig, sizeof sig);
  CHECK_STR(sig, sig1_b64);

  size_t len = 0;
  char *json = aidreg_envelope_serialize(&env, &len);
  CHECK_STR(json, envelope1);
  CHECK(json && len == strlen(json));
  free(json);
  aidreg_problem p;
  aidreg_problem_clear(&p);
  CHECK(aidreg_envelope_verify(&env, &p) == 0 && p.code == AIDREG_OK);
  aidreg_envelope_free(&env);
  CHECK(env.payload == NULL && env.nsig == 0);
  aidreg_key_wipe(&k);
}

static void test_sign_verify(void) {
  aidreg_keypair keys[2];
  CHECK(aidreg_key_generate(&keys[0]) == 0 && aidreg_key_generate(&keys[1]) == 0);
  aidreg_problem p;
  for (size_t nk = 1; nk <= 2; nk++) {
    aidreg_envelope env;
    CHECK(aidreg_envelope_sign((const uint8_t *)payload, strlen(payload), keys, nk, &env) == 0);
    CHECK(env.nsig == nk && env.payload_len == strlen(payload) && memcmp(env.payload, payload, env.payload_len) == 0);
    for (size_t i = 0; i < nk; i++) {
      char id[AIDREG_KEYID_LEN + 1];
      aidreg_key_id(keys[i].pk, id);
      CHECK_STR(env.sigs[i].keyid, id);
      CHECK(memcmp(env.sigs[i].pk, keys[i].pk, 32) == 0);
    }
    aidreg_problem_clear(&p);
    CHECK(aidreg_envelope_verify(&env, &p) == 0);

    /* an altered payload fails at the first signature */
    env.payload[3] ^= 1;
    aidreg_problem_clear(&p);
    CHECK(aidreg_envelope_verify(&env, &p) == -1);
    CHECK(p.code == AIDREG_E_BAD_SIGNATURE && aidreg_problem_status(p.code) == 401);
    CHECK_STR(p.field, "/signatures/0/sig");
    env.payload[3] ^= 1;

    /* an altered last signature is named */
    env.sigs[nk - 1].sig[10] ^= 0x40;
    aidreg_problem_clear(&p);
    CHECK(aidreg_envelope_verify(&env, &p) == -1 && p.code == AIDREG_E_BAD_SIGNATURE);
    char field[32];
    snprintf(field, sizeof field, "/signatures/%zu/sig", nk - 1);
    CHECK_STR(p.field, field);
    env.sigs[nk - 1].sig[10] ^= 0x40;

    /* a signature under another key */
    memcpy(env.sigs[0].pk, keys[1].pk, 32);
    if (nk == 1) {
      CHECK(aidreg_envelope_verify(&env, &p) == -1 && p.code == AIDREG_E_BAD_SIGNATURE);
    }
    memcpy(env.sigs[0].pk, keys[0].pk, 32);
    CHECK(aidreg_envelope_verify(&env, NULL) == 0);

    /* a shorter payload (the PAE length guards against extension) */
    env.payload_len--;
    CHECK(aidreg_envelope_verify(&env, NULL) == -1);
    env.payload_len++;

    /* the serialization: exact member order, compact, parses back to the same values */
    size_t len;
    char *json = aidreg_envelope_serialize(&env, &len);
    CHECK(json && len == strlen(json));
    CHECK(json && strncmp(json, "{\"payloadType\":\"application/vnd.aidreg.event+json\",\"payload\":\"", 62) == 0);
    CHECK(json && !strchr(json, ' ') && !strchr(json, '\n'));
    json_error_t err;
    json_t *root = json ? json_loadb(json, len, JSON_REJECT_DUPLICATES, &err) : NULL;
    CHECK(root != NULL);
    if (root) {
      const char *order[] = {"payloadType", "payload", "signatures"};
      void *it = json_object_iter(root);
      for (int i = 0; i < 3; i++, it = json_object_iter_next(root, it))
        CHECK(it && strcmp(json_object_iter_key(it), order[i]) == 0);
      CHECK(it == NULL);
      json_t *sigs = json_object_get(root, "signatures");
      CHECK(json_array_size(sigs) == nk);
      for (size_t i = 0; i < json_array_size(sigs); i++) {
        json_t *s = json_array_get(sigs, i);
        void *si = json_object_iter(s);
        CHECK(si && strcmp(json_object_iter_key(si), "keyid") == 0);
        si = json_object_iter_next(s, si);
        CHECK(si && strcmp(json_object_iter_key(si), "sig") == 0);
        CHECK(json_object_iter_next(s, si) == NULL);
        CHECK_STR(json_string_value(json_object_get(s, "keyid")), env.sigs[i].keyid);
      }
      uint8_t *pl = NULL;
      size_t pn = 0;
      const char *b64 = json_string_value(json_object_get(root, "payload"));
      CHECK(b64 && aidreg_b64_decode(b64, strlen(b64), &pl, &pn) == 0 && pn == strlen(payload) &&
            memcmp(pl, payload, pn) == 0);
      free(pl);
      json_decref(root);
    }
    free(json);
    aidreg_envelope_free(&env);
  }

  /* no signature */
  aidreg_envelope empty;
  memset(&empty, 0, sizeof empty);
  aidreg_problem_clear(&p);
  CHECK(aidreg_envelope_verify(&empty, &p) == -1 && p.code == AIDREG_E_NO_SIGNATURE);
  CHECK(aidreg_envelope_sign((const uint8_t *)payload, 3, keys, 0, &empty) == -1);
  CHECK(aidreg_envelope_sign((const uint8_t *)payload, 3, keys, AIDREG_MAX_SIGNATURES + 1, &empty) == -1);
  CHECK(empty.payload == NULL);

  /* an empty payload is signed like any other */
  aidreg_envelope env;
  CHECK(aidreg_envelope_sign(NULL, 0, keys, 2, &env) == 0 && aidreg_envelope_verify(&env, NULL) == 0);
  size_t len;
  char *json = aidreg_envelope_serialize(&env, &len);
  CHECK(json && strstr(json, "\"payload\":\"\","));
  free(json);
  aidreg_envelope_free(&env);
  aidreg_envelope_free(NULL);
  aidreg_key_wipe(&keys[0]);
  aidreg_key_wipe(&keys[1]);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  vec = vectors_load("dsse.json");
  const json_t *known = vec_get(vec, "known_signature");
  payload = vec_str(known, "payload");
  seed1_hex = vec_str(known, "seed_hex");
  keyid1 = vec_str(known, "keyid");
  sig1_b64 = vec_str(known, "sig_b64");
  envelope1 = vec_str(known, "envelope");
  test_pae();
  test_known_signature();
  test_sign_verify();
  json_decref(vec);
  return test_done();
}
