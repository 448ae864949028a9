#ifndef AIDREG_REGISTRY_H
#define AIDREG_REGISTRY_H
/* The registry service: what the HTTP server (and tests) call. It owns a PostgreSQL
 * connection pool, one group-commit appender per ledger, and the log key that signs
 * checkpoints. It knows nothing of HTTP; results are C structs or jansson values that
 * the caller serialises. Every function is safe to call from many threads. */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/keys.h"
#include "aidreg/merkle.h"
#include "aidreg/problem.h"
#include "aidreg/tile.h"

typedef struct aidreg_registry aidreg_registry;

/* The encoded size (compact JSON) of one envelope, alone or as a member of a batch. */
#define AIDREG_ENVELOPE_MAX (64u * 1024u)
/* Signatures checked per request, unless configured (max_signatures). */
#define AIDREG_DEFAULT_MAX_SIGNATURES 2000u

/* One line of the ledger map (docs/scale.md): the ledger of county `code` lives in the
 * cluster database_url; its reads may come from a streaming replica. */
typedef struct {
  const char *code;               /* 6-digit county code */
  const char *database_url;       /* the primary, the server's own role */
  const char *owner_database_url; /* optional: runs this cluster's migrations */
  const char *read_database_url;  /* optional: a hot standby of database_url for reads */
} aidreg_ledger_route;

typedef struct {
  const char *database_url;       /* the server's own role (no UPDATE/DELETE on the log); the
                                   * default cluster. May be NULL when routes are given: then a
                                   * ledger not in the map is refused (unknown-ledger) */
  const char *owner_database_url; /* optional: role that owns the schema; runs migrations */
  const char *read_database_url;  /* optional: a streaming replica (hot standby) of database_url;
                                   * reads (state, proofs, tiles, checkpoints, audit) go there,
                                   * writes and their lookups to database_url */
  const aidreg_ledger_route *routes; /* the ledger map: counties spread over several clusters */
  size_t nroutes;                 /* (strings copied; a cluster named twice is opened once) */
  const char *sql_dir;            /* migrations folder; NULL = compiled-in AIDREG_SQL_DIR */
  const char *log_host;           /* origin prefix: origin = "<log_host>/<county code>" */
  const aidreg_keypair *log_key;  /* copied */
  unsigned pool_size;             /* read connections (default 8) */
  unsigned max_batch;             /* group commit: most entries per transaction (default 1000) */
  unsigned read_timeout_ms;       /* statement_timeout of the read connections (10000) */
  unsigned pool_wait_ms;          /* longest wait for a free read connection, then 503 (5000) */
  unsigned db_timeout_ms;         /* longest wait for any one answer of PostgreSQL, or for a
                                   * connection to it, then 503 (10000); the statement_timeout
                                   * of every connection is at most this */
  unsigned max_response_bytes;    /* a page of entries or of a history stops past this many bytes
                                   * of leaves (4 MiB); "next" says where to go on */
  int64_t max_clock_skew;         /* seconds an event's time may lead the server clock (600) */
  /* Limits of docs/api.md "Request bodies and limits" (0: the default). */
  unsigned max_signatures;        /* signatures in one request (2000) */
  unsigned max_appenders;         /* ledgers with a running appender (64) */
  unsigned appender_idle_s;       /* an appender idle that long is stopped (300 s) */
  double key_rate;                /* entries per second per signing key (2000, bursts of 40000: a county key importing its 台账 is the heaviest honest use; < 0: no limit) */
  double key_burst;               /* ... up to this many at once (2000) */
  double address_rate;            /* submission requests per second per client address (500; < 0: none).
                                   * Generous: behind a reverse proxy every client may share one address */
  double address_burst;           /* ... up to this many at once (5000) */
} aidreg_registry_config;

/* Connects, applies pending migrations (under an advisory lock, with the owner URL when
 * given), and starts no thread until a ledger is written. NULL on failure, with a
 * message in err. */
aidreg_registry *aidreg_registry_open(const aidreg_registry_config *cfg, char *err, size_t cap);
/* Stops appenders (after draining their queues) and closes every connection. */
void aidreg_registry_close(aidreg_registry *r);

typedef struct {
  char ledger[16];          /* county code */
  uint64_t index;
  uint8_t leaf_hash[32];
  uint8_t payload_sha256[32];
  uint64_t tree_size;       /* size of the checkpoint below */
  char *checkpoint;         /* signed note text, malloc'd */
  size_t proof_len;
  uint8_t proof[AIDREG_MAX_PROOF][32];
  bool replay;              /* the payload was already in the ledger: answer 200 */
} aidreg_receipt;

void aidreg_receipt_free(aidreg_receipt *rc);
/* {"ledger","index","leaf_hash","payload_sha256","checkpoint","inclusion_proof"}: new reference,
 * or NULL when out of memory (never a receipt with a member missing): answer 500 then. */
json_t *aidreg_receipt_json(const aidreg_receipt *rc) __attribute__((warn_unused_result));

/* One submission's outcome. status is the HTTP status it maps to (201, 200, or the
 * problem's); receipt is filled when status is 200/201, problem otherwise. head holds
 * the subject's current head (hex, "" when none) for a 409. */
typedef struct {
  int status;
  aidreg_receipt receipt;
  aidreg_problem problem;
  char head[65];
  unsigned retry_after; /* 429: seconds to wait (the Retry-After header) */
} aidreg_result;

void aidreg_result_free(aidreg_result *res);

/* POST /v1/ledgers: one envelope object (already loaded with duplicate keys refused)
 * whose payload is a self-signed ledger.create. *vkey gets the ledger's verifier key
 * string (malloc'd) on success. */
void aidreg_registry_create_ledger(aidreg_registry *r, const json_t *envelope, aidreg_result *res,
                                   char **vkey);

/* POST /v1/ledgers/{code}/entries: n envelope objects, each accepted or refused on its
 * own; results[i] answers envelopes[i]. Blocks until every accepted entry is committed
 * (group commit with other concurrent callers). `pointer_prefix` is prepended to
 * problem fields ("" for a single envelope, "/envelopes" for a batch: "/envelopes/3/…"). */
void aidreg_registry_submit(aidreg_registry *r, const char *code, const json_t *const *envelopes,
                            size_t n, const char *pointer_prefix, aidreg_result *results);

/* What an asynchronous submission keeps while it is in flight (the decoded envelopes and
 * events), freed by its caller once done has run. */
typedef struct aidreg_submission aidreg_submission;

/* The same for event-driven callers (a server that suspends the connection instead of
 * blocking a thread): the checks that need no database run in the calling thread, the
 * rest is queued, and the call returns at once. Returns true when done(ctx) will be
 * called, exactly once, from the appender's thread once every result is filled (done
 * must not block nor call the registry); false when every result is already final and
 * done is not called. The envelopes need live only until the call returns. When true,
 * *sub is set before done can run, and the caller frees it with aidreg_submission_free
 * once done has run: the appender's thread only wakes, and the memory goes back to the
 * thread that allocated it (glibc's per-thread caches). */
bool aidreg_registry_submit_async(aidreg_registry *r, const char *code, const json_t *const *envelopes,
                                  size_t n, const char *pointer_prefix, aidreg_result *results,
                                  void (*done)(void *ctx), void *ctx, aidreg_submission **sub);
/* Frees what aidreg_registry_submit_async kept (NULL: nothing); only after its done. */
void aidreg_submission_free(aidreg_submission *sub);

/* The per-address rate limit (config address_rate): true when a submission request from
 * address (any text naming the client) may go on; false with *retry_after (seconds, for
 * the Retry-After header) when it is refused with 429 `too-many-requests`. */
bool aidreg_registry_admit_address(aidreg_registry *r, const char *address, unsigned *retry_after);
/* How many appenders (a thread and two database connections each) run now, after stopping
 * the idle ones. */
unsigned aidreg_registry_appenders(aidreg_registry *r);

/* Reads. Each returns 0, or -1 with p filled (UNKNOWN_LEDGER, NOT_FOUND, INVALID_QUERY,
 * INTERNAL). json outputs are new references. */
int aidreg_registry_ledgers(aidreg_registry *r, json_t **out, aidreg_problem *p);
/* The latest checkpoint note (malloc'd). */
int aidreg_registry_checkpoint(aidreg_registry *r, const char *code, char **note, aidreg_problem *p);
/* The same, once the tree has at least min_size entries: read from a replica that has not
 * caught up, UNAVAILABLE (retry); from the primary, NOT_FOUND (that size does not exist). */
int aidreg_registry_checkpoint_min(aidreg_registry *r, const char *code, uint64_t min_size, char **note,
                                   aidreg_problem *p);
/* Whether this registry serves ledger code: false with p (UNKNOWN_LEDGER, naming the
 * ledger map) when the map has no cluster for it. The ledger need not exist yet. */
bool aidreg_registry_serves(aidreg_registry *r, const char *code, aidreg_problem *p);
/* Tile bytes (malloc'd), exactly the width asked (tlog-tiles). NOT_FOUND when that
 * width is beyond the latest checkpoint. The caller marks full tiles immutable. */
int aidreg_registry_tile(aidreg_registry *r, const char *code, const aidreg_tile_ref *t, uint8_t **data,
                         size_t *len, aidreg_problem *p);
/* {"entries":[...], "next": <index or null>, "size": <tree size>}; limit is capped at 1000,
 * and a page ends early (next set) once its leaves pass max_response_bytes. */
int aidreg_registry_entries(aidreg_registry *r, const char *code, uint64_t from, unsigned limit,
                            json_t **out, aidreg_problem *p);
/* {"index","time","leaf_hash","payload_sha256","envelope","event"} */
int aidreg_registry_entry(aidreg_registry *r, const char *code, uint64_t index, json_t **out,
                          aidreg_problem *p);
/* {"index","tree_size","leaf_hash","inclusion_proof":[b64...]}; leaf_hash (32 bytes) is
 * used when index_known is false. size 0 means the latest checkpoint's size. */
int aidreg_registry_inclusion(aidreg_registry *r, const char *code, bool index_known, uint64_t index,
                              const uint8_t leaf_hash[32], uint64_t size, json_t **out, aidreg_problem *p);
/* {"from","to","consistency_proof":[b64...]} */
int aidreg_registry_consistency(aidreg_registry *r, const char *code, uint64_t from, uint64_t to,
                                json_t **out, aidreg_problem *p);

/* For /metrics. Counters are monotonic since open. */
#define AIDREG_LATENCY_BUCKETS 12
typedef struct {
  uint64_t entries_appended;
  uint64_t batches_committed;
  /* append latency (queue to commit) histogram, upper bounds in seconds below */
  uint64_t latency_count[AIDREG_LATENCY_BUCKETS + 1]; /* cumulative-ready raw counts per bucket; last is +Inf */
  double latency_sum_seconds;
} aidreg_registry_stats;
extern const double aidreg_latency_bounds[AIDREG_LATENCY_BUCKETS];
void aidreg_registry_stats_get(aidreg_registry *r, aidreg_registry_stats *out);
/* Proofs and tiles answered since the registry opened: from memory (the log's parts that never
 * change, kept: docs/decisions.md "Proofs and tiles from memory") or by reading the database
 * (refusals included). For GET /metrics. */
typedef struct {
  uint64_t proofs_kept, proofs_read, tiles_kept, tiles_read;
} aidreg_log_reads;
void aidreg_registry_log_reads(aidreg_registry *r, aidreg_log_reads *out);
/* [{"code","size"}...] for every ledger: new reference or NULL. */
json_t *aidreg_registry_tree_sizes(aidreg_registry *r);
/* true when the database answers. */
bool aidreg_registry_healthy(aidreg_registry *r);
/* The database as the server finds it now (one SELECT 1 on a read connection, within the
 * configured db_timeout_ms): AIDREG_DB_OK, or what is wrong, with a sentence saying it
 * (Chinese first, English beside it) in why. */
typedef enum {
  AIDREG_DB_OK,
  AIDREG_DB_UNREACHABLE, /* no connection can be made (refused, reset, connect timeout) */
  AIDREG_DB_SLOW,        /* connected, but no answer within db_timeout_ms */
  AIDREG_DB_BUSY,        /* every read connection busy for pool_wait_ms */
  AIDREG_DB_FAILING,     /* it answers with an error */
} aidreg_db_health;
aidreg_db_health aidreg_registry_health(aidreg_registry *r, char *why, size_t cap);
/* "ok", "unreachable", "slow", "busy", "failing". */
const char *aidreg_db_health_name(aidreg_db_health h);
/* The origin a ledger code has on this server ("<log_host>/<code>") into out. */
void aidreg_registry_origin(aidreg_registry *r, const char *code, char *out, size_t cap);

#endif
