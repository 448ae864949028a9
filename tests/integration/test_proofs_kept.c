/* Proofs and tiles from memory (registry/store/log_cache.c) against a real PostgreSQL:
 * the answers are byte for byte those read from the database, they verify against the
 * checkpoint, and inside a tree size already seen they need no database at all — with
 * leaf and tree_node locked by another session, the kept answers still come, the same,
 * while what is not kept (a partial entry tile) waits for the database and fails, and a
 * size beyond the log is still refused. After an append the old answers are unchanged
 * and the new size's proofs are the receipts'. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdlib.h>
#include <time.h>

#include "aidreg/encoding.h"
#include "aidreg/merkle.h"
#include "aidreg/note.h"
#include "aidreg/registry.h"
#include "registry_env.h"
#include "test.h"

#define ENTRIES 300 /* more than a full tile */
#define ASKED 15

static aidreg_registry *reg;
static char code[8], origin[64];
static aidreg_note_verifier verifier;

/* One read as text: the proof's JSON or the tile's bytes in hex; NULL when refused (*why
 * gets the problem's code). */
static char *ask(int kind, uint64_t a, uint64_t b, aidreg_code *why) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  json_t *out = NULL;
  char *text = NULL;
  int rc;
  if (kind == 0) {
    rc = aidreg_registry_inclusion(reg, code, true, a, NULL, b, &out, &p);
  } else if (kind == 1) {
    rc = aidreg_registry_consistency(reg, code, a, b, &out, &p);
  } else {
    aidreg_tile_ref t = {.entries = kind == 3, .level = 0, .index = a, .width = (unsigned)b};
    uint8_t *data = NULL;
    size_t len = 0;
    rc = aidreg_registry_tile(reg, code, &t, &data, &len, &p);
    if (rc == 0 && (text = malloc(2 * len + 1))) aidreg_hex_encode(data, len, text);
    free(data);
  }
  if (out) text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(out);
  if (why) *why = rc ? p.code : AIDREG_OK;
  return rc ? NULL : text;
}

/* kind, a, b of every read asked: inclusion (index, size), consistency (from, to), hash
 * tile (index, width), entry tile (index, width). */
static const uint64_t asked[ASKED][3] = {
    {0, 0, ENTRIES},   {0, 1, ENTRIES},   {0, 150, ENTRIES}, {0, ENTRIES - 1, ENTRIES}, {0, 7, 200},
    {1, 1, ENTRIES},   {1, 100, ENTRIES}, {1, 200, 256},     {1, ENTRIES, ENTRIES},     {1, 3, 7},
    {2, 0, 256},       {2, 1, 44},        {2, 0, 100},       {3, 0, 256},               {3, 0, 10},
};

static void ask_all(char *out[ASKED]) {
  for (int i = 0; i < ASKED; i++) {
    aidreg_code why;
    out[i] = ask((int)asked[i][0], asked[i][1], asked[i][2], &why);
    CHECK_MSG(out[i] != NULL, "read %d refused: %d", i, (int)why);
  }
}

static bool same_all(char *a[ASKED], char *b[ASKED]) {
  bool same = true;
  for (int i = 0; i < ASKED; i++)
    if (!a[i] || !b[i] || strcmp(a[i], b[i]) != 0) {
      fprintf(stderr, "read %d differs\n", i);
      same = false;
    }
  return same;
}

static void free_all(char *a[ASKED]) {
  for (int i = 0; i < ASKED; i++) free(a[i]);
}

/* The inclusion answer of (index, size) verifies under root. */
static bool included(uint64_t index, uint64_t size, const uint8_t root[32]) {
  json_t *out = NULL;
  aidreg_problem p;
  if (aidreg_registry_inclusion(reg, code, true, index, NULL, size, &out, &p)) return false;
  uint8_t lh[32], proof[AIDREG_MAX_PROOF][32];
  json_t *list = json_object_get(out, "inclusion_proof");
  size_t n = json_array_size(list);
  bool ok = n <= AIDREG_MAX_PROOF &&
            aidreg_b64_decode_fixed(json_string_value(json_object_get(out, "leaf_hash")), lh, 32) == 0;
  for (size_t i = 0; ok && i < n; i++) ok = aidreg_b64_decode_fixed(json_string_value(json_array_get(list, i)), proof[i], 32) == 0;
  json_decref(out);
  return ok && aidreg_merkle_verify_inclusion(lh, index, size, (const uint8_t(*)[32])proof, n, root) == 0;
}

static json_t *enrolment(const aidreg_keypair *root, unsigned i) {
  aidreg_keypair k;
  char kid[45], body[512];
  aidreg_key_generate(&k);
  aidreg_key_id(k.pk, kid);
  snprintf(body, sizeof body,
           "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"%s\",\"holder\":{\"name\":\"县乡村振兴局%u\",\"org\":\"县\"}}",
           kid, code, i);
  return test_envelope(root, origin, "key.enroll", kid, body);
}

int main(void) {
  test_require_database();
  if (sodium_init() < 0) return 1;
  const char *url = getenv("AIDREG_DATABASE_URL"), *owner = getenv("AIDREG_OWNER_DATABASE_URL");
  if (!owner || !*owner) owner = getenv("AIDREG_ADMIN_DATABASE_URL");
  aidreg_keypair log_key, root;
  aidreg_key_generate(&log_key);
  /* A short deadline: a read that waits for the locked tables fails in half a second. */
  aidreg_registry_config cfg = {.database_url = url, .owner_database_url = getenv("AIDREG_OWNER_DATABASE_URL"),
                                .log_host = "test.aidreg", .log_key = &log_key, .pool_size = 4, .db_timeout_ms = 500};
  char err[512];
  reg = aidreg_registry_open(&cfg, err, sizeof err);
  CHECK_MSG(reg != NULL, "open: %s", err);
  if (!reg || test_ledger_new(reg, &log_key, '8', "缓存县", &root, code, origin, &verifier)) return test_done();

  /* ENTRIES - 1 enrolments after the ledger.create, in one batch. */
  json_t *envs[ENTRIES - 1];
  aidreg_result *res = calloc(ENTRIES - 1, sizeof *res);
  for (unsigned i = 0; i < ENTRIES - 1; i++) envs[i] = enrolment(&root, i);
  aidreg_registry_submit(reg, code, (const json_t *const *)envs, ENTRIES - 1, "/envelopes", res);
  bool all = true;
  for (unsigned i = 0; i < ENTRIES - 1; i++) all = all && res[i].status == 201;
  CHECK_MSG(all, "enrolments: %d %s", res[0].status, res[0].problem.detail);
  aidreg_checkpoint cp;
  const aidreg_receipt *last = &res[ENTRIES - 2].receipt;
  CHECK(last->checkpoint && aidreg_checkpoint_open(last->checkpoint, strlen(last->checkpoint), &verifier, &cp) == 0);
  CHECK(cp.size == ENTRIES);

  /* From the database, then from memory: the same, and they verify. */
  char *first[ASKED], *again[ASKED], *locked[ASKED];
  ask_all(first);
  ask_all(again);
  CHECK(same_all(first, again));
  bool verified = true;
  for (uint64_t i = 0; i < ENTRIES; i += 13) verified = verified && included(i, ENTRIES, cp.root);
  CHECK(verified && included(ENTRIES - 1, ENTRIES, cp.root));

  /* Another session locks the log's tables: what is kept answers without them. */
  PGconn *lock = PQconnectdb(owner);
  CHECK_MSG(PQstatus(lock) == CONNECTION_OK, "owner connection: %s", PQerrorMessage(lock));
  PGresult *r = PQexec(lock, "BEGIN; LOCK TABLE leaf, tree_node IN ACCESS EXCLUSIVE MODE");
  CHECK_MSG(PQresultStatus(r) == PGRES_COMMAND_OK, "lock: %s", PQerrorMessage(lock));
  PQclear(r);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < ASKED; i++) {
    /* The partial entry tile is not kept: it waits for the database, and fails. */
    if (asked[i][0] == 3 && asked[i][2] != 256) {
      aidreg_code why;
      locked[i] = ask(3, asked[i][1], asked[i][2], &why);
      CHECK_MSG(locked[i] == NULL && why == AIDREG_E_UNAVAILABLE, "partial entry tile under the lock: %d", (int)why);
      locked[i] = again[i] ? strdup(again[i]) : NULL;
      continue;
    }
    locked[i] = ask((int)asked[i][0], asked[i][1], asked[i][2], NULL);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  CHECK(same_all(first, locked));
  /* A size beyond the log is refused as before (the size is read; the tables are not). */
  aidreg_code why;
  char *beyond = ask(0, 5, ENTRIES + 1, &why);
  CHECK(beyond == NULL && why == AIDREG_E_INVALID_QUERY);
  beyond = ask(1, 5, ENTRIES + 1, &why);
  CHECK(beyond == NULL && why == AIDREG_E_INVALID_QUERY);
  beyond = ask(0, ENTRIES, ENTRIES, &why);
  CHECK(beyond == NULL && why == AIDREG_E_INVALID_QUERY);
  r = PQexec(lock, "ROLLBACK");
  PQclear(r);
  PQfinish(lock);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  /* One read waited for its deadline (500 ms); the kept ones none. */
  CHECK_MSG(ms < 1500, "reads under the lock took %.0f ms", ms);

  /* One more entry: the old answers are unchanged, the new size's proof is the receipt's. */
  json_t *one[1] = {enrolment(&root, ENTRIES)};
  aidreg_result more;
  aidreg_registry_submit(reg, code, (const json_t *const *)one, 1, "", &more);
  json_decref(one[0]);
  CHECK(more.status == 201 && more.receipt.index == ENTRIES && more.receipt.tree_size == ENTRIES + 1);
  char *after[ASKED];
  ask_all(after);
  CHECK(same_all(first, after));
  json_t *out = NULL;
  aidreg_problem p;
  CHECK(aidreg_registry_inclusion(reg, code, true, ENTRIES, NULL, ENTRIES + 1, &out, &p) == 0);
  json_t *list = json_object_get(out, "inclusion_proof");
  bool same = json_array_size(list) == more.receipt.proof_len;
  for (size_t i = 0; same && i < more.receipt.proof_len; i++) {
    uint8_t h[32];
    same = aidreg_b64_decode_fixed(json_string_value(json_array_get(list, i)), h, 32) == 0 &&
           memcmp(h, more.receipt.proof[i], 32) == 0;
  }
  CHECK(same);
  json_decref(out);
  aidreg_checkpoint cp2;
  CHECK(aidreg_checkpoint_open(more.receipt.checkpoint, strlen(more.receipt.checkpoint), &verifier, &cp2) == 0);
  CHECK(included(0, ENTRIES + 1, cp2.root) && included(ENTRIES - 1, ENTRIES + 1, cp2.root));
  aidreg_result_free(&more);

  free_all(first);
  free_all(again);
  free_all(locked);
  free_all(after);
  for (unsigned i = 0; i < ENTRIES - 1; i++) {
    json_decref(envs[i]);
    aidreg_result_free(&res[i]);
  }
  free(res);
  aidreg_registry_close(reg);
  return test_done();
}
