/* The registry service against a real PostgreSQL (AIDREG_DATABASE_URL, the server's
 * role; AIDREG_OWNER_DATABASE_URL for migrations): ledger creation, authority,
 * idempotency, prev, refusals that store nothing, receipts that verify, and group
 * commit under concurrent submitters. */
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/note.h"
#include "aidreg/registry.h"
#include "registry_env.h"
#include "test.h"

static aidreg_registry *reg;
static char code[8], origin[64];
static aidreg_note_verifier verifier;

static json_t *envelope(const aidreg_keypair *keys, size_t nkeys, const char *type, const char *subject,
                        const char *body, const char *prev) {
  char now[40], payload[8192];
  aidreg_rfc3339_format((int64_t)time(NULL), 0, now, sizeof now);
  int n = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\"%s%s%s,\"body\":%s}", origin,
                   type, subject, now, prev ? ",\"prev\":\"" : "", prev ? prev : "", prev ? "\"" : "", body);
  aidreg_envelope env;
  if (aidreg_envelope_sign((const uint8_t *)payload, (size_t)n, keys, nkeys, &env)) return NULL;
  size_t len;
  char *text = aidreg_envelope_serialize(&env, &len);
  aidreg_envelope_free(&env);
  json_t *j = json_loadb(text, len, 0, NULL);
  free(text);
  return j;
}

static int submit1(json_t *env, aidreg_result *res) {
  const json_t *one[1] = {env};
  aidreg_registry_submit(reg, code, one, 1, "", res);
  json_decref(env);
  return res->status;
}

static uint64_t tree_size(void) {
  json_t *page = NULL;
  aidreg_problem p;
  if (aidreg_registry_entries(reg, code, 0, 1, &page, &p)) return UINT64_MAX;
  uint64_t s = (uint64_t)json_integer_value(json_object_get(page, "size"));
  json_decref(page);
  return s;
}

static void keyid(const aidreg_keypair *k, char out[45]) { aidreg_key_id(k->pk, out); }

/* Bodies of docs/events.md that the domain rules accept. */
#define NOTICE(n)                                                                                    \
  "{\"kind\":\"assets\",\"start\":\"2026-01-01\",\"end\":\"2026-01-1" n "\",\"content_sha256\":\"" \
  "0000000000000000000000000000000000000000000000000000000000000000\",\"place\":\"村务公开栏\"}"
#define STATUS(reason) "{\"status\":\"in_use\",\"reason\":\"" reason "\"}"
#define PROJECT                                                                                        \
  "{\"name\":\"通村路硬化\",\"type\":\"rural_construction\",\"year\":2024,\"funding_lines\":[{\"channel\":" \
  "\"中央衔接资金\",\"year\":2024,\"amount_fen\":50000000}],\"locations\":[\"%s\"],\"industry_dept\":" \
  "\"县交通运输局\",\"implementing_unit\":\"镇人民政府\"}"
#define ASSET                                                                                          \
  "{\"project\":\"P-1\",\"name\":\"组组通道路\",\"class\":\"public_welfare\",\"subtype\":\"road\"," \
  "\"form\":\"fixed\",\"village\":\"%s\",\"original_value_fen\":50000000,\"quantity\":3.5,\"unit\":\"km\"," \
  "\"completed_on\":\"2024-10-01\",\"accepted_on\":\"2024-11-01\"}"

static aidreg_keypair root, county2, township, village, stranger;

static void expect(int status, aidreg_result *res, int want, aidreg_code code_want, const char *what) {
  CHECK_MSG(status == want, "%s: status %d, want %d (%s: %s)", what, status, want,
            aidreg_problem_slug(res->problem.code), res->problem.detail);
  if (code_want != AIDREG_OK) CHECK_MSG(res->problem.code == code_want, "%s: problem %s", what,
                                        aidreg_problem_slug(res->problem.code));
  if (want == 200 || want == 201) CHECK_MSG(test_receipt_ok(&res->receipt, &verifier), "%s: receipt does not verify", what);
  aidreg_result_free(res);
}

typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int calls;
} async_wait;

static void async_done(void *ctx) {
  async_wait *w = ctx;
  pthread_mutex_lock(&w->mu);
  w->calls++;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

#define THREADS 8
#define PER_THREAD 60
static void *hammer(void *arg) {
  aidreg_keypair *k = arg;
  char id[45];
  keyid(k, id);
  int *ok = calloc(1, sizeof *ok);
  for (int i = 0; i < PER_THREAD; i++) {
    char reason[64], body[256];
    snprintf(reason, sizeof reason, "巡查 %d-%u", i, randombytes_random());
    snprintf(body, sizeof body, STATUS("%s"), reason);
    aidreg_result res;
    if (submit1(envelope(k, 1, "asset.status", "A-1", body, NULL), &res) == 201 && test_receipt_ok(&res.receipt, &verifier))
      (*ok)++;
    aidreg_result_free(&res);
  }
  return ok;
}

int main(void) {
  test_require_database();
  if (sodium_init() < 0) return 1;
  aidreg_keypair log_key;
  reg = test_registry_open(&log_key);
  if (!reg) return test_done();

  /* A fresh county code per run, so runs against one database do not collide. */
  snprintf(code, sizeof code, "9%05u", randombytes_uniform(100000));
  snprintf(origin, sizeof origin, "test.aidreg/%s", code);
  char *vk = aidreg_note_vkey(origin, log_key.pk);
  CHECK(aidreg_note_vkey_parse(vk, &verifier) == 0);
  free(vk);

  aidreg_key_generate(&root);
  aidreg_key_generate(&county2);
  aidreg_key_generate(&township);
  aidreg_key_generate(&village);
  aidreg_key_generate(&stranger);
  char rid[45], cid[45], tid[45], vid[45], sid[45], body[1024];
  keyid(&root, rid);
  keyid(&county2, cid);
  keyid(&township, tid);
  keyid(&village, vid);
  keyid(&stranger, sid);

  /* Ledger creation, its replay, and a second ledger of the same code. */
  aidreg_result res;
  char *vkey = NULL;
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"测试县\",\"root_key\":\"%s\",\"settings\":{}}", code, rid);
  json_t *create = envelope(&root, 1, "ledger.create", code, body, NULL);
  aidreg_registry_create_ledger(reg, create, &res, &vkey);
  CHECK(vkey != NULL);
  free(vkey);
  expect(res.status, &res, 201, AIDREG_OK, "create");
  aidreg_registry_create_ledger(reg, create, &res, &vkey);
  CHECK(res.receipt.index == 0);
  free(vkey);
  expect(res.status, &res, 200, AIDREG_OK, "create replay");
  json_decref(create);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"x\",\"root_key\":\"%s\",\"settings\":{}}", code, sid);
  create = envelope(&stranger, 1, "ledger.create", code, body, NULL);
  aidreg_registry_create_ledger(reg, create, &res, &vkey);
  json_decref(create);
  expect(res.status, &res, 409, AIDREG_E_LEDGER_EXISTS, "second create");
  CHECK(tree_size() == 1);

  /* Enrolment down the hierarchy. */
  snprintf(body, sizeof body, "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"%s\",\"holder\":{\"name\":\"县乡村振兴局\",\"org\":\"县\"}}", cid, code);
  expect(submit1(envelope(&root, 1, "key.enroll", cid, body, NULL), &res), &res, 201, AIDREG_OK, "enroll county");
  snprintf(body, sizeof body, "{\"key\":\"%s\",\"role\":\"township\",\"scope\":\"%s001\",\"holder\":{\"name\":\"乡\",\"org\":\"乡政府\"}}", tid, code);
  expect(submit1(envelope(&county2, 1, "key.enroll", tid, body, NULL), &res), &res, 201, AIDREG_OK, "enroll township");
  snprintf(body, sizeof body, "{\"key\":\"%s\",\"role\":\"village\",\"scope\":\"%s002001\",\"holder\":{\"name\":\"村\",\"org\":\"村委\"}}", vid, code);
  expect(submit1(envelope(&township, 1, "key.enroll", vid, body, NULL), &res), &res, 403, AIDREG_E_OUT_OF_SCOPE,
         "township enrols a village outside it");
  CHECK(tree_size() == 3);
  snprintf(body, sizeof body, "{\"key\":\"%s\",\"role\":\"village\",\"scope\":\"%s001001\",\"holder\":{\"name\":\"村\",\"org\":\"村委\"}}", vid, code);
  expect(submit1(envelope(&stranger, 1, "key.enroll", vid, body, NULL), &res), &res, 403, AIDREG_E_KEY_NOT_ENROLLED,
         "unenrolled signer");
  expect(submit1(envelope(&township, 1, "key.enroll", vid, body, NULL), &res), &res, 201, AIDREG_OK, "enroll village");
  snprintf(body, sizeof body, "{\"key\":\"%s\",\"role\":\"village\",\"scope\":\"%s001001\",\"holder\":{\"name\":\"村2\",\"org\":\"村委\"}}", vid, code);
  expect(submit1(envelope(&county2, 1, "key.enroll", vid, body, NULL), &res), &res, 422,
         AIDREG_E_KEY_ALREADY_ENROLLED, "enrol twice");
  expect(submit1(envelope(&village, 1, "ledger.settings", code, "{}", NULL), &res), &res, 403,
         AIDREG_E_ROLE_NOT_ALLOWED, "village signs settings");
  expect(submit1(envelope(&village, 1, "no.such.type", code, "{}", NULL), &res), &res, 422,
         AIDREG_E_UNKNOWN_EVENT_TYPE, "unknown type");
  CHECK(tree_size() == 4);

  /* prev: optimistic concurrency on a subject. */
  char village_code[16];
  snprintf(village_code, sizeof village_code, "%s001001", code);
  CHECK(submit1(envelope(&village, 1, "notice.publish", village_code, NOTICE("1"), NULL), &res) == 201);
  char head[65];
  aidreg_hex_encode(res.receipt.payload_sha256, 32, head);
  aidreg_result_free(&res);
  CHECK(submit1(envelope(&village, 1, "notice.publish", village_code, NOTICE("2"), head), &res) == 201);
  char head2[65];
  aidreg_hex_encode(res.receipt.payload_sha256, 32, head2);
  aidreg_result_free(&res);
  submit1(envelope(&village, 1, "notice.publish", village_code, NOTICE("3"), head), &res);
  CHECK_STR(res.head, head2);
  expect(res.status, &res, 409, AIDREG_E_STALE_PREV, "stale prev");
  CHECK(tree_size() == 6);

  /* An asset in the village, so that the village key has something to report on. */
  snprintf(body, sizeof body, PROJECT, village_code);
  expect(submit1(envelope(&county2, 1, "project.register", "P-1", body, NULL), &res), &res, 201, AIDREG_OK, "project");
  snprintf(body, sizeof body, ASSET, village_code);
  expect(submit1(envelope(&county2, 1, "asset.register", "A-1", body, NULL), &res), &res, 201, AIDREG_OK, "asset");
  CHECK(tree_size() == 8);

  /* Revocation; an old entry of the revoked key is still a safe replay. */
  json_t *old = envelope(&village, 1, "asset.status", "A-1", STATUS("1"), NULL);
  json_incref(old);
  expect(submit1(old, &res), &res, 201, AIDREG_OK, "village event");
  expect(submit1(envelope(&township, 1, "key.revoke", vid, "{\"reason\":\"换届\"}", NULL), &res), &res, 201,
         AIDREG_OK, "township revokes village");
  expect(submit1(old, &res), &res, 200, AIDREG_OK, "replay after revocation");
  expect(submit1(envelope(&village, 1, "asset.status", "A-1", STATUS("2"), NULL), &res), &res, 403,
         AIDREG_E_KEY_REVOKED, "revoked signer");
  expect(submit1(envelope(&county2, 1, "key.revoke", rid, "{\"reason\":\"x\"}", NULL), &res), &res, 403,
         AIDREG_E_ROLE_NOT_ALLOWED, "county revokes root");
  CHECK(tree_size() == 10);

  /* Wrong ledger binding. */
  char saved[64];
  snprintf(saved, sizeof saved, "%s", origin);
  snprintf(origin, sizeof origin, "elsewhere.example/%s", code);
  expect(submit1(envelope(&county2, 1, "asset.status", "A-1", STATUS("3"), NULL), &res), &res, 422, AIDREG_E_WRONG_LEDGER,
         "wrong ledger");
  snprintf(origin, sizeof origin, "%s", saved);

  /* Group commit: concurrent submitters share transactions; every receipt verifies. */
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, hammer, &county2);
  int accepted = 0;
  for (int i = 0; i < THREADS; i++) {
    int *ok;
    pthread_join(th[i], (void **)&ok);
    accepted += *ok;
    free(ok);
  }
  CHECK_MSG(accepted == THREADS * PER_THREAD, "accepted %d of %d", accepted, THREADS * PER_THREAD);
  CHECK(tree_size() == 10 + THREADS * PER_THREAD);
  aidreg_registry_stats st;
  aidreg_registry_stats_get(reg, &st);
  CHECK_MSG(st.batches_committed < st.entries_appended, "%" PRIu64 " batches for %" PRIu64 " entries",
            st.batches_committed, st.entries_appended);
  fprintf(stderr, "group commit: %" PRIu64 " entries in %" PRIu64 " transactions\n", st.entries_appended,
          st.batches_committed);

  /* The asynchronous form: results filled and done called once, from another thread. */
  {
    json_t *envs[3];
    aidreg_result results[3];
    envs[0] = envelope(&county2, 1, "asset.status", "A-1", STATUS("async 1"), NULL);
    envs[1] = envelope(&stranger, 1, "asset.status", "A-1", STATUS("async 2"), NULL);
    envs[2] = envelope(&county2, 1, "asset.status", "A-1", STATUS("async 3"), NULL);
    async_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    uint64_t before = tree_size();
    aidreg_submission *sub = NULL;
    bool queued = aidreg_registry_submit_async(reg, code, (const json_t *const *)envs, 3, "/envelopes", results,
                                               async_done, &w, &sub);
    for (int i = 0; i < 3; i++) json_decref(envs[i]);
    CHECK(queued);
    pthread_mutex_lock(&w.mu);
    while (queued && w.calls == 0) pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    CHECK(w.calls == 1 && sub);
    aidreg_submission_free(sub);
    CHECK(results[0].status == 201 && test_receipt_ok(&results[0].receipt, &verifier));
    CHECK(results[1].status == 403 && results[1].problem.code == AIDREG_E_KEY_NOT_ENROLLED);
    CHECK_STR(results[1].problem.field, "/envelopes/1/signatures/0/keyid");
    CHECK(results[2].status == 201 && results[2].receipt.index == results[0].receipt.index + 1);
    CHECK(tree_size() == before + 2);
    for (int i = 0; i < 3; i++) aidreg_result_free(&results[i]);
    /* Everything refused before the database: no callback, results final at return. */
    snprintf(origin, sizeof origin, "elsewhere.example/%s", code);
    envs[0] = envelope(&county2, 1, "asset.status", "A-1", STATUS("async 4"), NULL);
    envs[1] = envelope(&county2, 1, "asset.status", "A-1", STATUS("async 5"), NULL);
    snprintf(origin, sizeof origin, "%s", saved);
    queued = aidreg_registry_submit_async(reg, code, (const json_t *const *)envs, 2, "", results, async_done, &w, &sub);
    CHECK(!queued && w.calls == 1 && !sub);
    CHECK(results[1].status == 422 && results[1].problem.code == AIDREG_E_WRONG_LEDGER);
    for (int i = 0; i < 2; i++) {
      json_decref(envs[i]);
      aidreg_result_free(&results[i]);
    }
  }

  /* expires (issue 9 item 17): an envelope seen in transit and submitted after its expiry
   * is refused 422 expired, nothing stored; one within its time is accepted. */
  {
    char then[40], until[40], payload[512];
    int64_t now = (int64_t)time(NULL);
    aidreg_rfc3339_format(now - 120, 0, then, sizeof then);
    aidreg_rfc3339_format(now - 60, 0, until, sizeof until);
    int pn = snprintf(payload, sizeof payload,
                      "{\"ledger\":\"%s\",\"type\":\"asset.status\",\"subject\":\"A-1\",\"time\":\"%s\","
                      "\"expires\":\"%s\",\"body\":" STATUS("过期") "}",
                      origin, then, until);
    aidreg_envelope env;
    CHECK(aidreg_envelope_sign((const uint8_t *)payload, (size_t)pn, &county2, 1, &env) == 0);
    size_t len;
    char *text = aidreg_envelope_serialize(&env, &len);
    aidreg_envelope_free(&env);
    json_t *late = json_loadb(text, len, 0, NULL);
    free(text);
    uint64_t before = tree_size();
    expect(submit1(late, &res), &res, 422, AIDREG_E_EXPIRED, "submitted after expires");
    CHECK(tree_size() == before);
    aidreg_rfc3339_format(now + 600, 0, until, sizeof until);
    aidreg_rfc3339_format(now, 0, then, sizeof then);
    pn = snprintf(payload, sizeof payload,
                  "{\"ledger\":\"%s\",\"type\":\"asset.status\",\"subject\":\"A-1\",\"time\":\"%s\","
                  "\"expires\":\"%s\",\"body\":" STATUS("未过期") "}",
                  origin, then, until);
    CHECK(aidreg_envelope_sign((const uint8_t *)payload, (size_t)pn, &county2, 1, &env) == 0);
    text = aidreg_envelope_serialize(&env, &len);
    aidreg_envelope_free(&env);
    json_t *timely = json_loadb(text, len, 0, NULL);
    free(text);
    expect(submit1(timely, &res), &res, 201, AIDREG_OK, "submitted before expires");
    CHECK(tree_size() == before + 1);
  }

  /* No 身份证号 in a key holder's name (issue 9 item 18): 422, nothing stored. */
  {
    aidreg_keypair person;
    aidreg_key_generate(&person);
    char pid[45];
    keyid(&person, pid);
    snprintf(body, sizeof body,
             "{\"key\":\"%s\",\"role\":\"village\",\"scope\":\"%s001001\",\"holder\":{\"name\":\"张三 "
             "52273119850612341X\",\"org\":\"村委\"}}",
             pid, code);
    uint64_t before = tree_size();
    expect(submit1(envelope(&county2, 1, "key.enroll", pid, body, NULL), &res), &res, 422, AIDREG_E_NATIONAL_ID,
           "a national ID number in holder.name");
    CHECK(tree_size() == before);
  }

  /* Proof endpoints agree with the checkpoint. */
  json_t *proof = NULL;
  aidreg_problem p;
  CHECK(aidreg_registry_consistency(reg, code, 3, tree_size(), &proof, &p) == 0);
  json_decref(proof);
  CHECK(aidreg_registry_consistency(reg, code, 5, 3, &proof, &p) == -1 && p.code == AIDREG_E_INVALID_QUERY);
  CHECK(aidreg_registry_entry(reg, code, 100000, &proof, &p) == -1 && p.code == AIDREG_E_NOT_FOUND);

  aidreg_registry_close(reg);
  aidreg_key_wipe(&log_key);
  return test_done();
}
