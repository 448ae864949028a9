/* The read side of the registry: ledgers, checkpoints and entries (tiles: tiles.c; proofs:
 * proofs.c). */
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
static db_stmt q_leaves = {
    "SELECT idx, data, encode(payload_sha256, 'hex') FROM leaf WHERE ledger = $1 AND idx >= $2 AND idx < $3 "
    "ORDER BY idx",
    0};

int ar_ledger_size(aidreg_registry *r, db_conn *c, const char *code, uint64_t *size, aidreg_problem *p) {
  const char *params[1] = {code};
  PGresult *res = ar_db_run(c, &q_size, 1, params, NULL);
  if (!res) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  unsigned long long s = 0;
  int rc = PQntuples(res) == 1 && ar_db_u64(PQgetvalue(res, 0, 0), &s) == 0 ? 0 : 1;
  PQclear(res);
  if (rc) return ar_unknown_ledger(r, code, p);
  ar_log_cache_saw_size(r->log_cache, code, s);
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
  AR_WITH_READ_CONN(r, c, p);
  uint64_t size;
  int rc = ar_ledger_size(r, c, code, &size, p);
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
  AR_WITH_READ_CONN(r, c, p);
  uint64_t size;
  int rc = ar_ledger_size(r, c, code, &size, p);
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
  AR_WITH_READ_CONN(r, c, p);
  uint64_t size;
  int rc = ar_ledger_size(r, c, code, &size, p);
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
