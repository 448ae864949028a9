/* GET /v1/ledgers/{code}/places: the county's townships and villages with their names
 * and asset counts (the library's aidreg_state_places). No query parameter. */
#include "aidreg/state.h"
#include "h_places.h"
#include "query.h"
#include "reply.h"

enum MHD_Result h_places(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (query_parse(rq->conn, NULL, 0, &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *out = NULL;
  if (aidreg_state_places(rq->srv->registry, rq->code, &out, &p) != 0) {
    json_decref(out);
    return reply_problem(rq, &p, NULL);
  }
  return reply_json(rq, MHD_HTTP_OK, out);
}
