#ifndef AIDREG_VERIFY_POOL_H
#define AIDREG_VERIFY_POOL_H
/* Private to registry/verify: the work of a leaf that needs no earlier leaf (its hash,
 * parsing its layout and payload, its envelope signatures), done ahead on every core.
 * The verifier and rebuild --check hand whole bundles (pages) to the pool and read the
 * results back in log order; what depends on the log so far (the judge, the tree, the
 * stored nodes) stays serial in the caller. A result only ever shortcuts work: whatever
 * did not come out clean here (a leaf that does not parse, a signature that does not
 * verify) is done again serially by the caller, so failures and their messages are those
 * of the serial path. */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/event.h"
#include "aidreg/leaf.h"

/* Entry bundles the verifier keeps in flight (read, split, queued): the one being judged
 * and the ones the pool prepares meanwhile. A source whose leaf hook reads what its
 * entries callback fetched keeps that many (verify_db.c). */
#define AR_VERIFY_AHEAD 3

typedef struct {
  const uint8_t *data; /* the leaf bytes (borrowed from the batch's owner) */
  size_t len;
  /* Out, once the batch is done: */
  uint8_t leaf_hash[32];
  bool parsed;  /* leaf and payload parsed: leaf and ev are owned here */
  bool sig_ok;  /* parsed, and every envelope signature verifies */
  /* leaf and ev hold an earlier entry given back by the caller (ar_prepared_give_back):
   * the pool frees them before it prepares the item again, on its own threads, so that
   * what a thread allocated returns to that thread's arena and cache. */
  bool stale;
  aidreg_leaf leaf;
  aidreg_event ev;
} ar_prepared;

typedef struct ar_prep_batch {
  ar_prepared *items;
  size_t n;
  size_t next; /* first item no thread has claimed (under the pool's lock) */
  size_t done; /* items finished */
  struct ar_prep_batch *link;
} ar_prep_batch;

typedef struct ar_prep_pool ar_prep_pool;

/* threads 0: one per online core, or AIDREG_VERIFY_THREADS when set (1: no thread, the
 * caller does everything in ar_prep_wait, which is the serial path). NULL when out of
 * memory or no thread can be started. */
ar_prep_pool *ar_prep_pool_new(unsigned threads);
unsigned ar_prep_pool_threads(const ar_prep_pool *p);
/* Queues b (its items' data and len set). The caller keeps b alive until ar_prep_wait. */
void ar_prep_submit(ar_prep_pool *p, ar_prep_batch *b);
/* Returns when every item of b is done; works on queued items meanwhile. */
void ar_prep_wait(ar_prep_pool *p, ar_prep_batch *b);
/* Waits for every queued batch, stops the threads, frees p. */
void ar_prep_pool_free(ar_prep_pool *p);
/* Frees what item owns (leaf, ev: parsed or stale) and clears parsed and stale. */
void ar_prepared_clear(ar_prepared *item);
/* Hands a leaf and event taken out of item (parsed, moved out by the caller) back to it,
 * to be freed by whichever thread next prepares the item (or ar_prepared_clear). */
void ar_prepared_give_back(ar_prepared *item, const aidreg_leaf *leaf, const aidreg_event *ev);

#endif
