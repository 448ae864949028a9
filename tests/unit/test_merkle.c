/* Merkle trees: the RFC 6962 test vectors (the 8-leaf tree of certificate-transparency /
 * transparency-dev/merkle; tests/vectors/merkle_rfc6962.json), then every tree size 1..130
 * against a recursive reference, with every proof generated from perfect nodes only and
 * checked to fail when tampered. */
#include <sodium.h>
#include <stdlib.h>

#include "aidreg/encoding.h"
#include "aidreg/merkle.h"
#include "test.h"
#include "vectors.h"

#define MAXN 130
#define LEVELS 9 /* 2^8 > MAXN */

/* ---- an in-memory node store, filled through the frontier's sink ---- */

typedef struct {
  uint8_t node[LEVELS][MAXN][32];
  int have[LEVELS][MAXN];
  uint64_t limit;  /* size of the tree a proof is about: fetches beyond it are a bug */
  int violations;  /* fetches of nodes outside that tree, or not perfect */
  int fail_after;  /* > 0: fail that many fetches from now (to test error paths) */
} store;

static void sink(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32]) {
  store *s = ctx;
  if (level >= LEVELS || index >= MAXN || s->have[level][index]) {
    s->violations++;
    return;
  }
  memcpy(s->node[level][index], hash, 32);
  s->have[level][index] = 1;
}

static int fetch(void *ctx, unsigned level, uint64_t index, uint8_t out[32]) {
  store *s = ctx;
  if (s->fail_after > 0 && --s->fail_after == 0) return -1;
  if (level >= LEVELS || index >= MAXN || ((index + 1) << level) > s->limit || !s->have[level][index]) {
    s->violations++;
    return -1;
  }
  memcpy(out, s->node[level][index], 32);
  return 0;
}

/* ---- reference implementation: RFC 6962 §2.1 recursions over leaf hashes ---- */

static uint64_t split(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

static void ref_mth(uint8_t lh[][32], uint64_t lo, uint64_t hi, uint8_t out[32]) {
  if (hi - lo == 1) {
    memcpy(out, lh[lo], 32);
    return;
  }
  uint64_t k = split(hi - lo);
  uint8_t l[32], r[32];
  ref_mth(lh, lo, lo + k, l);
  ref_mth(lh, lo + k, hi, r);
  aidreg_merkle_node_hash(l, r, out);
}

static void ref_path(uint8_t lh[][32], uint64_t m, uint64_t lo, uint64_t hi, uint8_t proof[][32], size_t *len) {
  if (hi - lo == 1) return;
  uint64_t k = split(hi - lo);
  if (m < k) {
    ref_path(lh, m, lo, lo + k, proof, len);
    ref_mth(lh, lo + k, hi, proof[(*len)++]);
  } else {
    ref_path(lh, m - k, lo + k, hi, proof, len);
    ref_mth(lh, lo, lo + k, proof[(*len)++]);
  }
}

static void ref_subproof(uint8_t lh[][32], uint64_t m, uint64_t lo, uint64_t hi, int b, uint8_t proof[][32],
                         size_t *len) {
  if (m == hi - lo) {
    if (!b) ref_mth(lh, lo, hi, proof[(*len)++]);
    return;
  }
  uint64_t k = split(hi - lo);
  if (m <= k) {
    ref_subproof(lh, m, lo, lo + k, b, proof, len);
    ref_mth(lh, lo + k, hi, proof[(*len)++]);
  } else {
    ref_subproof(lh, m - k, lo + k, hi, 0, proof, len);
    ref_mth(lh, lo, lo + k, proof[(*len)++]);
  }
}

static void hex32(const char *hex, uint8_t out[32]) {
  if (aidreg_hex_decode(hex, out, 32) != 0) abort();
}

/* ---- the RFC 6962 vectors (tests/vectors/merkle_rfc6962.json) ---- */

static store *new_store(void) {
  store *s = calloc(1, sizeof *s);
  if (!s) abort();
  return s;
}

/* A proof of the vectors' file: the size1/index and size2/size it is about and its path. */
static size_t vec_path(const json_t *v, uint8_t want[3][32]) {
  const json_t *path = vec_get(v, "path"), *h;
  size_t j;
  if (json_array_size(path) > 3) abort();
  json_array_foreach(path, j, h) {
    if (!json_is_string(h)) abort();
    hex32(json_string_value(h), want[j]);
  }
  return json_array_size(path);
}

static void test_rfc6962_vectors(void) {
  json_t *vec = vectors_load("merkle_rfc6962.json");
  const json_t *leaves = vec_get(vec, "leaves"), *roots_hex = vec_get(vec, "roots");
  if (json_array_size(leaves) != 8 || json_array_size(roots_hex) != 8) abort();
  store *s = new_store();
  aidreg_frontier f;
  aidreg_frontier_init(&f);
  uint8_t roots[8][32], empty[32], got[32];

  aidreg_merkle_empty_root(empty);
  aidreg_frontier_root(&f, got);
  CHECK(memcmp(got, empty, 32) == 0);
  char hex[65];
  aidreg_hex_encode(empty, 32, hex);
  CHECK_STR(hex, vec_str(vec, "empty_root"));

  for (int i = 0; i < 8; i++) {
    uint8_t leaf[16], lh[32];
    const char *leaf_hex = json_string_value(json_array_get(leaves, (size_t)i));
    size_t n = leaf_hex ? strlen(leaf_hex) / 2 : 99;
    if (n > sizeof leaf || aidreg_hex_decode(leaf_hex, leaf, n) != 0) abort();
    aidreg_merkle_leaf_hash(leaf, n, lh);
    aidreg_frontier_append(&f, lh, sink, s);
    hex32(json_string_value(json_array_get(roots_hex, (size_t)i)), roots[i]);
    aidreg_frontier_root(&f, got);
    CHECK_MSG(memcmp(got, roots[i], 32) == 0, "frontier root of size %d", i + 1);
    s->limit = (uint64_t)i + 1;
    CHECK(aidreg_merkle_root(fetch, s, (uint64_t)i + 1, got) == 0);
    CHECK_MSG(memcmp(got, roots[i], 32) == 0, "root of size %d", i + 1);
  }

  s->limit = 8;
  size_t v;
  const json_t *t;
  json_array_foreach(vec_get(vec, "inclusion"), v, t) {
    uint64_t index = vec_u64(t, "index"), size = vec_u64(t, "size");
    uint8_t want[3][32], proof[AIDREG_MAX_PROOF][32];
    size_t len = 99, want_len = vec_path(t, want);
    if (size < 1 || size > 8 || index >= size) abort();
    s->limit = size;
    CHECK(aidreg_merkle_inclusion_proof(fetch, s, index, size, proof, &len) == 0);
    CHECK_MSG(len == want_len && memcmp(proof, want, 32 * len) == 0, "inclusion proof %llu/%llu",
              (unsigned long long)index, (unsigned long long)size);
    uint8_t lh[32];
    memcpy(lh, s->node[0][index], 32);
    CHECK(aidreg_merkle_verify_inclusion(lh, index, size, (const uint8_t(*)[32])want, want_len, roots[size - 1]) == 0);
  }

  json_array_foreach(vec_get(vec, "consistency"), v, t) {
    uint64_t m = vec_u64(t, "size1"), n = vec_u64(t, "size2");
    uint8_t want[3][32], proof[AIDREG_MAX_PROOF][32];
    size_t len = 99, want_len = vec_path(t, want);
    if (m < 1 || m > n || n > 8) abort();
    s->limit = n;
    CHECK(aidreg_merkle_consistency_proof(fetch, s, m, n, proof, &len) == 0);
    CHECK_MSG(len == want_len && memcmp(proof, want, 32 * len) == 0, "consistency proof %llu->%llu",
              (unsigned long long)m, (unsigned long long)n);
    CHECK(aidreg_merkle_verify_consistency(m, n, roots[m - 1], roots[n - 1], (const uint8_t(*)[32])want, want_len) ==
          0);
  }
  CHECK(s->violations == 0);
  free(s);
  json_decref(vec);
}

/* ---- edge cases of the verifiers (transparency-dev/merkle's probes) ---- */

static void test_verify_edges(void) {
  uint8_t empty[32], a[32], b[32], proof[1][32];
  aidreg_merkle_empty_root(empty);
  aidreg_merkle_leaf_hash((const uint8_t *)"a", 1, a);
  aidreg_merkle_leaf_hash((const uint8_t *)"b", 1, b);
  memcpy(proof[0], empty, 32);

  /* inclusion: index must be below size; a one-leaf tree's root is its leaf hash */
  CHECK(aidreg_merkle_verify_inclusion(a, 0, 0, NULL, 0, a) == -1);
  CHECK(aidreg_merkle_verify_inclusion(a, 1, 1, NULL, 0, a) == -1);
  CHECK(aidreg_merkle_verify_inclusion(a, 0, 1, NULL, 0, a) == 0);
  CHECK(aidreg_merkle_verify_inclusion(a, 0, 1, NULL, 0, b) == -1);
  CHECK(aidreg_merkle_verify_inclusion(a, 0, 1, (const uint8_t(*)[32])proof, 1, a) == -1);

  /* consistency: trivial sizes */
  CHECK(aidreg_merkle_verify_consistency(0, 0, empty, empty, NULL, 0) == 0);
  CHECK(aidreg_merkle_verify_consistency(0, 0, empty, a, NULL, 0) == -1);
  CHECK(aidreg_merkle_verify_consistency(0, 1, empty, a, NULL, 0) == 0);
  CHECK(aidreg_merkle_verify_consistency(0, 1, a, a, NULL, 0) == -1); /* size 0 has the empty root */
  CHECK(aidreg_merkle_verify_consistency(0, 1, empty, a, (const uint8_t(*)[32])proof, 1) == -1);
  CHECK(aidreg_merkle_verify_consistency(1, 1, a, a, NULL, 0) == 0);
  CHECK(aidreg_merkle_verify_consistency(1, 1, a, b, NULL, 0) == -1);
  CHECK(aidreg_merkle_verify_consistency(1, 1, a, a, (const uint8_t(*)[32])proof, 1) == -1);
  CHECK(aidreg_merkle_verify_consistency(1, 0, a, empty, NULL, 0) == -1);
  CHECK(aidreg_merkle_verify_consistency(2, 1, a, b, NULL, 0) == -1);
  CHECK(aidreg_merkle_verify_consistency(1, 2, a, b, NULL, 0) == -1); /* empty proof */
}

/* ---- every size 1..MAXN ---- */

static int inclusion_ok(const uint8_t lh[32], uint64_t i, uint64_t n, uint8_t proof[][32], size_t len,
                        const uint8_t root[32]) {
  return aidreg_merkle_verify_inclusion(lh, i, n, (const uint8_t(*)[32])proof, len, root) == 0;
}

static int consistency_ok(uint64_t m, uint64_t n, const uint8_t r1[32], const uint8_t r2[32], uint8_t proof[][32],
                          size_t len) {
  return aidreg_merkle_verify_consistency(m, n, r1, r2, (const uint8_t(*)[32])proof, len) == 0;
}

static void test_all_sizes(void) {
  store *s = new_store();
  static uint8_t lh[MAXN][32], roots[MAXN + 1][32];
  aidreg_frontier f;
  aidreg_frontier_init(&f);
  aidreg_merkle_empty_root(roots[0]);
  for (uint64_t i = 0; i < MAXN; i++) {
    uint8_t leaf[4] = {(uint8_t)i, (uint8_t)(i >> 8), 0xa5, 0x5a};
    aidreg_merkle_leaf_hash(leaf, sizeof leaf, lh[i]);
    aidreg_frontier_append(&f, lh[i], sink, s);
    ref_mth(lh, 0, i + 1, roots[i + 1]);
    uint8_t got[32];
    aidreg_frontier_root(&f, got);
    CHECK_MSG(memcmp(got, roots[i + 1], 32) == 0, "frontier root at size %llu", (unsigned long long)i + 1);
  }
  CHECK(s->violations == 0);

  int root_bad = 0, incl_bad = 0, incl_forged = 0, cons_bad = 0, cons_forged = 0, load_bad = 0;
  for (uint64_t n = 1; n <= MAXN; n++) {
    uint8_t got[32], proof[AIDREG_MAX_PROOF][32], want[AIDREG_MAX_PROOF][32], bad[AIDREG_MAX_PROOF + 1][32];
    size_t len, wlen;
    s->limit = n;
    if (aidreg_merkle_root(fetch, s, n, got) != 0 || memcmp(got, roots[n], 32) != 0) root_bad++;

    /* a frontier loaded from storage equals the one built by appending */
    aidreg_frontier g;
    if (aidreg_frontier_load(&g, n, fetch, s) != 0) {
      load_bad++;
    } else {
      aidreg_frontier_root(&g, got);
      if (memcmp(got, roots[n], 32) != 0) load_bad++;
      uint8_t extra[32];
      aidreg_merkle_leaf_hash((const uint8_t *)"next", 4, extra);
      aidreg_frontier h = g;
      aidreg_frontier_append(&h, extra, NULL, NULL);
      aidreg_frontier_root(&h, got);
      uint8_t want_next[32];
      static uint8_t tmp[MAXN + 1][32];
      memcpy(tmp, lh, 32 * n);
      memcpy(tmp[n], extra, 32);
      ref_mth(tmp, 0, n + 1, want_next);
      if (memcmp(got, want_next, 32) != 0 || h.size != n + 1) load_bad++;
    }

    for (uint64_t i = 0; i < n; i++) {
      if (aidreg_merkle_inclusion_proof(fetch, s, i, n, proof, &len) != 0) {
        incl_bad++;
        continue;
      }
      wlen = 0;
      ref_path(lh, i, 0, n, want, &wlen);
      if (len != wlen || memcmp(proof, want, 32 * len) != 0) incl_bad++;
      if (!inclusion_ok(lh[i], i, n, proof, len, roots[n])) incl_bad++;
      /* tampering: every bit-flipped element, wrong index/size/leaf/root, extra/missing elements */
      for (size_t j = 0; j < len; j++) {
        proof[j][j % 32] ^= 0x08;
        if (inclusion_ok(lh[i], i, n, proof, len, roots[n])) incl_forged++;
        proof[j][j % 32] ^= 0x08;
      }
      if (n > 1 && inclusion_ok(lh[i], (i + 1) % n, n, proof, len, roots[n])) incl_forged++;
      if (inclusion_ok(lh[i], i, n * 2, proof, len, roots[n])) incl_forged++;
      if (i < n / 2 && inclusion_ok(lh[i], i, n / 2, proof, len, roots[n])) incl_forged++;
      if (n > 1 && inclusion_ok(lh[(i + 1) % n], i, n, proof, len, roots[n])) incl_forged++;
      if (inclusion_ok(lh[i], i, n, proof, len, roots[n - 1])) incl_forged++;
      if (len > 0 && inclusion_ok(lh[i], i, n, proof, len - 1, roots[n])) incl_forged++;
      memcpy(bad, proof, 32 * len);
      memcpy(bad[len], roots[n], 32);
      if (inclusion_ok(lh[i], i, n, bad, len + 1, roots[n])) incl_forged++;
      memcpy(bad[0], roots[n], 32);
      memcpy(bad[1], proof, 32 * len);
      if (inclusion_ok(lh[i], i, n, bad, len + 1, roots[n])) incl_forged++;
    }

    for (uint64_t m = 0; m <= n; m++) {
      if (aidreg_merkle_consistency_proof(fetch, s, m, n, proof, &len) != 0) {
        cons_bad++;
        continue;
      }
      wlen = 0;
      if (m > 0 && m < n) ref_subproof(lh, m, 0, n, 1, want, &wlen);
      if (len != wlen || memcmp(proof, want, 32 * len) != 0) cons_bad++;
      if (!consistency_ok(m, n, roots[m], roots[n], proof, len)) cons_bad++;
      if (m == 0 || m == n) continue;
      for (size_t j = 0; j < len; j++) {
        proof[j][(j + 7) % 32] ^= 0x10;
        if (consistency_ok(m, n, roots[m], roots[n], proof, len)) cons_forged++;
        proof[j][(j + 7) % 32] ^= 0x10;
      }
      if (consistency_ok(m - 1, n, roots[m], roots[n], proof, len)) cons_forged++;
      if (m + 1 < n && consistency_ok(m + 1, n, roots[m], roots[n], proof, len)) cons_forged++;
      if (consistency_ok(m, n * 2, roots[m], roots[n], proof, len)) cons_forged++;
      if (consistency_ok(m, n / 2, roots[m], roots[n], proof, len)) cons_forged++;
      if (consistency_ok(m, n, roots[m - 1], roots[n], proof, len)) cons_forged++;
      if (consistency_ok(m, n, roots[m], roots[n - 1], proof, len)) cons_forged++;
      if (consistency_ok(m, n, roots[n], roots[m], proof, len)) cons_forged++;
      if (consistency_ok(m, n, roots[m], roots[n], proof, len - 1)) cons_forged++;
      if (consistency_ok(m, n, roots[m], roots[n], proof, 0)) cons_forged++;
      memcpy(bad, proof, 32 * len);
      memcpy(bad[len], roots[n], 32);
      if (consistency_ok(m, n, roots[m], roots[n], bad, len + 1)) cons_forged++;
      memcpy(bad[0], roots[m], 32);
      memcpy(bad[1], proof, 32 * len);
      if (consistency_ok(m, n, roots[m], roots[n], bad, len + 1)) cons_forged++;
    }
  }
  CHECK_MSG(root_bad == 0, "%d wrong roots", root_bad);
  CHECK_MSG(load_bad == 0, "%d wrong loaded frontiers", load_bad);
  CHECK_MSG(incl_bad == 0, "%d wrong inclusion proofs", incl_bad);
  CHECK_MSG(incl_forged == 0, "%d tampered inclusion proofs verified", incl_forged);
  CHECK_MSG(cons_bad == 0, "%d wrong consistency proofs", cons_bad);
  CHECK_MSG(cons_forged == 0, "%d tampered consistency proofs verified", cons_forged);
  CHECK_MSG(s->violations == 0, "%d fetches outside the tree or of missing nodes", s->violations);
  free(s);
}

static void test_errors(void) {
  store *s = new_store();
  aidreg_frontier f;
  aidreg_frontier_init(&f);
  for (int i = 0; i < 13; i++) {
    uint8_t lh[32];
    aidreg_merkle_leaf_hash((const uint8_t *)&i, sizeof i, lh);
    aidreg_frontier_append(&f, lh, sink, s);
  }
  uint8_t out[32], proof[AIDREG_MAX_PROOF][32];
  size_t len;
  s->limit = 13;
  CHECK(aidreg_merkle_range_hash(fetch, s, 4, 4, out) == -1);   /* empty */
  CHECK(aidreg_merkle_range_hash(fetch, s, 5, 4, out) == -1);   /* backwards */
  CHECK(aidreg_merkle_range_hash(fetch, s, 2, 6, out) == -1);   /* 2 is not a multiple of 4 */
  CHECK(aidreg_merkle_range_hash(fetch, s, 8, 13, out) == 0);   /* 8 is a multiple of 4 */
  CHECK(aidreg_merkle_range_hash(fetch, s, 12, 13, out) == 0);
  CHECK(aidreg_merkle_inclusion_proof(fetch, s, 13, 13, proof, &len) == -1);
  CHECK(aidreg_merkle_consistency_proof(fetch, s, 14, 13, proof, &len) == -1);
  CHECK(s->violations == 0);
  /* a failed fetch fails the call */
  s->fail_after = 2;
  CHECK(aidreg_merkle_inclusion_proof(fetch, s, 3, 13, proof, &len) == -1);
  s->fail_after = 3;
  CHECK(aidreg_merkle_consistency_proof(fetch, s, 5, 13, proof, &len) == -1);
  s->fail_after = 1;
  CHECK(aidreg_merkle_root(fetch, s, 13, out) == -1);
  s->fail_after = 2;
  aidreg_frontier g;
  CHECK(aidreg_frontier_load(&g, 13, fetch, s) == -1);
  s->fail_after = 0;
  free(s);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  test_rfc6962_vectors();
  test_verify_edges();
  test_all_sizes();
  test_errors();
  return test_done();
}
