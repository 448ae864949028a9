/* The docs against the code: docs/events.md "Who may sign what" row by row against the
 * event catalogue (registry/rules/catalogue.c), and the tables of docs/api.md "Problems" against
 * the problem registry (include/aidreg/problem_codes*.h). Clients and outside verifiers
 * read the docs, so a type, role, label, slug or status changed in one place only must
 * fail here, naming the row. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/problem.h"
#include "test.h"

#ifndef AIDREG_SOURCE_DIR
#error "AIDREG_SOURCE_DIR must name the source tree (tests/CMakeLists.txt)"
#endif

#define MAX_CELLS 8

/* The whole file, NUL-terminated; NULL (with a failed check) when it cannot be read. */
static char *slurp(const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", AIDREG_SOURCE_DIR, rel);
  FILE *f = fopen(path, "rb");
  CHECK_MSG(f != NULL, "cannot open %s", path);
  if (!f) return NULL;
  char *buf = NULL;
  size_t len = 0, cap = 0, n;
  char chunk[4096];
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (len + n + 1 > cap) {
      cap = (len + n + 1) * 2;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        CHECK_MSG(false, "out of memory reading %s", path);
        return NULL;
      }
      buf = nb;
    }
    memcpy(buf + len, chunk, n);
    len += n;
  }
  fclose(f);
  if (!buf) buf = calloc(1, 1);
  else buf[len] = '\0';
  return buf;
}

/* A markdown section: from the line after `heading` (a whole line) to the next "## "
 * heading. *line gets the heading's line number. Returns false if there is none. */
static bool section(const char *doc, const char *heading, const char **start, const char **end, int *line) {
  size_t hl = strlen(heading);
  int ln = 1;
  for (const char *p = doc; *p; ln++) {
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    if (n == hl && memcmp(p, heading, hl) == 0) {
      *start = eol ? eol + 1 : p + n;
      const char *next = strstr(*start, "\n## ");
      *end = next ? next + 1 : *start + strlen(*start);
      *line = ln;
      return true;
    }
    if (!eol) break;
    p = eol + 1;
  }
  return false;
}

/* Splits a table row "| a | `b` | c |" into trimmed cells without backticks, written
 * into buf. Returns the number of cells, or -1 if the line is not a table row. */
static int cells(const char *row, size_t n, char *buf, size_t cap, char *cell[MAX_CELLS]) {
  if (n == 0 || row[0] != '|' || n >= cap) return -1;
  memcpy(buf, row, n);
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\r')) buf[--n] = '\0';
  if (n > 1 && buf[n - 1] == '|') buf[--n] = '\0';
  int k = 0;
  char *p = buf + 1;
  while (p && k < MAX_CELLS) {
    char *bar = strchr(p, '|');
    if (bar) *bar = '\0';
    while (*p == ' ') p++;
    size_t l = strlen(p);
    while (l > 0 && p[l - 1] == ' ') p[--l] = '\0';
    if (l >= 2 && p[0] == '`' && p[l - 1] == '`') {
      p[l - 1] = '\0';
      p++;
    }
    cell[k++] = p;
    p = bar ? bar + 1 : NULL;
  }
  return k;
}

/* "| --- | :---: |" */
static bool separator(char *cell[], int k) {
  for (int i = 0; i < k; i++)
    if (strspn(cell[i], "-: ") != strlen(cell[i]) || !strchr(cell[i], '-')) return false;
  return true;
}

/* Calls row(line number, cells) for every body row of every table in [start, end):
 * header rows (the line before a separator) and separators are skipped. */
typedef void (*row_fn)(int line, char *cell[], int k, void *ctx);

/* line: the number of the line at start. */
static void each_row(const char *start, const char *end, int line, row_fn row, void *ctx) {
  char buf[2048], next_buf[2048];
  char *cell[MAX_CELLS], *next_cell[MAX_CELLS];
  for (const char *p = start; p < end; line++) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
    int k = cells(p, n, buf, sizeof buf, cell);
    const char *q = eol ? eol + 1 : end;
    if (k > 0) {
      /* A header is followed by a separator line: skip both. */
      const char *qe = q < end ? memchr(q, '\n', (size_t)(end - q)) : NULL;
      size_t qn = qe ? (size_t)(qe - q) : (size_t)(end - q);
      int nk = q < end ? cells(q, qn, next_buf, sizeof next_buf, next_cell) : -1;
      if (nk > 0 && separator(next_cell, nk)) {
        p = qe ? qe + 1 : end;
        line++; /* and the loop's: two lines */
        continue;
      }
      if (!separator(cell, k)) row(line, cell, k, ctx);
    }
    p = q;
  }
}

/* ---- docs/events.md "Who may sign what" ------------------------------------------------- */

#define EVENTS_MD "docs/events.md"

typedef struct {
  size_t ntypes;
  int seen[64]; /* line of each catalogue type's row, 0 when none */
} events_ctx;

static void roles_text(unsigned roles, char *out, size_t cap) {
  out[0] = '\0';
  for (unsigned bit = 1; bit <= AIDREG_ROLES_ANY; bit <<= 1) {
    if (!(roles & bit)) continue;
    size_t l = strlen(out);
    snprintf(out + l, cap - l, "%s%s", l ? ", " : "", aidreg_role_name((aidreg_role)bit));
  }
}

static void events_row(int line, char *cell[], int k, void *vctx) {
  events_ctx *ctx = vctx;
  CHECK_MSG(k == 4, EVENTS_MD ":%d: a row has 4 cells (type | 中文 | roles | subject), this one %d", line, k);
  if (k != 4) return;
  const char *name = cell[0];
  const aidreg_event_type *t = aidreg_event_type_find(name);
  CHECK_MSG(t != NULL, EVENTS_MD ":%d: `%s` is not an event type of the catalogue (registry/rules/catalogue.c)", line,
            name);
  if (!t) return;
  size_t i = (size_t)(t - aidreg_event_types());
  CHECK_MSG(ctx->seen[i] == 0, EVENTS_MD ":%d: `%s` has a row already, at line %d", line, name, ctx->seen[i]);
  ctx->seen[i] = line;

  CHECK_MSG(strcmp(cell[1], t->label_zh) == 0, EVENTS_MD ":%d: `%s`: label \"%s\", the catalogue's is \"%s\"", line,
            name, cell[1], t->label_zh);

  /* Roles: a comma-separated list of role names, in any order. */
  unsigned roles = 0;
  char list[256];
  snprintf(list, sizeof list, "%s", cell[2]);
  char *save = NULL;
  for (char *r = strtok_r(list, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
    while (*r == ' ') r++;
    size_t l = strlen(r);
    while (l > 0 && r[l - 1] == ' ') r[--l] = '\0';
    aidreg_role bit = aidreg_role_parse(r);
    CHECK_MSG(bit != 0, EVENTS_MD ":%d: `%s`: \"%s\" is not a role", line, name, r);
    roles |= (unsigned)bit;
  }
  char want[128];
  roles_text(t->roles, want, sizeof want);
  CHECK_MSG(roles == t->roles, EVENTS_MD ":%d: `%s`: roles \"%s\", the catalogue's are \"%s\"", line, name, cell[2],
            want);

  const char *subject = aidreg_subject_kind_name(t->subject);
  CHECK_MSG(strcmp(cell[3], subject) == 0, EVENTS_MD ":%d: `%s`: subject \"%s\", the catalogue's is \"%s\"", line,
            name, cell[3], subject);
}

static void test_events(void) {
  char *doc = slurp(EVENTS_MD);
  if (!doc) return;
  events_ctx ctx = {0};
  for (const aidreg_event_type *t = aidreg_event_types(); t->name; t++) ctx.ntypes++;
  CHECK_MSG(ctx.ntypes > 0 && ctx.ntypes <= sizeof ctx.seen / sizeof ctx.seen[0], "catalogue of %zu types",
            ctx.ntypes);
  const char *start, *end;
  int line;
  bool found = section(doc, "## Who may sign what", &start, &end, &line);
  CHECK_MSG(found, EVENTS_MD ": no section \"## Who may sign what\"");
  if (found && ctx.ntypes <= sizeof ctx.seen / sizeof ctx.seen[0]) {
    each_row(start, end, line + 1, events_row, &ctx);
    const aidreg_event_type *types = aidreg_event_types();
    for (size_t i = 0; i < ctx.ntypes; i++)
      CHECK_MSG(ctx.seen[i] != 0, EVENTS_MD ": \"Who may sign what\" has no row for `%s` (%s)", types[i].name,
                types[i].label_zh);
  }
  free(doc);
}

/* ---- docs/api.md "Problems" ------------------------------------------------------------- */

#define API_MD "docs/api.md"
#define TYPE_PREFIX "urn:aidreg:problem:"

typedef struct {
  int seen[AIDREG_E__COUNT]; /* line of each code's row, 0 when none */
} problems_ctx;

static void problems_row(int line, char *cell[], int k, void *vctx) {
  problems_ctx *ctx = vctx;
  CHECK_MSG(k == 3, API_MD ":%d: a problem row has 3 cells (type | status | title), this one %d", line, k);
  if (k != 3) return;
  size_t pl = strlen(TYPE_PREFIX);
  CHECK_MSG(strncmp(cell[0], TYPE_PREFIX, pl) == 0, API_MD ":%d: \"%s\" is not a problem type (%s<slug>)", line,
            cell[0], TYPE_PREFIX);
  if (strncmp(cell[0], TYPE_PREFIX, pl) != 0) return;
  const char *slug = cell[0] + pl;
  aidreg_code code = AIDREG_OK;
  for (int c = AIDREG_OK + 1; c < AIDREG_E__COUNT; c++)
    if (strcmp(aidreg_problem_slug((aidreg_code)c), slug) == 0) code = (aidreg_code)c;
  CHECK_MSG(code != AIDREG_OK, API_MD ":%d: `%s` is not a slug of the problem registry (problem_codes*.h)", line,
            slug);
  if (code == AIDREG_OK) return;
  CHECK_MSG(ctx->seen[code] == 0, API_MD ":%d: `%s` has a row already, at line %d", line, slug, ctx->seen[code]);
  ctx->seen[code] = line;

  char *endp = NULL;
  long status = strtol(cell[1], &endp, 10);
  CHECK_MSG(endp && endp != cell[1] && *endp == '\0' && status == aidreg_problem_status(code),
            API_MD ":%d: `%s`: status \"%s\", the registry's is %d", line, slug, cell[1], aidreg_problem_status(code));
  CHECK_MSG(strcmp(cell[2], aidreg_problem_title(code)) == 0, API_MD ":%d: `%s`: title \"%s\", the registry's is \"%s\"",
            line, slug, cell[2], aidreg_problem_title(code));
}

static void test_problems(void) {
  char *doc = slurp(API_MD);
  if (!doc) return;
  const char *start, *end;
  int line;
  bool found = section(doc, "## Problems", &start, &end, &line);
  CHECK_MSG(found, API_MD ": no section \"## Problems\"");
  if (found) {
    problems_ctx ctx = {0};
    each_row(start, end, line + 1, problems_row, &ctx);
    for (int c = AIDREG_OK + 1; c < AIDREG_E__COUNT; c++)
      CHECK_MSG(ctx.seen[c] != 0, API_MD ": \"Problems\" has no row for `%s%s` (%d, %s)", TYPE_PREFIX,
                aidreg_problem_slug((aidreg_code)c), aidreg_problem_status((aidreg_code)c),
                aidreg_problem_title((aidreg_code)c));
  }
  free(doc);
}

/* The table reader itself, on rows whose answers are known. */
static void test_cells(void) {
  char buf[256];
  char *cell[MAX_CELLS];
  const char *row = "| `asset.operator` | 经营方式/主体 | county, township |  any |";
  CHECK(cells(row, strlen(row), buf, sizeof buf, cell) == 4);
  CHECK_STR(cell[0], "asset.operator");
  CHECK_STR(cell[1], "经营方式/主体");
  CHECK_STR(cell[2], "county, township");
  CHECK_STR(cell[3], "any");
  const char *sep = "| --- | :---: |";
  int k = cells(sep, strlen(sep), buf, sizeof buf, cell);
  CHECK(k == 2 && separator(cell, k));
  CHECK(cells("not a row", 9, buf, sizeof buf, cell) == -1);
  char want[128];
  roles_text(AIDREG_ROLES_ANY, want, sizeof want);
  CHECK_STR(want, "county, township, village, operator, auditor");
}

int main(void) {
  test_cells();
  test_events();
  test_problems();
  return test_done();
}
