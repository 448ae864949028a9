/* Two of the county reports of domain.md ("Reports a county must produce"), from the same
 * replay as the audit: 2, the annual inventory (清查) report with its problem list and the
 * 整改 tracker; 6, the audit and inspection rectification (审计整改) status. Each is a table
 * {"report","title_zh","title_en","ledger","checkpoint","as_of","columns","rows","summary"}
 * that aidreg_audit_table_csv / _html write like the audit itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"

#define S(o, k) ar_audit_js(o, k)
#define I(o, k) ar_audit_ji(o, k)

static json_t *columns(const char *const (*cols)[3], size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "key", cols[i][0], "zh", cols[i][1], "en", cols[i][2]));
  return a;
}

static const char *place_name(const domain_memstore *m, const char *code) {
  const json_t *p = code ? ar_domain_memstore_get(m, "place", code) : NULL;
  return p ? S(p, "name") : NULL;
}

static bool covers(const char *prefix, const char *village) {
  return !prefix || !*prefix || (village && strncmp(village, prefix, strlen(prefix)) == 0);
}

/* The date (Shanghai) of the entry at index on subject, from its log; NULL when unknown. */
static const char *entry_date(const domain_memstore *m, const char *subject, uint64_t index, char out[11]) {
  json_t *E = ar_audit_entries(m, subject);
  size_t i;
  const json_t *sl;
  const char *r = NULL;
  json_array_foreach(E, i, sl) {
    if ((uint64_t)I(sl, "index") == index) {
      ar_audit_date(ar_audit_shanghai_day(I(sl, "t")), out);
      r = out;
    }
  }
  json_decref(E);
  return r;
}

static json_t *base(const char *name, const char *zh, const char *en, const json_t *audit) {
  return json_pack("{s:s, s:s, s:s, s:O, s:O, s:O}", "report", name, "title_zh", zh, "title_en", en, "ledger",
                   json_object_get(audit, "ledger"), "checkpoint", json_object_get(audit, "checkpoint"), "as_of",
                   json_object_get(audit, "as_of"));
}

/* ---- 6: 审计整改 ---- */

typedef struct {
  aidreg_audit *a;
  const aidreg_audit_query *q;
  const json_t *findings; /* the audit as of q->as_of */
  int64_t as_of;
  json_t *rows;
  int open, overdue, resolved;
} rect_ctx;

static bool still_holds(const json_t *findings, const char *check, const char *subject) {
  size_t i;
  const json_t *f;
  json_array_foreach(findings, i, f) {
    if (!strcmp(S(f, "check"), check) && !strcmp(S(f, "subject"), subject)) return true;
  }
  return false;
}

static int rect_row(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at) {
  rect_ctx *c = ctx;
  (void)updated_at;
  if (strcmp(kind, "finding") != 0) return 0;
  const char *subject = S(doc, "subject"), *check = S(doc, "check");
  if (!subject || !check) return 0;
  const json_t *asset = ar_domain_memstore_get(c->a->m, "asset", subject);
  const json_t *plan = ar_domain_memstore_get(c->a->m, "plan", subject);
  const char *village = asset ? S(asset, "village") : plan ? S(plan, "village") : strlen(subject) == 12 ? subject : NULL;
  if (!covers(c->q->village, village)) return 0;
  const json_t *res = json_object_get(doc, "resolution");
  int64_t due = ar_audit_days(S(doc, "due"));
  const char *status = json_is_object(res) ? "resolved" : due >= 0 && c->as_of > due ? "overdue" : "open";
  const char *status_zh = json_is_object(res) ? "已整改" : due >= 0 && c->as_of > due ? "整改超期" : "整改中";
  if (!strcmp(status, "resolved")) c->resolved++;
  else if (!strcmp(status, "overdue")) c->overdue++;
  else c->open++;
  char rec_day[11];
  const char *recorded_on = entry_date(c->a->m, subject, (uint64_t)I(doc, "recorded_at"), rec_day);
  const char *vn = place_name(c->a->m, village);
  json_t *row = json_pack("{s:s, s:I, s:s?, s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:s?, s:s?, s:b}",
                          "ref", id, "index", (json_int_t)I(doc, "recorded_at"), "recorded_on", recorded_on,
                          "subject", subject, "village", village, "village_name", vn, "check", check, "check_zh",
                          ar_audit_check_zh(check), "severity", S(doc, "severity"), "note", S(doc, "note"), "due",
                          S(doc, "due"), "status", status, "status_zh", status_zh, "action",
                          json_is_object(res) ? S(res, "action") : NULL, "resolved_on",
                          json_is_object(res) ? S(res, "resolved_on") : NULL, "still_holds",
                          still_holds(c->findings, check, subject));
  return row && json_array_append_new(c->rows, row) == 0 ? 0 : -1;
}

int aidreg_audit_rectification(aidreg_audit *a, const aidreg_audit_query *q, json_t **out, char *err, size_t cap) {
  static const char *const cols[][3] = {
      {"index", "记录条目", "entry"},        {"recorded_on", "记录日期", "recorded on"}, {"subject", "对象", "subject"},
      {"village", "村", "village"},          {"village_name", "村名", "village name"},  {"check", "检查项", "check"},
      {"check_zh", "问题", "problem"},       {"severity", "严重程度", "severity"},      {"note", "说明", "note"},
      {"due", "整改期限", "due"},            {"status_zh", "整改状态", "status"},       {"action", "整改措施", "action"},
      {"resolved_on", "整改日期", "resolved on"}, {"still_holds", "问题仍存在", "still holds"}};
  *out = NULL;
  aidreg_audit_query aq = *q;
  aq.check = NULL;
  json_t *audit = NULL;
  if (aidreg_audit_report(a, &aq, &audit, err, cap)) return -1;
  rect_ctx c = {a, q, json_object_get(audit, "findings"), ar_audit_days(q->as_of), json_array(), 0, 0, 0};
  json_t *r = base("rectification", "审计整改情况报告", "Audit and inspection rectification status", audit);
  if (!c.rows || !r || ar_domain_memstore_each(a->m, rect_row, &c)) {
    json_decref(c.rows);
    json_decref(r);
    json_decref(audit);
    snprintf(err, cap, "out of memory");
    return -1;
  }
  /* in entry order */
  size_t n = json_array_size(c.rows);
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && I(json_array_get(c.rows, j - 1), "index") > I(json_array_get(c.rows, j), "index"); j--) {
      json_t *x = json_incref(json_array_get(c.rows, j));
      json_array_set(c.rows, j, json_array_get(c.rows, j - 1));
      json_array_set_new(c.rows, j - 1, x);
    }
  json_object_set_new(r, "columns", columns(cols, sizeof cols / sizeof cols[0]));
  json_object_set_new(r, "rows", c.rows);
  json_object_set_new(r, "summary", json_pack("{s:i, s:i, s:i, s:i}", "recorded", (int)n, "open", c.open, "overdue",
                                              c.overdue, "resolved", c.resolved));
  json_decref(audit);
  *out = r;
  return 0;
}

/* ---- 2: 清查 ---- */

typedef struct {
  aidreg_audit *a;
  const aidreg_audit_query *q;
  const json_t *findings;
  int64_t from, to; /* the year */
  json_t *rows;
  int assets, counted, not_found, with_problems;
} inv_ctx;

static int inv_row(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at) {
  inv_ctx *c = ctx;
  (void)updated_at;
  if (strcmp(kind, "asset") != 0 || !strcmp(S(doc, "status") ? S(doc, "status") : "", "disposed")) return 0;
  const char *village = S(doc, "village");
  if (!covers(c->q->village, village)) return 0;
  json_t *E = ar_audit_entries(c->a->m, id);
  const json_t *count = NULL, *sl;
  int64_t count_day = -1;
  size_t i;
  json_array_foreach(E, i, sl) {
    if (strcmp(S(sl, "type"), "inventory.count") != 0) continue;
    int64_t dd = ar_audit_days(S(json_object_get(sl, "body"), "date"));
    if (dd >= c->from && dd <= c->to && dd >= count_day) count = json_object_get(sl, "body"), count_day = dd;
  }
  /* the problem list: the audit's findings on the asset; the tracker: their records */
  char problems[1024] = "", tracker[1024] = "";
  const json_t *f;
  json_array_foreach(c->findings, i, f) {
    if (strcmp(S(f, "subject"), id) != 0) continue;
    size_t l = strlen(problems);
    snprintf(problems + l, sizeof problems - l, "%s%s", l ? "；" : "", S(f, "check_zh"));
    const json_t *rec = json_object_get(f, "record");
    if (json_is_object(rec)) {
      l = strlen(tracker);
      snprintf(tracker + l, sizeof tracker - l, "%s%s：%s%s%s", l ? "；" : "", S(f, "check_zh"),
               !strcmp(S(f, "status"), "resolved") ? "已整改" : !strcmp(S(f, "status"), "overdue") ? "整改超期" : "整改中",
               S(rec, "due") ? "，期限 " : "", S(rec, "due") ? S(rec, "due") : "");
    }
  }
  c->assets++;
  if (count) c->counted++;
  if (count && json_is_false(json_object_get(count, "found"))) c->not_found++;
  if (*problems) c->with_problems++;
  char day[11] = "";
  if (count_day >= 0) ar_audit_date(count_day, day);
  const char *found = !count ? "未清查" : json_is_true(json_object_get(count, "found")) ? "账实相符" : "未见实物";
  json_t *row = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:s?, s:s?, s:s, s:s}", "asset", id, "name",
                          S(doc, "name"), "class", S(doc, "class"), "status", S(doc, "status"), "village", village,
                          "village_name", place_name(c->a->m, village), "counted_on", *day ? day : NULL, "found", found,
                          "condition", count ? S(count, "condition") : NULL, "note", count ? S(count, "note") : NULL,
                          "problems", problems, "rectification", tracker);
  json_decref(E);
  return row && json_array_append_new(c->rows, row) == 0 ? 0 : -1;
}

int aidreg_audit_inventory(aidreg_audit *a, const aidreg_audit_query *q, int year, json_t **out, char *err,
                           size_t cap) {
  static const char *const cols[][3] = {
      {"asset", "资产编号", "asset"},       {"name", "资产名称", "name"},          {"class", "类别", "class"},
      {"status", "状态", "status"},         {"village", "村", "village"},          {"village_name", "村名", "village name"},
      {"counted_on", "清查日期", "counted on"}, {"found", "清查结果", "result"},    {"condition", "状况", "condition"},
      {"note", "备注", "note"},             {"problems", "问题清单", "problems"},  {"rectification", "整改跟踪", "rectification"}};
  *out = NULL;
  char b0[16], b1[16];
  snprintf(b0, sizeof b0, "%04d-01-01", year);
  snprintf(b1, sizeof b1, "%04d-12-31", year);
  aidreg_audit_query aq = *q;
  aq.check = NULL;
  json_t *audit = NULL;
  if (year < 1900 || year > 9999) {
    snprintf(err, cap, "the year must be 1900 to 9999");
    return -1;
  }
  if (aidreg_audit_report(a, &aq, &audit, err, cap)) return -1;
  inv_ctx c = {a, q, json_object_get(audit, "findings"), ar_audit_days(b0), ar_audit_days(b1), json_array(), 0, 0, 0, 0};
  char title[64];
  snprintf(title, sizeof title, "%d 年度扶贫项目资产清查报告", year);
  json_t *r = base("inventory", title, "Annual inventory (清查) report", audit);
  if (!c.rows || !r || ar_domain_memstore_each(a->m, inv_row, &c)) {
    json_decref(c.rows);
    json_decref(r);
    json_decref(audit);
    snprintf(err, cap, "out of memory");
    return -1;
  }
  json_object_set_new(r, "year", json_integer(year));
  json_object_set_new(r, "columns", columns(cols, sizeof cols / sizeof cols[0]));
  json_object_set_new(r, "rows", c.rows);
  json_object_set_new(r, "summary", json_pack("{s:i, s:i, s:i, s:i, s:i}", "assets", c.assets, "counted", c.counted,
                                              "not_counted", c.assets - c.counted, "not_found", c.not_found,
                                              "with_problems", c.with_problems));
  json_decref(audit);
  *out = r;
  return 0;
}
