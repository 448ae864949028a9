/* Inclusion and consistency proofs (RFC 9162) of a stored tree. A proof inside a tree size
 * already seen is made from the cache of perfect nodes (log_cache.h) without asking the
 * database; otherwise the size is read, and the nodes not kept in one query. */
#include <inttypes.h>
#include <stdio.h>

#include "aidreg/encoding.h"
#include "store/registry_private.h"
#include "store/store.h"

static db_stmt q_by_hash = {"SELECT idx FROM leaf WHERE ledger = $1 AND leaf_hash = $2 ORDER BY idx LIMIT 1", 0};

static json_t *proof_array(uint8_t proof[][32], size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) {
    char h[45];
    aidreg_b64_encode_to(proof[i], 32, h, sizeof h);
    if (json_array_append_new(a, json_string(h))) {
      json_decref(a); /* a short proof does not verify: none */
      return NULL;
    }
  }
  return a;
}

/* The proofs run over a fetch of nodes: the cache alone (ar_store_run_kept), else the cache
 * and one query for the rest (ar_store_read_ahead). */
typedef struct {
  uint64_t index, size;
  uint8_t *leaf_hash;
  uint8_t (*proof)[32];
  size_t *n;
} inclusion_args;

static int run_inclusion(aidreg_node_fetch fetch, void *ctx, void *arg) {
  inclusion_args *a = arg;
  return fetch(ctx, 0, a->index, a->leaf_hash) || aidreg_merkle_inclusion_proof(fetch, ctx, a->index, a->size, a->proof, a->n);
}

typedef struct {
  uint64_t from, to;
  uint8_t (*proof)[32];
  size_t *n;
} consistency_args;

static int run_consistency(aidreg_node_fetch fetch, void *ctx, void *arg) {
  consistency_args *a = arg;
  return aidreg_merkle_consistency_proof(fetch, ctx, a->from, a->to, a->proof, a->n);
}

static json_t *inclusion_json(uint64_t index, uint64_t size, const uint8_t lh[32], uint8_t proof[][32], size_t n) {
  char lhs[45];
  aidreg_b64_encode_to(lh, 32, lhs, sizeof lhs);
  return json_pack("{s:I, s:I, s:s, s:o}", "index", (json_int_t)index, "tree_size", (json_int_t)size, "leaf_hash",
                   lhs, "inclusion_proof", proof_array(proof, n));
}

static json_t *consistency_json(uint64_t from, uint64_t to, uint8_t proof[][32], size_t n) {
  return json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to", (json_int_t)to, "consistency_proof",
                   proof_array(proof, n));
}

/* From memory when the tree of `size` is one the log is known to have reached and every
 * node is kept: 0 with *out; -1 to read the database instead. */
static int inclusion_kept(aidreg_registry *r, const char *code, uint64_t index, uint64_t size, json_t **out) {
  if (index >= size || size > ar_log_cache_known_size(r->log_cache, code)) return -1;
  uint8_t proof[AIDREG_MAX_PROOF][32], lh[32];
  size_t n;
  inclusion_args ia = {index, size, lh, proof, &n};
  if (ar_store_run_kept(r->log_cache, code, run_inclusion, &ia)) return -1;
  *out = inclusion_json(index, size, lh, proof, n);
  return 0;
}

static int consistency_kept(aidreg_registry *r, const char *code, uint64_t from, uint64_t to, json_t **out) {
  if (from < 1 || from > to || to > ar_log_cache_known_size(r->log_cache, code)) return -1;
  uint8_t proof[AIDREG_MAX_PROOF][32];
  size_t n;
  consistency_args ca = {from, to, proof, &n};
  if (ar_store_run_kept(r->log_cache, code, run_consistency, &ca)) return -1;
  *out = consistency_json(from, to, proof, n);
  return 0;
}

int aidreg_registry_inclusion(aidreg_registry *r, const char *code, bool index_known, uint64_t index,
                              const uint8_t leaf_hash[32], uint64_t size, json_t **out, aidreg_problem *p) {
  if (index_known && size && ar_shard_of(r, code) && inclusion_kept(r, code, index, size, out) == 0)
    return AR_COUNT_LOG_READ(r, AR_PROOF_KEPT), 0;
  AR_COUNT_LOG_READ(r, AR_PROOF_READ);
  AR_WITH_READ_CONN(r, c, p);
  uint64_t latest;
  int rc = ar_ledger_size(r, c, code, &latest, p);
  if (rc == 0 && !index_known) {
    char hex[65], bytea[70];
    aidreg_hex_encode(leaf_hash, 32, hex);
    snprintf(bytea, sizeof bytea, "\\x%s", hex);
    const char *params[2] = {code, bytea};
    PGresult *res = ar_db_run(c, &q_by_hash, 2, params, NULL);
    unsigned long long ix;
    if (!res || PQntuples(res) < 1 || ar_db_u64(PQgetvalue(res, 0, 0), &ix))
      rc = aidreg_problem_set(p, AIDREG_E_NOT_FOUND, "/query/leaf_hash", "no leaf with that hash");
    else
      index = ix;
    PQclear(res);
  }
  if (rc == 0 && size == 0) size = latest;
  if (rc == 0 && size > latest && index < size && ar_replica_lacks(r, code, latest, size, p)) rc = -1;
  if (rc == 0 && (size > latest || index >= size))
    rc = aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, "/query/size",
                            "need index < size <= %" PRIu64 " (index %" PRIu64 ", size %" PRIu64 ")", latest, index, size);
  if (rc == 0) {
    store_nodes sn = {c, code};
    uint8_t proof[AIDREG_MAX_PROOF][32], lh[32];
    size_t n;
    inclusion_args ia = {index, size, lh, proof, &n};
    if (ar_store_read_ahead(&sn, r->log_cache, run_inclusion, &ia))
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "cannot build the proof");
    else
      *out = inclusion_json(index, size, lh, proof, n);
  }
  ar_read_done(r, code, c, p);
  return rc;
}

int aidreg_registry_consistency(aidreg_registry *r, const char *code, uint64_t from, uint64_t to, json_t **out,
                                aidreg_problem *p) {
  if (ar_shard_of(r, code) && consistency_kept(r, code, from, to, out) == 0) return AR_COUNT_LOG_READ(r, AR_PROOF_KEPT), 0;
  AR_COUNT_LOG_READ(r, AR_PROOF_READ);
  AR_WITH_READ_CONN(r, c, p);
  uint64_t latest;
  int rc = ar_ledger_size(r, c, code, &latest, p);
  if (rc == 0 && from >= 1 && from <= to && to > latest && ar_replica_lacks(r, code, latest, to, p)) rc = -1;
  if (rc == 0 && (from < 1 || from > to || to > latest))
    rc = aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, from < 1 || from > to ? "/query/from" : "/query/to",
                            "need 1 <= from <= to <= %" PRIu64 " (from %" PRIu64 ", to %" PRIu64 ")", latest, from, to);
  if (rc == 0) {
    store_nodes sn = {c, code};
    uint8_t proof[AIDREG_MAX_PROOF][32];
    size_t n;
    consistency_args ca = {from, to, proof, &n};
    if (ar_store_read_ahead(&sn, r->log_cache, run_consistency, &ca))
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "cannot build the proof");
    else
      *out = consistency_json(from, to, proof, n);
  }
  ar_read_done(r, code, c, p);
  return rc;
}

void aidreg_registry_log_reads(aidreg_registry *r, aidreg_log_reads *out) {
  out->proofs_kept = atomic_load_explicit(&r->log_reads[AR_PROOF_KEPT], memory_order_relaxed);
  out->proofs_read = atomic_load_explicit(&r->log_reads[AR_PROOF_READ], memory_order_relaxed);
  out->tiles_kept = atomic_load_explicit(&r->log_reads[AR_TILE_KEPT], memory_order_relaxed);
  out->tiles_read = atomic_load_explicit(&r->log_reads[AR_TILE_READ], memory_order_relaxed);
}
