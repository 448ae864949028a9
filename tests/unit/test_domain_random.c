/* Randomised histories over the in-memory store (tests/domain_random.h): long sequences
 * of valid and invalid entries; after every entry the invariants of the state hold and a
 * refusal changes nothing; at the end the same entries in batches of random sizes, and a
 * replay of the accepted ones alone, give the same state.
 *
 * AIDREG_TEST_SEED=<n> repeats a run; AIDREG_TEST_RUNS and AIDREG_TEST_OPS size them. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/authority.h"
#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "rules/domain.h"
#include "rules/judge.h"
#include "domain_memcheck.h"
#include "domain_random.h"
#include "test.h"

#define COUNTY "522731"
#define ORIGIN "test.aidreg/522731"

static aidreg_key_state keys[DR_NACTORS];
static char keyids[DR_NACTORS][AIDREG_KEYID_LEN + 1];

static int kv_lookup(void *c, const char *keyid, aidreg_key_state *out) {
  (void)c;
  for (int i = 0; i < DR_NACTORS; i++)
    if (strcmp(keys[i].keyid, keyid) == 0) return *out = keys[i], 1;
  return 0;
}
static int kv_count(void *c, const char *except) {
  (void)c, (void)except;
  return 1;
}
static aidreg_keyview kv = {kv_lookup, kv_count, NULL};

static aidreg_code judge(domain_batch *d, const char *payload, size_t len, int actor, uint64_t index, char ref[65],
                         aidreg_problem *p) {
  aidreg_event ev;
  aidreg_problem_clear(p);
  if (aidreg_event_parse((const uint8_t *)payload, len, &ev, p)) return p->code;
  aidreg_hex_encode(ev.payload_sha256, 32, ref);
  aidreg_envelope env;
  memset(&env, 0, sizeof env);
  env.nsig = 1;
  snprintf(env.sigs[0].keyid, sizeof env.sigs[0].keyid, "%s", keys[actor].keyid);
  /* The envelope carries key ids only: its signatures are not what these tests judge. */
  judge_input in = {.county = COUNTY, .position = index, .signatures_verified = true,
                    .latest_time = INT64_MAX, .keys = &kv, .state = d};
  judge_result r;
  int rc = ar_judge_entry(&in, &env, &ev, &r) == JUDGE_ACCEPT ? 0 : -1;
  if (rc) *p = r.problem;
  aidreg_event_free(&ev);
  return rc == 0 ? AIDREG_OK : p->code;
}

static json_t *mem_get(void *m, const char *kind, const char *id) {
  const json_t *d = ar_domain_memstore_get(m, kind, id);
  return d ? json_deep_copy(d) : NULL;
}

static int count_emit(void *c, const char *kind, const char *id, const json_t *doc, uint64_t u) {
  (void)kind, (void)id, (void)doc, (void)u;
  (*(int *)c)++;
  return 0;
}

typedef struct {
  char *payload;
  size_t len;
  int actor;
  aidreg_code outcome;
} rec;

static domain_memstore *start(void) {
  domain_memstore *m = ar_domain_memstore_new();
  domain_store st = ar_domain_memstore_store(m);
  domain_batch *d = ar_domain_begin(&st, COUNTY);
  char pl[512], ref[65];
  aidreg_problem p;
  int n = snprintf(pl, sizeof pl,
                   "{\"ledger\":\"%s\",\"type\":\"ledger.create\",\"subject\":\"%s\",\"time\":\"2023-01-01T00:00:00Z\","
                   "\"body\":{\"code\":\"%s\",\"name\":\"随机县\",\"root_key\":\"%s\",\"settings\":{}}}",
                   ORIGIN, COUNTY, COUNTY, keys[0].keyid);
  CHECK(judge(d, pl, (size_t)n, 0, 0, ref, &p) == AIDREG_OK);
  ar_domain_memstore_commit(m, d);
  ar_domain_end(d);
  return m;
}

static void run(uint64_t seed, int ops) {
  fprintf(stderr, "seed %llu, %d entries (AIDREG_TEST_SEED=%llu repeats it)\n", (unsigned long long)seed, ops,
          (unsigned long long)seed);
  dr_gen g;
  dr_init(&g, seed, COUNTY);
  for (int i = 0; i < DR_NACTORS; i++) g.keyids[i] = keyids[i];
  rec *recs = calloc((size_t)ops, sizeof *recs);
  domain_memstore *a = start();
  domain_store st = ar_domain_memstore_store(a);
  uint64_t index = 1;
  int accepted = 0, broken = 0;
  for (int i = 0; i < ops; i++) {
    while (!dr_generate(&g, mem_get, a)) {
    }
    size_t len;
    char *pl = dr_payload(&g, ORIGIN, &len);
    int actor = dr_actor(g.who);
    domain_batch *d = ar_domain_begin(&st, COUNTY);
    char ref[65];
    aidreg_problem p;
    aidreg_code got = judge(d, pl, len, actor, index, ref, &p);
    if (got != AIDREG_OK) {
      int changed = 0;
      ar_domain_changes(d, count_emit, &changed);
      CHECK_MSG(changed == 0, "seed %llu entry %d: a refusal changed %d documents", (unsigned long long)seed, i, changed);
      CHECK_MSG(aidreg_problem_status(got) != 500 && aidreg_problem_status(got) != 503,
                "seed %llu entry %d (%s): %s %s", (unsigned long long)seed, i, g.type, aidreg_problem_slug(got),
                p.detail);
      CHECK_MSG(aidreg_utf8_valid((const uint8_t *)p.detail, strlen(p.detail)), "entry %d: detail not UTF-8", i);
    } else {
      index++;
      accepted++;
    }
    ar_domain_memstore_commit(a, d);
    ar_domain_end(d);
    dr_outcome(&g, got == AIDREG_OK, ref);
    recs[i] = (rec){pl, len, actor, got};
    if (getenv("AIDREG_TEST_VERBOSE"))
      fprintf(stderr, "H %s%s %s\n", g.type, g.op == DR_CORRECT ? (g.correction_has_body ? "+body" : "-body") : "",
              got ? aidreg_problem_slug(got) : "ok");
    int bad = invariants(a);
    if (bad && !broken++)
      CHECK_MSG(bad == 0, "seed %llu entry %d (%s %s): %d invariants broken", (unsigned long long)seed, i, g.type,
                g.subject, bad);
  }
  fprintf(stderr, "  %d of %d accepted\n", accepted, ops);
  CHECK_MSG(accepted > ops / 4, "seed %llu: only %d of %d accepted: the generator aims badly", (unsigned long long)seed,
            accepted, ops);

  /* The same entries in batches of random sizes. */
  domain_memstore *b = start();
  st = ar_domain_memstore_store(b);
  dr_rng r = {seed ^ 0x9e3779b97f4a7c15ULL};
  index = 1;
  for (int i = 0; i < ops;) {
    int n = 1 + (int)dr_below(&r, 40);
    domain_batch *d = ar_domain_begin(&st, COUNTY);
    for (int k = 0; k < n && i < ops; k++, i++) {
      char ref[65];
      aidreg_problem p;
      aidreg_code got = judge(d, recs[i].payload, recs[i].len, recs[i].actor, index, ref, &p);
      CHECK_MSG(got == recs[i].outcome, "seed %llu entry %d in a batch: %s, alone %s", (unsigned long long)seed, i,
                aidreg_problem_slug(got), aidreg_problem_slug(recs[i].outcome));
      if (got == AIDREG_OK) index++;
    }
    ar_domain_memstore_commit(b, d);
    ar_domain_end(d);
  }
  CHECK_MSG(compare(a, b, "batches") == 0, "seed %llu: batches give another state", (unsigned long long)seed);

  /* The accepted entries alone, replayed. */
  domain_memstore *c = start();
  st = ar_domain_memstore_store(c);
  domain_batch *d = ar_domain_begin(&st, COUNTY);
  index = 1;
  for (int i = 0; i < ops; i++) {
    if (recs[i].outcome != AIDREG_OK) continue;
    char ref[65];
    aidreg_problem p;
    aidreg_code got = judge(d, recs[i].payload, recs[i].len, recs[i].actor, index++, ref, &p);
    CHECK_MSG(got == AIDREG_OK, "seed %llu: replay of entry %d refused: %s %s", (unsigned long long)seed, i,
              aidreg_problem_slug(got), p.detail);
  }
  ar_domain_memstore_commit(c, d);
  ar_domain_end(d);
  CHECK_MSG(compare(a, c, "replay") == 0, "seed %llu: the replay gives another state", (unsigned long long)seed);

  for (int i = 0; i < ops; i++) free(recs[i].payload);
  free(recs);
  ar_domain_memstore_free(a);
  ar_domain_memstore_free(b);
  ar_domain_memstore_free(c);
  dr_free(&g);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  for (int i = 0; i < DR_NACTORS; i++) {
    aidreg_keypair kp;
    aidreg_key_generate(&kp);
    aidreg_key_id(kp.pk, keys[i].keyid);
    aidreg_key_wipe(&kp);
    snprintf(keyids[i], sizeof keyids[i], "%s", keys[i].keyid);
    keys[i].role = dr_actor_roles[i];
    snprintf(keys[i].scope, sizeof keys[i].scope, "%s%s", COUNTY, dr_actor_scopes[i]);
  }
  const char *s = getenv("AIDREG_TEST_SEED"), *rs = getenv("AIDREG_TEST_RUNS"), *os = getenv("AIDREG_TEST_OPS");
  int runs = rs ? atoi(rs) : 4, ops = os ? atoi(os) : 1500;
  uint64_t seed = s ? strtoull(s, NULL, 10) : ((uint64_t)time(NULL) << 16 ^ randombytes_random());
  for (int i = 0; i < runs; i++) run(seed + (uint64_t)i, ops);
  return test_done();
}
