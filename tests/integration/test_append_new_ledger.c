/* A ledger the planner's statistics do not know yet: one created, or grown, since the last
 * ANALYZE of a database that holds other ledgers. PostgreSQL's statistics then count its
 * rows as the few it had, and with a ledger's value in front of it the planner reads a
 * probe of "this ledger's leaf with this payload" as a scan of the ledger's rows by the
 * primary key (ledger, idx), filtered: every group commit read the whole ledger again (in
 * the benchmark's mixed load, eight fresh counties, a third of PostgreSQL's time; on a
 * county's first import, quadratic). The registry has ANALYZE run again as a ledger doubles (sql/014, store/planner_stats.c). This test
 * makes the statistics stale on purpose (ANALYZE at the ledger's first entries), appends
 * one entry a group commit and counts the rows PostgreSQL read through leaf's indexes
 * meanwhile: about ENTRIES²/2 when every commit scans the ledger. */
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

#define ENTRIES 400

static PGconn *admin;
static char code[8], origin[64];
static aidreg_note_verifier verifier;
static aidreg_keypair log_key, root;

/* Rows read so far through leaf's primary key and the index of the subjects' heads, as
 * the statistics collector has them; -1 on error. */
static long long index_reads(void) {
  PGresult *r = PQexec(admin, "SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes "
                              "WHERE indexrelname IN ('leaf_pkey', 'leaf_subject')");
  long long n = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return n;
}

/* The count once the closed registry's backends have reported theirs (a backend reports
 * its statistics when it exits): read again until it stays the same for half a second. */
static long long settled_reads(void) {
  long long last = -2, n;
  for (int tries = 0; tries < 40; tries++) {
    nanosleep(&(struct timespec){0, 250000000}, NULL);
    PQclear(PQexec(admin, "SELECT pg_stat_clear_snapshot()"));
    n = index_reads();
    if (n == last) return n;
    last = n;
  }
  return last;
}

/* ENTRIES key.enroll entries, one a group commit (each submit waits for its receipt). */
static void enrol_one_by_one(aidreg_registry *reg) {
  for (int i = 0; i < ENTRIES; i++) {
    aidreg_keypair k;
    char kid[45], n[16];
    snprintf(n, sizeof n, "%d", i);
    json_t *env = test_county_key_enroll(&root, origin, code, n, &k, kid);
    aidreg_result res = {0};
    aidreg_registry_submit(reg, code, (const json_t *const *)&env, 1, "", &res);
    CHECK_MSG(res.status == 201, "entry %d: %d (%s)", i, res.status, res.problem.detail);
    if (i == ENTRIES - 1) CHECK(test_receipt_ok(&res.receipt, &verifier));
    aidreg_result_free(&res);
    json_decref(env);
    aidreg_key_wipe(&k);
  }
}

int main(void) {
  aidreg_registry *reg = test_county_open('5', "统计滞后测试县", &log_key, &root, code, origin, &verifier, &admin);
  if (!reg) return test_done();

  /* The statistics as of now: this ledger with its first entries, the others' as they are. */
  PGresult *a = PQexec(admin, "ANALYZE leaf");
  CHECK_MSG(PQresultStatus(a) == PGRES_COMMAND_OK, "ANALYZE: %s", PQerrorMessage(admin));
  PQclear(a);
  long long before = index_reads();
  CHECK(before >= 0);

  enrol_one_by_one(reg);
  aidreg_registry_close(reg); /* its backends exit and report what they read */
  long long read = settled_reads() - before;
  printf("%lld rows read through leaf's indexes for %d entries appended one a commit\n", read, ENTRIES);
  /* A probe reads a row or two; a scan of the ledger at each commit until the first
   * refresh (at 64 entries) reads 64²/2; a scan at every commit ENTRIES²/2 (80,000). */
  CHECK_MSG(read >= 0 && read < 20 * ENTRIES, "%lld rows read through leaf's indexes for %d entries, want < %d",
            read, ENTRIES, 20 * ENTRIES);

  PQfinish(admin);
  aidreg_key_wipe(&log_key);
  aidreg_key_wipe(&root);
  return test_done();
}
