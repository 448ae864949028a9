#ifndef AIDREG_VERIFY_REPLAY_H
#define AIDREG_VERIFY_REPLAY_H
/* Private to the library (registry/verify and the layers above): the verifier's replay
 * lent to a caller that needs the same state, so that one pass over the log both
 * verifies it and builds what the caller reads (the audit, registry/audit/). Without it
 * the engine judges into a state of its own. */
#include "aidreg/verify.h"
#include "rules/domain.h"
#include "rules/judge.h"

typedef struct {
  void *ctx;
  /* The state the judge reads and changes at entry index (county: the ledger's, known
   * from entry 0 on). NULL: out of memory. */
  domain_batch *(*state)(void *ctx, const char *county, uint64_t index);
  /* An entry the judge accepted at index (its keys already applied by the engine).
   * 0, or -1 with f filled (INTERNAL). */
  int (*accepted)(void *ctx, uint64_t index, const aidreg_envelope *env, const aidreg_event *ev,
                  const judge_result *r, aidreg_verify_failure *f);
} ar_verify_replay;

/* aidreg_verify_run with the judge's state and its accepted entries lent to replay. */
int ar_verify_run_replay(const aidreg_verify_source *src, const aidreg_verify_options *opt,
                         const ar_verify_replay *replay, aidreg_verify_result *res) AIDREG_VERIFY_MUST_USE;

#endif
