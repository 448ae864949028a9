#ifndef AIDREG_DB_H
#define AIDREG_DB_H
/* Private to the library: PostgreSQL connections, prepared statements and a pool.
 * Every statement is a static db_stmt prepared lazily on each connection the first time
 * it runs there (and again after a reconnect); parameters are always bound, never
 * formatted into SQL. */
#include <libpq-fe.h>

#include "aidreg/problem.h"
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define DB_MAX_STMTS 128

typedef struct {
  const char *sql;
  int id; /* assigned on first use; 0 = not yet */
} db_stmt;

typedef struct {
  PGconn *pg;
  char url[1024];
  bool prepared[DB_MAX_STMTS];
  unsigned statement_timeout_ms; /* set again after a reconnect */
  unsigned deadline_ms;          /* longest wait for any one answer; 0 = as long as it takes */
  bool timed_out;                /* a wait ran past deadline_ms since the last reconnect */
  size_t pipeline_sent;          /* calls sent by ar_db_pipeline_send, not yet received */
  const char *session_sql;       /* ar_db_set_session's settings (static), or NULL */
} db_conn;

#define DB_CONNECT_TIMEOUT_S "5"       /* unless the URL names connect_timeout */
#define DB_STATEMENT_TIMEOUT_MS 60000u /* writes, migrations, verification */
#define DB_READ_TIMEOUT_MS 10000u      /* the read pool's statements (registry default) */
#define DB_POOL_WAIT_MS 5000u          /* longest wait for a free read connection */

/* Connects (synchronous_commit, statement_timeout DB_STATEMENT_TIMEOUT_MS, and a
 * connect_timeout of DB_CONNECT_TIMEOUT_S unless the URL says otherwise). NULL with err
 * on failure. */
db_conn *ar_db_connect(const char *url, char *err, size_t cap);
/* The same for the server: no wait for PostgreSQL (a result, a write, a connection) lasts
 * longer than deadline_ms (0: as ar_db_connect). A slow, blackholed or silent database
 * then fails the call within the deadline instead of holding the thread forever: the
 * connection is shut down (ar_db_timed_out says so) and made again on next use. Its
 * statement_timeout is deadline_ms too (PostgreSQL's own, cleaner, stop of a slow
 * statement), connect_timeout the deadline in whole seconds (at least 2, libpq's least)
 * and tcp_user_timeout the deadline (unacknowledged data on a dead network). */
db_conn *ar_db_connect_deadline(const char *url, unsigned deadline_ms, char *err, size_t cap);
/* Whether c is unusable now because its server was lost or a wait ran past its deadline:
 * a query that failed so says nothing about the data (503 and retry, never 500). */
bool ar_db_lost(const db_conn *c);
/* Why c could not (re)connect, or its last error: libpq's message, first line. */
const char *ar_db_error(const db_conn *c);
/* This connection's statement_timeout from now on (kept across reconnects). 0 or -1. */
int ar_db_set_statement_timeout(db_conn *c, unsigned ms);
/* Runs sql (SET statements, a static string) now and again after every reconnect. 0 or -1. */
int ar_db_set_session(db_conn *c, const char *sql);
void ar_db_close(db_conn *c);
/* Reconnects when the connection is bad. Returns 0 when usable. */
int ar_db_ensure(db_conn *c);

/* Runs a prepared statement with text parameters (NULL = SQL NULL). Returns the result
 * (caller PQclear's) when its status is COMMAND_OK or TUPLES_OK, else NULL, with the
 * error logged and *sqlstate (if given) set to the SQLSTATE ("" when unknown). */
PGresult *ar_db_run(db_conn *c, db_stmt *st, int n, const char *const *params, char sqlstate[6]);
/* ar_db_run, the statement planned for these parameters on every run (not prepared): for a
 * query whose filters are "$n IS NULL OR ...", whose generic plan, which PostgreSQL takes
 * for a prepared statement after five runs, reads the whole county (docs/benchmark.md
 * "Desk reads"). st->id is not used. */
PGresult *ar_db_run_planned(db_conn *c, db_stmt *st, int n, const char *const *params, char sqlstate[6]);
/* ar_db_run with binary parameters (formats[i] 1: params[i] is lengths[i] raw bytes) and
 * results (result_format 1): files, without doubling them into hex text. */
PGresult *ar_db_run_binary(db_conn *c, db_stmt *st, int n, const char *const *params, const int *lengths,
                           const int *formats, int result_format, char sqlstate[6]);
/* Like ar_db_run for statements that return nothing: 0 or -1. */
int ar_db_do(db_conn *c, db_stmt *st, int n, const char *const *params);
/* One statement of a pipeline: a prepared statement with text parameters, or (st NULL)
 * a plain command such as BEGIN or COMMIT. */
typedef struct {
  db_stmt *st;
  int n;
  const char *const *params;
  const char *sql;
  /* The statement's plan does not depend on its parameters (a primary-key probe, an INSERT
   * of unnested parameter arrays): in calls ordered by ar_db_calls_planned it is planned once
   * per connection and the plan kept, instead of for each execution. */
  bool generic;
} db_call;

#define DB_PIPELINE_MAX 24 /* the overlapped commit's longest: append.c checks it at compile time */

/* Sends every call and reads every answer in one round trip (libpq pipeline mode).
 * out (NULL, or n slots) receives each result, caller PQclear's. Returns 0 when all
 * succeeded; -1 otherwise (an error stops the rest of the pipeline; out is then all NULL
 * and a transaction it ran in is aborted: roll it back). */
int ar_db_pipeline(db_conn *c, size_t n, const db_call *calls, PGresult **out);
/* The n calls of one transaction copied into out (cap slots), for a session planning every
 * statement at each execution (plan_cache_mode = force_custom_plan, the appender's): a
 * SET LOCAL plan_cache_mode before each run of calls whose `generic` differs
 * from the mode in force, so that generic statements keep one plan. Order the calls so
 * that the generic ones are together. Returns the count, 0 when cap is too small. */
size_t ar_db_calls_planned(const db_call *calls, size_t n, db_call *out, size_t cap);
/* The same in two halves, so that the caller can work while the server runs the calls:
 * send (0, or -1: then recv still must be called, and fails), then recv with the same
 * calls. keep: on failure, out keeps the results of the calls that succeeded. */
int ar_db_pipeline_send(db_conn *c, size_t n, const db_call *calls);
int ar_db_pipeline_recv(db_conn *c, size_t n, const db_call *calls, PGresult **out, bool keep);
/* The connection's socket, for poll (-1 when there is none). */
int ar_db_socket(const db_conn *c);

/* Plain command without parameters (BEGIN, COMMIT, ROLLBACK). 0 or -1. */
int ar_db_cmd(db_conn *c, const char *sql);

/* COPY table (columns) FROM STDIN in text format; rows are preformatted lines. */
int ar_db_copy(db_conn *c, const char *copy_sql, const char *data, size_t len);
/* A growing text buffer for COPY data and array literals. The error is sticky: once an
 * add fails (out of memory) every later add is a no-op returning -1 and ar_db_buf_failed is
 * true, so a caller that builds a buffer in many steps (a callback returning void) need
 * only check once, before the buffer is sent. */
typedef struct {
  char *data;
  size_t len, cap;
  bool failed;
} db_buf;
#define DB_MUST_USE __attribute__((warn_unused_result))
DB_MUST_USE int ar_db_buf_add(db_buf *b, const char *s, size_t n);
DB_MUST_USE int ar_db_buf_addf(db_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s escaped for COPY text format. */
DB_MUST_USE int ar_db_buf_add_copy_text(db_buf *b, const char *s);
/* A PostgreSQL array literal element, quoted and escaped: "a\"b". */
DB_MUST_USE int ar_db_buf_add_array_elem(db_buf *b, const char *s);
/* True once an add has failed: the buffer's content is incomplete and must not be used. */
DB_MUST_USE bool ar_db_buf_failed(const db_buf *b);
void ar_db_buf_free(db_buf *b);

/* A fixed pool of connections for reads. */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv; /* CLOCK_MONOTONIC */
  db_conn **free;
  size_t nfree, size;
  unsigned wait_ms;
  char url[1024];
} db_pool;

enum { DB_POOL_OK, DB_POOL_BUSY, DB_POOL_UNREACHABLE };

/* size connections with statement_timeout_ms (0: DB_STATEMENT_TIMEOUT_MS); a get waits at
 * most wait_ms (0: DB_POOL_WAIT_MS). */
int ar_db_pool_init(db_pool *pool, const char *url, size_t size, unsigned statement_timeout_ms, unsigned wait_ms,
                    char *err, size_t cap);
/* The same with connections that wait at most deadline_ms (ar_db_connect_deadline; their
 * statement_timeout the shorter of the two). */
int ar_db_pool_init_deadline(db_pool *pool, const char *url, size_t size, unsigned statement_timeout_ms,
                             unsigned wait_ms, unsigned deadline_ms, char *err, size_t cap);
/* ar_db_pool_get, and why it gave none: DB_POOL_BUSY or DB_POOL_UNREACHABLE (with
 * libpq's message in why). */
db_conn *ar_db_pool_get_why(db_pool *pool, int *failure, char *why, size_t cap);
/* Waits at most the pool's wait_ms for a free connection; NULL when none came free or
 * it is unusable (the caller answers 503 UNAVAILABLE). */
db_conn *ar_db_pool_get(db_pool *pool);
void ar_db_pool_put(db_pool *pool, db_conn *c);
/* ar_db_pool_put after a read that set p: a failure (INTERNAL) on a connection that was
 * lost or ran past its deadline said nothing about the data, so p becomes 503 UNAVAILABLE
 * ("retry") instead of 500. */
void ar_db_pool_put_read(db_pool *pool, db_conn *c, aidreg_problem *p);
void ar_db_pool_destroy(db_pool *pool);

/* Text conversions for parameters and results. */
int ar_db_u64(const char *s, unsigned long long *out);
/* "\\x..." bytea text output to n bytes. */
int ar_db_bytea(const char *s, unsigned char *out, size_t n);

#endif
