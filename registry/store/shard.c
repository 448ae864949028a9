/* The clusters a registry writes: the default one, those of the ledger map, and the
 * replicas their reads come from (docs/scale.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/authority.h"
#include "store/migrate.h"
#include "store/registry_private.h"

/* The shard of primary url, added (migrated, its pools open) if new. NULL with err. */
static ar_shard *shard_add(aidreg_registry *r, const aidreg_registry_config *cfg, const char *url,
                           const char *owner, const char *read_url, const char *dir, char *err, size_t cap) {
  for (size_t i = 0; i < r->nshards; i++)
    if (strcmp(r->shards[i].url, url) == 0) {
      bool same = read_url ? r->shards[i].replica && strcmp(r->shards[i].read_pool.url, read_url) == 0
                           : !r->shards[i].replica;
      if (!same) {
        snprintf(err, cap, "the cluster %s is given two different read replicas", url);
        return NULL;
      }
      return &r->shards[i];
    }
  if (strlen(url) >= sizeof r->shards[0].url || (read_url && strlen(read_url) >= sizeof r->shards[0].url)) {
    snprintf(err, cap, "a database URL is longer than %zu bytes", sizeof r->shards[0].url - 1);
    return NULL;
  }
  if (aidreg_migrate(owner ? owner : url, dir, err, cap)) return NULL;
  ar_shard *s = &r->shards[r->nshards];
  memset(s, 0, sizeof *s);
  snprintf(s->url, sizeof s->url, "%s", url);
  unsigned size = cfg->pool_size ? cfg->pool_size : 8;
  unsigned timeout = cfg->read_timeout_ms ? cfg->read_timeout_ms : DB_READ_TIMEOUT_MS;
  if (ar_db_pool_init_deadline(&s->pool, url, size, timeout, cfg->pool_wait_ms, r->db_timeout_ms, err, cap)) return NULL;
  if (read_url) {
    if (ar_db_pool_init_deadline(&s->read_pool, read_url, size, timeout, cfg->pool_wait_ms, r->db_timeout_ms, err, cap)) {
      ar_db_pool_destroy(&s->pool);
      return NULL;
    }
    s->replica = true;
  }
  r->nshards++;
  return s;
}

int ar_shards_open(aidreg_registry *r, const aidreg_registry_config *cfg, const char *dir, char *err, size_t cap) {
  r->shards = calloc(cfg->nroutes + 1, sizeof *r->shards);
  if (!r->shards) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  /* The whole map is checked before any cluster is touched. */
  strmap seen = {0};
  for (size_t i = 0; i < cfg->nroutes; i++) {
    const aidreg_ledger_route *rt = &cfg->routes[i];
    if (!rt->code || strlen(rt->code) != 6 || !aidreg_is_admin_code(rt->code) || !rt->database_url) {
      snprintf(err, cap, "ledger map entry %zu: a 6-digit county code and a database URL are needed", i + 1);
      ar_strmap_free(&seen, NULL);
      return -1;
    }
    if (ar_strmap_get(&seen, rt->code) || ar_strmap_put(&seen, rt->code, (void *)rt)) {
      snprintf(err, cap, "ledger map: county %s is mapped twice (or out of memory)", rt->code);
      ar_strmap_free(&seen, NULL);
      return -1;
    }
  }
  ar_strmap_free(&seen, NULL);
  if (cfg->database_url) {
    if (!shard_add(r, cfg, cfg->database_url, cfg->owner_database_url, cfg->read_database_url, dir, err, cap))
      return -1;
    r->has_default = true;
  }
  for (size_t i = 0; i < cfg->nroutes; i++) {
    const aidreg_ledger_route *rt = &cfg->routes[i];
    ar_shard *s = shard_add(r, cfg, rt->database_url, rt->owner_database_url, rt->read_database_url, dir, err, cap);
    if (!s) return -1;
    if (ar_strmap_put(&r->routes, rt->code, s)) {
      snprintf(err, cap, "out of memory");
      return -1;
    }
  }
  if (r->nshards == 0) {
    snprintf(err, cap, "a database URL or a ledger map is required");
    return -1;
  }
  return 0;
}

void ar_shards_close(aidreg_registry *r) {
  for (size_t i = 0; r->shards && i < r->nshards; i++) {
    ar_db_pool_destroy(&r->shards[i].pool);
    if (r->shards[i].replica) ar_db_pool_destroy(&r->shards[i].read_pool);
  }
  free(r->shards);
  r->shards = NULL;
  ar_strmap_free(&r->routes, NULL);
}

ar_shard *ar_shard_of(aidreg_registry *r, const char *code) {
  ar_shard *s = code ? ar_strmap_get(&r->routes, code) : NULL;
  if (s) return s;
  return r->has_default ? &r->shards[0] : NULL;
}

bool aidreg_registry_serves(aidreg_registry *r, const char *code, aidreg_problem *p) {
  if (ar_shard_of(r, code)) return true;
  aidreg_problem_set(p, AIDREG_E_UNKNOWN_LEDGER, NULL,
                     "账本 %s 不在本服务器的账本映射中 / ledger %s is not in this server's ledger map (--ledger-map)",
                     code, code);
  return false;
}

db_conn *ar_write_get(aidreg_registry *r, const char *code) {
  ar_shard *s = ar_shard_of(r, code);
  return s ? ar_db_pool_get(&s->pool) : NULL;
}

void ar_write_put(aidreg_registry *r, const char *code, db_conn *c) {
  if (c) ar_db_pool_put(&ar_shard_of(r, code)->pool, c);
}

db_conn *ar_read_get(aidreg_registry *r, const char *code) {
  ar_shard *s = ar_shard_of(r, code);
  return s ? ar_db_pool_get(s->replica ? &s->read_pool : &s->pool) : NULL;
}

void ar_read_put(aidreg_registry *r, const char *code, db_conn *c) {
  ar_shard *s = ar_shard_of(r, code);
  if (c) ar_db_pool_put(s->replica ? &s->read_pool : &s->pool, c);
}

void ar_read_done(aidreg_registry *r, const char *code, db_conn *c, aidreg_problem *p) {
  ar_shard *s = ar_shard_of(r, code);
  if (c) ar_db_pool_put_read(s->replica ? &s->read_pool : &s->pool, c, p);
}

bool ar_reads_from_replica(aidreg_registry *r, const char *code) {
  ar_shard *s = ar_shard_of(r, code);
  return s && s->replica;
}

bool ar_replica_lacks(aidreg_registry *r, const char *code, uint64_t have, uint64_t wanted, aidreg_problem *p) {
  static db_stmt q_size = {"SELECT size FROM ledger WHERE code = $1", 0};
  if (!ar_reads_from_replica(r, code)) return false;
  /* Asked only when the replica lacks the size: one small read of the primary, so that a
   * size nobody has is 404 at once rather than "retry" for ever. */
  db_conn *c = ar_write_get(r, code);
  const char *params[1] = {code};
  PGresult *res = c ? ar_db_run(c, &q_size, 1, params, NULL) : NULL;
  unsigned long long primary = 0;
  bool known = res && PQntuples(res) == 1 && ar_db_u64(PQgetvalue(res, 0, 0), &primary) == 0;
  PQclear(res);
  ar_write_put(r, code, c);
  if (c && known && primary < wanted) return false;
  /* The primary has it, or cannot say (unreachable): retry either way. */
  aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL,
                     "只读副本尚未追上 / the read replica has %" PRIu64 " entries of ledger %s, not yet %" PRIu64 "; retry",
                     have, code, wanted);
  return true;
}

int ar_unknown_ledger(aidreg_registry *r, const char *code, aidreg_problem *p) {
  static db_stmt q_exists = {"SELECT 1 FROM ledger WHERE code = $1", 0};
  if (ar_reads_from_replica(r, code)) {
    /* Created on the primary since the replica's last replay: say "retry", not "no such
     * ledger" (one small lookup, only for codes the replica does not know). */
    db_conn *c = ar_write_get(r, code);
    const char *params[1] = {code};
    PGresult *res = c ? ar_db_run(c, &q_exists, 1, params, NULL) : NULL;
    bool exists = res && PQntuples(res) == 1;
    PQclear(res);
    ar_write_put(r, code, c);
    if (exists)
      return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL,
                                "只读副本尚未追上 / the read replica does not have ledger %s yet; retry", code);
  }
  return aidreg_problem_set(p, AIDREG_E_UNKNOWN_LEDGER, NULL, "there is no ledger %s on this server", code);
}
