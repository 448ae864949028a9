/* Rules and effects of the events on projects, assets, villages and the county:
 * registration, rights, handover, operator, maintainer, status, maintenance and inventory
 * reports, notices, findings and settings (docs/events.md). Bodies arrive validated
 * (ar_domain_validate.c); what is checked here depends on the ledger's state. */
#include <stdio.h>
#include <string.h>

#include "rules/domain_internal.h"

/* ---- helpers -------------------------------------------------------------------------- */

static int oom(domain_batch *d, aidreg_problem *p) {
  ar_dom_nomem(d);
  return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
}

static json_t *opt(const json_t *body, const char *key) {
  json_t *v = json_object_get(body, key);
  return v ? json_deep_copy(v) : json_null();
}

/* The asset's document for an edit; NULL with the problem when it may not change. */
/* The asset, to set its top-level members (ar_dom_edit_top), or with deep also to change
 * the arrays and objects it holds. */
static json_t *edit_asset(domain_batch *d, const dom_entry *e, bool live_only, bool deep, aidreg_problem *p) {
  if (!ar_dom_need_asset(d, e, live_only, p)) return NULL;
  json_t *a = deep ? ar_dom_edit(d, "asset", e->subject) : ar_dom_edit_top(d, "asset", e->subject);
  if (!a) oom(d, p);
  return a;
}

/* ---- projects --------------------------------------------------------------------------- */

int ar_dom_project_register(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  const json_t *b = e->body;
  if (ar_dom_get(d, "project", e->subject))
    return aidreg_problem_set(p, AIDREG_E_ALREADY_REGISTERED, "/subject",
                              "项目 %s 已入库，不能重复登记 / project %s is already registered", e->subject,
                              e->subject);
  int64_t funding = 0;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(b, "funding_lines"), i, v) {
    if (!ar_fen_add(&funding, ar_ji(v, "amount_fen")))
      return aidreg_problem_set(p, AIDREG_E_AMOUNT_OVERFLOW, "/body/funding_lines",
                                "资金合计超出可记录范围 / the funding lines add up beyond the largest amount");
  }
  json_t *doc = json_pack("{s:s, s:O, s:O, s:O, s:O, s:I, s:O, s:O, s:O, s:o, s:i, s:I}", "id", e->subject, "name",
                          jget(b, "name"), "type", jget(b, "type"), "year",
                          jget(b, "year"), "funding_lines", jget(b, "funding_lines"),
                          "funding_fen", (json_int_t)funding, "locations", jget(b, "locations"),
                          "industry_dept", jget(b, "industry_dept"), "implementing_unit",
                          jget(b, "implementing_unit"), "accepted_on", opt(b, "accepted_on"), "assets", 0,
                          "registered_at", (json_int_t)e->index);
  if (!doc || ar_dom_put(d, "project", e->subject, doc)) return oom(d, p);
  return 0;
}

/* ---- assets ----------------------------------------------------------------------------- */

int ar_dom_asset_register(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  const json_t *b = e->body;
  if (ar_dom_get(d, "asset", e->subject))
    return aidreg_problem_set(p, AIDREG_E_ALREADY_REGISTERED, "/subject",
                              "资产 %s 已登记，不能重复登记；更改请用 correction / asset %s is already registered: "
                              "correct the registration instead",
                              e->subject, e->subject);
  const char *project = ar_js(b, "project");
  if (!project || !ar_dom_get(d, "project", project))
    return aidreg_problem_set(p, AIDREG_E_PROJECT_UNKNOWN, "/body/project",
                              "项目 %s 尚未入库，请先提交 project.register / project %s is not registered: register "
                              "the project first",
                              project ? project : "", project ? project : "");
  json_t *locations;
  if (json_object_get(b, "village"))
    locations = json_pack("[{s:O, s:i}]", "code", jget(b, "village"), "share_bp", 10000);
  else
    locations = json_deep_copy(json_object_get(b, "locations"));
  if (!locations) return oom(d, p);
  if (json_array_size(locations) > DOM_MAX_LOCATIONS) {
    json_decref(locations);
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body/locations", "at most %d locations",
                              DOM_MAX_LOCATIONS);
  }
  const char *village = ar_js(json_array_get(locations, 0), "code");
  char township[16] = "";
  if (village && strlen(village) >= 9) snprintf(township, sizeof township, "%.9s", village);
  int64_t value = ar_ji(b, "original_value_fen"), split[DOM_MAX_LOCATIONS];
  size_t n = ar_dom_split(locations, value, split);
  json_t *shares = json_array();
  for (size_t i = 0; shares && i < n; i++) {
    const json_t *l = json_array_get(locations, i);
    ar_dom_jpush(d, shares, json_pack("{s:O, s:O, s:I, s:i, s:i, s:i, s:i, s:i}", "village",
                                            jget(l, "code"), "share_bp", jget(l, "share_bp"),
                                            "value_fen", (json_int_t)split[i], "gross_fen", 0, "costs_fen", 0,
                                            "net_fen", 0, "allocated_fen", 0, "unallocated_fen", 0));
  }
  json_t *doc = json_pack(
      "{s:s, s:O, s:O, s:O, s:O, s:O, s:s?, s:s?, s:o, s:s, s:O, s:O, s:O, s:O, s:O, s:o,"
      " s:[], s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n,"
      " s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:[], s:o, s:i, s:n, s:[], s:i, s:I}",
      "id", e->subject, "project", jget(b, "project"), "name", jget(b, "name"), "class",
      jget(b, "class"), "subtype", jget(b, "subtype"), "form", jget(b, "form"),
      "village", village, "township", *township ? township : NULL, "locations", locations, "status", "in_use",
      "original_value_fen", jget(b, "original_value_fen"), "quantity", jget(b, "quantity"),
      "unit", jget(b, "unit"), "completed_on", jget(b, "completed_on"), "accepted_on",
      jget(b, "accepted_on"), "description", opt(b, "description"),
      /* rights, handover, operator, maintainer, inspection, condition */
      "owners", "certificate_no", "confirmed_on", "handover", "maintainer", "operator", "last_inspection",
      "condition", "condition_on", "inventory", "status_detail",
      /* income */
      "income", "gross_fen", 0, "costs_fen", 0, "net_fen", 0, "allocated_fen", 0, "unallocated_fen", 0, "reports", 0,
      "incomes", "shares", shares ? shares : json_array(), "maintenance_cost_fen", 0, "disposal", "notices",
      "findings_open", 0, "registered_at", (json_int_t)e->index);
  if (!doc || ar_dom_put(d, "asset", e->subject, doc)) return oom(d, p);
  json_t *proj = ar_dom_edit(d, "project", project);
  if (!proj || !ar_ji_add(d, proj, "assets", 1)) return oom(d, p);
  return 0;
}

int ar_dom_asset_rights(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  json_t *a = edit_asset(d, e, true, false, p);
  if (!a) return -1;
  dom_jsetb(d, a, "owners", json_object_get(e->body, "owners"));
  ar_dom_jset(d, a, "certificate_no", opt(e->body, "certificate_no"));
  dom_jsetb(d, a, "confirmed_on", json_object_get(e->body, "confirmed_on"));
  return 0;
}

int ar_dom_asset_handover(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  const json_t *cur = ar_dom_need_asset(d, e, true, p);
  if (!cur) return -1;
  const char *to = ar_js(e->body, "to");
  if (!ar_dom_asset_has_owner(cur, to, false))
    return aidreg_problem_set(p, AIDREG_E_OWNER_UNKNOWN, "/body/to",
                              "接收方 %s 不是该资产已确权的产权主体；请先确权（asset.rights）或填写产权主体编号 / "
                              "%s is not an owner of this asset: confirm the rights first (asset.rights) or name "
                              "an owner id",
                              to ? to : "", to ? to : "");
  json_t *a = edit_asset(d, e, true, false, p);
  if (!a) return -1;
  json_t *h = json_deep_copy(e->body);
  if (!h) return oom(d, p);
  ar_dom_jset(d, h, "index", json_integer((json_int_t)e->index));
  ar_dom_jset(d, a, "handover", h);
  return 0;
}

int ar_dom_asset_operator(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  json_t *a = edit_asset(d, e, true, false, p);
  if (!a) return -1;
  json_t *o = json_deep_copy(e->body);
  if (!o) return oom(d, p);
  if (!json_object_get(o, "contract")) ar_dom_jset(d, o, "contract", json_null());
  ar_dom_jset(d, o, "index", json_integer((json_int_t)e->index));
  ar_dom_jset(d, a, "operator", o);
  return 0;
}

int ar_dom_asset_maintainer(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  json_t *a = edit_asset(d, e, true, false, p);
  if (!a) return -1;
  json_t *m = json_deep_copy(e->body);
  if (!m) return oom(d, p);
  if (!json_object_get(m, "key")) ar_dom_jset(d, m, "key", json_null());
  ar_dom_jset(d, m, "index", json_integer((json_int_t)e->index));
  ar_dom_jset(d, a, "maintainer", m);
  return 0;
}

int ar_dom_asset_status(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  json_t *a = edit_asset(d, e, true, false, p);
  if (!a) return -1;
  dom_jsetb(d, a, "status", json_object_get(e->body, "status"));
  ar_dom_jset(d, a, "status_detail",
                      json_pack("{s:O, s:O, s:o, s:I}", "status", jget(e->body, "status"), "reason",
                                jget(e->body, "reason"), "remediation_due",
                                opt(e->body, "remediation_due"), "index", (json_int_t)e->index));
  return 0;
}

/* The asset's condition is the one reported with the latest date (a later entry wins a
 * tie); an older report entered late does not overwrite a newer one. */
static void set_condition(domain_batch *d, json_t *a, const char *condition, const char *date) {
  const char *on = ar_js(a, "condition_on");
  if (!condition || !date) return;
  if (on && ar_dom_days(on) > ar_dom_days(date)) return;
  ar_dom_jset(d, a, "condition", json_string(condition));
  ar_dom_jset(d, a, "condition_on", json_string(date));
}

int ar_dom_maintenance_report(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  json_t *a = edit_asset(d, e, true, false, p);
  if (!a) return -1;
  const json_t *b = e->body;
  const char *date = ar_js(b, "date"), *kind = ar_js(b, "kind");
  if (!ar_ji_add(d, a, "maintenance_cost_fen", ar_ji(b, "cost_fen")))
    return aidreg_problem_set(p, AIDREG_E_AMOUNT_OVERFLOW, "/body/cost_fen",
                              "管护费用合计超出可记录范围 / maintenance costs add up beyond the largest amount");
  if (kind && strcmp(kind, "inspection") == 0) {
    const char *last = ar_js(a, "last_inspection");
    if (!last || ar_dom_days(last) < ar_dom_days(date)) ar_dom_jset(d, a, "last_inspection", json_string(date));
  }
  set_condition(d, a, ar_js(b, "condition"), date);
  ar_dom_jset(d, a, "last_maintenance",
                      json_pack("{s:O, s:O, s:O, s:O, s:I}", "kind", jget(b, "kind"), "date",
                                jget(b, "date"), "condition", jget(b, "condition"), "cost_fen",
                                jget(b, "cost_fen"), "index", (json_int_t)e->index));
  return 0;
}

int ar_dom_inventory_count(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  json_t *a = edit_asset(d, e, true, false, p);
  if (!a) return -1;
  const json_t *b = e->body;
  json_t *inv = json_deep_copy(b);
  if (!inv) return oom(d, p);
  json_object_del(inv, "photos_sha256");
  ar_dom_jset(d, inv, "index", json_integer((json_int_t)e->index));
  ar_dom_jset(d, a, "inventory", inv);
  set_condition(d, a, ar_js(b, "condition"), ar_js(b, "date"));
  return 0;
}

/* ---- notices and findings (asset, plan or village subjects) ---------------------------------- */

static json_t *village_doc(domain_batch *d, const char *code, aidreg_problem *p) {
  json_t *v = ar_dom_edit(d, "village", code);
  if (v || ar_dom_failed(d)) return v;
  char township[16];
  snprintf(township, sizeof township, "%.9s", code);
  v = json_pack("{s:s, s:s, s:[], s:i}", "id", code, "township", township, "notices", "findings_open", 0);
  if (!v || ar_dom_put(d, "village", code, v)) {
    oom(d, p);
    return NULL;
  }
  return ar_dom_edit(d, "village", code);
}

int ar_dom_notice_publish(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  dom_subject_kind k = ar_dom_kind_of(d, e->subject);
  const json_t *b = e->body;
  const char *kind = ar_js(b, "kind");
  if (k == SK_PLAN) return ar_dom_plan_notice(d, e, p);
  if (k != SK_ASSET && k != SK_VILLAGE)
    return aidreg_problem_set(p, AIDREG_E_SUBJECT_UNKNOWN, "/subject",
                              "公示的主体须为资产、收益分配方案或村 / a notice's subject is an asset, a plan or a "
                              "village");
  if (kind && strcmp(kind, "allocation") == 0 && k == SK_ASSET)
    return aidreg_problem_set(p, AIDREG_E_NOTICE_KIND, "/body/kind",
                              "收益分配公示应以方案编号为主体 / an allocation notice is published on its plan id");
  domain_settings s;
  ar_dom_settings_at(d, e->index, &s);
  int64_t start = ar_dom_days(ar_js(b, "start")), end = ar_dom_days(ar_js(b, "end"));
  if (end - start + 1 < s.publicity_days)
    return aidreg_problem_set(p, AIDREG_E_PUBLICITY_TOO_SHORT, "/body/end",
                              "公示期 %lld 天，少于规定的 %d 天；请延长结束日期 / the notice lasts %lld days, "
                              "fewer than the %d publicity days: set a later end",
                              (long long)(end - start + 1), s.publicity_days, (long long)(end - start + 1),
                              s.publicity_days);
  json_t *doc = k == SK_ASSET ? edit_asset(d, e, true, true, p) : village_doc(d, e->subject, p);
  if (!doc) return -1;
  json_t *n = json_deep_copy(b);
  if (!n) return oom(d, p);
  ar_dom_jset(d, n, "index", json_integer((json_int_t)e->index));
  ar_dom_jpush(d, json_object_get(doc, "notices"), n);
  return 0;
}

/* The document that counts a subject's open findings. */
static json_t *finding_holder(domain_batch *d, const dom_entry *e, dom_subject_kind k, aidreg_problem *p) {
  if (k == SK_ASSET) return edit_asset(d, e, false, false, p);
  if (k == SK_VILLAGE) return village_doc(d, e->subject, p);
  if (k == SK_PLAN || k == SK_PROJECT) {
    json_t *pl = ar_dom_edit(d, k == SK_PLAN ? "plan" : "project", e->subject);
    if (!pl && !ar_dom_failed(d))
      aidreg_problem_set(p, AIDREG_E_SUBJECT_UNKNOWN, "/subject", "there is no %s %s", k == SK_PLAN ? "plan" : "project",
                         e->subject);
    return pl;
  }
  aidreg_problem_set(p, AIDREG_E_SUBJECT_UNKNOWN, "/subject",
                     "审计发现的主体须为资产、项目、收益分配方案、村或密钥 / a finding's subject is an asset, a project, a "
                     "plan, a village or a key");
  return NULL;
}

int ar_dom_finding_record(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  dom_subject_kind k = ar_dom_kind_of(d, e->subject);
  /* A key has no document to count its findings in (locate: ar_finding_names_key). */
  bool key = ar_finding_names_key("finding.record", e->subject);
  json_t *holder = key ? NULL : finding_holder(d, e, k, p);
  if (!key && !holder) return -1;
  const json_t *b = e->body;
  json_t *f = json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:o, s:I, s:n}", "id", e->root, "subject", e->subject,
                        "subject_kind", key ? "key" : ar_dom_kind_name(k), "check", jget(b, "check"), "severity",
                        jget(b, "severity"), "note", jget(b, "note"), "due", opt(b, "due"),
                        "recorded_at", (json_int_t)e->index, "resolution");
  if (!f || ar_dom_put(d, "finding", e->root, f) || (holder && !ar_ji_add(d, holder, "findings_open", 1)))
    return oom(d, p);
  return 0;
}

int ar_dom_finding_resolve(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  dom_subject_kind k = ar_dom_kind_of(d, e->subject);
  const char *id = ar_js(e->body, "finding");
  char s[12];
  const json_t *f = id ? ar_dom_get(d, "finding", id) : NULL;
  if (!f || strcmp(ar_js(f, "subject"), e->subject) != 0)
    return aidreg_problem_set(p, AIDREG_E_FINDING_UNKNOWN, "/body/finding",
                              "%s 没有编号为 %s… 的审计发现；请填写 finding.record 记录的 ref / there is no finding "
                              "%s… on %s: name the ref of its finding.record entry",
                              e->subject, ar_short_ref(id, s), s, e->subject);
  if (!json_is_null(json_object_get(f, "resolution")))
    return aidreg_problem_set(p, AIDREG_E_FINDING_RESOLVED, "/body/finding",
                              "审计发现 %s… 已于第 %lld 条记录整改 / finding %s… was already resolved by entry %lld",
                              ar_short_ref(id, s), (long long)ar_ji(json_object_get(f, "resolution"), "index"), s,
                              (long long)ar_ji(json_object_get(f, "resolution"), "index"));
  bool key = ar_finding_names_key("finding.resolve", e->subject);
  json_t *holder = key ? NULL : finding_holder(d, e, k, p);
  if (!key && !holder) return -1;
  json_t *fe = ar_dom_edit(d, "finding", id);
  if (!fe || (holder && !ar_ji_add(d, holder, "findings_open", -1))) return oom(d, p);
  ar_dom_jset(d, fe, "resolution",
                      json_pack("{s:O, s:O, s:I}", "action", jget(e->body, "action"), "resolved_on",
                                jget(e->body, "resolved_on"), "index", (json_int_t)e->index));
  return 0;
}

/* ---- settings ----------------------------------------------------------------------------------- */

int ar_dom_settings(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  domain_settings s;
  ar_domain_settings_parse(e->body, &s);
  json_t *full = ar_domain_settings_json(&s);
  if (!full) return oom(d, p);
  /* Not a rule's setting, but what the public notice prints (docs/events.md "As built"). */
  const char *phone = json_string_value(json_object_get(e->body, "complaints_phone"));
  if (phone && json_object_set_new(full, "complaints_phone", json_string(phone))) {
    json_decref(full);
    return oom(d, p);
  }
  /* The same settings again change nothing: keeping the history free of repeats keeps
   * the document (copied on every edit) from growing with each resubmitted setting. */
  const json_t *now = json_object_get(ar_dom_get(d, "settings", ar_dom_county(d)), "current");
  if (now && json_equal((json_t *)now, full)) {
    json_decref(full);
    return 0;
  }
  json_t *doc = ar_dom_edit(d, "settings", ar_dom_county(d));
  if (!doc) {
    if (ar_dom_failed(d)) {
      json_decref(full);
      return oom(d, p);
    }
    doc = json_pack("{s:n, s:[]}", "current", "history");
    if (!doc || ar_dom_put(d, "settings", ar_dom_county(d), doc) || !(doc = ar_dom_edit(d, "settings", ar_dom_county(d)))) {
      json_decref(full);
      return oom(d, p);
    }
  }
  dom_jsetb(d, doc, "current", full);
  ar_dom_jpush(d, json_object_get(doc, "history"),
                        json_pack("{s:I, s:o}", "from", (json_int_t)e->index, "settings", full));
  return 0;
}
