/* Request counters: see metrics.h. */
#include "metrics.h"

#include <stdatomic.h>

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
