/* Problems found in an event body on its own (docs/events.md "Rules in detail"): rows as in
 * problem_codes.h. Owned by the body validation (registry/ar_domain_validate.c). */
#define AIDREG_PROBLEMS_BODY(X) \
  X(SHARES_NOT_10000,   422, "shares-not-10000",   "份额合计不等于 10000 / Shares do not add up to 10000") \
  X(NET_MISMATCH,       422, "net-not-gross-minus-costs", "净收益不等于总收入减成本 / net_fen is not gross minus costs") \
  X(PLAN_UNBALANCED,    422, "plan-lines-not-sources", "分配用途合计不等于资金来源合计 / Plan lines do not total what the plan draws") \
  X(AMOUNT_OVERFLOW,    422, "amount-overflow",    "金额合计超出可记录范围 / Amounts add up beyond the largest recordable amount") \
  X(DATE_AFTER_SIGNING, 422, "date-after-signing", "日期晚于签名时间 / Date of a fact is later than the signer's time") \
  X(PERIOD_REVERSED,    422, "period-reversed",    "开始日期晚于结束日期 / Start date is after the end date") \
  X(DUPLICATE_ITEM,     422, "duplicate-item",     "列表中有重复项 / The same item is listed twice") \
  X(NATIONAL_ID,        422, "national-id-number", "台账公开，不得填写身份证号 / The ledger is public: a national ID number may not be written into it")
