/* The audit's helpers: calendar arithmetic (our own, no TZ), JSON access, the rules' log
 * of entries in force read back from the in-memory state, and the table of checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/state.h"
#include "audit/audit_internal.h"
#include "core/calendar.h"

/* ---- dates ---- */

int64_t ar_audit_days(const char *date) {
  int64_t d;
  if (!date || aidreg_date_parse(date, &d)) return -1;
  return d;
}

void ar_audit_date(int64_t days, char out[11]) {
  int64_t y;
  unsigned m, d;
  ar_civil_from_days(days, &y, &m, &d);
  snprintf(out, 11, "%04d-%02u-%02u", (int)y, m, d);
}

int64_t ar_audit_add_months(int64_t days, int months) {
  int64_t y;
  unsigned m, d;
  ar_civil_from_days(days, &y, &m, &d);
  int64_t total = y * 12 + (int64_t)(m - 1) + months;
  int64_t ny = total >= 0 ? total / 12 : (total - 11) / 12;
  unsigned nm = (unsigned)(total - ny * 12) + 1;
  unsigned dim = ar_month_days(ny, nm);
  return ar_days_from_civil(ny, nm, d > dim ? dim : d);
}

int64_t ar_audit_shanghai_day(int64_t t) {
  int64_t s = t + 8 * 3600;
  return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

/* ---- JSON ---- */

const char *ar_audit_js(const json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }
int64_t ar_audit_ji(const json_t *o, const char *key) { return (int64_t)json_integer_value(json_object_get(o, key)); }
void ar_audit_yuan(int64_t fen, char out[32]) { aidreg_fen_to_yuan(fen, out); }

json_t *ar_audit_entries(const domain_memstore *m, const char *subject) {
  json_t *out = json_array();
  const json_t *log = ar_domain_memstore_get(m, "log", subject);
  if (!out || !log) return out;
  size_t n = strlen(subject) + 24;
  char *id = malloc(n);
  if (!id) goto nomem;
  for (int64_t k = 0; k < ar_audit_ji(log, "sealed"); k++) {
    snprintf(id, n, "%s#%lld", subject, (long long)k);
    const json_t *c = ar_domain_memstore_get(m, "logc", id);
    if (c && json_array_extend(out, json_object_get(c, "entries"))) goto nomem;
  }
  free(id);
  if (json_array_extend(out, json_object_get(log, "tail"))) {
    json_decref(out);
    return NULL;
  }
  return out;
nomem:
  free(id);
  json_decref(out);
  return NULL;
}

const json_t *ar_audit_last_of(const json_t *entries, const char *type) {
  for (size_t i = json_array_size(entries); i-- > 0;) {
    const json_t *s = json_array_get(entries, i);
    const char *t = ar_audit_js(s, "type");
    if (t && strcmp(t, type) == 0) return s;
  }
  return NULL;
}

json_t *ar_audit_ev(size_t n, const uint64_t *idx) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    if (json_array_append_new(a, json_integer((json_int_t)idx[i]))) {
      json_decref(a);
      return NULL;
    }
  return a;
}

/* ---- the checks' table (AUDIT.md) ---- */

static const struct {
  const char *id, *zh, *severity;
} checks[] = {
    {"project-without-assets", "项目竣工未登记资产", "serious"},
    {"value-funding-gap", "资产原值与项目资金不符", "warning"},
    {"no-owner", "未确权", "serious"},
    {"no-certificate", "无确权证书", "warning"},
    {"no-handover", "未移交", "warning"},
    {"no-maintainer", "管护主体未落实", "serious"},
    {"inspection-overdue", "管护巡查超期", "warning"},
    {"damage-unrepaired", "损毁未修复", "warning"},
    {"idle-overdue", "闲置低效未盘活", "serious"},
    {"no-income", "经营性资产无收益", "serious"},
    {"income-below-contract", "收益低于约定", "warning"},
    {"no-contract", "有租无合同", "serious"},
    {"contract-expired", "合同到期未续", "warning"},
    {"unallocated-stale", "收益长期未分配", "warning"},
    {"payout-incomplete", "兑付未完成", "warning"},
    {"notice-missing", "未公示", "warning"},
    {"flat-split", "平均分配", "warning"},
    {"sale-below-valuation", "低价处置", "serious"},
    {"missing-at-inventory", "清查未见", "serious"},
    {"not-inventoried", "未清查", "info"},
    {"finding-overdue", "整改超期", "serious"},
    {"key-dormant", "长期未用密钥", "info"},
};

const char *ar_audit_check_at(size_t i) { return i < sizeof checks / sizeof checks[0] ? checks[i].id : NULL; }

static int check_row(const char *id) {
  for (size_t i = 0; id && i < sizeof checks / sizeof checks[0]; i++)
    if (strcmp(checks[i].id, id) == 0) return (int)i;
  return -1;
}
const char *ar_audit_check_zh(const char *id) {
  int i = check_row(id);
  return i < 0 ? NULL : checks[i].zh;
}
const char *ar_audit_check_severity(const char *id) {
  int i = check_row(id);
  return i < 0 ? NULL : checks[i].severity;
}

int ar_audit_severity_rank(const char *s) {
  if (s && strcmp(s, "serious") == 0) return 0;
  if (s && strcmp(s, "warning") == 0) return 1;
  return 2;
}

/* ---- findings ---- */

void ar_audit_add(audit_out *o, const char *check, const char *subject, const char *village, int64_t since,
                  json_t *evidence, json_t *figures, const char *zh, const char *en) {
  char day[11] = "";
  if (since >= 0) ar_audit_date(since, day);
  json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:o, s:o, s:s, s:s}", "check", check, "check_zh",
                        ar_audit_check_zh(check), "severity", ar_audit_check_severity(check), "subject", subject,
                        "village", village && *village ? village : NULL, "since", since >= 0 ? day : NULL,
                        "evidence", evidence ? evidence : json_array(), "figures", figures ? figures : json_object(),
                        "zh", zh, "en", en);
  if (!f || json_array_append_new(o->list, f)) o->nomem = true;
}
