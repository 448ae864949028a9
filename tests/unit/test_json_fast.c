/* ar_json_fast_load (core/json_fast.c) reads the compact subset before jansson: on every
 * UTF-8 text it either gives up (NULL) or builds the tree jansson builds, members in the
 * same order, integers as integers; it never accepts a text jansson refuses. Checked on
 * hand-picked texts, on random compact documents, and on every one-byte change, cut and
 * insertion of an envelope and its payload. And the subset must hold what clients send. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/json_strict.h"
#include "core/json_fast.h"
#include "test.h"

static long taken; /* texts the fast reader read, of those checked */

/* Both readers on buf; the fast one must give up or agree. It reads only what passed
 * aidreg_utf8_valid, as in aidreg_json_strict_load. */
static void agree(const char *buf, size_t len, const char *what) {
  json_error_t err;
  json_t *want = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
  json_t *got = aidreg_utf8_valid((const uint8_t *)buf, len) ? ar_json_fast_load((const uint8_t *)buf, len) : NULL;
  if (got) {
    taken++;
    char *a = want ? json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    char *b = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
    CHECK_MSG(want && a && b && strcmp(a, b) == 0 && json_equal(want, got), "%s: %.*s: jansson %s, fast %s", what,
              (int)len, buf, a ? a : err.text, b ? b : "?");
    free(a);
    free(b);
  }
  json_decref(want);
  json_decref(got);
}

static void agree_s(const char *s) { agree(s, strlen(s), s); }

static const char *const texts[] = {
    "{}", "{\"a\":1}", "{\"a\":-1}", "{\"a\":0}", "{\"a\":-0}", "{\"a\":01}", "{\"a\":1.5}", "{\"a\":1e3}",
    "{\"a\":1E3}", "{\"a\":123456789012345678}", "{\"a\":1234567890123456789}", "{\"a\":-123456789012345678}",
    "{\"a\":99999999999999999999}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":true}", "{\"a\":false}", "{\"a\":null}",
    "{\"a\":tru}", "{\"a\":nul}", "{\"a\":nullx}", "{\"a\":\"\"}", "{\"\":1}", "{\"a\":1,\"a\":2}",
    "{\"a\":{\"b\":1},\"c\":{\"b\":2}}", "{\"a\":[]}", "{\"a\":[1,2,[3,{}]]}", "{\"a\":[1,]}", "{\"a\":[,1]}",
    "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\" :1}", "{ \"a\":1}", "{\"a\":1} ", "{\"a\":1}x",
    "{\"a\":1}{}", "{\"a\":\"x\\\"y\"}", "{\"a\":\"\\u0041\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"\x7f\"}",
    "{\"a\":\"\xc3\xa9\"}", "{\"a\":\"\xff\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xc0\xaf\"}",
    "{\"a\":\"\xf4\x90\x80\x80\"}", "{\"\xe8\xb4\xb5\":\"\xf0\x9f\x98\x80\"}", "{\"a\":\"unterminated}", "{\"a\":1", "{", "[1]", "1", "\"a\"",
    "", "{\"z\":1,\"y\":2,\"x\":3,\"w\":4}", "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
};

static void fixed(void) {
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) agree_s(texts[i]);
  /* NUL inside: jansson refuses it without JSON_ALLOW_NUL. */
  agree("{\"a\":\"x\0y\"}", 11, "NUL");
  agree("{\"a\":1}\0", 8, "trailing NUL");
}

/* What a client sends (the shape of tests' and the CLI's envelopes and payloads). */
static const char envelope[] =
    "{\"payloadType\":\"application/vnd.aidreg.event+json\",\"payload\":\"eyJsZWRnZXIiOiJhaWRyZWcuZXhhbXBsZS81Mjk5MDAiLCJ0"
    "eXBlIjoia2V5LmVucm9sbCJ9\",\"signatures\":[{\"keyid\":\"K2xNcTw/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"sig\":"
    "\"c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXI=\"}]}";
static const char payload[] =
    "{\"ledger\":\"aidreg.example/529900\",\"type\":\"key.enroll\",\"subject\":\"key:abc\",\"time\":"
    "\"2026-03-01T08:00:00+08:00\",\"body\":{\"public_key\":\"K2xNcTw/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"name\":\"光伏电站 \x7f\",\"role\":"
    "\"township\",\"scope\":\"529900001\",\"count\":12,\"final\":true,\"note\":null,\"list\":[1,-2,\"x\"]}}";

static void taken_and_mutated(const char *text) {
  size_t n = strlen(text);
  long before = taken;
  agree(text, n, "as sent");
  CHECK_MSG(taken == before + 1, "the fast reader must read what clients send: %s", text);
  char *buf = malloc(n + 2);
  if (!buf) return;
  static const char bytes[] = "\"\\:,{}[]0123456789-+.eE tfnulx \t\n\x7f\x80\xc3";
  for (size_t i = 0; i <= n; i++) {
    agree(text, i, "cut"); /* every prefix */
    for (size_t b = 0; b < sizeof bytes - 1; b++) {
      if (i < n) { /* one byte changed */
        memcpy(buf, text, n);
        buf[i] = bytes[b];
        agree(buf, n, "changed");
      }
      memcpy(buf, text, i); /* one byte inserted */
      buf[i] = bytes[b];
      memcpy(buf + i + 1, text + i, n - i);
      agree(buf, n + 1, "inserted");
    }
    if (i < n) { /* one byte removed */
      memcpy(buf, text, i);
      memcpy(buf + i, text + i + 1, n - i - 1);
      agree(buf, n - 1, "removed");
    }
  }
  free(buf);
}

/* Random documents of the subset and just beyond it, written compactly by jansson. */
static json_t *random_value(int depth) {
  switch (randombytes_uniform(depth > 3 ? 5 : 7)) {
  case 0: {
    char s[16];
    size_t n = randombytes_uniform(sizeof s);
    for (size_t i = 0; i < n; i++) s[i] = (char)(randombytes_uniform(4) ? 0x20 + randombytes_uniform(95) : 1 + randombytes_uniform(127));
    return json_stringn(s, n);
  }
  case 1: return json_integer((json_int_t)randombytes_random() * (randombytes_uniform(2) ? 1 : -1) *
                              (json_int_t)randombytes_uniform(1u << 31));
  case 2: return randombytes_uniform(2) ? json_true() : json_false();
  case 3: return randombytes_uniform(4) ? json_null() : json_real((double)randombytes_random() / 7);
  case 4: return json_string(randombytes_uniform(2) ? "" : "贵州");
  case 5: {
    json_t *a = json_array();
    for (unsigned i = randombytes_uniform(4); i > 0; i--) json_array_append_new(a, random_value(depth + 1));
    return a;
  }
  default: {
    json_t *o = json_object();
    for (unsigned i = randombytes_uniform(5); i > 0; i--) {
      char k[4] = {(char)('a' + randombytes_uniform(6)), 0};
      json_object_set_new(o, k, random_value(depth + 1));
    }
    return o;
  }
  }
}

static void random_documents(void) {
  for (int i = 0; i < 20000; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "v", random_value(0));
    json_object_set_new(o, "w", random_value(0));
    char *s = json_dumps(o, JSON_COMPACT);
    if (s) agree(s, strlen(s), "random");
    free(s);
    json_decref(o);
  }
}

/* Through aidreg_json_strict_load, a refusal is jansson's own (code and detail). */
static void strict_refusals(void) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  CHECK(aidreg_json_strict_load((const uint8_t *)"{\"a\":1,\"a\":2}", 13, 0, "body", &p) == NULL);
  CHECK(p.code == AIDREG_E_DUPLICATE_KEY);
  aidreg_problem_clear(&p);
  CHECK(aidreg_json_strict_load((const uint8_t *)"{\"a\":01}", 8, 0, "body", &p) == NULL);
  CHECK(p.code == AIDREG_E_MALFORMED_JSON);
  aidreg_problem_clear(&p);
  CHECK(aidreg_json_strict_load((const uint8_t *)"{\"a\":\"\xed\xa0\x80\"}", 11, 0, "body", &p) == NULL); /* surrogate */
  CHECK(p.code == AIDREG_E_INVALID_UTF8);
  aidreg_problem_clear(&p);
  CHECK(aidreg_json_strict_load((const uint8_t *)"{\"a\":\"\xc0\xaf\"}", 10, 0, "body", &p) == NULL); /* overlong */
  CHECK(p.code == AIDREG_E_INVALID_UTF8);
  aidreg_problem_clear(&p);
  json_t *v = aidreg_json_strict_load((const uint8_t *)payload, strlen(payload), JSON_DECODE_ANY, "payload", &p);
  CHECK(v && json_integer_value(json_object_get(json_object_get(v, "body"), "count")) == 12);
  json_decref(v);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  fixed();
  taken_and_mutated(envelope);
  taken_and_mutated(payload);
  random_documents();
  strict_refusals();
  fprintf(stderr, "the fast reader took %ld of the texts\n", taken);
  CHECK(taken > 1000);
  return test_done();
}
