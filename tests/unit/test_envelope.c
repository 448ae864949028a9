/* DSSE envelopes from the wire: every refusal with its code and field pointer, through
 * both aidreg_envelope_parse (bytes) and aidreg_envelope_from_json (a parsed object). */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "test.h"

static const char payload_text[] =
    "{\"ledger\":\"registry.example.org/522701\",\"type\":\"asset.status\",\"subject\":\"A-1\","
    "\"time\":\"2026-11-29T09:07:44Z\",\"body\":{\"status\":\"in_use\",\"reason\":\"\"}}";

/* Distinct fake keys and signatures: parsing does not verify them. */
static char *b64_of(size_t n, uint8_t fill) {
  uint8_t buf[128];
  for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(fill + i);
  return aidreg_b64_encode(buf, n);
}

static json_t *sig_obj(uint8_t fill) {
  char *k = b64_of(32, fill), *s = b64_of(64, (uint8_t)(fill + 100));
  json_t *o = (k && s) ? json_pack("{s:s, s:s}", "keyid", k, "sig", s) : NULL;
  free(k);
  free(s);
  return o;
}

/* A valid envelope with nsig signatures; NULL on OOM. */
static json_t *envelope(size_t nsig) {
  char *pl = aidreg_b64_encode((const uint8_t *)payload_text, strlen(payload_text));
  json_t *sigs = json_array();
  json_t *env = NULL;
  if (!pl || !sigs) goto out;
  for (size_t i = 0; i < nsig; i++)
    if (json_array_append_new(sigs, sig_obj((uint8_t)i))) goto out;
  env = json_pack("{s:s, s:s, s:O}", "payloadType", AIDREG_PAYLOAD_TYPE, "payload", pl,
                  "signatures", sigs);
out:
  free(pl);
  json_decref(sigs);
  return env;
}

static json_t *sig0(json_t *env) {
  return json_array_get(json_object_get(env, "signatures"), 0);
}

static int empty(const aidreg_envelope *e) {
  return e->payload == NULL && e->payload_len == 0 && e->nsig == 0;
}

/* Refused through from_json (with and without a prefix) and through parse of its dump. */
static void refuse_obj(const json_t *obj, aidreg_code code, const char *field, int line) {
  aidreg_envelope env;
  aidreg_problem p;
  char want[256];

  memset(&env, 0x5a, sizeof env);
  aidreg_problem_clear(&p);
  CHECK_MSG(aidreg_envelope_from_json(obj, NULL, &env, &p) == -1, "line %d: accepted", line);
  CHECK_MSG(p.code == code, "line %d: code %s, want %s (%s)", line, aidreg_problem_slug(p.code),
            aidreg_problem_slug(code), p.detail);
  CHECK_MSG(strcmp(p.field, field) == 0, "line %d: field \"%s\", want \"%s\"", line, p.field, field);
  CHECK_MSG(p.detail[0] != '\0', "line %d: no detail", line);
  CHECK_MSG(empty(&env), "line %d: envelope left filled", line);

  snprintf(want, sizeof want, "/envelopes/3%s", field);
  memset(&env, 0x5a, sizeof env);
  CHECK(aidreg_envelope_from_json(obj, "/envelopes/3", &env, &p) == -1);
  CHECK_MSG(p.code == code && strcmp(p.field, want) == 0, "line %d: prefixed field \"%s\"", line,
            p.field);
  CHECK(empty(&env));

  if (!obj) return;
  char *text = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);
  CHECK(text != NULL);
  if (!text) return;
  memset(&env, 0x5a, sizeof env);
  CHECK(aidreg_envelope_parse(text, strlen(text), &env, &p) == -1);
  CHECK_MSG(p.code == code && strcmp(p.field, field) == 0, "line %d: parse gave %s at \"%s\"",
            line, aidreg_problem_slug(p.code), p.field);
  CHECK(empty(&env));
  free(text);
}
#define REFUSE_OBJ(obj, code, field) refuse_obj(obj, AIDREG_E_##code, field, __LINE__)

/* Refused by aidreg_envelope_parse; the field is "" for anything before the structure. */
static void refuse_text(const char *text, size_t len, aidreg_code code, const char *field, int line) {
  aidreg_envelope env;
  aidreg_problem p;
  memset(&env, 0x5a, sizeof env);
  aidreg_problem_clear(&p);
  CHECK_MSG(aidreg_envelope_parse(text, len, &env, &p) == -1, "line %d: accepted", line);
  CHECK_MSG(p.code == code, "line %d: code %s, want %s (%s)", line, aidreg_problem_slug(p.code),
            aidreg_problem_slug(code), p.detail);
  CHECK_MSG(strcmp(p.field, field) == 0, "line %d: field \"%s\", want \"%s\"", line, p.field, field);
  CHECK_MSG(aidreg_utf8_valid((const uint8_t *)p.detail, strlen(p.detail)), "line %d", line);
  CHECK(empty(&env));
}
#define REFUSE_TEXT(text, code, field) \
  refuse_text(text, strlen(text), AIDREG_E_##code, field, __LINE__)

/* obj with member name set to a JSON text (NULL: removed), refused. */
static void refuse_member(json_t *obj_to_copy, int in_sig, const char *name, const char *value,
                          aidreg_code code, const char *field, int line) {
  json_t *env = json_deep_copy(obj_to_copy);
  CHECK(env != NULL);
  if (!env) return;
  json_t *target = in_sig ? sig0(env) : env;
  if (value) {
    json_error_t err;
    json_t *v = json_loads(value, JSON_DECODE_ANY, &err);
    CHECK_MSG(v != NULL, "line %d: test value %s", line, value);
    json_object_set_new(target, name, v);
  } else {
    json_object_del(target, name);
  }
  refuse_obj(env, code, field, line);
  json_decref(env);
}
#define REFUSE_ENV(name, value, code, field) \
  refuse_member(good, 0, name, value, AIDREG_E_##code, field, __LINE__)
#define REFUSE_SIG(name, value, code, field) \
  refuse_member(good, 1, name, value, AIDREG_E_##code, field, __LINE__)

static void test_accept(void) {
  json_t *good = envelope(1);
  CHECK(good != NULL);
  if (!good) return;
  aidreg_envelope env;
  aidreg_problem p;

  CHECK(aidreg_envelope_from_json(good, "", &env, &p) == 0);
  CHECK(env.payload_len == strlen(payload_text));
  CHECK(env.payload && memcmp(env.payload, payload_text, env.payload_len) == 0);
  CHECK(env.nsig == 1);
  const char *keyid = json_string_value(json_object_get(sig0(good), "keyid"));
  CHECK_STR(env.sigs[0].keyid, keyid);
  CHECK(env.sigs[0].pk[0] == 0 && env.sigs[0].pk[31] == 31);
  CHECK(env.sigs[0].sig[0] == 100 && env.sigs[0].sig[63] == 163);
  /* The payload is then a valid event. */
  aidreg_event ev;
  CHECK(aidreg_event_parse(env.payload, env.payload_len, &ev, &p) == 0);
  aidreg_event_free(&ev);
  aidreg_envelope_free(&env);

  /* As bytes, in any member order, with whitespace. */
  char *text = json_dumps(good, JSON_INDENT(2) | JSON_SORT_KEYS);
  CHECK(text && aidreg_envelope_parse(text, strlen(text), &env, &p) == 0 && env.nsig == 1);
  aidreg_envelope_free(&env);
  free(text);
  json_decref(good);

  /* Up to AIDREG_MAX_SIGNATURES, kept in order. */
  good = envelope(AIDREG_MAX_SIGNATURES);
  CHECK(good && aidreg_envelope_from_json(good, NULL, &env, NULL) == 0);
  CHECK(env.nsig == AIDREG_MAX_SIGNATURES);
  for (size_t i = 0; i < env.nsig; i++) CHECK(env.sigs[i].pk[0] == i);
  aidreg_envelope_free(&env);
  json_decref(good);
}

static void test_refuse_structure(void) {
  json_t *good = envelope(2);
  CHECK(good != NULL);
  if (!good) return;

  /* Not an object. */
  json_t *v = json_array();
  REFUSE_OBJ(v, INVALID_FIELD, "");
  json_decref(v);
  v = json_string("envelope");
  REFUSE_OBJ(v, INVALID_FIELD, "");
  json_decref(v);
  REFUSE_OBJ(NULL, INVALID_FIELD, "");

  /* Unknown members: DSSE's own spelling variants are not ours. */
  REFUSE_ENV("payload_type", "\"x\"", UNKNOWN_FIELD, "/payload_type");
  REFUSE_ENV("PayloadType", "\"x\"", UNKNOWN_FIELD, "/PayloadType");
  REFUSE_ENV("signature", "[]", UNKNOWN_FIELD, "/signature");
  REFUSE_ENV("a/b~", "1", UNKNOWN_FIELD, "/a~1b~0");
  REFUSE_SIG("public_key", "\"x\"", UNKNOWN_FIELD, "/signatures/0/public_key");
  REFUSE_SIG("keyId", "\"x\"", UNKNOWN_FIELD, "/signatures/0/keyId");

  /* Missing. */
  REFUSE_ENV("payloadType", NULL, MISSING_FIELD, "/payloadType");
  REFUSE_ENV("payload", NULL, MISSING_FIELD, "/payload");
  REFUSE_ENV("signatures", NULL, MISSING_FIELD, "/signatures");
  REFUSE_SIG("keyid", NULL, MISSING_FIELD, "/signatures/0/keyid");
  REFUSE_SIG("sig", NULL, MISSING_FIELD, "/signatures/0/sig");
  v = json_object();
  REFUSE_OBJ(v, MISSING_FIELD, "/payloadType");
  json_decref(v);

  /* Wrong types. */
  REFUSE_ENV("payloadType", "null", INVALID_FIELD, "/payloadType");
  REFUSE_ENV("payloadType", "1", INVALID_FIELD, "/payloadType");
  REFUSE_ENV("payload", "null", INVALID_FIELD, "/payload");
  REFUSE_ENV("payload", "{}", INVALID_FIELD, "/payload");
  REFUSE_ENV("signatures", "{}", INVALID_FIELD, "/signatures");
  REFUSE_ENV("signatures", "null", INVALID_FIELD, "/signatures");
  REFUSE_ENV("signatures", "\"sig\"", INVALID_FIELD, "/signatures");
  REFUSE_SIG("keyid", "null", INVALID_FIELD, "/signatures/0/keyid");
  REFUSE_SIG("keyid", "[]", INVALID_FIELD, "/signatures/0/keyid");
  REFUSE_SIG("sig", "null", INVALID_FIELD, "/signatures/0/sig");
  REFUSE_SIG("sig", "42", INVALID_FIELD, "/signatures/0/sig");
  json_t *e = json_deep_copy(good);
  json_array_set_new(json_object_get(e, "signatures"), 1, json_string("sig"));
  REFUSE_OBJ(e, INVALID_FIELD, "/signatures/1");
  json_array_set_new(json_object_get(e, "signatures"), 1, json_array());
  REFUSE_OBJ(e, INVALID_FIELD, "/signatures/1");
  json_array_set_new(json_object_get(e, "signatures"), 1, json_object());
  REFUSE_OBJ(e, MISSING_FIELD, "/signatures/1/keyid");
  json_decref(e);

  /* payloadType: exactly ours (415). */
  REFUSE_ENV("payloadType", "\"application/vnd.in-toto+json\"", PAYLOAD_TYPE, "/payloadType");
  REFUSE_ENV("payloadType", "\"application/vnd.aidreg.event+json \"", PAYLOAD_TYPE,
             "/payloadType");
  REFUSE_ENV("payloadType", "\"Application/vnd.aidreg.event+json\"", PAYLOAD_TYPE,
             "/payloadType");
  REFUSE_ENV("payloadType", "\"application/json\"", PAYLOAD_TYPE, "/payloadType");
  REFUSE_ENV("payloadType", "\"\"", PAYLOAD_TYPE, "/payloadType");

  /* Signatures: none (401), too many, the same key twice. */
  REFUSE_ENV("signatures", "[]", NO_SIGNATURE, "/signatures");
  json_t *many = envelope(AIDREG_MAX_SIGNATURES + 1);
  CHECK(many != NULL);
  if (many) REFUSE_OBJ(many, INVALID_FIELD, "/signatures");
  json_decref(many);
  e = json_deep_copy(good);
  json_object_set(json_array_get(json_object_get(e, "signatures"), 1), "keyid",
                  json_object_get(sig0(e), "keyid"));
  REFUSE_OBJ(e, INVALID_FIELD, "/signatures/1/keyid");
  json_decref(e);

  /* The first bad signature is named, however many follow. */
  e = envelope(5);
  if (e) {
    json_object_set_new(json_array_get(json_object_get(e, "signatures"), 3), "sig",
                        json_string("!"));
    json_object_set_new(json_array_get(json_object_get(e, "signatures"), 4), "x", json_true());
    REFUSE_OBJ(e, INVALID_BASE64, "/signatures/3/sig");
  }
  json_decref(e);
  json_decref(good);
}

static void test_refuse_base64(void) {
  json_t *good = envelope(1);
  CHECK(good != NULL);
  if (!good) return;

  /* payload: strict standard base64, not empty. */
  REFUSE_ENV("payload", "\"\"", INVALID_FIELD, "/payload");
  REFUSE_ENV("payload", "\"e30\"", INVALID_BASE64, "/payload");       /* "{}" unpadded */
  REFUSE_ENV("payload", "\"e30=\\n\"", INVALID_BASE64, "/payload");   /* trailing newline */
  REFUSE_ENV("payload", "\"e3 0=\"", INVALID_BASE64, "/payload");
  REFUSE_ENV("payload", "\"e31=\"", INVALID_BASE64, "/payload");      /* stray low bits */
  REFUSE_ENV("payload", "\"e30==\"", INVALID_BASE64, "/payload");
  REFUSE_ENV("payload", "\"=e30\"", INVALID_BASE64, "/payload");
  REFUSE_ENV("payload", "\"-_-_\"", INVALID_BASE64, "/payload");      /* URL alphabet */
  REFUSE_ENV("payload", "\"====\"", INVALID_BASE64, "/payload");
  REFUSE_ENV("payload", "\"e30=e30=\"", INVALID_BASE64, "/payload");  /* padding inside */

  /* keyid: the standard base64 of exactly 32 bytes. */
  char *k31 = b64_of(31, 1), *k33 = b64_of(33, 1), *k32 = b64_of(32, 7);
  char buf[128];
  CHECK(k31 && k33 && k32);
  if (k31 && k33 && k32) {
    snprintf(buf, sizeof buf, "\"%s\"", k31);
    REFUSE_SIG("keyid", buf, INVALID_FIELD, "/signatures/0/keyid");
    snprintf(buf, sizeof buf, "\"%s\"", k33);
    REFUSE_SIG("keyid", buf, INVALID_FIELD, "/signatures/0/keyid");
    snprintf(buf, sizeof buf, "\"%.43s\"", k32); /* no padding */
    REFUSE_SIG("keyid", buf, INVALID_FIELD, "/signatures/0/keyid");
    snprintf(buf, sizeof buf, "\"%s=\"", k32);
    REFUSE_SIG("keyid", buf, INVALID_FIELD, "/signatures/0/keyid");
    snprintf(buf, sizeof buf, "\"%.42sB=\"", k32); /* last character with stray bits */
    REFUSE_SIG("keyid", buf, INVALID_FIELD, "/signatures/0/keyid");
    snprintf(buf, sizeof buf, "\" %.42s=\"", k32);
    REFUSE_SIG("keyid", buf, INVALID_FIELD, "/signatures/0/keyid");
  }
  free(k31);
  free(k33);
  free(k32);
  REFUSE_SIG("keyid", "\"\"", INVALID_FIELD, "/signatures/0/keyid");
  REFUSE_SIG("keyid", "\"0001020304050607080910111213141516171819202122232425262728293031\"",
             INVALID_FIELD, "/signatures/0/keyid"); /* hex */
  REFUSE_SIG("keyid", "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh_-\"", INVALID_FIELD,
             "/signatures/0/keyid"); /* URL alphabet, 44 chars */

  /* sig: strict base64 (else INVALID_BASE64) of exactly 64 bytes (else INVALID_FIELD). */
  REFUSE_SIG("sig", "\"\"", INVALID_FIELD, "/signatures/0/sig");
  REFUSE_SIG("sig", "\"abc\"", INVALID_BASE64, "/signatures/0/sig");
  REFUSE_SIG("sig", "\"ab==\"", INVALID_BASE64, "/signatures/0/sig");
  char *s63 = b64_of(63, 1), *s65 = b64_of(65, 1), *s64 = b64_of(64, 1);
  CHECK(s63 && s65 && s64);
  if (s63 && s65 && s64) {
    snprintf(buf, sizeof buf, "\"%s\"", s63);
    REFUSE_SIG("sig", buf, INVALID_FIELD, "/signatures/0/sig");
    snprintf(buf, sizeof buf, "\"%s\"", s65);
    REFUSE_SIG("sig", buf, INVALID_FIELD, "/signatures/0/sig");
    size_t n = strlen(s64); /* 88, ending "==": stray bits in the last data character */
    snprintf(buf, sizeof buf, "\"%.*sB==\"", (int)(n - 3), s64);
    REFUSE_SIG("sig", buf, INVALID_BASE64, "/signatures/0/sig");
    snprintf(buf, sizeof buf, "\"%.*s\"", (int)(n - 2), s64);
    REFUSE_SIG("sig", buf, INVALID_BASE64, "/signatures/0/sig");
  }
  free(s63);
  free(s65);
  free(s64);
  json_decref(good);
}

static void test_refuse_bytes(void) {
  REFUSE_TEXT("", MALFORMED_JSON, "");
  REFUSE_TEXT("{", MALFORMED_JSON, "");
  REFUSE_TEXT("{\"payload\":\"e30=\",}", MALFORMED_JSON, "");
  REFUSE_TEXT("{}{}", MALFORMED_JSON, "");
  /* jansson quotes the input near the error, here cut inside a character (from fuzzing):
   * refuse_text checks the detail is still valid UTF-8. */
  REFUSE_TEXT("{\"\\\xdd\x90\":[]}", MALFORMED_JSON, "");
  REFUSE_TEXT("{\"payload\":\"\\\xe7\xae\xa1\"}", MALFORMED_JSON, "");
  REFUSE_TEXT("[]", INVALID_FIELD, "");
  REFUSE_TEXT("null", INVALID_FIELD, "");
  REFUSE_TEXT("\"e30=\"", INVALID_FIELD, "");
  REFUSE_TEXT("{\"payload\":\"\xc0\xaf\"}", INVALID_UTF8, "");
  REFUSE_TEXT("{\"payload\":\"\xed\xa0\x80\"}", INVALID_UTF8, "");
  REFUSE_TEXT("\xff", INVALID_UTF8, "");
  refuse_text("{}\0", 3, AIDREG_E_INVALID_UTF8, "", __LINE__);
  REFUSE_TEXT("{\"payload\":\"e30=\",\"payload\":\"e30=\"}", DUPLICATE_KEY, "");
  REFUSE_TEXT("{\"signatures\":[{\"sig\":\"a\",\"sig\":\"b\"}]}", DUPLICATE_KEY, "");
  /* Structure is judged only once the bytes are JSON. */
  REFUSE_TEXT("{\"x\":1,\"x\":2,\"payload\":1}", DUPLICATE_KEY, "");
  REFUSE_TEXT("{\"x\":1}", UNKNOWN_FIELD, "/x");

  /* No envelope to fill, no problem to fill: no crash. */
  aidreg_problem p;
  CHECK(aidreg_envelope_parse("{}", 2, NULL, &p) == -1 && p.code == AIDREG_E_INTERNAL);
  aidreg_envelope env;
  CHECK(aidreg_envelope_parse("{}", 2, &env, NULL) == -1 && empty(&env));
}

/* What aidreg_envelope_sign and _serialize write, the parser takes back unchanged. */
static void test_round_trip(void) {
  aidreg_keypair keys[2];
  aidreg_envelope signed_env, env;
  aidreg_problem p;
  CHECK(aidreg_key_generate(&keys[0]) == 0 && aidreg_key_generate(&keys[1]) == 0);
  CHECK(aidreg_envelope_sign((const uint8_t *)payload_text, strlen(payload_text), keys, 2,
                             &signed_env) == 0);
  size_t len = 0;
  char *text = aidreg_envelope_serialize(&signed_env, &len);
  CHECK(text != NULL);
  if (text) {
    CHECK(aidreg_envelope_parse(text, len, &env, &p) == 0);
    CHECK(env.payload_len == signed_env.payload_len &&
          memcmp(env.payload, signed_env.payload, env.payload_len) == 0);
    CHECK(env.nsig == 2 && memcmp(env.sigs, signed_env.sigs, sizeof env.sigs[0] * 2) == 0);
    CHECK(aidreg_envelope_verify(&env, &p) == 0);
    size_t len2 = 0;
    char *again = aidreg_envelope_serialize(&env, &len2);
    CHECK(again && len2 == len && memcmp(again, text, len) == 0);
    free(again);
    aidreg_envelope_free(&env);
    free(text);
  }
  aidreg_envelope_free(&signed_env);
  aidreg_key_wipe(&keys[0]);
  aidreg_key_wipe(&keys[1]);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  test_accept();
  test_round_trip();
  test_refuse_structure();
  test_refuse_base64();
  test_refuse_bytes();
  return test_done();
}
