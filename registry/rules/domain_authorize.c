/* The checks of authority that need the current state (ar_domain_authorize, domain.h):
 * where the subject lies and whether it exists (each type's locate hook, named in its
 * catalogue row), then whether one signer's role and scope cover it, with the
 * exceptions of docs/events.md: a maintainer key on its asset, an operator key only on
 * the assets it operates, a correction by the original signer's role or above. */
#include <stdio.h>
#include <string.h>

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
  if (k == SK_NONE || (t->subject == AIDREG_SUBJ_ANY && k != SK_ASSET && k != SK_PLAN && k != SK_VILLAGE) ||
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

static bool covers_any(const char *scope, const dom_where *w) {
  for (size_t i = 0; i < w->n; i++)
    if (aidreg_scope_covers(scope, w->codes[i])) return true;
  return false;
}

/* Roles that may correct an entry signed by roles `orig` ("the original signer's role or
 * above"): county > township > village > operator; auditors' entries by auditors and
 * the county. With several signers, a role above every one of them. */
static unsigned roles_above(unsigned orig) {
  const unsigned C = AIDREG_ROLE_COUNTY, T = AIDREG_ROLE_TOWNSHIP, V = AIDREG_ROLE_VILLAGE,
                 O = AIDREG_ROLE_OPERATOR, A = AIDREG_ROLE_AUDITOR;
  unsigned ok = C | T | V | O | A;
  if (orig & C) ok &= C;
  if (orig & T) ok &= C | T;
  if (orig & V) ok &= C | T | V;
  if (orig & O) ok &= C | T | V | O;
  if (orig & A) ok &= C | A;
  return ok;
}

static const char *maintainer_key(const json_t *asset) { return ar_js(json_object_get(asset, "maintainer"), "key"); }
static const char *operator_key(const json_t *asset) {
  return ar_js(json_object_get(json_object_get(asset, "operator"), "operator"), "key");
}

static bool maintainer_may_sign(const aidreg_event_type *t) { return t && t->hooks && t->hooks->maintainer_may_sign; }

static int signer_check(const aidreg_key_state *s, const aidreg_event_type *t, const aidreg_event_type *orig,
                        const dom_where *w, aidreg_problem *p) {
  const char *mkey = w->kind == SK_ASSET ? maintainer_key(w->doc) : NULL;
  bool is_corr = t->subject == AIDREG_SUBJ_SAME;
  /* A maintainer key named by asset.maintainer.key reports on that asset whatever its
   * role and scope; it may also correct its own reports. */
  if (mkey && strcmp(mkey, s->keyid) == 0 && (maintainer_may_sign(t) || (is_corr && maintainer_may_sign(orig))))
    return 0;
  if (is_corr) {
    if (w->target) {
      unsigned ok = roles_above((unsigned)ar_ji(w->target, "roles"));
      if (!(ok & s->role))
        return aidreg_problem_set(p, AIDREG_E_ROLE_NOT_ALLOWED, "/body/corrects",
                                  "该记录须由原签名人同级或上级更正 / a %s key may not correct an entry signed "
                                  "by a higher role; ask the original signer's office or above",
                                  aidreg_role_name(s->role));
    }
  } else if (!(t->roles & s->role)) {
    return aidreg_problem_set(p, AIDREG_E_ROLE_NOT_ALLOWED, "/type", "%s 密钥无权签署 %s / a %s key may not sign %s",
                              aidreg_role_name(s->role), t->name, aidreg_role_name(s->role), t->name);
  }
  if (!covers_any(s->scope, w))
    return aidreg_problem_set(p, AIDREG_E_OUT_OF_SCOPE, "/subject",
                              "主体不在密钥辖区 %s 内 / the subject lies outside the scope %s of key %s", s->scope,
                              s->scope, s->keyid);
  if (s->role == AIDREG_ROLE_OPERATOR && w->kind == SK_ASSET) {
    const char *okey = operator_key(w->doc);
    if (!okey || strcmp(okey, s->keyid) != 0)
      return aidreg_problem_set(p, AIDREG_E_OUT_OF_SCOPE, "/subject",
                                "经营主体只能为其经营的资产签署（须先登记 asset.operator） / an operator key acts only "
                                "on the assets whose asset.operator names it");
  }
  return 0;
}

/* ---- ar_domain_authorize ------------------------------------------------------------- */

static int authorize(domain_batch *d, const aidreg_event_type *t, const aidreg_event *ev,
                     const aidreg_key_state *signers, size_t nsig, domain_permit *permit, aidreg_problem *p) {
  ar_dom_read_begin(d);
  if (!t) return aidreg_problem_set(p, AIDREG_E_UNKNOWN_EVENT_TYPE, "/type", "unknown type %s", ev->type);
  if (!t->hooks->locate) return 0; /* authority events: authority.c decided */

  aidreg_problem vp = {0};
  if (ar_domain_validate_type(t, ev, ar_dom_county(d), &vp)) {
    if (aidreg_problem_status(vp.code) != 422) {
      if (p) *p = vp;
      return -1;
    }
    permit->body_problem = vp; /* a 422 of the body itself: reported after existence and scope */
    permit->body_refused = true;
  }
  dom_where w = {0};
  if (t->hooks->locate(d, ev, t, &w, p)) return -1;

  const aidreg_event_type *orig = w.target ? ar_dom_type(d, ar_js(w.target, "type")) : NULL;
  aidreg_problem first = {0};
  for (size_t i = 0; i < nsig; i++) {
    aidreg_problem mine = {0};
    if (signer_check(&signers[i], t, orig, &w, &mine) == 0) return 0;
    if (i == 0) first = mine;
  }
  if (p) *p = first;
  return -1;
}

int ar_domain_authorize(domain_batch *d, const aidreg_event_type *t, const aidreg_event *ev,
                     const aidreg_key_state *signers, size_t nsig, domain_permit *permit, aidreg_problem *p) {
  memset(permit, 0, sizeof *permit);
  int rc = authorize(d, t, ev, signers, nsig, permit, p);
  if (rc && p) p->detail[ar_utf8_cut(p->detail, strlen(p->detail))] = '\0';
  return rc;
}
