/* GET /v1/ledgers/{code}/audit?as_of=&village=&check=&format=json|csv|html: the audit of
 * the latest checkpoint (docs/audit.md), by the library's engine (aidreg_audit_latest),
 * the same findings as `aidreg audit` gives offline for that checkpoint; with report=
 * inventory (&year=) or rectification, that county report instead. as_of defaults
 * to today in Asia/Shanghai. Strict query: an unknown parameter, a date that is none, an
 * unknown check or format, a village that is not a code prefix of the county is 400. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/audit.h"
#include "h_audit.h"
#include "query.h"
#include "reply.h"

typedef struct {
  const char *code;
  char as_of[16], village[16], check[64], format[8], report[16];
  uint64_t year;
  bool has_year;
} audit_q;

static const char *take_report(void *ctx, const char *v, char *buf, size_t cap) {
  audit_q *q = ctx;
  (void)buf, (void)cap;
  if (!v || (strcmp(v, "inventory") && strcmp(v, "rectification"))) return "report is inventory or rectification";
  snprintf(q->report, sizeof q->report, "%s", v);
  return NULL;
}

static const char *take_as_of(void *ctx, const char *v, char *buf, size_t cap) {
  audit_q *q = ctx;
  int64_t d;
  (void)buf, (void)cap;
  if (!v || strlen(v) != 10 || aidreg_date_parse(v, &d)) return "as_of must be a date YYYY-MM-DD";
  snprintf(q->as_of, sizeof q->as_of, "%s", v);
  return NULL;
}

static const char *take_village(void *ctx, const char *v, char *buf, size_t cap) {
  audit_q *q = ctx;
  size_t n = v ? strlen(v) : 0;
  bool digits = n > 0;
  for (size_t i = 0; i < n; i++) digits = digits && v[i] >= '0' && v[i] <= '9';
  if (!digits || (n != 6 && n != 9 && n != 12) || strncmp(v, q->code, 6) != 0) {
    snprintf(buf, cap, "village must be a township (9 digits) or village (12 digits) code of county %s", q->code);
    return buf;
  }
  snprintf(q->village, sizeof q->village, "%s", v);
  return NULL;
}

static const char *take_check(void *ctx, const char *v, char *buf, size_t cap) {
  audit_q *q = ctx;
  if (!v || !aidreg_audit_check_zh(v)) {
    snprintf(buf, cap, "check must be one of the ids of docs/audit.md (e.g. no-owner)");
    return buf;
  }
  snprintf(q->check, sizeof q->check, "%s", v);
  return NULL;
}

static const char *take_format(void *ctx, const char *v, char *buf, size_t cap) {
  audit_q *q = ctx;
  (void)buf, (void)cap;
  if (!v || (strcmp(v, "json") && strcmp(v, "csv") && strcmp(v, "html"))) return "format is json, csv or html";
  snprintf(q->format, sizeof q->format, "%s", v);
  return NULL;
}

enum MHD_Result h_audit(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  audit_q q = {.code = rq->code, .format = "json"};
  query_check c[5] = {{take_as_of, &q}, {take_village, &q}, {take_check, &q}, {take_format, &q}, {take_report, &q}};
  query_param spec[6] = {{"as_of", QUERY_CHECK, &c[0], NULL},  {"village", QUERY_CHECK, &c[1], NULL},
                         {"check", QUERY_CHECK, &c[2], NULL},  {"format", QUERY_CHECK, &c[3], NULL},
                         {"report", QUERY_CHECK, &c[4], NULL}, {"year", QUERY_U64, &q.year, &q.has_year}};
  if (query_parse(rq->conn, spec, 6, &p) != 0) return reply_problem(rq, &p, NULL);
  if (q.has_year && (!*q.report || strcmp(q.report, "inventory") || q.year < 1900 || q.year > 9999))
    return reply_error(rq, AIDREG_E_INVALID_QUERY, "/query/year", "year (1900 to 9999) goes with report=inventory");
  if (*q.check && *q.report)
    return reply_error(rq, AIDREG_E_INVALID_QUERY, "/query/check", "check filters the audit, not a report");
  if (!*q.as_of) {
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(q.as_of, sizeof q.as_of, "%Y-%m-%d", &tm);
  }
  aidreg_audit_query aq = {.as_of = q.as_of, .village = *q.village ? q.village : NULL,
                           .check = *q.check ? q.check : NULL};
  json_t *out = NULL;
  int year = q.has_year ? (int)q.year : atoi(q.as_of);
  if (aidreg_audit_latest_report(rq->srv->registry, rq->code, &aq, *q.report ? q.report : NULL, year, &out, &p) != 0)
    return reply_problem(rq, &p, NULL);
  if (strcmp(q.format, "json") == 0) return reply_json(rq, MHD_HTTP_OK, out);
  size_t len = 0;
  bool csv = strcmp(q.format, "csv") == 0;
  char *text = *q.report ? (csv ? aidreg_audit_table_csv(out, &len) : aidreg_audit_table_html(out, &len))
                         : (csv ? aidreg_audit_csv(out, &len) : aidreg_audit_html(out, &len));
  json_decref(out);
  if (!text) return reply_error(rq, AIDREG_E_INTERNAL, NULL, "out of memory");
  return reply_bytes(rq, MHD_HTTP_OK, strcmp(q.format, "csv") == 0 ? "text/csv; charset=utf-8" : "text/html; charset=utf-8",
                     "no-store", text, len);
}
