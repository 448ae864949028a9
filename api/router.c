/* Routes as data (after Taler's handlers[] table): one row per method and path
 * pattern. An unknown path is 404 NOT_FOUND; a known path with another method is 405
 * METHOD_NOT_ALLOWED with an Allow header; a {code} that is not 6 digits is 404
 * UNKNOWN_LEDGER before the library is asked. */
#include <stdio.h>
#include <string.h>

#include "h_desk.h"
#include "h_audit.h"
#include "h_blobs.h"
#include "h_places.h"
#include "h_reports.h"
#include "h_static.h"
#include "h_state.h"
#include "httpd.h"
#include "metrics.h"

static const httpd_route routes[] = {
  {"GET", "/healthz", h_healthz, 0, false},
  {"GET", "/metrics", h_metrics, 0, false},
  {"GET", "/v1/ledgers", h_ledgers_list, 0, false},
  {"POST", "/v1/ledgers", h_ledgers_create, HTTPD_ENVELOPE_MAX, true},
  {"GET", "/v1/ledgers/{code}/entries", h_entries_list, 0, false},
  {"POST", "/v1/ledgers/{code}/entries", h_entries_submit, HTTPD_BATCH_MAX, false},
  {"GET", "/v1/ledgers/{code}/entries/{index}", h_entry_get, 0, false},
  {"GET", "/v1/ledgers/{code}/entries/{index}/receipt", h_entry_receipt, 0, false},
  {"GET", "/v1/ledgers/{code}/proof/inclusion", h_proof_inclusion, 0, false},
  {"GET", "/v1/ledgers/{code}/proof/consistency", h_proof_consistency, 0, false},
  {"GET", "/log/{code}/checkpoint", h_log_checkpoint, 0, false},
  {"GET", "/log/{code}/tile/{rest}", h_log_tile, 0, false},
  {"GET", "/v1/ledgers/{code}/projects", h_state_projects, 0, false},
  {"GET", "/v1/ledgers/{code}/projects/{id}", h_state_project, 0, false},
  {"GET", "/v1/ledgers/{code}/assets", h_state_assets, 0, false},
  {"GET", "/v1/ledgers/{code}/assets/{id}", h_state_asset, 0, false},
  {"GET", "/v1/ledgers/{code}/plans", h_state_plans, 0, false},
  {"GET", "/v1/ledgers/{code}/plans/{id}", h_state_plan, 0, false},
  {"GET", "/v1/ledgers/{code}/villages/{village}/summary", h_state_village_summary, 0, false},
  {"GET", "/v1/ledgers/{code}/summary", h_state_summary, 0, false},
  {"GET", "/v1/ledgers/{code}/places", h_places, 0, false},
  {"GET", "/v1/ledgers/{code}/townships/{township}/summary", h_desk_township_summary, 0, false},
  {"GET", "/v1/ledgers/{code}/keys", h_desk_keys, 0, false},
  {"GET", "/v1/ledgers/{code}/settings", h_desk_settings, 0, false},
  {"GET", "/v1/ledgers/{code}/incomes", h_desk_incomes, 0, false},
  {"GET", "/v1/ledgers/{code}/notices", h_desk_notices, 0, false},
  {"GET", "/v1/ledgers/{code}/findings", h_desk_findings, 0, false},
  {"GET", "/v1/ledgers/{code}/reports/{name}", h_reports, 0, false},
  {"GET", "/v1/ledgers/{code}/audit", h_audit, 0, false},
  {"PUT", "/v1/ledgers/{code}/blobs/{sha256}", h_blob_put, HTTPD_BODY_FILE, false},
  {"GET", "/v1/ledgers/{code}/blobs/{sha256}", h_blob_get, 0, false},
  {"GET", "/v1/ledgers/{code}/blobs", h_blob_list, 0, false},
  {"GET", "/openapi.json", h_openapi, 0, false},
  /* The web app (h_static.c): / and /app lead to /app/. */
  {"GET", "/", h_static_redirect, 0, false},
  {"GET", "/app", h_static_redirect, 0, false},
  {"GET", "/app/", h_static, 0, false},
  {"GET", "/app/{rest}", h_static, 0, false},
};

#define ROUTE_COUNT ((int)(sizeof routes / sizeof routes[0]))
_Static_assert(sizeof routes / sizeof routes[0] < METRICS_MAX_SLOTS, "raise METRICS_MAX_SLOTS");

int router_route_count(void) { return ROUTE_COUNT; }

const char *router_pattern(int slot) {
  return slot >= 0 && slot < ROUTE_COUNT ? routes[slot].pattern : "unmatched";
}

/* The metrics slot of route i: the first route with the same pattern, so that one
 * pattern (GET and POST /v1/ledgers) is one label value. */
static int slot_of(int i) {
  for (int j = 0; j < i; j++)
    if (strcmp(routes[j].pattern, routes[i].pattern) == 0) return j;
  return i;
}

typedef struct {
  char code[8]; /* "" when the segment was too long to be a code */
  char arg[HTTPD_ARG_MAX];
  bool has_code;
} captures;

/* Copy n bytes of s into out (cap bytes); false when it does not fit. */
static bool copy_capture(char *out, size_t cap, const char *s, size_t n) {
  if (n >= cap) return false;
  memcpy(out, s, n);
  out[n] = '\0';
  return true;
}

/* Does path match pattern? Placeholders match one non-empty segment; {rest} matches
 * the non-empty remainder. */
static bool match(const char *pat, const char *path, captures *c) {
  memset(c, 0, sizeof *c);
  while (*pat) {
    if (*pat != '{') {
      if (*pat++ != *path++) return false;
      continue;
    }
    const char *close = strchr(pat, '}');
    size_t name_len = (size_t)(close - pat - 1);
    if (name_len == 4 && strncmp(pat + 1, "rest", 4) == 0) {
      return *path && copy_capture(c->arg, sizeof c->arg, path, strlen(path));
    }
    size_t seg = strcspn(path, "/");
    if (seg == 0) return false;
    if (name_len == 4 && strncmp(pat + 1, "code", 4) == 0) {
      c->has_code = true;
      if (!copy_capture(c->code, sizeof c->code, path, seg)) c->code[0] = '\0';
    } else if (!copy_capture(c->arg, sizeof c->arg, path, seg)) {
      return false;
    }
    path += seg;
    pat = close + 1;
  }
  return *path == '\0';
}

static bool is_county_code(const char *s) {
  for (int i = 0; i < 6; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return s[6] == '\0';
}

static void allow_add(char *allow, size_t cap, const char *method) {
  if (strstr(allow, method)) return;
  size_t len = strlen(allow);
  snprintf(allow + len, cap - len, "%s%s", len ? ", " : "", method);
}

const httpd_route *router_find(const char *method, const char *path, httpd_request *rq) {
  bool head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
  int path_slot = -1;
  captures c;
  rq->allow[0] = '\0';
  for (int i = 0; i < ROUTE_COUNT; i++) {
    const httpd_route *rt = &routes[i];
    if (!match(rt->pattern, path, &c)) continue;
    if (path_slot < 0) path_slot = i;
    allow_add(rq->allow, sizeof rq->allow, rt->method);
    if (strcmp(rt->method, MHD_HTTP_METHOD_GET) == 0) allow_add(rq->allow, sizeof rq->allow, "HEAD");
    if (strcmp(rt->method, method) != 0 && !(head && strcmp(rt->method, MHD_HTTP_METHOD_GET) == 0))
      continue;
    rq->route_slot = slot_of(i);
    memcpy(rq->code, c.code, sizeof rq->code);
    memcpy(rq->arg, c.arg, sizeof rq->arg);
    if (c.has_code && !is_county_code(c.code)) {
      aidreg_problem_set(&rq->refusal, AIDREG_E_UNKNOWN_LEDGER, NULL,
                         "a ledger is named by its 6-digit county code");
      return NULL;
    }
    return rt;
  }
  if (path_slot >= 0) {
    rq->route_slot = slot_of(path_slot);
    aidreg_problem_set(&rq->refusal, AIDREG_E_METHOD_NOT_ALLOWED, NULL, "%s is not allowed here; allowed: %s",
                       method, rq->allow);
    return NULL;
  }
  rq->route_slot = ROUTE_COUNT;
  aidreg_problem_set(&rq->refusal, AIDREG_E_NOT_FOUND, NULL, "no such resource");
  return NULL;
}
