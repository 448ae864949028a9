/* The asset counts of GET /places, per township and village code, kept in memory per ledger
 * and keyed by the ledger's size and Merkle frontier as read in the same statement as the
 * counts: the projection changes only in the transaction that changes both, so a key that
 * matches means the same assets (never stale), and any append makes the next request count
 * again. */
#ifndef AIDREG_STORE_PLACE_COUNTS_H
#define AIDREG_STORE_PLACE_COUNTS_H

#include <jansson.h>

#include "aidreg/problem.h"
#include "store/db.h"

/* *counts = {place code: {"total": n, "by_class": {class: n}, "by_status": {status: n}}} of
 * ledger code as of now (an asset counts once for each of its villages and once for each
 * township of them; the classes and statuses in code order, "" for none). New reference;
 * 0, or -1 with p. */
int ar_place_counts(db_conn *c, const char *code, json_t **counts, aidreg_problem *p);

#endif
