#ifndef AIDREG_API_HTTPD_H
#define AIDREG_API_HTTPD_H
/* The HTTP server's shared types: the server, one request in flight, the routes table
 * and the endpoint handlers. The server speaks HTTP and JSON and calls only the
 * library API of include/aidreg/; it knows no SQL. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/problem.h"
#include "aidreg/registry.h"
#include "upload.h"

/* What every handler may read; set up once in main() before the daemon starts, then
 * read-only. */
typedef struct {
  aidreg_registry *registry;
  /* Submissions suspend their connection and are resumed by the appender's callback
   * (thread-pool mode) instead of blocking a thread (thread per connection). */
  bool async;
  atomic_bool stopping;   /* set at shutdown: new submissions are refused (503) */
  atomic_int suspended;   /* connections suspended now */
  const char *admin_token; /* operator bearer token; NULL or "" = POST /v1/ledgers refused */
  size_t admin_token_len;
  const char *trusted_proxy; /* peer address whose X-Real-IP names the client; NULL = none */
  size_t blob_max;           /* bytes of one attachment (PUT …/blobs/{sha256}) */
  const struct witness_policy *witnesses; /* NULL: no witnesses; else their quorum is served */
  /* The suspended submissions (under mu): at shutdown, those whose appender does not
   * finish in time are resumed and answered 503 (httpd_orphan_suspended), so that the
   * daemon never stops with a connection suspended. */
  pthread_mutex_t mu;
  struct httpd_request *suspended_head;
} httpd_server;

typedef struct httpd_request httpd_request;
typedef enum MHD_Result (*httpd_handler)(httpd_request *rq);

typedef struct {
  const char *method;  /* "GET" (answers HEAD too) or "POST" */
  const char *pattern; /* "/v1/ledgers/{code}/entries/{index}"; "{rest}" (last) takes the
                        * remainder of the path, slashes included. Also the metrics label. */
  httpd_handler handler;
  size_t body_limit;   /* bytes buffered for the handler; 0 = a body is read and dropped;
                        * HTTPD_BODY_FILE = a file of any content type, up to blob_max */
  bool admin;          /* needs the operator's bearer token */
} httpd_route;

#define HTTPD_ARG_MAX 128 /* longest {index}/{rest} capture; longer paths do not match */

/* One request, from its first access-handler call to the completion callback. */
struct httpd_request {
  const httpd_server *srv;
  struct MHD_Connection *conn;
  /* Owners: libmicrohttpd (until the completion callback) and, while a submission is
   * in flight, its appender (until its callback). The last one frees (httpd_release). */
  atomic_int refs;
  bool started;             /* the access handler has seen this request */
  int64_t started_ns;       /* CLOCK_MONOTONIC then (its server-side time, metrics.h) */
  bool path_escape;         /* the raw path holds a percent-escape */
  bool path_forbidden;      /* ... one that is refused anywhere: %00 or %2F */
  char client[UPLOAD_ADDR_MAX]; /* client address (X-Real-IP from the trusted proxy) */
  atomic_bool orphaned;     /* resumed at shutdown before its appender finished */
  struct httpd_request *sprev, *snext; /* in srv->suspended_head while suspended */
  const char *method;
  const httpd_route *route; /* NULL while refused before routing (404/405) */
  int route_slot;           /* metrics label: index of the first route with this pattern,
                             * or router_route_count() when no pattern matched */
  char code[8];             /* {code} capture: 6 digits once validated */
  char arg[HTTPD_ARG_MAX];  /* {index} or {rest} capture */
  char allow[32];           /* Allow header for a 405 */
  /* A refusal decided from the request line and headers; answered once the body (if
   * any) has been consumed, or at once when Content-Length exceeds the route's limit. */
  aidreg_problem refusal;
  upload body;
  bool seen;                /* the first call (headers only) is over */
  /* A submission in flight (async mode): the results the appender fills, and whether
   * they are final (set by the appender's callback just before it resumes us). */
  aidreg_result *results;
  size_t nresults;
  aidreg_submission *sub;   /* the registry's part, freed here once answered (h_entries_free) */
  bool batch;
  atomic_bool ready;
  bool answered;            /* a response has been queued */
  int status;               /* status of the queued response */
  unsigned retry_after;     /* a 429: seconds for Retry-After */
};

/* router.c */
/* Match method and path. Returns the route, or NULL with rq->refusal set to NOT_FOUND,
 * UNKNOWN_LEDGER (malformed {code}) or METHOD_NOT_ALLOWED (rq->allow filled). Sets
 * rq->route_slot in every case. */
const httpd_route *router_find(const char *method, const char *path, httpd_request *rq);
int router_route_count(void);
const char *router_pattern(int slot); /* "unmatched" for router_route_count() */

/* dispatch.c: the MHD callbacks. cls is the httpd_server. */
enum MHD_Result httpd_access(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version, const char *upload_data,
                             size_t *upload_data_size, void **req_cls);
void httpd_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                     enum MHD_RequestTerminationCode toe);
/* MHD_OPTION_URI_LOG_CALLBACK: allocates the request and looks at the raw path. */
void *httpd_uri_log(void *cls, const char *uri, struct MHD_Connection *conn);
/* Drop one owner of rq; the last frees it. */
void httpd_release(httpd_request *rq);
/* Shutdown: resume every suspended submission, marked orphaned (answered 503; the
 * appender's callback then only drops its reference). Returns how many. */
int httpd_orphan_suspended(httpd_server *srv);

/* Endpoint handlers: one file each (h_*.c). Called once, on the last access-handler
 * call, with the body (if any) complete and within limits. Each queues exactly one
 * response and returns MHD_queue_response's result. */
enum MHD_Result h_ledgers_create(httpd_request *rq);
enum MHD_Result h_ledgers_list(httpd_request *rq);
enum MHD_Result h_entries_submit(httpd_request *rq);
/* The answer of a submission whose results are ready (after a resume). */
enum MHD_Result h_entries_answer(httpd_request *rq);
void h_entries_free(httpd_request *rq);
enum MHD_Result h_entries_list(httpd_request *rq);
enum MHD_Result h_entry_get(httpd_request *rq);
enum MHD_Result h_proof_inclusion(httpd_request *rq);
enum MHD_Result h_proof_consistency(httpd_request *rq);
enum MHD_Result h_log_checkpoint(httpd_request *rq);
enum MHD_Result h_entry_receipt(httpd_request *rq);
enum MHD_Result h_log_tile(httpd_request *rq);
enum MHD_Result h_healthz(httpd_request *rq);
enum MHD_Result h_metrics(httpd_request *rq);

/* Body limits (docs/design.md "Wire details"). */
#define HTTPD_ENVELOPE_MAX (64u * 1024u)        /* one envelope, or POST /v1/ledgers */
#define HTTPD_BATCH_MAX (8u * 1024u * 1024u)    /* POST entries with {"envelopes": [...]} */
#define HTTPD_BATCH_ITEMS 1000u
#define HTTPD_BODY_FILE ((size_t)-1)

#endif
