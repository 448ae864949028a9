/* Report "disposals" (domain.md "Reports a county must produce" 4): the disposal register,
 * one row per disposal.request in ledger order: the asset, the request (trigger, method,
 * valuation, date), the county's decision, the sale (date, proceeds, counterparty) and
 * where the proceeds went. Read in one statement together with the latest checkpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/state.h"
#include "rules/domain_validate.h"
#include "store/read_util.h"
#include "store/registry_private.h"

static db_stmt q_disposals = {
    "WITH cp AS (SELECT note, created_at FROM checkpoint WHERE ledger = $1 ORDER BY size DESC LIMIT 1) "
    "SELECT cp.note, to_char(cp.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), x.doc FROM cp "
    "LEFT JOIN LATERAL (SELECT a.doc::text AS doc, a.id FROM entity a WHERE a.ledger = $1 AND a.kind = 'asset' "
    "AND jsonb_typeof(a.doc->'disposal') = 'object') x ON true ORDER BY x.id",
    0};

static int oom(aidreg_problem *p) { return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory"); }

static const char *s_(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

static const char *label(const char *e, const char *v) {
  const char *z = ar_domain_label_in(e, v);
  return z ? z : v;
}

static json_t *yuan_of(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  if (!json_is_integer(v)) return json_string("");
  char y[32];
  aidreg_fen_to_yuan((int64_t)json_integer_value(v), y);
  return json_string(y);
}

int aidreg_state_report_disposals(aidreg_registry *r, const char *code, json_t **out, aidreg_problem *p) {
  *out = NULL;
  db_conn *c = ar_read_get(r, code);
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  json_t *names = ar_read_place_names(r, c, code, p);
  if (!names) {
    ar_read_done(r, code, c, p);
    return -1;
  }
  const char *params[1] = {code};
  PGresult *res = ar_db_run(c, &q_disposals, 1, params, NULL);
  int rc = 0;
  if (!res) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "query failed");
  else if (PQntuples(res) == 0) rc = aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "ledger %s has no checkpoint yet", code);
  json_t *rows = json_array();
  if (rc == 0 && !rows) rc = oom(p);
  for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
    if (PQgetisnull(res, i, 2)) continue;
    json_t *a = json_loads(PQgetvalue(res, i, 2), 0, NULL);
    if (!a) {
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "a stored asset does not read back");
      break;
    }
    const char *v = s_(a, "village"), *vn = json_string_value(json_object_get(names, v));
    size_t j;
    json_t *q;
    json_array_foreach(json_object_get(json_object_get(a, "disposal"), "requests"), j, q) {
      const json_t *dec = json_object_get(q, "decision"), *done = json_object_get(q, "completed");
      char decision[512] = "", to[256] = "";
      if (json_is_object(dec))
        snprintf(decision, sizeof decision, "%s%s%s", label("approval_decision", s_(dec, "decision")),
                 *s_(dec, "conditions") ? "：" : "", s_(dec, "conditions"));
      else
        snprintf(decision, sizeof decision, "待审批");
      if (json_is_object(done)) {
        const char *pt = s_(done, "proceeds_to"), *ptn = json_string_value(json_object_get(names, pt));
        size_t k;
        json_t *o;
        json_array_foreach(json_object_get(a, "owners"), k, o) if (strcmp(s_(o, "id"), pt) == 0) ptn = s_(o, "name");
        snprintf(to, sizeof to, "%s%s%s%s", ptn && *ptn ? ptn : pt, ptn && *ptn ? "（" : "", ptn && *ptn ? pt : "",
                 ptn && *ptn ? "）" : "");
      }
      json_t *row = json_pack("[s, s, s, o, s, s, o, s, s, s, o, s, s]", s_(a, "id"), s_(a, "name"), vn && *vn ? vn : v,
                              yuan_of(a, "original_value_fen"), label("disposal_trigger", s_(q, "trigger")),
                              label("disposal_method", s_(q, "method")), yuan_of(q, "valuation_fen"), s_(q, "decided_on"),
                              decision, json_is_object(done) ? s_(done, "completed_on") : "",
                              json_is_object(done) ? yuan_of(done, "proceeds_fen") : json_string(""),
                              json_is_object(done) ? s_(done, "counterparty") : "", to);
      if (!row || json_array_append_new(rows, row)) rc = oom(p);
    }
    json_decref(a);
  }
  if (rc == 0) {
    char now[32];
    time_t tt = time(NULL);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    *out = json_pack("{s:s, s:s, s:s, s:o, s:s, s:[{s:s, s:[s, s, s, s, s, s, s, s, s, s, s, s, s], s:O}]}", "ledger",
                     code, "report", "disposals", "title", "扶贫项目资产处置登记", "checkpoint",
                     ar_report_checkpoint(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1)), "generated_at", now, "tables",
                     "title", "处置登记 disposals", "columns", "资产编号", "资产名称", "村", "资产原值（元）", "处置原因",
                     "处置方式", "评估价值（元）", "申请日期", "县级审批", "完成日期", "处置收入（元）", "交易对象",
                     "收入去向", "rows", rows);
    if (!*out) rc = oom(p);
  }
  json_decref(rows);
  PQclear(res);
  json_decref(names);
  ar_read_done(r, code, c, p);
  return rc;
}
