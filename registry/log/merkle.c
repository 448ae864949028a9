/* RFC 6962 / RFC 9162 Merkle trees over perfect-node storage.
 *
 * Every subtree that appears in an RFC 6962 proof, [start, end), starts at a multiple of
 * the largest power of two <= end - start. Such a range splits into perfect nodes, one per
 * bit set in end - start, largest first, and its MTH is those nodes folded from the right:
 * MTH = H(p1, H(p2, ... H(pk-1, pk))). So proofs need nothing but perfect nodes, each
 * inside the tree the proof is about. */
#include "aidreg/merkle.h"

#include <sodium.h>
#include <string.h>

void aidreg_merkle_leaf_hash(const uint8_t *leaf, size_t n, uint8_t out[32]) {
  crypto_hash_sha256_state st;
  static const uint8_t prefix = 0x00;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, leaf, n);
  crypto_hash_sha256_final(&st, out);
}

void aidreg_merkle_node_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32]) {
  uint8_t buf[65];
  buf[0] = 0x01;
  memcpy(buf + 1, left, 32);
  memcpy(buf + 33, right, 32);
  crypto_hash_sha256(out, buf, sizeof buf);
}

void aidreg_merkle_empty_root(uint8_t out[32]) { crypto_hash_sha256(out, (const uint8_t *)"", 0); }

static unsigned top_bit(uint64_t x) { return 63u - (unsigned)__builtin_clzll(x); }

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n) { return (uint64_t)1 << top_bit(n - 1); }

int aidreg_merkle_range_hash(aidreg_node_fetch fetch, void *ctx, uint64_t start, uint64_t end, uint8_t out[32]) {
  if (end <= start) return -1;
  uint64_t n = end - start;
  if (start & (((uint64_t)1 << top_bit(n)) - 1)) return -1;
  /* Fold from the smallest node (the lowest set bit, rightmost) up. */
  uint8_t acc[32], node[32];
  int have = 0;
  uint64_t pos = end;
  for (unsigned level = 0; level < 64; level++) {
    if (!(n >> level & 1)) continue;
    pos -= (uint64_t)1 << level;
    if (fetch(ctx, level, pos >> level, node) != 0) return -1;
    if (have) {
      aidreg_merkle_node_hash(node, acc, acc);
    } else {
      memcpy(acc, node, 32);
      have = 1;
    }
  }
  memcpy(out, acc, 32);
  return 0;
}

int aidreg_merkle_root(aidreg_node_fetch fetch, void *ctx, uint64_t size, uint8_t out[32]) {
  if (size == 0) {
    aidreg_merkle_empty_root(out);
    return 0;
  }
  return aidreg_merkle_range_hash(fetch, ctx, 0, size, out);
}

/* The RFC 9162 recursions descend from the root and emit each sibling after the
 * recursive part, so the proof is the descent's siblings in reverse order. */
static void reverse(uint8_t proof[][32], size_t len) {
  uint8_t tmp[32];
  for (size_t i = 0; i < len / 2; i++) {
    memcpy(tmp, proof[i], 32);
    memcpy(proof[i], proof[len - 1 - i], 32);
    memcpy(proof[len - 1 - i], tmp, 32);
  }
}

int aidreg_merkle_inclusion_proof(aidreg_node_fetch fetch, void *ctx, uint64_t index, uint64_t size,
                                  uint8_t proof[][32], size_t *len) {
  if (index >= size) return -1;
  size_t k = 0;
  uint64_t lo = 0, hi = size; /* the subtree being descended: [lo, hi) holds index */
  while (hi - lo > 1) {
    uint64_t mid = lo + split_point(hi - lo);
    int rc;
    if (index < mid) {
      rc = aidreg_merkle_range_hash(fetch, ctx, mid, hi, proof[k]);
      hi = mid;
    } else {
      rc = aidreg_merkle_range_hash(fetch, ctx, lo, mid, proof[k]);
      lo = mid;
    }
    if (rc != 0) return -1;
    k++;
  }
  reverse(proof, k);
  *len = k;
  return 0;
}

int aidreg_merkle_consistency_proof(aidreg_node_fetch fetch, void *ctx, uint64_t m, uint64_t n,
                                    uint8_t proof[][32], size_t *len) {
  if (m > n) return -1;
  *len = 0;
  if (m == 0 || m == n) return 0;
  /* SUBPROOF(m, D[lo:hi], b), iterated; m is relative to lo. */
  size_t k = 0;
  uint64_t lo = 0, hi = n;
  int whole = 1; /* b: the old tree is exactly the left part, so its root is known */
  while (m != hi - lo) {
    uint64_t split = split_point(hi - lo);
    int rc;
    if (m <= split) {
      rc = aidreg_merkle_range_hash(fetch, ctx, lo + split, hi, proof[k]);
      hi = lo + split;
    } else {
      rc = aidreg_merkle_range_hash(fetch, ctx, lo, lo + split, proof[k]);
      lo += split;
      m -= split;
      whole = 0;
    }
    if (rc != 0) return -1;
    k++;
  }
  if (!whole) {
    if (aidreg_merkle_range_hash(fetch, ctx, lo, hi, proof[k]) != 0) return -1;
    k++;
  }
  reverse(proof, k);
  *len = k;
  return 0;
}

int aidreg_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t index, uint64_t size,
                                   const uint8_t proof[][32], size_t len, const uint8_t root[32]) {
  if (index >= size || len > AIDREG_MAX_PROOF) return -1;
  uint64_t fn = index, sn = size - 1;
  uint8_t r[32];
  memcpy(r, leaf_hash, 32);
  for (size_t i = 0; i < len; i++) {
    if (sn == 0) return -1;
    if ((fn & 1) || fn == sn) {
      aidreg_merkle_node_hash(proof[i], r, r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      aidreg_merkle_node_hash(r, proof[i], r);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return -1;
  return sodium_memcmp(r, root, 32) == 0 ? 0 : -1;
}

int aidreg_merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t old_root[32],
                                     const uint8_t new_root[32], const uint8_t proof[][32], size_t len) {
  if (m > n || len > AIDREG_MAX_PROOF) return -1;
  if (m == n) return (len == 0 && sodium_memcmp(old_root, new_root, 32) == 0) ? 0 : -1;
  if (m == 0) {
    /* Every tree extends the empty one, but the old root must be the empty root. */
    uint8_t empty[32];
    aidreg_merkle_empty_root(empty);
    return (len == 0 && sodium_memcmp(old_root, empty, 32) == 0) ? 0 : -1;
  }
  if (len == 0) return -1;
  /* When m is a power of two the old root is itself the first proof element; take it
   * from old_root instead of copying the proof. */
  int prepend = (m & (m - 1)) == 0;
  size_t total = len + (size_t)prepend, i = 0;
#define ELEM(j) (prepend ? ((j) == 0 ? old_root : proof[(j) - 1]) : proof[j])
  uint64_t fn = m - 1, sn = n - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  uint8_t fr[32], sr[32];
  memcpy(fr, ELEM(0), 32);
  memcpy(sr, ELEM(0), 32);
  for (i = 1; i < total; i++) {
    const uint8_t *c = ELEM(i);
    if (sn == 0) return -1;
    if ((fn & 1) || fn == sn) {
      aidreg_merkle_node_hash(c, fr, fr);
      aidreg_merkle_node_hash(c, sr, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      aidreg_merkle_node_hash(sr, c, sr);
    }
    fn >>= 1;
    sn >>= 1;
  }
#undef ELEM
  if (sn != 0) return -1;
  if (sodium_memcmp(fr, old_root, 32) != 0) return -1;
  return sodium_memcmp(sr, new_root, 32) == 0 ? 0 : -1;
}

void aidreg_frontier_init(aidreg_frontier *f) { memset(f, 0, sizeof *f); }

int aidreg_frontier_load(aidreg_frontier *f, uint64_t size, aidreg_node_fetch fetch, void *ctx) {
  aidreg_frontier_init(f);
  for (unsigned k = 0; k < 64; k++) {
    if (!(size >> k & 1)) continue;
    if (fetch(ctx, k, (size >> k) - 1, f->hash[k]) != 0) {
      aidreg_frontier_init(f);
      return -1;
    }
  }
  f->size = size;
  return 0;
}

void aidreg_frontier_append(aidreg_frontier *f, const uint8_t leaf_hash[32], aidreg_node_sink sink, void *ctx) {
  if (f->size == UINT64_MAX) return; /* cannot happen in practice; avoids shifting by 64 */
  uint64_t index = f->size;
  uint8_t cur[32];
  memcpy(cur, leaf_hash, 32);
  if (sink) sink(ctx, 0, index, cur);
  unsigned k = 0;
  /* Each set low bit is a left sibling waiting for this right one: merge and carry. */
  while (f->size >> k & 1) {
    aidreg_merkle_node_hash(f->hash[k], cur, cur);
    k++;
    if (sink) sink(ctx, k, index >> k, cur);
  }
  memcpy(f->hash[k], cur, 32);
  f->size++;
}

void aidreg_frontier_root(const aidreg_frontier *f, uint8_t out[32]) {
  if (f->size == 0) {
    aidreg_merkle_empty_root(out);
    return;
  }
  uint8_t acc[32];
  int have = 0;
  for (unsigned k = 0; k < 64; k++) {
    if (!(f->size >> k & 1)) continue;
    if (have) {
      aidreg_merkle_node_hash(f->hash[k], acc, acc);
    } else {
      memcpy(acc, f->hash[k], 32);
      have = 1;
    }
  }
  memcpy(out, acc, 32);
}
