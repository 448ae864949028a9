/* Strict query strings: see query.h. */
#include "query.h"

#include <stdio.h>
#include <string.h>

#include "reply.h"

int query_u64(const char *s, uint64_t *out) {
  uint64_t n = 0;
  if (!s || !*s) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    unsigned d = (unsigned)(*s - '0');
    if (n > (UINT64_MAX - d) / 10) return -1;
    n = n * 10 + d;
  }
  if (n > INT64_MAX) return -1; /* indices and sizes are PostgreSQL bigints */
  *out = n;
  return 0;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int hex32(const char *s, uint8_t out[32]) {
  if (!s || strlen(s) != 64) return -1;
  for (int i = 0; i < 32; i++) {
    int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

#define QUERY_MAX_PARAMS 16

typedef struct {
  const query_param *spec;
  size_t n;
  aidreg_problem *p;
  bool seen[QUERY_MAX_PARAMS];
  bool failed;
} walk;

static enum MHD_Result visit(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  (void)kind;
  walk *w = cls;
  char field[128];
  problem_field(field, sizeof field, "/query", key ? key : "");
  size_t i = 0;
  while (i < w->n && strcmp(w->spec[i].name, key ? key : "") != 0) i++;
  if (i == w->n) {
    aidreg_problem_set(w->p, AIDREG_E_INVALID_QUERY, field, "unknown query parameter");
  } else if (w->seen[i]) {
    aidreg_problem_set(w->p, AIDREG_E_INVALID_QUERY, field, "query parameter given more than once");
  } else {
    const query_param *q = &w->spec[i];
    w->seen[i] = true;
    if (q->kind == QUERY_CHECK) {
      const query_check *chk = q->out;
      char buf[256];
      const char *why = chk->fn(chk->ctx, value, buf, sizeof buf);
      if (!why) {
        if (q->present) *q->present = true;
        return MHD_YES;
      }
      aidreg_problem_set(w->p, AIDREG_E_INVALID_QUERY, field, "%s", why);
      w->failed = true;
      return MHD_NO;
    }
    int rc = q->kind == QUERY_U64 ? query_u64(value, q->out) : hex32(value, q->out);
    if (rc == 0) {
      if (q->present) *q->present = true;
      return MHD_YES;
    }
    aidreg_problem_set(w->p, AIDREG_E_INVALID_QUERY, field,
                       q->kind == QUERY_U64 ? "expected a decimal integer from 0 to 9223372036854775807"
                                            : "expected 64 hexadecimal digits");
  }
  w->failed = true;
  return MHD_NO;
}

int query_parse(struct MHD_Connection *c, const query_param *spec, size_t n, aidreg_problem *p) {
  walk w = {.spec = spec, .n = n < QUERY_MAX_PARAMS ? n : QUERY_MAX_PARAMS, .p = p};
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, visit, &w);
  return w.failed ? -1 : 0;
}
