#ifndef AIDREG_AUDIT_H
#define AIDREG_AUDIT_H
/* The audit (docs/audit.md): the checks of AUDIT.md computed from the entries of one
 * checkpoint of a ledger, replayed through the judge (rules/judge.h) into the in-memory
 * state, as of a calendar date. Pure: the same entries and as_of give the same findings in
 * the same order, whoever computes them (the CLI from a server, an export or a database;
 * the server from its own database). No clock is read: the caller passes as_of.
 *
 * Use: aidreg_audit_new, then every leaf of the checkpoint in order (aidreg_audit_leaf),
 * then aidreg_audit_report as often as needed (different dates or filters over the same
 * replay). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/dsse.h"
#include "aidreg/event.h"
#include "aidreg/problem.h"
#include "aidreg/registry.h"
#include "aidreg/verify.h"

#define AIDREG_AUDIT_MUST_USE __attribute__((warn_unused_result))

typedef struct aidreg_audit aidreg_audit;

/* An audit of the ledger of county (6 digits). NULL when out of memory. */
aidreg_audit *aidreg_audit_new(const char *county) AIDREG_AUDIT_MUST_USE;
void aidreg_audit_free(aidreg_audit *a);

/* Replays the leaf at index (the next one: 0, 1, ...). Signatures are the verifier's to
 * check (verify first); everything else is judged again. 0, or -1 with a message in err
 * (the leaf does not parse, the judge refuses it, out of memory): such a ledger is not
 * audited. */
int aidreg_audit_leaf(aidreg_audit *a, uint64_t index, const uint8_t *leaf, size_t len, char *err,
                      size_t cap) AIDREG_AUDIT_MUST_USE;
/* The same for an envelope and its parsed payload (borrowed). */
int aidreg_audit_entry(aidreg_audit *a, uint64_t index, const aidreg_envelope *env, const aidreg_event *ev, char *err,
                       size_t cap) AIDREG_AUDIT_MUST_USE;
/* Verifies the ledger src serves (every check of aidreg_verify_run, same verdict and
 * message) and builds its audit in the same pass: the verifier's replay is the audit's,
 * each entry parsed and judged once. 0 with *out a new audit of every verified entry
 * (its county the ledger's), or -1 with res->failure filled and *out NULL. */
int aidreg_audit_verify(const aidreg_verify_source *src, const aidreg_verify_options *opt, aidreg_verify_result *res,
                        aidreg_audit **out) AIDREG_AUDIT_MUST_USE;
/* Entries replayed so far. */
uint64_t aidreg_audit_size(const aidreg_audit *a) AIDREG_AUDIT_MUST_USE;

typedef struct {
  const char *as_of;   /* YYYY-MM-DD (required) */
  const char *village; /* NULL, or a code prefix: findings whose village it covers */
  const char *check;   /* NULL, or a check id */
  /* The checkpoint the entries come from, named in the report (NULL/0: none). */
  const char *origin;
  uint64_t size;
  const char *root; /* base64 root hash */
} aidreg_audit_query;

/* The report: {"ledger","checkpoint":{"origin","size","root"},"as_of","findings":[...],
 * "counts":{check:n}} with finding = {"check","check_zh","severity","subject","village",
 * "village_name","since","evidence":[index...],"figures":{...},"zh","en","status",
 * "record"}. counts names every check (0 included), after the filters. *out is a new
 * reference. 0, or -1 with err (an as_of that is not a date, an unknown check, out of
 * memory). */
int aidreg_audit_report(aidreg_audit *a, const aidreg_audit_query *q, json_t **out, char *err,
                        size_t cap) AIDREG_AUDIT_MUST_USE;

/* The report as CSV (UTF-8 with BOM, CRLF, one finding a line) or a printable A4 HTML page
 * (Chinese first). malloc'd, NUL-terminated, *len without the NUL; NULL when out of
 * memory. */
char *aidreg_audit_csv(const json_t *report, size_t *len) AIDREG_AUDIT_MUST_USE;
char *aidreg_audit_html(const json_t *report, size_t *len) AIDREG_AUDIT_MUST_USE;

/* County reports (domain.md "Reports a county must produce") from the same replay, as
 * tables {"report","title_zh","title_en","ledger","checkpoint","as_of","columns":[{"key",
 * "zh","en"}],"rows":[...],"summary":{...}} (docs/audit.md "Reports"):
 * 2, the annual inventory (清查) report of year: every asset not disposed with its latest
 * count of that year, the audit's problem list on it and the 整改 tracker of its records;
 * 6, the audit and inspection rectification (审计整改) status: every finding.record with its
 * due, status and resolution, and whether the audit still computes the finding. q's as_of,
 * village and checkpoint are used (check is not). 0, or -1 with err. */
int aidreg_audit_inventory(aidreg_audit *a, const aidreg_audit_query *q, int year, json_t **out, char *err,
                           size_t cap) AIDREG_AUDIT_MUST_USE;
int aidreg_audit_rectification(aidreg_audit *a, const aidreg_audit_query *q, json_t **out, char *err,
                               size_t cap) AIDREG_AUDIT_MUST_USE;
/* A report's table as CSV (BOM, CRLF) or printable HTML (A4 landscape, Chinese). */
char *aidreg_audit_table_csv(const json_t *table, size_t *len) AIDREG_AUDIT_MUST_USE;
char *aidreg_audit_table_html(const json_t *table, size_t *len) AIDREG_AUDIT_MUST_USE;

/* The server's audit: aidreg_audit_report over the latest checkpoint of ledger code in
 * the registry's database (q's checkpoint members are filled from it). Read in one
 * REPEATABLE READ, READ ONLY transaction on a reader connection; the replay is kept per
 * ledger and extended by the entries of each newer checkpoint; one audit at a time. 0, or
 * -1 with p (UNKNOWN_LEDGER, UNAVAILABLE, INTERNAL). Validate q's as_of and check first. */
int aidreg_audit_latest(aidreg_registry *r, const char *code, const aidreg_audit_query *q, json_t **out,
                        aidreg_problem *p) AIDREG_AUDIT_MUST_USE;
/* The replays the server keeps (the process's, for every registry): at most `ledgers`
 * ledgers and `entries` entries in all, the least recently audited dropped first
 * (defaults AIDREG_AUDIT_CACHE_LEDGERS, 8, and AIDREG_AUDIT_CACHE_ENTRIES, 2,000,000). */
void aidreg_audit_cache_limit(size_t ledgers, size_t entries);
/* Ledgers and entries kept now, and every entry replayed so far (what a request cost). */
void aidreg_audit_cache_stats(size_t *ledgers, uint64_t *entries, uint64_t *replayed);
/* The same for a county report: report "inventory" (of year) or "rectification"; NULL: the
 * audit itself. */
int aidreg_audit_latest_report(aidreg_registry *r, const char *code, const aidreg_audit_query *q, const char *report,
                               int year, json_t **out, aidreg_problem *p) AIDREG_AUDIT_MUST_USE;

/* The checks, in AUDIT.md order: the i-th id, NULL past the last; its Chinese name and
 * severity; NULL when id is none. */
const char *aidreg_audit_check_id(size_t i) AIDREG_AUDIT_MUST_USE;
const char *aidreg_audit_check_zh(const char *id) AIDREG_AUDIT_MUST_USE;
const char *aidreg_audit_check_severity(const char *id) AIDREG_AUDIT_MUST_USE;

#endif
