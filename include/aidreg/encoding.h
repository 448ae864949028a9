#ifndef AIDREG_ENCODING_H
#define AIDREG_ENCODING_H
/* Standard base64 (RFC 4648 §4, with padding), lowercase hex and SHA-256. */
#include <stddef.h>
#include <stdint.h>

/* Returns a malloc'd NUL-terminated string the caller frees; NULL on OOM. */
char *aidreg_b64_encode(const uint8_t *in, size_t n);
/* Writes the encoding of in into out (cap must be >= 4*((n+2)/3)+1). Returns 0, or -1 if too small. */
int aidreg_b64_encode_to(const uint8_t *in, size_t n, char *out, size_t cap);
/* Strict decode: standard alphabet, padding required, no whitespace.
 * *out is malloc'd (caller frees), *outlen its length. Returns 0, -1 (not strict base64)
 * or -2 (out of memory: not the input's fault); nothing is allocated on failure. */
int aidreg_b64_decode(const char *in, size_t inlen, uint8_t **out, size_t *outlen);
/* Strict decode of exactly n bytes into out. Returns 0 or -1. */
int aidreg_b64_decode_fixed(const char *in, uint8_t *out, size_t n);
/* The same as aidreg_b64_encode and aidreg_b64_decode, for secret bytes (a key file's
 * body): libsodium's constant-time codec instead of the table-driven one. */
char *aidreg_b64_encode_secret(const uint8_t *in, size_t n);
int aidreg_b64_decode_secret(const char *in, size_t inlen, uint8_t **out, size_t *outlen);

/* out must hold 2n+1 bytes; lowercase. */
void aidreg_hex_encode(const uint8_t *in, size_t n, char *out);
/* Exactly 2n hex digits (either case) followed by NUL. Returns 0 or -1. */
int aidreg_hex_decode(const char *hex, uint8_t *out, size_t n);

void aidreg_sha256(const void *data, size_t n, uint8_t out[32]);

#endif
