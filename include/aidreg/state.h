#ifndef AIDREG_STATE_H
#define AIDREG_STATE_H
/* Reads of the current state (the projection of a ledger, docs/events.md): projects, assets,
 * plans and summaries, as JSON for the read API. Every amount `x_fen` (integer fen) has
 * `x_yuan` beside it: a string with two decimals ("1234.56"). Lists are paged:
 * {"items":[...], "next": <offset or null>, "total": N}.
 * For people, every read also names places and labels enumerations (docs/api.md "Names and
 * labels"): a code member x (village, township, scope) has x_name beside it, a location its
 * name; an enumeration value x has x_zh (its Chinese label); by_class/by_status have
 * by_class_zh/by_status_zh. A history step's signed event is left as signed.
 *
 * Shapes (members beyond these may be added; these never change meaning):
 *  project: {"id","name","type","year","funding_lines":[...],"funding_fen","locations":[...],
 *            "industry_dept","implementing_unit","accepted_on","assets":N,"registered_at":<index>}
 *  asset:   {"id","project","name","class","subtype","form","village","township",
 *            "locations":[{"code","share_bp"}],"status","original_value_fen",
 *            "quantity","unit","completed_on","accepted_on",
 *            "owners":[{"kind","id","name","share_bp"}],"certificate_no","handover":{...}|null,
 *            "maintainer":{...}|null,"operator":{...}|null,
 *            "last_inspection":"YYYY-MM-DD"|null,"condition":..|null,
 *            "income":{"gross_fen","costs_fen","net_fen","allocated_fen","unallocated_fen"},
 *            "disposal":{...}|null, "findings_open":N}
 *           /assets/{id} adds "history":[{"index","time","type","signers":[{"keyid","role","holder"}],
 *            "event":{...},"corrected_by":<index>|null}] and what grows with it, which list items
 *            leave out: "incomes":[<ref of an income.report>], "notices":[{...,"index"}]
 *  plan:    {"id","village","year","state","sources":[{"income","amount_fen"}],
 *            "lines":[{"purpose","description","amount_fen","paid_fen","remaining_fen"}],
 *            "steps":[...],"review":{...}|null,"filed":{...}|null,"notice":{...}|null,
 *            "total_fen","paid_fen","remaining_fen"}; /plans/{id} adds "payouts" and "history"
 *  summary: {"assets":{"total":N,"by_class":{class:N},"by_status":{status:N}},
 *            "original_value_fen","income_gross_fen","income_net_fen","allocated_fen","paid_fen",
 *            "unallocated_fen"}  (a village's figures use its shares of shared assets)
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/problem.h"
#include "aidreg/registry.h"

typedef struct {
  const char *village;  /* 12-digit code or NULL */
  const char *township; /* 9-digit code or NULL */
  const char *klass;    /* asset class or NULL */
  const char *status;   /* asset status / plan state or NULL */
  const char *q;        /* substring of the name or id, or NULL */
  int year;             /* 0 = any */
  uint64_t from;        /* offset */
  unsigned limit;       /* 1..1000; 0 = 100 */
} aidreg_state_query;

/* Each returns 0, or -1 with p (UNKNOWN_LEDGER, NOT_FOUND, INVALID_QUERY, INTERNAL);
 * *out is a new reference. */
int aidreg_state_projects(aidreg_registry *r, const char *code, const aidreg_state_query *q, json_t **out,
                          aidreg_problem *p);
int aidreg_state_project(aidreg_registry *r, const char *code, const char *id, json_t **out, aidreg_problem *p);
int aidreg_state_assets(aidreg_registry *r, const char *code, const aidreg_state_query *q, json_t **out,
                        aidreg_problem *p);
int aidreg_state_asset(aidreg_registry *r, const char *code, const char *id, json_t **out, aidreg_problem *p);
int aidreg_state_plans(aidreg_registry *r, const char *code, const aidreg_state_query *q, json_t **out,
                       aidreg_problem *p);
int aidreg_state_plan(aidreg_registry *r, const char *code, const char *id, json_t **out, aidreg_problem *p);
/* An asset's or a plan's history is paged: at most 200 steps (and the registry's
 * max_response_bytes of leaves) from ledger index history_from; "history_next" is the
 * index to ask from next, or null. aidreg_state_asset/plan are these from 0. */
int aidreg_state_asset_from(aidreg_registry *r, const char *code, const char *id, uint64_t history_from, json_t **out,
                            aidreg_problem *p);
int aidreg_state_plan_from(aidreg_registry *r, const char *code, const char *id, uint64_t history_from, json_t **out,
                           aidreg_problem *p);
/* village NULL: the whole county. */
int aidreg_state_summary(aidreg_registry *r, const char *code, const char *village, json_t **out,
                         aidreg_problem *p);

/* The values the reads filter by, from the domain's own lists (docs/events.md): the i-th value,
 * NULL past the last. An asset's class; an asset's status (those of asset.status, then
 * disposed, which a completed disposal sets); a plan's state (those of docs/events.md, then
 * withdrawn, which a correction without a body sets). */
/* GET /v1/ledgers/{code}/places: {"ledger","items":[place...],"total"} in code order, where
 * place = {"code","level","level_zh","name","since","merged_into","township","township_name",
 * "names":[{"name","since","index"}],"registered_at","villages",
 * "assets":{"total","by_class":{class:N},"by_status":{status:N}}} (the townships and villages
 * named by place.register; villages counts a township's registered villages). */
int aidreg_state_places(aidreg_registry *r, const char *code, json_t **out, aidreg_problem *p);

const char *aidreg_state_asset_class(size_t i);
const char *aidreg_state_asset_status(size_t i);
const char *aidreg_state_plan_state(size_t i);
/* Whether id could name a project, asset or plan, as docs/events.md subjects do: 1 to 64
 * printable ASCII characters, no space, none of / ? # % \ ". */
bool aidreg_state_id_ok(const char *id);

/* "1234.56" for 123456 fen; "-0.05" for -5. out must hold 32 bytes. */
void aidreg_fen_to_yuan(int64_t fen, char out[32]);

/* ---- the county's desk (docs/api.md "Current state"): every answer names the places beside
 * their codes (`village_name`, `township_name`, `scope_name`) and labels each enumeration
 * value x with x_zh. Each returns 0, or -1 with p (UNKNOWN_LEDGER, NOT_FOUND, INVALID_QUERY,
 * UNAVAILABLE, INTERNAL); *out is a new reference. ---- */
/* A township's figures, as aidreg_state_summary's, with "township" and "township_name":
 * the sum of its villages' shares. township: 9 digits inside the county, else NOT_FOUND. */
int aidreg_state_township_summary(aidreg_registry *r, const char *code, const char *township, json_t **out,
                                  aidreg_problem *p);
/* {"ledger","items":[key...],"total"} in enrolment order, key = {"keyid","role","role_zh","scope",
 * "scope_name","is_root","holder":{"name","org"},"enrolled_at":{"index","time"},
 * "revoked_at":{"index","time"}|null,"status","status_zh","entries_signed",
 * "last_signed":{"index","time"}|null}. */
int aidreg_state_keys(aidreg_registry *r, const char *code, json_t **out, aidreg_problem *p);
/* {"ledger","settings":{full ledger.settings body},"since":<index>|null,"defaults":{...},
 * "history":[{"from","settings"}]}. */
int aidreg_state_settings(aidreg_registry *r, const char *code, json_t **out, aidreg_problem *p);
/* Income reports, paged, filtered by q->village (12 digits), asset (an id or NULL) and q->year
 * (of period_end): {"items":[income...],"next","total"}, income = {"id","index","asset",
 * "asset_name","village","village_name","period_start","period_end","gross_fen","costs",
 * "costs_fen","net_fen","payer","received_on","account","shares":[{"village","village_name",
 * "share_bp","gross_fen","costs_fen","net_fen","drawn_fen","remaining_fen"}],
 * "drawn":[{"plan","village","amount_fen"}],"drawn_fen","remaining_fen"} in ledger order. */
int aidreg_state_incomes(aidreg_registry *r, const char *code, const aidreg_state_query *q, const char *asset,
                         json_t **out, aidreg_problem *p);
/* {"ledger","items":[notice...],"next","total"} in ledger order, paged by q's from and limit
 * (default 100, at most 1000; the other members of q are not used), notice = the notice.publish body with
 * "index","subject","subject_kind","subject_name","village","village_name","township",
 * "township_name","kind_zh". */
int aidreg_state_notices(aidreg_registry *r, const char *code, const aidreg_state_query *q, json_t **out,
                         aidreg_problem *p);
/* {"ledger","items":[finding...],"next","total"} in ledger order, paged as the notices, finding = {"id","subject",
 * "subject_kind","subject_name","village","village_name","check","severity","severity_zh",
 * "note","due","recorded_at","status","status_zh","resolution":{"action","resolved_on",
 * "index"}|null}. */
int aidreg_state_findings(aidreg_registry *r, const char *code, const aidreg_state_query *q, json_t **out,
                          aidreg_problem *p);

/* The 总台账 (report "ledger"): {"ledger","report","village","year","checkpoint":{"origin","size",
 * "root_hash","created_at"},"generated_at","rows":[{"no","id","name","project","year","channels",
 * "class","subtype","form","township","village","quantity","unit","value_fen","status",
 * "completed_on","accepted_on","certificate_no","owner","locations","maintainer",
 * "maintainer_person"}],"count","value_fen","subtotals":{"by_class","by_township","by_village",
 * "by_year":[{"key","label","count","value_fen"}]}}, read in one snapshot with the latest
 * checkpoint. village (or NULL): its assets, at its share of their value; year (0 = any): the
 * projects' funding year. Rows ordered by township, village, id. */
int aidreg_state_report_ledger(aidreg_registry *r, const char *code, const char *village, int year, json_t **out,
                               aidreg_problem *p);

/* The 总台账 handed over row by row, so that a CSV or a workbook is written as the rows are
 * made instead of after a tree of every row (100,000 rows: docs/benchmark.md "Desk reads"):
 * head gets the report's beginning (ledger, report, village, year, checkpoint, generated_at,
 * with its names and labels), then row each row in order (labels added; borrowed for the
 * call); *out is then the report as aidreg_state_report_ledger's with "rows": []. A callback
 * returning non-zero stops the report (AIDREG_E_INTERNAL, out of memory). */
typedef struct {
  int (*head)(const json_t *head, void *ctx);
  int (*row)(const json_t *row, void *ctx);
  void *ctx;
} aidreg_report_sink;
int aidreg_state_report_ledger_each(aidreg_registry *r, const char *code, const char *village, int year,
                                    const aidreg_report_sink *sink, json_t **out, aidreg_problem *p);

/* Report "rights": rights-confirmation and handover progress by township and village:
 * {"ledger","report","title","checkpoint","generated_at","tables":[{"title","columns":[...],
 * "rows":[[cell text...]]}]} (county, townships, villages; cells are text for people). */
int aidreg_state_report_rights(aidreg_registry *r, const char *code, json_t **out, aidreg_problem *p);

/* Report "income": income and its distribution per asset and village, with the plans that
 * draw on it and the notices that disclosed it; the same shape as the rights report. village
 * (or NULL) and year (0 = any: the year the period ends) filter as on /incomes. */
int aidreg_state_report_income(aidreg_registry *r, const char *code, const char *village, int year, json_t **out,
                               aidreg_problem *p);

/* Report "disposals": the disposal register, one row per disposal.request (request, decision,
 * sale, where the proceeds went); the same shape as the rights report. */
int aidreg_state_report_disposals(aidreg_registry *r, const char *code, json_t **out, aidreg_problem *p);

#endif
