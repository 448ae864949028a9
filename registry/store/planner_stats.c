/* planner_stats.h: ANALYZE at each doubling of a ledger, on a connection of its own, sent
 * and left to run: the appender never waits for it, and collects its answer at a later
 * commit. A failure costs only the refresh (logged); autovacuum still analyzes later.
 * ANALYZE samples whole tables: one refresh, whoever asked for it, counts every ledger at
 * its size then, so each appender's next doubling is counted from the last refresh of
 * any of the process's appenders (eight counties growing side by side refreshed eight
 * times as often as one: docs/benchmark.md "Issue 12, part 3"). A refresh whose
 * connection fails still counts: the next doubling, or autovacuum, comes soon enough. */
#include "store/planner_stats.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_SIZE 64 /* small enough that a fresh ledger's first estimate is soon right */

struct planner_stats {
  char *url;
  PGconn *pg;    /* NULL until the first refresh, and after a failure */
  bool busy;     /* a refresh sent, its answer not read yet */
  uint64_t next; /* the size that asks for the next refresh; 0: not set yet */
  uint64_t seen; /* the process's refreshes counted when next was set */
  uint64_t last; /* the size at the call before */
};

static uint64_t refreshes; /* sent by any appender of the process (atomic) */

planner_stats *ar_planner_stats_new(const char *url) {
  planner_stats *ps = calloc(1, sizeof *ps);
  if (ps && !(ps->url = strdup(url))) {
    free(ps);
    return NULL;
  }
  return ps;
}

static void drop(planner_stats *ps, const char *why) {
  fprintf(stderr, "aidreg: planner statistics not refreshed: %s: %s", why, ps->pg ? PQerrorMessage(ps->pg) : "\n");
  PQfinish(ps->pg);
  ps->pg = NULL;
  ps->busy = false;
}

/* Reads what has come of the refresh in flight, without blocking. */
static void collect(planner_stats *ps) {
  if (!PQconsumeInput(ps->pg)) {
    drop(ps, "connection");
    return;
  }
  while (ps->busy && !PQisBusy(ps->pg)) {
    PGresult *r = PQgetResult(ps->pg);
    if (!r) {
      ps->busy = false;
      break;
    }
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fprintf(stderr, "aidreg: ANALYZE failed: %s", PQresultErrorMessage(r));
    PQclear(r);
  }
}

void ar_planner_stats_grown(planner_stats *ps, uint64_t size) {
  if (!ps) return;
  if (ps->busy) collect(ps);
  uint64_t sent = __atomic_load_n(&refreshes, __ATOMIC_RELAXED);
  if (ps->next == 0 || ps->seen != sent) {
    /* First seen, or another appender's refresh came since: it counted this ledger at
     * least at the size before this commit (which may have been a large import). */
    uint64_t counted = ps->next == 0 ? size : ps->last;
    ps->next = counted < FIRST_SIZE ? FIRST_SIZE : 2 * counted;
    ps->seen = sent;
  }
  ps->last = size;
  if (size < ps->next || ps->busy) return;
  ps->next = 2 * size;
  ps->seen = __atomic_add_fetch(&refreshes, 1, __ATOMIC_RELAXED);
  if (!ps->pg) {
    ps->pg = PQconnectdb(ps->url);
    if (PQstatus(ps->pg) != CONNECTION_OK) {
      drop(ps, "connect");
      return;
    }
  }
  if (!PQsendQuery(ps->pg, "SELECT aidreg_refresh_statistics()")) {
    drop(ps, "send");
    return;
  }
  ps->busy = true;
}

void ar_planner_stats_free(planner_stats *ps) {
  if (!ps) return;
  PQfinish(ps->pg); /* a refresh still running finishes on the server's side */
  free(ps->url);
  free(ps);
}
