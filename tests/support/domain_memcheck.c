/* The whole-state invariants and comparison of domain_memcheck.h. */
#include "domain_memcheck.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const domain_memstore *m;
  int bad;
} inv_ctx;

static int inv_each(void *c, const char *kind, const char *id, const json_t *doc, uint64_t u) {
  inv_ctx *ic = c;
  (void)u;
  if (strcmp(kind, "asset") == 0) {
    ic->bad += dc_asset(doc);
    /* The asset's totals are the sum of its incomes. */
    int64_t net = 0, alloc = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "incomes"), i, v) {
      const json_t *inc = ar_domain_memstore_get(ic->m, "income", json_string_value(v));
      net += dc_i(inc, "net_fen");
      alloc += dc_i(inc, "allocated_fen");
    }
    const json_t *in = json_object_get(doc, "income");
    if (net != dc_i(in, "net_fen") || alloc != dc_i(in, "allocated_fen")) {
      fprintf(stderr, "asset %s: totals differ from its incomes\n", id);
      ic->bad++;
    }
  } else if (strcmp(kind, "plan") == 0) {
    ic->bad += dc_plan(doc);
    /* What the plan draws is what its incomes record (nothing once withdrawn). */
    bool withdrawn = strcmp(json_string_value(json_object_get(doc, "state")), "withdrawn") == 0;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(doc, "sources"), i, s) {
      const json_t *inc = ar_domain_memstore_get(ic->m, "income", json_string_value(json_object_get(s, "income")));
      int64_t drawn = dc_i(json_object_get(json_object_get(inc, "drawn"), id), "amount_fen");
      if (drawn != (withdrawn ? 0 : dc_i(s, "amount_fen"))) {
        fprintf(stderr, "plan %s: draws %" PRId64 " from an income that records %" PRId64 "\n", id,
                dc_i(s, "amount_fen"), drawn);
        ic->bad++;
      }
    }
  } else if (strcmp(kind, "income") == 0) {
    ic->bad += dc_income(doc);
  }
  return 0;
}

int invariants(const domain_memstore *m) {
  inv_ctx ic = {m, 0};
  ar_domain_memstore_each(m, inv_each, &ic);
  return ic.bad;
}

typedef struct {
  const domain_memstore *other;
  int diffs;
  const char *what;
} cmp_ctx;

static int cmp_each(void *c, const char *kind, const char *id, const json_t *doc, uint64_t u) {
  cmp_ctx *cc = c;
  (void)u;
  const json_t *o = ar_domain_memstore_get(cc->other, kind, id);
  if (!o || !json_equal(o, doc)) {
    char *x = json_dumps(doc, JSON_COMPACT), *y = o ? json_dumps(o, JSON_COMPACT) : NULL;
    fprintf(stderr, "%s: %s/%s differs:\n  %s\n  %s\n", cc->what, kind, id, x, y ? y : "(missing)");
    free(x);
    free(y);
    cc->diffs++;
  }
  return 0;
}

int compare(const domain_memstore *a, const domain_memstore *b, const char *what) {
  cmp_ctx x = {b, 0, what}, y = {a, 0, what};
  ar_domain_memstore_each(a, cmp_each, &x);
  ar_domain_memstore_each(b, cmp_each, &y);
  return x.diffs + y.diffs;
}
