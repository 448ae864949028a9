/* Disposal (处置): request, the county's approval, completion (docs/events.md).
 * The asset's "disposal" member is null until the first request, then
 *   {"requests":[{"id","trigger","method","valuation_fen","decided_on","index",
 *                 "decision":null|{"decision","conditions","index"},"completed":null|{…}}],
 *    "state": the latest request's state (requested, approved, rejected, completed),
 *    "completed": the last completion or null}
 * Completion needs the latest request approved and not yet completed: a rejected request
 * needs a new request. Auction, transfer, scrap, loss and write-off dispose of the asset;
 * conversion (转产) keeps it in use; suspension (报停) sets it idle. */
#include <stdio.h>
#include <string.h>

#include "rules/domain_internal.h"

static int oom(domain_batch *d, aidreg_problem *p) {
  ar_dom_nomem(d);
  return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
}

static const char *request_state(const json_t *r) {
  if (!json_is_null(json_object_get(r, "completed"))) return "completed";
  const json_t *dec = json_object_get(r, "decision");
  if (json_is_null(dec) || !dec) return "requested";
  return strcmp(ar_js(dec, "decision"), "approved") == 0 ? "approved" : "rejected";
}

static json_t *disposal_of(json_t *a) {
  json_t *dsp = json_object_get(a, "disposal");
  if (!json_is_object(dsp)) {
    dsp = json_pack("{s:[], s:s, s:n}", "requests", "state", "requested", "completed");
    if (!dsp || json_object_set_new(a, "disposal", dsp)) return NULL;
  }
  return dsp;
}

int ar_dom_disposal_request(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  if (!ar_dom_need_asset(d, e, true, p)) return -1;
  json_t *a = ar_dom_edit(d, "asset", e->subject), *dsp = a ? disposal_of(a) : NULL;
  if (!dsp) return oom(d, p);
  const json_t *b = e->body;
  json_t *r = json_pack("{s:s, s:O, s:O, s:O, s:O, s:I, s:n, s:n}", "id", e->root, "trigger", jget(b, "trigger"),
                        "method", jget(b, "method"), "valuation_fen", jget(b, "valuation_fen"), "decided_on",
                        jget(b, "decided_on"), "index", (json_int_t)e->index, "decision", "completed");
  if (!r || json_array_append_new(json_object_get(dsp, "requests"), r)) return oom(d, p);
  ar_dom_jset(d, dsp, "state", json_string("requested"));
  return 0;
}

int ar_dom_disposal_approve(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  if (!ar_dom_need_asset(d, e, true, p)) return -1;
  const char *id = ar_js(e->body, "request");
  char s[12];
  const json_t *cur = json_object_get(json_object_get(ar_dom_get(d, "asset", e->subject), "disposal"), "requests");
  const json_t *r0 = id ? ar_jfind(cur, "id", id, NULL) : NULL;
  if (!r0)
    return aidreg_problem_set(p, AIDREG_E_DISPOSAL_REQUEST_UNKNOWN, "/body/request",
                              "资产 %s 没有编号为 %s… 的处置申请；请填写 disposal.request 记录的 ref / asset %s has no "
                              "disposal request %s…: name the ref of its disposal.request entry",
                              e->subject, ar_short_ref(id, s), e->subject, s);
  if (!json_is_null(json_object_get(r0, "decision")))
    return aidreg_problem_set(p, AIDREG_E_DISPOSAL_DECIDED, "/body/request",
                              "处置申请 %s… 已于第 %lld 条记录审批；如需改变请更正该记录 / disposal request %s… was "
                              "decided by entry %lld: correct that entry to change it",
                              ar_short_ref(id, s), (long long)ar_ji(json_object_get(r0, "decision"), "index"), s,
                              (long long)ar_ji(json_object_get(r0, "decision"), "index"));
  json_t *a = ar_dom_edit(d, "asset", e->subject);
  if (!a) return oom(d, p);
  json_t *dsp = json_object_get(a, "disposal"), *reqs = json_object_get(dsp, "requests"), *r = ar_jfind(reqs, "id", id, NULL);
  ar_dom_jset(d, r, "decision", json_pack("{s:O, s:O, s:I}", "decision", jget(e->body, "decision"), "conditions",
                                               jget(e->body, "conditions"), "index", (json_int_t)e->index));
  ar_dom_jset(d, dsp, "state", json_string(request_state(json_array_get(reqs, json_array_size(reqs) - 1))));
  return 0;
}

int ar_dom_disposal_complete(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  const json_t *cur = ar_dom_need_asset(d, e, true, p);
  if (!cur) return -1;
  const json_t *reqs = json_object_get(json_object_get(cur, "disposal"), "requests");
  const json_t *last = json_array_get(reqs, json_array_size(reqs) - 1);
  const char *st = last ? request_state(last) : NULL;
  if (!st || strcmp(st, "approved") != 0) {
    const char *zh = !st                             ? "没有处置申请"
                     : strcmp(st, "requested") == 0 ? "最近的处置申请尚未经县级批准"
                     : strcmp(st, "rejected") == 0  ? "最近的处置申请被驳回，须重新申请"
                                                    : "最近的处置申请已完成，须重新申请";
    return aidreg_problem_set(p, AIDREG_E_DISPOSAL_NOT_APPROVED, "/type",
                              "%s；处置完成须有县级批准的申请 / asset %s: the latest disposal request is %s; "
                              "completion needs an approved request (a rejected one needs a new request)",
                              zh, e->subject, st ? st : "missing");
  }
  const char *to = ar_js(e->body, "proceeds_to");
  if (!ar_dom_asset_has_owner(cur, to, true))
    return aidreg_problem_set(p, AIDREG_E_OWNER_UNKNOWN, "/body/proceeds_to",
                              "处置收入须交产权主体或所在村：%s 不是 / proceeds go to an owner of the asset or its "
                              "village; %s is neither",
                              to ? to : "", to ? to : "");
  json_t *a = ar_dom_edit(d, "asset", e->subject);
  if (!a) return oom(d, p);
  json_t *dsp = json_object_get(a, "disposal"), *areqs = json_object_get(dsp, "requests");
  json_t *r = json_array_get(areqs, json_array_size(areqs) - 1);
  const char *method = ar_js(r, "method");
  json_t *c = json_deep_copy(e->body);
  if (!c) return oom(d, p);
  ar_dom_jset(d, c, "method", json_string(method));
  ar_dom_jset(d, c, "request", json_string(ar_js(r, "id")));
  ar_dom_jset(d, c, "index", json_integer((json_int_t)e->index));
  ar_dom_jset(d, r, "completed", json_deep_copy(c));
  ar_dom_jset(d, dsp, "completed", c);
  ar_dom_jset(d, dsp, "state", json_string("completed"));
  const char *status = strcmp(method, "conversion") == 0   ? "in_use"
                       : strcmp(method, "suspension") == 0 ? "idle"
                                                           : "disposed";
  ar_dom_jset(d, a, "status", json_string(status));
  return 0;
}
