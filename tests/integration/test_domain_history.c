/* The domain rules through the registry and PostgreSQL (AIDREG_DATABASE_URL,
 * AIDREG_OWNER_DATABASE_URL): the scripted history of tests/domain_script.h submitted
 * entry by entry, each accepted or refused with the status and problem it names; after
 * every step the state the read API shows, money conserved, and for each refusal the tree
 * size and the stored projection unchanged. Then the read API (lists, filters, history,
 * summaries), the same history as one batch into a second ledger, and
 * aidreg_rebuild_check == 0 for both. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "aidreg/rebuild.h"
#include "aidreg/registry.h"
#include "aidreg/state.h"
#include "store/db.h"
#include "domain_check.h"
#include "domain_script.h"
#include "registry_env.h"
#include "test.h"

static aidreg_registry *reg;
static const char *url;
static db_conn *db;
static aidreg_keypair root, actors[DS_NACTORS];

typedef struct {
  char code[8], origin[64];
  ds_ctx ctx;
} county;

/* ---- envelopes ---- */

static json_t *envelope(const aidreg_keypair *k, const char *payload, size_t len) {
  aidreg_envelope env;
  if (aidreg_envelope_sign((const uint8_t *)payload, len, k, 1, &env)) return NULL;
  size_t n;
  char *text = aidreg_envelope_serialize(&env, &n);
  aidreg_envelope_free(&env);
  json_t *j = json_loadb(text, n, 0, NULL);
  free(text);
  return j;
}

static char *payload(const county *c, const char *type, const char *subject, const char *time, const char *body,
                     size_t *len) {
  size_t cap = strlen(body) + strlen(subject) + 512;
  char *out = malloc(cap);
  int n = snprintf(out, cap, "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":%s}",
                   c->origin, type, subject, time, body);
  *len = (size_t)n;
  return out;
}

static char *step_payload(const county *c, const ds_step *s, size_t *len) {
  char *subject = ds_expand(&c->ctx, s->subject), *body = ds_expand(&c->ctx, s->body), t[40];
  ds_time(s->date, t);
  char *p = payload(c, s->type, subject, t, body, len);
  free(subject);
  free(body);
  return p;
}

static int submit(const county *c, json_t *env, aidreg_result *res) {
  const json_t *one[1] = {env};
  aidreg_registry_submit(reg, c->code, one, 1, "", res);
  json_decref(env);
  return res->status;
}

static uint64_t tree_size(const county *c) {
  json_t *page = NULL;
  aidreg_problem p;
  if (aidreg_registry_entries(reg, c->code, 0, 1, &page, &p)) return UINT64_MAX;
  uint64_t s = (uint64_t)json_integer_value(json_object_get(page, "size"));
  json_decref(page);
  return s;
}

/* ---- the stored projection ---- */

static char *fingerprint(const county *c) {
  static db_stmt q = {"SELECT md5(coalesce(string_agg(kind || ':' || id || ':' || doc::text || ':' || updated_at, ',' "
                      "ORDER BY kind, id), '')) FROM entity_doc WHERE ledger = $1",
                      0};
  const char *params[1] = {c->code};
  PGresult *r = ar_db_run(db, &q, 1, params, NULL);
  char *out = r && PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
  PQclear(r);
  return out;
}

static json_t *stored_doc(const county *c, const char *kind, const char *id) {
  static db_stmt q = {"SELECT doc::text FROM entity_doc WHERE ledger = $1 AND kind = $2 AND id = $3", 0};
  const char *params[3] = {c->code, kind, id};
  PGresult *r = ar_db_run(db, &q, 3, params, NULL);
  json_t *doc = r && PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
  PQclear(r);
  return doc;
}

/* Asset, plan and project documents through the read API; the others as stored. */
static json_t *get_doc(void *ctx, const char *kind, const char *id) {
  const county *c = ctx;
  json_t *out = NULL;
  aidreg_problem p;
  int rc = 1;
  if (strcmp(kind, "asset") == 0) rc = aidreg_state_asset(reg, c->code, id, &out, &p);
  else if (strcmp(kind, "plan") == 0) rc = aidreg_state_plan(reg, c->code, id, &out, &p);
  else if (strcmp(kind, "project") == 0) rc = aidreg_state_project(reg, c->code, id, &out, &p);
  else return stored_doc(c, kind, id);
  return rc == 0 ? out : NULL;
}

static int invariants(const county *c) {
  int bad = 0;
  aidreg_state_query q = {.limit = 1000};
  json_t *list = NULL, *v;
  aidreg_problem p;
  size_t i;
  if (aidreg_state_assets(reg, c->code, &q, &list, &p) == 0)
    json_array_foreach(json_object_get(list, "items"), i, v) bad += dc_asset(v);
  else bad++;
  json_decref(list);
  if (aidreg_state_plans(reg, c->code, &q, &list, &p) == 0)
    json_array_foreach(json_object_get(list, "items"), i, v) bad += dc_plan(v);
  else bad++;
  json_decref(list);
  static db_stmt qi = {"SELECT doc::text FROM entity WHERE ledger = $1 AND kind = 'income'", 0};
  const char *params[1] = {c->code};
  PGresult *r = ar_db_run(db, &qi, 1, params, NULL);
  for (int k = 0; r && k < PQntuples(r); k++) {
    json_t *doc = json_loads(PQgetvalue(r, k, 0), 0, NULL);
    bad += doc ? dc_income(doc) : 1;
    json_decref(doc);
  }
  PQclear(r);
  return bad;
}

/* ---- setting up a county ---- */

static void county_init(county *c) {
  snprintf(c->code, sizeof c->code, "9%05u", randombytes_uniform(100000));
  snprintf(c->origin, sizeof c->origin, "test.aidreg/%s", c->code);
  memset(&c->ctx, 0, sizeof c->ctx);
  snprintf(c->ctx.county, sizeof c->ctx.county, "%s", c->code);
  for (size_t i = 0; i < DS_NACTORS; i++) aidreg_key_id(actors[i].pk, c->ctx.keyids[i]);

  char rid[45], body[1024], t[40];
  aidreg_key_id(root.pk, rid);
  snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"测试县\",\"root_key\":\"%s\",\"settings\":{\"publicity_days\":7}}",
           c->code, rid);
  size_t len;
  char *pl = payload(c, "ledger.create", c->code, "2023-01-01T00:00:00Z", body, &len);
  json_t *env = envelope(&root, pl, len);
  free(pl);
  aidreg_result res;
  char *vkey = NULL;
  aidreg_registry_create_ledger(reg, env, &res, &vkey);
  json_decref(env);
  free(vkey);
  CHECK_MSG(res.status == 201, "create: %d %s", res.status, res.problem.detail);
  aidreg_result_free(&res);
  for (size_t i = 0; i < DS_NACTORS; i++) {
    snprintf(body, sizeof body,
             "{\"key\":\"%s\",\"role\":\"%s\",\"scope\":\"%s%s\",\"holder\":{\"name\":\"%s\",\"org\":\"测试\"}}",
             c->ctx.keyids[i], aidreg_role_name(ds_actors[i].role), c->code, ds_actors[i].scope, ds_actors[i].name);
    snprintf(t, sizeof t, "2023-01-02T00:00:00Z");
    pl = payload(c, "key.enroll", c->ctx.keyids[i], t, body, &len);
    int st = submit(c, envelope(&root, pl, len), &res);
    free(pl);
    CHECK_MSG(st == 201, "enrol %s: %d %s", ds_actors[i].name, st, res.problem.detail);
    aidreg_result_free(&res);
  }
}

/* ---- the history, entry by entry ---- */

static void run_stepwise(county *c) {
  for (size_t i = 0; i < DS_NSTEPS; i++) {
    const ds_step *s = &ds_script[i];
    size_t len;
    char *pl = step_payload(c, s, &len);
    uint64_t before = tree_size(c);
    char *fp = s->expect != AIDREG_OK ? fingerprint(c) : NULL;
    aidreg_result res;
    int st = submit(c, envelope(&actors[ds_actor(s->who)], pl, len), &res);
    free(pl);
    int want = s->expect == AIDREG_OK ? 201 : aidreg_problem_status(s->expect);
    CHECK_MSG(st == want && (s->expect == AIDREG_OK || res.problem.code == s->expect),
              "step %zu (%s %s by %s): %d %s, want %d %s [%s: %s]", i, s->type, s->subject, s->who, st,
              aidreg_problem_slug(res.problem.code), want, aidreg_problem_slug(s->expect), res.problem.field,
              res.problem.detail);
    if (st == 201) {
      char ref[65];
      aidreg_hex_encode(res.receipt.payload_sha256, 32, ref);
      if (s->label) ds_set_ref(&c->ctx, s->label, ref);
    } else {
      /* Nothing stored: not the entry, not a change of state. */
      char *after = fingerprint(c);
      CHECK_MSG(tree_size(c) == before, "step %zu: a refusal changed the tree size", i);
      CHECK_MSG(fp && after && strcmp(fp, after) == 0, "step %zu: a refusal changed the projection", i);
      free(after);
    }
    free(fp);
    aidreg_result_free(&res);
    int bad = ds_checks(&c->ctx, s->checks, get_doc, c, i);
    CHECK_MSG(bad == 0, "step %zu (%s %s): %d checks failed", i, s->type, s->subject, bad);
    int inv = invariants(c);
    CHECK_MSG(inv == 0, "step %zu (%s %s): %d invariants broken", i, s->type, s->subject, inv);
  }
}

/* ---- the same history as one batch ---- */

static void run_batch(county *c) {
  json_t *envs[DS_NSTEPS];
  for (size_t i = 0; i < DS_NSTEPS; i++) {
    size_t len;
    char *pl = step_payload(c, &ds_script[i], &len);
    uint8_t h[32];
    char ref[65];
    aidreg_sha256(pl, len, h);
    aidreg_hex_encode(h, 32, ref);
    if (ds_script[i].label && ds_script[i].expect == AIDREG_OK) ds_set_ref(&c->ctx, ds_script[i].label, ref);
    envs[i] = envelope(&actors[ds_actor(ds_script[i].who)], pl, len);
    free(pl);
  }
  aidreg_result *res = calloc(DS_NSTEPS, sizeof *res);
  aidreg_registry_submit(reg, c->code, (const json_t *const *)envs, DS_NSTEPS, "/envelopes", res);
  for (size_t i = 0; i < DS_NSTEPS; i++) {
    int want = ds_script[i].expect == AIDREG_OK ? 201 : aidreg_problem_status(ds_script[i].expect);
    CHECK_MSG(res[i].status == want && (ds_script[i].expect == AIDREG_OK || res[i].problem.code == ds_script[i].expect),
              "batch step %zu: %d %s, want %d [%s]", i, res[i].status, aidreg_problem_slug(res[i].problem.code), want,
              res[i].problem.detail);
    aidreg_result_free(&res[i]);
    json_decref(envs[i]);
  }
  free(res);
  CHECK(invariants(c) == 0);
}

/* ---- the read API ---- */

static json_t *list(const county *c, int kind, const char *village, const char *township, const char *klass,
                    const char *status, const char *q, int year) {
  aidreg_state_query qq = {village, township, klass, status, q, year, 0, 0};
  json_t *out = NULL;
  aidreg_problem p;
  int rc = kind == 0 ? aidreg_state_assets(reg, c->code, &qq, &out, &p)
           : kind == 1 ? aidreg_state_plans(reg, c->code, &qq, &out, &p)
                       : aidreg_state_projects(reg, c->code, &qq, &out, &p);
  CHECK_MSG(rc == 0, "list: %s", p.detail);
  return out;
}

static json_int_t total(json_t *page) {
  json_int_t n = json_integer_value(json_object_get(page, "total"));
  json_decref(page);
  return n;
}

static void reads(const county *c) {
  char va[16], vb[16], tw[16];
  snprintf(va, sizeof va, "%s100201", c->code);
  snprintf(vb, sizeof vb, "%s100202", c->code);
  snprintf(tw, sizeof tw, "%s100", c->code);
  CHECK(total(list(c, 0, NULL, NULL, NULL, NULL, NULL, 0)) == 4);
  CHECK(total(list(c, 0, va, NULL, NULL, NULL, NULL, 0)) == 3); /* PV (shared), road, greenhouse */
  CHECK(total(list(c, 0, vb, NULL, NULL, NULL, NULL, 0)) == 2); /* PV (shared), cows */
  CHECK(total(list(c, 0, NULL, tw, NULL, NULL, NULL, 0)) == 4);
  CHECK(total(list(c, 0, NULL, NULL, "operating", NULL, NULL, 0)) == 2);
  CHECK(total(list(c, 0, NULL, NULL, NULL, "disposed", NULL, 0)) == 1);
  CHECK(total(list(c, 0, NULL, NULL, NULL, NULL, "光伏", 0)) == 1);
  CHECK(total(list(c, 0, NULL, NULL, NULL, NULL, "a-road", 0)) == 1);
  CHECK(total(list(c, 1, va, NULL, NULL, NULL, NULL, 0)) == 1);
  CHECK(total(list(c, 1, NULL, NULL, NULL, NULL, NULL, 2024)) == 3);
  CHECK(total(list(c, 1, NULL, NULL, NULL, "withdrawn", NULL, 0)) == 1);
  CHECK(total(list(c, 2, NULL, NULL, NULL, NULL, NULL, 2023)) == 1);

  /* Paging. */
  aidreg_state_query q = {.limit = 3};
  json_t *page = NULL;
  aidreg_problem p;
  CHECK(aidreg_state_assets(reg, c->code, &q, &page, &p) == 0);
  CHECK(json_array_size(json_object_get(page, "items")) == 3 && json_integer_value(json_object_get(page, "next")) == 3);
  json_decref(page);
  q.from = 3;
  CHECK(aidreg_state_assets(reg, c->code, &q, &page, &p) == 0);
  CHECK(json_array_size(json_object_get(page, "items")) == 1 && json_is_null(json_object_get(page, "next")));
  json_decref(page);
  aidreg_state_query bad = {.village = "12"};
  CHECK(aidreg_state_assets(reg, c->code, &bad, &page, &p) == -1 && p.code == AIDREG_E_INVALID_QUERY);
  CHECK(aidreg_state_assets(reg, "999999", NULL, &page, &p) == -1 && p.code == AIDREG_E_UNKNOWN_LEDGER);
  CHECK(aidreg_state_asset(reg, c->code, "A-NONE", &page, &p) == -1 && p.code == AIDREG_E_NOT_FOUND);

  /* An asset's history: every entry, the corrected one marked. */
  json_t *a = NULL;
  CHECK(aidreg_state_asset(reg, c->code, "A-PV-01", &a, &p) == 0);
  json_t *h = json_object_get(a, "history");
  CHECK(json_array_size(h) == 7);
  size_t i, corrected = 0;
  json_t *e;
  json_array_foreach(h, i, e) {
    if (!json_is_null(json_object_get(e, "corrected_by"))) corrected++;
    json_t *s0 = json_array_get(json_object_get(e, "signers"), 0);
    CHECK(json_string_value(json_object_get(s0, "role")) != NULL);
  }
  CHECK(corrected == 1);
  CHECK_STR(json_string_value(json_object_get(json_object_get(a, "income"), "net_yuan")), "17500.01");
  /* What grows with the asset's history is in its own read, not in list items. */
  CHECK(json_array_size(json_object_get(a, "incomes")) > 0 && json_is_array(json_object_get(a, "notices")));
  json_decref(a);
  page = list(c, 0, NULL, NULL, NULL, NULL, NULL, 0);
  CHECK(json_array_size(json_object_get(page, "items")) == 4);
  json_array_foreach(json_object_get(page, "items"), i, e) {
    CHECK(json_object_get(e, "incomes") == NULL && json_object_get(e, "notices") == NULL);
    CHECK(json_is_array(json_object_get(e, "shares")) && json_is_object(json_object_get(e, "income")));
  }
  json_decref(page);

  /* The plan: lines with paid and remaining, its payouts. */
  CHECK(aidreg_state_plan(reg, c->code, "PL-2024-A1", &a, &p) == 0);
  CHECK(json_array_size(json_object_get(a, "payouts")) == 4);
  CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(a, "lines"), 0), "paid_yuan")), "3400.01");
  json_decref(a);

  /* Summaries: the county, and village A's shares. */
  CHECK(aidreg_state_summary(reg, c->code, NULL, &a, &p) == 0);
  CHECK(json_integer_value(json_object_get(json_object_get(a, "assets"), "total")) == 4);
  CHECK(json_integer_value(json_object_get(a, "original_value_fen")) == 80000000 + 50000000 + 3000000 + 20000000);
  CHECK(json_integer_value(json_object_get(a, "income_net_fen")) == 1750001);
  CHECK(json_integer_value(json_object_get(a, "allocated_fen")) == 1750001 - 40000 - 510000);
  CHECK(json_integer_value(json_object_get(a, "unallocated_fen")) == 40000 + 510000);
  CHECK(json_integer_value(json_object_get(a, "paid_fen")) == 540001);
  json_decref(a);
  CHECK(aidreg_state_summary(reg, c->code, va, &a, &p) == 0);
  CHECK(json_integer_value(json_object_get(json_object_get(a, "assets"), "total")) == 3);
  CHECK(json_integer_value(json_object_get(a, "original_value_fen")) == 48000000 + 50000000 + 20000000);
  CHECK(json_integer_value(json_object_get(a, "income_net_fen")) == 540001 + 510000);
  CHECK(json_integer_value(json_object_get(a, "unallocated_fen")) == 510000);
  json_decref(a);
}

/* A stored document that does not read back (jansson refuses an integer of 31 digits) is
 * an error that names the cure, never a hole in a list or a history. */
static void damaged(const county *c) {
  static db_stmt q_damage = {
      "UPDATE entity SET doc = jsonb_set(doc, '{damage}', '1e30') WHERE ledger = $1 AND kind = $2 AND id = $3", 0};
  aidreg_state_query all = {.limit = 1000}, welfare = {.klass = "public_welfare", .limit = 1000};
  json_t *out = NULL;
  aidreg_problem p;
  const char *asset[3] = {c->code, "asset", "A-PV-01"};
  CHECK(ar_db_do(db, &q_damage, 3, asset) == 0);
  CHECK(aidreg_state_assets(reg, c->code, &all, &out, &p) == -1 && p.code == AIDREG_E_INTERNAL);
  CHECK_MSG(strstr(p.detail, "aidreg rebuild --check") != NULL, "%s", p.detail);
  CHECK(aidreg_state_asset(reg, c->code, "A-PV-01", &out, &p) == -1 && p.code == AIDREG_E_INTERNAL);
  CHECK(aidreg_state_assets(reg, c->code, &welfare, &out, &p) == 0); /* a page without it reads */
  json_decref(out);
  const char *log[3] = {c->code, "log", "PL-2024-A1"};
  CHECK(ar_db_do(db, &q_damage, 3, log) == 0);
  CHECK(aidreg_state_plan(reg, c->code, "PL-2024-A1", &out, &p) == -1 && p.code == AIDREG_E_INTERNAL);
  CHECK_MSG(strstr(p.detail, "log PL-2024-A1") != NULL, "%s", p.detail);
}

int main(void) {
  test_require_database();
  if (sodium_init() < 0) return 1;
  aidreg_keypair log_key;
  reg = test_registry_open(&log_key); /* checks that the database is named */
  if (!reg) return test_done();
  url = getenv("AIDREG_DATABASE_URL");
  char err[512];
  db = ar_db_connect(url, err, sizeof err);
  CHECK_MSG(db != NULL, "connect: %s", err);
  aidreg_key_generate(&root);
  for (size_t i = 0; i < DS_NACTORS; i++) aidreg_key_generate(&actors[i]);

  county one, batch;
  county_init(&one);
  run_stepwise(&one);
  reads(&one);
  CHECK_MSG(aidreg_rebuild_check(url, one.code, stderr) == 0, "rebuild of %s differs", one.code);

  county_init(&batch);
  run_batch(&batch);
  CHECK_MSG(aidreg_rebuild_check(url, batch.code, stderr) == 0, "rebuild of %s differs", batch.code);

  /* Tampering with the projection is what rebuild --check finds. */
  static db_stmt q_tamper = {
      "UPDATE entity SET doc = jsonb_set(doc, '{income,net_fen}', '1') WHERE ledger = $1 AND kind = 'asset' AND id = "
      "'A-PV-01'",
      0};
  const char *tp[1] = {batch.code};
  CHECK(ar_db_do(db, &q_tamper, 1, tp) == 0);
  CHECK(aidreg_rebuild_check(url, batch.code, NULL) == 1);

  damaged(&batch);

  ar_db_close(db);
  aidreg_registry_close(reg);
  aidreg_key_wipe(&log_key);
  return test_done();
}
