/* The subjects of the log and their histories: the settings in force at a position, what
 * kind a subject is (county, village, project, asset, plan, township), and each subject's
 * log of entries (the slots corrections replay), kept in chunks of documents. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/authority.h"
#include "aidreg/state.h"
#include "rules/domain_internal.h"

/* ---- settings ------------------------------------------------------------------- */

void ar_dom_settings_at(domain_batch *d, uint64_t index, domain_settings *out) {
  ar_domain_settings_defaults(out);
  const json_t *doc = ar_dom_get(d, "settings", ar_dom_county(d)), *hist = json_object_get(doc, "history"), *h, *best = NULL;
  size_t i;
  json_array_foreach(hist, i, h) {
    if ((uint64_t)ar_ji(h, "from") <= index) best = json_object_get(h, "settings");
  }
  if (best) ar_domain_settings_parse(best, out);
}

/* ---- subjects -------------------------------------------------------------------- */

static const char *const kind_names[] = {"", "county", "project", "asset", "plan", "village", "township"};

const char *ar_dom_kind_name(dom_subject_kind k) { return kind_names[k]; }

dom_subject_kind ar_dom_kind_parse(const char *name) {
  for (size_t i = 1; name && i < sizeof kind_names / sizeof kind_names[0]; i++)
    if (strcmp(kind_names[i], name) == 0) return (dom_subject_kind)i;
  return SK_NONE;
}

static bool is_village_code(const char *s) { return strlen(s) == 12 && aidreg_is_admin_code(s); }

/* What a subject names now: the kind of its log while it has entries in force, else an
 * administrative code (the county, a village), else nothing. */
dom_subject_kind ar_dom_kind_of(domain_batch *d, const char *subject) {
  const json_t *log = ar_dom_get(d, "log", subject);
  if (log && ar_ji(log, "count") > 0) return ar_dom_kind_parse(ar_js(log, "kind"));
  if (strcmp(subject, ar_dom_county(d)) == 0) return SK_COUNTY;
  if (is_village_code(subject) && aidreg_scope_covers(ar_dom_county(d), subject)) return SK_VILLAGE;
  return SK_NONE;
}


/* A subject's log: log/<subject> = {"kind","count","sealed":k,"tail":[slots],"superseded"}
 * and k sealed chunks logc/<subject>#<i> = {"entries":[LOG_CHUNK slots]}. An append edits
 * only the small tail (sealing it into a chunk when full), so its cost does not grow
 * with the subject's history; the prefetch of the batch reads the tail with the rest. */
#define LOG_CHUNK 32

static char *chunk_id(const char *subject, int64_t k) {
  size_t n = strlen(subject) + 24;
  char *id = malloc(n);
  if (id) snprintf(id, n, "%s#%lld", subject, (long long)k);
  return id;
}

json_t *ar_dom_log_entries(domain_batch *d, const char *subject) {
  const json_t *log = ar_dom_get(d, "log", subject);
  json_t *out = json_array();
  if (!log || !out) return out;
  for (int64_t k = 0; k < ar_ji(log, "sealed"); k++) {
    char *id = chunk_id(subject, k);
    const json_t *c = id ? ar_dom_get(d, "logc", id) : NULL;
    free(id);
    if (!c) {
      ar_dom_fail_store(d); /* a sealed chunk must exist */
      json_decref(out);
      return NULL;
    }
    if (json_array_extend(out, json_object_get(c, "entries"))) goto nomem;
  }
  if (json_array_extend(out, json_object_get(log, "tail"))) goto nomem;
  return out;
nomem:
  /* A short list of entries in force would replay the wrong history. */
  ar_dom_nomem(d);
  json_decref(out);
  return NULL;
}

int ar_dom_log_write(domain_batch *d, const char *subject, const json_t *entries) {
  json_t *log = ar_dom_edit(d, "log", subject);
  if (!log) return -1;
  size_t n = json_array_size(entries);
  int64_t sealed = (int64_t)(n / LOG_CHUNK), old = ar_ji(log, "sealed");
  for (int64_t k = 0; k < (sealed > old ? sealed : old); k++) {
    char *id = chunk_id(subject, k);
    json_t *c = NULL;
    if (k < sealed) {
      json_t *slice = json_array();
      for (size_t i = (size_t)k * LOG_CHUNK; slice && i < (size_t)(k + 1) * LOG_CHUNK; i++)
        dom_jpushb(d, slice, json_array_get(entries, i));
      c = json_pack("{s:o}", "entries", slice);
    }
    int rc = id && (k >= sealed || c) ? ar_dom_put(d, "logc", id, c) : -1;
    free(id);
    if (rc) return -1;
  }
  json_t *tail = json_array();
  for (size_t i = (size_t)sealed * LOG_CHUNK; tail && i < n; i++)
    if (dom_jpushb(d, tail, json_array_get(entries, i))) {
      json_decref(tail);
      return -1;
    }
  if (!tail) {
    ar_dom_nomem(d);
    return -1;
  }
  ar_dom_jset(d, log, "tail", tail);
  ar_dom_jset(d, log, "sealed", json_integer((json_int_t)sealed));
  ar_dom_jset(d, log, "count", json_integer((json_int_t)n));
  return 0;
}

/* A new version of the log for an append: a shallow copy (the tail and superseded copied
 * one level down, the slots shared), so that the version before stays as it was for the
 * journal without a deep copy of every slot's body on every entry (ar_dom_edit). Slots
 * are never changed once written. NULL when absent, or on failure (ar_dom_failed). */
static json_t *log_for_append(domain_batch *d, const char *subject) {
  const json_t *cur = ar_dom_get(d, "log", subject);
  if (!cur) return NULL;
  json_t *log = ar_json_copy1(cur);
  if (!log) {
    ar_dom_nomem(d);
    return NULL;
  }
  const json_t *sup = json_object_get(cur, "superseded");
  if (ar_dom_jset(d, log, "tail", ar_json_copy1(json_object_get(cur, "tail"))) ||
      (sup && ar_dom_jset(d, log, "superseded", ar_json_copy1(sup)))) {
    json_decref(log);
    return NULL;
  }
  return ar_dom_put(d, "log", subject, log) ? NULL : log; /* ar_dom_put releases log when it fails */
}

int ar_dom_log_append(domain_batch *d, const char *subject, dom_subject_kind kind, json_t *slot) {
  json_t *log = log_for_append(d, subject);
  if (!log) {
    if (ar_dom_failed(d)) {
      json_decref(slot);
      return -1;
    }
    log = json_pack("{s:s, s:i, s:i, s:[], s:{}}", "kind", ar_dom_kind_name(kind), "count", 0, "sealed", 0, "tail",
                    "superseded");
    if (!log || ar_dom_put(d, "log", subject, log) || !(log = ar_dom_edit(d, "log", subject))) {
      json_decref(slot);
      return -1;
    }
  } else if (ar_ji(log, "count") == 0) {
    /* Every earlier entry was reversed: the subject may start again as another kind. */
    ar_dom_jset(d, log, "kind", json_string(ar_dom_kind_name(kind)));
  }
  json_t *tail = json_object_get(log, "tail");
  if (json_array_append_new(tail, slot) || !ar_ji_add(d, log, "count", 1)) return -1;
  if (json_array_size(tail) < LOG_CHUNK) return 0;
  /* A full tail becomes a sealed chunk. */
  int64_t k = ar_ji(log, "sealed");
  char *id = chunk_id(subject, k);
  json_t *c = json_pack("{s:O}", "entries", tail);
  int rc = id && c ? ar_dom_put(d, "logc", id, c) : -1;
  free(id);
  if (rc) return -1;
  ar_dom_jset(d, log, "tail", json_array());
  return ar_ji_add(d, log, "sealed", 1) ? 0 : -1;
}
