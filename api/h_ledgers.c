/* POST /v1/ledgers (operator only; the token is checked from the headers in
 * dispatch.c) and GET /v1/ledgers. */
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "reply.h"

/* Body: one envelope whose payload is a self-signed ledger.create. 201 with the
 * entry's receipt plus the ledger's "vkey". */
enum MHD_Result h_ledgers_create(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  json_t *envelope = NULL;
  if (upload_json_object(&rq->body, &envelope, &p) != 0) return reply_problem(rq, &p, NULL);

  aidreg_result res;
  memset(&res, 0, sizeof res);
  char *vkey = NULL;
  aidreg_registry_create_ledger(rq->srv->registry, envelope, &res, &vkey);
  json_decref(envelope);

  enum MHD_Result ret;
  if (res.status == MHD_HTTP_OK || res.status == MHD_HTTP_CREATED) {
    json_t *body = aidreg_receipt_json(&res.receipt);
    if (body && json_object_set_new(body, "vkey", vkey ? json_string(vkey) : json_null()) == 0)
      ret = reply_json(rq, (unsigned)res.status, body);
    else {
      json_decref(body);
      ret = reply_error(rq, AIDREG_E_INTERNAL, NULL, "could not build the receipt");
    }
  } else {
    ret = reply_problem(rq, &res.problem, result_problem_extra(&res));
  }
  free(vkey);
  aidreg_result_free(&res);
  return ret;
}

/* {"ledgers": [{"code","name","origin","vkey","size"}...]} */
enum MHD_Result h_ledgers_list(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  json_t *out = NULL;
  if (aidreg_registry_ledgers(rq->srv->registry, &out, &p) != 0) return reply_problem(rq, &p, NULL);
  if (json_is_array(out)) out = json_pack("{s:o}", "ledgers", out); /* the library may give the bare list */
  if (!out) return reply_error(rq, AIDREG_E_INTERNAL, NULL, "could not list the ledgers");
  return reply_json(rq, MHD_HTTP_OK, out);
}
