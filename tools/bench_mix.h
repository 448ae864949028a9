#ifndef AIDREG_TOOLS_BENCH_MIX_H
#define AIDREG_TOOLS_BENCH_MIX_H
/* The benchmark's mixed load (aidreg-bench --mix FILE): whole counties' years, pre-signed
 * by tools/bench_mix.py, replayed through the HTTP API. */
#include <stddef.h>

typedef struct {
  char **env;     /* n envelopes (compact JSON), entry i for connection i % streams */
  size_t *len;
  char **url;     /* POST /v1/ledgers/{code}/entries of entry i's county */
  long n;
  int streams;    /* counties: one connection each, its entries in their order */
  long per_county;
} bench_mix;

/* Reads path, creates every county's ledger (its first line, POST /v1/ledgers with the
 * operator token) and lays out the rest: county c's k-th entry at k * streams + c, so that
 * connection c sends its county's entries in order. At most max_streams counties; the
 * counties are cut to the shortest one. 0, or -1 with err. */
int bench_mix_load(const char *path, const char *base_url, const char *token, int max_streams, bench_mix *out,
                   char *err, size_t cap);
void bench_mix_free(bench_mix *m);

#endif
