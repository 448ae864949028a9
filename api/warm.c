/* The desk's summaries read once at start (warm.h): each ledger's county summary, which
 * reads and keeps every asset's and plan's part; the lists and the township and village
 * summaries then answer from the parts kept. One line on stderr says what it read. */
#include <stdio.h>
#include <time.h>

#include "aidreg/state.h"
#include "warm.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *run(void *arg) {
  warm *w = arg;
  double t0 = now_s();
  aidreg_problem p;
  json_t *ledgers = NULL;
  if (aidreg_registry_ledgers(w->registry, &ledgers, &p) != 0) {
    fprintf(stderr, "aidreg-server: summaries not read at start: %s\n", p.detail);
    return NULL;
  }
  size_t i, read = 0, failed = 0;
  json_t *l;
  json_array_foreach(json_object_get(ledgers, "ledgers"), i, l) {
    if (atomic_load(&w->stop)) break;
    const char *code = json_string_value(json_object_get(l, "code"));
    json_t *summary = NULL;
    if (!code) continue;
    if (aidreg_state_summary(w->registry, code, NULL, &summary, &p) == 0) {
      read++;
    } else {
      failed++;
      fprintf(stderr, "aidreg-server: summary of %s not read at start: %s\n", code, p.detail);
    }
    json_decref(summary);
  }
  json_decref(ledgers);
  fprintf(stderr, "aidreg-server: summaries of %zu ledger(s) read at start in %.1f s%s\n", read, now_s() - t0,
          failed ? " (some not: they are read at their first request)" : "");
  return NULL;
}

int warm_start(warm *w, aidreg_registry *r) {
  w->registry = r;
  atomic_init(&w->stop, false);
  w->started = pthread_create(&w->thread, NULL, run, w) == 0;
  return w->started ? 0 : -1;
}

void warm_stop(warm *w) {
  if (!w->started) return;
  atomic_store(&w->stop, true);
  pthread_join(w->thread, NULL);
  w->started = false;
}
