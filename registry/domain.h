#ifndef AIDREG_DOMAIN_H
#define AIDREG_DOMAIN_H
/* Private: the domain rules of EVENTS.md and the current-state projection.
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

typedef struct {
  /* New reference to the stored document, or NULL when absent (*err set on failure). */
  json_t *(*load)(void *ctx, const char *kind, const char *id, int *err);
  void *ctx;
} domain_store;

typedef struct domain_batch domain_batch;

/* An overlay for one batch over `store`, for ledger `county` (6 digits). */
domain_batch *domain_begin(const domain_store *store, const char *county);

/* Authority that depends on state, checked after the key checks of authority.c and
 * before `prev`: the subject exists (or, for a registration, does not yet: 422), the
 * signers' scope covers the subject's location (403), operator and maintainer keys act
 * only on their assets (403). signers are the envelope's signers in order (all
 * enrolled, none revoked). Returns 0 or -1 with p. */
int domain_authorize(domain_batch *d, const aidreg_event *ev, const aidreg_key_state *signers, size_t nsig,
                     aidreg_problem *p);

/* The rules (422) and, when they hold, the event's effect on the state. Body
 * validation (400) happens here too. index is the entry's position. On refusal the
 * state is unchanged. Returns 0 or -1 with p. */
int domain_apply(domain_batch *d, const aidreg_event *ev, const aidreg_key_state *signers, size_t nsig,
                 uint64_t index, aidreg_problem *p);

/* Calls emit for every document the batch changed (final version). 0 or -1. */
int domain_changes(domain_batch *d, int (*emit)(void *ctx, const char *kind, const char *id, const json_t *doc),
                   void *ctx);
void domain_end(domain_batch *d);

#endif
