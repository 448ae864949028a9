/* The checks of authority that need the current state (ar_domain_authorize, domain.h):
 * where the subject lies and whether it exists (each type's locate hook, named in its
 * catalogue row: domain_locate.c), then whether one signer's role and scope cover it,
 * with the exceptions of docs/events.md: a maintainer key on its asset, an operator key only on
 * the assets it operates, a correction by the original signer's role or above. */
#include <stdio.h>
#include <string.h>

#include "rules/domain_internal.h"
#include "rules/event_hooks.h"
#include "core/json_strict_private.h"

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

/* Whether keyid is among the signers recorded in the log slot. */
static bool signed_by(const json_t *slot, const char *keyid) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(slot, "signers"), i, v) {
    const char *k = json_string_value(v);
    if (k && strcmp(k, keyid) == 0) return true;
  }
  return false;
}

static bool maintainer_may_sign(const aidreg_event_type *t) { return t && t->hooks && t->hooks->maintainer_may_sign; }

static int signer_check(const aidreg_key_state *s, const aidreg_event_type *t, const aidreg_event_type *orig,
                        const dom_where *w, aidreg_problem *p) {
  const char *mkey = w->kind == SK_ASSET ? maintainer_key(w->doc) : NULL;
  bool is_corr = t->subject == AIDREG_SUBJ_SAME;
  /* A maintainer key named by asset.maintainer.key reports on that asset whatever its
   * role and scope; it may also correct its own reports: those its key signed (the
   * slot's "signers"), never another's. A slot without signers (written before they were
   * recorded) is corrected by the role rule only. */
  if (mkey && strcmp(mkey, s->keyid) == 0 &&
      (maintainer_may_sign(t) || (is_corr && maintainer_may_sign(orig) && signed_by(w->target, s->keyid))))
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
