#ifndef AIDREG_API_REPLY_H
#define AIDREG_API_REPLY_H
/* Every response leaves through these functions: they set the content type, queue the
 * response, record its status for /metrics, and free what they were given on every
 * path. Each returns MHD_queue_response's result (MHD_NO closes the connection). */
#include <jansson.h>
#include <microhttpd.h>

#include "aidreg/problem.h"
#include "aidreg/registry.h"
#include "httpd.h"

/* application/json; body is stolen. */
enum MHD_Result reply_json(httpd_request *rq, unsigned status, json_t *body);
/* RFC 9457 application/problem+json with the problem's status; extra (stolen, may be
 * NULL) is an object whose members are added to the body (e.g. "head"). */
enum MHD_Result reply_problem(httpd_request *rq, const aidreg_problem *p, json_t *extra);
/* reply_problem for a problem made on the spot; field may be NULL. */
enum MHD_Result reply_error(httpd_request *rq, aidreg_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Raw bytes; data (malloc'd, may be NULL when len is 0) is stolen. cache_control may
 * be NULL. */
enum MHD_Result reply_bytes(httpd_request *rq, unsigned status, const char *content_type,
                            const char *cache_control, void *data, size_t len);

/* reply_bytes with more headers: name, value, ..., NULL (may be NULL); content_type may
 * be NULL (a 304). */
enum MHD_Result reply_bytes_with(httpd_request *rq, unsigned status, const char *content_type,
                                 const char *cache_control, void *data, size_t len, const char *const *headers);
/* A response built by the caller (consumed, may be NULL: then MHD_NO), for what the
 * reply_* above cannot build (a file's descriptor). Every response goes out through here:
 * it records the status and the server-side time in the metrics. */
enum MHD_Result reply_response(httpd_request *rq, unsigned status, struct MHD_Response *resp);
/* The answer of a read that filled out (stolen) or failed with p: 200 with out, the
 * problem, or 500 when it returned 0 and nothing. */
enum MHD_Result reply_read(httpd_request *rq, int rc, json_t *out, const aidreg_problem *p);
/* Does an If-None-Match header list etag (or "*")? Weak comparison (RFC 9110 §13.1.2). */
bool reply_none_match(const char *header, const char *etag);

/* The RFC 9457 object of p: {"type","title","status","detail","field"?} plus the
 * members of extra (stolen, may be NULL). New reference, NULL on allocation failure. */
json_t *problem_json(const aidreg_problem *p, json_t *extra);
/* The members a submission's refusal adds: {"head": hex or null} for a stale prev,
 * NULL otherwise. New reference. */
json_t *result_problem_extra(const aidreg_result *res);
/* prefix + "/" + token as a JSON pointer (RFC 6901: "~" -> "~0", "/" -> "~1") into
 * out, truncated to cap. */
void problem_field(char *out, size_t cap, const char *prefix, const char *token);

#endif
