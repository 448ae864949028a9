/* The pool of verify_pool.h: worker threads over a FIFO of batches, one lock, items
 * claimed a few at a time. The queue is bounded by its callers (the verifier keeps a
 * fixed number of bundles in flight), so memory is that many bundles, whatever the
 * ledger's length. */
#include "verify/verify_pool.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidreg/dsse.h"
#include "aidreg/merkle.h"

#define CLAIM 8      /* items a thread takes at once: fewer trips through the lock */
#define MAX_THREADS 64

struct ar_prep_pool {
  pthread_mutex_t mu;
  pthread_cond_t work; /* a batch was queued, or stop */
  pthread_cond_t done; /* an item finished */
  ar_prep_batch *head, *tail;
  bool stop;
  unsigned nthreads;
  pthread_t threads[MAX_THREADS];
};

static void prepare(ar_prepared *it) {
  ar_prepared_clear(it); /* what an earlier entry of this slot left */
  aidreg_merkle_leaf_hash(it->data, it->len, it->leaf_hash);
  aidreg_problem p = {0};
  it->parsed = it->sig_ok = false;
  if (aidreg_leaf_parse(it->data, it->len, &it->leaf, &p) != 0) return;
  if (aidreg_event_parse(it->leaf.env.payload, it->leaf.env.payload_len, &it->ev, &p) != 0) {
    aidreg_leaf_free(&it->leaf);
    return;
  }
  it->parsed = true;
  aidreg_problem sp = {0};
  it->sig_ok = aidreg_envelope_verify(&it->leaf.env, &sp) == 0;
}

void ar_prepared_clear(ar_prepared *it) {
  if (!it->parsed && !it->stale) return;
  aidreg_event_free(&it->ev);
  aidreg_leaf_free(&it->leaf);
  it->parsed = it->stale = false;
}

void ar_prepared_give_back(ar_prepared *it, const aidreg_leaf *leaf, const aidreg_event *ev) {
  it->leaf = *leaf;
  it->ev = *ev;
  it->parsed = false;
  it->stale = true;
}

/* Under the lock: claims up to CLAIM items of the oldest batch with unclaimed ones. */
static ar_prep_batch *claim(ar_prep_pool *p, size_t *from, size_t *to) {
  while (p->head && p->head->next >= p->head->n) p->head = p->head->link; /* fully claimed: off the queue */
  if (!p->head) {
    p->tail = NULL;
    return NULL;
  }
  ar_prep_batch *b = p->head;
  *from = b->next;
  *to = b->next + CLAIM < b->n ? b->next + CLAIM : b->n;
  b->next = *to;
  return b;
}

/* Under the lock on entry and exit: runs one claim. 0 when there was nothing to claim. */
static int run_one(ar_prep_pool *p) {
  size_t from, to;
  ar_prep_batch *b = claim(p, &from, &to);
  if (!b) return 0;
  pthread_mutex_unlock(&p->mu);
  for (size_t i = from; i < to; i++) prepare(&b->items[i]);
  pthread_mutex_lock(&p->mu);
  b->done += to - from;
  pthread_cond_broadcast(&p->done);
  return 1;
}

static void *worker(void *arg) {
  ar_prep_pool *p = arg;
  pthread_mutex_lock(&p->mu);
  while (!p->stop) {
    if (!run_one(p)) pthread_cond_wait(&p->work, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static unsigned default_threads(void) {
  const char *env = getenv("AIDREG_VERIFY_THREADS");
  if (env && *env) {
    long n = strtol(env, NULL, 10);
    if (n >= 1) return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

ar_prep_pool *ar_prep_pool_new(unsigned threads) {
  ar_prep_pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->work, NULL);
  pthread_cond_init(&p->done, NULL);
  unsigned want = threads ? threads : default_threads();
  if (want > MAX_THREADS) want = MAX_THREADS;
  /* With one thread wanted, the caller is that thread (ar_prep_wait works the queue). */
  for (unsigned i = 0; want > 1 && i < want; i++) {
    if (pthread_create(&p->threads[i], NULL, worker, p) != 0) break;
    p->nthreads++;
  }
  return p;
}

unsigned ar_prep_pool_threads(const ar_prep_pool *p) { return p->nthreads ? p->nthreads : 1; }

void ar_prep_submit(ar_prep_pool *p, ar_prep_batch *b) {
  b->next = b->done = 0;
  b->link = NULL;
  /* What an item still holds is freed when it is prepared again. */
  for (size_t i = 0; i < b->n; i++) {
    b->items[i].stale = b->items[i].stale || b->items[i].parsed;
    b->items[i].parsed = false;
  }
  pthread_mutex_lock(&p->mu);
  if (b->n) {
    if (p->tail) p->tail->link = b;
    else p->head = b;
    p->tail = b;
    pthread_cond_broadcast(&p->work);
  }
  pthread_mutex_unlock(&p->mu);
}

void ar_prep_wait(ar_prep_pool *p, ar_prep_batch *b) {
  pthread_mutex_lock(&p->mu);
  while (b->done < b->n) {
    /* Help with this batch only: the caller is the serial stage, and later batches are
     * the threads' to do while it judges this one. */
    if (b->next < b->n) {
      size_t from = b->next, to = from + CLAIM < b->n ? from + CLAIM : b->n;
      b->next = to;
      pthread_mutex_unlock(&p->mu);
      for (size_t i = from; i < to; i++) prepare(&b->items[i]);
      pthread_mutex_lock(&p->mu);
      b->done += to - from;
      continue;
    }
    pthread_cond_wait(&p->done, &p->mu);
  }
  /* Done means fully claimed, but no thread may have dropped it off the queue yet: the
   * caller reuses it after this. */
  ar_prep_batch **l = &p->head, *prev = NULL;
  while (*l && *l != b) prev = *l, l = &(*l)->link;
  if (*l) {
    *l = b->link;
    if (p->tail == b) p->tail = prev;
  }
  pthread_mutex_unlock(&p->mu);
}

void ar_prep_pool_free(ar_prep_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  /* Queued work is the callers' (they wait for their batches before freeing them): let
   * the threads finish what they claimed, then stop. */
  p->stop = true;
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  for (unsigned i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->work);
  pthread_cond_destroy(&p->done);
  free(p);
}
