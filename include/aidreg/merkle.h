#ifndef AIDREG_MERKLE_H
#define AIDREG_MERKLE_H
/* RFC 6962 / RFC 9162 Merkle tree hashing and proofs.
 *
 * The tree is addressed by perfect subtrees: node (level, index) covers leaves
 * [index << level, (index + 1) << level). Level 0 nodes are leaf hashes. Storage only
 * ever holds such perfect nodes; everything else (roots, the right edge of a tree
 * that is not a power of two) is computed from them through a fetch callback, so the
 * same proof code runs over PostgreSQL, over tiles fetched from a server, and over an
 * in-memory map. */
#include <stddef.h>
#include <stdint.h>

#define AIDREG_HASH_LEN 32
#define AIDREG_MAX_PROOF 64 /* hashes in any proof for trees up to 2^63 */

/* Hash of the perfect node (level, index) into out. Returns 0, or -1 if unavailable. */
typedef int (*aidreg_node_fetch)(void *ctx, unsigned level, uint64_t index, uint8_t out[32]);

void aidreg_merkle_leaf_hash(const uint8_t *leaf, size_t n, uint8_t out[32]);
void aidreg_merkle_node_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32]);
/* SHA-256 of the empty string: the root of the empty tree. */
void aidreg_merkle_empty_root(uint8_t out[32]);

/* MTH of leaves [start, end), where start is a multiple of the largest power of two
 * <= end - start (as every subtree in RFC 6962 proofs is). Returns 0 or -1. */
int aidreg_merkle_range_hash(aidreg_node_fetch fetch, void *ctx, uint64_t start, uint64_t end,
                             uint8_t out[32]);
int aidreg_merkle_root(aidreg_node_fetch fetch, void *ctx, uint64_t size, uint8_t out[32]);

/* Proof generation (RFC 9162 §2.1.3 / §2.1.4). proof must hold AIDREG_MAX_PROOF hashes;
 * *len receives the count. Returns 0, or -1 on bad arguments (index >= size, m > n, ...)
 * or a failed fetch. */
int aidreg_merkle_inclusion_proof(aidreg_node_fetch fetch, void *ctx, uint64_t index, uint64_t size,
                                  uint8_t proof[][32], size_t *len);
int aidreg_merkle_consistency_proof(aidreg_node_fetch fetch, void *ctx, uint64_t m, uint64_t n,
                                    uint8_t proof[][32], size_t *len);

/* Proof verification (RFC 9162 §2.1.3.2 / §2.1.4.2). Return 0 when the proof is valid. */
int aidreg_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t index, uint64_t size,
                                   const uint8_t proof[][32], size_t len, const uint8_t root[32]);
int aidreg_merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t old_root[32],
                                     const uint8_t new_root[32], const uint8_t proof[][32], size_t len);

/* The right frontier of a tree: for every bit k set in size, hash[k] is the perfect
 * node (k, (size >> k) - 1). 2 KiB whatever the tree size. */
typedef struct {
  uint64_t size;
  uint8_t hash[64][32];
} aidreg_frontier;

/* Called for every perfect node an append completes, level 0 (the leaf) first. */
typedef void (*aidreg_node_sink)(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32]);

void aidreg_frontier_init(aidreg_frontier *f);
/* Load the frontier of a tree of the given size from stored nodes. Returns 0 or -1. */
int aidreg_frontier_load(aidreg_frontier *f, uint64_t size, aidreg_node_fetch fetch, void *ctx);
void aidreg_frontier_append(aidreg_frontier *f, const uint8_t leaf_hash[32], aidreg_node_sink sink,
                            void *ctx);
void aidreg_frontier_root(const aidreg_frontier *f, uint8_t out[32]);

#endif
