/* Ed25519 key files: the RFC 8410 example key, round trips, tolerant PEM reading, mode
 * 0600, and compatibility with `openssl pkey` in both directions when openssl exists. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "test.h"

/* RFC 8410 §10.3 private key and §10.1 public key: the same pair. */
static const char rfc_secret[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
    "-----END PRIVATE KEY-----\n";
static const char rfc_public[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
    "-----END PUBLIC KEY-----\n";
static const char rfc_pub_hex[] = "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1";

static char dir[] = "/tmp/aidreg-test-keys-XXXXXX";

static char *path(const char *name) {
  static char buf[4][256];
  static int k;
  char *p = buf[k++ % 4];
  snprintf(p, 256, "%s/%s", dir, name);
  return p;
}

static char *slurp(const char *p) {
  FILE *f = fopen(p, "rb");
  if (!f) return NULL;
  char *buf = calloc(1, 65536);
  if (buf) fread(buf, 1, 65535, f);
  fclose(f);
  return buf;
}

static void test_rfc8410(void) {
  aidreg_keypair k;
  uint8_t want[32], pk[32];
  CHECK(aidreg_hex_decode(rfc_pub_hex, want, 32) == 0);
  CHECK(aidreg_key_parse_secret_pem(rfc_secret, strlen(rfc_secret), &k) == 0);
  CHECK(memcmp(k.pk, want, 32) == 0);
  CHECK(memcmp(k.sk + 32, want, 32) == 0);
  CHECK(aidreg_key_parse_public_pem(rfc_public, strlen(rfc_public), pk) == 0 && memcmp(pk, want, 32) == 0);
  char *s = aidreg_key_secret_pem(&k), *p = aidreg_key_public_pem(k.pk);
  CHECK_STR(s, rfc_secret);
  CHECK_STR(p, rfc_public);
  aidreg_key_pem_free(s);
  aidreg_key_pem_free(p);
  /* the labels are not interchangeable */
  CHECK(aidreg_key_parse_public_pem(rfc_secret, strlen(rfc_secret), pk) == -1);
  CHECK(aidreg_key_parse_secret_pem(rfc_public, strlen(rfc_public), &k) == -1);
  aidreg_key_wipe(&k);
}

/* Re-wraps the base64 body of pem at width columns with the given line ending. */
static char *rewrap(const char *pem, size_t width, const char *eol, const char *preamble) {
  const char *b = strchr(pem, '\n') + 1, *e = strstr(pem, "-----END");
  char body[256];
  size_t n = 0;
  for (const char *q = b; q < e; q++)
    if (*q != '\n') body[n++] = *q;
  char *out = calloc(1, 1024);
  if (!out) abort();
  strcat(out, preamble);
  strncat(out, pem, (size_t)(b - pem - 1));
  strcat(out, eol);
  for (size_t i = 0; i < n; i += width) {
    strncat(out, body + i, n - i < width ? n - i : width);
    strcat(out, eol);
  }
  strncat(out, e, strcspn(e, "\n"));
  strcat(out, eol);
  return out;
}

static void test_tolerant_parse(void) {
  uint8_t want[32];
  CHECK(aidreg_hex_decode(rfc_pub_hex, want, 32) == 0);
  size_t widths[] = {1, 16, 44, 64, 76, 200};
  for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
    for (int crlf = 0; crlf < 2; crlf++) {
      aidreg_keypair k;
      uint8_t pk[32];
      char *s = rewrap(rfc_secret, widths[i], crlf ? "\r\n" : "\n", crlf ? "comment\r\n" : "");
      char *p = rewrap(rfc_public, widths[i], crlf ? "\r\n" : "\n", "");
      CHECK_MSG(aidreg_key_parse_secret_pem(s, strlen(s), &k) == 0 && memcmp(k.pk, want, 32) == 0, "width %zu crlf %d",
                widths[i], crlf);
      CHECK_MSG(aidreg_key_parse_public_pem(p, strlen(p), pk) == 0 && memcmp(pk, want, 32) == 0, "width %zu crlf %d",
                widths[i], crlf);
      free(s);
      free(p);
    }
  }

  /* PKCS#8 v2 (OneAsymmetricKey) carrying the public key: accepted when it matches */
  aidreg_keypair k;
  uint8_t der[83] = {0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
  CHECK(aidreg_hex_decode("d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842", der + 16, 32) == 0);
  der[48] = 0x81, der[49] = 0x21, der[50] = 0x00;
  memcpy(der + 51, want, 32);
  char b64[200], pem[300];
  aidreg_b64_encode_to(der, sizeof der, b64, sizeof b64);
  snprintf(pem, sizeof pem, "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n", b64);
  CHECK(aidreg_key_parse_secret_pem(pem, strlen(pem), &k) == 0 && memcmp(k.pk, want, 32) == 0);
  der[82] ^= 1;
  aidreg_b64_encode_to(der, sizeof der, b64, sizeof b64);
  snprintf(pem, sizeof pem, "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n", b64);
  CHECK(aidreg_key_parse_secret_pem(pem, strlen(pem), &k) == -1);

  static const char *bad[] = {
      "",
      "-----BEGIN PRIVATE KEY-----\n",
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n",
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVh\n-----END PRIVATE "
      "KEY-----\n",
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhCAA==\n-----END "
      "PRIVATE KEY-----\n",
      /* an X25519 key (OID 1.3.101.110) */
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE "
      "KEY-----\n",
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC!\n-----END PRIVATE "
      "KEY-----\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK_MSG(aidreg_key_parse_secret_pem(bad[i], strlen(bad[i]), &k) == -1, "accepted bad PEM %zu", i);
  aidreg_key_wipe(&k);
}

static void test_key_id(void) {
  aidreg_keypair k;
  uint8_t pk[32];
  char id[AIDREG_KEYID_LEN + 1];
  CHECK(aidreg_key_generate(&k) == 0);
  aidreg_key_id(k.pk, id);
  CHECK(strlen(id) == AIDREG_KEYID_LEN && id[43] == '=');
  CHECK(aidreg_key_id_decode(id, pk) == 0 && memcmp(pk, k.pk, 32) == 0);
  id[43] = '\0';
  CHECK(aidreg_key_id_decode(id, pk) == -1);
  CHECK(aidreg_key_id_decode("", pk) == -1);
  /* the secret key signs for its public key */
  uint8_t sig[64];
  crypto_sign_detached(sig, NULL, (const uint8_t *)"m", 1, k.sk);
  CHECK(crypto_sign_verify_detached(sig, (const uint8_t *)"m", 1, k.pk) == 0);
  aidreg_key_wipe(&k);
  static const uint8_t zero[64];
  CHECK(memcmp(k.sk, zero, 64) == 0);
}

static void test_files(void) {
  aidreg_keypair k, r;
  uint8_t pk[32];
  char err[256] = "";
  CHECK(aidreg_key_generate(&k) == 0);
  mode_t old = umask(0); /* the mode must be 0600 whatever the umask */
  CHECK(aidreg_key_write_secret(path("a.key"), &k, err) == 0);
  CHECK(aidreg_key_write_public(path("a.pub"), k.pk, err) == 0);
  umask(old);
  struct stat st;
  CHECK(stat(path("a.key"), &st) == 0 && (st.st_mode & 07777) == 0600);
  CHECK(stat(path("a.pub"), &st) == 0 && (st.st_mode & 07777) == 0644);

  /* never overwrite a secret key */
  err[0] = '\0';
  errno = 0;
  CHECK(aidreg_key_write_secret(path("a.key"), &k, err) == -1 && errno == EEXIST && err[0] != '\0');
  CHECK(aidreg_key_write_secret(path("a.key"), &k, NULL) == -1);

  CHECK(aidreg_key_read_secret(path("a.key"), &r, err) == 0);
  CHECK(memcmp(&r, &k, sizeof k) == 0);
  CHECK(aidreg_key_read_public(path("a.pub"), pk, err) == 0 && memcmp(pk, k.pk, 32) == 0);
  memset(pk, 0, sizeof pk);
  CHECK(aidreg_key_read_public(path("a.key"), pk, err) == 0 && memcmp(pk, k.pk, 32) == 0);
  err[0] = '\0';
  CHECK(aidreg_key_read_secret(path("a.pub"), &r, err) == -1 && err[0] != '\0');
  err[0] = '\0';
  CHECK(aidreg_key_read_secret(path("missing.key"), &r, err) == -1 && errno == ENOENT && err[0] != '\0');
  CHECK(aidreg_key_read_public(path("missing.pub"), pk, NULL) == -1);
  CHECK(aidreg_key_write_public(path("no/such/dir.pub"), k.pk, err) == -1);

  /* openssl reads our files, and we read openssl's */
  if (system("command -v openssl >/dev/null 2>&1") != 0) {
    fprintf(stderr, "openssl not on PATH: skipping the openssl compatibility checks\n");
  } else {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "openssl pkey -in %s -pubout -out %s 2>/dev/null", path("a.key"), path("a.openssl.pub"));
    CHECK(system(cmd) == 0);
    char *ours = slurp(path("a.pub")), *theirs = slurp(path("a.openssl.pub"));
    CHECK_STR(ours, theirs);
    free(ours);
    free(theirs);
    snprintf(cmd, sizeof cmd, "openssl pkey -pubin -in %s -noout 2>/dev/null", path("a.pub"));
    CHECK(system(cmd) == 0);

    snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm ed25519 -out %s 2>/dev/null && openssl pkey -in %s -pubout -out %s 2>/dev/null",
             path("o.key"), path("o.key"), path("o.pub"));
    CHECK(system(cmd) == 0);
    aidreg_keypair o;
    CHECK(aidreg_key_read_secret(path("o.key"), &o, err) == 0);
    CHECK(aidreg_key_read_public(path("o.pub"), pk, err) == 0 && memcmp(pk, o.pk, 32) == 0);
    char *mine = aidreg_key_public_pem(o.pk);
    theirs = slurp(path("o.pub"));
    CHECK_STR(mine, theirs);
    aidreg_key_pem_free(mine);
    free(theirs);
    mine = aidreg_key_secret_pem(&o);
    theirs = slurp(path("o.key"));
    CHECK_STR(mine, theirs);
    aidreg_key_pem_free(mine);
    free(theirs);
    aidreg_key_wipe(&o);
  }
  aidreg_key_wipe(&k);
  aidreg_key_wipe(&r);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_rfc8410();
  test_tolerant_parse();
  test_key_id();
  test_files();
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return test_done();
}
