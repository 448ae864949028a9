/* libFuzzer target: every event body through the validator of docs/events.md. The input is
 * a payload; once it parses as an event it is validated as itself (ar_domain_validate),
 * then its body is validated as the body of every type of the catalogue (each schema sees
 * every body the fuzzer makes, not only those whose type string it guessed), as a
 * correction's replacement and as ledger settings. Checked beyond crashes, leaks and UB:
 * a refusal is a well-formed problem (valid UTF-8, NUL-terminated, field a JSON pointer
 * under the prefix asked for), an acceptance leaves the problem clear, and the verdict
 * does not change when asked twice (no hidden state). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "fuzz_common.h"
#include "rules/domain_validate.h"

#define COUNTY "522731"

static void verdict(int rc, const aidreg_problem *p, const char *prefix) {
  if (rc == 0) {
    ASSERT(p->code == AIDREG_OK);
    return;
  }
  ASSERT(rc == -1);
  fuzz_check_problem(p);
  if (prefix) ASSERT(p->field[0] == '\0' || strncmp(p->field, prefix, strlen(prefix)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  aidreg_event ev;
  aidreg_problem p, q;
  aidreg_problem_clear(&p);
  if (aidreg_event_parse(data, size, &ev, &p) != 0) return 0;

  aidreg_problem_clear(&p);
  int rc = ar_domain_validate(&ev, COUNTY, &p);
  verdict(rc, &p, "/");
  if (getenv("FUZZ_VERBOSE")) fprintf(stderr, "%s: %s %s %s\n", ev.type, rc ? "refused" : "accepted", p.field, p.detail);
  aidreg_problem_clear(&q);
  ASSERT(ar_domain_validate(&ev, COUNTY, &q) == rc && q.code == p.code && strcmp(q.field, p.field) == 0);

  for (const aidreg_event_type *t = aidreg_event_types(); t->name; t++) {
    aidreg_problem_clear(&p);
    rc = ar_domain_validate_body_as(t->name, ev.body, &ev, COUNTY, "/body", &p);
    verdict(rc, &p, "/body");
    aidreg_problem_clear(&q);
    ASSERT(ar_domain_validate_body_of(t, t->name, ev.body, &ev, COUNTY, "/body", &q) == rc && q.code == p.code);
    /* A schema-less type (ledger.create, key.*) is refused here, never accepted. */
    if (!ar_domain_schema_of(t)) ASSERT(rc == -1);
  }
  aidreg_problem_clear(&p);
  verdict(ar_domain_validate_body_as(ev.type, ev.body, &ev, COUNTY, "/body/body", &p), &p, "/body/body");

  domain_settings s;
  if (ar_domain_settings_parse(ev.body, &s) == 0) {
    json_t *back = ar_domain_settings_json(&s);
    ASSERT(back != NULL);
    domain_settings again;
    ASSERT(ar_domain_settings_parse(back, &again) == 0 && memcmp(&s, &again, sizeof s) == 0);
    json_decref(back);
  }
  aidreg_event_free(&ev);
  return 0;
}
