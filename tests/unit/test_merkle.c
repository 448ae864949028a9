/* Merkle trees: the RFC 6962 test vectors (the 8-leaf tree of certificate-transparency /
 * transparency-dev/merkle), then every tree size 1..130 against a recursive reference,
 * with every proof generated from perfect nodes only and checked to fail when tampered. */
#include <sodium.h>
#include <stdlib.h>

#include "aidreg/encoding.h"
#include "aidreg/merkle.h"
#include "test.h"

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

/* ---- the RFC 6962 vectors ---- */

static const char *leaf_hex[8] = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                  "606162636465666768696a6b6c6d6e6f"};
static const char *root_hex[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

typedef struct {
  uint64_t a, b; /* index and size, or m and n */
  size_t len;
  const char *hex[3];
} vector;

static const vector inclusion_vectors[] = {
    {0, 8, 3, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8, 3, {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5, 3, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {0, 1, 0, {0}},
};

static const vector consistency_vectors[] = {
    {1, 1, 0, {0}},
    {1, 8, 3, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8, 3, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5, 2, {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6, 7, 3, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
               "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static store *new_store(void) {
  store *s = calloc(1, sizeof *s);
  if (!s) abort();
  return s;
}

static void test_rfc6962_vectors(void) {
  store *s = new_store();
  aidreg_frontier f;
  aidreg_frontier_init(&f);
  uint8_t roots[8][32], empty[32], got[32];

  aidreg_merkle_empty_root(empty);
  aidreg_frontier_root(&f, got);
  CHECK(memcmp(got, empty, 32) == 0);
  char hex[65];
  aidreg_hex_encode(empty, 32, hex);
  CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  for (int i = 0; i < 8; i++) {
    uint8_t leaf[16], lh[32];
    size_t n = strlen(leaf_hex[i]) / 2;
    if (aidreg_hex_decode(leaf_hex[i], leaf, n) != 0) abort();
    aidreg_merkle_leaf_hash(leaf, n, lh);
    aidreg_frontier_append(&f, lh, sink, s);
    hex32(root_hex[i], roots[i]);
    aidreg_frontier_root(&f, got);
    CHECK_MSG(memcmp(got, roots[i], 32) == 0, "frontier root of size %d", i + 1);
    s->limit = (uint64_t)i + 1;
    CHECK(aidreg_merkle_root(fetch, s, (uint64_t)i + 1, got) == 0);
    CHECK_MSG(memcmp(got, roots[i], 32) == 0, "root of size %d", i + 1);
  }

  s->limit = 8;
  for (size_t v = 0; v < sizeof inclusion_vectors / sizeof *inclusion_vectors; v++) {
    const vector *t = &inclusion_vectors[v];
    uint8_t want[3][32], proof[AIDREG_MAX_PROOF][32];
    size_t len = 99;
    for (size_t j = 0; j < t->len; j++) hex32(t->hex[j], want[j]);
    s->limit = t->b;
    CHECK(aidreg_merkle_inclusion_proof(fetch, s, t->a, t->b, proof, &len) == 0);
    CHECK_MSG(len == t->len && memcmp(proof, want, 32 * len) == 0, "inclusion proof %llu/%llu",
              (unsigned long long)t->a, (unsigned long long)t->b);
    uint8_t lh[32];
    memcpy(lh, s->node[0][t->a], 32);
    CHECK(aidreg_merkle_verify_inclusion(lh, t->a, t->b, (const uint8_t(*)[32])want, t->len, roots[t->b - 1]) == 0);
  }

  for (size_t v = 0; v < sizeof consistency_vectors / sizeof *consistency_vectors; v++) {
    const vector *t = &consistency_vectors[v];
    uint8_t want[3][32], proof[AIDREG_MAX_PROOF][32];
    size_t len = 99;
    for (size_t j = 0; j < t->len; j++) hex32(t->hex[j], want[j]);
    s->limit = t->b;
    CHECK(aidreg_merkle_consistency_proof(fetch, s, t->a, t->b, proof, &len) == 0);
    CHECK_MSG(len == t->len && memcmp(proof, want, 32 * len) == 0, "consistency proof %llu->%llu",
              (unsigned long long)t->a, (unsigned long long)t->b);
    CHECK(aidreg_merkle_verify_consistency(t->a, t->b, roots[t->a - 1], roots[t->b - 1],
                                           (const uint8_t(*)[32])want, t->len) == 0);
  }
  CHECK(s->violations == 0);
  free(s);
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
