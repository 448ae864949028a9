#ifndef AIDREG_STORE_LOG_CACHE_H
#define AIDREG_STORE_LOG_CACHE_H
/* Private: what the proofs and tiles read, kept in memory, bounded and never stale.
 *
 * A ledger's log only grows: a perfect node (level, index) and a full entry tile, once
 * stored, never change, and a tree size the database has reported stays a size the log
 * has. So the cache holds only those — the perfect nodes, the full entry tiles, and per
 * ledger the largest size seen — and a proof or tile inside a size already seen is
 * answered from it without asking PostgreSQL (docs/decisions.md "Proofs and tiles from
 * memory"). Everything else (the latest size, a partial tile) is read as before.
 *
 * Nodes are direct-mapped (a newer node takes an older one's slot: bounded, no
 * eviction list), laid out per level so that one ledger's levels do not collide until
 * a level is wider than its region; entry tiles are kept least recently used first out
 * within a byte budget. Safe from any thread (one mutex for each part). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ar_log_cache ar_log_cache;

/* The registry's: 2^18 node slots (56 bytes each, 14 MiB once all are touched: every
 * node of a tree of 131,072 entries) and 64 MiB of entry tiles (a few hundred tiles of
 * everyday entries). */
#define AR_LOG_CACHE_NODES ((size_t)1 << 18)
#define AR_LOG_CACHE_TILE_BYTES ((size_t)64 << 20)

/* node_slots is rounded down to a power of two (0: no nodes kept); tile_bytes bounds
 * the entry tiles' bytes (0: none kept). NULL when out of memory. */
ar_log_cache *ar_log_cache_new(size_t node_slots, size_t tile_bytes);
void ar_log_cache_free(ar_log_cache *c);

/* The ledger's log has (at least) size entries: the largest seen is kept. */
void ar_log_cache_saw_size(ar_log_cache *c, const char *code, uint64_t size);
/* The largest size seen for the ledger, 0 when none (or c is NULL). */
uint64_t ar_log_cache_known_size(ar_log_cache *c, const char *code);

/* Several at once (one lock): how many of the n nodes were found; found[i] and
 * hash[i] set for each. */
size_t ar_log_cache_nodes(ar_log_cache *c, const char *code, size_t n, const unsigned *level, const uint64_t *index,
                          uint8_t (*hash)[32], bool *found);
/* Keep n perfect nodes: level[i], index[i] with hash[i]. */
void ar_log_cache_put_nodes(ar_log_cache *c, const char *code, size_t n, const unsigned *level, const uint64_t *index,
                            const uint8_t (*hash)[32]);
/* n consecutive nodes of one level from index first (a full hash tile's): true, and
 * hash[] set, only when every one is kept. */
bool ar_log_cache_run(ar_log_cache *c, const char *code, unsigned level, uint64_t first, size_t n, uint8_t (*hash)[32]);
/* Keep n consecutive nodes of one level, from index first (a hash tile's). */
void ar_log_cache_put_run(ar_log_cache *c, const char *code, unsigned level, uint64_t first, size_t n,
                          const uint8_t (*hash)[32]);

/* A copy of the full entry tile `index` (malloc'd, the caller frees it): true when kept. */
bool ar_log_cache_tile(ar_log_cache *c, const char *code, uint64_t index, uint8_t **data, size_t *len);
/* Keep a copy of a full entry tile (nothing when it alone exceeds the budget). */
void ar_log_cache_put_tile(ar_log_cache *c, const char *code, uint64_t index, const uint8_t *data, size_t len);

#endif
