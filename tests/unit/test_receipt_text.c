/* api/receipt_text.c writes the single-envelope answer without jansson: its bytes must be
 * json_dumps(aidreg_receipt_json(rc), JSON_COMPACT)'s, for every character a ledger code or
 * a checkpoint could hold, every proof length, every index. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/registry.h"
#include "receipt_text.h"
#include "test.h"

/* Both writers on rc; true when they agree byte for byte (or both refuse). */
static bool same(const aidreg_receipt *rc) {
  json_t *j = aidreg_receipt_json(rc);
  char *want = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  size_t len = 0;
  char *got = receipt_text(rc, &len);
  bool ok = (!want && !got) || (want && got && len == strlen(want) && strcmp(want, got) == 0);
  if (!ok) fprintf(stderr, "want %s\ngot  %s\n", want ? want : "(null)", got ? got : "(null)");
  free(want);
  free(got);
  return ok;
}

static void fill(aidreg_receipt *rc, size_t proof_len, uint64_t index) {
  memset(rc, 0, sizeof *rc);
  snprintf(rc->ledger, sizeof rc->ledger, "529900");
  rc->index = index;
  randombytes_buf(rc->leaf_hash, sizeof rc->leaf_hash);
  randombytes_buf(rc->payload_sha256, sizeof rc->payload_sha256);
  rc->proof_len = proof_len;
  randombytes_buf(rc->proof, sizeof rc->proof);
}

/* A real checkpoint's shape: origin, size, root, a blank line, signature lines with the
 * em dash; every proof length from none to the most. */
static void test_checkpoints(void) {
  aidreg_receipt rc;
  for (size_t k = 0; k <= AIDREG_MAX_PROOF; k++) {
    fill(&rc, k, k == 0 ? 0 : (1ull << (k - 1)) + k);
    char cp[] = "bench.aidreg.local/529900\n26066\nq7l0v4m1AbCd+/efGhIjKlMnOpQrStUvWxYz0123456=\n\n"
                "\xE2\x80\x94 bench.aidreg.local/529900 AbCdEfGh+/0123456789==\n";
    rc.checkpoint = cp;
    CHECK_MSG(same(&rc), "proof of %zu hashes", k);
  }
  fill(&rc, 3, UINT64_C(9223372036854775807));
  rc.checkpoint = NULL; /* written as "" by both */
  CHECK(same(&rc));
}

/* Every byte that can stand alone in UTF-8 (1..0x7f), and characters of 2, 3 and 4 bytes,
 * in the checkpoint and in the ledger code: the escapes must be jansson's. */
static void test_every_character(void) {
  aidreg_receipt rc;
  fill(&rc, 2, 7);
  char text[64];
  for (int c = 1; c < 0x80; c++) {
    snprintf(text, sizeof text, "a%cb\n%c", c, c);
    rc.checkpoint = text;
    CHECK_MSG(same(&rc), "checkpoint with byte 0x%02x", c);
    snprintf(rc.ledger, sizeof rc.ledger, "52%c900", c);
    CHECK_MSG(same(&rc), "ledger with byte 0x%02x", c);
  }
  static const char *const wide[] = {"\xC3\xA9", "\xE8\xB5\x84", "\xF0\x9F\x98\x80", "\xE2\x80\xA8", "\x7F"};
  for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
    snprintf(text, sizeof text, "x%sy", wide[i]);
    rc.checkpoint = text;
    CHECK_MSG(same(&rc), "character %zu", i);
  }
}

/* Not UTF-8: jansson refuses the string, and so does the writer (the server answers 500,
 * as before). */
static void test_invalid_utf8(void) {
  aidreg_receipt rc;
  fill(&rc, 1, 1);
  char bad[] = "ok\n\xC3(\n";
  rc.checkpoint = bad;
  size_t len = 0;
  char *got = receipt_text(&rc, &len);
  CHECK(got == NULL);
  free(got);
  CHECK(same(&rc));
}

int main(void) {
  if (sodium_init() < 0) return 1;
  test_checkpoints();
  test_every_character();
  test_invalid_utf8();
  return test_done();
}
