#ifndef AIDREG_AUTHORITY_H
#define AIDREG_AUTHORITY_H
/* Who may sign what, decided from the key events earlier in the same ledger. The same
 * code runs in the appender (over the database plus the batch in flight) and in
 * `aidreg verify` (over keys replayed in memory), so both judge a position alike. */
#include <stdbool.h>
#include <stdint.h>

#include "aidreg/dsse.h"
#include "aidreg/event.h"
#include "aidreg/problem.h"

typedef struct {
  char keyid[AIDREG_KEYID_LEN + 1];
  aidreg_role role;
  char scope[16];     /* administrative code prefix: 6, 9 or 12 digits */
  bool revoked;
  bool is_root;
} aidreg_key_state;

/* Where the checker reads key state. lookup returns 1 (found, *out filled), 0 (not
 * enrolled) or -1 (storage error). other_county_keys returns the number of county keys
 * not revoked, other than `except`, or -1. */
typedef struct {
  int (*lookup)(void *ctx, const char *keyid, aidreg_key_state *out);
  int (*other_county_keys)(void *ctx, const char *except);
  void *ctx;
} aidreg_keyview;

/* What an accepted authority event changes. */
typedef struct {
  enum { AIDREG_KEYCHANGE_NONE, AIDREG_KEYCHANGE_ENROLL, AIDREG_KEYCHANGE_REVOKE } kind;
  aidreg_key_state key;  /* ENROLL: the new key; REVOKE: keyid of the revoked key */
  char holder_name[128];
  char holder_org[128];
} aidreg_keychange;

/* Step 1 (before the idempotency check): every signer is enrolled (or, for a first
 * ledger.create, is the root key it names). Returns 0 or -1 (KEY_NOT_ENROLLED / INTERNAL). */
int aidreg_authority_signers_known(const aidreg_keyview *kv, const aidreg_envelope *env,
                                   const aidreg_event *ev, uint64_t position, aidreg_problem *p);

/* Step 2 (after idempotency): signers not revoked, the event type known, at least one
 * signer's role allowed and scope covering the subject, and the authority events'
 * own rules (ledger.create first and self-signed, enroll/revoke hierarchy). county is
 * the ledger's 6-digit code; position the index the entry would take. On success
 * fills *change. t is the catalogue row of ev->type (aidreg_event_type_find; NULL: the
 * type is unknown, refused here). Returns 0 or -1 with p. */
int aidreg_authority_check(const aidreg_keyview *kv, const char *county, const aidreg_envelope *env,
                           const aidreg_event *ev, const aidreg_event_type *t, uint64_t position,
                           aidreg_keychange *change, aidreg_problem *p);

/* true if scope (a code prefix) covers code. */
bool aidreg_scope_covers(const char *scope, const char *code);
/* true if s is 6, 9 or 12 ASCII digits. */
bool aidreg_is_admin_code(const char *s);

#endif
