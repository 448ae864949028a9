#ifndef AIDREG_EVENT_HOOKS_H
#define AIDREG_EVENT_HOOKS_H
/* Private: what the rules layer attaches to each row of the catalogue (catalogue.c). A
 * type is one row; nothing else in the library branches on a type's name. */
#include <stdbool.h>

#include "rules/domain_internal.h"

struct aidreg_event_hooks {
  /* The body's members and own rules (400/403/422 from the event alone); NULL for the
   * types authority.c validates (ledger.create, key.*). */
  const domain_schema *body;
  /* Where the subject lies and whether it must exist, for the checks that need the state
   * (ar_domain_authorize); NULL when there are none (authority events). */
  dom_locate locate;
  /* The rules against the current state and, when they hold, the entry's effect on it
   * (the projection): one function, because every rule computes the effect it checks.
   * NULL: no effect on the projection (key events, which change the key set). */
  dom_rule rule;
  /* The body member the rule and the subject's log see instead of the whole body, and
   * the schema it is validated with (ledger.create's "settings"). */
  const char *rule_body;
  const domain_schema *rule_body_schema;
  /* The rule writes the subject's log itself (corrections replace slots). */
  bool writes_log;
  /* A key named by the asset's maintainer may sign it whatever its role (the role check
   * is left to ar_domain_authorize, which knows the asset). */
  bool maintainer_may_sign;
};

#endif
