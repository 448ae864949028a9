#ifndef AIDREG_TOOLS_HTTP_CLIENT_H
#define AIDREG_TOOLS_HTTP_CLIENT_H
/* A tiny libcurl wrapper for the CLI and the benchmark: GET bytes, POST JSON (with an
 * optional bearer token). One aidreg_http handle keeps its connection alive between
 * requests; use one handle per thread, never one from two threads at once. */
#include <stddef.h>
#include <stdint.h>

typedef struct aidreg_http aidreg_http;

typedef struct {
  long status;             /* HTTP status, 0 when no response arrived */
  uint8_t *body;           /* malloc'd, NUL-terminated (not counted in len); NULL if empty */
  size_t len;
  char content_type[128];  /* "" when absent; parameters (;charset=...) stripped */
} aidreg_http_response;

/* Once per process, before any thread uses a handle. Returns 0 or -1. */
int aidreg_http_global_init(void);
void aidreg_http_global_cleanup(void);

/* NULL on OOM. max_body caps the response body (0 = 64 MiB); longer bodies fail. */
aidreg_http *aidreg_http_new(size_t max_body);
void aidreg_http_free(aidreg_http *h);
/* Seconds before a request is abandoned (default 60; 0 = none). */
void aidreg_http_set_timeout(aidreg_http *h, long seconds);

/* Each returns 0 when a response arrived (whatever its status; r filled, free it with
 * aidreg_http_response_free), or -1 with a message in err (cap bytes) when none did
 * (connection refused, timeout, body over the cap...). */
int aidreg_http_get(aidreg_http *h, const char *url, aidreg_http_response *r, char *err, size_t cap);
/* POST body (len bytes) as application/json; bearer may be NULL. */
int aidreg_http_post_json(aidreg_http *h, const char *url, const char *body, size_t len,
                          const char *bearer, aidreg_http_response *r, char *err, size_t cap);
void aidreg_http_response_free(aidreg_http_response *r);

/* Joins base and path with exactly one '/' between them; malloc'd, NULL on OOM. */
char *aidreg_http_url(const char *base, const char *path);

#endif
