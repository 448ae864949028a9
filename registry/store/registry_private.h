#ifndef AIDREG_REGISTRY_PRIVATE_H
#define AIDREG_REGISTRY_PRIVATE_H
/* Private: the registry's state, shared by registry.c (writes) and reads.c. */
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>

#include "aidreg/registry.h"
#include "store/appender.h"
#include "store/db.h"
#include "store/log_cache.h"
#include "core/ratelimit.h"
#include "core/strmap.h"

/* A ledger this process has been asked to write: created once the ledger is known to
 * exist, kept until the registry closes (one per ledger of the database at most). */
typedef struct ledger_slot {
  char code[8];
  appender *appender;     /* NULL until an item passed its checks; stopped again when idle */
  unsigned users;         /* submissions using appender */
  int64_t idle_since_ns;  /* CLOCK_MONOTONIC, when users last fell to 0 */
  strmap keys;            /* every key id ever enrolled in the ledger (values: the slot) */
  struct ledger_slot *next;
} ledger_slot;

/* One PostgreSQL cluster the registry writes (docs/scale.md): its primary, and the
 * streaming replica that serves its reads when one is configured. */
typedef struct {
  char url[1024];     /* the primary: appenders, and the lookups of the write path */
  db_pool pool;       /* the primary's */
  db_pool read_pool;  /* the replica's, when replica */
  bool replica;
} ar_shard;

struct aidreg_registry {
  char log_host[256];
  aidreg_keypair log_key;
  size_t max_batch;
  int64_t max_clock_skew;
  unsigned max_signatures, max_appenders, appender_idle_s;
  size_t max_response_bytes;
  unsigned db_timeout_ms;
  ar_ratelimit *key_rl, *address_rl, *lookup_rl; /* per key, per address, per ledger */
  ar_shard *shards;   /* every cluster once; the default's first when has_default */
  size_t nshards;
  bool has_default;   /* ledgers not in the map go to shards[0]; else they are refused */
  strmap routes;      /* county code -> its ar_shard (the ledger map); read-only once open */
  pthread_mutex_t mu; /* guards ledgers, every slot's members and nappenders */
  ledger_slot *ledgers;
  unsigned nappenders;
  ar_log_cache *log_cache; /* the proofs' and tiles' immutable data; NULL: read each time */
  _Atomic uint64_t log_reads[4]; /* aidreg_log_reads' members, in order (relaxed counters) */
};

/* Counts one proof or tile in r->log_reads: kept (answered from memory) or read. */
enum { AR_PROOF_KEPT, AR_PROOF_READ, AR_TILE_KEPT, AR_TILE_READ };
#define AR_COUNT_LOG_READ(r, which) atomic_fetch_add_explicit(&(r)->log_reads[which], 1, memory_order_relaxed)

/* Opens the default cluster and those of the map (applying migrations to each); on
 * failure err is set and ar_shards_close frees what was opened. */
int ar_shards_open(aidreg_registry *r, const aidreg_registry_config *cfg, const char *dir, char *err, size_t cap);
void ar_shards_close(aidreg_registry *r);
/* The cluster that holds ledger code, or NULL when the ledger map has no place for it. */
ar_shard *ar_shard_of(aidreg_registry *r, const char *code);
/* A connection to the primary (write path) or to the reads' database of the ledger's
 * cluster (its replica when configured): NULL when the ledger is not in the map or no
 * connection is free. Give it back with the matching put. */
db_conn *ar_write_get(aidreg_registry *r, const char *code);
void ar_write_put(aidreg_registry *r, const char *code, db_conn *c);
db_conn *ar_read_get(aidreg_registry *r, const char *code);
void ar_read_put(aidreg_registry *r, const char *code, db_conn *c);
/* As ar_read_put, after a failed read: an internal error from a lost or timed-out
 * connection becomes 503 (retry), as a client should see it. */
void ar_read_done(aidreg_registry *r, const char *code, db_conn *c, aidreg_problem *p);
/* Whether the ledger's reads come from a replica, which may lag behind its primary. */
bool ar_reads_from_replica(aidreg_registry *r, const char *code);
/* A read found no ledger code: UNKNOWN_LEDGER, or UNAVAILABLE when it was read from a
 * replica and the primary has the ledger (created since the last replay). Returns -1. */
int ar_unknown_ledger(aidreg_registry *r, const char *code, aidreg_problem *p);
/* A read needs a tree of `wanted` entries (a size, an index + 1) and the copy it read has
 * only `have`: true, with p UNAVAILABLE (retry), when that copy is a replica and the
 * primary has the size (the replica has not caught up); false otherwise, and the caller
 * answers as it would on the primary (that size does not exist). */
bool ar_replica_lacks(aidreg_registry *r, const char *code, uint64_t have, uint64_t wanted, aidreg_problem *p);

/* Borrow a pooled connection for the body of a read; on failure set p. */
#define AR_WITH_READ_CONN(r, c, p)                                                           \
  if (!aidreg_registry_serves(r, code, p)) return -1;                                        \
  db_conn *c = ar_read_get(r, code);                                                         \
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry")
/* The ledger's size as its reads' database has it (kept in r->log_cache as seen); 0, or
 * -1 with p set (an unknown ledger, a failed read). */
int ar_ledger_size(aidreg_registry *r, db_conn *c, const char *code, uint64_t *size, aidreg_problem *p);

static inline void sodium_memzero_key(aidreg_keypair *k) { sodium_memzero(k, sizeof *k); }

#endif
