/* The server's audit (aidreg_audit_latest): the latest checkpoint of a ledger, read in
 * one REPEATABLE READ, READ ONLY transaction on a pooled reader connection (never the
 * appender's), its leaves replayed by the same engine as `aidreg audit`. The replay is
 * kept per ledger and extended with the leaves of each newer checkpoint, so a request
 * replays only what was appended since the last one; one audit runs at a time (a mutex,
 * taken before a connection), so audits occupy at most one reader connection, and writes
 * never wait for them. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/audit.h"
#include "aidreg/encoding.h"
#include "aidreg/note.h"
#include "store/registry_private.h"
#include "store/store.h"

#define PAGE 1000

static db_stmt q_leaves = {"SELECT idx, data FROM leaf WHERE ledger = $1 AND idx >= $2 AND idx < $3 ORDER BY idx LIMIT 1000",
                           0};

typedef struct cached {
  char code[8];
  aidreg_audit *a;
  uint8_t root[32]; /* of the checkpoint the replay reached */
  struct cached *next;
} cached;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static cached *cache;

static cached *slot_for(const char *code) {
  for (cached *c = cache; c; c = c->next)
    if (strcmp(c->code, code) == 0) return c;
  cached *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  snprintf(c->code, sizeof c->code, "%s", code);
  c->next = cache;
  cache = c;
  return c;
}

/* Replays leaves [from, to) into a. 0, or -1 with p. */
static int feed(db_conn *c, const char *code, aidreg_audit *a, uint64_t from, uint64_t to, aidreg_problem *p) {
  while (from < to) {
    char f[24], t[24], err[768];
    snprintf(f, sizeof f, "%" PRIu64, from);
    snprintf(t, sizeof t, "%" PRIu64, to);
    const char *params[3] = {code, f, t};
    PGresult *r = ar_db_run(c, &q_leaves, 3, params, NULL);
    if (!r) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
      unsigned long long idx;
      const char *data = PQgetvalue(r, i, 1);
      if (ar_db_u64(PQgetvalue(r, i, 0), &idx) || idx != from ||
          aidreg_audit_leaf(a, from, (const uint8_t *)data, strlen(data), err, sizeof err)) {
        PQclear(r);
        return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "the ledger cannot be audited: %s",
                                  idx != from ? "an entry is missing" : err);
      }
      from++;
    }
    PQclear(r);
    if (rows == 0) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "entry %" PRIu64 " is missing", from);
  }
  return 0;
}

int aidreg_audit_latest(aidreg_registry *r, const char *code, const aidreg_audit_query *q, json_t **out,
                        aidreg_problem *p) {
  return aidreg_audit_latest_report(r, code, q, NULL, 0, out, p);
}

int aidreg_audit_latest_report(aidreg_registry *r, const char *code, const aidreg_audit_query *q, const char *report,
                               int year, json_t **out, aidreg_problem *p) {
  *out = NULL;
  /* The lock first: an audit waiting for another holds no reader connection, so at most
   * one of the pool's connections is ever busy with audits. */
  pthread_mutex_lock(&mu);
  db_conn *c = ar_db_pool_get(&r->pool);
  if (!c) {
    pthread_mutex_unlock(&mu);
    return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  }
  int rc = -1;
  char *note = NULL;
  if (ar_db_cmd(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
    goto out;
  }
  uint64_t size = 0;
  int found = ar_store_checkpoint_latest(c, code, &size, &note);
  if (found < 0) {
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
    goto out;
  }
  if (found == 0) {
    aidreg_problem_set(p, AIDREG_E_UNKNOWN_LEDGER, NULL, "there is no ledger %s on this server (or no checkpoint yet)",
                       code);
    goto out;
  }
  aidreg_checkpoint cp;
  const char *blank = strstr(note, "\n\n");
  if (!blank || aidreg_checkpoint_parse(note, (size_t)(blank - note) + 1, &cp)) {
    aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "the stored checkpoint does not parse");
    goto out;
  }
  cached *slot = slot_for(code);
  if (!slot) {
    aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
    goto out;
  }
  /* A replay past this checkpoint (a restored database): start again. */
  if (slot->a && aidreg_audit_size(slot->a) > cp.size) {
    aidreg_audit_free(slot->a);
    slot->a = NULL;
  }
  if (!slot->a && !(slot->a = aidreg_audit_new(code))) {
    aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
    goto out;
  }
  if (feed(c, code, slot->a, aidreg_audit_size(slot->a), cp.size, p)) {
    aidreg_audit_free(slot->a); /* a half-fed replay is no replay */
    slot->a = NULL;
    goto out;
  }
  memcpy(slot->root, cp.root, 32);
  char root[45], err[512];
  aidreg_b64_encode_to(cp.root, 32, root, sizeof root);
  aidreg_audit_query qq = *q;
  qq.origin = cp.origin;
  qq.size = cp.size;
  qq.root = root;
  int bad = !report                           ? aidreg_audit_report(slot->a, &qq, out, err, sizeof err)
            : !strcmp(report, "inventory")     ? aidreg_audit_inventory(slot->a, &qq, year, out, err, sizeof err)
            : !strcmp(report, "rectification") ? aidreg_audit_rectification(slot->a, &qq, out, err, sizeof err)
                                               : (snprintf(err, sizeof err, "no report %s", report), -1);
  if (bad) {
    aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "%s", err);
    goto out;
  }
  rc = 0;
out:
  ar_db_cmd(c, "ROLLBACK");
  ar_db_pool_put_read(&r->pool, c, p);
  pthread_mutex_unlock(&mu);
  free(note);
  return rc;
}
