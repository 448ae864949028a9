/* Reads of one ledger as JSON: entries (paged or one), inclusion and consistency
 * proofs. Query strings are strict (query.c). */
#include "aidreg/cosigned.h"
#include "httpd.h"
#include "query.h"
#include "reply.h"
#include "witness_policy.h"

#define ENTRIES_DEFAULT_LIMIT 100
#define ENTRIES_MAX_LIMIT 1000

/* GET /v1/ledgers/{code}/entries?from=&limit= */
enum MHD_Result h_entries_list(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  uint64_t from = 0, limit = ENTRIES_DEFAULT_LIMIT;
  const query_param spec[] = {
    {"from", QUERY_U64, &from, NULL},
    {"limit", QUERY_U64, &limit, NULL},
  };
  if (query_parse(rq->conn, spec, 2, &p) != 0) return reply_problem(rq, &p, NULL);
  if (limit < 1 || limit > ENTRIES_MAX_LIMIT)
    return reply_error(rq, AIDREG_E_INVALID_QUERY, "/query/limit", "limit is 1 to %d", ENTRIES_MAX_LIMIT);
  json_t *out = NULL;
  int rc = aidreg_registry_entries(rq->srv->registry, rq->code, from, (unsigned)limit, &out, &p);
  return reply_read(rq, rc, out, &p);
}

/* GET /v1/ledgers/{code}/entries/{index} (the entry) and .../{index}/receipt (a receipt
 * for it against the newest checkpoint covering it with the witnesses' quorum of
 * cosignatures, else the latest: fetched once the witnesses answered, it proves inclusion
 * to whoever trusts one of them; docs/witness.md). */
static enum MHD_Result entry_read(httpd_request *rq, bool receipt) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  uint64_t index;
  if (query_u64(rq->arg, &index) != 0)
    return reply_error(rq, AIDREG_E_NOT_FOUND, NULL, "an entry is named by its decimal index");
  if (query_parse(rq->conn, NULL, 0, &p) != 0) return reply_problem(rq, &p, NULL);
  json_t *out = NULL;
  const witness_policy *wp = rq->srv->witnesses;
  int rc = receipt ? aidreg_registry_receipt(rq->srv->registry, rq->code, index, wp ? wp->quorum : 0, &out, &p)
                   : aidreg_registry_entry(rq->srv->registry, rq->code, index, &out, &p);
  return reply_read(rq, rc, out, &p);
}

enum MHD_Result h_entry_get(httpd_request *rq) { return entry_read(rq, false); }
enum MHD_Result h_entry_receipt(httpd_request *rq) { return entry_read(rq, true); }

/* GET /v1/ledgers/{code}/proof/inclusion?index=N[&size=M] or ?leaf_hash=<hex>[&size=M];
 * without size, the latest checkpoint's. */
enum MHD_Result h_proof_inclusion(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  uint64_t index = 0, size = 0;
  uint8_t leaf_hash[32] = {0};
  bool has_index = false, has_hash = false, has_size = false;
  const query_param spec[] = {
    {"index", QUERY_U64, &index, &has_index},
    {"leaf_hash", QUERY_HEX32, leaf_hash, &has_hash},
    {"size", QUERY_U64, &size, &has_size},
  };
  if (query_parse(rq->conn, spec, 3, &p) != 0) return reply_problem(rq, &p, NULL);
  if (has_index == has_hash)
    return reply_error(rq, AIDREG_E_INVALID_QUERY, has_index ? "/query/leaf_hash" : "/query/index",
                       "give either index or leaf_hash");
  if (has_size && size == 0)
    return reply_error(rq, AIDREG_E_INVALID_QUERY, "/query/size", "no entry is included in a tree of size 0");
  json_t *out = NULL;
  int rc = aidreg_registry_inclusion(rq->srv->registry, rq->code, has_index, index, leaf_hash, size, &out, &p);
  return reply_read(rq, rc, out, &p);
}

/* GET /v1/ledgers/{code}/proof/consistency?from=A&to=B */
enum MHD_Result h_proof_consistency(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  uint64_t from = 0, to = 0;
  bool has_from = false, has_to = false;
  const query_param spec[] = {
    {"from", QUERY_U64, &from, &has_from},
    {"to", QUERY_U64, &to, &has_to},
  };
  if (query_parse(rq->conn, spec, 2, &p) != 0) return reply_problem(rq, &p, NULL);
  if (!has_from || !has_to)
    return reply_error(rq, AIDREG_E_INVALID_QUERY, has_from ? "/query/to" : "/query/from",
                       "from and to are both required");
  json_t *out = NULL;
  int rc = aidreg_registry_consistency(rq->srv->registry, rq->code, from, to, &out, &p);
  return reply_read(rq, rc, out, &p);
}
