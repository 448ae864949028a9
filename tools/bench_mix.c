/* The mixed load of the benchmark (bench_mix.h): a county's year as the demo seed makes it
 * (tools/bench_mix.py), split into the streams the file names (its villages, the county's
 * own entries) on several connections a county, the counties side by side. An entry waits
 * for the receipts of the entries it depends on (a payout on its plan's notice, a report on
 * its asset) that another connection sends; bench.c does the waiting. */
#include "bench_mix.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"

typedef struct {
  char code[8];
  char **env;
  size_t *len;
  int *label;    /* entry k's stream: an index into labels */
  json_t **after; /* entry k's "after" (owned; NULL: none) */
  size_t n, cap;
  char **labels; /* owned */
  int nlabels, lcap;
} county;

static int county_label(county *c, const char *name) {
  for (int j = 0; j < c->nlabels; j++)
    if (strcmp(c->labels[j], name) == 0) return j;
  if (c->nlabels == c->lcap) {
    int cap = c->lcap ? 2 * c->lcap : 16;
    char **l = realloc(c->labels, (size_t)cap * sizeof *l);
    if (!l) return -1;
    c->labels = l;
    c->lcap = cap;
  }
  if (!(c->labels[c->nlabels] = strdup(name))) return -1;
  return c->nlabels++;
}

static int county_add(county *c, char *env, size_t len, const char *label, json_t *after) {
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 4096;
    char **e = realloc(c->env, cap * sizeof *e);
    if (e) c->env = e;
    size_t *l = e ? realloc(c->len, cap * sizeof *l) : NULL;
    if (l) c->len = l;
    int *lb = l ? realloc(c->label, cap * sizeof *lb) : NULL;
    if (lb) c->label = lb;
    json_t **a = lb ? realloc(c->after, cap * sizeof *a) : NULL;
    if (!a) return -1;
    c->after = a;
    c->cap = cap;
  }
  int j = county_label(c, label);
  if (j < 0) return -1;
  c->env[c->n] = env;
  c->label[c->n] = j;
  c->after[c->n] = json_incref(after);
  c->len[c->n++] = len;
  return 0;
}

static void county_free(county *c) {
  for (size_t i = 0; i < c->n; i++) {
    free(c->env[i]);
    json_decref(c->after[i]);
  }
  for (int j = 0; j < c->nlabels; j++) free(c->labels[j]);
  free(c->env);
  free(c->len);
  free(c->label);
  free(c->after);
  free(c->labels);
}

/* The counties of the file, each with its envelopes in order (ledger.create first). */
static int read_counties(const char *path, int max, county *cs, int *nc, char *err, size_t cap) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, cap, "cannot open %s", path);
    return -1;
  }
  char *line = NULL;
  size_t lcap = 0;
  long lineno = 0;
  int rc = 0;
  *nc = 0;
  while (rc == 0 && getline(&line, &lcap, f) > 0) {
    lineno++;
    json_error_t je;
    json_t *o = json_loads(line, 0, &je);
    const char *code = json_string_value(json_object_get(o, "code"));
    json_t *env = json_object_get(o, "envelope");
    char *text = code && json_is_object(env) ? json_dumps(env, JSON_COMPACT) : NULL;
    if (!text || strlen(code) != 6) {
      snprintf(err, cap, "%s:%ld: not a line of tools/bench_mix.py", path, lineno);
      rc = -1;
    } else {
      county *c = *nc ? &cs[*nc - 1] : NULL;
      if (!c || strcmp(c->code, code) != 0) {
        if (*nc == max) { /* enough counties */
          free(text);
          json_decref(o);
          break;
        }
        c = &cs[(*nc)++];
        snprintf(c->code, sizeof c->code, "%s", code);
      }
      const char *label = json_string_value(json_object_get(o, "stream"));
      json_t *after = json_object_get(o, "after");
      if (county_add(c, text, strlen(text), label ? label : code, json_is_array(after) ? after : NULL)) {
        free(text);
        snprintf(err, cap, "out of memory");
        rc = -1;
      }
    }
    json_decref(o);
  }
  free(line);
  fclose(f);
  if (rc == 0 && *nc == 0) {
    snprintf(err, cap, "%s has no entries", path);
    rc = -1;
  }
  return rc;
}

static int create_ledger(aidreg_http *h, const char *base_url, const char *token, const county *c, char *err,
                         size_t cap) {
  char *url = aidreg_http_url(base_url, "/v1/ledgers");
  aidreg_http_response r = {0};
  int rc = url ? aidreg_http_post_json(h, url, c->env[0], c->len[0], token, &r, err, cap) : -1;
  free(url);
  if (rc == 0 && r.status != 201) {
    snprintf(err, cap, "POST /v1/ledgers for county %s: %ld %.300s", c->code, r.status, r.body ? (char *)r.body : "");
    rc = -1;
  }
  aidreg_http_response_free(&r);
  return rc;
}

static void *xcalloc_or(size_t n, size_t size, int *rc) {
  void *p = *rc == 0 ? calloc(n ? n : 1, size) : NULL;
  if (!p) *rc = -1;
  return p;
}

/* County c's entries 1..per at base.., its labels spread over connections conn0.. (k of
 * them, label j on conn0 + j % k), and its "after" lines as indices of out->env. */
static int lay_out(county *c, long base, long per, int conn0, int k, bench_mix *out, long *conn_of, char *err,
                   size_t cap) {
  for (long e = 1; e <= per; e++) {
    long i = base + e - 1;
    out->env[i] = c->env[e];
    out->len[i] = c->len[e];
    c->env[e] = NULL; /* now out's */
    conn_of[i] = conn0 + c->label[e] % k;
    size_t na = json_array_size(c->after[e]);
    out->after_off[i + 1] = out->after_off[i];
    for (size_t a = 0; a < na; a++) {
      json_int_t line = json_integer_value(json_array_get(c->after[e], a));
      if (line < 0 || line >= e) {
        snprintf(err, cap, "county %s, line %ld: \"after\" names line %lld, not one before it", c->code, e,
                 (long long)line);
        return -1;
      }
      if (line == 0) continue; /* ledger.create: done before the run */
      out->after[out->after_off[i + 1]++] = base + (long)line - 1;
    }
  }
  return 0;
}

int bench_mix_load(const char *path, const char *base_url, const char *token, int max_conns, bench_mix *out,
                   char *err, size_t cap) {
  memset(out, 0, sizeof *out);
  county *cs = calloc((size_t)max_conns, sizeof *cs);
  int nc = 0;
  if (!cs) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  int rc = read_counties(path, max_conns, cs, &nc, err, cap);
  aidreg_http *h = rc == 0 ? aidreg_http_new(0) : NULL;
  if (rc == 0 && !h) rc = -1;
  size_t per = SIZE_MAX;
  for (int c = 0; rc == 0 && c < nc; c++) {
    rc = create_ledger(h, base_url, token, &cs[c], err, cap);
    if (cs[c].n - 1 < per) per = cs[c].n - 1;
  }
  aidreg_http_free(h);
  long nafter = 0;
  for (int c = 0; rc == 0 && c < nc; c++)
    for (size_t e = 1; e <= per; e++) nafter += (long)json_array_size(cs[c].after[e]);
  int k = nc ? max_conns / nc : 1;
  if (k < 1) k = 1;
  long *conn_of = NULL;
  if (rc == 0) {
    out->counties = nc;
    out->per_county = (long)per;
    out->n = (long)per * nc;
    out->env = xcalloc_or((size_t)out->n, sizeof *out->env, &rc);
    out->len = xcalloc_or((size_t)out->n, sizeof *out->len, &rc);
    out->url = xcalloc_or((size_t)out->n, sizeof *out->url, &rc);
    out->curl = xcalloc_or((size_t)nc, sizeof *out->curl, &rc);
    out->after_off = xcalloc_or((size_t)out->n + 1, sizeof *out->after_off, &rc);
    out->after = xcalloc_or((size_t)nafter, sizeof *out->after, &rc);
    out->seq = xcalloc_or((size_t)out->n, sizeof *out->seq, &rc);
    conn_of = xcalloc_or((size_t)out->n, sizeof *conn_of, &rc);
    if (rc) snprintf(err, cap, "out of memory");
  }
  for (int c = 0; rc == 0 && c < nc; c++) {
    char path_c[64];
    snprintf(path_c, sizeof path_c, "/v1/ledgers/%s/entries", cs[c].code);
    if (!(out->curl[c] = aidreg_http_url(base_url, path_c))) rc = -1;
    int kc = k < cs[c].nlabels ? k : cs[c].nlabels; /* no idle connections */
    long base = (long)c * (long)per;
    if (rc == 0) rc = lay_out(&cs[c], base, (long)per, out->streams, kc, out, conn_of, err, cap);
    for (long e = 0; rc == 0 && e < (long)per; e++) out->url[base + e] = out->curl[c];
    out->streams += kc;
    out->labels += cs[c].nlabels;
  }
  /* Each connection's entries in the file's order: a counting sort by connection. */
  if (rc == 0) out->seq_start = xcalloc_or((size_t)out->streams + 1, sizeof *out->seq_start, &rc);
  for (long i = 0; rc == 0 && i < out->n; i++) out->seq_start[conn_of[i] + 1]++;
  for (int s = 0; rc == 0 && s < out->streams; s++) out->seq_start[s + 1] += out->seq_start[s];
  long *fill = rc == 0 ? xcalloc_or((size_t)out->streams, sizeof *fill, &rc) : NULL;
  for (long i = 0; rc == 0 && i < out->n; i++) {
    long s = conn_of[i];
    out->seq[out->seq_start[s] + fill[s]++] = i;
  }
  free(fill);
  free(conn_of);
  for (int c = 0; c < nc; c++) county_free(&cs[c]);
  free(cs);
  if (rc) bench_mix_free(out);
  return rc;
}

void bench_mix_free(bench_mix *m) {
  for (long i = 0; m->env && i < m->n; i++) free(m->env[i]);
  for (int c = 0; m->curl && c < m->counties; c++) free(m->curl[c]);
  free(m->env);
  free(m->len);
  free(m->url);
  free(m->curl);
  free(m->seq);
  free(m->seq_start);
  free(m->after_off);
  free(m->after);
  memset(m, 0, sizeof *m);
}
