/* libFuzzer target: query strings through the server's strict parser, api/query.c (and
 * the problem it writes, api/reply.c's problem_field and problem_json), compiled in as
 * they are. libmicrohttpd's own splitting is replaced by a stand-in for
 * MHD_get_connection_values over the input ("a=1&b&c=%41+"; percent-decoded as MHD does,
 * a key without '=' has the value NULL), so that the input is the query string itself. The
 * specs are the server's kinds: decimal indices (QUERY_U64), 64-hex hashes (QUERY_HEX32)
 * and an endpoint's own check (QUERY_CHECK). Checked: an accepted query set only the
 * outputs of parameters present, with values that format back to the input's; a refusal
 * is INVALID_QUERY at /query/<name> and serialises as a problem document. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "query.h"
#include "reply.h"

/* What api/reply.c needs from the rest of the server. */
void metrics_count(int slot, unsigned status) {
  (void)slot;
  (void)status;
}
void metrics_observe(int slot, int64_t started_ns) {
  (void)slot;
  (void)started_ns;
}
const char *router_pattern(int slot) {
  (void)slot;
  return "fuzz";
}

struct MHD_Connection {
  const char *query;
  size_t len;
};

static int unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* '+' to space and %XX to its byte, in place; a malformed escape stays as it is (as MHD). */
static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '+') {
      *w++ = ' ';
    } else if (*r == '%' && unhex(r[1]) >= 0 && unhex(r[2]) >= 0) {
      *w++ = (char)(unhex(r[1]) << 4 | unhex(r[2]));
      r += 2;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
}

int MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind, MHD_KeyValueIterator it,
                              void *cls) {
  if (kind != MHD_GET_ARGUMENT_KIND) return 0;
  char *buf = malloc(c->len + 1);
  ASSERT(buf != NULL);
  memcpy(buf, c->query, c->len);
  buf[c->len] = '\0';
  int n = 0;
  char *save = NULL;
  for (char *pair = strtok_r(buf, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(pair, '=');
    if (eq) *eq = '\0';
    unescape(pair);
    if (eq) unescape(eq + 1);
    n++;
    if (it && it(cls, MHD_GET_ARGUMENT_KIND, pair, eq ? eq + 1 : NULL) != MHD_YES) break;
  }
  free(buf);
  return n;
}

/* A QUERY_CHECK: "open", "closed" or nothing. */
static const char *status_check(void *ctx, const char *value, char *buf, size_t cap) {
  if (value && (strcmp(value, "open") == 0 || strcmp(value, "closed") == 0)) {
    snprintf((char *)ctx, 16, "%s", value);
    return NULL;
  }
  /* Endpoints do not echo the value (it may not be UTF-8; api/h_state.c names only digits). */
  snprintf(buf, cap, "expected open or closed, not %zu bytes", value ? strlen(value) : 0);
  return buf;
}

static void refused(const aidreg_problem *p) {
  fuzz_check_problem(p);
  ASSERT(p->code == AIDREG_E_INVALID_QUERY && strncmp(p->field, "/query/", 7) == 0);
  json_t *doc = problem_json(p, NULL);
  ASSERT(doc != NULL);
  char *text = json_dumps(doc, JSON_COMPACT);
  ASSERT(text != NULL);
  free(text);
  json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct MHD_Connection c = {.query = (const char *)data, .len = size};
  if (memchr(data, '\0', size)) return 0; /* a C string in MHD */
  aidreg_problem p;

  /* No parameters allowed (most endpoints). */
  aidreg_problem_clear(&p);
  int any = MHD_get_connection_values(&c, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0;
  int rc = query_parse(&c, NULL, 0, &p);
  ASSERT(rc == (any ? -1 : 0));
  if (rc) refused(&p);

  /* ?from=&limit=&hash=&status= */
  uint64_t from = 7, limit = 7;
  uint8_t hash[32];
  memset(hash, 0xee, sizeof hash);
  char status[16] = "";
  bool has_from = false, has_limit = false, has_hash = false, has_status = false;
  query_check chk = {status_check, status};
  const query_param spec[] = {
      {"from", QUERY_U64, &from, &has_from},
      {"limit", QUERY_U64, &limit, &has_limit},
      {"hash", QUERY_HEX32, hash, &has_hash},
      {"status", QUERY_CHECK, &chk, &has_status},
  };
  aidreg_problem_clear(&p);
  rc = query_parse(&c, spec, sizeof spec / sizeof spec[0], &p);
  if (rc) {
    refused(&p);
  } else {
    ASSERT(p.code == AIDREG_OK);
    if (!has_from) ASSERT(from == 7);
    if (has_from) ASSERT(from <= INT64_MAX);
    if (!has_limit) ASSERT(limit == 7);
    if (has_status) ASSERT(strcmp(status, "open") == 0 || strcmp(status, "closed") == 0);
    else ASSERT(status[0] == '\0');
  }

  /* query_u64 on the input itself: what it accepts prints back as the input. */
  char *s = malloc(size + 1);
  ASSERT(s != NULL);
  memcpy(s, data, size);
  s[size] = '\0';
  uint64_t v;
  if (query_u64(s, &v) == 0) {
    char out[32];
    snprintf(out, sizeof out, "%" PRIu64, v);
    ASSERT(v <= INT64_MAX && (strcmp(out, s) == 0 || (s[0] == '0' && strspn(s, "0123456789") == size)));
  }
  free(s);
  return 0;
}
