/* What the server's own role may change (issue 9, item 13), on the real PostgreSQL: only
 * ledger.size, ledger.frontier and signing_key.revoked_at, never a ledger's origin or
 * verifier key, a key's role or scope, never DELETE a key; a recorded revocation stays and
 * a ledger's size does not go down. Each attempt is made as the server's role (the URL
 * of AIDREG_DATABASE_URL) and must fail, with the rows unchanged; the registry itself
 * still appends and revokes. */
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/registry.h"
#include "registry_env.h"
#include "test.h"

static aidreg_registry *reg;
static PGconn *app;
static char code[8], origin[64];
static aidreg_keypair root, county;

static int submit(const aidreg_keypair *k, const char *type, const char *subject, const char *body) {
  json_t *env = test_envelope(k, origin, type, subject, body);
  const json_t *one[1] = {env};
  aidreg_result res;
  aidreg_registry_submit(reg, code, one, 1, "", &res);
  json_decref(env);
  int st = res.status;
  if (st != 201) fprintf(stderr, "submit %s: %d %s\n", type, st, res.problem.detail);
  aidreg_result_free(&res);
  return st;
}

/* sql (parameter $1 = the ledger's code) as the server's role: must be refused. */
static void refused(const char *sql) {
  const char *params[1] = {code};
  PGresult *r = PQexecParams(app, sql, 1, NULL, params, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  CHECK_MSG(st == PGRES_FATAL_ERROR && state && strcmp(state, "42501") == 0, "allowed to the server's role: %s (%s %s)",
            sql, PQresStatus(st), state ? state : "");
  PQclear(r);
}

static char *value(const char *sql) {
  const char *params[1] = {code};
  PGresult *r = PQexecParams(app, sql, 1, NULL, params, NULL, NULL, 0);
  char *v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
  PQclear(r);
  return v;
}

int main(void) {
  test_require_database();
  if (sodium_init() < 0) return 1;
  aidreg_keypair log_key;
  reg = test_registry_open(&log_key); /* applies the migrations */
  if (!reg) return test_done();
  app = PQconnectdb(getenv("AIDREG_DATABASE_URL"));
  CHECK_MSG(PQstatus(app) == CONNECTION_OK, "app: %s", PQerrorMessage(app));

  aidreg_key_generate(&root);
  aidreg_key_generate(&county);
  char rid[45], cid[45], body[512];
  aidreg_key_id(root.pk, rid);
  aidreg_key_id(county.pk, cid);
  for (int attempt = 0; attempt < 20; attempt++) {
    snprintf(code, sizeof code, "4%05u", randombytes_uniform(100000));
    snprintf(origin, sizeof origin, "test.aidreg/%s", code);
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"权限测试县\",\"root_key\":\"%s\",\"settings\":{}}", code, rid);
    json_t *create = test_envelope(&root, origin, "ledger.create", code, body);
    aidreg_result res;
    char *vk = NULL;
    aidreg_registry_create_ledger(reg, create, &res, &vk);
    json_decref(create);
    free(vk);
    int st = res.status;
    aidreg_result_free(&res);
    if (st != 409) break;
  }
  snprintf(body, sizeof body,
           "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"%s\",\"holder\":{\"name\":\"县\",\"org\":\"县\"}}", cid, code);
  CHECK(submit(&root, "key.enroll", cid, body) == 201);
  CHECK(submit(&county, "key.revoke", cid, "{\"reason\":\"自行注销\"}") == 201 ||
        submit(&root, "key.revoke", cid, "{\"reason\":\"注销\"}") == 201);

  char *before_ledger = value("SELECT row_to_json(l)::text FROM ledger l WHERE code = $1");
  char *before_keys = value("SELECT json_agg(k ORDER BY keyid)::text FROM signing_key k WHERE ledger = $1");
  CHECK(before_ledger && before_keys);

  refused("UPDATE ledger SET vkey = 'forged' WHERE code = $1");
  refused("UPDATE ledger SET origin = 'elsewhere/' || code WHERE code = $1");
  refused("UPDATE ledger SET name = 'x' WHERE code = $1");
  refused("UPDATE ledger SET size = 0 WHERE code = $1");
  refused("DELETE FROM signing_key WHERE ledger = $1");
  refused("UPDATE signing_key SET role = 'county', scope = ledger WHERE ledger = $1");
  refused("UPDATE signing_key SET revoked_at = NULL WHERE ledger = $1 AND revoked_at IS NOT NULL");

  char *after_ledger = value("SELECT row_to_json(l)::text FROM ledger l WHERE code = $1");
  char *after_keys = value("SELECT json_agg(k ORDER BY keyid)::text FROM signing_key k WHERE ledger = $1");
  CHECK_STR(after_ledger, before_ledger);
  CHECK_STR(after_keys, before_keys);

  /* The registry still does what it must with those rights. */
  CHECK(submit(&root, "ledger.settings", code, "{\"publicity_days\":9}") == 201);

  free(before_ledger);
  free(before_keys);
  free(after_ledger);
  free(after_keys);
  PQfinish(app);
  aidreg_registry_close(reg);
  aidreg_key_wipe(&log_key);
  return test_done();
}
