/* The county's desk (include/aidreg/state.h, docs/api.md "Current state"): a township's
 * figures, the keys and what each signed, the settings in force, the income reports with
 * what plans draw on them, the notices and the findings. Each answer is decorated with the
 * places' names and the enumerations' labels (read_util.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/authority.h"
#include "aidreg/state.h"
#include "rules/domain_validate.h"
#include "store/key_use.h"
#include "store/read_util.h"
#include "store/registry_private.h"
#include "store/summary_kept.h"

/* The keys with their counts ($2: {keyid: [entries, last index]}, store/key_use.c) and the
 * times of the entries named, by primary key. */
static db_stmt q_keys = {
    "WITH s AS (SELECT key AS keyid, (value->>0)::bigint AS n, (value->>1)::bigint AS last FROM jsonb_each($2::jsonb)) "
    "SELECT k.keyid, k.role, k.scope, k.is_root::text, k.holder_name, k.holder_org, k.enrolled_at::text, "
    "(SELECT (data::jsonb)->>'time' FROM leaf WHERE ledger = $1 AND idx = k.enrolled_at), "
    "coalesce(k.revoked_at::text, ''), "
    "coalesce((SELECT (data::jsonb)->>'time' FROM leaf WHERE ledger = $1 AND idx = k.revoked_at), ''), "
    "coalesce(s.n, 0)::text, coalesce(s.last::text, ''), "
    "coalesce((SELECT (data::jsonb)->>'time' FROM leaf WHERE ledger = $1 AND idx = s.last), '') "
    "FROM signing_key k LEFT JOIN s ON s.keyid = k.keyid WHERE k.ledger = $1 ORDER BY k.enrolled_at, k.keyid",
    0};
static db_stmt q_settings = {"SELECT doc::text FROM entity WHERE ledger = $1 AND kind = 'settings' AND id = $1", 0};
static db_stmt q_incomes = {
    "SELECT e.doc::text, a.name FROM entity e "
    "LEFT JOIN entity a ON a.ledger = e.ledger AND a.kind = 'asset' AND a.id = e.name "
    "WHERE e.ledger = $1 AND e.kind = 'income' AND ($2::text IS NULL OR e.villages @> ARRAY[$2::text]) "
    "AND ($3::text IS NULL OR e.name = $3) AND ($4::int = 0 OR left(e.doc->>'period_end', 4)::int = $4::int) "
    "ORDER BY (e.doc->>'index')::bigint OFFSET $5 LIMIT $6",
    0};
static db_stmt q_incomes_count = {
    "SELECT count(*) FROM entity e "
    "WHERE e.ledger = $1 AND e.kind = 'income' AND ($2::text IS NULL OR e.villages @> ARRAY[$2::text]) "
    "AND ($3::text IS NULL OR e.name = $3) AND ($4::int = 0 OR left(e.doc->>'period_end', 4)::int = $4::int)",
    0};
/* A page of notices (or findings) and, in the same statement, how many there are: the
 * count row is there even when the page is empty. has_notices (an asset or village whose
 * notices are a non-empty array; sql/013) matches the partial index entity_with_notices:
 * most assets have none, and reading every asset's document to learn it took most of a
 * second at 100,000. */
static db_stmt q_notices = {
    "WITH x AS (SELECT e.kind, e.id, coalesce(e.name, '') AS name, coalesce(e.village, '') AS village, "
    "coalesce(e.township, '') AS township, n.value::text AS n, (n.value->>'index')::bigint AS idx "
    "FROM entity e CROSS JOIN LATERAL jsonb_array_elements(e.doc->'notices') n "
    "WHERE e.ledger = $1 AND e.has_notices "
    "UNION ALL SELECT e.kind, e.id, '', coalesce(e.village, ''), coalesce(e.township, ''), (e.doc->'notice')::text, "
    "(e.doc->'notice'->>'index')::bigint FROM entity e "
    "WHERE e.ledger = $1 AND e.kind = 'plan' AND jsonb_typeof(e.doc->'notice') = 'object'), "
    "t AS (SELECT count(*) AS total FROM x) "
    "SELECT y.kind, y.id, y.name, y.village, y.township, y.n, t.total::text FROM t LEFT JOIN LATERAL "
    "(SELECT * FROM x ORDER BY x.idx, x.id OFFSET $2 LIMIT $3) y ON true",
    0};
static db_stmt q_findings = {
    "WITH t AS (SELECT count(*) AS total FROM entity WHERE ledger = $1 AND kind = 'finding') "
    "SELECT y.doc, y.name, y.village, t.total::text FROM t LEFT JOIN LATERAL ("
    "SELECT f.doc::text AS doc, coalesce(a.name, '') AS name, coalesce(a.village, pl.village, '') AS village FROM entity f "
    "LEFT JOIN entity a ON a.ledger = f.ledger AND a.kind = 'asset' AND a.id = f.name "
    "LEFT JOIN entity pl ON pl.ledger = f.ledger AND pl.kind = 'plan' AND pl.id = f.name "
    "WHERE f.ledger = $1 AND f.kind = 'finding' ORDER BY (f.doc->>'recorded_at')::bigint, f.id OFFSET $2 LIMIT $3) y ON true",
    0};

static int oom(aidreg_problem *p) { return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory"); }
static int failed(aidreg_problem *p) { return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "query failed"); }
static int damaged(aidreg_problem *p, const char *what) {
  return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL,
                            "a stored %s does not read back: the projection is damaged; run `aidreg rebuild --check`",
                            what);
}
static json_int_t num(const char *s) { return (json_int_t)strtoll(s, NULL, 10); }

/* The connection and the names of the ledger's places (which also checks that it exists).
 * NULL with p. */
static db_conn *open_read(aidreg_registry *r, const char *code, json_t **names, aidreg_problem *p) {
  db_conn *c = ar_read_get(r, code);
  if (!c) {
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
    return NULL;
  }
  if (!(*names = ar_read_place_names(r, c, code, p))) {
    ar_read_done(r, code, c, p);
    return NULL;
  }
  return c;
}

/* *out = {"ledger", "items", "total"} decorated; takes items. */
static int finish_all(const char *code, json_t *items, const json_t *names, json_t **out, aidreg_problem *p) {
  if (!items || ar_read_decorate(items, names)) {
    json_decref(items);
    return oom(p);
  }
  *out = json_pack("{s:s, s:o, s:I}", "ledger", code, "items", items, "total", (json_int_t)json_array_size(items));
  return *out ? 0 : oom(p);
}

/* *out = {"ledger", "items", "next", "total"} decorated (the lists' paging, docs/api.md); takes
 * items. */
static int finish_page(const char *code, json_t *items, const json_t *names, uint64_t from, const char *total_s,
                       json_t **out, aidreg_problem *p) {
  if (!items || ar_read_decorate(items, names)) {
    json_decref(items);
    return oom(p);
  }
  json_int_t total = num(total_s), next = (json_int_t)from + (json_int_t)json_array_size(items);
  *out = json_pack("{s:s, s:o, s:o, s:I}", "ledger", code, "items", items, "next",
                   next < total ? json_integer(next) : json_null(), "total", total);
  return *out ? 0 : oom(p);
}

/* from and limit of a page (limit 0: 100; at most 1000) as statement parameters. */
static void page_params(const aidreg_state_query *q, char from[24], char lim[16]) {
  unsigned limit = !q || q->limit == 0 ? 100 : q->limit > 1000 ? 1000 : q->limit;
  snprintf(from, 24, "%" PRIu64, q ? q->from : 0);
  snprintf(lim, 16, "%u", limit);
}

/* ---- a township's figures ------------------------------------------------------------- */

int aidreg_state_township_summary(aidreg_registry *r, const char *code, const char *township, json_t **out,
                                  aidreg_problem *p) {
  *out = NULL;
  if (!township || strlen(township) != 9 || !aidreg_is_admin_code(township) || strncmp(township, code, 6) != 0)
    return aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "%s is not a township code of county %s",
                              township ? township : "", code);
  json_t *names = NULL;
  db_conn *c = open_read(r, code, &names, p);
  if (!c) return -1;
  ar_summary_figures f = {0};
  int got = ar_summary_figures_get(c, code, 't', township, &f); /* store/summary_kept.c */
  int rc = got == -2 ? oom(p) : got ? failed(p) : 0;
  if (rc == 0) {
    json_t *by_class = NULL, *by_status = NULL;
    json_int_t total = ar_summary_assets(&f, &by_class, &by_status);
    *out = json_pack("{s:s, s:s, s:{s:I, s:o, s:o}, s:I, s:I, s:I, s:I, s:I, s:I}", "ledger", code, "township",
                     township, "assets", "total", total, "by_class", by_class, "by_status", by_status,
                     "original_value_fen", num(f.sums[AR_SUM_VALUE]), "income_gross_fen", num(f.sums[AR_SUM_GROSS]),
                     "income_net_fen", num(f.sums[AR_SUM_NET]), "allocated_fen", num(f.sums[AR_SUM_ALLOCATED]),
                     "paid_fen", num(f.sums[AR_SUM_PAID]), "unallocated_fen", num(f.sums[AR_SUM_UNALLOCATED]));
    if (!*out || ar_read_decorate(*out, names)) rc = oom(p);
  }
  ar_summary_figures_free(&f);
  json_decref(names);
  ar_read_done(r, code, c, p);
  if (rc) {
    json_decref(*out);
    *out = NULL;
  }
  return rc;
}

/* ---- keys ----------------------------------------------------------------------------- */

static json_t *at(const char *index, const char *time) {
  if (!*index) return json_null();
  return json_pack("{s:I, s:s?}", "index", num(index), "time", *time ? time : NULL);
}

int aidreg_state_keys(aidreg_registry *r, const char *code, json_t **out, aidreg_problem *p) {
  *out = NULL;
  json_t *names = NULL;
  db_conn *c = open_read(r, code, &names, p);
  if (!c) return -1;
  json_t *counts = NULL;
  int used = ar_key_use(c, code, &counts, p);
  char *counts_text = used == 0 ? json_dumps(counts, JSON_COMPACT) : NULL;
  json_decref(counts);
  if (!counts_text) {
    if (used == 0) oom(p);
    json_decref(names);
    ar_read_done(r, code, c, p);
    return -1;
  }
  const char *params[2] = {code, counts_text};
  PGresult *k = ar_db_run(c, &q_keys, 2, params, NULL);
  free(counts_text);
  int rc = k ? 0 : failed(p);
  json_t *items = rc == 0 ? json_array() : NULL;
  for (int i = 0; rc == 0 && i < PQntuples(k); i++) {
    bool revoked = *PQgetvalue(k, i, 8) != '\0';
    json_t *item = json_pack(
        "{s:s, s:s, s:s, s:b, s:{s:s, s:s}, s:o, s:o, s:s, s:I, s:o}", "keyid", PQgetvalue(k, i, 0), "role",
        PQgetvalue(k, i, 1), "scope", PQgetvalue(k, i, 2), "is_root", strcmp(PQgetvalue(k, i, 3), "true") == 0,
        "holder", "name", PQgetvalue(k, i, 4), "org", PQgetvalue(k, i, 5), "enrolled_at",
        at(PQgetvalue(k, i, 6), PQgetvalue(k, i, 7)), "revoked_at", at(PQgetvalue(k, i, 8), PQgetvalue(k, i, 9)),
        "status", revoked ? "revoked" : "active", "entries_signed", num(PQgetvalue(k, i, 10)), "last_signed",
        at(PQgetvalue(k, i, 11), PQgetvalue(k, i, 12)));
    if (!item || json_array_append_new(items, item)) rc = oom(p);
  }
  PQclear(k);
  if (rc == 0) rc = finish_all(code, items, names, out, p);
  else json_decref(items);
  json_decref(names);
  ar_read_done(r, code, c, p);
  return rc;
}

/* ---- settings ------------------------------------------------------------------------- */

int aidreg_state_settings(aidreg_registry *r, const char *code, json_t **out, aidreg_problem *p) {
  *out = NULL;
  json_t *names = NULL;
  db_conn *c = open_read(r, code, &names, p);
  if (!c) return -1;
  const char *params[1] = {code};
  PGresult *res = ar_db_run(c, &q_settings, 1, params, NULL);
  int rc = res ? 0 : failed(p);
  domain_settings d;
  ar_domain_settings_defaults(&d);
  json_t *defaults = rc == 0 ? ar_domain_settings_json(&d) : NULL, *doc = NULL;
  if (rc == 0 && !defaults) rc = oom(p);
  if (rc == 0 && PQntuples(res) == 1 && !(doc = json_loads(PQgetvalue(res, 0, 0), 0, NULL))) rc = damaged(p, "settings");
  PQclear(res);
  if (rc == 0) {
    json_t *hist = json_object_get(doc, "history"), *cur = json_object_get(doc, "current");
    json_t *last = json_array_get(hist, json_array_size(hist) - 1);
    json_t *since = json_object_get(last, "from");
    *out = json_pack("{s:s, s:O, s:O, s:O, s:o}", "ledger", code, "settings", json_is_object(cur) ? cur : defaults,
                     "since", since ? since : json_null(), "defaults", defaults, "history",
                     json_is_array(hist) ? json_incref(hist) : json_array());
    if (!*out || ar_read_decorate(*out, names)) rc = oom(p);
  }
  json_decref(doc);
  json_decref(defaults);
  json_decref(names);
  ar_read_done(r, code, c, p);
  if (rc) {
    json_decref(*out);
    *out = NULL;
  }
  return rc;
}

/* ---- incomes -------------------------------------------------------------------------- */

/* An income document as the read shows it: drawn as a list, remaining beside drawn. */
static int shape_income(json_t *doc, const char *asset_name) {
  json_t *drawn = json_array(), *from = json_object_get(doc, "drawn");
  const char *plan;
  json_t *d;
  json_object_foreach(from, plan, d) {
    if (!drawn || json_array_append_new(drawn, json_pack("{s:s, s:O, s:O}", "plan", plan, "village",
                                                         json_object_get(d, "village"), "amount_fen",
                                                         json_object_get(d, "amount_fen"))))
      return -1;
  }
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(doc, "shares"), i, s) {
    json_int_t rem = json_integer_value(json_object_get(s, "net_fen")) - json_integer_value(json_object_get(s, "drawn_fen"));
    if (json_object_set_new(s, "remaining_fen", json_integer(rem))) return -1;
  }
  json_t *first = json_array_get(json_object_get(doc, "shares"), 0);
  if (json_object_set_new(doc, "drawn", drawn) ||
      json_object_set_new(doc, "asset_name", asset_name && *asset_name ? json_string(asset_name) : json_null()) ||
      json_object_set(doc, "village", first ? json_object_get(first, "village") : json_null()) ||
      json_object_set(doc, "drawn_fen", json_object_get(doc, "allocated_fen")) ||
      json_object_set(doc, "remaining_fen", json_object_get(doc, "unallocated_fen")))
    return -1;
  return 0;
}

int aidreg_state_incomes(aidreg_registry *r, const char *code, const aidreg_state_query *q0, const char *asset,
                         json_t **out, aidreg_problem *p) {
  *out = NULL;
  aidreg_state_query q = q0 ? *q0 : (aidreg_state_query){0};
  if (q.village && !(strlen(q.village) == 12 && aidreg_is_admin_code(q.village)))
    return aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, "/query/village", "village must be a 12-digit code");
  if (asset && !aidreg_state_id_ok(asset))
    return aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, "/query/asset", "asset must be an asset code");
  if (q.year < 0) return aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, "/query/year", "year must be positive");
  unsigned limit = q.limit == 0 ? 100 : q.limit > 1000 ? 1000 : q.limit;
  json_t *names = NULL;
  db_conn *c = open_read(r, code, &names, p);
  if (!c) return -1;
  char year[16], from[24], lim[16];
  snprintf(year, sizeof year, "%d", q.year);
  snprintf(from, sizeof from, "%" PRIu64, q.from);
  snprintf(lim, sizeof lim, "%u", limit);
  const char *params[6] = {code, q.village, asset, year, from, lim};
  PGresult *res = ar_db_run_planned(c, &q_incomes, 6, params, NULL), *cnt = res ? ar_db_run_planned(c, &q_incomes_count, 4, params, NULL) : NULL;
  int rc = res && cnt ? 0 : failed(p);
  json_t *items = rc == 0 ? json_array() : NULL;
  if (rc == 0 && !items) rc = oom(p);
  for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
    json_t *doc = json_loads(PQgetvalue(res, i, 0), 0, NULL);
    if (!doc) rc = damaged(p, "income report");
    else if (shape_income(doc, PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1)) ||
             json_array_append_new(items, doc))
      rc = oom(p);
  }
  if (rc == 0 && ar_read_decorate(items, names)) rc = oom(p);
  if (rc == 0) {
    json_int_t total = num(PQgetvalue(cnt, 0, 0));
    json_int_t next = (json_int_t)q.from + PQntuples(res);
    *out = json_pack("{s:s, s:O, s:o, s:I}", "ledger", code, "items", items, "next",
                     next < total ? json_integer(next) : json_null(), "total", total);
    if (!*out) rc = oom(p);
  }
  json_decref(items);
  PQclear(res);
  PQclear(cnt);
  json_decref(names);
  ar_read_done(r, code, c, p);
  return rc;
}

/* ---- notices and findings ------------------------------------------------------------- */

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

int aidreg_state_notices(aidreg_registry *r, const char *code, const aidreg_state_query *q, json_t **out,
                         aidreg_problem *p) {
  *out = NULL;
  json_t *names = NULL;
  db_conn *c = open_read(r, code, &names, p);
  if (!c) return -1;
  char from[24], lim[16];
  page_params(q, from, lim);
  const char *params[3] = {code, from, lim};
  PGresult *res = ar_db_run(c, &q_notices, 3, params, NULL);
  int rc = res && PQntuples(res) > 0 ? 0 : failed(p);
  json_t *items = rc == 0 ? json_array() : NULL;
  if (rc == 0 && !items) rc = oom(p);
  for (int i = 0; rc == 0 && i < PQntuples(res) && !PQgetisnull(res, i, 5); i++) {
    json_t *n = json_loads(PQgetvalue(res, i, 5), 0, NULL);
    const char *kind = PQgetvalue(res, i, 0), *id = PQgetvalue(res, i, 1);
    bool village = strcmp(kind, "village") == 0;
    const json_t *pname = village ? json_object_get(names, id) : NULL;
    if (!n) {
      rc = damaged(p, "notice");
      break;
    }
    if (json_object_set_new(n, "subject", json_string(id)) || json_object_set_new(n, "subject_kind", json_string(kind)) ||
        json_object_set_new(n, "subject_name", village ? (pname ? json_incref((json_t *)pname) : json_null())
                                                      : str_or_null(PQgetvalue(res, i, 2))) ||
        json_object_set_new(n, "village", str_or_null(village ? id : PQgetvalue(res, i, 3))) ||
        json_object_set_new(n, "township", str_or_null(PQgetvalue(res, i, 4))) ||
        json_object_set_new(n, "kind_zh", str_or_null(ar_domain_label_in("notice_kind", json_string_value(json_object_get(n, "kind"))))) ||
        json_array_append_new(items, n))
      rc = oom(p);
  }
  if (rc == 0) rc = finish_page(code, items, names, q ? q->from : 0, PQgetvalue(res, 0, PQnfields(res) - 1), out, p);
  else json_decref(items);
  PQclear(res);
  json_decref(names);
  ar_read_done(r, code, c, p);
  return rc;
}

int aidreg_state_findings(aidreg_registry *r, const char *code, const aidreg_state_query *q, json_t **out,
                          aidreg_problem *p) {
  *out = NULL;
  json_t *names = NULL;
  db_conn *c = open_read(r, code, &names, p);
  if (!c) return -1;
  char from[24], lim[16];
  page_params(q, from, lim);
  const char *params[3] = {code, from, lim};
  PGresult *res = ar_db_run(c, &q_findings, 3, params, NULL);
  int rc = res && PQntuples(res) > 0 ? 0 : failed(p);
  json_t *items = rc == 0 ? json_array() : NULL;
  if (rc == 0 && !items) rc = oom(p);
  for (int i = 0; rc == 0 && i < PQntuples(res) && !PQgetisnull(res, i, 0); i++) {
    json_t *f = json_loads(PQgetvalue(res, i, 0), 0, NULL);
    if (!f) {
      rc = damaged(p, "finding");
      break;
    }
    const char *sk = json_string_value(json_object_get(f, "subject_kind")), *subj = json_string_value(json_object_get(f, "subject"));
    bool village = sk && strcmp(sk, "village") == 0;
    const json_t *pname = village && subj ? json_object_get(names, subj) : NULL;
    if (json_object_set_new(f, "subject_name", village ? (pname ? json_incref((json_t *)pname) : json_null())
                                                      : str_or_null(PQgetvalue(res, i, 1))) ||
        json_object_set_new(f, "village", village ? json_string(subj) : str_or_null(PQgetvalue(res, i, 2))) ||
        json_object_set_new(f, "status", json_string(json_is_null(json_object_get(f, "resolution")) ? "open" : "resolved")) ||
        json_array_append_new(items, f))
      rc = oom(p);
  }
  if (rc == 0) rc = finish_page(code, items, names, q ? q->from : 0, PQgetvalue(res, 0, PQnfields(res) - 1), out, p);
  else json_decref(items);
  PQclear(res);
  json_decref(names);
  ar_read_done(r, code, c, p);
  return rc;
}
