/* One appender thread per ledger per process: it takes everything pending, sequences
 * it in one transaction and wakes the waiting submitters. Concurrent submissions thus
 * share one commit and one checkpoint. The cycle is overlapped (append.c): while batch n
 * commits on one connection, batch n+1 is judged on another, on top of n; n+1 is sent
 * only once n has committed, and fails (503) when n did not. Batch n+1 is taken as late as
 * its judging can still end by n's expected answer (hold_for_group), so that it takes in
 * the requests of the clients n-1's answers released; n's waiters are woken once n+1 is
 * sent. */
#include "store/appender.h"
#include "core/mono_clock.h"
#include "store/domain_db.h"
#include "store/planner_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define APPENDER_CACHED_DOCS 16384

struct appender {
  append_ledger lg;
  size_t max_batch;
  db_conn *conn;  /* BEGIN, lock, writes, COMMIT */
  db_conn *judge; /* the reads of the batch being judged while the one before commits */
  int wake[2];    /* a pipe: work queued while the thread polls for a commit's answer */
  bool polling;
  bool holding;   /* in hold_for_group: only a full batch or a stop writes to the pipe */
  bool hold;      /* AIDREG_APPENDER_HOLD=0 turns hold_for_group off, to measure against */
  int64_t commit_ns, judge_ns; /* estimates: a send to its answer; a batch's judging */
  bool serial;    /* AIDREG_APPENDER_SERIAL=1: the plain cycle, to measure against */
  pthread_mutex_t mu;
  pthread_cond_t work;
  append_item **queue;
  size_t qlen, qcap;
  bool stop;
  pthread_t thread;
  append_item **batch[2];    /* max_batch slots each: the batch committing, the one judged */
  append_waiter **finished;  /* max_batch slots: async waiters to call back */
  planner_stats *stats;      /* ANALYZE as the ledger grows, or NULL */
};

/* Done items: each waiter whose last item this was is woken, or called back (outside
 * the lock: callbacks may free their items and wake other threads). */
static void wake_done(appender *a, append_item **items, size_t n) {
  append_waiter **finished = a->finished;
  size_t nf = 0;
  uint64_t size = 0; /* the ledger's size after these items, read before their owners wake */
  for (size_t i = 0; i < n; i++)
    if (items[i]->res->status == 201 && items[i]->res->receipt.tree_size > size) size = items[i]->res->receipt.tree_size;
  pthread_mutex_lock(&a->mu);
  for (size_t i = 0; i < n; i++) {
    append_waiter *w = items[i]->waiter;
    if (--w->pending > 0) continue;
    if (w->on_done) finished[nf++] = w;
    else pthread_cond_signal(&w->cv);
  }
  pthread_mutex_unlock(&a->mu);
  for (size_t i = 0; i < nf; i++) finished[i]->on_done(finished[i]->arg);
  if (size) ar_planner_stats_grown(a->stats, size);
}

/* One sleep of the two waits below, a->mu released: until the wake pipe is written (*flag,
 * set meanwhile, tells enqueue to write it), the commit's answer arrives, or `left_ns`
 * passes (< 0: no limit). Returns poll's result (< 0 an error, never EINTR); *answered
 * when the answer is in. */
static int poll_wake_or_answer(appender *a, bool *flag, int64_t left_ns, bool *answered) {
  *flag = true;
  pthread_mutex_unlock(&a->mu);
  struct pollfd p[2] = {{a->wake[0], POLLIN, 0}, {ar_db_socket(a->conn), POLLIN, 0}};
  struct timespec ts = {(time_t)(left_ns / 1000000000), (long)(left_ns % 1000000000)};
  int ready = ppoll(p, p[1].fd >= 0 ? 2 : 1, left_ns < 0 ? NULL : &ts, NULL);
  if (ready < 0 && errno == EINTR) ready = 0; /* a signal: as if the time had passed */
  else if (ready < 0) perror("aidreg: appender poll");
  char drain[64];
  while (read(a->wake[0], drain, sizeof drain) > 0) continue;
  pthread_mutex_lock(&a->mu);
  *flag = false;
  *answered = ready > 0 && p[1].fd >= 0 && p[1].revents;
  return ready;
}

/* Nothing queued while a commit is in flight: sleeps until work is queued, the commit's
 * answer arrives, or the database's deadline passes (the answer's own wait is in
 * ar_append_finish), so that work queued meanwhile is judged during the commit instead of
 * after it. True when the answer is in. */
static bool wait_work_or_answer(appender *a) {
  int64_t t0 = ar_mono_ns(), limit = (int64_t)a->lg.db_timeout_ms * 1000000;
  while (a->qlen == 0 && !a->stop) {
    int64_t left = -1;
    if (limit) {
      left = limit - (ar_mono_ns() - t0);
      if (left <= 0) return false;
    }
    bool answered;
    int ready = poll_wake_or_answer(a, &a->polling, left, &answered);
    if (ready < 0 || answered || ar_db_socket(a->conn) < 0) return answered;
  }
  return false;
}

/* Work is queued while a commit is in flight. The batch judged now cannot be sent before
 * that commit's answer anyway, so judging it at once only shuts out the requests that
 * arrive meanwhile (mostly those of the clients the last commit answered): they would wait
 * a whole cycle more, and with 64 connections a third of them sat in the queue. Waits
 * (a->mu released) until a judging started then would end as the answer is expected, a
 * full batch is queued, the answer arrives (never later, so a wrong estimate costs at most
 * one judging after the answer), or a stop. True when the answer is in. */
static bool hold_for_group(appender *a, int64_t sent_ns) {
  int64_t until = sent_ns + a->commit_ns - a->judge_ns - a->judge_ns / 4;
  bool answered = false;
  while (!a->stop && a->qlen < a->max_batch) {
    int64_t left = until - ar_mono_ns();
    if (left <= 0) break;
    int ready = poll_wake_or_answer(a, &a->holding, left, &answered);
    if (ready < 0 || answered) break;
  }
  return answered;
}

/* Moving averages (1/8 of each new sample), in nanoseconds. */
static void average(int64_t *avg, int64_t sample) { *avg = *avg ? *avg + (sample - *avg) / 8 : sample; }

static void *run(void *arg) {
  appender *a = arg;
  append_batch *inflight = NULL; /* sent, not yet answered */
  size_t inflight_n = 0, slot = 0;
  bool answer_due = false; /* something of inflight went out: its answer will come */
  int64_t sent_ns = 0;      /* when inflight went out */
  pthread_mutex_lock(&a->mu);
  for (;;) {
    if (!inflight) {
      while (a->qlen == 0 && !a->stop) pthread_cond_wait(&a->work, &a->mu);
      if (a->qlen == 0 && a->stop) break;
    } else if (answer_due && !a->stop) {
      bool answered = false;
      if (a->qlen == 0) answered = wait_work_or_answer(a);
      if (!answered && a->hold && a->commit_ns && a->qlen) (void)hold_for_group(a, sent_ns);
    }
    append_item **items = a->batch[slot];
    size_t n = a->qlen < a->max_batch ? a->qlen : a->max_batch;
    memcpy(items, a->queue, n * sizeof *items);
    memmove(a->queue, a->queue + n, (a->qlen - n) * sizeof *a->queue);
    a->qlen -= n;
    pthread_mutex_unlock(&a->mu);

    append_batch *cur = NULL;
    bool serial = a->serial && n;
    if (n && inflight && !ar_append_stackable(inflight)) {
      /* Its documents are not in the cache: judge the next batch after it. */
      (void)ar_append_finish(a->conn, inflight);
      wake_done(a, a->batch[slot ^ 1], inflight_n);
      ar_append_batch_free(inflight);
      inflight = NULL;
    }
    int64_t t0 = ar_mono_ns();
    if (n && !serial && !(cur = ar_append_prepare(a->judge, &a->lg, items, n, inflight))) serial = true;
    int64_t t1 = ar_mono_ns();
    if (cur) average(&a->judge_ns, t1 - t0);
    append_batch *committed = NULL; /* answered once cur is sent */
    if (inflight) {
      int f = ar_append_finish(a->conn, inflight);
      /* The answer's time is known only when finish waited for it; when it was in already,
       * the estimate was too long: shorten it. */
      int64_t t2 = ar_mono_ns();
      if (answer_due && f == APPEND_COMMITTED) {
        if (t2 - t1 > 50000) average(&a->commit_ns, t2 - sent_ns < 1000000000 ? t2 - sent_ns : 1000000000);
        else a->commit_ns -= a->commit_ns / 16;
      }
      if (cur && f == APPEND_COMMITTED) {
        committed = inflight;
        inflight = NULL;
      } else {
        wake_done(a, a->batch[slot ^ 1], inflight_n);
        ar_append_batch_free(inflight);
        inflight = NULL;
      }
      if (cur && f != APPEND_COMMITTED) {
        /* Judged on top of a batch that did not commit (or was judged again). */
        ar_append_discard(a->conn, cur, f == APPEND_REDONE);
        ar_append_batch_free(cur);
        cur = NULL;
        wake_done(a, items, n);
      }
    }
    if (serial) { /* asked for, or out of memory for the overlapped path: the plain cycle */
      ar_append_batch(a->conn, &a->lg, items, n, false, NULL, NULL);
      wake_done(a, items, n);
    }
    if (cur) {
      sent_ns = ar_mono_ns();
      answer_due = ar_append_send(a->conn, cur) == 0;
      if (committed) {
        /* Its waiters are woken (their jobs settled and freed, their connections resumed)
         * while cur commits, not between the two commits: the log's order and "no receipt
         * before COMMIT" are those of ar_append_finish above. */
        wake_done(a, a->batch[slot ^ 1], inflight_n);
        ar_append_batch_free(committed);
      }
      inflight = cur;
      inflight_n = n;
      slot ^= 1;
    }
    pthread_mutex_lock(&a->mu);
  }
  pthread_mutex_unlock(&a->mu);
  return NULL;
}

/* Frees what ar_appender_start made (any part may be missing). */
static void release(appender *a) {
  ar_db_close(a->conn);
  ar_db_close(a->judge);
  for (int i = 0; i < 2; i++) {
    if (a->wake[i] >= 0) close(a->wake[i]);
    free(a->batch[i]);
  }
  free(a->queue);
  free(a->finished);
  ar_domain_cache_free(a->lg.cache);
  ar_planner_stats_free(a->stats);
  free(a);
}

/* A connection of the appender. The appender's statements take arrays whose sizes vary
 * per batch; a generic plan made before the ledger grew can turn an index probe into a
 * full scan (seen in the benchmark). Planning each execution costs far less than one
 * such scan. Set again after a reconnect (ar_db_set_session). */
#define APPENDER_SESSION "SET plan_cache_mode = force_custom_plan"
static db_conn *connect_one(const char *url, unsigned timeout_ms, char *err, size_t cap) {
  db_conn *c = ar_db_connect_deadline(url, timeout_ms, err, cap);
  if (c && ar_db_set_session(c, APPENDER_SESSION)) {
    snprintf(err, cap, "cannot configure the appender's session");
    ar_db_close(c);
    return NULL;
  }
  return c;
}

appender *ar_appender_start(const append_ledger *lg, const char *url, size_t max_batch, char *err, size_t cap) {
  appender *a = calloc(1, sizeof *a);
  if (!a) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  a->wake[0] = a->wake[1] = -1;
  const char *serial = getenv("AIDREG_APPENDER_SERIAL");
  a->serial = serial && strcmp(serial, "1") == 0;
  const char *hold = getenv("AIDREG_APPENDER_HOLD");
  a->hold = !hold || strcmp(hold, "0") != 0;
  a->lg = *lg;
  /* Documents kept between batches: ~2 KB each, so a few tens of MB at most. */
  a->lg.cache = ar_domain_cache_new(APPENDER_CACHED_DOCS);
  a->stats = ar_planner_stats_new(url);
  a->max_batch = max_batch ? max_batch : 1000;
  a->batch[0] = malloc(a->max_batch * sizeof *a->batch[0]);
  a->batch[1] = malloc(a->max_batch * sizeof *a->batch[1]);
  a->finished = malloc(a->max_batch * sizeof *a->finished);
  if (!a->batch[0] || !a->batch[1] || !a->finished) {
    snprintf(err, cap, "out of memory");
    release(a);
    return NULL;
  }
  if (pipe2(a->wake, O_NONBLOCK | O_CLOEXEC)) {
    snprintf(err, cap, "cannot make the appender's pipe: %s", strerror(errno));
    a->wake[0] = a->wake[1] = -1;
    release(a);
    return NULL;
  }
  if (!(a->conn = connect_one(url, lg->db_timeout_ms, err, cap)) ||
      !(a->judge = connect_one(url, lg->db_timeout_ms, err, cap))) {
    release(a);
    return NULL;
  }
  pthread_mutex_init(&a->mu, NULL);
  pthread_cond_init(&a->work, NULL);
  if (pthread_create(&a->thread, NULL, run, a) != 0) {
    snprintf(err, cap, "cannot start appender thread");
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->work);
    release(a);
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
  int64_t now = ar_mono_ns();
  w->pending = n;
  for (size_t i = 0; i < n; i++) {
    items[i]->enqueued_ns = now;
    items[i]->waiter = w;
    a->queue[a->qlen++] = items[i];
  }
  pthread_cond_signal(&a->work);
  if (a->polling || (a->holding && a->qlen >= a->max_batch)) {
    a->polling = a->holding = false;
    if (write(a->wake[1], "w", 1) < 0 && errno != EAGAIN) perror("aidreg: appender wake");
  }
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
  if ((a->polling || a->holding) && write(a->wake[1], "s", 1) < 0 && errno != EAGAIN) perror("aidreg: appender wake");
  pthread_mutex_unlock(&a->mu);
  pthread_join(a->thread, NULL);
  pthread_mutex_destroy(&a->mu);
  pthread_cond_destroy(&a->work);
  release(a);
}

const append_ledger *ar_appender_ledger(const appender *a) { return &a->lg; }
