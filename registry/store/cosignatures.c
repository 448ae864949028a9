/* Witness cosignatures: stored after being checked against the stored checkpoint they
 * sign, and served appended to it (the checkpoint note then carries the log's signature
 * and the witnesses', as C2SP tlog-witness clients expect). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/cosignature.h"
#include "aidreg/cosigned.h"
#include "aidreg/encoding.h"
#include "store/registry_private.h"
#include "store/store.h"

static db_stmt q_note_at = {"SELECT note FROM checkpoint WHERE ledger = $1 AND size = $2", 0};
static db_stmt q_insert = {
    "INSERT INTO cosignature (ledger, size, witness, line) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", 0};
static db_stmt q_witness_size = {
    "SELECT coalesce(max(size), 0) FROM cosignature WHERE ledger = $1 AND witness = $2", 0};
/* The newest checkpoint of size >= $3 with at least $2 cosignatures, and its lines. */
static db_stmt q_cosigned = {
    "SELECT c.size, c.note, coalesce(string_agg(w.line, '' ORDER BY w.witness), '') FROM checkpoint c "
    "LEFT JOIN cosignature w ON w.ledger = c.ledger AND w.size = c.size WHERE c.ledger = $1 AND c.size >= $3 "
    "GROUP BY c.size, c.note HAVING count(w.line) >= $2::int ORDER BY c.size DESC LIMIT 1",
    0};
static db_stmt q_ledger = {"SELECT 1 FROM ledger WHERE code = $1", 0};
static db_stmt q_leaf = {"SELECT leaf_hash, encode(payload_sha256, 'hex') FROM leaf WHERE ledger = $1 AND idx = $2",
                         0};

#define WITH_CONN(r, c, p)                                                                   \
  db_conn *c = ar_write_get((r), code);                                                      \
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry")

/* The single line of lines that is a valid cosignature by w on note, malloc'd, or NULL. */
static char *valid_line(const char *note, const char *lines, size_t len, const aidreg_note_verifier *w) {
  const char *p = lines, *end = lines + len;
  size_t nlen = strlen(note);
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) break;
    size_t l = (size_t)(eol - p) + 1;
    char *both = malloc(nlen + l + 1);
    if (!both) return NULL;
    memcpy(both, note, nlen);
    memcpy(both + nlen, p, l);
    both[nlen + l] = '\0';
    int ok = aidreg_cosig_verify(both, nlen + l, w, NULL) == 0;
    free(both);
    if (ok) return strndup(p, l);
    p = eol + 1;
  }
  return NULL;
}

int aidreg_registry_cosignature_add(aidreg_registry *r, const char *code, uint64_t size, const char *witness_vkey,
                                    const char *lines, size_t len, aidreg_problem *p) {
  aidreg_note_verifier w;
  if (aidreg_cosig_vkey_parse(witness_vkey, &w) != 0)
    return aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, NULL, "not a witness key: %s", witness_vkey);
  WITH_CONN(r, c, p);
  char sz[24];
  snprintf(sz, sizeof sz, "%" PRIu64, size);
  const char *params[4] = {code, sz, witness_vkey, NULL};
  PGresult *res = ar_db_run(c, &q_note_at, 2, params, NULL);
  int rc = 0;
  if (!res) {
    rc = aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  } else if (PQntuples(res) != 1) {
    rc = aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "no checkpoint of size %" PRIu64, size);
  } else {
    /* The note as stored may not end with the cosignatures of others: it is the log's. */
    char *line = valid_line(PQgetvalue(res, 0, 0), lines, len, &w);
    if (!line) {
      rc = aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, NULL, "no valid cosignature by %s on size %" PRIu64, w.name,
                              size);
    } else {
      params[3] = line;
      if (ar_db_do(c, &q_insert, 4, params) != 0)
        rc = aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the cosignature could not be stored; retry");
      free(line);
    }
  }
  PQclear(res);
  ar_write_put(r, code, c);
  return rc;
}

int aidreg_registry_cosigned_size(aidreg_registry *r, const char *code, const char *witness_vkey, uint64_t *size,
                                  aidreg_problem *p) {
  WITH_CONN(r, c, p);
  const char *params[2] = {code, witness_vkey};
  PGresult *res = ar_db_run(c, &q_witness_size, 2, params, NULL);
  unsigned long long s = 0;
  int rc = res && PQntuples(res) == 1 && ar_db_u64(PQgetvalue(res, 0, 0), &s) == 0
               ? 0
               : aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  PQclear(res);
  ar_write_put(r, code, c);
  if (rc == 0) *size = s;
  return rc;
}

/* 1 found (note, size set), 0 none, -1 database. */
static int cosigned_query(db_conn *c, const char *code, unsigned quorum, uint64_t min_size, uint64_t *size,
                          char **note) {
  char q[16], m[24];
  snprintf(q, sizeof q, "%u", quorum);
  snprintf(m, sizeof m, "%" PRIu64, min_size);
  const char *params[3] = {code, q, m};
  PGresult *res = ar_db_run(c, &q_cosigned, 3, params, NULL);
  if (!res) return -1;
  int rc = 0;
  unsigned long long s;
  if (PQntuples(res) == 1 && ar_db_u64(PQgetvalue(res, 0, 0), &s) == 0) {
    const char *n = PQgetvalue(res, 0, 1), *lines = PQgetvalue(res, 0, 2);
    size_t a = strlen(n), b = strlen(lines);
    *note = malloc(a + b + 1);
    if (*note) {
      memcpy(*note, n, a);
      memcpy(*note + a, lines, b + 1);
      *size = s;
      rc = 1;
    } else {
      rc = -1;
    }
  }
  PQclear(res);
  return rc;
}

/* Whether code names a ledger: 1, 0, or -1 (database). */
static int ledger_exists(db_conn *c, const char *code) {
  const char *params[1] = {code};
  PGresult *res = ar_db_run(c, &q_ledger, 1, params, NULL);
  int rc = res ? PQntuples(res) == 1 : -1;
  PQclear(res);
  return rc;
}

static int choose(db_conn *c, const char *code, unsigned quorum, uint64_t min_size, uint64_t *size, char **note,
                  aidreg_problem *p) {
  int found = cosigned_query(c, code, quorum, min_size, size, note);
  if (found == 0 && quorum > 0) found = cosigned_query(c, code, 0, min_size, size, note);
  if (found < 0) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  if (found == 0) {
    int known = ledger_exists(c, code);
    if (known < 0) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
    if (!known) return aidreg_problem_set(p, AIDREG_E_UNKNOWN_LEDGER, NULL, "there is no ledger %s on this server", code);
    return aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "no checkpoint yet");
  }
  return 0;
}

int aidreg_registry_checkpoint_cosigned(aidreg_registry *r, const char *code, unsigned quorum, uint64_t min_size,
                                        char **note, aidreg_problem *p) {
  WITH_CONN(r, c, p);
  uint64_t size;
  int rc = choose(c, code, quorum, min_size, &size, note, p);
  ar_write_put(r, code, c);
  return rc;
}

int aidreg_registry_receipt(aidreg_registry *r, const char *code, uint64_t index, unsigned quorum, json_t **out,
                            aidreg_problem *p) {
  WITH_CONN(r, c, p);
  char ix[24];
  snprintf(ix, sizeof ix, "%" PRIu64, index);
  const char *params[2] = {code, ix};
  PGresult *res = ar_db_run(c, &q_leaf, 2, params, NULL);
  uint8_t lh[32];
  char *note = NULL;
  uint64_t size = 0;
  int rc = 0;
  if (!res)
    rc = aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  else if (PQntuples(res) != 1)
    rc = ledger_exists(c, code) == 0
             ? aidreg_problem_set(p, AIDREG_E_UNKNOWN_LEDGER, NULL, "there is no ledger %s on this server", code)
             : aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "no entry %" PRIu64 " in ledger %s", index, code);
  else if (ar_db_bytea(PQgetvalue(res, 0, 0), lh, 32) != 0)
    rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "stored leaf hash is malformed");
  if (rc == 0) rc = choose(c, code, quorum, index + 1, &size, &note, p);
  if (rc == 0) {
    store_nodes sn = {c, code};
    uint8_t proof[AIDREG_MAX_PROOF][32];
    size_t n;
    if (aidreg_merkle_inclusion_proof(ar_store_node_fetch, &sn, index, size, proof, &n) != 0) {
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "cannot build the proof");
    } else {
      json_t *arr = json_array();
      for (size_t i = 0; arr && i < n; i++) {
        char h[45];
        aidreg_b64_encode_to(proof[i], 32, h, sizeof h);
        if (json_array_append_new(arr, json_string(h))) {
          json_decref(arr);
          arr = NULL;
        }
      }
      char lhs[45];
      aidreg_b64_encode_to(lh, 32, lhs, sizeof lhs);
      *out = arr ? json_pack("{s:s, s:I, s:s, s:s, s:s, s:o}", "ledger", code, "index", (json_int_t)index,
                             "leaf_hash", lhs, "payload_sha256", PQgetvalue(res, 0, 1), "checkpoint", note,
                             "inclusion_proof", arr)
                 : NULL;
      if (!*out) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
    }
  }
  free(note);
  PQclear(res);
  ar_write_put(r, code, c);
  return rc;
}
