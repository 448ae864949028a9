/* Allocation failure on the write path (the architecture issue, part 5: "a write path
 * that fails loudly"), the way jansson's own test suite does it: count the allocations
 * one run of an operation makes, then run it again once for every N = 1..count with
 * allocation N failing. Counted are malloc, calloc, realloc and strdup called from the
 * library and this test (the executable is linked with -Wl,--wrap=..., see
 * tests/CMakeLists.txt) and jansson's allocations (json_set_alloc_funcs). libpq's and
 * libsodium's own allocations are not counted: they are shared libraries.
 *
 * Nor are jansson's allocations while it parses (json_loadb, json_loads, wrapped too):
 * jansson 2.14's lexer ignores a failed growth of its string buffer (lex_save), then
 * reads past the shortened buffer (heap overflow, or assert(0) in lex_scan_string).
 * That is jansson's bug and no caller can handle it; the library still treats a parse
 * during which any allocation failed as out of memory (json_strict.c).
 *
 * Operations:
 *   overlay  the rules' overlay alone (no database): an entry that replaces a document
 *            twice, rolled back; every N in both modes, the references counted;
 *   append   aidreg_registry_submit of a representative batch (key.enroll,
 *            project.register, asset.register, income.report, asset.status,
 *            notice.publish); after each run the batch is in the ledger whole or not at
 *            all, a failed run answered every envelope with an internal (or retry)
 *            problem and no receipt, a stored one gave receipts that verify, and the
 *            ledger still verifies (aidreg_verify_run over the database);
 *   verify   aidreg_verify_run over the database (the --db source) and over the tiles
 *            the registry serves (checkpoint, hash tiles, entry bundles): it passes, or
 *            fails as INTERNAL or SOURCE, never with a verdict on the ledger;
 *   rebuild  aidreg_rebuild_check: 0 (identical) or -1 (could not check), never a
 *            difference.
 * No run may crash; under ASan none may leak (LeakSanitizer at exit).
 *
 * The normal run tries every 13th N (a prime, so that the tried N fall on every phase of
 * the code; about 400 runs, a few seconds, under ASan too); AIDREG_ALLOC_FAIL_ALL=1 tries every N; AIDREG_ALLOC_FAIL_N=n tries
 * that n alone (with each run's results printed), for debugging. */
#include <inttypes.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/merkle.h"
#include "aidreg/note.h"
#include "aidreg/rebuild.h"
#include "aidreg/registry.h"
#include "aidreg/verify.h"
#include "registry_env.h"
#include "rules/domain.h"
#include "rules/domain_internal.h"
#include "test.h"

/* ---- failing allocations ---------------------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
json_t *__real_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err);
json_t *__real_json_loads(const char *s, size_t flags, json_error_t *err);
json_t *__wrap_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err);
json_t *__wrap_json_loads(const char *s, size_t flags, json_error_t *err);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

/* The appender thread allocates too, hence atomics. */
static atomic_bool counting;
static atomic_long allocations; /* since counting began */
static atomic_long fail_at;     /* 1-based; 0 = none fails */
static atomic_long failed;      /* allocations refused (0 or 1 per run) */

static int refuse_this(void) {
  if (!atomic_load(&counting)) return 0;
  long n = atomic_fetch_add(&allocations, 1) + 1;
  if (n != atomic_load(&fail_at)) return 0;
  atomic_fetch_add(&failed, 1);
  return 1;
}

/* Set while jansson parses for us: its allocations then neither count nor fail. */
static _Thread_local bool in_parse;

json_t *__wrap_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err) {
  in_parse = true;
  json_t *v = __real_json_loadb(buf, len, flags, err);
  in_parse = false;
  return v;
}

json_t *__wrap_json_loads(const char *s, size_t flags, json_error_t *err) {
  in_parse = true;
  json_t *v = __real_json_loads(s, flags, err);
  in_parse = false;
  return v;
}

/* The fast JSON reader (core/json_fast.h: leaves, envelopes, payloads) stands in for
 * json_loadb (and falls back to it when an allocation fails): counted alike, so that the
 * sweep fails the allocations it failed before the reader existed. */
json_t *__real_ar_json_fast_load(const uint8_t *buf, size_t len);
json_t *__wrap_ar_json_fast_load(const uint8_t *buf, size_t len);
json_t *__wrap_ar_json_fast_load(const uint8_t *buf, size_t len) {
  in_parse = true;
  json_t *v = __real_ar_json_fast_load(buf, len);
  in_parse = false;
  return v;
}

void *__wrap_malloc(size_t n) { return refuse_this() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return refuse_this() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return refuse_this() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return refuse_this() ? NULL : __real_strdup(s); }
static void *json_malloc(size_t n) { return !in_parse && refuse_this() ? NULL : __real_malloc(n); }

static void arm(long n) {
  atomic_store(&allocations, 0);
  atomic_store(&failed, 0);
  atomic_store(&fail_at, n);
  atomic_store(&counting, true);
}

/* Stops counting; the number of allocations of the run. */
static long disarm(void) {
  atomic_store(&counting, false);
  atomic_store(&fail_at, 0);
  return atomic_load(&allocations);
}

/* ---- a ledger --------------------------------------------------------------------- */

static aidreg_registry *reg;
static const char *url;
static aidreg_keypair log_key, root, county, village;

typedef struct {
  char code[8], origin[64], village[16];
  char *vkey;
  aidreg_note_verifier verifier;
} ledger;

static void keyid(const aidreg_keypair *k, char out[45]) { aidreg_key_id(k->pk, out); }

static uint64_t tree_size(const ledger *lg) {
  json_t *page = NULL;
  aidreg_problem p;
  if (aidreg_registry_entries(reg, lg->code, 0, 1, &page, &p)) return UINT64_MAX;
  uint64_t s = (uint64_t)json_integer_value(json_object_get(page, "size"));
  json_decref(page);
  return s;
}

static bool receipt_ok(const ledger *lg, const aidreg_receipt *rc) {
  aidreg_checkpoint cp;
  if (!rc->checkpoint || aidreg_checkpoint_open(rc->checkpoint, strlen(rc->checkpoint), &lg->verifier, &cp))
    return false;
  return cp.size == rc->tree_size &&
         aidreg_merkle_verify_inclusion(rc->leaf_hash, rc->index, cp.size, (const uint8_t(*)[32])rc->proof,
                                        rc->proof_len, cp.root) == 0;
}

static int submit(const ledger *lg, json_t **envs, size_t n, aidreg_result *res) {
  aidreg_registry_submit(reg, lg->code, (const json_t *const *)envs, n, "/envelopes", res);
  int created = 0;
  for (size_t i = 0; i < n; i++) created += res[i].status == 201;
  return created;
}

/* A ledger with a county key and a village key enrolled. */
static int ledger_new(ledger *lg) {
  memset(lg, 0, sizeof *lg);
  snprintf(lg->code, sizeof lg->code, "8%05u", randombytes_uniform(100000));
  snprintf(lg->origin, sizeof lg->origin, "test.aidreg/%s", lg->code);
  snprintf(lg->village, sizeof lg->village, "%s001001", lg->code);
  char rid[45], cid[45], vid[45], body[1024];
  keyid(&root, rid);
  keyid(&county, cid);
  keyid(&village, vid);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"测试县\",\"root_key\":\"%s\",\"settings\":{}}", lg->code, rid);
  json_t *create = test_envelope(&root, lg->origin, "ledger.create", lg->code, body);
  aidreg_result res;
  aidreg_registry_create_ledger(reg, create, &res, &lg->vkey);
  json_decref(create);
  int ok = res.status == 201 && lg->vkey && aidreg_note_vkey_parse(lg->vkey, &lg->verifier) == 0;
  aidreg_result_free(&res);
  if (!ok) return -1;
  json_t *envs[2];
  snprintf(body, sizeof body,
           "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"%s\",\"holder\":{\"name\":\"县乡村振兴局\",\"org\":\"县\"}}",
           cid, lg->code);
  envs[0] = test_envelope(&root, lg->origin, "key.enroll", cid, body);
  snprintf(body, sizeof body,
           "{\"key\":\"%s\",\"role\":\"village\",\"scope\":\"%s\",\"holder\":{\"name\":\"村\",\"org\":\"村委\"}}", vid,
           lg->village);
  envs[1] = test_envelope(&county, lg->origin, "key.enroll", vid, body);
  aidreg_result r2[2];
  int created = submit(lg, envs, 2, r2);
  for (int i = 0; i < 2; i++) {
    json_decref(envs[i]);
    aidreg_result_free(&r2[i]);
  }
  return created == 2 ? 0 : -1;
}

/* ---- the representative batch ------------------------------------------------------ */

#define BATCH 6

/* Round r's batch: every subject new, so that every round appends BATCH entries. */
static int batch_build(const ledger *lg, unsigned r, json_t *envs[BATCH]) {
  aidreg_keypair town;
  aidreg_key_generate(&town);
  char tid[45], body[2048], project[32], asset[32];
  keyid(&town, tid);
  aidreg_key_wipe(&town);
  snprintf(project, sizeof project, "P-%u", r);
  snprintf(asset, sizeof asset, "A-%u", r);
  size_t k = 0;
  snprintf(body, sizeof body,
           "{\"key\":\"%s\",\"role\":\"township\",\"scope\":\"%s001\",\"holder\":{\"name\":\"乡%u\",\"org\":\"乡政府\"}}",
           tid, lg->code, r);
  envs[k++] = test_envelope(&county, lg->origin, "key.enroll", tid, body);
  snprintf(body, sizeof body,
           "{\"name\":\"光伏项目 %u\",\"type\":\"industry\",\"year\":2024,\"funding_lines\":[{\"channel\":\"衔接资金\","
           "\"year\":2024,\"amount_fen\":100000000}],\"locations\":[\"%s\"],\"industry_dept\":\"县农业农村局\","
           "\"implementing_unit\":\"县乡村振兴局\",\"accepted_on\":\"2024-05-10\"}",
           r, lg->village);
  envs[k++] = test_envelope(&county, lg->origin, "project.register", project, body);
  snprintf(body, sizeof body,
           "{\"project\":\"%s\",\"name\":\"蔬菜大棚\",\"class\":\"operating\",\"subtype\":\"设施农业\",\"form\":\"fixed\","
           "\"village\":\"%s\",\"original_value_fen\":20000000,\"quantity\":4,\"unit\":\"栋\","
           "\"completed_on\":\"2024-05-01\",\"accepted_on\":\"2024-05-10\"}",
           project, lg->village);
  envs[k++] = test_envelope(&county, lg->origin, "asset.register", asset, body);
  snprintf(body, sizeof body,
           "{\"period_start\":\"2024-07-01\",\"period_end\":\"2024-12-31\",\"gross_fen\":1000001,\"costs\":[{\"kind\":"
           "\"land_rent\",\"amount_fen\":100000}],\"net_fen\":900001,\"payer\":\"国网\",\"received_on\":\"2025-01-05\","
           "\"account\":\"村集体账户\"}");
  envs[k++] = test_envelope(&county, lg->origin, "income.report", asset, body);
  snprintf(body, sizeof body, "{\"status\":\"in_use\",\"reason\":\"巡查 %u\"}", r);
  envs[k++] = test_envelope(&county, lg->origin, "asset.status", asset, body);
  snprintf(body, sizeof body,
           "{\"kind\":\"assets\",\"start\":\"2026-01-01\",\"end\":\"2026-01-15\",\"content_sha256\":\"%064u\","
           "\"place\":\"村务公开栏 %u\"}",
           r, r);
  envs[k++] = test_envelope(&village, lg->origin, "notice.publish", lg->village, body);
  for (size_t i = 0; i < k; i++)
    if (!envs[i]) return -1;
  return 0;
}

/* ---- verification ------------------------------------------------------------------- */

/* Failure kinds that say "could not check", not "the ledger is wrong". */
static bool no_verdict(aidreg_verify_kind k) { return k == AIDREG_VF_INTERNAL || k == AIDREG_VF_SOURCE; }

/* aidreg_verify_run over the database; 0 when it verifies, else -1 (*kind says how). */
static int verify_db(const ledger *lg, aidreg_verify_kind *kind, char *why, size_t cap) {
  char err[512];
  *kind = AIDREG_VF_SOURCE;
  aidreg_verify_db *db = aidreg_verify_db_open(url, lg->code, err, sizeof err);
  if (!db) {
    snprintf(why, cap, "open: %s", err);
    return -1;
  }
  aidreg_verify_source src;
  aidreg_verify_db_source(db, &src);
  aidreg_verify_options opt = {.vkey = lg->vkey, .ledger = lg->code};
  aidreg_verify_result res;
  int rc = aidreg_verify_run(&src, &opt, &res);
  aidreg_verify_db_close(db);
  *kind = res.failure.kind;
  snprintf(why, cap, "%s", res.failure.message);
  return rc;
}

/* A source over the registry's tlog-tiles reads (what GET /tile/... serves). */
static int reg_fail(aidreg_verify_failure *f, const aidreg_problem *p) {
  return aidreg_verify_fail(f, AIDREG_VF_SOURCE, false, 0, "%s: %s", aidreg_problem_slug(p->code), p->detail);
}

static int reg_checkpoint(void *ctx, char **note, size_t *len, aidreg_verify_failure *f) {
  aidreg_problem p = {0};
  if (aidreg_registry_checkpoint(reg, ((ledger *)ctx)->code, note, &p)) return reg_fail(f, &p);
  *len = strlen(*note);
  return 0;
}

static int reg_tile_any(void *ctx, int entries, unsigned level, uint64_t n, unsigned width, uint8_t **data,
                        size_t *len, aidreg_verify_failure *f) {
  aidreg_problem p = {0};
  aidreg_tile_ref t = {.entries = entries, .level = level, .index = n, .width = width};
  if (aidreg_registry_tile(reg, ((ledger *)ctx)->code, &t, data, len, &p)) return reg_fail(f, &p);
  return 0;
}

static int reg_tile(void *ctx, unsigned level, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                    aidreg_verify_failure *f) {
  return reg_tile_any(ctx, 0, level, n, width, data, len, f);
}

static int reg_entries(void *ctx, uint64_t n, unsigned width, uint8_t **data, size_t *len, aidreg_verify_failure *f) {
  return reg_tile_any(ctx, 1, 0, n, width, data, len, f);
}

static int verify_tiles(ledger *lg, aidreg_verify_kind *kind, char *why, size_t cap) {
  aidreg_verify_source src = {.ctx = lg, .checkpoint = reg_checkpoint, .tile = reg_tile, .entries = reg_entries};
  aidreg_verify_options opt = {.vkey = lg->vkey, .ledger = lg->code};
  aidreg_verify_result res;
  int rc = aidreg_verify_run(&src, &opt, &res);
  *kind = res.failure.kind;
  snprintf(why, cap, "%s", res.failure.message);
  return rc;
}

typedef struct {
  const char *name;
  long tried, succeeded, failed_cleanly;
} tally;

/* ---- the overlay's ownership under every failing allocation ------------------------- */

/* An entry that replaces a document twice (ar_dom_put) and is rolled back, with
 * allocation n failing (0: none): the version from before the entry is back in the
 * overlay with exactly the references it had, and the batch's end releases only the
 * overlay's own. ar_dom_put used to hand the overlay's reference to the grave, which
 * released it when it could not grow (the first version put aside in a batch), leaving
 * the overlay's document dangling for the rollback and ar_domain_end to release again:
 * a use-after-free in the next entry's read (log_for_append) and a double free. Counted
 * by the refcounts here, so that the plain build fails too, not only ASan's. Returns the
 * run's allocation count. */
static long overlay_once(domain_memstore *m, long n, tally *t) {
  domain_store st = ar_domain_memstore_store(m);
  /* A reference of the test's own keeps the version alive while its count is read. */
  json_t *orig = json_incref((json_t *)ar_domain_memstore_get(m, "log", "A-1"));
  if (!orig) return 0;
  size_t refs = orig->refcount;
  arm(n);
  domain_batch *d = ar_domain_begin(&st, "530102");
  bool nomem = false;
  if (d) {
    ar_dom_entry_begin(d, 1);
    for (int i = 0; i < 2; i++) ar_dom_put(d, "log", "A-1", json_pack("{s:s, s:i}", "kind", "asset", "count", 9 + i));
    nomem = ar_dom_out_of_memory(d);
    ar_dom_entry_rollback(d);
    ar_dom_entry_begin(d, 2);
    const json_t *now = ar_dom_get(d, "log", "A-1");
    /* Once a failed put was rolled back, the entry before it is what the next one reads. */
    if (nomem || n == 0) {
      CHECK_MSG(now == orig || ar_dom_out_of_memory(d), "overlay, allocation %ld failing: the version before is not back", n);
      if (now == orig)
        CHECK_MSG(orig->refcount == refs + 1, "overlay, allocation %ld failing: %zu references to the version before, not %zu",
                  n, orig->refcount, refs + 1);
    }
  }
  ar_domain_end(d);
  long count = disarm();
  CHECK_MSG(orig->refcount == refs, "overlay, allocation %ld failing: %zu references after the batch's end, not %zu", n,
            orig->refcount, refs);
  json_decref(orig);
  t->tried++;
  if (d && !nomem) t->succeeded++;
  else t->failed_cleanly++;
  return count;
}

/* The overlay's sweep: every N (a few dozen), in both modes; no database needed. */
static void overlay_sweep(void) {
  domain_memstore *m = ar_domain_memstore_new();
  domain_store st = ar_domain_memstore_store(m);
  domain_batch *d = ar_domain_begin(&st, "530102");
  CHECK(d && ar_dom_put(d, "log", "A-1", json_pack("{s:s, s:i}", "kind", "asset", "count", 1)) == 0 &&
        ar_domain_memstore_commit(m, d) == 0);
  ar_domain_end(d);
  CHECK(ar_domain_memstore_get(m, "log", "A-1") != NULL);
  tally t = {"overlay", 0, 0, 0};
  long count = overlay_once(m, 0, &t);
  for (long n = 1; n <= count && !test_failures; n++) overlay_once(m, n, &t);
  fprintf(stderr, "alloc-fail: %-14s %ld allocations, %ld runs: %ld succeeded, %ld failed cleanly\n", "overlay", count,
          t.tried, t.succeeded, t.failed_cleanly);
  ar_domain_memstore_free(m);
}

/* ---- the operations ----------------------------------------------------------------- */

static unsigned round_no;

/* One append of a new batch with allocation n failing (0: none). Checks everything
 * the run must leave behind. Returns the run's allocation count. */
static long append_once(ledger *lg, long n, tally *t) {
  json_t *envs[BATCH] = {0};
  aidreg_result res[BATCH];
  unsigned r = ++round_no;
  if (batch_build(lg, r, envs)) {
    CHECK_MSG(0, "round %u: cannot build the batch", r);
    for (size_t i = 0; i < BATCH; i++) json_decref(envs[i]);
    return 0;
  }
  uint64_t before = tree_size(lg);
  arm(n);
  int created = submit(lg, envs, BATCH, res);
  long count = disarm();
  uint64_t after = tree_size(lg);
  t->tried++;
  bool stored = after == before + BATCH;
  CHECK_MSG(after == before || stored, "append, allocation %ld failing: %" PRIu64 " entries stored of %d", n,
            after - before, BATCH);
  for (size_t i = 0; i < BATCH; i++) {
    bool receipt = res[i].status == 201 || res[i].status == 200;
    bool internal = res[i].problem.code == AIDREG_E_INTERNAL || res[i].problem.code == AIDREG_E_UNAVAILABLE;
    if (getenv("AIDREG_ALLOC_FAIL_N") || getenv("AIDREG_ALLOC_FAIL_VERBOSE"))
      fprintf(stderr, "  entry %zu: %d %s %s\n", i, res[i].status, aidreg_problem_slug(res[i].problem.code),
              res[i].problem.detail);
    if (receipt) {
      CHECK_MSG(stored, "append, allocation %ld failing: a receipt for entry %zu of a batch not stored", n, i);
      CHECK_MSG(receipt_ok(lg, &res[i].receipt), "append, allocation %ld failing: receipt %zu does not verify", n, i);
    } else {
      /* Stored but not answered happens only after COMMIT (a receipt could not be built). */
      CHECK_MSG(internal, "append, allocation %ld failing: entry %zu refused as %s (%s), not as an internal error", n,
                i, aidreg_problem_slug(res[i].problem.code), res[i].problem.detail);
    }
  }
  if (n == 0) CHECK_MSG(created == BATCH, "append without failure: %d of %d created", created, BATCH);
  if (stored && created == BATCH) t->succeeded++;
  else t->failed_cleanly++;
  for (size_t i = 0; i < BATCH; i++) {
    aidreg_result_free(&res[i]);
    json_decref(envs[i]);
  }
  return count;
}

/* The log verifies after a run: after every run of the normal (strided) mode, after
 * every 7th of the full mode (AIDREG_ALLOC_FAIL_ALL=1), which keeps that near a minute;
 * the batch-whole-or-none check runs after every run of both. */
static void ledger_verifies(ledger *lg, const char *after, long n) {
  aidreg_verify_kind kind;
  char why[800];
  CHECK_MSG(verify_db(lg, &kind, why, sizeof why) == 0, "after %s with allocation %ld failing: %s: %s", after, n,
            aidreg_verify_kind_name(kind), why);
}

static long verify_db_once(ledger *lg, long n, tally *t) {
  aidreg_verify_kind kind;
  char why[800];
  arm(n);
  int rc = verify_db(lg, &kind, why, sizeof why);
  long count = disarm();
  t->tried++;
  if (rc == 0) t->succeeded++;
  else t->failed_cleanly++;
  CHECK_MSG(rc == 0 || (n > 0 && no_verdict(kind)), "verify --db, allocation %ld failing: %s: %s", n,
            aidreg_verify_kind_name(kind), why);
  return count;
}

static long verify_tiles_once(ledger *lg, long n, tally *t) {
  aidreg_verify_kind kind;
  char why[800];
  arm(n);
  int rc = verify_tiles(lg, &kind, why, sizeof why);
  long count = disarm();
  t->tried++;
  if (rc == 0) t->succeeded++;
  else t->failed_cleanly++;
  CHECK_MSG(rc == 0 || (n > 0 && no_verdict(kind)), "verify over tiles, allocation %ld failing: %s: %s", n,
            aidreg_verify_kind_name(kind), why);
  return count;
}

static long rebuild_once(ledger *lg, long n, tally *t) {
  arm(n);
  int rc = aidreg_rebuild_check(url, lg->code, getenv("AIDREG_ALLOC_FAIL_N") ? stderr : NULL);
  long count = disarm();
  t->tried++;
  if (rc == 0) t->succeeded++;
  else t->failed_cleanly++;
  CHECK_MSG(rc == 0 || (n > 0 && rc == -1), "rebuild --check, allocation %ld failing: %d differences", n, rc);
  return count;
}

typedef long (*op_fn)(ledger *lg, long n, tally *t);

static void sweep(const char *name, op_fn op, ledger *lg, long stride, bool verify_after) {
  tally t = {name, 0, 0, 0};
  long count = op(lg, 0, &t); /* counts, and must succeed */
  if (verify_after) ledger_verifies(lg, name, 0);
  const char *only = getenv("AIDREG_ALLOC_FAIL_N"); /* debugging: that N alone */
  for (long n = only ? atol(only) : 1; n <= count; n += only ? count : stride) {
    if (getenv("AIDREG_ALLOC_FAIL_VERBOSE")) fprintf(stderr, "%s: allocation %ld failing\n", name, n);
    op(lg, n, &t);
    if (verify_after && (stride > 1 || n % 7 == 1)) ledger_verifies(lg, name, n);
  }
  fprintf(stderr, "alloc-fail: %-14s %ld allocations, %ld runs: %ld succeeded, %ld failed cleanly\n", name, count,
          t.tried, t.succeeded, t.failed_cleanly);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  json_set_alloc_funcs(json_malloc, free);
  overlay_sweep();
  reg = test_registry_open(&log_key);
  if (!reg) return test_done();
  url = getenv("AIDREG_DATABASE_URL");
  const char *all = getenv("AIDREG_ALLOC_FAIL_ALL");
  long stride = all && strcmp(all, "1") == 0 ? 1 : 13;
  aidreg_key_generate(&root);
  aidreg_key_generate(&county);
  aidreg_key_generate(&village);

  /* Appends grow ledger a; verify and rebuild read ledger b, which stays as it is. */
  ledger a, b;
  CHECK(ledger_new(&a) == 0);
  CHECK(ledger_new(&b) == 0);
  tally warm = {"warm", 0, 0, 0};
  append_once(&b, 0, &warm);
  append_once(&a, 0, &warm); /* the appender of a is running before anything is counted */
  if (test_failures) return test_done();

  sweep("append", append_once, &a, stride, true);
  sweep("verify --db", verify_db_once, &b, stride, false);
  sweep("verify tiles", verify_tiles_once, &b, stride, false);
  sweep("rebuild", rebuild_once, &b, stride, false);

  /* Whatever failed on the way, both ledgers verify and their state rebuilds. */
  ledger_verifies(&a, "every run", 0);
  CHECK_MSG(aidreg_rebuild_check(url, a.code, stderr) == 0, "rebuild of %s differs", a.code);
  CHECK_MSG(aidreg_rebuild_check(url, b.code, stderr) == 0, "rebuild of %s differs", b.code);

  free(a.vkey);
  free(b.vkey);
  aidreg_registry_close(reg);
  aidreg_key_wipe(&log_key);
  aidreg_key_wipe(&root);
  aidreg_key_wipe(&county);
  aidreg_key_wipe(&village);
  return test_done();
}
