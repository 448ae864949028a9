/* Bounds of the state (issue 9, items 12 and 16), against the real PostgreSQL: an asset's
 * history is paged (200 steps, history_next) and a page of entries stops at
 * max_response_bytes of leaves (next), so that no answer grows without bound; a project or an
 * asset with more than 64 locations is refused with a clear problem (the rules split
 * shares and check scopes over at most 64, and used to cut the rest silently), and
 * nothing is stored; a county summary whose sums pass INT64_MAX is refused with
 * amount-overflow instead of answering INT64_MAX. */
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
#include "aidreg/state.h"
#include "registry_env.h"
#include "test.h"

static aidreg_registry *reg;
static PGconn *admin;
static char code[8], origin[64];
static aidreg_keypair root;

static json_t *envelope(const char *type, const char *subject, const char *body) {
  char now[40];
  aidreg_rfc3339_format((int64_t)time(NULL), 0, now, sizeof now);
  size_t cap = strlen(body) + 1024;
  char *payload = malloc(cap);
  int n = snprintf(payload, cap, "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":%s}",
                   origin, type, subject, now, body);
  aidreg_envelope env;
  json_t *j = NULL;
  if (aidreg_envelope_sign((const uint8_t *)payload, (size_t)n, &root, 1, &env) == 0) {
    size_t len;
    char *text = aidreg_envelope_serialize(&env, &len);
    aidreg_envelope_free(&env);
    j = json_loadb(text, len, 0, NULL);
    free(text);
  }
  free(payload);
  return j;
}

static int submit(const char *type, const char *subject, const char *body, aidreg_result *res) {
  json_t *env = envelope(type, subject, body);
  const json_t *one[1] = {env};
  aidreg_registry_submit(reg, code, one, 1, "", res);
  json_decref(env);
  return res->status;
}

static long long stored(void) {
  const char *params[1] = {code};
  PGresult *r = PQexecParams(admin, "SELECT count(*) FROM leaf WHERE ledger = $1", 1, NULL, params, NULL, NULL, 0);
  long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return n;
}

/* n village codes as a JSON array of codes, or of {"code","share_bp"} with shares adding
 * up to 10000. */
static char *villages(int n, bool shares) {
  char *out = malloc((size_t)n * 48 + 16);
  size_t len = 0;
  out[len++] = '[';
  for (int i = 0; i < n; i++) {
    int bp = 10000 / n + (i == 0 ? 10000 % n : 0);
    len += (size_t)(shares ? sprintf(out + len, "%s{\"code\":\"%s%03d%03d\",\"share_bp\":%d}", i ? "," : "", code,
                                     1 + i / 100, 1 + i % 100, bp)
                           : sprintf(out + len, "%s\"%s%03d%03d\"", i ? "," : "", code, 1 + i / 100, 1 + i % 100));
  }
  out[len++] = ']';
  out[len] = 0;
  return out;
}

static void project(const char *id, int nloc, aidreg_result *res) {
  char *locs = villages(nloc, false);
  char *body = malloc(strlen(locs) + 1024);
  sprintf(body,
          "{\"name\":\"项目\",\"type\":\"rural_construction\",\"year\":2024,\"funding_lines\":[{\"channel\":\"衔接资金\","
          "\"year\":2024,\"amount_fen\":1}],\"locations\":%s,\"industry_dept\":\"县\",\"implementing_unit\":\"镇\"}",
          locs);
  submit("project.register", id, body, res);
  free(body);
  free(locs);
}

static void asset(const char *id, int nloc, const char *value, aidreg_result *res) {
  char *locs = villages(nloc, true);
  char *body = malloc(strlen(locs) + 1024);
  sprintf(body,
          "{\"project\":\"P-1\",\"name\":\"资产\",\"class\":\"public_welfare\",\"subtype\":\"road\",\"form\":\"fixed\","
          "\"locations\":%s,\"original_value_fen\":%s,\"quantity\":1,\"unit\":\"km\",\"completed_on\":\"2024-10-01\","
          "\"accepted_on\":\"2024-11-01\"}",
          locs, value);
  submit("asset.register", id, body, res);
  free(body);
  free(locs);
}

#define WANT(res, st, c, what)                                                                                      \
  do {                                                                                                              \
    CHECK_MSG((res).status == (st) && ((c) == AIDREG_OK || (res).problem.code == (c)), "%s: %d %s (%s %s)", what, \
              (res).status, aidreg_problem_slug((res).problem.code), (res).problem.field, (res).problem.detail);   \
    aidreg_result_free(&(res));                                                                                     \
  } while (0)

int main(void) {
  test_require_database();
  if (sodium_init() < 0) return 1;
  aidreg_keypair log_key;
  reg = test_registry_open(&log_key);
  if (!reg) return test_done();
  admin = test_superuser();

  aidreg_key_generate(&root);
  char rid[45], body[512];
  aidreg_key_id(root.pk, rid);
  aidreg_result res;
  for (int attempt = 0; attempt < 20; attempt++) {
    snprintf(code, sizeof code, "5%05u", randombytes_uniform(100000));
    snprintf(origin, sizeof origin, "test.aidreg/%s", code);
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"边界测试县\",\"root_key\":\"%s\",\"settings\":{}}", code, rid);
    json_t *create = envelope("ledger.create", code, body);
    char *vk = NULL;
    aidreg_registry_create_ledger(reg, create, &res, &vk);
    json_decref(create);
    free(vk);
    int st = res.status;
    aidreg_result_free(&res);
    if (st != 409) break;
  }

  /* 65 locations: refused, nothing stored; 64 are fine. */
  long long size = stored();
  project("P-65", 65, &res);
  WANT(res, 400, AIDREG_E_INVALID_FIELD, "project with 65 locations");
  CHECK_STR(res.problem.field, "/payload/body/locations");
  CHECK(stored() == size);
  project("P-1", 64, &res);
  WANT(res, 201, AIDREG_OK, "project with 64 locations");
  size = stored();
  asset("A-65", 65, "100", &res);
  WANT(res, 400, AIDREG_E_INVALID_FIELD, "asset with 65 locations");
  CHECK(stored() == size);
  asset("A-64", 64, "100", &res);
  WANT(res, 201, AIDREG_OK, "asset with 64 locations");

  /* Two assets worth 6e18 fen each: the county's sum passes INT64_MAX. */
  json_t *sum = NULL;
  aidreg_problem p;
  memset(&p, 0, sizeof p);
  CHECK(aidreg_state_summary(reg, code, NULL, &sum, &p) == 0);
  json_decref(sum);
  asset("A-BIG-1", 1, "6000000000000000000", &res);
  WANT(res, 201, AIDREG_OK, "a large asset");
  asset("A-BIG-2", 1, "6000000000000000000", &res);
  WANT(res, 201, AIDREG_OK, "another large asset");
  sum = NULL;
  int rc = aidreg_state_summary(reg, code, NULL, &sum, &p);
  CHECK_MSG(rc == -1 && p.code == AIDREG_E_AMOUNT_OVERFLOW, "summary over INT64_MAX: rc %d %s, value %s", rc,
            aidreg_problem_slug(p.code),
            sum ? json_dumps(json_object_get(sum, "original_value_fen"), JSON_ENCODE_ANY) : "-");
  json_decref(sum);

  /* Item 16: 250 more entries on A-64; its history comes in pages of 200. */
  {
    enum { N = 250 };
    json_t *envs[N];
    aidreg_result *results = calloc(N, sizeof *results);
    for (int i = 0; i < N; i++) {
      char st[96];
      snprintf(st, sizeof st, "{\"status\":\"in_use\",\"reason\":\"巡查 %d\"}", i);
      envs[i] = envelope("asset.status", "A-64", st);
    }
    aidreg_registry_submit(reg, code, (const json_t *const *)envs, N, "/envelopes", results);
    int ok = 0;
    for (int i = 0; i < N; i++) {
      ok += results[i].status == 201;
      aidreg_result_free(&results[i]);
      json_decref(envs[i]);
    }
    free(results);
    CHECK_MSG(ok == N, "%d of %d stored", ok, N);
    json_t *a = NULL;
    CHECK(aidreg_state_asset(reg, code, "A-64", &a, &p) == 0);
    json_t *h = json_object_get(a, "history");
    CHECK_MSG(json_array_size(h) == 200, "first page: %zu steps", json_array_size(h));
    json_t *next = json_object_get(a, "history_next");
    CHECK(json_is_integer(next) &&
          json_integer_value(next) > json_integer_value(json_object_get(json_array_get(h, 199), "index")));
    json_int_t from = json_integer_value(next);
    json_decref(a);
    a = NULL;
    CHECK(aidreg_state_asset_from(reg, code, "A-64", (uint64_t)from, &a, &p) == 0);
    h = json_object_get(a, "history");
    CHECK_MSG(json_array_size(h) == N + 1 - 200, "second page: %zu steps", json_array_size(h));
    CHECK(json_integer_value(json_object_get(json_array_get(h, 0), "index")) == from);
    CHECK(json_is_null(json_object_get(a, "history_next")));
    json_decref(a);

    /* A page of entries ends at max_response_bytes of leaves; the pages add up. */
    aidreg_keypair lk2;
    aidreg_key_generate(&lk2);
    aidreg_registry_config cfg = {.database_url = getenv("AIDREG_DATABASE_URL"),
                                  .owner_database_url = getenv("AIDREG_OWNER_DATABASE_URL"), .log_host = "test.aidreg",
                                  .log_key = &lk2, .pool_size = 1, .max_response_bytes = 16 * 1024};
    char err[256];
    aidreg_registry *small = aidreg_registry_open(&cfg, err, sizeof err);
    CHECK_MSG(small != NULL, "open: %s", err);
    uint64_t at = 0, total = 0, pages = 0, size = 0;
    while (small && pages < 1000) {
      json_t *page = NULL;
      if (aidreg_registry_entries(small, code, at, 1000, &page, &p) != 0) break;
      size_t n = json_array_size(json_object_get(page, "entries"));
      size = (uint64_t)json_integer_value(json_object_get(page, "size"));
      json_t *nx = json_object_get(page, "next");
      size_t bytes = 0;
      json_t *e;
      size_t k;
      json_array_foreach(json_object_get(page, "entries"), k, e) {
        char *t = json_dumps(json_object_get(e, "envelope"), JSON_COMPACT);
        bytes += t ? strlen(t) : 0;
        free(t);
      }
      CHECK_MSG(n == 1 || bytes <= 16 * 1024, "a page of %zu entries holds %zu bytes of envelopes", n, bytes);
      total += n;
      pages++;
      bool last = json_is_null(nx);
      at = (uint64_t)json_integer_value(nx);
      json_decref(page);
      if (last) break;
    }
    CHECK_MSG(total == size && pages > 1, "%llu entries in %llu pages, size %llu", (unsigned long long)total,
              (unsigned long long)pages, (unsigned long long)size);
    aidreg_registry_close(small);
  }

  aidreg_registry_close(reg);
  PQfinish(admin);
  aidreg_key_wipe(&log_key);
  return test_done();
}
