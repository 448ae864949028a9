/* Bounded request bodies: see upload.h. */
#include "upload.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aidreg/json_strict.h"

/* Bytes held in request buffers across all connections. A full batch is 8 MiB; this
 * lets 32 of them be buffered at once and refuses (503) beyond, so that many slow
 * uploads cannot exhaust memory. Bytes are taken as they arrive (the buffer doubles, so
 * at most twice what was received), never for a Content-Length announced up front: an
 * idle upload holds UPLOAD_FIRST_ALLOC at most. One client address holds at most
 * UPLOAD_SHARE of it. */
#define UPLOAD_BUDGET ((size_t)256 * 1024 * 1024)
#define UPLOAD_SHARE (UPLOAD_BUDGET / 8)
#define UPLOAD_FIRST_ALLOC ((size_t)16 * 1024)

static _Atomic size_t budget_used;

/* Bytes per client address: a small hash table of the addresses holding any. */
typedef struct share {
  struct share *next;
  size_t bytes;
  char addr[UPLOAD_ADDR_MAX];
} share;

#define SHARE_BUCKETS 256
static share *shares[SHARE_BUCKETS];
static pthread_mutex_t share_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned share_hash(const char *s) {
  unsigned h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h % SHARE_BUCKETS;
}

/* Take n bytes of addr's share (n may be 0 to look); false past UPLOAD_SHARE. */
static bool share_take(const char *addr, size_t n) {
  if (!addr[0]) return true;
  pthread_mutex_lock(&share_mu);
  share **pp = &shares[share_hash(addr)];
  while (*pp && strcmp((*pp)->addr, addr) != 0) pp = &(*pp)->next;
  bool ok = false;
  if (*pp) {
    if (n <= UPLOAD_SHARE - (*pp)->bytes) {
      (*pp)->bytes += n;
      ok = true;
    }
  } else if (n <= UPLOAD_SHARE) {
    share *s = calloc(1, sizeof *s);
    if (s) {
      snprintf(s->addr, sizeof s->addr, "%s", addr);
      s->bytes = n;
      *pp = s;
      ok = true;
    }
  }
  pthread_mutex_unlock(&share_mu);
  return ok;
}

static void share_give(const char *addr, size_t n) {
  if (!addr[0]) return;
  pthread_mutex_lock(&share_mu);
  share **pp = &shares[share_hash(addr)];
  while (*pp && strcmp((*pp)->addr, addr) != 0) pp = &(*pp)->next;
  if (*pp) {
    (*pp)->bytes -= n < (*pp)->bytes ? n : (*pp)->bytes;
    if ((*pp)->bytes == 0) {
      share *dead = *pp;
      *pp = dead->next;
      free(dead);
    }
  }
  pthread_mutex_unlock(&share_mu);
}

static bool budget_take(size_t n) {
  size_t cur = atomic_load_explicit(&budget_used, memory_order_relaxed);
  do {
    if (n > UPLOAD_BUDGET - cur) return false;
  } while (!atomic_compare_exchange_weak_explicit(&budget_used, &cur, cur + n, memory_order_relaxed,
                                                  memory_order_relaxed));
  return true;
}

static void budget_give(size_t n) { atomic_fetch_sub_explicit(&budget_used, n, memory_order_relaxed); }

/* Grow u->buf to at least need bytes (need <= limit). */
static bool grow(upload *u, size_t need) {
  /* The first buffer is what the Content-Length announced, if it is less: 16 KiB for every
   * 600-byte envelope cost glibc a malloc_consolidate at each free (docs/benchmark.md,
   * "The server's CPU per entry"). */
  size_t cap = u->cap ? u->cap : need < UPLOAD_FIRST_ALLOC ? need : UPLOAD_FIRST_ALLOC;
  if (cap == 0) cap = 1;
  while (cap < need) cap = cap > u->limit / 2 ? u->limit : cap * 2;
  if (cap > u->limit) cap = u->limit;
  if (cap < need) cap = need;
  if (!budget_take(cap - u->cap)) return false;
  if (!share_take(u->addr, cap - u->cap)) {
    budget_give(cap - u->cap);
    return false;
  }
  char *nb = realloc(u->buf, cap);
  if (!nb) {
    budget_give(cap - u->cap);
    share_give(u->addr, cap - u->cap);
    return false;
  }
  u->buf = nb;
  u->cap = cap;
  return true;
}

void upload_init(upload *u, size_t limit, uint64_t expected, const char *addr) {
  memset(u, 0, sizeof *u);
  u->limit = limit;
  snprintf(u->addr, sizeof u->addr, "%s", addr ? addr : "");
  if (expected > UPLOAD_FIRST_ALLOC) expected = UPLOAD_FIRST_ALLOC; /* the rest as it arrives */
  if (limit > 0 && expected > 0 && expected <= limit && !grow(u, (size_t)expected)) u->no_memory = true;
}

void upload_feed(upload *u, const char *data, size_t n) {
  if (n == 0 || u->too_large || u->no_memory) return;
  if (u->limit == 0) { /* dropped: the route takes no body, or the request is refused */
    u->dropped += n;
    if (u->dropped > UPLOAD_DROP_MAX) u->too_large = true;
    return;
  }
  if (n > u->limit - u->len) {
    u->too_large = true;
    return;
  }
  if (u->len + n > u->cap && !grow(u, u->len + n)) {
    u->no_memory = true;
    return;
  }
  memcpy(u->buf + u->len, data, n);
  u->len += n;
}

void upload_free(upload *u) {
  if (u->cap) {
    budget_give(u->cap);
    share_give(u->addr, u->cap);
  }
  free(u->buf);
  u->buf = NULL;
  u->len = u->cap = 0;
}

int upload_content_length(struct MHD_Connection *c, uint64_t *out) {
  const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (!v) return 0;
  uint64_t n = 0;
  if (!*v) return -1;
  for (const char *s = v; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    unsigned d = (unsigned)(*s - '0');
    if (n > (UINT64_MAX - d) / 10) return -1;
    n = n * 10 + d;
  }
  *out = n;
  return 1;
}

static const char *skip_ws(const char *s) {
  while (*s == ' ' || *s == '\t') s++;
  return s;
}

bool upload_is_json(struct MHD_Connection *c) {
  static const char media[] = "application/json";
  const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
  if (!v) return false;
  v = skip_ws(v);
  if (strncasecmp(v, media, sizeof media - 1) != 0) return false;
  const char *s = skip_ws(v + sizeof media - 1);
  while (*s == ';') { /* parameters: only charset is looked at */
    s = skip_ws(s + 1);
    const char *name = s;
    while (*s && *s != '=' && *s != ';') s++;
    size_t name_len = (size_t)(s - name);
    while (name_len && (name[name_len - 1] == ' ' || name[name_len - 1] == '\t')) name_len--;
    if (*s != '=') return false;
    s = skip_ws(s + 1);
    const char *val = s;
    bool quoted = *s == '"';
    if (quoted) {
      val = ++s;
      while (*s && *s != '"') s++;
      if (*s != '"') return false;
    } else {
      while (*s && *s != ';' && *s != ' ' && *s != '\t') s++;
    }
    size_t val_len = (size_t)(s - val);
    if (quoted) s++;
    s = skip_ws(s);
    if (name_len == 7 && strncasecmp(name, "charset", 7) == 0 &&
        !(val_len == 5 && strncasecmp(val, "utf-8", 5) == 0))
      return false;
  }
  return *s == '\0';
}

int upload_json_object(const upload *u, json_t **out, aidreg_problem *p) {
  *out = NULL;
  json_t *root = aidreg_json_strict_load((const uint8_t *)u->buf, u->len, 0, "request body", p);
  if (!root) return -1;
  if (!json_is_object(root)) {
    json_decref(root);
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, NULL, "the request body must be a JSON object");
  }
  *out = root;
  return 0;
}
