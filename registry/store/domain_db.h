#ifndef AIDREG_DOMAIN_DB_H
#define AIDREG_DOMAIN_DB_H
/* Private: the database-backed domain_store (table entity, sql/002_state.sql), used by
 * the appender inside its transaction. The batch's subjects (and the documents their
 * bodies name) are read with one query up front; anything else on first use. The
 * changed documents are written back with one upsert and one delete. */
#include <stddef.h>

#include "aidreg/event.h"
#include "store/db.h"
#include "rules/domain.h"

typedef struct domain_db domain_db;

domain_db *ar_domain_db_new(db_conn *c, const char *ledger);
void ar_domain_db_free(domain_db *db);
domain_store ar_domain_db_store(domain_db *db);
/* Reads, in one query, the documents the n events (ev_at(ctx, i)) will look at first.
 * 0, -1 (the database failed) or DOMAIN_DB_NOMEM. */
int ar_domain_db_prefetch(domain_db *db, size_t n, const aidreg_event *(*ev_at)(void *ctx, size_t i), void *ctx)
    __attribute__((warn_unused_result));
/* Writes what the batch changed. 0, -1 (the database failed) or DOMAIN_DB_NOMEM. */
int ar_domain_db_write(domain_db *db, domain_batch *d) __attribute__((warn_unused_result));
#define DOMAIN_DB_NOMEM (-2)

#endif
