#ifndef AIDREG_PLANNER_STATS_H
#define AIDREG_PLANNER_STATS_H
/* Private: the planner's statistics refreshed as a ledger grows (sql/014), so that its
 * statements keep their index probes when the ledger outgrows what the last ANALYZE saw. */
#include <stdint.h>

typedef struct planner_stats planner_stats;

/* One per appender, on a connection of its own opened when first needed. NULL when out
 * of memory (the appender runs without it). */
planner_stats *ar_planner_stats_new(const char *url);
/* After a commit that left the ledger at size: at sizes 64, 128, 256, … (doubling from the
 * first size seen, or from the size at the last refresh any appender of the process sent)
 * asks the database to ANALYZE, without waiting for it. */
void ar_planner_stats_grown(planner_stats *ps, uint64_t size);
void ar_planner_stats_free(planner_stats *ps);

#endif
