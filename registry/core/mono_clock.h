/* The monotonic clock in nanoseconds, for deadlines and the store's timings (never a time
 * a person reads: those are the signers' and the log's). Inline: it is read on the
 * appender's every cycle. */
#ifndef AIDREG_CORE_MONO_CLOCK_H
#define AIDREG_CORE_MONO_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t ar_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
