/* DSSE: the spec's PAE example, a signature computed independently (Python
 * `cryptography` over the PAE, RFC 8032 test key 1), sign/verify with one and two keys,
 * tampering, and the exact canonical serialization. */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "test.h"

static const char payload[] = "{\"ledger\":\"registry.example.org/522701\",\"type\":\"test\"}";
/* RFC 8032 §7.1 TEST 1 */
static const char seed1_hex[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char keyid1[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
static const char payload_b64[] = "eyJsZWRnZXIiOiJyZWdpc3RyeS5leGFtcGxlLm9yZy81MjI3MDEiLCJ0eXBlIjoidGVzdCJ9";
static const char sig1_b64[] = "PYpq2RPcGLIPurr7HsNyvLR+siNPS2oka6dNlz9gzqDjEvl84fsab2o65hyJtf2aNQbcbh2qqwRyt9XSSX8VDg==";

static void keypair_from_seed(const char *hex, aidreg_keypair *k) {
  uint8_t seed[32];
  if (aidreg_hex_decode(hex, seed, 32) != 0) abort();
  crypto_sign_seed_keypair(k->pk, k->sk, seed);
  sodium_memzero(seed, sizeof seed);
}

static void test_pae(void) {
  size_t n = 0;
  uint8_t *pae = aidreg_dsse_pae("http://example.com/HelloWorld", (const uint8_t *)"hello world", 11, &n);
  static const char want[] = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";
  CHECK(pae && n == sizeof want - 1 && memcmp(pae, want, n) == 0);
  free(pae);
  pae = aidreg_dsse_pae("", NULL, 0, &n);
  CHECK(pae && n == 12 && memcmp(pae, "DSSEv1 0  0 ", n) == 0);
  free(pae);
  /* payload bytes are taken as they are, NULs included */
  pae = aidreg_dsse_pae("t", (const uint8_t *)"a\0b", 3, &n);
  CHECK(pae && n == 16 && memcmp(pae, "DSSEv1 1 t 3 a\0b", n) == 0);
  free(pae);
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

  char want[512];
  snprintf(want, sizeof want,
           "{\"payloadType\":\"application/vnd.aidreg.event+json\",\"payload\":\"%s\",\"signatures\":[{\"keyid\":\"%s\","
           "\"sig\":\"%s\"}]}",
           payload_b64, keyid1, sig1_b64);
  size_t len = 0;
  char *json = aidreg_envelope_serialize(&env, &len);
  CHECK_STR(json, want);
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
  test_pae();
  test_known_signature();
  test_sign_verify();
  return test_done();
}
