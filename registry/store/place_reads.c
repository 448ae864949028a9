/* GET /v1/ledgers/{code}/places (include/aidreg/state.h): the townships and villages that
 * place.register named, with the county's assets counted by class and status for each
 * (an asset lying in several villages counts once for each of them and once for a
 * township that holds any of them). */
#include <stdlib.h>
#include <string.h>

#include "aidreg/state.h"
#include "store/place_counts.h"
#include "store/read_util.h"
#include "store/registry_private.h"

static db_stmt q_ledger_exists = {"SELECT 1 FROM ledger WHERE code = $1", 0};
static db_stmt q_places = {"SELECT doc::text FROM entity WHERE ledger = $1 AND kind = 'place' ORDER BY id", 0};
static const char *level_zh(const char *level) {
  return level && strcmp(level, "township") == 0 ? "乡镇" : level && strcmp(level, "village") == 0 ? "村" : NULL;
}

/* items[code].assets gets the counts of that code (store/place_counts.c), when it has any. */
static int attach_counts(json_t *by_code, json_t *counts) {
  const char *pc;
  json_t *one;
  json_object_foreach(counts, pc, one) {
    json_t *item = json_object_get(by_code, pc);
    if (item && json_object_set(item, "assets", one)) return -1; /* else a code no place.register named */
  }
  return 0;
}

int aidreg_state_places(aidreg_registry *r, const char *code, json_t **out, aidreg_problem *p) {
  *out = NULL;
  db_conn *c = ar_read_get(r, code);
  if (!c) return aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
  const char *params[1] = {code};
  PGresult *known = NULL, *places = NULL;
  json_t *items = json_array(), *by_code = json_object(), *counts = NULL;
  int rc = -1;
  if (!(known = ar_db_run(c, &q_ledger_exists, 1, params, NULL)) || !(places = ar_db_run(c, &q_places, 1, params, NULL))) {
    aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL, "the database is not reachable; retry");
    goto out;
  }
  if (PQntuples(known) != 1) {
    ar_unknown_ledger(r, code, p);
    goto out;
  }
  if (ar_place_counts(c, code, &counts, p)) goto out;
  if (!items || !by_code) goto oom;
  for (int i = 0; i < PQntuples(places); i++) {
    json_t *doc = json_loads(PQgetvalue(places, i, 0), 0, NULL);
    const char *pc = json_string_value(json_object_get(doc, "code"));
    const char *zh = level_zh(json_string_value(json_object_get(doc, "level")));
    if (!pc || !zh) {
      json_decref(doc);
      aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL,
                         "a stored place does not read back: the projection is damaged; run `aidreg rebuild --check`");
      goto out;
    }
    if (json_object_set_new(doc, "level_zh", json_string(zh)) ||
        json_object_set_new(doc, "assets", json_pack("{s:i, s:{}, s:{}}", "total", 0, "by_class", "by_status")) ||
        json_object_set(by_code, pc, doc) || json_array_append_new(items, doc))
      goto oom;
  }
  /* A village's township name beside its code. */
  size_t i;
  json_t *item;
  json_array_foreach(items, i, item) {
    const char *t = json_string_value(json_object_get(item, "township"));
    json_t *town = t ? json_object_get(by_code, t) : NULL;
    if (json_object_set(item, "township_name", town ? json_object_get(town, "name") : json_null())) goto oom;
  }
  if (attach_counts(by_code, counts)) goto oom;
  if (ar_read_decorate(items, NULL)) goto oom; /* by_class_zh, by_status_zh */
  *out = json_pack("{s:s, s:O, s:I}", "ledger", code, "items", items, "total", (json_int_t)json_array_size(items));
  if (!*out) goto oom;
  rc = 0;
  goto out;
oom:
  aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
out:
  json_decref(items);
  json_decref(by_code);
  PQclear(known);
  PQclear(places);
  json_decref(counts);
  ar_read_done(r, code, c, p);
  return rc;
}
