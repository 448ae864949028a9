/* The event catalogue (docs/events.md): one row per event type — its name, Chinese
 * label, subject, the roles whose keys may sign it, and its hooks into the rules layer
 * (body schema, where the subject lies, the rule and its effect). Validation, the
 * authority checks, the rules and the docs' table of who may sign what are read from
 * here; tests/unit/test_docs.c checks docs/events.md against it. Rules that depend on
 * the ledger (an asset's operator or maintainer, the corrected entry's signer, the root
 * key) are checked by the hooks; here only the roles. */
#include <string.h>

#include "aidreg/event.h"
#include "core/utf8.h"
#include "rules/domain.h"
#include "rules/domain_validate.h"
#include "rules/event_hooks.h"

#define C AIDREG_ROLE_COUNTY
#define T AIDREG_ROLE_TOWNSHIP
#define V AIDREG_ROLE_VILLAGE
#define O AIDREG_ROLE_OPERATOR
#define A AIDREG_ROLE_AUDITOR
/* A row's hooks: a compound literal at file scope has static storage. */
#define HOOKS(...) &(const struct aidreg_event_hooks){__VA_ARGS__}
#define RULE(schema, where, fn) HOOKS(.body = &ar_domain_schema_##schema, .locate = where, .rule = fn)

static const aidreg_event_type types[] = {
  /* Authority. ledger.create: the root key, which holds the county role; its rule applies
   * the settings it carries. Key events are judged by authority.c alone. */
  {"ledger.create", "建立台账", C, AIDREG_SUBJ_COUNTY,
   HOOKS(.rule = ar_dom_settings, .rule_body = "settings", .rule_body_schema = &ar_domain_schema_ledger_settings)},
  {"ledger.settings", "台账设置", C, AIDREG_SUBJ_COUNTY, RULE(ledger_settings, ar_dom_locate_county, ar_dom_settings)},
  {"key.enroll", "密钥登记", C | T, AIDREG_SUBJ_KEY, HOOKS(.rule = NULL)},
  /* "The enroller's role or above": only county and township keys enrol. */
  {"key.revoke", "密钥注销", C | T, AIDREG_SUBJ_KEY, HOOKS(.rule = NULL)},
  /* Places: the names of townships and villages. */
  {"place.register", "区划", C, AIDREG_SUBJ_PLACE, RULE(place_register, ar_dom_locate_place, ar_dom_place_register)},
  /* Projects and assets. */
  {"project.register", "项目入库", C, AIDREG_SUBJ_PROJECT,
   RULE(project_register, ar_dom_locate_new_project, ar_dom_project_register)},
  {"asset.register", "资产登记", C, AIDREG_SUBJ_ASSET, RULE(asset_register, ar_dom_locate_new_asset, ar_dom_asset_register)},
  {"asset.rights", "确权", C, AIDREG_SUBJ_ASSET, RULE(asset_rights, ar_dom_locate_existing, ar_dom_asset_rights)},
  {"asset.handover", "移交", C | T, AIDREG_SUBJ_ASSET, RULE(asset_handover, ar_dom_locate_existing, ar_dom_asset_handover)},
  {"asset.operator", "经营方式/主体", C | T | V, AIDREG_SUBJ_ASSET,
   RULE(asset_operator, ar_dom_locate_existing, ar_dom_asset_operator)},
  {"asset.maintainer", "管护主体", C | T | V, AIDREG_SUBJ_ASSET,
   RULE(asset_maintainer, ar_dom_locate_existing, ar_dom_asset_maintainer)},
  {"asset.status", "资产状态", AIDREG_ROLES_ANY, AIDREG_SUBJ_ASSET,
   RULE(asset_status, ar_dom_locate_existing, ar_dom_asset_status)},
  /* The asset's maintainer key may also sign, whatever its role: a ledger rule. */
  {"maintenance.report", "管护记录", C | T | V, AIDREG_SUBJ_ASSET,
   HOOKS(.body = &ar_domain_schema_maintenance_report, .locate = ar_dom_locate_existing, .rule = ar_dom_maintenance_report,
         .maintainer_may_sign = true)},
  {"inventory.count", "清查", C | T | V, AIDREG_SUBJ_ASSET,
   RULE(inventory_count, ar_dom_locate_existing, ar_dom_inventory_count)},
  /* Income and its allocation. An operator only for assets whose asset.operator names it. */
  {"income.report", "收益", C | V | O, AIDREG_SUBJ_ASSET, RULE(income_report, ar_dom_locate_existing, ar_dom_income_report)},
  {"allocation.plan", "收益分配方案", V, AIDREG_SUBJ_PLAN,
   RULE(allocation_plan, ar_dom_locate_new_plan, ar_dom_plan_record)},
  {"allocation.review", "乡镇审核", T, AIDREG_SUBJ_PLAN,
   RULE(allocation_review, ar_dom_locate_existing, ar_dom_plan_review)},
  {"allocation.filed", "县级备案", C, AIDREG_SUBJ_PLAN, RULE(allocation_filed, ar_dom_locate_existing, ar_dom_plan_filed)},
  {"notice.publish", "公示", T | V, AIDREG_SUBJ_ANY, RULE(notice_publish, ar_dom_locate_existing, ar_dom_notice_publish)},
  {"allocation.payout", "兑付", V, AIDREG_SUBJ_PLAN, RULE(allocation_payout, ar_dom_locate_existing, ar_dom_plan_payout)},
  /* Disposal, audit, correction. */
  {"disposal.request", "处置申请", T | V, AIDREG_SUBJ_ASSET,
   RULE(disposal_request, ar_dom_locate_existing, ar_dom_disposal_request)},
  {"disposal.approve", "处置审批", C, AIDREG_SUBJ_ASSET,
   RULE(disposal_approve, ar_dom_locate_existing, ar_dom_disposal_approve)},
  {"disposal.complete", "处置完成", C | T | V, AIDREG_SUBJ_ASSET,
   RULE(disposal_complete, ar_dom_locate_existing, ar_dom_disposal_complete)},
  {"finding.record", "审计发现", C | A, AIDREG_SUBJ_ANY, RULE(finding_record, ar_dom_locate_existing, ar_dom_finding_record)},
  {"finding.resolve", "整改", C | T | V, AIDREG_SUBJ_ANY,
   RULE(finding_resolve, ar_dom_locate_existing, ar_dom_finding_resolve)},
  /* "The original signer's role or above", judged against the corrected entry. */
  {"correction", "更正", AIDREG_ROLES_ANY, AIDREG_SUBJ_SAME,
   HOOKS(.body = &ar_domain_schema_correction, .locate = ar_dom_locate_existing, .rule = ar_dom_correct, .writes_log = true)},
  {NULL, NULL, 0, AIDREG_SUBJ_ANY, NULL},
};

#undef C
#undef T
#undef V
#undef O
#undef A
#undef RULE
#undef HOOKS

const aidreg_event_type *aidreg_event_types(void) { return types; }

const aidreg_event_type *aidreg_event_type_find(const char *name) {
  if (!name) return NULL;
  for (const aidreg_event_type *t = types; t->name; t++)
    if (strcmp(t->name, name) == 0) return t;
  return NULL;
}

/* The rules below the catalogue look other types up through the batch (a correction
 * replays the rules of the entries it corrects), so that the table they are part of is
 * handed to them rather than called up into: these wrappers are their entry points. */
domain_batch *ar_domain_begin(const domain_store *store, const char *county) {
  return ar_domain_begin_with(store, county, aidreg_event_type_find);
}

int ar_domain_validate(const aidreg_event *ev, const char *county, aidreg_problem *p) {
  const aidreg_event_type *t = aidreg_event_type_find(ev->type);
  char ty[41];
  if (!t)
    return aidreg_problem_set(p, AIDREG_E_UNKNOWN_EVENT_TYPE, "/type",
                              "事件类型 \"%s\" 不在事件目录中 / Event type \"%s\" is not in the catalogue",
                              ar_utf8_prefix(ev->type, ty, sizeof ty), ty);
  return ar_domain_validate_type(t, ev, county, p);
}

int ar_domain_validate_body_as(const char *type, const json_t *body, const aidreg_event *ev, const char *county,
                            const char *pointer_prefix, aidreg_problem *p) {
  return ar_domain_validate_body_of(aidreg_event_type_find(type), type, body, ev, county, pointer_prefix, p);
}
