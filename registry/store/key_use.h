/* How many entries each key of a ledger signed, and its last (GET /keys), counted once per
 * leaf: the counts are kept in memory per ledger and extended by the leaves appended since
 * the previous request, so a request reads only those (a range of leaf's primary key). */
#ifndef AIDREG_STORE_KEY_USE_H
#define AIDREG_STORE_KEY_USE_H

#include <jansson.h>

#include "aidreg/problem.h"
#include "store/db.h"

/* *counts = {keyid: [entries, last index]} of ledger code, as of its size now. New
 * reference; 0, or -1 with p. */
int ar_key_use(db_conn *c, const char *code, json_t **counts, aidreg_problem *p);

#endif
