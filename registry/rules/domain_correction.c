/* Corrections (更正 / 红字冲销, docs/events.md "Rules in detail", corrections).
 *
 * `corrects` names the entry whose effect is in force on the same subject (an original,
 * or the correction that last replaced it). With a replacement body, the replacement
 * takes the original's slot in the subject's log (its position, judged against the
 * correction's signer time); without one, the entry is reversed (its slot leaves the
 * log). The subject's state is then recomputed by replaying its log from nothing through
 * the same rules, and the cross-subject money re-checked: the correction is refused when
 * any entry of the subject would then break a rule, or an income would be drawn beyond
 * its net. Corrections of an allocation.plan are allowed only while the plan is drafted,
 * returned, reviewed or filed, and add a marker at the correction's own position that
 * puts the plan back to drafted (with a body) or withdraws it (without).
 *
 * What a subject's replay resets and restores:
 *   asset:   the asset, its incomes and findings; plans' draws on its incomes are kept
 *            aside and drawn again afterwards (each checked against the recomputed net);
 *            its project's asset count;
 *   plan:    the plan (its draws released) and its findings;
 *   project: the project; the count of assets naming it (refused if the project goes
 *            while assets name it);
 *   village: its notices and findings;  county: the settings. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rules/domain_internal.h"
#include "rules/event_hooks.h"

static int oom(domain_batch *d, aidreg_problem *p) {
  ar_dom_nomem(d);
  return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
}

json_t *ar_dom_log_slot(const json_t *entries, const char *ref, size_t *at) {
  json_t *marker = NULL, *v;
  size_t i, marker_at = 0;
  if (!ref) return NULL;
  json_array_foreach(entries, i, v) {
    const char *r = ar_js(v, "ref");
    if (!r || strcmp(r, ref) != 0) continue;
    if (strcmp(ar_js(v, "type"), "correction") != 0) {
      if (at) *at = i;
      return v;
    }
    if (!marker) marker = v, marker_at = i;
  }
  if (marker && at) *at = marker_at;
  return marker;
}

/* Deletes the finding documents the slots of entries created. */
static int drop_findings(domain_batch *d, const json_t *entries) {
  size_t i;
  json_t *v;
  json_array_foreach(entries, i, v) {
    if (strcmp(ar_js(v, "type"), "finding.record") == 0 && ar_dom_put(d, "finding", ar_js(v, "root"), NULL)) return -1;
  }
  return 0;
}

/* Resets what the subject's own entries made; fills *saved with what others contributed
 * (asset: {income: drawn}, project: {"assets": N}). */
static int reset(domain_batch *d, const char *subject, dom_subject_kind k, const json_t *old_entries, json_t *saved) {
  if (drop_findings(d, old_entries)) return -1;
  size_t i;
  json_t *v;
  switch (k) {
  case SK_ASSET: {
    const json_t *a = ar_dom_get(d, "asset", subject);
    if (!a) return ar_dom_failed(d) ? -1 : 0;
    json_array_foreach(json_object_get(a, "incomes"), i, v) {
      const char *id = json_string_value(v);
      const json_t *inc = ar_dom_get(d, "income", id);
      const json_t *drawn = json_object_get(inc, "drawn");
      if (json_object_size(drawn) && json_object_set_new(saved, id, json_deep_copy(drawn))) return -1;
      if (ar_dom_put(d, "income", id, NULL)) return -1;
    }
    const char *project = ar_js(a, "project");
    json_t *proj = project ? ar_dom_edit(d, "project", project) : NULL;
    if (proj && !ar_ji_add(d, proj, "assets", -1)) return -1;
    return ar_dom_put(d, "asset", subject, NULL);
  }
  case SK_PLAN: {
    const json_t *pl = ar_dom_get(d, "plan", subject);
    if (!pl) return ar_dom_failed(d) ? -1 : 0;
    if (ar_dom_plan_release(d, pl)) return -1;
    return ar_dom_put(d, "plan", subject, NULL);
  }
  case SK_PROJECT: {
    const json_t *pr = ar_dom_get(d, "project", subject);
    if (!pr) return ar_dom_failed(d) ? -1 : 0;
    ar_dom_jset(d, saved, "assets", json_integer(ar_ji(pr, "assets")));
    return ar_dom_put(d, "project", subject, NULL);
  }
  case SK_VILLAGE: {
    /* Its place.register (if any) is replayed: the township counts it again then. */
    char township[10];
    snprintf(township, sizeof township, "%.9s", subject);
    if (ar_dom_get(d, "place", subject)) {
      json_t *t = ar_dom_edit(d, "place", township);
      if (t && !ar_ji_add(d, t, "villages", -1)) return -1;
      if (ar_dom_put(d, "place", subject, NULL)) return -1;
    }
    return ar_dom_failed(d) ? -1 : ar_dom_put(d, "village", subject, NULL);
  }
  case SK_TOWNSHIP: {
    const json_t *t = ar_dom_get(d, "place", subject);
    if (!t) return ar_dom_failed(d) ? -1 : 0;
    if (json_object_set_new(saved, "villages", json_integer(ar_ji(t, "villages")))) return -1;
    return ar_dom_put(d, "place", subject, NULL);
  }
  case SK_COUNTY: return ar_dom_put(d, "settings", ar_dom_county(d), NULL);
  default: return 0;
  }
}

static int restore(domain_batch *d, const char *subject, dom_subject_kind k, const json_t *saved, aidreg_problem *p) {
  const char *key;
  json_t *v;
  if (k == SK_TOWNSHIP) {
    int64_t n = ar_ji(saved, "villages");
    json_t *t = ar_dom_edit(d, "place", subject);
    if (!t && ar_dom_failed(d)) return oom(d, p);
    if (!t && n > 0)
      return aidreg_problem_set(p, AIDREG_E_CORRECTION_BREAKS, "/body/corrects",
                                "乡镇 %s 下已登记 %lld 个村，不能冲销其登记 / %lld villages of township %s are "
                                "registered: its registration cannot be reversed",
                                subject, (long long)n, (long long)n, subject);
    if (t && json_object_set_new(t, "villages", json_integer((json_int_t)n))) return oom(d, p);
    return 0;
  }
  if (k == SK_ASSET) {
    json_object_foreach((json_t *)saved, key, v) {
      const char *plan;
      json_t *draw;
      json_object_foreach(v, plan, draw) {
        char s[12];
        if (!ar_dom_get(d, "income", key)) {
          if (ar_dom_failed(d)) return oom(d, p);
          return aidreg_problem_set(p, AIDREG_E_INCOME_OVERDRAWN, "/body/corrects",
                                    "收益 %s… 已被方案 %s 提取，不能冲销；请先更正该方案 / income %s… is drawn by plan "
                                    "%s: correct that plan first",
                                    ar_short_ref(key, s), plan, s, plan);
        }
        if (ar_dom_income_draw(d, key, plan, ar_js(draw, "village"), ar_ji(draw, "amount_fen"), "/body/corrects", p)) {
          if (p && p->code == AIDREG_E_INCOME_OVERDRAWN) {
            char inner[sizeof p->detail];
            snprintf(inner, sizeof inner, "%s", p->detail);
            aidreg_problem_set(p, AIDREG_E_INCOME_OVERDRAWN, "/body/corrects",
                               "更正后方案 %s 的提取将超出收益：%s / after the correction plan %s would overdraw: %s",
                               plan, inner, plan, inner);
          }
          return -1;
        }
      }
    }
  } else if (k == SK_PROJECT) {
    int64_t n = ar_ji(saved, "assets");
    json_t *pr = ar_dom_edit(d, "project", subject);
    if (!pr) {
      if (ar_dom_failed(d)) return oom(d, p);
      if (n > 0)
        return aidreg_problem_set(p, AIDREG_E_CORRECTION_BREAKS, "/body/corrects",
                                  "项目 %s 下已登记 %lld 项资产，不能冲销 / %lld assets name project %s: it cannot be "
                                  "reversed",
                                  subject, (long long)n, (long long)n, subject);
      return 0;
    }
    ar_dom_jset(d, pr, "assets", json_integer((json_int_t)n));
  }
  return 0;
}

/* Replays entries (the subject's new log) from nothing. `ref` is the correction's. */
static int replay(domain_batch *d, const char *subject, dom_subject_kind k, const json_t *entries, const char *ref,
                  aidreg_problem *p) {
  size_t i;
  json_t *slot;
  json_array_foreach(entries, i, slot) {
    const char *type = ar_js(slot, "type");
    dom_entry e = {type, subject, json_object_get(slot, "body"), ar_ji(slot, "t"), (uint64_t)ar_ji(slot, "index"),
                   ar_js(slot, "ref"), ar_js(slot, "root"), true, NULL, (unsigned)ar_ji(slot, "roles"),
                   json_object_get(slot, "signers")};
    aidreg_problem inner = {0};
    int rc;
    if (strcmp(type, "correction") == 0) {
      rc = ar_dom_plan_marker(d, &e, ar_js(slot, "effect"), &inner);
    } else {
      const aidreg_event_type *rt = ar_dom_type(d, type);
      dom_rule rule = rt && rt->hooks ? rt->hooks->rule : NULL;
      rc = rule ? rule(d, &e, &inner) : aidreg_problem_set(&inner, AIDREG_E_INTERNAL, NULL, "no rule for %s", type);
    }
    if (rc == 0) continue;
    if (ar_dom_failed(d)) return oom(d, p);
    if (strcmp(e.ref, ref) == 0) {
      /* The replacement (or this correction's marker) itself breaks a rule. */
      if (p) *p = inner;
      if (strcmp(type, "correction") == 0) snprintf(p->field, sizeof p->field, "/body/corrects");
      else if (strncmp(inner.field, "/body", 5) == 0) aidreg_problem_prefix_field(p, "/body");
      return -1;
    }
    char detail[sizeof inner.detail];
    snprintf(detail, sizeof detail, "%s", inner.detail);
    return aidreg_problem_set(p, AIDREG_E_CORRECTION_BREAKS, "/body/corrects",
                              "更正后第 %" PRIu64 " 条记录（%s）将违反规则 [%s]：%s / after this correction entry %" PRIu64
                              " (%s) would break a rule",
                              e.index, type, aidreg_problem_slug(inner.code), detail, e.index, type);
  }
  (void)k;
  return 0;
}

/* Why `corrects` names no entry in force on the subject: superseded already, an entry of
 * another subject, a reversal, or nothing at all. Always -1 with p. */
static int no_target(domain_batch *d, const json_t *log, const char *corrects, const char *subject,
                     aidreg_problem *p) {
  char s[12], s2[12];
  if (ar_dom_failed(d)) return oom(d, p);
  const json_t *sup = json_object_get(json_object_get(log, "superseded"), corrects ? corrects : "");
  if (sup)
    return aidreg_problem_set(p, AIDREG_E_CORRECTION_TARGET, "/body/corrects",
                              "记录 %s… 已被第 %lld 条记录%s；请更正当前有效的记录 / entry %s… was already %s by entry "
                              "%lld: correct the entry now in force (ref %s…)",
                              ar_short_ref(corrects, s), (long long)ar_ji(sup, "index"),
                              json_is_true(json_object_get(sup, "reversed")) ? "冲销" : "更正", s,
                              json_is_true(json_object_get(sup, "reversed")) ? "reversed" : "corrected",
                              (long long)ar_ji(sup, "index"), ar_short_ref(ar_js(sup, "by"), s2));
  char other[256];
  int found = ar_dom_ref_subject(d, corrects, other, sizeof other);
  if (found < 0) return oom(d, p);
  if (found && strcmp(other, subject) != 0)
    return aidreg_problem_set(p, AIDREG_E_CORRECTION_SUBJECT, "/subject",
                              "记录 %s… 的主体是 %s，不是 %s；请以 %s 为主体提交更正 / entry %s… is on %s, not %s: "
                              "submit the correction with subject %s",
                              ar_short_ref(corrects, s), other, subject, other, s, other, subject, other);
  if (found)
    return aidreg_problem_set(p, AIDREG_E_CORRECTION_NOT_ALLOWED, "/body/corrects",
                              "记录 %s… 本身是冲销，不能再更正；请重新提交原记录 / entry %s… is a reversal: it is not "
                              "corrected; submit the original entry again",
                              ar_short_ref(corrects, s), s);
  return aidreg_problem_set(p, AIDREG_E_CORRECTION_TARGET, "/body/corrects",
                            "%s 没有当前有效的记录 %s…；corrects 须为同一主体的记录 ref / %s has no entry %s… in "
                            "force: corrects names an entry of the same subject",
                            subject, ar_short_ref(corrects, s), subject, s);
}

/* Whether the entry in force of this type may be corrected, and the replacement body (if
 * any) is a valid body of it. 0, or -1 with p. */
static int may_correct(domain_batch *d, const aidreg_event *ev, const char *type, const json_t *repl,
                       aidreg_problem *p) {
  if (strcmp(type, "ledger.create") == 0 || strcmp(type, "correction") == 0)
    return aidreg_problem_set(p, AIDREG_E_CORRECTION_NOT_ALLOWED, "/body/corrects",
                              "%s 记录不能更正 / a %s entry is not corrected%s", type, type,
                              strcmp(type, "ledger.create") == 0 ? ": change the settings with ledger.settings"
                                                                 : ": correct the entry it corrected");
  if (repl &&
      ar_domain_validate_body_of(ar_dom_type(d, type), type, repl, ev, ar_dom_county(d), "/body/body", p))
    return -1;
  if (strcmp(type, "allocation.plan") != 0) return 0;
  const char *st = ar_js(ar_dom_get(d, "plan", ev->subject), "state");
  if (ar_dom_plan_correctable(st)) return 0;
  return aidreg_problem_set(p, AIDREG_E_PLAN_NOT_CORRECTABLE, "/body/corrects",
                            "方案 %s 已进入「%s」状态，不能更正；请另立新方案 / plan %s is %s: it is not corrected "
                            "any more; record a new plan",
                            ev->subject, st ? st : "?", ev->subject, st ? st : "?");
}

/* The subject's log after the correction: the slot at `at` replaced by the new body, or
 * removed (a reversal); a plan keeps its entries and gains a marker (redraft or
 * withdraw) instead. NULL when out of memory. */
static json_t *corrected_log(domain_batch *d, const json_t *current, size_t at, const json_t *slot,
                             const aidreg_event *ev, const char *ref, unsigned roles, const json_t *signers,
                             uint64_t index, bool is_plan) {
  const json_t *repl = json_object_get(ev->body, "body");
  json_t *entries = json_deep_copy(current);
  if (!entries) return NULL;
  if (repl) {
    json_t *ns = json_pack("{s:s, s:O, s:O, s:I, s:I, s:s, s:O, s:I, s:O*}", "ref", ref, "root", jget(slot, "root"),
                           "index", jget(slot, "index"), "by", (json_int_t)index, "t", (json_int_t)ev->time, "type",
                           ar_js(slot, "type"), "body", repl, "roles", (json_int_t)roles, "signers", signers);
    if (json_array_set_new(entries, at, ns)) ar_dom_nomem(d);
  } else if (!is_plan) {
    json_array_remove(entries, at);
  }
  if (is_plan)
    ar_dom_jpush(d, entries, json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:O*}", "ref", ref, "root", ref, "index",
                                       (json_int_t)index, "t", (json_int_t)ev->time, "type", "correction", "effect",
                                       repl ? "redraft" : "withdraw", "roles", (json_int_t)roles, "signers", signers));
  if (ar_dom_out_of_memory(d)) {
    json_decref(entries);
    return NULL;
  }
  return entries;
}

int ar_dom_correction(domain_batch *d, const aidreg_event *ev, const char *ref, unsigned roles, const json_t *signers,
                      uint64_t index, aidreg_problem *p) {
  const char *subject = ev->subject;
  const json_t *repl = json_object_get(ev->body, "body");
  const char *corrects = ar_js(ev->body, "corrects");
  const json_t *log = ar_dom_get(d, "log", subject);
  json_t *current = log ? ar_dom_log_entries(d, subject) : NULL;
  size_t at = 0;
  const json_t *slot = current ? ar_dom_log_slot(current, corrects, &at) : NULL;
  if (!slot) {
    json_decref(current);
    return no_target(d, log, corrects, subject, p);
  }
  int rc = -1;
  json_t *entries = NULL, *saved = NULL, *old_copy = NULL;
  const char *type = ar_js(slot, "type");
  if (may_correct(d, ev, type, repl, p)) goto out;
  dom_subject_kind k = ar_dom_kind_parse(ar_js(log, "kind"));
  char old_ref[65];
  snprintf(old_ref, sizeof old_ref, "%s", ar_js(slot, "ref"));
  entries = corrected_log(d, current, at, slot, ev, ref, roles, signers, index, strcmp(type, "allocation.plan") == 0);
  saved = json_object();
  if (!entries || !saved) {
    oom(d, p);
    goto out;
  }
  /* Reset, install the new log (the subject keeps its kind while replaying), replay,
   * restore what other subjects contributed. */
  old_copy = json_deep_copy(current);
  if (!old_copy || reset(d, subject, k, old_copy, saved) || ar_dom_log_write(d, subject, entries)) {
    oom(d, p);
    goto out;
  }
  if (replay(d, subject, k, entries, ref, p) || restore(d, subject, k, saved, p)) goto out;
  json_t *le = ar_dom_edit(d, "log", subject);
  if (!le) {
    oom(d, p);
    goto out;
  }
  json_t *sup = json_object_get(le, "superseded");
  ar_dom_jset(d, sup, old_ref, json_pack("{s:s, s:I, s:b}", "by", ref, "index", (json_int_t)index, "reversed", !repl));
  rc = 0;
out:
  json_decref(current);
  json_decref(old_copy);
  json_decref(entries);
  json_decref(saved);
  return rc;
}

int ar_dom_correct(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  return ar_dom_correction(d, e->ev, e->ref, e->roles, e->signers, e->index, p);
}
