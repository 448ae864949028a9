/* Reads of the stored tree and checkpoints (see store.h). */
#include "store/store.h"

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
 * few crossed pairs are dropped in C. */
static db_stmt q_nodes_ahead = {
    "SELECT level, idx, hash FROM tree_node WHERE ledger = $1 AND level = ANY ($2::smallint[]) "
    "AND idx = ANY ($3::bigint[]) "
    "UNION ALL SELECT 0, idx, leaf_hash FROM leaf WHERE ledger = $1 AND 0 = ANY ($2::smallint[]) "
    "AND idx = ANY ($3::bigint[])",
    0};

#define AHEAD_MAX 256 /* a proof of a tree of 2^64 leaves needs fewer */

typedef struct {
  store_nodes *sn;
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

/* The recorded nodes' hashes in one query; a failure leaves them to be read one by one. */
static void ahead_read(ahead *a) {
  db_buf lv = {0}, ix = {0};
  bool ok = ar_db_buf_add(&lv, "{", 1) == 0 && ar_db_buf_add(&ix, "{", 1) == 0;
  for (size_t i = 0; ok && i < a->n; i++)
    ok = ar_db_buf_addf(&lv, "%s%u", i ? "," : "", a->level[i]) == 0 &&
         ar_db_buf_addf(&ix, "%s%" PRIu64, i ? "," : "", a->idx[i]) == 0;
  ok = ok && ar_db_buf_add(&lv, "}", 1) == 0 && ar_db_buf_add(&ix, "}", 1) == 0;
  const char *params[3] = {a->sn->code, lv.data, ix.data};
  PGresult *r = ok && a->n ? ar_db_run(a->sn->conn, &q_nodes_ahead, 3, params, NULL) : NULL;
  for (int row = 0; r && row < PQntuples(r); row++) {
    unsigned long long level, idx;
    if (ar_db_u64(PQgetvalue(r, row, 0), &level) || ar_db_u64(PQgetvalue(r, row, 1), &idx)) continue;
    for (size_t i = 0; i < a->n; i++)
      if (a->level[i] == level && a->idx[i] == idx && !a->have[i])
        a->have[i] = ar_db_bytea(PQgetvalue(r, row, 2), a->hash[i], 32) == 0;
  }
  PQclear(r);
  ar_db_buf_free(&lv);
  ar_db_buf_free(&ix);
}

int ar_store_read_ahead(store_nodes *sn, int (*run)(aidreg_node_fetch fetch, void *fetch_ctx, void *arg), void *arg) {
  ahead *a = calloc(1, sizeof *a);
  if (!a) return run(ar_store_node_fetch, sn, arg);
  a->sn = sn;
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
