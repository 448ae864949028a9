/* libcurl behind four calls. The CLI and the benchmark need nothing more than GET and
 * POST of JSON; anything libcurl offers beyond that stays hidden here. */
#include "http_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_BODY ((size_t)64 << 20)

struct aidreg_http {
  CURL *curl;
  size_t max_body;
  long timeout;
};

typedef struct {
  uint8_t *buf;
  size_t len, cap, max;
  int overflow;
  int oom;
} sink;

int aidreg_http_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }

void aidreg_http_global_cleanup(void) { curl_global_cleanup(); }

aidreg_http *aidreg_http_new(size_t max_body) {
  aidreg_http *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->curl = curl_easy_init();
  if (!h->curl) {
    free(h);
    return NULL;
  }
  h->max_body = max_body ? max_body : DEFAULT_MAX_BODY;
  h->timeout = 60;
  return h;
}

void aidreg_http_free(aidreg_http *h) {
  if (!h) return;
  curl_easy_cleanup(h->curl);
  free(h);
}

void aidreg_http_set_timeout(aidreg_http *h, long seconds) { h->timeout = seconds; }

void aidreg_http_response_free(aidreg_http_response *r) {
  if (!r) return;
  free(r->body);
  memset(r, 0, sizeof *r);
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
  sink *s = userdata;
  size_t n = size * nmemb;
  if (n > s->max - s->len) {
    s->overflow = 1;
    return 0; /* makes libcurl abort with CURLE_WRITE_ERROR */
  }
  if (s->len + n + 1 > s->cap) {
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < s->len + n + 1) cap *= 2;
    uint8_t *b = realloc(s->buf, cap);
    if (!b) {
      s->oom = 1;
      return 0;
    }
    s->buf = b;
    s->cap = cap;
  }
  memcpy(s->buf + s->len, ptr, n);
  s->len += n;
  s->buf[s->len] = 0;
  return n;
}

/* Runs the request configured on h->curl and fills r. */
static int perform(aidreg_http *h, const char *url, aidreg_http_response *r, char *err, size_t cap) {
  memset(r, 0, sizeof *r);
  sink s = {.max = h->max_body};
  char ebuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h->curl, CURLOPT_URL, url);
  curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, ebuf);
  curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, h->timeout);
  curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "aidreg-cli/1");
  CURLcode rc = curl_easy_perform(h->curl);
  curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
  if (rc != CURLE_OK) {
    if (err) {
      if (s.overflow)
        snprintf(err, cap, "%s: response body larger than %zu bytes", url, h->max_body);
      else if (s.oom)
        snprintf(err, cap, "%s: out of memory", url);
      else
        snprintf(err, cap, "%s: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
    }
    free(s.buf);
    return -1;
  }
  curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
  char *ct = NULL;
  if (curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) {
    size_t n = strcspn(ct, "; \t");
    if (n >= sizeof r->content_type) n = sizeof r->content_type - 1;
    memcpy(r->content_type, ct, n);
    r->content_type[n] = 0;
  }
  r->body = s.buf;
  r->len = s.len;
  return 0;
}

int aidreg_http_get(aidreg_http *h, const char *url, aidreg_http_response *r, char *err, size_t cap) {
  curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
  return perform(h, url, r, err, cap);
}

int aidreg_http_post_json(aidreg_http *h, const char *url, const char *body, size_t len,
                          const char *bearer, aidreg_http_response *r, char *err, size_t cap) {
  struct curl_slist *headers = NULL, *t;
  char *auth = NULL;
  int rc = -1;
  memset(r, 0, sizeof *r);
  if (bearer) {
    for (const char *c = bearer; *c; c++) {
      if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e) {
        if (err) snprintf(err, cap, "the bearer token holds a character not allowed in a header");
        return -1;
      }
    }
    size_t n = strlen(bearer) + sizeof "Authorization: Bearer ";
    auth = malloc(n);
    if (!auth) goto oom;
    snprintf(auth, n, "Authorization: Bearer %s", bearer);
  }
  /* No "Expect: 100-continue" round trip: bodies are small and the server answers a
   * refusal decided from the headers anyway. */
  const char *fixed[] = {"Content-Type: application/json", "Accept: application/json, application/problem+json",
                         "Expect:", auth};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    if (!fixed[i]) continue;
    t = curl_slist_append(headers, fixed[i]);
    if (!t) goto oom;
    headers = t;
  }
  curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
  curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
  rc = perform(h, url, r, err, cap);
  curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
  curl_slist_free_all(headers);
  free(auth);
  return rc;
oom:
  curl_slist_free_all(headers);
  free(auth);
  if (err) snprintf(err, cap, "out of memory");
  return -1;
}

char *aidreg_http_url(const char *base, const char *path) {
  size_t bl = strlen(base);
  while (bl > 0 && base[bl - 1] == '/') bl--;
  while (*path == '/') path++;
  size_t n = bl + 1 + strlen(path) + 1;
  char *u = malloc(n);
  if (!u) return NULL;
  memcpy(u, base, bl);
  u[bl] = '/';
  strcpy(u + bl + 1, path);
  return u;
}
