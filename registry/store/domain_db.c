/* The domain_store over PostgreSQL (domain_db.h). Every statement is prepared with bound
 * parameters; documents travel as JSON text in array parameters. */
#include "store/domain_db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/authority.h"
#include "core/json_strict_private.h"
#include "core/strmap.h"

static db_stmt q_prefetch = {
    "SELECT e.kind, e.id, e.doc::text FROM entity_doc e "
    "JOIN unnest($2::text[], $3::text[]) AS w(kind, id) ON e.kind = w.kind AND e.id = w.id "
    "WHERE e.ledger = $1",
    0};
static db_stmt q_ref = {"SELECT subject FROM leaf WHERE ledger = $1 AND payload_sha256 = decode($2, 'hex')", 0};
static db_stmt q_load = {"SELECT doc::text FROM entity_doc WHERE ledger = $1 AND kind = $2 AND id = $3", 0};
static db_stmt q_upsert = {
    "INSERT INTO entity (ledger, kind, id, village, township, villages, class, status, name, year, doc, updated_at) "
    "SELECT $1, t.kind, t.id, t.village, t.township, t.villages::text[], t.class, t.status, t.name, t.year, "
    "t.doc::jsonb, t.updated_at "
    "FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], "
    "$10::int[], $11::text[], $12::bigint[]) "
    "AS t(kind, id, village, township, villages, class, status, name, year, doc, updated_at) "
    "ON CONFLICT (ledger, kind, id) DO UPDATE SET village = EXCLUDED.village, township = EXCLUDED.township, "
    "villages = EXCLUDED.villages, class = EXCLUDED.class, status = EXCLUDED.status, name = EXCLUDED.name, "
    "year = EXCLUDED.year, doc = EXCLUDED.doc, updated_at = EXCLUDED.updated_at",
    0};
/* A log's tail lives in entity_slot (sql/009_log_slots.sql): a batch writes the slots that
 * changed and trims those past the tail's new end. */
static db_stmt q_slot_upsert = {
    "INSERT INTO entity_slot (ledger, subject, n, slot) SELECT $1, t.s, t.n, t.j::jsonb "
    "FROM unnest($2::text[], $3::int[], $4::text[]) AS t(s, n, j) "
    "ON CONFLICT (ledger, subject, n) DO UPDATE SET slot = EXCLUDED.slot",
    0};
static db_stmt q_slot_trim = {
    "DELETE FROM entity_slot e USING unnest($2::text[], $3::int[]) AS t(s, n) "
    "WHERE e.ledger = $1 AND e.subject = t.s AND e.n >= t.n",
    0};
static db_stmt q_delete = {
    "DELETE FROM entity e USING unnest($2::text[], $3::text[]) AS w(kind, id) "
    "WHERE e.ledger = $1 AND e.kind = w.kind AND e.id = w.id",
    0};
/* The assets and plans this group commit wrote or deleted, one row per commit, so that the
 * kept summaries (summary_kept.c) read again only those instead of an index of entity that
 * every update would write (sql/016). The rows this commit leaves more than CHANGES_KEPT
 * entries behind are pruned in the same statement (a reader that far behind reads
 * everything again anyway): those in [before, after) - CHANGES_KEPT, so that each row goes
 * once and the scan meets none of the rows pruned before (deleting everything below the
 * limit walked every row deleted since the last vacuum). */
#define CHANGES_KEPT "16384"
static db_stmt q_changes = {
    "WITH pruned AS (DELETE FROM entity_change WHERE ledger = $1 AND size_before >= $2::bigint - " CHANGES_KEPT
    " AND size_before < $3::bigint - " CHANGES_KEPT ") "
    "INSERT INTO entity_change (ledger, size_before, size_after, assets, plans) "
    "VALUES ($1, $2::bigint, $3::bigint, $4::text[], $5::text[])",
    0};

/* A cached answer: the document, or absent. */
typedef struct {
  json_t *doc;
} cached;

struct domain_db {
  db_conn *c;
  char ledger[16];
  uint64_t size; /* the ledger's size when the batch began */
  strmap cache; /* "kind:id" -> cached* (used once: the batch's overlay keeps it after) */
  domain_cache *dc; /* the documents as committed by earlier batches, or NULL */
  struct rows *out; /* what ar_domain_db_write_calls sends, alive until freed */
  int (*pending)(void *ctx, const char *ref, char *subject, size_t cap); /* or NULL */
  void *pending_ctx;
};

/* Documents as the last commit of this appender left them: "kind:id" -> cached* (doc
 * NULL: known absent). Valid only while the ledger's size is the one it was kept at;
 * any other size means another writer appended, and it is dropped. */
struct domain_cache {
  strmap docs;
  uint64_t size;
  size_t max_docs;
};

static void free_cached(void *v) {
  cached *x = v;
  if (x) json_decref(x->doc);
  free(x);
}

domain_cache *ar_domain_cache_new(size_t max_docs) {
  domain_cache *dc = calloc(1, sizeof *dc);
  if (dc) dc->max_docs = max_docs;
  return dc;
}

void ar_domain_cache_drop(domain_cache *dc) {
  if (!dc) return;
  ar_strmap_free(&dc->docs, free_cached);
  dc->docs = (strmap){0};
  dc->size = 0;
}

void ar_domain_cache_free(domain_cache *dc) {
  ar_domain_cache_drop(dc);
  free(dc);
}

/* Keeps doc (a new reference, NULL = absent) under key in dc. -1 out of memory. */
static int cache_keep(domain_cache *dc, const char *key, json_t *doc) {
  cached *x = ar_strmap_get(&dc->docs, key);
  if (x) {
    json_decref(x->doc);
    x->doc = doc;
    return 0;
  }
  if (!(x = calloc(1, sizeof *x)) || ar_strmap_put(&dc->docs, key, x)) {
    free(x);
    json_decref(doc);
    return -1;
  }
  x->doc = doc;
  return 0;
}

domain_db *ar_domain_db_new(db_conn *c, const char *ledger, domain_cache *dc, uint64_t size) {
  domain_db *db = calloc(1, sizeof *db);
  if (!db) return NULL;
  db->c = c;
  snprintf(db->ledger, sizeof db->ledger, "%s", ledger);
  db->size = size;
  if (dc && dc->size != size) ar_domain_cache_drop(dc);
  db->dc = dc;
  return db;
}

/* The document under key from the committed cache into this batch's, if there: 1, 0 not
 * cached, -1 out of memory. */
static int from_cache(domain_db *db, const char *key) {
  const cached *k = db->dc ? ar_strmap_get(&db->dc->docs, key) : NULL;
  if (!k) return 0;
  cached *x = calloc(1, sizeof *x);
  if (!x || ar_strmap_put(&db->cache, key, x)) {
    free(x);
    return -1;
  }
  x->doc = json_incref(k->doc);
  return 1;
}

static int keep_changed(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at) {
  (void)updated_at;
  domain_cache *dc = ctx;
  char buf[256];
  int n = snprintf(buf, sizeof buf, "%s:%s", kind, id);
  if (n < 0 || (size_t)n >= sizeof buf) return -1; /* not kept: the caller drops the cache */
  /* The overlay never edits a document in place once its entry is over (copy on
   * write), so the committed version can be shared with the next batch. */
  return cache_keep(dc, buf, json_incref((json_t *)doc));
}

void ar_domain_db_pending(domain_db *db, int (*find)(void *ctx, const char *ref, char *subject, size_t cap),
                          void *ctx) {
  db->pending = find;
  db->pending_ctx = ctx;
}

int ar_domain_db_committed(domain_db *db, domain_batch *d, uint64_t size) {
  domain_cache *dc = db->dc;
  if (!dc) return -1;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < db->cache.cap; i++) {
    const strmap_slot *s = &db->cache.slots[i];
    if (s->key) rc = cache_keep(dc, s->key, json_incref(((cached *)s->val)->doc));
  }
  if (rc == 0 && d) rc = ar_domain_changes(d, keep_changed, dc);
  if (rc || dc->docs.len > dc->max_docs) {
    ar_domain_cache_drop(dc); /* bounded memory; the next batch reads from the database */
    return -1;
  }
  dc->size = size;
  return 0;
}

static void rows_free(struct rows *w);

void ar_domain_db_free(domain_db *db) {
  if (!db) return;
  rows_free(db->out);
  ar_strmap_free(&db->cache, free_cached);
  free(db);
}

static char *key_of(const char *kind, const char *id) {
  size_t a = strlen(kind), b = strlen(id);
  char *k = malloc(a + b + 2);
  if (k) {
    memcpy(k, kind, a);
    k[a] = ':';
    memcpy(k + a + 1, id, b + 1);
  }
  return k;
}

/* NULL with *oom set when the failure was ours (out of memory), not the document's. */
static json_t *parse_doc(const char *text, bool *oom) {
  json_error_t err;
  json_t *doc = aidreg_json_loadb(text, strlen(text), 0, &err);
  *oom = !doc && aidreg_json_load_oom(&err);
  if (!doc && !*oom) fprintf(stderr, "aidreg: entity document does not parse: %s\n", err.text);
  return doc;
}

static json_t *load(void *ctx, const char *kind, const char *id, int *err) {
  domain_db *db = ctx;
  char *k = key_of(kind, id);
  if (!k) {
    *err = DOMAIN_STORE_NOMEM;
    return NULL;
  }
  cached *x = ar_strmap_get(&db->cache, k);
  if (!x && from_cache(db, k) == 1) x = ar_strmap_get(&db->cache, k);
  free(k);
  if (x) return json_incref(x->doc);
  const char *params[3] = {db->ledger, kind, id};
  PGresult *r = ar_db_run(db->c, &q_load, 3, params, NULL);
  if (!r) {
    *err = 1;
    return NULL;
  }
  json_t *doc = NULL;
  bool oom;
  if (PQntuples(r) == 1 && !(doc = parse_doc(PQgetvalue(r, 0, 0), &oom))) *err = oom ? DOMAIN_STORE_NOMEM : 1;
  PQclear(r);
  /* Kept as read: the write compares a log's tail with it, and the cache keeps it. */
  char *key = *err ? NULL : key_of(kind, id);
  cached *y = key ? calloc(1, sizeof *y) : NULL;
  if (y && ar_strmap_put(&db->cache, key, y) == 0) y->doc = json_incref(doc);
  else free(y);
  free(key);
  return doc;
}

static int ref_subject(void *ctx, const char *ref, char *subject, size_t cap) {
  domain_db *db = ctx;
  size_t n = strlen(ref);
  if (n != 64 || strspn(ref, "0123456789abcdef") != n) return 0;
  int found = db->pending ? db->pending(db->pending_ctx, ref, subject, cap) : 0;
  if (found) return found;
  const char *params[2] = {db->ledger, ref};
  PGresult *r = ar_db_run(db->c, &q_ref, 2, params, NULL);
  if (!r) return -1;
  found = PQntuples(r) == 1;
  if (found) snprintf(subject, cap, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  return found;
}

domain_store ar_domain_db_store(domain_db *db) { return (domain_store){.load = load, .ctx = db, .ref_subject = ref_subject}; }

/* ---- prefetch ------------------------------------------------------------------------ */

typedef struct {
  db_buf kinds, ids;
  domain_db *db;
  bool first;
  int err;
} want;

static void want_add(want *w, const char *kind, const char *id) {
  if (!id || !*id || w->err) return;
  char *k = key_of(kind, id);
  if (!k) {
    w->err = 1;
    return;
  }
  int hit = ar_strmap_get(&w->db->cache, k) ? 1 : from_cache(w->db, k);
  if (hit) {
    if (hit < 0) w->err = 1;
    free(k);
    return;
  }
  cached *x = calloc(1, sizeof *x); /* absent until the query finds it */
  if (!x || ar_strmap_put(&w->db->cache, k, x)) {
    free(x);
    free(k);
    w->err = 1;
    return;
  }
  free(k);
  if ((!w->first && (ar_db_buf_add(&w->kinds, ",", 1) || ar_db_buf_add(&w->ids, ",", 1))) ||
      ar_db_buf_add_array_elem(&w->kinds, kind) || ar_db_buf_add_array_elem(&w->ids, id))
    w->err = 1;
  w->first = false;
}

static int fetch(domain_db *db, want *w) {
  int rc = -1;
  if (ar_db_buf_add(&w->kinds, "}", 1) || ar_db_buf_add(&w->ids, "}", 1) || w->err) return DOMAIN_DB_NOMEM;
  if (w->first) return 0;
  const char *params[3] = {db->ledger, w->kinds.data, w->ids.data};
  PGresult *r = ar_db_run(db->c, &q_prefetch, 3, params, NULL);
  if (!r) return -1;
  rc = 0;
  for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
    char *k = key_of(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    cached *x = k ? ar_strmap_get(&db->cache, k) : NULL;
    free(k);
    bool oom = false;
    if (!k) rc = DOMAIN_DB_NOMEM;
    else if (!x || !(x->doc = parse_doc(PQgetvalue(r, i, 2), &oom))) rc = oom ? DOMAIN_DB_NOMEM : -1;
  }
  PQclear(r);
  return rc;
}

int ar_domain_db_prefetch(domain_db *db, size_t n, const aidreg_event *(*ev_at)(void *ctx, size_t i), void *ctx) {
  want w = {.db = db, .first = true};
  /* A failed add is sticky: fetch sees it in its own adds. */
  if (ar_db_buf_add(&w.kinds, "{", 1) || ar_db_buf_add(&w.ids, "{", 1)) w.err = 1;
  want_add(&w, "settings", db->ledger);
  for (size_t i = 0; i < n; i++) {
    const aidreg_event *ev = ev_at(ctx, i);
    if (!ev || !ev->subject || strncmp(ev->type, "key.", 4) == 0) continue;
    const char *s = ev->subject;
    want_add(&w, "log", s);
    if (strlen(s) == 12 && aidreg_is_admin_code(s)) {
      want_add(&w, "village", s);
    } else if (!aidreg_is_admin_code(s)) {
      want_add(&w, "asset", s);
      want_add(&w, "plan", s);
      want_add(&w, "project", s);
    }
    const json_t *b = ev->body, *v;
    size_t j;
    want_add(&w, "project", json_string_value(json_object_get(b, "project")));
    want_add(&w, "finding", json_string_value(json_object_get(b, "finding")));
    json_array_foreach(json_object_get(b, "sources"), j, v) want_add(&w, "income", json_string_value(json_object_get(v, "income")));
  }
  int rc = fetch(db, &w);
  ar_db_buf_free(&w.kinds);
  ar_db_buf_free(&w.ids);
  if (rc) return rc;
  /* Second round: the assets of the incomes plans draw on. */
  want w2 = {.db = db, .first = true};
  if (ar_db_buf_add(&w2.kinds, "{", 1) || ar_db_buf_add(&w2.ids, "{", 1)) w2.err = 1;
  json_t *assets = json_array(); /* collected first: want_add grows the cache */
  if (!assets) w2.err = 1;
  for (size_t i = 0; assets && i < db->cache.cap; i++) {
    const strmap_slot *s = &db->cache.slots[i];
    const cached *x = s->key ? s->val : NULL;
    json_t *asset = x && x->doc && strncmp(s->key, "income:", 7) == 0 ? json_object_get(x->doc, "asset") : NULL;
    if (asset && json_array_append(assets, asset)) w2.err = 1;
  }
  size_t i;
  json_t *a;
  json_array_foreach(assets, i, a) want_add(&w2, "asset", json_string_value(a));
  json_decref(assets);
  rc = fetch(db, &w2);
  ar_db_buf_free(&w2.kinds);
  ar_db_buf_free(&w2.ids);
  return rc;
}

/* ---- write back ------------------------------------------------------------------------ */

typedef struct rows {
  db_buf a[11]; /* kind, id, village, township, villages, class, status, name, year, doc, updated_at */
  db_buf dk, di; /* deletions */
  db_buf ss, sn, sj; /* slots written: subject, position, slot */
  db_buf ts, tn;     /* slots trimmed: subject, from position */
  db_buf ca, cp;     /* the assets and plans written or deleted (entity_change) */
  size_t n, nd, nslots, ntrims, nca, ncp;
  int err;
  domain_db *db;
  char before[24], after[24];
  const char *p_trim[3], *p_slots[4], *p_del[3], *p_up[12], *p_ch[5]; /* the calls' parameters */
} rows;

static void elem(rows *w, int col, const char *s, bool first) {
  db_buf *b = &w->a[col];
  if (!first && ar_db_buf_add(b, ",", 1)) w->err = 1;
  if (s ? ar_db_buf_add_array_elem(b, s) : ar_db_buf_add(b, "NULL", 4)) w->err = 1;
}

static void add_elem(rows *w, db_buf *b, const char *s, size_t count) {
  if ((count && ar_db_buf_add(b, ",", 1)) || ar_db_buf_add_array_elem(b, s)) w->err = 1;
}

static void trim_slots(rows *w, const char *subject, size_t from) {
  char num[24];
  snprintf(num, sizeof num, "%zu", from);
  add_elem(w, &w->ts, subject, w->ntrims);
  add_elem(w, &w->tn, num, w->ntrims);
  w->ntrims++;
}

/* The slots of log `id` that differ from the version the batch began with (all of them
 * when that is unknown), and a trim when the tail got shorter. The header written
 * without its tail is returned (new reference), or NULL out of memory. */
static json_t *log_slots(rows *w, const char *id, const json_t *doc) {
  char *k = key_of("log", id);
  const cached *x = k ? ar_strmap_get(&w->db->cache, k) : NULL;
  free(k);
  bool known = x != NULL;
  const json_t *old = x ? json_object_get(x->doc, "tail") : NULL, *tail = json_object_get(doc, "tail");
  size_t n = json_array_size(tail), n_old = json_array_size(old);
  for (size_t i = 0; i < n && !w->err; i++) {
    const json_t *slot = json_array_get(tail, i);
    if (known && i < n_old && json_equal(slot, json_array_get(old, i))) continue;
    char *text = json_dumps(slot, JSON_COMPACT | JSON_ENSURE_ASCII), num[24];
    if (!text) return w->err = 1, NULL;
    snprintf(num, sizeof num, "%zu", i);
    add_elem(w, &w->ss, id, w->nslots);
    add_elem(w, &w->sn, num, w->nslots);
    add_elem(w, &w->sj, text, w->nslots);
    w->nslots++;
    free(text);
  }
  if (!known || n_old > n) trim_slots(w, id, n);
  /* The head: every member but the tail (ar_json_copy1, not json_copy, which returns a copy
   * with members missing when an insertion fails: a log stored without its count). */
  json_t *head = ar_json_copy1(doc);
  if (!head) w->err = 1;
  else json_object_del(head, "tail");
  return head;
}

static int emit(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at) {
  rows *w = ctx;
  bool is_log = strcmp(kind, "log") == 0;
  if (strcmp(kind, "asset") == 0) add_elem(w, &w->ca, id, w->nca++);
  else if (strcmp(kind, "plan") == 0) add_elem(w, &w->cp, id, w->ncp++);
  if (!doc && is_log) trim_slots(w, id, 0);
  json_t *head = doc && is_log ? log_slots(w, id, doc) : NULL;
  if (w->err) {
    json_decref(head);
    return w->err;
  }
  if (head) doc = head;
  if (!doc) {
    bool first = w->nd == 0;
    if ((!first && (ar_db_buf_add(&w->dk, ",", 1) || ar_db_buf_add(&w->di, ",", 1))) ||
        ar_db_buf_add_array_elem(&w->dk, kind) || ar_db_buf_add_array_elem(&w->di, id))
      w->err = 1;
    w->nd++;
    return w->err;
  }
  bool first = w->n == 0;
  domain_columns c;
  ar_domain_columns_of(kind, doc, &c);
  char year[16], upd[24];
  snprintf(year, sizeof year, "%d", c.year);
  snprintf(upd, sizeof upd, "%" PRIu64, updated_at);
  char *text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
  json_decref(head);
  if (!text) return w->err = 1;
  elem(w, 0, kind, first);
  elem(w, 1, id, first);
  elem(w, 2, c.village, first);
  elem(w, 3, c.township, first);
  elem(w, 4, c.villages, first);
  elem(w, 5, c.klass, first);
  elem(w, 6, c.status, first);
  elem(w, 7, c.name, first);
  elem(w, 8, c.year ? year : NULL, first);
  elem(w, 9, text, first);
  elem(w, 10, upd, first);
  free(text);
  w->n++;
  return w->err;
}

static void rows_free(rows *w) {
  if (!w) return;
  for (int i = 0; i < 11; i++) ar_db_buf_free(&w->a[i]);
  db_buf *more[9] = {&w->ss, &w->sn, &w->sj, &w->ts, &w->tn, &w->dk, &w->di, &w->ca, &w->cp};
  for (int i = 0; i < 9; i++) ar_db_buf_free(more[i]);
  free(w);
}

int ar_domain_db_write_calls(domain_db *db, domain_batch *d, uint64_t size, db_call calls[DOMAIN_DB_CALLS],
                             size_t *nc) {
  *nc = 0;
  rows_free(db->out);
  rows *w = db->out = calloc(1, sizeof *w);
  if (!w) return DOMAIN_DB_NOMEM;
  w->db = db;
  db_buf *open[9] = {&w->ss, &w->sn, &w->sj, &w->ts, &w->tn, &w->dk, &w->di, &w->ca, &w->cp};
  for (int i = 0; i < 11; i++)
    if (ar_db_buf_add(&w->a[i], "{", 1)) return DOMAIN_DB_NOMEM;
  for (int i = 0; i < 9; i++)
    if (ar_db_buf_add(open[i], "{", 1)) return DOMAIN_DB_NOMEM;
  if (ar_domain_changes(d, emit, w) || w->err) return DOMAIN_DB_NOMEM;
  for (int i = 0; i < 11; i++)
    if (ar_db_buf_add(&w->a[i], "}", 1)) return DOMAIN_DB_NOMEM;
  for (int i = 0; i < 9; i++)
    if (ar_db_buf_add(open[i], "}", 1)) return DOMAIN_DB_NOMEM;
  w->p_trim[0] = w->p_slots[0] = w->p_del[0] = w->p_up[0] = db->ledger;
  /* The joins (planned for each batch's arrays) first, then the inserts (generic plans:
   * ar_db_calls_planned). They touch disjoint rows: a trim removes the slots from the
   * tail's new end on, the upsert writes those before it; a document is deleted or written. */
  if (w->ntrims) {
    w->p_trim[1] = w->ts.data, w->p_trim[2] = w->tn.data;
    calls[(*nc)++] = (db_call){&q_slot_trim, 3, w->p_trim, NULL, false};
  }
  if (w->nd) {
    w->p_del[1] = w->dk.data, w->p_del[2] = w->di.data;
    calls[(*nc)++] = (db_call){&q_delete, 3, w->p_del, NULL, false};
  }
  /* Every commit, even one that changed no asset or plan: a reader checks that the rows
   * since its kept size reach the ledger's size without a gap. A generic plan of its prune
   * made while entity_change was a page was a sequential scan, kept as the table grew (84
   * pages read a commit in the benchmark); planned at each run instead, it cost 37-40 us of
   * planning an entry of the mixed load (docs/benchmark.md "PostgreSQL's CPU per key.enroll
   * entry"). So it keeps one generic plan, made (and made again after an invalidation) with
   * sequential scans off for that statement alone, then back to the session's setting: the
   * primary key's range, whatever size the table had then. */
  snprintf(w->before, sizeof w->before, "%" PRIu64, db->size);
  snprintf(w->after, sizeof w->after, "%" PRIu64, size);
  w->p_ch[0] = db->ledger, w->p_ch[1] = w->before, w->p_ch[2] = w->after;
  w->p_ch[3] = w->ca.data, w->p_ch[4] = w->cp.data;
  calls[(*nc)++] = (db_call){NULL, 0, NULL, "SET LOCAL enable_seqscan = off", false};
  calls[(*nc)++] = (db_call){&q_changes, 5, w->p_ch, NULL, true};
  calls[(*nc)++] = (db_call){NULL, 0, NULL, "SET LOCAL enable_seqscan TO DEFAULT", false};
  if (w->nslots) {
    w->p_slots[1] = w->ss.data, w->p_slots[2] = w->sn.data, w->p_slots[3] = w->sj.data;
    calls[(*nc)++] = (db_call){&q_slot_upsert, 4, w->p_slots, NULL, true};
  }
  if (w->n) {
    for (int i = 0; i < 11; i++) w->p_up[i + 1] = w->a[i].data;
    calls[(*nc)++] = (db_call){&q_upsert, 12, w->p_up, NULL, true};
  }
  return 0;
}
