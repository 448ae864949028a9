/* The asset list from the kept parts (asset_pages.h). The list's SQL counted every asset of
 * the county that the filters match for each page (35–55 ms of PostgreSQL at 100,000
 * assets), rechecked aidreg_townships on a tenth of the county for a township, skipped the
 * OFFSET's ids one by one for a deep page and read every name for a search. The parts
 * (summary_kept.c) hold what those filters test — class, status, villages, townships,
 * township, name — and the ids in order, kept across appends, so a page is a scan in
 * memory and a read of its hundred documents by id. */
#include "store/asset_pages.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/summary_parts.h"

/* The page's documents by id, in one statement with the ledger's key: the key must be the
 * one the parts were at, or the page and its total could be of two states of the ledger. */
static db_stmt q_docs = {
    "SELECT l.size::text, coalesce(encode(l.frontier, 'hex'), ''), d.doc FROM ledger l LEFT JOIN LATERAL ("
    "SELECT (e.doc - $3::text[])::text AS doc, u.n FROM unnest($2::text[]) WITH ORDINALITY AS u(id, n) "
    "JOIN entity e ON e.ledger = $1 AND e.kind = 'asset' AND e.id = u.id) d ON true WHERE l.code = $1 ORDER BY d.n",
    0};
/* datlocprovider (PostgreSQL 15: 'c' libc, 'i' ICU, whose collations are never byte order)
 * through to_jsonb, so that a server without the column reads NULL: libc. */
static db_stmt q_collation = {
    "SELECT datcollate, datctype, coalesce(to_jsonb(d)->>'datlocprovider', 'c') FROM pg_database d "
    "WHERE datname = current_database()",
    0};

/* Bit 0: the database orders text by its bytes (the C collations: the ids in the parts' order
 * are the ORDER BY id of the SQL); bit 1: its lower() of an ASCII letter is the ASCII lower
 * case (the C character types; not a Turkish one); bit 2: known. */
static int db_locale;

static bool c_locale(const char *l) {
  return strcmp(l, "C") == 0 || strcmp(l, "POSIX") == 0 || strcmp(l, "C.UTF-8") == 0 || strcmp(l, "C.utf8") == 0;
}

static int locale_of(db_conn *c) {
  int known = __atomic_load_n(&db_locale, __ATOMIC_ACQUIRE);
  if (known) return known;
  PGresult *r = ar_db_run(c, &q_collation, 0, NULL, NULL);
  if (!r || PQntuples(r) != 1) {
    PQclear(r);
    return 0; /* asked again next time */
  }
  bool libc = strcmp(PQgetvalue(r, 0, 2), "c") == 0;
  known = 4 | (libc && c_locale(PQgetvalue(r, 0, 0)) ? 1 : 0) | (libc && c_locale(PQgetvalue(r, 0, 1)) ? 2 : 0);
  PQclear(r);
  __atomic_store_n(&db_locale, known, __ATOMIC_RELEASE);
  return known;
}

enum { Q_SQL, Q_CASELESS, Q_ASCII_LETTERS };

/* How the SQL's strpos(lower(x), lower(q)) > 0 can be decided from the bytes. Q_CASELESS: every
 * character of q is one that no lower() changes and that no other character lowers to —
 * digits, ASCII signs (so % and _ are the literal characters they are in strpos), CJK
 * ideographs, radicals, kana and their punctuation, full-width signs and digits (checked over
 * every code point with glibc's C.UTF-8 towlower, which PostgreSQL's lower() applies per
 * character): it is "x's bytes hold q's". Q_ASCII_LETTERS: those and ASCII letters, which
 * lower() folds to ASCII's lower case, as does no other character but two (ar_parts'
 * folds_into_ascii): then it is the same with ASCII letters folded. Q_SQL: a letter of
 * another script. */
static int search_kind(const char *q) {
  bool letters = false;
  const unsigned char *s = (const unsigned char *)q;
  while (*s) {
    unsigned cp;
    int n;
    if (*s < 0x80) cp = *s, n = 1;
    else if ((*s & 0xE0) == 0xC0) cp = *s & 0x1Fu, n = 2;
    else if ((*s & 0xF0) == 0xE0) cp = *s & 0x0Fu, n = 3;
    else if ((*s & 0xF8) == 0xF0) cp = *s & 0x07u, n = 4;
    else return false;
    for (int i = 1; i < n; i++) {
      if ((s[i] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i] & 0x3Fu);
    }
    bool letter = n == 1 && (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
    bool ok = n == 1 ? cp >= 0x20 && cp < 0x7F
                     : (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF01 && cp <= 0xFF20);
    if (!ok) return Q_SQL;
    letters |= letter;
    s += n;
  }
  return letters ? Q_ASCII_LETTERS : Q_CASELESS;
}

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c; }

/* Whether hay holds low (ASCII letters in lower case) with hay's ASCII letters folded. A match
 * cannot start inside a character: low starts with an ASCII byte or a lead byte. */
static bool folded_in(const char *hay, const char *low) {
  for (; *hay; hay++) {
    size_t k = 0;
    while (low[k] && ascii_lower(hay[k]) == low[k]) k++;
    if (!low[k]) return true;
  }
  return false;
}

/* The totals counted, per ledger state and filters: the count is a scan of every asset's
 * part (most of a page's time in memory), the same for every page of a list until the
 * ledger moves; when it moves, the totals of the state before follow the parts that changed
 * (watch below) instead of a scan again. */
#define TOTALS_KEPT 64
enum { F_VILLAGE, F_TOWNSHIP, F_CLASS, F_STATUS, F_Q, F_N };
typedef struct {
  char code[8];
  uint64_t size;
  char *frontier;
  char *f[F_N]; /* the filters; NULL: none */
  uint64_t total;
} kept_total;
static pthread_mutex_t totals_mu = PTHREAD_MUTEX_INITIALIZER;
static kept_total totals[TOTALS_KEPT];
static unsigned totals_next;

static void total_free(kept_total *t) {
  free(t->frontier);
  for (int i = 0; i < F_N; i++) free(t->f[i]);
  memset(t, 0, sizeof *t);
}

static bool same_or_null(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

/* Under totals_mu. */
static kept_total *total_find(const char *code, uint64_t size, const char *frontier, const char *const f[F_N]) {
  for (unsigned i = 0; i < TOTALS_KEPT; i++) {
    kept_total *t = &totals[i];
    bool same = t->frontier && t->size == size && strcmp(t->code, code) == 0 && strcmp(t->frontier, frontier) == 0;
    for (int k = 0; same && k < F_N; k++) same = same_or_null(t->f[k], f[k]);
    if (same) return t;
  }
  return NULL;
}

static bool total_known(const char *code, uint64_t size, const char *frontier, const char *const f[F_N],
                        uint64_t *total) {
  pthread_mutex_lock(&totals_mu);
  kept_total *t = total_find(code, size, frontier, f);
  if (t) *total = t->total;
  pthread_mutex_unlock(&totals_mu);
  return t != NULL;
}

/* Nothing kept when memory runs out: the next request counts again. */
static void total_keep(const char *code, uint64_t size, const char *frontier, const char *const f[F_N],
                       uint64_t total) {
  kept_total t = {{0}, size, strdup(frontier), {0}, total};
  bool ok = t.frontier != NULL && strlen(code) < sizeof t.code;
  snprintf(t.code, sizeof t.code, "%s", code);
  for (int k = 0; ok && k < F_N; k++) ok = !f[k] || (t.f[k] = strdup(f[k]));
  if (!ok) {
    total_free(&t);
    return;
  }
  pthread_mutex_lock(&totals_mu);
  kept_total *slot = total_find(code, size, frontier, f);
  if (!slot) slot = &totals[totals_next++ % TOTALS_KEPT];
  total_free(slot);
  *slot = t;
  pthread_mutex_unlock(&totals_mu);
}

typedef struct {
  const char *code;
  const char *q_low; /* the search in lower case when it has ASCII letters, else NULL */
  const ar_asset_page_ask *ask;
  uint64_t total;
  char **ids; /* the page's, own copies */
  size_t nids;
  uint64_t size;
  char *frontier;
} page;

typedef struct {
  uint32_t village, township, klass, status;
  const char *q; /* in lower case when fold */
  bool fold;     /* q has ASCII letters */
  bool any;      /* no filter */
} filter;

static bool holds(const uint32_t *ids, uint32_t n, uint32_t id) {
  for (uint32_t i = 0; i < n; i++)
    if (ids[i] == id) return true;
  return false;
}

/* The list's WHERE (state_reads.c q_list) over one asset's part. */
static bool matches(const filter *f, const ar_asset_part *a, const char *id) {
  if (f->village != AR_PART_NONE && !holds(a->villages, a->nv, f->village)) return false;
  if (f->township != AR_PART_NONE && a->township != f->township && !holds(a->towns, a->nt, f->township)) return false;
  if (f->klass != AR_PART_NONE && a->klass != f->klass) return false;
  if (f->status != AR_PART_NONE && a->status != f->status) return false;
  if (!f->q) return true;
  if (f->fold) return (a->name && folded_in(a->name, f->q)) || folded_in(id, f->q);
  return (a->name && strstr(a->name, f->q)) || strstr(id, f->q);
}

/* The id of a filter's value; *none when a value is asked for that no asset has. */
static uint32_t wanted(const ar_strtab *t, const char *v, bool *none) {
  if (!v) return AR_PART_NONE;
  uint32_t id = ar_strtab_find(t, v);
  if (id == AR_PART_NONE) *none = true;
  return id;
}

static int keep_id(page *pg, const char *id) {
  if (!(pg->ids[pg->nids] = strdup(id))) return -2;
  pg->nids++;
  return 0;
}

static int by_bytes(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A page of a filter that matches few, or deep in the list: a walk of the order would look up
 * most of the county's ids one by one; its matches sorted cost less. */
static int sorted_page(const ar_parts *p, const filter *f, page *pg) {
  const char **all = malloc(pg->total * sizeof *all);
  if (!all) return -2;
  size_t n = 0;
  for (size_t i = 0; i < p->assets.cap && n < pg->total; i++) {
    if (i + 16 < p->assets.cap) __builtin_prefetch(p->assets.slots[i + 16].val);
    const ar_asset_part *x = p->assets.slots[i].key ? p->assets.slots[i].val : NULL;
    if (x && matches(f, x, p->assets.slots[i].key)) all[n++] = p->assets.slots[i].key;
  }
  qsort(all, n, sizeof *all, by_bytes);
  int rc = 0;
  for (size_t i = pg->ask->from; rc == 0 && i < n && pg->nids < pg->ask->limit; i++) rc = keep_id(pg, all[i]);
  free(all);
  return rc;
}

static int scan_page(const ar_parts *p, uint64_t size, const char *frontier, void *ctx) {
  page *pg = ctx;
  const ar_asset_page_ask *a = pg->ask;
  bool none = false;
  filter f = {wanted(&p->places, a->village, &none), wanted(&p->places, a->township, &none),
              wanted(&p->labels, a->klass, &none), wanted(&p->labels, a->status, &none),
              pg->q_low ? pg->q_low : a->q, pg->q_low != NULL,
              !a->village && !a->township && !a->klass && !a->status && !a->q};
  if (f.fold && p->folds_into_ascii) return 1; /* the SQL answers (ar_summary_parts_read passes 1 on) */
  pg->size = size;
  if (!(pg->frontier = strdup(frontier)) || !(pg->ids = calloc(a->limit ? a->limit : 1, sizeof *pg->ids))) return -2;
  if (none) return 0;
  const char *fs[F_N] = {a->village, a->township, a->klass, a->status, a->q};
  if (!total_known(pg->code, size, frontier, fs, &pg->total)) {
    for (size_t i = 0; i < p->assets.cap; i++) {
      if (i + 16 < p->assets.cap) __builtin_prefetch(p->assets.slots[i + 16].val); /* the parts lie anywhere */
      const ar_asset_part *x = p->assets.slots[i].key ? p->assets.slots[i].val : NULL;
      if (x && matches(&f, x, p->assets.slots[i].key)) pg->total++;
    }
    total_keep(pg->code, size, frontier, fs, pg->total);
  }
  if (a->from >= pg->total) return 0;
  if (f.any && pg->total == p->norder) { /* nothing deleted: the page is a slice of the order */
    for (uint64_t i = a->from; i < p->norder && pg->nids < a->limit; i++)
      if (keep_id(pg, p->order[i])) return -2;
    return 0;
  }
  if ((a->from + a->limit) * 8 > pg->total) return sorted_page(p, &f, pg);
  uint64_t seen = 0; /* the filter matches many: a walk of the order finds the page soon */
  for (size_t i = 0; i < p->norder && pg->nids < a->limit; i++) {
    const ar_asset_part *x = ar_strmap_get(&p->assets, p->order[i]);
    if (!x || !matches(&f, x, p->order[i]) || seen++ < a->from) continue;
    if (keep_id(pg, p->order[i])) return -2;
  }
  return 0;
}

static void page_free(page *pg) {
  for (size_t i = 0; i < pg->nids; i++) free(pg->ids[i]);
  free(pg->ids);
  free(pg->frontier);
}

/* The page's documents, when the ledger is still at the parts' key. 0, 1 it moved, -1, -2. */
static int read_docs(db_conn *c, const char *code, const page *pg, const char *omit, PGresult **docs) {
  db_buf ids = {0};
  bool bad = ar_db_buf_add(&ids, "{", 1) != 0;
  for (size_t i = 0; !bad && i < pg->nids; i++)
    bad = (i && ar_db_buf_add(&ids, ",", 1)) || ar_db_buf_add_array_elem(&ids, pg->ids[i]);
  if (bad || ar_db_buf_add(&ids, "}", 1)) {
    ar_db_buf_free(&ids);
    return -2;
  }
  const char *params[3] = {code, ids.data, omit};
  PGresult *r = ar_db_run(c, &q_docs, 3, params, NULL);
  ar_db_buf_free(&ids);
  if (!r) return -1;
  unsigned long long size = 0;
  int rows = PQntuples(r);
  bool same = rows >= 1 && !ar_db_u64(PQgetvalue(r, 0, 0), &size) && size == pg->size &&
              strcmp(PQgetvalue(r, 0, 1), pg->frontier) == 0 && (size_t)rows == (pg->nids ? pg->nids : 1);
  for (int i = 0; same && pg->nids && i < rows; i++) same = !PQgetisnull(r, i, AR_ASSET_PAGE_DOC);
  if (!same) {
    PQclear(r);
    return 1;
  }
  *docs = r;
  return 0;
}

/* ---- the totals follow the parts' changes (summary_parts.h ar_parts_watch) ---------------- */

typedef struct {
  char *f[F_N];
  char *low; /* f[F_Q] in lower case when it has ASCII letters */
  uint64_t total;
  int64_t delta;
  bool dead; /* cannot follow: dropped at the end */
} moving;

typedef struct {
  moving m[TOTALS_KEPT];
  unsigned n;
} movings;

static void *watch_begin(const char *code, uint64_t size, const char *frontier) {
  movings *ms = calloc(1, sizeof *ms);
  if (!ms) return NULL;
  pthread_mutex_lock(&totals_mu);
  for (unsigned i = 0; i < TOTALS_KEPT; i++) {
    const kept_total *t = &totals[i];
    if (!t->frontier || t->size != size || strcmp(t->code, code) != 0 || strcmp(t->frontier, frontier) != 0) continue;
    moving *m = &ms->m[ms->n++];
    m->total = t->total;
    for (int k = 0; k < F_N; k++)
      if (t->f[k] && !(m->f[k] = strdup(t->f[k]))) m->dead = true;
    if (m->f[F_Q] && search_kind(m->f[F_Q]) == Q_ASCII_LETTERS && (m->low = strdup(m->f[F_Q])))
      for (char *c = m->low; *c; c++) *c = ascii_lower(*c);
    if (m->f[F_Q] && search_kind(m->f[F_Q]) == Q_ASCII_LETTERS && !m->low) m->dead = true;
  }
  pthread_mutex_unlock(&totals_mu);
  return ms;
}

static void watch_change(void *ctx, const ar_parts *p, const char *id, const ar_asset_part *part, int sign) {
  movings *ms = ctx;
  for (unsigned i = 0; ms && i < ms->n; i++) {
    moving *m = &ms->m[i];
    if (m->dead) continue;
    bool none = false;
    filter f = {wanted(&p->places, m->f[F_VILLAGE], &none), wanted(&p->places, m->f[F_TOWNSHIP], &none),
                wanted(&p->labels, m->f[F_CLASS], &none), wanted(&p->labels, m->f[F_STATUS], &none),
                m->low ? m->low : m->f[F_Q], m->low != NULL, false};
    if (f.fold && p->folds_into_ascii) m->dead = true; /* the SQL answers these now */
    else if (!none && matches(&f, part, id)) m->delta += sign;
  }
}

static void watch_end(void *ctx, const char *code, uint64_t size, const char *frontier, bool ok) {
  movings *ms = ctx;
  for (unsigned i = 0; ms && i < ms->n; i++) {
    moving *m = &ms->m[i];
    if (ok && !m->dead && (int64_t)m->total + m->delta >= 0)
      total_keep(code, size, frontier, (const char *const *)m->f, (uint64_t)((int64_t)m->total + m->delta));
    for (int k = 0; k < F_N; k++) free(m->f[k]);
    free(m->low);
  }
  free(ms);
}

static const ar_parts_watch totals_watch = {watch_begin, watch_change, watch_end};

int ar_asset_page(db_conn *c, const char *code, const ar_asset_page_ask *ask, PGresult **docs, uint64_t *total) {
  *docs = NULL;
  *total = 0;
  ar_summary_parts_watch(&totals_watch);
  int kind = ask->q ? search_kind(ask->q) : Q_CASELESS, loc = locale_of(c);
  if (kind == Q_SQL || (ask->klass && !*ask->klass) || (ask->status && !*ask->status)) return 1;
  if (!(loc & 1) || (kind == Q_ASCII_LETTERS && !(loc & 2))) return 1;
  char *low = kind == Q_ASCII_LETTERS ? strdup(ask->q) : NULL;
  if (kind == Q_ASCII_LETTERS && !low) return -2;
  for (char *s = low; s && *s; s++) *s = ascii_lower(*s);
  int rc = 0;
  bool moved = true;
  /* Twice: under a stream of appends the ledger may move between the parts and the documents. */
  for (int round = 0; moved && round < 2; round++) {
    page pg = {code, low, ask, 0, NULL, 0, 0, NULL};
    rc = ar_summary_parts_read(c, code, scan_page, &pg); /* store/summary_kept.c */
    moved = false;
    if (rc == 0) moved = (rc = read_docs(c, code, &pg, ask->omit, docs)) == 1;
    if (rc == 0) *total = pg.total;
    page_free(&pg);
  }
  free(low);
  return rc;
}
