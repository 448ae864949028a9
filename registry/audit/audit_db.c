/* The server's audit (aidreg_audit_latest): the latest checkpoint of a ledger, read in
 * one REPEATABLE READ, READ ONLY transaction on a pooled reader connection (never the
 * appender's), its leaves replayed by the same engine as `aidreg audit`. The replay is
 * kept per ledger and extended with the leaves of each newer checkpoint, so a request
 * replays only what was appended since the last one; one audit runs at a time (a mutex,
 * taken before a connection), so audits occupy at most one reader connection, and writes
 * never wait for them.
 *
 * The replays kept are bounded: at most AIDREG_AUDIT_CACHE_LEDGERS ledgers (default 8)
 * and AIDREG_AUDIT_CACHE_ENTRIES entries in all (default 2,000,000: the replayed state
 * grows with the entries in force); past that the least recently audited go first. A
 * replay is extended only while the database still holds the checkpoint it reached, with
 * the same root; otherwise (a restored or rewritten database) it starts again from 0. */
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
static db_stmt q_note_at = {"SELECT note FROM checkpoint WHERE ledger = $1 AND size = $2::bigint", 0};

typedef struct cached {
  char code[8];
  aidreg_audit *a;
  uint8_t root[32]; /* of the checkpoint the replay reached */
  uint64_t used;    /* the audit clock when it last served */
  struct cached *next;
} cached;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static cached *cache;
static uint64_t audit_clock, replayed;
static size_t max_ledgers, max_entries; /* 0: not read yet */

static size_t env_limit(const char *name, size_t dflt) {
  const char *v = getenv(name);
  char *end;
  unsigned long long n = v && *v ? strtoull(v, &end, 10) : 0;
  return v && *v && !*end && n > 0 ? (size_t)n : dflt;
}

void aidreg_audit_cache_limit(size_t ledgers, size_t entries) {
  pthread_mutex_lock(&mu);
  max_ledgers = ledgers;
  max_entries = entries;
  pthread_mutex_unlock(&mu);
}

void aidreg_audit_cache_stats(size_t *ledgers, uint64_t *entries, uint64_t *replayed_total) {
  pthread_mutex_lock(&mu);
  size_t n = 0;
  uint64_t e = 0;
  for (cached *c = cache; c; c = c->next)
    if (c->a) n++, e += aidreg_audit_size(c->a);
  *ledgers = n;
  *entries = e;
  *replayed_total = replayed;
  pthread_mutex_unlock(&mu);
}

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

/* Under mu: drops the least recently used replays until the limits hold. keep goes last:
 * a ledger bigger than the entry limit alone is replayed for each request, not kept. */
static void evict(const cached *keep) {
  if (!max_ledgers) {
    max_ledgers = env_limit("AIDREG_AUDIT_CACHE_LEDGERS", 8);
    max_entries = env_limit("AIDREG_AUDIT_CACHE_ENTRIES", 2000000);
  }
  for (;;) {
    size_t n = 0;
    uint64_t entries = 0;
    cached *lru = NULL;
    for (cached *c = cache; c; c = c->next) {
      if (!c->a) continue;
      n++;
      entries += aidreg_audit_size(c->a);
      if (c != keep && (!lru || c->used < lru->used)) lru = c;
    }
    if (n <= max_ledgers && entries <= max_entries) break;
    if (!lru && keep && keep->a && entries > max_entries) lru = (cached *)keep;
    if (!lru) break;
    aidreg_audit_free(lru->a);
    lru->a = NULL;
  }
  /* Slots without a replay: off the list. */
  for (cached **l = &cache; *l;) {
    cached *c = *l;
    if (!c->a && c != keep) {
      *l = c->next;
      free(c);
    } else {
      l = &c->next;
    }
  }
}

/* Does the database still hold the checkpoint the replay reached (size, root)? 1 yes,
 * 0 no, -1 unreadable. */
static int still_there(db_conn *c, const char *code, uint64_t size, const uint8_t root[32]) {
  char sz[24];
  snprintf(sz, sizeof sz, "%" PRIu64, size);
  const char *params[2] = {code, sz};
  PGresult *r = ar_db_run(c, &q_note_at, 2, params, NULL);
  if (!r) return -1;
  int rc = 0;
  if (PQntuples(r) == 1) {
    const char *note = PQgetvalue(r, 0, 0), *blank = strstr(note, "\n\n");
    aidreg_checkpoint cp;
    rc = blank && !aidreg_checkpoint_parse(note, (size_t)(blank - note) + 1, &cp) && cp.size == size &&
         memcmp(cp.root, root, 32) == 0;
  }
  PQclear(r);
  return rc;
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
      replayed++;
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
  db_conn *c = ar_read_get(r, code);
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
    ar_unknown_ledger(r, code, p);
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
  slot->used = ++audit_clock;
  /* A replay past this checkpoint, or of a checkpoint the database no longer holds (a
   * restored database): start again. */
  if (slot->a && aidreg_audit_size(slot->a) > 0) {
    int there = aidreg_audit_size(slot->a) > cp.size ? 0 : still_there(c, code, aidreg_audit_size(slot->a), slot->root);
    if (there < 0) {
      aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
      goto out;
    }
    if (!there) {
      aidreg_audit_free(slot->a);
      slot->a = NULL;
    }
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
  evict(NULL);
  ar_db_cmd(c, "ROLLBACK");
  ar_read_done(r, code, c, p);
  pthread_mutex_unlock(&mu);
  free(note);
  return rc;
}
