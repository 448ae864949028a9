/* GET /openapi.json: the OpenAPI 3.1 document of every route.
 *
 * The routes, parameters and schemas are written by hand in api/www/openapi.json (under
 * the compiled-in AIDREG_WWW_DIR). The problem types are not: they come from the
 * library's registry (every code up to AIDREG_E__COUNT), merged into the document's
 * components when it is first asked for, so that the document lists exactly the
 * problems this binary can send:
 *  - components.schemas.ProblemType: oneOf one `const` per type URI, titled;
 *  - components.responses.Problem<status>: for each status the registry uses, a
 *    problem+json response whose `type` is one of that status's URIs.
 * The paths refer to Problem<status>. The event catalogue is merged in the same way,
 * from the library's one row per type (aidreg_event_types):
 *  - components.schemas.Body_<type> (dots as underscores): the body's JSON Schema, from
 *    the schema the validator walks, with Chinese titles and enumeration labels;
 *  - components.schemas.EventTypes: oneOf one `const` per type, titled in Chinese, with
 *    the roles that may sign it and its subject kind.
 * The merged document is serialised once and kept. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "h_state.h"
#include "query.h"
#include "reply.h"

#ifndef AIDREG_WWW_DIR
#error "AIDREG_WWW_DIR must name the folder of openapi.json (CMakeLists.txt defines it)"
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char *doc_text;        /* the merged document, compact; NULL when loading failed */
static size_t doc_len;
static char doc_error[512];   /* why loading failed */

/* json_object_set_new that also fails on a NULL value. 0 or -1. */
static int set(json_t *o, const char *key, json_t *v) {
  if (!v) return -1;
  return json_object_set_new(o, key, v);
}

/* o[key] as an object, created when absent. NULL when it is something else. */
static json_t *child_object(json_t *o, const char *key) {
  json_t *c = json_object_get(o, key);
  if (c) return json_is_object(c) ? c : NULL;
  c = json_object();
  return set(o, key, c) == 0 ? c : NULL;
}

static json_t *type_uri(aidreg_code code) {
  char uri[160];
  aidreg_problem_type_uri(code, uri, sizeof uri);
  return json_string(uri);
}

/* components.schemas.ProblemType gets oneOf [{const, title, description}] for every
 * code. 0 or -1. */
static int merge_problem_type(json_t *schemas) {
  json_t *pt = child_object(schemas, "ProblemType");
  json_t *one_of = json_array();
  if (!pt || !one_of) {
    json_decref(one_of);
    return -1;
  }
  if (set(pt, "oneOf", one_of) != 0) return -1;
  for (int c = AIDREG_OK + 1; c < AIDREG_E__COUNT; c++) {
    char desc[64];
    snprintf(desc, sizeof desc, "HTTP %d (%s)", aidreg_problem_status(c), aidreg_problem_slug(c));
    json_t *v = json_pack("{s:o, s:s, s:s}", "const", type_uri(c), "title", aidreg_problem_title(c), "description", desc);
    if (json_array_append_new(one_of, v) != 0) return -1;
  }
  return 0;
}

/* components.responses.Problem<status> for one status. 0 or -1. */
static int merge_status_response(json_t *responses, int status) {
  json_t *uris = json_array();
  char desc[2048];
  size_t n = (size_t)snprintf(desc, sizeof desc, "%s: a problem document of type ",
                              MHD_get_reason_phrase_for((unsigned)status));
  bool first = true;
  for (int c = AIDREG_OK + 1; c < AIDREG_E__COUNT && uris; c++) {
    if (aidreg_problem_status(c) != status) continue;
    if (json_array_append_new(uris, type_uri(c)) != 0) {
      json_decref(uris);
      return -1;
    }
    if (n < sizeof desc)
      n += (size_t)snprintf(desc + n, sizeof desc - n, "%s`%s`", first ? "" : ", ", aidreg_problem_slug(c));
    first = false;
  }
  if (!uris) return -1;
  if (n < sizeof desc) snprintf(desc + n, sizeof desc - n, ".");
  char name[32];
  snprintf(name, sizeof name, "Problem%d", status);
  json_t *r = json_pack("{s:s, s:{s:{s:{s:[{s:s}, {s:{s:{s:i}, s:{s:o}}}]}}}}", "description", desc, "content",
                        "application/problem+json", "schema", "allOf", "$ref", "#/components/schemas/Problem",
                        "properties", "status", "const", status, "type", "enum", uris);
  return set(responses, name, r);
}

static int merge_problems(json_t *doc) {
  json_t *components = child_object(doc, "components");
  json_t *schemas = components ? child_object(components, "schemas") : NULL;
  json_t *responses = components ? child_object(components, "responses") : NULL;
  if (!schemas || !responses) return -1;
  if (merge_problem_type(schemas) != 0) return -1;
  bool done[600] = {false};
  for (int c = AIDREG_OK + 1; c < AIDREG_E__COUNT; c++) {
    int s = aidreg_problem_status(c);
    if (s < 100 || s >= 600 || done[s]) continue;
    done[s] = true;
    if (merge_status_response(responses, s) != 0) return -1;
  }
  return 0;
}

static json_t *roles_json(unsigned roles) {
  static const aidreg_role all[] = {AIDREG_ROLE_COUNTY, AIDREG_ROLE_TOWNSHIP, AIDREG_ROLE_VILLAGE,
                                    AIDREG_ROLE_OPERATOR, AIDREG_ROLE_AUDITOR};
  json_t *a = json_array();
  for (size_t i = 0; a && i < sizeof all / sizeof all[0]; i++)
    if ((roles & all[i]) && json_array_append_new(a, json_string(aidreg_role_name(all[i])))) {
      json_decref(a);
      return NULL;
    }
  return a;
}

static int merge_events(json_t *doc) {
  json_t *components = child_object(doc, "components");
  json_t *schemas = components ? child_object(components, "schemas") : NULL;
  json_t *one_of = json_array();
  if (!schemas || set(schemas, "EventTypes", json_pack("{s:s, s:o}", "description",
                                                       "事件类型 / the event types of the catalogue", "oneOf",
                                                       one_of)))
    return -1;
  for (const aidreg_event_type *t = aidreg_event_types(); t->name; t++) {
    json_t *row = json_pack("{s:s, s:s, s:o, s:s}", "const", t->name, "title", t->label_zh, "x-roles",
                            roles_json(t->roles), "x-subject", aidreg_subject_kind_name(t->subject));
    if (!row || json_array_append_new(one_of, row)) return -1;
    json_t *body;
    if (aidreg_event_body_schema(t, &body)) return -1;
    if (!body) continue; /* ledger.create and key.*: the Event schema describes them */
    char name[64];
    snprintf(name, sizeof name, "Body_%s", t->name);
    for (char *c = name; *c; c++)
      if (*c == '.') *c = '_';
    if (set(schemas, name, body)) return -1;
  }
  return 0;
}

static void load(void) {
  const char *path = AIDREG_WWW_DIR "/openapi.json";
  json_error_t e;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
  if (!doc) {
    snprintf(doc_error, sizeof doc_error, "cannot load %s: line %d: %s", path, e.line, e.text);
    return;
  }
  const char *version = json_string_value(json_object_get(doc, "openapi"));
  if (!json_is_object(doc) || !version || strncmp(version, "3.1.", 4) != 0) {
    snprintf(doc_error, sizeof doc_error, "%s is not an OpenAPI 3.1 document", path);
  } else if (merge_problems(doc) != 0) {
    snprintf(doc_error, sizeof doc_error, "cannot merge the problem registry into %s", path);
  } else if (merge_events(doc) != 0) {
    snprintf(doc_error, sizeof doc_error, "cannot merge the event catalogue into %s", path);
  } else {
    doc_text = json_dumps(doc, JSON_COMPACT);
    if (doc_text)
      doc_len = strlen(doc_text);
    else
      snprintf(doc_error, sizeof doc_error, "cannot serialise %s", path);
  }
  json_decref(doc);
  if (!doc_text) fprintf(stderr, "aidreg-server: /openapi.json: %s\n", doc_error);
}

enum MHD_Result h_openapi(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (query_parse(rq->conn, NULL, 0, &p) != 0) return reply_problem(rq, &p, NULL);
  pthread_once(&once, load);
  if (!doc_text) return reply_error(rq, AIDREG_E_INTERNAL, NULL, "the OpenAPI document is not available");
  char *copy = malloc(doc_len);
  if (!copy) return reply_error(rq, AIDREG_E_UNAVAILABLE, NULL, "out of memory; retry later");
  memcpy(copy, doc_text, doc_len);
  return reply_bytes(rq, MHD_HTTP_OK, "application/json", "no-cache", copy, doc_len);
}
