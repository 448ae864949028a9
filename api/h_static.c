/* The web app: static files under AIDREG_WWW_DIR/app, served at /app/.
 *
 * What may be asked for is narrow on purpose (the URL reaches us percent-decoded):
 *  - a path of segments of [A-Za-z0-9._-], none empty and none starting with a dot
 *    (so no "..", no hidden files, no "//"), at most HTTPD_ARG_MAX - 1 bytes
 *    (longer paths do not match the route);
 *  - a name ending in one of the extensions of the table below (which gives its
 *    Content-Type); anything else is 404, the precompressed .gz/.br files included;
 *  - opened one segment at a time with O_NOFOLLOW below the app folder, so that no
 *    symbolic link leads out of it; only regular files are served.
 * "/app/" and a path ending in "/" mean that folder's index.html.
 *
 * A file "name.br" or "name.gz" beside "name" is sent instead, with Content-Encoding,
 * when the request's Accept-Encoding takes that coding (q > 0) and it is not older than
 * "name" (a stale compressed copy is never sent); Vary: Accept-Encoding always. The ETag is strong and names the variant sent (size, mtime, coding), so a
 * changed file or a different coding never matches; If-None-Match answers 304.
 * Cache-Control is "no-cache": the app has no hashed file names, so every use
 * revalidates (a 304 costs one round trip, no body). */
#define _POSIX_C_SOURCE 200809L
#include "h_static.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reply.h"

#ifndef AIDREG_WWW_DIR
#error "AIDREG_WWW_DIR must name the folder of openapi.json and app/ (CMakeLists.txt defines it)"
#endif

#define STATIC_ROOT AIDREG_WWW_DIR "/app"
#define STATIC_FILE_MAX (16u * 1024u * 1024u)

typedef struct {
  const char *ext;
  const char *type;
} mime_row;

static const mime_row mime[] = {
  {".html", "text/html; charset=utf-8"},
  {".js", "text/javascript; charset=utf-8"},
  {".mjs", "text/javascript; charset=utf-8"},
  {".css", "text/css; charset=utf-8"},
  {".json", "application/json"},
  {".webmanifest", "application/manifest+json"},
  {".svg", "image/svg+xml"},
  {".png", "image/png"},
  {".jpg", "image/jpeg"},
  {".ico", "image/x-icon"},
  {".woff2", "font/woff2"},
  {".txt", "text/plain; charset=utf-8"},
};

static const char *mime_of(const char *path) {
  size_t n = strlen(path);
  for (size_t i = 0; i < sizeof mime / sizeof mime[0]; i++) {
    size_t e = strlen(mime[i].ext);
    if (n > e && strcmp(path + n - e, mime[i].ext) == 0) return mime[i].type;
  }
  return NULL;
}

/* Is rel (the part after /app/, "" for the folder itself) a path we serve? */
static bool path_ok(const char *rel) {
  bool seg_start = true;
  for (const char *p = rel; *p; p++) {
    char c = *p;
    if (c == '/') {
      if (seg_start) return false; /* empty segment */
      seg_start = true;
      continue;
    }
    if (seg_start && c == '.') return false; /* "..", ".hidden" */
    seg_start = false;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return false;
  }
  return true;
}

/* Open rel below the app folder without following any symbolic link; -1 if absent or
 * not a regular file within the size limit (st filled on success). */
static int open_below(const char *rel, struct stat *st) {
  int dir = open(STATIC_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -1;
  char seg[HTTPD_ARG_MAX + 16];
  const char *p = rel;
  for (;;) {
    size_t n = strcspn(p, "/");
    if (n == 0 || n >= sizeof seg) break;
    memcpy(seg, p, n);
    seg[n] = '\0';
    bool last = p[n] == '\0';
    int fd = openat(dir, seg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? 0 : O_DIRECTORY));
    close(dir);
    if (fd < 0) return -1;
    if (last) {
      if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_size < 0 ||
          (unsigned long long)st->st_size > STATIC_FILE_MAX) {
        close(fd);
        return -1;
      }
      return fd;
    }
    dir = fd;
    p += n + 1;
  }
  close(dir);
  return -1;
}

/* Does the Accept-Encoding header take coding (with q > 0, or through "*")? */
static bool accepts(const char *header, const char *coding) {
  if (!header) return false;
  size_t clen = strlen(coding);
  const char *p = header;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ',') p++;
    const char *tok = p;
    size_t tlen = strcspn(p, " \t;,");
    p += tlen;
    /* parameters: only q matters; q=0, q=0.0, ... refuses */
    bool refused = false;
    while (*p && *p != ',') {
      if (*p == ';') {
        p++;
        while (*p == ' ' || *p == '\t') p++;
        if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
          const char *v = p + 2;
          if (v[0] == '0') {
            refused = true;
            for (v++; *v == '.' || *v == '0'; v++) {
            }
            if (*v >= '1' && *v <= '9') refused = false;
          }
        }
        continue;
      }
      p++;
    }
    if (((tlen == clen && strncasecmp(tok, coding, clen) == 0) || (tlen == 1 && tok[0] == '*')) && !refused)
      return true;
  }
  return false;
}

static enum MHD_Result queue(httpd_request *rq, unsigned status, struct MHD_Response *resp) {
  return reply_queue(rq, status, resp);
}

static bool add(struct MHD_Response *resp, const char *name, const char *value) {
  return MHD_add_response_header(resp, name, value) == MHD_YES;
}

enum MHD_Result h_static_redirect(httpd_request *rq) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
  if (!resp) return MHD_NO;
  if (!add(resp, MHD_HTTP_HEADER_LOCATION, "/app/") || !add(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache")) {
    MHD_destroy_response(resp);
    return MHD_NO;
  }
  return queue(rq, MHD_HTTP_FOUND, resp);
}

enum MHD_Result h_static(httpd_request *rq) {
  /* rq->arg is the remainder after "/app/" ({rest}); empty for "/app/" itself. */
  const char *rest = rq->route->pattern[strlen(rq->route->pattern) - 1] == '/' ? "" : rq->arg;
  char rel[HTTPD_ARG_MAX + 16];
  size_t rlen = strlen(rest);
  if (!path_ok(rest) || rlen + sizeof "index.html" > sizeof rel)
    return reply_error(rq, AIDREG_E_NOT_FOUND, NULL, "no such file");
  memcpy(rel, rest, rlen + 1);
  if (rlen == 0 || rel[rlen - 1] == '/') memcpy(rel + rlen, "index.html", sizeof "index.html");
  const char *type = mime_of(rel);
  if (!type) return reply_error(rq, AIDREG_E_NOT_FOUND, NULL, "no such file");

  struct stat st;
  int fd = open_below(rel, &st);
  if (fd < 0) return reply_error(rq, AIDREG_E_NOT_FOUND, NULL, "no such file");

  /* A precompressed variant, when the client takes it. */
  const char *ae = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
  static const char *const codings[][2] = {{"br", ".br"}, {"gzip", ".gz"}};
  const char *coding = NULL;
  for (size_t i = 0; i < 2 && !coding; i++) {
    if (!accepts(ae, codings[i][0])) continue;
    char alt[sizeof rel + 4];
    snprintf(alt, sizeof alt, "%s%s", rel, codings[i][1]);
    struct stat ast;
    int afd = open_below(alt, &ast);
    if (afd < 0) continue;
    if (ast.st_mtim.tv_sec < st.st_mtim.tv_sec ||
        (ast.st_mtim.tv_sec == st.st_mtim.tv_sec && ast.st_mtim.tv_nsec < st.st_mtim.tv_nsec)) {
      close(afd); /* older than the file it compresses: stale, not sent */
      continue;
    }
    close(fd);
    fd = afd;
    st = ast;
    coding = codings[i][0];
  }

  char etag[96];
  snprintf(etag, sizeof etag, "\"%llx-%llx.%09ld%s%s\"", (unsigned long long)st.st_size,
           (unsigned long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec, coding ? "-" : "", coding ? coding : "");
  const char *inm = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
  bool not_modified = reply_none_match(inm, etag);

  struct MHD_Response *resp;
  if (not_modified) {
    close(fd);
    resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
  } else {
    resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* owns fd from here */
    if (!resp) close(fd);
  }
  if (!resp) return reply_error(rq, AIDREG_E_UNAVAILABLE, NULL, "out of resources; retry later");
  bool ok = add(resp, MHD_HTTP_HEADER_ETAG, etag) && add(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") &&
            add(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding") && add(resp, "X-Content-Type-Options", "nosniff");
  if (ok && !not_modified) {
    ok = add(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) &&
         (!coding || add(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, coding)) &&
         add(resp, "Content-Security-Policy",
             "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
             "frame-ancestors 'none'") &&
         add(resp, "Referrer-Policy", "no-referrer");
  }
  if (!ok) {
    MHD_destroy_response(resp);
    return MHD_NO;
  }
  return queue(rq, not_modified ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, resp);
}
