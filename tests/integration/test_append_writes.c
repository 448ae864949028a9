/* How the append transaction writes (issue 12 part 3, sql/013): its statements are
 * ordered so that those with generic plans run together (ar_db_calls_planned), which may
 * not change what a batch means: a key enrolled and revoked in the same batch ends
 * revoked. And the state's rows are updated in place when only their documents change
 * (HOT: no index names `doc`); whether an asset or village has notices, which the notices
 * read's index needs, is a column PostgreSQL computes from the document. Documents are
 * compressed with lz4 (sql/019). */
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/keys.h"
#include "aidreg/registry.h"
#include "registry_env.h"
#include "test.h"

static PGconn *admin;
static char code[8], origin[64];
static aidreg_note_verifier verifier;
static aidreg_keypair log_key, root;

/* The first row's first column of sql with parameters, malloc'd (NULL on failure). */
static char *value(const char *sql, int n, const char *const *params) {
  PGresult *r = PQexecParams(admin, sql, n, NULL, params, NULL, NULL, 0);
  char *v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
  if (PQresultStatus(r) != PGRES_TUPLES_OK) fprintf(stderr, "%s: %s", sql, PQerrorMessage(admin));
  PQclear(r);
  return v;
}

static bool run(const char *sql, int n, const char *const *params) {
  PGresult *r = PQexecParams(admin, sql, n, NULL, params, NULL, NULL, 0);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) fprintf(stderr, "%s: %s", sql, PQerrorMessage(admin));
  PQclear(r);
  return ok;
}

/* One batch: the root enrols a county key and revokes it. The enrolment's INSERT is a
 * generic-plan statement, the revocation's UPDATE is planned for its arrays: reordered the
 * other way round, the UPDATE would find no key and the key would stay in force. */
static void enrol_and_revoke(aidreg_registry *reg) {
  aidreg_keypair k;
  char kid[45];
  json_t *enrol = test_county_key_enroll(&root, origin, code, "", &k, kid);
  json_t *batch[2] = {enrol,
                      test_envelope(&root, origin, "key.revoke", kid, "{\"reason\":\"调离\"}")};
  CHECK(batch[0] && batch[1]);
  aidreg_result res[2] = {0};
  aidreg_registry_submit(reg, code, (const json_t *const *)batch, 2, "", res);
  CHECK_MSG(res[0].status == 201 && res[1].status == 201, "enrol %d, revoke %d (%s)", res[0].status,
            res[1].status, res[1].problem.detail);
  CHECK(res[0].receipt.tree_size == res[1].receipt.tree_size); /* one group commit */
  CHECK(test_receipt_ok(&res[1].receipt, &verifier));
  const char *p[2] = {code, kid};
  char *revoked = value("SELECT revoked_at IS NOT NULL FROM signing_key WHERE ledger = $1 AND keyid = $2", 2, p);
  CHECK_STR(revoked, "t");
  free(revoked);
  for (int i = 0; i < 2; i++) {
    aidreg_result_free(&res[i]);
    json_decref(batch[i]);
  }
  aidreg_key_wipe(&k);
}

/* has_notices of a hand-made row: t or f. */
static char *notices_of(const char *kind, const char *doc) {
  const char *p[3] = {code, kind, doc};
  if (!run("INSERT INTO entity (ledger, kind, id, doc, updated_at) VALUES ($1, $2, 'hot-test', $3::jsonb, 0) "
           "ON CONFLICT (ledger, kind, id) DO UPDATE SET doc = EXCLUDED.doc",
           3, p))
    return NULL;
  return value("SELECT has_notices::text FROM entity WHERE ledger = $1 AND kind = $2 AND id = 'hot-test'", 2, p);
}

static void has_notices(void) {
  static const struct {
    const char *kind, *doc, *want;
  } cases[] = {
      {"asset", "{\"notices\":[{\"kind\":\"assets\",\"index\":3}]}", "true"},
      {"asset", "{\"notices\":[]}", "false"},
      {"asset", "{}", "false"},
      {"asset", "{\"notices\":{\"kind\":\"assets\"}}", "false"}, /* not an array: the read unnests none */
      {"village", "{\"notices\":[{\"kind\":\"plan\",\"index\":9}]}", "true"},
      {"plan", "{\"notices\":[{\"kind\":\"plan\",\"index\":9}]}", "false"}, /* a plan's notice is its own member */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = notices_of(cases[i].kind, cases[i].doc);
    CHECK_MSG(got && strcmp(got, cases[i].want) == 0, "%s %s: has_notices %s, want %s", cases[i].kind,
              cases[i].doc, got ? got : "(error)", cases[i].want);
    free(got);
  }
  /* A read of the rows with notices can use the partial index. */
  const char *p[1] = {code};
  CHECK(run("SET enable_seqscan = off", 0, NULL));
  PGresult *r = PQexecParams(admin, "EXPLAIN SELECT id FROM entity e WHERE e.ledger = $1 AND e.has_notices", 1, NULL,
                             p, NULL, NULL, 0);
  bool uses = false;
  for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
    uses |= strstr(PQgetvalue(r, i, 0), "entity_with_notices") != NULL;
  CHECK_MSG(uses, "the notices read does not use entity_with_notices");
  PQclear(r);
  CHECK(run("RESET enable_seqscan", 0, NULL));
}

/* This session's updates of entity and how many were HOT, not yet flushed to the shared
 * statistics (pg_stat_xact_user_tables: at once, but it may hold earlier transactions' too). */
static long long session_updates(bool hot) {
  char *v = value(hot ? "SELECT n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'entity'"
                      : "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'entity'",
                  0, NULL);
  long long n = v ? atoll(v) : -1;
  free(v);
  return n;
}

/* Updates of a row's document alone (and of updated_at) are HOT: no index names them. */
static void hot_updates(void) {
  const char *p[1] = {code};
  CHECK(run("BEGIN", 0, NULL));
  long long upd0 = session_updates(false), hot0 = session_updates(true);
  CHECK(run("UPDATE entity SET doc = doc || '{\"maintenance_cost_fen\":100}', updated_at = updated_at + 1 "
            "WHERE ledger = $1 AND kind = 'asset' AND id = 'hot-test'",
            1, p));
  CHECK(run("UPDATE entity SET doc = doc || '{\"maintenance_cost_fen\":200}', updated_at = updated_at + 1 "
            "WHERE ledger = $1 AND kind = 'asset' AND id = 'hot-test'",
            1, p));
  long long upd = session_updates(false) - upd0, hot = session_updates(true) - hot0;
  CHECK_MSG(upd == 2 && hot == 2, "%lld updates, %lld of them HOT; want 2 and 2", upd, hot);
  CHECK(run("ROLLBACK", 0, NULL));
  CHECK(run("DELETE FROM entity WHERE ledger = $1 AND id = 'hot-test'", 1, p));
}

/* A document over the 2 KB at which PostgreSQL compresses a value is compressed with lz4
 * (sql/019), not pglz: cheaper to compress in each update of a large asset or plan. */
static void doc_compression(void) {
  const char *p[1] = {code};
  CHECK(run("BEGIN", 0, NULL));
  CHECK(run("INSERT INTO entity (ledger, kind, id, doc, updated_at) SELECT $1, 'plan', 'lz4-test', "
            "jsonb_build_object('note', string_agg(repeat(i::text, 8), ',')), 0 FROM generate_series(1, 400) i",
            1, p));
  char *how = value("SELECT coalesce(pg_column_compression(doc), 'none') FROM entity WHERE ledger = $1 AND id = 'lz4-test'", 1, p);
  CHECK_MSG(how && strcmp(how, "lz4") == 0, "the document is compressed with %s, want lz4", how ? how : "(error)");
  free(how);
  CHECK(run("ROLLBACK", 0, NULL));
}

int main(void) {
  aidreg_registry *reg = test_county_open('7', "写入顺序测试县", &log_key, &root, code, origin, &verifier, &admin);
  if (!reg) return test_done();

  enrol_and_revoke(reg);
  has_notices();
  hot_updates();
  doc_compression();

  aidreg_registry_close(reg);
  PQfinish(admin);
  aidreg_key_wipe(&log_key);
  aidreg_key_wipe(&root);
  return test_done();
}
