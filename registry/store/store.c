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
