/* RFC 3339 instants and calendar dates: what is a real instant, what is not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "test.h"

static int ok(const char *s, int64_t want_sec, int32_t want_nsec) {
  int64_t sec = -1;
  int32_t ns = -1;
  if (aidreg_rfc3339_parse(s, &sec, &ns) != 0) return 0;
  return sec == want_sec && ns == want_nsec;
}

static int refused(const char *s) {
  int64_t sec = 12345;
  int32_t ns = 678;
  /* Outputs untouched on refusal: callers may rely on their defaults. */
  return aidreg_rfc3339_parse(s, &sec, &ns) == -1 && sec == 12345 && ns == 678;
}

static void test_instants(void) {
  CHECK(ok("1970-01-01T00:00:00Z", 0, 0));
  CHECK(ok("2026-11-29T09:07:44Z", 1795943264, 0));
  CHECK(ok("2026-11-29T17:07:44+08:00", 1795943264, 0));
  CHECK(ok("2026-11-29T01:07:44-08:00", 1795943264, 0));
  CHECK(ok("2026-11-29T09:37:44+00:30", 1795943264, 0));
  CHECK(ok("2026-11-29T09:07:44-00:00", 1795943264, 0)); /* RFC 3339 §4.3: unknown offset */
  CHECK(ok("2026-11-29t09:07:44z", 1795943264, 0));      /* §5.6 NOTE: lowercase allowed */
  CHECK(ok("2026-11-29T09:07:44.1Z", 1795943264, 100000000));
  CHECK(ok("2026-11-29T09:07:44.123Z", 1795943264, 123000000));
  CHECK(ok("2026-11-29T09:07:44.000000001Z", 1795943264, 1));
  CHECK(ok("2026-11-29T09:07:44.999999999+08:00", 1795943264 - 8 * 3600, 999999999));
  CHECK(ok("1969-12-31T23:59:59Z", -1, 0));
  CHECK(ok("0000-01-01T00:00:00Z", -62167219200LL, 0));
  CHECK(ok("9999-12-31T23:59:59Z", 253402300799LL, 0));
  CHECK(ok("2000-02-29T00:00:00Z", 951782400, 0)); /* divisible by 400: leap */
  CHECK(ok("2024-02-29T12:00:00Z", 1709208000, 0));
  CHECK(ok("2016-12-31T23:59:60Z", 1483228799, 0)); /* leap second as :59 */
  CHECK(ok("2026-01-01T00:00:00+23:59", 1767225600 - 23 * 3600 - 59 * 60, 0));
  /* Outputs are optional. */
  CHECK(aidreg_rfc3339_parse("2026-11-29T09:07:44Z", NULL, NULL) == 0);
}

static void test_refusals(void) {
  CHECK(refused(NULL));
  CHECK(refused(""));
  CHECK(refused("2026-11-29"));
  CHECK(refused("2026-11-29T09:07:44"));        /* no offset */
  CHECK(refused("2026-11-29T09:07Z"));          /* no seconds */
  CHECK(refused("2026-11-29 09:07:44Z"));       /* space instead of T */
  CHECK(refused("2026-11-29X09:07:44Z"));
  CHECK(refused("2021-02-29T00:00:00Z"));       /* not a leap year */
  CHECK(refused("1900-02-29T00:00:00Z"));       /* divisible by 100 only */
  CHECK(refused("2021-13-01T00:00:00Z"));
  CHECK(refused("2021-00-01T00:00:00Z"));
  CHECK(refused("2021-01-00T00:00:00Z"));
  CHECK(refused("2021-01-32T00:00:00Z"));
  CHECK(refused("2021-04-31T00:00:00Z"));
  CHECK(refused("2021-01-01T24:00:00Z"));       /* hour 24 */
  CHECK(refused("2021-01-01T23:60:00Z"));
  CHECK(refused("2021-01-01T23:59:61Z"));
  CHECK(refused("2021-01-01T00:00:00+08:60"));  /* offset minutes > 59 */
  CHECK(refused("2021-01-01T00:00:00+24:00"));
  CHECK(refused("2021-01-01T00:00:00+0800"));
  CHECK(refused("2021-01-01T00:00:00+08"));
  CHECK(refused("2021-01-01T00:00:00+08:0"));
  CHECK(refused("2021-01-01T00:00:00.Z"));      /* a dot needs digits */
  CHECK(refused("2021-01-01T00:00:00.1234567891Z")); /* 10 digits */
  CHECK(refused("2021-01-01T00:00:00,5Z"));
  CHECK(refused("2021-01-01T00:00:00ZZ"));
  CHECK(refused("2021-01-01T00:00:00Z "));
  CHECK(refused(" 2021-01-01T00:00:00Z"));
  CHECK(refused("21-01-01T00:00:00Z"));
  CHECK(refused("+2021-01-01T00:00:00Z"));
  CHECK(refused("2021-1-01T00:00:00Z"));
  CHECK(refused("2021-01-01T0:00:00Z"));
  CHECK(refused("２０２１-01-01T00:00:00Z"));     /* fullwidth digits */
  CHECK(refused("2021-01-01T00:00:00UTC"));
  CHECK(refused("2021-01-01T00:00:00z+08:00"));
  CHECK(refused("2021/01/01T00:00:00Z"));
  /* Every proper prefix of a valid instant is refused without reading past its end. */
  const char *full = "2026-11-29T09:07:44.123456789+08:00";
  char buf[64];
  for (size_t n = 0; n < strlen(full); n++) {
    if (n == 0) continue;
    memcpy(buf, full, n);
    buf[n] = '\0';
    char *heap = malloc(n + 1); /* on the heap so that ASan sees an overread */
    CHECK(heap != NULL);
    if (!heap) continue;
    memcpy(heap, buf, n + 1);
    CHECK_MSG(refused(heap), "prefix %s", heap);
    free(heap);
  }
}

static void test_format(void) {
  char out[32];
  aidreg_rfc3339_format(1795943264, 123456789, out, sizeof out);
  CHECK_STR(out, "2026-11-29T09:07:44.123Z");
  aidreg_rfc3339_format(0, 0, out, sizeof out);
  CHECK_STR(out, "1970-01-01T00:00:00.000Z");
  aidreg_rfc3339_format(-1, 999999999, out, sizeof out);
  CHECK_STR(out, "1969-12-31T23:59:59.999Z");
  aidreg_rfc3339_format(951782400, 0, out, sizeof out);
  CHECK_STR(out, "2000-02-29T00:00:00.000Z");
  aidreg_rfc3339_format(253402300799LL, 0, out, sizeof out);
  CHECK_STR(out, "9999-12-31T23:59:59.000Z");
  aidreg_rfc3339_format(-62167219200LL, 0, out, sizeof out);
  CHECK_STR(out, "0000-01-01T00:00:00.000Z");
  aidreg_rfc3339_format(0, 1500000000, out, sizeof out); /* nsec carried into seconds */
  CHECK_STR(out, "1970-01-01T00:00:01.500Z");
  aidreg_rfc3339_format(0, -1, out, sizeof out);
  CHECK_STR(out, "1969-12-31T23:59:59.999Z");
  /* A small buffer gets a truncated, terminated string. */
  char small[5];
  aidreg_rfc3339_format(0, 0, small, sizeof small);
  CHECK_STR(small, "1970");

  /* Round trip over every day of a 400-year cycle and some more, at a few times of day. */
  int bad = 0;
  for (int64_t day = -800 * 365; day < 800 * 365 && bad < 5; day += 1) {
    int64_t t = day * 86400 + (day % 7) * 12345 % 86400;
    if (t < day * 86400) t += 86400;
    int64_t back;
    int32_t ns;
    aidreg_rfc3339_format(t, 7000000, out, sizeof out);
    if (aidreg_rfc3339_parse(out, &back, &ns) != 0 || back != t || ns != 7000000) {
      fprintf(stderr, "round trip %lld -> %s\n", (long long)t, out);
      bad++;
    }
    int64_t days;
    out[10] = '\0';
    if (aidreg_date_parse(out, &days) != 0 || days != day) {
      fprintf(stderr, "date %s -> %lld, want %lld\n", out, (long long)days, (long long)day);
      bad++;
    }
  }
  CHECK(bad == 0);
}

static void test_dates(void) {
  int64_t d = 42;
  CHECK(aidreg_date_parse("1970-01-01", &d) == 0 && d == 0);
  CHECK(aidreg_date_parse("2026-11-29", &d) == 0 && d == 20786);
  CHECK(aidreg_date_parse("1969-12-31", &d) == 0 && d == -1);
  CHECK(aidreg_date_parse("2024-02-29", &d) == 0 && d == 19782);
  CHECK(aidreg_date_parse("2024-12-31", NULL) == 0);
  d = 42;
  CHECK(aidreg_date_parse("2021-02-29", &d) == -1 && d == 42);
  CHECK(aidreg_date_parse("2021-13-01", &d) == -1);
  CHECK(aidreg_date_parse("2021-00-10", &d) == -1);
  CHECK(aidreg_date_parse("2021-06-31", &d) == -1);
  CHECK(aidreg_date_parse("2021-06-00", &d) == -1);
  CHECK(aidreg_date_parse("2021-6-1", &d) == -1);
  CHECK(aidreg_date_parse("2021-06-01T00:00:00Z", &d) == -1);
  CHECK(aidreg_date_parse("2021-06-01 ", &d) == -1);
  CHECK(aidreg_date_parse("20210601", &d) == -1);
  CHECK(aidreg_date_parse("", &d) == -1);
  CHECK(aidreg_date_parse(NULL, &d) == -1);
  CHECK(d == 42);
}

int main(void) {
  test_instants();
  test_refusals();
  test_format();
  test_dates();
  return test_done();
}
