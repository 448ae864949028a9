/* The 总台账 (the county's asset register, domain.md "Reports a county must produce" 1):
 * every asset with its project, place names, labels and value, and the subtotals by class,
 * township, village and funding year, read in one statement together with the latest
 * checkpoint, so that the table is exactly the state at that checkpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/authority.h"
#include "aidreg/state.h"
#include "rules/domain_validate.h"
#include "store/read_util.h"
#include "store/registry_private.h"

static db_stmt q_report = {
    "WITH cp AS (SELECT note, created_at FROM checkpoint WHERE ledger = $1 ORDER BY size DESC LIMIT 1) "
    "SELECT cp.note, to_char(cp.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), x.doc, x.year, x.funding, "
    "x.pname, x.ptype "
    "FROM cp LEFT JOIN LATERAL ("
    "SELECT a.doc::text AS doc, coalesce(p.doc->>'year', '') AS year, coalesce((p.doc->'funding_lines')::text, '[]') AS funding, "
    "coalesce(p.doc->>'name', '') AS pname, coalesce(p.doc->>'type', '') AS ptype, "
    "a.township AS t, a.village AS v, a.id AS id FROM entity a "
    "LEFT JOIN entity p ON p.ledger = a.ledger AND p.kind = 'project' AND p.id = a.doc->>'project' "
    "WHERE a.ledger = $1 AND a.kind = 'asset' AND ($2::text IS NULL OR a.villages @> ARRAY[$2::text]) "
    "AND ($3::int = 0 OR (p.doc->>'year')::int = $3::int)) x ON true "
    "ORDER BY x.t, x.v, x.id",
    0};

/* Member k of o, or JSON null (never NULL: for json_pack "O"). */
static json_t *m_(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return v ? v : json_null();
}

static int oom(aidreg_problem *p) { return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory"); }

/* groups[key] = {key, label, count, value_fen} += (1, fen). */
static int add_group(json_t *groups, const char *key, const char *label, json_int_t fen) {
  json_t *g = json_object_get(groups, key);
  if (!g) {
    g = json_pack("{s:s, s:s, s:I, s:I}", "key", key, "label", label ? label : key, "count", (json_int_t)0,
                  "value_fen", (json_int_t)0);
    if (!g || json_object_set_new(groups, key, g)) return -1;
  }
  return json_object_set_new(g, "count", json_integer(json_integer_value(json_object_get(g, "count")) + 1)) ||
         json_object_set_new(g, "value_fen", json_integer(json_integer_value(json_object_get(g, "value_fen")) + fen));
}

/* The groups as a list in key order. New reference or NULL. */
static json_t *group_list(json_t *groups) {
  json_t *out = json_array();
  const char *keys[4096];
  size_t n = 0;
  const char *k;
  json_t *v;
  json_object_foreach(groups, k, v) if (n < 4096) keys[n++] = k;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
      const char *t = keys[j];
      keys[j] = keys[j - 1];
      keys[j - 1] = t;
    }
  for (size_t i = 0; out && i < n; i++)
    if (json_array_append(out, json_object_get(groups, keys[i]))) {
      json_decref(out);
      return NULL;
    }
  return out;
}

__extension__ typedef __int128 wide;

/* by_channel += the asset's value split over its project's channels in proportion to their
 * funding lines (integer arithmetic; the last channel takes the remainder, so the channels
 * add up to the value exactly); an asset without funding lines counts under 未注明. Its
 * distinct channels, in the order of the lines, into channels. */
static int add_channels(json_t *by_channel, const json_t *funding, json_int_t value, json_t *channels) {
  enum { MAXCH = 64 };
  const char *name[MAXCH];
  json_int_t amount[MAXCH];
  size_t n = 0, j;
  json_t *fl;
  wide all = 0;
  json_array_foreach(funding, j, fl) {
    const char *ch = json_string_value(json_object_get(fl, "channel"));
    json_int_t a = json_integer_value(json_object_get(fl, "amount_fen"));
    if (!ch || !*ch) continue;
    size_t k = 0;
    while (k < n && strcmp(name[k], ch) != 0) k++;
    if (k == n) {
      if (n == MAXCH) continue;
      name[n] = ch;
      amount[n++] = 0;
      if (json_array_append_new(channels, json_string(ch))) return -1;
    }
    if (a > 0) {
      amount[k] += a;
      all += a;
    }
  }
  if (n == 0 || all == 0) {
    const char *only = n ? name[0] : "未注明";
    return add_group(by_channel, only, only, value);
  }
  json_int_t given = 0;
  for (size_t k = 0; k < n; k++) {
    json_int_t share = k + 1 == n ? value - given : (json_int_t)((wide)value * amount[k] / all);
    given += share;
    if (add_group(by_channel, name[k], name[k], share)) return -1;
  }
  return 0;
}

static const char *place_name(const json_t *names, const char *code) {
  const char *n = json_string_value(json_object_get(names, code));
  return n && *n ? n : code;
}

int aidreg_state_report_ledger(aidreg_registry *r, const char *code, const char *village, int year, json_t **out,
                               aidreg_problem *p) {
  *out = NULL;
  if (village && !(strlen(village) == 12 && aidreg_is_admin_code(village) && strncmp(village, code, 6) == 0))
    return aidreg_problem_set(p, AIDREG_E_INVALID_QUERY, "/query/village", "%s is not a village of county %s",
                              village, code);
  db_conn *c = ar_read_get(r, code);
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  json_t *names = ar_read_place_names(r, c, code, p);
  if (!names) {
    ar_read_done(r, code, c, p);
    return -1;
  }
  char yr[16];
  snprintf(yr, sizeof yr, "%d", year);
  const char *params[3] = {code, village, yr};
  PGresult *res = ar_db_run(c, &q_report, 3, params, NULL);
  int rc = 0;
  json_t *rows = json_array(), *by_class = json_object(), *by_town = json_object(), *by_village = json_object(),
         *by_year = json_object(), *by_channel = json_object();
  if (!res) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "query failed");
  else if (PQntuples(res) == 0)
    rc = aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "ledger %s has no checkpoint yet", code);
  else if (!rows || !by_class || !by_town || !by_village || !by_year || !by_channel)
    rc = oom(p);
  json_int_t total = 0, count = 0;
  for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
    if (PQgetisnull(res, i, 2)) continue; /* the checkpoint alone: no asset */
    json_t *a = json_loads(PQgetvalue(res, i, 2), 0, NULL), *funding = json_loads(PQgetvalue(res, i, 4), 0, NULL);
    if (!a || !funding) {
      json_decref(a);
      json_decref(funding);
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "a stored asset does not read back; run `aidreg rebuild --check`");
      break;
    }
    json_int_t value = json_integer_value(json_object_get(a, "original_value_fen"));
    /* A village's register shows its share of a shared asset. */
    size_t j;
    json_t *s;
    json_array_foreach(json_object_get(a, "shares"), j, s) {
      const char *v = json_string_value(json_object_get(s, "village"));
      json_int_t share = json_integer_value(json_object_get(s, "value_fen"));
      if (!v) continue;
      if (village && strcmp(v, village) == 0) value = share;
      if (village && strcmp(v, village) != 0) continue;
      char t[10];
      snprintf(t, sizeof t, "%.9s", v);
      if (add_group(by_village, v, place_name(names, v), share) || add_group(by_town, t, place_name(names, t), share))
        rc = oom(p);
    }
    const char *klass = json_string_value(json_object_get(a, "class"));
    const char *y = PQgetvalue(res, i, 3);
    if (add_group(by_class, klass ? klass : "", ar_read_label("asset_class", klass), value) ||
        add_group(by_year, *y ? y : "-", *y ? y : "-", value))
      rc = oom(p);
    json_t *channels = json_array();
    if (!channels || add_channels(by_channel, funding, value, channels)) rc = oom(p);
    json_decref(funding);
    json_t *owners = json_object_get(a, "owners"), *m = json_object_get(a, "maintainer");
    json_t *row = json_pack(
        "{s:I, s:O, s:O, s:O, s:s?, s:o, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:I, s:O, s:O, s:O, s:O, s:o, s:O, s:o, s:o}",
        "no", count + 1, "id", m_(a, "id"), "name", m_(a, "name"), "project",
        m_(a, "project"), "year", *y ? y : NULL, "channels", channels, "class", m_(a, "class"),
        "subtype", m_(a, "subtype"), "form", m_(a, "form"), "township",
        m_(a, "township"), "village", m_(a, "village"), "quantity",
        m_(a, "quantity"), "unit", m_(a, "unit"), "value_fen", value, "status",
        m_(a, "status"), "completed_on", m_(a, "completed_on"), "accepted_on",
        m_(a, "accepted_on"), "certificate_no", m_(a, "certificate_no"), "owner",
        json_string(json_string_value(json_object_get(json_array_get(owners, 0), "name")) ?
                        json_string_value(json_object_get(json_array_get(owners, 0), "name")) : ""),
        "locations", m_(a, "locations"), "maintainer",
        json_string(json_is_object(m) && json_string_value(json_object_get(m, "body")) ? json_string_value(json_object_get(m, "body")) : ""),
        "maintainer_person",
        json_string(json_is_object(m) && json_string_value(json_object_get(m, "person")) ? json_string_value(json_object_get(m, "person")) : ""));
    if (row) {
      /* What the importer reads back (docs/import.md): the project's name and type, the
       * description and the rights' date, so that an exported 总台账 imports as the same assets. */
      const char *pt = PQgetvalue(res, i, 6), *ptz = *pt ? ar_domain_label_in("project_type", pt) : NULL;
      if (json_object_set_new(row, "project_name", json_string(PQgetvalue(res, i, 5))) ||
          json_object_set_new(row, "project_type", *pt ? json_string(pt) : json_null()) ||
          json_object_set_new(row, "project_type_zh", ptz ? json_string(ptz) : json_null()) ||
          json_object_set(row, "description", m_(a, "description")) ||
          json_object_set(row, "confirmed_on", m_(a, "confirmed_on")))
        rc = oom(p);
    }
    json_decref(a);
    if (!row || json_array_append_new(rows, row)) rc = oom(p);
    total += value;
    count++;
  }
  if (rc == 0) {
    char origin[256] = "", root[64] = "";
    unsigned long long size = 0;
    const char *note = PQgetvalue(res, 0, 0);
    /* The checkpoint note: origin, size, root hash (C2SP tlog-checkpoint), then signatures. */
    const char *nl1 = strchr(note, '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL, *nl3 = nl2 ? strchr(nl2 + 1, '\n') : NULL;
    if (nl1 && nl2 && nl3) {
      snprintf(origin, sizeof origin, "%.*s", (int)(nl1 - note), note);
      size = strtoull(nl1 + 1, NULL, 10);
      snprintf(root, sizeof root, "%.*s", (int)(nl3 - nl2 - 1), nl2 + 1);
    }
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    *out = json_pack("{s:s, s:s, s:s?, s:o, s:{s:s, s:I, s:s, s:s}, s:s, s:O, s:I, s:I, s:{s:o, s:o, s:o, s:o, s:o}}",
                     "ledger", code, "report", "ledger", "village", village, "year",
                     year ? json_integer(year) : json_null(), "checkpoint", "origin", origin, "size", (json_int_t)size,
                     "root_hash", root, "created_at", PQgetvalue(res, 0, 1), "generated_at", now, "rows", rows, "count",
                     count, "value_fen", total, "subtotals", "by_class", group_list(by_class), "by_township",
                     group_list(by_town), "by_village", group_list(by_village), "by_year", group_list(by_year), "by_channel", group_list(by_channel));
    if (!*out || ar_read_decorate(*out, names)) rc = oom(p);
  }
  json_decref(rows);
  json_decref(by_class);
  json_decref(by_town);
  json_decref(by_village);
  json_decref(by_year);
  json_decref(by_channel);
  PQclear(res);
  json_decref(names);
  ar_read_done(r, code, c, p);
  if (rc) {
    json_decref(*out);
    *out = NULL;
  }
  return rc;
}
