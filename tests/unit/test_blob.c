/* Attachments without a server (include/aidreg/blob.h): the signed text and its check (a
 * header of another key, file or ledger is refused), the content type from the first bytes
 * only, and the *_sha256 references an event body makes. */
#include <sodium.h>
#include <string.h>

#include "aidreg/blob.h"
#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "test.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"

static void header_for(const aidreg_keypair *k, const char *origin, const char *sha, char *out, size_t cap) {
  char text[256], id[AIDREG_KEYID_LEN + 1], sig64[128];
  uint8_t sig[64];
  int n = aidreg_blob_signed_text(origin, sha, text, sizeof text);
  CHECK(n > 0);
  crypto_sign_detached(sig, NULL, (const uint8_t *)text, (unsigned long long)n, k->sk);
  aidreg_key_id(k->pk, id);
  aidreg_b64_encode_to(sig, 64, sig64, sizeof sig64);
  snprintf(out, cap, "%s %s", id, sig64);
}

static void test_signature(void) {
  aidreg_keypair k, other;
  CHECK(aidreg_key_generate(&k) == 0 && aidreg_key_generate(&other) == 0);
  char text[256];
  CHECK(aidreg_blob_signed_text("reg.example/522701", H1, text, sizeof text) > 0);
  CHECK_STR(text, "aidreg-blob/v1\nreg.example/522701\n" H1 "\n");
  char hdr[256], keyid[AIDREG_KEYID_LEN + 1], want[AIDREG_KEYID_LEN + 1];
  aidreg_problem p;
  header_for(&k, "reg.example/522701", H1, hdr, sizeof hdr);
  CHECK(aidreg_blob_signature_check("reg.example/522701", H1, hdr, keyid, &p) == 0);
  aidreg_key_id(k.pk, want);
  CHECK_STR(keyid, want);
  CHECK(aidreg_blob_signature_check("reg.example/522701", H2, hdr, keyid, &p) == -1 && p.code == AIDREG_E_BAD_SIGNATURE);
  CHECK(aidreg_blob_signature_check("reg.example/522702", H1, hdr, keyid, &p) == -1 && p.code == AIDREG_E_BAD_SIGNATURE);
  /* Another key's id in front of this signature. */
  char forged[256];
  aidreg_key_id(other.pk, want);
  snprintf(forged, sizeof forged, "%s%s", want, strchr(hdr, ' '));
  CHECK(aidreg_blob_signature_check("reg.example/522701", H1, forged, keyid, &p) == -1 && p.code == AIDREG_E_BAD_SIGNATURE);
  CHECK(aidreg_blob_signature_check("reg.example/522701", H1, NULL, keyid, &p) == -1 && p.code == AIDREG_E_NO_SIGNATURE);
  CHECK(aidreg_blob_signature_check("reg.example/522701", H1, "", keyid, &p) == -1 && p.code == AIDREG_E_NO_SIGNATURE);
  CHECK(aidreg_blob_signature_check("reg.example/522701", H1, "abc def", keyid, &p) == -1 &&
        p.code == AIDREG_E_BAD_SIGNATURE);
  hdr[strlen(hdr) - 3] = '!';
  CHECK(aidreg_blob_signature_check("reg.example/522701", H1, hdr, keyid, &p) == -1 && p.code == AIDREG_E_BAD_SIGNATURE);
  aidreg_key_wipe(&k);
  aidreg_key_wipe(&other);
}

static void test_sniff(void) {
  CHECK_STR(aidreg_blob_sniff((const uint8_t *)"\xFF\xD8\xFF\xE0xx", 6), "image/jpeg");
  CHECK_STR(aidreg_blob_sniff((const uint8_t *)"\x89PNG\r\n\x1A\nxx", 10), "image/png");
  CHECK_STR(aidreg_blob_sniff((const uint8_t *)"%PDF-1.7", 8), "application/pdf");
  CHECK_STR(aidreg_blob_sniff((const uint8_t *)"RIFF1234WEBPVP8 ", 16), "image/webp");
  CHECK_STR(aidreg_blob_sniff((const uint8_t *)"<html><script>", 14), "application/octet-stream");
  CHECK_STR(aidreg_blob_sniff((const uint8_t *)"\xFF\xD8", 2), "application/octet-stream");
  CHECK_STR(aidreg_blob_sniff(NULL, 0), "application/octet-stream");
}

static void test_refs(void) {
  json_t *body = json_loads("{\"photos_sha256\":[\"" H1 "\",\"" H2 "\",\"" H1 "\"],\"note\":\"" H2 "\","
                            "\"steps\":[{\"step\":\"proposal\",\"minutes_sha256\":\"" H2 "\"},{\"minutes_sha256\":\"short\"}],"
                            "\"content_sha256\":\"" H1 "\"}",
                            0, NULL);
  json_t *out = json_array();
  CHECK(body && out && aidreg_blob_refs(body, out) == 0);
  CHECK(json_array_size(out) == 2);
  CHECK_STR(json_string_value(json_array_get(out, 0)), H1);
  CHECK_STR(json_string_value(json_array_get(out, 1)), H2);
  json_decref(body);
  json_decref(out);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  test_signature();
  test_sniff();
  test_refs();
  return test_done();
}
