/* The mixed load of the benchmark (bench_mix.h): a county's year as the demo seed makes it
 * (tools/bench_mix.py), every county on its own connection so that its entries keep their
 * order (each depends on the ones before it: a payout on its plan's notice, a report on
 * its asset), the counties side by side. */
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
  size_t n, cap;
} county;

static int county_add(county *c, char *env, size_t len) {
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 4096;
    char **e = realloc(c->env, cap * sizeof *e);
    if (e) c->env = e;
    size_t *l = e ? realloc(c->len, cap * sizeof *l) : NULL;
    if (!e || !l) return -1;
    c->len = l;
    c->cap = cap;
  }
  c->env[c->n] = env;
  c->len[c->n++] = len;
  return 0;
}

static void county_free(county *c) {
  for (size_t i = 0; i < c->n; i++) free(c->env[i]);
  free(c->env);
  free(c->len);
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
      if (county_add(c, text, strlen(text))) {
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

int bench_mix_load(const char *path, const char *base_url, const char *token, int max_streams, bench_mix *out,
                   char *err, size_t cap) {
  memset(out, 0, sizeof *out);
  county *cs = calloc((size_t)max_streams, sizeof *cs);
  int nc = 0;
  if (!cs) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  int rc = read_counties(path, max_streams, cs, &nc, err, cap);
  aidreg_http *h = rc == 0 ? aidreg_http_new(0) : NULL;
  if (rc == 0 && !h) rc = -1;
  size_t per = SIZE_MAX;
  for (int c = 0; rc == 0 && c < nc; c++) {
    rc = create_ledger(h, base_url, token, &cs[c], err, cap);
    if (cs[c].n - 1 < per) per = cs[c].n - 1;
  }
  aidreg_http_free(h);
  if (rc == 0) {
    out->streams = nc;
    out->per_county = (long)per;
    out->n = (long)per * nc;
    out->env = calloc((size_t)out->n, sizeof *out->env);
    out->len = calloc((size_t)out->n, sizeof *out->len);
    out->url = calloc((size_t)out->n, sizeof *out->url);
    if (!out->env || !out->len || !out->url) {
      snprintf(err, cap, "out of memory");
      rc = -1;
    }
  }
  for (int c = 0; rc == 0 && c < nc; c++) {
    char path_c[64];
    snprintf(path_c, sizeof path_c, "/v1/ledgers/%s/entries", cs[c].code);
    char *url = aidreg_http_url(base_url, path_c);
    for (size_t k = 0; url && k < per; k++) {
      size_t i = k * (size_t)nc + (size_t)c;
      out->env[i] = cs[c].env[k + 1];
      out->len[i] = cs[c].len[k + 1];
      cs[c].env[k + 1] = NULL; /* now out's */
      out->url[i] = k == 0 ? url : NULL;
    }
    if (!url) rc = -1;
  }
  /* Every entry of a county shares its first entry's URL. */
  for (long i = nc; rc == 0 && i < out->n; i++) out->url[i] = out->url[i % nc];
  for (int c = 0; c < nc; c++) county_free(&cs[c]);
  free(cs);
  if (rc) bench_mix_free(out);
  return rc;
}

void bench_mix_free(bench_mix *m) {
  for (long i = 0; m->env && i < m->n; i++) free(m->env[i]);
  for (int c = 0; m->url && c < m->streams && c < m->n; c++) free(m->url[c]);
  free(m->env);
  free(m->len);
  free(m->url);
  memset(m, 0, sizeof *m);
}
