/* Every response goes out through here: see reply.h. */
#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "metrics.h"

/* A response that owns a malloc'd buffer. MHD_create_response_from_buffer_static and
 * _copy only exist from 0.9.77; 0.9.75 (Debian 12) has the RESPMEM modes. */
static struct MHD_Response *response_from_malloc(void *data, size_t len) {
  return MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
}

/* Queue resp (consumed) and record the status. */
enum MHD_Result reply_response(httpd_request *rq, unsigned status, struct MHD_Response *resp) {
  if (!resp) return MHD_NO;
  enum MHD_Result ret = MHD_queue_response(rq->conn, status, resp);
  MHD_destroy_response(resp);
  if (ret == MHD_YES) {
    rq->answered = true;
    rq->status = (int)status;
    metrics_count(rq->route_slot, status);
    metrics_observe(rq->route_slot, rq->started_ns);
  }
  return ret;
}

/* Retry-After (seconds) of a 429 or 503: rq->retry_after, at least 1. */
static bool retry_after_header(const httpd_request *rq, struct MHD_Response *resp) {
  char v[16];
  snprintf(v, sizeof v, "%u", rq->retry_after ? rq->retry_after : 1);
  return MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v) == MHD_YES;
}

/* code is the problem's (AIDREG_OK for a success): a 405 gets Allow, a bad operator
 * token WWW-Authenticate (RFC 9110 §15.5.2). */
static enum MHD_Result send_json(httpd_request *rq, unsigned status, const char *content_type,
                                 aidreg_code code, json_t *body) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if (!text) return MHD_NO;
  struct MHD_Response *resp = response_from_malloc(text, strlen(text));
  if (!resp) {
    free(text);
    return MHD_NO;
  }
  if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES) {
    MHD_destroy_response(resp);
    return MHD_NO;
  }
  if ((code == AIDREG_E_METHOD_NOT_ALLOWED &&
       MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rq->allow) != MHD_YES) ||
      (code == AIDREG_E_BAD_TOKEN &&
       MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"aidreg\"") != MHD_YES) ||
      ((code == AIDREG_E_TOO_MANY_REQUESTS || code == AIDREG_E_UNAVAILABLE) && !retry_after_header(rq, resp))) {
    MHD_destroy_response(resp);
    return MHD_NO;
  }
  return reply_response(rq, status, resp);
}

enum MHD_Result reply_json(httpd_request *rq, unsigned status, json_t *body) {
  return send_json(rq, status, "application/json", AIDREG_OK, body);
}

/* The detail as UTF-8: a detail cut by its fixed buffer may end inside a character, which
 * is dropped; anything else invalid is withheld. */
static json_t *detail_json(const char *detail) {
  size_t n = strlen(detail);
  for (int cut = 0; cut < 4 && n > 0; cut++, n--)
    if (aidreg_utf8_valid((const uint8_t *)detail, n)) return json_stringn(detail, n);
  if (n == 0) return json_string("");
  return json_string("(detail withheld: not UTF-8)");
}

json_t *problem_json(const aidreg_problem *p, json_t *extra) {
  char type[160];
  aidreg_problem_type_uri(p->code, type, sizeof type);
  json_t *o = json_pack("{s:s, s:s, s:i, s:o}", "type", type, "title", aidreg_problem_title(p->code),
                        "status", aidreg_problem_status(p->code), "detail", detail_json(p->detail));
  if (o && p->field[0] && aidreg_utf8_valid((const uint8_t *)p->field, strlen(p->field)) &&
      json_object_set_new(o, "field", json_string(p->field)) != 0) {
    json_decref(o);
    o = NULL;
  }
  if (o && extra && json_object_update(o, extra) != 0) {
    json_decref(o);
    o = NULL;
  }
  json_decref(extra);
  return o;
}

json_t *result_problem_extra(const aidreg_result *res) {
  if (res->problem.code != AIDREG_E_STALE_PREV) return NULL;
  return json_pack("{s:o}", "head", res->head[0] ? json_string(res->head) : json_null());
}

enum MHD_Result reply_problem(httpd_request *rq, const aidreg_problem *p, json_t *extra) {
  int status = aidreg_problem_status(p->code);
  if (status >= 500)
    fprintf(stderr, "aidreg-server: %s %s -> %d %s: %s\n", rq->method, router_pattern(rq->route_slot),
            status, aidreg_problem_slug(p->code), p->detail);
  return send_json(rq, (unsigned)status, "application/problem+json", p->code, problem_json(p, extra));
}

enum MHD_Result reply_error(httpd_request *rq, aidreg_code code, const char *field, const char *fmt, ...) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  p.code = code;
  snprintf(p.field, sizeof p.field, "%s", field ? field : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p.detail, sizeof p.detail, fmt, ap);
  va_end(ap);
  return reply_problem(rq, &p, NULL);
}

enum MHD_Result reply_bytes(httpd_request *rq, unsigned status, const char *content_type,
                            const char *cache_control, void *data, size_t len) {
  return reply_bytes_with(rq, status, content_type, cache_control, data, len, NULL);
}

enum MHD_Result reply_bytes_with(httpd_request *rq, unsigned status, const char *content_type,
                                 const char *cache_control, void *data, size_t len, const char *const *headers) {
  struct MHD_Response *resp = response_from_malloc(data, len);
  if (!resp) {
    free(data);
    return MHD_NO;
  }
  bool ok = (!content_type || MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) == MHD_YES) &&
            (!cache_control || MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control) == MHD_YES);
  for (size_t i = 0; ok && headers && headers[i]; i += 2)
    ok = MHD_add_response_header(resp, headers[i], headers[i + 1]) == MHD_YES;
  if (!ok) {
    MHD_destroy_response(resp);
    return MHD_NO;
  }
  return reply_response(rq, status, resp);
}

/* Length of the valid UTF-8 character at s (1..4), or 0 when s starts no valid one. */
static size_t utf8_char(const char *s) {
  unsigned char c = (unsigned char)s[0];
  size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
  for (size_t i = 1; i < len; i++)
    if (((unsigned char)s[i] & 0xc0) != 0x80) return 0;
  return len && aidreg_utf8_valid((const uint8_t *)s, len) ? len : 0;
}

void problem_field(char *out, size_t cap, const char *prefix, const char *token) {
  if (cap == 0) return;
  int w = snprintf(out, cap, "%s/", prefix);
  size_t n = w < 0 ? 0 : (size_t)w;
  if (n >= cap) return; /* truncated prefix: keep what fits */
  for (const char *t = token; *t;) {
    size_t len = utf8_char(t);
    const char *src = t;
    char esc[2];
    size_t out_len = len;
    if (len == 0) { /* not UTF-8: shown as '?' */
      src = "?";
      out_len = 1;
      len = 1;
    } else if (*t == '~' || *t == '/') {
      esc[0] = '~';
      esc[1] = *t == '~' ? '0' : '1';
      src = esc;
      out_len = 2;
    }
    if (n + out_len >= cap) break;
    memcpy(out + n, src, out_len);
    n += out_len;
    t += len;
  }
  out[n] = '\0';
}

/* Does If-None-Match list etag (or "*")? Weak comparison, as RFC 9110 §13.1.2 says. */
bool reply_none_match(const char *header, const char *etag) {
  if (!header) return false;
  size_t elen = strlen(etag);
  const char *p = header;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ',') p++;
    if (*p == '*') return true;
    if (p[0] == 'W' && p[1] == '/') p += 2;
    size_t n = strcspn(p, ",");
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    if (n == elen && memcmp(p, etag, n) == 0) return true;
    p += strcspn(p, ",");
  }
  return false;
}

enum MHD_Result reply_read(httpd_request *rq, int rc, json_t *out, const aidreg_problem *p) {
  if (rc != 0) {
    json_decref(out);
    return reply_problem(rq, p, NULL);
  }
  if (!out) return reply_error(rq, AIDREG_E_INTERNAL, NULL, "the read returned nothing");
  return reply_json(rq, MHD_HTTP_OK, out);
}
