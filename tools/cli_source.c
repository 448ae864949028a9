/* Verification sources of the CLI: a server's tlog-tiles endpoints over HTTP, and an
 * export folder in the same layout. Neither is trusted; the engine judges both. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/tile.h"
#include "cli.h"

static int tile_path(int entries, unsigned level, uint64_t n, unsigned width, char *out, size_t cap) {
  aidreg_tile_ref t = {.entries = entries, .level = level, .index = n, .width = width};
  return aidreg_tile_format(&t, out, cap);
}

/* ---- HTTP ------------------------------------------------------------------------- */

/* GETs /log/<code>/<rel>; 0 with the body (status 200), 1 on 404, -1 otherwise. */
static int http_fetch(cli_http_source *hs, const char *rel, uint8_t **data, size_t *len, aidreg_verify_failure *f) {
  char path[256];
  snprintf(path, sizeof path, "/log/%s/%s", hs->code, rel);
  aidreg_http_response r;
  char *url = aidreg_http_url(hs->srv->server, path);
  char err[512];
  if (!url) return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  if (aidreg_http_get(hs->srv->http, url, &r, err, sizeof err) != 0) {
    free(url);
    return aidreg_verify_fail(f, AIDREG_VF_SOURCE, false, 0, "GET %s", err);
  }
  int rc = 0;
  if (r.status == 200) {
    *data = r.body ? r.body : calloc(1, 1);
    *len = r.len;
    r.body = NULL;
    if (!*data) rc = aidreg_verify_fail(f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  } else if (r.status == 404) {
    rc = 1;
  } else {
    rc = aidreg_verify_fail(f, AIDREG_VF_SOURCE, false, 0, "GET %s: HTTP %ld", url, r.status);
  }
  free(url);
  aidreg_http_response_free(&r);
  return rc;
}

/* A tile of width w; a server that no longer serves the partial tile (it may have grown
 * to a full one) is asked for the full tile, whose first hashes are the same nodes. */
static int http_tile_any(cli_http_source *hs, int entries, unsigned level, uint64_t n, unsigned width,
                         uint8_t **data, size_t *len, aidreg_verify_failure *f) {
  char rel[128];
  tile_path(entries, level, n, width, rel, sizeof rel);
  int rc = http_fetch(hs, rel, data, len, f);
  if (rc == 1 && width < AIDREG_TILE_WIDTH) {
    tile_path(entries, level, n, AIDREG_TILE_WIDTH, rel, sizeof rel);
    rc = http_fetch(hs, rel, data, len, f);
    if (rc == 0 && !entries && *len >= (size_t)width * 32) *len = (size_t)width * 32;
    if (rc == 0 && entries) {
      /* Keep the first `width` entries. */
      size_t pos = 0;
      for (unsigned k = 0; k < width && pos + 2 <= *len; k++) pos += 2 + ((size_t)(*data)[pos] << 8 | (*data)[pos + 1]);
      if (pos <= *len) *len = pos;
    }
  }
  if (rc == 1) {
    tile_path(entries, level, n, width, rel, sizeof rel);
    return aidreg_verify_fail(f, AIDREG_VF_MISSING, entries != 0, n * AIDREG_TILE_WIDTH,
                              "the server has no %s (HTTP 404)", rel);
  }
  return rc;
}

static int http_checkpoint(void *ctx, char **note, size_t *len, aidreg_verify_failure *f) {
  uint8_t *d = NULL;
  int rc = http_fetch(ctx, "checkpoint", &d, len, f);
  if (rc == 1) return aidreg_verify_fail(f, AIDREG_VF_MISSING, false, 0, "the server has no checkpoint (HTTP 404)");
  *note = (char *)d;
  return rc;
}

static int http_tile(void *ctx, unsigned level, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                     aidreg_verify_failure *f) {
  return http_tile_any(ctx, 0, level, n, width, data, len, f);
}

static int http_entries(void *ctx, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                        aidreg_verify_failure *f) {
  return http_tile_any(ctx, 1, 0, n, width, data, len, f);
}

static int http_consistency(void *ctx, uint64_t m, uint64_t n, uint8_t proof[][32], size_t *len,
                            aidreg_verify_failure *f) {
  cli_http_source *hs = ctx;
  char path[128];
  snprintf(path, sizeof path, "/v1/ledgers/%s/proof/consistency?from=%" PRIu64 "&to=%" PRIu64, hs->code, m, n);
  json_t *v = cli_get_json(hs->srv, path);
  if (!v) return aidreg_verify_fail(f, AIDREG_VF_SOURCE, false, 0, "cannot fetch %s", path);
  int rc = cli_proof_decode(json_object_get(v, "consistency_proof"), proof, len);
  json_decref(v);
  if (rc != 0)
    return aidreg_verify_fail(f, AIDREG_VF_SOURCE, false, 0, "%s: consistency_proof is not a list of base64 hashes",
                              path);
  return 0;
}

void cli_http_source_init(cli_http_source *hs, cli_server *srv, const char *code, aidreg_verify_source *src) {
  memset(src, 0, sizeof *src);
  hs->srv = srv;
  snprintf(hs->code, sizeof hs->code, "%s", code);
  src->ctx = hs;
  src->checkpoint = http_checkpoint;
  src->tile = http_tile;
  src->entries = http_entries;
  src->consistency = http_consistency;
}

/* ---- folder ----------------------------------------------------------------------- */

/* Reads dir/rel: 0, 1 when it does not exist, -1 on another error. */
static int dir_read(cli_dir_source *ds, const char *rel, uint8_t **data, size_t *len, aidreg_verify_failure *f) {
  size_t n = strlen(ds->dir) + strlen(rel) + 2;
  char *path = malloc(n);
  if (!path) return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  snprintf(path, n, "%s/%s", ds->dir, rel);
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    int e = errno;
    free(path);
    if (e == ENOENT) return 1;
    return aidreg_verify_fail(f, AIDREG_VF_SOURCE, false, 0, "cannot open %s/%s: %s", ds->dir, rel, strerror(e));
  }
  size_t cap = 1 << 16, got = 0;
  uint8_t *buf = malloc(cap);
  int rc = 0;
  while (buf) {
    if (got == cap) {
      if (cap >= ((size_t)64 << 20)) {
        rc = aidreg_verify_fail(f, AIDREG_VF_SOURCE, false, 0, "%s is too large", path);
        break;
      }
      uint8_t *b = realloc(buf, cap * 2);
      if (!b) break;
      buf = b;
      cap *= 2;
    }
    size_t r = fread(buf + got, 1, cap - got, fp);
    got += r;
    if (r == 0) break;
  }
  if (rc == 0 && (!buf || ferror(fp)))
    rc = aidreg_verify_fail(f, buf ? AIDREG_VF_SOURCE : AIDREG_VF_INTERNAL, false, 0, "cannot read %s", path);
  fclose(fp);
  free(path);
  if (rc != 0) {
    free(buf);
    return rc;
  }
  *data = buf;
  *len = got;
  return 0;
}

static int dir_checkpoint(void *ctx, char **note, size_t *len, aidreg_verify_failure *f) {
  uint8_t *d = NULL;
  int rc = dir_read(ctx, "checkpoint", &d, len, f);
  if (rc == 1) return aidreg_verify_fail(f, AIDREG_VF_MISSING, false, 0, "the folder holds no checkpoint");
  if (rc == 0) {
    char *s = realloc(d, *len + 1);
    if (!s) {
      free(d);
      return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
    }
    s[*len] = 0;
    *note = s;
  }
  return rc;
}

static int dir_tile_any(cli_dir_source *ds, int entries, unsigned level, uint64_t n, unsigned width,
                        uint8_t **data, size_t *len, aidreg_verify_failure *f) {
  char rel[128];
  tile_path(entries, level, n, width, rel, sizeof rel);
  int rc = dir_read(ds, rel, data, len, f);
  if (rc == 1) {
    return aidreg_verify_fail(f, AIDREG_VF_MISSING, entries != 0, n * AIDREG_TILE_WIDTH, "the folder has no %s",
                              rel);
  }
  return rc;
}

static int dir_tile(void *ctx, unsigned level, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                    aidreg_verify_failure *f) {
  return dir_tile_any(ctx, 0, level, n, width, data, len, f);
}

static int dir_entries(void *ctx, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                       aidreg_verify_failure *f) {
  return dir_tile_any(ctx, 1, 0, n, width, data, len, f);
}

void cli_dir_source_init(cli_dir_source *ds, const char *dir, aidreg_verify_source *src) {
  memset(src, 0, sizeof *src);
  ds->dir = dir;
  src->ctx = ds;
  src->checkpoint = dir_checkpoint;
  src->tile = dir_tile;
  src->entries = dir_entries;
}

/* ---- opening one of them ---------------------------------------------------------- */

int cli_source_open(cli_source *s, const char *cmd, const char *dir, const char *db_url, const char *server,
                    const char *ledger) {
  memset(s, 0, sizeof *s);
  if (dir) {
    cli_dir_source_init(&s->ds, dir, &s->src);
    return 0;
  }
  if (db_url) {
    char err[512];
    s->db = aidreg_verify_db_open(db_url, ledger, err, sizeof err);
    if (!s->db) {
      cli_err(cmd, "%s", err);
      return -1;
    }
    aidreg_verify_db_source(s->db, &s->src);
    return 0;
  }
  if (cli_server_open(&s->srv, cmd, server) != 0) return -1;
  cli_http_source_init(&s->hs, &s->srv, ledger, &s->src);
  return 0;
}

void cli_source_close(cli_source *s) {
  if (s->db) aidreg_verify_db_close(s->db);
  s->db = NULL;
  if (s->srv.http) cli_server_close(&s->srv);
}
