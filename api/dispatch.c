/* The libmicrohttpd callbacks: one request's life from its headers to its completion.
 *
 * Call 1 (headers only): allocate the request, route it, decide what the headers
 * alone refuse (404/405, operator token, Content-Type), and refuse a Content-Length
 * over the limit at once, before the body is read (libmicrohttpd then sends no
 * "100 Continue" and closes the connection). Nothing else is answered on this call:
 * libmicrohttpd 0.9.75 closes keep-alive connections whose GET is answered on it.
 * Calls 2..n: body chunks, appended to the bounded buffer or dropped.
 * Last call (*upload_data_size == 0): answer the refusal, 413, or run the handler. */
#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard.h"
#include "httpd.h"
#include "metrics.h"
#include "reply.h"

/* "Authorization: Bearer <token>" equal to the operator token. */
static bool admin_token_ok(const httpd_request *rq) {
  const httpd_server *srv = rq->srv;
  if (!srv->admin_token || srv->admin_token_len == 0) return false;
  const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  if (!h || strncasecmp(h, "Bearer ", 7) != 0) return false;
  h += 7;
  while (*h == ' ') h++;
  size_t n = strlen(h);
  while (n && (h[n - 1] == ' ' || h[n - 1] == '\t')) n--;
  return n == srv->admin_token_len && sodium_memcmp(h, srv->admin_token, n) == 0;
}

/* Refusals decided from the headers of a routed request with a body. */
static void check_headers(httpd_request *rq) {
  if (rq->route->admin && !admin_token_ok(rq)) {
    aidreg_problem_set(&rq->refusal, AIDREG_E_BAD_TOKEN, NULL,
                       "this request needs the operator's token: Authorization: Bearer <token>");
    return;
  }
  if (rq->route->body_limit > 0 && rq->route->body_limit != HTTPD_BODY_FILE && !upload_is_json(rq->conn))
    aidreg_problem_set(&rq->refusal, AIDREG_E_CONTENT_TYPE, NULL, "the request body must be application/json");
}

/* The peer's address as text; from the trusted proxy, the address its X-Real-IP names. */
static void client_address(httpd_request *rq) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  rq->client[0] = '\0';
  if (!ci || !ci->client_addr) return;
  const struct sockaddr *sa = ci->client_addr;
  const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr
                                            : (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
  if (!inet_ntop(sa->sa_family, a, rq->client, sizeof rq->client)) rq->client[0] = '\0';
  const char *proxy = rq->srv->trusted_proxy;
  if (!proxy || strcmp(proxy, rq->client) != 0) return;
  const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-Real-IP");
  unsigned char buf[sizeof(struct in6_addr)];
  if (h && strlen(h) < sizeof rq->client && (inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1))
    snprintf(rq->client, sizeof rq->client, "%s", h);
}

static enum MHD_Result first_call(httpd_request *rq, const char *url, const char *version) {
  guard_headers_done(rq->conn);
  client_address(rq);
  rq->route = router_find(rq->method, url, rq);
  /* A county the ledger map sends nowhere: refused before its body is read. */
  if (rq->route && rq->code[0] && !aidreg_registry_serves(rq->srv->registry, rq->code, &rq->refusal))
    rq->route = NULL;
  /* RFC 9112 §3.2: a server must refuse an HTTP/1.1 request without Host; libmicrohttpd
   * 0.9.75 lets it through. */
  if (version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
      !MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)) {
    rq->route = NULL;
    aidreg_problem_set(&rq->refusal, AIDREG_E_MALFORMED_REQUEST, NULL,
                       "HTTP/1.1 请求必须带 Host 头 / an HTTP/1.1 request must carry a Host header");
  }
  /* libmicrohttpd decodes the path before routing: %00 would cut it, %2F add a segment,
   * and a tile would have several URLs. */
  if (rq->path_forbidden || (rq->path_escape && strncmp(url, "/log/", 5) == 0)) {
    rq->route = NULL;
    aidreg_problem_set(&rq->refusal, AIDREG_E_INVALID_PATH, NULL,
                       "路径中不允许 %%00、%%2F，/log/ 下不允许任何转义 / a path may not hold %%00 or %%2F, and "
                       "no percent-escape under /log/");
  }
  if (rq->route) check_headers(rq);
  bool refused = rq->refusal.code != AIDREG_OK;
  size_t keep = refused ? 0 : rq->route->body_limit == HTTPD_BODY_FILE ? rq->srv->blob_max : rq->route->body_limit;
  /* A body we do not keep (refused request, or a route that takes none) is still read
   * and dropped up to 64 KiB, so that the answer reaches a client that sent it without
   * waiting for "100 Continue"; beyond that, refuse before reading. */
  size_t most = keep > 0 ? keep : HTTPD_ENVELOPE_MAX;
  uint64_t length = 0;
  bool has_length = upload_content_length(rq->conn, &length) == 1;
  upload_init(&rq->body, keep, has_length ? length : 0, rq->client);
  if (has_length && length > most) {
    if (refused) return reply_problem(rq, &rq->refusal, NULL);
    return reply_error(rq, AIDREG_E_TOO_LARGE, NULL, "the request body (%llu bytes) exceeds %zu bytes",
                       (unsigned long long)length, most);
  }
  return MHD_YES;
}

static enum MHD_Result last_call(httpd_request *rq) {
  if (!guard_body_done(rq->conn)) return MHD_NO; /* past its deadline: closed already */
  if (rq->refusal.code != AIDREG_OK) return reply_problem(rq, &rq->refusal, NULL);
  if (rq->body.too_large)
    return reply_error(rq, AIDREG_E_TOO_LARGE, NULL, "the request body exceeds %zu bytes", rq->body.limit);
  if (rq->body.no_memory)
    return reply_error(rq, AIDREG_E_UNAVAILABLE, NULL, "too many request bodies in memory; retry later");
  return rq->route->handler(rq);
}

enum MHD_Result httpd_access(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version, const char *upload_data,
                             size_t *upload_data_size, void **req_cls) {
  httpd_request *rq = *req_cls;
  if (!rq) { /* no URI log call (allocation failed there) */
    rq = httpd_uri_log(cls, url, conn);
    if (!rq) return MHD_NO;
    *req_cls = rq;
  }
  if (!rq->started) {
    rq->started = true;
    rq->started_ns = metrics_now_ns();
    rq->method = method;
    return first_call(rq, url, version);
  }
  if (*upload_data_size > 0) {
    upload_feed(&rq->body, upload_data, *upload_data_size);
    *upload_data_size = 0;
    if (!rq->body.too_large && !rq->body.no_memory) return MHD_YES;
    /* A limit is passed (a chunked body, or more bytes than announced): answer now and
     * close, rather than read the rest. libmicrohttpd cannot queue a response mid-body. */
    char detail[sizeof rq->refusal.detail];
    aidreg_code code = rq->refusal.code;
    if (code != AIDREG_OK)
      snprintf(detail, sizeof detail, "%s", rq->refusal.detail);
    else if (rq->body.too_large) {
      code = AIDREG_E_TOO_LARGE;
      snprintf(detail, sizeof detail, "请求体超过 %zu 字节，连接已关闭 / the request body exceeds %zu bytes; the "
               "connection is closed", rq->body.limit ? rq->body.limit : (size_t)HTTPD_ENVELOPE_MAX,
               rq->body.limit ? rq->body.limit : (size_t)HTTPD_ENVELOPE_MAX);
    } else {
      code = AIDREG_E_UNAVAILABLE;
      snprintf(detail, sizeof detail, "too many request bodies in memory (for this address or in all); retry later");
    }
    guard_write_problem(conn, code, detail);
    return MHD_NO;
  }
  if (rq->answered) return MHD_YES;
  /* A suspended submission is resumed once its results are ready, or at shutdown. */
  if (rq->results) {
    if (atomic_load(&rq->orphaned))
      return reply_error(rq, AIDREG_E_UNAVAILABLE, NULL,
                         "服务器正在停止，本次提交的结果尚未确定；请重新提交（幂等） / the server is stopping before "
                         "this submission was decided; submit it again (resubmission is safe)");
    return atomic_load(&rq->ready) ? h_entries_answer(rq) : MHD_YES;
  }
  return last_call(rq);
}

/* The raw request target, before libmicrohttpd decodes it. */
void *httpd_uri_log(void *cls, const char *uri, struct MHD_Connection *conn) {
  guard_request_line(conn);
  httpd_request *rq = calloc(1, sizeof *rq);
  if (!rq) return NULL;
  rq->srv = cls;
  rq->conn = conn;
  atomic_init(&rq->refs, 1);
  size_t n = strcspn(uri, "?#");
  for (size_t i = 0; i < n; i++) {
    if (uri[i] != '%') continue;
    rq->path_escape = true;
    char a = i + 1 < n ? uri[i + 1] : '\0', b = i + 2 < n ? uri[i + 2] : '\0';
    if ((a == '0' && b == '0') || (a == '2' && (b == 'f' || b == 'F'))) rq->path_forbidden = true;
  }
  return rq;
}

void httpd_release(httpd_request *rq) {
  if (atomic_fetch_sub(&rq->refs, 1) != 1) return;
  upload_free(&rq->body);
  h_entries_free(rq);
  free(rq);
}

int httpd_orphan_suspended(httpd_server *srv) {
  int n = 0;
  pthread_mutex_lock(&srv->mu);
  while (srv->suspended_head) {
    httpd_request *rq = srv->suspended_head;
    srv->suspended_head = rq->snext;
    if (rq->snext) rq->snext->sprev = NULL;
    rq->snext = rq->sprev = NULL;
    atomic_store(&rq->orphaned, true);
    MHD_resume_connection(rq->conn);
    atomic_fetch_sub(&srv->suspended, 1);
    n++;
  }
  pthread_mutex_unlock(&srv->mu);
  return n;
}

void httpd_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                     enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)toe;
  guard_request_done(conn);
  httpd_request *rq = *req_cls;
  if (!rq) return;
  *req_cls = NULL;
  upload_free(&rq->body);
  httpd_release(rq); /* an appender still holding it frees it in its callback */
}
