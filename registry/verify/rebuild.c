/* Rebuild check (include/aidreg/rebuild.h): replay every leaf through authority.c and the
 * domain rules into memory, then compare with the entity table row by row. */
#include "aidreg/rebuild.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/authority.h"
#include "aidreg/leaf.h"
#include "store/db.h"
#include "rules/domain.h"
#include "rules/judge.h"
#include "core/strmap.h"
#include "core/json_strict_private.h"
#include "verify/verify_pool.h"

#define PAGE "1000"
#define SETTLE_EVERY 4096 /* entries between commits of the replay into the memstore */

static db_stmt q_size = {"SELECT size FROM ledger WHERE code = $1", 0};
static db_stmt q_leaves = {"SELECT idx, data FROM leaf WHERE ledger = $1 AND idx >= $2 ORDER BY idx LIMIT " PAGE, 0};
static db_stmt q_entities = {
    "SELECT kind, id, village, township, villages::text, class, status, name, year, doc::text, updated_at "
    "FROM entity_doc WHERE ledger = $1 ORDER BY kind, id",
    0};

/* ---- keys replayed in memory ---- */

typedef struct {
  strmap keys; /* keyid -> aidreg_key_state* */
} keyring;

static int ring_lookup(void *ctx, const char *keyid, aidreg_key_state *out) {
  keyring *k = ctx;
  aidreg_key_state *s = ar_strmap_get(&k->keys, keyid);
  if (!s) return 0;
  *out = *s;
  return 1;
}

static int ring_county(void *ctx, const char *except) {
  keyring *k = ctx;
  int n = 0;
  for (size_t i = 0; i < k->keys.cap; i++) {
    const aidreg_key_state *s = k->keys.slots[i].key ? k->keys.slots[i].val : NULL;
    if (s && s->role == AIDREG_ROLE_COUNTY && !s->revoked && strcmp(s->keyid, except) != 0) n++;
  }
  return n;
}

static int ring_apply(keyring *k, const aidreg_keychange *ch) {
  if (ch->kind == AIDREG_KEYCHANGE_NONE) return 0;
  aidreg_key_state *s = ar_strmap_get(&k->keys, ch->key.keyid);
  if (!s) {
    if (!(s = calloc(1, sizeof *s)) || ar_strmap_put(&k->keys, ch->key.keyid, s)) {
      free(s);
      return -1;
    }
  }
  if (ch->kind == AIDREG_KEYCHANGE_ENROLL) *s = ch->key;
  else s->revoked = true;
  return 0;
}

/* ---- differences ---- */

typedef struct {
  FILE *out;
  long diffs;
  bool internal; /* we failed (out of memory): no difference found counts, the check did not run */
} report_t;

static void diff(report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void diff(report_t *r, const char *fmt, ...) {
  r->diffs++;
  if (!r->out) return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(r->out, fmt, ap);
  va_end(ap);
  fputc('\n', r->out);
}

/* The first JSON pointer where a and b differ, into path. */
static void first_difference(const json_t *a, const json_t *b, char *path, size_t cap) {
  size_t len = strlen(path);
  if (json_is_object(a) && json_is_object(b)) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v) {
      const json_t *w = json_object_get(b, k);
      if (!w || !json_equal(v, w)) {
        snprintf(path + len, cap - len, "/%s", k);
        if (w) first_difference(v, w, path, cap);
        return;
      }
    }
    json_object_foreach((json_t *)b, k, v) {
      if (!json_object_get(a, k)) {
        snprintf(path + len, cap - len, "/%s", k);
        return;
      }
    }
  } else if (json_is_array(a) && json_is_array(b)) {
    size_t n = json_array_size(a) > json_array_size(b) ? json_array_size(a) : json_array_size(b);
    for (size_t i = 0; i < n; i++) {
      const json_t *v = json_array_get(a, i), *w = json_array_get(b, i);
      if (!v || !w || !json_equal(v, w)) {
        snprintf(path + len, cap - len, "/%zu", i);
        if (v && w) first_difference(v, w, path, cap);
        return;
      }
    }
  }
}

static bool same_text(const char *stored, bool stored_null, const char *replayed) {
  if (stored_null || !replayed) return stored_null && !replayed;
  return strcmp(stored, replayed) == 0;
}

/* ---- replay ---- */

typedef struct {
  keyring ring;
  domain_batch *dom;
  const char *code;
  report_t *rep;
  uint64_t entries;
  strmap heads; /* subject -> latest payload hash (32 bytes, malloc'd), for prev */
} replay_t;

static int replay_head(void *ctx, const char *subject, uint8_t out[32]) {
  replay_t *rp = ctx;
  const uint8_t *h = ar_strmap_get(&rp->heads, subject);
  if (!h) return 0;
  memcpy(out, h, 32);
  return 1;
}

static int replay_set_head(replay_t *rp, const aidreg_event *ev) {
  uint8_t *h = ar_strmap_get(&rp->heads, ev->subject);
  if (!h) {
    if (!(h = malloc(32)) || ar_strmap_put(&rp->heads, ev->subject, h)) {
      free(h);
      return -1;
    }
  }
  memcpy(h, ev->payload_sha256, 32);
  return 0;
}

/* One leaf, in log order. pp: what the pool prepared (parse, signatures); anything not
 * clean there is done again here, so every difference is reported as the serial path did. */
static void replay_leaf(replay_t *rp, uint64_t position, const char *data, ar_prepared *pp) {
  aidreg_leaf leaf;
  aidreg_event ev;
  aidreg_problem p = {0};
  bool sig_ok = false;
  if (pp && pp->parsed) {
    leaf = pp->leaf;
    ev = pp->ev;
    sig_ok = pp->sig_ok;
    pp->parsed = false; /* ours now: freed below */
    if (leaf.index != position) diff(rp->rep, "entry %" PRIu64 ": the leaf says index %" PRIu64, position, leaf.index);
    goto parsed;
  }
  if (aidreg_leaf_parse((const uint8_t *)data, strlen(data), &leaf, &p)) {
    if (p.code == AIDREG_E_INTERNAL) {
      rp->rep->internal = true;
      return;
    }
    diff(rp->rep, "entry %" PRIu64 ": the stored leaf does not parse (%s); run aidreg verify --db", position, p.detail);
    return;
  }
  if (leaf.index != position) diff(rp->rep, "entry %" PRIu64 ": the leaf says index %" PRIu64, position, leaf.index);
  if (aidreg_event_parse(leaf.env.payload, leaf.env.payload_len, &ev, &p)) {
    if (p.code == AIDREG_E_INTERNAL) {
      rp->rep->internal = true;
      aidreg_leaf_free(&leaf);
      return;
    }
    diff(rp->rep, "entry %" PRIu64 ": the payload does not parse (%s)", position, p.detail);
    aidreg_leaf_free(&leaf);
    return;
  }
parsed:
  rp->entries++;
  aidreg_keyview kv = {ring_lookup, ring_county, &rp->ring};
  /* Repeats and the binding are aidreg verify's to report; the rest is judged again. */
  int64_t appended_at = 0;
  int32_t ns;
  if (aidreg_rfc3339_parse(leaf.time, &appended_at, &ns)) appended_at = 0; /* the leaf parsed: cannot happen */
  judge_input in = {.county = rp->code, .position = position, .signatures_verified = sig_ok,
                    .latest_time = INT64_MAX, .appended_at = appended_at, .keys = &kv, .state = rp->dom,
                    .head = replay_head, .ctx = rp};
  judge_result r;
  if (ar_judge_entry(&in, &leaf.env, &ev, &r) != JUDGE_ACCEPT) {
    const aidreg_problem *q = &r.problem;
    if (q->code == AIDREG_E_INTERNAL || q->code == AIDREG_E_UNAVAILABLE) {
      rp->rep->internal = true; /* the judge could not judge: no verdict */
      goto out;
    }
    bool keys = r.step == JUDGE_AT_SIGNERS || r.step == JUDGE_AT_AUTHORITY;
    diff(rp->rep, "entry %" PRIu64 " (%s %s): refused on replay by the %s [%s]: %s", position, ev.type, ev.subject,
         r.step == JUDGE_AT_SIGNATURE ? "signature check" : keys ? "authority rules" : "rules",
         aidreg_problem_slug(q->code), q->detail);
    goto out;
  }
  const aidreg_keychange ch = r.keys;
  if (replay_set_head(rp, &ev) || ring_apply(&rp->ring, &ch)) rp->rep->internal = true;
out:
  aidreg_event_free(&ev);
  aidreg_leaf_free(&leaf);
}

/* ---- compare ---- */

typedef struct {
  report_t *rep;
  strmap seen;
} cmp_t;

static int unseen(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at) {
  cmp_t *c = ctx;
  (void)doc, (void)updated_at;
  char key[256];
  snprintf(key, sizeof key, "%s:%s", kind, id);
  if (!ar_strmap_get(&c->seen, key)) diff(c->rep, "%s/%s: missing from the stored projection", kind, id);
  return 0;
}

static void compare_row(cmp_t *c, const domain_memstore *m, PGresult *r, int i) {
  const char *kind = PQgetvalue(r, i, 0), *id = PQgetvalue(r, i, 1);
  char key[256];
  snprintf(key, sizeof key, "%s:%s", kind, id);
  if (ar_strmap_put(&c->seen, key, (void *)1)) c->rep->internal = true;
  const json_t *want = ar_domain_memstore_get(m, kind, id);
  if (!want) {
    diff(c->rep, "%s/%s: stored, but no entry of the ledger makes it", kind, id);
    return;
  }
  json_error_t jerr;
  const char *text = PQgetvalue(r, i, 9);
  json_t *have = aidreg_json_loadb(text, strlen(text), 0, &jerr);
  if (!have && aidreg_json_load_oom(&jerr)) {
    c->rep->internal = true;
    return;
  }
  if (!have || !json_equal(have, want)) {
    char path[512] = "";
    if (have) first_difference(have, want, path, sizeof path);
    diff(c->rep, "%s/%s: the stored document differs from the replay at %s", kind, id, *path ? path : "(whole)");
  }
  json_decref(have);
  domain_columns col;
  ar_domain_columns_of(kind, want, &col);
  char year[16] = "";
  if (col.year) snprintf(year, sizeof year, "%d", col.year);
  static const char *const names[] = {"village", "township", "villages", "class", "status", "name", "year"};
  const char *replayed[] = {col.village, col.township, col.villages, col.klass, col.status, col.name,
                            col.year ? year : NULL};
  for (int k = 0; k < 7; k++)
    if (!same_text(PQgetvalue(r, i, 2 + k), PQgetisnull(r, i, 2 + k), replayed[k]))
      diff(c->rep, "%s/%s: column %s is \"%s\", the replay gives \"%s\"", kind, id, names[k],
           PQgetisnull(r, i, 2 + k) ? "NULL" : PQgetvalue(r, i, 2 + k), replayed[k] ? replayed[k] : "NULL");
}

static int collect_updated(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at) {
  (void)doc;
  char key[256];
  snprintf(key, sizeof key, "%s:%s", kind, id);
  return ar_strmap_put(ctx, key, (void *)(uintptr_t)(updated_at + 1));
}

/* A page of leaf rows read ahead, its leaves queued to the pool. */
typedef struct {
  PGresult *r;
  int rows;
  ar_prepared *items;
  ar_prep_batch b;
} page_t;

static int fetch_page(db_conn *c, const char *code, uint64_t from, ar_prep_pool *pool, page_t *pg) {
  char f[24];
  snprintf(f, sizeof f, "%" PRIu64, from);
  const char *lp[2] = {code, f};
  memset(pg, 0, sizeof *pg);
  if (!(pg->r = ar_db_run(c, &q_leaves, 2, lp, NULL))) return -1;
  pg->rows = PQntuples(pg->r);
  if (pg->rows && !(pg->items = calloc((size_t)pg->rows, sizeof *pg->items))) return -1;
  for (int i = 0; i < pg->rows; i++) {
    pg->items[i].data = (const uint8_t *)PQgetvalue(pg->r, i, 1);
    pg->items[i].len = (size_t)PQgetlength(pg->r, i, 1);
  }
  pg->b.items = pg->items;
  pg->b.n = (size_t)pg->rows;
  ar_prep_submit(pool, &pg->b);
  return 0;
}

static void drop_page(ar_prep_pool *pool, page_t *pg) {
  if (pg->items) {
    ar_prep_wait(pool, &pg->b);
    for (int i = 0; i < pg->rows; i++) ar_prepared_clear(&pg->items[i]);
  }
  free(pg->items);
  PQclear(pg->r);
  memset(pg, 0, sizeof *pg);
}

/* Commits the replay so far into m, keeps what it updated, and starts a new batch: the
 * replay's memory follows the state, not the log. */
static int settle(replay_t *rp, domain_memstore *m, const domain_store *st, strmap *updated) {
  int bad = ar_domain_changes(rp->dom, collect_updated, updated) != 0;
  bad |= ar_domain_memstore_settle(m, rp->dom) != 0; /* ends the batch either way */
  rp->dom = NULL;
  return !bad && (rp->dom = ar_domain_begin(st, rp->code)) ? 0 : -1;
}

int aidreg_rebuild_check(const char *database_url, const char *code, FILE *report) {
  char err[512];
  db_conn *c = ar_db_connect(database_url, err, sizeof err);
  if (!c) {
    if (report) fprintf(report, "rebuild: %s\n", err);
    return -1;
  }
  report_t rep = {report, 0, false};
  replay_t rp = {.code = code, .rep = &rep};
  domain_memstore *m = ar_domain_memstore_new();
  strmap updated = {0};
  cmp_t cmp = {&rep, {0}};
  int rc = -1;
  PGresult *r = NULL;
  ar_prep_pool *pool = ar_prep_pool_new(0);
  /* The pool holds the pages' batches by address: the two swap roles, never move. */
  page_t pages[2] = {{0}, {0}}, *cur = &pages[0], *ahead = &pages[1];
  domain_store st = {0};
  if (ar_db_cmd(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) goto out;
  const char *sp[1] = {code};
  if (!(r = ar_db_run(c, &q_size, 1, sp, NULL))) goto out;
  unsigned long long size = 0;
  if (PQntuples(r) != 1 || ar_db_u64(PQgetvalue(r, 0, 0), &size)) {
    if (report) fprintf(report, "rebuild: there is no ledger %s in this database\n", code);
    goto out;
  }
  PQclear(r);
  r = NULL;
  if (!m || !pool) goto out;
  st = ar_domain_memstore_store(m);
  if (!(rp.dom = ar_domain_begin(&st, code))) goto out;

  /* Pages in order, the next one read and prepared on the pool while this one is judged. */
  uint64_t next = 0;
  if (fetch_page(c, code, 0, pool, cur)) goto out;
  while (cur->rows > 0) {
    if (fetch_page(c, code, next + (uint64_t)cur->rows, pool, ahead)) goto out;
    ar_prep_wait(pool, &cur->b);
    for (int i = 0; i < cur->rows; i++) {
      unsigned long long idx;
      if (ar_db_u64(PQgetvalue(cur->r, i, 0), &idx) || idx != next) {
        diff(&rep, "entry %" PRIu64 ": missing from the leaf table", next);
        goto out;
      }
      replay_leaf(&rp, idx, PQgetvalue(cur->r, i, 1), &cur->items[i]);
      next++;
      if (next % SETTLE_EVERY == 0 && settle(&rp, m, &st, &updated)) goto out;
    }
    drop_page(pool, cur);
    page_t *t = cur;
    cur = ahead;
    ahead = t;
  }
  if (next != size) diff(&rep, "the ledger says size %llu, the leaf table holds %" PRIu64 " entries", size, next);
  if (ar_domain_memstore_commit(m, rp.dom) || ar_domain_changes(rp.dom, collect_updated, &updated)) goto out;

  if (!(r = ar_db_run(c, &q_entities, 1, sp, NULL))) goto out;
  long docs = PQntuples(r);
  for (int i = 0; i < PQntuples(r); i++) {
    compare_row(&cmp, m, r, i);
    char key[256];
    snprintf(key, sizeof key, "%s:%s", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    uintptr_t u = (uintptr_t)ar_strmap_get(&updated, key);
    unsigned long long stored;
    if (u && ar_db_u64(PQgetvalue(r, i, 10), &stored) == 0 && stored != u - 1)
      diff(&rep, "%s/%s: updated_at is %llu, the replay gives %" PRIu64, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
           stored, (uint64_t)(u - 1));
  }
  if (ar_domain_memstore_each(m, unseen, &cmp)) rep.internal = true;
  if (rep.internal) {
    if (report) fprintf(report, "rebuild %s: out of memory\n", code);
    goto out;
  }
  if (report)
    fprintf(report, "rebuild %s: %" PRIu64 " entries replayed, %ld stored documents compared: %ld difference%s\n",
            code, rp.entries, docs, rep.diffs, rep.diffs == 1 ? "" : "s");
  rc = rep.diffs > 0x7fffffff ? 0x7fffffff : (int)rep.diffs;
out:
  if (rc < 0 && report) fprintf(report, "rebuild %s: the ledger could not be read to the end\n", code);
  if (pool) {
    drop_page(pool, cur);
    drop_page(pool, ahead);
  }
  ar_prep_pool_free(pool);
  PQclear(r);
  ar_db_cmd(c, "ROLLBACK");
  ar_db_close(c);
  ar_domain_end(rp.dom);
  ar_strmap_free(&rp.heads, free);
  ar_domain_memstore_free(m);
  ar_strmap_free(&updated, NULL);
  ar_strmap_free(&cmp.seen, NULL);
  for (size_t i = 0; i < rp.ring.keys.cap; i++)
    if (rp.ring.keys.slots[i].key) free(rp.ring.keys.slots[i].val);
  ar_strmap_free(&rp.ring.keys, NULL);
  return rc;
}
