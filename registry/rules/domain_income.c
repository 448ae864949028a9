/* Income and what plans draw on it (docs/events.md "Income and its allocation").
 *
 * Money is int64 fen. An income report of an asset with several locations is split
 * between its villages by share_bp, rounded down to the fen, the remainder to the first
 * location; gross and net are split on their own and a village's costs are its gross
 * less its net, so every figure adds up to the county's. Invariants kept at every entry:
 *   income:  net_fen = allocated_fen + unallocated_fen, and per village
 *            net_fen = drawn_fen + (what is left), drawn_fen <= net_fen;
 *   asset:   income.net_fen = allocated_fen + unallocated_fen = sum over its incomes,
 *            and the same per village (shares[]). */
#include <stdio.h>
#include <string.h>

#include "rules/domain_internal.h"

static int oom(domain_batch *d, aidreg_problem *p) {
  ar_dom_nomem(d);
  return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
}

int ar_dom_income_report(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  const json_t *a = ar_dom_need_asset(d, e, true, p);
  if (!a) return -1;
  const char *klass = ar_js(a, "class");
  if (!klass || strcmp(klass, "operating") != 0)
    return aidreg_problem_set(p, AIDREG_E_INCOME_NOT_OPERATING, "/subject",
                              "资产 %s 是%s资产，只有经营性资产报告收益 / asset %s is of class %s: income is "
                              "reported only for operating assets",
                              e->subject, ar_domain_label_in("asset_class", klass ? klass : "") ? ar_domain_label_in("asset_class", klass) : "",
                              e->subject, klass ? klass : "?");
  const json_t *b = e->body;
  int64_t gross = ar_ji(b, "gross_fen"), net = ar_ji(b, "net_fen"), costs = 0;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(b, "costs"), i, c) {
    if (!ar_fen_add(&costs, ar_ji(c, "amount_fen")))
      return aidreg_problem_set(p, AIDREG_E_AMOUNT_OVERFLOW, "/body/costs",
                                "成本合计超出可记录范围 / the costs add up beyond the largest amount");
  }
  int64_t diff = gross;
  if (!ar_fen_add(&diff, -costs) || diff != net) {
    char g[32], cs[32], n[32];
    ar_fen_text(gross, g);
    ar_fen_text(costs, cs);
    ar_fen_text(net, n);
    return aidreg_problem_set(p, AIDREG_E_NET_MISMATCH, "/body/net_fen",
                              "净收益 %s 元不等于总收入 %s 元减成本 %s 元 / net %s is not gross %s less costs %s", n,
                              g, cs, n, g, cs);
  }
  const json_t *locations = json_object_get(a, "locations");
  int64_t gs[DOM_MAX_LOCATIONS], ns[DOM_MAX_LOCATIONS];
  size_t nl = ar_dom_split(locations, gross, gs);
  ar_dom_split(locations, net, ns);

  /* The asset's totals, overall and per village. */
  json_t *ae = ar_dom_edit(d, "asset", e->subject);
  if (!ae) return oom(d, p);
  json_t *inc = json_object_get(ae, "income");
  if (!ar_ji_add(d, inc, "gross_fen", gross) || !ar_ji_add(d, inc, "costs_fen", costs) || !ar_ji_add(d, inc, "net_fen", net) ||
      !ar_ji_add(d, inc, "unallocated_fen", net) || !ar_ji_add(d, inc, "reports", 1))
    return aidreg_problem_set(p, AIDREG_E_AMOUNT_OVERFLOW, "/body/gross_fen",
                              "该资产收益合计超出可记录范围 / the asset's income adds up beyond the largest amount");
  json_t *shares = json_array();
  json_t *ashares = json_object_get(ae, "shares");
  for (i = 0; i < nl; i++) {
    const json_t *l = json_array_get(locations, i);
    json_t *as = json_array_get(ashares, i);
    if (!ar_ji_add(d, as, "gross_fen", gs[i]) || !ar_ji_add(d, as, "costs_fen", gs[i] - ns[i]) || !ar_ji_add(d, as, "net_fen", ns[i]) ||
        !ar_ji_add(d, as, "unallocated_fen", ns[i])) {
      json_decref(shares);
      return aidreg_problem_set(p, AIDREG_E_AMOUNT_OVERFLOW, "/body/gross_fen",
                                "该资产收益合计超出可记录范围 / the asset's income adds up beyond the largest amount");
    }
    ar_dom_jpush(d, shares, json_pack("{s:O, s:O, s:I, s:I, s:I, s:i}", "village", jget(l, "code"), "share_bp",
                                            jget(l, "share_bp"), "gross_fen", (json_int_t)gs[i], "costs_fen",
                                            (json_int_t)(gs[i] - ns[i]), "net_fen", (json_int_t)ns[i], "drawn_fen", 0));
  }
  ar_dom_jpush(d, json_object_get(ae, "incomes"), json_string(e->root));
  json_t *doc = json_pack("{s:s, s:s, s:O, s:O, s:I, s:O, s:I, s:I, s:O, s:O, s:O, s:o, s:{}, s:i, s:I, s:I}", "id",
                          e->root, "asset", e->subject, "period_start", jget(b, "period_start"), "period_end",
                          jget(b, "period_end"), "gross_fen", (json_int_t)gross, "costs", jget(b, "costs"),
                          "costs_fen", (json_int_t)costs, "net_fen", (json_int_t)net, "payer", jget(b, "payer"),
                          "received_on", jget(b, "received_on"), "account", jget(b, "account"), "shares", shares,
                          "drawn", "allocated_fen", 0, "unallocated_fen", (json_int_t)net, "index",
                          (json_int_t)e->index);
  if (!doc || ar_dom_put(d, "income", e->root, doc)) return oom(d, p);
  return 0;
}

/* Adds delta (positive: a draw; negative: a release) to what plan draws on the income,
 * on the income and on its asset. The caller has checked what is left. */
static int move(domain_batch *d, json_t *inc, const char *plan, const char *village, int64_t delta) {
  json_t *share = ar_jfind(json_object_get(inc, "shares"), "village", village, NULL);
  json_t *drawn = json_object_get(inc, "drawn"), *mine = json_object_get(drawn, plan);
  if (!mine) {
    mine = json_pack("{s:s, s:i}", "village", village, "amount_fen", 0);
    if (!mine || json_object_set_new(drawn, plan, mine)) return -1;
  }
  if (!ar_ji_add(d, mine, "amount_fen", delta) || !ar_ji_add(d, share, "drawn_fen", delta) ||
      !ar_ji_add(d, inc, "allocated_fen", delta) || !ar_ji_add(d, inc, "unallocated_fen", -delta))
    return -1;
  if (ar_ji(mine, "amount_fen") == 0) json_object_del(drawn, plan);
  json_t *a = ar_dom_edit(d, "asset", ar_js(inc, "asset"));
  if (!a) return 0; /* the asset is being replayed: its totals are recomputed */
  json_t *ai = json_object_get(a, "income"), *as = ar_jfind(json_object_get(a, "shares"), "village", village, NULL);
  if (!ar_ji_add(d, ai, "allocated_fen", delta) || !ar_ji_add(d, ai, "unallocated_fen", -delta) ||
      !ar_ji_add(d, as, "allocated_fen", delta) || !ar_ji_add(d, as, "unallocated_fen", -delta))
    return -1;
  return 0;
}

int ar_dom_income_draw(domain_batch *d, const char *income, const char *plan, const char *village, int64_t amount,
                    const char *field, aidreg_problem *p) {
  char s[12];
  ar_short_ref(income, s);
  if (!income) return aidreg_problem_set(p, AIDREG_E_INCOME_UNKNOWN, field, "未指明收益 / no income named");
  const json_t *inc = ar_dom_get(d, "income", income);
  if (!inc) {
    if (ar_dom_failed(d)) return oom(d, p);
    return aidreg_problem_set(p, AIDREG_E_INCOME_UNKNOWN, field,
                              "没有编号为 %s… 的收益记录；请填写 income.report 记录的 ref / there is no income "
                              "report %s…: name the ref of its income.report entry",
                              ar_short_ref(income, s), s);
  }
  const json_t *share = ar_jfind(json_object_get(inc, "shares"), "village", village, NULL);
  if (!share)
    return aidreg_problem_set(p, AIDREG_E_INCOME_NOT_OF_VILLAGE, field,
                              "收益 %s…（资产 %s）不属于村 %s，本村方案不能提取 / income %s… of asset %s has no "
                              "share for village %s",
                              ar_short_ref(income, s), ar_js(inc, "asset"), village, s, ar_js(inc, "asset"), village);
  int64_t left = ar_ji(share, "net_fen") - ar_ji(share, "drawn_fen");
  if (amount > left) {
    char l[32], a[32];
    ar_fen_text(left, l);
    ar_fen_text(amount, a);
    return aidreg_problem_set(p, AIDREG_E_INCOME_OVERDRAWN, field,
                              "收益 %s…（资产 %s）本村尚可分配 %s 元，提取 %s 元超出；请减少金额或改用其他收益 / "
                              "income %s… of asset %s has %s yuan left for village %s; %s is more",
                              s, ar_js(inc, "asset"), l, a, s, ar_js(inc, "asset"), l, village, a);
  }
  json_t *ie = ar_dom_edit(d, "income", income);
  if (!ie || move(d, ie, plan, village, amount)) return oom(d, p);
  return 0;
}

int ar_dom_income_release(domain_batch *d, const char *income, const char *plan) {
  const json_t *inc = ar_dom_get(d, "income", income);
  const json_t *mine = json_object_get(json_object_get(inc, "drawn"), plan);
  if (!mine) return ar_dom_failed(d) ? -1 : 0;
  int64_t amount = ar_ji(mine, "amount_fen");
  char village[32];
  snprintf(village, sizeof village, "%s", ar_js(mine, "village"));
  json_t *ie = ar_dom_edit(d, "income", income);
  if (!ie) return -1;
  return move(d, ie, plan, village, -amount);
}
