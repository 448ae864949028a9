/* Report "income" (domain.md "Reports a county must produce" 3): income and its
 * distribution per asset and village, with the notices that disclosed it: one row per
 * income report and village share (net, drawn by the plans, left), the plans that draw on
 * it with their state and allocation notice, the asset's income notices; then the totals by
 * village. Read in one statement together with the latest checkpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/authority.h"
#include "aidreg/state.h"
#include "store/read_util.h"
#include "store/registry_private.h"

static db_stmt q_income = {
    "WITH cp AS (SELECT note, created_at FROM checkpoint WHERE ledger = $1 ORDER BY size DESC LIMIT 1) "
    "SELECT cp.note, to_char(cp.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), x.doc, x.asset_name, "
    "x.plans, x.notices FROM cp LEFT JOIN LATERAL ("
    "SELECT e.doc::text AS doc, coalesce(a.name, '') AS asset_name, "
    "coalesce((SELECT jsonb_object_agg(p.id, jsonb_build_object('village', p.village, 'state', p.status, "
    "'notice', p.doc->'notice')) FROM entity p WHERE p.ledger = e.ledger AND p.kind = 'plan' AND "
    "jsonb_typeof(e.doc->'drawn') = 'object' AND e.doc->'drawn' ? p.id), '{}'::jsonb)::text AS plans, "
    "coalesce((SELECT jsonb_agg(n) FROM jsonb_array_elements(CASE WHEN jsonb_typeof(a.doc->'notices') = 'array' "
    "THEN a.doc->'notices' ELSE '[]'::jsonb END) n WHERE n->>'kind' = 'income'), '[]'::jsonb)::text AS notices, "
    "(e.doc->>'index')::bigint AS idx FROM entity e "
    "LEFT JOIN entity a ON a.ledger = e.ledger AND a.kind = 'asset' AND a.id = e.name "
    "WHERE e.ledger = $1 AND e.kind = 'income' AND ($2::text IS NULL OR e.villages @> ARRAY[$2::text]) "
    "AND ($3::int = 0 OR left(e.doc->>'period_end', 4)::int = $3::int)) x ON true ORDER BY x.idx",
    0};

static int oom(aidreg_problem *p) { return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory"); }

static const char *s_(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

static void cat(char *out, size_t cap, const char *sep, const char *text) {
  size_t n = strlen(out);
  if (n + 1 < cap) snprintf(out + n, cap - n, "%s%s", n ? sep : "", text);
}

static json_t *yuan(int64_t fen) {
  char y[32];
  aidreg_fen_to_yuan(fen, y);
  return json_string(y);
}

/* totals[village] = [n, net, drawn, remaining] */
static int add_total(json_t *totals, const char *v, int64_t net, int64_t drawn) {
  json_t *t = json_object_get(totals, v);
  if (!t) {
    t = json_pack("[I, I, I]", (json_int_t)0, (json_int_t)0, (json_int_t)0);
    if (!t || json_object_set_new(totals, v, t)) return -1;
  }
  return json_array_set_new(t, 0, json_integer(json_integer_value(json_array_get(t, 0)) + 1)) ||
         json_array_set_new(t, 1, json_integer(json_integer_value(json_array_get(t, 1)) + net)) ||
         json_array_set_new(t, 2, json_integer(json_integer_value(json_array_get(t, 2)) + drawn));
}

int aidreg_state_report_income(aidreg_registry *r, const char *code, const char *village, int year, json_t **out,
                               aidreg_problem *p) {
  *out = NULL;
  if (village && !(strlen(village) == 12 && aidreg_is_admin_code(village) && strncmp(village, code, 6) == 0))
    return aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, "/query/village", "%s is not a village of county %s",
                              village, code);
  db_conn *c = ar_read_get(r, code);
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  json_t *names = ar_read_place_names(r, c, code, p);
  if (!names) {
    ar_read_done(r, code, c, p);
    return -1;
  }
  char yr[16];
  snprintf(yr, sizeof yr, "%d", year);
  const char *params[3] = {code, village, yr};
  PGresult *res = ar_db_run_planned(c, &q_income, 3, params, NULL);
  int rc = 0;
  if (!res) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "query failed");
  else if (PQntuples(res) == 0) rc = aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "ledger %s has no checkpoint yet", code);
  json_t *rows = json_array(), *totals = json_object();
  if (rc == 0 && (!rows || !totals)) rc = oom(p);
  for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
    if (PQgetisnull(res, i, 2)) continue;
    json_t *inc = json_loads(PQgetvalue(res, i, 2), 0, NULL), *plans = json_loads(PQgetvalue(res, i, 4), 0, NULL),
           *notices = json_loads(PQgetvalue(res, i, 5), 0, NULL);
    if (!inc || !plans || !notices) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "a stored income report does not read back");
    char period[64], income_notices[512] = "";
    snprintf(period, sizeof period, "%s～%s", s_(inc, "period_start"), s_(inc, "period_end"));
    size_t j;
    json_t *n, *sh;
    json_array_foreach(notices, j, n) {
      char b[64];
      snprintf(b, sizeof b, "%s～%s", s_(n, "start"), s_(n, "end"));
      cat(income_notices, sizeof income_notices, "；", b);
    }
    json_array_foreach(json_object_get(inc, "shares"), j, sh) {
      if (rc) break;
      const char *v = s_(sh, "village");
      if (village && strcmp(v, village) != 0) continue;
      int64_t net = (int64_t)json_integer_value(json_object_get(sh, "net_fen"));
      int64_t drawn = (int64_t)json_integer_value(json_object_get(sh, "drawn_fen"));
      char plan_text[1024] = "", notice_text[1024] = "";
      const char *pid;
      json_t *pl;
      json_object_foreach(plans, pid, pl) {
        if (strcmp(s_(pl, "village"), v) != 0) continue;
        const char *zh = ar_read_label("plan_state", s_(pl, "state"));
        char b[256];
        snprintf(b, sizeof b, "%s（%s）", pid, zh ? zh : s_(pl, "state"));
        cat(plan_text, sizeof plan_text, "；", b);
        const json_t *nt = json_object_get(pl, "notice");
        if (json_is_object(nt)) {
          snprintf(b, sizeof b, "%s～%s", s_(nt, "start"), s_(nt, "end"));
          cat(notice_text, sizeof notice_text, "；", b);
        }
      }
      const char *vn = json_string_value(json_object_get(names, v));
      json_t *row = json_pack("[s, s, s, s, s, o, o, o, s, s, s]", s_(inc, "asset"), PQgetvalue(res, i, 3),
                              vn && *vn ? vn : v, period, s_(inc, "received_on"), yuan(net), yuan(drawn),
                              yuan(net - drawn), plan_text, notice_text, income_notices);
      if (!row || json_array_append_new(rows, row) || add_total(totals, v, net, drawn)) rc = oom(p);
    }
    json_decref(inc);
    json_decref(plans);
    json_decref(notices);
  }
  if (rc == 0) {
    json_t *by_village = json_array();
    int64_t tn = 0, tnet = 0, tdrawn = 0;
    const char *v;
    json_t *t;
    json_object_foreach(totals, v, t) {
      const char *vn = json_string_value(json_object_get(names, v));
      int64_t cnt = (int64_t)json_integer_value(json_array_get(t, 0)), net = (int64_t)json_integer_value(json_array_get(t, 1)),
              dr = (int64_t)json_integer_value(json_array_get(t, 2));
      char nb[32];
      snprintf(nb, sizeof nb, "%lld", (long long)cnt);
      tn += cnt;
      tnet += net;
      tdrawn += dr;
      if (!by_village || json_array_append_new(by_village, json_pack("[s, s, s, o, o, o]", v, vn && *vn ? vn : v, nb,
                                                                     yuan(net), yuan(dr), yuan(net - dr))))
        rc = oom(p);
    }
    char nb[32];
    snprintf(nb, sizeof nb, "%lld", (long long)tn);
    if (rc == 0 && json_array_append_new(by_village, json_pack("[s, s, s, o, o, o]", "合计", "", nb, yuan(tnet),
                                                                   yuan(tdrawn), yuan(tnet - tdrawn))))
      rc = oom(p);
    char now[32];
    time_t tt = time(NULL);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (rc == 0)
      *out = json_pack(
          "{s:s, s:s, s:s, s:o, s:s, s:[{s:s, s:[s, s, s, s, s, s, s, s, s, s, s], s:O}, {s:s, s:[s, s, s, s, s, s], s:o}]}",
          "ledger", code, "report", "income", "title", "扶贫项目资产收益及分配情况", "checkpoint",
          ar_report_checkpoint(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1)), "generated_at", now, "tables", "title",
          "收益明细 by income report and village", "columns", "资产编号", "资产名称", "村", "收益期间", "到账日期",
          "净收益（元）", "已分配（元）", "未分配（元）", "分配方案", "分配公示", "收益公示", "rows", rows, "title",
          "按村汇总 by village", "columns", "区划代码", "村", "收益笔数", "净收益（元）", "已分配（元）", "未分配（元）",
          "rows", by_village);
    else
      json_decref(by_village);
    if (rc == 0 && !*out) rc = oom(p);
  }
  json_decref(rows);
  json_decref(totals);
  PQclear(res);
  json_decref(names);
  ar_read_done(r, code, c, p);
  return rc;
}
