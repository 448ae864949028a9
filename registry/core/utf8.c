/* UTF-8: validation of untrusted text, and cutting text to fit a buffer without
 * splitting a character (problems' fields and details end up in JSON). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aidreg/event.h"
#include "core/utf8.h"

bool aidreg_utf8_valid(const uint8_t *s, size_t n) {
  if (!s) return n == 0;
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      if (c == 0) return false; /* NUL would cut the text short in every C consumer */
      i++;
      continue;
    }
    size_t len;
    uint32_t cp;
    /* C0, C1 can only start overlong 2-byte forms; F5..FF would exceed U+10FFFF. */
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (len == 3 && cp < 0x800) return false;                      /* overlong */
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false; /* overlong, too big */
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;                /* surrogate */
    i += len;
  }
  return true;
}

size_t ar_utf8_cut(const char *s, size_t n) {
  size_t i = n, back = 0;
  while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
    i--;
    back++;
  }
  if (i == 0) return n;
  unsigned char lead = (unsigned char)s[i - 1];
  size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return need == back + 1 || lead < 0x80 ? n : i - 1;
}

const char *ar_utf8_prefix(const char *s, char *buf, size_t cap) {
  size_t n = s ? strnlen(s, cap - 1) : 0;
  n = ar_utf8_cut(s ? s : "", n);
  memcpy(buf, s ? s : "", n);
  buf[n] = '\0';
  return buf;
}
