/* The counts of GET /keys (key_use.h). Counting every leaf's signatures on each request cost
 * a parse of the whole log (45 ms at 2,400 entries, linear in the log); a log is append-only,
 * so the counts of [0, n) never change and each request counts only [n, size). The cache
 * remembers the leaf hash of entry n-1 and starts again from 0 when it differs (another
 * database behind the same registry, as in the tests), so it can be stale never, only cold. */
#include "store/key_use.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static db_stmt q_tail = {
    "SELECT l.size::text, coalesce((SELECT encode(leaf_hash, 'hex') FROM leaf WHERE ledger = $1 AND idx = $2::bigint), '') "
    "FROM ledger l WHERE l.code = $1",
    0};
static db_stmt q_count = {
    "SELECT g->>'keyid', count(*)::text, max(l.idx)::text FROM leaf l "
    "CROSS JOIN LATERAL jsonb_array_elements((l.data::jsonb)->'envelope'->'signatures') g "
    "WHERE l.ledger = $1 AND l.idx >= $2::bigint AND l.idx < $3::bigint GROUP BY 1",
    0};

typedef struct counted {
  char code[8];
  uint64_t to;       /* leaves [0, to) are counted */
  char last[65];     /* hex leaf hash of entry to-1 */
  json_t *counts;    /* {keyid: [entries, last index]} */
  struct counted *next;
} counted;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static counted *cache;

static counted *slot(const char *code) {
  for (counted *k = cache; k; k = k->next)
    if (strcmp(k->code, code) == 0) return k;
  counted *k = calloc(1, sizeof *k);
  if (!k || !(k->counts = json_object())) {
    free(k);
    return NULL;
  }
  snprintf(k->code, sizeof k->code, "%s", code);
  k->next = cache;
  cache = k;
  return k;
}

/* The ledger's size and the leaf hash at idx ("" when none). 0, or -1 with p. */
static int tail(db_conn *c, const char *code, int64_t idx, uint64_t *size, char hash[65], aidreg_problem *p) {
  char i[24];
  snprintf(i, sizeof i, "%" PRId64, idx);
  const char *params[2] = {code, i};
  PGresult *r = ar_db_run(c, &q_tail, 2, params, NULL);
  if (!r || PQntuples(r) != 1) {
    PQclear(r);
    return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "query failed");
  }
  *size = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
  snprintf(hash, 65, "%s", PQgetvalue(r, 0, 1));
  PQclear(r);
  return 0;
}

static int count(db_conn *c, counted *k, uint64_t to, aidreg_problem *p) {
  char f[24], t[24];
  snprintf(f, sizeof f, "%" PRIu64, k->to);
  snprintf(t, sizeof t, "%" PRIu64, to);
  const char *params[3] = {k->code, f, t};
  PGresult *r = ar_db_run(c, &q_count, 3, params, NULL);
  if (!r) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "query failed");
  int rc = 0;
  for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
    const char *id = PQgetvalue(r, i, 0);
    json_int_t n = strtoll(PQgetvalue(r, i, 1), NULL, 10), last = strtoll(PQgetvalue(r, i, 2), NULL, 10);
    json_t *was = json_object_get(k->counts, id);
    json_int_t n0 = was ? json_integer_value(json_array_get(was, 0)) : 0;
    json_int_t l0 = was ? json_integer_value(json_array_get(was, 1)) : -1;
    if (json_object_set_new(k->counts, id, json_pack("[I, I]", n0 + n, last > l0 ? last : l0)))
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  }
  PQclear(r);
  return rc;
}

int ar_key_use(db_conn *c, const char *code, json_t **counts, aidreg_problem *p) {
  *counts = NULL;
  pthread_mutex_lock(&mu);
  counted *k = slot(code);
  int rc = k ? 0 : aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  uint64_t size = 0;
  char hash[65] = "";
  if (rc == 0) rc = tail(c, code, (int64_t)k->to - 1, &size, hash, p);
  if (rc == 0 && (size < k->to || (k->to > 0 && strcmp(hash, k->last) != 0))) {
    json_object_clear(k->counts);
    k->to = 0;
    k->last[0] = 0;
  }
  if (rc == 0 && size > k->to) {
    uint64_t now; /* the size may have grown since: only [to, size) was counted */
    rc = count(c, k, size, p);
    if (rc == 0) rc = tail(c, code, (int64_t)size - 1, &now, hash, p);
    if (rc == 0) {
      k->to = size;
      snprintf(k->last, sizeof k->last, "%s", hash);
    } else {
      json_object_clear(k->counts); /* counted in part: start again next time */
      k->to = 0;
    }
  }
  if (rc == 0 && !(*counts = json_deep_copy(k->counts))) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  pthread_mutex_unlock(&mu);
  return rc;
}
