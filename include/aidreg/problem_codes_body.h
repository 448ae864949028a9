/* Problems found in an event body on its own (EVENTS.md "Rules in detail"): rows as in
 * problem_codes.h. Owned by the body validation (registry/domain_validate.c). */
#define AIDREG_PROBLEMS_BODY(X)
