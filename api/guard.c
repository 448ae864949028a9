/* Per-connection deadlines and the reaper: see guard.h. */
#include "guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "reply.h"

enum phase { PH_HEADERS, PH_BODY, PH_HANDLER };

typedef struct tracked {
  struct tracked *prev, *next;
  int fd;
  enum phase phase;
  long long start_ms;  /* start of this request's headers phase */
  bool line_seen;      /* the request line of this request was read */
  bool reaped;
} tracked;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static tracked *head;
static long long header_ms, request_ms;
static bool running, quit;
static pthread_t reaper;
static unsigned long reaped_count, limit_count;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static tracked *of(struct MHD_Connection *conn) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci ? ci->socket_context : NULL;
}

/* Deadline of t, or 0 for none. Under mu. */
static long long deadline_of(const tracked *t) {
  long long d = 0;
  if (t->phase == PH_HEADERS && header_ms) d = t->start_ms + header_ms;
  if (t->phase != PH_HANDLER && request_ms && (!d || t->start_ms + request_ms < d)) d = t->start_ms + request_ms;
  return d;
}

/* The bytes of a problem response with Connection: close; malloc'd, NULL on failure. */
static char *problem_response(aidreg_code code, const char *detail, size_t *len) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  p.code = code;
  snprintf(p.detail, sizeof p.detail, "%s", detail);
  json_t *o = problem_json(&p, NULL);
  char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  if (!body) return NULL;
  int status = aidreg_problem_status(code);
  const char *reason = MHD_get_reason_phrase_for((unsigned)status);
  size_t blen = strlen(body), cap = blen + 256;
  char *out = malloc(cap);
  int n = out ? snprintf(out, cap,
                         "HTTP/1.1 %d %s\r\nContent-Type: application/problem+json\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n\r\n%s",
                         status, reason, blen, body)
              : -1;
  free(body);
  if (n < 0 || (size_t)n >= cap) {
    free(out);
    return NULL;
  }
  *len = (size_t)n;
  return out;
}

/* Best effort, never blocking: a client that does not read gets no answer. */
static void send_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, s, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

static void *reap(void *arg) {
  (void)arg;
  size_t len = 0;
  char *timeout_doc = problem_response(AIDREG_E_REQUEST_TIMEOUT,
                                       "请求行与请求头或整个请求未在期限内到达 / the request line and headers, or the whole "
                                       "request, did not arrive within the server's deadline",
                                       &len);
  pthread_mutex_lock(&mu);
  while (!quit) {
    long long now = now_ms();
    for (tracked *t = head; t; t = t->next) {
      long long d = deadline_of(t);
      if (t->reaped || !d || now < d) continue;
      if (timeout_doc && (t->line_seen || t->phase == PH_BODY)) send_all(t->fd, timeout_doc, len);
      shutdown(t->fd, SHUT_RDWR);
      t->reaped = true;
      reaped_count++;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 200 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&wake, &mu, &ts);
  }
  pthread_mutex_unlock(&mu);
  free(timeout_doc);
  return NULL;
}

int guard_start(unsigned header_timeout, unsigned request_timeout) {
  header_ms = (long long)header_timeout * 1000;
  request_ms = (long long)request_timeout * 1000;
  quit = false;
  if (pthread_create(&reaper, NULL, reap, NULL) != 0) return -1;
  running = true;
  return 0;
}

void guard_stop(void) {
  if (!running) return;
  pthread_mutex_lock(&mu);
  quit = true;
  pthread_cond_signal(&wake);
  pthread_mutex_unlock(&mu);
  pthread_join(reaper, NULL);
  running = false;
}

void guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                  enum MHD_ConnectionNotificationCode toe) {
  (void)cls;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    tracked *t = calloc(1, sizeof *t);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!t || !ci) {
      free(t);
      *socket_context = NULL;
      return;
    }
    t->fd = ci->connect_fd;
    t->phase = PH_HEADERS;
    t->start_ms = now_ms();
    pthread_mutex_lock(&mu);
    t->next = head;
    if (head) head->prev = t;
    head = t;
    pthread_mutex_unlock(&mu);
    *socket_context = t;
    return;
  }
  tracked *t = *socket_context; /* closed: libmicrohttpd closes the socket after this */
  if (!t) return;
  pthread_mutex_lock(&mu);
  if (t->prev) t->prev->next = t->next;
  else head = t->next;
  if (t->next) t->next->prev = t->prev;
  pthread_mutex_unlock(&mu);
  free(t);
  *socket_context = NULL;
}

void guard_request_line(struct MHD_Connection *conn) {
  tracked *t = of(conn);
  if (!t) return;
  pthread_mutex_lock(&mu);
  t->line_seen = true;
  pthread_mutex_unlock(&mu);
}

void guard_headers_done(struct MHD_Connection *conn) {
  tracked *t = of(conn);
  if (!t) return;
  pthread_mutex_lock(&mu);
  if (t->phase == PH_HEADERS) t->phase = PH_BODY;
  pthread_mutex_unlock(&mu);
}

bool guard_body_done(struct MHD_Connection *conn) {
  tracked *t = of(conn);
  if (!t) return true;
  pthread_mutex_lock(&mu);
  bool ok = !t->reaped;
  t->phase = PH_HANDLER;
  pthread_mutex_unlock(&mu);
  return ok;
}

void guard_request_done(struct MHD_Connection *conn) {
  tracked *t = of(conn);
  if (!t) return;
  pthread_mutex_lock(&mu);
  t->phase = PH_HEADERS;
  t->line_seen = false;
  t->start_ms = now_ms();
  pthread_mutex_unlock(&mu);
}

void guard_closed(unsigned long *deadline, unsigned long *limit) {
  pthread_mutex_lock(&mu);
  *deadline = reaped_count;
  *limit = limit_count;
  pthread_mutex_unlock(&mu);
}

void guard_write_problem(struct MHD_Connection *conn, aidreg_code code, const char *detail) {
  size_t len = 0;
  char *doc = problem_response(code, detail, &len);
  tracked *t = of(conn);
  pthread_mutex_lock(&mu);
  if (t && !t->reaped) {
    if (doc) send_all(t->fd, doc, len);
    shutdown(t->fd, SHUT_WR);
    t->reaped = true;
    limit_count++;
  }
  pthread_mutex_unlock(&mu);
  free(doc);
}
