/* The read side of the registry: ledgers, checkpoints, tiles, entries and proofs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "aidreg/leaf.h"
#include "store/registry_private.h"
#include "store/store.h"

static db_stmt q_ledgers = {"SELECT code, name, origin, vkey, size FROM ledger ORDER BY code", 0};
static db_stmt q_size = {"SELECT size FROM ledger WHERE code = $1", 0};
static db_stmt q_hashes = {
    "SELECT hash FROM tree_node WHERE ledger = $1 AND level = $2 AND idx >= $3 AND idx < $4 ORDER BY idx", 0};
static db_stmt q_leaves = {
    "SELECT idx, data, encode(payload_sha256, 'hex') FROM leaf WHERE ledger = $1 AND idx >= $2 AND idx < $3 "
    "ORDER BY idx",
    0};
static db_stmt q_by_hash = {"SELECT idx FROM leaf WHERE ledger = $1 AND leaf_hash = $2 ORDER BY idx LIMIT 1", 0};
/* Hash tile of level 0: the leaf hashes, kept in the leaf rows. */
static db_stmt q_leaf_hashes = {
    "SELECT leaf_hash FROM leaf WHERE ledger = $1 AND idx >= $2 AND idx < $3 ORDER BY idx", 0};

/* Borrow a pooled connection for the body of a read; on failure set p. */
#define WITH_CONN(r, c, p)                                                                   \
  if (!aidreg_registry_serves(r, code, p)) return -1;                                        \
  db_conn *c = ar_read_get(r, code);                                                         \
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry")

static int ledger_size(aidreg_registry *r, db_conn *c, const char *code, uint64_t *size, aidreg_problem *p) {
  const char *params[1] = {code};
  PGresult *res = ar_db_run(c, &q_size, 1, params, NULL);
  if (!res) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  unsigned long long s = 0;
  int rc = PQntuples(res) == 1 && ar_db_u64(PQgetvalue(res, 0, 0), &s) == 0 ? 0 : 1;
  PQclear(res);
  if (rc) return ar_unknown_ledger(r, code, p);
  *size = s;
  return 0;
}

/* The ledgers of one cluster that the map sends there, appended to list. 0 or -1. */
static int shard_ledgers(aidreg_registry *r, ar_shard *sh, json_t *list, aidreg_problem *p) {
  db_conn *c = ar_db_pool_get(sh->replica ? &sh->read_pool : &sh->pool);
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  PGresult *res = ar_db_run(c, &q_ledgers, 0, NULL, NULL);
  ar_db_pool_put_read(sh->replica ? &sh->read_pool : &sh->pool, c, p);
  if (!res) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  int rc = 0;
  for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
    /* A ledger the map sends elsewhere (a copy left behind by a move) is not this one's. */
    if (ar_shard_of(r, PQgetvalue(res, i, 0)) != sh) continue;
    unsigned long long size = 0;
    ar_db_u64(PQgetvalue(res, i, 4), &size);
    if (json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:I}", "code", PQgetvalue(res, i, 0), "name",
                                              PQgetvalue(res, i, 1), "origin", PQgetvalue(res, i, 2), "vkey",
                                              PQgetvalue(res, i, 3), "size", (json_int_t)size)))
      /* A list with a ledger missing would be a wrong answer: none (json_pack fails). */
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  }
  PQclear(res);
  return rc;
}

static int by_code(const void *a, const void *b) {
  return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "code")),
                json_string_value(json_object_get(*(json_t *const *)b, "code")));
}

int aidreg_registry_ledgers(aidreg_registry *r, json_t **out, aidreg_problem *p) {
  json_t *list = json_array();
  if (!list) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  for (size_t i = 0; i < r->nshards; i++)
    if (shard_ledgers(r, &r->shards[i], list, p)) {
      json_decref(list);
      return -1;
    }
  if (r->nshards > 1) {
    /* In code order across clusters, as from one. */
    size_t n = json_array_size(list);
    json_t **items = malloc((n ? n : 1) * sizeof *items), *sorted = json_array();
    for (size_t i = 0; items && i < n; i++) items[i] = json_array_get(list, i);
    if (items) qsort(items, n, sizeof *items, by_code);
    for (size_t i = 0; items && sorted && i < n; i++)
      if (json_array_append(sorted, items[i])) {
        json_decref(sorted);
        sorted = NULL;
      }
    free(items);
    json_decref(list);
    if (!items || !sorted) {
      json_decref(sorted);
      return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
    }
    list = sorted;
  }
  *out = json_pack("{s:o}", "ledgers", list);
  return *out ? 0 : aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
}

json_t *aidreg_registry_tree_sizes(aidreg_registry *r) {
  json_t *all = NULL;
  aidreg_problem p;
  if (aidreg_registry_ledgers(r, &all, &p)) return NULL;
  json_t *out = json_array(), *l;
  size_t i;
  json_array_foreach(json_object_get(all, "ledgers"), i, l) {
    if (out && json_array_append_new(out, json_pack("{s:O, s:O}", "code", json_object_get(l, "code"), "size",
                                                    json_object_get(l, "size")))) {
      json_decref(out);
      out = NULL;
    }
  }
  json_decref(all);
  return out;
}

const char *aidreg_db_health_name(aidreg_db_health h) {
  static const char *const names[] = {"ok", "unreachable", "slow", "busy", "failing"};
  return (unsigned)h < sizeof names / sizeof names[0] ? names[h] : "failing";
}

static aidreg_db_health pool_health(db_pool *pool, char *why, size_t cap) {
  char msg[200] = "";
  int failure;
  aidreg_db_health h = AIDREG_DB_OK;
  db_conn *c = ar_db_pool_get_why(pool, &failure, msg, sizeof msg);
  if (!c && failure == DB_POOL_BUSY) {
    h = AIDREG_DB_BUSY;
    if (why) snprintf(why, cap, "数据库连接全部占用 / every database connection is busy (the database is slow or "
                                "overloaded)");
  } else if (!c && strstr(msg, "timeout expired")) {
    /* Something accepted the connection but did not answer within connect_timeout. */
    h = AIDREG_DB_SLOW;
    if (why) snprintf(why, cap, "数据库响应过慢 / the database is slow: a connection was not set up within the "
                                "deadline (%s)", msg);
  } else if (!c) {
    h = AIDREG_DB_UNREACHABLE;
    if (why) snprintf(why, cap, "数据库不可达 / the database is unreachable: %s", msg);
  } else {
    if (ar_db_cmd(c, "SELECT 1") != 0) {
      bool slow = c->timed_out;
      h = slow ? AIDREG_DB_SLOW : ar_db_lost(c) ? AIDREG_DB_UNREACHABLE : AIDREG_DB_FAILING;
      if (why && slow)
        snprintf(why, cap, "数据库响应过慢 / the database is slow: no answer within %u ms", c->deadline_ms);
      else if (why)
        snprintf(why, cap, "%s: %.*s",
                 h == AIDREG_DB_UNREACHABLE ? "数据库连接中断 / the database connection was lost"
                                            : "数据库返回错误 / the database answers with an error",
                 (int)strcspn(ar_db_error(c), "\n"), ar_db_error(c));
    }
    ar_db_pool_put(pool, c);
  }
  return h;
}

/* Every cluster, and every replica, answers: the first that does not says why. */
aidreg_db_health aidreg_registry_health(aidreg_registry *r, char *why, size_t cap) {
  for (size_t i = 0; i < r->nshards; i++) {
    aidreg_db_health h = pool_health(&r->shards[i].pool, why, cap);
    if (h == AIDREG_DB_OK && r->shards[i].replica) h = pool_health(&r->shards[i].read_pool, why, cap);
    if (h != AIDREG_DB_OK) return h;
  }
  return AIDREG_DB_OK;
}

bool aidreg_registry_healthy(aidreg_registry *r) { return aidreg_registry_health(r, NULL, 0) == AIDREG_DB_OK; }

int aidreg_registry_checkpoint_min(aidreg_registry *r, const char *code, uint64_t min_size, char **note,
                                   aidreg_problem *p) {
  WITH_CONN(r, c, p);
  uint64_t size;
  int rc = ledger_size(r, c, code, &size, p);
  if (rc == 0 && size < min_size)
    rc = ar_replica_lacks(r, code, size, min_size, p)
             ? -1
             : aidreg_problem_set(p, AIDREG_E_NOT_FOUND, "/query/min_size",
                                  "the log has %" PRIu64 " entries, fewer than min_size %" PRIu64, size, min_size);
  if (rc == 0) {
    int found = ar_store_checkpoint_latest(c, code, &size, note);
    if (found <= 0) rc = aidreg_problem_set(p, found < 0 ? AIDREG_E_INTERNAL : AIDREG_E_NOT_FOUND, NULL,
                                            "no checkpoint yet");
  }
  ar_read_done(r, code, c, p);
  return rc;
}

int aidreg_registry_checkpoint(aidreg_registry *r, const char *code, char **note, aidreg_problem *p) {
  return aidreg_registry_checkpoint_min(r, code, 0, note, p);
}

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
  PGresult *res = t->entries   ? ar_db_run(c, &q_leaves, 3, lp, NULL)
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
      const char *leaf = PQgetvalue(res, i, 1);
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
  rc = 0;
  goto out;
fail:
  ar_db_buf_free(&buf);
  aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "cannot assemble the tile");
out:
  PQclear(res);
  return rc;
}

int aidreg_registry_tile(aidreg_registry *r, const char *code, const aidreg_tile_ref *t, uint8_t **data,
                         size_t *len, aidreg_problem *p) {
  WITH_CONN(r, c, p);
  uint64_t size;
  int rc = ledger_size(r, c, code, &size, p);
  if (rc == 0) rc = tile_bytes(r, c, code, t, size, data, len, p);
  ar_read_done(r, code, c, p);
  return rc;
}

/* One stored leaf as the read API shows it. */
static json_t *entry_json(const char *idx, const char *data, const char *payload_hex) {
  json_error_t err;
  json_t *leaf = json_loads(data, 0, &err), *out = NULL;
  aidreg_leaf parsed;
  uint8_t h[32];
  char lh[45];
  aidreg_merkle_leaf_hash((const uint8_t *)data, strlen(data), h);
  aidreg_b64_encode_to(h, 32, lh, sizeof lh);
  if (leaf && aidreg_leaf_parse((const uint8_t *)data, strlen(data), &parsed, NULL) == 0) {
    json_t *event = json_loadb((const char *)parsed.env.payload, parsed.env.payload_len, 0, &err);
    out = json_pack("{s:I, s:O, s:s, s:s, s:O, s:o*}", "index", (json_int_t)strtoull(idx, NULL, 10), "time",
                    json_object_get(leaf, "time"), "leaf_hash", lh, "payload_sha256", payload_hex, "envelope",
                    json_object_get(leaf, "envelope"), "event", event);
    aidreg_leaf_free(&parsed);
  }
  json_decref(leaf);
  return out;
}

int aidreg_registry_entries(aidreg_registry *r, const char *code, uint64_t from, unsigned limit, json_t **out,
                            aidreg_problem *p) {
  if (limit == 0 || limit > 1000) limit = limit ? 1000 : 100;
  WITH_CONN(r, c, p);
  uint64_t size;
  int rc = ledger_size(r, c, code, &size, p);
  if (rc == 0) {
    char a[24], b[24];
    uint64_t end = from + limit < size ? from + limit : size;
    snprintf(a, sizeof a, "%" PRIu64, from);
    snprintf(b, sizeof b, "%" PRIu64, end);
    const char *lp[3] = {code, a, b};
    PGresult *res = ar_db_run(c, &q_leaves, 3, lp, NULL);
    if (!res) {
      rc = aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
    } else {
      json_t *list = json_array();
      size_t bytes = 0;
      for (int i = 0; list && i < PQntuples(res); i++) {
        /* Bounded in bytes too: past max_response_bytes of leaves the page ends here. */
        size_t len = strlen(PQgetvalue(res, i, 1));
        if (i > 0 && bytes + len > r->max_response_bytes) {
          end = (uint64_t)strtoull(PQgetvalue(res, i, 0), NULL, 10);
          break;
        }
        bytes += len;
        if (json_array_append_new(list, entry_json(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2)))) {
          json_decref(list);
          list = NULL;
        }
      }
      PQclear(res);
      *out = json_pack("{s:o, s:o, s:I}", "entries", list, "next",
                       end < size ? json_integer((json_int_t)end) : json_null(), "size", (json_int_t)size);
      if (!*out) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
    }
  }
  ar_read_done(r, code, c, p);
  return rc;
}

int aidreg_registry_entry(aidreg_registry *r, const char *code, uint64_t index, json_t **out, aidreg_problem *p) {
  WITH_CONN(r, c, p);
  uint64_t size;
  int rc = ledger_size(r, c, code, &size, p);
  if (rc == 0 && index >= size)
    rc = ar_replica_lacks(r, code, size, index + 1, p)
             ? -1
             : aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "entry %" PRIu64 " does not exist (size %" PRIu64 ")",
                                  index, size);
  if (rc == 0) {
    char a[24], b[24];
    snprintf(a, sizeof a, "%" PRIu64, index);
    snprintf(b, sizeof b, "%" PRIu64, index + 1);
    const char *lp[3] = {code, a, b};
    PGresult *res = ar_db_run(c, &q_leaves, 3, lp, NULL);
    if (!res || PQntuples(res) != 1 ||
        !(*out = entry_json(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2))))
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "cannot read entry");
    PQclear(res);
  }
  ar_read_done(r, code, c, p);
  return rc;
}

static json_t *proof_array(uint8_t proof[][32], size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) {
    char h[45];
    aidreg_b64_encode_to(proof[i], 32, h, sizeof h);
    if (json_array_append_new(a, json_string(h))) {
      json_decref(a); /* a short proof does not verify: none */
      return NULL;
    }
  }
  return a;
}

/* The proofs with their nodes read in one query (ar_store_read_ahead), not one each. */
typedef struct {
  uint64_t index, size;
  uint8_t *leaf_hash;
  uint8_t (*proof)[32];
  size_t *n;
} inclusion_args;

static int run_inclusion(aidreg_node_fetch fetch, void *ctx, void *arg) {
  inclusion_args *a = arg;
  return fetch(ctx, 0, a->index, a->leaf_hash) || aidreg_merkle_inclusion_proof(fetch, ctx, a->index, a->size, a->proof, a->n);
}

typedef struct {
  uint64_t from, to;
  uint8_t (*proof)[32];
  size_t *n;
} consistency_args;

static int run_consistency(aidreg_node_fetch fetch, void *ctx, void *arg) {
  consistency_args *a = arg;
  return aidreg_merkle_consistency_proof(fetch, ctx, a->from, a->to, a->proof, a->n);
}

int aidreg_registry_inclusion(aidreg_registry *r, const char *code, bool index_known, uint64_t index,
                              const uint8_t leaf_hash[32], uint64_t size, json_t **out, aidreg_problem *p) {
  WITH_CONN(r, c, p);
  uint64_t latest;
  int rc = ledger_size(r, c, code, &latest, p);
  if (rc == 0 && !index_known) {
    char hex[65], bytea[70];
    aidreg_hex_encode(leaf_hash, 32, hex);
    snprintf(bytea, sizeof bytea, "\\x%s", hex);
    const char *params[2] = {code, bytea};
    PGresult *res = ar_db_run(c, &q_by_hash, 2, params, NULL);
    unsigned long long ix;
    if (!res || PQntuples(res) < 1 || ar_db_u64(PQgetvalue(res, 0, 0), &ix))
      rc = aidreg_problem_set(p, AIDREG_E_NOT_FOUND, "/query/leaf_hash", "no leaf with that hash");
    else
      index = ix;
    PQclear(res);
  }
  if (rc == 0 && size == 0) size = latest;
  if (rc == 0 && size > latest && index < size && ar_replica_lacks(r, code, latest, size, p)) rc = -1;
  if (rc == 0 && (size > latest || index >= size))
    rc = aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, "/query/size",
                            "need index < size <= %" PRIu64 " (index %" PRIu64 ", size %" PRIu64 ")", latest, index, size);
  if (rc == 0) {
    store_nodes sn = {c, code};
    uint8_t proof[AIDREG_MAX_PROOF][32], lh[32];
    size_t n;
    char lhs[45];
    inclusion_args ia = {index, size, lh, proof, &n};
    if (ar_store_read_ahead(&sn, run_inclusion, &ia)) {
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "cannot build the proof");
    } else {
      aidreg_b64_encode_to(lh, 32, lhs, sizeof lhs);
      *out = json_pack("{s:I, s:I, s:s, s:o}", "index", (json_int_t)index, "tree_size", (json_int_t)size,
                       "leaf_hash", lhs, "inclusion_proof", proof_array(proof, n));
    }
  }
  ar_read_done(r, code, c, p);
  return rc;
}

int aidreg_registry_consistency(aidreg_registry *r, const char *code, uint64_t from, uint64_t to, json_t **out,
                                aidreg_problem *p) {
  WITH_CONN(r, c, p);
  uint64_t latest;
  int rc = ledger_size(r, c, code, &latest, p);
  if (rc == 0 && from >= 1 && from <= to && to > latest && ar_replica_lacks(r, code, latest, to, p)) rc = -1;
  if (rc == 0 && (from < 1 || from > to || to > latest))
    rc = aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, from < 1 || from > to ? "/query/from" : "/query/to",
                            "need 1 <= from <= to <= %" PRIu64 " (from %" PRIu64 ", to %" PRIu64 ")", latest, from, to);
  if (rc == 0) {
    store_nodes sn = {c, code};
    uint8_t proof[AIDREG_MAX_PROOF][32];
    size_t n;
    consistency_args ca = {from, to, proof, &n};
    if (ar_store_read_ahead(&sn, run_consistency, &ca))
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "cannot build the proof");
    else
      *out = json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to", (json_int_t)to, "consistency_proof",
                       proof_array(proof, n));
  }
  ar_read_done(r, code, c, p);
  return rc;
}
