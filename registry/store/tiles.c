/* The tiles of C2SP tlog-tiles from the stored tree, through the cache of what never
 * changes (log_cache.h): hash tiles from the kept nodes, full entry tiles kept whole. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/tile.h"
#include "store/registry_private.h"

static db_stmt q_hashes = {
    "SELECT hash FROM tree_node WHERE ledger = $1 AND level = $2 AND idx >= $3 AND idx < $4 ORDER BY idx", 0};
/* Hash tile of level 0: the leaf hashes, kept in the leaf rows. */
static db_stmt q_leaf_hashes = {
    "SELECT leaf_hash FROM leaf WHERE ledger = $1 AND idx >= $2 AND idx < $3 ORDER BY idx", 0};
static db_stmt q_tile_leaves = {"SELECT data FROM leaf WHERE ledger = $1 AND idx >= $2 AND idx < $3 ORDER BY idx", 0};

static int tile_bytes(aidreg_registry *r, db_conn *c, const char *code, const aidreg_tile_ref *t, uint64_t size,
                      uint8_t **data, size_t *len, aidreg_problem *p) {
  uint64_t first = t->index * AIDREG_TILE_WIDTH, end = first + t->width;
  unsigned level = t->entries ? 0 : t->level * AIDREG_TILE_HEIGHT;
  uint64_t available = level < 64 ? size >> level : 0;
  if (t->index > UINT64_MAX / AIDREG_TILE_WIDTH - 1)
    return aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "that tile is beyond the tree (size %" PRIu64 ")", size);
  if (end > available) {
    uint64_t wanted = level < 64 && end <= UINT64_MAX >> level ? end << level : UINT64_MAX;
    if (ar_replica_lacks(r, code, size, wanted, p)) return -1;
    return aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "that tile is beyond the tree (size %" PRIu64 ")", size);
  }
  char code_lv[8], a[24], b[24];
  snprintf(code_lv, sizeof code_lv, "%u", level);
  snprintf(a, sizeof a, "%" PRIu64, first);
  snprintf(b, sizeof b, "%" PRIu64, end);
  const char *hp[4] = {code, code_lv, a, b};
  const char *lp[3] = {code, a, b};
  PGresult *res = t->entries   ? ar_db_run(c, &q_tile_leaves, 3, lp, NULL)
                  : level == 0 ? ar_db_run(c, &q_leaf_hashes, 3, lp, NULL)
                               : ar_db_run(c, &q_hashes, 4, hp, NULL);
  if (!res) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  int rc = -1;
  if ((uint64_t)PQntuples(res) != t->width) {
    aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "stored tree is incomplete");
    goto out;
  }
  db_buf buf = {0};
  for (int i = 0; i < PQntuples(res); i++) {
    if (t->entries) {
      const char *leaf = PQgetvalue(res, i, 0);
      size_t n = strlen(leaf);
      uint8_t be[2] = {(uint8_t)(n >> 8), (uint8_t)n};
      if (n > 0xffff || ar_db_buf_add(&buf, (const char *)be, 2) || ar_db_buf_add(&buf, leaf, n)) goto fail;
    } else {
      uint8_t h[32];
      if (ar_db_bytea(PQgetvalue(res, i, 0), h, 32) || ar_db_buf_add(&buf, (const char *)h, 32)) goto fail;
    }
  }
  *data = (uint8_t *)buf.data;
  *len = buf.len;
  if (t->entries && t->width == AIDREG_TILE_WIDTH)
    ar_log_cache_put_tile(r->log_cache, code, t->index, *data, *len);
  else if (!t->entries)
    ar_log_cache_put_run(r->log_cache, code, level, first, t->width, (const uint8_t(*)[32])*data);
  rc = 0;
  goto out;
fail:
  ar_db_buf_free(&buf);
  aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "cannot assemble the tile");
out:
  PQclear(res);
  return rc;
}

/* A tile whose every part is kept: its nodes, or the full entry tile. No size is needed:
 * what is kept exists, and stays, in the log. */
static bool tile_kept(aidreg_registry *r, const char *code, const aidreg_tile_ref *t, uint8_t **data, size_t *len) {
  if (t->index > UINT64_MAX / AIDREG_TILE_WIDTH - 1 || t->width == 0 || t->width > AIDREG_TILE_WIDTH) return false;
  if (t->entries)
    return t->width == AIDREG_TILE_WIDTH && ar_log_cache_tile(r->log_cache, code, t->index, data, len);
  unsigned level = t->level * AIDREG_TILE_HEIGHT;
  uint8_t(*h)[32] = level < 64 ? malloc((size_t)t->width * 32) : NULL;
  if (!h || !ar_log_cache_run(r->log_cache, code, level, t->index * AIDREG_TILE_WIDTH, t->width, h)) {
    free(h);
    return false;
  }
  *data = (uint8_t *)h;
  *len = (size_t)t->width * 32;
  return true;
}

int aidreg_registry_tile(aidreg_registry *r, const char *code, const aidreg_tile_ref *t, uint8_t **data,
                         size_t *len, aidreg_problem *p) {
  if (ar_shard_of(r, code) && tile_kept(r, code, t, data, len)) return AR_COUNT_LOG_READ(r, AR_TILE_KEPT), 0;
  AR_COUNT_LOG_READ(r, AR_TILE_READ);
  AR_WITH_READ_CONN(r, c, p);
  uint64_t size;
  int rc = ar_ledger_size(r, c, code, &size, p);
  if (rc == 0) rc = tile_bytes(r, c, code, t, size, data, len, p);
  ar_read_done(r, code, c, p);
  return rc;
}

