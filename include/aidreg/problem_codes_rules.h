/* Problems of the domain rules checked against the current state (EVENTS.md "Rules the
 * ledger refuses to break"): rows as in problem_codes.h. Owned by registry/domain*.c. */
#define AIDREG_PROBLEMS_RULES(X)
