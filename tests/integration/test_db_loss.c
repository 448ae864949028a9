/* The registry after its database connections are lost (issue 9, items 5 and 7): the
 * superuser terminates every backend of the server's role, as a PostgreSQL restart does.
 * A submission is never answered as a success without a receipt: the appender reconnects
 * and retries once before BEGIN (201 with a receipt that verifies, stored once); a read
 * on a stale pooled connection is retried once instead of answering 500; when the
 * database cannot be reached, the answer is 503 and nothing is stored. */
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/merkle.h"
#include "aidreg/note.h"
#include "aidreg/registry.h"
#include "registry_env.h"
#include "test.h"

static aidreg_registry *reg;
static PGconn *admin;
static char code[8], origin[64], app_user[128];
static aidreg_note_verifier verifier;
static aidreg_keypair log_key, root;

static json_t *envelope(const aidreg_keypair *k, const char *type, const char *subject, const char *body) {
  char now[40], payload[4096];
  aidreg_rfc3339_format((int64_t)time(NULL), 0, now, sizeof now);
  int n = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":%s}", origin, type,
                   subject, now, body);
  aidreg_envelope env;
  if (aidreg_envelope_sign((const uint8_t *)payload, (size_t)n, k, 1, &env)) return NULL;
  size_t len;
  char *text = aidreg_envelope_serialize(&env, &len);
  aidreg_envelope_free(&env);
  json_t *j = json_loadb(text, len, 0, NULL);
  free(text);
  return j;
}

static bool receipt_ok(const aidreg_receipt *rc) {
  aidreg_checkpoint cp;
  if (!rc->checkpoint || aidreg_checkpoint_open(rc->checkpoint, strlen(rc->checkpoint), &verifier, &cp)) return false;
  return cp.size == rc->tree_size &&
         aidreg_merkle_verify_inclusion(rc->leaf_hash, rc->index, cp.size, (const uint8_t(*)[32])rc->proof,
                                        rc->proof_len, cp.root) == 0;
}

/* The ledger's size as the superuser sees it. */
static long long stored_size(void) {
  const char *params[1] = {code};
  PGresult *r = PQexecParams(admin, "SELECT count(*) FROM leaf WHERE ledger = $1", 1, NULL, params, NULL, NULL, 0);
  long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return n;
}

/* Terminates every backend of the server's role on this database: what the registry
 * sees after a restart of PostgreSQL. Returns how many. */
static int drop_connections(void) {
  const char *params[1] = {app_user};
  PGresult *r = PQexecParams(admin,
                             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             "WHERE usename = $1 AND datname = current_database() AND pid <> pg_backend_pid()",
                             1, NULL, params, NULL, NULL, 0);
  int n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : -1;
  if (n < 0) fprintf(stderr, "terminate: %s", PQerrorMessage(admin));
  PQclear(r);
  /* pg_terminate_backend signals; wait until they are gone. */
  for (int i = 0; i < 100; i++) {
    r = PQexecParams(admin, "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND datname = current_database()",
                     1, NULL, params, NULL, NULL, 0);
    int left = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    if (left == 0) break;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return n;
}

static int submit1(json_t *env, aidreg_result *res) {
  const json_t *one[1] = {env};
  aidreg_registry_submit(reg, code, one, 1, "", res);
  json_decref(env);
  return res->status;
}

static void settings(int days, aidreg_result *res) {
  char body[64];
  snprintf(body, sizeof body, "{\"publicity_days\":%d}", days);
  submit1(envelope(&root, "ledger.settings", code, body), res);
}

int main(void) {
  test_require_database();
  if (sodium_init() < 0) return 1;
  const char *app_url = getenv("AIDREG_DATABASE_URL"), *admin_url = getenv("AIDREG_ADMIN_DATABASE_URL");
  reg = test_registry_open(&log_key);
  if (!reg) return test_done();
  admin = PQconnectdb(admin_url);
  CHECK_MSG(PQstatus(admin) == CONNECTION_OK, "superuser: %s", PQerrorMessage(admin));
  PGconn *app = PQconnectdb(app_url);
  CHECK_MSG(PQstatus(app) == CONNECTION_OK, "app: %s", PQerrorMessage(app));
  snprintf(app_user, sizeof app_user, "%s", PQuser(app));
  PQfinish(app);

  aidreg_key_generate(&root);
  char rid[45], body[512];
  aidreg_key_id(root.pk, rid);
  snprintf(code, sizeof code, "7%05u", randombytes_uniform(100000));
  snprintf(origin, sizeof origin, "test.aidreg/%s", code);
  char *vk = aidreg_note_vkey(origin, log_key.pk);
  CHECK(aidreg_note_vkey_parse(vk, &verifier) == 0);
  free(vk);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"断线测试县\",\"root_key\":\"%s\",\"settings\":{}}", code, rid);
  json_t *create = envelope(&root, "ledger.create", code, body);
  aidreg_result res;
  char *vkey = NULL;
  aidreg_registry_create_ledger(reg, create, &res, &vkey);
  json_decref(create);
  free(vkey);
  CHECK_MSG(res.status == 201, "create: %d %s", res.status, res.problem.detail);
  aidreg_result_free(&res);
  settings(8, &res);
  CHECK_MSG(res.status == 201, "first entry: %d %s", res.status, res.problem.detail);
  aidreg_result_free(&res);
  CHECK(stored_size() == 2);

  /* Item 5: after the connections are lost, the next submission is stored and answered
   * 201 with a receipt (one reconnect before BEGIN), never 200 without one. */
  CHECK_MSG(drop_connections() > 0, "no backend of %s to terminate", app_user);
  settings(9, &res);
  CHECK_MSG(res.status == 201, "after the restart: status %d (%s: %s)", res.status,
            aidreg_problem_slug(res.problem.code), res.problem.detail);
  CHECK_MSG(res.status != 201 || receipt_ok(&res.receipt), "after the restart: the receipt does not verify");
  aidreg_result_free(&res);
  CHECK_MSG(stored_size() == 3, "stored %lld entries, want 3", stored_size());

  /* Item 7: a read on a stale pooled connection is retried once, not answered 500. */
  drop_connections();
  json_t *page = NULL;
  aidreg_problem p;
  memset(&p, 0, sizeof p);
  int rc = aidreg_registry_entries(reg, code, 0, 10, &page, &p);
  CHECK_MSG(rc == 0, "read after the restart: %s (%d) %s", aidreg_problem_slug(p.code), aidreg_problem_status(p.code),
            p.detail);
  CHECK(rc != 0 || json_integer_value(json_object_get(page, "size")) == 3);
  json_decref(page);

  /* Whatever happens, a result is a receipt (200/201) or a problem with its true status:
   * several submissions in a row across a loss. */
  for (int i = 0; i < 3; i++) {
    drop_connections();
    long long before = stored_size();
    settings(10 + i, &res);
    bool success = res.status == 200 || res.status == 201;
    CHECK_MSG(res.status >= 200 && res.problem.code != AIDREG_OK ? !success : true, "status %d with problem %s",
              res.status, aidreg_problem_slug(res.problem.code));
    CHECK_MSG(!success || receipt_ok(&res.receipt), "a success without a receipt (status %d)", res.status);
    CHECK_MSG(success || res.status == 503, "status %d", res.status);
    CHECK(stored_size() == before + (res.status == 201 ? 1 : 0));
    aidreg_result_free(&res);
  }

  aidreg_registry_close(reg);
  PQfinish(admin);
  aidreg_key_wipe(&log_key);
  return test_done();
}
