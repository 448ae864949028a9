/* What the appenders have done, for /metrics: entries and batches committed and the
 * latency of each entry from arrival to commit, in the buckets of Prometheus' histogram. */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/registry.h"
#include "store/append.h"

const double aidreg_latency_bounds[AIDREG_LATENCY_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                              0.1,   0.25,   0.5,   1,    2.5,   5};

static struct {
  pthread_mutex_t mu;
  aidreg_registry_stats s;
} stats = {PTHREAD_MUTEX_INITIALIZER, {0}};

void ar_append_stats_record(uint64_t entries, const int64_t *latency_ns, size_t n) {
  pthread_mutex_lock(&stats.mu);
  stats.s.entries_appended += entries;
  if (entries) stats.s.batches_committed++;
  for (size_t i = 0; i < n; i++) {
    double sec = (double)latency_ns[i] / 1e9;
    size_t b = 0;
    while (b < AIDREG_LATENCY_BUCKETS && sec > aidreg_latency_bounds[b]) b++;
    stats.s.latency_count[b]++;
    stats.s.latency_sum_seconds += sec;
  }
  pthread_mutex_unlock(&stats.mu);
}

void aidreg_registry_stats_get(aidreg_registry *r, aidreg_registry_stats *out) {
  (void)r;
  pthread_mutex_lock(&stats.mu);
  *out = stats.s;
  pthread_mutex_unlock(&stats.mu);
}
