/* The domain rules over the in-memory store, without a database: the scripted history of
 * tests/domain_script.h (every event type, each refusal next to what it imitates), with
 * the state checked after each step, money conserved at every step, refusals changing
 * nothing (byte for byte, in the store and in the batch's overlay), the same history as
 * one batch giving the same state, and a replay of the
 * accepted entries reproducing it (what `rebuild --check` relies on), also over a compact
 * store (what `aidreg verify` replays into). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/authority.h"
#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "rules/domain.h"
#include "rules/domain_internal.h"
#include "rules/judge.h"
#include "domain_check.h"
#include "domain_memcheck.h"
#include "domain_script.h"
#include "test.h"

#define COUNTY "522731"
#define ORIGIN "test.aidreg/522731"

static ds_ctx ctx;
static aidreg_key_state keys[DS_NACTORS];
static aidreg_key_state root;

/* ---- a keyview over the actors (enrolled up front) ---- */

static int kv_lookup(void *c, const char *keyid, aidreg_key_state *out) {
  (void)c;
  if (strcmp(root.keyid, keyid) == 0) return *out = root, 1;
  for (size_t i = 0; i < DS_NACTORS; i++)
    if (strcmp(keys[i].keyid, keyid) == 0) return *out = keys[i], 1;
  return 0;
}
static int kv_count(void *c, const char *except) {
  (void)c;
  (void)except;
  return 1;
}
static aidreg_keyview kv = {kv_lookup, kv_count, NULL};

/* ---- entries ---- */

typedef struct {
  char *payload;
  size_t len;
  int actor; /* -1: root */
} entry;

static entry *accepted;
static size_t naccepted, cap_accepted;

static void keep(const char *payload, size_t len, int actor) {
  if (naccepted == cap_accepted) {
    cap_accepted = cap_accepted ? cap_accepted * 2 : 64;
    accepted = realloc(accepted, cap_accepted * sizeof *accepted);
  }
  accepted[naccepted].payload = malloc(len + 1);
  memcpy(accepted[naccepted].payload, payload, len + 1);
  accepted[naccepted].len = len;
  accepted[naccepted++].actor = actor;
}

/* Judges one payload as the appender does: authority, ar_domain_authorize, ar_domain_apply. */
static aidreg_code judge(domain_batch *d, const char *payload, size_t len, int actor, uint64_t index,
                         char ref[65], aidreg_problem *p) {
  aidreg_event ev;
  aidreg_problem_clear(p);
  if (aidreg_event_parse((const uint8_t *)payload, len, &ev, p)) return p->code;
  aidreg_hex_encode(ev.payload_sha256, 32, ref);
  aidreg_envelope env;
  memset(&env, 0, sizeof env);
  env.nsig = 1;
  const aidreg_key_state *signer = actor < 0 ? &root : &keys[actor];
  snprintf(env.sigs[0].keyid, sizeof env.sigs[0].keyid, "%s", signer->keyid);
  /* The envelope carries key ids only: its signatures are not what these tests judge. */
  judge_input in = {.county = COUNTY, .position = index, .signatures_verified = true,
                    .latest_time = INT64_MAX, .keys = &kv, .state = d};
  judge_result r;
  int rc = ar_judge_entry(&in, &env, &ev, &r) == JUDGE_ACCEPT ? 0 : -1;
  if (rc) *p = r.problem;
  aidreg_event_free(&ev);
  return rc == 0 ? AIDREG_OK : p->code;
}

static char *payload_of(const ds_step *s, size_t *len) {
  char *subject = ds_expand(&ctx, s->subject), *body = ds_expand(&ctx, s->body), t[40];
  ds_time(s->date, t);
  size_t cap = strlen(body) + strlen(subject) + 512;
  char *out = malloc(cap);
  int n = snprintf(out, cap, "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":%s}", ORIGIN,
                   s->type, subject, t, body);
  free(subject);
  free(body);
  *len = (size_t)n;
  return out;
}

static char *create_payload(size_t *len) {
  char *out = malloc(512);
  int n = snprintf(out, 512,
                   "{\"ledger\":\"%s\",\"type\":\"ledger.create\",\"subject\":\"%s\",\"time\":\"2023-01-01T00:00:00Z\","
                   "\"body\":{\"code\":\"%s\",\"name\":\"测试县\",\"root_key\":\"%s\",\"settings\":{\"publicity_days\":7}}}",
                   ORIGIN, COUNTY, COUNTY, root.keyid);
  *len = (size_t)n;
  return out;
}

/* ---- the state ---- */

static int count_emit(void *c, const char *kind, const char *id, const json_t *doc, uint64_t u) {
  (void)kind, (void)id, (void)doc, (void)u;
  (*(int *)c)++;
  return 0;
}

static json_t *mem_get(void *m, const char *kind, const char *id) {
  const json_t *d = ar_domain_memstore_get(m, kind, id);
  return d ? json_deep_copy(d) : NULL;
}

/* Every document (kind, id, updated_at and its bytes) as one string, malloc'd: what a
 * refused entry must leave exactly as it found, in the store (which lends its documents to
 * the overlay) and in the overlay (whose journal shares containers' scalars with the
 * versions it replaces). */
static int dump_emit(void *c, const char *kind, const char *id, const json_t *doc, uint64_t u) {
  json_t *all = c;
  char *text = doc ? json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
  json_array_append_new(all, json_pack("[s, s, I, s?]", kind, id, (json_int_t)u, text));
  free(text);
  return 0;
}

static char *dump_store(const domain_memstore *m) {
  json_t *all = json_array();
  ar_domain_memstore_each(m, dump_emit, all);
  char *s = json_dumps(all, JSON_COMPACT);
  json_decref(all);
  return s;
}

static char *dump_batch(domain_batch *d) {
  json_t *all = json_array();
  ar_domain_changes(d, dump_emit, all);
  char *s = json_dumps(all, JSON_COMPACT);
  json_decref(all);
  return s;
}

/* ---- the runs ---- */

/* (a) One batch per entry, committed to memory after each. */
static domain_memstore *run_stepwise(void) {
  domain_memstore *m = ar_domain_memstore_new();
  domain_store st = ar_domain_memstore_store(m);
  uint64_t index = 0;
  char ref[65];
  aidreg_problem p;
  size_t len;
  char *pl = create_payload(&len);
  domain_batch *d = ar_domain_begin(&st, COUNTY);
  CHECK(judge(d, pl, len, -1, index, ref, &p) == AIDREG_OK);
  keep(pl, len, -1);
  free(pl);
  ar_domain_memstore_commit(m, d);
  ar_domain_end(d);
  index++;
  for (size_t i = 0; i < DS_NSTEPS; i++) {
    const ds_step *s = &ds_script[i];
    pl = payload_of(s, &len);
    d = ar_domain_begin(&st, COUNTY);
    char *before = dump_store(m);
    aidreg_code got = judge(d, pl, len, ds_actor(s->who), index, ref, &p);
    CHECK_MSG(got == s->expect, "step %zu (%s %s by %s): got %s, want %s [%s: %s]", i, s->type, s->subject, s->who,
              got ? aidreg_problem_slug(got) : "ok", s->expect ? aidreg_problem_slug(s->expect) : "ok", p.field,
              p.detail);
    if (got != AIDREG_OK) {
      /* A refusal explains itself in both languages and changes nothing. */
      int changed = 0;
      ar_domain_changes(d, count_emit, &changed);
      CHECK_MSG(changed == 0, "step %zu: a refusal changed %d documents", i, changed);
      char *after = dump_store(m);
      CHECK_MSG(strcmp(before, after) == 0, "step %zu (%s %s): a refusal changed a document the store lent", i, s->type,
                s->subject);
      free(after);
      CHECK_MSG(aidreg_utf8_valid((const uint8_t *)p.detail, strlen(p.detail)), "step %zu: detail not UTF-8: %s", i, p.detail);
      if (aidreg_problem_status(got) == 422)
        CHECK_MSG(strstr(p.detail, " / ") != NULL, "step %zu: detail not bilingual: %s", i, p.detail);
    } else {
      if (s->label) ds_set_ref(&ctx, s->label, ref);
      keep(pl, len, ds_actor(s->who));
      index++;
    }
    if (s->expect != AIDREG_OK && got != s->expect && getenv("AIDREG_TEST_VERBOSE")) fprintf(stderr, "  %s\n", pl);
    free(pl);
    free(before);
    CHECK(ar_domain_memstore_commit(m, d) == 0);
    ar_domain_end(d);
    int bad = ds_checks(&ctx, s->checks, mem_get, m, i);
    CHECK_MSG(bad == 0, "step %zu (%s %s): %d checks failed", i, s->type, s->subject, bad);
    int inv = invariants(m);
    CHECK_MSG(inv == 0, "step %zu (%s %s): %d invariants broken", i, s->type, s->subject, inv);
  }
  return m;
}

/* (b) The whole script in one batch: refusals inside a batch leave the overlay intact. */
static domain_memstore *run_one_batch(void) {
  domain_memstore *m = ar_domain_memstore_new();
  domain_store st = ar_domain_memstore_store(m);
  domain_batch *d = ar_domain_begin(&st, COUNTY);
  uint64_t index = 0;
  char ref[65];
  aidreg_problem p;
  size_t len;
  char *pl = create_payload(&len);
  judge(d, pl, len, -1, index++, ref, &p);
  free(pl);
  for (size_t i = 0; i < DS_NSTEPS; i++) {
    pl = payload_of(&ds_script[i], &len);
    char *before = dump_batch(d);
    aidreg_code got = judge(d, pl, len, ds_actor(ds_script[i].who), index, ref, &p);
    CHECK_MSG(got == ds_script[i].expect, "batch step %zu: got %s", i, got ? aidreg_problem_slug(got) : "ok");
    if (got == AIDREG_OK) index++;
    else {
      /* The overlay after a refusal: every version this batch made before it, byte for byte. */
      char *after = dump_batch(d);
      CHECK_MSG(strcmp(before, after) == 0, "batch step %zu (%s %s): a refusal changed the batch's documents", i,
                ds_script[i].type, ds_script[i].subject);
      free(after);
    }
    free(before);
    free(pl);
  }
  CHECK(ar_domain_memstore_commit(m, d) == 0);
  ar_domain_end(d);
  return m;
}

/* (c) Only the accepted entries, replayed: the state is a function of them alone. */
static domain_memstore *replay(void) {
  domain_memstore *m = ar_domain_memstore_new();
  domain_store st = ar_domain_memstore_store(m);
  domain_batch *d = ar_domain_begin(&st, COUNTY);
  char ref[65];
  aidreg_problem p;
  for (size_t i = 0; i < naccepted; i++) {
    aidreg_code got = judge(d, accepted[i].payload, accepted[i].len, accepted[i].actor, i, ref, &p);
    CHECK_MSG(got == AIDREG_OK, "replay of entry %zu refused: %s %s", i, aidreg_problem_slug(got), p.detail);
  }
  CHECK(ar_domain_memstore_commit(m, d) == 0);
  ar_domain_end(d);
  return m;
}

/* (d) The same replay over a compact store (documents kept as JSON text, as `aidreg verify`
 * does), one batch per entry: every load parses what the last batch wrote. */
static domain_memstore *replay_compact(void) {
  domain_memstore *m = ar_domain_memstore_new_compact();
  domain_store st = ar_domain_memstore_store(m);
  char ref[65];
  aidreg_problem p;
  for (size_t i = 0; i < naccepted; i++) {
    domain_batch *d = ar_domain_begin(&st, COUNTY);
    aidreg_code got = judge(d, accepted[i].payload, accepted[i].len, accepted[i].actor, i, ref, &p);
    CHECK_MSG(got == AIDREG_OK, "compact replay of entry %zu refused: %s %s", i, aidreg_problem_slug(got), p.detail);
    CHECK(ar_domain_memstore_settle(m, d) == 0);
  }
  return m;
}

/* (e) ar_dom_edit_top copies a document one level: its nested containers stay those of the
 * version the store lent. A top-level edit, then a deep edit of the same document in the
 * same entry (which must copy the containers then), leave the lent version byte for byte,
 * whether the entry is refused (rolled back) or kept; the shallow version a rule borrowed
 * before the deep edit stays readable until the entry ends. */
static void shallow_then_deep(void) {
  domain_memstore *m = ar_domain_memstore_new();
  domain_store st = ar_domain_memstore_store(m);
  domain_batch *d = ar_domain_begin(&st, COUNTY);
  ar_dom_entry_begin(d, 1);
  CHECK(ar_dom_put(d, "asset", "A-1", json_pack("{s:s, s:[s], s:{s:i}}", "name", "x", "notices", "n0", "income",
                                                "net_fen", 5)) == 0);
  ar_dom_entry_commit(d);
  CHECK(ar_domain_memstore_settle(m, d) == 0);
  json_t *lent = json_incref((json_t *)ar_domain_memstore_get(m, "asset", "A-1"));
  char *before = json_dumps(lent, JSON_SORT_KEYS | JSON_COMPACT);
  for (int keep_it = 0; keep_it < 2; keep_it++) {
    d = ar_domain_begin(&st, COUNTY);
    ar_dom_entry_begin(d, 2);
    json_t *top = ar_dom_edit_top(d, "asset", "A-1");
    CHECK(top && top != lent && json_object_get(top, "notices") == json_object_get(lent, "notices"));
    CHECK(ar_dom_jset(d, top, "status", json_string("idle")) == 0);
    json_t *deep = ar_dom_edit(d, "asset", "A-1");
    CHECK_MSG(deep && deep != top && json_object_get(deep, "notices") != json_object_get(lent, "notices"),
              "a deep edit after a shallow one must copy the containers");
    CHECK(ar_dom_jpush(d, json_object_get(deep, "notices"), json_string("n1")) == 0);
    CHECK(ar_dom_jset(d, json_object_get(deep, "income"), "net_fen", json_integer(9)) == 0);
    CHECK(ar_js(deep, "status") && strcmp(ar_js(deep, "status"), "idle") == 0);
    CHECK_MSG(json_array_size(json_object_get(top, "notices")) == 1, "the borrowed shallow version changed");
    if (keep_it) {
      ar_dom_entry_commit(d);
      CHECK(ar_domain_memstore_commit(m, d) == 0);
    } else {
      ar_dom_entry_rollback(d);
    }
    ar_domain_end(d);
    char *after = json_dumps(lent, JSON_SORT_KEYS | JSON_COMPACT);
    CHECK_MSG(strcmp(before, after) == 0, "the lent version changed (%s): %s", keep_it ? "kept" : "refused", after);
    free(after);
    const json_t *now = ar_domain_memstore_get(m, "asset", "A-1");
    char *stored = json_dumps(now, JSON_SORT_KEYS | JSON_COMPACT);
    const char *want = keep_it ? "{\"income\":{\"net_fen\":9},\"name\":\"x\",\"notices\":[\"n0\",\"n1\"],\"status\":\"idle\"}"
                               : before;
    CHECK_MSG(strcmp(stored, want) == 0, "stored after the entry (%s): %s", keep_it ? "kept" : "refused", stored);
    free(stored);
  }
  free(before);
  json_decref(lent);
  ar_domain_memstore_free(m);
}

/* (f) ar_domain_drain emits each changed document once, in its final version, not one that
 * was only read, and releases every document of the batch as it goes: the version the
 * store lent holds no reference of the batch's any more before ar_domain_end. */
static int drain_emit(void *c, const char *kind, const char *id, const json_t *doc, uint64_t u) {
  int *n = c;
  CHECK_MSG(strcmp(kind, "asset") == 0 && strcmp(id, "A-2") == 0 && u == 3, "drained %s %s", kind, id);
  CHECK(doc && json_integer_value(json_object_get(doc, "v")) == 2);
  (*n)++;
  return 0;
}

static void drain_releases(void) {
  domain_memstore *m = ar_domain_memstore_new();
  domain_store st = ar_domain_memstore_store(m);
  domain_batch *d = ar_domain_begin(&st, COUNTY);
  ar_dom_entry_begin(d, 1);
  CHECK(ar_dom_put(d, "asset", "A-1", json_pack("{s:i}", "v", 1)) == 0);
  ar_dom_entry_commit(d);
  CHECK(ar_domain_memstore_settle(m, d) == 0);
  const json_t *lent = ar_domain_memstore_get(m, "asset", "A-1");
  CHECK(lent && lent->refcount == 1);
  d = ar_domain_begin(&st, COUNTY);
  ar_dom_entry_begin(d, 2);
  CHECK(ar_dom_get(d, "asset", "A-1") == lent && lent->refcount == 2);
  CHECK(ar_dom_put(d, "asset", "A-2", json_pack("{s:i}", "v", 1)) == 0);
  ar_dom_entry_commit(d);
  ar_dom_entry_begin(d, 3);
  json_t *two = ar_dom_edit(d, "asset", "A-2");
  CHECK(two && ar_dom_jset(d, two, "v", json_integer(2)) == 0);
  ar_dom_entry_commit(d);
  int n = 0;
  CHECK(ar_domain_drain(d, drain_emit, &n) == 0);
  CHECK_MSG(n == 1, "%d documents drained, not 1", n);
  CHECK_MSG(lent->refcount == 1, "the batch still holds the lent version (%zu references)", lent->refcount);
  ar_domain_end(d);
  ar_domain_memstore_free(m);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  snprintf(ctx.county, sizeof ctx.county, "%s", COUNTY);
  aidreg_keypair kp;
  aidreg_key_generate(&kp);
  aidreg_key_id(kp.pk, root.keyid);
  root.role = AIDREG_ROLE_COUNTY;
  root.is_root = true;
  snprintf(root.scope, sizeof root.scope, "%s", COUNTY);
  for (size_t i = 0; i < DS_NACTORS; i++) {
    aidreg_key_generate(&kp);
    aidreg_key_id(kp.pk, keys[i].keyid);
    keys[i].role = ds_actors[i].role;
    snprintf(keys[i].scope, sizeof keys[i].scope, "%s%s", COUNTY, ds_actors[i].scope);
    snprintf(ctx.keyids[i], sizeof ctx.keyids[i], "%s", keys[i].keyid);
  }
  aidreg_key_wipe(&kp);

  shallow_then_deep();
  drain_releases();
  domain_memstore *a = run_stepwise();
  /* The batch run sees the same refs: the payloads are the same bytes. */
  domain_memstore *b = run_one_batch();
  CHECK_MSG(compare(a, b, "one batch vs one entry per batch") == 0, "states differ");
  domain_memstore *c = replay();
  CHECK_MSG(compare(a, c, "replay of the accepted entries") == 0, "states differ");
  domain_memstore *e = replay_compact();
  CHECK_MSG(compare(a, e, "replay into a compact store") == 0, "states differ");
  ar_domain_memstore_free(e);
  fprintf(stderr, "%zu steps, %zu entries accepted\n", DS_NSTEPS, naccepted);

  ar_domain_memstore_free(a);
  ar_domain_memstore_free(b);
  ar_domain_memstore_free(c);
  for (size_t i = 0; i < naccepted; i++) free(accepted[i].payload);
  free(accepted);
  return test_done();
}
