/* The blob of dom_blob.h: a tag byte a value; lengths, counts and integers as LEB128
 * varints (integers zigzagged); a real as its 8 bytes. Sized in one walk, written in a
 * second, so the blob is one allocation of its exact size. */
#include "rules/dom_blob.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 2048 /* as jansson's parser: no rule nests a document this deep */

enum { T_NULL, T_TRUE, T_FALSE, T_INT, T_REAL, T_STR, T_ARR, T_OBJ };

static size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, n++;
  return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v) {
  while (v >= 0x80) *p++ = (uint8_t)(v | 0x80), v >>= 7;
  *p++ = (uint8_t)v;
  return p;
}

static uint64_t zigzag(json_int_t i) { return ((uint64_t)i << 1) ^ (uint64_t)(i < 0 ? -1 : 0); }
static json_int_t unzigzag(uint64_t u) { return (json_int_t)(u >> 1) ^ -(json_int_t)(u & 1); }

/* Bytes of v's blob; 0 when too deep. */
static size_t size_of(const json_t *v, int depth) {
  if (depth > MAX_DEPTH) return 0;
  switch (json_typeof(v)) {
  case JSON_INTEGER: return 1 + varint_len(zigzag(json_integer_value(v)));
  case JSON_REAL: return 1 + sizeof(double);
  case JSON_STRING: {
    size_t l = json_string_length(v);
    return 1 + varint_len(l) + l;
  }
  case JSON_ARRAY: {
    size_t n = json_array_size(v), total = 1 + varint_len(n);
    for (size_t i = 0; i < n; i++) {
      size_t s = size_of(json_array_get(v, i), depth + 1);
      if (!s) return 0;
      total += s;
    }
    return total;
  }
  case JSON_OBJECT: {
    size_t total = 1 + varint_len(json_object_size(v)), kl;
    const char *k;
    const json_t *m;
    json_object_keylen_foreach((json_t *)v, k, kl, m) {
      size_t s = size_of(m, depth + 1);
      if (!s) return 0;
      total += varint_len(kl) + kl + s;
    }
    return total;
  }
  default: return 1; /* true, false, null */
  }
}

static uint8_t *write_of(const json_t *v, uint8_t *p) {
  switch (json_typeof(v)) {
  case JSON_NULL: *p++ = T_NULL; break;
  case JSON_TRUE: *p++ = T_TRUE; break;
  case JSON_FALSE: *p++ = T_FALSE; break;
  case JSON_INTEGER:
    *p++ = T_INT;
    p = put_varint(p, zigzag(json_integer_value(v)));
    break;
  case JSON_REAL: {
    double d = json_real_value(v);
    *p++ = T_REAL;
    memcpy(p, &d, sizeof d);
    p += sizeof d;
    break;
  }
  case JSON_STRING: {
    size_t l = json_string_length(v);
    *p++ = T_STR;
    p = put_varint(p, l);
    memcpy(p, json_string_value(v), l);
    p += l;
    break;
  }
  case JSON_ARRAY: {
    size_t n = json_array_size(v);
    *p++ = T_ARR;
    p = put_varint(p, n);
    for (size_t i = 0; i < n; i++) p = write_of(json_array_get(v, i), p);
    break;
  }
  case JSON_OBJECT: {
    *p++ = T_OBJ;
    p = put_varint(p, json_object_size(v));
    size_t kl;
    const char *k;
    const json_t *m;
    json_object_keylen_foreach((json_t *)v, k, kl, m) {
      p = put_varint(p, kl);
      memcpy(p, k, kl);
      p += kl;
      p = write_of(m, p);
    }
    break;
  }
  }
  return p;
}

uint8_t *ar_dom_blob_encode(const json_t *doc, size_t *len) {
  size_t n = doc ? size_of(doc, 0) : 0;
  uint8_t *b = n ? malloc(n) : NULL;
  if (!b) return NULL;
  write_of(doc, b);
  *len = n;
  return b;
}

typedef struct {
  const uint8_t *p, *end;
} reader;

static bool get_varint(reader *r, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned shift = 0; r->p < r->end && shift < 64; shift += 7) {
    uint8_t c = *r->p++;
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

/* A byte length that fits what is left of the blob. */
static bool get_len(reader *r, size_t *out) {
  uint64_t v;
  if (!get_varint(r, &v) || v > (uint64_t)(r->end - r->p)) return false;
  *out = (size_t)v;
  return true;
}

static json_t *read_of(reader *r, int depth) {
  if (depth > MAX_DEPTH || r->p >= r->end) return NULL;
  uint64_t u;
  size_t l;
  switch (*r->p++) {
  case T_NULL: return json_null();
  case T_TRUE: return json_true();
  case T_FALSE: return json_false();
  case T_INT: return get_varint(r, &u) ? json_integer(unzigzag(u)) : NULL;
  case T_REAL: {
    double d;
    if ((size_t)(r->end - r->p) < sizeof d) return NULL;
    memcpy(&d, r->p, sizeof d);
    r->p += sizeof d;
    return json_real(d);
  }
  case T_STR: {
    if (!get_len(r, &l)) return NULL;
    const char *s = (const char *)r->p;
    r->p += l;
    return json_stringn_nocheck(s, l); /* its bytes were a string of a document before */
  }
  case T_ARR: {
    if (!get_varint(r, &u) || u > (uint64_t)(r->end - r->p)) return NULL; /* each element is a byte at least */
    json_t *a = json_array();
    for (uint64_t i = 0; a && i < u; i++) {
      json_t *e = read_of(r, depth + 1);
      if (!e || json_array_append_new(a, e)) {
        json_decref(a);
        a = NULL;
      }
    }
    return a;
  }
  case T_OBJ: {
    if (!get_varint(r, &u) || u > (uint64_t)(r->end - r->p)) return NULL;
    json_t *o = json_object();
    for (uint64_t i = 0; o && i < u; i++) {
      const char *k = NULL;
      json_t *m = NULL;
      if (get_len(r, &l)) {
        k = (const char *)r->p;
        r->p += l;
        m = read_of(r, depth + 1);
      }
      /* json_object_setn_new_nocheck releases m when it fails. */
      if (!m || json_object_setn_new_nocheck(o, k, l, m)) {
        json_decref(o);
        o = NULL;
      }
    }
    return o;
  }
  default: return NULL;
  }
}

json_t *ar_dom_blob_decode(const uint8_t *blob, size_t len) {
  reader r = {blob, blob + len};
  json_t *v = read_of(&r, 0);
  if (v && r.p != r.end) {
    json_decref(v);
    return NULL;
  }
  return v;
}
