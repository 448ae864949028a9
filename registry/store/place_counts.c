/* The counts of GET /places (place_counts.h): from the summaries' parts (summary_kept.c) when
 * they answer, else counted here. Counting them unnests every asset's villages:
 * 2.5 s at p99 on a county of 100,000 assets, for an answer that changes only with an append.
 * The counting itself counts each asset's distinct villages and distinct townships
 * (aidreg_townships, sql/012) with plain count(*) instead of count(DISTINCT id), which sorted
 * every (place, asset) pair. */
#include "store/place_counts.h"
#include "store/summary_kept.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static db_stmt q_key = {"SELECT size::text, coalesce(encode(frontier, 'hex'), '') FROM ledger WHERE code = $1", 0};
/* The key's row first ('k'), then the counts ('c'), in one statement: one snapshot. */
static db_stmt q_counts = {
    "SELECT 'k', size::text, coalesce(encode(frontier, 'hex'), ''), NULL, NULL FROM ledger WHERE code = $1 "
    "UNION ALL (SELECT 'c', p, class, status, count(*)::text FROM ("
    "SELECT v AS p, coalesce(class, '') AS class, coalesce(status, '') AS status FROM entity "
    "CROSS JOIN LATERAL unnest(ARRAY(SELECT DISTINCT unnest(villages))) AS v WHERE ledger = $1 AND kind = 'asset' "
    "UNION ALL SELECT t, coalesce(class, ''), coalesce(status, '') FROM entity "
    "CROSS JOIN LATERAL unnest(aidreg_townships(villages)) AS t WHERE ledger = $1 AND kind = 'asset'"
    ") AS a GROUP BY 2, 3, 4 ORDER BY 2, 3, 4)",
    0};

typedef struct counted {
  char code[8];
  char *size, *frontier; /* the key: ledger.size and hex of ledger.frontier */
  json_t *counts;
  struct counted *next;
} counted;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static counted *cache;

static counted *find(const char *code) {
  for (counted *k = cache; k; k = k->next)
    if (strcmp(k->code, code) == 0) return k;
  return NULL;
}

/* A copy of the cached counts when the key matches, else NULL. */
static json_t *cached(const char *code, const char *size, const char *frontier) {
  pthread_mutex_lock(&mu);
  counted *k = find(code);
  json_t *out = k && strcmp(k->size, size) == 0 && strcmp(k->frontier, frontier) == 0 ? json_deep_copy(k->counts) : NULL;
  pthread_mutex_unlock(&mu);
  return out;
}

/* Keeps a copy of counts under the key (nothing when memory runs out: the next request counts again). */
static void keep(const char *code, const char *size, const char *frontier, const json_t *counts) {
  char *s = strdup(size), *f = strdup(frontier);
  json_t *copy = json_deep_copy(counts);
  pthread_mutex_lock(&mu);
  counted *k = find(code);
  if (!k && s && f && copy && (k = calloc(1, sizeof *k))) {
    snprintf(k->code, sizeof k->code, "%s", code);
    k->next = cache;
    cache = k;
  }
  if (k && s && f && copy) {
    free(k->size);
    free(k->frontier);
    json_decref(k->counts);
    k->size = s;
    k->frontier = f;
    k->counts = copy;
    s = f = NULL;
    copy = NULL;
  }
  pthread_mutex_unlock(&mu);
  free(s);
  free(f);
  json_decref(copy);
}

/* Adds n to counts[key] (an integer member). 0 or -1. */
static int add_count(json_t *counts, const char *key, json_int_t n) {
  json_int_t have = json_integer_value(json_object_get(counts, key));
  return json_object_set_new(counts, key, json_integer(have + n));
}

/* The counts of q_counts' 'c' rows. NULL when out of memory. */
static json_t *from_rows(PGresult *r) {
  json_t *counts = json_object();
  for (int i = 0; counts && i < PQntuples(r); i++) {
    if (strcmp(PQgetvalue(r, i, 0), "c") != 0) continue;
    const char *place = PQgetvalue(r, i, 1);
    json_t *one = json_object_get(counts, place);
    if (!one && json_object_set_new(counts, place, json_pack("{s:i, s:{}, s:{}}", "total", 0, "by_class", "by_status")))
      goto oom;
    one = json_object_get(counts, place);
    json_int_t n = (json_int_t)strtoll(PQgetvalue(r, i, 4), NULL, 10);
    if (add_count(one, "total", n) || add_count(json_object_get(one, "by_class"), PQgetvalue(r, i, 2), n) ||
        add_count(json_object_get(one, "by_status"), PQgetvalue(r, i, 3), n))
      goto oom;
  }
  return counts;
oom:
  json_decref(counts);
  return NULL;
}

int ar_place_counts(db_conn *c, const char *code, json_t **counts, aidreg_problem *p) {
  /* From the summaries' parts first: kept across appends, so the read after one is not a
   * count of the county again (summary_kept.h). */
  int got = ar_summary_place_counts(c, code, counts);
  if (got == 0) return 0;
  if (got == -2) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  if (got == -1) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  *counts = NULL;
  const char *params[1] = {code};
  PGresult *key = ar_db_run(c, &q_key, 1, params, NULL);
  if (!key || PQntuples(key) != 1) {
    PQclear(key);
    return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  }
  *counts = cached(code, PQgetvalue(key, 0, 0), PQgetvalue(key, 0, 1));
  PQclear(key);
  if (*counts) return 0;
  PGresult *r = ar_db_run(c, &q_counts, 1, params, NULL);
  int k = -1;
  for (int i = 0; r && i < PQntuples(r); i++)
    if (strcmp(PQgetvalue(r, i, 0), "k") == 0) k = i;
  if (!r || k < 0) {
    PQclear(r);
    return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  }
  if (!(*counts = from_rows(r))) {
    PQclear(r);
    return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  }
  keep(code, PQgetvalue(r, k, 1), PQgetvalue(r, k, 2), *counts);
  PQclear(r);
  return 0;
}
