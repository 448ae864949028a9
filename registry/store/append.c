/* Group commit: one transaction sequences a whole batch of submissions into a ledger.
 *
 * The ledger row is locked FOR UPDATE, so appenders in several processes serialise
 * in the database. Everything the checks need is read with a handful of set-based
 * queries up front (frontier, known payloads, keys, heads); the batch is then judged
 * entry by entry in memory, each entry seeing the effects of those before it (an
 * overlay), and written back with COPY and a few statements. No receipt is filled
 * before COMMIT succeeds. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/authority.h"
#include "aidreg/encoding.h"
#include "aidreg/leaf.h"
#include "aidreg/note.h"
#include "store/append.h"
#include "rules/domain.h"
#include "store/domain_db.h"
#include "rules/judge.h"
#include "store/store.h"
#include "core/mono_clock.h"
#include "core/strmap.h"

static db_stmt q_insert_ledger = {
    "INSERT INTO ledger (code, name, origin, vkey) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", 0};
static db_stmt q_lock = {"SELECT size, encode(frontier, 'hex') FROM ledger WHERE code = $1 FOR UPDATE", 0};
/* Fallback when ledger.frontier is missing: level = ANY and idx = ANY keep the primary
 * key usable whatever the statistics say; the few crossed pairs are filtered in C. */
static db_stmt q_frontier = {
    "SELECT level, idx, hash FROM tree_node WHERE ledger = $1 AND level = ANY ($2::smallint[]) "
    "AND idx = ANY ($3::bigint[]) "
    "UNION ALL SELECT 0, idx, leaf_hash FROM leaf WHERE ledger = $1 AND 0 = ANY ($2::smallint[]) "
    "AND idx = ANY ($3::bigint[])",
    0};
static db_stmt q_payloads = {
    "SELECT encode(payload_sha256, 'hex'), idx FROM leaf "
    "WHERE ledger = $1 AND payload_sha256 = ANY ($2::bytea[])",
    0};
static db_stmt q_keys = {
    "SELECT keyid, role, scope, is_root, revoked_at IS NOT NULL FROM signing_key "
    "WHERE ledger = $1 AND keyid = ANY ($2::text[])",
    0};
static db_stmt q_county_keys = {
    "SELECT keyid FROM signing_key WHERE ledger = $1 AND role = 'county' AND revoked_at IS NULL", 0};
/* The head of each subject: its latest leaf (one backward probe of leaf_subject each). */
static db_stmt q_heads = {
    "SELECT s, encode(h.payload_sha256, 'hex') FROM (SELECT DISTINCT unnest($2::text[]) AS s) AS u "
    "CROSS JOIN LATERAL (SELECT payload_sha256 FROM leaf WHERE ledger = $1 AND subject = s "
    "ORDER BY idx DESC LIMIT 1) AS h",
    0};
static db_stmt q_enroll = {
    "INSERT INTO signing_key (ledger, keyid, role, scope, is_root, holder_name, holder_org, enrolled_at) "
    "SELECT $1, k, r, s, root, hn, ho, i FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[], "
    "$6::text[], $7::text[], $8::bigint[]) AS t(k, r, s, root, hn, ho, i)",
    0};
static db_stmt q_revoke = {
    "UPDATE signing_key k SET revoked_at = t.i FROM unnest($2::text[], $3::bigint[]) AS t(keyid, i) "
    "WHERE k.ledger = $1 AND k.keyid = t.keyid",
    0};
/* The new leaves and tree nodes as arrays, in the batch's last round trip (COPY cannot
 * share a pipeline). The leaves' bytes go as one text, a line each (compact JSON has no
 * raw newline), split by string_to_array: an array literal of them, its quotes escaped,
 * was read character by character by array_in, twice (docs/benchmark.md "PostgreSQL's CPU
 * per key.enroll entry"). */
static db_stmt q_insert_leaves = {
    "INSERT INTO leaf (ledger, idx, payload_sha256, leaf_hash, type, subject, data) "
    "SELECT $1, t.i, t.p, t.h, t.ty, t.s, t.d FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::text[], "
    "$6::text[], string_to_array($7, E'\\n')) AS t(i, p, h, ty, s, d)",
    0};
static db_stmt q_insert_nodes = {
    "INSERT INTO tree_node (ledger, level, idx, hash) "
    "SELECT $1, t.l, t.i, t.h FROM unnest($2::smallint[], $3::bigint[], $4::bytea[]) AS t(l, i, h)",
    0};
static db_stmt q_checkpoint = {"INSERT INTO checkpoint (ledger, size, note) VALUES ($1, $2, $3)", 0};
static db_stmt q_set_size = {"UPDATE ledger SET size = $2, frontier = decode($3, 'hex') WHERE code = $1", 0};

/* ---- per-batch state ---------------------------------------------------------- */

typedef struct {
  aidreg_key_state k;
  bool from_db_active_county; /* counted by the database as an active county key */
  bool changed;               /* enrolled or revoked by this batch (the next one copies it) */
} key_entry;

typedef struct {
  char hex[65];
} head_entry;

/* Rows as array literals, one buffer per column. A failed add is sticky: in its buffer,
 * and in failed, so that rows with no row counted (the first add failed) still reach
 * rows_call and fail the batch instead of being skipped as "no rows". */
#define ROWS_MAX_COLS 6
typedef struct {
  db_buf col[ROWS_MAX_COLS];
  size_t n;
  bool failed;
  const char *params[ROWS_MAX_COLS + 1];
} array_rows;

static void rows_add(array_rows *r, int ncol, const char *const *vals) {
  for (int c = 0; c < ncol; c++)
    if (ar_db_buf_add(&r->col[c], r->n ? "," : "{", 1) || ar_db_buf_add_array_elem(&r->col[c], vals[c])) {
      r->failed = true;
      return;
    }
  r->n++;
}

/* Whether there is anything for rows_call: a row, or a failed add it must report. */
static bool rows_any(const array_rows *r) { return r->n > 0 || r->failed; }

/* The statement's call over the rows (ledger code first), closing the arrays. -1 when an
 * add failed (out of memory): nothing may be sent then. */
static int rows_call(array_rows *r, int ncol, const char *code, db_stmt *st, db_call *out) {
  if (r->failed) return -1;
  r->params[0] = code;
  for (int c = 0; c < ncol; c++) {
    if (ar_db_buf_add(&r->col[c], r->n ? "}" : "{}", r->n ? 1 : 2) || ar_db_buf_failed(&r->col[c])) return -1;
    r->params[c + 1] = r->col[c].data;
  }
  *out = (db_call){st, ncol + 1, r->params, NULL, true}; /* an INSERT of the arrays: one plan fits all */
  return 0;
}

static void rows_free(array_rows *r) {
  for (int c = 0; c < ROWS_MAX_COLS; c++) ar_db_buf_free(&r->col[c]);
}

typedef struct {
  uint64_t key; /* level << 58 | idx */
  uint8_t hash[32];
  bool used;
} node_slot;

typedef struct {
  const append_ledger *lg;
  db_conn *c;
  uint64_t old_size;
  aidreg_frontier frontier;
  aidreg_frontier old_frontier;
  strmap payloads; /* hex -> (uintptr_t)(idx + 1) */
  strmap keys;     /* keyid -> key_entry* */
  strmap heads;    /* subject -> head_entry* */
  node_slot *nodes; /* new perfect nodes of this batch, for receipts */
  size_t nodes_cap;
  array_rows new_nodes; /* level, idx, hash */
  array_rows new_leaves; /* idx, payload hash, leaf hash, type, subject */
  db_buf leaf_lines;     /* and their bytes, a line each (q_insert_leaves) */
  char *stored_frontier; /* hex of ledger.frontier as locked, or NULL */
  /* Key events of the batch, as array literals: enrolments (7 columns), revocations (2). */
  db_buf enroll[7], revoke[2];
  size_t nenroll, nrevoke;
  const char *enroll_params[8], *revoke_params[3];
  domain_db *ddb;      /* the current state, read and written in this transaction */
  domain_batch *dom;   /* the domain rules' overlay over it */
  bool in_tx;          /* BEGIN sent, neither COMMIT nor ROLLBACK yet */
  bool track_refs;     /* overlapped: keep subjects for the batch judged on top */
  char sz[24], fh[64 * 64 + 1]; /* the new size and frontier (hex): parameters of the commit */
  const char *cp[3], *sp[3];
  strmap subjects;     /* payload hex -> subject (malloc'd) of the entries accepted */
} batch;

static uint64_t node_key(unsigned level, uint64_t idx) { return (uint64_t)level << 58 | idx; }

static node_slot *node_find(batch *b, uint64_t key) {
  size_t i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (b->nodes_cap - 1);
  while (b->nodes[i].used && b->nodes[i].key != key) i = (i + 1) & (b->nodes_cap - 1);
  return &b->nodes[i];
}

static void sink_node(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32]) {
  batch *b = ctx;
  node_slot *s = node_find(b, node_key(level, index));
  s->used = true;
  s->key = node_key(level, index);
  memcpy(s->hash, hash, 32);
  if (level == 0) return; /* a leaf hash is stored in its leaf row */
  char hex[68] = "\\x", lv[8], ix[24];
  aidreg_hex_encode(hash, 32, hex + 2);
  snprintf(lv, sizeof lv, "%u", level);
  snprintf(ix, sizeof ix, "%" PRIu64, index);
  /* This callback cannot fail the batch itself: a failed add leaves new_nodes failed
   * (sticky), which rows_call finds before anything is sent. */
  const char *vals[3] = {lv, ix, hex};
  rows_add(&b->new_nodes, 3, vals);
}

/* Nodes for receipts: this batch's new nodes, else the frontier before the batch
 * (every left sibling of a new leaf's path is one of the two). */
static int batch_fetch(void *ctx, unsigned level, uint64_t index, uint8_t out[32]) {
  batch *b = ctx;
  node_slot *s = node_find(b, node_key(level, index));
  if (s->used) {
    memcpy(out, s->hash, 32);
    return 0;
  }
  if (level < 64 && (b->old_size >> level & 1) && index == (b->old_size >> level) - 1) {
    memcpy(out, b->old_frontier.hash[level], 32);
    return 0;
  }
  return -1;
}

static int overlay_lookup(void *ctx, const char *keyid, aidreg_key_state *out) {
  batch *b = ctx;
  key_entry *e = ar_strmap_get(&b->keys, keyid);
  if (!e) return 0;
  *out = e->k;
  return 1;
}

static int overlay_county_count(void *ctx, const char *except) {
  batch *b = ctx;
  /* Load every active county key once (few), then count the overlay. */
  const char *params[1] = {b->lg->code};
  PGresult *r = ar_db_run(b->c, &q_county_keys, 1, params, NULL);
  if (!r) return -1;
  for (int i = 0; i < PQntuples(r); i++) {
    const char *id = PQgetvalue(r, i, 0);
    if (ar_strmap_get(&b->keys, id)) continue;
    key_entry *e = calloc(1, sizeof *e);
    if (!e || ar_strmap_put(&b->keys, id, e)) {
      free(e);
      PQclear(r);
      return -1;
    }
    snprintf(e->k.keyid, sizeof e->k.keyid, "%s", id);
    e->k.role = AIDREG_ROLE_COUNTY;
  }
  PQclear(r);
  int n = 0;
  for (size_t i = 0; i < b->keys.cap; i++) {
    key_entry *e = b->keys.slots[i].key ? b->keys.slots[i].val : NULL;
    if (e && e->k.role == AIDREG_ROLE_COUNTY && !e->k.revoked && strcmp(e->k.keyid, except) != 0) n++;
  }
  return n;
}

/* ---- helpers ------------------------------------------------------------------- */

/* Problems found on the payload point into it: "/payload/…"; the envelope's own
 * fields stay as they are; then the item's prefix ("/envelopes/3") goes in front. */
static void fail(append_item *it, const aidreg_problem *p) {
  aidreg_result *res = it->res;
  res->problem = *p;
  if (p->code == AIDREG_OK) /* a refusal that says nothing is a bug, never a success */
    aidreg_problem_set(&res->problem, AIDREG_E_INTERNAL, NULL, "the entry was refused without a reason; nothing was "
                                                                "stored for it");
  const char *f = p->field;
  bool envelope_level = strncmp(f, "/signatures", 11) == 0 || strncmp(f, "/payload", 8) == 0 || !*f;
  if (!envelope_level) aidreg_problem_prefix_field(&res->problem, "/payload");
  if (*f) aidreg_problem_prefix_field(&res->problem, it->prefix);
  res->status = aidreg_problem_status(p->code);
}

static int array_of_keys(db_buf *buf, append_item **items, size_t n, int which) {
  /* which: 0 payload hashes (bytea), 1 keyids, 2 subjects */
  if (ar_db_buf_add(buf, "{", 1)) return -1;
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    const append_item *it = items[i];
    char tmp[80];
    const char *vals[AIDREG_MAX_SIGNATURES + 2];
    size_t nv = 0;
    if (which == 0) {
      char hex[65];
      aidreg_hex_encode(it->ev.payload_sha256, 32, hex);
      snprintf(tmp, sizeof tmp, "\\x%s", hex);
      vals[nv++] = tmp;
    } else if (which == 1) {
      for (size_t s = 0; s < it->env.nsig; s++) vals[nv++] = it->env.sigs[s].keyid;
      vals[nv++] = it->ev.subject; /* key.enroll / key.revoke name keys as subjects */
    } else {
      vals[nv++] = it->ev.subject;
    }
    for (size_t v = 0; v < nv; v++) {
      if ((!first && ar_db_buf_add(buf, ",", 1)) || ar_db_buf_add_array_elem(buf, vals[v])) return -1;
      first = false;
    }
  }
  return ar_db_buf_add(buf, "}", 1);
}

static const aidreg_event *item_event(void *ctx, size_t i) { return &((append_item **)ctx)[i]->ev; }

/* Why a batch cannot commit: the database failed or is not reachable (retry), we ran out
 * of memory or met a bug (internal), or there is no such ledger. Either way the whole
 * batch is rolled back. */
enum { BATCH_OK, BATCH_DB_FAILED, BATCH_INTERNAL, BATCH_UNREACHABLE, BATCH_NO_LEDGER };

/* The frontier of the tree as locked: from the ledger row, else from tree_node. */
static int load_frontier(batch *b) {
  const char *code = b->lg->code;
  db_buf lv = {0}, ix = {0};
  int rc = BATCH_DB_FAILED; /* unreadable rows; allocation failures say BATCH_INTERNAL */
  PGresult *r = NULL;
  int nbits = __builtin_popcountll(b->old_size);
  if (b->stored_frontier && strlen(b->stored_frontier) == (size_t)nbits * 64) {
    const char *h = b->stored_frontier;
    for (unsigned k = 0; k < 64; k++) {
      if (!(b->old_size >> k & 1)) continue;
      char one[65];
      memcpy(one, h, 64);
      one[64] = 0;
      if (aidreg_hex_decode(one, b->frontier.hash[k], 32)) return BATCH_DB_FAILED;
      h += 64;
    }
    rc = BATCH_OK;
    goto loaded;
  }
  if (ar_db_buf_add(&lv, "{", 1) || ar_db_buf_add(&ix, "{", 1)) goto oom;
  bool first = true;
  for (unsigned k = 0; k < 64; k++) {
    if (!(b->old_size >> k & 1)) continue;
    if (ar_db_buf_addf(&lv, "%s%u", first ? "" : ",", k) ||
        ar_db_buf_addf(&ix, "%s%" PRIu64, first ? "" : ",", (b->old_size >> k) - 1))
      goto oom;
    first = false;
  }
  if (ar_db_buf_add(&lv, "}", 1) || ar_db_buf_add(&ix, "}", 1)) goto oom;
  const char *fp[3] = {code, lv.data, ix.data};
  if (!(r = ar_db_run(b->c, &q_frontier, 3, fp, NULL))) goto out;
  int found = 0;
  for (int i = 0; i < PQntuples(r); i++) {
    unsigned long long level, idx;
    if (ar_db_u64(PQgetvalue(r, i, 0), &level) || level > 63 || ar_db_u64(PQgetvalue(r, i, 1), &idx)) goto out;
    if (!(b->old_size >> level & 1) || idx != (b->old_size >> level) - 1) continue; /* a crossed pair */
    if (ar_db_bytea(PQgetvalue(r, i, 2), b->frontier.hash[level], 32)) goto out;
    found++;
  }
  if (found != nbits) {
    fprintf(stderr, "aidreg: ledger %s: frontier of size %" PRIu64 " incomplete in tree_node\n", code, b->old_size);
    goto out;
  }
  rc = BATCH_OK;
loaded:
  b->frontier.size = b->old_size;
  b->old_frontier = b->frontier;
  goto out;
oom:
  rc = BATCH_INTERNAL;
out:
  PQclear(r);
  ar_db_buf_free(&lv);
  ar_db_buf_free(&ix);
  return rc;
}

/* One row of the lookups into the batch's maps: which 0 a known payload (hex, index),
 * 1 a key (id, role, scope, root, revoked), 2 a subject's head (subject, leaf hash). */
static int remember_row(batch *b, int which, PGresult *r, int i) {
  const char *k = PQgetvalue(r, i, 0);
  if (which == 0) {
    unsigned long long idx;
    if (ar_db_u64(PQgetvalue(r, i, 1), &idx)) return BATCH_DB_FAILED;
    return ar_strmap_put(&b->payloads, k, (void *)(uintptr_t)(idx + 1)) ? BATCH_INTERNAL : BATCH_OK;
  }
  if (which == 1) {
    key_entry *e = calloc(1, sizeof *e);
    if (!e || ar_strmap_put(&b->keys, k, e)) {
      free(e);
      return BATCH_INTERNAL;
    }
    snprintf(e->k.keyid, sizeof e->k.keyid, "%s", k);
    e->k.role = aidreg_role_parse(PQgetvalue(r, i, 1));
    snprintf(e->k.scope, sizeof e->k.scope, "%s", PQgetvalue(r, i, 2));
    e->k.is_root = PQgetvalue(r, i, 3)[0] == 't';
    e->k.revoked = PQgetvalue(r, i, 4)[0] == 't';
    return BATCH_OK;
  }
  if (ar_strmap_get(&b->heads, k)) return BATCH_OK;
  head_entry *h = calloc(1, sizeof *h);
  if (!h || ar_strmap_put(&b->heads, k, h)) {
    free(h);
    return BATCH_INTERNAL;
  }
  snprintf(h->hex, sizeof h->hex, "%s", PQgetvalue(r, i, 1));
  return BATCH_OK;
}

/* The lock and the lookups probe primary keys and unique indexes only: their plans do not
 * depend on the batch's values, so they keep one generic plan per connection instead of
 * being planned at every run in the appender's sessions (force_custom_plan: connect_one,
 * appender.c). A session SET, not SET LOCAL: the judging connection runs them outside a
 * transaction; inside one, a rollback restores the session's value all the same. */
static const db_call plans_generic = {NULL, 0, NULL, "SET plan_cache_mode = force_generic_plan", false},
                     plans_custom = {NULL, 0, NULL, "SET plan_cache_mode = force_custom_plan", false};

/* Known payloads, keys and heads of the batch: three lookups, sent in the round trip that
 * takes the ledger's lock (they depend only on the items). */
typedef struct {
  db_buf arr[3];
  const char *params[3][2];
  db_call calls[3];
  PGresult *rows[3];
} lookups;

static int lookups_build(batch *b, append_item **items, size_t n, lookups *l) {
  static db_stmt *const stmts[3] = {&q_payloads, &q_keys, &q_heads};
  bool arrays_ok = true;
  for (int which = 0; which < 3; which++) {
    arrays_ok &= array_of_keys(&l->arr[which], items, n, which) == 0;
    l->params[which][0] = b->lg->code;
    l->params[which][1] = l->arr[which].data;
    l->calls[which] = (db_call){stmts[which], 2, l->params[which], NULL, false};
  }
  return arrays_ok ? BATCH_OK : BATCH_INTERNAL;
}

/* The lookups' rows into the batch's maps; frees l. */
static int lookups_take(batch *b, lookups *l) {
  int rc = BATCH_OK;
  for (int which = 0; which < 3; which++) {
    for (int i = 0; rc == BATCH_OK && l->rows[which] && i < PQntuples(l->rows[which]); i++)
      rc = remember_row(b, which, l->rows[which], i);
    PQclear(l->rows[which]);
    l->rows[which] = NULL;
  }
  return rc;
}

static void lookups_free(lookups *l) {
  for (int which = 0; which < 3; which++) {
    ar_db_buf_free(&l->arr[which]);
    PQclear(l->rows[which]);
    l->rows[which] = NULL;
  }
}

/* BATCH_OK, or why the state could not be loaded: the frontier, what the judge looks up
 * (payloads, keys, heads), and the current state of the batch's subjects in one query,
 * under the rules' overlay. */
static int load_domain(batch *b, append_item **items, size_t n, const batch *prev);

static int load_state(batch *b, append_item **items, size_t n, lookups *l) {
  int rc = load_frontier(b);
  if (rc == BATCH_OK) rc = lookups_take(b, l);
  if (rc != BATCH_OK) return rc;
  return load_domain(b, items, n, NULL);
}

/* A ref to an entry of the batch judged before, which the database does not have yet. */
static int prev_ref(void *ctx, const char *ref, char *subject, size_t cap) {
  const char *s = ar_strmap_get(&((const batch *)ctx)->subjects, ref);
  if (!s) return 0;
  snprintf(subject, cap, "%s", s);
  return 1;
}

/* The state of the batch's subjects under the rules' overlay; prev (or NULL): the batch
 * judged before, not yet committed, whose documents the cache already holds. */
static int load_domain(batch *b, append_item **items, size_t n, const batch *prev) {
  if (!(b->ddb = ar_domain_db_new(b->c, b->lg->code, b->lg->cache, b->old_size))) return BATCH_INTERNAL;
  if (prev) ar_domain_db_pending(b->ddb, prev_ref, (void *)prev);
  int fetched = ar_domain_db_prefetch(b->ddb, n, item_event, items);
  if (fetched == DOMAIN_DB_NOMEM) return BATCH_INTERNAL;
  if (fetched) return BATCH_DB_FAILED;
  domain_store ds = ar_domain_db_store(b->ddb);
  return (b->dom = ar_domain_begin(&ds, b->lg->code)) ? BATCH_OK : BATCH_INTERNAL;
}

/* ---- the batch ----------------------------------------------------------------- */

typedef struct {
  enum { ST_REFUSED, ST_NEW, ST_REPLAY } st;
  uint64_t index;
  uint8_t leaf_hash[32];
} outcome;

static int array_add(db_buf *arr, const char *v) {
  return ar_db_buf_add(arr, arr->len ? "," : "{", 1) || ar_db_buf_add_array_elem(arr, v);
}

static int key_sql(batch *b, const aidreg_keychange *ch, uint64_t index) {
  char ix[24];
  snprintf(ix, sizeof ix, "%" PRIu64, index);
  if (ch->kind == AIDREG_KEYCHANGE_ENROLL) {
    const char *vals[7] = {ch->key.keyid, aidreg_role_name(ch->key.role), ch->key.scope,
                           ch->key.is_root ? "true" : "false", ch->holder_name, ch->holder_org, ix};
    for (int i = 0; i < 7; i++)
      if (array_add(&b->enroll[i], vals[i])) return -1;
    b->nenroll++;
    return 0;
  }
  if (array_add(&b->revoke[0], ch->key.keyid) || array_add(&b->revoke[1], ix)) return -1;
  b->nrevoke++;
  return 0;
}

/* The batch's enrolments (which) or revocations (!which) as a pipeline call (0 or 1)
 * appended at calls[*nc]; the parameter arrays live in b. -1 on OOM. */
static int key_calls(batch *b, bool which, db_call *calls, size_t *nc) {
  if (which && b->nenroll) {
    b->enroll_params[0] = b->lg->code;
    for (int i = 0; i < 7; i++) {
      if (ar_db_buf_add(&b->enroll[i], "}", 1)) return -1;
      b->enroll_params[i + 1] = b->enroll[i].data;
    }
    calls[(*nc)++] = (db_call){&q_enroll, 8, b->enroll_params, NULL, true};
  }
  if (!which && b->nrevoke) {
    if (ar_db_buf_add(&b->revoke[0], "}", 1) || ar_db_buf_add(&b->revoke[1], "}", 1)) return -1;
    b->revoke_params[0] = b->lg->code;
    b->revoke_params[1] = b->revoke[0].data;
    b->revoke_params[2] = b->revoke[1].data;
    calls[(*nc)++] = (db_call){&q_revoke, 3, b->revoke_params, NULL, false};
  }
  return 0;
}

/* Hex of the frontier's hashes, lowest level first (ledger.frontier). */
static void frontier_hex(const aidreg_frontier *f, char *out) {
  for (unsigned k = 0; k < 64; k++) {
    if (!(f->size >> k & 1)) continue;
    aidreg_hex_encode(f->hash[k], 32, out);
    out += 64;
  }
  *out = 0;
}

static int apply_keychange(batch *b, const aidreg_keychange *ch) {
  if (ch->kind == AIDREG_KEYCHANGE_NONE) return 0;
  key_entry *e = ar_strmap_get(&b->keys, ch->key.keyid);
  if (!e) {
    if (!(e = calloc(1, sizeof *e)) || ar_strmap_put(&b->keys, ch->key.keyid, e)) {
      free(e);
      return -1;
    }
  }
  if (ch->kind == AIDREG_KEYCHANGE_ENROLL) e->k = ch->key;
  else e->k.revoked = true;
  e->changed = true;
  return 0;
}

/* The judge's lookups over the batch: payloads and heads as loaded, plus this batch's. */
static int batch_seen(void *ctx, const uint8_t payload[32], uint64_t *index) {
  batch *b = ctx;
  char hex[65];
  aidreg_hex_encode(payload, 32, hex);
  uintptr_t seen = (uintptr_t)ar_strmap_get(&b->payloads, hex);
  if (!seen) return 0;
  *index = seen - 1;
  return 1;
}

static int batch_head(void *ctx, const char *subject, uint8_t out[32]) {
  batch *b = ctx;
  head_entry *h = ar_strmap_get(&b->heads, subject);
  if (!h) return 0;
  return aidreg_hex_decode(h->hex, out, 32) == 0 ? 1 : -1;
}

/* Judge one item against the overlay; on acceptance append it to the tree. */
static void judge(batch *b, append_item *it, outcome *o, int *failed,
                  const char *time_str, int64_t now_sec) {
  aidreg_keyview kv = {overlay_lookup, overlay_county_count, b};
  uint64_t position = b->frontier.size;
  o->st = ST_REFUSED;
  /* The leaf first: an entry too large to be a tile entry is refused before it is judged
   * (judging applies its effect to the overlay). */
  aidreg_problem p = {0};
  size_t leaf_len;
  char *leaf = aidreg_leaf_build(position, time_str, &it->env, &leaf_len, &p);
  if (!leaf) {
    /* Out of memory is not the entry's fault: the batch fails, not this entry alone. */
    if (p.code == AIDREG_E_INTERNAL) *failed = BATCH_INTERNAL;
    fail(it, &p);
    return;
  }
  /* The submitting thread verified the signatures (on every core, before queueing). */
  judge_input in = {.county = b->lg->code, .origin = b->lg->origin, .position = position,
                    .signatures_verified = true, .latest_time = now_sec + b->lg->max_clock_skew, .appended_at = now_sec,
                    .clock_skew = b->lg->max_clock_skew, .keys = &kv, .state = b->dom,
                    .seen = batch_seen, .head = batch_head, .ctx = b};
  judge_result r;
  judge_verdict v = ar_judge_entry(&in, &it->env, &it->ev, &r);
  if (v == JUDGE_REPLAY) {
    free(leaf);
    o->st = ST_REPLAY;
    o->index = r.replay_of;
    return;
  }
  if (v == JUDGE_REFUSE) {
    free(leaf);
    if (r.problem.code == AIDREG_E_UNAVAILABLE && !*failed) *failed = BATCH_DB_FAILED;
    if (r.problem.code == AIDREG_E_INTERNAL) *failed = BATCH_INTERNAL;
    if (r.step == JUDGE_AT_PREV) snprintf(it->res->head, sizeof it->res->head, "%s", r.head);
    fail(it, &r.problem);
    return;
  }
  const aidreg_keychange *ch = &r.keys;
  if (ch->kind != AIDREG_KEYCHANGE_NONE && (key_sql(b, ch, position) || apply_keychange(b, ch)))
    *failed = BATCH_INTERNAL;

  char hex[65];
  aidreg_hex_encode(it->ev.payload_sha256, 32, hex);
  aidreg_merkle_leaf_hash((const uint8_t *)leaf, leaf_len, o->leaf_hash);
  aidreg_frontier_append(&b->frontier, o->leaf_hash, sink_node, b);
  char payload_x[68] = "\\x", leaf_x[68] = "\\x", ix[24];
  memcpy(payload_x + 2, hex, 65);
  aidreg_hex_encode(o->leaf_hash, 32, leaf_x + 2);
  snprintf(ix, sizeof ix, "%" PRIu64, position);
  const char *vals[5] = {ix, payload_x, leaf_x, it->ev.type, it->ev.subject};
  size_t had = b->new_leaves.n;
  rows_add(&b->new_leaves, 5, vals);
  /* A newline in a leaf would split it in two rows: never in compact JSON, refused if it were. */
  if (b->new_leaves.n == had || memchr(leaf, '\n', leaf_len) ||
      (had && ar_db_buf_add(&b->leaf_lines, "\n", 1)) || ar_db_buf_add(&b->leaf_lines, leaf, leaf_len)) {
    b->new_leaves.failed = true; /* rows_call finds it before anything is sent */
    *failed = BATCH_INTERNAL;
  }
  free(leaf);

  head_entry *head = ar_strmap_get(&b->heads, it->ev.subject);
  if (!head) {
    if (!(head = calloc(1, sizeof *head)) || ar_strmap_put(&b->heads, it->ev.subject, head)) {
      free(head);
      *failed = BATCH_INTERNAL;
      return;
    }
  }
  snprintf(head->hex, sizeof head->hex, "%s", hex);
  if (ar_strmap_put(&b->payloads, hex, (void *)(uintptr_t)(position + 1))) *failed = BATCH_INTERNAL;
  if (b->track_refs) {
    char *subject = strdup(it->ev.subject);
    if (!subject || ar_strmap_put(&b->subjects, hex, subject)) {
      free(subject);
      *failed = BATCH_INTERNAL;
    }
  }
  o->st = ST_NEW;
  o->index = position;
}

static char *sign_checkpoint(batch *b) {
  aidreg_checkpoint cp = {.size = b->frontier.size};
  snprintf(cp.origin, sizeof cp.origin, "%s", b->lg->origin);
  aidreg_frontier_root(&b->frontier, cp.root);
  char *text = aidreg_checkpoint_text(&cp);
  if (!text) return NULL;
  char *note = aidreg_note_sign(text, b->lg->origin, b->lg->log_key->sk);
  free(text);
  return note;
}

static void fill_receipt(aidreg_receipt *rc, const char *code, uint64_t index, const uint8_t leaf_hash[32],
                         const uint8_t payload[32]) {
  snprintf(rc->ledger, sizeof rc->ledger, "%s", code);
  rc->index = index;
  memcpy(rc->leaf_hash, leaf_hash, 32);
  memcpy(rc->payload_sha256, payload, 32);
}

static void fail_all(append_item **items, size_t n, outcome *o, aidreg_code code, const char *why) {
  for (size_t i = 0; i < n; i++) {
    /* Refused already (by the rules): keep that answer. Not yet judged: answer now. */
    if (o && o[i].st == ST_REFUSED && items[i]->res->status) continue;
    aidreg_problem p = {0};
    aidreg_problem_set(&p, code, NULL, "%s", why);
    items[i]->res->problem = p;
    items[i]->res->status = aidreg_problem_status(code);
    if (o) o[i].st = ST_REFUSED;
  }
}

/* The ledger row's size and stored frontier (r: size, hex frontier) into b; frees r. */
static int take_size(batch *b, PGresult *r) {
  unsigned long long size = 0;
  bool exists = PQntuples(r) == 1 && ar_db_u64(PQgetvalue(r, 0, 0), &size) == 0;
  int rc = exists ? BATCH_OK : BATCH_NO_LEDGER;
  if (exists && !PQgetisnull(r, 0, 1) && !(b->stored_frontier = strdup(PQgetvalue(r, 0, 1)))) rc = BATCH_INTERNAL;
  PQclear(r);
  b->old_size = size;
  return rc;
}

/* BEGIN and the ledger row locked: its size and stored frontier into b, and the batch's
 * lookups (l) answered in the same round trip. For a new ledger, its row is inserted first
 * (in the same transaction). */
static int lock_ledger(batch *b, bool create, const char *name, const char *vkey, lookups *l) {
  const char *lp[1] = {b->lg->code};
  PGresult *r = NULL;
  if (ar_db_ensure(b->c)) return BATCH_UNREACHABLE;
  if (create) {
    if (ar_db_cmd(b->c, "BEGIN")) return BATCH_UNREACHABLE;
    b->in_tx = true;
    const char *params[4] = {b->lg->code, name, b->lg->origin, vkey};
    if (ar_db_do(b->c, &q_insert_ledger, 4, params) || !(r = ar_db_run(b->c, &q_lock, 1, lp, NULL)) ||
        ar_db_pipeline(b->c, 3, l->calls, l->rows)) {
      PQclear(r);
      return BATCH_DB_FAILED;
    }
  } else {
    /* BEGIN, the lock of the ledger row and the lookups in one round trip. */
    db_call calls[7] = {{NULL, 0, NULL, "BEGIN", false}, plans_generic, {&q_lock, 1, lp, NULL, false}, l->calls[0],
                        l->calls[1], l->calls[2], plans_custom};
    PGresult *res[7];
    b->in_tx = true; /* a failure may leave it open: the caller rolls back */
    if (ar_db_pipeline(b->c, 7, calls, res)) {
      /* The connection was lost before anything of this batch was done (a restart of
       * PostgreSQL since the last batch): reconnect and try once more. */
      if (PQstatus(b->c->pg) != CONNECTION_BAD) return BATCH_DB_FAILED;
      if (ar_db_ensure(b->c)) return BATCH_UNREACHABLE;
      fprintf(stderr, "aidreg: ledger %s: the database connection was lost; reconnected, retrying once\n",
              b->lg->code);
      if (ar_db_pipeline(b->c, 7, calls, res)) return PQstatus(b->c->pg) == CONNECTION_BAD ? BATCH_UNREACHABLE : BATCH_DB_FAILED;
    }
    PQclear(res[0]);
    PQclear(res[1]);
    PQclear(res[6]);
    r = res[2];
    for (int i = 0; i < 3; i++) l->rows[i] = res[3 + i];
  }
  int rc = take_size(b, r);
  return rc;
}

/* Every item judged at its position (or, for a ledger.create whose ledger row existed,
 * found to be its replay or a second ledger). */
static int judge_all(batch *b, append_item **items, size_t n, outcome *o, bool create) {
  struct timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  char time_str[40];
  aidreg_rfc3339_format(wall.tv_sec, (int32_t)wall.tv_nsec, time_str, sizeof time_str);
  int failed = BATCH_OK;
  for (size_t i = 0; i < n; i++) {
    if (create && b->old_size > 0) {
      /* The ledger row existed: a replay of its ledger.create, or a second ledger. */
      char hex[65];
      aidreg_hex_encode(items[i]->ev.payload_sha256, 32, hex);
      uintptr_t seen = (uintptr_t)ar_strmap_get(&b->payloads, hex);
      if (seen) {
        o[i].st = ST_REPLAY;
        o[i].index = seen - 1;
      } else {
        aidreg_problem p = {0};
        aidreg_problem_set(&p, AIDREG_E_LEDGER_EXISTS, "/payload/subject", "ledger %s already exists", b->lg->code);
        fail(items[i], &p);
      }
      continue;
    }
    judge(b, items[i], &o[i], &failed, time_str, wall.tv_sec);
  }
  return failed;
}

/* The statements that write the batch (the state's changes, leaves, nodes, key events,
 * checkpoint, size) and COMMIT, appended at calls[*nc] (at most COMMIT_CALLS), with the
 * checkpoint signed into *note; their parameters live in b. Nothing is to be sent when
 * any of it is incomplete (out of memory). The order keeps the statements with generic
 * plans together (ar_db_calls_planned); only a key's enrolment before its revocation
 * (both may be in one batch) and the state's own order (domain_db.c) matter. */
#define COMMIT_CALLS (DOMAIN_DB_CALLS + 9)
static int commit_calls(batch *b, char **note, db_call *calls, size_t *ncalls) {
  snprintf(b->sz, sizeof b->sz, "%" PRIu64, b->frontier.size);
  frontier_hex(&b->frontier, b->fh);
  if (!(*note = sign_checkpoint(b))) return BATCH_INTERNAL;
  b->cp[0] = b->sp[0] = b->lg->code;
  b->cp[1] = b->sp[1] = b->sz;
  b->cp[2] = *note;
  b->sp[2] = b->fh;
  db_call w[DOMAIN_DB_CALLS + 6];
  size_t nw = 0;
  if (ar_domain_db_write_calls(b->ddb, b->dom, b->frontier.size, w, &nw)) return BATCH_INTERNAL;
  if (rows_call(&b->new_leaves, 5, b->lg->code, &q_insert_leaves, &w[nw]) || ar_db_buf_add(&b->leaf_lines, "", 0) ||
      ar_db_buf_failed(&b->leaf_lines) || !b->leaf_lines.data)
    return BATCH_INTERNAL;
  /* The leaves' text (terminated by the empty add above) is the call's seventh parameter,
   * after the ledger and the five array columns rows_call filled in the same params. */
  _Static_assert(ROWS_MAX_COLS + 1 >= 7, "array_rows.params holds the leaves' text");
  b->new_leaves.params[6] = b->leaf_lines.data;
  w[nw++].n = 7;
  /* A batch may complete no subtree above its leaves (one leaf at an even index). */
  if (rows_any(&b->new_nodes) && rows_call(&b->new_nodes, 3, b->lg->code, &q_insert_nodes, &w[nw++]))
    return BATCH_INTERNAL;
  if (key_calls(b, true, w, &nw)) return BATCH_INTERNAL;
  w[nw++] = (db_call){&q_checkpoint, 3, b->cp, NULL, true};
  w[nw++] = (db_call){&q_set_size, 3, b->sp, NULL, true};
  if (key_calls(b, false, w, &nw)) return BATCH_INTERNAL;
  size_t nc = *ncalls, k = ar_db_calls_planned(w, nw, calls + nc, COMMIT_CALLS - 1);
  if (!k) return BATCH_INTERNAL;
  nc += k;
  calls[nc++] = (db_call){NULL, 0, NULL, "COMMIT", false};
  *ncalls = nc;
  return BATCH_OK;
}

/* The new leaves and nodes, the state they changed, the key events, the checkpoint and
 * the size, then COMMIT; or, with nothing new (all refused or replays), ROLLBACK, which
 * leaves no trace, not even a created ledger row. *note gets the signed checkpoint. */
static int write_and_commit(batch *b, char **note) {
  if (b->frontier.size == b->old_size) {
    b->in_tx = false;
    return ar_db_cmd(b->c, "ROLLBACK") ? BATCH_DB_FAILED : BATCH_OK;
  }
  db_call calls[COMMIT_CALLS];
  size_t nc = 0;
  int rc = commit_calls(b, note, calls, &nc);
  if (rc != BATCH_OK) return rc;
  if (ar_db_pipeline(b->c, nc, calls, NULL)) return BATCH_DB_FAILED;
  b->in_tx = false;
  (void)ar_domain_db_committed(b->ddb, b->dom, b->frontier.size); /* dropped: read again */
  return BATCH_OK;
}

/* After COMMIT, and only then: a receipt for every item accepted or replayed. Returns
 * how many entries are new. */
static size_t answer(batch *b, append_item **items, size_t n, const outcome *o, const char *note) {
  size_t created = 0;
  int64_t done = ar_mono_ns();
  int64_t *lat = calloc(n, sizeof *lat);
  size_t nlat = 0;
  for (size_t i = 0; i < n; i++) {
    aidreg_result *res = items[i]->res;
    if (o[i].st == ST_REFUSED) continue;
    bool in_batch = o[i].index >= b->old_size;
    if (o[i].st == ST_REPLAY && !in_batch) {
      if (ar_append_first_receipt(b->c, b->lg->code, o[i].index, &res->receipt)) {
        aidreg_problem p = {0};
        aidreg_problem_set(&p, AIDREG_E_INTERNAL, NULL, "cannot rebuild the receipt of entry %" PRIu64, o[i].index);
        fail(items[i], &p);
        continue;
      }
      res->receipt.replay = true;
      res->status = 200;
      continue;
    }
    /* New in this batch (or repeated within it): proof against the batch checkpoint. */
    uint8_t leaf_hash[32];
    if (o[i].st == ST_NEW) memcpy(leaf_hash, o[i].leaf_hash, 32);
    else if (batch_fetch(b, 0, o[i].index, leaf_hash)) continue;
    fill_receipt(&res->receipt, b->lg->code, o[i].index, leaf_hash, items[i]->ev.payload_sha256);
    res->receipt.tree_size = b->frontier.size;
    res->receipt.checkpoint = note ? strdup(note) : NULL;
    if (!res->receipt.checkpoint || aidreg_merkle_inclusion_proof(batch_fetch, b, o[i].index, b->frontier.size,
                                                                   res->receipt.proof, &res->receipt.proof_len)) {
      aidreg_problem p = {0};
      aidreg_problem_set(&p, AIDREG_E_INTERNAL, NULL, "cannot build the receipt");
      fail(items[i], &p);
      continue;
    }
    res->receipt.replay = o[i].st == ST_REPLAY;
    res->status = o[i].st == ST_NEW ? 201 : 200;
    if (o[i].st == ST_NEW) {
      created++;
      if (lat) lat[nlat++] = done - items[i]->enqueued_ns;
    }
  }
  ar_append_stats_record(created, lat, nlat);
  free(lat);
  return created;
}

/* The batch did not commit: roll back and answer every member with why. Every member,
 * refused or not: a refusal after a failure may only be its consequence (an entry
 * refused because the one before it could not be judged, or by rules that then ran out
 * of memory). */
static void give_up(batch *b, append_item **items, size_t n, int why) {
  if (b->in_tx && ar_db_cmd(b->c, "ROLLBACK")) fprintf(stderr, "aidreg: ROLLBACK failed\n");
  /* A COMMIT that failed may still have committed: the kept documents are unsure. */
  ar_domain_cache_drop(b->lg->cache);
  b->in_tx = false;
  switch (why) {
  case BATCH_UNREACHABLE:
    fail_all(items, n, NULL, AIDREG_E_UNAVAILABLE, "the database is not reachable; retry");
    break;
  case BATCH_NO_LEDGER: fail_all(items, n, NULL, AIDREG_E_UNKNOWN_LEDGER, "no such ledger"); break;
  case BATCH_INTERNAL:
    fail_all(items, n, NULL, AIDREG_E_INTERNAL, "internal error (out of memory?); nothing was written");
    break;
  default:
    fail_all(items, n, NULL, AIDREG_E_UNAVAILABLE, "the entry could not be stored; retry (nothing was written)");
    break;
  }
}

/* The last word on every item: a success (200, 201) carries a receipt, anything else a
 * problem with its own status. An item left unanswered was not judged: 503, retry. */
static void settle(append_item **items, size_t n) {
  for (size_t i = 0; i < n; i++) {
    aidreg_result *res = items[i]->res;
    bool success = res->status == 200 || res->status == 201;
    if (success && res->receipt.checkpoint) continue;
    if (success) {
      aidreg_problem_set(&res->problem, AIDREG_E_INTERNAL, NULL,
                         "the receipt could not be built; resubmit the same envelope to get it");
    } else if (res->status >= 400 && res->problem.code != AIDREG_OK) {
      continue;
    } else {
      aidreg_problem_set(&res->problem, AIDREG_E_UNAVAILABLE, NULL,
                         "the entry could not be judged; nothing was stored for it; retry");
    }
    free(res->receipt.checkpoint);
    res->receipt.checkpoint = NULL;
    res->status = aidreg_problem_status(res->problem.code);
  }
}

/* b for n items; b->nodes is NULL when out of memory. */
static void batch_init(batch *b, const append_ledger *lg, db_conn *c, size_t n) {
  *b = (batch){.lg = lg, .c = c};
  b->nodes_cap = 64;
  while (b->nodes_cap < 4 * (n + 64)) b->nodes_cap *= 2;
  b->nodes = calloc(b->nodes_cap, sizeof *b->nodes);
  aidreg_frontier_init(&b->frontier);
}

static void batch_free(batch *b) {
  ar_domain_end(b->dom);
  ar_domain_db_free(b->ddb);
  free(b->stored_frontier);
  for (int i = 0; i < 7; i++) ar_db_buf_free(&b->enroll[i]);
  for (int i = 0; i < 2; i++) ar_db_buf_free(&b->revoke[i]);
  free(b->nodes);
  rows_free(&b->new_leaves);
  ar_db_buf_free(&b->leaf_lines);
  rows_free(&b->new_nodes);
  ar_strmap_free(&b->payloads, NULL);
  ar_strmap_free(&b->keys, free);
  ar_strmap_free(&b->heads, free);
  ar_strmap_free(&b->subjects, free);
}

size_t ar_append_batch(db_conn *c, const append_ledger *lg, append_item **items, size_t n, bool create,
                       const char *name, const char *vkey) {
  batch b;
  batch_init(&b, lg, c, n);
  outcome *o = calloc(n, sizeof *o);
  size_t created = 0;
  char *note = NULL;

  lookups l = {0};
  int rc = o && b.nodes ? BATCH_OK : BATCH_INTERNAL;
  if (rc == BATCH_OK) rc = lookups_build(&b, items, n, &l);
  if (rc == BATCH_OK) rc = lock_ledger(&b, create, name, vkey, &l);
  if (rc == BATCH_OK) rc = load_state(&b, items, n, &l);
  if (rc == BATCH_OK) rc = judge_all(&b, items, n, o, create);
  if (rc == BATCH_OK) rc = write_and_commit(&b, &note);
  if (rc == BATCH_OK) created = answer(&b, items, n, o, note);
  else give_up(&b, items, n, rc);
  settle(items, n);

  lookups_free(&l);
  free(note);
  free(o);
  batch_free(&b);
  return created;
}

int ar_append_first_receipt(db_conn *c, const char *code, uint64_t index, aidreg_receipt *rc) {
  memset(rc, 0, sizeof *rc);
  store_nodes sn = {c, code};
  uint8_t leaf_hash[32];
  uint64_t size;
  char *note = NULL;
  static db_stmt q_payload = {"SELECT payload_sha256 FROM leaf WHERE ledger = $1 AND idx = $2", 0};
  char ix[24];
  snprintf(ix, sizeof ix, "%" PRIu64, index);
  const char *params[2] = {code, ix};
  PGresult *r = ar_db_run(c, &q_payload, 2, params, NULL);
  if (!r) return -1;
  bool ok = PQntuples(r) == 1 && ar_db_bytea(PQgetvalue(r, 0, 0), rc->payload_sha256, 32) == 0;
  PQclear(r);
  if (!ok || ar_store_node_fetch(&sn, 0, index, leaf_hash) || ar_store_checkpoint_covering(c, code, index, &size, &note))
    return -1;
  snprintf(rc->ledger, sizeof rc->ledger, "%s", code);
  rc->index = index;
  memcpy(rc->leaf_hash, leaf_hash, 32);
  rc->tree_size = size;
  rc->checkpoint = note;
  if (aidreg_merkle_inclusion_proof(ar_store_node_fetch, &sn, index, size, rc->proof, &rc->proof_len)) {
    free(rc->checkpoint);
    rc->checkpoint = NULL;
    return -1;
  }
  return 0;
}

/* ---- the overlapped cycle (appender.c) --------------------------------------------
 * A batch is judged on a second connection without the ledger's lock, on top of the
 * batch before it, which is still committing: the frontier, payloads, keys, heads and
 * documents that batch left come from memory (its documents from the appender's cache,
 * kept before its COMMIT), everything older from the database, which has at least the
 * batch before that one. Then BEGIN, the lock, the writes and COMMIT go out in one
 * pipeline, and the next batch is judged while the server runs it. The lock's answer
 * says whether the ledger is still the size the batch was judged at; when another
 * process appended in between, the batch's first leaf collides with theirs (primary
 * key), nothing is written, and the batch is judged again the serial way. */

static db_stmt q_peek = {"SELECT size, encode(frontier, 'hex') FROM ledger WHERE code = $1", 0};

#define OVERLAP_CALLS (COMMIT_CALLS + 4) /* BEGIN, the lock between its plan mode's SETs */
#define LOCK_AT 2 /* the lock's answer among them */
_Static_assert(OVERLAP_CALLS <= DB_PIPELINE_MAX, "the overlapped commit must fit one pipeline");
_Static_assert(7 <= DB_PIPELINE_MAX, "the serial cycle's BEGIN, lock and lookups must fit one pipeline");

struct append_batch {
  batch b;
  append_item **items;
  size_t n;
  outcome *o;
  char *note;
  int rc;         /* BATCH_OK, or why it cannot commit (then it is not sent) */
  bool stackable; /* the next batch may be judged on top of this one before it commits */
  db_call calls[OVERLAP_CALLS];
  size_t nc;
  const char *lp[1];
};

static int copy_key(batch *b, const batch *prev, const char *keyid) {
  const key_entry *pe = ar_strmap_get(&prev->keys, keyid);
  if (!pe) return 0;
  key_entry *e = ar_strmap_get(&b->keys, keyid);
  if (!e) {
    if (!(e = calloc(1, sizeof *e)) || ar_strmap_put(&b->keys, keyid, e)) {
      free(e);
      return -1;
    }
  }
  e->k = pe->k;
  e->changed = false; /* the batch after this one reads it from the database */
  return 0;
}

/* What prev (judged, not yet committed) knows, over what the database answered: the
 * payloads, keys and heads this batch asks about, and every key prev changed (the count
 * of county keys needs them). */
static int overlay_prev(batch *b, const batch *prev, append_item **items, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const append_item *it = items[i];
    char hex[65];
    aidreg_hex_encode(it->ev.payload_sha256, 32, hex);
    void *seen = ar_strmap_get(&prev->payloads, hex);
    if (seen && ar_strmap_put(&b->payloads, hex, seen)) return BATCH_INTERNAL;
    const head_entry *ph = ar_strmap_get(&prev->heads, it->ev.subject);
    if (ph) {
      head_entry *h = ar_strmap_get(&b->heads, it->ev.subject);
      if (!h && (!(h = calloc(1, sizeof *h)) || ar_strmap_put(&b->heads, it->ev.subject, h))) {
        free(h);
        return BATCH_INTERNAL;
      }
      *h = *ph;
    }
    for (size_t k = 0; k < it->env.nsig; k++)
      if (copy_key(b, prev, it->env.sigs[k].keyid)) return BATCH_INTERNAL;
    if (copy_key(b, prev, it->ev.subject)) return BATCH_INTERNAL;
  }
  for (size_t i = 0; i < prev->keys.cap; i++) {
    const key_entry *e = prev->keys.slots[i].key ? prev->keys.slots[i].val : NULL;
    if (e && e->changed && copy_key(b, prev, prev->keys.slots[i].key)) return BATCH_INTERNAL;
  }
  return BATCH_OK;
}

/* The lookups (and, with no batch before, the ledger's size and frontier as committed)
 * on the judging connection, retried once after a lost connection (nothing is written
 * there). */
static int peek(batch *b, const batch *prev, lookups *l) {
  const char *lp[1] = {b->lg->code};
  db_call calls[6];
  PGresult *res[6] = {0};
  size_t n = 0, at;
  calls[n++] = plans_generic;
  if (!prev) calls[n++] = (db_call){&q_peek, 1, lp, NULL, false};
  at = n;
  for (int i = 0; i < 3; i++) calls[n++] = l->calls[i];
  calls[n++] = plans_custom;
  if (ar_db_ensure(b->c)) return BATCH_UNREACHABLE;
  if (ar_db_pipeline(b->c, n, calls, res)) {
    if (PQstatus(b->c->pg) != CONNECTION_BAD) return BATCH_DB_FAILED;
    if (ar_db_ensure(b->c)) return BATCH_UNREACHABLE;
    if (ar_db_pipeline(b->c, n, calls, res))
      return PQstatus(b->c->pg) == CONNECTION_BAD ? BATCH_UNREACHABLE : BATCH_DB_FAILED;
  }
  PQclear(res[0]);
  PQclear(res[n - 1]);
  for (int i = 0; i < 3; i++) l->rows[i] = res[at + i];
  if (prev) {
    b->old_size = prev->frontier.size;
    b->frontier = prev->frontier;
    b->old_frontier = prev->frontier;
    return BATCH_OK;
  }
  PGresult *r = res[1];
  int rc = take_size(b, r);
  return rc == BATCH_OK ? load_frontier(b) : rc;
}

append_batch *ar_append_prepare(db_conn *rc, const append_ledger *lg, append_item **items, size_t n,
                                const append_batch *prev) {
  append_batch *ab = calloc(1, sizeof *ab);
  if (!ab) return NULL;
  batch *b = &ab->b;
  batch_init(b, lg, rc, n);
  b->track_refs = true;
  ab->items = items;
  ab->n = n;
  ab->o = calloc(n, sizeof *ab->o);
  const batch *pb = prev ? &prev->b : NULL;
  lookups l = {0};
  int r = ab->o && b->nodes ? BATCH_OK : BATCH_INTERNAL;
  if (r == BATCH_OK) r = lookups_build(b, items, n, &l);
  if (r == BATCH_OK) r = peek(b, pb, &l);
  if (r == BATCH_OK) r = lookups_take(b, &l);
  if (r == BATCH_OK && pb) r = overlay_prev(b, pb, items, n);
  if (r == BATCH_OK) r = load_domain(b, items, n, pb);
  if (r == BATCH_OK) r = judge_all(b, items, n, ab->o, false);
  lookups_free(&l);
  if (b->ddb) ar_domain_db_pending(b->ddb, NULL, NULL); /* prev may go before this batch does */
  ab->lp[0] = lg->code;
  ab->calls[ab->nc++] = (db_call){NULL, 0, NULL, "BEGIN", false};
  ab->calls[ab->nc++] = plans_generic;
  ab->calls[ab->nc++] = (db_call){&q_lock, 1, ab->lp, NULL, false}; /* LOCK_AT */
  ab->calls[ab->nc++] = plans_custom;
  bool grows = b->frontier.size > b->old_size;
  if (r == BATCH_OK && grows) r = commit_calls(b, &ab->note, ab->calls, &ab->nc);
  /* Nothing new: the lock alone, to learn that the batch was judged at the ledger's size. */
  else if (r == BATCH_OK) ab->calls[ab->nc++] = (db_call){NULL, 0, NULL, "ROLLBACK", false};
  ab->rc = r;
  /* The next batch reads this one's documents from the cache: kept now, before COMMIT
   * (a failed commit drops it). Not kept: the next batch waits for this one. */
  ab->stackable = r == BATCH_OK && (!grows || ar_domain_db_committed(b->ddb, b->dom, b->frontier.size) == 0);
  return ab;
}

bool ar_append_stackable(const append_batch *ab) { return ab->stackable; }

int ar_append_send(db_conn *wc, append_batch *ab) {
  ab->b.c = wc;
  if (ab->rc != BATCH_OK) return -1;
  if (ar_db_ensure(wc)) {
    ab->rc = BATCH_UNREACHABLE;
    return -1;
  }
  ab->b.in_tx = true; /* a failure may leave it open: give_up rolls back */
  (void)ar_db_pipeline_send(wc, ab->nc, ab->calls); /* a failure shows in the receive */
  return wc->pipeline_sent > 0 ? 0 : -1;
}

/* The items answered again from scratch: the serial cycle, under the lock. */
static void redo_serial(db_conn *wc, const append_ledger *lg, append_item **items, size_t n) {
  for (size_t i = 0; i < n; i++) { /* judged, not answered: no receipt was made yet */
    free(items[i]->res->receipt.checkpoint);
    memset(items[i]->res, 0, sizeof *items[i]->res);
  }
  ar_domain_cache_drop(lg->cache);
  ar_append_batch(wc, lg, items, n, false, NULL, NULL);
}

int ar_append_finish(db_conn *wc, append_batch *ab) {
  batch *b = &ab->b;
  b->c = wc;
  int r = ab->rc;
  bool stale = false;
  for (int attempt = 0; r == BATCH_OK; attempt++) {
    PGresult *res[OVERLAP_CALLS];
    int got = ar_db_pipeline_recv(wc, ab->nc, ab->calls, res, true);
    unsigned long long locked = 0;
    bool have = res[LOCK_AT] && PQntuples(res[LOCK_AT]) == 1 && ar_db_u64(PQgetvalue(res[LOCK_AT], 0, 0), &locked) == 0;
    bool begun = res[0] != NULL;
    for (size_t i = 0; i < ab->nc; i++) PQclear(res[i]);
    if (got == 0) {
      b->in_tx = false;
      break;
    }
    if (have && locked != b->old_size) {
      stale = true;
      break;
    }
    bool lost = PQstatus(wc->pg) == CONNECTION_BAD;
    /* Lost before BEGIN was answered (a restart of PostgreSQL since the last batch):
     * once more on a new connection. Had it run after all, the leaves would collide. */
    if (!begun && lost && attempt == 0 && ar_db_ensure(wc) == 0) {
      fprintf(stderr, "aidreg: ledger %s: the database connection was lost; reconnected, retrying once\n",
              b->lg->code);
      if (ar_db_pipeline_send(wc, ab->nc, ab->calls) == 0) continue;
      (void)ar_db_pipeline_recv(wc, ab->nc, ab->calls, NULL, false);
    }
    r = PQstatus(wc->pg) == CONNECTION_BAD ? BATCH_UNREACHABLE : BATCH_DB_FAILED;
  }
  if (stale) {
    if (ar_db_cmd(wc, "ROLLBACK")) fprintf(stderr, "aidreg: ROLLBACK failed\n");
    b->in_tx = false;
    fprintf(stderr, "aidreg: ledger %s: another writer appended; judging the batch again\n", b->lg->code);
    redo_serial(wc, b->lg, ab->items, ab->n);
    return APPEND_REDONE;
  }
  if (r == BATCH_OK) answer(b, ab->items, ab->n, ab->o, ab->note);
  else give_up(b, ab->items, ab->n, r);
  settle(ab->items, ab->n);
  return r == BATCH_OK ? APPEND_COMMITTED : APPEND_FAILED;
}

void ar_append_discard(db_conn *wc, append_batch *ab, bool redo) {
  if (redo) {
    fprintf(stderr, "aidreg: ledger %s: judging again the batch judged on top of it\n", ab->b.lg->code);
    redo_serial(wc, ab->b.lg, ab->items, ab->n);
    return;
  }
  ar_domain_cache_drop(ab->b.lg->cache);
  fail_all(ab->items, ab->n, NULL, AIDREG_E_UNAVAILABLE,
           "the entry could not be stored: the batch before it failed to commit; retry (nothing was written)");
  settle(ab->items, ab->n);
}

void ar_append_batch_free(append_batch *ab) {
  if (!ab) return;
  free(ab->note);
  free(ab->o);
  batch_free(&ab->b);
  free(ab);
}
