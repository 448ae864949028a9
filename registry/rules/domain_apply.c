/* ar_domain_apply: one accepted entry through its type's rule, as one step of the overlay's
 * journal (rolled back when the rule refuses), and its slot in the subject's log. */
#include <stdio.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "core/json_strict_private.h"
#include "rules/domain_internal.h"
#include "rules/domain_validate.h"
#include "rules/event_hooks.h"

/* vsnprintf may cut a detail inside a UTF-8 sequence: drop the partial character. */
static void utf8_trim(char *s) { s[ar_utf8_cut(s, strlen(s))] = '\0'; }

/* The kind a new entry of type t gives its subject. */
static dom_subject_kind kind_for(domain_batch *d, const aidreg_event_type *t, const char *subject) {
  switch (t->subject) {
  case AIDREG_SUBJ_COUNTY: return SK_COUNTY;
  case AIDREG_SUBJ_PROJECT: return SK_PROJECT;
  case AIDREG_SUBJ_ASSET: return SK_ASSET;
  case AIDREG_SUBJ_PLAN: return SK_PLAN;
  case AIDREG_SUBJ_PLACE: return strlen(subject) == 9 ? SK_TOWNSHIP : SK_VILLAGE;
  default: return ar_dom_kind_of(d, subject);
  }
}

static int apply_entry(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, const char *ref,
                       unsigned roles, const json_t *signers, uint64_t index, aidreg_problem *p) {
  const struct aidreg_event_hooks *h = t->hooks;
  const json_t *body = ev->body;
  if (h->rule_body) {
    body = json_object_get(ev->body, h->rule_body);
    char f[64];
    snprintf(f, sizeof f, "/body/%s", h->rule_body);
    if (ar_domain_validate_body_as_schema(h->rule_body_schema, body, ev, ar_dom_county(d), f, p)) return -1;
  }
  dom_entry e = {t->name, ev->subject, body, ev->time, index, ref, ref, false, ev, roles, signers};
  if (h->rule(d, &e, p)) return -1;
  if (h->writes_log) return 0;
  /* ref and root are the same string until a correction replaces the slot: one value,
   * shared (a replay keeps every slot of every subject in memory). */
  json_t *r = json_string(ref);
  json_t *slot = r ? json_pack("{s:O, s:O, s:I, s:I, s:s, s:O, s:I, s:O}", "ref", r, "root", r, "index",
                               (json_int_t)index, "t", (json_int_t)ev->time, "type", t->name, "body", body, "roles",
                               (json_int_t)roles, "signers", signers)
                   : NULL;
  json_decref(r);
  if (!slot || ar_dom_log_append(d, ev->subject, kind_for(d, t, ev->subject), slot)) {
    ar_dom_fail_store(d);
    return -1;
  }
  return 0;
}

int ar_domain_apply(domain_batch *d, const aidreg_event_type *t, const aidreg_event *ev,
                 const aidreg_key_state *signers, size_t nsig, uint64_t index, const domain_permit *permit,
                 aidreg_problem *p) {
  if (!t) return aidreg_problem_set(p, AIDREG_E_UNKNOWN_EVENT_TYPE, "/type", "unknown type %s", ev->type);
  if (!t->hooks->rule) {
    /* Key events change the key set only; the batch remembers them for corrections. */
    if (ar_dom_remember(d, ev)) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
    return 0;
  }
  ar_dom_entry_begin(d, index);
  int rc;
  if (permit && permit->body_refused) {
    if (p) *p = permit->body_problem;
    rc = -1;
  } else if (!permit && t->hooks->body && ar_domain_validate_type(t, ev, ar_dom_county(d), p)) {
    rc = -1;
  } else {
    char ref[65];
    aidreg_hex_encode(ev->payload_sha256, 32, ref);
    unsigned roles = 0;
    for (size_t i = 0; i < nsig; i++) roles |= signers[i].role;
    json_t *keyids = ar_dom_signers(d, signers, nsig);
    if (!keyids) ar_dom_nomem(d), rc = -1;
    else rc = apply_entry(d, ev, t, ref, roles, keyids, index, p);
    json_decref(keyids);
  }
  if (ar_dom_out_of_memory(d)) {
    rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory while applying the rules (nothing was stored)");
  } else if (ar_dom_failed(d)) {
    rc = aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL,
                            "the current state could not be read or written; retry (nothing was stored)");
  }
  if (rc) {
    ar_dom_entry_rollback(d);
    if (p) utf8_trim(p->detail);
  } else {
    ar_dom_entry_commit(d);
    if (ar_dom_remember(d, ev)) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  }
  return rc;
}
