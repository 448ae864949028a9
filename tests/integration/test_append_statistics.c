/* The planner's statistics refreshed as ledgers grow (store/planner_stats.c, sql/014):
 * three ledgers growing side by side to LEDGER_SIZE. Each appender asked for an ANALYZE at
 * 64, 128 and 256 of its own ledger (nine for the three); one ANALYZE samples the whole
 * tables and so counts every ledger, and the next doubling is now counted from the last
 * refresh any appender asked for: five. Integration tests run one at a time on their
 * database, so the manual ANALYZEs counted are this test's.
 *
 * And the prune of entity_change (store/domain_db.c), which every commit runs: its plan
 * made once per session from statistics that saw the table at a page was a sequential
 * scan, kept while the table grew (the benchmark: 84 pages read a commit). The test makes
 * those statistics (a page of three rows, analyzed), lets a commit plan the statement,
 * grows the table to FILLER rows, and counts the rows scanned by the commits after. */
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/keys.h"
#include "aidreg/registry.h"
#include "registry_env.h"
#include "test.h"

#define LEDGERS 3
#define LEDGER_SIZE 270
#define APP_NAME "aidreg_test_statistics"
#define FILLER 20000 /* the filler rows: generate_series(4, 20000) below */
#define PRUNES 20

static PGconn *admin;

static long long scalar(const char *sql, const char *arg) { return test_scalar(admin, sql, arg); }

/* A session's counts reach the collector when it ends: waits (at most 10 s) until none of
 * the registry's sessions is left. */
static bool sessions_gone(void) {
  for (int i = 0; i < 100; i++) {
    if (scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", APP_NAME) == 0) return true;
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return false;
}

/* AIDREG_DATABASE_URL with a name to find the registry's sessions by. */
static char *url_named(const char *url) {
  static const char opt[] = "application_name=" APP_NAME;
  size_t n = strlen(url) + sizeof opt + 2;
  char *u = malloc(n);
  if (u) snprintf(u, n, "%s%c%s", url, strchr(url, '?') ? '&' : '?', opt);
  return u;
}

/* The manual ANALYZEs of leaf (autovacuum's are counted apart). */
static long long analyzes(void) {
  return scalar("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'leaf'", NULL);
}

static void refreshes_shared(const aidreg_registry_config *cfg, const aidreg_keypair *log_key) {
  char err[512], code[LEDGERS][8], origin[LEDGERS][64];
  aidreg_keypair root[LEDGERS];
  aidreg_note_verifier verifier[LEDGERS];
  aidreg_registry *reg = aidreg_registry_open(cfg, err, sizeof err);
  CHECK_MSG(reg != NULL, "open: %s", err);
  if (!reg) return;
  int ready = 0;
  for (int l = 0; l < LEDGERS; l++)
    if (test_ledger_new(reg, log_key, '6', "统计刷新测试县", &root[l], code[l], origin[l], &verifier[l]) == 0) ready++;
  long long a0 = analyzes();
  int stored = 0;
  for (int i = 1; ready == LEDGERS && i < LEDGER_SIZE; i++) /* one commit each, in turn */
    for (int l = 0; l < LEDGERS; l++) {
      aidreg_keypair k;
      char kid[45];
      json_t *env = test_county_key_enroll(&root[l], origin[l], code[l], "", &k, kid);
      const json_t *one[1] = {env};
      aidreg_result res = {0};
      if (env) aidreg_registry_submit(reg, code[l], one, 1, "", &res);
      if (res.status == 201) stored++;
      aidreg_result_free(&res);
      json_decref(env);
      aidreg_key_wipe(&k);
    }
  aidreg_registry_close(reg); /* a refresh still running finishes first (sessions_gone) */
  for (int l = 0; l < ready; l++) aidreg_key_wipe(&root[l]);
  CHECK_MSG(ready == LEDGERS && stored == LEDGERS * (LEDGER_SIZE - 1), "%d ledgers, %d entries stored", ready, stored);
  CHECK_MSG(sessions_gone(), "the registry's sessions did not end within 10 s");
  long long n = analyzes() - a0;
  printf("%d ledgers grown side by side to %d entries: %lld refreshes of the statistics\n", LEDGERS, LEDGER_SIZE, n);
  CHECK_MSG(n >= 2, "%lld refreshes: the ledgers' growth asked for none", n);
  CHECK_MSG(n <= 6, "%lld refreshes for %d ledgers side by side (9 when each counts alone)", n, LEDGERS);
}

static bool run_sql(const char *sql) { return test_run_sql(admin, sql); }

/* One key.enroll in code (one group commit); 1 when stored. */
static int enrol(aidreg_registry *reg, const aidreg_keypair *root, const char *origin, const char *code) {
  aidreg_keypair k;
  char kid[45];
  json_t *env = test_county_key_enroll(root, origin, code, "", &k, kid);
  const json_t *one[1] = {env};
  aidreg_result res = {0};
  if (env) aidreg_registry_submit(reg, code, one, 1, "", &res);
  int ok = res.status == 201;
  aidreg_result_free(&res);
  json_decref(env);
  aidreg_key_wipe(&k);
  return ok;
}

static void prune_planned(const aidreg_registry_config *cfg, const aidreg_keypair *log_key) {
  /* Rows of a ledger that does not exist (entity_change names no foreign key): they only
   * make the table large, and go at the end. */
  CHECK(run_sql("TRUNCATE entity_change; INSERT INTO entity_change SELECT 'zz0000', i, i + 1, '{}', '{}' "
                "FROM generate_series(1, 3) i; ANALYZE entity_change"));
  char err[512], code[8], origin[64];
  aidreg_keypair root;
  aidreg_note_verifier verifier;
  aidreg_registry *reg = aidreg_registry_open(cfg, err, sizeof err);
  CHECK_MSG(reg != NULL, "open: %s", err);
  if (!reg) return;
  int stored = 0;
  if (test_ledger_new(reg, log_key, '6', "清理计划测试县", &root, code, origin, &verifier) == 0) {
    stored += enrol(reg, &root, origin, code); /* the statement is planned, at a page */
    CHECK(run_sql("INSERT INTO entity_change SELECT 'zz0000', i, i + 1, '{}', '{}' "
                  "FROM generate_series(4, 20000) i"));
    long long t0 = scalar("SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'entity_change'", NULL);
    for (int i = 0; i < PRUNES; i++) stored += enrol(reg, &root, origin, code);
    aidreg_registry_close(reg);
    reg = NULL;
    CHECK_MSG(sessions_gone(), "the registry's sessions did not end within 10 s");
    long long read = scalar("SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'entity_change'", NULL) - t0;
    printf("entity_change: %lld rows read by sequential scans in %d commits at %d rows\n", read, PRUNES, FILLER);
    CHECK_MSG(read < FILLER, "%lld rows of entity_change scanned in %d commits (a scan of the table at each)", read,
              PRUNES);
    aidreg_key_wipe(&root);
  }
  aidreg_registry_close(reg);
  CHECK_MSG(stored == PRUNES + 1, "%d of %d entries stored", stored, PRUNES + 1);
  CHECK(run_sql("DELETE FROM entity_change WHERE ledger = 'zz0000'"));
}

/* The rows written beside the leaves check no foreign key to ledger (sql/020): a batch of
 * key.enroll entries reads the ledger table for its lock, its size and each leaf's key, not
 * again for each entry's tree node and key row (three reads an entry before). */
#define CHECKED_ENTRIES 32
static long long ledger_reads(void) {
  return scalar("SELECT seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'ledger'", NULL);
}

static void derived_rows_unchecked(const aidreg_registry_config *cfg, const aidreg_keypair *log_key) {
  char err[512], code[8], origin[64];
  aidreg_keypair root, keys[CHECKED_ENTRIES];
  aidreg_note_verifier verifier;
  json_t *env[CHECKED_ENTRIES] = {0};
  aidreg_result res[CHECKED_ENTRIES] = {0};
  aidreg_registry *reg = aidreg_registry_open(cfg, err, sizeof err);
  CHECK_MSG(reg != NULL, "open: %s", err);
  if (!reg) return;
  if (test_ledger_new(reg, log_key, '6', "外键检查测试县", &root, code, origin, &verifier) != 0) {
    aidreg_registry_close(reg);
    CHECK_MSG(false, "no ledger");
    return;
  }
  int built = 0;
  for (int i = 0; i < CHECKED_ENTRIES; i++) {
    char kid[45];
    if ((env[i] = test_county_key_enroll(&root, origin, code, "", &keys[i], kid))) built++;
    else aidreg_key_generate(&keys[i]); /* wiped below like the others */
  }
  CHECK(built == CHECKED_ENTRIES);
  aidreg_registry_close(reg); /* its sessions' counts reach the statistics when they end */
  CHECK_MSG(sessions_gone(), "the registry's sessions did not end within 10 s");
  long long r0 = ledger_reads(), stored = 0;
  reg = aidreg_registry_open(cfg, err, sizeof err);
  CHECK_MSG(reg != NULL, "open again: %s", err);
  if (reg && built == CHECKED_ENTRIES) aidreg_registry_submit(reg, code, (const json_t *const *)env, CHECKED_ENTRIES, "", res);
  for (int i = 0; i < CHECKED_ENTRIES; i++) {
    if (res[i].status == 201) stored++;
    aidreg_result_free(&res[i]);
    json_decref(env[i]);
    aidreg_key_wipe(&keys[i]);
  }
  aidreg_registry_close(reg);
  aidreg_key_wipe(&root);
  CHECK_MSG(stored == CHECKED_ENTRIES, "%lld of %d entries stored", stored, CHECKED_ENTRIES);
  CHECK_MSG(sessions_gone(), "the registry's sessions did not end within 10 s");
  long long reads = ledger_reads() - r0;
  printf("ledger: %lld reads for %d key.enroll entries\n", reads, CHECKED_ENTRIES);
  CHECK_MSG(reads >= CHECKED_ENTRIES, "%lld reads of ledger: the leaves' foreign key is gone", reads);
  CHECK_MSG(reads < 2 * CHECKED_ENTRIES, "%lld reads of ledger for %d entries: the tree nodes and keys check theirs",
            reads, CHECKED_ENTRIES);
}

int main(void) {
  test_require_database();
  CHECK(sodium_init() >= 0);
  admin = test_superuser();
  char *url = url_named(getenv("AIDREG_DATABASE_URL"));
  CHECK(url != NULL);
  if (url && PQstatus(admin) == CONNECTION_OK) {
    aidreg_keypair log_key;
    aidreg_key_generate(&log_key);
    aidreg_registry_config cfg = {.database_url = url, .owner_database_url = getenv("AIDREG_OWNER_DATABASE_URL"),
                                  .log_host = "test.aidreg", .log_key = &log_key, .pool_size = 2};
    refreshes_shared(&cfg, &log_key);
    prune_planned(&cfg, &log_key);
    derived_rows_unchecked(&cfg, &log_key);
    aidreg_key_wipe(&log_key);
  }
  free(url);
  PQfinish(admin);
  return test_done();
}
