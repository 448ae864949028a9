/* The registry service (include/aidreg/registry.h): configuration, the read pool, one
 * appender per ledger, and the checks of a submission that need no database. */
#include "aidreg/registry.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/authority.h"
#include "aidreg/encoding.h"
#include "aidreg/note.h"
#include "core/json_size.h"
#include "core/mono_clock.h"
#include "store/appender.h"
#include "store/migrate.h"
#include "store/registry_private.h"

aidreg_registry *aidreg_registry_open(const aidreg_registry_config *cfg, char *err, size_t cap) {
  if ((!cfg->database_url && cfg->nroutes == 0) || !cfg->log_key || !cfg->log_host) {
    snprintf(err, cap, "database URL (or ledger map), log key and log host are required");
    return NULL;
  }
  const char *dir = cfg->sql_dir ? cfg->sql_dir : getenv("AIDREG_SQL_DIR");
  if (!dir) dir = AIDREG_SQL_DIR;
  aidreg_registry *r = calloc(1, sizeof *r);
  if (!r) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  snprintf(r->log_host, sizeof r->log_host, "%s", cfg->log_host);
  r->log_key = *cfg->log_key;
  /* Kept out of swap where the limit allows (RLIMIT_MEMLOCK); best effort, as ssh-agent. */
  (void)sodium_mlock(&r->log_key, sizeof r->log_key);
  r->max_batch = cfg->max_batch ? cfg->max_batch : 1000;
  r->max_clock_skew = cfg->max_clock_skew ? cfg->max_clock_skew : 600;
  r->max_signatures = cfg->max_signatures ? cfg->max_signatures : AIDREG_DEFAULT_MAX_SIGNATURES;
  r->max_appenders = cfg->max_appenders ? cfg->max_appenders : 64;
  r->appender_idle_s = cfg->appender_idle_s ? cfg->appender_idle_s : 300;
  r->max_response_bytes = cfg->max_response_bytes ? cfg->max_response_bytes : 4u << 20;
  r->db_timeout_ms = cfg->db_timeout_ms ? cfg->db_timeout_ms : 10000;
  double kr = cfg->key_rate ? cfg->key_rate : 2000, ar = cfg->address_rate ? cfg->address_rate : 500;
  r->key_rl = ar_ratelimit_new(kr, cfg->key_burst ? cfg->key_burst : 40000, 100000);
  r->address_rl = ar_ratelimit_new(ar, cfg->address_burst ? cfg->address_burst : 5000, 100000);
  r->lookup_rl = ar_ratelimit_new(50, 100, 100000);
  pthread_mutex_init(&r->mu, NULL);
  /* Without it (out of memory, or AIDREG_LOG_CACHE=off: the benchmark's baseline) every
   * proof and tile is read from the database. */
  const char *lc = getenv("AIDREG_LOG_CACHE");
  if (!lc || strcmp(lc, "off") != 0) r->log_cache = ar_log_cache_new(AR_LOG_CACHE_NODES, AR_LOG_CACHE_TILE_BYTES);
  if ((kr > 0 && !r->key_rl) || (ar > 0 && !r->address_rl) || !r->lookup_rl ||
      ar_shards_open(r, cfg, dir, err, cap)) {
    if (!*err) snprintf(err, cap, "out of memory");
    ar_shards_close(r);
    ar_ratelimit_free(r->key_rl);
    ar_ratelimit_free(r->address_rl);
    ar_ratelimit_free(r->lookup_rl);
    ar_log_cache_free(r->log_cache);
    pthread_mutex_destroy(&r->mu);
    sodium_munlock(&r->log_key, sizeof r->log_key); /* zeroes it too */
    free(r);
    return NULL;
  }
  return r;
}

void aidreg_registry_close(aidreg_registry *r) {
  if (!r) return;
  for (ledger_slot *s = r->ledgers, *next; s; s = next) {
    next = s->next;
    ar_appender_stop(s->appender);
    ar_strmap_free(&s->keys, NULL);
    free(s);
  }
  ar_shards_close(r);
  ar_ratelimit_free(r->key_rl);
  ar_ratelimit_free(r->address_rl);
  ar_ratelimit_free(r->lookup_rl);
  ar_log_cache_free(r->log_cache);
  pthread_mutex_destroy(&r->mu);
  sodium_munlock(&r->log_key, sizeof r->log_key); /* zeroes it too */
  free(r);
}

void aidreg_registry_origin(aidreg_registry *r, const char *code, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s", r->log_host, code);
}

bool aidreg_registry_admit_address(aidreg_registry *r, const char *address, unsigned *retry_after) {
  unsigned wait = ar_ratelimit_take(r->address_rl, address ? address : "", 1, ar_mono_ns());
  if (retry_after) *retry_after = wait;
  return wait == 0;
}

/* ---- ledgers and their keys ------------------------------------------------------ */

static ledger_slot *slot_find(aidreg_registry *r, const char *code) {
  for (ledger_slot *s = r->ledgers; s; s = s->next)
    if (strcmp(s->code, code) == 0) return s;
  return NULL;
}

/* Every key id ever enrolled in the ledger (revoked ones too: their old entries replay)
 * into s->keys. 0, or -1 (database, memory). */
static int keys_load(aidreg_registry *r, ledger_slot *s) {
  static db_stmt q_keyids = {"SELECT keyid FROM signing_key WHERE ledger = $1", 0};
  db_conn *c = ar_write_get(r, s->code);
  if (!c) return -1;
  const char *params[1] = {s->code};
  PGresult *res = ar_db_run(c, &q_keyids, 1, params, NULL);
  ar_write_put(r, s->code, c);
  if (!res) return -1;
  int rc = 0;
  pthread_mutex_lock(&r->mu);
  for (int i = 0; rc == 0 && i < PQntuples(res); i++)
    if (!ar_strmap_get(&s->keys, PQgetvalue(res, i, 0))) rc = ar_strmap_put(&s->keys, PQgetvalue(res, i, 0), s);
  pthread_mutex_unlock(&r->mu);
  PQclear(res);
  return rc;
}

/* The slot of a ledger that exists (its keys loaded); NULL if the ledger is unknown (p:
 * UNKNOWN_LEDGER) or on failure (p: UNAVAILABLE). No thread is started here. */
static ledger_slot *ledger_get(aidreg_registry *r, const char *code, aidreg_problem *p) {
  static db_stmt q_exists = {"SELECT 1 FROM ledger WHERE code = $1", 0};
  pthread_mutex_lock(&r->mu);
  ledger_slot *s = slot_find(r, code);
  pthread_mutex_unlock(&r->mu);
  if (s) return s;

  if (!aidreg_registry_serves(r, code, p)) return NULL;
  db_conn *c = ar_write_get(r, code);
  if (!c) {
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
    return NULL;
  }
  const char *params[1] = {code};
  PGresult *res = ar_db_run(c, &q_exists, 1, params, NULL);
  ar_write_put(r, code, c);
  if (!res) {
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
    return NULL;
  }
  bool exists = PQntuples(res) == 1;
  PQclear(res);
  if (!exists) {
    aidreg_problem_set(p, AIDREG_E_UNKNOWN_LEDGER, NULL, "there is no ledger %s on this server", code);
    return NULL;
  }
  ledger_slot *fresh = calloc(1, sizeof *fresh);
  if (!fresh) {
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "out of memory; retry");
    return NULL;
  }
  snprintf(fresh->code, sizeof fresh->code, "%s", code);
  if (keys_load(r, fresh)) {
    ar_strmap_free(&fresh->keys, NULL);
    free(fresh);
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
    return NULL;
  }
  pthread_mutex_lock(&r->mu);
  if ((s = slot_find(r, code))) {
    ar_strmap_free(&fresh->keys, NULL);
    free(fresh);
  } else {
    s = fresh;
    s->next = r->ledgers;
    r->ledgers = s;
  }
  pthread_mutex_unlock(&r->mu);
  return s;
}

/* Whether keyid is enrolled in the ledger (or by an earlier member of this request:
 * `local`). An id the set does not hold is looked up in the database (another process
 * may have enrolled it), at most key_lookups a second per ledger: beyond that, unknown
 * ids are refused unread. 1, 0, or -1 when the database cannot be read. */
static int key_known(aidreg_registry *r, ledger_slot *s, const strmap *local, const char *keyid) {
  static db_stmt q_key = {"SELECT 1 FROM signing_key WHERE ledger = $1 AND keyid = $2", 0};
  if (ar_strmap_get(local, keyid)) return 1;
  pthread_mutex_lock(&r->mu);
  bool known = ar_strmap_get(&s->keys, keyid) != NULL;
  pthread_mutex_unlock(&r->mu);
  if (known) return 1;
  if (ar_ratelimit_take(r->lookup_rl, s->code, 1, ar_mono_ns())) return 0;
  db_conn *c = ar_write_get(r, s->code);
  if (!c) return -1;
  const char *params[2] = {s->code, keyid};
  PGresult *res = ar_db_run(c, &q_key, 2, params, NULL);
  ar_write_put(r, s->code, c);
  if (!res) return -1;
  known = PQntuples(res) == 1;
  PQclear(res);
  if (known) {
    pthread_mutex_lock(&r->mu);
    if (!ar_strmap_get(&s->keys, keyid)) (void)ar_strmap_put(&s->keys, keyid, s); /* else looked up again */
    pthread_mutex_unlock(&r->mu);
  }
  return known;
}

/* The key a key.enroll event enrols, or NULL. */
static const char *enrolled_key(const aidreg_event *ev) {
  if (strcmp(ev->type, "key.enroll") != 0) return NULL;
  return json_string_value(json_object_get(ev->body, "key"));
}

/* ---- appenders: started for checked items, stopped when idle, at most max_appenders -- */

/* Stops the appenders nobody has used for appender_idle_s. r->mu held. */
static void reap_idle(aidreg_registry *r, int64_t now) {
  for (ledger_slot *s = r->ledgers; s; s = s->next) {
    if (!s->appender || s->users > 0 || now - s->idle_since_ns < (int64_t)r->appender_idle_s * 1000000000) continue;
    ar_appender_stop(s->appender);
    s->appender = NULL;
    r->nappenders--;
  }
}

/* The slot's appender, started if need be, with one more user; NULL with p (UNAVAILABLE)
 * when it cannot start or max_appenders run already. */
static appender *appender_acquire(aidreg_registry *r, ledger_slot *s, aidreg_problem *p) {
  pthread_mutex_lock(&r->mu);
  int64_t now = ar_mono_ns();
  reap_idle(r, now);
  if (!s->appender) {
    if (r->nappenders >= r->max_appenders) {
      pthread_mutex_unlock(&r->mu);
      aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL,
                         "%u ledgers are being written at once, the most this server runs; retry", r->max_appenders);
      return NULL;
    }
    append_ledger lg = {.log_key = &r->log_key, .max_clock_skew = r->max_clock_skew, .db_timeout_ms = r->db_timeout_ms};
    snprintf(lg.code, sizeof lg.code, "%s", s->code);
    aidreg_registry_origin(r, s->code, lg.origin, sizeof lg.origin);
    char err[256];
    if (!(s->appender = ar_appender_start(&lg, ar_shard_of(r, s->code)->url, r->max_batch, err, sizeof err))) {
      pthread_mutex_unlock(&r->mu);
      fprintf(stderr, "aidreg: %s\n", err);
      aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "cannot start the appender; retry");
      return NULL;
    }
    r->nappenders++;
  }
  s->users++;
  appender *a = s->appender;
  pthread_mutex_unlock(&r->mu);
  return a;
}

static void appender_release(aidreg_registry *r, ledger_slot *s) {
  pthread_mutex_lock(&r->mu);
  if (--s->users == 0) s->idle_since_ns = ar_mono_ns();
  pthread_mutex_unlock(&r->mu);
}

unsigned aidreg_registry_appenders(aidreg_registry *r) {
  pthread_mutex_lock(&r->mu);
  reap_idle(r, ar_mono_ns());
  unsigned n = r->nappenders;
  pthread_mutex_unlock(&r->mu);
  return n;
}

/* ---- submissions ----------------------------------------------------------------- */

/* The encoded size of an envelope object, without decoding it (or writing it out). */
static size_t envelope_size(const json_t *obj) { return ar_json_compact_size(obj); }

/* The checks that need no database but the ledger's key set, in the order of
 * docs/design.md "Wire details": size, envelope, every signer enrolled (before any
 * signature is verified), signatures, payload, its ledger binding, then the signers'
 * rate. */
static int precheck(aidreg_registry *r, ledger_slot *s, const strmap *local, const json_t *obj, append_item *it,
                    aidreg_problem *p) {
  size_t size = envelope_size(obj);
  if (size > AIDREG_ENVELOPE_MAX)
    return aidreg_problem_set(p, AIDREG_E_TOO_LARGE, NULL, "an envelope is at most %u bytes; this one is %zu",
                              AIDREG_ENVELOPE_MAX, size);
  if (aidreg_envelope_from_json(obj, "", &it->env, p)) return -1;
  for (size_t i = 0; i < it->env.nsig; i++) {
    int known = key_known(r, s, local, it->env.sigs[i].keyid);
    if (known < 0) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
    if (!known) {
      char field[48];
      snprintf(field, sizeof field, "/signatures/%zu/keyid", i);
      return aidreg_problem_set(p, AIDREG_E_KEY_NOT_ENROLLED, field, "key %s is not enrolled in ledger %s",
                                it->env.sigs[i].keyid, s->code);
    }
  }
  if (aidreg_envelope_verify(&it->env, p)) return -1;
  if (aidreg_event_parse(it->env.payload, it->env.payload_len, &it->ev, p)) {
    /* Payload problems point into the payload. */
    aidreg_problem_prefix_field(p, "/payload");
    return -1;
  }
  char origin[300];
  aidreg_registry_origin(r, s->code, origin, sizeof origin);
  if (strcmp(it->ev.ledger, origin) != 0)
    return aidreg_problem_set(p, AIDREG_E_WRONG_LEDGER, "/payload/ledger",
                              "the event is bound to \"%s\"; this ledger is \"%s\"", it->ev.ledger, origin);
  int64_t now = ar_mono_ns();
  for (size_t i = 0; i < it->env.nsig; i++) {
    unsigned wait = ar_ratelimit_take(r->key_rl, it->env.sigs[i].keyid, 1, now);
    if (wait) {
      it->res->retry_after = wait;
      return aidreg_problem_set(p, AIDREG_E_TOO_MANY_REQUESTS, NULL,
                                "key %s submits faster than this server accepts from one key; retry in %u s",
                                it->env.sigs[i].keyid, wait);
    }
  }
  return 0;
}

static void refuse(aidreg_result *res, const char *prefix, const aidreg_problem *p) {
  res->problem = *p;
  aidreg_problem_prefix_field(&res->problem, prefix);
  res->status = aidreg_problem_status(p->code);
}

/* One call's submissions: the items the appender judges, and how the caller learns
 * that they are done (it waits, or it is called back). */
typedef struct aidreg_submission {
  aidreg_registry *r;
  ledger_slot *slot;
  append_item *items;
  append_item **queued;
  char (*prefixes)[48];
  size_t n, nq;
  appender *a;
  append_waiter w;
  void (*done)(void *ctx);
  void *ctx;
} submit_job;

static void job_free(submit_job *j) {
  for (size_t i = 0; j->items && i < j->n; i++) {
    aidreg_event_free(&j->items[i].ev);
    aidreg_envelope_free(&j->items[i].env);
  }
  free(j->items);
  free(j->queued);
  free(j->prefixes);
  free(j);
}

/* The job is done: the keys its accepted key.enroll entries enrolled join the ledger's
 * set, and the appender has one user less. */
static void job_settle(submit_job *j) {
  pthread_mutex_lock(&j->r->mu);
  for (size_t i = 0; i < j->nq; i++) {
    const char *k = j->queued[i]->res->status == 201 ? enrolled_key(&j->queued[i]->ev) : NULL;
    if (k && !ar_strmap_get(&j->slot->keys, k)) (void)ar_strmap_put(&j->slot->keys, k, j->slot); /* else looked up */
  }
  pthread_mutex_unlock(&j->r->mu);
  appender_release(j->r, j->slot);
}

/* Signatures the request carries, counted without decoding anything. */
static size_t count_signatures(const json_t *const *envelopes, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += json_array_size(json_object_get(envelopes[i], "signatures"));
  return total;
}

/* Fills every result the checks without the appender decide; the rest are queued in
 * j->queued (j->nq of them, and then j->a holds the appender). NULL when out of memory
 * (every result then refused). */
static submit_job *job_prepare(aidreg_registry *r, const char *code, const json_t *const *envelopes, size_t n,
                               const char *pointer_prefix, aidreg_result *results) {
  const char *prefix0 = pointer_prefix ? pointer_prefix : "";
  for (size_t i = 0; i < n; i++) memset(&results[i], 0, sizeof results[i]);
  aidreg_problem p = {0};
  submit_job *j = calloc(1, sizeof *j);
  if (j) {
    j->r = r;
    j->n = n;
    j->items = calloc(n ? n : 1, sizeof *j->items);
    j->queued = calloc(n ? n : 1, sizeof *j->queued);
    j->prefixes = calloc(n ? n : 1, sizeof *j->prefixes);
  }
  if (!j || !j->items || !j->queued || !j->prefixes) {
    if (j) job_free(j);
    aidreg_problem_set(&p, AIDREG_E_INTERNAL, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) refuse(&results[i], "", &p);
    return NULL;
  }
  size_t nsig = count_signatures(envelopes, n);
  if (nsig > r->max_signatures)
    aidreg_problem_set(&p, AIDREG_E_TOO_LARGE, *prefix0 ? prefix0 : NULL,
                       "the request carries %zu signatures; at most %u are checked per request: send fewer envelopes",
                       nsig, r->max_signatures);
  else
    j->slot = ledger_get(r, code, &p);
  strmap local = {0}; /* keys enrolled by earlier members of this request */
  bool internal = false;
  for (size_t i = 0; i < n; i++) {
    append_item *it = &j->items[i];
    if (*prefix0) snprintf(j->prefixes[i], sizeof j->prefixes[i], "%s/%zu", prefix0, i);
    it->res = &results[i];
    it->prefix = j->prefixes[i];
    if (!j->slot) {
      refuse(&results[i], "", &p);
      continue;
    }
    aidreg_problem ip = {0};
    if (precheck(r, j->slot, &local, envelopes[i], it, &ip)) {
      refuse(&results[i], j->prefixes[i], &ip);
      if (ip.code == AIDREG_E_INTERNAL) internal = true;
      continue;
    }
    const char *k = enrolled_key(&it->ev);
    if (k && ar_strmap_put(&local, k, it)) internal = true;
    j->queued[j->nq++] = it;
  }
  ar_strmap_free(&local, NULL);
  if (internal) {
    /* We failed (out of memory), not the envelope: queue nothing, so that the call stores
     * all of its entries or none (a later entry may depend on the one we dropped). */
    aidreg_problem_set(&p, AIDREG_E_INTERNAL, NULL, "internal error (out of memory?); nothing was written");
    for (size_t i = 0; i < j->nq; i++) refuse(j->queued[i]->res, "", &p);
    j->nq = 0;
  }
  /* Only now, for items that passed their checks: the ledger's appender. */
  if (j->nq && !(j->a = appender_acquire(r, j->slot, &p))) {
    for (size_t i = 0; i < j->nq; i++) refuse(j->queued[i]->res, "", &p);
    j->nq = 0;
  }
  return j;
}

static void refuse_queued(submit_job *j) {
  aidreg_problem p = {0};
  aidreg_problem_set(&p, AIDREG_E_UNAVAILABLE, NULL, "the server is shutting down; retry");
  for (size_t i = 0; i < j->nq; i++) refuse(j->queued[i]->res, "", &p);
}

void aidreg_registry_submit(aidreg_registry *r, const char *code, const json_t *const *envelopes, size_t n,
                            const char *pointer_prefix, aidreg_result *results) {
  submit_job *j = job_prepare(r, code, envelopes, n, pointer_prefix, results);
  if (!j) return;
  if (j->nq) {
    if (ar_appender_submit(j->a, j->queued, j->nq)) refuse_queued(j);
    job_settle(j);
  }
  job_free(j);
}

/* Called by the appender thread, outside its lock, once the job's last item is done.
 * The caller frees the job (aidreg_submission_free, which may run as soon as done has
 * told it): the appender's thread goes on to the next waiter at once, and the job's
 * memory is freed by the thread that allocated it. */
static void job_finished(void *arg) {
  submit_job *j = arg;
  job_settle(j);
  j->done(j->ctx);
}

void aidreg_submission_free(aidreg_submission *sub) {
  if (sub) job_free(sub);
}

bool aidreg_registry_submit_async(aidreg_registry *r, const char *code, const json_t *const *envelopes, size_t n,
                                  const char *pointer_prefix, aidreg_result *results, void (*done)(void *ctx),
                                  void *ctx, aidreg_submission **sub) {
  *sub = NULL;
  submit_job *j = job_prepare(r, code, envelopes, n, pointer_prefix, results);
  if (!j) return false;
  if (j->nq == 0) {
    job_free(j);
    return false;
  }
  j->done = done;
  j->ctx = ctx;
  j->w.on_done = job_finished;
  j->w.arg = j;
  *sub = j; /* before the enqueue: done may run before it returns */
  if (ar_appender_enqueue(j->a, j->queued, j->nq, &j->w)) {
    *sub = NULL;
    refuse_queued(j);
    job_settle(j);
    job_free(j);
    return false;
  }
  return true;
}

void aidreg_registry_create_ledger(aidreg_registry *r, const json_t *envelope, aidreg_result *res, char **vkey) {
  memset(res, 0, sizeof *res);
  *vkey = NULL;
  append_item it = {.res = res, .prefix = "", .enqueued_ns = ar_mono_ns()};
  aidreg_problem p = {0};
  db_conn *c = NULL;
  if (aidreg_envelope_from_json(envelope, "", &it.env, &p) || aidreg_envelope_verify(&it.env, &p)) goto refused;
  if (aidreg_event_parse(it.env.payload, it.env.payload_len, &it.ev, &p)) {
    aidreg_problem_prefix_field(&p, "/payload");
    goto refused;
  }
  if (strcmp(it.ev.type, "ledger.create") != 0) {
    aidreg_problem_set(&p, AIDREG_E_UNKNOWN_EVENT_TYPE, "/payload/type",
                       "POST /v1/ledgers takes a ledger.create event, not %s", it.ev.type);
    goto refused;
  }
  const char *code = it.ev.subject;
  const char *name = json_string_value(json_object_get(it.ev.body, "name"));
  if (strlen(code) != 6 || !aidreg_is_admin_code(code)) {
    aidreg_problem_set(&p, AIDREG_E_INVALID_FIELD, "/payload/subject", "the subject must be a 6-digit county code");
    goto refused;
  }
  append_ledger lg = {.log_key = &r->log_key, .max_clock_skew = r->max_clock_skew};
  snprintf(lg.code, sizeof lg.code, "%s", code);
  aidreg_registry_origin(r, code, lg.origin, sizeof lg.origin);
  if (strcmp(it.ev.ledger, lg.origin) != 0) {
    aidreg_problem_set(&p, AIDREG_E_WRONG_LEDGER, "/payload/ledger", "the event is bound to \"%s\"; expected \"%s\"",
                       it.ev.ledger, lg.origin);
    goto refused;
  }
  if (!aidreg_registry_serves(r, code, &p)) goto refused;
  char *vk = aidreg_note_vkey(lg.origin, r->log_key.pk);
  if (!vk || !(c = ar_write_get(r, code))) {
    free(vk);
    aidreg_problem_set(&p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
    goto refused;
  }
  append_item *items[1] = {&it};
  ar_append_batch(c, &lg, items, 1, true, name ? name : "", vk);
  ar_write_put(r, code, c);
  if (res->status == 200 || res->status == 201) *vkey = vk;
  else free(vk);
  goto out;
refused:
  refuse(res, "", &p);
out:
  aidreg_event_free(&it.ev);
  aidreg_envelope_free(&it.env);
}

void aidreg_receipt_free(aidreg_receipt *rc) {
  if (!rc) return;
  free(rc->checkpoint);
  rc->checkpoint = NULL;
}

void aidreg_result_free(aidreg_result *res) {
  if (res) aidreg_receipt_free(&res->receipt);
}

json_t *aidreg_receipt_json(const aidreg_receipt *rc) {
  char lh[45], ph[65];
  aidreg_b64_encode_to(rc->leaf_hash, 32, lh, sizeof lh);
  aidreg_hex_encode(rc->payload_sha256, 32, ph);
  json_t *proof = json_array();
  for (size_t i = 0; proof && i < rc->proof_len; i++) {
    char h[45];
    aidreg_b64_encode_to(rc->proof[i], 32, h, sizeof h);
    if (json_array_append_new(proof, json_string(h))) {
      /* A receipt with a short proof does not verify: none at all, and the caller says 500. */
      json_decref(proof);
      return NULL;
    }
  }
  /* NULL when proof is (json_pack refuses a NULL "o") or on any allocation failure; the
   * proof's reference is stolen either way. */
  return json_pack("{s:s, s:I, s:s, s:s, s:s, s:o}", "ledger", rc->ledger, "index", (json_int_t)rc->index,
                   "leaf_hash", lh, "payload_sha256", ph, "checkpoint", rc->checkpoint ? rc->checkpoint : "",
                   "inclusion_proof", proof);
}
