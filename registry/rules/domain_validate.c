/* Strict validation of event bodies and subjects (docs/events.md), table-driven: one schema
 * per event type lists each member with its kind, whether it is optional and, for dates,
 * whether it dates a fact (which may not be later than the signer's time). A few rules
 * that tie fields together (shares, totals, periods, conditional fields) run after the
 * schema, per type.
 *
 * Refusals are collected by status: the walk stops at the first malformed field (400);
 * a code outside the county (403) and the body's own rules (422) are remembered and
 * reported only if nothing is malformed, the 403 first. */
#include "rules/domain_validate.h"
#include "core/national_id.h"
#include "core/json_strict_private.h"
#include "rules/event_hooks.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aidreg/keys.h"
#include "aidreg/state.h"

/* ------------------------------------------------------------------ enumerations */

typedef struct {
  const char *value, *zh;
} enum_value;

typedef struct {
  const char *name;
  const enum_value *values; /* NULL-value terminated */
} enum_def;

static const enum_value ev_project_type[] = {
  {"industry", "产业发展"},
  {"employment", "就业项目"},
  {"rural_construction", "乡村建设行动"},
  {"relocation_support", "易地搬迁后扶"},
  {"three_guarantees", "巩固三保障成果"},
  {"governance", "乡村治理和精神文明建设"},
  {"management_fee", "项目管理费"},
  {"other", "其他"},
  {NULL, NULL},
};
static const enum_value ev_asset_class[] = {
  {"operating", "经营性"}, {"public_welfare", "公益性"}, {"household", "到户类"}, {NULL, NULL},
};
static const enum_value ev_asset_form[] = {
  {"fixed", "固定资产"},     {"current", "流动资产"},    {"intangible", "无形资产"},
  {"investment", "对外投资"}, {"biological", "生物资产"}, {NULL, NULL},
};
static const enum_value ev_owner_kind[] = {
  {"village_collective", "村集体经济组织"},
  {"township", "乡镇"},
  {"state_unit", "国有单位"},
  {"household", "农户"},
  {"enterprise", "企业"},
  {NULL, NULL},
};
static const enum_value ev_operator_mode[] = {
  {"self", "自主经营"},  {"entrusted", "委托经营"}, {"cooperative", "合作经营"},
  {"lease", "租赁经营"}, {"equity", "入股经营"},    {NULL, NULL},
};
static const enum_value ev_asset_status[] = {
  {"in_use", "正常使用"}, {"low_yield", "低效"},    {"idle", "闲置"},
  {"damaged", "损毁"},    {"occupied", "被占用"}, {NULL, NULL},
};
/* The read API's filters (include/aidreg/state.h). */
const char *aidreg_state_asset_class(size_t i) {
  static const size_t n = sizeof ev_asset_class / sizeof ev_asset_class[0] - 1;
  return i < n ? ev_asset_class[i].value : NULL;
}
const char *aidreg_state_asset_status(size_t i) {
  static const size_t n = sizeof ev_asset_status / sizeof ev_asset_status[0] - 1;
  /* disposed: set by a completed disposal (domain_disposal.c), never by asset.status. */
  return i < n ? ev_asset_status[i].value : i == n ? "disposed" : NULL;
}
static const enum_value ev_maintenance_kind[] = {
  {"inspection", "巡查"}, {"repair", "维修"}, {"upkeep", "日常养护"}, {NULL, NULL},
};
static const enum_value ev_condition[] = {
  {"good", "良好"}, {"needs_repair", "需维修"}, {"damaged", "损毁"}, {"idle", "闲置"}, {NULL, NULL},
};
static const enum_value ev_paid_from[] = {
  {"income", "资产收益"}, {"maintenance_fund", "管护经费"}, {"other", "其他"}, {NULL, NULL},
};
static const enum_value ev_cost_kind[] = {
  {"land_rent", "土地租金"}, {"tax", "税费"}, {"insurance", "保险"},
  {"o_and_m", "运维费用"},   {"other", "其他"}, {NULL, NULL},
};
/* Same order as the DOMAIN_PURPOSE_* bits. */
static const enum_value ev_purpose[] = {
  {"public_jobs", "公益岗位"},
  {"small_public_works", "小型公益事业"},
  {"awards_aid", "奖励补助"},
  {"o_and_m", "运行管护"},
  {"collective_economy", "壮大集体经济"},
  {"other", "其他"},
  {NULL, NULL},
};
/* Same order as the DOMAIN_STEP_* bits. */
static const enum_value ev_step[] = {
  {"proposal", "村党组织提议"},
  {"committees", "村“两委”会议商议"},
  {"party_members", "党员大会审议"},
  {"villagers_meeting", "村民（代表）会议决议"},
  {NULL, NULL},
};
static const enum_value ev_review_decision[] = {
  {"approved", "审核通过"}, {"returned", "退回修改"}, {NULL, NULL},
};
static const enum_value ev_notice_kind[] = {
  {"allocation", "收益分配公示"}, {"assets", "资产公示"}, {"income", "收益公示"}, {"annual", "年度公示"},
  {NULL, NULL},
};
static const enum_value ev_payee_kind[] = {
  {"household", "农户"}, {"person", "个人"}, {"org", "单位"}, {"project", "项目"}, {NULL, NULL},
};
static const enum_value ev_disposal_trigger[] = {
  {"disaster", "自然灾害损毁"},
  {"demolition", "规划或政策拆除"},
  {"end_of_life", "达到报废期限"},
  {"poor_performance", "效益不佳"},
  {"contract_expired", "协议到期"},
  {"superseded", "被新项目覆盖"},
  {"other", "其他"},
  {NULL, NULL},
};
static const enum_value ev_disposal_method[] = {
  {"auction", "拍卖"}, {"transfer", "转让"}, {"conversion", "转产"}, {"suspension", "报停"},
  {"loss", "报损"},    {"scrap", "报废"},    {"write_off", "核销"},  {NULL, NULL},
};
static const enum_value ev_approval_decision[] = {
  {"approved", "批准"}, {"rejected", "不予批准"}, {NULL, NULL},
};
static const enum_value ev_severity[] = {
  {"info", "提示"}, {"warning", "警告"}, {"serious", "严重"}, {NULL, NULL},
};

/* In docs/events.md order: ar_domain_label takes the first enumeration that has the value. */
static const enum_def enums[] = {
  {"project_type", ev_project_type},
  {"asset_class", ev_asset_class},
  {"asset_form", ev_asset_form},
  {"owner_kind", ev_owner_kind},
  {"operator_mode", ev_operator_mode},
  {"asset_status", ev_asset_status},
  {"maintenance_kind", ev_maintenance_kind},
  {"condition", ev_condition},
  {"paid_from", ev_paid_from},
  {"purpose", ev_purpose},
  {"cost_kind", ev_cost_kind},
  {"step", ev_step},
  {"review_decision", ev_review_decision},
  {"notice_kind", ev_notice_kind},
  {"payee_kind", ev_payee_kind},
  {"disposal_trigger", ev_disposal_trigger},
  {"disposal_method", ev_disposal_method},
  {"approval_decision", ev_approval_decision},
  {"severity", ev_severity},
  {NULL, NULL},
};

static const enum_value *enum_find(const enum_value *vals, const char *v) {
  if (!v) return NULL;
  for (const enum_value *e = vals; e->value; e++)
    if (strcmp(e->value, v) == 0) return e;
  return NULL;
}

const char *ar_domain_label(const char *value) {
  for (const enum_def *d = enums; d->name; d++) {
    const enum_value *f = enum_find(d->values, value);
    if (f) return f->zh;
  }
  return NULL;
}

const char *ar_domain_label_in(const char *enum_name, const char *value) {
  if (!enum_name) return NULL;
  for (const enum_def *d = enums; d->name; d++)
    if (strcmp(d->name, enum_name) == 0) {
      const enum_value *f = enum_find(d->values, value);
      return f ? f->zh : NULL;
    }
  return NULL;
}

static unsigned bit_of(const enum_value *vals, const char *v) {
  unsigned b = 1;
  for (const enum_value *e = vals; e->value; e++, b <<= 1)
    if (v && strcmp(e->value, v) == 0) return b;
  return 0;
}

unsigned ar_domain_purpose_bit(const char *purpose) { return bit_of(ev_purpose, purpose); }
unsigned ar_domain_step_bit(const char *step) { return bit_of(ev_step, step); }

/* ------------------------------------------------------------------ schemas */

typedef enum {
  K_STRING, /* free text, may be empty */
  K_ID,     /* an identifier (project, asset, plan): see id_ok */
  K_REF,    /* a party's id (owner, payee): see ref_ok */
  K_KEYID,  /* a key id */
  K_CODE6,
  K_CODE9,
  K_CODE12,
  K_CODE,   /* 6, 9 or 12 digits */
  K_DATE,
  K_FEN,    /* integer >= 0 */
  K_BP,     /* integer 0..10000 */
  K_INT,    /* integer min..max */
  K_NUMBER, /* number >= 0 */
  K_BOOL,
  K_ENUM,
  K_SHA256,
  K_OBJECT, /* arg: members */
  K_ANYOBJ, /* any object (a correction's replacement body, checked later) */
  K_ARRAY,  /* arg: the element */
} kind;

enum {
  F_OPT = 1u << 0,      /* may be left out */
  F_NONEMPTY = 1u << 1, /* an array with at least one item */
  F_FACT = 1u << 2,     /* a date of a fact: not later than the signer's date */
  F_UNIQUE = 1u << 3,   /* an array of scalars without repeats */
  F_NO_ID = 1u << 4,    /* a party's id or name: never a national ID number (the ledger is public) */
};

typedef struct spec {
  const char *name; /* member name; NULL ends a member list */
  const char *zh;   /* what a clerk calls it */
  kind k;
  unsigned flags;
  const void *arg; /* K_ENUM: enum_value[]; K_OBJECT: spec[] (members); K_ARRAY: spec (element) */
  int64_t min, max; /* K_INT */
} spec;

#define END {NULL, NULL, K_STRING, 0, NULL, 0, 0}
#define M(name, zh, k, flags) {name, zh, k, flags, NULL, 0, 0}
#define MENUM(name, zh, vals, flags) {name, zh, K_ENUM, flags, vals, 0, 0}
#define MOBJ(name, zh, members, flags) {name, zh, K_OBJECT, flags, members, 0, 0}
#define MARR(name, zh, elem, flags) {name, zh, K_ARRAY, flags, &(elem), 0, 0}
/* An array of at most `most` items. */
#define MARRN(name, zh, elem, flags, most) {name, zh, K_ARRAY, flags, &(elem), 0, most}
/* Places a project or an asset lies at: the rules split shares and check scopes over at
 * most this many (DOM_MAX_LOCATIONS). */
#define MAX_LOCATIONS 64
#define MINT(name, zh, lo, hi, flags) {name, zh, K_INT, flags, NULL, lo, hi}
#define MYEAR(name, zh) MINT(name, zh, 2000, 2100, 0)
/* Array elements: named after the array for messages. */
#define ELEM(zh, k) {"", zh, k, 0, NULL, 0, 0}
#define EENUM(zh, vals) {"", zh, K_ENUM, 0, vals, 0, 0}
#define EOBJ(zh, members) {"", zh, K_OBJECT, 0, members, 0, 0}

static const spec el_sha256 = ELEM("文件 SHA-256", K_SHA256);

/* ledger.settings */
static const spec m_inspection[] = {
  MINT("public_welfare", "公益性资产巡查间隔（月）", 1, 120, F_OPT),
  MINT("operating", "经营性资产巡查间隔（月）", 1, 120, F_OPT),
  MINT("household", "到户类资产巡查间隔（月）", 1, 120, F_OPT),
  END,
};
static const spec el_purpose = EENUM("禁止的用途", ev_purpose);
static const spec el_step = EENUM("必需的四议步骤", ev_step);
static const spec b_settings[] = {
  MINT("publicity_days", "公示天数", 1, 365, F_OPT),
  MINT("idle_months", "闲置认定月数", 1, 120, F_OPT),
  MOBJ("inspection_months", "巡查间隔（月）", m_inspection, F_OPT),
  MINT("unallocated_months", "收益未分配月数", 1, 120, F_OPT),
  MARR("forbidden_purposes", "禁止的收益用途", el_purpose, F_OPT | F_UNIQUE),
  MARR("required_steps", "必需的四议步骤", el_step, F_OPT | F_UNIQUE),
  /* The audit's thresholds (docs/audit.md): read by registry/audit, not by the rules. */
  MINT("registration_days", "竣工后资产登记期限（天）", 1, 3650, F_OPT),
  MINT("value_gap_bp", "资产原值与资金差异容限（基点）", 0, 10000, F_OPT),
  MINT("rights_days", "验收后确权期限（天）", 1, 3650, F_OPT),
  MINT("handover_days", "确权后移交期限（天）", 1, 3650, F_OPT),
  MINT("repair_days", "损毁修复期限（天）", 1, 3650, F_OPT),
  MINT("payout_months", "公示后兑付期限（月）", 1, 120, F_OPT),
  MINT("flat_split_min", "平均分配认定户数", 2, 100000, F_OPT),
  MINT("sale_gap_bp", "低价处置容限（基点）", 0, 10000, F_OPT),
  /* Printed on every public notice (公示); the rules do not read it. */
  M("complaints_phone", "监督举报电话", K_STRING, F_OPT),
  END,
};

/* project.register */
static const spec m_funding_line[] = {
  M("channel", "资金渠道", K_STRING, 0),
  MYEAR("year", "资金年度"),
  M("amount_fen", "金额（分）", K_FEN, 0),
  END,
};
static const spec el_funding_line = EOBJ("资金来源", m_funding_line);
static const spec el_code = ELEM("项目地点", K_CODE);
static const spec b_project_register[] = {
  M("name", "项目名称", K_STRING, 0),
  MENUM("type", "项目类型", ev_project_type, 0),
  MYEAR("year", "项目年度"),
  MARR("funding_lines", "资金来源", el_funding_line, F_NONEMPTY),
  MARRN("locations", "项目地点", el_code, F_NONEMPTY | F_UNIQUE, MAX_LOCATIONS),
  M("industry_dept", "行业主管部门", K_STRING, 0),
  M("implementing_unit", "项目实施单位", K_STRING, 0),
  M("accepted_on", "竣工验收日期", K_DATE, F_OPT | F_FACT),
  END,
};

/* asset.register */
static const spec m_location[] = {
  M("code", "村级区划代码", K_CODE12, 0),
  M("share_bp", "份额（基点）", K_BP, 0),
  END,
};
static const spec el_location = EOBJ("所在村及份额", m_location);
static const spec b_asset_register[] = {
  M("project", "所属项目编号", K_ID, 0),
  M("name", "资产名称", K_STRING, 0),
  MENUM("class", "资产类别", ev_asset_class, 0),
  M("subtype", "资产子类", K_STRING, 0),
  MENUM("form", "资产形态", ev_asset_form, 0),
  M("village", "所在村", K_CODE12, F_OPT),
  MARRN("locations", "所在村及份额", el_location, F_OPT | F_NONEMPTY, MAX_LOCATIONS),
  M("original_value_fen", "资产原值（分）", K_FEN, 0),
  M("quantity", "数量", K_NUMBER, 0),
  M("unit", "计量单位", K_STRING, 0),
  M("completed_on", "竣工日期", K_DATE, F_FACT),
  M("accepted_on", "竣工验收日期", K_DATE, F_FACT),
  M("description", "资产描述", K_STRING, F_OPT),
  END,
};

/* asset.rights */
static const spec m_owner[] = {
  MENUM("kind", "权属人类型", ev_owner_kind, 0),
  M("id", "权属人编号", K_REF, F_NO_ID),
  M("name", "权属人名称", K_STRING, 0),
  M("share_bp", "份额（基点）", K_BP, 0),
  END,
};
static const spec el_owner = EOBJ("权属人", m_owner);
static const spec b_asset_rights[] = {
  MARR("owners", "权属人", el_owner, F_NONEMPTY),
  M("certificate_no", "确权证书编号", K_STRING, F_OPT),
  M("confirmed_on", "确权日期", K_DATE, F_FACT),
  END,
};

/* asset.handover */
static const spec b_asset_handover[] = {
  M("from_unit", "移交单位", K_STRING, 0),
  M("to", "接收的权属人编号", K_REF, F_NO_ID),
  M("handed_over_on", "移交日期", K_DATE, F_FACT),
  MARR("documents_sha256", "移交文件", el_sha256, 0),
  END,
};

/* asset.operator */
static const spec m_operator[] = {
  M("name", "经营主体名称", K_STRING, 0),
  M("kind", "经营主体类型", K_STRING, 0),
  M("key", "经营主体的密钥", K_KEYID, F_OPT),
  END,
};
static const spec m_contract[] = {
  M("no", "合同编号", K_STRING, 0),
  M("start", "合同开始日期", K_DATE, 0),
  M("end", "合同结束日期", K_DATE, 0),
  M("agreed_return_fen_per_year", "约定年收益（分）", K_FEN, 0),
  END,
};
static const spec b_asset_operator[] = {
  MENUM("mode", "经营方式", ev_operator_mode, 0),
  MOBJ("operator", "经营主体", m_operator, 0),
  MOBJ("contract", "经营合同", m_contract, F_OPT), /* required unless mode is self */
  M("decided_on", "决定日期", K_DATE, F_FACT),
  M("filed_with", "备案单位", K_STRING, 0),
  END,
};

/* asset.maintainer */
static const spec b_asset_maintainer[] = {
  M("body", "管护主体", K_STRING, 0),
  M("person", "管护责任人", K_STRING, 0),
  M("duties", "管护职责", K_STRING, 0),
  M("fund_source", "管护经费来源", K_STRING, 0),
  M("from", "管护开始日期", K_DATE, 0),
  M("key", "管护主体的密钥", K_KEYID, F_OPT),
  END,
};

/* asset.status */
static const spec b_asset_status[] = {
  MENUM("status", "资产状态", ev_asset_status, 0),
  M("reason", "原因", K_STRING, 0),
  M("remediation_due", "整改期限", K_DATE, F_OPT),
  END,
};

/* maintenance.report */
static const spec b_maintenance_report[] = {
  MENUM("kind", "管护类型", ev_maintenance_kind, 0),
  M("date", "管护日期", K_DATE, F_FACT),
  MENUM("condition", "资产状况", ev_condition, 0),
  M("cost_fen", "费用（分）", K_FEN, 0),
  MENUM("paid_from", "费用来源", ev_paid_from, 0),
  M("note", "说明", K_STRING, 0),
  MARR("photos_sha256", "照片", el_sha256, 0),
  END,
};

/* inventory.count */
static const spec b_inventory_count[] = {
  M("date", "清查日期", K_DATE, F_FACT),
  M("found", "是否找到（账实相符）", K_BOOL, 0),
  MENUM("condition", "资产状况", ev_condition, 0),
  M("note", "说明", K_STRING, 0),
  MARR("photos_sha256", "照片", el_sha256, 0),
  END,
};

/* income.report */
static const spec m_cost[] = {
  MENUM("kind", "成本类型", ev_cost_kind, 0),
  M("amount_fen", "金额（分）", K_FEN, 0),
  END,
};
static const spec el_cost = EOBJ("成本", m_cost);
static const spec b_income_report[] = {
  M("period_start", "收益期开始日期", K_DATE, 0),
  M("period_end", "收益期结束日期", K_DATE, F_FACT),
  M("gross_fen", "总收入（分）", K_FEN, 0),
  MARR("costs", "成本", el_cost, 0),
  M("net_fen", "净收益（分）", K_FEN, 0),
  M("payer", "付款方", K_STRING, 0),
  M("received_on", "收款日期", K_DATE, F_FACT),
  M("account", "收款账户", K_STRING, 0),
  END,
};

/* allocation.plan */
static const spec m_source[] = {
  M("income", "收益记录（条目 SHA-256）", K_SHA256, 0),
  M("amount_fen", "提取金额（分）", K_FEN, 0),
  END,
};
static const spec el_source = EOBJ("资金来源", m_source);
static const spec m_line[] = {
  MENUM("purpose", "用途", ev_purpose, 0),
  M("description", "用途说明", K_STRING, 0),
  M("amount_fen", "金额（分）", K_FEN, 0),
  END,
};
static const spec el_line = EOBJ("分配用途", m_line);
static const spec m_step[] = {
  MENUM("step", "四议步骤", ev_step, 0),
  M("date", "会议日期", K_DATE, F_FACT),
  M("minutes_sha256", "会议记录 SHA-256", K_SHA256, 0),
  END,
};
static const spec el_plan_step = EOBJ("四议步骤", m_step);
static const spec b_allocation_plan[] = {
  M("village", "村", K_CODE12, 0),
  MYEAR("year", "年度"),
  MARR("sources", "资金来源", el_source, F_NONEMPTY),
  MARR("lines", "分配用途", el_line, F_NONEMPTY),
  MARR("steps", "四议步骤（四议两公开）", el_plan_step, F_NONEMPTY),
  END,
};

static const spec b_allocation_review[] = {
  MENUM("decision", "审核结果", ev_review_decision, 0),
  M("note", "审核意见", K_STRING, 0),
  END,
};
static const spec b_allocation_filed[] = {
  M("note", "备案意见", K_STRING, 0),
  END,
};

/* notice.publish */
static const spec b_notice_publish[] = {
  MENUM("kind", "公示类型", ev_notice_kind, 0),
  M("start", "公示开始日期", K_DATE, F_FACT),
  M("end", "公示结束日期", K_DATE, 0),
  M("content_sha256", "公示内容 SHA-256", K_SHA256, 0),
  M("place", "公示地点", K_STRING, 0),
  END,
};

/* allocation.payout */
static const spec m_payee[] = {
  MENUM("kind", "收款方类型", ev_payee_kind, 0),
  M("id", "收款方编号", K_REF, F_NO_ID),
  M("name", "收款方名称", K_STRING, F_NO_ID),
  END,
};
static const spec b_allocation_payout[] = {
  MINT("line", "分配用途序号", 0, 100000, 0),
  MOBJ("payee", "收款方", m_payee, 0),
  M("amount_fen", "兑付金额（分）", K_FEN, 0),
  M("paid_on", "兑付日期", K_DATE, F_FACT),
  M("voucher_no", "凭证号", K_STRING, 0),
  END,
};

/* disposal.* */
static const spec b_disposal_request[] = {
  MENUM("trigger", "处置原因", ev_disposal_trigger, 0),
  MENUM("method", "处置方式", ev_disposal_method, 0),
  M("valuation_fen", "评估价值（分）", K_FEN, 0),
  M("decided_on", "决定日期", K_DATE, F_FACT),
  END,
};
static const spec b_disposal_approve[] = {
  M("request", "处置申请（条目 SHA-256）", K_SHA256, 0),
  MENUM("decision", "审批结果", ev_approval_decision, 0),
  M("conditions", "审批条件", K_STRING, 0),
  END,
};
static const spec b_disposal_complete[] = {
  M("completed_on", "处置完成日期", K_DATE, F_FACT),
  M("proceeds_fen", "处置收入（分）", K_FEN, 0),
  M("counterparty", "交易对方", K_STRING, 0),
  M("proceeds_to", "处置收入归属（权属人编号或村代码）", K_REF, F_NO_ID),
  END,
};

/* finding.* */
static const spec b_finding_record[] = {
  M("check", "检查项", K_STRING, 0),
  MENUM("severity", "严重程度", ev_severity, 0),
  M("note", "说明", K_STRING, 0),
  M("due", "整改期限", K_DATE, F_OPT),
  END,
};
static const spec b_finding_resolve[] = {
  M("finding", "审计发现（条目 SHA-256）", K_SHA256, 0),
  M("action", "整改措施", K_STRING, 0),
  M("resolved_on", "整改完成日期", K_DATE, F_FACT),
  END,
};

/* correction */
static const spec b_correction[] = {
  M("corrects", "被更正的条目（SHA-256）", K_SHA256, 0),
  M("reason", "更正原因", K_STRING, 0),
  M("body", "更正后的正文", K_ANYOBJ, F_OPT),
  END,
};

/* place.register */
static const spec b_place_register[] = {
  M("name", "区划名称", K_STRING, 0),
  M("since", "启用日期", K_DATE, F_OPT | F_FACT),
  M("merged_into", "撤并后归入的区划代码", K_CODE, F_OPT),
  END,
};

/* ------------------------------------------------------------------ the walk */

typedef struct {
  const char *county;
  bool dated;          /* sign_day is known */
  int64_t sign_day;    /* the signer's date in Asia/Shanghai, days since 1970-01-01 */
  char path[256];      /* JSON pointer of the value being looked at */
  size_t len, base;    /* path length; length of the prefix (e.g. "/body") */
  aidreg_problem first[3]; /* 400, 403, 422 */
  bool have[3];
} vctx;

/* Length of the longest prefix of s, at most max bytes, that ends on a UTF-8 character
 * boundary (the server puts details and fields into JSON). */
/* The longest prefix of s of at most max bytes that ends on a character boundary. */
static size_t utf8_fit(const char *s, size_t max) {
  size_t n = strlen(s);
  return n <= max ? n : ar_utf8_cut(s, max);
}

/* A user's string for a message: at most 40 bytes, cut at a character boundary. */
static const char *clip(const char *s, char out[64]) {
  size_t n = utf8_fit(s, 40);
  snprintf(out, 64, "%.*s%s", (int)n, s, s[n] ? "…" : "");
  return out;
}

static void vnote(vctx *c, aidreg_code code, const char *field, const char *fmt, va_list ap) {
  int st = aidreg_problem_status(code);
  int slot = st == 403 ? 1 : st == 422 ? 2 : 0;
  if (c->have[slot]) return;
  char buf[1024], f[sizeof c->first[0].field];
  vsnprintf(buf, sizeof buf, fmt, ap);
  buf[utf8_fit(buf, sizeof c->first[0].detail - 1)] = '\0';
  snprintf(f, sizeof f, "%.*s", (int)utf8_fit(field, sizeof f - 1), field);
  aidreg_problem_set(&c->first[slot], code, f, "%s", buf);
  c->have[slot] = true;
}

static void note_at(vctx *c, aidreg_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void note_at(vctx *c, aidreg_code code, const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vnote(c, code, field, fmt, ap);
  va_end(ap);
}

/* At the current path. Returns -1 for a 400 (the walk stops), else 0. */
static int note(vctx *c, aidreg_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int note(vctx *c, aidreg_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vnote(c, code, c->path, fmt, ap);
  va_end(ap);
  return aidreg_problem_status(code) == 400 ? -1 : 0;
}

/* Appends "/" + seg, escaped per RFC 6901. Returns the previous length for pop. */
static size_t push(vctx *c, const char *seg) {
  size_t mark = c->len;
  if (c->len + 1 < sizeof c->path) c->path[c->len++] = '/';
  for (const char *s = seg; *s && c->len + 2 < sizeof c->path; s++) {
    if (*s == '~' || *s == '/') {
      c->path[c->len++] = '~';
      c->path[c->len++] = *s == '~' ? '0' : '1';
    } else {
      c->path[c->len++] = *s;
    }
  }
  c->path[c->len] = '\0';
  return mark;
}

static size_t push_index(vctx *c, size_t i) {
  char b[24];
  snprintf(b, sizeof b, "%zu", i);
  return push(c, b);
}

static void pop(vctx *c, size_t mark) {
  c->len = mark;
  c->path[mark] = '\0';
}

/* The field as a clerk reads it: the path below the prefix ("owners/2/share_bp"). */
static const char *here(const vctx *c) {
  const char *s = c->path + c->base;
  return *s == '/' ? s + 1 : (*s ? s : "body");
}

/* What the value is, for "got ..." in a message. */
static const char *got(const json_t *v, char out[96]) {
  char q[64];
  switch (json_typeof(v)) {
    case JSON_STRING: snprintf(out, 96, "\"%s\"", clip(json_string_value(v), q)); break;
    case JSON_INTEGER: snprintf(out, 96, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: snprintf(out, 96, "%.17g", json_real_value(v)); break;
    case JSON_TRUE: snprintf(out, 96, "true"); break;
    case JSON_FALSE: snprintf(out, 96, "false"); break;
    case JSON_NULL: snprintf(out, 96, "null"); break;
    case JSON_OBJECT: snprintf(out, 96, "{…}"); break;
    case JSON_ARRAY: snprintf(out, 96, "[…]"); break;
  }
  return out;
}

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return s[n] == '\0';
}

/* An identifier: 1..64 printable ASCII characters, no space, and none of / ? # % \ " which
 * would break the read API's paths (/assets/{id}) or need quoting. */
bool ar_finding_names_key(const char *type, const char *subject) {
  uint8_t pk[32];
  return strncmp(type, "finding.", 8) == 0 && aidreg_key_id_decode(subject, pk) == 0;
}

static bool id_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch <= 0x20 || ch >= 0x7F || strchr("/?#%\\\"", ch)) return false;
  }
  return true;
}

bool aidreg_state_id_ok(const char *id) { return id && id_ok(id); }

/* A party's id (owner, payee, proceeds_to): any text of 1..128 bytes without control
 * characters or spaces at either end, so that two entries naming the same party agree. */
static bool ref_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 128 || s[0] == ' ' || s[n - 1] == ' ') return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x20 || ch == 0x7F) return false;
  }
  return true;
}

static bool sha256_ok(const char *s) {
  size_t n = strlen(s);
  if (n != 64) return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  return true;
}

/* A member marked F_NO_ID holding what looks like a 身份证号: noted (422). */
static int no_national_id(vctx *c, const spec *s, const json_t *v) {
  if (!(s->flags & F_NO_ID) || !ar_has_national_id(json_string_value(v))) return 0;
  return note(c, AIDREG_E_NATIONAL_ID,
              "“%s”（%s）含有身份证号：台账是公开的，不得填写身份证号，请改用村内编号 / %s holds what looks like a "
              "national ID number; the ledger is public: use the village's own number for the person",
              s->zh, here(c), here(c));
}

static void day_str(int64_t days, char out[32]) {
  char b[40];
  aidreg_rfc3339_format(days * 86400, 0, b, sizeof b);
  snprintf(out, 32, "%.10s", b);
}

/* What a value of kind s must be, in Chinese and English. */
static void must_be(const spec *s, char *zh, char *en, size_t cap) {
  const char *z = "", *e = "";
  switch (s->k) {
    case K_STRING: z = "文本（用双引号括起的字符串）"; e = "a string"; break;
    case K_ID:
      z = "编号：1 至 64 个英文字母、数字或符号，不含空格和 / ? # % \\ \"";
      e = "an identifier of 1 to 64 ASCII letters, digits or symbols, without spaces or / ? # % \\ \"";
      break;
    case K_REF:
      z = "非空的编号，不超过 128 字节，首尾不能有空格";
      e = "a non-empty id of at most 128 bytes, without control characters or spaces at either end";
      break;
    case K_KEYID: z = "已登记密钥的编号（44 个字符）"; e = "a key id (44 base64 characters)"; break;
    case K_CODE6: z = "6 位县级区划代码"; e = "a 6-digit county code"; break;
    case K_CODE9: z = "9 位乡镇区划代码"; e = "a 9-digit township code"; break;
    case K_CODE12: z = "12 位村级区划代码"; e = "a 12-digit village code"; break;
    case K_CODE: z = "6、9 或 12 位区划代码"; e = "a 6, 9 or 12-digit administrative code"; break;
    case K_DATE:
      z = "真实存在的日期，格式 YYYY-MM-DD（如 2024-03-31）";
      e = "a real calendar date YYYY-MM-DD (e.g. 2024-03-31)";
      break;
    case K_FEN:
      z = "以分为单位的非负整数（12345 表示 123.45 元），不能是小数、负数或带引号的文字";
      e = "a whole number of fen, 0 or more (12345 is 123.45 yuan), not a decimal, a negative number or quoted text";
      break;
    case K_BP:
      z = "0 到 10000 之间的整数（基点，10000 表示 100%）";
      e = "a whole number from 0 to 10000 (basis points; 10000 is 100%)";
      break;
    case K_INT:
      snprintf(zh, cap, "%lld 到 %lld 之间的整数", (long long)s->min, (long long)s->max);
      snprintf(en, cap, "a whole number from %lld to %lld", (long long)s->min, (long long)s->max);
      return;
    case K_NUMBER: z = "不小于 0 的数"; e = "a number, 0 or more"; break;
    case K_BOOL: z = "true 或 false"; e = "true or false"; break;
    case K_ENUM: z = "可选值之一"; e = "one of the listed values"; break;
    case K_SHA256:
      z = "SHA-256 摘要（64 位小写十六进制）";
      e = "a SHA-256 digest (64 lowercase hex digits)";
      break;
    case K_OBJECT:
    case K_ANYOBJ: z = "对象 { … }"; e = "an object { ... }"; break;
    case K_ARRAY: z = "数组 [ … ]"; e = "an array [ ... ]"; break;
  }
  snprintf(zh, cap, "%s", z);
  snprintf(en, cap, "%s", e);
}

static int invalid(vctx *c, const spec *s, const json_t *v) {
  char zh[160], en[160], g[96];
  must_be(s, zh, en, sizeof zh);
  got(v, g);
  return note(c, AIDREG_E_INVALID_FIELD, "“%s”（%s）应为%s，收到 %s / %s must be %s; got %s", s->zh, here(c), zh, g,
              here(c), en, g);
}

static int check_object(vctx *c, const spec *members, const json_t *obj);

static int check_enum(vctx *c, const spec *s, const char *v) {
  const enum_value *vals = s->arg;
  if (enum_find(vals, v)) return 0;
  char zh[320] = "", en[200] = "", q[64];
  size_t zl = 0, el = 0;
  for (const enum_value *e = vals; e->value; e++) {
    const char *sep = e == vals ? "" : "、";
    int a = snprintf(zh + zl, sizeof zh - zl, "%s%s（%s）", sep, e->value, e->zh);
    if (a > 0 && (size_t)a < sizeof zh - zl) zl += (size_t)a;
    int b = snprintf(en + el, sizeof en - el, "%s%s", e == vals ? "" : ", ", e->value);
    if (b > 0 && (size_t)b < sizeof en - el) el += (size_t)b;
  }
  return note(c, AIDREG_E_INVALID_FIELD, "“%s”（%s）的值 \"%s\" 不在可选范围内，可选：%s / %s \"%s\" is not one of: %s",
              s->zh, here(c), clip(v, q), zh, here(c), q, en);
}

static int check_code(vctx *c, const spec *s, const json_t *v) {
  if (!json_is_string(v)) return invalid(c, s, v);
  const char *str = json_string_value(v);
  size_t n = strlen(str);
  bool len_ok = s->k == K_CODE6 ? n == 6 : s->k == K_CODE9 ? n == 9 : s->k == K_CODE12 ? n == 12
                                                                 : (n == 6 || n == 9 || n == 12);
  if (!len_ok || !all_digits(str, n)) return invalid(c, s, v);
  if (strncmp(str, c->county, 6) != 0)
    return note(c, AIDREG_E_OUT_OF_SCOPE, "“%s”（%s）的区划代码 %s 不在本县（%s）范围内，请核对代码 / %s: code %s lies outside county %s",
                s->zh, here(c), str, c->county, here(c), str, c->county);
  return 0;
}

static int check_date(vctx *c, const spec *s, const json_t *v) {
  int64_t days;
  if (!json_is_string(v) || aidreg_date_parse(json_string_value(v), &days) != 0) return invalid(c, s, v);
  if ((s->flags & F_FACT) && c->dated && days > c->sign_day) {
    char sd[32];
    day_str(c->sign_day, sd);
    return note(c, AIDREG_E_DATE_AFTER_SIGNING,
                "“%s”（%s）为 %s，晚于签名日期 %s（北京时间）：已发生的事不能晚于签名时间，请核对日期 / %s %s is later "
                "than the signing date %s (Asia/Shanghai): a fact cannot be dated after it is signed; check the date",
                s->zh, here(c), json_string_value(v), sd, here(c), json_string_value(v), sd);
  }
  return 0;
}

static int check_value(vctx *c, const spec *s, const json_t *v) {
  switch (s->k) {
    case K_STRING: return json_is_string(v) ? no_national_id(c, s, v) : invalid(c, s, v);
    case K_ID: return json_is_string(v) && id_ok(json_string_value(v)) ? 0 : invalid(c, s, v);
    case K_REF: return json_is_string(v) && ref_ok(json_string_value(v)) ? no_national_id(c, s, v) : invalid(c, s, v);
    case K_KEYID: {
      uint8_t pk[32];
      return json_is_string(v) && aidreg_key_id_decode(json_string_value(v), pk) == 0 ? 0 : invalid(c, s, v);
    }
    case K_CODE6:
    case K_CODE9:
    case K_CODE12:
    case K_CODE: return check_code(c, s, v);
    case K_DATE: return check_date(c, s, v);
    case K_FEN: return json_is_integer(v) && json_integer_value(v) >= 0 ? 0 : invalid(c, s, v);
    case K_BP:
      return json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 10000 ? 0
                                                                                                 : invalid(c, s, v);
    case K_INT:
      return json_is_integer(v) && json_integer_value(v) >= s->min && json_integer_value(v) <= s->max
                 ? 0
                 : invalid(c, s, v);
    case K_NUMBER:
      if (json_is_integer(v)) return json_integer_value(v) >= 0 ? 0 : invalid(c, s, v);
      return json_is_real(v) && json_real_value(v) >= 0 ? 0 : invalid(c, s, v);
    case K_BOOL: return json_is_boolean(v) ? 0 : invalid(c, s, v);
    case K_ENUM: return json_is_string(v) ? check_enum(c, s, json_string_value(v)) : invalid(c, s, v);
    case K_SHA256: return json_is_string(v) && sha256_ok(json_string_value(v)) ? 0 : invalid(c, s, v);
    case K_OBJECT: return json_is_object(v) ? check_object(c, s->arg, v) : invalid(c, s, v);
    case K_ANYOBJ: return json_is_object(v) ? 0 : invalid(c, s, v);
    case K_ARRAY: {
      if (!json_is_array(v)) return invalid(c, s, v);
      if ((s->flags & F_NONEMPTY) && json_array_size(v) == 0)
        return note(c, AIDREG_E_INVALID_FIELD, "“%s”（%s）不能为空，至少要填一项 / %s must not be empty: give at least one item",
                    s->zh, here(c), here(c));
      if (s->max > 0 && json_array_size(v) > (size_t)s->max)
        return note(c, AIDREG_E_INVALID_FIELD,
                    "“%s”（%s）最多 %lld 项，这里有 %zu 项 / %s holds at most %lld items, this one %zu",
                    s->zh, here(c), (long long)s->max, json_array_size(v), here(c), (long long)s->max,
                    json_array_size(v));
      const spec *el = s->arg;
      for (size_t i = 0; i < json_array_size(v); i++) {
        size_t mark = push_index(c, i);
        int rc = check_value(c, el, json_array_get(v, i));
        if (rc == 0 && (s->flags & F_UNIQUE))
          for (size_t j = 0; j < i; j++)
            if (json_equal(json_array_get(v, j), json_array_get(v, i))) {
              char q[96];
              note(c, AIDREG_E_DUPLICATE_ITEM,
                   "“%s”（%s）第 %zu 项 %s 与第 %zu 项重复，每项只能列一次 / %s repeats item %zu (%s); list each once",
                   s->zh, here(c), i + 1, got(json_array_get(v, i), q), j + 1, here(c), j, q);
              break;
            }
        pop(c, mark);
        if (rc) return -1;
      }
      return 0;
    }
  }
  return 0;
}

static int check_object(vctx *c, const spec *members, const json_t *obj) {
  const char *key;
  json_t *val;
  json_object_foreach((json_t *)obj, key, val) {
    const spec *m = members;
    while (m->name && strcmp(m->name, key) != 0) m++;
    if (m->name) continue;
    char allowed[400] = "", q[64];
    size_t al = 0;
    for (const spec *s = members; s->name; s++) {
      int a = snprintf(allowed + al, sizeof allowed - al, "%s%s", s == members ? "" : ", ", s->name);
      if (a > 0 && (size_t)a < sizeof allowed - al) al += (size_t)a;
    }
    size_t mark = push(c, key);
    note(c, AIDREG_E_UNKNOWN_FIELD,
         "字段 \"%s\" 不在此处的字段表中，请删除或改正拼写 / Unknown field \"%s\": remove it or correct its spelling. 可用字段 / "
         "allowed: %s",
         clip(key, q), q, members->name ? allowed : "（无 / none）");
    pop(c, mark);
    return -1;
  }
  for (const spec *m = members; m->name; m++) {
    json_t *v = json_object_get(obj, m->name);
    size_t mark = push(c, m->name);
    int rc = 0;
    if (!v) {
      if (!(m->flags & F_OPT))
        rc = note(c, AIDREG_E_MISSING_FIELD, "缺少必填字段“%s”（%s） / Required field %s is missing", m->zh, here(c),
                  here(c));
    } else {
      rc = check_value(c, m, v);
    }
    pop(c, mark);
    if (rc) return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------ rules per type */

static void yuan(int64_t fen, char out[40]) { aidreg_fen_to_yuan(fen, out); }

/* The body's members are known to be valid when these run. */
static const json_t *get(const json_t *o, const char *k) { return json_object_get(o, k); }
static int64_t fen(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* Field pointer of a member below the current path (the body). */
static void below(const vctx *c, const char *rel, char out[512]) {
  snprintf(out, 512, "%s%s", c->path, rel);
}

/* Sum of items[i][member]; false on overflow. */
static bool sum_fen(const json_t *items, const char *member, int64_t *out) {
  int64_t s = 0;
  for (size_t i = 0; i < json_array_size(items); i++) {
    int64_t v = fen(json_array_get(items, i), member);
    if (v > INT64_MAX - s) return false;
    s += v;
  }
  *out = s;
  return true;
}

static void overflow(vctx *c, const char *rel, const char *zh) {
  char f[512];
  below(c, rel, f);
  note_at(c, AIDREG_E_AMOUNT_OVERFLOW, f,
          "“%s”（%s）的金额合计超出可记录的最大金额（%lld 分），请核对各项金额 / The amounts of %s add up beyond the largest "
          "recordable amount (%lld fen); check them",
          zh, rel + 1, (long long)INT64_MAX, rel + 1, (long long)INT64_MAX);
}

static void shares(vctx *c, const json_t *items, const char *rel, const char *zh) {
  int64_t s = 0;
  for (size_t i = 0; i < json_array_size(items); i++) s += fen(json_array_get(items, i), "share_bp");
  if (s == 10000) return;
  char f[512];
  below(c, rel, f);
  note_at(c, AIDREG_E_SHARES_NOT_10000, f,
          "“%s”（%s）的份额合计为 %lld，应为 10000（即 100%%），请调整各项 share_bp / The shares of %s add up to %lld; they "
          "must add up to 10000 (100%%): adjust share_bp",
          zh, rel + 1, (long long)s, rel + 1, (long long)s);
}

/* Items i > j with the same value of `member` (and of `member2` when given). */
static void unique_by(vctx *c, const json_t *items, const char *rel, const char *zh, const char *member,
                      const char *member2, const char *zh_what, const char *en_what) {
  for (size_t i = 0; i < json_array_size(items); i++) {
    const json_t *a = json_array_get(items, i);
    for (size_t j = 0; j < i; j++) {
      const json_t *b = json_array_get(items, j);
      if (!json_equal(get(a, member), get(b, member))) continue;
      if (member2 && !json_equal(get(a, member2), get(b, member2))) continue;
      char f[512], q[64];
      snprintf(f, sizeof f, "%s%s/%zu/%s", c->path, rel, i, member2 ? member2 : member);
      clip(str(a, member2 ? member2 : member), q);
      note_at(c, AIDREG_E_DUPLICATE_ITEM, f,
              "“%s”（%s）第 %zu 项与第 %zu 项重复（%s）：%s / %s/%zu repeats %s/%zu (%s): %s", zh, rel + 1, i + 1, j + 1,
              q, zh_what,
              rel + 1, i, rel + 1, j, q, en_what);
      return;
    }
  }
}

static void period(vctx *c, const char *start, const char *end, const char *rel_end, const char *zh_start,
                   const char *zh_end) {
  int64_t a, b;
  if (aidreg_date_parse(start, &a) || aidreg_date_parse(end, &b) || a <= b) return;
  char f[512];
  below(c, rel_end, f);
  note_at(c, AIDREG_E_PERIOD_REVERSED, f, "%s %s 晚于%s %s，请核对日期 / The start %s is after the end %s (%s)", zh_start,
          start, zh_end, end, start, end, rel_end + 1);
}

static void rules_project_register(vctx *c, const json_t *b) {
  int64_t s;
  if (!sum_fen(get(b, "funding_lines"), "amount_fen", &s)) overflow(c, "/funding_lines", "资金来源");
}

static void rules_asset_register(vctx *c, const json_t *b) {
  const json_t *village = get(b, "village"), *locs = get(b, "locations");
  char f[512];
  if (village && locs) {
    below(c, "/locations", f);
    note_at(c, AIDREG_E_INVALID_FIELD, f,
            "village 与 locations 只能填一个：单村资产填 village，多村共建的资产填 locations（各村代码及份额） / Give either "
            "village (one village) or locations (several villages with their shares), not both");
    return;
  }
  if (!village && !locs) {
    below(c, "/village", f);
    note_at(c, AIDREG_E_MISSING_FIELD, f,
            "缺少资产所在村：填写 village（12 位村级区划代码），多村共建时改填 locations（各村代码及份额） / The asset's "
            "village is missing: give village (a 12-digit code) or, for an asset shared by villages, locations");
    return;
  }
  if (locs) {
    unique_by(c, locs, "/locations", "所在村及份额", "code", NULL, "同一个村只能列一次，请合并份额",
              "list each village once and merge its shares");
    shares(c, locs, "/locations", "所在村及份额");
  }
}

static void rules_asset_rights(vctx *c, const json_t *b) {
  const json_t *owners = get(b, "owners");
  unique_by(c, owners, "/owners", "权属人", "kind", "id", "同一权属人只能列一次，请合并份额",
            "list each owner once and merge its shares");
  shares(c, owners, "/owners", "权属人");
}

static void rules_asset_operator(vctx *c, const json_t *b) {
  const char *mode = str(b, "mode");
  const json_t *contract = get(b, "contract");
  if (!contract) {
    if (strcmp(mode, "self") != 0) {
      char f[512];
      below(c, "/contract", f);
      note_at(c, AIDREG_E_MISSING_FIELD, f,
              "经营方式为 %s（%s）时必须填写经营合同 contract {no, start, end, agreed_return_fen_per_year}，只有自主经营 self "
              "可以不填 / contract {no, start, end, agreed_return_fen_per_year} is required when mode is %s; only self may "
              "leave it out",
              mode, ar_domain_label_in("operator_mode", mode), mode);
    }
    return;
  }
  period(c, str(contract, "start"), str(contract, "end"), "/contract/end", "合同开始日期", "合同结束日期");
}

static void rules_income_report(vctx *c, const json_t *b) {
  period(c, str(b, "period_start"), str(b, "period_end"), "/period_end", "收益期开始日期", "收益期结束日期");
  int64_t costs, gross = fen(b, "gross_fen"), net = fen(b, "net_fen");
  if (!sum_fen(get(b, "costs"), "amount_fen", &costs)) {
    overflow(c, "/costs", "成本");
    return;
  }
  char f[512], g[40], k[40], n[40];
  yuan(gross, g);
  yuan(costs, k);
  if (costs > gross) {
    below(c, "/costs", f);
    note_at(c, AIDREG_E_NET_MISMATCH, f,
            "各项成本合计 %lld 分（%s 元）超过总收入 %lld 分（%s 元），净收益不能为负，请核对 gross_fen 和 costs / The costs "
            "(%lld fen) exceed gross_fen (%lld fen); net income cannot be negative: check gross_fen and costs",
            (long long)costs, k, (long long)gross, g, (long long)costs, (long long)gross);
    return;
  }
  if (net != gross - costs) {
    yuan(gross - costs, n);
    below(c, "/net_fen", f);
    note_at(c, AIDREG_E_NET_MISMATCH, f,
            "净收益 net_fen 应为总收入减各项成本：%lld − %lld = %lld 分（%s 元），收到 %lld / net_fen must be gross_fen "
            "minus the costs: %lld − %lld = %lld fen; got %lld",
            (long long)gross, (long long)costs, (long long)(gross - costs), n, (long long)net, (long long)gross,
            (long long)costs, (long long)(gross - costs), (long long)net);
  }
}

static void rules_allocation_plan(vctx *c, const json_t *b) {
  unique_by(c, get(b, "sources"), "/sources", "资金来源", "income", NULL, "同一笔收益只能列一次，请合并提取金额",
            "draw on each income report once and merge the amounts");
  int64_t src, lines;
  if (!sum_fen(get(b, "sources"), "amount_fen", &src)) {
    overflow(c, "/sources", "资金来源");
    return;
  }
  if (!sum_fen(get(b, "lines"), "amount_fen", &lines)) {
    overflow(c, "/lines", "分配用途");
    return;
  }
  if (src == lines) return;
  char f[512], a[40], d[40];
  yuan(lines, a);
  yuan(src, d);
  below(c, "/lines", f);
  note_at(c, AIDREG_E_PLAN_UNBALANCED, f,
          "分配用途 lines 合计 %lld 分（%s 元），资金来源 sources 合计 %lld 分（%s 元），两者必须相等 / The lines total %lld "
          "fen but the sources draw %lld fen; they must be equal",
          (long long)lines, a, (long long)src, d, (long long)lines, (long long)src);
}

static void rules_notice_publish(vctx *c, const json_t *b) {
  period(c, str(b, "start"), str(b, "end"), "/end", "公示开始日期", "公示结束日期");
}

/* A place's name is what every read shows beside its code: it may not be blank; a
 * merged place names another place of the same level. */
static void rules_place_register(vctx *c, const json_t *b) {
  const char *name = str(b, "name"), *into = str(b, "merged_into");
  bool blank = true;
  for (const char *q = name ? name : ""; *q; q++)
    if (*q != ' ' && *q != '\t') blank = false;
  if (blank)
    note_at(c, AIDREG_E_INVALID_FIELD, "/body/name", "区划名称不能为空 / The name of a place must not be empty");
  if (into && strlen(into) != 9 && strlen(into) != 12)
    note_at(c, AIDREG_E_INVALID_FIELD, "/body/merged_into",
            "merged_into 应为 9 位乡镇或 12 位村级代码 / merged_into must be a 9-digit township or 12-digit village code");
}

/* One schema per event type with a body of its own; the catalogue's row points at it. */
struct domain_schema {
  const spec *body;
  void (*rules)(vctx *c, const json_t *body);
};

#define SCHEMA(name, members, rules) const domain_schema ar_domain_schema_##name = {members, rules};
SCHEMA(ledger_settings, b_settings, NULL)
SCHEMA(place_register, b_place_register, rules_place_register)
SCHEMA(project_register, b_project_register, rules_project_register)
SCHEMA(asset_register, b_asset_register, rules_asset_register)
SCHEMA(asset_rights, b_asset_rights, rules_asset_rights)
SCHEMA(asset_handover, b_asset_handover, NULL)
SCHEMA(asset_operator, b_asset_operator, rules_asset_operator)
SCHEMA(asset_maintainer, b_asset_maintainer, NULL)
SCHEMA(asset_status, b_asset_status, NULL)
SCHEMA(maintenance_report, b_maintenance_report, NULL)
SCHEMA(inventory_count, b_inventory_count, NULL)
SCHEMA(income_report, b_income_report, rules_income_report)
SCHEMA(allocation_plan, b_allocation_plan, rules_allocation_plan)
SCHEMA(allocation_review, b_allocation_review, NULL)
SCHEMA(allocation_filed, b_allocation_filed, NULL)
SCHEMA(notice_publish, b_notice_publish, rules_notice_publish)
SCHEMA(allocation_payout, b_allocation_payout, NULL)
SCHEMA(disposal_request, b_disposal_request, NULL)
SCHEMA(disposal_approve, b_disposal_approve, NULL)
SCHEMA(disposal_complete, b_disposal_complete, NULL)
SCHEMA(finding_record, b_finding_record, NULL)
SCHEMA(finding_resolve, b_finding_resolve, NULL)
SCHEMA(correction, b_correction, NULL)
#undef SCHEMA

const domain_schema *ar_domain_schema_of(const aidreg_event_type *t) { return t && t->hooks ? t->hooks->body : NULL; }

/* ------------------------------------------------------------------ entry points */

static void ctx_init(vctx *c, const aidreg_event *ev, const char *county, const char *prefix) {
  memset(c, 0, sizeof *c);
  c->county = county ? county : "";
  if (ev) {
    /* The signer's calendar date in Asia/Shanghai (UTC+8, no daylight saving). */
    int64_t t = ev->time + 8 * 3600;
    c->sign_day = t / 86400 - (t % 86400 < 0);
    c->dated = true;
  }
  snprintf(c->path, sizeof c->path, "%s", prefix ? prefix : "");
  c->len = c->base = strlen(c->path);
}

static void walk_body(vctx *c, const domain_schema *t, const json_t *body) {
  if (!json_is_object(body)) {
    note(c, AIDREG_E_INVALID_FIELD, "正文应为对象 { … } / The body must be an object { ... }");
    return;
  }
  if (check_object(c, t->body, body) == 0 && t->rules) t->rules(c, body);
}

static int finish(vctx *c, aidreg_problem *p) {
  for (int i = 0; i < 3; i++)
    if (c->have[i]) {
      if (p) *p = c->first[i];
      return -1;
    }
  return 0;
}

static void check_subject(vctx *c, const aidreg_event_type *t, const char *subject) {
  char q[64];
  const char *s = subject ? subject : "";
  switch (t->subject) {
    case AIDREG_SUBJ_KEY: return;
    case AIDREG_SUBJ_PLACE:
      if ((strlen(s) != 9 && strlen(s) != 12) || !all_digits(s, strlen(s)))
        note_at(c, AIDREG_E_INVALID_FIELD, "/subject",
                "%s 的主体应为 9 位乡镇或 12 位村级区划代码，收到 \"%s\" / The subject of %s must be a 9-digit "
                "township or 12-digit village code; got \"%s\"",
                t->name, clip(s, q), t->name, q);
      else if (strncmp(s, c->county, 6) != 0)
        note_at(c, AIDREG_E_OUT_OF_SCOPE, "/subject", "区划 %s 不在本县（%s）范围内 / Place %s lies outside county %s",
                s, c->county, s, c->county);
      return;
    case AIDREG_SUBJ_COUNTY:
      if (strlen(s) != 6 || !all_digits(s, 6))
        note_at(c, AIDREG_E_INVALID_FIELD, "/subject",
                "%s 的主体应为 6 位县级区划代码 %s，收到 \"%s\" / The subject of %s must be the 6-digit county code %s; "
                "got \"%s\"",
                t->name, c->county, clip(s, q), t->name, c->county, q);
      else if (strcmp(s, c->county) != 0)
        note_at(c, AIDREG_E_SUBJECT_MISMATCH, "/subject", "%s 的主体应为本县代码 %s，收到 %s / The subject of %s must be "
                "the ledger's county code %s; got %s", t->name, c->county, s, t->name, c->county, s);
      return;
    case AIDREG_SUBJ_PROJECT:
    case AIDREG_SUBJ_ASSET:
    case AIDREG_SUBJ_PLAN:
    case AIDREG_SUBJ_ANY:
    case AIDREG_SUBJ_SAME: {
      const char *zh = t->subject == AIDREG_SUBJ_PROJECT ? "项目编号"
                       : t->subject == AIDREG_SUBJ_ASSET ? "资产编号"
                       : t->subject == AIDREG_SUBJ_PLAN  ? "分配方案编号"
                                                         : "编号";
      uint8_t pk[32];
      /* A correction names its target's subject, which may be a key id (base64 holds
       * '/'): the rules then refuse correcting key events with their own 422. */
      bool key_subject = (t->subject == AIDREG_SUBJ_SAME && aidreg_key_id_decode(s, pk) == 0) ||
                         ar_finding_names_key(t->name, s);
      if (!key_subject && !id_ok(s)) {
        note_at(c, AIDREG_E_INVALID_FIELD, "/subject",
                "主体（%s）\"%s\" 不是有效编号：应为 1 至 64 个英文字母、数字或符号，不含空格和 / ? # %% \\ \" / The subject "
                "\"%s\" is not a valid id: 1 to 64 ASCII letters, digits or symbols, without spaces or / ? # %% \\ \"",
                zh, clip(s, q), q);
      } else if (t->subject == AIDREG_SUBJ_ANY && strlen(s) == 12 && all_digits(s, 12) &&
                 strncmp(s, c->county, 6) != 0) {
        /* A village code: it must lie in the county. */
        note_at(c, AIDREG_E_OUT_OF_SCOPE, "/subject", "主体村代码 %s 不在本县（%s）范围内 / The subject, village %s, lies "
                "outside county %s", s, c->county, s, c->county);
      }
      return;
    }
  }
}

int ar_domain_validate_type(const aidreg_event_type *t, const aidreg_event *ev, const char *county,
                         aidreg_problem *p) {
  const domain_schema *s = ar_domain_schema_of(t);
  if (!s) return 0; /* ledger.create, key.*: authority.c */
  vctx c;
  ctx_init(&c, ev, county, "/body");
  check_subject(&c, t, ev->subject);
  if (!c.have[0]) walk_body(&c, s, ev->body);
  return finish(&c, p);
}

int ar_domain_validate_body_as_schema(const domain_schema *s, const json_t *body, const aidreg_event *ev,
                                   const char *county, const char *pointer_prefix, aidreg_problem *p) {
  vctx c;
  ctx_init(&c, ev, county, pointer_prefix);
  walk_body(&c, s, body);
  return finish(&c, p);
}

int ar_domain_validate_body_of(const aidreg_event_type *t, const char *type, const json_t *body,
                            const aidreg_event *ev, const char *county, const char *pointer_prefix,
                            aidreg_problem *p) {
  const domain_schema *s = ar_domain_schema_of(t);
  char f[128];
  snprintf(f, sizeof f, "%s", pointer_prefix ? pointer_prefix : "");
  char ty[41];
  if (!s)
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, f,
                              "%s 类型的条目没有可替换的正文 / Entries of type %s have no body to replace",
                              ar_utf8_prefix(type, ty, sizeof ty), ty);
  return ar_domain_validate_body_as_schema(s, body, ev, county, pointer_prefix, p);
}

/* ------------------------------------------------------------------ settings */

void ar_domain_settings_defaults(domain_settings *out) {
  out->publicity_days = 7;
  out->idle_months = 12;
  out->unallocated_months = 12;
  out->inspection_months_public_welfare = 6;
  out->inspection_months_operating = 12;
  out->inspection_months_household = 12;
  out->forbidden_purposes = 0;
  out->required_steps = DOMAIN_STEPS_ALL;
}

static void take_int(const json_t *o, const char *k, int *out) {
  const json_t *v = json_object_get(o, k);
  if (v) *out = (int)json_integer_value(v); /* range-checked by the schema */
}

static unsigned take_bits(const json_t *arr, unsigned (*bit)(const char *)) {
  unsigned b = 0;
  for (size_t i = 0; i < json_array_size(arr); i++) b |= bit(json_string_value(json_array_get(arr, i)));
  return b;
}

int ar_domain_settings_parse(const json_t *body, domain_settings *out) {
  ar_domain_settings_defaults(out);
  vctx c;
  ctx_init(&c, NULL, NULL, "/body");
  walk_body(&c, &ar_domain_schema_ledger_settings, body);
  if (finish(&c, NULL)) return -1;
  take_int(body, "publicity_days", &out->publicity_days);
  take_int(body, "idle_months", &out->idle_months);
  take_int(body, "unallocated_months", &out->unallocated_months);
  const json_t *im = json_object_get(body, "inspection_months");
  take_int(im, "public_welfare", &out->inspection_months_public_welfare);
  take_int(im, "operating", &out->inspection_months_operating);
  take_int(im, "household", &out->inspection_months_household);
  const json_t *fp = json_object_get(body, "forbidden_purposes"), *rs = json_object_get(body, "required_steps");
  if (fp) out->forbidden_purposes = take_bits(fp, ar_domain_purpose_bit);
  if (rs) out->required_steps = take_bits(rs, ar_domain_step_bit);
  return 0;
}

int ar_domain_settings_inspection_months(const domain_settings *s, const char *asset_class) {
  if (asset_class && strcmp(asset_class, "public_welfare") == 0) return s->inspection_months_public_welfare;
  if (asset_class && strcmp(asset_class, "household") == 0) return s->inspection_months_household;
  return s->inspection_months_operating;
}

static json_t *bits_json(unsigned bits, const enum_value *vals) {
  json_t *a = json_array();
  unsigned b = 1;
  for (const enum_value *e = vals; a && e->value; e++, b <<= 1)
    if ((bits & b) && json_array_append_new(a, json_string(e->value))) {
      json_decref(a); /* a short list would be wrong settings: none, and json_pack fails */
      return NULL;
    }
  return a;
}

json_t *ar_domain_settings_json(const domain_settings *s) {
  return json_pack("{s:i, s:i, s:{s:i, s:i, s:i}, s:i, s:o, s:o}", "publicity_days", s->publicity_days,
                   "idle_months", s->idle_months, "inspection_months", "public_welfare",
                   s->inspection_months_public_welfare, "operating", s->inspection_months_operating, "household",
                   s->inspection_months_household, "unallocated_months", s->unallocated_months,
                   "forbidden_purposes", bits_json(s->forbidden_purposes, ev_purpose), "required_steps",
                   bits_json(s->required_steps, ev_step));
}

/* ------------------------------------------------------------------ JSON Schema */

/* The JSON Schema (2020-12) of one member kind: what the walk above accepts, as far as a
 * schema can say it (the rules that tie fields together stay in prose). Chinese names
 * go into "title", enumerations' labels into "x-labels". */
static json_t *kind_json(const spec *s);

static json_t *members_json(const spec *members) {
  json_t *props = json_object(), *req = json_array();
  json_t *o = json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required", req,
                        "additionalProperties", 0);
  if (!o) return NULL;
  for (const spec *m = members; m->name; m++) {
    json_t *k = kind_json(m);
    if (!k || json_object_set_new(props, m->name, k) ||
        (!(m->flags & F_OPT) && json_array_append_new(req, json_string(m->name)))) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

static json_t *kind_json(const spec *s) {
  static const char *const code_pattern[] = {"^[0-9]{6}$", "^[0-9]{9}$", "^[0-9]{12}$", "^([0-9]{6}|[0-9]{9}|[0-9]{12})$"};
  json_t *o = NULL;
  switch (s->k) {
  case K_STRING: o = json_pack("{s:s}", "type", "string"); break;
  case K_ID: o = json_pack("{s:s, s:i, s:i, s:s}", "type", "string", "minLength", 1, "maxLength", 64, "pattern",
                           "^[!$&-.0->@-\\[\\]-~]+$"); break;
  case K_REF: o = json_pack("{s:s, s:i, s:i}", "type", "string", "minLength", 1, "maxLength", 128); break;
  case K_KEYID: o = json_pack("{s:s, s:i, s:i}", "type", "string", "minLength", 44, "maxLength", 44); break;
  case K_CODE6:
  case K_CODE9:
  case K_CODE12:
  case K_CODE: o = json_pack("{s:s, s:s}", "type", "string", "pattern", code_pattern[s->k - K_CODE6]); break;
  case K_DATE: o = json_pack("{s:s, s:s}", "type", "string", "format", "date"); break;
  case K_FEN: o = json_pack("{s:s, s:i}", "type", "integer", "minimum", 0); break;
  case K_BP: o = json_pack("{s:s, s:i, s:i}", "type", "integer", "minimum", 0, "maximum", 10000); break;
  case K_INT: o = json_pack("{s:s, s:I, s:I}", "type", "integer", "minimum", (json_int_t)s->min, "maximum",
                            (json_int_t)s->max); break;
  case K_NUMBER: o = json_pack("{s:s, s:i}", "type", "number", "minimum", 0); break;
  case K_BOOL: o = json_pack("{s:s}", "type", "boolean"); break;
  case K_SHA256: o = json_pack("{s:s, s:s}", "type", "string", "pattern", "^[0-9a-f]{64}$"); break;
  case K_ANYOBJ: o = json_pack("{s:s}", "type", "object"); break;
  case K_OBJECT: o = members_json(s->arg); break;
  case K_ENUM: {
    json_t *vals = json_array(), *labels = json_object();
    for (const enum_value *e = s->arg; vals && labels && e->value; e++)
      if (json_array_append_new(vals, json_string(e->value)) || json_object_set_new(labels, e->value, json_string(e->zh)))
        break;
    o = json_pack("{s:o, s:o}", "enum", vals, "x-labels", labels);
    break;
  }
  case K_ARRAY: {
    json_t *items = kind_json(s->arg);
    o = json_pack("{s:s, s:o}", "type", "array", "items", items);
    if (o && (s->flags & F_NONEMPTY) && json_object_set_new(o, "minItems", json_integer(1))) goto fail;
    if (o && s->max > 0 && json_object_set_new(o, "maxItems", json_integer((json_int_t)s->max))) goto fail;
    if (o && (s->flags & F_UNIQUE) && json_object_set_new(o, "uniqueItems", json_true())) goto fail;
    break;
  }
  }
  if (o && s->zh && *s->zh && json_object_set_new(o, "title", json_string(s->zh))) goto fail;
  if (o && (s->flags & F_FACT) &&
      json_object_set_new(o, "description", json_string("事实日期，不得晚于签名时间 / a date of a fact: not later than "
                                                        "the signer's time")))
    goto fail;
  return o;
fail:
  json_decref(o);
  return NULL;
}

int aidreg_event_body_schema(const aidreg_event_type *t, json_t **out) {
  *out = NULL;
  const domain_schema *s = ar_domain_schema_of(t);
  if (!s) return 0;
  json_t *o = members_json(s->body);
  if (!o || json_object_set_new(o, "title", json_string(t->label_zh)) ||
      json_object_set_new(o, "x-event-type", json_string(t->name))) {
    json_decref(o);
    return -1;
  }
  *out = o;
  return 0;
}
