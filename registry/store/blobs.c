/* Attachments in PostgreSQL (include/aidreg/blob.h, sql/007_blobs.sql): one row per file of
 * a ledger, written once. The bytes go in and out as binary parameters and results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/blob.h"
#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "store/blobs.h"
#include "store/read_util.h"
#include "store/registry_private.h"

static db_stmt q_key = {"SELECT revoked_at IS NOT NULL FROM signing_key WHERE ledger = $1 AND keyid = $2", 0};
static db_stmt q_put = {
    "INSERT INTO blob (ledger, sha256, content_type, size, data, keyid) VALUES ($1, $2, $3, $4::bigint, $5, $6) "
    "ON CONFLICT (ledger, sha256) DO NOTHING",
    0};
static db_stmt q_get = {"SELECT content_type, data FROM blob WHERE ledger = $1 AND sha256 = $2", 0};
static db_stmt q_list = {"SELECT encode(sha256, 'hex') FROM blob WHERE ledger = $1 ORDER BY sha256", 0};
static db_stmt q_missing = {
    "SELECT h FROM unnest($2::text[]) WITH ORDINALITY AS u(h, o) WHERE NOT EXISTS "
    "(SELECT 1 FROM blob b WHERE b.ledger = $1 AND b.sha256 = decode(u.h, 'hex')) ORDER BY o",
    0};

static int unavailable(aidreg_problem *p) {
  return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
}

/* The first column of every row of res (cleared here) as a JSON array of strings; NULL with p
 * when res is NULL (the query failed) or memory ran out. */
static json_t *first_column(PGresult *res, aidreg_problem *p) {
  if (!res) {
    unavailable(p);
    return NULL;
  }
  json_t *out = json_array();
  for (int i = 0; out && i < PQntuples(res); i++)
    if (json_array_append_new(out, json_string(PQgetvalue(res, i, 0)))) {
      json_decref(out);
      out = NULL;
    }
  PQclear(res);
  if (!out) aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  return out;
}

/* 64 lowercase hex digits into raw (32 bytes). */
static int name_ok(const char *hex, uint8_t raw[32]) {
  if (!hex || strlen(hex) != 64) return 0;
  for (const char *s = hex; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return 0;
  return aidreg_hex_decode(hex, raw, 32) == 0;
}

static int not_a_name(aidreg_problem *p) {
  return aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL,
                            "文件以其 SHA-256 命名（64 个小写十六进制数字）/ a file is named by its SHA-256, 64 "
                            "lowercase hex digits");
}

static db_conn *open_ledger(aidreg_registry *r, const char *code, aidreg_problem *p) {
  db_conn *c = ar_write_get(r, code);
  if (!c) {
    unavailable(p);
    return NULL;
  }
  if (ar_read_ledger_known(c, code, p) != 0) {
    ar_write_put(r, code, c);
    return NULL;
  }
  return c;
}

/* The signer is enrolled in the ledger and not revoked: 0, or -1 with p. */
static int signer_enrolled(db_conn *c, const char *code, const char *keyid, aidreg_problem *p) {
  const char *params[2] = {code, keyid};
  PGresult *res = ar_db_run(c, &q_key, 2, params, NULL);
  if (!res) return unavailable(p);
  int rc = 0;
  if (PQntuples(res) != 1)
    rc = aidreg_problem_set(p, AIDREG_E_KEY_NOT_ENROLLED, NULL,
                            "密钥 %s 未在台账 %s 登记：请县里先登记此密钥 / key %s is not enrolled in ledger %s", keyid,
                            code, keyid, code);
  else if (PQgetvalue(res, 0, 0)[0] == 't')
    rc = aidreg_problem_set(p, AIDREG_E_KEY_REVOKED, NULL, "密钥 %s 已注销 / key %s has been revoked", keyid, keyid);
  PQclear(res);
  return rc;
}

int aidreg_registry_blob_put(aidreg_registry *r, const char *code, const char *sha256_hex, const uint8_t *data,
                             size_t len, const char *header, bool *created, const char **content_type,
                             aidreg_problem *p) {
  uint8_t name[32], got[32];
  if (!name_ok(sha256_hex, name)) return not_a_name(p);
  db_conn *c = open_ledger(r, code, p);
  if (!c) return -1;
  char origin[300], keyid[AIDREG_KEYID_LEN + 1];
  aidreg_registry_origin(r, code, origin, sizeof origin);
  int rc = aidreg_blob_signature_check(origin, sha256_hex, header, keyid, p);
  if (rc == 0) rc = signer_enrolled(c, code, keyid, p);
  if (rc == 0) {
    aidreg_sha256(data, len, got);
    if (memcmp(got, name, 32) != 0) {
      char hex[65];
      aidreg_hex_encode(got, 32, hex);
      rc = aidreg_problem_set(p, AIDREG_E_BLOB_HASH_MISMATCH, NULL,
                              "文件内容的 SHA-256 是 %s，不是 %s / the body's SHA-256 is %s, not %s", hex, sha256_hex,
                              hex, sha256_hex);
    }
  }
  if (rc == 0) {
    const char *ct = aidreg_blob_sniff(data, len);
    char size[24];
    snprintf(size, sizeof size, "%zu", len);
    const char *params[6] = {code, (const char *)name, ct, size, len ? (const char *)data : "", keyid};
    const int lengths[6] = {0, 32, 0, 0, (int)len, 0};
    const int formats[6] = {0, 1, 0, 0, 1, 0};
    PGresult *res = len <= (size_t)0x7fffffff ? ar_db_run_binary(c, &q_put, 6, params, lengths, formats, 0, NULL) : NULL;
    if (!res) {
      rc = unavailable(p);
    } else {
      *created = strcmp(PQcmdTuples(res), "1") == 0;
      *content_type = ct;
      PQclear(res);
    }
  }
  ar_write_put(r, code, c);
  return rc;
}

int aidreg_registry_blob_get(aidreg_registry *r, const char *code, const char *sha256_hex, uint8_t **data,
                             size_t *len, char content_type[64], aidreg_problem *p) {
  uint8_t name[32];
  if (!name_ok(sha256_hex, name)) return not_a_name(p);
  db_conn *c = open_ledger(r, code, p);
  if (!c) return -1;
  const char *params[2] = {code, (const char *)name};
  const int lengths[2] = {0, 32}, formats[2] = {0, 1};
  PGresult *res = ar_db_run_binary(c, &q_get, 2, params, lengths, formats, 1, NULL);
  ar_write_put(r, code, c);
  if (!res) return unavailable(p);
  int rc = 0;
  if (PQntuples(res) != 1) {
    rc = aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "台账 %s 中没有文件 %s / ledger %s holds no file %s", code,
                            sha256_hex, code, sha256_hex);
  } else {
    size_t n = (size_t)PQgetlength(res, 0, 1);
    *data = malloc(n ? n : 1);
    if (!*data) {
      rc = aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "out of memory; retry");
    } else {
      memcpy(*data, PQgetvalue(res, 0, 1), n);
      *len = n;
      snprintf(content_type, 64, "%.*s", PQgetlength(res, 0, 0), PQgetvalue(res, 0, 0));
    }
  }
  PQclear(res);
  return rc;
}

json_t *aidreg_registry_blob_list(aidreg_registry *r, const char *code, aidreg_problem *p) {
  db_conn *c = open_ledger(r, code, p);
  if (!c) return NULL;
  const char *params[1] = {code};
  PGresult *res = ar_db_run(c, &q_list, 1, params, NULL);
  ar_write_put(r, code, c);
  return first_column(res, p);
}

json_t *ar_blobs_missing_on(db_conn *c, const char *code, const json_t *names, aidreg_problem *p) {
  db_buf arr = {0};
  size_t i;
  json_t *v;
  int bad = ar_db_buf_add(&arr, "{", 1);
  json_array_foreach(names, i, v) {
    uint8_t raw[32];
    if (!name_ok(json_string_value(v), raw)) continue; /* no file can have that name */
    if (arr.len > 1) bad |= ar_db_buf_add(&arr, ",", 1);
    bad |= ar_db_buf_add_array_elem(&arr, json_string_value(v));
  }
  bad |= ar_db_buf_add(&arr, "}", 1);
  json_t *out = NULL;
  if (bad || ar_db_buf_failed(&arr)) {
    aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  } else {
    const char *params[2] = {code, arr.data};
    out = first_column(ar_db_run(c, &q_missing, 2, params, NULL), p);
  }
  ar_db_buf_free(&arr);
  return out;
}

json_t *aidreg_registry_blobs_missing(aidreg_registry *r, const char *code, const json_t *names, aidreg_problem *p) {
  db_conn *c = open_ledger(r, code, p);
  if (!c) return NULL;
  json_t *out = ar_blobs_missing_on(c, code, names, p);
  ar_write_put(r, code, c);
  return out;
}

int ar_blobs_annotate(db_conn *c, const char *code, json_t *doc, const json_t *history, aidreg_problem *p) {
  json_t *refs = json_array();
  size_t i;
  json_t *step;
  int bad = !refs;
  json_array_foreach(history, i, step) {
    if (!bad) bad = aidreg_blob_refs(json_object_get(json_object_get(step, "event"), "body"), refs);
  }
  if (bad) {
    json_decref(refs);
    return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  }
  json_t *missing = ar_blobs_missing_on(c, code, refs, p);
  if (!missing) {
    json_decref(refs);
    return -1;
  }
  if (json_object_set_new(doc, "attachments", refs) | json_object_set_new(doc, "missing_blobs", missing))
    return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  return 0;
}
