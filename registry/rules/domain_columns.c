/* The columns of the entity table a document is read by (kind, class, status, villages,
 * township, name, year): what the list reads filter on, derived from the document. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/authority.h"
#include "aidreg/state.h"
#include "rules/domain_internal.h"

static void villages_literal(const json_t *codes_src, const char *member, char *out, size_t cap) {
  size_t n = 0, i;
  json_t *v;
  out[n++] = '{';
  bool first = true;
  json_array_foreach(codes_src, i, v) {
    const char *c = member ? ar_js(v, member) : json_string_value(v);
    if (!c || !aidreg_is_admin_code(c)) continue; /* digits only: nothing to quote */
    size_t len = strlen(c);
    if (n + len + 3 >= cap) break;
    if (!first) out[n++] = ',';
    memcpy(out + n, c, len);
    n += len;
    first = false;
  }
  out[n++] = '}';
  out[n] = 0;
}

void ar_domain_columns_of(const char *kind, const json_t *doc, domain_columns *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->villages, sizeof c->villages, "{}");
  if (!doc) return;
  if (strcmp(kind, "asset") == 0) {
    c->village = ar_js(doc, "village");
    c->township = ar_js(doc, "township");
    c->klass = ar_js(doc, "class");
    c->status = ar_js(doc, "status");
    c->name = ar_js(doc, "name");
    villages_literal(json_object_get(doc, "locations"), "code", c->villages, sizeof c->villages);
  } else if (strcmp(kind, "plan") == 0) {
    c->village = ar_js(doc, "village");
    c->township = ar_js(doc, "township");
    c->status = ar_js(doc, "state");
    c->year = (int)ar_ji(doc, "year");
    const char *v = ar_js(doc, "village");
    if (v && aidreg_is_admin_code(v)) snprintf(c->villages, sizeof c->villages, "{%s}", v);
  } else if (strcmp(kind, "project") == 0) {
    c->klass = ar_js(doc, "type");
    c->name = ar_js(doc, "name");
    c->year = (int)ar_ji(doc, "year");
    villages_literal(json_object_get(doc, "locations"), NULL, c->villages, sizeof c->villages);
  } else if (strcmp(kind, "income") == 0) {
    c->village = ar_js(json_array_get(json_object_get(doc, "shares"), 0), "village");
    c->name = ar_js(doc, "asset");
    villages_literal(json_object_get(doc, "shares"), "village", c->villages, sizeof c->villages);
  } else if (strcmp(kind, "finding") == 0) {
    c->status = json_is_null(json_object_get(doc, "resolution")) ? "open" : "resolved";
    c->klass = ar_js(doc, "severity");
    c->name = ar_js(doc, "subject");
  } else if (strcmp(kind, "village") == 0) {
    c->village = ar_js(doc, "id");
    c->township = ar_js(doc, "township");
  } else if (strcmp(kind, "place") == 0) {
    const char *code = ar_js(doc, "code");
    if (code && strlen(code) == 12) c->village = code;
    c->township = ar_js(doc, "township");
    c->klass = ar_js(doc, "level");
    c->name = ar_js(doc, "name");
    if (code && aidreg_is_admin_code(code)) snprintf(c->villages, sizeof c->villages, "{%s}", code);
  }
}
