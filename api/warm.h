/* The desk's summaries read once at start, in the background, so that the first officer
 * to open a county's desk after a restart does not wait for every asset's part (2-5 s at
 * 100,000 assets) or, on a busy machine, meet the database deadline's 503. */
#ifndef AIDREG_API_WARM_H
#define AIDREG_API_WARM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "aidreg/registry.h"

typedef struct {
  aidreg_registry *registry;
  pthread_t thread;
  bool started;
  atomic_bool stop; /* checked between ledgers */
} warm;

/* Starts the thread; 0, or -1 (the server runs on and reads each ledger at its first read). */
int warm_start(warm *w, aidreg_registry *r);
/* Stops after the ledger being read and waits for the thread; before the registry closes. */
void warm_stop(warm *w);

#endif
