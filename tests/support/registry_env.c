/* The integration tests' registry on the test database (registry_env.h). */
#include "registry_env.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "aidreg/dsse.h"
#include "aidreg/event.h"
#include "aidreg/merkle.h"

void test_require_database(void) {
  static const char *const vars[] = {"AIDREG_DATABASE_URL", "AIDREG_ADMIN_DATABASE_URL"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    const char *v = getenv(vars[i]);
    if (!v || !*v) {
      fprintf(stderr, "skipped: %s is not set (tools/dev.sh test or the CTest cluster fixture sets it)\n", vars[i]);
      exit(TEST_SKIP);
    }
  }
}

aidreg_registry *test_registry_open(aidreg_keypair *log_key) {
  const char *url = getenv("AIDREG_DATABASE_URL"), *owner = getenv("AIDREG_OWNER_DATABASE_URL");
  CHECK_MSG(url != NULL, "AIDREG_DATABASE_URL must name the test database (tools/dev.sh test sets it)");
  if (!url) return NULL;
  aidreg_key_generate(log_key);
  aidreg_registry_config cfg = {.database_url = url, .owner_database_url = owner, .log_host = "test.aidreg",
                                .log_key = log_key, .pool_size = 4};
  char err[512];
  aidreg_registry *r = aidreg_registry_open(&cfg, err, sizeof err);
  CHECK_MSG(r != NULL, "open: %s", err);
  return r;
}

PGconn *test_superuser(void) {
  PGconn *c = PQconnectdb(getenv("AIDREG_ADMIN_DATABASE_URL"));
  CHECK_MSG(PQstatus(c) == CONNECTION_OK, "superuser: %s", PQerrorMessage(c));
  return c;
}

long long test_scalar(PGconn *c, const char *sql, const char *arg) {
  const char *params[1] = {arg};
  PGresult *r = PQexecParams(c, sql, arg ? 1 : 0, NULL, arg ? params : NULL, NULL, NULL, 0);
  long long n = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
  if (PQresultStatus(r) != PGRES_TUPLES_OK) fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
  PQclear(r);
  return n;
}

bool test_run_sql(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
  PQclear(r);
  return ok;
}

json_t *test_envelope(const aidreg_keypair *k, const char *origin, const char *type, const char *subject,
                      const char *body) {
  static const char fmt[] = "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":%s}";
  char now[40];
  aidreg_rfc3339_format((int64_t)time(NULL), 0, now, sizeof now);
  int n = snprintf(NULL, 0, fmt, origin, type, subject, now, body);
  char *payload = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!payload) return NULL;
  snprintf(payload, (size_t)n + 1, fmt, origin, type, subject, now, body);
  aidreg_envelope env;
  int rc = aidreg_envelope_sign((const uint8_t *)payload, (size_t)n, k, 1, &env);
  free(payload);
  if (rc) return NULL;
  size_t len;
  char *text = aidreg_envelope_serialize(&env, &len);
  aidreg_envelope_free(&env);
  json_t *j = text ? json_loadb(text, len, 0, NULL) : NULL;
  free(text);
  return j;
}

bool test_receipt_ok(const aidreg_receipt *rc, const aidreg_note_verifier *verifier) {
  aidreg_checkpoint cp;
  if (!rc->checkpoint || aidreg_checkpoint_open(rc->checkpoint, strlen(rc->checkpoint), verifier, &cp)) return false;
  return cp.size == rc->tree_size &&
         aidreg_merkle_verify_inclusion(rc->leaf_hash, rc->index, cp.size, (const uint8_t(*)[32])rc->proof,
                                        rc->proof_len, cp.root) == 0;
}

int test_ledger_new(aidreg_registry *reg, const aidreg_keypair *log_key, char first, const char *name,
                    aidreg_keypair *root, char code[8], char origin[64], aidreg_note_verifier *verifier) {
  char rid[45], body[512];
  aidreg_key_generate(root);
  aidreg_key_id(root->pk, rid);
  snprintf(code, 8, "%c%05u", first, randombytes_uniform(100000));
  snprintf(origin, 64, "test.aidreg/%s", code);
  char *vk = aidreg_note_vkey(origin, log_key->pk);
  int bad = !vk || aidreg_note_vkey_parse(vk, verifier) != 0;
  free(vk);
  CHECK_MSG(!bad, "the log's verifier key of %s", origin);
  if (bad) return -1;
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"%s\",\"root_key\":\"%s\",\"settings\":{}}", code, name, rid);
  json_t *create = test_envelope(root, origin, "ledger.create", code, body);
  aidreg_result res;
  char *vkey = NULL;
  if (create) aidreg_registry_create_ledger(reg, create, &res, &vkey);
  json_decref(create);
  free(vkey);
  if (!create) {
    CHECK_MSG(false, "the ledger.create of %s could not be signed", code);
    return -1;
  }
  int status = res.status;
  CHECK_MSG(status == 201, "create: %d %s", status, res.problem.detail);
  aidreg_result_free(&res);
  return status == 201 ? 0 : -1;
}

aidreg_registry *test_county_open(char first, const char *name, aidreg_keypair *log_key, aidreg_keypair *root,
                                  char code[8], char origin[64], aidreg_note_verifier *verifier, PGconn **admin) {
  test_require_database();
  CHECK(sodium_init() >= 0);
  aidreg_registry *reg = test_registry_open(log_key);
  if (!reg) return NULL;
  *admin = test_superuser();
  if (test_ledger_new(reg, log_key, first, name, root, code, origin, verifier)) {
    aidreg_registry_close(reg);
    return NULL;
  }
  return reg;
}

json_t *test_county_key_enroll(const aidreg_keypair *root, const char *origin, const char *code, const char *suffix,
                               aidreg_keypair *k, char kid[45]) {
  CHECK(aidreg_key_generate(k) == 0);
  aidreg_key_id(k->pk, kid);
  char body[512];
  snprintf(body, sizeof body,
           "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"%s\",\"holder\":{\"name\":\"县科员%s\",\"org\":\"县乡村振兴局\"}}",
           kid, code, suffix);
  json_t *env = test_envelope(root, origin, "key.enroll", kid, body);
  CHECK(env != NULL);
  return env;
}
