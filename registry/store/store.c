/* Reads of the stored tree and checkpoints (see store.h). */
#include "store/store.h"
#include "aidreg/tile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static db_stmt q_node = {"SELECT hash FROM tree_node WHERE ledger = $1 AND level = $2 AND idx = $3", 0};
static db_stmt q_leaf_hash = {"SELECT leaf_hash FROM leaf WHERE ledger = $1 AND idx = $2", 0};
static db_stmt q_covering = {
    "SELECT size, note FROM checkpoint WHERE ledger = $1 AND size > $2 ORDER BY size LIMIT 1", 0};
static db_stmt q_latest = {"SELECT size, note FROM checkpoint WHERE ledger = $1 ORDER BY size DESC LIMIT 1", 0};

int ar_store_node_fetch(void *ctx, unsigned level, uint64_t index, uint8_t out[32]) {
  store_nodes *s = ctx;
  char lv[8], ix[24];
  snprintf(lv, sizeof lv, "%u", level);
  snprintf(ix, sizeof ix, "%" PRIu64, index);
  const char *params[3] = {s->code, lv, ix};
  const char *leaf_params[2] = {s->code, ix};
  /* Level 0 (leaf hashes) is stored in the leaf rows, the levels above in tree_node. */
  PGresult *r = level == 0 ? ar_db_run(s->conn, &q_leaf_hash, 2, leaf_params, NULL) : ar_db_run(s->conn, &q_node, 3, params, NULL);
  if (!r) return -1;
  int rc = PQntuples(r) == 1 && ar_db_bytea(PQgetvalue(r, 0, 0), out, 32) == 0 ? 0 : -1;
  PQclear(r);
  return rc;
}

static int one_checkpoint(PGresult *r, uint64_t *size, char **note) {
  unsigned long long s;
  if (ar_db_u64(PQgetvalue(r, 0, 0), &s)) return -1;
  if (!(*note = strdup(PQgetvalue(r, 0, 1)))) return -1;
  *size = s;
  return 0;
}

int ar_store_checkpoint_covering(db_conn *c, const char *code, uint64_t index, uint64_t *size, char **note) {
  char ix[24];
  snprintf(ix, sizeof ix, "%" PRIu64, index);
  const char *params[2] = {code, ix};
  PGresult *r = ar_db_run(c, &q_covering, 2, params, NULL);
  if (!r) return -1;
  int rc = PQntuples(r) == 1 ? one_checkpoint(r, size, note) : -1;
  PQclear(r);
  return rc;
}

int ar_store_checkpoint_latest(db_conn *c, const char *code, uint64_t *size, char **note) {
  const char *params[1] = {code};
  PGresult *r = ar_db_run(c, &q_latest, 1, params, NULL);
  if (!r) return -1;
  int rc = PQntuples(r) == 0 ? 0 : one_checkpoint(r, size, note) == 0 ? 1 : -1;
  PQclear(r);
  return rc;
}

/* ---- nodes read ahead --------------------------------------------------------------- */

/* level = ANY and idx = ANY keep the primary keys usable whatever the statistics say; the
 * few crossed pairs are dropped in C. Without a cache: the nodes asked for. */
static db_stmt q_nodes_ahead = {
    "SELECT level, idx, hash FROM tree_node WHERE ledger = $1 AND level = ANY ($2::smallint[]) "
    "AND idx = ANY ($3::bigint[]) "
    "UNION ALL SELECT 0, idx, leaf_hash FROM leaf WHERE ledger = $1 AND 0 = ANY ($2::smallint[]) "
    "AND idx = ANY ($3::bigint[])",
    0};
/* With a cache: the block of a hash tile's width of nodes around each (level $2[i], first
 * index $3[i]) - what a tile read also keeps -, one range of a primary key each (the nested
 * loop is the only plan a range can take), so a proof that misses warms the nodes the next
 * proofs near it need. */
#define STR_(x) #x
#define STR(x) STR_(x)
static db_stmt q_blocks_ahead = {
    "SELECT t.level, t.idx, t.hash FROM unnest($2::smallint[], $3::bigint[]) AS q(level, lo) "
    "JOIN tree_node t ON t.ledger = $1 AND t.level = q.level AND t.idx >= q.lo AND t.idx < q.lo + " STR(AIDREG_TILE_WIDTH) " "
    "WHERE q.level > 0 "
    "UNION ALL SELECT 0, l.idx, l.leaf_hash FROM unnest($2::smallint[], $3::bigint[]) AS q(level, lo) "
    "JOIN leaf l ON l.ledger = $1 AND l.idx >= q.lo AND l.idx < q.lo + " STR(AIDREG_TILE_WIDTH) " WHERE q.level = 0",
    0};

#define AHEAD_MAX 256 /* a proof of a tree of 2^64 leaves needs fewer */

typedef struct {
  store_nodes *sn;
  ar_log_cache *cache;
  bool recording;
  size_t n;
  unsigned level[AHEAD_MAX];
  uint64_t idx[AHEAD_MAX];
  uint8_t hash[AHEAD_MAX][32];
  bool have[AHEAD_MAX];
} ahead;

static int ahead_fetch(void *ctx, unsigned level, uint64_t index, uint8_t out[32]) {
  ahead *a = ctx;
  if (a->recording) {
    memset(out, 0, 32);
    if (a->n < AHEAD_MAX) a->level[a->n] = level, a->idx[a->n++] = index;
    return 0;
  }
  for (size_t i = 0; i < a->n; i++)
    if (a->have[i] && a->level[i] == level && a->idx[i] == index) {
      memcpy(out, a->hash[i], 32);
      return 0;
    }
  return ar_store_node_fetch(a->sn, level, index, out);
}

/* The nodes' first index in the query: theirs, or their block's with a cache. */
static uint64_t asked_from(const ahead *a, size_t i) {
  return a->cache ? a->idx[i] & ~(uint64_t)(AIDREG_TILE_WIDTH - 1) : a->idx[i];
}

/* The recorded nodes' hashes: those the cache keeps, the rest in one query (with a cache,
 * their blocks, all kept); a failure leaves them to be read one by one. */
static void ahead_read(ahead *a) {
  ar_log_cache *cache = a->cache;
  if (ar_log_cache_nodes(cache, a->sn->code, a->n, a->level, a->idx, a->hash, a->have) == a->n) return;
  db_buf lv = {0}, ix = {0};
  bool ok = ar_db_buf_add(&lv, "{", 1) == 0 && ar_db_buf_add(&ix, "{", 1) == 0;
  size_t m = 0;
  for (size_t i = 0; ok && i < a->n; i++) {
    bool dup = a->have[i];
    for (size_t j = 0; !dup && cache && j < i; j++)
      dup = !a->have[j] && a->level[j] == a->level[i] && asked_from(a, j) == asked_from(a, i);
    if (!dup)
      ok = ar_db_buf_addf(&lv, "%s%u", m ? "," : "", a->level[i]) == 0 &&
           ar_db_buf_addf(&ix, "%s%" PRIu64, m++ ? "," : "", asked_from(a, i)) == 0;
  }
  ok = ok && ar_db_buf_add(&lv, "}", 1) == 0 && ar_db_buf_add(&ix, "}", 1) == 0;
  const char *params[3] = {a->sn->code, lv.data, ix.data};
  PGresult *r = ok && m ? ar_db_run(a->sn->conn, cache ? &q_blocks_ahead : &q_nodes_ahead, 3, params, NULL) : NULL;
  for (int row = 0; r && row < PQntuples(r); row++) {
    unsigned long long level, idx;
    uint8_t h[32];
    if (ar_db_u64(PQgetvalue(r, row, 0), &level) || ar_db_u64(PQgetvalue(r, row, 1), &idx) ||
        ar_db_bytea(PQgetvalue(r, row, 2), h, 32))
      continue;
    unsigned lv1 = (unsigned)level;
    uint64_t ix1 = idx;
    ar_log_cache_put_nodes(cache, a->sn->code, 1, &lv1, &ix1, (const uint8_t(*)[32])h);
    for (size_t i = 0; i < a->n; i++)
      if (a->level[i] == level && a->idx[i] == idx && !a->have[i]) {
        memcpy(a->hash[i], h, 32);
        a->have[i] = true;
      }
  }
  PQclear(r);
  ar_db_buf_free(&lv);
  ar_db_buf_free(&ix);
}

int ar_store_read_ahead(store_nodes *sn, ar_log_cache *cache,
                        int (*run)(aidreg_node_fetch fetch, void *fetch_ctx, void *arg), void *arg) {
  ahead *a = calloc(1, sizeof *a);
  if (!a) return run(ar_store_node_fetch, sn, arg);
  a->sn = sn;
  a->cache = cache;
  a->recording = true;
  int rc = run(ahead_fetch, a, arg);
  a->recording = false;
  if (rc == 0) {
    ahead_read(a);
    rc = run(ahead_fetch, a, arg);
  }
  free(a);
  return rc;
}

/* ---- nodes kept ----------------------------------------------------------------------- */

typedef struct {
  ar_log_cache *cache;
  const char *code;
} kept_nodes;

static int kept_fetch(void *ctx, unsigned level, uint64_t index, uint8_t out[32]) {
  kept_nodes *k = ctx;
  bool found;
  return ar_log_cache_nodes(k->cache, k->code, 1, &level, &index, (uint8_t(*)[32])out, &found) == 1 ? 0 : -1;
}

int ar_store_run_kept(ar_log_cache *cache, const char *code,
                      int (*run)(aidreg_node_fetch fetch, void *fetch_ctx, void *arg), void *arg) {
  kept_nodes k = {cache, code};
  return cache && run(kept_fetch, &k, arg) == 0 ? 0 : -1;
}
