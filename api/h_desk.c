/* The county's desk (docs/api.md "Current state"): the library reads
 * (aidreg_state_township_summary, _keys, _settings, _incomes, _notices, _findings); this
 * file checks the path and the query string. Query strings are strict (query.c): a
 * parameter a route does not take, one given twice or a malformed value is 400
 * INVALID_QUERY with field "/query/<name>". */
#include <stdio.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/state.h"
#include "h_desk.h"
#include "query.h"
#include "reply.h"

typedef int (*whole_fn)(aidreg_registry *, const char *, json_t **, aidreg_problem *);

/* A read of the whole ledger that takes no query parameter. */
static enum MHD_Result whole(httpd_request *rq, whole_fn fn) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (query_parse(rq->conn, NULL, 0, &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *out = NULL;
  int rc = fn(rq->srv->registry, rq->code, &out, &p);
  return reply_read(rq, rc, out, &p);
}

enum MHD_Result h_desk_keys(httpd_request *rq) { return whole(rq, aidreg_state_keys); }
enum MHD_Result h_desk_settings(httpd_request *rq) { return whole(rq, aidreg_state_settings); }

static bool digits(const char *s, size_t n) {
  if (!s || strlen(s) != n) return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

enum MHD_Result h_desk_township_summary(httpd_request *rq) {
  if (!digits(rq->arg, 9) || strncmp(rq->arg, rq->code, 6) != 0)
    return reply_error(rq, AIDREG_E_NOT_FOUND, NULL,
                       "no such township: a township is named by its 9-digit code inside county %s", rq->code);
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (query_parse(rq->conn, NULL, 0, &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *out = NULL;
  int rc = aidreg_state_township_summary(rq->srv->registry, rq->code, rq->arg, &out, &p);
  return reply_read(rq, rc, out, &p);
}

typedef struct {
  httpd_request *rq;
  aidreg_state_query *q;
  const char **asset;
} incomes_ctx;

static const char *take_village(void *ctx, const char *v, char *buf, size_t cap) {
  incomes_ctx *t = ctx;
  if (!digits(v, 12)) return "a village is named by its 12-digit code";
  if (strncmp(v, t->rq->code, 6) != 0) {
    snprintf(buf, cap, "village %s lies outside county %s", v, t->rq->code);
    return buf;
  }
  t->q->village = v;
  return NULL;
}

static const char *take_asset(void *ctx, const char *v, char *buf, size_t cap) {
  (void)buf;
  (void)cap;
  incomes_ctx *t = ctx;
  if (!aidreg_state_id_ok(v))
    return "an asset code is 1 to 64 printable ASCII characters without space or / ? # % \\ \"";
  *t->asset = v;
  return NULL;
}

static const char *take_year(void *ctx, const char *v, char *buf, size_t cap) {
  (void)buf;
  (void)cap;
  incomes_ctx *t = ctx;
  if (!digits(v, 4) || v[0] == '0') return "expected a year of 4 digits";
  t->q->year = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
  return NULL;
}

static const char *take_limit(void *ctx, const char *v, char *buf, size_t cap) {
  (void)buf;
  (void)cap;
  incomes_ctx *t = ctx;
  uint64_t n;
  if (!v || query_u64(v, &n) != 0 || n < 1 || n > 1000) return "limit is a decimal integer from 1 to 1000";
  t->q->limit = (unsigned)n;
  return NULL;
}

enum MHD_Result h_desk_incomes(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  aidreg_state_query q = {.limit = 100};
  const char *asset = NULL;
  incomes_ctx ctx = {.rq = rq, .q = &q, .asset = &asset};
  query_check cv = {take_village, &ctx}, ca = {take_asset, &ctx}, cy = {take_year, &ctx}, cl = {take_limit, &ctx};
  const query_param spec[] = {
      {.name = "village", .kind = QUERY_CHECK, .out = &cv}, {.name = "asset", .kind = QUERY_CHECK, .out = &ca},
      {.name = "year", .kind = QUERY_CHECK, .out = &cy},    {.name = "from", .kind = QUERY_U64, .out = &q.from},
      {.name = "limit", .kind = QUERY_CHECK, .out = &cl},
  };
  if (query_parse(rq->conn, spec, sizeof spec / sizeof spec[0], &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *out = NULL;
  int rc = aidreg_state_incomes(rq->srv->registry, rq->code, &q, asset, &out, &p);
  return reply_read(rq, rc, out, &p);
}

typedef int (*page_fn)(aidreg_registry *, const char *, const aidreg_state_query *, json_t **, aidreg_problem *);

/* A list of the whole ledger paged by from and limit (as the other lists). */
static enum MHD_Result paged(httpd_request *rq, page_fn fn) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  aidreg_state_query q = {.limit = 100};
  incomes_ctx ctx = {.rq = rq, .q = &q};
  query_check cl = {take_limit, &ctx};
  const query_param spec[] = {{.name = "from", .kind = QUERY_U64, .out = &q.from},
                              {.name = "limit", .kind = QUERY_CHECK, .out = &cl}};
  if (query_parse(rq->conn, spec, sizeof spec / sizeof spec[0], &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *out = NULL;
  int rc = fn(rq->srv->registry, rq->code, &q, &out, &p);
  return reply_read(rq, rc, out, &p);
}

enum MHD_Result h_desk_notices(httpd_request *rq) { return paged(rq, aidreg_state_notices); }
enum MHD_Result h_desk_findings(httpd_request *rq) { return paged(rq, aidreg_state_findings); }
