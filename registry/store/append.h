#ifndef AIDREG_APPEND_H
#define AIDREG_APPEND_H
/* Private: sequencing a batch of checked submissions into a ledger in one transaction
 * (group commit), and the per-ledger appender thread that forms the batches. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "aidreg/dsse.h"
#include "aidreg/event.h"
#include "aidreg/keys.h"
#include "aidreg/registry.h"
#include "store/db.h"

/* Where a submitting thread waits: woken alone when its last item is done (a shared
 * broadcast would wake every waiting connection at every commit). */
typedef struct {
  pthread_cond_t cv;   /* signalled when pending reaches 0 (blocking submitters) */
  size_t pending;
  void (*on_done)(void *arg); /* else called, outside the appender's lock (async) */
  void *arg;
} append_waiter;

/* One submission that passed the checks that need no database (envelope, signatures,
 * payload, ledger binding). Owned by the submitting thread, which waits on `waiter`. */
typedef struct {
  aidreg_envelope env;
  aidreg_event ev;
  aidreg_result *res;
  const char *prefix;  /* JSON pointer prefix for problems */
  int64_t enqueued_ns; /* CLOCK_MONOTONIC */
  append_waiter *waiter;
} append_item;

typedef struct domain_cache domain_cache;

typedef struct {
  char code[8];
  char origin[256];
  const aidreg_keypair *log_key; /* signs checkpoints */
  int64_t max_clock_skew;
  domain_cache *cache; /* the appender's documents between batches (store/domain_db.h), or NULL */
  unsigned db_timeout_ms; /* the appender's connection: ar_db_connect_deadline (0: none) */
} append_ledger;

/* Sequences items (in order) into the ledger; fills every item's res. `create` means
 * this batch is the single ledger.create of a new ledger whose row it inserts with
 * name and vkey. Never leaves a transaction open. Returns the number of new entries. */
size_t ar_append_batch(db_conn *c, const append_ledger *lg, append_item **items, size_t n, bool create,
                    const char *name, const char *vkey);

/* The overlapped cycle of the appender thread (appender.c): batch n+1 is judged while
 * batch n commits. */
typedef struct append_batch append_batch;
/* Judges items on rc (no lock) on top of prev: the batch sent before and not yet finished,
 * or NULL. Nothing is answered yet. NULL when out of memory (nothing done). */
append_batch *ar_append_prepare(db_conn *rc, const append_ledger *lg, append_item **items, size_t n,
                                const append_batch *prev);
/* Whether the next batch may be prepared on top of ab before ab is finished. */
bool ar_append_stackable(const append_batch *ab);
/* Sends BEGIN, the lock, the writes and COMMIT on wc without waiting for the answer.
 * 0 when an answer is to come; -1 when nothing went out (ar_append_finish answers why). */
int ar_append_send(db_conn *wc, append_batch *ab);
/* Waits for the commit and answers every item (receipts only after COMMIT). The batch
 * judged on top of ab must then be: sent (COMMITTED), failed (FAILED), or judged again
 * (REDONE: another process appended, ab was judged again the serial way). */
enum { APPEND_COMMITTED, APPEND_FAILED, APPEND_REDONE };
int ar_append_finish(db_conn *wc, append_batch *ab);
/* Answers ab, judged on top of a batch that did not commit: 503 (redo false) or judged
 * again the serial way (redo true). */
void ar_append_discard(db_conn *wc, append_batch *ab, bool redo);
void ar_append_batch_free(append_batch *ab);

/* The first receipt of an entry already in the ledger: the checkpoint that first
 * included it and the inclusion proof against it. 0, or -1. */
int ar_append_first_receipt(db_conn *c, const char *code, uint64_t index, aidreg_receipt *rc);

/* Metrics collected by the appenders. */
void ar_append_stats_record(uint64_t entries, const int64_t *latency_ns, size_t n);

#endif
