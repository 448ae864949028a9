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

/* Server-side time of one response (from its request's headers to the response queued),
 * in a fixed histogram per slot; started_ns is CLOCK_MONOTONIC (metrics_now_ns). */
#define METRICS_DURATION_BUCKETS 19
extern const double metrics_duration_bounds[METRICS_DURATION_BUCKETS]; /* seconds */
int64_t metrics_now_ns(void);
void metrics_observe(int slot, int64_t started_ns);
/* The slot's counts per bucket (last: above every bound) and their sum in seconds; the
 * number of observations. */
uint64_t metrics_durations(int slot, uint64_t counts[METRICS_DURATION_BUCKETS + 1], double *sum_seconds);

#endif
