/* The figures of the summaries (GET /summary, /villages/{v}/summary, /townships/{t}/summary):
 * asset counts by class and status and the sums of the assets' shares and the plans'
 * payouts. Each asset's and plan's part in them is kept in memory per ledger, keyed by the
 * ledger's size and Merkle frontier read in the same statement as the parts; after appends
 * only the assets and plans the group commits since recorded (entity_change, sql/016) are
 * read again, so a summary is never stale and a read after a few appends is not a count of
 * the whole county (docs/decisions.md "Reads of a large county"). */
#ifndef AIDREG_STORE_SUMMARY_KEPT_H
#define AIDREG_STORE_SUMMARY_KEPT_H

#include <jansson.h>
#include <stddef.h>

#include "store/db.h"

typedef struct {
  char *klass, *status; /* "" for none */
  long long n;
} ar_summary_pair;

/* The sums, in this order: original value, income gross, income net, allocated,
 * unallocated (the assets' shares) and paid (the plans'). */
enum { AR_SUM_VALUE, AR_SUM_GROSS, AR_SUM_NET, AR_SUM_ALLOCATED, AR_SUM_UNALLOCATED, AR_SUM_PAID, AR_SUMS };

typedef struct {
  ar_summary_pair *pairs; /* (class, status) with their counts, ordered by class then status */
  size_t npairs;
  char sums[AR_SUMS][48]; /* each a decimal integer, exactly as PostgreSQL's numeric sum */
} ar_summary_figures;

/* The figures of ledger code as of now: scope 'c' the county (place NULL), 'v' village
 * place, 't' township place, with the same meaning as the SQL they replace (an asset
 * counts for a village it has in its villages and for their townships; a village's sums
 * are its own shares of those assets; a township's the shares whose village is in it).
 * 0; -1 the database failed; -2 out of memory. Free with ar_summary_figures_free. */
int ar_summary_figures_get(db_conn *c, const char *code, char scope, const char *place, ar_summary_figures *f);
void ar_summary_figures_free(ar_summary_figures *f);
/* The asset counts of GET /places from the same parts: *counts as ar_place_counts gives them
 * (place_counts.h). 0; 1 the parts cannot answer (count in SQL); -1 the database failed; -2
 * out of memory. */
int ar_summary_place_counts(db_conn *c, const char *code, json_t **counts);
/* The assets' counts of f: *by_class and *by_status {value: n} (new references, in the order
 * of the pairs) and the total returned. */
long long ar_summary_assets(const ar_summary_figures *f, json_t **by_class, json_t **by_status);

#endif
