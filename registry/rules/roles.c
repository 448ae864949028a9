/* Roles and subject kinds by name: the words keys, docs and problems use. */
#include <stddef.h>
#include <string.h>

#include "aidreg/event.h"

const char *aidreg_subject_kind_name(aidreg_subject_kind k) {
  static const char *const names[] = {"county", "key", "project", "asset", "plan", "any", "same", "place"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "";
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
