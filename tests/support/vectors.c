/* Reading tests/vectors (vectors.h). */
#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"

#ifndef AIDREG_VECTORS_DIR
#error "AIDREG_VECTORS_DIR names tests/vectors (tests/CMakeLists.txt)"
#endif

static _Noreturn void broken(const char *what, const char *key) {
  fprintf(stderr, "vectors: %s %s (in " AIDREG_VECTORS_DIR ")\n", what, key);
  exit(1);
}

json_t *vectors_load(const char *file) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", AIDREG_VECTORS_DIR, file);
  json_error_t e;
  json_t *v = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
  if (!v) {
    fprintf(stderr, "vectors: %s: %s (line %d)\n", path, e.text, e.line);
    exit(1);
  }
  return v;
}

const json_t *vec_get(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  if (!v) broken("no member", key);
  return v;
}

const char *vec_str(const json_t *o, const char *key) {
  const char *s = json_string_value(vec_get(o, key));
  if (!s) broken("not a string:", key);
  return s;
}

uint64_t vec_u64(const json_t *o, const char *key) {
  const json_t *v = vec_get(o, key);
  if (!json_is_integer(v) || json_integer_value(v) < 0) broken("not a count:", key);
  return (uint64_t)json_integer_value(v);
}

size_t vec_hex(const json_t *o, const char *key, uint8_t *out, size_t cap) {
  const char *s = vec_str(o, key);
  size_t n = strlen(s) / 2;
  if (strlen(s) % 2 || n > cap || aidreg_hex_decode(s, out, n) != 0) broken("bad hex:", key);
  return n;
}
