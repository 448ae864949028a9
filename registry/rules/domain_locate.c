/* Where an entry's subject lies, for the authority checks (the locate hooks of the
 * catalogue's rows): the county, a new project, asset or plan (which must not exist yet),
 * a place, or an existing subject (and, for a correction, the entry it corrects), with the
 * villages and townships a signer's scope must cover. */
#include <stdio.h>
#include <string.h>

#include "aidreg/authority.h"
#include "rules/domain_internal.h"
#include "rules/event_hooks.h"
#include "core/json_strict_private.h"

/* A failed look at the state: out of memory is internal, never a reason to retry. */
static int unavailable(const domain_batch *d, aidreg_problem *p) {
  if (ar_dom_out_of_memory(d)) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
}

static void where_add(dom_where *w, const char *code) {
  if (code && w->n < DOM_MAX_LOCATIONS) w->codes[w->n++] = code;
}

/* The codes a document lies at: an asset's locations, a plan's village, a project's
 * locations (the county when it names none), a place itself. */
static void where_of(domain_batch *d, const char *subject, dom_where *w) {
  size_t i;
  json_t *v;
  w->n = 0;
  switch (w->kind) {
  case SK_ASSET:
    json_array_foreach(json_object_get(w->doc, "locations"), i, v) where_add(w, ar_js(v, "code"));
    break;
  case SK_PLAN: where_add(w, ar_js(w->doc, "village")); break;
  case SK_PROJECT:
    json_array_foreach(json_object_get(w->doc, "locations"), i, v) where_add(w, json_string_value(v));
    if (!w->n) where_add(w, ar_dom_county(d));
    break;
  case SK_VILLAGE:
  case SK_TOWNSHIP: where_add(w, subject); break;
  default: where_add(w, ar_dom_county(d)); break;
  }
}

/* ---- the locate hooks ------------------------------------------------------------ */

int ar_dom_locate_county(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                      aidreg_problem *p) {
  (void)ev, (void)t, (void)p;
  w->kind = SK_COUNTY;
  where_add(w, ar_dom_county(d));
  return 0;
}

/* A registration names a subject nothing else uses yet. */
static int must_be_new(domain_batch *d, const char *subject, aidreg_problem *p) {
  dom_subject_kind now = ar_dom_kind_of(d, subject);
  if (ar_dom_failed(d)) return unavailable(d, p);
  if (now == SK_COUNTY || now == SK_VILLAGE || now == SK_TOWNSHIP)
    return aidreg_problem_set(p, AIDREG_E_ALREADY_REGISTERED, "/subject",
                              "%s 是行政区划代码，不能用作项目、资产或方案编号 / %s is an administrative code: choose "
                              "another code for a project, asset or plan",
                              subject, subject);
  if (now != SK_NONE)
    return aidreg_problem_set(p, AIDREG_E_ALREADY_REGISTERED, "/subject",
                              "编号 %s 已被%s使用，不能重复登记；更改请用 correction / %s is already registered as a "
                              "%s: use a correction to change it, or choose another code",
                              subject, ar_dom_kind_name(now), subject, ar_dom_kind_name(now));
  return 0;
}

int ar_dom_locate_new_project(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                           aidreg_problem *p) {
  (void)t;
  if (must_be_new(d, ev->subject, p)) return -1;
  w->kind = SK_PROJECT;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(ev->body, "locations"), i, v) where_add(w, json_string_value(v));
  if (!w->n) where_add(w, ar_dom_county(d));
  return 0;
}

int ar_dom_locate_new_asset(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                         aidreg_problem *p) {
  (void)t;
  if (must_be_new(d, ev->subject, p)) return -1;
  w->kind = SK_ASSET;
  where_add(w, ar_js(ev->body, "village"));
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(ev->body, "locations"), i, v) where_add(w, ar_js(v, "code"));
  if (!w->n) where_add(w, ar_dom_county(d));
  return 0;
}

int ar_dom_locate_new_plan(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                        aidreg_problem *p) {
  (void)t;
  if (must_be_new(d, ev->subject, p)) return -1;
  w->kind = SK_PLAN;
  where_add(w, ar_js(ev->body, "village"));
  if (!w->n) where_add(w, ar_dom_county(d));
  return 0;
}

/* A place may be registered again (a rename); its code must not name something else. */
int ar_dom_locate_place(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                     aidreg_problem *p) {
  (void)t;
  dom_subject_kind want = strlen(ev->subject) == 9 ? SK_TOWNSHIP : SK_VILLAGE;
  dom_subject_kind now = ar_dom_kind_of(d, ev->subject);
  if (ar_dom_failed(d)) return unavailable(d, p);
  if (now != SK_NONE && now != want)
    return aidreg_problem_set(p, AIDREG_E_ALREADY_REGISTERED, "/subject",
                              "编号 %s 已被%s使用 / %s is already registered as a %s", ev->subject, ar_dom_kind_name(now),
                              ev->subject, ar_dom_kind_name(now));
  w->kind = want;
  where_add(w, ev->subject);
  return 0;
}

/* A correction on a subject without entries in force: it names a key event, an entry of
 * another subject, or nothing. */
static int correction_elsewhere(domain_batch *d, const aidreg_event *ev, aidreg_problem *p) {
  const char *corrects = ar_js(ev->body, "corrects");
  char other[256], s[12];
  int found = ar_dom_ref_subject(d, corrects, other, sizeof other);
  if (found < 0) return unavailable(d, p);
  if (found && strcmp(other, ev->subject) == 0)
    return aidreg_problem_set(p, AIDREG_E_CORRECTION_NOT_ALLOWED, "/body/corrects",
                              "密钥登记和注销记录不能更正，请注销后重新登记 / key events are not corrected: revoke the "
                              "key and enrol it again");
  if (found)
    return aidreg_problem_set(p, AIDREG_E_CORRECTION_SUBJECT, "/subject",
                              "记录 %s… 的主体是 %s，不是 %s；请以 %s 为主体提交更正 / entry %s… is on %s, not %s: "
                              "submit the correction with subject %s",
                              ar_short_ref(corrects, s), other, ev->subject, other, s, other, ev->subject, other);
  return aidreg_problem_set(p, AIDREG_E_SUBJECT_UNKNOWN, "/subject",
                            "%s 没有可更正的记录 / %s has no entry that could be corrected", ev->subject, ev->subject);
}

/* The subject exists: an asset or plan by its type, anything else by what it names now. */
int ar_dom_locate_existing(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                        aidreg_problem *p) {
  const char *subject = ev->subject;
  bool correction = t->subject == AIDREG_SUBJ_SAME;
  /* A finding on a key (key-dormant) is the county's business: the rules keep no state of
   * keys (authority.c does), so it is placed at the county and counted nowhere. */
  if (ar_finding_names_key(t->name, subject)) {
    w->kind = SK_COUNTY;
    w->doc = NULL;
    where_of(d, subject, w);
    return 0;
  }
  /* Findings also name projects (project-without-assets, value-funding-gap). */
  bool finding = strncmp(t->name, "finding.", 8) == 0;
  dom_subject_kind k = t->subject == AIDREG_SUBJ_ASSET  ? SK_ASSET
                       : t->subject == AIDREG_SUBJ_PLAN ? SK_PLAN
                                                        : ar_dom_kind_of(d, subject);
  const json_t *doc = NULL;
  if (k == SK_ASSET && !(doc = ar_dom_get(d, "asset", subject)))
    return ar_dom_failed(d) ? unavailable(d, p)
                         : aidreg_problem_set(p, AIDREG_E_ASSET_UNKNOWN, "/subject",
                                              "资产 %s 尚未登记，请先提交 asset.register / asset %s is not registered: "
                                              "register it first (check the code)",
                                              subject, subject);
  if (k == SK_PLAN && !(doc = ar_dom_get(d, "plan", subject)))
    return ar_dom_failed(d) ? unavailable(d, p)
                         : aidreg_problem_set(p, AIDREG_E_PLAN_UNKNOWN, "/subject",
                                              "收益分配方案 %s 不存在，请先提交 allocation.plan / there is no plan %s: "
                                              "record the plan first (check the id)",
                                              subject, subject);
  if (k == SK_PROJECT) doc = ar_dom_get(d, "project", subject);
  if (k == SK_NONE && correction) return correction_elsewhere(d, ev, p);
  if (k == SK_NONE ||
      (t->subject == AIDREG_SUBJ_ANY && k != SK_ASSET && k != SK_PLAN && k != SK_VILLAGE &&
       !(finding && k == SK_PROJECT)) ||
      (correction && k == SK_VILLAGE && !ar_dom_get(d, "log", subject)))
    return aidreg_problem_set(p, AIDREG_E_SUBJECT_UNKNOWN, "/subject",
                              "%s 不是已登记的资产、收益分配方案或本县的村 / %s is no registered asset, plan or "
                              "village of this county",
                              subject, subject);
  w->kind = k;
  w->doc = doc;
  if (correction) {
    const char *corrects = ar_js(ev->body, "corrects");
    size_t at;
    json_t *entries = corrects ? ar_dom_log_entries(d, subject) : NULL;
    /* The slot stays alive: the chunks hold it until the entry ends. */
    if (entries) w->target = ar_dom_log_slot(entries, corrects, &at);
    json_decref(entries);
  }
  where_of(d, subject, w);
  return ar_dom_failed(d) ? unavailable(d, p) : 0;
}

/* ---- one signer ------------------------------------------------------------------ */
