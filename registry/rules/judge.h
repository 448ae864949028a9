#ifndef AIDREG_JUDGE_H
#define AIDREG_JUDGE_H
/* The judge: the one place that decides whether an entry may stand at a position of a
 * ledger. The appender (before it writes), `aidreg verify` and `rebuild --check` (when
 * they replay a log), the audit engine and the tests all call ar_judge_entry, so that what
 * was accepted once is accepted again by anyone who replays the same entries.
 *
 * Contract.
 * - Inputs: the envelope and its parsed payload (both borrowed, unchanged), where the entry
 *   would go (ledger, position) and the state before it: the key set (a keyview), the
 *   current-state overlay (domain_batch) and two lookups (payloads already in the log,
 *   each subject's head). Nothing else is consulted and nothing is remembered between
 *   calls: two calls with the same inputs give the same verdict.
 * - Steps, in the order of docs/design.md "Wire details" (which fixes which problem a
 *   client sees when an entry has several): envelope signatures (unless the caller has
 *   verified them), ledger binding, every signer enrolled, idempotency (the payload is
 *   already in the log: REPLAY), authority of every signer at this position (roles,
 *   scope, revocation, the key events' own rules), the checks that need the state
 *   (the subject exists or, for a registration, does not; the scope covers where it
 *   lies; operator and maintainer keys), `prev` against the subject's head, the
 *   signer's time against latest_time, `expires` against appended_at, and the body and the domain rules.
 * - Effect: on ACCEPT the entry's effect on the current state is applied into `state`
 *   (the caller commits or discards the overlay), and its effect on the key set is
 *   returned in result->keys for the caller to apply to wherever it keeps keys. On
 *   REPLAY and REFUSE the overlay is exactly as before.
 * - Never: I/O of its own, clocks, randomness, logging. The lookups and the overlay's
 *   backing store may read a database; a failure there is a REFUSE with UNAVAILABLE or
 *   INTERNAL, never an acceptance. */
#include <stdbool.h>
#include <stdint.h>

#include "aidreg/authority.h"
#include "aidreg/dsse.h"
#include "aidreg/event.h"
#include "aidreg/problem.h"
#include "rules/domain.h"

typedef struct {
  const char *county;       /* the ledger's 6-digit code */
  const char *origin;       /* the origin the payload must name, or NULL (checked before) */
  uint64_t position;        /* the index the entry would take */
  bool signatures_verified; /* the caller verified every signature of the envelope */
  int64_t latest_time;      /* latest signer time accepted (unix s); INT64_MAX: no limit */
  int64_t clock_skew;       /* for the message of TIME_IN_FUTURE only */
  int64_t appended_at;      /* the server's time of the entry (unix s: now, or the leaf's "time"
                             * when replaying); an event with "expires" before it is refused
                             * (EXPIRED). 0: not checked */
  const aidreg_keyview *keys;
  domain_batch *state;
  /* 1 and *index when the payload is already in the log, 0 when not, -1 on failure.
   * NULL: the log holds no repeats to look for. */
  int (*seen)(void *ctx, const uint8_t payload_sha256[32], uint64_t *index);
  /* 1 and out when the subject has entries (its latest payload hash), 0 when none, -1 on
   * failure. NULL: prev is not checked. */
  int (*head)(void *ctx, const char *subject, uint8_t out[32]);
  void *ctx;
} judge_input;

typedef enum { JUDGE_ACCEPT, JUDGE_REPLAY, JUDGE_REFUSE } judge_verdict;

/* The step that refused: lets a verifier name the kind of failure. */
typedef enum {
  JUDGE_AT_NONE,
  JUDGE_AT_SIGNATURE, /* an envelope signature does not verify */
  JUDGE_AT_BINDING,   /* the payload names another ledger */
  JUDGE_AT_SIGNERS,   /* a signer is not enrolled */
  JUDGE_AT_AUTHORITY, /* role, scope, revocation, key events' rules */
  JUDGE_AT_STATE,     /* existence, scope over the subject's places, operator keys */
  JUDGE_AT_PREV,      /* prev is not the subject's head */
  JUDGE_AT_TIME,      /* the signer's time is ahead of latest_time, or expires passed */
  JUDGE_AT_RULES,     /* the body and the domain rules */
} judge_step;

typedef struct {
  judge_verdict verdict;
  judge_step step;             /* REFUSE: where */
  aidreg_problem problem;      /* REFUSE: why */
  uint64_t replay_of;          /* REPLAY: the index the payload already has */
  char head[65];               /* refused at PREV: the subject's head (hex), "" when none */
  aidreg_keychange keys;       /* ACCEPT: what the entry changes in the key set */
  size_t nsigners;             /* ACCEPT: the signers' states at this position */
  aidreg_key_state signers[AIDREG_MAX_SIGNATURES];
} judge_result;

/* Judges env/ev at in->position. Fills *out (no allocation in it) and returns its verdict. */
judge_verdict ar_judge_entry(const judge_input *in, const aidreg_envelope *env, const aidreg_event *ev,
                          judge_result *out) __attribute__((warn_unused_result));

#endif
