#ifndef AIDREG_PROBLEM_H
#define AIDREG_PROBLEM_H
/* Refusals as data: every library call that can refuse input fills an aidreg_problem,
 * which the server turns into an RFC 9457 body and the CLI into a message. */
#include <stddef.h>

#include "aidreg/problem_codes.h"
#include "aidreg/problem_codes_body.h"
#include "aidreg/problem_codes_rules.h"
#include "aidreg/problem_codes_blob.h"

/* Every problem row, in enum order. */
#define AIDREG_ALL_PROBLEMS(X) AIDREG_PROBLEMS(X) AIDREG_PROBLEMS_BODY(X) AIDREG_PROBLEMS_RULES(X) AIDREG_PROBLEMS_BLOB(X)

typedef enum {
  AIDREG_OK = 0,
#define AIDREG_X_ENUM(name, status, slug, title) AIDREG_E_##name,
  AIDREG_ALL_PROBLEMS(AIDREG_X_ENUM)
#undef AIDREG_X_ENUM
  AIDREG_E__COUNT
} aidreg_code;

typedef struct {
  aidreg_code code;
  char field[128];  /* JSON pointer of the field at fault, "" when none */
  char detail[512]; /* human explanation, specific to this refusal */
} aidreg_problem;

/* Fill p (when p is non-NULL). field may be NULL. Returns -1 so callers can
 * `return aidreg_problem_set(...)`. */
int aidreg_problem_set(aidreg_problem *p, aidreg_code code, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void aidreg_problem_clear(aidreg_problem *p);
/* Puts prefix in front of p->field (a JSON pointer), truncating if it must. */
void aidreg_problem_prefix_field(aidreg_problem *p, const char *prefix);

int aidreg_problem_status(aidreg_code code);      /* HTTP status */
const char *aidreg_problem_slug(aidreg_code code); /* "stale-prev" */
const char *aidreg_problem_title(aidreg_code code);
/* Writes "urn:aidreg:problem:<slug>" into out. */
void aidreg_problem_type_uri(aidreg_code code, char *out, size_t cap);

#endif
