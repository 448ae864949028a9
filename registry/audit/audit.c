/* The audit engine (include/aidreg/audit.h): replays the entries of one checkpoint through
 * the judge into the in-memory state (as aidreg verify and rebuild --check do), keeps what
 * each key signed, and reports the checks of audit_checks.c with their status from the
 * findings recorded in the ledger, in the order AUDIT.md fixes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/audit.h"
#include "aidreg/authority.h"
#include "aidreg/leaf.h"
#include "audit/audit_internal.h"
#include "rules/judge.h"
#include "verify/verify_replay.h"


#define AUDIT_SETTLE_EVERY 4096

/* ---- keys ---- */

static int ring_lookup(void *ctx, const char *keyid, aidreg_key_state *out) {
  aidreg_audit *a = ctx;
  audit_key *k = ar_strmap_get(&a->keys, keyid);
  if (!k) return 0;
  *out = k->state;
  return 1;
}

static int ring_county(void *ctx, const char *except) {
  aidreg_audit *a = ctx;
  int n = 0;
  for (size_t i = 0; i < a->keys.cap; i++) {
    const audit_key *k = a->keys.slots[i].key ? a->keys.slots[i].val : NULL;
    if (k && k->state.role == AIDREG_ROLE_COUNTY && !k->state.revoked && strcmp(k->state.keyid, except) != 0) n++;
  }
  return n;
}

aidreg_audit *aidreg_audit_new(const char *county) {
  aidreg_audit *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  snprintf(a->county, sizeof a->county, "%s", county ? county : "");
  if (!(a->m = ar_domain_memstore_new())) {
    free(a);
    return NULL;
  }
  a->st = ar_domain_memstore_store(a->m);
  return a;
}

void aidreg_audit_free(aidreg_audit *a) {
  if (!a) return;
  ar_domain_end(a->dom);
  ar_domain_memstore_free(a->m);
  ar_strmap_free(&a->keys, free);
  free(a);
}

uint64_t aidreg_audit_size(const aidreg_audit *a) { return a->size; }

int ar_audit_settle(aidreg_audit *a) {
  if (!a->dom) return 0;
  int bad = ar_domain_memstore_settle(a->m, a->dom);
  a->dom = NULL;
  return bad ? -1 : 0;
}

static int note_entry(aidreg_audit *a, uint64_t index, const aidreg_envelope *env, const aidreg_event *ev,
                      const judge_result *jr, char *err, size_t cap);

int aidreg_audit_entry(aidreg_audit *a, uint64_t index, const aidreg_envelope *env, const aidreg_event *ev, char *err,
                       size_t cap) {
  if (index != a->size) {
    snprintf(err, cap, "entry %llu given where entry %llu was expected", (unsigned long long)index,
             (unsigned long long)a->size);
    return -1;
  }
  if (!a->dom && !(a->dom = ar_domain_begin(&a->st, a->county))) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  aidreg_keyview kv = {ring_lookup, ring_county, a};
  judge_input in = {.county = a->county, .position = index, .signatures_verified = true, .latest_time = INT64_MAX,
                    .keys = &kv, .state = a->dom};
  judge_result r;
  if (ar_judge_entry(&in, env, ev, &r) != JUDGE_ACCEPT) {
    snprintf(err, cap, "entry %llu (%s %s) is refused on replay [%s]: %s: verify the ledger", (unsigned long long)index,
             ev->type, ev->subject, aidreg_problem_slug(r.problem.code), r.problem.detail);
    return -1;
  }
  return note_entry(a, index, env, ev, &r, err, cap);
}

/* ---- one pass: the verifier's replay is the audit's ---- */

static domain_batch *lent_state(void *ctx, const char *county, uint64_t index) {
  aidreg_audit *a = ctx;
  (void)index;
  if (!a->county[0]) snprintf(a->county, sizeof a->county, "%s", county);
  if (!a->dom) a->dom = ar_domain_begin(&a->st, a->county);
  return a->dom;
}

static int lent_accepted(void *ctx, uint64_t index, const aidreg_envelope *env, const aidreg_event *ev,
                         const judge_result *r, aidreg_verify_failure *f) {
  char err[512];
  if (note_entry(ctx, index, env, ev, r, err, sizeof err))
    return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, true, index, "audit: %s", err);
  return 0;
}

int aidreg_audit_verify(const aidreg_verify_source *src, const aidreg_verify_options *opt, aidreg_verify_result *res,
                        aidreg_audit **out) {
  *out = NULL;
  aidreg_audit *a = aidreg_audit_new(NULL);
  if (!a) {
    memset(res, 0, sizeof *res);
    return aidreg_verify_fail(&res->failure, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  }
  ar_verify_replay rp = {.ctx = a, .state = lent_state, .accepted = lent_accepted};
  if (ar_verify_run_replay(src, opt, &rp, res) != 0) {
    aidreg_audit_free(a);
    return -1;
  }
  *out = a;
  return 0;
}

/* What the audit keeps of an accepted entry: key events, what each key signed, and the
 * state settled every few thousand entries. */
static int note_entry(aidreg_audit *a, uint64_t index, const aidreg_envelope *env, const aidreg_event *ev,
                      const judge_result *jr, char *err, size_t cap) {
  int64_t day = ar_audit_shanghai_day(ev->time);
  if (jr->keys.kind != AIDREG_KEYCHANGE_NONE) {
    audit_key *k = ar_strmap_get(&a->keys, jr->keys.key.keyid);
    if (!k) {
      if (!(k = calloc(1, sizeof *k)) || ar_strmap_put(&a->keys, jr->keys.key.keyid, k)) {
        free(k);
        snprintf(err, cap, "out of memory");
        return -1;
      }
    }
    if (jr->keys.kind == AIDREG_KEYCHANGE_ENROLL) {
      k->state = jr->keys.key;
      k->enrolled_at = index;
      k->enrolled_day = day;
    } else {
      k->state.revoked = true;
    }
  }
  for (size_t i = 0; i < env->nsig; i++) {
    audit_key *k = ar_strmap_get(&a->keys, env->sigs[i].keyid);
    if (k && (!k->signed_any || day >= k->last_day)) {
      k->signed_any = true;
      k->last_day = day;
      k->last_index = index;
    }
  }
  a->size++;
  /* A batch keeps what it changed (and the versions it replaced) until it ends: settle
   * into the memstore every few entries so that memory follows the state, not the log. */
  if (a->size % AUDIT_SETTLE_EVERY == 0 && ar_audit_settle(a)) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  return 0;
}

int aidreg_audit_leaf(aidreg_audit *a, uint64_t index, const uint8_t *data, size_t len, char *err, size_t cap) {
  aidreg_leaf leaf;
  aidreg_event ev;
  aidreg_problem p = {0};
  if (aidreg_leaf_parse(data, len, &leaf, &p)) {
    snprintf(err, cap, "entry %llu: the leaf does not parse (%s)", (unsigned long long)index, p.detail);
    return -1;
  }
  if (aidreg_event_parse(leaf.env.payload, leaf.env.payload_len, &ev, &p)) {
    snprintf(err, cap, "entry %llu: the payload does not parse (%s)", (unsigned long long)index, p.detail);
    aidreg_leaf_free(&leaf);
    return -1;
  }
  int rc = aidreg_audit_entry(a, index, &leaf.env, &ev, err, cap);
  aidreg_event_free(&ev);
  aidreg_leaf_free(&leaf);
  return rc;
}

/* ---- the report ---- */

const char *aidreg_audit_check_id(size_t i) { return ar_audit_check_at(i); }
const char *aidreg_audit_check_zh(const char *id) { return ar_audit_check_zh(id); }
const char *aidreg_audit_check_severity(const char *id) { return ar_audit_check_severity(id); }

/* The latest finding.record of each (check, subject): "check\nsubject" -> finding doc. */
static int collect_records(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at) {
  (void)id, (void)updated_at;
  if (strcmp(kind, "finding") != 0) return 0;
  const char *check = ar_audit_js(doc, "check"), *subject = ar_audit_js(doc, "subject");
  if (!check || !subject) return 0;
  size_t n = strlen(check) + strlen(subject) + 2;
  char *key = malloc(n);
  if (!key) return -1;
  snprintf(key, n, "%s\n%s", check, subject);
  const json_t *old = ar_strmap_get(ctx, key);
  int rc = 0;
  if (!old || ar_audit_ji(old, "recorded_at") < ar_audit_ji(doc, "recorded_at")) rc = ar_strmap_put(ctx, key, (void *)doc);
  free(key);
  return rc;
}

static void set_status(json_t *f, const strmap *records, int64_t as_of) {
  const char *check = ar_audit_js(f, "check"), *subject = ar_audit_js(f, "subject");
  size_t n = strlen(check) + strlen(subject) + 2;
  char key[512];
  const json_t *r = NULL;
  if (n <= sizeof key) {
    snprintf(key, sizeof key, "%s\n%s", check, subject);
    r = ar_strmap_get(records, key);
  }
  const char *status = "open";
  json_t *rec = json_null();
  if (r) {
    const json_t *res = json_object_get(r, "resolution");
    int64_t due = ar_audit_days(ar_audit_js(r, "due"));
    status = !json_is_null(res) && res ? "resolved" : due >= 0 && as_of > due ? "overdue" : "recorded";
    rec = json_pack("{s:s, s:I, s:O, s:O}", "ref", ar_audit_js(r, "id"), "index", (json_int_t)ar_audit_ji(r, "recorded_at"),
                    "due", json_object_get(r, "due") ? json_object_get(r, "due") : json_null(), "resolution",
                    res ? res : json_null());
  }
  json_object_set_new(f, "status", json_string(status));
  json_object_set_new(f, "record", rec ? rec : json_null());
}

static const char *village_name(const domain_memstore *m, const char *code) {
  const json_t *p = code ? ar_domain_memstore_get(m, "place", code) : NULL;
  return p ? ar_audit_js(p, "name") : NULL;
}

static int cmp_str(const char *a, const char *b) {
  if (!a || !b) return a ? -1 : b ? 1 : 0; /* with a village first, then without */
  return strcmp(a, b);
}

static int cmp_finding(const void *x, const void *y) {
  const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
  int d = ar_audit_severity_rank(ar_audit_js(a, "severity")) - ar_audit_severity_rank(ar_audit_js(b, "severity"));
  if (d) return d;
  if ((d = cmp_str(ar_audit_js(a, "village"), ar_audit_js(b, "village")))) return d;
  if ((d = strcmp(ar_audit_js(a, "subject"), ar_audit_js(b, "subject")))) return d;
  return strcmp(ar_audit_js(a, "check"), ar_audit_js(b, "check"));
}

int aidreg_audit_report(aidreg_audit *a, const aidreg_audit_query *q, json_t **out, char *err, size_t cap) {
  *out = NULL;
  int64_t as_of = ar_audit_days(q->as_of);
  if (as_of < 0 || strlen(q->as_of) != 10) {
    snprintf(err, cap, "as_of must be a date YYYY-MM-DD, not \"%s\"", q->as_of ? q->as_of : "");
    return -1;
  }
  if (q->check && *q->check && !ar_audit_check_zh(q->check)) {
    snprintf(err, cap, "there is no check \"%s\" (docs/audit.md lists them)", q->check);
    return -1;
  }
  if (ar_audit_settle(a)) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  audit_view v = {a->county, a->m, &a->keys, {0}, as_of};
  ar_audit_settings(a->m, a->county, &v.s);
  audit_out o = {json_array(), false};
  strmap records = {0};
  json_t *counts = json_object(), *findings = json_array();
  json_t **arr = NULL;
  int rc = -1;
  if (!o.list || !counts || !findings) goto out;
  ar_audit_run_checks(&v, &o);
  if (o.nomem || ar_domain_memstore_each(a->m, collect_records, &records)) goto out;
  for (size_t i = 0; ar_audit_check_at(i); i++) {
    if (q->check && *q->check && strcmp(q->check, ar_audit_check_at(i)) != 0) continue;
    json_object_set_new(counts, ar_audit_check_at(i), json_integer(0));
  }
  size_t n = json_array_size(o.list), k = 0;
  if (!(arr = calloc(n ? n : 1, sizeof *arr))) goto out;
  for (size_t i = 0; i < n; i++) {
    json_t *f = json_array_get(o.list, i);
    const char *village = ar_audit_js(f, "village");
    if (q->check && *q->check && strcmp(q->check, ar_audit_js(f, "check")) != 0) continue;
    if (q->village && *q->village && (!village || strncmp(village, q->village, strlen(q->village)) != 0)) continue;
    const char *vn = village_name(a->m, village);
    json_object_set_new(f, "village_name", vn ? json_string(vn) : json_null());
    if (!json_object_get(f, "village")) json_object_set_new(f, "village", json_null());
    if (!json_object_get(f, "since")) json_object_set_new(f, "since", json_null());
    set_status(f, &records, as_of);
    json_t *c = json_object_get(counts, ar_audit_js(f, "check"));
    json_integer_set(c, json_integer_value(c) + 1);
    arr[k++] = f;
  }
  qsort(arr, k, sizeof *arr, cmp_finding);
  for (size_t i = 0; i < k; i++)
    if (json_array_append(findings, arr[i])) goto out;
  *out = json_pack("{s:s, s:{s:o, s:I, s:o}, s:s, s:O, s:O}", "ledger", a->county, "checkpoint", "origin",
                   q->origin ? json_string(q->origin) : json_null(), "size",
                   (json_int_t)(q->origin ? q->size : a->size), "root", q->root ? json_string(q->root) : json_null(),
                   "as_of", q->as_of, "findings", findings, "counts", counts);
  if (*out) rc = 0;
out:
  if (rc) snprintf(err, cap, "out of memory");
  free(arr);
  ar_strmap_free(&records, NULL);
  json_decref(o.list);
  json_decref(counts);
  json_decref(findings);
  return rc;
}
