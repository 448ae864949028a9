/* RFC 3339 instants and calendar dates, converted with our own civil-calendar arithmetic:
 * timegm() is not standard C and mktime() reads TZ, and neither may decide what a signed
 * time means. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aidreg/event.h"
#include "core/calendar.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
int64_t ar_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse: civil date of a day count since 1970-01-01. */
void ar_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

unsigned ar_month_days(int64_t y, unsigned m) {
  static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 ? 28u + (unsigned)leap : dim[m - 1];
}

/* n ASCII digits at s into *v. Stops at the first non-digit (a NUL included), so it never
 * reads past the end of a shorter string. Not isdigit(): that depends on the locale. */
static int digits(const char *s, int n, int *v) {
  int x = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    x = x * 10 + (s[i] - '0');
  }
  *v = x;
  return 0;
}

/* "YYYY-MM-DD" at s (not necessarily NUL-terminated after it), a date that exists. */
static int full_date(const char *s, int64_t *days) {
  int y, m, d;
  if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
      digits(s + 8, 2, &d))
    return -1;
  if (m < 1 || m > 12 || d < 1 || d > (int)ar_month_days(y, (unsigned)m)) return -1;
  *days = ar_days_from_civil(y, (unsigned)m, (unsigned)d);
  return 0;
}

int aidreg_date_parse(const char *s, int64_t *days) {
  int64_t v;
  if (!s || strlen(s) != 10 || full_date(s, &v)) return -1;
  if (days) *days = v;
  return 0;
}

int aidreg_rfc3339_parse(const char *s, int64_t *unix_sec, int32_t *nsec) {
  int64_t days;
  int h, mi, sec, oh = 0, om = 0, sign = 0;
  int32_t ns = 0;
  /* Checked left to right, each test stopping at a NUL: no read past a short string. */
  if (!s || full_date(s, &days)) return -1;
  if (s[10] != 'T' && s[10] != 't') return -1; /* RFC 3339 §5.6 NOTE: lowercase allowed */
  if (digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
      digits(s + 17, 2, &sec))
    return -1;
  if (h > 23 || mi > 59 || sec > 60) return -1;
  const char *q = s + 19;
  if (*q == '.') {
    int nd = 0;
    for (q++; *q >= '0' && *q <= '9'; q++, nd++) {
      if (nd == 9) return -1; /* finer than a nanosecond: refuse rather than round */
      ns = ns * 10 + (*q - '0');
    }
    if (nd == 0) return -1;
    for (; nd < 9; nd++) ns *= 10;
  }
  if (*q == 'Z' || *q == 'z') {
    q++;
  } else if (*q == '+' || *q == '-') {
    sign = *q == '+' ? 1 : -1;
    if (digits(q + 1, 2, &oh) || q[3] != ':' || digits(q + 4, 2, &om)) return -1;
    if (oh > 23 || om > 59) return -1;
    q += 6;
  } else {
    return -1; /* the offset is not optional */
  }
  if (*q != '\0') return -1;
  if (sec == 60) sec = 59; /* a leap second counts as the second before it */
  int64_t t = days * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
  if (unix_sec) *unix_sec = t;
  if (nsec) *nsec = ns;
  return 0;
}

void aidreg_rfc3339_format(int64_t unix_sec, int32_t nsec, char *out, size_t cap) {
  if (!out || cap == 0) return;
  /* Normalise nsec into [0, 1e9) so that a sloppy caller still gets a real instant. */
  if (nsec < 0 || nsec >= 1000000000) {
    int64_t carry = nsec / 1000000000;
    nsec %= 1000000000;
    if (nsec < 0) {
      nsec += 1000000000;
      carry--;
    }
    unix_sec += carry;
  }
  int64_t days = unix_sec / 86400, rem = unix_sec % 86400;
  if (rem < 0) { /* floor division for instants before 1970 */
    rem += 86400;
    days--;
  }
  int64_t y;
  unsigned m, d;
  ar_civil_from_days(days, &y, &m, &d);
  snprintf(out, cap, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
           (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)(nsec / 1000000));
}
