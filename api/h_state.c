/* The state read API: projects, assets, plans and summaries of one ledger, as the
 * library's projection shows them (include/aidreg/state.h). This file checks the path
 * and the query string and shapes the answer; the library reads the state.
 *
 * Query strings are strict, as on every route (query.c): a parameter the endpoint does
 * not know, one given twice, or a malformed value is 400 INVALID_QUERY with field
 * "/query/<name>". Codes are checked against the ledger's county; enumerations are
 * those of docs/events.md. A path {id} that no entry could have named is 404 NOT_FOUND
 * without asking the library. */
#include <stdio.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/state.h"
#include "h_state.h"
#include "query.h"
#include "reply.h"

#define STATE_DEFAULT_LIMIT 100
#define STATE_MAX_LIMIT 1000
#define STATE_Q_MAX 128 /* bytes of q */

/* The parameters the list endpoints take; each endpoint allows a subset. */
typedef enum {
  P_VILLAGE,
  P_TOWNSHIP,
  P_CLASS,
  P_ASSET_STATUS,
  P_PLAN_STATUS,
  P_Q,
  P_YEAR,
  P_FROM,
  P_LIMIT,
} param_kind;

static const char *param_name(param_kind k) {
  switch (k) {
    case P_VILLAGE: return "village";
    case P_TOWNSHIP: return "township";
    case P_CLASS: return "class";
    case P_ASSET_STATUS:
    case P_PLAN_STATUS: return "status";
    case P_Q: return "q";
    case P_YEAR: return "year";
    case P_FROM: return "from";
    case P_LIMIT: return "limit";
  }
  return "";
}

/* The enumerations of docs/events.md, as the library's domain lists them (aidreg/state.h):
 * value(i) is the i-th value, NULL past the last. */
typedef const char *(*values_fn)(size_t i);

static bool in_list(values_fn values, const char *v) {
  for (size_t i = 0; values(i); i++)
    if (strcmp(values(i), v) == 0) return true;
  return false;
}

/* "a, b or c" of the values into out. */
static void list_text(values_fn values, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; values(i) && n < cap; i++) {
    const char *sep = i == 0 ? "" : values(i + 1) ? ", " : " or ";
    int w = snprintf(out + n, cap - n, "%s%s", sep, values(i));
    if (w < 0) break;
    n += (size_t)w;
  }
}

static bool digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return s[n] == '\0';
}

/* An administrative code of n digits inside the ledger's county. Returns NULL when it
 * is one, else why not (into buf). */
static const char *code_problem(const char *v, size_t n, const char *county, const char *what, char *buf,
                                size_t cap) {
  if (!v || strlen(v) != n || !digits(v, n)) {
    snprintf(buf, cap, "a %s is named by its %zu-digit code", what, n);
    return buf;
  }
  if (strncmp(v, county, 6) != 0) {
    snprintf(buf, cap, "%s %s lies outside county %s", what, v, county);
    return buf;
  }
  return NULL;
}

/* What one parameter's check needs: the request (its county) and where to store. */
typedef struct {
  httpd_request *rq;
  aidreg_state_query *q;
  param_kind k;
} take_ctx;

/* Checks one parameter and stores it in the query (query_check's fn). NULL, or why it is
 * refused. */
static const char *take(void *ctx, const char *v, char *buf, size_t cap) {
  take_ctx *t = ctx;
  aidreg_state_query *q = t->q;
  param_kind k = t->k;
  uint64_t n;
  switch (k) {
    case P_VILLAGE: {
      const char *why = code_problem(v, 12, t->rq->code, "village", buf, cap);
      if (!why) q->village = v;
      return why;
    }
    case P_TOWNSHIP: {
      const char *why = code_problem(v, 9, t->rq->code, "township", buf, cap);
      if (!why) q->township = v;
      return why;
    }
    case P_CLASS:
    case P_ASSET_STATUS:
    case P_PLAN_STATUS: {
      values_fn list = k == P_CLASS          ? aidreg_state_asset_class
                       : k == P_ASSET_STATUS ? aidreg_state_asset_status
                                             : aidreg_state_plan_state;
      if (v && in_list(list, v)) {
        if (k == P_CLASS)
          q->klass = v;
        else
          q->status = v;
        return NULL;
      }
      char values[160];
      list_text(list, values, sizeof values);
      snprintf(buf, cap, "expected %s", values);
      return buf;
    }
    case P_Q:
      if (!v || !*v) return NULL; /* "q=" filters nothing */
      if (strlen(v) > STATE_Q_MAX) {
        snprintf(buf, cap, "q is at most %d bytes", STATE_Q_MAX);
        return buf;
      }
      if (!aidreg_utf8_valid((const uint8_t *)v, strlen(v))) return "q is not valid UTF-8";
      q->q = v;
      return NULL;
    case P_YEAR:
      if (!v || strlen(v) != 4 || !digits(v, 4) || v[0] == '0') return "expected a year of 4 digits";
      q->year = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
      return NULL;
    case P_FROM:
      break; /* QUERY_U64 (parse_query) */
    case P_LIMIT:
      if (query_u64(v, &n) != 0 || n < 1 || n > STATE_MAX_LIMIT) {
        snprintf(buf, cap, "limit is a decimal integer from 1 to %d", STATE_MAX_LIMIT);
        return buf;
      }
      q->limit = (unsigned)n;
      return NULL;
  }
  return "unknown parameter";
}

/* Parses the query string into q (zeroed first; limit defaults to 100) with the shared
 * strict parser (query.c): allowed names the parameters the endpoint takes. The strings q
 * points to live in the connection and stay valid until the response is queued.
 * Returns 0, or -1 with p filled. */
static int parse_query(httpd_request *rq, const param_kind *allowed, size_t n, aidreg_state_query *q,
                       aidreg_problem *p) {
  memset(q, 0, sizeof *q);
  q->limit = STATE_DEFAULT_LIMIT;
  query_param spec[P_LIMIT + 1] = {{0}}; /* all set below; gcc -O3 cannot tell */
  take_ctx ctx[P_LIMIT + 1];
  query_check check[P_LIMIT + 1];
  if (n > P_LIMIT + 1) n = P_LIMIT + 1;
  for (size_t i = 0; i < n; i++) {
    ctx[i] = (take_ctx){.rq = rq, .q = q, .k = allowed[i]};
    check[i] = (query_check){.fn = take, .ctx = &ctx[i]};
    spec[i] = allowed[i] == P_FROM ? (query_param){.name = "from", .kind = QUERY_U64, .out = &q->from}
                                   : (query_param){.name = param_name(allowed[i]), .kind = QUERY_CHECK, .out = &check[i]};
  }
  return query_parse(rq->conn, spec, n, p);
}

typedef int (*list_fn)(aidreg_registry *, const char *, const aidreg_state_query *, json_t **, aidreg_problem *);
typedef int (*item_fn)(aidreg_registry *, const char *, const char *, json_t **, aidreg_problem *);

static enum MHD_Result list(httpd_request *rq, const param_kind *allowed, size_t n, list_fn fn) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  aidreg_state_query q;
  if (parse_query(rq, allowed, n, &q, &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *out = NULL;
  int rc = fn(rq->srv->registry, rq->code, &q, &out, &p);
  return reply_read(rq, rc, out, &p);
}

static enum MHD_Result item(httpd_request *rq, const char *what, item_fn fn) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (!aidreg_state_id_ok(rq->arg))
    return reply_error(rq, AIDREG_E_NOT_FOUND, NULL,
                       "no %s has this id: ids are 1 to 64 printable ASCII characters without space or / ? # %% \\ \"",
                       what);
  if (parse_query(rq, NULL, 0, &(aidreg_state_query){0}, &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *out = NULL;
  int rc = fn(rq->srv->registry, rq->code, rq->arg, &out, &p);
  return reply_read(rq, rc, out, &p);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum MHD_Result h_state_projects(httpd_request *rq) {
  static const param_kind allowed[] = {P_Q, P_YEAR, P_FROM, P_LIMIT};
  return list(rq, allowed, COUNT(allowed), aidreg_state_projects);
}

enum MHD_Result h_state_project(httpd_request *rq) { return item(rq, "project", aidreg_state_project); }

enum MHD_Result h_state_assets(httpd_request *rq) {
  static const param_kind allowed[] = {P_VILLAGE, P_TOWNSHIP, P_CLASS, P_ASSET_STATUS, P_Q, P_FROM, P_LIMIT};
  return list(rq, allowed, COUNT(allowed), aidreg_state_assets);
}

typedef int (*paged_fn)(aidreg_registry *, const char *, const char *, uint64_t, json_t **, aidreg_problem *);

/* An asset or a plan: its history is paged (`from`: the ledger index to go on from). */
static enum MHD_Result paged_item(httpd_request *rq, const char *what, paged_fn fn) {
  static const param_kind allowed[] = {P_FROM};
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (!aidreg_state_id_ok(rq->arg))
    return reply_error(rq, AIDREG_E_NOT_FOUND, NULL,
                       "no %s has this id: ids are 1 to 64 printable ASCII characters without space or / ? # %% \\ \"",
                       what);
  aidreg_state_query q = {0};
  if (parse_query(rq, allowed, 1, &q, &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *out = NULL;
  int rc = fn(rq->srv->registry, rq->code, rq->arg, q.from, &out, &p);
  return reply_read(rq, rc, out, &p);
}

enum MHD_Result h_state_asset(httpd_request *rq) { return paged_item(rq, "asset", aidreg_state_asset_from); }

enum MHD_Result h_state_plans(httpd_request *rq) {
  static const param_kind allowed[] = {P_VILLAGE, P_YEAR, P_PLAN_STATUS, P_FROM, P_LIMIT};
  return list(rq, allowed, COUNT(allowed), aidreg_state_plans);
}

enum MHD_Result h_state_plan(httpd_request *rq) { return paged_item(rq, "plan", aidreg_state_plan_from); }

static enum MHD_Result summary(httpd_request *rq, const char *village) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (parse_query(rq, NULL, 0, &(aidreg_state_query){0}, &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *out = NULL;
  int rc = aidreg_state_summary(rq->srv->registry, rq->code, village, &out, &p);
  return reply_read(rq, rc, out, &p);
}

enum MHD_Result h_state_village_summary(httpd_request *rq) {
  char why[128];
  if (code_problem(rq->arg, 12, rq->code, "village", why, sizeof why))
    return reply_error(rq, AIDREG_E_NOT_FOUND, NULL, "no such village: %s", why);
  return summary(rq, rq->arg);
}

enum MHD_Result h_state_summary(httpd_request *rq) { return summary(rq, NULL); }
