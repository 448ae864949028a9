#ifndef AIDREG_DOMAIN_H
#define AIDREG_DOMAIN_H
/* Private: the domain rules of docs/events.md and the current-state projection.
 *
 * State is a set of entity documents (JSON), addressed by (kind, id): "asset"/<code>,
 * "project"/<code>, "plan"/<id>, "income"/<payload ref>, "settings"/<county>, ... The
 * rules read and change documents through a domain_batch, an overlay over a backing
 * store: the database inside the append transaction (domain_db.c), or memory when
 * `aidreg verify` / `aidreg rebuild --check` replay a ledger. Every decision is a pure
 * function of the entries in force (no clock), so a replay reproduces the state. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "aidreg/authority.h"
#include "aidreg/dsse.h"
#include "aidreg/event.h"
#include "aidreg/problem.h"

#define DOMAIN_STORE_NOMEM 2

typedef struct {
  /* New reference to the stored document, or NULL when absent (*err set on failure:
   * DOMAIN_STORE_NOMEM when out of memory, else any non-zero value). */
  json_t *(*load)(void *ctx, const char *kind, const char *id, int *err);
  void *ctx;
  /* Optional: the subject of the stored entry whose payload hash is ref (hex) into
   * subject; 1 found, 0 not, -1 on failure. Lets a correction that names an entry of
   * another subject (or a key event) be told so. */
  int (*ref_subject)(void *ctx, const char *ref, char *subject, size_t cap);
} domain_store;

typedef struct domain_batch domain_batch;

/* An overlay for one batch over `store`, for ledger `county` (6 digits). */
domain_batch *ar_domain_begin(const domain_store *store, const char *county);
/* ar_domain_begin with the catalogue to look types up in (find; catalogue.c passes its own):
 * the rules sit below the table that names them. */
domain_batch *ar_domain_begin_with(const domain_store *store, const char *county,
                                const aidreg_event_type *(*find)(const char *type));

/* What ar_domain_authorize found that ar_domain_apply must report: a 422 of the body itself,
 * which is reported only after existence and scope (an explicit result, not a stash). */
typedef struct {
  bool body_refused;
  aidreg_problem body_problem;
} domain_permit;

/* Authority that depends on state, checked after the key checks of authority.c and
 * before `prev`: the body's form (400), the subject exists (or, for a registration,
 * does not yet: 422), the signers' scope covers the subject's location (403), operator
 * and maintainer keys act only on their assets (403). signers are the envelope's
 * signers in order (all enrolled, none revoked). Fills *permit for ar_domain_apply. The
 * overlay is only read. Returns 0 or -1 with p. Called by the judge (judge.h). */
int ar_domain_authorize(domain_batch *d, const aidreg_event_type *t, const aidreg_event *ev, const aidreg_key_state *signers, size_t nsig,
                     domain_permit *permit, aidreg_problem *p);

/* The rules (422) and, when they hold, the event's effect on the state. permit is what
 * ar_domain_authorize returned for this entry (NULL: the body is validated here). index is
 * the entry's position. On refusal the state is unchanged. Returns 0 or -1 with p.
 * Called by the judge (judge.h). */
int ar_domain_apply(domain_batch *d, const aidreg_event_type *t, const aidreg_event *ev, const aidreg_key_state *signers, size_t nsig,
                 uint64_t index, const domain_permit *permit, aidreg_problem *p);

/* Calls emit for every document the batch changed (final version; doc NULL when the
 * document no longer exists), in (kind, id) order, with the index of the last entry that
 * changed it. 0, or the first non-zero value emit returned. */
int ar_domain_changes(domain_batch *d,
                   int (*emit)(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at),
                   void *ctx);
/* The same for a batch ar_domain_end ends next: in no particular order, each of the
 * batch's documents (changed or not) released as soon as emit has seen it. */
int ar_domain_drain(domain_batch *d,
                    int (*emit)(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at),
                    void *ctx);
void ar_domain_end(domain_batch *d);
/* Calls emit for every entry this batch accepted: its ref (hex) and subject. */
int ar_domain_refs(domain_batch *d, int (*emit)(void *ctx, const char *ref, const char *subject), void *ctx);

/* The filter columns of a document (entity table): NULL members when they do not apply.
 * villages is a PostgreSQL array literal ("{a,b}") of the codes the document concerns;
 * year 0 = none. */
typedef struct {
  const char *village, *township, *klass, *status, *name;
  char villages[1024];
  int year;
} domain_columns;
void ar_domain_columns_of(const char *kind, const json_t *doc, domain_columns *out);

/* ---- an in-memory store (unit tests, rebuild) ---------------------------------- */
typedef struct domain_memstore domain_memstore;
domain_memstore *ar_domain_memstore_new(void);
/* A store that keeps its documents as compact JSON text, parsed again on each load (and
 * kept parsed once got): for a replay that only judges (`aidreg verify`), whose memory is
 * then the state's text, not its jansson values. */
domain_memstore *ar_domain_memstore_new_compact(void);
void ar_domain_memstore_free(domain_memstore *m);
/* A domain_store reading m. */
domain_store ar_domain_memstore_store(domain_memstore *m);
/* Writes the batch's changes into m (call before ar_domain_end). 0 or -1. */
int ar_domain_memstore_commit(domain_memstore *m, domain_batch *d);
/* The same, then ends d: its documents go into m as they are instead of being copied (a
 * replay settles every few thousand entries; nothing edits them once the batch is over). */
int ar_domain_memstore_settle(domain_memstore *m, domain_batch *d);
/* Borrowed document, or NULL. */
const json_t *ar_domain_memstore_get(const domain_memstore *m, const char *kind, const char *id);
/* Every document in (kind, id) order; stops at the first non-zero return. */
int ar_domain_memstore_each(const domain_memstore *m,
                         int (*fn)(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at),
                         void *ctx);

#endif
