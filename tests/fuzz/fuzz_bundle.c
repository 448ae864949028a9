/* libFuzzer target: an entry bundle (C2SP tlog-tiles data tile: big-endian uint16 lengths,
 * each followed by a leaf) through the whole verifier, aidreg_verify_run, as `aidreg
 * verify` reads a server's or an export's tiles. The first input byte picks the tree size
 * W (1..16); the rest is entry bundle 0. The source signs a checkpoint of size W with the
 * fuzz key and serves hash tile 0/0 computed from the leaves it can split off the bundle
 * (zeros where it cannot), so that the engine gets past the checkpoint and the leaf hashes
 * and reaches the leaf layout, the envelope signatures, the payloads, the ledger binding
 * and the authority replay. A verdict must be a well-formed failure or, for a bundle
 * that verifies, the counts of a tree of W leaves. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/merkle.h"
#include "aidreg/tile.h"
#include "aidreg/verify.h"
#include "fuzz_common.h"

typedef struct {
  const uint8_t *bundle;
  size_t len;
  unsigned width;
  uint8_t hashes[16][32];
  char *note;
} source;

static int cb_checkpoint(void *ctx, char **note, size_t *len, aidreg_verify_failure *f) {
  (void)f;
  source *s = ctx;
  *note = strdup(s->note);
  ASSERT(*note != NULL);
  *len = strlen(*note);
  return 0;
}

static int cb_tile(void *ctx, unsigned level, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                   aidreg_verify_failure *f) {
  source *s = ctx;
  if (level != 0 || n != 0 || width != s->width)
    return aidreg_verify_fail(f, AIDREG_VF_MISSING, false, 0, "no tile %u/%llu.p/%u", level,
                              (unsigned long long)n, width);
  *data = malloc(32u * width);
  ASSERT(*data != NULL);
  memcpy(*data, s->hashes, 32u * width);
  *len = 32u * width;
  return 0;
}

static int cb_entries(void *ctx, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                      aidreg_verify_failure *f) {
  source *s = ctx;
  if (n != 0 || width != s->width) return aidreg_verify_fail(f, AIDREG_VF_MISSING, false, 0, "no bundle");
  *data = malloc(s->len ? s->len : 1);
  ASSERT(*data != NULL);
  if (s->len) memcpy(*data, s->bundle, s->len);
  *len = s->len;
  return 0;
}

static int fetch(void *ctx, unsigned level, uint64_t index, uint8_t out[32]) {
  source *s = ctx;
  if (level != 0 || index >= s->width) {
    /* Perfect inner nodes, from the leaves. */
    if (level == 0 || level > 4) return -1;
    uint8_t l[32], r[32];
    if (fetch(ctx, level - 1, 2 * index, l) != 0 || fetch(ctx, level - 1, 2 * index + 1, r) != 0) return -1;
    aidreg_merkle_node_hash(l, r, out);
    return 0;
  }
  memcpy(out, s->hashes[index], 32);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const fuzz_key *k = fuzz_log_key();
  source s = {.bundle = data + 1, .len = size - 1, .width = 1u + data[0] % 16u};
  memset(s.hashes, 0, sizeof s.hashes);
  size_t off = 0;
  for (unsigned i = 0; i < s.width && off + 2 <= s.len; i++) {
    size_t n = (size_t)s.bundle[off] << 8 | s.bundle[off + 1];
    if (off + 2 + n > s.len) break;
    aidreg_merkle_leaf_hash(s.bundle + off + 2, n, s.hashes[i]);
    off += 2 + n;
  }
  aidreg_checkpoint cp;
  memset(&cp, 0, sizeof cp);
  snprintf(cp.origin, sizeof cp.origin, "%s", FUZZ_ORIGIN);
  cp.size = s.width;
  ASSERT(aidreg_merkle_root(fetch, &s, s.width, cp.root) == 0);
  char *text = aidreg_checkpoint_text(&cp);
  ASSERT(text != NULL);
  s.note = aidreg_note_sign(text, FUZZ_ORIGIN, k->sk);
  ASSERT(s.note != NULL);
  free(text);

  aidreg_verify_source src = {.ctx = &s, .checkpoint = cb_checkpoint, .tile = cb_tile, .entries = cb_entries};
  aidreg_verify_options opt = {.vkey = k->vkey};
  aidreg_verify_result res;
  memset(&res, 0, sizeof res);
  if (aidreg_verify_run(&src, &opt, &res) == 0) {
    ASSERT(res.failure.kind == AIDREG_VF_NONE && res.leaves == s.width && res.signature_checked);
    ASSERT(res.checkpoint.size == s.width && memcmp(res.checkpoint.root, cp.root, 32) == 0);
    char line[512];
    aidreg_verify_summary(&res, line, sizeof line);
    if (getenv("FUZZ_VERBOSE")) fprintf(stderr, "verify: %s\n", line);
  } else {
    if (getenv("FUZZ_VERBOSE")) fprintf(stderr, "verify: %s\n", res.failure.message);
    ASSERT(res.failure.kind != AIDREG_VF_NONE && res.failure.kind != AIDREG_VF_CHECKPOINT);
    ASSERT(memchr(res.failure.message, '\0', sizeof res.failure.message));
    ASSERT(aidreg_verify_kind_name(res.failure.kind) != NULL);
  }
  free(s.note);
  return 0;
}
