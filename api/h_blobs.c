/* Attachments: content-addressed files under /v1/ledgers/{code}/blobs/ (include/aidreg/blob.h
 * does the checks and the storing). A file never changes once stored, so its answer is
 * cached for good, and its ETag is its name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/blob.h"
#include "h_blobs.h"
#include "query.h"
#include "reply.h"

/* A stored file is shown, never run: no script, no frame, no type guessed by the browser. */
static const char file_csp[] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

enum MHD_Result h_blob_put(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  const char *sig = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Aidreg-Signature");
  bool created = false;
  const char *ct = NULL;
  if (aidreg_registry_blob_put(rq->srv->registry, rq->code, rq->arg, (const uint8_t *)rq->body.buf, rq->body.len,
                               sig, &created, &ct, &p) != 0)
    return reply_problem(rq, &p, NULL);
  json_t *body = json_pack("{s:s, s:s, s:I, s:s, s:b}", "ledger", rq->code, "sha256", rq->arg, "size",
                           (json_int_t)rq->body.len, "content_type", ct, "created", created);
  if (!body) return reply_error(rq, AIDREG_E_INTERNAL, NULL, "out of memory (the file is stored: put it again)");
  return reply_json(rq, created ? MHD_HTTP_CREATED : MHD_HTTP_OK, body);
}

enum MHD_Result h_blob_get(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (query_parse(rq->conn, NULL, 0, &p) != 0) return reply_problem(rq, &p, NULL);
  char etag[80];
  snprintf(etag, sizeof etag, "\"%s\"", rq->arg);
  static const char immutable[] = "public, max-age=31536000, immutable";
  const char *inm = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
  uint8_t *data = NULL;
  size_t len = 0;
  char ct[64];
  /* Read even for a matching ETag: a 304 says the file exists in this ledger. */
  if (aidreg_registry_blob_get(rq->srv->registry, rq->code, rq->arg, &data, &len, ct, &p) != 0)
    return reply_problem(rq, &p, NULL);
  if (reply_none_match(inm, etag)) {
    free(data);
    const char *h304[] = {MHD_HTTP_HEADER_ETAG, etag, NULL};
    return reply_bytes_with(rq, MHD_HTTP_NOT_MODIFIED, NULL, immutable, NULL, 0, h304);
  }
  const char *headers[] = {MHD_HTTP_HEADER_ETAG, etag, "X-Content-Type-Options", "nosniff",
                           "Content-Security-Policy", file_csp, NULL};
  return reply_bytes_with(rq, MHD_HTTP_OK, ct, immutable, data, len, headers);
}

enum MHD_Result h_blob_list(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (query_parse(rq->conn, NULL, 0, &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *names = aidreg_registry_blob_list(rq->srv->registry, rq->code, &p);
  if (!names) return reply_problem(rq, &p, NULL);
  json_t *body = json_pack("{s:s, s:o, s:I}", "ledger", rq->code, "blobs", names, "total",
                           (json_int_t)json_array_size(names));
  return body ? reply_json(rq, MHD_HTTP_OK, body) : reply_error(rq, AIDREG_E_INTERNAL, NULL, "out of memory");
}
