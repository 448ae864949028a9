#ifndef AIDREG_KEYS_H
#define AIDREG_KEYS_H
/* Ed25519 keys as files: secret keys PKCS#8 PEM (RFC 8410, "BEGIN PRIVATE KEY", mode
 * 0600), public keys SPKI PEM ("BEGIN PUBLIC KEY"), so `openssl pkey` reads both.
 * A key id is the standard base64 of the raw 32-byte public key (44 characters). */
#include <stddef.h>
#include <stdint.h>

#define AIDREG_KEYID_LEN 44

typedef struct {
  uint8_t pk[32];
  uint8_t sk[64]; /* libsodium layout: seed || pk */
} aidreg_keypair;

int aidreg_key_generate(aidreg_keypair *k);
/* Wipe the secret half. */
void aidreg_key_wipe(aidreg_keypair *k);
/* out must hold AIDREG_KEYID_LEN + 1 bytes. */
void aidreg_key_id(const uint8_t pk[32], char out[AIDREG_KEYID_LEN + 1]);
/* Decode a key id to the public key. Returns 0 or -1. */
int aidreg_key_id_decode(const char *keyid, uint8_t pk[32]);

/* PEM text, malloc'd (the secret one is wiped by aidreg_key_pem_free). */
char *aidreg_key_secret_pem(const aidreg_keypair *k);
char *aidreg_key_public_pem(const uint8_t pk[32]);
void aidreg_key_pem_free(char *pem);
/* Parse PEM text. Returns 0 or -1. */
int aidreg_key_parse_secret_pem(const char *pem, size_t len, aidreg_keypair *k);
int aidreg_key_parse_public_pem(const char *pem, size_t len, uint8_t pk[32]);

/* Files. write_secret creates the file with mode 0600 (refuses to overwrite).
 * Return 0 or -1 with errno or a message in err (cap 256) when err is non-NULL. */
int aidreg_key_write_secret(const char *path, const aidreg_keypair *k, char *err);
int aidreg_key_write_public(const char *path, const uint8_t pk[32], char *err);
int aidreg_key_read_secret(const char *path, aidreg_keypair *k, char *err);
/* Accepts a public PEM, or a secret PEM (the public half is taken). */
int aidreg_key_read_public(const char *path, uint8_t pk[32], char *err);

#endif
