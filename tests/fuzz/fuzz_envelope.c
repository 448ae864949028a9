/* libFuzzer target: the bytes a client sends as one envelope, through everything that
 * reads them before any key or database is involved. Beyond crashes and leaks it checks
 * the parsers' contracts: a refusal names a problem whose field and detail are valid UTF-8
 * (the server puts them into JSON) and leaves nothing allocated; an accepted envelope
 * serialises canonically and parses back to itself; an accepted event's time formats and
 * parses back to the same second. Raw input is also fed to the event parser directly, and
 * to the fast reader the strict parsers try before jansson (core/json_fast.c), which must
 * give up or build jansson's tree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/dsse.h"
#include "aidreg/event.h"
#include "core/json_fast.h"

#define ASSERT(c) \
  do {            \
    if (!(c)) __builtin_trap(); \
  } while (0)

static void check_problem(const aidreg_problem *p) {
  ASSERT(p->code != AIDREG_OK && p->code < AIDREG_E__COUNT);
  ASSERT(memchr(p->field, '\0', sizeof p->field) && memchr(p->detail, '\0', sizeof p->detail));
  ASSERT(aidreg_utf8_valid((const uint8_t *)p->field, strlen(p->field)));
  ASSERT(aidreg_utf8_valid((const uint8_t *)p->detail, strlen(p->detail)));
  ASSERT(p->field[0] == '\0' || p->field[0] == '/');
}

static void check_empty(const aidreg_envelope *env) {
  ASSERT(env->payload == NULL && env->payload_len == 0 && env->nsig == 0);
}

/* An event, from a payload or from raw input. */
static void event(const uint8_t *data, size_t size) {
  aidreg_event ev;
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (aidreg_event_parse(data, size, &ev, &p) != 0) {
    check_problem(&p);
    ASSERT(ev.root == NULL);
    return;
  }
  ASSERT(ev.root && ev.ledger && ev.type && ev.subject && ev.time_str && json_is_object(ev.body));
  char out[32];
  int64_t back;
  aidreg_rfc3339_format(ev.time, 0, out, sizeof out);
  ASSERT(aidreg_rfc3339_parse(out, &back, NULL) == 0 && back == ev.time);
  (void)aidreg_event_type_find(ev.type);
  aidreg_event_free(&ev);
}

/* The fast reader on what aidreg_json_strict_load gives it (UTF-8 text) agrees with
 * jansson: the same members in the same order, or it leaves the text to jansson. */
static void fast_agrees(const uint8_t *data, size_t size) {
  if (!aidreg_utf8_valid(data, size)) return;
  json_t *fast = ar_json_fast_load(data, size);
  if (!fast) return;
  json_error_t err;
  json_t *slow = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
  ASSERT(slow && json_equal(fast, slow));
  char *a = json_dumps(fast, JSON_COMPACT), *b = json_dumps(slow, JSON_COMPACT);
  ASSERT(a && b && strcmp(a, b) == 0);
  free(a);
  free(b);
  json_decref(slow);
  json_decref(fast);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aidreg_envelope env, again;
  aidreg_problem p;
  aidreg_problem_clear(&p);
  /* The raw input too: behind base64 the fuzzer would rarely reach the event parser's
   * deeper paths, while envelopes are JSON objects it mutates well. */
  event(data, size);
  fast_agrees(data, size);
  if (aidreg_envelope_parse((const char *)data, size, &env, &p) != 0) {
    check_problem(&p);
    check_empty(&env);
    return 0;
  }
  ASSERT(env.payload && env.payload_len > 0 && env.nsig >= 1 && env.nsig <= AIDREG_MAX_SIGNATURES);

  /* The canonical form is accepted and means the same envelope. */
  size_t len = 0;
  char *text = aidreg_envelope_serialize(&env, &len);
  if (text) {
    ASSERT(aidreg_envelope_parse(text, len, &again, &p) == 0);
    ASSERT(again.payload_len == env.payload_len &&
           memcmp(again.payload, env.payload, env.payload_len) == 0);
    ASSERT(again.nsig == env.nsig && memcmp(again.sigs, env.sigs, sizeof env.sigs[0] * env.nsig) == 0);
    aidreg_envelope_free(&again);
    free(text);
  }

  event(env.payload, env.payload_len);
  fast_agrees(env.payload, env.payload_len);
  aidreg_envelope_free(&env);
  return 0;
}
