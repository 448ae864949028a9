/* Reads of the current state (include/aidreg/state.h): projects, assets, plans and
 * summaries from the entity table (sql/002_state.sql), histories from the leaves.
 * Every `x_fen` integer gets an `x_yuan` string beside it. */
#include "aidreg/state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/authority.h"
#include "aidreg/encoding.h"
#include "aidreg/leaf.h"
#include "store/asset_pages.h"
#include "store/blobs.h"
#include "store/read_util.h"
#include "store/registry_private.h"
#include "store/summary_kept.h"

static db_stmt q_ledger = {"SELECT 1 FROM ledger WHERE code = $1", 0};
/* The page's ids first, then their documents: an OFFSET skips rows without reading their
 * documents (the last page of 100,000 assets took seconds). aidreg_townships (sql/012):
 * the townships of the villages, indexed. A search (?q=) tests the names and ids of the
 * index entity_names (sql/016) without reading the rows. */
#define LIST_WHERE                                                                                     \
  "WHERE ledger = $1 AND kind = $2 "                                                                   \
  "AND ($3::text IS NULL OR villages @> ARRAY[$3::text]) "                                             \
  "AND ($4::text IS NULL OR township = $4 OR aidreg_townships(villages) @> ARRAY[$4::text]) "          \
  "AND ($5::text IS NULL OR class = $5) AND ($6::text IS NULL OR status = $6) "                        \
  "AND ($7::text IS NULL OR strpos(lower(coalesce(name, '')), lower($7)) > 0 OR strpos(lower(id), lower($7)) > 0) " \
  "AND ($8::int = 0 OR year = $8)"
/* The total and the page in one statement (one snapshot: two statements could give a page
 * and a total of two states of a ledger being appended to); the total's row is there even
 * when the page is empty. */
static db_stmt q_list = {
    "WITH t AS (SELECT count(*) AS total FROM entity " LIST_WHERE ") "
    "SELECT t.total::text, y.doc FROM t LEFT JOIN LATERAL (SELECT (e.doc - $11::text[])::text AS doc, k.id "
    "FROM (SELECT id FROM entity " LIST_WHERE " ORDER BY id OFFSET $9 LIMIT $10) k "
    "JOIN entity e ON e.ledger = $1 AND e.kind = $2 AND e.id = k.id) y ON true ORDER BY y.id",
    0};
static db_stmt q_doc = {"SELECT doc::text FROM entity_doc WHERE ledger = $1 AND kind = $2 AND id = $3", 0};
#define STATE_HISTORY_PAGE 200 /* steps of a history per answer */
static db_stmt q_history = {
    "SELECT idx, data, encode(payload_sha256, 'hex') FROM leaf WHERE ledger = $1 AND subject = $2 AND idx >= $3 "
    "ORDER BY idx LIMIT $4",
    0};
static db_stmt q_signers = {
    "SELECT keyid, role, holder_name, holder_org FROM signing_key WHERE ledger = $1 AND keyid = ANY ($2::text[])", 0};
/* ---- helpers ---------------------------------------------------------------------------- */

static void add_yuan(json_t *v) {
  if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) add_yuan(x);
    return;
  }
  if (!json_is_object(v)) return;
  const char *keys[64];
  size_t n = 0;
  const char *k;
  json_t *x;
  json_object_foreach(v, k, x) {
    size_t len = strlen(k);
    if (len > 4 && strcmp(k + len - 4, "_fen") == 0 && json_is_integer(x) && n < 64) keys[n++] = k;
    else add_yuan(x);
  }
  for (size_t i = 0; i < n; i++) {
    char name[160], y[32];
    size_t len = strlen(keys[i]);
    if (len + 1 >= sizeof name) continue;
    snprintf(name, sizeof name, "%.*s_yuan", (int)(len - 4), keys[i]);
    aidreg_fen_to_yuan((int64_t)json_integer_value(json_object_get(v, keys[i])), y);
    json_object_set_new(v, name, json_string(y));
  }
}

static json_t *parse(const char *text) { return json_loads(text, 0, NULL); }

/* A stored document or leaf that does not read back is never skipped: a list whose items
 * disagree with its total, or a history with a hole, would pass for the truth. */
static int damaged(aidreg_problem *p, const char *what, const char *id) {
  return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL,
                            "stored %s %s does not read back: the projection is damaged; run `aidreg rebuild --check`",
                            what, id);
}

static int oom(aidreg_problem *p) { return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory"); }

/* Members of a stored document that grow with its subject's history: list items leave
 * them out, so that a page's size stays bounded; the document's own read shows them. */
static const char *list_omits(const char *kind) {
  return strcmp(kind, "asset") == 0 ? "{incomes,notices}" : "{}";
}

static int ledger_known(aidreg_registry *reg, db_conn *c, const char *code, aidreg_problem *p) {
  const char *params[1] = {code};
  PGresult *r = ar_db_run(c, &q_ledger, 1, params, NULL);
  if (!r) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  bool ok = PQntuples(r) == 1;
  PQclear(r);
  return ok ? 0 : ar_unknown_ledger(reg, code, p);
}

static bool digits(const char *s, size_t n) {
  return s && strlen(s) == n && aidreg_is_admin_code(s);
}

static int check_query(const aidreg_state_query *q, aidreg_problem *p) {
  if (!q) return 0;
  if (q->village && !digits(q->village, 12))
    return aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, "/query/village", "village must be a 12-digit code");
  if (q->township && !digits(q->township, 9))
    return aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, "/query/township", "township must be a 9-digit code");
  if (q->year < 0) return aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, "/query/year", "year must be positive");
  return 0;
}

/* ---- lists -------------------------------------------------------------------------------- */

static int list(aidreg_registry *r, const char *code, const char *kind, const aidreg_state_query *q0, json_t **out,
                aidreg_problem *p) {
  aidreg_state_query q = q0 ? *q0 : (aidreg_state_query){0};
  if (check_query(&q, p)) return -1;
  unsigned limit = q.limit == 0 ? 100 : q.limit > 1000 ? 1000 : q.limit;
  db_conn *c = ar_read_get(r, code);
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  int rc = ledger_known(r, c, code, p);
  PGresult *res = NULL;
  json_t *names = rc ? NULL : ar_read_place_names(r, c, code, p); /* names and labels beside codes and values */
  if (!rc && !names) rc = -1;
  if (rc) goto out;
  char year[16], from[24], lim[16];
  snprintf(year, sizeof year, "%d", q.year);
  snprintf(from, sizeof from, "%" PRIu64, q.from);
  snprintf(lim, sizeof lim, "%u", limit);
  const char *params[11] = {code,   kind,     q.village, q.township, q.klass, q.status,
                            q.q && *q.q ? q.q : NULL, year, from, lim, list_omits(kind)};
  unsigned long long total = 0;
  int col = 0, rows = 0;
  if (strcmp(kind, "asset") == 0 && q.year == 0) { /* from the kept parts (store/asset_pages.c) */
    ar_asset_page_ask ask = {q.village, q.township, q.klass, q.status, params[6], q.from, limit, params[10]};
    uint64_t n = 0;
    int got = ar_asset_page(c, code, &ask, &res, &n);
    if (got == -2) {
      rc = oom(p);
      goto out;
    }
    if (got == 0) {
      total = n;
      col = AR_ASSET_PAGE_DOC;
      rows = n > q.from ? PQntuples(res) : 0; /* an empty page is one row without a document */
    }
  }
  if (!res) {
    if (!(res = ar_db_run_planned(c, &q_list, 11, params, NULL)) || PQntuples(res) < 1) {
      rc = aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
      goto out;
    }
    ar_db_u64(PQgetvalue(res, 0, 0), &total);
    col = 1;
    rows = PQgetisnull(res, 0, 1) ? 0 : PQntuples(res);
  }
  json_t *items = json_array();
  if (!items) {
    rc = oom(p);
    goto out;
  }
  for (int i = 0; i < rows; i++) {
    json_t *doc = parse(PQgetvalue(res, i, col));
    if (!doc) {
      char at[48];
      snprintf(at, sizeof at, "at position %" PRIu64, q.from + (uint64_t)i);
      rc = damaged(p, kind, at);
    } else {
      add_yuan(doc);
      if (ar_read_decorate(doc, names) || json_array_append_new(items, doc)) rc = oom(p);
    }
    if (rc) {
      json_decref(items);
      goto out;
    }
  }
  uint64_t next = q.from + (uint64_t)rows;
  *out = json_pack("{s:o, s:o, s:I}", "items", items, "next", next < total ? json_integer((json_int_t)next) : json_null(),
                   "total", (json_int_t)total);
  if (!*out) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
out:
  json_decref(names);
  PQclear(res);
  ar_read_done(r, code, c, p);
  return rc;
}

int aidreg_state_projects(aidreg_registry *r, const char *code, const aidreg_state_query *q, json_t **out,
                          aidreg_problem *p) {
  return list(r, code, "project", q, out, p);
}
int aidreg_state_assets(aidreg_registry *r, const char *code, const aidreg_state_query *q, json_t **out,
                        aidreg_problem *p) {
  return list(r, code, "asset", q, out, p);
}
int aidreg_state_plans(aidreg_registry *r, const char *code, const aidreg_state_query *q, json_t **out,
                       aidreg_problem *p) {
  return list(r, code, "plan", q, out, p);
}

/* ---- one document and its history ----------------------------------------------------------- */

/* The stored document kind/id: 0 with *doc a new reference, or NULL when there is none;
 * -1 with p (INTERNAL) when it cannot be read. */
static int load_doc(db_conn *c, const char *code, const char *kind, const char *id, json_t **doc,
                    aidreg_problem *p) {
  const char *params[3] = {code, kind, id};
  *doc = NULL;
  PGresult *res = ar_db_run(c, &q_doc, 3, params, NULL);
  if (!res) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  int rc = 0;
  if (PQntuples(res) == 1 && !(*doc = parse(PQgetvalue(res, 0, 0)))) rc = damaged(p, kind, id);
  PQclear(res);
  return rc;
}

/* One step of a history; takes event and signers. */
static int add_step(json_t *out, PGresult *res, int i, const aidreg_leaf *leaf, json_t *event, json_t *signers,
                    const json_t *log) {
  const char *ref = PQgetvalue(res, i, 2);
  const json_t *sup = json_object_get(json_object_get(log, "superseded"), ref);
  unsigned long long idx = 0;
  ar_db_u64(PQgetvalue(res, i, 0), &idx);
  return json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s?, s:o, s:o, s:o}", "index", (json_int_t)idx, "ref",
                                              ref, "time", leaf->time, "type",
                                              json_string_value(json_object_get(event, "type")), "signers", signers,
                                              "event", event, "corrected_by",
                                              sup ? json_incref(json_object_get(sup, "index")) : json_null()));
}

/* The entries of subject from ledger index `from` in ledger order, at most
 * STATE_HISTORY_PAGE of them and max_bytes of leaves (at least one):
 * {"index","ref","time","type","signers","event","corrected_by"}; *next gets the index
 * of the first entry left out, or -1 when none is. NULL with p filled when a leaf does not
 * read back or the database fails. */
static json_t *history(db_conn *c, const char *code, const char *subject, const json_t *log, uint64_t from,
                       size_t max_bytes, int64_t *next, aidreg_problem *p) {
  char f[24], lim[24];
  snprintf(f, sizeof f, "%" PRIu64, from);
  snprintf(lim, sizeof lim, "%d", STATE_HISTORY_PAGE + 1);
  const char *params[4] = {code, subject, f, lim};
  *next = -1;
  PGresult *res = ar_db_run(c, &q_history, 4, params, NULL);
  if (!res) {
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
    return NULL;
  }
  json_t *out = json_array(), *keys = json_object();
  db_buf ids = {0};
  bool first = true;
  int rc = out && keys && !ar_db_buf_add(&ids, "{", 1) ? 0 : oom(p);
  size_t bytes = 0;
  for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
    const char *data = PQgetvalue(res, i, 1);
    size_t len = strlen(data);
    if (i == STATE_HISTORY_PAGE || (i > 0 && bytes + len > max_bytes)) {
      *next = (int64_t)strtoll(PQgetvalue(res, i, 0), NULL, 10);
      break;
    }
    bytes += len;
    aidreg_leaf leaf;
    if (aidreg_leaf_parse((const uint8_t *)data, strlen(data), &leaf, NULL)) {
      char what[96];
      snprintf(what, sizeof what, "leaf %s of", PQgetvalue(res, i, 0));
      rc = damaged(p, what, subject);
      break;
    }
    json_t *event = json_loadb((const char *)leaf.env.payload, leaf.env.payload_len, 0, NULL);
    json_t *signers = json_array();
    if (!event) {
      char what[96];
      snprintf(what, sizeof what, "event of leaf %s on", PQgetvalue(res, i, 0));
      rc = damaged(p, what, subject);
    } else if (!signers) {
      rc = oom(p);
    }
    for (size_t s = 0; rc == 0 && s < leaf.env.nsig; s++) {
      if (json_array_append_new(signers, json_pack("{s:s}", "keyid", leaf.env.sigs[s].keyid))) rc = oom(p);
      if (rc == 0 && !json_object_get(keys, leaf.env.sigs[s].keyid)) {
        if (json_object_set_new(keys, leaf.env.sigs[s].keyid, json_null())) rc = oom(p);
        if ((!first && ar_db_buf_add(&ids, ",", 1)) || ar_db_buf_add_array_elem(&ids, leaf.env.sigs[s].keyid))
          rc = oom(p);
        first = false;
      }
    }
    if (rc == 0) {
      if (add_step(out, res, i, &leaf, event, signers, log)) rc = oom(p);
    } else {
      json_decref(event);
      json_decref(signers);
    }
    aidreg_leaf_free(&leaf);
  }
  PQclear(res);
  if (rc == 0 && ar_db_buf_add(&ids, "}", 1)) rc = oom(p);
  /* Who signed: role and holder of each key. */
  if (rc == 0 && !first) {
    const char *sp[2] = {code, ids.data};
    PGresult *k = ar_db_run(c, &q_signers, 2, sp, NULL);
    if (!k) rc = aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
    for (int i = 0; rc == 0 && i < PQntuples(k); i++)
      if (json_object_set_new(keys, PQgetvalue(k, i, 0),
                              json_pack("{s:s, s:{s:s, s:s}}", "role", PQgetvalue(k, i, 1), "holder", "name",
                                        PQgetvalue(k, i, 2), "org", PQgetvalue(k, i, 3))))
        rc = oom(p);
    PQclear(k);
    size_t i, j;
    json_t *h, *s;
    json_array_foreach(out, i, h) {
      json_array_foreach(json_object_get(h, "signers"), j, s) {
        if (rc) break;
        const json_t *info = json_object_get(keys, json_string_value(json_object_get(s, "keyid")));
        if (json_object_set(s, "role", json_is_object(info) ? json_object_get(info, "role") : json_null()) ||
            json_object_set(s, "holder", json_is_object(info) ? json_object_get(info, "holder") : json_null()))
          rc = oom(p);
      }
    }
  }
  ar_db_buf_free(&ids);
  json_decref(keys);
  if (rc) {
    json_decref(out);
    return NULL;
  }
  return out;
}

/* The payouts in force of a plan: the allocation.payout slots of its log (a corrected
 * payout as corrected). NULL with p filled when the log does not read back. */
static json_t *payouts(db_conn *c, const char *code, const char *id, const json_t *log, aidreg_problem *p) {
  json_t *out = json_array(), *slots = json_array();
  int rc = out && slots ? 0 : oom(p);
  for (json_int_t k = 0; rc == 0 && k < json_integer_value(json_object_get(log, "sealed")); k++) {
    char cid[160];
    snprintf(cid, sizeof cid, "%s#%lld", id, (long long)k);
    json_t *chunk = NULL;
    rc = load_doc(c, code, "logc", cid, &chunk, p);
    if (rc == 0 && !chunk) rc = damaged(p, "logc", cid); /* a sealed chunk must exist */
    if (rc == 0 && json_array_extend(slots, json_object_get(chunk, "entries"))) rc = damaged(p, "logc", cid);
    json_decref(chunk);
  }
  if (rc == 0 && log && json_array_extend(slots, json_object_get(log, "tail"))) rc = damaged(p, "log", id);
  size_t i;
  json_t *s;
  json_array_foreach(slots, i, s) {
    if (rc) break;
    const char *type = json_string_value(json_object_get(s, "type"));
    if (!type) {
      rc = damaged(p, "log", id);
      break;
    }
    if (strcmp(type, "allocation.payout") != 0) continue;
    json_t *po = json_deep_copy(json_object_get(s, "body"));
    if (!po) {
      rc = damaged(p, "log", id);
      break;
    }
    if (json_object_set(po, "index", json_object_get(s, "index")) ||
        json_object_set(po, "ref", json_object_get(s, "ref")) || json_array_append_new(out, po))
      rc = damaged(p, "log", id);
  }
  json_decref(slots);
  if (rc) {
    json_decref(out);
    return NULL;
  }
  return out;
}

static int one(aidreg_registry *r, const char *code, const char *kind, const char *id, uint64_t history_from,
               json_t **out, aidreg_problem *p) {
  if (!id || !*id) return aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "no id");
  db_conn *c = ar_read_get(r, code);
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  int rc = ledger_known(r, c, code, p);
  json_t *doc = NULL, *log = NULL;
  if (rc == 0) rc = load_doc(c, code, kind, id, &doc, p);
  if (rc == 0 && !doc) rc = aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "there is no %s %s in ledger %s", kind, id, code);
  if (rc == 0) add_yuan(doc); /* not inside the signed events of the history */
  json_t *names = rc == 0 ? ar_read_place_names(r, c, code, p) : NULL;
  if (rc == 0 && (!names || ar_read_decorate(doc, names))) rc = names ? oom(p) : -1;
  json_decref(names);
  if (rc == 0 && strcmp(kind, "project") != 0) {
    rc = load_doc(c, code, "log", id, &log, p); /* none: no entry is in force */
    if (rc == 0 && strcmp(kind, "plan") == 0) {
      json_t *po = payouts(c, code, id, log, p);
      if (!po) rc = -1;
      add_yuan(po);
      if (rc == 0 && json_object_set_new(doc, "payouts", po)) rc = oom(p);
    }
    int64_t next = -1;
    json_t *h = rc == 0 ? history(c, code, id, log, history_from, r->max_response_bytes, &next, p) : NULL;
    if (rc == 0 && !h) rc = -1;
    if (rc == 0 && ar_blobs_annotate(c, code, doc, h, p)) {
      rc = -1;
      json_decref(h);
    }
    if (rc == 0 && json_object_set_new(doc, "history", h)) rc = oom(p);
    if (rc == 0 &&
        json_object_set_new(doc, "history_next", next >= 0 ? json_integer((json_int_t)next) : json_null()))
      rc = oom(p);
  }
  ar_read_done(r, code, c, p);
  json_decref(log);
  if (rc) {
    json_decref(doc);
    return rc;
  }
  *out = doc;
  return 0;
}

int aidreg_state_project(aidreg_registry *r, const char *code, const char *id, json_t **out, aidreg_problem *p) {
  return one(r, code, "project", id, 0, out, p);
}
int aidreg_state_asset(aidreg_registry *r, const char *code, const char *id, json_t **out, aidreg_problem *p) {
  return one(r, code, "asset", id, 0, out, p);
}
int aidreg_state_plan(aidreg_registry *r, const char *code, const char *id, json_t **out, aidreg_problem *p) {
  return one(r, code, "plan", id, 0, out, p);
}
int aidreg_state_asset_from(aidreg_registry *r, const char *code, const char *id, uint64_t history_from, json_t **out,
                            aidreg_problem *p) {
  return one(r, code, "asset", id, history_from, out, p);
}
int aidreg_state_plan_from(aidreg_registry *r, const char *code, const char *id, uint64_t history_from, json_t **out,
                           aidreg_problem *p) {
  return one(r, code, "plan", id, history_from, out, p);
}

/* ---- summaries --------------------------------------------------------------------------------- */

/* A sum of fen as the database computed it (numeric), or NULL when it does not fit the
 * integers the API answers in (beyond INT64_MAX: *overflow set). */
static json_t *fen_json(const char *numeric, bool *overflow) {
  errno = 0;
  char *end;
  long long v = strtoll(numeric, &end, 10);
  if (errno == ERANGE || *end) {
    *overflow = true;
    return NULL;
  }
  return json_integer((json_int_t)v);
}

int aidreg_state_summary(aidreg_registry *r, const char *code, const char *village, json_t **out,
                         aidreg_problem *p) {
  if (village && !(digits(village, 12) && strncmp(village, code, 6) == 0))
    return aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "%s is not a village code of county %s", village, code);
  db_conn *c = ar_read_get(r, code);
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  int rc = ledger_known(r, c, code, p);
  ar_summary_figures f = {0};
  if (rc == 0) {
    int got = ar_summary_figures_get(c, code, village ? 'v' : 'c', village, &f); /* store/summary_kept.c */
    if (got == -2) rc = oom(p);
    else if (got) rc = aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  }
  if (rc == 0) {
    json_t *by_class = NULL, *by_status = NULL;
    json_int_t total = ar_summary_assets(&f, &by_class, &by_status);
    bool overflow = false;
    json_t *sums[6] = {fen_json(f.sums[AR_SUM_VALUE], &overflow), fen_json(f.sums[AR_SUM_GROSS], &overflow),
                       fen_json(f.sums[AR_SUM_NET], &overflow), fen_json(f.sums[AR_SUM_ALLOCATED], &overflow),
                       fen_json(f.sums[AR_SUM_PAID], &overflow), fen_json(f.sums[AR_SUM_UNALLOCATED], &overflow)};
    if (overflow) {
      for (int i = 0; i < 6; i++) json_decref(sums[i]);
      json_decref(by_class);
      json_decref(by_status);
      *out = NULL;
      rc = aidreg_problem_set(p, AIDREG_E_AMOUNT_OVERFLOW, NULL,
                              "%s 的金额合计超出可记录范围（%lld 分），无法给出汇总；请按村查询 / the sums of %s exceed "
                              "the largest amount an answer carries (%lld fen): ask per village",
                              village ? village : code, (long long)INT64_MAX, village ? village : code,
                              (long long)INT64_MAX);
    } else {
      *out = json_pack("{s:s, s:o, s:{s:I, s:o, s:o}, s:o, s:o, s:o, s:o, s:o, s:o}", "ledger", code, "village",
                       village ? json_string(village) : json_null(), "assets", "total", total, "by_class", by_class,
                       "by_status", by_status, "original_value_fen", sums[0], "income_gross_fen", sums[1],
                       "income_net_fen", sums[2], "allocated_fen", sums[3], "paid_fen", sums[4], "unallocated_fen",
                       sums[5]);
      if (!*out) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
      else add_yuan(*out);
      json_t *names = *out ? ar_read_place_names(r, c, code, p) : NULL;
      if (*out && (!names || ar_read_decorate(*out, names))) {
        rc = names ? oom(p) : -1;
        json_decref(*out);
        *out = NULL;
      }
      json_decref(names);
    }
  }
  ar_summary_figures_free(&f);
  ar_read_done(r, code, c, p);
  return rc;
}
