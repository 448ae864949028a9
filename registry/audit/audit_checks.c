/* The checks of AUDIT.md (docs/audit.md says how each is computed and the edge cases it
 * settles), over the state replayed from one checkpoint and an as_of date. One finding
 * per check and subject; its figures in fen (and yuan), its sentences in Chinese and
 * English. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"

#define S(o, k) ar_audit_js(o, k)
#define I(o, k) ar_audit_ji(o, k)

/* ---- settings ---- */

static void take(const json_t *o, const char *k, int *out) {
  const json_t *v = json_object_get(o, k);
  if (json_is_integer(v)) *out = (int)json_integer_value(v);
}

void ar_audit_settings(const domain_memstore *m, const char *county, audit_settings *out) {
  *out = (audit_settings){.registration_days = 90, .value_gap_bp = 1000, .rights_days = 180, .handover_days = 180,
                          .repair_days = 90, .payout_months = 6, .flat_split_min = 10, .sale_gap_bp = 1000,
                          .idle_months = 12, .unallocated_months = 12, .inspection_pw = 6, .inspection_op = 12,
                          .inspection_hh = 12};
  /* The settings in force: the latest ledger.settings in force, else ledger.create's. */
  json_t *E = ar_audit_entries(m, county);
  const json_t *body = NULL;
  for (size_t i = json_array_size(E); i-- > 0 && !body;) {
    const json_t *sl = json_array_get(E, i);
    const char *t = S(sl, "type");
    if (t && strcmp(t, "ledger.settings") == 0) body = json_object_get(sl, "body");
    else if (t && strcmp(t, "ledger.create") == 0) {
      const json_t *b = json_object_get(sl, "body");
      body = json_object_get(b, "settings") ? json_object_get(b, "settings") : b;
    }
  }
  if (body) {
    take(body, "registration_days", &out->registration_days);
    take(body, "value_gap_bp", &out->value_gap_bp);
    take(body, "rights_days", &out->rights_days);
    take(body, "handover_days", &out->handover_days);
    take(body, "repair_days", &out->repair_days);
    take(body, "payout_months", &out->payout_months);
    take(body, "flat_split_min", &out->flat_split_min);
    take(body, "sale_gap_bp", &out->sale_gap_bp);
    take(body, "idle_months", &out->idle_months);
    take(body, "unallocated_months", &out->unallocated_months);
    const json_t *im = json_object_get(body, "inspection_months");
    take(im, "public_welfare", &out->inspection_pw);
    take(im, "operating", &out->inspection_op);
    take(im, "household", &out->inspection_hh);
  }
  json_decref(E);
}

/* ---- helpers ---- */

static void fen(json_t *f, const char *name, int64_t v) {
  char k[64], y[32];
  snprintf(k, sizeof k, "%s_fen", name);
  json_object_set_new(f, k, json_integer((json_int_t)v));
  snprintf(k, sizeof k, "%s_yuan", name);
  ar_audit_yuan(v, y);
  json_object_set_new(f, k, json_string(y));
}

static void day_fig(json_t *f, const char *name, int64_t d) {
  char s[11];
  if (d < 0) return;
  ar_audit_date(d, s);
  json_object_set_new(f, name, json_string(s));
}

/* diff > base * bp / 10000, without overflow (diff an integer: compare with the floor). */
static bool gap_exceeds(int64_t base, int64_t diff, int bp) {
  if (base < 0) base = -base;
  if (diff < 0) diff = -diff;
  int64_t lim = base / 10000 * bp + base % 10000 * bp / 10000;
  return diff > lim;
}

/* Basis points as a percentage: "10%", "12.50%". */
static const char *pct(int bp, char out[16]) {
  if (bp % 100 == 0) snprintf(out, 16, "%d%%", bp / 100);
  else snprintf(out, 16, "%d.%02d%%", bp / 100, bp % 100);
  return out;
}

static bool is(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static void push(json_t *arr, uint64_t idx) { json_array_append_new(arr, json_integer((json_int_t)idx)); }

/* An entry's date of fact: body[key] in days, or -1. */
static int64_t slot_day(const json_t *sl, const char *key) { return ar_audit_days(S(json_object_get(sl, "body"), key)); }

typedef struct {
  const audit_view *v;
  audit_out *o;
  strmap project_value; /* project -> proj_acc* */
} run_ctx;

typedef struct {
  int64_t value;
  json_t *evidence;
} proj_acc;

/* ---- assets ---- */

static void asset_checks(run_ctx *c, const char *code, const json_t *a) {
  const audit_view *v = c->v;
  audit_out *o = c->o;
  const audit_settings *s = &v->s;
  const int64_t now = v->as_of;
  const char *village = S(a, "village"), *klass = S(a, "class"), *status = S(a, "status"), *name = S(a, "name");
  const bool disposed = is(status, "disposed");
  const int64_t accepted = ar_audit_days(S(a, "accepted_on"));
  const uint64_t reg = (uint64_t)I(a, "registered_at");
  char d1[11], d2[11], zh[768], en[768];
  json_t *E = ar_audit_entries(v->m, code);
  if (!E) {
    o->nomem = true;
    return;
  }
  if (!name) name = "";
  ar_audit_date(accepted >= 0 ? accepted : 0, d1);

  /* value per project, for value-funding-gap */
  const char *project = S(a, "project");
  if (project) {
    proj_acc *pa = ar_strmap_get(&c->project_value, project);
    if (!pa && (pa = calloc(1, sizeof *pa)) && (pa->evidence = json_array()) &&
        ar_strmap_put(&c->project_value, project, pa)) {
      json_decref(pa->evidence);
      free(pa);
      pa = NULL;
      o->nomem = true;
    }
    if (pa) {
      pa->value += I(a, "original_value_fen");
      push(pa->evidence, reg);
    }
  }

  const bool live = !disposed && accepted >= 0 && accepted <= now;
  const bool owned = json_array_size(json_object_get(a, "owners")) > 0;

  /* no-owner */
  if (live && !owned && now > accepted + s->rights_days) {
    snprintf(zh, sizeof zh, "资产 %s（%s）于 %s 验收，超过 %d 天仍未确权", code, name, d1, s->rights_days);
    snprintf(en, sizeof en, "asset %s (%s) was accepted on %s and has no confirmed owner after %d days", code, name,
             d1, s->rights_days);
    json_t *f = json_object();
    day_fig(f, "accepted_on", accepted);
    json_object_set_new(f, "rights_days", json_integer(s->rights_days));
    ar_audit_add(o, "no-owner", code, village, accepted + s->rights_days + 1, ar_audit_ev(1, &reg), f, zh, en);
  }

  /* no-certificate */
  const json_t *rights = ar_audit_last_of(E, "asset.rights");
  const char *cert = S(a, "certificate_no");
  if (live && owned && (!cert || !*cert) && now > accepted + s->rights_days) {
    int64_t conf = ar_audit_days(S(a, "confirmed_on"));
    int64_t since = accepted + s->rights_days + 1;
    if (conf > since) since = conf;
    snprintf(zh, sizeof zh, "资产 %s（%s）已确权但无确权证书编号，验收已超过 %d 天", code, name, s->rights_days);
    snprintf(en, sizeof en, "asset %s (%s) has confirmed owners but no certificate number, %d days after acceptance",
             code, name, s->rights_days);
    json_t *f = json_object();
    day_fig(f, "accepted_on", accepted);
    day_fig(f, "confirmed_on", conf);
    uint64_t ev[2] = {reg, rights ? (uint64_t)I(rights, "index") : reg};
    ar_audit_add(o, "no-certificate", code, village, since, ar_audit_ev(rights ? 2 : 1, ev), f, zh, en);
  }

  /* no-handover */
  int64_t confirmed = ar_audit_days(S(a, "confirmed_on"));
  if (!disposed && !is(klass, "household") && confirmed >= 0 && confirmed <= now &&
      json_is_null(json_object_get(a, "handover")) && now > confirmed + s->handover_days) {
    ar_audit_date(confirmed, d2);
    snprintf(zh, sizeof zh, "资产 %s（%s）于 %s 确权，超过 %d 天仍未移交", code, name, d2, s->handover_days);
    snprintf(en, sizeof en, "asset %s (%s) was confirmed on %s and not handed over after %d days", code, name, d2,
             s->handover_days);
    json_t *f = json_object();
    day_fig(f, "confirmed_on", confirmed);
    json_object_set_new(f, "handover_days", json_integer(s->handover_days));
    uint64_t ev = rights ? (uint64_t)I(rights, "index") : reg;
    ar_audit_add(o, "no-handover", code, village, confirmed + s->handover_days + 1, ar_audit_ev(1, &ev), f, zh, en);
  }

  /* no-maintainer */
  const json_t *mt = json_object_get(a, "maintainer");
  const char *person = S(mt, "person");
  if (live && (is(klass, "public_welfare") || is(klass, "operating")) && is(status, "in_use") &&
      (json_is_null(mt) || !mt || !person || !*person)) {
    bool none = json_is_null(mt) || !mt;
    snprintf(zh, sizeof zh, "在用资产 %s（%s）%s", code, name, none ? "没有管护主体" : "的管护主体未落实管护责任人");
    snprintf(en, sizeof en, "asset %s (%s) is in use %s", code, name,
             none ? "with no maintainer" : "and its maintainer names no responsible person");
    json_t *f = json_object();
    day_fig(f, "accepted_on", accepted);
    uint64_t ev[2] = {reg, none ? reg : (uint64_t)I(mt, "index")};
    ar_audit_add(o, "no-maintainer", code, village, accepted, ar_audit_ev(none ? 1 : 2, ev), f, zh, en);
  }

  /* inspection-overdue, damage-unrepaired, not-inventoried, missing-at-inventory: the reports */
  int64_t last_report = -1, cond_day = -1, last_count = -1, count_day = -1;
  uint64_t last_report_idx = 0, cond_idx = 0, count_idx = 0;
  const char *cond = NULL;
  const json_t *count = NULL;
  size_t i;
  const json_t *sl;
  json_array_foreach(E, i, sl) {
    const char *t = S(sl, "type");
    uint64_t idx = (uint64_t)I(sl, "index");
    bool mr = is(t, "maintenance.report"), ic = is(t, "inventory.count");
    if (!mr && !ic) continue;
    int64_t dd = slot_day(sl, "date");
    if (dd < 0 || dd > now) continue;
    const json_t *b = json_object_get(sl, "body");
    if (mr && dd >= last_report) last_report = dd, last_report_idx = idx;
    if (ic && dd >= last_count) last_count = dd, count_idx = idx, count = b, count_day = dd;
    if (S(b, "condition") && dd >= cond_day) cond_day = dd, cond_idx = idx, cond = S(b, "condition");
  }
  if (live) {
    int months = is(klass, "public_welfare") ? s->inspection_pw : is(klass, "household") ? s->inspection_hh
                                                                                        : s->inspection_op;
    int64_t base = last_report >= 0 ? last_report : accepted;
    int64_t due = ar_audit_add_months(base, months);
    if (now > due) {
      ar_audit_date(base, d2);
      if (last_report >= 0) {
        snprintf(zh, sizeof zh, "资产 %s（%s）最近一次管护记录为 %s，已超过 %d 个月未巡查", code, name, d2, months);
        snprintf(en, sizeof en, "asset %s (%s) was last reported on %s: no inspection for more than %d months", code,
                 name, d2, months);
      } else {
        snprintf(zh, sizeof zh, "资产 %s（%s）自 %s 验收以来从未巡查，已超过 %d 个月", code, name, d2, months);
        snprintf(en, sizeof en, "asset %s (%s) has never been inspected since its acceptance on %s, more than %d months",
                 code, name, d2, months);
      }
      json_t *f = json_object();
      day_fig(f, "last_report_on", last_report);
      day_fig(f, "accepted_on", accepted);
      json_object_set_new(f, "inspection_months", json_integer(months));
      uint64_t ev = last_report >= 0 ? last_report_idx : reg;
      ar_audit_add(o, "inspection-overdue", code, village, due + 1, ar_audit_ev(1, &ev), f, zh, en);
    }
    if (cond && (is(cond, "damaged") || is(cond, "needs_repair")) && now > cond_day + s->repair_days) {
      ar_audit_date(cond_day, d2);
      snprintf(zh, sizeof zh, "资产 %s（%s）于 %s 报告%s，超过 %d 天无修复记录", code, name, d2,
               is(cond, "damaged") ? "损毁" : "需维修", s->repair_days);
      snprintf(en, sizeof en, "asset %s (%s) was reported %s on %s and not repaired after %d days", code, name,
               is(cond, "damaged") ? "damaged" : "in need of repair", d2, s->repair_days);
      json_t *f = json_object();
      json_object_set_new(f, "condition", json_string(cond));
      day_fig(f, "reported_on", cond_day);
      ar_audit_add(o, "damage-unrepaired", code, village, cond_day + s->repair_days + 1, ar_audit_ev(1, &cond_idx), f,
                   zh, en);
    }
    int64_t cbase = last_count >= 0 ? last_count : accepted;
    int64_t cdue = ar_audit_add_months(cbase, 12);
    if (now > cdue) {
      ar_audit_date(cbase, d2);
      if (last_count >= 0) {
        snprintf(zh, sizeof zh, "资产 %s（%s）最近一次清查为 %s，近 12 个月未清查", code, name, d2);
        snprintf(en, sizeof en, "asset %s (%s) was last counted on %s: not inventoried in the last 12 months", code,
                 name, d2);
      } else {
        snprintf(zh, sizeof zh, "资产 %s（%s）自 %s 验收以来从未清查", code, name, d2);
        snprintf(en, sizeof en, "asset %s (%s) has never been inventoried since its acceptance on %s", code, name, d2);
      }
      json_t *f = json_object();
      day_fig(f, "last_count_on", last_count);
      uint64_t ev = last_count >= 0 ? count_idx : reg;
      ar_audit_add(o, "not-inventoried", code, village, cdue + 1, ar_audit_ev(1, &ev), f, zh, en);
    }
  }
  /* missing-at-inventory: the latest count says not found and no disposal or status entry follows */
  if (!disposed && count && json_is_false(json_object_get(count, "found"))) {
    bool followed = false;
    json_array_foreach(E, i, sl) {
      const char *t = S(sl, "type");
      if ((uint64_t)I(sl, "index") > count_idx && t && (strncmp(t, "disposal.", 9) == 0 || is(t, "asset.status")))
        followed = true;
    }
    if (!followed) {
      ar_audit_date(count_day, d2);
      snprintf(zh, sizeof zh, "资产 %s（%s）在 %s 清查中未见实物，其后无处置或状态记录", code, name, d2);
      snprintf(en, sizeof en, "asset %s (%s) was not found at the count of %s, and no disposal or status entry follows",
               code, name, d2);
      json_t *f = json_object();
      day_fig(f, "counted_on", count_day);
      ar_audit_add(o, "missing-at-inventory", code, village, count_day, ar_audit_ev(1, &count_idx), f, zh, en);
    }
  }

  /* idle-overdue */
  if (is(status, "idle") || is(status, "low_yield") || is(status, "damaged") || is(status, "occupied")) {
    const json_t *st = NULL;
    for (size_t k = json_array_size(E); k-- > 0 && !st;) {
      const json_t *x = json_array_get(E, k);
      if (is(S(x, "type"), "asset.status") || is(S(x, "type"), "disposal.complete")) st = x;
    }
    if (st) {
      const json_t *b = json_object_get(st, "body");
      bool by_status = is(S(st, "type"), "asset.status");
      int64_t from = by_status ? ar_audit_shanghai_day(I(st, "t")) : ar_audit_days(S(b, "completed_on"));
      int64_t due = by_status ? ar_audit_days(S(b, "remediation_due")) : -1;
      int64_t limit = due >= 0 ? due : ar_audit_add_months(from, s->idle_months);
      if (from >= 0 && from <= now && now > limit) {
        const char *lab = is(status, "idle") ? "闲置" : is(status, "low_yield") ? "低效" : is(status, "damaged") ? "损毁" : "被占用";
        ar_audit_date(from, d2);
        ar_audit_date(limit, d1);
        if (due >= 0) {
          snprintf(zh, sizeof zh, "资产 %s（%s）自 %s 起%s，盘活期限 %s 已过", code, name, d2, lab, d1);
          snprintf(en, sizeof en, "asset %s (%s) has been %s since %s; its remediation was due on %s", code, name,
                   status, d2, d1);
        } else {
          snprintf(zh, sizeof zh, "资产 %s（%s）自 %s 起%s，超过 %d 个月未盘活", code, name, d2, lab, s->idle_months);
          snprintf(en, sizeof en, "asset %s (%s) has been %s since %s, more than %d months without remediation", code,
                   name, status, d2, s->idle_months);
        }
        json_t *f = json_object();
        json_object_set_new(f, "status", json_string(status));
        day_fig(f, "status_since", from);
        day_fig(f, "remediation_due", due);
        uint64_t ev = (uint64_t)I(st, "index");
        ar_audit_add(o, "idle-overdue", code, village, limit + 1, ar_audit_ev(1, &ev), f, zh, en);
      }
    }
  }

  /* no-income, income-below-contract: the income reports in force */
  if (live && is(klass, "operating") && is(status, "in_use") && now > ar_audit_add_months(accepted, s->idle_months)) {
    int64_t window = ar_audit_add_months(now, -s->idle_months), last = -1;
    uint64_t last_idx = reg;
    bool recent = false;
    json_array_foreach(E, i, sl) {
      if (!is(S(sl, "type"), "income.report")) continue;
      int64_t pe = slot_day(sl, "period_end");
      if (pe < 0 || pe > now) continue;
      if (pe >= window) recent = true; /* a period that ended exactly idle_months ago still counts */
      if (pe >= last) last = pe, last_idx = (uint64_t)I(sl, "index");
    }
    if (!recent) {
      int64_t base = last > accepted ? last : accepted;
      if (last >= 0) {
        ar_audit_date(last, d2);
        snprintf(zh, sizeof zh, "经营性资产 %s（%s）最近一期收益截至 %s，近 %d 个月无收益", code, name, d2, s->idle_months);
        snprintf(en, sizeof en, "operating asset %s (%s) last reported income for a period ending %s: none in the last %d months",
                 code, name, d2, s->idle_months);
      } else {
        snprintf(zh, sizeof zh, "经营性资产 %s（%s）于 %s 验收，至今无收益报告", code, name, d1);
        snprintf(en, sizeof en, "operating asset %s (%s), accepted on %s, has no income report", code, name, d1);
      }
      json_t *f = json_object();
      day_fig(f, "last_period_end", last);
      json_object_set_new(f, "idle_months", json_integer(s->idle_months));
      ar_audit_add(o, "no-income", code, village, ar_audit_add_months(base, s->idle_months) + 1, ar_audit_ev(1, &last_idx),
                   f, zh, en);
    }
  }
  const json_t *op = json_object_get(a, "operator");
  const json_t *ct = json_object_get(op, "contract");
  if (!disposed && json_is_object(op)) {
    const char *mode = S(op, "mode");
    uint64_t op_idx = (uint64_t)I(op, "index");
    /* no-contract */
    if (mode && !is(mode, "self") && (!json_is_object(ct) || !S(ct, "no") || !*S(ct, "no"))) {
      snprintf(zh, sizeof zh, "资产 %s（%s）以%s方式经营，但无合同编号", code, name,
               is(mode, "lease") ? "租赁" : is(mode, "entrusted") ? "委托" : is(mode, "cooperative") ? "合作" : "入股");
      snprintf(en, sizeof en, "asset %s (%s) is operated by %s with no contract number", code, name, mode);
      json_t *f = json_object();
      json_object_set_new(f, "mode", json_string(mode));
      ar_audit_add(o, "no-contract", code, village, ar_audit_days(S(op, "decided_on")), ar_audit_ev(1, &op_idx), f, zh,
                   en);
    }
    int64_t cend = ar_audit_days(S(ct, "end")), cstart = ar_audit_days(S(ct, "start"));
    /* contract-expired */
    if (cend >= 0 && now > cend) {
      ar_audit_date(cend, d2);
      snprintf(zh, sizeof zh, "资产 %s（%s）的经营合同 %s 已于 %s 到期，未续签或变更经营主体", code, name,
               S(ct, "no") ? S(ct, "no") : "", d2);
      snprintf(en, sizeof en, "asset %s (%s): operating contract %s ended on %s and was neither renewed nor replaced",
               code, name, S(ct, "no") ? S(ct, "no") : "", d2);
      json_t *f = json_object();
      day_fig(f, "contract_end", cend);
      ar_audit_add(o, "contract-expired", code, village, cend + 1, ar_audit_ev(1, &op_idx), f, zh, en);
    }
    /* income-below-contract: the last full contract year ended by as_of (and by the contract's end) */
    int64_t agreed = I(ct, "agreed_return_fen_per_year");
    if (agreed > 0 && cstart >= 0) {
      int64_t lim = cend >= 0 && cend < now ? cend : now;
      int64_t ys = -1, ye = -1;
      for (int k = 0; k < 200; k++) {
        int64_t a0 = ar_audit_add_months(cstart, 12 * k), a1 = ar_audit_add_months(cstart, 12 * (k + 1)) - 1;
        if (a1 > lim) break;
        ys = a0, ye = a1;
      }
      if (ys >= 0) {
        int64_t gross = 0;
        json_t *ev = json_array();
        push(ev, op_idx);
        json_array_foreach(E, i, sl) {
          if (!is(S(sl, "type"), "income.report")) continue;
          int64_t pe = slot_day(sl, "period_end");
          if (pe < ys || pe > ye) continue;
          gross += I(json_object_get(sl, "body"), "gross_fen");
          push(ev, (uint64_t)I(sl, "index"));
        }
        if (gross < agreed && gap_exceeds(agreed, agreed - gross, 1000)) {
          char ya[32], yg[32];
          ar_audit_yuan(agreed, ya);
          ar_audit_yuan(gross, yg);
          ar_audit_date(ys, d1);
          ar_audit_date(ye, d2);
          snprintf(zh, sizeof zh, "资产 %s（%s）合同约定年收益 %s 元，%s 至 %s 合同年度实收 %s 元，低于约定逾 10%%", code,
                   name, ya, d1, d2, yg);
          snprintf(en, sizeof en, "asset %s (%s): the contract promises %s yuan a year; the contract year %s to %s brought %s yuan, more than 10%% short",
                   code, name, ya, d1, d2, yg);
          json_t *f = json_object();
          fen(f, "agreed", agreed);
          fen(f, "gross", gross);
          day_fig(f, "year_start", ys);
          day_fig(f, "year_end", ye);
          ar_audit_add(o, "income-below-contract", code, village, ye, ev, f, zh, en);
        } else {
          json_decref(ev);
        }
      }
    }
  }

  /* unallocated-stale: the asset's income reports with undrawn net, long after receipt */
  {
    int64_t total = 0, first = -1;
    json_t *ev = json_array();
    const json_t *ref;
    json_array_foreach(json_object_get(a, "incomes"), i, ref) {
      const json_t *inc = ar_domain_memstore_get(v->m, "income", json_string_value(ref));
      int64_t un = I(inc, "unallocated_fen"), rec = ar_audit_days(S(inc, "received_on"));
      if (!inc || un <= 0 || rec < 0) continue;
      int64_t lim = ar_audit_add_months(rec, s->unallocated_months);
      if (now <= lim) continue;
      total += un;
      if (first < 0 || lim + 1 < first) first = lim + 1;
      push(ev, (uint64_t)I(inc, "index"));
    }
    if (total > 0) {
      char y[32];
      ar_audit_yuan(total, y);
      snprintf(zh, sizeof zh, "资产 %s（%s）有 %zu 笔收益共 %s 元，收到后超过 %d 个月仍未分配", code, name,
               json_array_size(ev), y, s->unallocated_months);
      snprintf(en, sizeof en, "asset %s (%s): %zu income report%s with %s yuan undrawn more than %d months after receipt",
               code, name, json_array_size(ev), json_array_size(ev) == 1 ? "" : "s", y, s->unallocated_months);
      json_t *f = json_object();
      fen(f, "unallocated", total);
      ar_audit_add(o, "unallocated-stale", code, village, first, ev, f, zh, en);
    } else {
      json_decref(ev);
    }
  }

  /* sale-below-valuation */
  const json_t *done = json_object_get(json_object_get(a, "disposal"), "completed");
  const char *method = S(done, "method");
  if (json_is_object(done) && (is(method, "auction") || is(method, "transfer"))) {
    const json_t *req = NULL, *r;
    json_array_foreach(json_object_get(json_object_get(a, "disposal"), "requests"), i, r)
      if (is(S(r, "id"), S(done, "request"))) req = r;
    int64_t val = I(req, "valuation_fen"), got = I(done, "proceeds_fen");
    if (req && got < val && gap_exceeds(val, val - got, s->sale_gap_bp)) {
      char yv[32], yg[32];
      ar_audit_yuan(val, yv);
      ar_audit_yuan(got, yg);
      char pc[16];
      snprintf(zh, sizeof zh, "资产 %s（%s）以%s处置，成交 %s 元，低于评估价 %s 元逾 %s", code, name,
               is(method, "auction") ? "拍卖" : "转让", yg, yv, pct(s->sale_gap_bp, pc));
      snprintf(en, sizeof en, "asset %s (%s) was sold by %s for %s yuan, more than %s below its valuation of %s yuan",
               code, name, method, yg, pc, yv);
      json_t *f = json_object();
      fen(f, "valuation", val);
      fen(f, "proceeds", got);
      uint64_t ev[2] = {(uint64_t)I(req, "index"), (uint64_t)I(done, "index")};
      ar_audit_add(o, "sale-below-valuation", code, village, ar_audit_days(S(done, "completed_on")), ar_audit_ev(2, ev),
                   f, zh, en);
    }
  }
  json_decref(E);
}

/* ---- projects ---- */

static void project_checks(run_ctx *c, const char *code, const json_t *p) {
  const audit_view *v = c->v;
  const audit_settings *s = &v->s;
  char zh[768], en[768], d1[11];
  const char *name = S(p, "name") ? S(p, "name") : "";
  const char *village = NULL;
  const json_t *loc = json_array_get(json_object_get(p, "locations"), 0);
  if (json_is_string(loc) && strlen(json_string_value(loc)) == 12) village = json_string_value(loc);
  uint64_t reg = (uint64_t)I(p, "registered_at");
  int64_t accepted = ar_audit_days(S(p, "accepted_on"));
  proj_acc *pa = ar_strmap_get(&c->project_value, code);
  if (I(p, "assets") == 0 && !pa && !is(S(p, "type"), "management_fee") && accepted >= 0 &&
      v->as_of > accepted + s->registration_days) {
    ar_audit_date(accepted, d1);
    snprintf(zh, sizeof zh, "项目 %s（%s）于 %s 竣工验收，超过 %d 天未登记任何资产", code, name, d1, s->registration_days);
    snprintf(en, sizeof en, "project %s (%s) was accepted on %s and has no registered asset after %d days", code, name,
             d1, s->registration_days);
    json_t *f = json_object();
    day_fig(f, "accepted_on", accepted);
    fen(f, "funding", I(p, "funding_fen"));
    ar_audit_add(c->o, "project-without-assets", code, village, accepted + s->registration_days + 1, ar_audit_ev(1, &reg),
                 f, zh, en);
  }
  int64_t funding = I(p, "funding_fen");
  if (pa && gap_exceeds(funding, pa->value - funding, s->value_gap_bp)) {
    char yv[32], yf[32];
    ar_audit_yuan(pa->value, yv);
    ar_audit_yuan(funding, yf);
    char pc[16];
    snprintf(zh, sizeof zh, "项目 %s（%s）登记资产原值合计 %s 元，与项目资金 %s 元相差超过 %s", code, name, yv, yf,
             pct(s->value_gap_bp, pc));
    snprintf(en, sizeof en, "project %s (%s): its assets' original values total %s yuan against %s yuan of funding, a gap of more than %s",
             code, name, yv, yf, pc);
    json_t *f = json_object();
    fen(f, "assets_value", pa->value);
    fen(f, "funding", funding);
    json_t *ev = json_array();
    push(ev, reg);
    json_array_extend(ev, pa->evidence);
    ar_audit_add(c->o, "value-funding-gap", code, village, -1, ev, f, zh, en);
  }
}

/* ---- plans ---- */

static void plan_checks(run_ctx *c, const char *id, const json_t *pl, strmap *village_years) {
  const audit_view *v = c->v;
  const audit_settings *s = &v->s;
  char zh[768], en[768], d1[11];
  const char *village = S(pl, "village"), *state = S(pl, "state");
  uint64_t rec = (uint64_t)I(pl, "recorded_at");
  /* notice-missing: remember the village's filed years */
  const json_t *filed = json_object_get(pl, "filed");
  if (json_is_object(filed) && village) {
    char key[64];
    snprintf(key, sizeof key, "%s:%lld", village, (long long)I(pl, "year"));
    json_t *ev = ar_strmap_get(village_years, key);
    if (!ev) {
      ev = json_array();
      if (!ev || ar_strmap_put(village_years, key, ev)) {
        json_decref(ev);
        c->o->nomem = true;
        return;
      }
    }
    push(ev, (uint64_t)I(filed, "index"));
  }
  /* payout-incomplete */
  const json_t *notice = json_object_get(pl, "notice");
  int64_t nend = ar_audit_days(S(notice, "end"));
  int64_t remaining = I(pl, "remaining_fen");
  if ((is(state, "publicised") || is(state, "paying")) && remaining > 0 && nend >= 0 &&
      v->as_of > ar_audit_add_months(nend, s->payout_months)) {
    char yr[32], yt[32];
    ar_audit_yuan(remaining, yr);
    ar_audit_yuan(I(pl, "total_fen"), yt);
    ar_audit_date(nend, d1);
    snprintf(zh, sizeof zh, "收益分配方案 %s 公示于 %s 结束，超过 %d 个月仍有 %s 元（共 %s 元）未兑付", id, d1,
             s->payout_months, yr, yt);
    snprintf(en, sizeof en, "allocation plan %s: its notice ended on %s and %s yuan of %s yuan is still unpaid after %d months",
             id, d1, yr, yt, s->payout_months);
    json_t *f = json_object();
    fen(f, "remaining", remaining);
    fen(f, "total", I(pl, "total_fen"));
    day_fig(f, "notice_end", nend);
    uint64_t ev[2] = {rec, (uint64_t)I(notice, "index")};
    ar_audit_add(c->o, "payout-incomplete", id, village, ar_audit_add_months(nend, s->payout_months) + 1,
                 ar_audit_ev(2, ev), f, zh, en);
  }
  /* flat-split: a line of awards_aid paid in equal amounts to at least flat_split_min households */
  json_t *E = NULL;
  size_t li;
  const json_t *line;
  json_array_foreach(json_object_get(pl, "lines"), li, line) {
    if (!is(S(line, "purpose"), "awards_aid")) continue;
    if (!E && !(E = ar_audit_entries(v->m, id))) {
      c->o->nomem = true;
      return;
    }
    strmap payees = {0};
    int64_t lo = -1, hi = -1, first = -1;
    size_t households = 0, i;
    const json_t *sl;
    json_t *ev = json_array();
    json_array_foreach(E, i, sl) {
      const json_t *b = json_object_get(sl, "body");
      if (!is(S(sl, "type"), "allocation.payout") || (size_t)I(b, "line") != li) continue;
      int64_t pd = ar_audit_days(S(b, "paid_on"));
      if (pd < 0 || pd > v->as_of) continue;
      const json_t *payee = json_object_get(b, "payee");
      push(ev, (uint64_t)I(sl, "index"));
      if (first < 0 || pd < first) first = pd;
      int64_t amt = I(b, "amount_fen");
      if (lo < 0 || amt < lo) lo = amt;
      if (amt > hi) hi = amt;
      if (is(S(payee, "kind"), "household") && S(payee, "id") && !ar_strmap_get(&payees, S(payee, "id"))) {
        if (ar_strmap_put(&payees, S(payee, "id"), (void *)1)) c->o->nomem = true;
        households++;
      }
    }
    ar_strmap_free(&payees, NULL);
    /* Equal amounts: an even split leaves a remainder of a few fen on one payout, so
     * amounts that differ by less than one yuan are equal. */
    if (lo >= 0 && hi - lo < 100 && households >= (size_t)s->flat_split_min) {
      int64_t amount = lo;
      /* The sentence names the range when the remainder made one payout a few fen more. */
      char ya[32], yh[32], each_zh[80], each_en[80];
      ar_audit_yuan(amount, ya);
      ar_audit_yuan(hi, yh);
      if (hi == lo) {
        snprintf(each_zh, sizeof each_zh, "每户 %s 元", ya);
        snprintf(each_en, sizeof each_en, "the same %s yuan", ya);
      } else {
        snprintf(each_zh, sizeof each_zh, "每户 %s 至 %s 元", ya, yh);
        snprintf(each_en, sizeof each_en, "%s to %s yuan", ya, yh);
      }
      snprintf(zh, sizeof zh, "收益分配方案 %s 第 %zu 项奖励补助向 %zu 户平均发放，%s", id, li, households, each_zh);
      snprintf(en, sizeof en, "allocation plan %s: line %zu (awards and aid) paid %s to each of %zu households", id, li,
               each_en, households);
      json_t *f = json_object();
      fen(f, "amount", amount);
      json_object_set_new(f, "households", json_integer((json_int_t)households));
      json_object_set_new(f, "line", json_integer((json_int_t)li));
      ar_audit_add(c->o, "flat-split", id, village, first, ev, f, zh, en);
    } else {
      json_decref(ev);
    }
  }
  json_decref(E);
}

/* notice-missing, per village: the filed years with no annual notice by 31 March next. */
static void notice_checks(run_ctx *c, strmap *village_years) {
  /* Group the years by village, in key order (deterministic). */
  size_t n = 0;
  for (size_t i = 0; i < village_years->cap; i++)
    if (village_years->slots[i].key) n++;
  const char **keys = calloc(n ? n : 1, sizeof *keys);
  if (!keys) {
    c->o->nomem = true;
    return;
  }
  n = 0;
  for (size_t i = 0; i < village_years->cap; i++)
    if (village_years->slots[i].key) keys[n++] = village_years->slots[i].key;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
      const char *t = keys[j];
      keys[j] = keys[j - 1];
      keys[j - 1] = t;
    }
  for (size_t i = 0; i < n;) {
    char village[16];
    snprintf(village, sizeof village, "%.*s", (int)(strchr(keys[i], ':') - keys[i]), keys[i]);
    const json_t *vd = ar_domain_memstore_get(c->v->m, "village", village);
    json_t *ev = json_array(), *years = json_array();
    int64_t first = -1;
    char ys[256] = "";
    size_t j = i;
    for (; j < n && strncmp(keys[j], village, strlen(village)) == 0 && keys[j][strlen(village)] == ':'; j++) {
      int year = atoi(strchr(keys[j], ':') + 1);
      char b0[16], b1[16];
      snprintf(b0, sizeof b0, "%04d-01-01", year);
      snprintf(b1, sizeof b1, "%04d-03-31", year + 1);
      int64_t from = ar_audit_days(b0), deadline = ar_audit_days(b1);
      if (c->v->as_of <= deadline) continue;
      bool found = false;
      size_t k;
      const json_t *no;
      json_array_foreach(json_object_get(vd, "notices"), k, no) {
        int64_t st = ar_audit_days(S(no, "start"));
        if (is(S(no, "kind"), "annual") && st >= from && st <= deadline) found = true;
      }
      if (found) continue;
      json_array_extend(ev, ar_strmap_get(village_years, keys[j]));
      json_array_append_new(years, json_integer(year));
      size_t l = strlen(ys);
      snprintf(ys + l, sizeof ys - l, "%s%d", l ? "、" : "", year);
      if (first < 0) first = deadline + 1;
    }
    if (json_array_size(years) > 0) {
      char zh[512], en[512];
      snprintf(zh, sizeof zh, "村 %s 已备案 %s 年度收益分配方案，但未在次年 3 月 31 日前发布年度公示", village, ys);
      snprintf(en, sizeof en, "village %s filed allocation plans for %s but published no annual notice by 31 March of the next year",
               village, ys);
      json_t *f = json_pack("{s:O}", "years", years);
      ar_audit_add(c->o, "notice-missing", village, village, first, ev, f, zh, en);
    } else {
      json_decref(ev);
    }
    json_decref(years);
    i = j;
  }
  free(keys);
}

/* ---- findings and keys ---- */

static const char *village_of(const domain_memstore *m, const char *subject) {
  const json_t *a = ar_domain_memstore_get(m, "asset", subject);
  if (a) return S(a, "village");
  const json_t *p = ar_domain_memstore_get(m, "plan", subject);
  if (p) return S(p, "village");
  if (strlen(subject) == 12) return subject;
  return NULL;
}

static void finding_checks(run_ctx *c, const char *id, const json_t *f, strmap *overdue) {
  (void)id;
  int64_t due = ar_audit_days(S(f, "due"));
  if (!json_is_null(json_object_get(f, "resolution")) || due < 0 || c->v->as_of <= due) return;
  const char *subject = S(f, "subject");
  if (!subject) return;
  json_t *acc = ar_strmap_get(overdue, subject);
  if (!acc) {
    acc = json_pack("{s:[], s:[], s:I}", "checks", "evidence", "first", (json_int_t)(due + 1));
    if (!acc || ar_strmap_put(overdue, subject, acc)) {
      json_decref(acc);
      c->o->nomem = true;
      return;
    }
  }
  json_array_append_new(json_object_get(acc, "checks"), json_string(S(f, "check") ? S(f, "check") : ""));
  push(json_object_get(acc, "evidence"), (uint64_t)I(f, "recorded_at"));
  if (due + 1 < I(acc, "first")) json_object_set_new(acc, "first", json_integer((json_int_t)(due + 1)));
}

static void overdue_emit(run_ctx *c, strmap *overdue) {
  for (size_t i = 0; i < overdue->cap; i++) {
    const char *subject = overdue->slots[i].key;
    json_t *acc = overdue->slots[i].val;
    if (!subject) continue;
    char zh[768], en[768], list[512] = "", d1[11];
    size_t k;
    const json_t *ck;
    json_array_foreach(json_object_get(acc, "checks"), k, ck) {
      size_t l = strlen(list);
      snprintf(list + l, sizeof list - l, "%s%s", l ? ", " : "", json_string_value(ck));
    }
    ar_audit_date(I(acc, "first") - 1, d1);
    snprintf(zh, sizeof zh, "%s 的审计发现（%s）整改期限 %s 已过，未见整改记录", subject, list, d1);
    snprintf(en, sizeof en, "%s: the finding (%s) was due for rectification on %s and has not been resolved", subject,
             list, d1);
    json_t *f = json_pack("{s:O}", "checks", json_object_get(acc, "checks"));
    ar_audit_add(c->o, "finding-overdue", subject, village_of(c->v->m, subject), I(acc, "first"),
                 json_deep_copy(json_object_get(acc, "evidence")), f, zh, en);
  }
}

static void key_checks(run_ctx *c) {
  const strmap *keys = c->v->keys;
  for (size_t i = 0; i < keys->cap; i++) {
    const audit_key *k = keys->slots[i].key ? keys->slots[i].val : NULL;
    if (!k || k->state.revoked || k->state.is_root) continue;
    int64_t last = k->signed_any ? k->last_day : k->enrolled_day;
    int64_t lim = ar_audit_add_months(last, 24);
    if (c->v->as_of <= lim) continue;
    char zh[512], en[512], d1[11];
    ar_audit_date(last, d1);
    const char *id = keys->slots[i].key;
    if (k->signed_any) {
      snprintf(zh, sizeof zh, "密钥 %s（%s）最近一次签名于 %s，超过 24 个月未用且未注销", id, aidreg_role_name(k->state.role), d1);
      snprintf(en, sizeof en, "key %s (%s) last signed on %s: unused for more than 24 months and not revoked", id,
               aidreg_role_name(k->state.role), d1);
    } else {
      snprintf(zh, sizeof zh, "密钥 %s（%s）于 %s 登记后从未签名，超过 24 个月未注销", id, aidreg_role_name(k->state.role), d1);
      snprintf(en, sizeof en, "key %s (%s) was enrolled on %s and has signed nothing for more than 24 months", id,
               aidreg_role_name(k->state.role), d1);
    }
    json_t *f = json_pack("{s:s, s:s}", "role", aidreg_role_name(k->state.role), "scope", k->state.scope);
    day_fig(f, "last_signed_on", k->signed_any ? k->last_day : -1);
    uint64_t ev[2] = {k->enrolled_at, k->last_index};
    const char *village = strlen(k->state.scope) == 12 ? k->state.scope : NULL;
    ar_audit_add(c->o, "key-dormant", id, village, lim + 1, ar_audit_ev(k->signed_any ? 2 : 1, ev), f, zh, en);
  }
}

/* ---- all ---- */

typedef struct {
  run_ctx *c;
  strmap *village_years, *overdue;
  int pass;
} walk_ctx;

static int walk(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at) {
  walk_ctx *w = ctx;
  (void)updated_at;
  if (w->pass == 0 && strcmp(kind, "asset") == 0) asset_checks(w->c, id, doc);
  else if (w->pass == 1 && strcmp(kind, "project") == 0) project_checks(w->c, id, doc);
  else if (w->pass == 1 && strcmp(kind, "plan") == 0) plan_checks(w->c, id, doc, w->village_years);
  else if (w->pass == 1 && strcmp(kind, "finding") == 0) finding_checks(w->c, id, doc, w->overdue);
  return w->c->o->nomem ? -1 : 0;
}

static void free_acc(void *p) {
  proj_acc *pa = p;
  json_decref(pa->evidence);
  free(pa);
}
static void free_json(void *p) { json_decref(p); }

void ar_audit_run_checks(const audit_view *v, audit_out *o) {
  run_ctx c = {v, o, {0}};
  strmap village_years = {0}, overdue = {0};
  walk_ctx w = {&c, &village_years, &overdue, 0};
  if (ar_domain_memstore_each(v->m, walk, &w) == 0) {
    w.pass = 1;
    if (ar_domain_memstore_each(v->m, walk, &w) == 0) {
      notice_checks(&c, &village_years);
      overdue_emit(&c, &overdue);
      key_checks(&c);
    }
  }
  ar_strmap_free(&c.project_value, free_acc);
  ar_strmap_free(&village_years, free_json);
  ar_strmap_free(&overdue, free_json);
}
