#ifndef AIDREG_API_METRICS_H
#define AIDREG_API_METRICS_H
/* Request counters by route and status for GET /metrics: a fixed array of relaxed
 * atomics, so counting costs one atomic add and nothing grows with traffic. */
#include <stdint.h>

#define METRICS_MAX_SLOTS 64 /* routes + 1 for "unmatched" */

/* Count one response. slot is the request's route_slot; statuses outside 100..599
 * are counted as 500. */
void metrics_count(int slot, unsigned status);
/* Responses so far with that slot and status. */
uint64_t metrics_get(int slot, unsigned status);

#endif
