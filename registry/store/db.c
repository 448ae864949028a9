/* PostgreSQL plumbing for the library (see db.h). */
#include "store/db.h"
#include "core/mono_clock.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static atomic_int next_stmt_id = 1;

/* ---- waiting with a deadline --------------------------------------------------------
 * Without a deadline (the CLI, the tests' tools) libpq's blocking calls are used as they
 * are. With one (the server), every command is sent in nonblocking mode and each wait
 * for the socket is bounded: a database that is slow, or a network that swallows packets
 * without closing, must not hold a server thread (and every submitter behind it) forever. */

static long long mono_ms(void) { return ar_mono_ns() / 1000000; }

/* Until the socket is ready for events, or end: -1 past it. A socket already gone is
 * "ready": libpq finds out and reports it. */
static int wait_socket(db_conn *c, short events, long long end) {
  for (;;) {
    long long left = end - mono_ms();
    if (left <= 0) return -1;
    struct pollfd pfd = {PQsocket(c->pg), events, 0};
    if (pfd.fd < 0) return 0;
    int n = poll(&pfd, 1, (int)left);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return -1;
    return 0;
  }
}

/* Past the deadline: the socket is shut down, so that libpq sees the connection closed
 * and fails what was in flight (whether it ran is unknown: the caller answers 503 and the
 * next batch reads the ledger's state again). Made again on next use (ar_db_ensure). */
static void expire(db_conn *c) {
  if (!c->timed_out) fprintf(stderr, "aidreg: the database did not answer within %u ms; dropping the connection\n",
                             c->deadline_ms);
  c->timed_out = true;
  int fd = PQsocket(c->pg);
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
  (void)PQconsumeInput(c->pg);
}

/* Sends what libpq holds (nonblocking mode). 0, or -1 (lost, or past end). */
static int flush_until(db_conn *c, long long end) {
  for (;;) {
    int f = PQflush(c->pg);
    if (f <= 0) return f;
    if (wait_socket(c, POLLOUT | POLLIN, end)) {
      expire(c);
      return -1;
    }
    if (!PQconsumeInput(c->pg)) return -1;
  }
}

/* The next result of what was sent (PQgetResult), waiting at most the deadline. */
static PGresult *next_result(db_conn *c) {
  if (c->deadline_ms) {
    long long end = mono_ms() + c->deadline_ms;
    if (flush_until(c, end) == 0)
      while (PQisBusy(c->pg)) {
        if (wait_socket(c, POLLIN, end)) {
          expire(c);
          break;
        }
        if (!PQconsumeInput(c->pg)) break;
      }
  }
  return PQgetResult(c->pg);
}

/* Every result of a command sent, as PQexec returns them: the last (or the first COPY
 * state). NULL when nothing could be sent. */
static PGresult *collect(db_conn *c, int sent) {
  if (sent != 1) return NULL;
  PGresult *last = NULL, *r;
  while ((r = next_result(c)) != NULL) {
    PQclear(last);
    last = r;
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH) break;
  }
  return last;
}

static PGresult *exec_sql(db_conn *c, const char *sql) {
  if (!c->deadline_ms) return PQexec(c->pg, sql);
  return collect(c, PQsendQuery(c->pg, sql));
}

static PGresult *exec_prepare(db_conn *c, const char *name, const char *sql, int n) {
  if (!c->deadline_ms) return PQprepare(c->pg, name, sql, n, NULL);
  return collect(c, PQsendPrepare(c->pg, name, sql, n, NULL));
}

static PGresult *exec_prepared(db_conn *c, const char *name, int n, const char *const *params, const int *lengths,
                               const int *formats, int result_format) {
  if (!c->deadline_ms) return PQexecPrepared(c->pg, name, n, params, lengths, formats, result_format);
  return collect(c, PQsendQueryPrepared(c->pg, name, n, params, lengths, formats, result_format));
}

static PGresult *exec_params(db_conn *c, const char *sql, int n, const char *const *params, const int *lengths,
                             const int *formats, int result_format) {
  if (!c->deadline_ms) return PQexecParams(c->pg, sql, n, NULL, params, lengths, formats, result_format);
  return collect(c, PQsendQueryParams(c->pg, sql, n, NULL, params, lengths, formats, result_format));
}

/* PQputCopyData / PQputCopyEnd, which in nonblocking mode answer 0 when libpq's buffer is
 * full: flush and try again, within the deadline. */
static int copy_put(db_conn *c, const char *data, int len, const char *errormsg, bool end_of_data) {
  long long end = mono_ms() + c->deadline_ms;
  for (;;) {
    int r = end_of_data ? PQputCopyEnd(c->pg, errormsg) : PQputCopyData(c->pg, data, len);
    if (r != 0 || !c->deadline_ms) return r;
    if (flush_until(c, end)) return -1;
  }
}

bool ar_db_lost(const db_conn *c) { return c->timed_out || PQstatus(c->pg) == CONNECTION_BAD; }

const char *ar_db_error(const db_conn *c) { return PQerrorMessage(c->pg); }

static void on_notice(void *arg, const char *msg) {
  (void)arg;
  (void)msg; /* NOTICEs from migrations are not worth a log line */
}

/* The session every connection gets: durability is not negotiable for a ledger,
 * whatever the server default says; a statement runs at most c->statement_timeout_ms. */
static int configure(db_conn *c) {
  char sql[160];
  if (c->deadline_ms && PQsetnonblocking(c->pg, 1)) return -1;
  snprintf(sql, sizeof sql, "SET synchronous_commit = on; SET statement_timeout = %u; SET TIME ZONE 'UTC'",
           c->statement_timeout_ms);
  PGresult *r = exec_sql(c, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (ok && c->session_sql) {
    r = exec_sql(c, c->session_sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  return ok ? 0 : -1;
}

int ar_db_set_session(db_conn *c, const char *sql) {
  c->session_sql = sql;
  PGresult *r = exec_sql(c, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  return ok ? 0 : -1;
}

db_conn *ar_db_connect(const char *url, char *err, size_t cap) { return ar_db_connect_deadline(url, 0, err, cap); }

db_conn *ar_db_connect_deadline(const char *url, unsigned deadline_ms, char *err, size_t cap) {
  db_conn *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  snprintf(c->url, sizeof c->url, "%s", url);
  c->statement_timeout_ms = deadline_ms && deadline_ms < DB_STATEMENT_TIMEOUT_MS ? deadline_ms : DB_STATEMENT_TIMEOUT_MS;
  c->deadline_ms = deadline_ms;
  /* A default connect_timeout, so that an unreachable server is an error within seconds
   * rather than a thread blocked for minutes; one in the URL wins (it comes later). */
  char connect_s[16], user_ms[16];
  unsigned connect_secs = (deadline_ms + 999) / 1000;
  snprintf(connect_s, sizeof connect_s, "%u", connect_secs < 2 ? 2 : connect_secs);
  snprintf(user_ms, sizeof user_ms, "%u", deadline_ms);
  const char *const keys[] = {"connect_timeout", "tcp_user_timeout", "dbname", NULL};
  const char *const vals[] = {deadline_ms ? connect_s : DB_CONNECT_TIMEOUT_S, user_ms, url, NULL};
  c->pg = PQconnectdbParams(keys, vals, 1);
  if (PQstatus(c->pg) != CONNECTION_OK) {
    snprintf(err, cap, "cannot connect to PostgreSQL: %s", PQerrorMessage(c->pg));
    ar_db_close(c);
    return NULL;
  }
  PQsetNoticeProcessor(c->pg, on_notice, NULL);
  if (configure(c)) {
    snprintf(err, cap, "cannot configure session: %s", PQerrorMessage(c->pg));
    ar_db_close(c);
    return NULL;
  }
  return c;
}

int ar_db_set_statement_timeout(db_conn *c, unsigned ms) {
  c->statement_timeout_ms = ms;
  return configure(c);
}

void ar_db_close(db_conn *c) {
  if (!c) return;
  if (c->pg) PQfinish(c->pg);
  free(c);
}

int ar_db_ensure(db_conn *c) {
  if (PQstatus(c->pg) == CONNECTION_OK && !c->timed_out) return 0;
  PQreset(c->pg);
  memset(c->prepared, 0, sizeof c->prepared);
  if (PQstatus(c->pg) != CONNECTION_OK) return -1;
  c->timed_out = false;
  return configure(c);
}

static void set_state(PGresult *r, char sqlstate[6]) {
  if (!sqlstate) return;
  const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  snprintf(sqlstate, 6, "%s", s ? s : "");
}

/* Prepares st on c if it is not yet (its name into name). 0, or -1 with sqlstate set. */
static int ensure_prepared(db_conn *c, db_stmt *st, int n, char name[16], char sqlstate[6]) {
  int id = __atomic_load_n(&st->id, __ATOMIC_ACQUIRE);
  if (id == 0) {
    /* First use anywhere: claim an id; if another thread won the race, take theirs. */
    int fresh = atomic_fetch_add(&next_stmt_id, 1), expected = 0;
    id = __atomic_compare_exchange_n(&st->id, &expected, fresh, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
             ? fresh
             : expected;
  }
  if (id <= 0 || id >= DB_MAX_STMTS) {
    fprintf(stderr, "aidreg: too many prepared statements\n");
    return -1;
  }
  snprintf(name, 16, "s%d", id);
  if (c->prepared[id]) return 0;
  PGresult *r = exec_prepare(c, name, st->sql, n);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    set_state(r, sqlstate);
    fprintf(stderr, "aidreg: prepare failed: %s-- %s\n", PQerrorMessage(c->pg), st->sql);
    PQclear(r);
    return -1;
  }
  PQclear(r);
  c->prepared[id] = true;
  return 0;
}

/* A failed result: log it unless it is an expected answer (a unique violation, which the
 * caller decides about), set sqlstate, free it. */
static void failed(db_conn *c, PGresult *r, const char *sql, char sqlstate[6]) {
  set_state(r, sqlstate);
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  /* statement_timeout: PostgreSQL's side of the same deadline (the caller answers 503). */
  if (state && strcmp(state, "57014") == 0) c->timed_out = true;
  if (!state || strcmp(state, "23505") != 0)
    fprintf(stderr, "aidreg: query failed: %s-- %.200s\n", PQerrorMessage(c->pg), sql);
  PQclear(r);
}

/* Whether a failure on c was the connection's loss while no transaction was open (a
 * restart of PostgreSQL, an idle connection cut): then nothing was done, and the
 * statement may be sent again once on a new connection. */
static bool lost_outside_tx(db_conn *c, PGTransactionStatusType before) {
  return before == PQTRANS_IDLE && PQstatus(c->pg) == CONNECTION_BAD;
}

PGresult *ar_db_run(db_conn *c, db_stmt *st, int n, const char *const *params, char sqlstate[6]) {
  return ar_db_run_binary(c, st, n, params, NULL, NULL, 0, sqlstate);
}

static PGresult *run(db_conn *c, db_stmt *st, bool each_time, int n, const char *const *params, const int *lengths,
                     const int *formats, int result_format, char sqlstate[6]) {
  for (int attempt = 0;; attempt++) {
    if (sqlstate) sqlstate[0] = 0;
    PGTransactionStatusType before = PQtransactionStatus(c->pg);
    char name[16];
    PGresult *r = NULL;
    if (each_time || ensure_prepared(c, st, n, name, sqlstate) == 0) {
      r = each_time ? exec_params(c, st->sql, n, params, lengths, formats, result_format)
                    : exec_prepared(c, name, n, params, lengths, formats, result_format);
      ExecStatusType s = PQresultStatus(r);
      if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return r;
      failed(c, r, st->sql, sqlstate);
    }
    /* Not after a deadline: the statement may have run, and a second wait would double it. */
    if (attempt > 0 || c->timed_out || !lost_outside_tx(c, before) || ar_db_ensure(c)) return NULL;
    fprintf(stderr, "aidreg: the database connection was lost; reconnected, retrying once\n");
  }
}

PGresult *ar_db_run_binary(db_conn *c, db_stmt *st, int n, const char *const *params, const int *lengths,
                           const int *formats, int result_format, char sqlstate[6]) {
  return run(c, st, false, n, params, lengths, formats, result_format, sqlstate);
}

PGresult *ar_db_run_planned(db_conn *c, db_stmt *st, int n, const char *const *params, char sqlstate[6]) {
  return run(c, st, true, n, params, NULL, NULL, 0, sqlstate);
}

int ar_db_pipeline_send(db_conn *c, size_t n, const db_call *calls) {
  char names[DB_PIPELINE_MAX][16];
  c->pipeline_sent = 0;
  if (n > DB_PIPELINE_MAX || n == 0) return -1;
  for (size_t i = 0; i < n; i++)
    if (calls[i].st && ensure_prepared(c, calls[i].st, calls[i].n, names[i], NULL)) return -1;
  if (PQenterPipelineMode(c->pg) != 1) return -1;
  size_t sent = 0;
  for (; sent < n; sent++) {
    const db_call *k = &calls[sent];
    int ok = k->st ? PQsendQueryPrepared(c->pg, names[sent], k->n, k->params, NULL, NULL, 0)
                   : PQsendQueryParams(c->pg, k->sql, 0, NULL, NULL, NULL, NULL, 0);
    if (ok != 1) break;
  }
  bool synced = sent > 0 && PQpipelineSync(c->pg) == 1;
  /* In nonblocking mode libpq may still hold part of it: the server must have all of it
   * now, or an overlapped caller would wait for a commit that was never sent. */
  if (synced && c->deadline_ms && flush_until(c, mono_ms() + c->deadline_ms)) synced = false;
  if (sent < n || !synced) fprintf(stderr, "aidreg: pipeline send failed: %s", PQerrorMessage(c->pg));
  if (!synced) sent = 0; /* nothing to read back: the connection is reset on next use */
  c->pipeline_sent = sent;
  return sent == n ? 0 : -1;
}

int ar_db_pipeline_recv(db_conn *c, size_t n, const db_call *calls, PGresult **out, bool keep) {
  size_t sent = c->pipeline_sent;
  c->pipeline_sent = 0;
  int rc = sent == n ? 0 : -1;
  for (size_t i = 0; i < n; i++)
    if (out) out[i] = NULL;
  /* One result (then NULL) per statement sent, then the sync point. */
  for (size_t i = 0; i < sent; i++) {
    PGresult *r = next_result(c);
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
      if (out) out[i] = r;
      else PQclear(r);
    } else {
      if (s != PGRES_PIPELINE_ABORTED) failed(c, r, calls[i].st ? calls[i].st->sql : calls[i].sql, NULL);
      else PQclear(r);
      rc = -1;
    }
    while ((r = next_result(c)) != NULL) PQclear(r);
  }
  if (sent > 0) {
    PGresult *r;
    while ((r = next_result(c)) != NULL) {
      bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (sync) break;
    }
  }
  if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF && PQexitPipelineMode(c->pg) != 1) {
    fprintf(stderr, "aidreg: cannot leave pipeline mode: %s", PQerrorMessage(c->pg));
    rc = -1;
  }
  if (rc && out && !keep)
    for (size_t i = 0; i < n; i++) {
      PQclear(out[i]);
      out[i] = NULL;
    }
  return rc;
}

int ar_db_socket(const db_conn *c) { return c && c->pg ? PQsocket(c->pg) : -1; }

int ar_db_pipeline(db_conn *c, size_t n, const db_call *calls, PGresult **out) {
  if (n > DB_PIPELINE_MAX) return -1;
  int sent = ar_db_pipeline_send(c, n, calls);
  int got = ar_db_pipeline_recv(c, n, calls, out, false);
  return sent || got ? -1 : 0;
}

size_t ar_db_calls_planned(const db_call *calls, size_t n, db_call *out, size_t cap) {
  /* Planning each execution is what keeps the array statements off whole-table plans that
   * a generic plan made from another batch's sizes can pick (appender.c); for the others it
   * is only cost: a quarter of PostgreSQL's CPU per entry in small group commits
   * (docs/benchmark.md, issue 12 step 2). */
  static const db_call to_generic = {NULL, 0, NULL, "SET LOCAL plan_cache_mode = force_generic_plan", false},
                       to_custom = {NULL, 0, NULL, "SET LOCAL plan_cache_mode = force_custom_plan", false};
  bool generic = false;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    bool g = calls[i].st && calls[i].generic;
    if (calls[i].st && g != generic) {
      if (k == cap) return 0;
      out[k++] = g ? to_generic : to_custom;
      generic = g;
    }
    if (k == cap) return 0;
    out[k++] = calls[i];
  }
  return k;
}

int ar_db_do(db_conn *c, db_stmt *st, int n, const char *const *params) {
  PGresult *r = ar_db_run(c, st, n, params, NULL);
  if (!r) return -1;
  PQclear(r);
  return 0;
}

int ar_db_cmd(db_conn *c, const char *sql) {
  PGTransactionStatusType before = PQtransactionStatus(c->pg);
  PGresult *r = exec_sql(c, sql);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) fprintf(stderr, "aidreg: %s failed: %s", sql, PQerrorMessage(c->pg));
  PQclear(r);
  /* BEGIN (or a SET) on a connection lost while idle: once more on a new one. */
  if (!ok && !c->timed_out && lost_outside_tx(c, before) && ar_db_ensure(c) == 0) {
    r = exec_sql(c, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) fprintf(stderr, "aidreg: %s failed again: %s", sql, PQerrorMessage(c->pg));
    PQclear(r);
  }
  return ok ? 0 : -1;
}

int ar_db_copy(db_conn *c, const char *copy_sql, const char *data, size_t len) {
  PGresult *r = exec_sql(c, copy_sql);
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    fprintf(stderr, "aidreg: %s failed: %s", copy_sql, PQerrorMessage(c->pg));
    PQclear(r);
    return -1;
  }
  PQclear(r);
  int ok = copy_put(c, data, (int)len, NULL, false) == 1;
  if (copy_put(c, NULL, 0, ok ? NULL : "client error", true) != 1) ok = 0;
  while ((r = next_result(c)) != NULL) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      fprintf(stderr, "aidreg: copy failed: %s", PQerrorMessage(c->pg));
      ok = 0;
    }
    PQclear(r);
  }
  return ok ? 0 : -1;
}

static int buf_reserve(db_buf *b, size_t more) {
  if (b->failed) return -1;
  if (b->len + more + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more + 1) cap *= 2;
  char *d = realloc(b->data, cap);
  if (!d) {
    b->failed = true;
    return -1;
  }
  b->data = d;
  b->cap = cap;
  return 0;
}

int ar_db_buf_add(db_buf *b, const char *s, size_t n) {
  if (buf_reserve(b, n)) return -1;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
  return 0;
}

int ar_db_buf_addf(db_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) b->failed = true;
  if (n < 0 || buf_reserve(b, (size_t)n)) return -1;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

/* Both escapers copy the runs between the characters they escape in one piece: documents
 * are kilobytes, and a call per byte was a twentieth of the server's CPU on the append path. */
int ar_db_buf_add_copy_text(db_buf *b, const char *s) {
  for (;;) {
    size_t run = strcspn(s, "\\\t\n\r");
    if (run && ar_db_buf_add(b, s, run)) return -1;
    s += run;
    if (!*s) return 0;
    const char *esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : "\\r";
    if (ar_db_buf_add(b, esc, 2)) return -1;
    s++;
  }
}

int ar_db_buf_add_array_elem(db_buf *b, const char *s) {
  if (ar_db_buf_add(b, "\"", 1)) return -1;
  for (;;) {
    size_t run = strcspn(s, "\"\\");
    if (run && ar_db_buf_add(b, s, run)) return -1;
    s += run;
    if (!*s) break;
    char esc[2] = {'\\', *s++};
    if (ar_db_buf_add(b, esc, 2)) return -1;
  }
  return ar_db_buf_add(b, "\"", 1);
}

bool ar_db_buf_failed(const db_buf *b) { return b->failed; }

void ar_db_buf_free(db_buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

int ar_db_pool_init(db_pool *pool, const char *url, size_t size, unsigned statement_timeout_ms, unsigned wait_ms,
                    char *err, size_t cap) {
  return ar_db_pool_init_deadline(pool, url, size, statement_timeout_ms, wait_ms, 0, err, cap);
}

int ar_db_pool_init_deadline(db_pool *pool, const char *url, size_t size, unsigned statement_timeout_ms,
                             unsigned wait_ms, unsigned deadline_ms, char *err, size_t cap) {
  memset(pool, 0, sizeof *pool);
  snprintf(pool->url, sizeof pool->url, "%s", url);
  pool->free = calloc(size, sizeof *pool->free);
  if (!pool->free) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  pthread_mutex_init(&pool->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&pool->cv, &ca);
  pthread_condattr_destroy(&ca);
  pool->size = size;
  pool->wait_ms = wait_ms ? wait_ms : DB_POOL_WAIT_MS;
  for (size_t i = 0; i < size; i++) {
    db_conn *c = ar_db_connect_deadline(url, deadline_ms, err, cap);
    if (c && statement_timeout_ms && statement_timeout_ms < c->statement_timeout_ms &&
        ar_db_set_statement_timeout(c, statement_timeout_ms)) {
      snprintf(err, cap, "cannot configure session: %s", PQerrorMessage(c->pg));
      ar_db_close(c);
      c = NULL;
    }
    if (!c) {
      ar_db_pool_destroy(pool);
      return -1;
    }
    pool->free[pool->nfree++] = c;
  }
  return 0;
}

db_conn *ar_db_pool_get(db_pool *pool) { return ar_db_pool_get_why(pool, NULL, NULL, 0); }

db_conn *ar_db_pool_get_why(db_pool *pool, int *failure, char *why, size_t cap) {
  if (failure) *failure = DB_POOL_OK;
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += pool->wait_ms / 1000;
  until.tv_nsec += (long)(pool->wait_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
  pthread_mutex_lock(&pool->mu);
  int rc = 0;
  while (pool->nfree == 0 && rc == 0) rc = pthread_cond_timedwait(&pool->cv, &pool->mu, &until);
  if (pool->nfree == 0) {
    /* Every connection busy for wait_ms: the caller answers 503 rather than queue forever. */
    pthread_mutex_unlock(&pool->mu);
    if (failure) *failure = DB_POOL_BUSY;
    return NULL;
  }
  db_conn *c = pool->free[--pool->nfree];
  pthread_mutex_unlock(&pool->mu);
  if (ar_db_ensure(c) != 0) {
    if (failure) *failure = DB_POOL_UNREACHABLE;
    if (why) snprintf(why, cap, "%.*s", (int)strcspn(PQerrorMessage(c->pg), "\n"), PQerrorMessage(c->pg));
    ar_db_pool_put(pool, c);
    return NULL;
  }
  return c;
}

void ar_db_pool_put(db_pool *pool, db_conn *c) {
  pthread_mutex_lock(&pool->mu);
  pool->free[pool->nfree++] = c;
  pthread_cond_signal(&pool->cv);
  pthread_mutex_unlock(&pool->mu);
}

void ar_db_pool_put_read(db_pool *pool, db_conn *c, aidreg_problem *p) {
  if (p && p->code == AIDREG_E_INTERNAL && ar_db_lost(c))
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL,
                       c->timed_out ? "数据库响应超时 / the database did not answer in time; retry"
                                    : "数据库连接中断 / the database connection was lost; retry");
  ar_db_pool_put(pool, c);
}

void ar_db_pool_destroy(db_pool *pool) {
  if (!pool->free) return;
  for (size_t i = 0; i < pool->nfree; i++) ar_db_close(pool->free[i]);
  free(pool->free);
  pool->free = NULL;
  pthread_mutex_destroy(&pool->mu);
  pthread_cond_destroy(&pool->cv);
}

int ar_db_u64(const char *s, unsigned long long *out) {
  if (!s || !isdigit((unsigned char)*s)) return -1;
  char *end;
  *out = strtoull(s, &end, 10);
  return *end ? -1 : 0;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int ar_db_bytea(const char *s, unsigned char *out, size_t n) {
  if (!s || s[0] != '\\' || s[1] != 'x' || strlen(s) != 2 + 2 * n) return -1;
  for (size_t i = 0; i < n; i++) {
    int hi = hexval(s[2 + 2 * i]), lo = hexval(s[3 + 2 * i]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return 0;
}
