/* Standard base64, hex and SHA-256. Decoding is strict because every encoded value we
 * read (keys, signatures, hashes) is compared or signed byte for byte: two spellings of
 * the same bytes would let the same entry appear under two names. */
#include "aidreg/encoding.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static size_t b64_len(size_t n) { return 4 * ((n + 2) / 3); }

char *aidreg_b64_encode(const uint8_t *in, size_t n) {
  if (n > (SIZE_MAX - 1) / 4 * 3 - 2) return NULL;
  size_t cap = b64_len(n) + 1;
  char *out = malloc(cap);
  if (!out) return NULL;
  sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_ORIGINAL);
  return out;
}

int aidreg_b64_encode_to(const uint8_t *in, size_t n, char *out, size_t cap) {
  if (n > (SIZE_MAX - 1) / 4 * 3 - 2 || cap < b64_len(n) + 1) return -1;
  sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_ORIGINAL);
  return 0;
}

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Checks what libsodium's decoder lets through or handles loosely: the length is a
 * multiple of 4, padding appears only at the end and only as much as needed, and the
 * bits the padding leaves over are zero (so each byte string has exactly one encoding).
 * Returns the decoded length, or -1. */
static long long b64_check(const char *in, size_t inlen) {
  if (inlen % 4 != 0) return -1;
  if (inlen == 0) return 0;
  size_t pad = 0;
  if (in[inlen - 1] == '=') pad++;
  if (in[inlen - 2] == '=') pad++;
  if (pad == 1 && in[inlen - 2] == '=') return -1;
  for (size_t i = 0; i < inlen - pad; i++)
    if (b64_value(in[i]) < 0) return -1;
  int last = b64_value(in[inlen - pad - 1]);
  if (pad == 1 && (last & 0x03) != 0) return -1;
  if (pad == 2 && (last & 0x0f) != 0) return -1;
  return (long long)(inlen / 4 * 3 - pad);
}

int aidreg_b64_decode(const char *in, size_t inlen, uint8_t **out, size_t *outlen) {
  long long want = b64_check(in, inlen);
  if (want < 0) return -1;
  uint8_t *buf = malloc(want > 0 ? (size_t)want : 1);
  if (!buf) return -2;
  size_t got = 0;
  if (want > 0 &&
      (sodium_base642bin(buf, (size_t)want, in, inlen, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
       got != (size_t)want)) {
    free(buf);
    return -1;
  }
  *out = buf;
  *outlen = got;
  return 0;
}

int aidreg_b64_decode_fixed(const char *in, uint8_t *out, size_t n) {
  size_t inlen = strlen(in);
  if (inlen != b64_len(n)) return -1;
  long long want = b64_check(in, inlen);
  if (want < 0 || (size_t)want != n) return -1;
  if (n == 0) return 0;
  size_t got = 0;
  if (sodium_base642bin(out, n, in, inlen, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || got != n)
    return -1;
  return 0;
}

void aidreg_hex_encode(const uint8_t *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 0x0f];
  }
  out[2 * n] = '\0';
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int aidreg_hex_decode(const char *hex, uint8_t *out, size_t n) {
  /* Look at most 2n+1 characters: hex need not be NUL-terminated when too long. */
  for (size_t i = 0; i < 2 * n; i++)
    if (hex_value(hex[i]) < 0) return -1;
  if (hex[2 * n] != '\0') return -1;
  for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
  return 0;
}

void aidreg_sha256(const void *data, size_t n, uint8_t out[32]) {
  crypto_hash_sha256(out, (const unsigned char *)data, n);
}
