/* 居民身份证号码 in text (national_id.h). */
#include "core/national_id.h"

#include <string.h>

static bool digit(char c) { return c >= '0' && c <= '9'; }
static bool alnum(char c) { return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static int num(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
  return v;
}

static bool real_date(const char *s) {
  int y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);
  static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > days[m - 1]) return false;
  return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

bool ar_has_national_id(const char *s) {
  size_t n = s ? strlen(s) : 0;
  for (size_t i = 0; i + 18 <= n; i++) {
    if (i > 0 && alnum(s[i - 1])) continue;
    size_t k = 0;
    while (k < 17 && digit(s[i + k])) k++;
    if (k < 17) continue;
    char last = s[i + 17];
    if (!(digit(last) || last == 'X' || last == 'x')) continue;
    if (i + 18 < n && alnum(s[i + 18])) continue;
    if (real_date(s + i + 6)) return true;
  }
  return false;
}
