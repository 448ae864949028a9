/* The per-document invariants of domain_check.h. */
#include "domain_check.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

int64_t dc_i(const json_t *o, const char *k) { return (int64_t)json_integer_value(json_object_get(o, k)); }

int dc_asset(const json_t *a) {
  int bad = 0;
  const char *id = json_string_value(json_object_get(a, "id"));
  const json_t *inc = json_object_get(a, "income"), *s;
  if (dc_i(inc, "net_fen") != dc_i(inc, "allocated_fen") + dc_i(inc, "unallocated_fen")) {
    fprintf(stderr, "asset %s: net %" PRId64 " != allocated %" PRId64 " + unallocated %" PRId64 "\n", id,
            dc_i(inc, "net_fen"), dc_i(inc, "allocated_fen"), dc_i(inc, "unallocated_fen"));
    bad++;
  }
  if (dc_i(inc, "gross_fen") != dc_i(inc, "net_fen") + dc_i(inc, "costs_fen")) {
    fprintf(stderr, "asset %s: gross != net + costs\n", id);
    bad++;
  }
  if (dc_i(inc, "unallocated_fen") < 0 || dc_i(inc, "allocated_fen") < 0) {
    fprintf(stderr, "asset %s: negative allocation\n", id);
    bad++;
  }
  int64_t value = 0, gross = 0, net = 0, alloc = 0, unalloc = 0;
  size_t i;
  json_array_foreach(json_object_get(a, "shares"), i, s) {
    value += dc_i(s, "value_fen");
    gross += dc_i(s, "gross_fen");
    net += dc_i(s, "net_fen");
    alloc += dc_i(s, "allocated_fen");
    unalloc += dc_i(s, "unallocated_fen");
    if (dc_i(s, "net_fen") != dc_i(s, "allocated_fen") + dc_i(s, "unallocated_fen") || dc_i(s, "unallocated_fen") < 0) {
      fprintf(stderr, "asset %s: village %s does not add up\n", id, json_string_value(json_object_get(s, "village")));
      bad++;
    }
  }
  if (value != dc_i(a, "original_value_fen") || gross != dc_i(inc, "gross_fen") || net != dc_i(inc, "net_fen") ||
      alloc != dc_i(inc, "allocated_fen") || unalloc != dc_i(inc, "unallocated_fen")) {
    fprintf(stderr, "asset %s: villages do not add up to the asset\n", id);
    bad++;
  }
  return bad;
}

int dc_plan(const json_t *p) {
  int bad = 0;
  const char *id = json_string_value(json_object_get(p, "id"));
  int64_t total = 0, paid = 0, src = 0;
  size_t i;
  const json_t *l;
  json_array_foreach(json_object_get(p, "lines"), i, l) {
    if (dc_i(l, "paid_fen") > dc_i(l, "amount_fen") || dc_i(l, "paid_fen") < 0 ||
        dc_i(l, "remaining_fen") != dc_i(l, "amount_fen") - dc_i(l, "paid_fen")) {
      fprintf(stderr, "plan %s: line %zu paid beyond its amount\n", id, i);
      bad++;
    }
    total += dc_i(l, "amount_fen");
    paid += dc_i(l, "paid_fen");
  }
  json_array_foreach(json_object_get(p, "sources"), i, l) src += dc_i(l, "amount_fen");
  if (total != dc_i(p, "total_fen") || paid != dc_i(p, "paid_fen") || src != total ||
      dc_i(p, "remaining_fen") != total - paid) {
    fprintf(stderr, "plan %s: totals do not add up\n", id);
    bad++;
  }
  const char *st = json_string_value(json_object_get(p, "state"));
  if (st && strcmp(st, "closed") == 0 && paid != total) {
    fprintf(stderr, "plan %s: closed but not fully paid\n", id);
    bad++;
  }
  if (paid > 0 && st && strcmp(st, "paying") != 0 && strcmp(st, "closed") != 0) {
    fprintf(stderr, "plan %s: paid while %s\n", id, st);
    bad++;
  }
  return bad;
}

int dc_income(const json_t *inc) {
  int bad = 0;
  const char *id = json_string_value(json_object_get(inc, "id"));
  if (dc_i(inc, "net_fen") != dc_i(inc, "allocated_fen") + dc_i(inc, "unallocated_fen")) {
    fprintf(stderr, "income %.8s: net != allocated + unallocated\n", id);
    bad++;
  }
  int64_t drawn = 0, net = 0;
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)json_object_get(inc, "drawn"), k, v) drawn += dc_i(v, "amount_fen");
  size_t i;
  json_array_foreach(json_object_get(inc, "shares"), i, v) {
    net += dc_i(v, "net_fen");
    if (dc_i(v, "drawn_fen") > dc_i(v, "net_fen")) {
      fprintf(stderr, "income %.8s: village drawn beyond its net\n", id);
      bad++;
    }
  }
  if (drawn != dc_i(inc, "allocated_fen") || net != dc_i(inc, "net_fen")) {
    fprintf(stderr, "income %.8s: draws or shares do not add up\n", id);
    bad++;
  }
  return bad;
}
