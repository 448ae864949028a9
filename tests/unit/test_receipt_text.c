/* api/receipt_text.c writes the answers to submissions without jansson's trees: a single
 * receipt's bytes must be json_dumps(aidreg_receipt_json(rc), JSON_COMPACT)'s, for every
 * character a ledger code or a checkpoint could hold, every proof length, every index; a
 * batch's those of the tree answer_batch built before, receipts and problems mixed. */
#include <jansson.h>
#include <stdbool.h>
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

/* A problem object as reply.c's problem_json makes one (its own code is not under test). */
static json_t *problem_of(const aidreg_result *res) {
  return json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "https://aidreg.example/problems/bad-signature", "title",
                   "签名无效 / bad signature", "status", res->status, "detail", res->problem.detail, "field",
                   "/envelopes/1/signatures/0/sig");
}

/* The old answer_batch's tree, dumped. */
static char *batch_by_jansson(const aidreg_result *results, size_t n) {
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    bool ok = results[i].status == 200 || results[i].status == 201;
    json_t *inner = ok ? aidreg_receipt_json(&results[i].receipt) : problem_of(&results[i]);
    if (!inner || json_array_append_new(arr, json_pack("{s:i, s:o}", "status", results[i].status,
                                                       ok ? "receipt" : "problem", inner))) {
      json_decref(arr);
      return NULL;
    }
  }
  json_t *body = json_pack("{s:o}", "results", arr);
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  return text;
}

/* Batches of receipts (201 and replayed 200) and refusals mixed, and an empty one. */
static void test_batches(void) {
  enum { N = 40 };
  static aidreg_result results[N];
  char cp[] = "bench.aidreg.local/529900\n41\nq7l0v4m1AbCd=\n\n\xE2\x80\x94 bench.aidreg.local/529900 AbCd==\n";
  for (size_t n = 0; n <= N; n += 7) {
    for (size_t i = 0; i < n; i++) {
      memset(&results[i], 0, sizeof results[i]);
      fill(&results[i].receipt, i % 9, 1000 + i);
      results[i].receipt.checkpoint = cp;
      results[i].status = i % 5 == 3 ? 400 : i % 4 == 1 ? 200 : 201;
      snprintf(results[i].problem.detail, sizeof results[i].problem.detail, "签名 %zu 不符 / \"sig\" %zu", i, i);
    }
    char *want = batch_by_jansson(results, n);
    size_t len = 0;
    char *got = results_text(results, n, problem_of, &len);
    CHECK_MSG(want && got && len == strlen(want) && strcmp(want, got) == 0, "batch of %zu: %s\n vs %s", n,
              want ? want : "(null)", got ? got : "(null)");
    free(want);
    free(got);
  }
  /* One receipt jansson refuses: the whole answer is refused (500), as before. */
  char bad[] = "x\xC3(";
  fill(&results[0].receipt, 1, 1);
  results[0].status = 201;
  results[0].receipt.checkpoint = bad;
  size_t len = 0;
  char *got = results_text(results, 1, problem_of, &len);
  CHECK(got == NULL && batch_by_jansson(results, 1) == NULL);
  free(got);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  test_checkpoints();
  test_every_character();
  test_invalid_utf8();
  test_batches();
  return test_done();
}
