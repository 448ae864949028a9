/* Ed25519 key files in the formats OpenSSL reads and writes (RFC 8410): a secret key is
 * PKCS#8 holding the 32-byte seed, a public key is SPKI. Only the seed is stored; the
 * libsodium secret key is derived from it on load. Buffers that held a seed are wiped. */
#include "aidreg/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidreg/encoding.h"

/* DER up to the key bytes: PKCS#8 v1 PrivateKeyInfo {0, {id-Ed25519}, OCTET STRING {OCTET
 * STRING seed}} and SPKI {{id-Ed25519}, BIT STRING pub}. */
static const uint8_t pkcs8_v1[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                     0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
/* OneAsymmetricKey v2 (RFC 8410 §10.3): the same with version 1 and [1] publicKey after the seed. */
static const uint8_t pkcs8_v2[16] = {0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06,
                                     0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
static const uint8_t pkcs8_v2_pub[3] = {0x81, 0x21, 0x00};
static const uint8_t spki[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

#define LABEL_SECRET "PRIVATE KEY"
#define LABEL_PUBLIC "PUBLIC KEY"
#define MAX_KEY_FILE 65536

static void set_err(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char *err, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, 256, fmt, ap);
  va_end(ap);
}

int aidreg_key_generate(aidreg_keypair *k) {
  if (sodium_init() < 0) return -1;
  return crypto_sign_keypair(k->pk, k->sk) == 0 ? 0 : -1;
}

void aidreg_key_wipe(aidreg_keypair *k) { sodium_memzero(k->sk, sizeof k->sk); }

void aidreg_key_id(const uint8_t pk[32], char out[AIDREG_KEYID_LEN + 1]) {
  aidreg_b64_encode_to(pk, 32, out, AIDREG_KEYID_LEN + 1);
}

int aidreg_key_id_decode(const char *keyid, uint8_t pk[32]) { return aidreg_b64_decode_fixed(keyid, pk, 32); }

/* PEM armour around der, base64 wrapped at 64 columns (RFC 7468). */
static char *pem_encode(const char *label, const uint8_t *der, size_t n) {
  char *b64 = aidreg_b64_encode_secret(der, n);
  if (!b64) return NULL;
  size_t blen = strlen(b64), lines = (blen + 63) / 64;
  size_t cap = 2 * (strlen(label) + 16) + blen + lines + 1;
  char *out = malloc(cap);
  if (out) {
    char *p = out;
    p += sprintf(p, "-----BEGIN %s-----\n", label);
    for (size_t i = 0; i < blen; i += 64) {
      size_t m = blen - i < 64 ? blen - i : 64;
      memcpy(p, b64 + i, m);
      p += m;
      *p++ = '\n';
    }
    sprintf(p, "-----END %s-----\n", label);
  }
  sodium_memzero(b64, blen);
  free(b64);
  return out;
}

/* Finds the block with this label and decodes its body, ignoring line breaks (LF or
 * CRLF, any width) and blanks. *der is malloc'd; the caller wipes and frees it. */
static int pem_decode(const char *pem, size_t len, const char *label, uint8_t **der, size_t *dlen) {
  char begin[64], end[64];
  snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
  snprintf(end, sizeof end, "-----END %s-----", label);
  const char *b = memmem(pem, len, begin, strlen(begin));
  if (!b) return -1;
  const char *body = b + strlen(begin);
  const char *e = memmem(body, len - (size_t)(body - pem), end, strlen(end));
  if (!e) return -1;
  size_t cap = (size_t)(e - body);
  char *buf = malloc(cap + 1);
  if (!buf) return -1;
  size_t n = 0;
  int rc = 0;
  for (const char *p = body; p < e; p++) {
    if (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t') continue;
    buf[n++] = *p;
  }
  rc = aidreg_b64_decode_secret(buf, n, der, dlen);
  sodium_memzero(buf, cap + 1);
  free(buf);
  return rc;
}

char *aidreg_key_secret_pem(const aidreg_keypair *k) {
  uint8_t der[sizeof pkcs8_v1 + 32];
  memcpy(der, pkcs8_v1, sizeof pkcs8_v1);
  memcpy(der + sizeof pkcs8_v1, k->sk, 32); /* the seed is the first half of sk */
  char *pem = pem_encode(LABEL_SECRET, der, sizeof der);
  sodium_memzero(der, sizeof der);
  return pem;
}

char *aidreg_key_public_pem(const uint8_t pk[32]) {
  uint8_t der[sizeof spki + 32];
  memcpy(der, spki, sizeof spki);
  memcpy(der + sizeof spki, pk, 32);
  return pem_encode(LABEL_PUBLIC, der, sizeof der);
}

void aidreg_key_pem_free(char *pem) {
  if (!pem) return;
  sodium_memzero(pem, strlen(pem));
  free(pem);
}

int aidreg_key_parse_secret_pem(const char *pem, size_t len, aidreg_keypair *k) {
  uint8_t *der = NULL;
  size_t n = 0;
  if (pem_decode(pem, len, LABEL_SECRET, &der, &n) != 0) return -1;
  int rc = -1;
  aidreg_keypair tmp;
  if (n == sizeof pkcs8_v1 + 32 && memcmp(der, pkcs8_v1, sizeof pkcs8_v1) == 0) {
    rc = crypto_sign_seed_keypair(tmp.pk, tmp.sk, der + sizeof pkcs8_v1);
  } else if (n == sizeof pkcs8_v2 + 32 + sizeof pkcs8_v2_pub + 32 && memcmp(der, pkcs8_v2, sizeof pkcs8_v2) == 0 &&
             memcmp(der + sizeof pkcs8_v2 + 32, pkcs8_v2_pub, sizeof pkcs8_v2_pub) == 0) {
    rc = crypto_sign_seed_keypair(tmp.pk, tmp.sk, der + sizeof pkcs8_v2);
    /* A stored public key that the seed does not derive means a corrupt file. */
    if (rc == 0 && memcmp(tmp.pk, der + n - 32, 32) != 0) rc = -1;
  }
  if (rc == 0) *k = tmp;
  sodium_memzero(&tmp, sizeof tmp);
  sodium_memzero(der, n);
  free(der);
  return rc == 0 ? 0 : -1;
}

int aidreg_key_parse_public_pem(const char *pem, size_t len, uint8_t pk[32]) {
  uint8_t *der = NULL;
  size_t n = 0;
  if (pem_decode(pem, len, LABEL_PUBLIC, &der, &n) != 0) return -1;
  int ok = n == sizeof spki + 32 && memcmp(der, spki, sizeof spki) == 0;
  if (ok) memcpy(pk, der + sizeof spki, 32);
  free(der);
  return ok ? 0 : -1;
}

static int write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Writes text to a new file (O_EXCL) or over an old one, fsynced. */
static int write_file(const char *path, const char *text, int exclusive, mode_t mode, char *err) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  int fd = open(path, flags, mode);
  if (fd < 0) {
    int e = errno;
    set_err(err, "cannot create %s: %s", path, strerror(e));
    errno = e;
    return -1;
  }
  /* The umask may only have narrowed the mode; make it exact. */
  if (fchmod(fd, mode) != 0 || write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0) {
    int e = errno;
    close(fd);
    unlink(path);
    set_err(err, "cannot write %s: %s", path, strerror(e));
    errno = e;
    return -1;
  }
  if (close(fd) != 0) {
    int e = errno;
    unlink(path);
    set_err(err, "cannot write %s: %s", path, strerror(e));
    errno = e;
    return -1;
  }
  return 0;
}

int aidreg_key_write_secret(const char *path, const aidreg_keypair *k, char *err) {
  char *pem = aidreg_key_secret_pem(k);
  if (!pem) {
    set_err(err, "out of memory");
    errno = ENOMEM;
    return -1;
  }
  int rc = write_file(path, pem, 1, 0600, err);
  aidreg_key_pem_free(pem);
  return rc;
}

/* A public key file is derived data: rewriting it keeps it matching a new secret key. */
int aidreg_key_write_public(const char *path, const uint8_t pk[32], char *err) {
  char *pem = aidreg_key_public_pem(pk);
  if (!pem) {
    set_err(err, "out of memory");
    errno = ENOMEM;
    return -1;
  }
  int rc = write_file(path, pem, 0, 0644, err);
  aidreg_key_pem_free(pem);
  return rc;
}

/* Reads a whole (small) key file; *buf is malloc'd and must be wiped by the caller. */
static int read_file(const char *path, char **buf, size_t *len, char *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    set_err(err, "cannot open %s: %s", path, strerror(e));
    errno = e;
    return -1;
  }
  char *b = malloc(MAX_KEY_FILE + 1);
  if (!b) {
    close(fd);
    set_err(err, "out of memory");
    errno = ENOMEM;
    return -1;
  }
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, b + n, MAX_KEY_FILE + 1 - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      close(fd);
      sodium_memzero(b, n);
      free(b);
      set_err(err, "cannot read %s: %s", path, strerror(e));
      errno = e;
      return -1;
    }
    if (r == 0) break;
    n += (size_t)r;
    if (n > MAX_KEY_FILE) {
      close(fd);
      sodium_memzero(b, n);
      free(b);
      set_err(err, "%s: too large for a key file", path);
      errno = EFBIG;
      return -1;
    }
  }
  close(fd);
  *buf = b;
  *len = n;
  return 0;
}

int aidreg_key_read_secret(const char *path, aidreg_keypair *k, char *err) {
  char *buf;
  size_t n;
  if (read_file(path, &buf, &n, err) != 0) return -1;
  int rc = aidreg_key_parse_secret_pem(buf, n, k);
  sodium_memzero(buf, n);
  free(buf);
  if (rc != 0) {
    set_err(err, "%s: not an Ed25519 PKCS#8 PEM private key", path);
    errno = EINVAL;
  }
  return rc;
}

int aidreg_key_read_public(const char *path, uint8_t pk[32], char *err) {
  char *buf;
  size_t n;
  if (read_file(path, &buf, &n, err) != 0) return -1;
  int rc = aidreg_key_parse_public_pem(buf, n, pk);
  if (rc != 0) {
    aidreg_keypair k;
    rc = aidreg_key_parse_secret_pem(buf, n, &k);
    if (rc == 0) memcpy(pk, k.pk, 32);
    aidreg_key_wipe(&k);
  }
  sodium_memzero(buf, n);
  free(buf);
  if (rc != 0) {
    set_err(err, "%s: not an Ed25519 PEM public or private key", path);
    errno = EINVAL;
  }
  return rc;
}
