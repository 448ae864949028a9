/* Problems of the domain rules checked against the current state (docs/events.md "Rules the
 * ledger refuses to break"): rows as in problem_codes.h. Owned by registry/domain*.c.
 * docs/domain-rules.md explains each rule and what a clerk does about it. */
#define AIDREG_PROBLEMS_RULES(X) \
  X(ASSET_UNKNOWN,        422, "asset-not-registered", "资产尚未登记 / Asset is not registered") \
  X(PLAN_UNKNOWN,         422, "plan-not-recorded",  "收益分配方案不存在 / No such allocation plan") \
  X(SUBJECT_UNKNOWN,      422, "subject-unknown",    "主体不是已登记的资产、方案或村 / Subject is no registered asset, plan or village") \
  X(ALREADY_REGISTERED,   422, "already-registered", "编号已登记 / This code is already registered") \
  X(PROJECT_UNKNOWN,      422, "project-not-registered", "项目尚未入库 / Project is not registered") \
  X(ASSET_DISPOSED,       422, "asset-disposed",     "资产已处置 / Asset has been disposed of") \
  X(INCOME_NOT_OPERATING, 422, "income-not-operating", "只有经营性资产才能报告收益 / Income is reported only for operating assets") \
  X(INCOME_UNKNOWN,       422, "income-unknown",     "收益记录不存在 / No such income report") \
  X(INCOME_NOT_OF_VILLAGE, 422, "income-not-of-village", "该收益不属于本村 / Income does not belong to the plan's village") \
  X(INCOME_OVERDRAWN,     422, "income-overdrawn",   "提取金额超过收益余额 / Draws exceed what the income has left") \
  X(PLAN_STEPS_MISSING,   422, "plan-steps-missing", "缺少四议两公开的必经步骤 / Required steps of the village decision are missing") \
  X(PLAN_STATE,           422, "plan-state",         "方案当前状态不允许此操作 / The plan is not in the state this step needs") \
  X(PLAN_NOT_CORRECTABLE, 422, "plan-not-correctable", "已公示的方案不能更正 / A publicised, paying or closed plan cannot be corrected") \
  X(PUBLICITY_TOO_SHORT,  422, "publicity-too-short", "公示期不足 / The notice period is shorter than the publicity days") \
  X(NOTICE_KIND,          422, "notice-kind-mismatch", "公示类型与主体不符 / Notice kind does not fit its subject") \
  X(PAYOUT_LINE_UNKNOWN,  422, "payout-line-unknown", "方案中没有该分配用途 / The plan has no such line") \
  X(PAYOUT_EXCEEDS_LINE,  422, "payout-exceeds-line", "兑付金额超过该用途剩余金额 / Payout exceeds what the line has left") \
  X(PAYOUT_TOO_EARLY,     422, "payout-before-publicity-end", "公示期结束前不得兑付 / Payout dated before the notice period ended") \
  X(OWNER_UNKNOWN,        422, "owner-unknown",      "不是该资产的产权主体 / Not an owner of the asset") \
  X(DISPOSAL_REQUEST_UNKNOWN, 422, "disposal-request-unknown", "该资产没有这项处置申请 / No such disposal request for this asset") \
  X(DISPOSAL_DECIDED,     422, "disposal-request-decided", "处置申请已经审批 / The disposal request has already been decided") \
  X(DISPOSAL_NOT_APPROVED, 422, "disposal-not-approved", "没有已批准的处置申请 / No approved disposal request to complete") \
  X(FINDING_UNKNOWN,      422, "finding-unknown",    "该主体没有这条审计发现 / No such finding on this subject") \
  X(FINDING_RESOLVED,     422, "finding-already-resolved", "审计发现已整改 / The finding is already resolved") \
  X(CORRECTION_TARGET,    422, "correction-target-not-in-force", "被更正的记录不是该主体当前有效的记录 / The corrected entry is not in force on this subject") \
  X(CORRECTION_NOT_ALLOWED, 422, "correction-not-allowed", "此类记录不能更正 / This kind of entry is not corrected") \
  X(CORRECTION_BREAKS,    422, "correction-breaks-later-entry", "更正会使后续记录违反规则 / The correction would make a later entry break a rule") \
  X(CORRECTION_SUBJECT,   422, "correction-subject-mismatch", "更正的主体须与被更正记录的主体相同 / A correction has the corrected entry's subject") \
  X(TOWNSHIP_UNKNOWN,     422, "township-not-registered", "乡镇尚未登记 / The township of this village is not registered") \
  X(PLACE_UNKNOWN,        422, "place-not-registered", "区划尚未登记 / No such place is registered")
