/* A stored leaf read by the fast JSON reader (core/json_fast.h), as aidreg_leaf_parse reads
 * it (UTF-8 checked first): on the text it reads, the same values as jansson (members in
 * their order, strings with their bytes, integers at the edge of its digits); every text
 * outside its subset is left to jansson (NULL), so that jansson's verdict and messages
 * stand — whitespace, escapes, control characters, duplicates, reals, a leading zero, too
 * many digits, trailing bytes, too deep, cut short. And the leaf parse gives the same leaf
 * with either reader. unit/test_json_fast tries the reader on envelopes and payloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/dsse.h"
#include "aidreg/leaf.h"
#include "aidreg/event.h"
#include "core/json_fast.h"
#include "test.h"
#include "vectors.h"

static json_t *fast_read(const char *text, size_t len) {
  const uint8_t *b = (const uint8_t *)text;
  return aidreg_utf8_valid(b, len) ? ar_json_fast_load(b, len) : NULL;
}

static char *dump(const json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY); }

/* Read by the fast reader, as jansson reads it. */
static void same(const char *text) {
  json_t *fast = fast_read(text, strlen(text));
  json_error_t err;
  json_t *slow = json_loadb(text, strlen(text), JSON_REJECT_DUPLICATES, &err);
  CHECK_MSG(fast != NULL, "read: %s", text);
  CHECK_MSG(slow != NULL, "jansson reads: %s", text);
  if (fast && slow) {
    char *a = dump(fast), *b = dump(slow);
    CHECK_MSG(strcmp(a, b) == 0 && json_equal(fast, slow), "%s: %s, jansson %s", text, a, b);
    free(a);
    free(b);
  }
  json_decref(fast);
  json_decref(slow);
}

/* Left to jansson. */
static void left(const char *text, size_t len) {
  json_t *fast = fast_read(text, len);
  CHECK_MSG(fast == NULL, "left to jansson: %.*s", (int)len, text);
  json_decref(fast);
}

static void left_s(const char *text) { left(text, strlen(text)); }

/* {"a":{"a":…{}…}} with n objects inside the root's. */
static void nest(char *out, int n) {
  char *q = out;
  for (int i = 0; i < n; i++) q += sprintf(q, "{\"a\":");
  q += sprintf(q, "{}");
  for (int i = 0; i < n; i++) *q++ = '}';
  *q = '\0';
}

int main(void) {
  json_t *vec = vectors_load("leaf.json");
  const char *leaf = vec_str(vec, "leaf");
  same(leaf);
  same("{}");
  same("{\"a\":[],\"b\":{},\"c\":[1,[2,{\"d\":\"\"}]],\"z\":0,\"y\":999999999999999999}");
  same("{\"b\":1,\"a\":2}"); /* order kept */
  same("{\"s\":\"+/= ~!#$%&'()*,-.:;<>?@[]^_`{|}\"}");

  left_s("");
  left_s("[1]");                       /* not an object at the top */
  left_s("{\"a\": 1}");                /* whitespace */
  left_s(" {\"a\":1}");
  left_s("{\"a\":1}\n");               /* trailing bytes */
  left_s("{\"a\":1}x");
  left_s("{\"a\":\"\\u0041\"}");       /* an escape */
  left_s("{\"a\":\"\\/\"}");
  same("{\"a\":\"\xe5\x8e\xbf\"}");     /* UTF-8, and DEL, are their bytes */
  same("{\"a\":\"\x7f\"}");
  left_s("{\"a\":\"\xe5\x8e\"}");      /* not UTF-8: jansson refuses it */
  left_s("{\"a\":\"\t\"}");
  left_s("{\"a\":1,\"a\":2}");         /* a duplicate */
  left_s("{\"a\":1.5}");               /* a real */
  left_s("{\"a\":1e3}");
  same("{\"a\":-1}");
  left_s("{\"a\":01}");                /* a leading zero */
  left_s("{\"a\":1000000000000000000}"); /* 19 digits */
  left_s("{\"a\":99999999999999999999999}");
  same("{\"a\":true,\"b\":false,\"c\":null}"); /* literals */
  left_s("{\"a\":nul}");
  left_s("{\"a\":1,}");
  left_s("{\"a\":[1,]}");
  left_s("{\"a\"}");
  char deep[256];
  nest(deep, 33);
  left_s(deep); /* deeper than 32 */
  nest(deep, 32);
  same(deep);
  for (size_t n = 0; n < strlen(leaf); n++) left(leaf, n); /* every cut */

  /* The leaf parses to the same values through either reader: the canonical one through
   * the fast reader; one with a space is refused by jansson's path as before. */
  aidreg_leaf parsed;
  aidreg_problem p = {0};
  CHECK(aidreg_leaf_parse((const uint8_t *)leaf, strlen(leaf), &parsed, &p) == 0);
  if (p.code == AIDREG_OK) {
    size_t len = 0;
    char *again = aidreg_leaf_build(parsed.index, parsed.time, &parsed.env, &len, &p);
    CHECK_STR(again, leaf);
    free(again);
    aidreg_leaf_free(&parsed);
  }
  char *dup = malloc(strlen(leaf) + 16);
  if (!dup) abort();
  strcpy(dup, "{\"v\":1,\"v\":1,");
  strcat(dup, leaf + 7); /* after {"v":1, */
  aidreg_problem_clear(&p);
  CHECK(aidreg_leaf_parse((const uint8_t *)dup, strlen(dup), &parsed, &p) == -1);
  CHECK(p.code == AIDREG_E_MALFORMED_JSON || p.code == AIDREG_E_DUPLICATE_KEY);
  free(dup);
  json_decref(vec);
  return test_done();
}
