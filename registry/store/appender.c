/* One appender thread per ledger per process: it takes everything pending, sequences
 * it in one transaction (ar_append_batch) and wakes the waiting submitters. Concurrent
 * submissions thus share one commit and one checkpoint. */
#include "store/appender.h"
#include "store/domain_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define APPENDER_CACHED_DOCS 16384

struct appender {
  append_ledger lg;
  size_t max_batch;
  db_conn *conn;
  pthread_mutex_t mu;
  pthread_cond_t work;
  append_item **queue;
  size_t qlen, qcap;
  bool stop;
  pthread_t thread;
  append_item **batch;       /* max_batch slots: the batch in hand */
  append_waiter **finished;  /* max_batch slots: async waiters to call back */
};

static void *run(void *arg) {
  appender *a = arg;
  append_item **batch = a->batch;
  append_waiter **finished = a->finished;
  pthread_mutex_lock(&a->mu);
  for (;;) {
    while (a->qlen == 0 && !a->stop) pthread_cond_wait(&a->work, &a->mu);
    if (a->qlen == 0 && a->stop) break;
    size_t n = a->qlen < a->max_batch ? a->qlen : a->max_batch;
    memcpy(batch, a->queue, n * sizeof *batch);
    memmove(a->queue, a->queue + n, (a->qlen - n) * sizeof *a->queue);
    a->qlen -= n;
    pthread_mutex_unlock(&a->mu);
    ar_append_batch(a->conn, &a->lg, batch, n, false, NULL, NULL);
    pthread_mutex_lock(&a->mu);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
      append_waiter *w = batch[i]->waiter;
      if (--w->pending > 0) continue;
      if (w->on_done) finished[nf++] = w;
      else pthread_cond_signal(&w->cv);
    }
    /* Callbacks may free their items and wake other threads: not under our lock. */
    if (nf) {
      pthread_mutex_unlock(&a->mu);
      for (size_t i = 0; i < nf; i++) finished[i]->on_done(finished[i]->arg);
      pthread_mutex_lock(&a->mu);
    }
  }
  pthread_mutex_unlock(&a->mu);
  return NULL;
}

appender *ar_appender_start(const append_ledger *lg, const char *url, size_t max_batch, char *err, size_t cap) {
  appender *a = calloc(1, sizeof *a);
  if (!a) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  a->lg = *lg;
  /* Documents kept between batches: ~2 KB each, so a few tens of MB at most. */
  a->lg.cache = ar_domain_cache_new(APPENDER_CACHED_DOCS);
  a->max_batch = max_batch ? max_batch : 1000;
  a->batch = malloc(a->max_batch * sizeof *a->batch);
  a->finished = malloc(a->max_batch * sizeof *a->finished);
  if (!a->batch || !a->finished || !(a->conn = ar_db_connect_deadline(url, lg->db_timeout_ms, err, cap))) {
    if (!a->conn && (!a->batch || !a->finished)) snprintf(err, cap, "out of memory");
    free(a->batch);
    free(a->finished);
    ar_domain_cache_free(a->lg.cache);
    free(a);
    return NULL;
  }
  /* The appender's statements take arrays whose sizes vary per batch; a generic plan
   * made before the ledger grew can turn an index probe into a full scan (seen in the
   * benchmark). Planning each execution costs far less than one such scan. */
  if (ar_db_cmd(a->conn, "SET plan_cache_mode = force_custom_plan")) {
    snprintf(err, cap, "cannot configure the appender's session");
    ar_db_close(a->conn);
    free(a->batch);
    free(a->finished);
    ar_domain_cache_free(a->lg.cache);
    free(a);
    return NULL;
  }
  pthread_mutex_init(&a->mu, NULL);
  pthread_cond_init(&a->work, NULL);
  if (pthread_create(&a->thread, NULL, run, a) != 0) {
    snprintf(err, cap, "cannot start appender thread");
    ar_db_close(a->conn);
    free(a->batch);
    free(a->finished);
    ar_domain_cache_free(a->lg.cache);
    free(a);
    return NULL;
  }
  return a;
}

/* Queues items for w; the caller holds a->mu. -1 if stopping or out of memory. */
static int enqueue_locked(appender *a, append_item **items, size_t n, append_waiter *w) {
  if (a->stop) return -1;
  if (a->qlen + n > a->qcap) {
    size_t cap = a->qcap ? a->qcap : 256;
    while (cap < a->qlen + n) cap *= 2;
    append_item **q = realloc(a->queue, cap * sizeof *q);
    if (!q) return -1;
    a->queue = q;
    a->qcap = cap;
  }
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  w->pending = n;
  for (size_t i = 0; i < n; i++) {
    items[i]->enqueued_ns = now;
    items[i]->waiter = w;
    a->queue[a->qlen++] = items[i];
  }
  pthread_cond_signal(&a->work);
  return 0;
}

int ar_appender_enqueue(appender *a, append_item **items, size_t n, append_waiter *w) {
  pthread_mutex_lock(&a->mu);
  int rc = enqueue_locked(a, items, n, w);
  pthread_mutex_unlock(&a->mu);
  return rc;
}

int ar_appender_submit(appender *a, append_item **items, size_t n) {
  append_waiter w = {0};
  pthread_cond_init(&w.cv, NULL);
  pthread_mutex_lock(&a->mu);
  int rc = enqueue_locked(a, items, n, &w);
  while (rc == 0 && w.pending > 0) pthread_cond_wait(&w.cv, &a->mu);
  pthread_mutex_unlock(&a->mu);
  pthread_cond_destroy(&w.cv);
  return rc;
}

void ar_appender_stop(appender *a) {
  if (!a) return;
  pthread_mutex_lock(&a->mu);
  a->stop = true;
  pthread_cond_signal(&a->work);
  pthread_mutex_unlock(&a->mu);
  pthread_join(a->thread, NULL);
  ar_db_close(a->conn);
  pthread_mutex_destroy(&a->mu);
  pthread_cond_destroy(&a->work);
  free(a->queue);
  free(a->batch);
  free(a->finished);
  ar_domain_cache_free(a->lg.cache);
  free(a);
}

const append_ledger *ar_appender_ledger(const appender *a) { return &a->lg; }
