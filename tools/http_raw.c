/* The benchmark's bare HTTP/1.1 client: see http_raw.h. */
#include "http_raw.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_ANSWER ((size_t)64 << 20)
#define TIMEOUT_S 120 /* as the benchmark's libcurl handles: an answer that never comes fails the run */

struct aidreg_http_raw {
  char base[300];     /* "http://host:port", without a trailing '/' */
  size_t base_len;
  char host[300];     /* the Host header: "host:port" */
  char name[256], port[8];
  int fd;
  char *buf;          /* the last answer, head and body */
  size_t cap;
};

aidreg_http_raw *aidreg_http_raw_new(const char *base, char *err, size_t cap) {
  static const char scheme[] = "http://";
  size_t n = strlen(base);
  while (n && base[n - 1] == '/') n--;
  if (n <= sizeof scheme - 1 || strncmp(base, scheme, sizeof scheme - 1) != 0 || n >= sizeof ((aidreg_http_raw *)0)->base) {
    snprintf(err, cap, "%s: only http://host:port is supported here", base);
    return NULL;
  }
  aidreg_http_raw *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  memcpy(c->base, base, n);
  c->base_len = n;
  c->fd = -1;
  const char *hp = c->base + sizeof scheme - 1;
  snprintf(c->host, sizeof c->host, "%s", hp);
  /* [v6]:port, name:port or name (port 80) */
  const char *colon = hp[0] == '[' ? strstr(hp, "]:") : strrchr(hp, ':');
  const char *name = hp[0] == '[' ? hp + 1 : hp;
  size_t name_len = colon ? (size_t)(colon - name) : strlen(name);
  if (hp[0] == '[' && !colon) name_len = strcspn(name, "]");
  if (name_len == 0 || name_len >= sizeof c->name) {
    snprintf(err, cap, "%s: no host", base);
    free(c);
    return NULL;
  }
  memcpy(c->name, name, name_len);
  snprintf(c->port, sizeof c->port, "%s", colon ? colon + (hp[0] == '[' ? 2 : 1) : "80");
  return c;
}

static void drop(aidreg_http_raw *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
}

void aidreg_http_raw_free(aidreg_http_raw *c) {
  if (!c) return;
  drop(c);
  free(c->buf);
  free(c);
}

static int open_connection(aidreg_http_raw *c, char *err, size_t cap) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai = NULL;
  int rc = getaddrinfo(c->name, c->port, &hints, &ai);
  if (rc != 0) {
    snprintf(err, cap, "%s: %s", c->base, gai_strerror(rc));
    return -1;
  }
  int fd = -1;
  for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(ai);
  if (fd < 0) {
    snprintf(err, cap, "%s: cannot connect: %s", c->base, strerror(errno));
    return -1;
  }
  /* The request goes in one sendmsg; nothing is gained by waiting to coalesce. */
  int one = 1;
  struct timeval tv = {.tv_sec = TIMEOUT_S};
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  c->fd = fd;
  return 0;
}

static int send_all(int fd, struct iovec *iov, int n) {
  while (n > 0) {
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    size_t left = (size_t)w;
    while (n > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      iov++;
      n--;
    }
    if (n > 0) {
      iov->iov_base = (char *)iov->iov_base + left;
      iov->iov_len -= left;
    }
  }
  return 0;
}

/* The value of header name (with its colon) in head, or NULL; head's lines end in CRLF. */
static const char *header(const char *head, size_t head_len, const char *name) {
  size_t nl = strlen(name);
  for (const char *p = head; p && p < head + head_len;) {
    const char *eol = memchr(p, '\n', (size_t)(head + head_len - p));
    if (!eol) break;
    if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0) {
      p += nl;
      while (*p == ' ' || *p == '\t') p++;
      return p;
    }
    p = eol + 1;
  }
  return NULL;
}

/* Reads one answer. 1: the connection was closed before any byte came (a keep-alive
 * connection the server had closed); 0: an answer; -1: an error. */
static int read_answer(aidreg_http_raw *c, long *status, const char **resp, size_t *resp_len, char *err, size_t cap) {
  size_t used = 0, head_len = 0, body_len = 0;
  bool until_eof = false, close_after = false;
  for (;;) {
    if (c->cap - used < 4096 + 1) {
      size_t ncap = c->cap ? c->cap * 2 : 16384;
      char *b = ncap <= MAX_ANSWER ? realloc(c->buf, ncap) : NULL;
      if (!b) {
        snprintf(err, cap, "%s: answer larger than %zu bytes or out of memory", c->base, MAX_ANSWER);
        return -1;
      }
      c->buf = b;
      c->cap = ncap;
    }
    ssize_t r = recv(c->fd, c->buf + used, c->cap - used - 1, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == ECONNRESET && used == 0) return 1;
    if (r < 0) {
      snprintf(err, cap, "%s: %s", c->base, errno == EAGAIN ? "no answer within the timeout" : strerror(errno));
      return -1;
    }
    if (r == 0) {
      if (used == 0) return 1;
      if (head_len && until_eof) break;
      snprintf(err, cap, "%s: the connection closed inside an answer", c->base);
      return -1;
    }
    used += (size_t)r;
    c->buf[used] = '\0';
    if (!head_len) {
      char *end = strstr(c->buf, "\r\n\r\n");
      if (!end) continue;
      head_len = (size_t)(end - c->buf) + 4;
      if (strncmp(c->buf, "HTTP/1.", 7) != 0 || c->buf[8] != ' ') {
        snprintf(err, cap, "%s: not an HTTP/1 answer", c->base);
        return -1;
      }
      *status = strtol(c->buf + 9, NULL, 10);
      const char *te = header(c->buf, head_len, "transfer-encoding:");
      if (te && strncasecmp(te, "identity", 8) != 0) {
        snprintf(err, cap, "%s: a chunked answer (not supported by this client)", c->base);
        return -1;
      }
      const char *cl = header(c->buf, head_len, "content-length:");
      const char *conn = header(c->buf, head_len, "connection:");
      close_after = conn && strncasecmp(conn, "close", 5) == 0;
      if (cl) body_len = (size_t)strtoull(cl, NULL, 10);
      else until_eof = close_after = true;
      if (body_len > MAX_ANSWER) {
        snprintf(err, cap, "%s: answer larger than %zu bytes", c->base, MAX_ANSWER);
        return -1;
      }
    }
    if (!until_eof && used >= head_len + body_len) break;
  }
  if (until_eof) body_len = used - head_len;
  c->buf[head_len + body_len] = '\0';
  *resp = c->buf + head_len;
  *resp_len = body_len;
  if (close_after) drop(c);
  return 0;
}

int aidreg_http_raw_post(aidreg_http_raw *c, const char *url, const char *body, size_t len, long *status,
                         const char **resp, size_t *resp_len, char *err, size_t cap) {
  if (strncmp(url, c->base, c->base_len) != 0 || url[c->base_len] != '/') {
    snprintf(err, cap, "%s is not on %s", url, c->base);
    return -1;
  }
  char head[1024];
  int hn = snprintf(head, sizeof head,
                    "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                    "Accept: application/json, application/problem+json\r\nContent-Length: %zu\r\n\r\n",
                    url + c->base_len, c->host, len);
  if (hn < 0 || (size_t)hn >= sizeof head) {
    snprintf(err, cap, "%s: the path is too long", url);
    return -1;
  }
  for (int attempt = 0;; attempt++) {
    bool fresh = c->fd < 0;
    if (fresh && open_connection(c, err, cap)) return -1;
    struct iovec iov[2] = {{head, (size_t)hn}, {(void *)body, len}};
    int rc = send_all(c->fd, iov, len ? 2 : 1) ? 1 : read_answer(c, status, resp, resp_len, err, cap);
    if (rc == 0) return 0;
    drop(c);
    if (rc < 0) return -1;
    if (fresh || attempt > 0) {
      snprintf(err, cap, "%s: the server closed the connection without an answer", c->base);
      return -1;
    }
  }
}
