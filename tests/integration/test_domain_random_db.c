/* Randomised histories through the registry and PostgreSQL (tests/domain_random.h):
 * long sequences of valid and invalid entries submitted in batches of random sizes (group
 * commit); the invariants of the state the read API shows hold along the way; only the
 * accepted entries are stored; every outcome is what the rules decide over memory for the
 * same entries; and aidreg_rebuild_check finds no difference after each run.
 *
 * AIDREG_TEST_SEED=<n> repeats a run; AIDREG_TEST_RUNS and AIDREG_TEST_OPS size them. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/audit.h"
#include "aidreg/authority.h"
#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "aidreg/rebuild.h"
#include "aidreg/registry.h"
#include "aidreg/state.h"
#include "aidreg/verify.h"
#include "store/db.h"
#include "rules/domain.h"
#include "rules/judge.h"
#include "domain_check.h"
#include "domain_random.h"
#include "registry_env.h"
#include "test.h"

static aidreg_registry *reg;
/* A second registry on the same database, as a second server process would be: batches
 * alternate between the two, so each appender meets a ledger the other appended to and
 * must not judge by the documents it kept from its own last batch. */
static aidreg_registry *reg2;
static const char *url;
static db_conn *db;
static aidreg_keypair root, actors[DR_NACTORS];
static char keyids[DR_NACTORS][AIDREG_KEYID_LEN + 1];
static char code[8], origin[64];

static json_t *envelope(const aidreg_keypair *k, const char *payload, size_t len) {
  aidreg_envelope env;
  if (aidreg_envelope_sign((const uint8_t *)payload, len, k, 1, &env)) return NULL;
  size_t n;
  char *text = aidreg_envelope_serialize(&env, &n);
  aidreg_envelope_free(&env);
  json_t *j = json_loadb(text, n, 0, NULL);
  free(text);
  return j;
}

static int submit1(const aidreg_keypair *k, const char *payload, size_t len, aidreg_result *res) {
  json_t *env = envelope(k, payload, len);
  const json_t *one[1] = {env};
  aidreg_registry_submit(reg, code, one, 1, "", res);
  json_decref(env);
  return res->status;
}

static json_t *stored(void *ctx, const char *kind, const char *id) {
  (void)ctx;
  static db_stmt q = {"SELECT doc::text FROM entity_doc WHERE ledger = $1 AND kind = $2 AND id = $3", 0};
  const char *params[3] = {code, kind, id};
  PGresult *r = ar_db_run(db, &q, 3, params, NULL);
  json_t *doc = r && PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
  PQclear(r);
  return doc;
}

static uint64_t tree_size(void) {
  json_t *page = NULL;
  aidreg_problem p;
  if (aidreg_registry_entries(reg, code, 0, 1, &page, &p)) return UINT64_MAX;
  uint64_t s = (uint64_t)json_integer_value(json_object_get(page, "size"));
  json_decref(page);
  return s;
}

static int invariants(void) {
  int bad = 0;
  aidreg_state_query q = {.limit = 1000};
  json_t *list = NULL, *v;
  aidreg_problem p;
  size_t i;
  for (uint64_t from = 0;; from += 1000) {
    q.from = from;
    if (aidreg_state_assets(reg, code, &q, &list, &p)) return bad + 1;
    json_array_foreach(json_object_get(list, "items"), i, v) bad += dc_asset(v);
    bool more = !json_is_null(json_object_get(list, "next"));
    json_decref(list);
    if (!more) break;
  }
  for (uint64_t from = 0;; from += 1000) {
    q.from = from;
    if (aidreg_state_plans(reg, code, &q, &list, &p)) return bad + 1;
    json_array_foreach(json_object_get(list, "items"), i, v) bad += dc_plan(v);
    bool more = !json_is_null(json_object_get(list, "next"));
    json_decref(list);
    if (!more) break;
  }
  static db_stmt qi = {"SELECT doc::text FROM entity WHERE ledger = $1 AND kind = 'income'", 0};
  const char *params[1] = {code};
  PGresult *r = ar_db_run(db, &qi, 1, params, NULL);
  for (int k = 0; r && k < PQntuples(r); k++) {
    json_t *doc = json_loads(PQgetvalue(r, k, 0), 0, NULL);
    bad += doc ? dc_income(doc) : 1;
    json_decref(doc);
  }
  PQclear(r);
  /* The county's summary adds up too. */
  json_t *s = NULL;
  if (aidreg_state_summary(reg, code, NULL, &s, &p) == 0) {
    if (dc_i(s, "income_net_fen") != dc_i(s, "allocated_fen") + dc_i(s, "unallocated_fen")) bad++;
    json_decref(s);
  } else {
    bad++;
  }
  return bad;
}

/* ---- the same entries judged over memory ---- */

static aidreg_key_state mkeys[DR_NACTORS + 1];
static int mk_lookup(void *c, const char *keyid, aidreg_key_state *out) {
  (void)c;
  for (int i = 0; i <= DR_NACTORS; i++)
    if (strcmp(mkeys[i].keyid, keyid) == 0) return *out = mkeys[i], 1;
  return 0;
}
static int mk_count(void *c, const char *e) {
  (void)c, (void)e;
  return 1;
}

static aidreg_code mem_judge(domain_batch *d, const char *payload, size_t len, int actor, uint64_t index) {
  aidreg_event ev;
  aidreg_problem p;
  if (aidreg_event_parse((const uint8_t *)payload, len, &ev, &p)) return p.code;
  aidreg_keyview kv = {mk_lookup, mk_count, NULL};
  aidreg_envelope env;
  memset(&env, 0, sizeof env);
  env.nsig = 1;
  snprintf(env.sigs[0].keyid, sizeof env.sigs[0].keyid, "%s", mkeys[actor].keyid);
  /* The envelope carries key ids only: its signatures are not what these tests judge. */
  judge_input in = {.county = code, .position = index, .signatures_verified = true,
                    .latest_time = INT64_MAX, .keys = &kv, .state = d};
  judge_result r;
  int rc = ar_judge_entry(&in, &env, &ev, &r) == JUDGE_ACCEPT ? 0 : -1;
  if (rc) p = r.problem;
  aidreg_event_free(&ev);
  return rc == 0 ? AIDREG_OK : p.code;
}

/* ---- a run ---- */

/* The server's audit (aidreg_audit_latest) and the offline one (the leaves aidreg verify
 * checked, from the database) name the same findings (docs/audit.md). */
static aidreg_audit *offline_audit;
static int feed_leaf(void *ctx, const aidreg_verify_leaf *leaf, aidreg_verify_failure *f) {
  (void)ctx, (void)f;
  char err[512];
  if (aidreg_audit_leaf(offline_audit, leaf->index, leaf->data, leaf->len, err, sizeof err))
    CHECK_MSG(0, "offline audit: %s", err);
  return 0;
}

static void audits_agree(uint64_t seed) {
  char err[512];
  aidreg_verify_db *vdb = aidreg_verify_db_open(url, code, err, sizeof err);
  CHECK_MSG(vdb != NULL, "%s", err);
  if (!vdb) return;
  aidreg_verify_source src;
  aidreg_verify_db_source(vdb, &src);
  src.leaf = feed_leaf;
  char *vkey = aidreg_verify_db_vkey(vdb);
  aidreg_verify_options opt = {.vkey = vkey, .ledger = code};
  aidreg_verify_result vr;
  offline_audit = aidreg_audit_new(code);
  CHECK_MSG(aidreg_verify_run(&src, &opt, &vr) == 0, "verify: %s", vr.failure.message);
  char root[45];
  aidreg_b64_encode_to(vr.checkpoint.root, 32, root, sizeof root);
  static const char *const dates[] = {"2023-06-30", "2024-12-31", "2027-01-01"};
  size_t kept;
  uint64_t entries, replayed0, replayed1 = 0, replayed;
  aidreg_audit_cache_stats(&kept, &entries, &replayed0);
  for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
    aidreg_audit_query q = {.as_of = dates[i], .origin = vr.checkpoint.origin, .size = vr.checkpoint.size, .root = root};
    json_t *off = NULL, *srv = NULL;
    aidreg_problem p;
    aidreg_problem_clear(&p);
    CHECK_MSG(aidreg_audit_report(offline_audit, &q, &off, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(aidreg_audit_latest(reg, code, &q, &srv, &p) == 0, "%s", p.detail);
    /* The server's replay is kept (one ledger: the limit main sets) and not replayed again
     * while the checkpoint stays. */
    aidreg_audit_cache_stats(&kept, &entries, &replayed);
    CHECK_MSG(kept == 1 && entries == vr.checkpoint.size, "kept %zu ledgers, %llu entries", kept,
              (unsigned long long)entries);
    if (i == 0) replayed1 = replayed;
    CHECK_MSG(replayed - replayed0 == vr.checkpoint.size && replayed == replayed1,
              "replayed %llu entries for a ledger of %llu", (unsigned long long)(replayed - replayed0),
              (unsigned long long)vr.checkpoint.size);
    CHECK_MSG(off && srv && json_equal(off, srv), "seed %llu as of %s: the server's and the offline audit differ",
              (unsigned long long)seed, dates[i]);
    if (i == 2) fprintf(stderr, "  audit as of %s: %zu findings, the same in the server\n", dates[i],
                        json_array_size(json_object_get(off, "findings")));
    json_decref(off);
    json_decref(srv);
  }
  aidreg_audit_free(offline_audit);
  free(vkey);
  aidreg_verify_db_close(vdb);
}

static void run(uint64_t seed, int ops) {
  snprintf(code, sizeof code, "9%05u", randombytes_uniform(100000));
  snprintf(origin, sizeof origin, "test.aidreg/%s", code);
  fprintf(stderr, "seed %llu, %d entries, ledger %s (AIDREG_TEST_SEED=%llu repeats it)\n", (unsigned long long)seed,
          ops, code, (unsigned long long)seed);
  char rid[45], body[1024];
  aidreg_key_id(root.pk, rid);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"随机县\",\"root_key\":\"%s\",\"settings\":{}}", code, rid);
  char *pl = dr_printf("{\"ledger\":\"%s\",\"type\":\"ledger.create\",\"subject\":\"%s\",\"time\":\"2023-01-01T00:00:00Z\","
                       "\"body\":%s}",
                       origin, code, body);
  json_t *env = envelope(&root, pl, strlen(pl));
  aidreg_result res;
  char *vkey = NULL;
  aidreg_registry_create_ledger(reg, env, &res, &vkey);
  free(vkey);
  json_decref(env);
  CHECK_MSG(res.status == 201, "create: %s", res.problem.detail);
  aidreg_result_free(&res);
  /* The memory side: ledger.create and the same keys. */
  domain_memstore *m = ar_domain_memstore_new();
  domain_store st = ar_domain_memstore_store(m);
  domain_batch *md = ar_domain_begin(&st, code);
  snprintf(mkeys[DR_NACTORS].keyid, sizeof mkeys[0].keyid, "%s", rid);
  mkeys[DR_NACTORS].role = AIDREG_ROLE_COUNTY;
  mkeys[DR_NACTORS].is_root = true;
  snprintf(mkeys[DR_NACTORS].scope, sizeof mkeys[0].scope, "%s", code);
  CHECK(mem_judge(md, pl, strlen(pl), DR_NACTORS, 0) == AIDREG_OK);
  free(pl);
  uint64_t mindex = 1;

  for (int i = 0; i < DR_NACTORS; i++) {
    snprintf(mkeys[i].keyid, sizeof mkeys[i].keyid, "%s", keyids[i]);
    mkeys[i].role = dr_actor_roles[i];
    snprintf(mkeys[i].scope, sizeof mkeys[i].scope, "%s%s", code, dr_actor_scopes[i]);
    snprintf(body, sizeof body, "{\"key\":\"%s\",\"role\":\"%s\",\"scope\":\"%s\",\"holder\":{\"name\":\"%s\",\"org\":\"x\"}}",
             keyids[i], aidreg_role_name(dr_actor_roles[i]), mkeys[i].scope, dr_actor_names[i]);
    pl = dr_printf("{\"ledger\":\"%s\",\"type\":\"key.enroll\",\"subject\":\"%s\",\"time\":\"2023-01-01T01:00:00Z\","
                   "\"body\":%s}",
                   origin, keyids[i], body);
    CHECK(submit1(&root, pl, strlen(pl), &res) == 201);
    aidreg_result_free(&res);
    mindex++; /* the memory side has its keys already */
    free(pl);
  }

  dr_gen g;
  dr_init(&g, seed, code);
  for (int i = 0; i < DR_NACTORS; i++) g.keyids[i] = keyids[i];
  uint64_t expected_size = tree_size();
  int done = 0, accepted = 0, broken = 0;
  enum { BATCH = 40 };
  while (done < ops) {
    /* A batch: entries generated from the state before it, so later entries of the batch
     * may name what earlier ones create (their refs are known before submission). */
    int n = 1 + (int)dr_below(&g.rng, BATCH);
    if (n > ops - done) n = ops - done;
    json_t *envs[BATCH];
    char *pls[BATCH];
    int actors_of[BATCH];
    aidreg_result results[BATCH];
    for (int k = 0; k < n; k++) {
      while (!dr_generate(&g, stored, NULL)) {
      }
      size_t len;
      pls[k] = dr_payload(&g, origin, &len);
      actors_of[k] = dr_actor(g.who);
      envs[k] = envelope(&actors[actors_of[k]], pls[k], len);
      /* The generator learns the outcome only after the batch; for now assume success so
       * that later entries of the batch can build on this one. */
      uint8_t h[32];
      char ref[65];
      aidreg_sha256(pls[k], len, h);
      aidreg_hex_encode(h, 32, ref);
      aidreg_code mine = mem_judge(md, pls[k], len, actors_of[k], mindex);
      if (mine == AIDREG_OK) mindex++;
      dr_outcome(&g, mine == AIDREG_OK, ref);
      results[k].status = mine == AIDREG_OK ? 201 : aidreg_problem_status(mine);
      results[k].problem.code = mine;
    }
    aidreg_result got[BATCH];
    aidreg_registry *to = reg2 && (done / 7) % 3 == 2 ? reg2 : reg;
    aidreg_registry_submit(to, code, (const json_t *const *)envs, (size_t)n, "/envelopes", got);
    for (int k = 0; k < n; k++) {
      CHECK_MSG(got[k].status == results[k].status &&
                    (got[k].status == 201 || got[k].problem.code == results[k].problem.code),
                "seed %llu entry %d: the registry says %d %s, the rules over memory %d %s (%s)", (unsigned long long)seed,
                done + k, got[k].status, aidreg_problem_slug(got[k].problem.code), results[k].status,
                aidreg_problem_slug(results[k].problem.code), got[k].problem.detail);
      CHECK_MSG(got[k].status != 500 && got[k].status != 503, "entry %d: %d %s", done + k, got[k].status,
                got[k].problem.detail);
      if (got[k].status == 201) {
        accepted++;
        expected_size++;
      }
      aidreg_result_free(&got[k]);
      json_decref(envs[k]);
      free(pls[k]);
    }
    done += n;
    CHECK_MSG(tree_size() == expected_size, "seed %llu after %d entries: tree size %llu, want %llu",
              (unsigned long long)seed, done, (unsigned long long)tree_size(), (unsigned long long)expected_size);
    int bad = invariants();
    if (bad && !broken++)
      CHECK_MSG(bad == 0, "seed %llu after %d entries: %d invariants broken", (unsigned long long)seed, done, bad);
  }
  fprintf(stderr, "  %d of %d accepted\n", accepted, ops);
  CHECK(accepted > ops / 4);
  int diffs = aidreg_rebuild_check(url, code, stderr);
  CHECK_MSG(diffs == 0, "seed %llu: rebuild --check finds %d differences", (unsigned long long)seed, diffs);
  audits_agree(seed);
  ar_domain_end(md);
  ar_domain_memstore_free(m);
  dr_free(&g);
}

int main(void) {
  test_require_database();
  if (sodium_init() < 0) return 1;
  aidreg_keypair log_key;
  reg = test_registry_open(&log_key); /* checks that the database is named */
  if (!reg) return test_done();
  url = getenv("AIDREG_DATABASE_URL");
  char err[512];
  db = ar_db_connect(url, err, sizeof err);
  aidreg_registry_config cfg2 = {.database_url = url, .owner_database_url = getenv("AIDREG_OWNER_DATABASE_URL"),
                                 .log_host = "test.aidreg", .log_key = &log_key, .pool_size = 2};
  reg2 = aidreg_registry_open(&cfg2, err, sizeof err);
  CHECK_MSG(reg2 != NULL, "second registry: %s", err);
  aidreg_key_generate(&root);
  for (int i = 0; i < DR_NACTORS; i++) {
    aidreg_key_generate(&actors[i]);
    aidreg_key_id(actors[i].pk, keyids[i]);
  }
  const char *s = getenv("AIDREG_TEST_SEED"), *rs = getenv("AIDREG_TEST_RUNS"), *os = getenv("AIDREG_TEST_OPS");
  int runs = rs ? atoi(rs) : 3, ops = os ? atoi(os) : 600;
  uint64_t seed = s ? strtoull(s, NULL, 10) : ((uint64_t)time(NULL) << 16 ^ randombytes_random());
  aidreg_audit_cache_limit(1, 10000000); /* each new ledger evicts the one before */
  for (int i = 0; i < runs; i++) run(seed + (uint64_t)i, ops);
  ar_db_close(db);
  aidreg_registry_close(reg2);
  aidreg_registry_close(reg);
  aidreg_key_wipe(&log_key);
  return test_done();
}
