/* The compact store's blob (rules/dom_blob.h): a document comes back as the same JSON,
 * members in their order (what json_dumps without sorting writes, so the state's bytes do
 * not change), strings with NULs and every byte, integers at both ends of their range;
 * a blob cut short, with bytes after it, or with a length beyond its end is refused. */
#include <stdlib.h>
#include <string.h>

#include "rules/dom_blob.h"
#include "test.h"

static char *dump(const json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY); }

static void roundtrip(json_t *doc, const char *what) {
  size_t len = 0;
  uint8_t *b = ar_dom_blob_encode(doc, &len);
  CHECK_MSG(b && len > 0, "%s: encoded", what);
  json_t *back = b ? ar_dom_blob_decode(b, len) : NULL;
  char *x = dump(doc), *y = back ? dump(back) : NULL;
  CHECK_MSG(y && strcmp(x, y) == 0, "%s: %s came back as %s", what, x, y ? y : "(null)");
  CHECK_MSG(back && json_equal(doc, back), "%s: equal values", what);
  /* Every cut is refused, never read past. */
  for (size_t cut = 0; b && cut < len; cut++) {
    json_t *part = ar_dom_blob_decode(b, cut);
    CHECK_MSG(!part, "%s: a blob cut to %zu of %zu bytes decoded", what, cut, len);
    json_decref(part);
  }
  if (b) {
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, b, len);
    longer[len] = 0;
    json_t *extra = ar_dom_blob_decode(longer, len + 1);
    CHECK_MSG(!extra, "%s: a byte after the blob was accepted", what);
    json_decref(extra);
    free(longer);
  }
  free(x);
  free(y);
  free(b);
  json_decref(back);
  json_decref(doc);
}

int main(void) {
  roundtrip(json_pack("{s:s, s:i, s:I, s:I, s:b, s:n, s:f, s:[i, s, {}], s:{}}", "z", "first", "a", 1, "max",
                      (json_int_t)INT64_MAX, "min", (json_int_t)INT64_MIN, "t", 1, "nil", "real", 0.1, "arr", -300,
                      "村委会", "obj"),
            "members in insertion order");
  roundtrip(json_stringn("a\0b\"\\\n", 7), "a string with a NUL and escapes");
  roundtrip(json_pack("[[[[[[[s]]]]]]]", "deep"), "nested arrays");
  roundtrip(json_pack("{s:{s:{s:[{s:I}]}}}", "log", "tail", "slots", "index", (json_int_t)1037672), "a log");
  json_t *big = json_object();
  for (int i = 0; i < 300; i++) {
    char k[16];
    snprintf(k, sizeof k, "k%03d", 299 - i);
    json_object_set_new(big, k, json_integer(i * 1000003LL - 150000000LL));
  }
  roundtrip(big, "300 members (counts past one varint byte)");

  /* A large document (a long text, 3,000 slots): the same value back. */
  json_t *large = json_object(), *arr = json_array();
  char *text = malloc(20001);
  memset(text, 'x', 20000);
  text[20000] = 0;
  json_object_set_new(large, "text", json_string(text));
  for (int i = 0; i < 3000; i++) json_array_append_new(arr, json_pack("{s:i, s:s}", "i", i, "s", "村"));
  json_object_set_new(large, "slots", arr);
  size_t large_len = 0;
  uint8_t *lb = ar_dom_blob_encode(large, &large_len);
  json_t *large_back = lb ? ar_dom_blob_decode(lb, large_len) : NULL;
  CHECK(lb && large_len > 20000 + 3000 * 8);
  CHECK(large_back && json_equal(large, large_back));
  free(text);
  free(lb);
  json_decref(large_back);
  json_decref(large);

  /* Nested deeper than any rule's document: no blob (the store keeps the tree). */
  json_t *deep = json_array();
  for (int i = 0; i < 2100; i++) {
    json_t *outer = json_array();
    json_array_append_new(outer, deep);
    deep = outer;
  }
  size_t deep_len = 0;
  uint8_t *db = ar_dom_blob_encode(deep, &deep_len);
  CHECK(db == NULL);
  free(db);
  json_decref(deep);

  /* A length beyond the end: a string of 200 bytes announced in a 4-byte blob. */
  static const uint8_t bad_len[] = {5, 0xc8, 0x01, 'x'};
  CHECK(ar_dom_blob_decode(bad_len, sizeof bad_len) == NULL);
  /* An array announcing more elements than bytes, and an unknown tag. */
  static const uint8_t bad_count[] = {6, 0xff, 0xff, 0x03, 0};
  CHECK(ar_dom_blob_decode(bad_count, sizeof bad_count) == NULL);
  static const uint8_t bad_tag[] = {9};
  CHECK(ar_dom_blob_decode(bad_tag, sizeof bad_tag) == NULL);
  size_t len = 1;
  CHECK(ar_dom_blob_encode(NULL, &len) == NULL);
  return test_done();
}
