#ifndef AIDREG_DOMAIN_INTERNAL_H
#define AIDREG_DOMAIN_INTERNAL_H
/* Private to registry/domain*.c: the overlay of documents, the entry being judged, and
 * the rule functions of each concern.
 *
 * Documents (kind/id):
 *   settings/<county>  {"current":{…full settings…},"history":[{"from":index,"settings":{…}}]}
 *   project/<code>, asset/<code>, plan/<id>, village/<code>: the current state (state.h)
 *   income/<ref>       one income report (ref of its income.report) and what plans draw on it
 *   finding/<ref>      one finding (ref of its finding.record) and its resolution
 *   log/<subject>      the subject's entries in force, for corrections:
 *                      {"kind","count","sealed","tail":[slot…],"superseded":{ref:{"by","index","reversed"}}}
 *                      with the older slots in logc/<subject>#<k> {"entries":[32 slots]};
 *                      slot = {"ref","root","index","t","type","body","roles","signers","by"?,"effect"?}
 *                      ("signers": the key ids that signed the entry in force; absent from
 *                      slots written before it was recorded)
 * A replacement takes its original's slot (same index, root; ref and t of the correction);
 * a correction of an allocation.plan adds a marker slot (type "correction", effect
 * "redraft" or "withdraw") at its own index.
 *
 * Every change goes through ar_dom_edit/ar_dom_put, which journal the previous version, so a
 * refused entry leaves the overlay exactly as before (dom_event_rollback). */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/json_strict_private.h"
#include "rules/domain.h"
#include "rules/domain_validate.h"

typedef enum { SK_NONE = 0, SK_COUNTY, SK_PROJECT, SK_ASSET, SK_PLAN, SK_VILLAGE, SK_TOWNSHIP } dom_subject_kind;

/* The entry being judged: live, or a slot replayed by a correction. */
typedef struct {
  const char *type;
  const char *subject;
  const json_t *body;
  int64_t time;     /* signer's time (of the correction for a replacement) */
  uint64_t index;   /* the slot's position in the ledger */
  const char *ref;  /* hex payload hash of the entry in force */
  const char *root; /* hex payload hash of the original entry */
  bool replay;
  const aidreg_event *ev; /* the live entry (NULL when replayed from a slot) */
  unsigned roles;         /* the live entry's signers' roles */
  const json_t *signers;  /* the signers' key ids (array of strings, borrowed), or NULL */
} dom_entry;

typedef int (*dom_rule)(domain_batch *d, const dom_entry *e, aidreg_problem *p);

/* Where a subject lies, for the checks that need the state (ar_domain_authorize.c). */
#define DOM_MAX_LOCATIONS 64
typedef struct {
  dom_subject_kind kind;
  const json_t *doc;    /* the subject's document (asset, plan, project), borrowed, or NULL */
  const json_t *target; /* a correction: the slot of the corrected entry, or NULL */
  const char *codes[DOM_MAX_LOCATIONS];
  size_t n;             /* the codes it lies at (borrowed) */
} dom_where;
/* Finds the subject of ev (of catalogue type t): fills w, or refuses (existence 422,
 * UNAVAILABLE). */
typedef int (*dom_locate)(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                          aidreg_problem *p);
/* ar_domain_authorize.c: the locate hook of each kind of type. */
int ar_dom_locate_county(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                      aidreg_problem *p);
int ar_dom_locate_new_project(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                           aidreg_problem *p);
int ar_dom_locate_new_asset(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                         aidreg_problem *p);
int ar_dom_locate_new_plan(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                        aidreg_problem *p);
int ar_dom_locate_place(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                     aidreg_problem *p);
int ar_dom_locate_existing(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, dom_where *w,
                        aidreg_problem *p);

/* ---- documents (domain.c) ---- */
/* Borrowed, read-only; NULL when absent (or on a store error: ar_dom_failed). Valid until
 * the end of the current entry. */
const json_t *ar_dom_get(domain_batch *d, const char *kind, const char *id);
/* A mutable version of an existing document (NULL when absent). */
json_t *ar_dom_edit(domain_batch *d, const char *kind, const char *id);
/* The same for a rule that only sets or deletes top-level members (ar_dom_jset, ar_ji_add):
 * the document is copied one level, its nested objects and arrays are shared with the
 * version before this entry and must not be changed (ar_dom_edit for that, even later in
 * the same entry). An entry's edit copied the whole asset document before (a tenth of a
 * replay's CPU: docs/benchmark.md, "Audit"). */
json_t *ar_dom_edit_top(domain_batch *d, const char *kind, const char *id);
/* Replaces (steals doc) or, with doc NULL, deletes. 0 or -1 (out of memory). */
int ar_dom_put(domain_batch *d, const char *kind, const char *id, json_t *doc);
/* Starts a read-only look at the state (ar_domain_authorize): clears the failure flag. */
void ar_dom_read_begin(domain_batch *d);
/* A store error happened during this entry (or we ran out of memory: ar_dom_nomem). */
bool ar_dom_failed(const domain_batch *d);
void ar_dom_fail_store(domain_batch *d);
/* Out of memory during this entry: sticky until the entry ends, when ar_domain_apply turns
 * it into an INTERNAL refusal (never a verdict) and rolls the entry back. */
void ar_dom_nomem(domain_batch *d);
bool ar_dom_out_of_memory(const domain_batch *d);
/* o[key] = val (stolen; NULL val is a failure), arr += val (stolen). On failure val is
 * released, the entry is marked out of memory (ar_dom_nomem) and -1 returned: a rule may
 * go on to its end and let ar_domain_apply refuse, or return at once. */
int ar_dom_jset(domain_batch *d, json_t *o, const char *key, json_t *val);
int ar_dom_jpush(domain_batch *d, json_t *arr, json_t *val);
/* The same with val borrowed (a new reference is taken). */
static inline int dom_jsetb(domain_batch *d, json_t *o, const char *key, json_t *val) {
  return ar_dom_jset(d, o, key, json_incref(val));
}
static inline int dom_jpushb(domain_batch *d, json_t *arr, json_t *val) { return ar_dom_jpush(d, arr, json_incref(val)); }
const char *ar_dom_county(const domain_batch *d);
/* The signers' key ids as a JSON array of strings (new reference; NULL out of memory): the
 * previous entry's array again when the key ids are the same, so that the slots of a
 * replay share one array per run of entries by the same keys (slots are never changed). */
json_t *ar_dom_signers(domain_batch *d, const aidreg_key_state *signers, size_t nsig);
/* The settings in force at index. */
void ar_dom_settings_at(domain_batch *d, uint64_t index, domain_settings *out);
/* The subject of an accepted entry (this batch's or the store's): 1, 0 or -1. */
int ar_dom_ref_subject(domain_batch *d, const char *ref, char *subject, size_t cap);
/* Index of the entry being applied (live or correction). */
uint64_t ar_dom_now_index(const domain_batch *d);

/* ---- json helpers ---- */
const char *ar_js(const json_t *o, const char *key);        /* string member or NULL */
int64_t ar_ji(const json_t *o, const char *key);            /* integer member or 0 */
/* Member or JSON null (never NULL): for json_pack "O". */
static inline json_t *jget(const json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return v ? v : json_null();
}
bool ar_fen_add(int64_t *acc, int64_t v);                   /* false on overflow */
void ar_fen_text(int64_t fen, char out[32]);                /* "1234.56" */
/* Sets o[key] += v (integer member, created at 0). false on overflow, or out of memory
 * (then marked with ar_dom_nomem: ar_domain_apply refuses as INTERNAL, whatever the rule says). */
bool ar_ji_add(domain_batch *d, json_t *o, const char *key, int64_t v);
/* Array element whose member key equals val, or NULL; *at gets its position. */
json_t *ar_jfind(const json_t *arr, const char *key, const char *val, size_t *at);
/* First 8 hex digits of a ref, for messages. */
const char *ar_short_ref(const char *ref, char out[12]);

/* ---- subjects (domain.c) ---- */
dom_subject_kind ar_dom_kind_of(domain_batch *d, const char *subject);
const char *ar_dom_kind_name(dom_subject_kind k);
dom_subject_kind ar_dom_kind_parse(const char *name);

/* ---- rules, one file per concern ---- */
/* domain_assets.c */
int ar_dom_project_register(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_asset_register(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_asset_rights(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_asset_handover(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_asset_operator(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_asset_maintainer(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_asset_status(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_maintenance_report(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_inventory_count(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_notice_publish(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_finding_record(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_finding_resolve(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_settings(domain_batch *d, const dom_entry *e, aidreg_problem *p);
/* The asset, or NULL with ASSET_UNKNOWN; with live_only also ASSET_DISPOSED. */
const json_t *ar_dom_need_asset(domain_batch *d, const dom_entry *e, bool live_only, aidreg_problem *p);
/* Owner ids of the asset (owners[].id) or one of its location codes. */
bool ar_dom_asset_has_owner(const json_t *asset, const char *id, bool or_location);
/* Splits total by the asset's location shares: out[i] for location i, remainder to the
 * first. n locations (at most DOM_MAX_LOCATIONS). */
size_t ar_dom_split(const json_t *locations, int64_t total, int64_t out[DOM_MAX_LOCATIONS]);

/* domain_income.c */
int ar_dom_income_report(domain_batch *d, const dom_entry *e, aidreg_problem *p);
/* Draws amount of income `income` for plan/village: checks what the village has left
 * (INCOME_UNKNOWN, INCOME_NOT_OF_VILLAGE, INCOME_OVERDRAWN; field names the source) and
 * records the draw on the income and its asset. */
int ar_dom_income_draw(domain_batch *d, const char *income, const char *plan, const char *village, int64_t amount,
                    const char *field, aidreg_problem *p);
/* Releases everything plan draws on income. */
int ar_dom_income_release(domain_batch *d, const char *income, const char *plan);

/* domain_plans.c */
int ar_dom_plan_record(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_plan_review(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_plan_filed(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_plan_notice(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_plan_payout(domain_batch *d, const dom_entry *e, aidreg_problem *p);
/* Marker slots of plan corrections. */
int ar_dom_plan_marker(domain_batch *d, const dom_entry *e, const char *effect, aidreg_problem *p);
/* Releases the plan's draws on every income. */
int ar_dom_plan_release(domain_batch *d, const json_t *plan);
bool ar_dom_plan_correctable(const char *state);

/* domain_disposal.c */
int ar_dom_disposal_request(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_disposal_approve(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_disposal_complete(domain_batch *d, const dom_entry *e, aidreg_problem *p);

/* domain_places.c */
int ar_dom_place_register(domain_batch *d, const dom_entry *e, aidreg_problem *p);

/* domain_correction.c */
/* The rule of the correction type: ar_dom_correction of the live entry. */
int ar_dom_correct(domain_batch *d, const dom_entry *e, aidreg_problem *p);
int ar_dom_correction(domain_batch *d, const aidreg_event *ev, const char *ref, unsigned roles, const json_t *signers,
                      uint64_t index,
                   aidreg_problem *p);
/* The slot of entries (a subject's entries in force) whose ref is `ref`, or NULL. */
json_t *ar_dom_log_slot(const json_t *entries, const char *ref, size_t *at);

/* The catalogue row of a type (NULL: unknown), from the table the batch was begun with. */
const aidreg_event_type *ar_dom_type(const domain_batch *d, const char *type);
/* One entry's step of the overlay's journal (domain.c): begun at the entry's index, then
 * committed (its changes kept) or rolled back (every document as before the entry). */
void ar_dom_entry_begin(domain_batch *d, uint64_t index);
void ar_dom_entry_commit(domain_batch *d);
void ar_dom_entry_rollback(domain_batch *d);
/* Remembers the subject of an accepted entry by its ref, for corrections later in the
 * batch. 0, or -1 out of memory. */
int ar_dom_remember(domain_batch *d, const aidreg_event *ev);
/* Appends an accepted entry to its subject's log (steals slot). */
int ar_dom_log_append(domain_batch *d, const char *subject, dom_subject_kind kind, json_t *slot);
/* The subject's entries in force, in order: a new array (slots borrowed from the log). */
json_t *ar_dom_log_entries(domain_batch *d, const char *subject);
/* Replaces the subject's entries in force (log and chunks). 0 or -1. */
int ar_dom_log_write(domain_batch *d, const char *subject, const json_t *entries);
/* Shanghai calendar days of a date string (YYYY-MM-DD); -1 when unparsable. */
int64_t ar_dom_days(const char *date);

#endif
