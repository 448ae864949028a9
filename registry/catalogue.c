/* The event catalogue of EVENTS.md: each type, the roles whose keys may sign it and what
 * its subject names. Rules that depend on the ledger (an asset's operator or maintainer,
 * the corrected entry's signer, the root key) are checked elsewhere; here only the roles. */
#include <string.h>

#include "aidreg/event.h"

#define C AIDREG_ROLE_COUNTY
#define T AIDREG_ROLE_TOWNSHIP
#define V AIDREG_ROLE_VILLAGE
#define O AIDREG_ROLE_OPERATOR
#define A AIDREG_ROLE_AUDITOR

static const aidreg_event_type types[] = {
  /* Authority. ledger.create: the root key, which holds the county role. */
  {"ledger.create", C, AIDREG_SUBJ_COUNTY},
  {"ledger.settings", C, AIDREG_SUBJ_COUNTY},
  {"key.enroll", C | T, AIDREG_SUBJ_KEY},
  /* "The enroller's role or above": only county and township keys enrol. */
  {"key.revoke", C | T, AIDREG_SUBJ_KEY},
  /* Projects and assets. */
  {"project.register", C, AIDREG_SUBJ_PROJECT},
  {"asset.register", C, AIDREG_SUBJ_ASSET},
  {"asset.rights", C, AIDREG_SUBJ_ASSET},
  {"asset.handover", C | T, AIDREG_SUBJ_ASSET},
  {"asset.operator", C | T | V, AIDREG_SUBJ_ASSET},
  {"asset.maintainer", C | T | V, AIDREG_SUBJ_ASSET},
  {"asset.status", AIDREG_ROLES_ANY, AIDREG_SUBJ_ASSET},
  /* The asset's maintainer key may also sign, whatever its role: a ledger rule. */
  {"maintenance.report", C | T | V, AIDREG_SUBJ_ASSET},
  {"inventory.count", C | T | V, AIDREG_SUBJ_ASSET},
  /* Income and its allocation. An operator only for assets whose asset.operator names it. */
  {"income.report", C | V | O, AIDREG_SUBJ_ASSET},
  {"allocation.plan", V, AIDREG_SUBJ_PLAN},
  {"allocation.review", T, AIDREG_SUBJ_PLAN},
  {"allocation.filed", C, AIDREG_SUBJ_PLAN},
  {"notice.publish", T | V, AIDREG_SUBJ_ANY},
  {"allocation.payout", V, AIDREG_SUBJ_PLAN},
  /* Disposal, audit, correction. */
  {"disposal.request", T | V, AIDREG_SUBJ_ASSET},
  {"disposal.approve", C, AIDREG_SUBJ_ASSET},
  {"disposal.complete", C | T | V, AIDREG_SUBJ_ASSET},
  {"finding.record", C | A, AIDREG_SUBJ_ANY},
  {"finding.resolve", C | T | V, AIDREG_SUBJ_ANY},
  /* "The original signer's role or above", judged against the corrected entry. */
  {"correction", AIDREG_ROLES_ANY, AIDREG_SUBJ_SAME},
  {NULL, 0, AIDREG_SUBJ_ANY},
};

#undef C
#undef T
#undef V
#undef O
#undef A

const aidreg_event_type *aidreg_event_types(void) { return types; }

const aidreg_event_type *aidreg_event_type_find(const char *name) {
  if (!name) return NULL;
  for (const aidreg_event_type *t = types; t->name; t++)
    if (strcmp(t->name, name) == 0) return t;
  return NULL;
}

static const struct {
  aidreg_role role;
  const char *name;
} roles[] = {
  {AIDREG_ROLE_COUNTY, "county"},     {AIDREG_ROLE_TOWNSHIP, "township"},
  {AIDREG_ROLE_VILLAGE, "village"},   {AIDREG_ROLE_OPERATOR, "operator"},
  {AIDREG_ROLE_AUDITOR, "auditor"},
};

aidreg_role aidreg_role_parse(const char *s) {
  if (!s) return 0;
  for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
    if (strcmp(roles[i].name, s) == 0) return roles[i].role;
  return 0;
}

/* NULL for anything but a single role bit. */
const char *aidreg_role_name(aidreg_role r) {
  for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
    if (roles[i].role == r) return roles[i].name;
  return NULL;
}
