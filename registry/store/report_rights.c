/* Report "rights" (domain.md "Reports a county must produce" 5): rights-confirmation (确权)
 * and handover (移交) progress by township and village, with the county's total, read in one
 * statement together with the latest checkpoint. Disposed assets are left out. A shared
 * asset counts once in each village holding a share, and once in its township and county;
 * values are the villages' shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/state.h"
#include "store/read_util.h"
#include "store/registry_private.h"

static db_stmt q_rights = {
    "WITH cp AS (SELECT note, created_at FROM checkpoint WHERE ledger = $1 ORDER BY size DESC LIMIT 1), "
    "s AS (SELECT a.id, sh->>'village' AS v, coalesce((sh->>'value_fen')::numeric, 0) AS val, "
    "jsonb_typeof(a.doc->'owners') = 'array' AND jsonb_array_length(a.doc->'owners') > 0 AS confirmed, "
    "coalesce(a.doc->>'certificate_no', '') <> '' AS cert, jsonb_typeof(a.doc->'handover') = 'object' AS handed "
    "FROM entity a CROSS JOIN LATERAL jsonb_array_elements(a.doc->'shares') sh "
    "WHERE a.ledger = $1 AND a.kind = 'asset' AND coalesce(a.status, '') <> 'disposed') "
    "SELECT cp.note, to_char(cp.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), x.level, x.code, "
    "x.n::text, x.c::text, x.k::text, x.h::text, x.val::text FROM cp LEFT JOIN LATERAL ("
    "SELECT 'c' AS level, $1 AS code, count(DISTINCT id) AS n, count(DISTINCT id) FILTER (WHERE confirmed) AS c, "
    "count(DISTINCT id) FILTER (WHERE cert) AS k, count(DISTINCT id) FILTER (WHERE handed) AS h, sum(val) AS val "
    "FROM s HAVING count(*) > 0 "
    "UNION ALL SELECT 't', left(v, 9), count(DISTINCT id), count(DISTINCT id) FILTER (WHERE confirmed), "
    "count(DISTINCT id) FILTER (WHERE cert), count(DISTINCT id) FILTER (WHERE handed), sum(val) FROM s GROUP BY 2 "
    "UNION ALL SELECT 'v', v, count(*), count(*) FILTER (WHERE confirmed), count(*) FILTER (WHERE cert), "
    "count(*) FILTER (WHERE handed), sum(val) FROM s GROUP BY 2) x ON true ORDER BY x.level DESC, x.code",
    0};

static int oom(aidreg_problem *p) { return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory"); }

/* "12 / 20（60.0%）" */
static json_t *part(long long k, long long n) {
  char b[64];
  if (n > 0) snprintf(b, sizeof b, "%lld（%lld.%lld%%）", k, k * 100 / n, (k * 1000 / n) % 10);
  else snprintf(b, sizeof b, "%lld", k);
  return json_string(b);
}

json_t *ar_report_checkpoint(const char *note, const char *created_at) {
  char origin[256] = "", root[64] = "";
  unsigned long long size = 0;
  const char *nl1 = strchr(note, '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL, *nl3 = nl2 ? strchr(nl2 + 1, '\n') : NULL;
  if (nl1 && nl2 && nl3) {
    snprintf(origin, sizeof origin, "%.*s", (int)(nl1 - note), note);
    size = strtoull(nl1 + 1, NULL, 10);
    snprintf(root, sizeof root, "%.*s", (int)(nl3 - nl2 - 1), nl2 + 1);
  }
  return json_pack("{s:s, s:I, s:s, s:s}", "origin", origin, "size", (json_int_t)size, "root_hash", root, "created_at",
                   created_at);
}

int aidreg_state_report_rights(aidreg_registry *r, const char *code, json_t **out, aidreg_problem *p) {
  *out = NULL;
  db_conn *c = ar_read_get(r, code);
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  json_t *names = ar_read_place_names(r, c, code, p);
  if (!names) {
    ar_read_done(r, code, c, p);
    return -1;
  }
  const char *params[1] = {code};
  PGresult *res = ar_db_run(c, &q_rights, 1, params, NULL);
  int rc = 0;
  if (!res) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "query failed");
  else if (PQntuples(res) == 0) rc = aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "ledger %s has no checkpoint yet", code);
  json_t *tables[3] = {json_array(), json_array(), json_array()}; /* county, townships, villages */
  for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
    if (PQgetisnull(res, i, 2)) continue;
    const char *level = PQgetvalue(res, i, 2), *pc = PQgetvalue(res, i, 3);
    long long n = atoll(PQgetvalue(res, i, 4)), cf = atoll(PQgetvalue(res, i, 5)), k = atoll(PQgetvalue(res, i, 6)),
              h = atoll(PQgetvalue(res, i, 7));
    char y[32];
    aidreg_fen_to_yuan((int64_t)strtoll(PQgetvalue(res, i, 8), NULL, 10), y);
    const char *nm = json_string_value(json_object_get(names, pc));
    int t = level[0] == 'c' ? 0 : level[0] == 't' ? 1 : 2;
    char nb[32];
    snprintf(nb, sizeof nb, "%lld", n);
    json_t *row = json_pack("[s, s, s, o, o, o, s]", pc, nm && *nm ? nm : pc, nb, part(cf, n), part(k, n), part(h, n), y);
    if (!row || json_array_append_new(tables[t], row)) rc = oom(p);
  }
  if (rc == 0) {
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    static const char *const titles[3] = {"全县 county", "按乡镇 by township", "按村 by village"};
    json_t *list = json_array();
    for (int i = 0; list && i < 3; i++)
      if (json_array_append_new(list, json_pack("{s:s, s:[s, s, s, s, s, s, s], s:O}", "title", titles[i], "columns",
                                                "区划代码", "名称", "资产数", "已确权", "已发证", "已移交",
                                                "资产原值（元）", "rows", tables[i])))
        rc = oom(p);
    *out = rc == 0 ? json_pack("{s:s, s:s, s:s, s:o, s:s, s:o}", "ledger", code, "report", "rights", "title",
                               "扶贫项目资产确权移交进度", "checkpoint",
                               ar_report_checkpoint(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1)), "generated_at", now,
                               "tables", list)
                   : NULL;
    if (rc == 0 && !*out) rc = oom(p);
    if (rc) json_decref(list);
  }
  for (int i = 0; i < 3; i++) json_decref(tables[i]);
  PQclear(res);
  json_decref(names);
  ar_read_done(r, code, c, p);
  return rc;
}
