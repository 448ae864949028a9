#ifndef AIDREG_REBUILD_H
#define AIDREG_REBUILD_H
/* `aidreg rebuild --check`: recompute a ledger's current state (the projection of
 * docs/events.md, table entity) from its leaves alone, through the same authority checks and
 * domain rules the appender runs, in memory, and compare it with what the database
 * holds. Reads everything in one REPEATABLE READ, READ ONLY transaction; writes nothing. */
#include <stdio.h>

/* Writes one line per difference to report (an entry the rules refuse on replay, a
 * document missing, extra or different, a filter column or updated_at that disagrees),
 * then a summary line. Returns the number of differences (0 = identical), or -1 when
 * the ledger cannot be read (the reason on report). report may be NULL. */
int aidreg_rebuild_check(const char *database_url, const char *code, FILE *report);

#endif
