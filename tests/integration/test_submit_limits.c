/* What an unauthenticated or abusive client can make the registry spend (issue 9, items
 * 4 and 6), against the real PostgreSQL:
 * - an envelope of an unknown key is refused 403 before any signature is verified (a
 *   forged signature of an unknown key is not 401), from the ledger's key set, which
 *   follows key events (a key enrolled earlier in the same batch, or by another server
 *   process on the same database, is known);
 * - a batch member over 64 KiB is refused 413 before it is decoded or verified;
 * - the signatures of one request are capped (413 for every member, nothing stored);
 * - entries per key and requests per address are rate limited (429 with a retry time);
 * - a garbage submission starts no appender (no thread, no database connection); idle
 *   appenders stop; at most max_appenders run (503 beyond, nothing stored).
 * Every refusal stores nothing. */
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/registry.h"
#include "registry_env.h"
#include "test.h"

static PGconn *admin;
static char app_user[128];
static aidreg_keypair log_key;

typedef struct {
  char code[8], origin[64];
  aidreg_keypair root;
} ledger;

static aidreg_registry *open_registry(aidreg_registry_config cfg) {
  cfg.database_url = getenv("AIDREG_DATABASE_URL");
  cfg.owner_database_url = getenv("AIDREG_OWNER_DATABASE_URL");
  cfg.log_host = "limits.aidreg";
  cfg.log_key = &log_key;
  cfg.pool_size = 2;
  char err[512];
  aidreg_registry *r = aidreg_registry_open(&cfg, err, sizeof err);
  CHECK_MSG(r != NULL, "open: %s", err);
  return r;
}

static json_t *signed_by(const ledger *lg, const aidreg_keypair *keys, size_t nkeys, const char *type,
                         const char *subject, const char *body, size_t pad) {
  char now[40];
  aidreg_rfc3339_format((int64_t)time(NULL), 0, now, sizeof now);
  size_t cap = 4096 + strlen(body) + pad;
  char *payload = malloc(cap);
  char *padding = calloc(pad + 1, 1);
  memset(padding, 'x', pad);
  int n = snprintf(payload, cap,
                   "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":%s%s%s%s}",
                   lg->origin, type, subject, now, body, pad ? ",\"pad\":\"" : "", padding, pad ? "\"" : "");
  aidreg_envelope env;
  json_t *j = NULL;
  if (aidreg_envelope_sign((const uint8_t *)payload, (size_t)n, keys, nkeys, &env) == 0) {
    size_t len;
    char *text = aidreg_envelope_serialize(&env, &len);
    aidreg_envelope_free(&env);
    j = json_loadb(text, len, 0, NULL);
    free(text);
  }
  free(payload);
  free(padding);
  return j;
}

/* The signature of the envelope's first signer replaced by random bytes. */
static void forge(json_t *env) {
  uint8_t sig[64];
  randombytes_buf(sig, sizeof sig);
  char b64[100];
  aidreg_b64_encode_to(sig, sizeof sig, b64, sizeof b64);
  json_object_set_new(json_array_get(json_object_get(env, "signatures"), 0), "sig", json_string(b64));
}

static long long stored(const char *code) {
  const char *params[1] = {code};
  PGresult *r = PQexecParams(admin, "SELECT count(*) FROM leaf WHERE ledger = $1", 1, NULL, params, NULL, NULL, 0);
  long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return n;
}

/* Connections of the server's role to the test database. */
static int connections(void) {
  const char *params[1] = {app_user};
  PGresult *r = PQexecParams(admin, "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND datname = current_database()",
                             1, NULL, params, NULL, NULL, 0);
  int n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return n;
}

static void create(aidreg_registry *r, ledger *lg) {
  aidreg_key_generate(&lg->root);
  char rid[45], body[512];
  aidreg_key_id(lg->root.pk, rid);
  for (int attempt = 0; attempt < 20; attempt++) {
    snprintf(lg->code, sizeof lg->code, "6%05u", randombytes_uniform(100000));
    snprintf(lg->origin, sizeof lg->origin, "limits.aidreg/%s", lg->code);
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"限额测试县\",\"root_key\":\"%s\",\"settings\":{}}", lg->code,
             rid);
    json_t *env = signed_by(lg, &lg->root, 1, "ledger.create", lg->code, body, 0);
    aidreg_result res;
    char *vk = NULL;
    aidreg_registry_create_ledger(r, env, &res, &vk);
    json_decref(env);
    free(vk);
    int st = res.status;
    aidreg_result_free(&res);
    if (st == 409) continue;
    CHECK_MSG(st == 201, "create: %d", st);
    return;
  }
}

static void submit(aidreg_registry *r, const ledger *lg, json_t **envs, size_t n, aidreg_result *res) {
  aidreg_registry_submit(r, lg->code, (const json_t *const *)envs, n, n > 1 ? "/envelopes" : "", res);
  for (size_t i = 0; i < n; i++) json_decref(envs[i]);
}

static json_t *settings(const ledger *lg, const aidreg_keypair *k, int days) {
  char body[64];
  snprintf(body, sizeof body, "{\"publicity_days\":%d}", days);
  return signed_by(lg, k, 1, "ledger.settings", lg->code, body, 0);
}

static json_t *enroll(const ledger *lg, const aidreg_keypair *by, const aidreg_keypair *k) {
  char kid[45], body[512];
  aidreg_key_id(k->pk, kid);
  snprintf(body, sizeof body,
           "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"%s\",\"holder\":{\"name\":\"县\",\"org\":\"县\"}}", kid, lg->code);
  return signed_by(lg, by, 1, "key.enroll", kid, body, 0);
}

#define WANT(res, st, c, what)                                                                                      \
  CHECK_MSG((res).status == (st) && ((c) == AIDREG_OK || (res).problem.code == (c)), "%s: %d %s (%s), want %d %s", \
            what, (res).status, aidreg_problem_slug((res).problem.code), (res).problem.detail, st,                   \
            aidreg_problem_slug(c))

static void unknown_keys(void) {
  aidreg_registry *r = open_registry((aidreg_registry_config){0});
  if (!r) return;
  ledger lg;
  create(r, &lg);
  int before = connections();
  long long size = stored(lg.code);

  /* A forged signature of an unknown key: refused as not enrolled, unverified. */
  aidreg_keypair stranger;
  aidreg_key_generate(&stranger);
  json_t *env = settings(&lg, &stranger, 9);
  forge(env);
  aidreg_result res[4];
  submit(r, &lg, &env, 1, res);
  WANT(res[0], 403, AIDREG_E_KEY_NOT_ENROLLED, "forged signature of an unknown key");
  CHECK_STR(res[0].problem.field, "/signatures/0/keyid");
  aidreg_result_free(&res[0]);
  /* A well-formed event of an unknown key: no appender started for it (item 6). */
  env = settings(&lg, &stranger, 9);
  submit(r, &lg, &env, 1, res);
  WANT(res[0], 403, AIDREG_E_KEY_NOT_ENROLLED, "unknown key");
  aidreg_result_free(&res[0]);
  usleep(200000); /* a connection opened would show by now */
  CHECK_MSG(connections() == before, "garbage opened %d connection(s)", connections() - before);
  CHECK(aidreg_registry_appenders(r) == 0);
  CHECK(stored(lg.code) == size);

  /* The set follows key events: enrolled then used in one batch; used in the next. */
  aidreg_keypair k1, k2;
  aidreg_key_generate(&k1);
  aidreg_key_generate(&k2);
  json_t *batch[2] = {enroll(&lg, &lg.root, &k1), settings(&lg, &k1, 10)};
  submit(r, &lg, batch, 2, res);
  WANT(res[0], 201, AIDREG_OK, "enrol k1");
  WANT(res[1], 201, AIDREG_OK, "k1 in the batch that enrols it");
  aidreg_result_free(&res[0]);
  aidreg_result_free(&res[1]);
  env = settings(&lg, &k1, 11);
  submit(r, &lg, &env, 1, res);
  WANT(res[0], 201, AIDREG_OK, "k1 afterwards");
  aidreg_result_free(&res[0]);
  CHECK(aidreg_registry_appenders(r) == 1);

  /* Enrolled by another process on the same database: looked up on a miss. */
  aidreg_registry *other = open_registry((aidreg_registry_config){0});
  if (other) {
    env = enroll(&lg, &lg.root, &k2);
    submit(other, &lg, &env, 1, res);
    WANT(res[0], 201, AIDREG_OK, "enrol k2 elsewhere");
    aidreg_result_free(&res[0]);
    aidreg_registry_close(other);
  }
  env = settings(&lg, &k2, 12);
  submit(r, &lg, &env, 1, res);
  WANT(res[0], 201, AIDREG_OK, "k2 enrolled by another process");
  aidreg_result_free(&res[0]);

  /* A batch member over 64 KiB: 413 before decoding (its forged signature is not looked
   * at); the other member is accepted. */
  size = stored(lg.code);
  batch[0] = signed_by(&lg, &lg.root, 1, "ledger.settings", lg.code, "{\"publicity_days\":13}", 70 * 1024);
  forge(batch[0]);
  batch[1] = settings(&lg, &lg.root, 14);
  submit(r, &lg, batch, 2, res);
  WANT(res[0], 413, AIDREG_E_TOO_LARGE, "batch member over 64 KiB");
  CHECK_STR(res[0].problem.field, "/envelopes/0");
  WANT(res[1], 201, AIDREG_OK, "its neighbour");
  aidreg_result_free(&res[0]);
  aidreg_result_free(&res[1]);
  CHECK(stored(lg.code) == size + 1);
  aidreg_registry_close(r);
}

static void caps_and_rates(void) {
  aidreg_registry *r = open_registry(
      (aidreg_registry_config){.max_signatures = 4, .key_rate = 0.001, .key_burst = 3, .address_rate = 0.001, .address_burst = 2});
  if (!r) return;
  ledger lg;
  create(r, &lg);
  aidreg_keypair two[2];
  two[0] = lg.root;
  aidreg_key_generate(&two[1]);
  json_t *batch[3];
  aidreg_result res[3];
  json_t *first = enroll(&lg, &lg.root, &two[1]);
  submit(r, &lg, &first, 1, res);
  WANT(res[0], 201, AIDREG_OK, "enrol a second county key");
  aidreg_result_free(&res[0]);
  long long size = stored(lg.code);

  /* Six signatures in one request, four allowed: every member 413, nothing stored. */
  for (int i = 0; i < 3; i++) batch[i] = signed_by(&lg, two, 2, "ledger.settings", lg.code, "{\"publicity_days\":15}", 0);
  submit(r, &lg, batch, 3, res);
  for (int i = 0; i < 3; i++) {
    WANT(res[i], 413, AIDREG_E_TOO_LARGE, "signatures over the cap");
    aidreg_result_free(&res[i]);
  }
  CHECK(stored(lg.code) == size);

  /* Entries per key: a burst of 3 (the enrolment took one), then 429 with a wait. */
  for (int i = 0; i < 2; i++) {
    json_t *env = settings(&lg, &lg.root, 20 + i);
    submit(r, &lg, &env, 1, res);
    WANT(res[0], 201, AIDREG_OK, "within the key's burst");
    aidreg_result_free(&res[0]);
  }
  size = stored(lg.code);
  json_t *env = settings(&lg, &lg.root, 30);
  submit(r, &lg, &env, 1, res);
  WANT(res[0], 429, AIDREG_E_TOO_MANY_REQUESTS, "over the key's rate");
  CHECK(res[0].retry_after >= 1);
  aidreg_result_free(&res[0]);
  CHECK(stored(lg.code) == size);

  /* Requests per address. */
  unsigned wait = 0;
  CHECK(aidreg_registry_admit_address(r, "192.0.2.1", &wait) && wait == 0);
  CHECK(aidreg_registry_admit_address(r, "192.0.2.1", &wait));
  CHECK(!aidreg_registry_admit_address(r, "192.0.2.1", &wait) && wait >= 1);
  CHECK(aidreg_registry_admit_address(r, "192.0.2.2", &wait));
  aidreg_registry_close(r);
}

static void appenders(void) {
  aidreg_registry *r = open_registry((aidreg_registry_config){.max_appenders = 1, .appender_idle_s = 1});
  if (!r) return;
  ledger a, b;
  create(r, &a);
  create(r, &b);
  aidreg_result res[1];
  json_t *env = settings(&a, &a.root, 8);
  submit(r, &a, &env, 1, res);
  WANT(res[0], 201, AIDREG_OK, "ledger a");
  aidreg_result_free(&res[0]);
  CHECK(aidreg_registry_appenders(r) == 1);
  long long size = stored(b.code);
  env = settings(&b, &b.root, 8);
  submit(r, &b, &env, 1, res);
  WANT(res[0], 503, AIDREG_E_UNAVAILABLE, "a second ledger beyond max_appenders");
  aidreg_result_free(&res[0]);
  CHECK(stored(b.code) == size);
  /* Idle for a second: stopped, its two connections closed (it commits on one and judges
   * the next batch on the other). */
  int before = connections();
  sleep(2);
  CHECK(aidreg_registry_appenders(r) == 0);
  /* The backend leaves pg_stat_activity a moment after the client closed. */
  for (int i = 0; i < 100 && connections() != before - 2; i++) usleep(20000);
  CHECK_MSG(connections() == before - 2, "connections %d, want %d", connections(), before - 2);
  env = settings(&b, &b.root, 8);
  submit(r, &b, &env, 1, res);
  WANT(res[0], 201, AIDREG_OK, "ledger b once a's appender stopped");
  aidreg_result_free(&res[0]);
  env = settings(&a, &a.root, 9);
  submit(r, &a, &env, 1, res);
  WANT(res[0], 503, AIDREG_E_UNAVAILABLE, "ledger a while b's runs");
  aidreg_result_free(&res[0]);
  aidreg_registry_close(r);
}

int main(void) {
  test_require_database();
  if (sodium_init() < 0) return 1;
  admin = test_superuser();
  PGconn *app = PQconnectdb(getenv("AIDREG_DATABASE_URL"));
  snprintf(app_user, sizeof app_user, "%s", PQuser(app));
  PQfinish(app);
  aidreg_key_generate(&log_key);
  unknown_keys();
  caps_and_rates();
  appenders();
  PQfinish(admin);
  return test_done();
}
