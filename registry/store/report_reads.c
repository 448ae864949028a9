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

/* Only the report's fields of each asset document, not the document: parsing 100,000 whole
 * documents was most of the report's time (docs/benchmark.md "Desk reads"). Strings by ->>
 * (the domain's validation makes them strings or absent); the few values that are not text
 * (quantity, shares, locations, the value) as their JSON text, parsed as before. The order
 * (township, village, asset) is a rank computed over those three columns alone, and the rows
 * are put in that order here: sorting the wide rows spilled to disk. The projects are joined
 * by the four fields read of them, not their documents. */
static db_stmt q_report = {
    "WITH cp AS (SELECT note, created_at FROM checkpoint WHERE ledger = $1 ORDER BY size DESC LIMIT 1) "
    "SELECT cp.note, to_char(cp.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), x.id, x.year, x.funding, "
    "x.pname, x.ptype, x.name, x.project, x.class, x.subtype, x.form, x.township, x.village, x.quantity, x.unit, "
    "x.value, x.status, x.completed_on, x.accepted_on, x.certificate_no, x.owner, x.locations, x.maintainer, "
    "x.maintainer_person, x.description, x.confirmed_on, x.shares, x.rn "
    "FROM cp LEFT JOIN LATERAL ("
    "SELECT a.doc->>'id' AS id, coalesce(p.year, '') AS year, coalesce(p.funding, '[]') AS funding, "
    "coalesce(p.name, '') AS pname, coalesce(p.type, '') AS ptype, "
    "a.doc->>'name' AS name, a.doc->>'project' AS project, a.doc->>'class' AS class, a.doc->>'subtype' AS subtype, "
    "a.doc->>'form' AS form, a.doc->>'township' AS township, a.doc->>'village' AS village, "
    "(a.doc->'quantity')::text AS quantity, a.doc->>'unit' AS unit, (a.doc->'original_value_fen')::text AS value, "
    "a.doc->>'status' AS status, a.doc->>'completed_on' AS completed_on, a.doc->>'accepted_on' AS accepted_on, "
    "a.doc->>'certificate_no' AS certificate_no, a.doc->'owners'->0->>'name' AS owner, "
    "(a.doc->'locations')::text AS locations, a.doc->'maintainer'->>'body' AS maintainer, "
    "a.doc->'maintainer'->>'person' AS maintainer_person, a.doc->>'description' AS description, "
    "a.doc->>'confirmed_on' AS confirmed_on, (a.doc->'shares')::text AS shares, "
    "o.rn AS rn FROM (SELECT id, row_number() OVER (ORDER BY township, village, id) AS rn FROM entity "
    "WHERE ledger = $1 AND kind = 'asset' AND ($2::text IS NULL OR villages @> ARRAY[$2::text])) o "
    "JOIN entity a ON a.ledger = $1 AND a.kind = 'asset' AND a.id = o.id "
    "LEFT JOIN (SELECT id, doc->>'year' AS year, (doc->'funding_lines')::text AS funding, doc->>'name' AS name, "
    "doc->>'type' AS type FROM entity WHERE ledger = $1 AND kind = 'project') p ON p.id = a.doc->>'project' "
    "WHERE $3::int = 0 OR p.year::int = $3::int) x ON true",
    0};

/* The report's columns, in q_report's order. */
enum {
  C_NOTE, C_CREATED, C_ID, C_YEAR, C_FUNDING, C_PNAME, C_PTYPE, C_NAME, C_PROJECT, C_CLASS, C_SUBTYPE, C_FORM,
  C_TOWNSHIP, C_VILLAGE, C_QUANTITY, C_UNIT, C_VALUE, C_STATUS, C_COMPLETED, C_ACCEPTED, C_CERT, C_OWNER,
  C_LOCATIONS, C_MAINTAINER, C_PERSON, C_DESCRIPTION, C_CONFIRMED, C_SHARES, C_RN
};

/* A text column as a JSON string, JSON null when SQL NULL (a member absent or null). */
static json_t *col_text(const PGresult *res, int row, int col) {
  return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

/* A text column as a JSON string, "" when SQL NULL. */
static json_t *col_string(const PGresult *res, int row, int col) {
  return json_string(PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

/* A column holding a member's JSON text, parsed (JSON null when absent); NULL if it does not parse. */
static json_t *col_json(const PGresult *res, int row, int col) {
  if (PQgetisnull(res, row, col)) return json_null();
  const char *s = PQgetvalue(res, row, col);
  /* An integer (a value, a quantity) without the parser: what it would make of it. */
  size_t digits = strspn(s + (*s == '-'), "0123456789");
  if (digits > 0 && digits <= 18 && s[(*s == '-') + digits] == '\0') return json_integer(strtoll(s, NULL, 10));
  return json_loads(s, JSON_DECODE_ANY, NULL);
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

typedef struct {
  long long rank;
  int row;
} ranked;

static int by_rank(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  return (x->rank > y->rank) - (x->rank < y->rank);
}

/* The result's row numbers in the order of their rank (C_RN; the checkpoint alone, with no
 * rank, first). malloc'd, or NULL. */
static int *in_rank_order(const PGresult *res) {
  int n = PQntuples(res);
  ranked *r = malloc((size_t)(n ? n : 1) * sizeof *r);
  int *order = malloc((size_t)(n ? n : 1) * sizeof *order);
  if (!r || !order) {
    free(r);
    free(order);
    return NULL;
  }
  for (int i = 0; i < n; i++)
    r[i] = (ranked){PQgetisnull(res, i, C_RN) ? 0 : strtoll(PQgetvalue(res, i, C_RN), NULL, 10), i};
  qsort(r, (size_t)n, sizeof *r, by_rank);
  for (int i = 0; i < n; i++) order[i] = r[i].row;
  free(r);
  return order;
}

static const char *place_name(const json_t *names, const char *code) {
  const char *n = json_string_value(json_object_get(names, code));
  return n && *n ? n : code;
}

/* The checkpoint note's origin, size and root hash (C2SP tlog-checkpoint: three lines, then signatures). */
static void note_fields(const char *note, char origin[256], unsigned long long *size, char root[64]) {
  const char *nl1 = strchr(note, '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL, *nl3 = nl2 ? strchr(nl2 + 1, '\n') : NULL;
  if (nl1 && nl2 && nl3) {
    snprintf(origin, 256, "%.*s", (int)(nl1 - note), note);
    *size = strtoull(nl1 + 1, NULL, 10);
    snprintf(root, 64, "%.*s", (int)(nl3 - nl2 - 1), nl2 + 1);
  }
}

/* The report's beginning, decorated, to sink->head. 0, or -1 when out of memory or refused. */
static int send_head(const aidreg_report_sink *sink, const char *code, const char *village, int year, const char *origin,
                     unsigned long long size, const char *root, const char *created, const char *now,
                     const json_t *names) {
  json_t *head = json_pack("{s:s, s:s, s:s?, s:o, s:{s:s, s:I, s:s, s:s}, s:s}", "ledger", code, "report", "ledger",
                           "village", village, "year", year ? json_integer(year) : json_null(), "checkpoint", "origin",
                           origin, "size", (json_int_t)size, "root_hash", root, "created_at", created, "generated_at", now);
  int rc = !head || ar_read_decorate(head, names) || sink->head(head, sink->ctx) ? -1 : 0;
  json_decref(head);
  return rc;
}

static int report_ledger(aidreg_registry *r, const char *code, const char *village, int year,
                         const aidreg_report_sink *sink, json_t **out, aidreg_problem *p) {
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
  PGresult *res = ar_db_run_planned(c, &q_report, 3, params, NULL);
  int rc = 0;
  json_t *rows = json_array(), *by_class = json_object(), *by_town = json_object(), *by_village = json_object(),
         *by_year = json_object(), *by_channel = json_object();
  if (!res) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "query failed");
  else if (PQntuples(res) == 0)
    rc = aidreg_problem_set(p, AIDREG_E_NOT_FOUND, NULL, "ledger %s has no checkpoint yet", code);
  else if (!rows || !by_class || !by_town || !by_village || !by_year || !by_channel)
    rc = oom(p);
  json_int_t total = 0, count = 0;
  int *order = rc == 0 ? in_rank_order(res) : NULL;
  if (rc == 0 && !order) rc = oom(p);
  char origin[256] = "", root[64] = "", now[32];
  unsigned long long size = 0;
  if (rc == 0) note_fields(PQgetvalue(res, 0, C_NOTE), origin, &size, root);
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (rc == 0 && sink &&
      send_head(sink, code, village, year, origin, size, root, PQgetvalue(res, 0, C_CREATED), now, names))
    rc = oom(p);
  for (int k = 0; rc == 0 && k < PQntuples(res); k++) {
    int i = order[k];
    if (PQgetisnull(res, i, C_ID)) continue; /* the checkpoint alone: no asset */
    json_t *funding = json_loads(PQgetvalue(res, i, C_FUNDING), 0, NULL), *quantity = col_json(res, i, C_QUANTITY),
           *shares = col_json(res, i, C_SHARES), *locations = col_json(res, i, C_LOCATIONS),
           *value_j = col_json(res, i, C_VALUE);
    if (!funding || !quantity || !shares || !locations || !value_j) {
      json_decref(funding);
      json_decref(quantity);
      json_decref(shares);
      json_decref(locations);
      json_decref(value_j);
      rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "a stored asset does not read back; run `aidreg rebuild --check`");
      break;
    }
    json_int_t value = json_integer_value(value_j);
    json_decref(value_j);
    /* A village's register shows its share of a shared asset. */
    size_t j;
    json_t *s;
    json_array_foreach(shares, j, s) {
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
    json_decref(shares);
    const char *klass = PQgetisnull(res, i, C_CLASS) ? NULL : PQgetvalue(res, i, C_CLASS);
    const char *y = PQgetvalue(res, i, C_YEAR);
    if (add_group(by_class, klass ? klass : "", ar_read_label("asset_class", klass), value) ||
        add_group(by_year, *y ? y : "-", *y ? y : "-", value))
      rc = oom(p);
    json_t *channels = json_array();
    if (!channels || add_channels(by_channel, funding, value, channels)) rc = oom(p);
    json_decref(funding);
    json_t *row = json_pack(
        "{s:I, s:o, s:o, s:o, s:s?, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "no", count + 1, "id", col_text(res, i, C_ID), "name", col_text(res, i, C_NAME), "project",
        col_text(res, i, C_PROJECT), "year", *y ? y : NULL, "channels", channels, "class", col_text(res, i, C_CLASS),
        "subtype", col_text(res, i, C_SUBTYPE), "form", col_text(res, i, C_FORM), "township",
        col_text(res, i, C_TOWNSHIP), "village", col_text(res, i, C_VILLAGE), "quantity", quantity, "unit",
        col_text(res, i, C_UNIT), "value_fen", value, "status", col_text(res, i, C_STATUS), "completed_on",
        col_text(res, i, C_COMPLETED), "accepted_on", col_text(res, i, C_ACCEPTED), "certificate_no",
        col_text(res, i, C_CERT), "owner", col_string(res, i, C_OWNER), "locations", locations, "maintainer",
        col_string(res, i, C_MAINTAINER), "maintainer_person", col_string(res, i, C_PERSON));
    if (row) {
      /* What the importer reads back (docs/import.md): the project's name and type, the
       * description and the rights' date, so that an exported 总台账 imports as the same assets. */
      const char *pt = PQgetvalue(res, i, C_PTYPE), *ptz = *pt ? ar_domain_label_in("project_type", pt) : NULL;
      if (json_object_set_new(row, "project_name", json_string(PQgetvalue(res, i, C_PNAME))) ||
          json_object_set_new(row, "project_type", *pt ? json_string(pt) : json_null()) ||
          json_object_set_new(row, "project_type_zh", ptz ? json_string(ptz) : json_null()) ||
          json_object_set_new(row, "description", col_text(res, i, C_DESCRIPTION)) ||
          json_object_set_new(row, "confirmed_on", col_text(res, i, C_CONFIRMED)))
        rc = oom(p);
    }
    /* Streamed, a row gets its labels alone (as inside the tree: no member of a row depends on
     * its parent's name). */
    if (!row) rc = oom(p);
    else if (sink) {
      if (rc == 0 && (ar_read_decorate(row, names) || sink->row(row, sink->ctx))) rc = oom(p);
      json_decref(row);
    } else if (json_array_append_new(rows, row)) rc = oom(p);
    total += value;
    count++;
  }
  if (rc == 0) {
    *out = json_pack("{s:s, s:s, s:s?, s:o, s:{s:s, s:I, s:s, s:s}, s:s, s:O, s:I, s:I, s:{s:o, s:o, s:o, s:o, s:o}}",
                     "ledger", code, "report", "ledger", "village", village, "year",
                     year ? json_integer(year) : json_null(), "checkpoint", "origin", origin, "size", (json_int_t)size,
                     "root_hash", root, "created_at", PQgetvalue(res, 0, C_CREATED), "generated_at", now, "rows", rows, "count",
                     count, "value_fen", total, "subtotals", "by_class", group_list(by_class), "by_township",
                     group_list(by_town), "by_village", group_list(by_village), "by_year", group_list(by_year), "by_channel", group_list(by_channel));
    if (!*out || ar_read_decorate(*out, names)) rc = oom(p);
  }
  free(order);
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

int aidreg_state_report_ledger(aidreg_registry *r, const char *code, const char *village, int year, json_t **out,
                               aidreg_problem *p) {
  return report_ledger(r, code, village, year, NULL, out, p);
}

int aidreg_state_report_ledger_each(aidreg_registry *r, const char *code, const char *village, int year,
                                    const aidreg_report_sink *sink, json_t **out, aidreg_problem *p) {
  return report_ledger(r, code, village, year, sink, out, p);
}
