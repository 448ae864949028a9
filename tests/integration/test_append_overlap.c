/* The overlapped appender (issue 12, part 2): batch n+1 is judged while batch n commits,
 * on top of n. A COMMIT of n that fails must fail n+1's entries too (503, retry), never
 * acknowledge them, and nothing of either may be stored; sent again, they all go in. And
 * when another process appends between the judging of a batch and its lock, the batch is
 * judged again under the lock instead of colliding.
 *
 * The COMMIT is made slow (and, the first time, to fail) by a deferred constraint trigger
 * on `checkpoint` that the superuser puts on this test's ledger only: it runs at COMMIT,
 * sleeps, and raises. A sequence (not rolled back) makes it act once. */
#include <libpq-fe.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/merkle.h"
#include "aidreg/note.h"
#include "aidreg/registry.h"
#include "registry_env.h"
#include "test.h"

static PGconn *admin;
static char code[8], origin[64];
static aidreg_note_verifier verifier;
static aidreg_keypair log_key, root;

static json_t *envelope(const aidreg_keypair *k, const char *type, const char *subject, const char *body) {
  return test_envelope(k, origin, type, subject, body);
}

/* key.enroll of k (a county key) by the root key. */
static json_t *enroll(const aidreg_keypair *k) {
  char kid[45], body[512];
  aidreg_key_id(k->pk, kid);
  snprintf(body, sizeof body,
           "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"%s\",\"holder\":{\"name\":\"县科员\",\"org\":\"县乡村振兴局\"}}",
           kid, code);
  return envelope(&root, "key.enroll", kid, body);
}

static long long scalar(const char *sql, const char *arg) { return test_scalar(admin, sql, arg); }

static long long stored_size(void) { return scalar("SELECT count(*) FROM leaf WHERE ledger = $1", code); }

static bool run_sql(const char *sql) { return test_run_sql(admin, sql); }

/* The next COMMIT of this ledger that writes a checkpoint sleeps `ms` and then, when
 * fail, raises; the ones after it are left alone. The trigger's SQL is fixed: which ledger,
 * how long and whether to fail are a row of overlap_fault, written with parameters. The
 * calls are counted in a sequence, which a failed COMMIT does not roll back. */
static bool arm(int ms, bool fail) {
  static const char ddl[] =
      "DROP TRIGGER IF EXISTS overlap_fault ON checkpoint; DROP SEQUENCE IF EXISTS overlap_fault_calls; "
      "CREATE SEQUENCE overlap_fault_calls; "
      "CREATE TABLE IF NOT EXISTS overlap_fault (ledger text PRIMARY KEY, sleep_ms int NOT NULL, fail bool NOT NULL); "
      "TRUNCATE overlap_fault; "
      "CREATE OR REPLACE FUNCTION overlap_fault() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $f$ "
      "DECLARE f overlap_fault; BEGIN SELECT * INTO f FROM overlap_fault WHERE ledger = NEW.ledger; "
      "IF FOUND AND nextval('overlap_fault_calls') = 1 THEN PERFORM pg_sleep(f.sleep_ms / 1000.0); "
      "IF f.fail THEN RAISE EXCEPTION 'injected failure of the commit'; END IF; END IF; RETURN NULL; END $f$; "
      "CREATE CONSTRAINT TRIGGER overlap_fault AFTER INSERT ON checkpoint DEFERRABLE INITIALLY DEFERRED "
      "FOR EACH ROW EXECUTE FUNCTION overlap_fault()";
  if (!run_sql(ddl)) return false;
  char sleep_ms[16];
  snprintf(sleep_ms, sizeof sleep_ms, "%d", ms);
  const char *params[3] = {code, sleep_ms, fail ? "true" : "false"};
  PGresult *r = PQexecParams(admin, "INSERT INTO overlap_fault VALUES ($1, $2, $3)", 3, NULL, params, NULL, NULL, 0);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) fprintf(stderr, "arm: %s", PQerrorMessage(admin));
  PQclear(r);
  return ok;
}

static void disarm(void) {
  run_sql("DROP TRIGGER IF EXISTS overlap_fault ON checkpoint; DROP FUNCTION IF EXISTS overlap_fault(); "
          "DROP TABLE IF EXISTS overlap_fault; DROP SEQUENCE IF EXISTS overlap_fault_calls");
}

/* How often the armed trigger ran (its sequence), -1 when it never did. */
static long long fault_calls(void) {
  return scalar("SELECT CASE WHEN is_called THEN last_value ELSE -1 END FROM overlap_fault_calls", NULL);
}

typedef struct {
  aidreg_registry *r;
  json_t *env;
  aidreg_result res;
} job;

static void *submit_job(void *arg) {
  job *j = arg;
  const json_t *one[1] = {j->env};
  aidreg_registry_submit(j->r, code, one, 1, "", &j->res);
  return NULL;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

#define WANT(res, st, what)                                                                                \
  CHECK_MSG((res).status == (st), "%s: %d %s (%s), want %d", what, (res).status,                         \
            aidreg_problem_slug((res).problem.code), (res).problem.detail, st)

/* Batch n (x) fails at COMMIT while batch n+1 (y, the revocation of the key x enrols; z,
 * on its own) is judged on top of it: all three 503, none stored; then all three go in.
 * Judged after x's failure instead, y would be refused (no such key) and z stored. */
static void failed_commit(aidreg_registry *reg) {
  aidreg_keypair k1, k2;
  aidreg_key_generate(&k1);
  aidreg_key_generate(&k2);
  char kid1[45];
  aidreg_key_id(k1.pk, kid1);
  json_t *x = enroll(&k1), *y = envelope(&root, "key.revoke", kid1, "{\"reason\":\"换岗\"}"), *z = enroll(&k2);
  long long before = stored_size();
  CHECK(arm(1200, true));
  job jx = {.r = reg, .env = x};
  pthread_t th;
  pthread_create(&th, NULL, submit_job, &jx);
  sleep_ms(400); /* x's COMMIT is sleeping in the trigger now */
  const json_t *yz[2] = {y, z};
  aidreg_result res[2];
  memset(res, 0, sizeof res);
  aidreg_registry_submit(reg, code, yz, 2, "/envelopes", res);
  pthread_join(th, NULL);
  CHECK_MSG(fault_calls() >= 1, "the injected failure never ran (fault_calls %lld)", fault_calls());
  WANT(jx.res, 503, "x, whose COMMIT failed");
  WANT(res[0], 503, "y, judged on top of x (revokes the key x enrols)");
  WANT(res[1], 503, "z, judged on top of x");
  for (int i = 0; i < 2; i++) CHECK(res[i].problem.code == AIDREG_E_UNAVAILABLE && !res[i].receipt.checkpoint);
  CHECK_MSG(stored_size() == before, "stored %lld entries, want %lld (nothing of x, y, z)", stored_size(), before);
  aidreg_result_free(&jx.res);
  for (int i = 0; i < 2; i++) aidreg_result_free(&res[i]);

  /* Sent again (the same envelopes): stored, each with a receipt that verifies. */
  memset(&jx.res, 0, sizeof jx.res);
  submit_job(&jx);
  WANT(jx.res, 201, "x again");
  CHECK(jx.res.status != 201 || test_receipt_ok(&jx.res.receipt, &verifier));
  memset(res, 0, sizeof res);
  aidreg_registry_submit(reg, code, yz, 2, "/envelopes", res);
  WANT(res[0], 201, "y again");
  WANT(res[1], 201, "z again");
  for (int i = 0; i < 2; i++) CHECK(res[i].status != 201 || test_receipt_ok(&res[i].receipt, &verifier));
  CHECK_MSG(stored_size() == before + 3, "stored %lld entries, want %lld", stored_size(), before + 3);
  aidreg_result_free(&jx.res);
  for (int i = 0; i < 2; i++) aidreg_result_free(&res[i]);
  disarm();
  json_decref(x);
  json_decref(y);
  json_decref(z);
}

/* Another registry (another process) appends w while x's COMMIT is slow: w is judged at
 * the size it read, finds the ledger grown at its lock, and is judged again; v, queued
 * behind w and judged on top of it, is judged again too. All 201, at consecutive indexes,
 * each receipt verifying. */
static void other_writer(aidreg_registry *reg, aidreg_registry *other) {
  aidreg_keypair k1, k2, k3;
  aidreg_key_generate(&k1);
  aidreg_key_generate(&k2);
  aidreg_key_generate(&k3);
  json_t *x = enroll(&k1), *w = enroll(&k2), *v = enroll(&k3);
  long long before = stored_size();
  CHECK(arm(1200, false));
  job jx = {.r = reg, .env = x}, jw = {.r = other, .env = w}, jv = {.r = other, .env = v};
  pthread_t tx, tw;
  pthread_create(&tx, NULL, submit_job, &jx);
  sleep_ms(300);
  pthread_create(&tw, NULL, submit_job, &jw);
  sleep_ms(300); /* w waits for the lock x holds; v is judged on top of w meanwhile */
  submit_job(&jv);
  pthread_join(tx, NULL);
  pthread_join(tw, NULL);
  CHECK_MSG(fault_calls() >= 1, "the slow commit never ran");
  job *all[3] = {&jx, &jw, &jv};
  const char *what[3] = {"x, the slow commit", "w, from the other registry, judged again after x",
                         "v, judged on top of w, judged again"};
  for (int i = 0; i < 3; i++) {
    WANT(all[i]->res, 201, what[i]);
    CHECK(all[i]->res.status != 201 || test_receipt_ok(&all[i]->res.receipt, &verifier));
    CHECK_MSG(all[i]->res.receipt.index == (uint64_t)(before + i), "%s: index %llu, want %lld", what[i],
              (unsigned long long)all[i]->res.receipt.index, before + i);
    aidreg_result_free(&all[i]->res);
  }
  CHECK(stored_size() == before + 3);
  disarm();
  json_decref(x);
  json_decref(w);
  json_decref(v);
}

int main(void) {
  aidreg_registry *reg = test_county_open('6', "并行提交测试县", &log_key, &root, code, origin, &verifier, &admin);
  if (!reg) return test_done();

  failed_commit(reg);
  aidreg_keypair other_key = log_key;
  aidreg_registry_config cfg = {.database_url = getenv("AIDREG_DATABASE_URL"),
                                .owner_database_url = getenv("AIDREG_OWNER_DATABASE_URL"), .log_host = "test.aidreg",
                                .log_key = &other_key};
  char err[256];
  aidreg_registry *other = aidreg_registry_open(&cfg, err, sizeof err);
  CHECK_MSG(other != NULL, "second registry: %s", err);
  if (other) {
    other_writer(reg, other);
    aidreg_registry_close(other);
  }
  disarm();
  aidreg_registry_close(reg);
  PQfinish(admin);
  aidreg_key_wipe(&log_key);
  return test_done();
}
