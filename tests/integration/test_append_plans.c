/* The appender's statements find their rows by key whatever the planner thinks of a table's
 * size (issue 12 part 3). Its lock, its size update, the commit's entity_change row and the
 * foreign-key checks of every insert (leaf, tree_node, checkpoint) were planned once per
 * session from the statistics of that moment; with the ledger table shown as one page (a
 * new database) each was a sequential scan, kept as the table grew, so that every commit
 * read every page of the ledger table several times (docs/benchmark.md "Issue 12, part 3").
 *
 * The test opens a registry whose sessions see sequential scans as nearly free
 * (seq_page_cost and cpu_tuple_cost tiny, through the URL's options: any table looks like
 * one page), makes COMMITS group commits one after another, and counts PostgreSQL's scans
 * of `ledger` and `entity_change` meanwhile. Without the appender's session setting every
 * commit scans `ledger` whole at least three times (lock, size, checkpoint's foreign key)
 * and `entity_change` once. Integration tests run one at a time on their database, so the
 * counts are this test's (the registry's start reads the ledger table once, whole).
 *
 * Then the planner's statistics (store/planner_stats.c): three ledgers growing side by
 * side to LEDGER_SIZE. Each appender asked for an ANALYZE at 64, 128, 256 (nine for the
 * three); one ANALYZE counts every ledger, so the next doubling is counted from the last
 * one any appender asked for: five. */
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

#define COMMITS 40
#define LEDGERS 3
#define LEDGER_SIZE 270
#define APP_NAME "aidreg_test_plans"

static PGconn *admin;

static long long scalar(const char *sql, const char *arg) {
  const char *params[1] = {arg};
  PGresult *r = PQexecParams(admin, sql, arg ? 1 : 0, NULL, arg ? params : NULL, NULL, NULL, 0);
  long long n = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
  if (PQresultStatus(r) != PGRES_TUPLES_OK) fprintf(stderr, "%s: %s", sql, PQerrorMessage(admin));
  PQclear(r);
  return n;
}

typedef struct {
  long long seq, idx;
} scans;

/* The table's scans as the statistics collector has them (what every ended session flushed). */
static scans scans_of(const char *table) {
  scans s = {scalar("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = $1", table),
             scalar("SELECT coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = $1", table)};
  return s;
}

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

/* AIDREG_DATABASE_URL with the options that make a sequential scan look cheaper than any
 * index probe, and a name to find the sessions by. */
static char *url_with_options(const char *url) {
  static const char opts[] = "options=-c%20seq_page_cost%3D0.0001%20-c%20cpu_tuple_cost%3D0.00001"
                             "&application_name=" APP_NAME;
  size_t n = strlen(url) + sizeof opts + 2;
  char *u = malloc(n);
  if (u) snprintf(u, n, "%s%c%s", url, strchr(url, '?') ? '&' : '?', opts);
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

int main(void) {
  test_require_database();
  CHECK(sodium_init() >= 0);
  admin = test_superuser();
  char *url = url_with_options(getenv("AIDREG_DATABASE_URL"));
  CHECK(url != NULL);
  if (!url || PQstatus(admin) != CONNECTION_OK) {
    PQfinish(admin);
    free(url);
    return test_done();
  }
  aidreg_keypair log_key, root;
  aidreg_key_generate(&log_key);
  aidreg_registry_config cfg = {.database_url = url, .owner_database_url = getenv("AIDREG_OWNER_DATABASE_URL"),
                                .log_host = "test.aidreg", .log_key = &log_key, .pool_size = 2};
  char err[512], code[8], origin[64];
  aidreg_note_verifier verifier;
  /* The migrations and the ledger's creation first, by a registry of their own: their
   * reads are not the commits'. */
  aidreg_registry *reg = aidreg_registry_open(&cfg, err, sizeof err);
  CHECK_MSG(reg != NULL, "open: %s", err);
  bool ready = reg && test_ledger_new(reg, &log_key, '6', "执行计划测试县", &root, code, origin, &verifier) == 0;
  aidreg_registry_close(reg);
  CHECK_MSG(sessions_gone(), "the first registry's sessions did not end within 10 s");
  scans l0 = scans_of("ledger"), c0 = scans_of("entity_change");

  int created = 0;
  reg = ready ? aidreg_registry_open(&cfg, err, sizeof err) : NULL;
  CHECK_MSG(!ready || reg != NULL, "open again: %s", err);
  if (reg) {
    for (int i = 0; i < COMMITS; i++) { /* one at a time: one group commit each */
      aidreg_keypair k;
      char kid[45];
      json_t *env = test_county_key_enroll(&root, origin, code, "", &k, kid);
      const json_t *one[1] = {env};
      aidreg_result res = {0};
      if (env) aidreg_registry_submit(reg, code, one, 1, "", &res);
      CHECK_MSG(res.status == 201, "enrolment %d: %d %s", i, res.status, res.problem.detail);
      if (res.status == 201 && test_receipt_ok(&res.receipt, &verifier)) created++;
      aidreg_result_free(&res);
      json_decref(env);
      aidreg_key_wipe(&k);
    }
  }
  if (ready) aidreg_key_wipe(&root);
  aidreg_registry_close(reg);
  CHECK_MSG(created == COMMITS, "%d of %d enrolments stored with a receipt that verifies", created, COMMITS);
  CHECK_MSG(sessions_gone(), "the registry's sessions did not end within 10 s");

  scans l1 = scans_of("ledger"), c1 = scans_of("entity_change");
  long long lseq = l1.seq - l0.seq, lidx = l1.idx - l0.idx, cseq = c1.seq - c0.seq, cidx = c1.idx - c0.idx;
  printf("ledger: %lld sequential scans, %lld index scans; entity_change: %lld and %lld (%d commits)\n", lseq, lidx,
         cseq, cidx, COMMITS);
  /* Not vacuous: the counts arrived, and the commits probed both tables by key. */
  CHECK_MSG(lidx >= 3 * COMMITS, "ledger: %lld index scans for %d commits (lock, size, checks)", lidx, COMMITS);
  CHECK_MSG(cidx >= COMMITS, "entity_change: %lld index scans for %d commits (the prune)", cidx, COMMITS);
  /* The registry's start and the ledger's creation may read the ledger table whole. */
  CHECK_MSG(lseq <= 4, "ledger: %lld sequential scans during %d commits", lseq, COMMITS);
  CHECK_MSG(cseq == 0, "entity_change: %lld sequential scans during %d commits", cseq, COMMITS);

  refreshes_shared(&cfg, &log_key);

  free(url);
  PQfinish(admin);
  aidreg_key_wipe(&log_key);
  return test_done();
}
