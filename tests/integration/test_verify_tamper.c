/* Tampering by a database superuser, caught by `aidreg verify --db`.
 *
 * A fresh ledger is written through the registry (AIDREG_DATABASE_URL, the server's
 * role; AIDREG_OWNER_DATABASE_URL for migrations). Then, as the cluster's superuser
 * (AIDREG_ADMIN_DATABASE_URL) with `SET session_replication_role = replica` so that the
 * append-only triggers do not fire, each tamper is applied, verified (through the
 * library and through the `aidreg` binary built beside this test) and undone:
 * UPDATE of a leaf, DELETE of a leaf, INSERT of a leaf, a swap of two leaves, altered
 * tree nodes, a tree rewritten consistently around a changed leaf, and edits of the
 * columns and projections. Each must be named with the right index and reason; the
 * untouched ledger must verify before, between and after. */
#include <inttypes.h>
#include <libgen.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/leaf.h"
#include "aidreg/merkle.h"
#include "aidreg/note.h"
#include "aidreg/registry.h"
#include "aidreg/verify.h"
#include "registry_env.h"
#include "test.h"

#define ENTRIES 40

static aidreg_registry *reg;
static PGconn *admin;
static const char *app_url, *admin_url;
static char code[8], origin[64], cli[4096];
static char *vkey;
static aidreg_keypair log_key, root, county;

/* ---- writing the ledger ---------------------------------------------------------- */

static int submit(json_t *env) {
  aidreg_result res;
  const json_t *one[1] = {env};
  aidreg_registry_submit(reg, code, one, 1, "", &res);
  json_decref(env);
  int st = res.status;
  if (st != 201) fprintf(stderr, "submit: %d %s\n", st, res.problem.detail);
  aidreg_result_free(&res);
  return st;
}

static int create_ledger(void) {
  char rid[45], cid[45], body[1024];
  aidreg_key_id(root.pk, rid);
  aidreg_key_id(county.pk, cid);
  for (int attempt = 0; attempt < 20; attempt++) {
    snprintf(code, sizeof code, "8%05u", randombytes_uniform(100000));
    snprintf(origin, sizeof origin, "tamper.aidreg/%s", code);
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"篡改测试县\",\"root_key\":\"%s\",\"settings\":{}}", code, rid);
    json_t *create = test_envelope(&root, origin, "ledger.create", code, body);
    aidreg_result res;
    char *vk = NULL;
    aidreg_registry_create_ledger(reg, create, &res, &vk);
    json_decref(create);
    free(vk);
    int st = res.status;
    aidreg_result_free(&res);
    if (st == 409) continue; /* that code exists already: take another */
    if (st != 201) return -1;
    snprintf(body, sizeof body,
             "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"%s\",\"holder\":{\"name\":\"王\",\"org\":\"县\"}}", cid, code);
    if (submit(test_envelope(&root, origin, "key.enroll", cid, body)) != 201) return -1;
    for (int i = 2; i < ENTRIES; i++) {
      snprintf(body, sizeof body, "{\"publicity_days\":%d}", i);
      if (submit(test_envelope(&county, origin, "ledger.settings", code, body)) != 201) return -1;
    }
    vkey = aidreg_note_vkey(origin, log_key.pk);
    return 0;
  }
  return -1;
}

/* ---- tampering as the superuser ---------------------------------------------------- */

/* Runs sql (with text parameters) as the superuser with triggers off. */
static int tamper(const char *sql, int n, const char *const *params) {
  PGresult *r = PQexec(admin, "SET session_replication_role = replica");
  PQclear(r);
  r = PQexecParams(admin, sql, n, NULL, params, NULL, NULL, 0);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) fprintf(stderr, "tamper: %s\n%s", sql, PQerrorMessage(admin));
  PQclear(r);
  r = PQexec(admin, "SET session_replication_role = origin");
  PQclear(r);
  CHECK_MSG(ok, "%s", sql);
  return ok ? 0 : -1;
}

/* One text value of a query (malloc'd) or NULL. */
static char *value(const char *sql, int n, const char *const *params) {
  PGresult *r = PQexecParams(admin, sql, n, NULL, params, NULL, NULL, 0);
  char *v = NULL;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) v = strdup(PQgetvalue(r, 0, 0));
  PQclear(r);
  return v;
}

/* ---- verifying --------------------------------------------------------------------- */

static int verify_lib(aidreg_verify_result *res) {
  char err[512];
  aidreg_verify_db *db = aidreg_verify_db_open(app_url, code, err, sizeof err);
  CHECK_MSG(db != NULL, "open: %s", err);
  if (!db) {
    memset(res, 0, sizeof *res);
    return -1;
  }
  aidreg_verify_source src;
  aidreg_verify_db_source(db, &src);
  aidreg_verify_options opt = {.vkey = vkey, .ledger = code};
  int rc = aidreg_verify_run(&src, &opt, res);
  aidreg_verify_db_close(db);
  return rc;
}

/* Runs `aidreg verify --db` and returns its exit status; its first output line in out. */
static int verify_cli(char *out, size_t cap) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "'%s' verify --db '%s' --ledger %s --vkey '%s' 2>&1", cli, admin_url, code, vkey);
  FILE *p = popen(cmd, "r");
  out[0] = 0;
  if (!p) return -1;
  if (!fgets(out, (int)cap, p)) out[0] = 0;
  char sink[512];
  while (fgets(sink, sizeof sink, p)) {
  }
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect_ok(const char *what) {
  aidreg_verify_result r;
  int rc = verify_lib(&r);
  CHECK_MSG(rc == 0, "%s: should verify, got: %s", what, r.failure.message);
  CHECK_MSG(rc != 0 || (r.leaves == ENTRIES && r.checkpoint.size == ENTRIES), "%s: %" PRIu64 " leaves", what, r.leaves);
  char line[1024];
  int st = verify_cli(line, sizeof line);
  CHECK_MSG(st == 0 && strncmp(line, "ok: ledger ", 11) == 0, "%s: aidreg verify exited %d: %s", what, st, line);
}

/* The tamper must be named: kind, index (or -1: none), and words of the message. */
static void expect_caught(const char *what, aidreg_verify_kind kind, int64_t index, const char *words) {
  aidreg_verify_result r;
  int rc = verify_lib(&r);
  CHECK_MSG(rc != 0, "%s: not caught", what);
  if (rc == 0) return;
  fprintf(stderr, "  %s: %s\n", what, r.failure.message);
  CHECK_MSG(r.failure.kind == kind, "%s: kind %s, expected %s", what, aidreg_verify_kind_name(r.failure.kind),
            aidreg_verify_kind_name(kind));
  if (index >= 0)
    CHECK_MSG(r.failure.has_index && r.failure.index == (uint64_t)index, "%s: index %" PRIu64 ", expected %" PRId64,
              what, r.failure.index, index);
  if (words) CHECK_MSG(strstr(r.failure.message, words) != NULL, "%s: \"%s\" lacks \"%s\"", what, r.failure.message, words);
  char line[1024], want[64];
  int st = verify_cli(line, sizeof line);
  CHECK_MSG(st == 1, "%s: aidreg verify exited %d (%s)", what, st, line);
  if (index >= 0) {
    snprintf(want, sizeof want, "FAILED: index %" PRId64 ": ", index);
    CHECK_MSG(strncmp(line, want, strlen(want)) == 0, "%s: aidreg verify printed: %s", what, line);
  } else {
    CHECK_MSG(strncmp(line, "FAILED: ", 8) == 0, "%s: aidreg verify printed: %s", what, line);
  }
}

/* ---- the tampers ------------------------------------------------------------------ */

static void leaf_update(void) {
  /* The server's time inside leaf 17: no signature covers it, only the tree does. */
  const char *p[1] = {code};
  char *orig = value("SELECT data FROM leaf WHERE ledger = $1 AND idx = 17", 1, p);
  CHECK(orig != NULL);
  if (!orig) return;
  tamper("UPDATE leaf SET data = regexp_replace(data, '\"time\":\"2', '\"time\":\"1') WHERE ledger = $1 AND idx = 17",
         1, p);
  expect_caught("UPDATE leaf 17", AIDREG_VF_LEAF_HASH, 17, "leaf hash differs from tree node (0,17)");
  const char *q[2] = {code, orig};
  tamper("UPDATE leaf SET data = $2 WHERE ledger = $1 AND idx = 17", 2, q);
  free(orig);
  expect_ok("after UPDATE leaf undone");
}

static void leaf_delete(void) {
  const char *p[1] = {code};
  PGresult *r = PQexecParams(admin,
                             "SELECT payload_sha256, type, subject, data, leaf_hash FROM leaf WHERE ledger = $1 AND idx = 5",
                             1, NULL, p, NULL, NULL, 0);
  CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1);
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
    PQclear(r);
    return;
  }
  tamper("DELETE FROM leaf WHERE ledger = $1 AND idx = 5", 1, p);
  expect_caught("DELETE leaf 5", AIDREG_VF_MISSING, 5, "missing");
  const char *q[6] = {code, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
                      PQgetvalue(r, 0, 4)};
  tamper("INSERT INTO leaf (ledger, idx, payload_sha256, type, subject, data, leaf_hash) "
         "VALUES ($1, 5, $2::bytea, $3, $4, $5, $6::bytea)",
         6, q);
  PQclear(r);
  expect_ok("after DELETE undone");
}

static void leaf_insert(void) {
  /* A well-formed, properly signed entry appended by hand: no checkpoint covers it. */
  json_t *j = test_envelope(&county, origin, "ledger.settings", code, "{\"publicity_days\":99}");
  aidreg_envelope env;
  aidreg_problem pb;
  CHECK(aidreg_envelope_from_json(j, "", &env, &pb) == 0);
  json_decref(j);
  size_t len;
  char *leaf = aidreg_leaf_build(ENTRIES, "2026-01-01T00:00:00.000Z", &env, &len, &pb);
  uint8_t h[32];
  char hex[70], idx[24];
  aidreg_sha256(env.payload, env.payload_len, h);
  aidreg_envelope_free(&env);
  hex[0] = '\\';
  hex[1] = 'x';
  aidreg_hex_encode(h, 32, hex + 2);
  snprintf(idx, sizeof idx, "%d", ENTRIES);
  const char *p[4] = {code, idx, hex, leaf};
  /* leaf_hash: the right hash of these bytes, as a careful forger would store it. */
  tamper("INSERT INTO leaf (ledger, idx, payload_sha256, type, subject, data, leaf_hash) "
         "VALUES ($1, $2::bigint, $3::bytea, 'ledger.settings', $1, $4, sha256('\\x00'::bytea || convert_to($4, 'UTF8')))",
         4, p);
  free(leaf);
  expect_caught("INSERT leaf 40", AIDREG_VF_EXTRA, ENTRIES, "beyond the latest checkpoint");
  tamper("DELETE FROM leaf WHERE ledger = $1 AND idx = $2::bigint", 2, p);
  expect_ok("after INSERT undone");
}

static void leaf_swap(void) {
  const char *p[1] = {code};
  /* PQexecParams runs one statement at a time. */
  tamper("UPDATE leaf SET idx = 1000003 WHERE ledger = $1 AND idx = 3", 1, p);
  tamper("UPDATE leaf SET idx = 3 WHERE ledger = $1 AND idx = 8", 1, p);
  tamper("UPDATE leaf SET idx = 8 WHERE ledger = $1 AND idx = 1000003", 1, p);
  /* The leaf hashes move with their rows, so the first thing out of place is the order. */
  expect_caught("swap leaves 3 and 8", AIDREG_VF_LAYOUT, 3, "the leaf says index 8");
  tamper("UPDATE leaf SET idx = 1000003 WHERE ledger = $1 AND idx = 3", 1, p);
  tamper("UPDATE leaf SET idx = 3 WHERE ledger = $1 AND idx = 8", 1, p);
  tamper("UPDATE leaf SET idx = 8 WHERE ledger = $1 AND idx = 1000003", 1, p);
  expect_ok("after swap undone");
}

static void node_alter(void) {
  const char *p[1] = {code};
  char *h09 = value("SELECT leaf_hash FROM leaf WHERE ledger = $1 AND idx = 9", 1, p);
  char *h23 = value("SELECT hash FROM tree_node WHERE ledger = $1 AND level = 2 AND idx = 3", 1, p);
  CHECK(h09 && h23);
  if (!h09 || !h23) {
    free(h09);
    free(h23);
    return;
  }
  const char *q09[2] = {code, h09}, *q23[2] = {code, h23};
  /* Level 0 of the tree is the leaf_hash column of the leaf rows. */
  tamper("UPDATE leaf SET leaf_hash = sha256(leaf_hash) WHERE ledger = $1 AND idx = 9", 1, p);
  expect_caught("UPDATE leaf hash (0,9)", AIDREG_VF_LEAF_HASH, 9, "leaf hash differs from tree node (0,9)");
  tamper("UPDATE leaf SET leaf_hash = $2::bytea WHERE ledger = $1 AND idx = 9", 2, q09);
  tamper("UPDATE tree_node SET hash = sha256(hash) WHERE ledger = $1 AND level = 2 AND idx = 3", 1, p);
  expect_caught("UPDATE tree node (2,3)", AIDREG_VF_NODE, -1, "tree node (2,3) over leaves 12..15 differs");
  tamper("DELETE FROM tree_node WHERE ledger = $1 AND level = 2 AND idx = 3", 1, p);
  expect_caught("DELETE tree node (2,3)", AIDREG_VF_MISSING, -1, "tree node (2,3) over leaves 12..15 is missing");
  tamper("INSERT INTO tree_node (ledger, level, idx, hash) VALUES ($1, 2, 3, $2::bytea)", 2, q23);
  expect_ok("after tree nodes undone");
  tamper("INSERT INTO tree_node (ledger, level, idx, hash) VALUES ($1, 9, 0, sha256('x'))", 1, p);
  expect_caught("INSERT tree node (9,0)", AIDREG_VF_EXTRA, -1, "tree node (9,0) lies beyond");
  tamper("DELETE FROM tree_node WHERE ledger = $1 AND level = 9", 1, p);
  expect_ok("after INSERT tree node undone");
  free(h09);
  free(h23);
}

/* ---- a tree rewritten consistently around a changed leaf ----------------------------- */

typedef struct {
  unsigned level;
  uint64_t idx;
  uint8_t h[32];
} node;

typedef struct {
  node *nodes;
  size_t n, cap;
} node_list;

static void collect(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32]) {
  node_list *l = ctx;
  if (l->n == l->cap) return;
  l->nodes[l->n].level = level;
  l->nodes[l->n].idx = index;
  memcpy(l->nodes[l->n].h, hash, 32);
  l->n++;
}

/* Recomputes every tree node from the leaves as they are now and writes back the ones
 * that differ: what a careful tamperer does after editing a leaf. He cannot sign. */
static int rewrite_tree(void) {
  const char *p[1] = {code};
  PGresult *r = PQexecParams(admin, "SELECT data FROM leaf WHERE ledger = $1 ORDER BY idx", 1, NULL, p, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    PQclear(r);
    return -1;
  }
  node_list l = {.cap = 2 * (size_t)PQntuples(r) + 64};
  l.nodes = calloc(l.cap, sizeof *l.nodes);
  aidreg_frontier fr;
  aidreg_frontier_init(&fr);
  for (int i = 0; i < PQntuples(r) && l.nodes; i++) {
    uint8_t h[32];
    aidreg_merkle_leaf_hash((const uint8_t *)PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0), h);
    aidreg_frontier_append(&fr, h, collect, &l);
  }
  PQclear(r);
  int rc = l.nodes ? 0 : -1;
  for (size_t i = 0; i < l.n && rc == 0; i++) {
    char lv[8], ix[24], hex[70];
    snprintf(lv, sizeof lv, "%u", l.nodes[i].level);
    snprintf(ix, sizeof ix, "%" PRIu64, l.nodes[i].idx);
    hex[0] = '\\';
    hex[1] = 'x';
    aidreg_hex_encode(l.nodes[i].h, 32, hex + 2);
    const char *q[4] = {code, lv, ix, hex};
    rc = l.nodes[i].level == 0
             ? tamper("UPDATE leaf SET leaf_hash = $4::bytea WHERE ledger = $1 AND $2::smallint = 0 "
                      "AND idx = $3::bigint AND leaf_hash <> $4::bytea",
                      4, q)
             : tamper("UPDATE tree_node SET hash = $4::bytea WHERE ledger = $1 AND level = $2::smallint "
                      "AND idx = $3::bigint AND hash <> $4::bytea",
                      4, q);
  }
  free(l.nodes);
  return rc;
}

static void consistent_rewrite(void) {
  const char *p[1] = {code};
  char *orig = value("SELECT data FROM leaf WHERE ledger = $1 AND idx = 17", 1, p);
  CHECK(orig != NULL);
  if (!orig) return;
  tamper("UPDATE leaf SET data = regexp_replace(data, '\"time\":\"2', '\"time\":\"1') WHERE ledger = $1 AND idx = 17",
         1, p);
  CHECK(rewrite_tree() == 0);
  /* Every stored node now agrees with the leaves; the checkpoints signed at sizes 18,
   * 19, ... do not, and the first of them pins the change to index 17. */
  expect_caught("leaf 17 changed, tree rewritten", AIDREG_VF_CONSISTENCY, 17, "this entry differs from what was signed");
  const char *q[2] = {code, orig};
  tamper("UPDATE leaf SET data = $2 WHERE ledger = $1 AND idx = 17", 2, q);
  CHECK(rewrite_tree() == 0);
  free(orig);
  expect_ok("after the rewrite undone");
}

/* ---- columns and projections ----------------------------------------------------------- */

static void columns(void) {
  const char *p[1] = {code};
  char cid[45];
  aidreg_key_id(county.pk, cid);
  const char *pk[2] = {code, cid};

  tamper("UPDATE leaf SET payload_sha256 = sha256(payload_sha256) WHERE ledger = $1 AND idx = 12", 1, p);
  expect_caught("leaf 12 payload_sha256 column", AIDREG_VF_COLUMN, 12, "payload_sha256");
  /* Recompute it from the payload: decode the envelope's payload in C. */
  char *data = value("SELECT data FROM leaf WHERE ledger = $1 AND idx = 12", 1, p);
  if (data) {
    aidreg_leaf leaf;
    aidreg_problem pb;
    if (aidreg_leaf_parse((const uint8_t *)data, strlen(data), &leaf, &pb) == 0) {
      uint8_t h[32];
      char hex[70];
      aidreg_sha256(leaf.env.payload, leaf.env.payload_len, h);
      hex[0] = '\\';
      hex[1] = 'x';
      aidreg_hex_encode(h, 32, hex + 2);
      const char *q[2] = {code, hex};
      tamper("UPDATE leaf SET payload_sha256 = $2::bytea WHERE ledger = $1 AND idx = 12", 2, q);
      aidreg_leaf_free(&leaf);
    }
    free(data);
  }
  expect_ok("after the payload_sha256 column undone");

  tamper("UPDATE ledger SET size = size + 1 WHERE code = $1", 1, p);
  expect_caught("ledger.size", AIDREG_VF_COLUMN, -1, "ledger.size is 41");
  tamper("UPDATE ledger SET size = size - 1 WHERE code = $1", 1, p);

  tamper("UPDATE signing_key SET revoked_at = 30 WHERE ledger = $1 AND keyid = $2", 2, pk);
  expect_caught("signing_key revoked_at", AIDREG_VF_PROJECTION, -1, "revoked_at");
  tamper("UPDATE signing_key SET revoked_at = NULL WHERE ledger = $1 AND keyid = $2", 2, pk);


  /* The latest checkpoint deleted: the last entry is no longer covered by any. */
  char *note = value("SELECT note FROM checkpoint WHERE ledger = $1 AND size = 40", 1, p);
  CHECK(note != NULL);
  tamper("DELETE FROM checkpoint WHERE ledger = $1 AND size = 40", 1, p);
  expect_caught("latest checkpoint deleted", AIDREG_VF_EXTRA, ENTRIES - 1, "beyond the latest checkpoint (size 39)");
  const char *qn[2] = {code, note ? note : ""};
  tamper("INSERT INTO checkpoint (ledger, size, note) VALUES ($1, 40, $2)", 2, qn);
  free(note);
  expect_ok("after columns undone");
}

int main(int argc, char **argv) {
  (void)argc;
  test_require_database();
  if (sodium_init() < 0) return 1;
  app_url = getenv("AIDREG_DATABASE_URL");
  admin_url = getenv("AIDREG_ADMIN_DATABASE_URL");
  const char *owner = getenv("AIDREG_OWNER_DATABASE_URL");
  CHECK_MSG(app_url && admin_url,
            "AIDREG_DATABASE_URL and AIDREG_ADMIN_DATABASE_URL must name the test database and its superuser "
            "(tools/dev.sh test sets them)");
  if (!app_url || !admin_url) return test_done();
  /* The CLI built beside this test. */
  char *self = realpath(argv[0], NULL);
  snprintf(cli, sizeof cli, "%s/aidreg", self ? dirname(self) : ".");
  free(self);
  CHECK_MSG(access(cli, X_OK) == 0, "no aidreg binary at %s", cli);

  aidreg_key_generate(&log_key);
  aidreg_key_generate(&root);
  aidreg_key_generate(&county);
  aidreg_registry_config cfg = {.database_url = app_url, .owner_database_url = owner, .log_host = "tamper.aidreg",
                                .log_key = &log_key, .pool_size = 2};
  char err[512];
  reg = aidreg_registry_open(&cfg, err, sizeof err);
  CHECK_MSG(reg != NULL, "registry: %s", err);
  if (!reg) return test_done();
  int created = create_ledger();
  CHECK_MSG(created == 0, "could not write the test ledger");
  admin = PQconnectdb(admin_url);
  CHECK_MSG(PQstatus(admin) == CONNECTION_OK, "superuser connection: %s", PQerrorMessage(admin));
  if (created == 0 && PQstatus(admin) == CONNECTION_OK) {
    fprintf(stderr, "ledger %s (%d entries)\n", code, ENTRIES);
    expect_ok("untouched ledger");
    leaf_update();
    leaf_delete();
    leaf_insert();
    leaf_swap();
    node_alter();
    consistent_rewrite();
    columns();
    expect_ok("untouched again");
  }
  PQfinish(admin);
  aidreg_registry_close(reg);
  aidreg_key_wipe(&log_key);
  aidreg_key_wipe(&root);
  aidreg_key_wipe(&county);
  free(vkey);
  return test_done();
}
