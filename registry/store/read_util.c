/* Names, labels and yuan for the reads of the current state (read_util.h). */
#include "store/read_util.h"

#include <stdio.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/state.h"
#include "rules/domain_validate.h"
#include "store/registry_private.h"

static db_stmt q_known = {"SELECT name FROM ledger WHERE code = $1", 0};
static db_stmt q_names = {"SELECT id, coalesce(name, '') FROM entity WHERE ledger = $1 AND kind = 'place'", 0};

int ar_read_ledger_known(db_conn *c, const char *code, aidreg_problem *p) {
  const char *params[1] = {code};
  PGresult *r = ar_db_run(c, &q_known, 1, params, NULL);
  if (!r) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  int ok = PQntuples(r) == 1;
  PQclear(r);
  return ok ? 0 : aidreg_problem_set(p, AIDREG_E_UNKNOWN_LEDGER, NULL, "there is no ledger %s on this server", code);
}

json_t *ar_read_place_names(aidreg_registry *reg, db_conn *c, const char *code, aidreg_problem *p) {
  const char *params[1] = {code};
  PGresult *l = ar_db_run(c, &q_known, 1, params, NULL), *r = l ? ar_db_run(c, &q_names, 1, params, NULL) : NULL;
  json_t *out = NULL;
  if (!l || !r) {
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  } else if (PQntuples(l) != 1) {
    ar_unknown_ledger(reg, code, p);
  } else if (!(out = json_object()) || json_object_set_new(out, code, json_string(PQgetvalue(l, 0, 0)))) {
    json_decref(out);
    out = NULL;
    aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  } else {
    for (int i = 0; i < PQntuples(r); i++)
      if (json_object_set_new(out, PQgetvalue(r, i, 0), json_string(PQgetvalue(r, i, 1)))) {
        json_decref(out);
        out = NULL;
        aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
        break;
      }
  }
  PQclear(l);
  PQclear(r);
  return out;
}

typedef struct {
  const char *value, *zh;
} label;

static const label plan_states[] = {
    {"drafted", "草拟"},   {"returned", "退回"}, {"reviewed", "乡镇已审核"}, {"filed", "县级已备案"},
    {"publicised", "已公示"}, {"paying", "兑付中"}, {"closed", "已完成"},      {"withdrawn", "已撤回"},
    {NULL, NULL}};
static const label roles[] = {{"county", "县级"},      {"township", "乡镇"}, {"village", "村级"},
                              {"operator", "经营主体"}, {"auditor", "审计"},  {NULL, NULL}};
static const label key_states[] = {{"active", "有效"}, {"revoked", "已注销"}, {NULL, NULL}};
static const label finding_states[] = {{"open", "未整改"}, {"resolved", "已整改"}, {NULL, NULL}};
static const label levels[] = {{"county", "县"}, {"township", "乡镇"}, {"village", "村"}, {NULL, NULL}};

static const char *find(const label *t, const char *v) {
  for (; v && t->value; t++)
    if (strcmp(t->value, v) == 0) return t->zh;
  return NULL;
}

const char *ar_read_label(const char *enum_name, const char *value) {
  if (!enum_name || !value) return NULL;
  if (strcmp(enum_name, "plan_state") == 0) return find(plan_states, value);
  if (strcmp(enum_name, "role") == 0) return find(roles, value);
  if (strcmp(enum_name, "key_state") == 0) return find(key_states, value);
  if (strcmp(enum_name, "finding_state") == 0) return find(finding_states, value);
  if (strcmp(enum_name, "level") == 0) return find(levels, value);
  if (strcmp(enum_name, "asset_status") == 0 && strcmp(value, "disposed") == 0) return "已处置";
  return ar_domain_label_in(enum_name, value);
}

/* The label of member key (under parent) with value v, or NULL. */
static const char *label_of(const char *key, const char *parent, const char *v) {
  static const struct {
    const char *key, *enum_name;
  } direct[] = {
      {"class", "asset_class"},    {"form", "asset_form"},        {"state", "plan_state"},
      {"mode", "operator_mode"},   {"condition", "condition"},    {"purpose", "purpose"},
      {"step", "step"},            {"trigger", "disposal_trigger"}, {"method", "disposal_method"},
      {"severity", "severity"},    {"paid_from", "paid_from"},    {"role", "role"},
      {"level", "level"},
  };
  for (size_t i = 0; i < sizeof direct / sizeof direct[0]; i++)
    if (strcmp(key, direct[i].key) == 0) return ar_read_label(direct[i].enum_name, v);
  if (strcmp(key, "status") == 0) {
    const char *z = ar_read_label("asset_status", v);
    if (!z) z = find(finding_states, v);
    if (!z) z = find(key_states, v);
    return z;
  }
  if (strcmp(key, "decision") == 0) {
    const char *z = ar_domain_label_in("review_decision", v);
    return z ? z : ar_domain_label_in("approval_decision", v);
  }
  if (strcmp(key, "type") == 0) {
    const char *z = ar_domain_label_in("project_type", v);
    const aidreg_event_type *t = z ? NULL : aidreg_event_type_find(v);
    return z ? z : t ? t->label_zh : NULL;
  }
  if (strcmp(key, "kind") == 0 && parent) {
    const char *e = strcmp(parent, "owners") == 0                                      ? "owner_kind"
                    : strcmp(parent, "costs") == 0                                     ? "cost_kind"
                    : strcmp(parent, "payee") == 0                                     ? "payee_kind"
                    : strcmp(parent, "notices") == 0 || strcmp(parent, "notice") == 0 ? "notice_kind"
                    : strcmp(parent, "last_maintenance") == 0                          ? "maintenance_kind"
                                                                                       : NULL;
    return ar_domain_label_in(e, v);
  }
  return NULL;
}

static bool is_place_key(const char *key) {
  return strcmp(key, "village") == 0 || strcmp(key, "township") == 0 || strcmp(key, "scope") == 0;
}

static int decorate(json_t *v, const char *parent, const json_t *names) {
  if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) if (decorate(x, parent, names)) return -1;
    return 0;
  }
  if (!json_is_object(v)) return 0;
  json_t *adds = json_object();
  if (!adds) return -1;
  const char *k;
  json_t *x;
  int rc = 0;
  bool is_location = parent && strcmp(parent, "locations") == 0;
  json_object_foreach(v, k, x) {
    if (rc) break;
    size_t len = strlen(k);
    char name[192];
    if (len + 8 >= sizeof name || strcmp(k, "event") == 0) continue;
    if (json_is_string(x)) {
      const char *s = json_string_value(x);
      if (is_place_key(k) || (is_location && strcmp(k, "code") == 0)) {
        const json_t *n = names ? json_object_get(names, s) : NULL;
        snprintf(name, sizeof name, "%s", strcmp(k, "code") == 0 ? "name" : k);
        if (strcmp(k, "code") != 0) snprintf(name, sizeof name, "%s_name", k);
        if (!json_object_get(v, name) && json_object_set_new(adds, name, n ? json_incref((json_t *)n) : json_null()))
          rc = -1;
      }
      const char *zh = label_of(k, parent, s);
      snprintf(name, sizeof name, "%s_zh", k);
      if (zh && !json_object_get(v, name) && json_object_set_new(adds, name, json_string(zh))) rc = -1;
    } else if (json_is_integer(x) && len > 4 && strcmp(k + len - 4, "_fen") == 0) {
      char y[32];
      snprintf(name, sizeof name, "%.*s_yuan", (int)(len - 4), k);
      aidreg_fen_to_yuan((int64_t)json_integer_value(x), y);
      if (json_object_set_new(adds, name, json_string(y))) rc = -1;
    } else if (json_is_object(x) && (strcmp(k, "by_class") == 0 || strcmp(k, "by_status") == 0)) {
      json_t *m = json_object();
      const char *mk;
      json_t *mv;
      json_object_foreach(x, mk, mv) {
        const char *zh = label_of(strcmp(k, "by_class") == 0 ? "class" : "status", NULL, mk);
        if (zh && json_object_set_new(m, mk, json_string(zh))) rc = -1;
      }
      snprintf(name, sizeof name, "%s_zh", k);
      if (!m || json_object_set_new(adds, name, m)) rc = -1;
    } else if (json_is_array(x) && (strcmp(k, "forbidden_purposes") == 0 || strcmp(k, "required_steps") == 0)) {
      json_t *m = json_array();
      size_t i;
      json_t *e;
      json_array_foreach(x, i, e) {
        const char *zh = ar_domain_label_in(k[0] == 'f' ? "purpose" : "step", json_string_value(e));
        if (!m || json_array_append_new(m, zh ? json_string(zh) : json_null())) rc = -1;
      }
      snprintf(name, sizeof name, "%s_zh", k);
      if (!m || json_object_set_new(adds, name, m)) rc = -1;
    } else if (json_is_object(x) || json_is_array(x)) {
      if (decorate(x, k, names)) rc = -1;
    }
  }
  if (rc == 0 && json_object_update(v, adds)) rc = -1;
  json_decref(adds);
  return rc;
}

int ar_read_decorate(json_t *v, const json_t *names) { return decorate(v, NULL, names); }
