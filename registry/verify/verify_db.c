/* `aidreg verify --db`: the verification engine's source over PostgreSQL, plus the
 * checks only the database allows (see include/aidreg/verify.h).
 *
 * Nothing read here is trusted: tiles and bundles are assembled from the leaf and
 * tree_node rows and judged by the engine against the signed checkpoint; the hooks then
 * hold every row to what the engine recomputed, row by row in log order, so the first
 * bad row is the one named. Everything runs in one REPEATABLE READ, READ ONLY
 * transaction: a snapshot that appends in flight cannot tear. Every statement has its
 * parameters bound ($n); no SQL is assembled from input. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "aidreg/leaf.h"
#include "aidreg/tile.h"
#include "aidreg/verify.h"
#include "verify/verify_pool.h"

#define NODE_PAGE 1024 /* tree_node rows read per query and level */

/* Stored nodes of one level in [$3, $4): level 0 (leaf hashes) from the leaf rows, the
 * levels above from tree_node. */
#define NODES_SQL                                                                                   \
  "SELECT idx, hash FROM tree_node WHERE ledger = $1 AND level = $2::smallint AND $2::smallint > 0 " \
  "AND idx >= $3::bigint AND idx < $4::bigint "                                                     \
  "UNION ALL SELECT idx, leaf_hash FROM leaf WHERE ledger = $1 AND $2::smallint = 0 "               \
  "AND idx >= $3::bigint AND idx < $4::bigint ORDER BY idx"
#define CP_PAGE 256    /* checkpoint rows read per query */

typedef struct {
  bool have;
  uint64_t start, end; /* the page covers node indices [start, end) */
  uint8_t *hash;       /* NODE_PAGE * 32 */
  uint8_t *present;    /* NODE_PAGE flags: 1 row found, 2 row found but hash not 32 bytes */
} node_page;

struct aidreg_verify_db {
  PGconn *pg;
  char ledger[16];
  char origin[256];
  char *vkey;
  uint64_t size; /* ledger.size */
  /* The leaf rows behind the bundles in flight (kept for the leaf hook): the engine
   * reads AR_VERIFY_AHEAD bundles ahead of the one it judges. */
  struct {
    PGresult *rows;
    uint64_t base;
    int n; /* rows used (contiguous from base) */
  } leaves[AR_VERIFY_AHEAD];
  node_page levels[64];
  /* Stored checkpoints, one page at a time. */
  PGresult *cps;
  int cps_pos;
};

/* ---- plumbing ---------------------------------------------------------------------- */

/* Runs sql with n text parameters; returns the result when it has tuples or is OK,
 * else NULL with f (SOURCE) filled. */
static PGresult *q(aidreg_verify_db *db, const char *sql, int n, const char *const *params, aidreg_verify_failure *f) {
  PGresult *r = PQexecParams(db->pg, sql, n, NULL, params, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
  int failed = aidreg_verify_fail(f, AIDREG_VF_SOURCE, false, 0, "database: %s", PQerrorMessage(db->pg));
  PQclear(r);
  return failed ? NULL : NULL; /* always -1: f says why */
}

static int parse_u64(const char *s, uint64_t *out) {
  if (!s || !*s) return -1;
  uint64_t x = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    unsigned d = (unsigned)(*s - '0');
    if (x > (UINT64_MAX - d) / 10) return -1;
    x = x * 10 + d;
  }
  *out = x;
  return 0;
}

/* bytea in hex output ("\x" then 2n hex digits) to exactly n bytes. */
static int bytea(const char *s, uint8_t *out, size_t n) {
  if (!s || s[0] != '\\' || s[1] != 'x' || strlen(s + 2) != 2 * n) return -1;
  return aidreg_hex_decode(s + 2, out, n);
}

/* ---- open/close -------------------------------------------------------------------- */

aidreg_verify_db *aidreg_verify_db_open(const char *url, const char *ledger, char *err, size_t cap) {
  aidreg_verify_db *db = calloc(1, sizeof *db);
  aidreg_verify_failure f = {0};
  PGresult *r = NULL;
  if (!db) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  if (strlen(ledger) != 6 || strspn(ledger, "0123456789") != 6) {
    snprintf(err, cap, "ledger code \"%s\" is not 6 digits", ledger);
    goto fail;
  }
  snprintf(db->ledger, sizeof db->ledger, "%s", ledger);
  db->pg = PQconnectdb(url);
  if (PQstatus(db->pg) != CONNECTION_OK) {
    snprintf(err, cap, "cannot connect to PostgreSQL: %s", PQerrorMessage(db->pg));
    goto fail;
  }
  r = PQexec(db->pg,
             "SET bytea_output = 'hex'; SET statement_timeout = 0; "
             "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    snprintf(err, cap, "cannot start a read-only transaction: %s", PQerrorMessage(db->pg));
    goto fail;
  }
  PQclear(r);
  const char *p[1] = {db->ledger};
  r = q(db, "SELECT origin, size, vkey FROM ledger WHERE code = $1", 1, p, &f);
  if (!r) {
    snprintf(err, cap, "%s", f.message);
    goto fail;
  }
  if (PQntuples(r) != 1) {
    snprintf(err, cap, "the database holds no ledger %s", ledger);
    goto fail;
  }
  snprintf(db->origin, sizeof db->origin, "%s", PQgetvalue(r, 0, 0));
  if (parse_u64(PQgetvalue(r, 0, 1), &db->size) != 0) {
    snprintf(err, cap, "ledger.size of %s is not a number", ledger);
    goto fail;
  }
  db->vkey = strdup(PQgetvalue(r, 0, 2));
  if (!db->vkey) {
    snprintf(err, cap, "out of memory");
    goto fail;
  }
  PQclear(r);
  return db;
fail:
  PQclear(r);
  aidreg_verify_db_close(db);
  return NULL;
}

void aidreg_verify_db_close(aidreg_verify_db *db) {
  if (!db) return;
  if (db->pg) {
    PGresult *r = PQexec(db->pg, "ROLLBACK");
    PQclear(r);
    PQfinish(db->pg);
  }
  for (int i = 0; i < AR_VERIFY_AHEAD; i++) PQclear(db->leaves[i].rows);
  PQclear(db->cps);
  for (int l = 0; l < 64; l++) {
    free(db->levels[l].hash);
    free(db->levels[l].present);
  }
  free(db->vkey);
  free(db);
}

char *aidreg_verify_db_vkey(aidreg_verify_db *db) { return db->vkey ? strdup(db->vkey) : NULL; }

/* ---- the tlog-tiles resources -------------------------------------------------------- */

static int db_checkpoint(void *ctx, char **note, size_t *len, aidreg_verify_failure *f) {
  aidreg_verify_db *db = ctx;
  const char *p[1] = {db->ledger};
  PGresult *r = q(db, "SELECT note FROM checkpoint WHERE ledger = $1 ORDER BY size DESC LIMIT 1", 1, p, f);
  if (!r) return -1;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return aidreg_verify_fail(f, AIDREG_VF_MISSING, false, 0, "the database stores no checkpoint for ledger %s",
                              db->ledger);
  }
  *len = (size_t)PQgetlength(r, 0, 0);
  *note = malloc(*len + 1);
  if (!*note) {
    PQclear(r);
    return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  }
  memcpy(*note, PQgetvalue(r, 0, 0), *len + 1);
  PQclear(r);
  return 0;
}

/* A hash tile from the stored nodes. A missing or malformed row is left as zeros: the
 * node hook, which runs first for every node, names it at its place in log order. */
static int db_tile(void *ctx, unsigned level, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                   aidreg_verify_failure *f) {
  aidreg_verify_db *db = ctx;
  char lv[8], lo[24], hi[24];
  uint64_t start = n * AIDREG_TILE_WIDTH;
  snprintf(lv, sizeof lv, "%u", level * AIDREG_TILE_HEIGHT);
  snprintf(lo, sizeof lo, "%" PRIu64, start);
  snprintf(hi, sizeof hi, "%" PRIu64, start + width);
  const char *p[4] = {db->ledger, lv, lo, hi};
  PGresult *r = q(db,
                  NODES_SQL,
                  4, p, f);
  if (!r) return -1;
  *len = (size_t)width * 32;
  *data = calloc(width, 32);
  if (!*data) {
    PQclear(r);
    return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  }
  for (int i = 0; i < PQntuples(r); i++) {
    uint64_t idx;
    if (parse_u64(PQgetvalue(r, i, 0), &idx) != 0 || idx < start || idx >= start + width) continue;
    bytea(PQgetvalue(r, i, 1), *data + (idx - start) * 32, 32);
  }
  PQclear(r);
  return 0;
}

/* An entry bundle from leaf rows. It stops before the first missing row, so that the
 * engine names that index as missing once it has checked every leaf before it. */
static int db_entries(void *ctx, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                      aidreg_verify_failure *f) {
  aidreg_verify_db *db = ctx;
  char lo[24], hi[24];
  uint64_t start = n * AIDREG_TILE_WIDTH;
  snprintf(lo, sizeof lo, "%" PRIu64, start);
  snprintf(hi, sizeof hi, "%" PRIu64, start + width);
  const char *p[3] = {db->ledger, lo, hi};
  int slot = (int)(n % AR_VERIFY_AHEAD);
  PQclear(db->leaves[slot].rows);
  db->leaves[slot].rows = NULL;
  db->leaves[slot].n = 0;
  PGresult *r = q(db,
                  "SELECT idx, data, payload_sha256, type, subject FROM leaf WHERE ledger = $1 "
                  "AND idx >= $2::bigint AND idx < $3::bigint ORDER BY idx",
                  3, p, f);
  if (!r) return -1;
  size_t total = 0;
  int rows = PQntuples(r), used = 0;
  for (; used < rows; used++) {
    uint64_t idx;
    if (parse_u64(PQgetvalue(r, used, 0), &idx) != 0 || idx != start + (uint64_t)used) break;
    size_t l = (size_t)PQgetlength(r, used, 1);
    if (l > AIDREG_MAX_LEAF) {
      PQclear(r);
      return aidreg_verify_fail(f, AIDREG_VF_LAYOUT, true, idx,
                                "the leaf row holds %zu bytes, more than a tile entry can (%d)", l, AIDREG_MAX_LEAF);
    }
    total += 2 + l;
  }
  uint8_t *buf = malloc(total ? total : 1);
  if (!buf) {
    PQclear(r);
    return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  }
  size_t pos = 0;
  for (int i = 0; i < used; i++) {
    size_t l = (size_t)PQgetlength(r, i, 1);
    buf[pos] = (uint8_t)(l >> 8);
    buf[pos + 1] = (uint8_t)l;
    memcpy(buf + pos + 2, PQgetvalue(r, i, 1), l);
    pos += 2 + l;
  }
  db->leaves[slot].rows = r;
  db->leaves[slot].base = start;
  db->leaves[slot].n = used;
  *data = buf;
  *len = total;
  return 0;
}

static int db_next_checkpoint(void *ctx, uint64_t after, char **note, size_t *len, aidreg_verify_failure *f) {
  aidreg_verify_db *db = ctx;
  for (int pass = 0; pass < 2; pass++) {
    while (db->cps && db->cps_pos < PQntuples(db->cps)) {
      uint64_t size;
      if (parse_u64(PQgetvalue(db->cps, db->cps_pos, 0), &size) != 0)
        return aidreg_verify_fail(f, AIDREG_VF_SOURCE, false, 0, "checkpoint.size is not a number");
      if (size <= after) {
        db->cps_pos++;
        continue;
      }
      *len = (size_t)PQgetlength(db->cps, db->cps_pos, 1);
      *note = malloc(*len + 1);
      if (!*note) return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
      memcpy(*note, PQgetvalue(db->cps, db->cps_pos, 1), *len + 1);
      db->cps_pos++;
      return 0;
    }
    if (pass == 1) break;
    PQclear(db->cps);
    db->cps = NULL;
    db->cps_pos = 0;
    char a[24], lim[8];
    snprintf(a, sizeof a, "%" PRIu64, after);
    snprintf(lim, sizeof lim, "%d", CP_PAGE);
    const char *p[3] = {db->ledger, a, lim};
    db->cps = q(db,
                "SELECT size, note FROM checkpoint WHERE ledger = $1 AND size > $2::bigint "
                "ORDER BY size LIMIT $3::int",
                3, p, f);
    if (!db->cps) return -1;
  }
  return 1;
}

/* ---- the hooks ---------------------------------------------------------------------- */

static int load_node_page(aidreg_verify_db *db, unsigned level, uint64_t from, aidreg_verify_failure *f) {
  node_page *pg = &db->levels[level];
  if (!pg->hash) {
    pg->hash = malloc((size_t)NODE_PAGE * 32);
    pg->present = malloc(NODE_PAGE);
    if (!pg->hash || !pg->present) return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  }
  memset(pg->present, 0, NODE_PAGE);
  char lv[8], lo[24], hi[24];
  snprintf(lv, sizeof lv, "%u", level);
  snprintf(lo, sizeof lo, "%" PRIu64, from);
  snprintf(hi, sizeof hi, "%" PRIu64, from + NODE_PAGE);
  const char *p[4] = {db->ledger, lv, lo, hi};
  PGresult *r = q(db,
                  NODES_SQL,
                  4, p, f);
  if (!r) return -1;
  for (int i = 0; i < PQntuples(r); i++) {
    uint64_t idx;
    if (parse_u64(PQgetvalue(r, i, 0), &idx) != 0 || idx < from || idx >= from + NODE_PAGE) continue;
    size_t k = (size_t)(idx - from);
    pg->present[k] = bytea(PQgetvalue(r, i, 1), pg->hash + k * 32, 32) == 0 ? 1 : 2;
  }
  PQclear(r);
  pg->have = true;
  pg->start = from;
  pg->end = from + NODE_PAGE;
  return 0;
}

static int db_node(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32], aidreg_verify_failure *f) {
  aidreg_verify_db *db = ctx;
  if (level >= 64) return 0;
  node_page *pg = &db->levels[level];
  if (!pg->have || index < pg->start || index >= pg->end) {
    if (load_node_page(db, level, index, f) != 0) return -1;
  }
  size_t k = (size_t)(index - pg->start);
  uint64_t first = index << level, last = ((index + 1) << level) - 1;
  if (pg->present[k] == 0) {
    if (level == 0) return aidreg_verify_fail(f, AIDREG_VF_MISSING, true, index, "tree node (0,%" PRIu64 ") is missing", index);
    return aidreg_verify_fail(f, AIDREG_VF_MISSING, false, 0,
                              "tree node (%u,%" PRIu64 ") over leaves %" PRIu64 "..%" PRIu64 " is missing", level,
                              index, first, last);
  }
  if (pg->present[k] == 2 || memcmp(pg->hash + k * 32, hash, 32) != 0) {
    if (level == 0)
      return aidreg_verify_fail(f, AIDREG_VF_LEAF_HASH, true, index,
                                "leaf hash differs from tree node (0,%" PRIu64 ")", index);
    return aidreg_verify_fail(f, AIDREG_VF_NODE, false, 0,
                              "tree node (%u,%" PRIu64 ") over leaves %" PRIu64 "..%" PRIu64
                              " differs from the node recomputed from the leaves",
                              level, index, first, last);
  }
  return 0;
}

static int db_leaf(void *ctx, const aidreg_verify_leaf *leaf, aidreg_verify_failure *f) {
  aidreg_verify_db *db = ctx;
  int slot = (int)(leaf->index / AIDREG_TILE_WIDTH % AR_VERIFY_AHEAD);
  PGresult *rows = db->leaves[slot].rows;
  if (!rows || leaf->index < db->leaves[slot].base || leaf->index - db->leaves[slot].base >= (uint64_t)db->leaves[slot].n)
    return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, true, leaf->index, "no leaf row at hand for this leaf");
  int row = (int)(leaf->index - db->leaves[slot].base);
  uint8_t h[32];
  if (bytea(PQgetvalue(rows, row, 2), h, 32) != 0 || memcmp(h, leaf->event->payload_sha256, 32) != 0)
    return aidreg_verify_fail(f, AIDREG_VF_COLUMN, true, leaf->index,
                              "leaf row's payload_sha256 column differs from the SHA-256 of its payload");
  if (strcmp(PQgetvalue(rows, row, 3), leaf->event->type) != 0)
    return aidreg_verify_fail(f, AIDREG_VF_COLUMN, true, leaf->index,
                              "leaf row's type column \"%s\" differs from the payload's \"%s\"",
                              PQgetvalue(rows, row, 3), leaf->event->type);
  if (strcmp(PQgetvalue(rows, row, 4), leaf->event->subject) != 0)
    return aidreg_verify_fail(f, AIDREG_VF_COLUMN, true, leaf->index,
                              "leaf row's subject column \"%s\" differs from the payload's \"%s\"",
                              PQgetvalue(rows, row, 4), leaf->event->subject);
  return 0;
}

static int check_signing_keys(aidreg_verify_db *db, const aidreg_verify_keys *keys, aidreg_verify_failure *f) {
  const char *p[1] = {db->ledger};
  PGresult *r = q(db,
                  "SELECT keyid, role, scope, is_root, holder_name, holder_org, enrolled_at, revoked_at "
                  "FROM signing_key WHERE ledger = $1 ORDER BY enrolled_at, keyid",
                  1, p, f);
  if (!r) return -1;
  int rc = 0;
  for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
    const char *keyid = PQgetvalue(r, i, 0);
    aidreg_verify_key k;
    if (!aidreg_verify_keys_get(keys, keyid, &k)) {
      rc = aidreg_verify_fail(f, AIDREG_VF_PROJECTION, false, 0,
                              "signing_key holds key %s, which the log never enrolled", keyid);
      break;
    }
    uint64_t enrolled = 0, revoked = 0;
    bool has_revoked = !PQgetisnull(r, i, 7);
    const char *what = NULL;
    if (strcmp(PQgetvalue(r, i, 1), aidreg_role_name(k.state.role)) != 0)
      what = "role";
    else if (strcmp(PQgetvalue(r, i, 2), k.state.scope) != 0)
      what = "scope";
    else if ((PQgetvalue(r, i, 3)[0] == 't') != k.state.is_root)
      what = "is_root";
    else if (strcmp(PQgetvalue(r, i, 4), k.holder_name) != 0 || strcmp(PQgetvalue(r, i, 5), k.holder_org) != 0)
      what = "holder";
    else if (parse_u64(PQgetvalue(r, i, 6), &enrolled) != 0 || enrolled != k.enrolled_at)
      what = "enrolled_at";
    else if (has_revoked != k.state.revoked ||
             (has_revoked && (parse_u64(PQgetvalue(r, i, 7), &revoked) != 0 || revoked != k.revoked_at)))
      what = "revoked_at";
    if (what)
      rc = aidreg_verify_fail(f, AIDREG_VF_PROJECTION, true, k.state.revoked && !strcmp(what, "revoked_at")
                                                               ? k.revoked_at
                                                               : k.enrolled_at,
                              "signing_key row of key %s: its %s disagrees with the key events of the log", keyid,
                              what);
  }
  if (rc == 0 && (size_t)PQntuples(r) != aidreg_verify_keys_count(keys))
    rc = aidreg_verify_fail(f, AIDREG_VF_PROJECTION, false, 0,
                            "the log enrols %zu keys but signing_key holds %d rows for this ledger",
                            aidreg_verify_keys_count(keys), PQntuples(r));
  PQclear(r);
  return rc;
}

static int db_finish(void *ctx, const aidreg_checkpoint *cp, const aidreg_verify_keys *keys,
                     aidreg_verify_failure *f) {
  aidreg_verify_db *db = ctx;
  char sz[24];
  snprintf(sz, sizeof sz, "%" PRIu64, cp->size);
  const char *p[2] = {db->ledger, sz};
  PGresult *r;

  if (strcmp(db->origin, cp->origin) != 0)
    return aidreg_verify_fail(f, AIDREG_VF_COLUMN, false, 0, "ledger.origin is %s but the checkpoint's origin is %s",
                              db->origin, cp->origin);
  /* Rows beyond the signed tree: inserted by hand, or an append that never got its
   * checkpoint. Named by their first index. */
  if (!(r = q(db, "SELECT idx FROM leaf WHERE ledger = $1 AND idx >= $2::bigint ORDER BY idx LIMIT 1", 2, p, f)))
    return -1;
  if (PQntuples(r) > 0) {
    uint64_t idx = 0;
    parse_u64(PQgetvalue(r, 0, 0), &idx);
    PQclear(r);
    return aidreg_verify_fail(f, AIDREG_VF_EXTRA, true, idx,
                              "a leaf row lies beyond the latest checkpoint (size %" PRIu64 ")", cp->size);
  }
  PQclear(r);
  if (!(r = q(db,
              "SELECT level, idx FROM tree_node WHERE ledger = $1 AND idx >= ($2::bigint >> level::int) "
              "ORDER BY level, idx LIMIT 1",
              2, p, f)))
    return -1;
  if (PQntuples(r) > 0) {
    uint64_t level = 0, idx = 0;
    parse_u64(PQgetvalue(r, 0, 0), &level);
    parse_u64(PQgetvalue(r, 0, 1), &idx);
    PQclear(r);
    if (level == 0)
      return aidreg_verify_fail(f, AIDREG_VF_EXTRA, true, idx,
                                "tree node (0,%" PRIu64 ") lies beyond the latest checkpoint (size %" PRIu64 ")", idx,
                                cp->size);
    return aidreg_verify_fail(f, AIDREG_VF_EXTRA, false, 0,
                              "tree node (%" PRIu64 ",%" PRIu64 ") lies beyond the tree of the latest checkpoint "
                              "(size %" PRIu64 ")",
                              level, idx, cp->size);
  }
  PQclear(r);
  if (db->size != cp->size)
    return aidreg_verify_fail(f, AIDREG_VF_COLUMN, false, 0,
                              "ledger.size is %" PRIu64 " but the latest checkpoint has size %" PRIu64, db->size,
                              cp->size);
  if (check_signing_keys(db, keys, f) != 0) return -1;
  return 0;
}

void aidreg_verify_db_source(aidreg_verify_db *db, aidreg_verify_source *src) {
  memset(src, 0, sizeof *src);
  src->ctx = db;
  src->checkpoint = db_checkpoint;
  src->tile = db_tile;
  src->entries = db_entries;
  src->next_checkpoint = db_next_checkpoint;
  src->node = db_node;
  src->leaf = db_leaf;
  src->finish = db_finish;
}
