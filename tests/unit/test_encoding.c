/* Base64 (RFC 4648 §10 vectors, strictness), hex and SHA-256 (FIPS 180-2 "abc"). */
#include <sodium.h>
#include <stdlib.h>

#include "aidreg/encoding.h"
#include "test.h"

static int decodes(const char *s) {
  uint8_t *out = NULL;
  size_t n = 0;
  int rc = aidreg_b64_decode(s, strlen(s), &out, &n);
  free(out);
  return rc == 0;
}

static void test_rfc4648(void) {
  static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (size_t i = 0; i < 7; i++) {
    char *e = aidreg_b64_encode((const uint8_t *)plain[i], strlen(plain[i]));
    CHECK_STR(e, enc[i]);
    free(e);
    uint8_t *d = NULL;
    size_t n = 99;
    CHECK(aidreg_b64_decode(enc[i], strlen(enc[i]), &d, &n) == 0);
    CHECK(n == strlen(plain[i]) && (n == 0 || memcmp(d, plain[i], n) == 0));
    free(d);
  }
  char buf[9];
  CHECK(aidreg_b64_encode_to((const uint8_t *)"foobar", 6, buf, sizeof buf) == 0);
  CHECK_STR(buf, "Zm9vYmFy");
  CHECK(aidreg_b64_encode_to((const uint8_t *)"foobar", 6, buf, 8) == -1);
}

static void test_strict(void) {
  CHECK(decodes("Zm8="));
  CHECK(!decodes("Zm9"));       /* missing padding */
  CHECK(!decodes("Zm8"));       /* missing padding */
  CHECK(!decodes("Zm9="));      /* trailing bits set: '9' = 61 = 0b111101 */
  CHECK(!decodes("Zh=="));      /* trailing bits set */
  CHECK(!decodes("Zm8=Zm8="));  /* padding in the middle */
  CHECK(!decodes("Z==="));
  CHECK(!decodes("===="));
  CHECK(!decodes("Zm=v"));
  CHECK(!decodes("Zm9v\n"));
  CHECK(!decodes("Zm 9v"));
  CHECK(!decodes(" Zm9v"));
  CHECK(!decodes("Zm9v="));
  CHECK(!decodes("Zm-_"));      /* URL alphabet */
  CHECK(!decodes("Zm9v===="));
  uint8_t *out = NULL;
  size_t n;
  CHECK(aidreg_b64_decode("Zm9v\0Zm9v", 9, &out, &n) == -1); /* embedded NUL */
  CHECK(out == NULL);

  uint8_t fixed[3];
  CHECK(aidreg_b64_decode_fixed("Zm9v", fixed, 3) == 0 && memcmp(fixed, "foo", 3) == 0);
  CHECK(aidreg_b64_decode_fixed("Zm8=", fixed, 3) == -1);
  CHECK(aidreg_b64_decode_fixed("Zm9vYg==", fixed, 3) == -1);
  CHECK(aidreg_b64_decode_fixed("Zm9v ", fixed, 3) == -1);
  uint8_t two[2];
  CHECK(aidreg_b64_decode_fixed("Zm8=", two, 2) == 0 && memcmp(two, "fo", 2) == 0);
  CHECK(aidreg_b64_decode_fixed("Zm9=", two, 2) == -1);
}

static void test_roundtrip(void) {
  uint8_t data[300];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 37 + 11);
  for (size_t n = 0; n <= sizeof data; n++) {
    char *e = aidreg_b64_encode(data, n);
    CHECK(e != NULL && strlen(e) == 4 * ((n + 2) / 3));
    uint8_t *d = NULL;
    size_t m = 0;
    CHECK(aidreg_b64_decode(e, strlen(e), &d, &m) == 0 && m == n && (n == 0 || memcmp(d, data, n) == 0));
    free(d);
    free(e);
  }
}

/* The table-driven codec against libsodium's (the _secret pair): the same text for every
 * byte string, and for every text (random ones, and encodings with one character changed
 * to any byte) the same verdict and the same bytes. */
static void test_against_libsodium(void) {
  uint8_t data[64];
  char sodium[4 * ((sizeof data + 2) / 3) + 1];
  for (unsigned round = 0; round < 2000; round++) {
    size_t n = randombytes_uniform(sizeof data + 1);
    randombytes_buf(data, n);
    char *fast = aidreg_b64_encode(data, n), *slow = aidreg_b64_encode_secret(data, n);
    sodium_bin2base64(sodium, sizeof sodium, data, n, sodium_base64_VARIANT_ORIGINAL);
    CHECK(fast && slow);
    CHECK_STR(fast, sodium);
    CHECK_STR(slow, sodium);
    size_t len = strlen(fast);
    if (len) fast[randombytes_uniform((uint32_t)len)] = (char)randombytes_uniform(256);
    if (round % 4 == 0) /* a text from the alphabet, '=' and a few others, any length */
      for (size_t i = 0; i < len; i++) fast[i] = "AQgw+/=Zz09a \n"[randombytes_uniform(15)];
    len = strlen(fast); /* a NUL drawn shortens it */
    uint8_t *a = NULL, *b = NULL;
    size_t an = 0, bn = 0;
    int ra = aidreg_b64_decode(fast, len, &a, &an), rb = aidreg_b64_decode_secret(fast, len, &b, &bn);
    CHECK_MSG(ra == rb, "\"%s\": table %d, libsodium %d", fast, ra, rb);
    CHECK(ra != 0 || (an == bn && (an == 0 || memcmp(a, b, an) == 0)));
    uint8_t fixed[64];
    if (ra == 0 && an <= sizeof fixed) CHECK(aidreg_b64_decode_fixed(fast, fixed, an) == 0 && memcmp(fixed, b, an) == 0);
    free(a);
    free(b);
    free(fast);
    free(slow);
  }
}

static void test_hex(void) {
  uint8_t b[4] = {0x00, 0xab, 0xCD, 0xff}, out[4];
  char h[9];
  aidreg_hex_encode(b, 4, h);
  CHECK_STR(h, "00abcdff");
  CHECK(aidreg_hex_decode("00abcdff", out, 4) == 0 && memcmp(out, b, 4) == 0);
  CHECK(aidreg_hex_decode("00ABCDFF", out, 4) == 0 && memcmp(out, b, 4) == 0);
  CHECK(aidreg_hex_decode("00abcdf", out, 4) == -1);
  CHECK(aidreg_hex_decode("00abcdff0", out, 4) == -1);
  CHECK(aidreg_hex_decode("00abcdfg", out, 4) == -1);
  CHECK(aidreg_hex_decode(" 0abcdff", out, 4) == -1);
  CHECK(aidreg_hex_decode("", out, 0) == 0);
}

static void test_sha256(void) {
  uint8_t d[32];
  char h[65];
  aidreg_sha256("abc", 3, d);
  aidreg_hex_encode(d, 32, h);
  CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  aidreg_sha256("", 0, d);
  aidreg_hex_encode(d, 32, h);
  CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void) {
  if (sodium_init() < 0) return 1;
  test_rfc4648();
  test_strict();
  test_roundtrip();
  test_against_libsodium();
  test_hex();
  test_sha256();
  return test_done();
}
