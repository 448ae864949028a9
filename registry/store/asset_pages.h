/* The asset list's page and total (GET /assets with its filters) from the summaries' parts
 * (summary_parts.h) instead of SQL that counts the whole county for every page: the ids of
 * the page and the total from memory, then the page's documents by id in one statement
 * that reads the ledger's key again, so that the page and the total are of one state of the
 * ledger (docs/decisions.md "The asset list from the kept parts"). */
#ifndef AIDREG_STORE_ASSET_PAGES_H
#define AIDREG_STORE_ASSET_PAGES_H

#include <stdint.h>

#include "store/db.h"

typedef struct {
  const char *village, *township, *klass, *status, *q; /* NULL: any */
  uint64_t from;
  unsigned limit;
  const char *omit; /* the members the list leaves out of each document (a text[] literal) */
} ar_asset_page_ask;

/* 0: *docs (PQclear it) has the page's documents as text in column AR_ASSET_PAGE_DOC, in
 * the list's order (one row with a NULL document when the page is empty), *total the
 * assets the filters match. 1: the parts cannot answer this one (a search the bytes of the
 * names cannot decide, a collation that is not byte order, the ledger moved meanwhile):
 * the SQL answers. -1 the database failed; -2 out of memory. */
int ar_asset_page(db_conn *c, const char *code, const ar_asset_page_ask *ask, PGresult **docs, uint64_t *total);
#define AR_ASSET_PAGE_DOC 2

#endif
