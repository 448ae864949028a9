/* POST /v1/ledgers/{code}/entries: one DSSE envelope, or {"envelopes": [...]} (1 to
 * 1000, each accepted or refused on its own, answered in order). The library checks
 * and appends; this file only shapes the request and the answer. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "receipt_text.h"
#include "reply.h"

/* A refused envelope's problem in a batch's answer (receipt_text.c writes the rest). */
static json_t *result_problem(const aidreg_result *res) {
  return problem_json(&res->problem, result_problem_extra(res));
}

static bool all_unknown_ledger(const aidreg_result *results, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (results[i].problem.code != AIDREG_E_UNKNOWN_LEDGER || results[i].status < 400) return false;
  return true;
}

/* One envelope: the result's status, with the receipt or the problem. */
static enum MHD_Result answer_one(httpd_request *rq, const aidreg_result *res) {
  rq->retry_after = res->retry_after;
  if (res->status == MHD_HTTP_OK || res->status == MHD_HTTP_CREATED) {
    size_t len;
    char *receipt = receipt_text(&res->receipt, &len);
    return receipt ? reply_bytes(rq, (unsigned)res->status, "application/json", NULL, receipt, len)
                   : reply_error(rq, AIDREG_E_INTERNAL, NULL, "could not build the receipt");
  }
  return reply_problem(rq, &res->problem, result_problem_extra(res));
}

static enum MHD_Result answer_batch(httpd_request *rq, const aidreg_result *results, size_t n) {
  /* The ledger, not the envelopes, is at fault: answer for the request. */
  if (all_unknown_ledger(results, n))
    return reply_error(rq, AIDREG_E_UNKNOWN_LEDGER, NULL, "no ledger %s on this server", rq->code);
  size_t len;
  char *body = results_text(results, n, result_problem, &len);
  return body ? reply_bytes(rq, MHD_HTTP_OK, "application/json", NULL, body, len)
              : reply_error(rq, AIDREG_E_INTERNAL, NULL, "could not build the results (they are stored: resubmit "
                                                         "to get the receipts)");
}

enum MHD_Result h_entries_answer(httpd_request *rq) {
  enum MHD_Result ret = rq->batch ? answer_batch(rq, rq->results, rq->nresults) : answer_one(rq, rq->results);
  h_entries_free(rq);
  return ret;
}

void h_entries_free(httpd_request *rq) {
  for (size_t i = 0; rq->results && i < rq->nresults; i++) aidreg_result_free(&rq->results[i]);
  free(rq->results);
  rq->results = NULL;
  rq->nresults = 0;
  aidreg_submission_free(rq->sub);
  rq->sub = NULL;
}

/* Called by the appender's thread once every result is final: resume the connection,
 * whose next access-handler call answers (h_entries_answer). */
static void submission_done(void *ctx) {
  httpd_request *rq = ctx;
  httpd_server *srv = (httpd_server *)rq->srv;
  pthread_mutex_lock(&srv->mu);
  /* Orphaned: resumed and answered at shutdown, perhaps closed already; only drop our
   * reference. */
  if (!atomic_load(&rq->orphaned)) {
    if (rq->sprev) rq->sprev->snext = rq->snext;
    else srv->suspended_head = rq->snext;
    if (rq->snext) rq->snext->sprev = rq->sprev;
    rq->sprev = rq->snext = NULL;
    atomic_store(&rq->ready, true);
    MHD_resume_connection(rq->conn);
    atomic_fetch_sub(&srv->suspended, 1);
  }
  pthread_mutex_unlock(&srv->mu);
  httpd_release(rq);
}

/* Submits n envelopes: suspending the connection until the group commit is done
 * (thread-pool mode), or blocking this thread (thread per connection, or stopping). */
static enum MHD_Result submit(httpd_request *rq, const json_t **envelopes, size_t n, bool batch) {
  httpd_server *srv = (httpd_server *)rq->srv;
  rq->results = calloc(n, sizeof *rq->results);
  if (!rq->results) return reply_error(rq, AIDREG_E_UNAVAILABLE, NULL, "out of memory; retry later");
  rq->nresults = n;
  rq->batch = batch;
  const char *prefix = batch ? "/envelopes" : "";
  if (atomic_load(&srv->stopping)) {
    /* Not blocking a worker: the daemon must be able to stop even when an appender hangs. */
    h_entries_free(rq);
    return reply_error(rq, AIDREG_E_UNAVAILABLE, NULL,
                       "服务器正在停止；请稍后或向其他服务器提交 / the server is stopping; submit later or elsewhere");
  }
  if (!srv->async) {
    aidreg_registry_submit(srv->registry, rq->code, envelopes, n, prefix, rq->results);
    return h_entries_answer(rq);
  }
  /* Suspend first: the callback may run before submit_async returns. The appender holds
   * a reference to rq (its results) until its callback. */
  atomic_fetch_add(&rq->refs, 1);
  pthread_mutex_lock(&srv->mu);
  rq->snext = srv->suspended_head;
  if (rq->snext) rq->snext->sprev = rq;
  srv->suspended_head = rq;
  atomic_fetch_add(&srv->suspended, 1);
  MHD_suspend_connection(rq->conn);
  pthread_mutex_unlock(&srv->mu);
  if (!aidreg_registry_submit_async(srv->registry, rq->code, envelopes, n, prefix, rq->results, submission_done, rq,
                                    &rq->sub))
    submission_done(rq); /* every result was decided at once */
  return MHD_YES;
}

static enum MHD_Result submit_batch(httpd_request *rq, const json_t *list) {
  size_t n = json_array_size(list);
  const json_t **envelopes = calloc(n, sizeof *envelopes);
  if (!envelopes) return reply_error(rq, AIDREG_E_UNAVAILABLE, NULL, "out of memory; retry later");
  for (size_t i = 0; i < n; i++) envelopes[i] = json_array_get(list, i);
  enum MHD_Result ret = submit(rq, envelopes, n, true);
  free(envelopes);
  return ret;
}

/* The client's address, for the per-address rate limit. */
static void client_address(httpd_request *rq, char *out, size_t cap) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = ci ? ci->client_addr : NULL;
  snprintf(out, cap, "?");
  if (sa && sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
  else if (sa && sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)cap);
}

enum MHD_Result h_entries_submit(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  char addr[64];
  client_address(rq, addr, sizeof addr);
  if (!aidreg_registry_admit_address(((httpd_server *)rq->srv)->registry, addr, &rq->retry_after))
    return reply_error(rq, AIDREG_E_TOO_MANY_REQUESTS, NULL, "%s 提交过于频繁 / too many submissions from %s; retry in %u s",
                       addr, addr, rq->retry_after);
  json_t *root = NULL;
  if (upload_json_object(&rq->body, &root, &p) != 0) return reply_problem(rq, &p, NULL);

  enum MHD_Result ret;
  json_t *list = json_object_get(root, "envelopes");
  if (!list) {
    if (rq->body.len > HTTPD_ENVELOPE_MAX)
      ret = reply_error(rq, AIDREG_E_TOO_LARGE, NULL, "a single envelope is at most %u bytes; this one is %zu",
                        HTTPD_ENVELOPE_MAX, rq->body.len);
    else
      ret = submit(rq, (const json_t **)&root, 1, false);
  } else if (json_object_size(root) != 1) {
    const char *key;
    json_t *value;
    char field[128] = "";
    json_object_foreach(root, key, value) {
      if (strcmp(key, "envelopes") != 0) {
        problem_field(field, sizeof field, "", key);
        break;
      }
    }
    ret = reply_error(rq, AIDREG_E_UNKNOWN_FIELD, field, "a batch has exactly one member, \"envelopes\"");
  } else if (!json_is_array(list) || json_array_size(list) == 0) {
    ret = reply_error(rq, AIDREG_E_INVALID_FIELD, "/envelopes", "\"envelopes\" must be a non-empty array");
  } else if (json_array_size(list) > HTTPD_BATCH_ITEMS) {
    ret = reply_error(rq, AIDREG_E_TOO_LARGE, "/envelopes", "a batch holds at most %u envelopes; this one has %zu",
                      HTTPD_BATCH_ITEMS, json_array_size(list));
  } else {
    ret = submit_batch(rq, list);
  }
  json_decref(root);
  return ret;
}
