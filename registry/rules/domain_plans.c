/* Allocation plans (收益分配方案): the state machine of docs/events.md, decided by ledger order:
 *   drafted -(review approved)-> reviewed -(filed)-> filed -(notice of kind allocation)->
 *   publicised -(first payout)-> paying -(every line fully paid)-> closed
 *   drafted -(review returned)-> returned
 * A correction of the allocation.plan entry (allowed while drafted, returned, reviewed or
 * filed) puts the plan back to drafted at the correction's point ("redraft"); a
 * correction without a body withdraws it and releases what it draws ("withdraw"). */
#include <stdio.h>
#include <string.h>

#include "aidreg/state.h"
#include "rules/domain_internal.h"

static int oom(domain_batch *d, aidreg_problem *p) {
  ar_dom_nomem(d);
  return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
}

/* Every state a plan can be in, in the order of the state machine; withdrawn last. */
static const struct {
  const char *en, *zh;
} plan_states[] = {{"drafted", "草拟"},    {"returned", "退回"}, {"reviewed", "乡镇已审核"}, {"filed", "县级已备案"},
                   {"publicised", "已公示"}, {"paying", "兑付中"}, {"closed", "已兑付完毕"}, {"withdrawn", "已撤回"}};

static const char *state_zh(const char *state) {
  for (size_t i = 0; state && i < sizeof plan_states / sizeof plan_states[0]; i++)
    if (strcmp(plan_states[i].en, state) == 0) return plan_states[i].zh;
  return state ? state : "?";
}

/* The read API's filter (include/aidreg/state.h). */
const char *aidreg_state_plan_state(size_t i) {
  return i < sizeof plan_states / sizeof plan_states[0] ? plan_states[i].en : NULL;
}

bool ar_dom_plan_correctable(const char *state) {
  return state && (strcmp(state, "drafted") == 0 || strcmp(state, "returned") == 0 ||
                   strcmp(state, "reviewed") == 0 || strcmp(state, "filed") == 0);
}

static const json_t *need_plan(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  const json_t *pl = ar_dom_get(d, "plan", e->subject);
  if (!pl)
    aidreg_problem_set(p, AIDREG_E_PLAN_UNKNOWN, "/subject",
                       "收益分配方案 %s 不存在，请先提交 allocation.plan / there is no plan %s: record it first",
                       e->subject, e->subject);
  return pl;
}

/* The plan when it is in state `want`, else PLAN_STATE naming what is needed. */
static json_t *plan_in(domain_batch *d, const dom_entry *e, const char *want, const char *want2, const char *step_zh,
                       aidreg_problem *p) {
  const json_t *pl = need_plan(d, e, p);
  if (!pl) return NULL;
  const char *st = ar_js(pl, "state");
  if (strcmp(st, want) != 0 && !(want2 && strcmp(st, want2) == 0)) {
    aidreg_problem_set(p, AIDREG_E_PLAN_STATE, "/type",
                       "方案 %s 当前为「%s」，%s须在「%s」之后 / plan %s is %s; %s needs it %s%s%s", e->subject,
                       state_zh(st), step_zh, state_zh(want), e->subject, st, e->type, want, want2 ? " or " : "",
                       want2 ? want2 : "");
    return NULL;
  }
  json_t *ed = ar_dom_edit(d, "plan", e->subject);
  if (!ed) oom(d, p);
  return ed;
}

int ar_dom_plan_record(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  const json_t *b = e->body;
  if (ar_dom_get(d, "plan", e->subject))
    return aidreg_problem_set(p, AIDREG_E_ALREADY_REGISTERED, "/subject",
                              "方案 %s 已存在；修改请用 correction / plan %s exists: correct it instead", e->subject,
                              e->subject);
  const char *village = ar_js(b, "village");
  domain_settings s;
  ar_dom_settings_at(d, e->index, &s);
  unsigned have = 0;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(b, "steps"), i, v) have |= ar_domain_step_bit(ar_js(v, "step"));
  unsigned missing = s.required_steps & ~have;
  if (missing) {
    static const char *const steps[] = {"proposal", "committees", "party_members", "villagers_meeting"};
    char zh[200] = "", en[200] = "";
    for (unsigned k = 0; k < 4; k++) {
      if (!(missing & (1u << k))) continue;
      const char *label = ar_domain_label_in("step", steps[k]);
      snprintf(zh + strlen(zh), sizeof zh - strlen(zh), "%s%s", *zh ? "、" : "", label ? label : steps[k]);
      snprintf(en + strlen(en), sizeof en - strlen(en), "%s%s", *en ? ", " : "", steps[k]);
    }
    return aidreg_problem_set(p, AIDREG_E_PLAN_STEPS_MISSING, "/body/steps",
                              "方案缺少四议步骤：%s；请补记会议日期和纪要 / the plan lacks the steps %s: record "
                              "each meeting's date and minutes",
                              zh, en);
  }
  int64_t total = 0, lines_total = 0;
  json_t *sources = json_array();
  json_array_foreach(json_object_get(b, "sources"), i, v) {
    char field[64];
    snprintf(field, sizeof field, "/body/sources/%zu/amount_fen", i);
    if (!ar_fen_add(&total, ar_ji(v, "amount_fen"))) {
      json_decref(sources);
      return aidreg_problem_set(p, AIDREG_E_AMOUNT_OVERFLOW, field,
                                "提取合计超出可记录范围 / the sources add up beyond the largest amount");
    }
    if (ar_dom_income_draw(d, ar_js(v, "income"), e->subject, village, ar_ji(v, "amount_fen"), field, p)) {
      json_decref(sources);
      return -1;
    }
    const json_t *inc = ar_dom_get(d, "income", ar_js(v, "income"));
    ar_dom_jpush(d, sources, json_pack("{s:O, s:O, s:O}", "income", jget(v, "income"), "amount_fen",
                                             jget(v, "amount_fen"), "asset", jget(inc, "asset")));
  }
  json_t *lines = json_array();
  json_array_foreach(json_object_get(b, "lines"), i, v) {
    if (!ar_fen_add(&lines_total, ar_ji(v, "amount_fen"))) break;
    ar_dom_jpush(d, lines, json_pack("{s:O, s:O, s:O, s:i, s:O}", "purpose", jget(v, "purpose"), "description",
                                           jget(v, "description"), "amount_fen", jget(v, "amount_fen"), "paid_fen", 0,
                                           "remaining_fen", jget(v, "amount_fen")));
  }
  if (lines_total != total) {
    char t[32], l[32];
    ar_fen_text(total, t);
    ar_fen_text(lines_total, l);
    json_decref(sources);
    json_decref(lines);
    return aidreg_problem_set(p, AIDREG_E_PLAN_UNBALANCED, "/body/lines",
                              "各用途合计 %s 元，须等于提取合计 %s 元 / the lines total %s, the sources %s: they must "
                              "be equal",
                              l, t, l, t);
  }
  char township[16];
  snprintf(township, sizeof township, "%.9s", village);
  json_t *doc = json_pack("{s:s, s:s, s:s, s:O, s:s, s:o, s:o, s:O, s:n, s:n, s:n, s:i, s:I, s:i, s:I, s:i, s:I}",
                          "id", e->subject, "village", village, "township", township, "year", jget(b, "year"),
                          "state", "drafted", "sources", sources, "lines", lines, "steps", jget(b, "steps"), "review",
                          "filed", "notice", "payout_count", 0, "total_fen", (json_int_t)total, "paid_fen", 0,
                          "remaining_fen", (json_int_t)total, "findings_open", 0, "recorded_at",
                          (json_int_t)e->index);
  if (!doc || ar_dom_put(d, "plan", e->subject, doc)) return oom(d, p);
  return 0;
}

int ar_dom_plan_review(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  json_t *pl = plan_in(d, e, "drafted", NULL, "乡镇审核", p);
  if (!pl) return -1;
  const char *decision = ar_js(e->body, "decision");
  ar_dom_jset(d, pl, "state", json_string(strcmp(decision, "approved") == 0 ? "reviewed" : "returned"));
  ar_dom_jset(d, pl, "review", json_pack("{s:O, s:O, s:I}", "decision", jget(e->body, "decision"), "note",
                                              jget(e->body, "note"), "index", (json_int_t)e->index));
  return 0;
}

int ar_dom_plan_filed(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  json_t *pl = plan_in(d, e, "reviewed", NULL, "县级备案", p);
  if (!pl) return -1;
  ar_dom_jset(d, pl, "state", json_string("filed"));
  ar_dom_jset(d, pl, "filed", json_pack("{s:O, s:I}", "note", jget(e->body, "note"), "index", (json_int_t)e->index));
  return 0;
}

int ar_dom_plan_notice(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  const json_t *b = e->body;
  const char *kind = ar_js(b, "kind");
  if (!kind || strcmp(kind, "allocation") != 0)
    return aidreg_problem_set(p, AIDREG_E_NOTICE_KIND, "/body/kind",
                              "以方案为主体的公示须为收益分配公示（allocation）；其他公示请以村代码为主体 / a notice "
                              "on a plan is of kind allocation; publish other kinds on the village code");
  if (!need_plan(d, e, p)) return -1;
  domain_settings s;
  ar_dom_settings_at(d, e->index, &s);
  int64_t start = ar_dom_days(ar_js(b, "start")), end = ar_dom_days(ar_js(b, "end"));
  json_t *pl = plan_in(d, e, "filed", NULL, "公示", p);
  if (!pl) return -1;
  if (end - start + 1 < s.publicity_days)
    return aidreg_problem_set(p, AIDREG_E_PUBLICITY_TOO_SHORT, "/body/end",
                              "公示期 %lld 天，少于规定的 %d 天；请延长结束日期 / the notice lasts %lld days, "
                              "fewer than the %d publicity days: set a later end",
                              (long long)(end - start + 1), s.publicity_days, (long long)(end - start + 1),
                              s.publicity_days);
  json_t *n = json_deep_copy(b);
  if (!n) return oom(d, p);
  ar_dom_jset(d, n, "index", json_integer((json_int_t)e->index));
  ar_dom_jset(d, pl, "notice", n);
  ar_dom_jset(d, pl, "state", json_string("publicised"));
  return 0;
}

int ar_dom_plan_payout(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  json_t *pl = plan_in(d, e, "publicised", "paying", "兑付", p);
  if (!pl) return -1;
  const json_t *b = e->body;
  json_int_t line = json_integer_value(json_object_get(b, "line"));
  json_t *lines = json_object_get(pl, "lines");
  if (line < 0 || (size_t)line >= json_array_size(lines))
    return aidreg_problem_set(p, AIDREG_E_PAYOUT_LINE_UNKNOWN, "/body/line",
                              "方案只有 %zu 项用途（编号 0 至 %zu），没有第 %lld 项 / the plan has lines 0 to %zu; "
                              "there is no line %lld",
                              json_array_size(lines), json_array_size(lines) - 1, (long long)line,
                              json_array_size(lines) - 1, (long long)line);
  const char *end = ar_js(json_object_get(pl, "notice"), "end");
  if (ar_dom_days(ar_js(b, "paid_on")) <= ar_dom_days(end))
    return aidreg_problem_set(p, AIDREG_E_PAYOUT_TOO_EARLY, "/body/paid_on",
                              "公示期到 %s 结束，兑付日期须在其后 / the notice ends on %s: pay on a later date", end,
                              end);
  json_t *l = json_array_get(lines, (size_t)line);
  int64_t amount = ar_ji(b, "amount_fen"), left = ar_ji(l, "remaining_fen");
  if (amount > left) {
    char a[32], r[32];
    ar_fen_text(amount, a);
    ar_fen_text(left, r);
    return aidreg_problem_set(p, AIDREG_E_PAYOUT_EXCEEDS_LINE, "/body/amount_fen",
                              "第 %lld 项用途尚余 %s 元，兑付 %s 元超出 / line %lld has %s yuan left; %s is more",
                              (long long)line, r, a, (long long)line, r, a);
  }
  if (!ar_ji_add(d, l, "paid_fen", amount) || !ar_ji_add(d, l, "remaining_fen", -amount) || !ar_ji_add(d, pl, "paid_fen", amount) ||
      !ar_ji_add(d, pl, "remaining_fen", -amount))
    return oom(d, p);
  /* The payouts themselves are the plan's log entries (the read API lists them). */
  if (!ar_ji_add(d, pl, "payout_count", 1)) return oom(d, p);
  bool all = true;
  size_t i;
  json_t *v;
  json_array_foreach(lines, i, v) all &= ar_ji(v, "remaining_fen") == 0;
  ar_dom_jset(d, pl, "state", json_string(all ? "closed" : "paying"));
  return 0;
}

int ar_dom_plan_release(domain_batch *d, const json_t *plan) {
  size_t i;
  json_t *v;
  const char *id = ar_js(plan, "id");
  json_array_foreach(json_object_get(plan, "sources"), i, v) {
    if (ar_dom_income_release(d, ar_js(v, "income"), id)) return -1;
  }
  return 0;
}

int ar_dom_plan_marker(domain_batch *d, const dom_entry *e, const char *effect, aidreg_problem *p) {
  const json_t *cur = need_plan(d, e, p);
  if (!cur) return -1;
  const char *st = ar_js(cur, "state");
  if (!ar_dom_plan_correctable(st))
    return aidreg_problem_set(p, AIDREG_E_PLAN_NOT_CORRECTABLE, "/body/corrects",
                              "方案 %s 已「%s」，不能再更正；请另立新方案（单笔兑付可更正） / plan %s is %s: it is not "
                              "corrected any more; record a new plan (single payouts may be corrected)",
                              e->subject, state_zh(st), e->subject, st);
  if (strcmp(effect, "withdraw") == 0 && ar_dom_plan_release(d, cur)) return oom(d, p);
  json_t *pl = ar_dom_edit(d, "plan", e->subject);
  if (!pl) return oom(d, p);
  bool withdraw = strcmp(effect, "withdraw") == 0;
  ar_dom_jset(d, pl, "state", json_string(withdraw ? "withdrawn" : "drafted"));
  ar_dom_jset(d, pl, "review", json_null());
  ar_dom_jset(d, pl, "filed", json_null());
  ar_dom_jset(d, pl, withdraw ? "withdrawn_at" : "redrafted_at", json_integer((json_int_t)e->index));
  return 0;
}
