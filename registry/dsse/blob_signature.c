/* The signed request of an attachment upload (include/aidreg/blob.h): Ed25519 over
 * "aidreg-blob/v1\n<origin>\n<sha256 hex>\n" by the key the header names. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "aidreg/blob.h"
#include "aidreg/encoding.h"
#include "aidreg/keys.h"

int aidreg_blob_signed_text(const char *origin, const char *sha256_hex, char *out, size_t cap) {
  int n = snprintf(out, cap, "%s\n%s\n%s\n", AIDREG_BLOB_CONTEXT, origin, sha256_hex);
  return n < 0 || (size_t)n >= cap ? -1 : n;
}

int aidreg_blob_signature_check(const char *origin, const char *sha256_hex, const char *header, char *keyid,
                                aidreg_problem *p) {
  if (!header || !*header)
    return aidreg_problem_set(p, AIDREG_E_NO_SIGNATURE, NULL,
                              "上传文件须由已登记的密钥签名 / an upload must carry the header Aidreg-Signature: "
                              "<key id> <base64 Ed25519 signature of \"%s\\n<ledger>\\n<sha256>\\n\">",
                              AIDREG_BLOB_CONTEXT);
  const char *sp = strchr(header, ' ');
  uint8_t pk[32], sig[64];
  char id[AIDREG_KEYID_LEN + 1];
  if (!sp || (size_t)(sp - header) != AIDREG_KEYID_LEN)
    return aidreg_problem_set(p, AIDREG_E_BAD_SIGNATURE, NULL,
                              "Aidreg-Signature 格式错误 / Aidreg-Signature is \"<key id> <signature>\", both base64");
  memcpy(id, header, AIDREG_KEYID_LEN);
  id[AIDREG_KEYID_LEN] = '\0';
  if (aidreg_key_id_decode(id, pk) != 0 || aidreg_b64_decode_fixed(sp + 1, sig, sizeof sig) != 0)
    return aidreg_problem_set(p, AIDREG_E_BAD_SIGNATURE, NULL,
                              "Aidreg-Signature 格式错误 / the key id (32 bytes) or the signature (64 bytes) is not "
                              "valid base64");
  char text[512];
  int n = aidreg_blob_signed_text(origin, sha256_hex, text, sizeof text);
  if (n < 0 || crypto_sign_verify_detached(sig, (const unsigned char *)text, (unsigned long long)n, pk) != 0)
    return aidreg_problem_set(p, AIDREG_E_BAD_SIGNATURE, NULL,
                              "签名无效 / the signature does not verify for \"%s\\n%s\\n%s\\n\"", AIDREG_BLOB_CONTEXT,
                              origin, sha256_hex);
  memcpy(keyid, id, sizeof id);
  return 0;
}
