#ifndef AIDREG_AUDIT_INTERNAL_H
#define AIDREG_AUDIT_INTERNAL_H
/* Private to registry/audit: the replayed ledger the checks read, the thresholds, the
 * finding list, and the date arithmetic. audit.c replays and reports, audit_checks.c
 * computes the checks, audit_format.c writes CSV and HTML; audit_util.c is below them. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "aidreg/audit.h"
#include "core/strmap.h"
#include "rules/domain.h"

/* Thresholds in force (ledger.settings, defaults otherwise: docs/audit.md). */
typedef struct {
  int registration_days, value_gap_bp, rights_days, handover_days, repair_days, payout_months, flat_split_min,
      sale_gap_bp, idle_months, unallocated_months, inspection_pw, inspection_op, inspection_hh;
} audit_settings;

/* What a key signed: the latest signer date (Shanghai days) and index. */
typedef struct {
  aidreg_key_state state;
  uint64_t enrolled_at;
  int64_t enrolled_day;
  bool signed_any;
  int64_t last_day;
  uint64_t last_index;
} audit_key;

/* The replay the checks read: the state documents (memstore, after every entry) and
 * the keys. */
typedef struct {
  const char *county;
  const domain_memstore *m;
  const strmap *keys; /* keyid -> audit_key* */
  audit_settings s;
  int64_t as_of; /* days */
} audit_view;

/* The findings being built: a JSON array of finding objects (see audit.h). */
typedef struct {
  json_t *list;
  bool nomem;
} audit_out;

/* The audit object (audit.h). */
struct aidreg_audit {
  char county[16];
  domain_memstore *m;
  domain_store st;
  domain_batch *dom; /* the entries since the last report, over m */
  strmap keys;       /* keyid -> audit_key* */
  uint64_t size;
};
/* audit.c: commits the entries replayed since the last report into a->m. 0 or -1. */
int ar_audit_settle(aidreg_audit *a);

/* ---- audit_util.c ---- */
int64_t ar_audit_days(const char *date);                 /* -1 when not a date (or NULL) */
void ar_audit_date(int64_t days, char out[11]);          /* "2024-03-08" */
int64_t ar_audit_add_months(int64_t days, int months);   /* same day-of-month, clamped */
int64_t ar_audit_shanghai_day(int64_t unix_seconds);
const char *ar_audit_js(const json_t *o, const char *key);
int64_t ar_audit_ji(const json_t *o, const char *key);
void ar_audit_yuan(int64_t fen, char out[32]);
/* The subject's entries in force (the rules' log), in ledger order: a new array of slots
 * {"index","t","type","body",...} (borrowed members), or NULL when out of memory. */
json_t *ar_audit_entries(const domain_memstore *m, const char *subject);
/* The latest slot of type in entries (NULL: none). */
const json_t *ar_audit_last_of(const json_t *entries, const char *type);
/* Adds a finding. evidence: a new JSON array of indexes (stolen); figures: object (stolen).
 * since < 0: none. zh and en are printf formats. */
void ar_audit_add(audit_out *o, const char *check, const char *subject, const char *village, int64_t since,
                  json_t *evidence, json_t *figures, const char *zh, const char *en);
/* "[...]" of the integers given (n of them). */
json_t *ar_audit_ev(size_t n, const uint64_t *idx);
int ar_audit_severity_rank(const char *severity); /* serious 0, warning 1, info 2 */
/* The check's row: Chinese name and severity; NULL when unknown. */
const char *ar_audit_check_zh(const char *id);
const char *ar_audit_check_severity(const char *id);
const char *ar_audit_check_at(size_t i);

/* ---- audit_checks.c ---- */
/* Every check of AUDIT.md over v, into o (unsorted, status not yet set). */
void ar_audit_run_checks(const audit_view *v, audit_out *o);
/* The thresholds in force after the replay. */
void ar_audit_settings(const domain_memstore *m, const char *county, audit_settings *out);

#endif
