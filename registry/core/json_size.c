/* ar_json_compact_size: see json_size.h. The size check of a submission (store/registry.c)
 * used json_dumpb, which formats the whole envelope into a growing buffer of its own only
 * to return its length: 3-6 µs of a key.enroll's server CPU. The counts below are those of
 * jansson 2.14's dump.c: escapes for '"', '\\' and the control characters (the short ones
 * for \b \f \n \r \t, \uXXXX for the rest), no space in JSON_COMPACT. */
#include "core/json_size.h"

#include <stdio.h>

/* Beyond this depth json_dumpb counts (and checks for cycles, which a parsed tree has not). */
#define SIZE_MAX_DEPTH 64

/* 0 when json_dumpb must count (see json_size.h). */
static size_t string_size(const char *s, size_t len) {
  size_t n = 2;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80) return 0;
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') n += 2;
    else if (c < 0x20) n += 6;
    else n += 1;
  }
  return n;
}

/* 0 when json_dumpb must count. */
static size_t value_size(const json_t *v, int depth) {
  if (depth > SIZE_MAX_DEPTH) return 0;
  switch (json_typeof(v)) {
  case JSON_OBJECT: {
    size_t n = 2, members = 0;
    const char *key;
    size_t key_len;
    json_t *val;
    /* jansson's iterators take a non-const object; they do not modify it. */
    json_object_keylen_foreach((json_t *)v, key, key_len, val) {
      size_t k = string_size(key, key_len);
      size_t w = k ? value_size(val, depth + 1) : 0;
      if (!w) return 0;
      n += k + 1 + w;
      members++;
    }
    return n + (members ? members - 1 : 0);
  }
  case JSON_ARRAY: {
    size_t n = 2, count = json_array_size(v);
    for (size_t i = 0; i < count; i++) {
      size_t w = value_size(json_array_get(v, i), depth + 1);
      if (!w) return 0;
      n += w;
    }
    return n + (count ? count - 1 : 0);
  }
  case JSON_STRING: return string_size(json_string_value(v), json_string_length(v));
  case JSON_INTEGER: {
    char buf[32];
    int w = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return w > 0 ? (size_t)w : 0;
  }
  case JSON_TRUE: return 4;
  case JSON_FALSE: return 5;
  case JSON_NULL: return 4;
  default: return 0; /* a real: jansson's own formatting */
  }
}

size_t ar_json_compact_size(const json_t *v) {
  if (!v || !(json_is_object(v) || json_is_array(v))) return v ? json_dumpb(v, NULL, 0, JSON_COMPACT) : 0;
  size_t n = value_size(v, 0);
  return n ? n : json_dumpb(v, NULL, 0, JSON_COMPACT);
}
