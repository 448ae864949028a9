/* aidreg_problem_set: a field or detail cut to fit its buffer is cut at a UTF-8 character
 * boundary (details are Chinese and English and the server puts them into JSON). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/problem.h"
#include "test.h"

static bool utf8(const char *s) { return aidreg_utf8_valid((const uint8_t *)s, strlen(s)); }

/* ascii bytes of 'x' then reps copies of ch. */
static void make(char *buf, size_t cap, size_t ascii, const char *ch, size_t reps) {
  size_t n = 0;
  while (ascii-- && n + 1 < cap) buf[n++] = 'x';
  for (size_t i = 0; i < reps && n + strlen(ch) < cap; i++, n += strlen(ch)) memcpy(buf + n, ch, strlen(ch));
  buf[n] = '\0';
}

static void test_long_detail(void) {
  static const char *const chars[] = {"资", "é", "😀"};
  char text[4096];
  for (size_t c = 0; c < sizeof chars / sizeof chars[0]; c++) {
    for (size_t ascii = 0; ascii < 4; ascii++) {
      aidreg_problem p;
      make(text, sizeof text, ascii, chars[c], 400);
      aidreg_problem_set(&p, AIDREG_E_INVALID_FIELD, text, "资产 %s", text);
      CHECK_MSG(utf8(p.detail), "%s after %zu: detail not UTF-8", chars[c], ascii);
      CHECK_MSG(utf8(p.field), "%s after %zu: field not UTF-8", chars[c], ascii);
      /* Only the partial character is dropped. */
      size_t w = strlen(chars[c]);
      CHECK(strlen(p.detail) > sizeof p.detail - 1 - w && strlen(p.detail) <= sizeof p.detail - 1);
      CHECK(strlen(p.field) > sizeof p.field - 1 - w && strlen(p.field) <= sizeof p.field - 1);
      CHECK(strncmp(p.detail, "资产 ", strlen("资产 ")) == 0);
      CHECK(strncmp(p.field, text, strlen(p.field)) == 0);
    }
  }
}

static void test_fits(void) {
  aidreg_problem p;
  aidreg_problem_set(&p, AIDREG_E_MISSING_FIELD, "/管护", "%s 是必填项 / is required", "管护");
  CHECK(p.code == AIDREG_E_MISSING_FIELD);
  CHECK_STR(p.field, "/管护");
  CHECK_STR(p.detail, "管护 是必填项 / is required");
  aidreg_problem_set(&p, AIDREG_E_INTERNAL, NULL, "plain");
  CHECK_STR(p.field, "");
  CHECK_STR(p.detail, "plain");
}

/* A prefix put in front of a long field (a batch item's pointer) keeps it valid UTF-8. */
static void test_prefix(void) {
  for (size_t ascii = 0; ascii < 3; ascii++) {
    aidreg_problem p;
    char field[400];
    make(field, sizeof field, ascii, "\xe5\xad\x97", 60); /* 字 */
    aidreg_problem_set(&p, AIDREG_E_UNKNOWN_FIELD, field, "x");
    aidreg_problem_prefix_field(&p, "/envelopes/123/payload");
    CHECK(utf8(p.field));
    CHECK(strncmp(p.field, "/envelopes/123/payload", 22) == 0);
    CHECK(strlen(p.field) >= sizeof p.field - 4);
  }
  aidreg_problem q;
  aidreg_problem_set(&q, AIDREG_E_UNKNOWN_FIELD, "/body/a", "x");
  aidreg_problem_prefix_field(&q, "/payload");
  CHECK_STR(q.field, "/payload/body/a");
}

int main(void) {
  test_long_detail();
  test_fits();
  test_prefix();
  return test_done();
}
