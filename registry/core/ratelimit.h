#ifndef AIDREG_RATELIMIT_H
#define AIDREG_RATELIMIT_H
/* Token buckets by name (a client address, a key id): `rate` tokens a second up to
 * `burst`; a request takes `cost` tokens or waits. Thread-safe. At most `max_names`
 * buckets are kept: when full, the buckets that are full again (idle names) are dropped,
 * and if none is, the table is cleared (a flood of fresh names cannot grow it). */
#include <stddef.h>
#include <stdint.h>

typedef struct ar_ratelimit ar_ratelimit;

/* NULL when out of memory or when rate <= 0 (no limit: ar_ratelimit_take admits all). */
ar_ratelimit *ar_ratelimit_new(double rate, double burst, size_t max_names);
void ar_ratelimit_free(ar_ratelimit *rl);
/* 0 when admitted (the tokens taken), else the whole seconds (>= 1) after which the
 * request would be admitted. now_ns: CLOCK_MONOTONIC. rl NULL admits everything. */
unsigned ar_ratelimit_take(ar_ratelimit *rl, const char *name, double cost, int64_t now_ns);

#endif
