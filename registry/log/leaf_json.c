/* The leaf's JSON read without jansson's lexer (log/leaf_json.h). jansson's parser was
 * the largest cost of reading a leaf after its signature (docs/benchmark.md, "Verify and
 * audit", 7 December evening): it lexes byte by byte through a growing buffer, checks
 * UTF-8, and looks for escapes in strings that are base64. A stored leaf is compact and
 * ASCII, so its text maps one to one onto values; anything else is left to jansson. */
#include "log/leaf_json.h"

#include <string.h>

#define MAX_DEPTH 16  /* a leaf nests four deep; deeper is jansson's to judge */
#define MAX_DIGITS 18 /* below INT64_MAX whatever the digits: no overflow to reason about */

typedef struct {
  const char *p, *end;
  int depth;
} cursor;

static json_t *value(cursor *c);

/* A string of printable ASCII without escapes: exactly the bytes between its quotes. */
static bool string_span(cursor *c, const char **s, size_t *n) {
  if (c->p >= c->end || *c->p != '"') return false;
  const char *start = ++c->p;
  for (; c->p < c->end; c->p++) {
    unsigned char ch = (unsigned char)*c->p;
    if (ch == '"') {
      *s = start;
      *n = (size_t)(c->p - start);
      c->p++;
      return true;
    }
    if (ch < 0x20 || ch > 0x7e || ch == '\\') return false;
  }
  return false;
}

static json_t *integer(cursor *c) {
  const char *start = c->p;
  json_int_t v = 0;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && c->p - start < MAX_DIGITS) v = v * 10 + (*c->p++ - '0');
  size_t n = (size_t)(c->p - start);
  if (n == 0 || (n > 1 && *start == '0')) return NULL;
  if (c->p < c->end && *c->p >= '0' && *c->p <= '9') return NULL; /* longer than MAX_DIGITS */
  if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E')) return NULL; /* a real */
  return json_integer(v);
}

static json_t *object(cursor *c) {
  json_t *o = json_object();
  if (!o) return NULL;
  c->p++; /* '{' */
  if (c->p < c->end && *c->p == '}') {
    c->p++;
    return o;
  }
  for (;;) {
    const char *k;
    size_t kn;
    if (!string_span(c, &k, &kn) || c->p >= c->end || *c->p++ != ':') break;
    if (json_object_getn(o, k, kn)) break; /* a duplicate: jansson names it */
    json_t *v = value(c);
    if (!v || json_object_setn_new_nocheck(o, k, kn, v)) break;
    if (c->p >= c->end) break;
    char ch = *c->p++;
    if (ch == '}') return o;
    if (ch != ',') break;
  }
  json_decref(o);
  return NULL;
}

static json_t *array(cursor *c) {
  json_t *a = json_array();
  if (!a) return NULL;
  c->p++; /* '[' */
  if (c->p < c->end && *c->p == ']') {
    c->p++;
    return a;
  }
  for (;;) {
    json_t *v = value(c);
    if (!v || json_array_append_new(a, v)) break;
    if (c->p >= c->end) break;
    char ch = *c->p++;
    if (ch == ']') return a;
    if (ch != ',') break;
  }
  json_decref(a);
  return NULL;
}

static json_t *value(cursor *c) {
  if (c->p >= c->end || c->depth >= MAX_DEPTH) return NULL;
  json_t *v = NULL;
  c->depth++;
  switch (*c->p) {
  case '{': v = object(c); break;
  case '[': v = array(c); break;
  case '"': {
    const char *s;
    size_t n;
    if (string_span(c, &s, &n)) v = json_stringn_nocheck(s, n);
    break;
  }
  default: v = integer(c); break;
  }
  c->depth--;
  return v;
}

json_t *ar_leaf_json_load(const char *text, size_t len) {
  cursor c = {.p = text, .end = text + len};
  if (!len || *text != '{') return NULL;
  json_t *v = value(&c);
  if (v && c.p != c.end) { /* trailing bytes: jansson's to refuse or accept */
    json_decref(v);
    v = NULL;
  }
  return v;
}
