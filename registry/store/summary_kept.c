/* The summaries' figures from each asset's and plan's part kept per ledger (summary_kept.h).
 * Summing every asset's shares out of its document took 0.7–1 s on a county of 100,000
 * assets, for figures that change only with an append. The parts are kept with the
 * ledger's size and frontier as read in the statement that read them; when the ledger has
 * grown, one statement reads the key again, the assets and plans written or deleted since
 * (the record each group commit writes, entity_change: sql/016; everything again when the
 * records do not reach back to the kept size) and the nodes of the old frontier (the
 * history below the kept size must be the one the parts were read from). A summary is then a scan
 * of the parts in memory: a few milliseconds at 100,000 assets. Amounts that are not whole
 * fen within int64 leave the answer to the SQL as before, and so does any failure here, so
 * the answers are byte for byte those of the SQL. */
#include "store/summary_kept.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"
#include "store/summary_parts.h"

__extension__ typedef __int128 fen128;
__extension__ typedef unsigned __int128 ufen128;

#define NONE AR_PART_NONE

/* ---- the SQL the parts replace: the answer when they cannot give it -------------------------- */

static db_stmt q_by_class = {
    "SELECT coalesce(class, ''), coalesce(status, ''), count(*) FROM entity "
    "WHERE ledger = $1 AND kind = 'asset' AND ($2::text IS NULL OR villages @> ARRAY[$2::text]) "
    "GROUP BY class, status ORDER BY 1, 2",
    0};
/* A village's figures are its shares of every asset it has a share in; the county's are
 * the sum over every share, which is exactly the sum over the assets. */
static db_stmt q_money = {
    "SELECT coalesce(sum((s->>'value_fen')::numeric), 0)::text, coalesce(sum((s->>'gross_fen')::numeric), 0)::text, "
    "coalesce(sum((s->>'net_fen')::numeric), 0)::text, coalesce(sum((s->>'allocated_fen')::numeric), 0)::text, "
    "coalesce(sum((s->>'unallocated_fen')::numeric), 0)::text "
    "FROM entity e CROSS JOIN LATERAL jsonb_array_elements(e.doc->'shares') s "
    "WHERE e.ledger = $1 AND e.kind = 'asset' AND ($2::text IS NULL OR (e.villages @> ARRAY[$2::text] AND "
    "s->>'village' = $2))",
    0};
static db_stmt q_paid = {
    "SELECT coalesce(sum((doc->>'paid_fen')::numeric), 0)::text FROM entity "
    "WHERE ledger = $1 AND kind = 'plan' AND ($2::text IS NULL OR village = $2)",
    0};
static db_stmt q_t_by_class = {
    "SELECT coalesce(class, ''), coalesce(status, ''), count(*) FROM entity "
    "WHERE ledger = $1 AND kind = 'asset' AND aidreg_townships(villages) @> ARRAY[$2::text] "
    "GROUP BY class, status ORDER BY 1, 2",
    0};
static db_stmt q_t_money = {
    "SELECT coalesce(sum((s->>'value_fen')::numeric), 0)::text, coalesce(sum((s->>'gross_fen')::numeric), 0)::text, "
    "coalesce(sum((s->>'net_fen')::numeric), 0)::text, coalesce(sum((s->>'allocated_fen')::numeric), 0)::text, "
    "coalesce(sum((s->>'unallocated_fen')::numeric), 0)::text "
    "FROM entity e CROSS JOIN LATERAL jsonb_array_elements(e.doc->'shares') s "
    "WHERE e.ledger = $1 AND e.kind = 'asset' AND left(s->>'village', 9) = $2",
    0};
static db_stmt q_t_paid = {
    "SELECT coalesce(sum((doc->>'paid_fen')::numeric), 0)::text FROM entity "
    "WHERE ledger = $1 AND kind = 'plan' AND left(village, 9) = $2",
    0};

/* ---- the statements of the parts ------------------------------------------------------------- */

static db_stmt q_key = {"SELECT size::text, coalesce(encode(frontier, 'hex'), '') FROM ledger WHERE code = $1", 0};
/* The columns of the rows of the parts: 'a' an asset, 's' one share of an asset, 'p' a plan. */
#define PART_ROWS(assets, plans)                                                                                     \
  "UNION ALL SELECT 'a', e.id, coalesce(e.class, ''), coalesce(e.status, ''), "                                       \
  "ARRAY(SELECT DISTINCT unnest(e.villages))::text, coalesce(aidreg_townships(e.villages), '{}')::text, "             \
  "e.township, e.name, NULL FROM " assets " WHERE e.ledger = $1 AND e.kind = 'asset' "                                        \
  "UNION ALL SELECT 's', e.id, s->>'village', left(s->>'village', 9), (s->>'value_fen')::numeric::text, "             \
  "(s->>'gross_fen')::numeric::text, (s->>'net_fen')::numeric::text, (s->>'allocated_fen')::numeric::text, "          \
  "(s->>'unallocated_fen')::numeric::text FROM " assets " CROSS JOIN LATERAL jsonb_array_elements(e.doc->'shares') s " \
  "WHERE e.ledger = $1 AND e.kind = 'asset' "                                                                         \
  "UNION ALL SELECT 'p', e.id, e.village, left(e.village, 9), (e.doc->>'paid_fen')::numeric::text, NULL, NULL, NULL, " \
  "NULL FROM " plans " WHERE e.ledger = $1 AND e.kind = 'plan'"
#define KEY_ROW "SELECT 'k', size::text, coalesce(encode(frontier, 'hex'), ''), NULL, NULL, NULL, NULL, NULL, NULL " \
                "FROM ledger WHERE code = $1 "
/* Every part, with 'k' the key. One statement: one snapshot. */
static db_stmt q_all = {KEY_ROW PART_ROWS("entity e", "entity e"), 0};
/* The parts changed since kept size $2 (the group commits' records, entity_change: sql/016),
 * with $3/$4 the (level, idx) of the kept frontier's nodes above the leaves and $5 the leaf
 * that is its node of level 0 (-1: none). Rows: 'k' the key; 'c' the records since $2: how
 * many, the first one's size before and the entries they cover (they answer only when they
 * reach from $2 to the size without a gap); 'f' a node; 'x' an asset and 'y' a plan written
 * or deleted since (its part goes: a deleted one has no row to read back); then their parts. */
static db_stmt q_since = {
    "WITH ch AS (SELECT size_before, size_after, assets, plans FROM entity_change "
    "WHERE ledger = $1 AND size_before >= $2::bigint), "
    "ca AS (SELECT DISTINCT unnest(assets) AS id FROM ch), cp AS (SELECT DISTINCT unnest(plans) AS id FROM ch) "
    KEY_ROW
    "UNION ALL SELECT 'c', count(*)::text, coalesce(min(size_before), -1)::text, "
    "coalesce(sum(size_after - size_before), 0)::text, NULL, NULL, NULL, NULL, NULL FROM ch "
    "UNION ALL SELECT 'f', n.level::text, encode(n.hash, 'hex'), NULL, NULL, NULL, NULL, NULL, NULL FROM tree_node n "
    "JOIN unnest($3::smallint[], $4::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx "
    "WHERE n.ledger = $1 "
    "UNION ALL SELECT 'f', '0', encode(l.leaf_hash, 'hex'), NULL, NULL, NULL, NULL, NULL, NULL FROM leaf l "
    "WHERE l.ledger = $1 AND l.idx = $5::bigint "
    "UNION ALL SELECT 'x', id, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM ca "
    "UNION ALL SELECT 'y', id, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM cp " PART_ROWS(
        "ca JOIN entity e ON e.id = ca.id", "cp JOIN entity e ON e.id = cp.id"),
    0};

/* ---- the parts (summary_parts.h) ------------------------------------------------------------- */

typedef ar_share_part share;
typedef ar_asset_part asset_part;
typedef ar_plan_part plan_part;
typedef ar_strtab strtab;
typedef ar_parts parts;

/* A summary's figures as scanned from the parts at seq: the next request for the same scope
 * and place copies them until the ledger moves (the scan of every part is most of its time). */
#define FIGURES_KEPT 16
typedef struct {
  bool used;
  char scope;
  char place[16];
  uint64_t seq;
  ar_summary_figures f;
} kept_figures;

typedef struct ledger_parts {
  char code[8];
  pthread_rwlock_t lock;  /* summaries scan under the read lock; the parts change under the write lock */
  pthread_mutex_t update; /* held by the one request bringing the parts up to date */
  bool have;              /* the parts are those of (size, frontier) */
  bool inexact;           /* an amount there is not whole fen within int64: the SQL answers */
  uint64_t size;
  char *frontier;
  uint64_t seq; /* counts the keys set: parts past a request's key are newer only if it moved */
  parts p;
  pthread_mutex_t places_mu; /* the places' counts made from the parts at places_seq, or NULL */
  json_t *places;
  uint64_t places_seq;
  kept_figures figs[FIGURES_KEPT]; /* the summaries scanned, under places_mu */
  unsigned figs_next;
  struct ledger_parts *next;
} ledger_parts;

static pthread_mutex_t list_mu = PTHREAD_MUTEX_INITIALIZER;
static ledger_parts *kept; /* one per ledger read, for the life of the process */

static void free_asset(void *v) {
  asset_part *a = v;
  if (!a) return;
  free(a->villages);
  free(a->towns);
  free(a->shares);
  free(a->name);
  free(a);
}

static void strtab_free(strtab *t) {
  for (size_t i = 0; i < t->n; i++) free(t->s[i]);
  free(t->s);
  ar_strmap_free(&t->ids, NULL);
  memset(t, 0, sizeof *t);
}

static void parts_free(parts *p) {
  for (size_t i = 0; i < p->norder; i++) free(p->order[i]);
  for (size_t i = 0; i < p->nfresh; i++) free(p->fresh[i]);
  free(p->order);
  free(p->fresh);
  p->order = p->fresh = NULL;
  p->norder = p->nfresh = p->capfresh = 0;
  p->folds_into_ascii = false;
  ar_strmap_free(&p->assets, free_asset);
  ar_strmap_free(&p->plans, free);
  strtab_free(&p->labels);
  strtab_free(&p->places);
}

static uint32_t strtab_find(const strtab *t, const char *s) { return ar_strtab_find(t, s); }

/* Room in *s (n used of *cap) for one more string. 0 or -1. */
static int room_for_one(char ***s, size_t n, size_t *cap) {
  if (n < *cap) return 0;
  size_t more_cap = *cap ? *cap * 2 : 64;
  char **more = realloc(*s, more_cap * sizeof *more);
  if (!more) return -1;
  *s = more;
  *cap = more_cap;
  return 0;
}

/* The id of s, added when new; NONE when out of memory. */
static uint32_t strtab_id(strtab *t, const char *s) {
  uint32_t id = strtab_find(t, s);
  if (id != NONE) return id;
  if (room_for_one(&t->s, t->n, &t->cap)) return NONE;
  char *copy = strdup(s);
  if (!copy || ar_strmap_put(&t->ids, copy, (void *)(uintptr_t)(t->n + 1))) {
    free(copy);
    return NONE;
  }
  t->s[t->n] = copy;
  return (uint32_t)t->n++;
}

static ledger_parts *parts_of(const char *code) {
  pthread_mutex_lock(&list_mu);
  ledger_parts *lp = kept;
  while (lp && strcmp(lp->code, code) != 0) lp = lp->next;
  if (!lp && strlen(code) < sizeof lp->code && (lp = calloc(1, sizeof *lp))) {
    snprintf(lp->code, sizeof lp->code, "%s", code);
    if (pthread_rwlock_init(&lp->lock, NULL)) {
      free(lp);
      lp = NULL;
    } else if (pthread_mutex_init(&lp->update, NULL)) {
      pthread_rwlock_destroy(&lp->lock);
      free(lp);
      lp = NULL;
    } else if (pthread_mutex_init(&lp->places_mu, NULL)) {
      pthread_mutex_destroy(&lp->update);
      pthread_rwlock_destroy(&lp->lock);
      free(lp);
      lp = NULL;
    } else {
      lp->next = kept;
      kept = lp;
    }
  }
  pthread_mutex_unlock(&list_mu);
  return lp;
}

/* ---- reading rows into parts ---------------------------------------------------------------- */

enum { ROWS_OK = 0, ROWS_OOM = -2, ROWS_INEXACT = 1 };

/* An amount as PostgreSQL's numeric text: 0 when a whole number within int64. */
static int fen_of(const char *s, int64_t *out) {
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end) return -1;
  *out = (int64_t)v;
  return 0;
}

/* The place ids of a text[] as PostgreSQL prints it ({a,b} with "quoted" elements when
 * they need it; NULL elements left out: no village matches them). *ids malloc'd. */
static int place_ids(strtab *places, const char *arr, uint32_t **ids, uint32_t *n) {
  size_t len = strlen(arr), cap = 4, k = 0;
  *n = 0;
  *ids = NULL;
  if (len < 2 || arr[0] != '{' || arr[len - 1] != '}') return ROWS_INEXACT;
  uint32_t *out = malloc(cap * sizeof *out);
  char *one = malloc(len + 1);
  int rc = out && one ? ROWS_OK : ROWS_OOM;
  const char *s = arr + 1, *end = arr + len - 1;
  while (rc == ROWS_OK && s < end) {
    size_t m = 0;
    bool quoted = *s == '"';
    if (quoted) {
      for (s++; s < end && *s != '"'; s++) {
        if (*s == '\\' && s + 1 < end) s++;
        one[m++] = *s;
      }
      if (s >= end) {
        rc = ROWS_INEXACT;
        break;
      }
      s++;
    } else {
      while (s < end && *s != ',') one[m++] = *s++;
    }
    one[m] = '\0';
    if (s < end && *s == ',') s++;
    if (!quoted && strcmp(one, "NULL") == 0) continue;
    uint32_t id = strtab_id(places, one);
    if (id == NONE || (k == cap && !(out = realloc(out, (cap *= 2) * sizeof *out)))) {
      rc = ROWS_OOM;
      break;
    }
    out[k++] = id;
  }
  free(one);
  if (rc != ROWS_OK) {
    free(out);
    return rc;
  }
  *ids = out;
  *n = (uint32_t)k;
  return ROWS_OK;
}

static uint32_t place_or_none(strtab *places, PGresult *r, int i, int col, bool *oom) {
  if (PQgetisnull(r, i, col)) return NONE;
  uint32_t id = strtab_id(places, PQgetvalue(r, i, col));
  if (id == NONE) *oom = true;
  return id;
}

/* part under id in map, the one it replaces freed; when rc (the reading of the part) is not
 * ROWS_OK, or the map cannot take it, part is freed instead and map left as it was. */
static int put_part(strmap *map, const char *id, void *part, int rc, void (*free_part)(void *)) {
  void *old = ar_strmap_get(map, id);
  if (rc == ROWS_OK && ar_strmap_put(map, id, part)) rc = ROWS_OOM;
  free_part(rc == ROWS_OK ? old : part);
  return rc;
}

/* An asset id new to p->assets, for the order (merged in by order_fresh). */
static int add_fresh(parts *p, const char *id) {
  if (room_for_one(&p->fresh, p->nfresh, &p->capfresh)) return ROWS_OOM;
  if (!(p->fresh[p->nfresh] = strdup(id))) return ROWS_OOM;
  p->nfresh++;
  return ROWS_OK;
}

static bool folds_into_ascii(const char *s) { return s && (strstr(s, "\xC4\xB0") || strstr(s, "\xE2\x84\xAA")); }

static int asset_row(parts *p, PGresult *r, int i) {
  asset_part *a = calloc(1, sizeof *a);
  if (!a) return ROWS_OOM;
  bool oom = false;
  a->klass = strtab_id(&p->labels, PQgetvalue(r, i, 2));
  a->status = strtab_id(&p->labels, PQgetvalue(r, i, 3));
  a->township = place_or_none(&p->places, r, i, 6, &oom);
  if (!PQgetisnull(r, i, 7) && !(a->name = strdup(PQgetvalue(r, i, 7)))) oom = true;
  int rc = oom || a->klass == NONE || a->status == NONE ? ROWS_OOM : ROWS_OK;
  if (folds_into_ascii(a->name) || folds_into_ascii(PQgetvalue(r, i, 1))) p->folds_into_ascii = true;
  if (rc == ROWS_OK) rc = place_ids(&p->places, PQgetvalue(r, i, 4), &a->villages, &a->nv);
  if (rc == ROWS_OK) rc = place_ids(&p->places, PQgetvalue(r, i, 5), &a->towns, &a->nt);
  size_t had = p->assets.len; /* a key, once in the map, stays (drop_part) */
  rc = put_part(&p->assets, PQgetvalue(r, i, 1), a, rc, free_asset);
  return rc == ROWS_OK && p->assets.len > had ? add_fresh(p, PQgetvalue(r, i, 1)) : rc;
}

static int share_row(parts *p, PGresult *r, int i) {
  asset_part *a = ar_strmap_get(&p->assets, PQgetvalue(r, i, 1));
  if (!a) return ROWS_INEXACT; /* a share without its asset's row in the same statement */
  share s = {0};
  bool oom = false;
  s.village = place_or_none(&p->places, r, i, 2, &oom);
  s.town = place_or_none(&p->places, r, i, 3, &oom);
  if (oom) return ROWS_OOM;
  for (int k = 0; k < 5; k++) {
    if (PQgetisnull(r, i, 4 + k)) continue;
    if (fen_of(PQgetvalue(r, i, 4 + k), &s.v[k])) return ROWS_INEXACT;
    s.has |= (uint8_t)(1u << k);
  }
  share *more = realloc(a->shares, (a->ns + 1) * sizeof *more);
  if (!more) return ROWS_OOM;
  a->shares = more;
  a->shares[a->ns++] = s;
  return ROWS_OK;
}

static int plan_row(parts *p, PGresult *r, int i) {
  plan_part *pl = calloc(1, sizeof *pl);
  if (!pl) return ROWS_OOM;
  bool oom = false;
  pl->village = place_or_none(&p->places, r, i, 2, &oom);
  pl->town = place_or_none(&p->places, r, i, 3, &oom);
  int rc = oom ? ROWS_OOM : ROWS_OK;
  if (rc == ROWS_OK && !PQgetisnull(r, i, 4)) {
    pl->has = true;
    if (fen_of(PQgetvalue(r, i, 4), &pl->paid)) rc = ROWS_INEXACT;
  }
  return put_part(&p->plans, PQgetvalue(r, i, 1), pl, rc, free);
}

/* The part under id in map gone (NULL: the map cannot delete a key; scans skip it). */
static int drop_part(strmap *map, const char *id, void (*free_part)(void *)) {
  void *old = ar_strmap_get(map, id);
  if (!old) return ROWS_OK;
  if (ar_strmap_put(map, id, NULL)) return ROWS_OOM; /* it may grow first: old stays in it */
  free_part(old);
  return ROWS_OK;
}

static int by_bytes(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The fresh keys merged into the order: sorted (a few after an append), then one pass. */
static int order_fresh(parts *p) {
  if (!p->nfresh) return ROWS_OK;
  qsort(p->fresh, p->nfresh, sizeof *p->fresh, by_bytes);
  char **all = malloc((p->norder + p->nfresh) * sizeof *all);
  if (!all) return ROWS_OOM;
  size_t i = 0, j = 0, k = 0;
  while (i < p->norder || j < p->nfresh)
    all[k++] = j == p->nfresh || (i < p->norder && strcmp(p->order[i], p->fresh[j]) < 0) ? p->order[i++] : p->fresh[j++];
  free(p->order);
  p->order = all;
  p->norder = k;
  p->nfresh = 0;
  return ROWS_OK;
}

static const ar_parts_watch *watch; /* summary_parts.h */

void ar_summary_parts_watch(const ar_parts_watch *w) { __atomic_store_n(&watch, w, __ATOMIC_RELEASE); }

/* The assets of r's 'x' rows as they are in p, to w (sign -1 before the reading, +1 after). */
static void tell(const ar_parts_watch *w, void *ctx, const parts *p, PGresult *r, int sign) {
  for (int i = 0; w && i < PQntuples(r); i++) {
    const asset_part *a = *PQgetvalue(r, i, 0) == 'x' ? ar_strmap_get(&p->assets, PQgetvalue(r, i, 1)) : NULL;
    if (a) w->change(ctx, p, PQgetvalue(r, i, 1), a, sign);
  }
}

/* The 'x' and 'y' rows of r (the assets and plans changed) out of p, then the 'a', 's' and
 * 'p' rows into it (an asset's shares follow its own row). */
static int read_rows(parts *p, PGresult *r) {
  int rc = ROWS_OK;
  for (int i = 0; rc == ROWS_OK && i < PQntuples(r); i++) {
    char tag = *PQgetvalue(r, i, 0);
    if (tag == 'x') rc = drop_part(&p->assets, PQgetvalue(r, i, 1), free_asset);
    else if (tag == 'y') rc = drop_part(&p->plans, PQgetvalue(r, i, 1), free);
  }
  for (int i = 0; rc == ROWS_OK && i < PQntuples(r); i++)
    if (*PQgetvalue(r, i, 0) == 'a') rc = asset_row(p, r, i);
  for (int i = 0; rc == ROWS_OK && i < PQntuples(r); i++)
    if (*PQgetvalue(r, i, 0) == 's') rc = share_row(p, r, i);
  for (int i = 0; rc == ROWS_OK && i < PQntuples(r); i++)
    if (*PQgetvalue(r, i, 0) == 'p') rc = plan_row(p, r, i);
  return rc == ROWS_OK ? order_fresh(p) : rc;
}

/* ---- bringing the parts up to date ----------------------------------------------------------- */

static int row_of(PGresult *r, char tag) {
  for (int i = 0; i < PQntuples(r); i++)
    if (*PQgetvalue(r, i, 0) == tag) return i;
  return -1;
}

/* q_all (m 0), or q_since kept size m with the nodes of its frontier. NULL when the database fails. */
static PGresult *run_parts(db_conn *c, const char *code, uint64_t m) {
  if (m == 0) {
    const char *params[1] = {code};
    return ar_db_run_planned(c, &q_all, 1, params, NULL);
  }
  char lv[64 * 4 + 3] = "{", ix[64 * 21 + 3] = "{", from[24], leaf[24] = "-1";
  size_t nl = 1, ni = 1;
  for (unsigned k = 1; k < 64; k++) {
    if (!(m >> k & 1)) continue;
    nl += (size_t)snprintf(lv + nl, sizeof lv - nl, "%s%u", nl > 1 ? "," : "", k);
    ni += (size_t)snprintf(ix + ni, sizeof ix - ni, "%s%" PRIu64, ni > 1 ? "," : "", (m >> k) - 1);
  }
  snprintf(lv + nl, sizeof lv - nl, "}");
  snprintf(ix + ni, sizeof ix - ni, "}");
  if (m & 1) snprintf(leaf, sizeof leaf, "%" PRIu64, m - 1);
  snprintf(from, sizeof from, "%" PRIu64, m);
  const char *params[5] = {code, from, lv, ix, leaf};
  return ar_db_run_planned(c, &q_since, 5, params, NULL);
}

/* Whether r's 'f' rows are the frontier hex of size m (in the ledger row's order: level 0 up). */
static bool same_frontier(PGresult *r, uint64_t m, const char *frontier) {
  const char *by_level[64] = {0};
  for (int i = 0; i < PQntuples(r); i++) {
    if (*PQgetvalue(r, i, 0) != 'f') continue;
    unsigned long long level;
    if (ar_db_u64(PQgetvalue(r, i, 1), &level) || level > 63) return false;
    by_level[level] = PQgetvalue(r, i, 2);
  }
  const char *f = frontier;
  for (unsigned k = 0; k < 64; k++) {
    if (!(m >> k & 1)) continue;
    if (!by_level[k] || strlen(by_level[k]) != 64 || strncmp(f, by_level[k], 64) != 0) return false;
    f += 64;
  }
  return *f == '\0';
}

/* Sets lp's key from r's 'k' row (under the write lock). -2 out of memory. */
static int set_key(ledger_parts *lp, PGresult *r, int k) {
  unsigned long long size;
  char *f = strdup(PQgetvalue(r, k, 2));
  if (!f || ar_db_u64(PQgetvalue(r, k, 1), &size)) {
    free(f);
    return ROWS_OOM;
  }
  free(lp->frontier);
  lp->frontier = f;
  lp->size = size;
  lp->seq++;
  return ROWS_OK;
}

/* Every part read again. Under lp->update. */
static int read_all(db_conn *c, ledger_parts *lp, const char *code) {
  PGresult *r = run_parts(c, code, 0);
  int k = r ? row_of(r, 'k') : -1;
  if (k < 0) {
    PQclear(r);
    return -1;
  }
  parts fresh = {0};
  int rc = read_rows(&fresh, r);
  pthread_rwlock_wrlock(&lp->lock);
  parts old = lp->p;
  lp->p = rc == ROWS_OK ? fresh : (parts){0};
  lp->have = rc != ROWS_OOM;
  lp->inexact = rc == ROWS_INEXACT;
  if (lp->have && set_key(lp, r, k)) lp->have = false;
  pthread_rwlock_unlock(&lp->lock);
  if (rc != ROWS_OK) parts_free(&fresh);
  parts_free(&old);
  PQclear(r);
  return rc;
}

/* Whether the records of r's 'c' row cover the commits from kept size m to size: none when
 * the size is the same, else a first one from m and no gap (the writer prunes those far
 * behind; a database restored or written by hand may lack some). */
static bool covered(PGresult *r, int c, uint64_t m, uint64_t size) {
  unsigned long long n = 0, covers = 0;
  if (ar_db_u64(PQgetvalue(r, c, 1), &n) || ar_db_u64(PQgetvalue(r, c, 3), &covers)) return false;
  if (size == m) return n == 0;
  return n > 0 && strtoll(PQgetvalue(r, c, 2), NULL, 10) == (long long)m && covers == size - m;
}

/* The parts brought to the ledger as it is now (or later). Under lp->update, the only
 * writer: it reads lp without the lock. 0, 1 inexact (the SQL answers), -1, -2. */
static int refresh(db_conn *c, ledger_parts *lp, const char *code) {
  if (!lp->have || lp->inexact || lp->size == 0) return read_all(c, lp, code);
  PGresult *r = run_parts(c, code, lp->size);
  int k = r ? row_of(r, 'k') : -1, n = r ? row_of(r, 'c') : -1;
  if (k < 0 || n < 0) {
    PQclear(r);
    return -1;
  }
  unsigned long long size = 0;
  bool ok = !ar_db_u64(PQgetvalue(r, k, 1), &size) && size >= lp->size && same_frontier(r, lp->size, lp->frontier) &&
            covered(r, n, lp->size, size);
  if (ok && size == lp->size && strcmp(PQgetvalue(r, k, 2), lp->frontier) != 0) ok = false;
  if (!ok) { /* another history, or changes not recorded: everything again */
    PQclear(r);
    return read_all(c, lp, code);
  }
  pthread_rwlock_wrlock(&lp->lock);
  const ar_parts_watch *w = __atomic_load_n(&watch, __ATOMIC_ACQUIRE);
  void *ctx = w ? w->begin(code, lp->size, lp->frontier) : NULL;
  tell(w, ctx, &lp->p, r, -1);
  int rc = read_rows(&lp->p, r);
  if (rc == ROWS_OK) tell(w, ctx, &lp->p, r, +1);
  if (rc == ROWS_OK) rc = set_key(lp, r, k);
  if (w) w->end(ctx, code, lp->size, lp->frontier, rc == ROWS_OK);
  if (rc != ROWS_OK) { /* half applied: read again next time */
    lp->have = false;
    parts_free(&lp->p);
  }
  pthread_rwlock_unlock(&lp->lock);
  PQclear(r);
  return rc == ROWS_OK ? 0 : rc == ROWS_INEXACT ? read_all(c, lp, code) : rc;
}

/* ---- a summary from the parts ---------------------------------------------------------------- */

static bool holds(const uint32_t *ids, uint32_t n, uint32_t id) {
  for (uint32_t i = 0; i < n; i++)
    if (ids[i] == id) return true;
  return false;
}

static void decimal(fen128 v, char out[48]) {
  char tmp[48];
  int n = 0;
  ufen128 u = v < 0 ? -(ufen128)v : (ufen128)v;
  do {
    tmp[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  int o = 0;
  if (v < 0) out[o++] = '-';
  while (n) out[o++] = tmp[--n];
  out[o] = '\0';
}

static int by_label(const void *a, const void *b, void *tab) {
  const strtab *t = tab;
  return strcmp(t->s[*(const uint32_t *)a], t->s[*(const uint32_t *)b]);
}

/* order[] = the label ids in the order of the SQL's ORDER BY under the cluster's C.UTF-8
 * collation: code points, which is strcmp's order of UTF-8. */
static void label_order(const strtab *labels, uint32_t *order) {
  for (size_t i = 0; i < labels->n; i++) order[i] = (uint32_t)i;
  qsort_r(order, labels->n, sizeof *order, by_label, (void *)labels);
}

/* The figures of scope/place from p (under the read lock). 0 or -2. */
static int scan(const parts *p, char scope, const char *place, ar_summary_figures *f) {
  uint32_t pid = place ? strtab_find(&p->places, place) : NONE;
  size_t nl = p->labels.n;
  long long *counts = calloc(nl ? nl * nl : 1, sizeof *counts);
  uint32_t *order = malloc((nl ? nl : 1) * sizeof *order);
  if (!counts || !order) {
    free(counts);
    free(order);
    return ROWS_OOM;
  }
  fen128 sums[AR_SUMS] = {0};
  for (size_t i = 0; i < p->assets.cap; i++) {
    if (i + 16 < p->assets.cap) __builtin_prefetch(p->assets.slots[i + 16].val); /* the parts lie anywhere */
    const asset_part *a = p->assets.slots[i].key ? p->assets.slots[i].val : NULL;
    if (!a) continue;
    bool in = scope == 'c' || (pid != NONE && (scope == 'v' ? holds(a->villages, a->nv, pid) : holds(a->towns, a->nt, pid)));
    if (in) counts[(size_t)a->klass * nl + a->status]++;
    for (uint32_t s = 0; s < a->ns; s++) {
      const share *sh = &a->shares[s];
      bool mine = scope == 'c' || (scope == 'v' ? in && sh->village == pid : pid != NONE && sh->town == pid);
      for (int k = 0; mine && k < 5; k++)
        if (sh->has >> k & 1) sums[k] += sh->v[k];
    }
  }
  for (size_t i = 0; i < p->plans.cap; i++) {
    const plan_part *pl = p->plans.slots[i].key ? p->plans.slots[i].val : NULL;
    if (pl && pl->has && (scope == 'c' || (pid != NONE && (scope == 'v' ? pl->village : pl->town) == pid)))
      sums[AR_SUM_PAID] += pl->paid;
  }
  for (int k = 0; k < AR_SUMS; k++) decimal(sums[k], f->sums[k]);
  label_order(&p->labels, order);
  size_t np = 0;
  for (size_t i = 0; i < nl * nl; i++) np += counts[i] > 0;
  int rc = ROWS_OK;
  if (np && !(f->pairs = calloc(np, sizeof *f->pairs))) rc = ROWS_OOM;
  for (size_t ci = 0; rc == ROWS_OK && ci < nl; ci++)
    for (size_t si = 0; rc == ROWS_OK && si < nl; si++) {
      long long n = counts[(size_t)order[ci] * nl + order[si]];
      if (n <= 0) continue;
      ar_summary_pair *pr = &f->pairs[f->npairs++];
      pr->n = n;
      if (!(pr->klass = strdup(p->labels.s[order[ci]])) || !(pr->status = strdup(p->labels.s[order[si]]))) rc = ROWS_OOM;
    }
  free(counts);
  free(order);
  return rc;
}

/* counts[place] = {"total", "by_class", "by_status"} (place_counts.h) from p. 0 or -2. */
static int count_places(const parts *p, json_t **out) {
  size_t nl = p->labels.n, np = p->places.n, cell = nl * nl;
  long long *counts = calloc(np && cell ? np * cell : 1, sizeof *counts);
  uint32_t *order = malloc((nl ? nl : 1) * sizeof *order);
  json_t *all = json_object();
  int rc = counts && order && all ? ROWS_OK : ROWS_OOM;
  for (size_t i = 0; rc == ROWS_OK && i < p->assets.cap; i++) {
    const asset_part *a = p->assets.slots[i].key ? p->assets.slots[i].val : NULL;
    if (!a) continue;
    size_t at = (size_t)a->klass * nl + a->status;
    for (uint32_t v = 0; v < a->nv; v++) counts[a->villages[v] * cell + at]++;
    for (uint32_t t = 0; t < a->nt; t++) counts[a->towns[t] * cell + at]++;
  }
  if (rc == ROWS_OK) label_order(&p->labels, order);
  for (size_t pl = 0; rc == ROWS_OK && pl < np; pl++) {
    const long long *c = counts + pl * cell;
    json_t *one = NULL, *by_class = NULL, *by_status = NULL;
    json_int_t total = 0;
    for (size_t ci = 0; rc == ROWS_OK && ci < nl; ci++)
      for (size_t si = 0; rc == ROWS_OK && si < nl; si++) {
        long long n = c[(size_t)order[ci] * nl + order[si]];
        if (n <= 0) continue;
        if (!one && (!(one = json_pack("{s:i, s:{}, s:{}}", "total", 0, "by_class", "by_status")) ||
                     json_object_set_new(all, p->places.s[pl], one))) {
          rc = ROWS_OOM;
          break;
        }
        by_class = json_object_get(one, "by_class");
        by_status = json_object_get(one, "by_status");
        const char *k = p->labels.s[order[ci]], *st = p->labels.s[order[si]];
        total += n;
        if (json_object_set_new(by_class, k, json_integer(json_integer_value(json_object_get(by_class, k)) + n)) ||
            json_object_set_new(by_status, st, json_integer(json_integer_value(json_object_get(by_status, st)) + n)) ||
            json_object_set_new(one, "total", json_integer(total)))
          rc = ROWS_OOM;
      }
  }
  free(counts);
  free(order);
  if (rc != ROWS_OK) {
    json_decref(all);
    return rc;
  }
  *out = all;
  return ROWS_OK;
}

typedef struct {
  ledger_parts *lp;
  json_t **out;
} places_ask;

/* The places' counts, made once per state of the parts (a copy of those made). Under lp->lock. */
static int scan_places(const parts *p, uint64_t size, const char *frontier, void *ctx) {
  (void)size;
  (void)frontier;
  places_ask *a = ctx;
  ledger_parts *lp = a->lp;
  int rc = ROWS_OK;
  pthread_mutex_lock(&lp->places_mu);
  if (!lp->places || lp->places_seq != lp->seq) {
    json_decref(lp->places);
    lp->places = NULL;
    if ((rc = count_places(p, &lp->places)) == ROWS_OK) lp->places_seq = lp->seq;
  }
  if (rc == ROWS_OK && !(*a->out = json_deep_copy(lp->places))) rc = ROWS_OOM;
  pthread_mutex_unlock(&lp->places_mu);
  return rc;
}

/* Whether lp's parts answer for the key (size, frontier) read after lp->seq was seq0: the
 * same key, or a later one set since (a ledger only grows; parts past the key that nothing
 * set since are of another database). Under lp->lock. */
static bool current(const ledger_parts *lp, uint64_t size, const char *frontier, uint64_t seq0) {
  if (!lp->have) return false;
  return (lp->size == size && strcmp(lp->frontier, frontier) == 0) || (lp->size > size && lp->seq != seq0);
}

typedef ar_parts_fn scan_fn;

/* 0 fn answered from the parts; 1 the SQL must answer; -1, -2. */
static int from_parts(db_conn *c, ledger_parts *lp, const char *code, scan_fn fn, void *ctx) {
  pthread_rwlock_rdlock(&lp->lock);
  uint64_t seq0 = lp->seq;
  pthread_rwlock_unlock(&lp->lock);
  const char *params[1] = {code};
  PGresult *key = ar_db_run(c, &q_key, 1, params, NULL);
  if (!key || PQntuples(key) != 1) {
    PQclear(key);
    return -1;
  }
  unsigned long long size = 0;
  ar_db_u64(PQgetvalue(key, 0, 0), &size);
  const char *frontier = PQgetvalue(key, 0, 1);
  int rc = 2; /* not answered yet */
  for (int round = 0; rc == 2 && round < 2; round++) {
    pthread_rwlock_rdlock(&lp->lock);
    if (current(lp, size, frontier, seq0)) rc = lp->inexact ? 1 : fn(&lp->p, lp->size, lp->frontier, ctx);
    pthread_rwlock_unlock(&lp->lock);
    if (rc != 2 || round == 1) break;
    pthread_mutex_lock(&lp->update);
    pthread_rwlock_rdlock(&lp->lock);
    bool now = current(lp, size, frontier, seq0); /* another request may have just done it */
    pthread_rwlock_unlock(&lp->lock);
    int got = now ? 0 : refresh(c, lp, code);
    pthread_mutex_unlock(&lp->update);
    /* 1: an amount the parts cannot hold; -1: the parts' statement failed, which the
     * SQL's own statements may not (a damaged row outside the village asked for). */
    if (got == ROWS_OOM) rc = ROWS_OOM;
    else if (got != 0) rc = 1;
  }
  PQclear(key);
  return rc == 2 ? 1 : rc; /* 2: the parts could not be read: the SQL answers */
}

typedef struct {
  ledger_parts *lp;
  char scope;
  const char *place;
  ar_summary_figures *f;
} summary_ask;

/* *dst = a copy of src. 0 or -2 (dst then half made: free it). */
static int figures_copy(ar_summary_figures *dst, const ar_summary_figures *src) {
  memcpy(dst->sums, src->sums, sizeof dst->sums);
  if (src->npairs && !(dst->pairs = calloc(src->npairs, sizeof *dst->pairs))) return ROWS_OOM;
  for (size_t i = 0; i < src->npairs; i++) {
    ar_summary_pair *d = &dst->pairs[dst->npairs++];
    d->n = src->pairs[i].n;
    if (!(d->klass = strdup(src->pairs[i].klass)) || !(d->status = strdup(src->pairs[i].status))) return ROWS_OOM;
  }
  return ROWS_OK;
}

static kept_figures *figures_of(ledger_parts *lp, char scope, const char *place) {
  for (unsigned i = 0; i < FIGURES_KEPT; i++) {
    kept_figures *k = &lp->figs[i];
    if (k->used && k->seq == lp->seq && k->scope == scope && strcmp(k->place, place ? place : "") == 0) return k;
  }
  return NULL;
}

/* Under lp->lock: lp->seq is the parts' state. */
static int scan_summary(const parts *p, uint64_t size, const char *frontier, void *ctx) {
  (void)size;
  (void)frontier;
  const summary_ask *a = ctx;
  ledger_parts *lp = a->lp;
  pthread_mutex_lock(&lp->places_mu);
  kept_figures *k = figures_of(lp, a->scope, a->place);
  int rc = k ? figures_copy(a->f, &k->f) : ROWS_OK;
  pthread_mutex_unlock(&lp->places_mu);
  if (k) return rc;
  if ((rc = scan(p, a->scope, a->place, a->f)) != ROWS_OK || (a->place && strlen(a->place) >= sizeof k->place))
    return rc;
  ar_summary_figures copy = {0};
  if (figures_copy(&copy, a->f) != ROWS_OK) {
    ar_summary_figures_free(&copy);
    return ROWS_OK; /* not kept: the next request scans again */
  }
  pthread_mutex_lock(&lp->places_mu);
  k = &lp->figs[lp->figs_next++ % FIGURES_KEPT];
  ar_summary_figures_free(&k->f);
  *k = (kept_figures){true, a->scope, "", lp->seq, copy};
  snprintf(k->place, sizeof k->place, "%s", a->place ? a->place : "");
  pthread_mutex_unlock(&lp->places_mu);
  return ROWS_OK;
}

/* ---- the figures from the SQL ---------------------------------------------------------------- */

/* A numeric's text into a sum slot; one too long for it is beyond int64 anyway, and stays so. */
static void keep_sum(char out[48], const char *numeric) {
  if (strlen(numeric) < 48) snprintf(out, 48, "%s", numeric);
  else snprintf(out, 48, "%s99999999999999999999", numeric[0] == '-' ? "-" : "");
}

static int from_sql(db_conn *c, const char *code, char scope, const char *place, ar_summary_figures *f) {
  const char *params[2] = {code, place};
  bool town = scope == 't';
  PGresult *a = NULL, *m = NULL, *pd = NULL;
  int rc = -1;
  if (town ? !(a = ar_db_run(c, &q_t_by_class, 2, params, NULL)) || !(m = ar_db_run(c, &q_t_money, 2, params, NULL)) ||
                 !(pd = ar_db_run(c, &q_t_paid, 2, params, NULL))
           : !(a = ar_db_run_planned(c, &q_by_class, 2, params, NULL)) ||
                 !(m = ar_db_run_planned(c, &q_money, 2, params, NULL)) ||
                 !(pd = ar_db_run_planned(c, &q_paid, 2, params, NULL)))
    goto out;
  if (PQntuples(m) != 1 || PQntuples(pd) != 1) goto out;
  rc = ROWS_OOM;
  if (PQntuples(a) && !(f->pairs = calloc((size_t)PQntuples(a), sizeof *f->pairs))) goto out;
  for (int i = 0; i < PQntuples(a); i++) {
    ar_summary_pair *pr = &f->pairs[f->npairs++];
    pr->n = strtoll(PQgetvalue(a, i, 2), NULL, 10);
    if (!(pr->klass = strdup(PQgetvalue(a, i, 0))) || !(pr->status = strdup(PQgetvalue(a, i, 1)))) goto out;
  }
  for (int k = 0; k < 5; k++) keep_sum(f->sums[k], PQgetvalue(m, 0, k));
  keep_sum(f->sums[AR_SUM_PAID], PQgetvalue(pd, 0, 0));
  rc = 0;
out:
  PQclear(a);
  PQclear(m);
  PQclear(pd);
  return rc;
}

/* ---- the entry point ------------------------------------------------------------------------- */

void ar_summary_figures_free(ar_summary_figures *f) {
  for (size_t i = 0; i < f->npairs; i++) {
    free(f->pairs[i].klass);
    free(f->pairs[i].status);
  }
  free(f->pairs);
  memset(f, 0, sizeof *f);
}

long long ar_summary_assets(const ar_summary_figures *f, json_t **by_class, json_t **by_status) {
  *by_class = json_object();
  *by_status = json_object();
  long long total = 0;
  for (size_t i = 0; *by_class && *by_status && i < f->npairs; i++) {
    json_int_t n = (json_int_t)f->pairs[i].n;
    const char *k = f->pairs[i].klass, *s = f->pairs[i].status;
    json_object_set_new(*by_class, k, json_integer(json_integer_value(json_object_get(*by_class, k)) + n));
    json_object_set_new(*by_status, s, json_integer(json_integer_value(json_object_get(*by_status, s)) + n));
    total += n;
  }
  return total;
}

int ar_summary_place_counts(db_conn *c, const char *code, json_t **counts) {
  *counts = NULL;
  ledger_parts *lp = parts_of(code);
  places_ask ask = {lp, counts};
  int rc = lp ? from_parts(c, lp, code, scan_places, &ask) : 1;
  if (rc) {
    json_decref(*counts);
    *counts = NULL;
  }
  return rc;
}

int ar_summary_figures_get(db_conn *c, const char *code, char scope, const char *place, ar_summary_figures *f) {
  memset(f, 0, sizeof *f);
  ledger_parts *lp = parts_of(code);
  summary_ask ask = {lp, scope, place, f};
  int rc = lp ? from_parts(c, lp, code, scan_summary, &ask) : 1;
  if (rc != 1) return rc;
  ar_summary_figures_free(f);
  rc = from_sql(c, code, scope, place, f);
  if (rc) ar_summary_figures_free(f);
  return rc;
}

int ar_summary_parts_read(db_conn *c, const char *code, ar_parts_fn fn, void *ctx) {
  ledger_parts *lp = parts_of(code);
  return lp ? from_parts(c, lp, code, fn, ctx) : 1;
}
