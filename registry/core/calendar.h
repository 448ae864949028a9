#ifndef AIDREG_CORE_CALENDAR_H
#define AIDREG_CORE_CALENDAR_H
/* The proleptic Gregorian calendar as day numbers (days since 1970-01-01), without time
 * zones or the C library's clock: for dates in bodies and the audit's deadlines. */
#include <stdint.h>

/* Days since 1970-01-01 of y-m-d (H. Hinnant's days_from_civil). */
int64_t ar_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The inverse. */
void ar_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* Days in month m (1..12) of year y. */
unsigned ar_month_days(int64_t y, unsigned m);

#endif
