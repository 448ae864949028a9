/* Small helpers every rule uses: members of a document by name, amounts in fen added
 * without overflow, lookups in arrays of objects, dates as day numbers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/authority.h"
#include "aidreg/state.h"
#include "rules/domain_internal.h"

const char *ar_js(const json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }
int64_t ar_ji(const json_t *o, const char *key) { return (int64_t)json_integer_value(json_object_get(o, key)); }

bool ar_fen_add(int64_t *acc, int64_t v) {
  int64_t r;
  if (__builtin_add_overflow(*acc, v, &r)) return false;
  *acc = r;
  return true;
}

void ar_fen_text(int64_t fen, char out[32]) { aidreg_fen_to_yuan(fen, out); }

bool ar_ji_add(domain_batch *d, json_t *o, const char *key, int64_t v) {
  int64_t cur = ar_ji(o, key);
  if (!ar_fen_add(&cur, v)) return false;
  return ar_dom_jset(d, o, key, json_integer((json_int_t)cur)) == 0;
}

json_t *ar_jfind(const json_t *arr, const char *key, const char *val, size_t *at) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    const char *s = ar_js(v, key);
    if (s && strcmp(s, val) == 0) {
      if (at) *at = i;
      return v;
    }
  }
  return NULL;
}

const char *ar_short_ref(const char *ref, char out[12]) {
  snprintf(out, 12, "%.8s", ref ? ref : "");
  return out;
}

int64_t ar_dom_days(const char *date) {
  int64_t days;
  return date && aidreg_date_parse(date, &days) == 0 ? days : -1;
}
