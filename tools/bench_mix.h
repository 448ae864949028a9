#ifndef AIDREG_TOOLS_BENCH_MIX_H
#define AIDREG_TOOLS_BENCH_MIX_H
/* The benchmark's mixed load (aidreg-bench --mix FILE): whole counties' years, pre-signed
 * by tools/bench_mix.py, replayed through the HTTP API, every county's year on several
 * connections at once (its villages' streams), each entry sent once those it depends on have
 * their receipts. */
#include <stddef.h>

typedef struct {
  char **env;        /* n envelopes (compact JSON) */
  size_t *len;
  char **url;        /* entry i's POST /v1/ledgers/{code}/entries (pointers into curl) */
  long n;
  int streams;       /* connections: connection s sends seq[seq_start[s] .. seq_start[s + 1]) in order */
  long *seq, *seq_start;
  long *after_off, *after; /* entry i waits for the receipts of after[after_off[i] .. after_off[i + 1]) */
  int counties;
  int labels;        /* the file's streams (villages, the counties' own), merged into `streams` */
  long per_county;
  char **curl;       /* one a county, owned */
} bench_mix;

/* Reads path, creates every county's ledger (its first line, POST /v1/ledgers with the
 * operator token) and lays out the rest: at most max_conns connections in all, each county's
 * stream labels spread over its max_conns / counties connections (a file without labels: one
 * connection a county, its entries in order). At most max_conns counties; the counties are
 * cut to the shortest one. 0, or -1 with err. */
int bench_mix_load(const char *path, const char *base_url, const char *token, int max_conns, bench_mix *out,
                   char *err, size_t cap);
void bench_mix_free(bench_mix *m);

#endif
