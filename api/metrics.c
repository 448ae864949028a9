/* Request counters: see metrics.h. */
#include "metrics.h"

#include <stdatomic.h>
#include <time.h>

#define STATUS_MIN 100u
#define STATUS_COUNT 500u

static _Atomic uint64_t counters[METRICS_MAX_SLOTS][STATUS_COUNT];

static unsigned status_index(unsigned status) {
  if (status < STATUS_MIN || status >= STATUS_MIN + STATUS_COUNT) status = 500;
  return status - STATUS_MIN;
}

void metrics_count(int slot, unsigned status) {
  if (slot < 0 || slot >= METRICS_MAX_SLOTS) return;
  atomic_fetch_add_explicit(&counters[slot][status_index(status)], 1, memory_order_relaxed);
}

uint64_t metrics_get(int slot, unsigned status) {
  if (slot < 0 || slot >= METRICS_MAX_SLOTS) return 0;
  return atomic_load_explicit(&counters[slot][status_index(status)], memory_order_relaxed);
}

/* Fine below a millisecond: the proofs and tiles are meant to answer in well under one, and
 * a p99 read from the buckets is only as precise as they are. The first bounds, 0.1, 0.25,
 * 0.5, 1 ms and up, stay as they were (dashboards), the finer ones are added between. */
const double metrics_duration_bounds[METRICS_DURATION_BUCKETS] = {
    0.00005, 0.0001, 0.0002, 0.00025, 0.0003, 0.0005, 0.00075, 0.001, 0.0015, 0.0025,
    0.005,   0.01,   0.025,  0.05,    0.1,    0.25,   0.5,     1,     2.5};
static _Atomic uint64_t durations[METRICS_MAX_SLOTS][METRICS_DURATION_BUCKETS + 1];
static _Atomic uint64_t duration_ns_sum[METRICS_MAX_SLOTS];

int64_t metrics_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void metrics_observe(int slot, int64_t started_ns) {
  if (slot < 0 || slot >= METRICS_MAX_SLOTS || started_ns <= 0) return;
  int64_t ns = metrics_now_ns() - started_ns;
  if (ns < 0) ns = 0;
  double s = (double)ns / 1e9;
  int b = 0;
  while (b < METRICS_DURATION_BUCKETS && s > metrics_duration_bounds[b]) b++;
  atomic_fetch_add_explicit(&durations[slot][b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&duration_ns_sum[slot], (uint64_t)ns, memory_order_relaxed);
}

uint64_t metrics_durations(int slot, uint64_t counts[METRICS_DURATION_BUCKETS + 1], double *sum_seconds) {
  uint64_t n = 0;
  for (int b = 0; b <= METRICS_DURATION_BUCKETS; b++) {
    counts[b] = slot >= 0 && slot < METRICS_MAX_SLOTS ? atomic_load_explicit(&durations[slot][b], memory_order_relaxed) : 0;
    n += counts[b];
  }
  *sum_seconds = slot >= 0 && slot < METRICS_MAX_SLOTS
                     ? (double)atomic_load_explicit(&duration_ns_sum[slot], memory_order_relaxed) / 1e9
                     : 0;
  return n;
}
