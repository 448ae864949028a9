/* The judge (judge.h): the steps every caller used to repeat, in one order. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "rules/judge.h"

static judge_verdict refuse(judge_result *out, judge_step step) {
  out->verdict = JUDGE_REFUSE;
  out->step = step;
  return JUDGE_REFUSE;
}

/* The signers' key states at this position; for the first ledger.create, the root key it
 * enrols (which no keyview knows yet). */
static void signer_states(const judge_input *in, const aidreg_envelope *env, judge_result *out) {
  out->nsigners = 0;
  for (size_t i = 0; i < env->nsig; i++) {
    aidreg_key_state *s = &out->signers[out->nsigners];
    if (in->keys->lookup(in->keys->ctx, env->sigs[i].keyid, s) == 1) out->nsigners++;
    else if (out->keys.kind == AIDREG_KEYCHANGE_ENROLL && strcmp(out->keys.key.keyid, env->sigs[i].keyid) == 0)
      *s = out->keys.key, out->nsigners++;
  }
}

static int check_prev(const judge_input *in, const aidreg_event *ev, judge_result *out) {
  if (!ev->has_prev || !in->head) return 0;
  uint8_t head[32];
  int found = in->head(in->ctx, ev->subject, head);
  if (found < 0)
    return aidreg_problem_set(&out->problem, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
  if (found) aidreg_hex_encode(head, 32, out->head);
  if (found && memcmp(head, ev->prev, 32) == 0) return 0;
  return aidreg_problem_set(&out->problem, AIDREG_E_STALE_PREV, "/prev", "prev is not the current head of %s (now %s)",
                            ev->subject, found ? out->head : "none");
}

judge_verdict ar_judge_entry(const judge_input *in, const aidreg_envelope *env, const aidreg_event *ev,
                          judge_result *out) {
  memset(out, 0, sizeof *out);
  aidreg_problem *p = &out->problem;

  if (!in->signatures_verified && aidreg_envelope_verify(env, p)) return refuse(out, JUDGE_AT_SIGNATURE);
  if (in->origin && strcmp(ev->ledger, in->origin) != 0) {
    aidreg_problem_set(p, AIDREG_E_WRONG_LEDGER, "/payload/ledger", "the event is bound to \"%s\"; this ledger is \"%s\"",
                       ev->ledger, in->origin);
    return refuse(out, JUDGE_AT_BINDING);
  }
  if (aidreg_authority_signers_known(in->keys, env, ev, in->position, p)) return refuse(out, JUDGE_AT_SIGNERS);
  if (in->seen) {
    int seen = in->seen(in->ctx, ev->payload_sha256, &out->replay_of);
    if (seen < 0) {
      aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database could not be read; retry");
      return refuse(out, JUDGE_AT_SIGNERS);
    }
    if (seen) return out->verdict = JUDGE_REPLAY;
  }
  const aidreg_event_type *t = aidreg_event_type_find(ev->type);
  if (aidreg_authority_check(in->keys, in->county, env, ev, t, in->position, &out->keys, p))
    return refuse(out, JUDGE_AT_AUTHORITY);
  signer_states(in, env, out);

  domain_permit permit;
  if (ar_domain_authorize(in->state, t, ev, out->signers, out->nsigners, &permit, p)) return refuse(out, JUDGE_AT_STATE);
  if (check_prev(in, ev, out)) return refuse(out, JUDGE_AT_PREV);
  if (ev->time > in->latest_time) {
    aidreg_problem_set(p, AIDREG_E_TIME_IN_FUTURE, "/time",
                       "time %s is more than %" PRId64 " s ahead of the server clock; check the device clock",
                       ev->time_str, in->clock_skew);
    return refuse(out, JUDGE_AT_TIME);
  }
  if (ev->has_expires && in->appended_at && in->appended_at > ev->expires) {
    aidreg_problem_set(p, AIDREG_E_EXPIRED, "/expires",
                       "事件已于 %s 过期，不再接受；请重新签署 / the event expired (its expires is %" PRId64
                       ", the entry would be appended at %" PRId64 "): sign it again",
                       json_string_value(json_object_get(ev->root, "expires")), ev->expires, in->appended_at);
    return refuse(out, JUDGE_AT_TIME);
  }
  if (ar_domain_apply(in->state, t, ev, out->signers, out->nsigners, in->position, &permit, p))
    return refuse(out, JUDGE_AT_RULES);
  out->verdict = JUDGE_ACCEPT;
  return JUDGE_ACCEPT;
}
