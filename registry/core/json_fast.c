/* ar_json_fast_load: see json_fast.h. jansson's lexer reads a character at a time through
 * a stream with its own UTF-8 checks and copies each string twice; for the envelope and
 * its payload that was most of the parse in a key.enroll's server CPU. Anything this
 * reader does not know it hands back (NULL) rather than judging, so that every refusal,
 * its code and its field stay jansson's (aidreg_json_strict_load falls back). Strings are
 * taken as they are because the text was checked to be UTF-8 first, by the same rules as
 * jansson's (no overlong forms, no surrogates, nothing beyond U+10FFFF, no NUL). */
#include "core/json_fast.h"

#include <stdbool.h>
#include <string.h>

#define FAST_MAX_DEPTH 32
#define FAST_MAX_DIGITS 18 /* below INT64_MAX: no overflow to detect */

typedef struct {
  const char *p, *end;
} fast_in;

static json_t *fast_value(fast_in *in, int depth);

static bool fast_take(fast_in *in, char c) {
  if (in->p < in->end && *in->p == c) {
    in->p++;
    return true;
  }
  return false;
}

/* A string without escapes or control characters: its bytes are its value (the caller
 * checked that the text is UTF-8, as jansson's lexer would). */
static bool fast_string(fast_in *in, const char **s, size_t *n) {
  if (!fast_take(in, '"')) return false;
  const char *start = in->p;
  for (const char *q = start; q < in->end; q++) {
    unsigned char c = (unsigned char)*q;
    if (c == '"') {
      *s = start;
      *n = (size_t)(q - start);
      in->p = q + 1;
      return true;
    }
    if (c < 0x20 || c == '\\') return false;
  }
  return false;
}

static json_t *fast_integer(fast_in *in) {
  bool neg = fast_take(in, '-');
  const char *start = in->p;
  json_int_t v = 0;
  while (in->p < in->end && *in->p >= '0' && *in->p <= '9') {
    /* Past the last digit taken only counted: the text is jansson's then. */
    if (in->p - start < FAST_MAX_DIGITS) v = v * 10 + (*in->p - '0');
    in->p++;
  }
  size_t digits = (size_t)(in->p - start);
  if (digits == 0 || digits > FAST_MAX_DIGITS || (start[0] == '0' && (digits > 1 || neg))) return NULL;
  /* A fraction or an exponent makes a real: jansson's. */
  if (in->p < in->end && (*in->p == '.' || *in->p == 'e' || *in->p == 'E')) return NULL;
  return json_integer(neg ? -v : v);
}

static json_t *fast_literal(fast_in *in, const char *word, json_t *(*make)(void)) {
  size_t n = strlen(word);
  if ((size_t)(in->end - in->p) < n || memcmp(in->p, word, n) != 0) return NULL;
  in->p += n;
  return make();
}

static json_t *fast_object(fast_in *in, int depth) {
  json_t *o = json_object();
  if (!o) return NULL;
  if (fast_take(in, '}')) return o;
  do {
    const char *k;
    size_t kn;
    json_t *v;
    /* A repeated key is jansson's to refuse (JSON_REJECT_DUPLICATES). */
    if (!fast_string(in, &k, &kn) || !fast_take(in, ':') || json_object_getn(o, k, kn) ||
        !(v = fast_value(in, depth + 1)) || json_object_setn_new_nocheck(o, k, kn, v)) {
      json_decref(o);
      return NULL;
    }
  } while (fast_take(in, ','));
  if (fast_take(in, '}')) return o;
  json_decref(o);
  return NULL;
}

static json_t *fast_array(fast_in *in, int depth) {
  json_t *a = json_array();
  if (!a) return NULL;
  if (fast_take(in, ']')) return a;
  do {
    json_t *v = fast_value(in, depth + 1);
    if (!v || json_array_append_new(a, v)) {
      json_decref(a);
      return NULL;
    }
  } while (fast_take(in, ','));
  if (fast_take(in, ']')) return a;
  json_decref(a);
  return NULL;
}

static json_t *fast_value(fast_in *in, int depth) {
  if (depth > FAST_MAX_DEPTH || in->p >= in->end) return NULL;
  const char *s;
  size_t n;
  switch (*in->p) {
  case '{': in->p++; return fast_object(in, depth);
  case '[': in->p++; return fast_array(in, depth);
  case '"': return fast_string(in, &s, &n) ? json_stringn_nocheck(s, n) : NULL;
  case 't': return fast_literal(in, "true", json_true);
  case 'f': return fast_literal(in, "false", json_false);
  case 'n': return fast_literal(in, "null", json_null);
  default: return fast_integer(in);
  }
}

json_t *ar_json_fast_load(const uint8_t *buf, size_t len) {
  if (!buf || len < 2 || buf[0] != '{') return NULL;
  fast_in in = {(const char *)buf, (const char *)buf + len};
  json_t *v = fast_value(&in, 0);
  if (v && in.p != in.end) {
    /* Trailing bytes: jansson says what they are. */
    json_decref(v);
    return NULL;
  }
  return v;
}
