/* The libmicrohttpd callbacks: one request's life from its headers to its completion.
 *
 * Call 1 (headers only): allocate the request, route it, decide what the headers
 * alone refuse (404/405, operator token, Content-Type), and refuse a Content-Length
 * over the limit at once, before the body is read (libmicrohttpd then sends no
 * "100 Continue" and closes the connection). Nothing else is answered on this call:
 * libmicrohttpd 0.9.75 closes keep-alive connections whose GET is answered on it.
 * Calls 2..n: body chunks, appended to the bounded buffer or dropped.
 * Last call (*upload_data_size == 0): answer the refusal, 413, or run the handler. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpd.h"
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
  if (rq->route->body_limit > 0 && !upload_is_json(rq->conn))
    aidreg_problem_set(&rq->refusal, AIDREG_E_CONTENT_TYPE, NULL, "the request body must be application/json");
}

static enum MHD_Result first_call(httpd_request *rq, const char *url) {
  rq->route = router_find(rq->method, url, rq);
  if (rq->route) check_headers(rq);
  bool refused = rq->refusal.code != AIDREG_OK;
  size_t keep = refused ? 0 : rq->route->body_limit;
  /* A body we do not keep (refused request, or a route that takes none) is still read
   * and dropped up to 64 KiB, so that the answer reaches a client that sent it without
   * waiting for "100 Continue"; beyond that, refuse before reading. */
  size_t most = keep > 0 ? keep : HTTPD_ENVELOPE_MAX;
  uint64_t length = 0;
  bool has_length = upload_content_length(rq->conn, &length) == 1;
  upload_init(&rq->body, keep, has_length ? length : 0);
  if (has_length && length > most) {
    if (refused) return reply_problem(rq, &rq->refusal, NULL);
    return reply_error(rq, AIDREG_E_TOO_LARGE, NULL, "the request body (%llu bytes) exceeds %zu bytes",
                       (unsigned long long)length, most);
  }
  return MHD_YES;
}

static enum MHD_Result last_call(httpd_request *rq) {
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
  (void)version;
  httpd_request *rq = *req_cls;
  if (!rq) {
    rq = calloc(1, sizeof *rq);
    if (!rq) return MHD_NO;
    *req_cls = rq;
    rq->srv = cls;
    rq->conn = conn;
    rq->method = method;
    return first_call(rq, url);
  }
  if (*upload_data_size > 0) {
    upload_feed(&rq->body, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (rq->answered) return MHD_YES;
  /* A suspended submission is resumed once its results are ready. */
  if (rq->results) return atomic_load(&rq->ready) ? h_entries_answer(rq) : MHD_YES;
  return last_call(rq);
}

void httpd_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                     enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)conn;
  (void)toe;
  httpd_request *rq = *req_cls;
  if (!rq) return;
  upload_free(&rq->body);
  h_entries_free(rq);
  free(rq);
  *req_cls = NULL;
}
