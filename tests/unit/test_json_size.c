/* ar_json_compact_size must give json_dumpb(v, NULL, 0, JSON_COMPACT)'s number for every
 * tree: the submission's size check (AIDREG_E_TOO_LARGE) depends on it, and a verdict
 * must not change with the way it is counted. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_size.h"
#include "test.h"

static void same(json_t *v, const char *what) {
  size_t want = json_dumpb(v, NULL, 0, JSON_COMPACT);
  size_t got = ar_json_compact_size(v);
  CHECK_MSG(got == want, "%s: counted %zu, jansson writes %zu", what, got, want);
}

/* Every byte value as a string member's value and as its key. */
static void each_byte(void) {
  for (int c = 1; c < 256; c++) {
    char s[4] = {'a', (char)c, 'z', 0};
    json_t *v = json_stringn(s, 3); /* NULL for a lone byte >= 0x80: not UTF-8 */
    json_t *o = json_object();
    if (v) {
      json_object_set(o, s, v);
      json_object_set_new(o, "k", v);
    }
    char what[32];
    snprintf(what, sizeof what, "byte 0x%02x", c);
    same(o, what);
    json_decref(o);
  }
  /* NUL inside a string (json_stringn keeps it) and in a key. */
  json_t *o = json_object();
  json_object_setn_new(o, "a\0b", 3, json_stringn("x\0y", 3));
  same(o, "NUL");
  json_decref(o);
}

static void scalars(void) {
  const json_int_t ints[] = {0, 1, -1, 9, 10, -10, 1234567890123LL, INT64_MAX, INT64_MIN};
  json_t *a = json_array();
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) json_array_append_new(a, json_integer(ints[i]));
  json_array_append_new(a, json_true());
  json_array_append_new(a, json_false());
  json_array_append_new(a, json_null());
  json_array_append_new(a, json_string(""));
  json_array_append_new(a, json_array());
  json_array_append_new(a, json_object());
  same(a, "scalars");
  json_array_append_new(a, json_real(0.1)); /* jansson's own number format */
  same(a, "with a real");
  json_array_append_new(a, json_string("贵州省 Guizhou")); /* not ASCII */
  same(a, "with UTF-8");
  json_decref(a);
  json_t *s = json_string("bare");
  same(s, "scalar root"); /* jansson refuses it: 0 */
  CHECK(ar_json_compact_size(s) == 0);
  json_decref(s);
  json_t *e = json_object();
  same(e, "empty object");
  json_decref(e);
  CHECK(ar_json_compact_size(NULL) == 0);
}

/* Nesting beyond what is counted here, and a parsed envelope's shape. */
static void shapes(void) {
  json_t *deep = json_array();
  json_t *at = deep;
  for (int i = 0; i < 100; i++) {
    json_t *next = json_array();
    json_array_append_new(at, next);
    json_array_append_new(at, json_integer(i));
    at = next;
  }
  same(deep, "100 deep");
  json_decref(deep);
  const char *env = "{\"payloadType\":\"application/vnd.aidreg.event+json\",\"payload\":\"eyJsZWRnZXIiOiJ4In0=\","
                    "\"signatures\":[{\"keyid\":\"K2xNcTw/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"sig\":\"c2ln\"}]}";
  json_t *v = json_loads(env, 0, NULL);
  CHECK(v != NULL);
  same(v, "envelope");
  CHECK(ar_json_compact_size(v) == strlen(env));
  json_decref(v);
}

static json_t *random_tree(int depth) {
  unsigned r = randombytes_uniform(depth > 4 ? 4 : 7);
  if (r < 4) {
    switch (r) {
    case 0: {
      char s[24];
      size_t n = randombytes_uniform(sizeof s);
      for (size_t i = 0; i < n; i++) s[i] = (char)(1 + randombytes_uniform(127));
      return json_stringn(s, n);
    }
    case 1: return json_integer((json_int_t)randombytes_random() - (json_int_t)randombytes_random() * 65536);
    case 2: return randombytes_uniform(2) ? json_true() : json_null();
    default: return json_false();
    }
  }
  size_t n = randombytes_uniform(5);
  if (r == 4) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, random_tree(depth + 1));
    return a;
  }
  json_t *o = json_object();
  for (size_t i = 0; i < n; i++) {
    char k[12];
    size_t kn = randombytes_uniform(sizeof k);
    for (size_t j = 0; j < kn; j++) k[j] = (char)(1 + randombytes_uniform(127));
    json_object_setn_new(o, k, kn, random_tree(depth + 1));
  }
  return o;
}

static void random_trees(void) {
  for (int i = 0; i < 5000; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "t", random_tree(0));
    char what[32];
    snprintf(what, sizeof what, "random tree %d", i);
    same(o, what);
    json_decref(o);
  }
}

int main(void) {
  if (sodium_init() < 0) return 1;
  each_byte();
  scalars();
  shapes();
  random_trees();
  return test_done();
}
