#include "aidreg/problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/json_strict_private.h"

static const struct {
  int status;
  const char *slug;
  const char *title;
} rows[AIDREG_E__COUNT] = {
  [AIDREG_OK] = {200, "ok", "OK"},
#define AIDREG_X_ROW(name, status, slug, title) [AIDREG_E_##name] = {status, slug, title},
  AIDREG_ALL_PROBLEMS(AIDREG_X_ROW)
#undef AIDREG_X_ROW
};

int aidreg_problem_set(aidreg_problem *p, aidreg_code code, const char *field, const char *fmt, ...) {
  if (!p) return -1;
  p->code = code;
  /* Text cut to fit is cut at a character boundary: the server puts it into JSON. */
  if (snprintf(p->field, sizeof p->field, "%s", field ? field : "") >= (int)sizeof p->field)
    p->field[ar_utf8_cut(p->field, sizeof p->field - 1)] = '\0';
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(p->detail, sizeof p->detail, fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof p->detail) p->detail[ar_utf8_cut(p->detail, sizeof p->detail - 1)] = '\0';
  return -1;
}

void aidreg_problem_clear(aidreg_problem *p) {
  if (p) memset(p, 0, sizeof *p);
}

void aidreg_problem_prefix_field(aidreg_problem *p, const char *prefix) {
  if (!p || !prefix || !*prefix) return;
  char f[sizeof p->field + 64];
  int n = snprintf(f, sizeof f, "%s%s", prefix, p->field);
  size_t keep = n < 0 ? 0 : (size_t)n < sizeof p->field ? (size_t)n : ar_utf8_cut(f, sizeof p->field - 1);
  memcpy(p->field, f, keep);
  p->field[keep] = '\0';
}

static int valid(aidreg_code c) { return c >= 0 && c < AIDREG_E__COUNT; }

int aidreg_problem_status(aidreg_code c) { return valid(c) ? rows[c].status : 500; }
const char *aidreg_problem_slug(aidreg_code c) { return valid(c) ? rows[c].slug : "internal"; }
const char *aidreg_problem_title(aidreg_code c) { return valid(c) ? rows[c].title : "Internal error"; }

void aidreg_problem_type_uri(aidreg_code c, char *out, size_t cap) {
  snprintf(out, cap, "urn:aidreg:problem:%s", aidreg_problem_slug(c));
}
