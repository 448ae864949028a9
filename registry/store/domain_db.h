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
/* The documents one appender committed, kept between its batches so that a batch reads
 * (and parses) from the database only what earlier batches did not leave it. At most
 * max_docs documents (then it starts again empty). Owned by the appender. */
typedef struct domain_cache domain_cache;
domain_cache *ar_domain_cache_new(size_t max_docs);
void ar_domain_cache_free(domain_cache *dc);
/* Forgets everything (a batch that did not commit may have left it unsure). */
void ar_domain_cache_drop(domain_cache *dc);

/* For a batch over a ledger of `size` entries as locked; dc (may be NULL) is dropped
 * first when it was kept at another size (another writer appended in between). */
domain_db *ar_domain_db_new(db_conn *c, const char *ledger, domain_cache *dc, uint64_t size);
/* What the batch read and changed goes into its cache, kept at the ledger's new size. d
 * may be NULL (nothing changed). After COMMIT; or, by the overlapped appender, before it,
 * so that the next batch is judged on top of this one (a failed commit then drops the
 * cache). 0 kept; -1 the cache was dropped instead (bounded memory, out of memory). */
int ar_domain_db_committed(domain_db *db, domain_batch *d, uint64_t size);
/* Entries not yet in the database (the batch judged before this one and still
 * committing) whose subjects ref_subject must see: find(ctx, ref, subject, cap) answers
 * 1 found, 0 not, before the database is asked. */
void ar_domain_db_pending(domain_db *db, int (*find)(void *ctx, const char *ref, char *subject, size_t cap),
                          void *ctx);
void ar_domain_db_free(domain_db *db);
domain_store ar_domain_db_store(domain_db *db);
/* Reads, in one query, the documents the n events (ev_at(ctx, i)) will look at first.
 * 0, -1 (the database failed) or DOMAIN_DB_NOMEM. */
int ar_domain_db_prefetch(domain_db *db, size_t n, const aidreg_event *(*ev_at)(void *ctx, size_t i), void *ctx)
    __attribute__((warn_unused_result));
/* The statements that write what the batch changed, into calls (at most DOMAIN_DB_CALLS;
 * *nc of them), to be sent in the batch's last round trip; their parameters stay valid
 * until db is freed. size: the ledger's size after the batch, recorded with the assets and
 * plans it changed (entity_change, sql/016). 0 or DOMAIN_DB_NOMEM. */
#define DOMAIN_DB_CALLS 7
int ar_domain_db_write_calls(domain_db *db, domain_batch *d, uint64_t size, db_call calls[DOMAIN_DB_CALLS],
                             size_t *nc) __attribute__((warn_unused_result));
#define DOMAIN_DB_NOMEM (-2)

#endif
