/* Token buckets by name (ratelimit.h). */
#include "core/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/strmap.h"

typedef struct {
  double tokens;
  int64_t at_ns;
} bucket;

struct ar_ratelimit {
  pthread_mutex_t mu;
  double rate, burst;
  size_t max_names;
  strmap buckets; /* name -> bucket* */
};

ar_ratelimit *ar_ratelimit_new(double rate, double burst, size_t max_names) {
  if (!(rate > 0)) return NULL;
  ar_ratelimit *rl = calloc(1, sizeof *rl);
  if (!rl) return NULL;
  pthread_mutex_init(&rl->mu, NULL);
  rl->rate = rate;
  rl->burst = burst >= 1 ? burst : 1;
  rl->max_names = max_names ? max_names : 10000;
  return rl;
}

void ar_ratelimit_free(ar_ratelimit *rl) {
  if (!rl) return;
  ar_strmap_free(&rl->buckets, free);
  pthread_mutex_destroy(&rl->mu);
  free(rl);
}

static double refill(const ar_ratelimit *rl, const bucket *b, int64_t now_ns) {
  double t = b->tokens + (double)(now_ns - b->at_ns) / 1e9 * rl->rate;
  return t > rl->burst ? rl->burst : t;
}

/* Drops the buckets of idle names (full again); clears everything if none is idle. */
static void prune(ar_ratelimit *rl, int64_t now_ns) {
  strmap kept = {0};
  for (size_t i = 0; i < rl->buckets.cap; i++) {
    strmap_slot *s = &rl->buckets.slots[i];
    if (!s->key) continue;
    bucket *b = s->val;
    if (refill(rl, b, now_ns) < rl->burst && kept.len < rl->max_names / 2 && ar_strmap_put(&kept, s->key, b) == 0)
      s->val = NULL; /* moved */
  }
  ar_strmap_free(&rl->buckets, free);
  rl->buckets = kept;
}

unsigned ar_ratelimit_take(ar_ratelimit *rl, const char *name, double cost, int64_t now_ns) {
  if (!rl) return 0;
  pthread_mutex_lock(&rl->mu);
  bucket *b = ar_strmap_get(&rl->buckets, name);
  if (!b) {
    if (rl->buckets.len >= rl->max_names) prune(rl, now_ns);
    b = malloc(sizeof *b);
    if (!b || ar_strmap_put(&rl->buckets, name, b)) {
      free(b);
      pthread_mutex_unlock(&rl->mu);
      return 0; /* out of memory: do not refuse honest clients for it */
    }
    b->tokens = rl->burst;
    b->at_ns = now_ns;
  }
  b->tokens = refill(rl, b, now_ns);
  b->at_ns = now_ns;
  unsigned wait = 0;
  double c = cost > rl->burst ? rl->burst : cost; /* a request larger than a burst waits for a full bucket */
  if (b->tokens >= c) {
    b->tokens -= c;
  } else {
    double need = c - b->tokens;
    double s = ceil(need / rl->rate);
    wait = s < 1 ? 1 : s > 86400 ? 86400 : (unsigned)s;
  }
  pthread_mutex_unlock(&rl->mu);
  return wait;
}
