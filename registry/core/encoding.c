/* Standard base64, hex and SHA-256. Decoding is strict because every encoded value we
 * read (keys, signatures, hashes) is compared or signed byte for byte: two spellings of
 * the same bytes would let the same entry appear under two names. */
#include "aidreg/encoding.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static size_t b64_len(size_t n) { return 4 * ((n + 2) / 3); }

/* Public data (hashes, signatures, payloads, public keys) goes through the table-driven
 * codec below: libsodium's is constant-time, at several times the cost, and the server
 * encodes or decodes about 2 KB of base64 per entry (the envelope, the leaf, the receipt's
 * proof). Secret bytes (a key file's PKCS#8 body) keep libsodium's: the _secret pair. */
static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Each character's 6-bit value, 0xff for any byte outside the alphabet ('=' included). */
static const uint8_t b64_values[256] = {
#define X 0xff
#define R16 X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X
    R16, R16,
    X, X, X, X, X, X, X, X, X, X, X, 62, X, X, X, 63,               /* '+' 43, '/' 47 */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,       /* '0'-'9' */
    X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,            /* 'A'-'O' */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, X,      /* 'P'-'Z' */
    X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,  /* 'a'-'o' */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,      /* 'p'-'z' */
    R16, R16, R16, R16, R16, R16, R16, R16,
#undef R16
#undef X
};

/* out holds b64_len(n) + 1 bytes. */
static void b64_put(const uint8_t *in, size_t n, char *out) {
  size_t i = 0;
  for (; i + 3 <= n; i += 3, out += 4) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[0] = b64_alphabet[v >> 18];
    out[1] = b64_alphabet[(v >> 12) & 63];
    out[2] = b64_alphabet[(v >> 6) & 63];
    out[3] = b64_alphabet[v & 63];
  }
  if (i < n) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
    out[0] = b64_alphabet[v >> 18];
    out[1] = b64_alphabet[(v >> 12) & 63];
    out[2] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
    out[3] = '=';
    out += 4;
  }
  *out = '\0';
}

char *aidreg_b64_encode(const uint8_t *in, size_t n) {
  if (n > (SIZE_MAX - 1) / 4 * 3 - 2) return NULL;
  char *out = malloc(b64_len(n) + 1);
  if (out) b64_put(in, n, out);
  return out;
}

int aidreg_b64_encode_to(const uint8_t *in, size_t n, char *out, size_t cap) {
  if (n > (SIZE_MAX - 1) / 4 * 3 - 2 || cap < b64_len(n) + 1) return -1;
  b64_put(in, n, out);
  return 0;
}

/* The strict form (every decoder here): the length is a multiple of 4, padding appears
 * only at the end and only as much as needed, and the bits the padding leaves over are
 * zero (so each byte string has exactly one encoding). Returns the decoded length, or -1. */
static long long b64_check(const char *in, size_t inlen) {
  if (inlen % 4 != 0) return -1;
  if (inlen == 0) return 0;
  size_t pad = 0;
  if (in[inlen - 1] == '=') pad++;
  if (in[inlen - 2] == '=') pad++;
  if (pad == 1 && in[inlen - 2] == '=') return -1;
  for (size_t i = 0; i < inlen - pad; i++)
    if (b64_values[(unsigned char)in[i]] == 0xff) return -1;
  unsigned last = b64_values[(unsigned char)in[inlen - pad - 1]];
  if (pad == 1 && (last & 0x03) != 0) return -1;
  if (pad == 2 && (last & 0x0f) != 0) return -1;
  return (long long)(inlen / 4 * 3 - pad);
}

/* Decodes in (already checked by b64_check) into out, which holds its decoded length. */
static void b64_get(const char *in, size_t inlen, uint8_t *out) {
  const unsigned char *p = (const unsigned char *)in;
  size_t groups = inlen / 4, o = 0;
  for (size_t g = 0; g < groups; g++, p += 4) {
    uint32_t v = (uint32_t)b64_values[p[0]] << 18 | (uint32_t)b64_values[p[1]] << 12;
    out[o++] = (uint8_t)(v >> 16);
    if (p[2] == '=') break; /* the last group (b64_check) */
    v |= (uint32_t)b64_values[p[2]] << 6;
    out[o++] = (uint8_t)(v >> 8);
    if (p[3] == '=') break;
    v |= b64_values[p[3]];
    out[o++] = (uint8_t)v;
  }
}

int aidreg_b64_decode(const char *in, size_t inlen, uint8_t **out, size_t *outlen) {
  long long want = b64_check(in, inlen);
  if (want < 0) return -1;
  uint8_t *buf = malloc(want > 0 ? (size_t)want : 1);
  if (!buf) return -2;
  b64_get(in, inlen, buf);
  *out = buf;
  *outlen = (size_t)want;
  return 0;
}

int aidreg_b64_decode_fixed(const char *in, uint8_t *out, size_t n) {
  size_t inlen = strlen(in);
  if (inlen != b64_len(n)) return -1;
  long long want = b64_check(in, inlen);
  if (want < 0 || (size_t)want != n) return -1;
  b64_get(in, inlen, out);
  return 0;
}

char *aidreg_b64_encode_secret(const uint8_t *in, size_t n) {
  if (n > (SIZE_MAX - 1) / 4 * 3 - 2) return NULL;
  size_t cap = b64_len(n) + 1;
  char *out = malloc(cap);
  if (!out) return NULL;
  sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_ORIGINAL);
  return out;
}

int aidreg_b64_decode_secret(const char *in, size_t inlen, uint8_t **out, size_t *outlen) {
  long long want = b64_check(in, inlen);
  if (want < 0) return -1;
  uint8_t *buf = malloc(want > 0 ? (size_t)want : 1);
  if (!buf) return -2;
  size_t got = 0;
  if (want > 0 &&
      (sodium_base642bin(buf, (size_t)want, in, inlen, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
       got != (size_t)want)) {
    sodium_memzero(buf, (size_t)want);
    free(buf);
    return -1;
  }
  *out = buf;
  *outlen = got;
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
