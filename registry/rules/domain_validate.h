#ifndef AIDREG_DOMAIN_VALIDATE_H
#define AIDREG_DOMAIN_VALIDATE_H
/* Private: strict validation of an event's body and subject against the catalogue of
 * docs/events.md, decided from the event alone (no ledger state, no clock but the signer's
 * `time`). One table-driven schema per event type; ledger.create, key.enroll and
 * key.revoke are validated by authority.c and pass here untouched.
 *
 * Order of refusals: the subject first; then every malformed field (400: MISSING_FIELD,
 * UNKNOWN_FIELD, INVALID_FIELD, the first one in schema order); then a code outside the
 * ledger's county (403 OUT_OF_SCOPE); then the body's own rules (422: shares, totals,
 * periods, duplicates, dates of facts after the signer's time). `field` is a JSON pointer
 * into the payload ("/body/owners/2/share_bp"); `detail` says in Chinese and English what
 * to fix. */
#include <jansson.h>
#include <stdbool.h>

#include "aidreg/event.h"
#include "aidreg/problem.h"

/* 0 when ev's subject and body are valid for ev->type in the ledger of `county` (6
 * digits), else -1 with p. An unknown type is UNKNOWN_EVENT_TYPE (422) at /type. For a
 * `correction` the replacement `body`, when present, is only checked to be an object:
 * the rules engine, which knows the corrected entry's type, then calls
 * ar_domain_validate_body_as. */
int ar_domain_validate(const aidreg_event *ev, const char *county, aidreg_problem *p);
/* ar_domain_validate for the catalogue row t of ev->type (the rules' own entry point). */
int ar_domain_validate_type(const aidreg_event_type *t, const aidreg_event *ev, const char *county, aidreg_problem *p);

/* Validates `body` as the body of an event of `type`, with ev's signer time for the dates
 * of facts and `county` for codes; problem fields start with pointer_prefix (e.g.
 * "/body/body" for a correction's replacement, "/body/settings" for ledger.create's
 * settings). The subject is not looked at. A type without a body schema here
 * (ledger.create, key.*, unknown) is refused with INVALID_FIELD at pointer_prefix.
 * Returns 0 or -1 with p. */
int ar_domain_validate_body_as(const char *type, const json_t *body, const aidreg_event *ev, const char *county,
                            const char *pointer_prefix, aidreg_problem *p);
/* ar_domain_validate_body_as for the catalogue row t (NULL: unknown) of `type`. */
int ar_domain_validate_body_of(const aidreg_event_type *t, const char *type, const json_t *body,
                            const aidreg_event *ev, const char *county, const char *pointer_prefix,
                            aidreg_problem *p);

/* ---- the body schemas, one per type with a body of its own ---- */

/* Members of a body (name, Chinese name, kind, flags) and the body's own rules. The
 * catalogue's row of each type points at its schema (registry/rules/catalogue.c). */
typedef struct domain_schema domain_schema;
extern const domain_schema ar_domain_schema_ledger_settings, ar_domain_schema_place_register,
    ar_domain_schema_project_register, ar_domain_schema_asset_register, ar_domain_schema_asset_rights,
    ar_domain_schema_asset_handover, ar_domain_schema_asset_operator, ar_domain_schema_asset_maintainer,
    ar_domain_schema_asset_status, ar_domain_schema_maintenance_report, ar_domain_schema_inventory_count,
    ar_domain_schema_income_report, ar_domain_schema_allocation_plan, ar_domain_schema_allocation_review,
    ar_domain_schema_allocation_filed, ar_domain_schema_notice_publish, ar_domain_schema_allocation_payout,
    ar_domain_schema_disposal_request, ar_domain_schema_disposal_approve, ar_domain_schema_disposal_complete,
    ar_domain_schema_finding_record, ar_domain_schema_finding_resolve, ar_domain_schema_correction;
/* The schema of a catalogue row; NULL for types validated by authority.c (ledger.create,
 * key.*). */
const domain_schema *ar_domain_schema_of(const aidreg_event_type *t);
/* ar_domain_validate_body_as with the schema itself. */
int ar_domain_validate_body_as_schema(const domain_schema *s, const json_t *body, const aidreg_event *ev,
                                   const char *county, const char *pointer_prefix, aidreg_problem *p);

/* ---- ledger.settings ---- */

/* Allocation purposes and the steps of 四议两公开 as bits. */
enum {
  DOMAIN_PURPOSE_PUBLIC_JOBS = 1u << 0,
  DOMAIN_PURPOSE_SMALL_PUBLIC_WORKS = 1u << 1,
  DOMAIN_PURPOSE_AWARDS_AID = 1u << 2,
  DOMAIN_PURPOSE_O_AND_M = 1u << 3,
  DOMAIN_PURPOSE_COLLECTIVE_ECONOMY = 1u << 4,
  DOMAIN_PURPOSE_OTHER = 1u << 5,
};
enum {
  DOMAIN_STEP_PROPOSAL = 1u << 0,
  DOMAIN_STEP_COMMITTEES = 1u << 1,
  DOMAIN_STEP_PARTY_MEMBERS = 1u << 2,
  DOMAIN_STEP_VILLAGERS_MEETING = 1u << 3,
  DOMAIN_STEPS_ALL = 0xfu,
};
/* The bit of a purpose / step name; 0 when not one. */
unsigned ar_domain_purpose_bit(const char *purpose);
unsigned ar_domain_step_bit(const char *step);

typedef struct {
  int publicity_days;                    /* 公示天数, default 7 */
  int idle_months;                       /* default 12 */
  int unallocated_months;                /* default 12 */
  int inspection_months_public_welfare;  /* default 6 */
  int inspection_months_operating;       /* default 12 */
  int inspection_months_household;       /* default 12 */
  unsigned forbidden_purposes;           /* DOMAIN_PURPOSE_* bits, default none */
  unsigned required_steps;               /* DOMAIN_STEP_* bits, default all four */
} domain_settings;

/* The defaults of docs/events.md. */
void ar_domain_settings_defaults(domain_settings *out);
/* The settings a ledger.settings body (or ledger.create's `settings`) sets: the defaults,
 * overridden by the fields present (a settings event replaces the settings as a whole).
 * The body is validated as in ar_domain_validate; returns 0, or -1 (out then holds the
 * defaults) when it is not a valid settings body. */
int ar_domain_settings_parse(const json_t *body, domain_settings *out);
/* Inspection interval in months for an asset class ("operating", "public_welfare",
 * "household"); the operating value for an unknown class. */
int ar_domain_settings_inspection_months(const domain_settings *s, const char *asset_class);
/* The settings as a full ledger.settings body (every field present). New reference. */
json_t *ar_domain_settings_json(const domain_settings *s);

/* ---- labels ---- */

/* The Chinese label of an enumeration value ("public_welfare" -> "公益性"), or NULL when
 * it is none. A few values belong to several enumerations with different labels
 * ("household": 到户类 as a class, 农户 as an owner or payee; "o_and_m": 运行管护 as a
 * purpose, 运维费用 as a cost); ar_domain_label gives the first of docs/events.md's order, and
 * ar_domain_label_in the one of a named enumeration. */
const char *ar_domain_label(const char *enum_value);
/* enum_name: "project_type", "asset_class", "asset_form", "owner_kind", "operator_mode",
 * "asset_status", "maintenance_kind", "condition", "paid_from", "cost_kind", "purpose",
 * "step", "review_decision", "notice_kind", "payee_kind", "disposal_trigger",
 * "disposal_method", "approval_decision", "severity". NULL when unknown. */
const char *ar_domain_label_in(const char *enum_name, const char *enum_value);

/* A finding (finding.record, finding.resolve) may name a signing key (the audit's
 * key-dormant check) by its key id: true when type is one of them and subject is a key id
 * (docs/decisions.md, "Findings on projects and keys"). */
bool ar_finding_names_key(const char *type, const char *subject);

#endif
