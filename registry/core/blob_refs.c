/* The attachment hashes an event body names (include/aidreg/blob.h): members named
 * *_sha256, strings or arrays of strings, at any depth (a plan's steps[].minutes_sha256). */
#include <string.h>

#include "aidreg/blob.h"

static int has(const json_t *out, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(out, i, v) if (strcmp(json_string_value(v), s) == 0) return 1;
  return 0;
}

static int add(json_t *out, const json_t *v) {
  const char *s = json_string_value(v);
  if (!s || strlen(s) != 64 || has(out, s)) return 0;
  return json_array_append_new(out, json_string(s));
}

static int ends_sha256(const char *key) {
  size_t n = strlen(key);
  return n >= 7 && strcmp(key + n - 7, "_sha256") == 0;
}

int aidreg_blob_refs(const json_t *body, json_t *out) {
  if (json_is_array(body)) {
    size_t i;
    json_t *v;
    json_array_foreach(body, i, v) if (aidreg_blob_refs(v, out)) return -1;
    return 0;
  }
  if (!json_is_object(body)) return 0;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)body, key, v) {
    if (ends_sha256(key) && json_is_string(v)) {
      if (add(out, v)) return -1;
    } else if (ends_sha256(key) && json_is_array(v)) {
      size_t i;
      json_t *e;
      json_array_foreach(v, i, e) if (add(out, e)) return -1;
    } else if (aidreg_blob_refs(v, out)) {
      return -1;
    }
  }
  return 0;
}
