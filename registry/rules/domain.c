/* The domain rules of docs/events.md over an overlay of documents (domain.h): the batch and
 * its journal, the checks that depend on state before `prev` (ar_domain_authorize), the
 * dispatch of each accepted entry to its rule (ar_domain_apply), and the changed documents
 * (ar_domain_changes). The rules themselves live in domain_assets.c, domain_income.c,
 * domain_plans.c, domain_disposal.c and domain_correction.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "aidreg/state.h"
#include "rules/domain_internal.h"
#include "rules/event_hooks.h"
#include "core/json_strict_private.h"
#include "core/strmap.h"

typedef struct {
  json_t *doc; /* current version (owned), NULL = absent */
  bool dirty;  /* changed in this batch */
  uint64_t updated_at;
  unsigned gen; /* entry generation of the last journal record */
} ov_entry;

typedef struct {
  ov_entry *e;
  json_t *old; /* owned */
  bool old_dirty;
  uint64_t old_updated;
} jrec;

struct domain_batch {
  domain_store store;
  const aidreg_event_type *(*find)(const char *type);
  char county[16];
  strmap docs; /* "kind:id" -> ov_entry* */
  unsigned gen;
  jrec *journal;
  size_t njournal, capjournal;
  json_t **grave; /* versions replaced twice within one entry, freed at its end */
  size_t ngrave, capgrave;
  bool failed;
  bool nomem; /* out of memory in this entry (failed is then set too) */
  uint64_t index;
  strmap refs; /* ref -> subject (malloc'd) of the entries this batch accepted */
};

/* ---- json helpers ------------------------------------------------------------- */

const char *ar_js(const json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }
int64_t ar_ji(const json_t *o, const char *key) { return (int64_t)json_integer_value(json_object_get(o, key)); }

bool ar_fen_add(int64_t *acc, int64_t v) {
  int64_t r;
  if (__builtin_add_overflow(*acc, v, &r)) return false;
  *acc = r;
  return true;
}

void ar_fen_text(int64_t fen, char out[32]) { aidreg_fen_to_yuan(fen, out); }

bool ar_ji_add(domain_batch *d, json_t *o, const char *key, int64_t v) {
  int64_t cur = ar_ji(o, key);
  if (!ar_fen_add(&cur, v)) return false;
  return ar_dom_jset(d, o, key, json_integer((json_int_t)cur)) == 0;
}

json_t *ar_jfind(const json_t *arr, const char *key, const char *val, size_t *at) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    const char *s = ar_js(v, key);
    if (s && strcmp(s, val) == 0) {
      if (at) *at = i;
      return v;
    }
  }
  return NULL;
}

const char *ar_short_ref(const char *ref, char out[12]) {
  snprintf(out, 12, "%.8s", ref ? ref : "");
  return out;
}

int64_t ar_dom_days(const char *date) {
  int64_t days;
  return date && aidreg_date_parse(date, &days) == 0 ? days : -1;
}

/* vsnprintf may cut a detail inside a UTF-8 sequence: drop the partial character. */
static void utf8_trim(char *s) { s[ar_utf8_cut(s, strlen(s))] = '\0'; }

/* ---- the overlay ---------------------------------------------------------------- */

static void key_of(const char *kind, const char *id, char *buf, size_t cap, char **heap) {
  size_t need = strlen(kind) + strlen(id) + 2;
  *heap = NULL;
  if (need > cap && (*heap = malloc(need))) buf = *heap, cap = need;
  snprintf(buf, cap, "%s:%s", kind, id);
}

static ov_entry *entry(domain_batch *d, const char *kind, const char *id) {
  char buf[256], *heap;
  key_of(kind, id, buf, sizeof buf, &heap);
  const char *key = heap ? heap : buf;
  ov_entry *e = ar_strmap_get(&d->docs, key);
  if (!e) {
    int err = 0;
    json_t *doc = d->store.load ? d->store.load(d->store.ctx, kind, id, &err) : NULL;
    if (err) {
      if (err == DOMAIN_STORE_NOMEM) ar_dom_nomem(d);
      else d->failed = true;
      json_decref(doc);
      free(heap);
      return NULL;
    }
    if (!(e = calloc(1, sizeof *e)) || ar_strmap_put(&d->docs, key, e)) {
      free(e);
      json_decref(doc);
      ar_dom_nomem(d);
      free(heap);
      return NULL;
    }
    e->doc = doc;
  }
  free(heap);
  return e;
}

static int push_grave(domain_batch *d, json_t *doc) {
  if (!doc) return 0;
  if (d->ngrave == d->capgrave) {
    size_t cap = d->capgrave ? d->capgrave * 2 : 16;
    json_t **g = realloc(d->grave, cap * sizeof *g);
    if (!g) {
      json_decref(doc);
      return -1;
    }
    d->grave = g;
    d->capgrave = cap;
  }
  d->grave[d->ngrave++] = doc;
  return 0;
}

/* Records e's version before this entry's first change of it. */
static int journal(domain_batch *d, ov_entry *e) {
  if (e->gen == d->gen) return 0;
  if (d->njournal == d->capjournal) {
    size_t cap = d->capjournal ? d->capjournal * 2 : 32;
    jrec *j = realloc(d->journal, cap * sizeof *j);
    if (!j) return -1;
    d->journal = j;
    d->capjournal = cap;
  }
  d->journal[d->njournal++] = (jrec){e, json_incref(e->doc), e->dirty, e->updated_at};
  e->gen = d->gen;
  return 0;
}

const json_t *ar_dom_get(domain_batch *d, const char *kind, const char *id) {
  ov_entry *e = entry(d, kind, id);
  return e ? e->doc : NULL;
}

json_t *ar_dom_edit(domain_batch *d, const char *kind, const char *id) {
  ov_entry *e = entry(d, kind, id);
  if (!e || !e->doc) return NULL;
  if (e->gen != d->gen) {
    if (journal(d, e)) {
      ar_dom_nomem(d);
      return NULL;
    }
    /* The journal holds the old version (and so do borrowers); edit a copy. */
    json_t *copy = json_deep_copy(e->doc);
    if (!copy) {
      ar_dom_nomem(d);
      return NULL;
    }
    json_decref(e->doc);
    e->doc = copy;
  }
  e->dirty = true;
  e->updated_at = d->index;
  return e->doc;
}

int ar_dom_put(domain_batch *d, const char *kind, const char *id, json_t *doc) {
  ov_entry *e = entry(d, kind, id);
  if (!e || journal(d, e)) {
    json_decref(doc);
    if (e) ar_dom_nomem(d); /* else entry() said why */
    return -1;
  }
  /* Borrowers of the current version may still read it until the entry ends. */
  if (push_grave(d, e->doc)) {
    json_decref(doc);
    ar_dom_nomem(d);
    return -1;
  }
  e->doc = doc;
  e->dirty = true;
  e->updated_at = d->index;
  return 0;
}

bool ar_dom_failed(const domain_batch *d) { return d->failed; }
void ar_dom_fail_store(domain_batch *d) { d->failed = true; }
void ar_dom_nomem(domain_batch *d) { d->failed = d->nomem = true; }
bool ar_dom_out_of_memory(const domain_batch *d) { return d->nomem; }

int ar_dom_jset(domain_batch *d, json_t *o, const char *key, json_t *val) {
  /* json_object_set_new releases val itself when it fails, and refuses a NULL val. */
  if (!val || json_object_set_new(o, key, val)) {
    ar_dom_nomem(d);
    return -1;
  }
  return 0;
}

int ar_dom_jpush(domain_batch *d, json_t *arr, json_t *val) {
  if (!val || json_array_append_new(arr, val)) {
    ar_dom_nomem(d);
    return -1;
  }
  return 0;
}
const char *ar_dom_county(const domain_batch *d) { return d->county; }

const aidreg_event_type *ar_dom_type(const domain_batch *d, const char *type) { return d->find(type); }
uint64_t ar_dom_now_index(const domain_batch *d) { return d->index; }

static void entry_begin(domain_batch *d, uint64_t index) {
  d->gen++;
  d->njournal = 0;
  d->failed = d->nomem = false;
  d->index = index;
}

static void grave_clear(domain_batch *d) {
  for (size_t i = 0; i < d->ngrave; i++) json_decref(d->grave[i]);
  d->ngrave = 0;
}

static void entry_commit(domain_batch *d) {
  for (size_t i = 0; i < d->njournal; i++) json_decref(d->journal[i].old);
  d->njournal = 0;
  grave_clear(d);
}

static void entry_rollback(domain_batch *d) {
  for (size_t i = d->njournal; i-- > 0;) {
    jrec *j = &d->journal[i];
    json_decref(j->e->doc);
    j->e->doc = j->old;
    j->e->dirty = j->old_dirty;
    j->e->updated_at = j->old_updated;
    j->e->gen = 0;
  }
  d->njournal = 0;
  grave_clear(d);
}

domain_batch *ar_domain_begin_with(const domain_store *store, const char *county,
                                const aidreg_event_type *(*find)(const char *type)) {
  domain_batch *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->find = find;
  if (store) d->store = *store;
  snprintf(d->county, sizeof d->county, "%s", county);
  return d;
}

static void free_entry(void *v) {
  ov_entry *e = v;
  if (e) json_decref(e->doc);
  free(e);
}

void ar_domain_end(domain_batch *d) {
  if (!d) return;
  entry_rollback(d);
  ar_strmap_free(&d->docs, free_entry);
  ar_strmap_free(&d->refs, free);
  free(d->journal);
  free(d->grave);
  free(d);
}

int ar_domain_refs(domain_batch *d, int (*emit)(void *ctx, const char *ref, const char *subject), void *ctx) {
  for (size_t i = 0; i < d->refs.cap; i++)
    if (d->refs.slots[i].key) {
      int rc = emit(ctx, d->refs.slots[i].key, d->refs.slots[i].val);
      if (rc) return rc;
    }
  return 0;
}

int ar_dom_ref_subject(domain_batch *d, const char *ref, char *subject, size_t cap) {
  const char *s = ref ? ar_strmap_get(&d->refs, ref) : NULL;
  if (s) {
    snprintf(subject, cap, "%s", s);
    return 1;
  }
  if (!ref || !d->store.ref_subject) return 0;
  int rc = d->store.ref_subject(d->store.ctx, ref, subject, cap);
  if (rc < 0) d->failed = true;
  return rc;
}

static int remember(domain_batch *d, const aidreg_event *ev) {
  char ref[65], *s = strdup(ev->subject);
  aidreg_hex_encode(ev->payload_sha256, 32, ref);
  if (!s || ar_strmap_put(&d->refs, ref, s)) {
    free(s);
    return -1;
  }
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int ar_domain_changes(domain_batch *d,
                   int (*emit)(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at),
                   void *ctx) {
  size_t n = 0;
  const char **keys = calloc(d->docs.len ? d->docs.len : 1, sizeof *keys);
  if (!keys) return -1;
  for (size_t i = 0; i < d->docs.cap; i++) {
    const strmap_slot *s = &d->docs.slots[i];
    if (s->key && ((ov_entry *)s->val)->dirty) keys[n++] = s->key;
  }
  qsort(keys, n, sizeof *keys, cmp_str);
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const ov_entry *e = ar_strmap_get(&d->docs, keys[i]);
    const char *colon = strchr(keys[i], ':');
    char kind[32];
    snprintf(kind, sizeof kind, "%.*s", (int)(colon - keys[i]), keys[i]);
    rc = emit(ctx, kind, colon + 1, e->doc, e->updated_at);
  }
  free(keys);
  return rc;
}

/* ---- settings ------------------------------------------------------------------- */

void ar_dom_settings_at(domain_batch *d, uint64_t index, domain_settings *out) {
  ar_domain_settings_defaults(out);
  const json_t *doc = ar_dom_get(d, "settings", d->county), *hist = json_object_get(doc, "history"), *h, *best = NULL;
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
  if (strcmp(subject, d->county) == 0) return SK_COUNTY;
  if (is_village_code(subject) && aidreg_scope_covers(d->county, subject)) return SK_VILLAGE;
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

int ar_dom_log_append(domain_batch *d, const char *subject, dom_subject_kind kind, json_t *slot) {
  json_t *log = ar_dom_edit(d, "log", subject);
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

/* ---- apply ------------------------------------------------------------------------ */

void ar_dom_read_begin(domain_batch *d) {
  d->failed = d->nomem = false;
  d->gen++; /* documents read now are read-only: nothing to journal */
}

/* The kind a new entry of type t gives its subject. */
static dom_subject_kind kind_for(domain_batch *d, const aidreg_event_type *t, const char *subject) {
  switch (t->subject) {
  case AIDREG_SUBJ_COUNTY: return SK_COUNTY;
  case AIDREG_SUBJ_PROJECT: return SK_PROJECT;
  case AIDREG_SUBJ_ASSET: return SK_ASSET;
  case AIDREG_SUBJ_PLAN: return SK_PLAN;
  case AIDREG_SUBJ_PLACE: return strlen(subject) == 9 ? SK_TOWNSHIP : SK_VILLAGE;
  default: return ar_dom_kind_of(d, subject);
  }
}

static int apply_entry(domain_batch *d, const aidreg_event *ev, const aidreg_event_type *t, const char *ref,
                       unsigned roles, uint64_t index, aidreg_problem *p) {
  const struct aidreg_event_hooks *h = t->hooks;
  const json_t *body = ev->body;
  if (h->rule_body) {
    body = json_object_get(ev->body, h->rule_body);
    char f[64];
    snprintf(f, sizeof f, "/body/%s", h->rule_body);
    if (ar_domain_validate_body_as_schema(h->rule_body_schema, body, ev, d->county, f, p)) return -1;
  }
  dom_entry e = {t->name, ev->subject, body, ev->time, index, ref, ref, false, ev, roles};
  if (h->rule(d, &e, p)) return -1;
  if (h->writes_log) return 0;
  json_t *slot = json_pack("{s:s, s:s, s:I, s:I, s:s, s:O, s:I}", "ref", ref, "root", ref, "index",
                           (json_int_t)index, "t", (json_int_t)ev->time, "type", t->name, "body", body, "roles",
                           (json_int_t)roles);
  if (!slot || ar_dom_log_append(d, ev->subject, kind_for(d, t, ev->subject), slot)) {
    ar_dom_fail_store(d);
    return -1;
  }
  return 0;
}

int ar_domain_apply(domain_batch *d, const aidreg_event_type *t, const aidreg_event *ev,
                 const aidreg_key_state *signers, size_t nsig, uint64_t index, const domain_permit *permit,
                 aidreg_problem *p) {
  if (!t) return aidreg_problem_set(p, AIDREG_E_UNKNOWN_EVENT_TYPE, "/type", "unknown type %s", ev->type);
  if (!t->hooks->rule) {
    /* Key events change the key set only; the batch remembers them for corrections. */
    if (remember(d, ev)) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
    return 0;
  }
  entry_begin(d, index);
  int rc;
  if (permit && permit->body_refused) {
    if (p) *p = permit->body_problem;
    rc = -1;
  } else if (!permit && t->hooks->body && ar_domain_validate_type(t, ev, d->county, p)) {
    rc = -1;
  } else {
    char ref[65];
    aidreg_hex_encode(ev->payload_sha256, 32, ref);
    unsigned roles = 0;
    for (size_t i = 0; i < nsig; i++) roles |= signers[i].role;
    rc = apply_entry(d, ev, t, ref, roles, index, p);
  }
  if (d->nomem) {
    rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory while applying the rules (nothing was stored)");
  } else if (d->failed) {
    rc = aidreg_problem_set(p, AIDREG_E_UNAVAILABLE, NULL,
                            "the current state could not be read or written; retry (nothing was stored)");
  }
  if (rc) {
    entry_rollback(d);
    if (p) utf8_trim(p->detail);
  } else {
    entry_commit(d);
    if (remember(d, ev)) rc = aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
  }
  return rc;
}

/* ---- columns of the entity table ---------------------------------------------------- */

static void villages_literal(const json_t *codes_src, const char *member, char *out, size_t cap) {
  size_t n = 0, i;
  json_t *v;
  out[n++] = '{';
  bool first = true;
  json_array_foreach(codes_src, i, v) {
    const char *c = member ? ar_js(v, member) : json_string_value(v);
    if (!c || !aidreg_is_admin_code(c)) continue; /* digits only: nothing to quote */
    size_t len = strlen(c);
    if (n + len + 3 >= cap) break;
    if (!first) out[n++] = ',';
    memcpy(out + n, c, len);
    n += len;
    first = false;
  }
  out[n++] = '}';
  out[n] = 0;
}

void ar_domain_columns_of(const char *kind, const json_t *doc, domain_columns *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->villages, sizeof c->villages, "{}");
  if (!doc) return;
  if (strcmp(kind, "asset") == 0) {
    c->village = ar_js(doc, "village");
    c->township = ar_js(doc, "township");
    c->klass = ar_js(doc, "class");
    c->status = ar_js(doc, "status");
    c->name = ar_js(doc, "name");
    villages_literal(json_object_get(doc, "locations"), "code", c->villages, sizeof c->villages);
  } else if (strcmp(kind, "plan") == 0) {
    c->village = ar_js(doc, "village");
    c->township = ar_js(doc, "township");
    c->status = ar_js(doc, "state");
    c->year = (int)ar_ji(doc, "year");
    const char *v = ar_js(doc, "village");
    if (v && aidreg_is_admin_code(v)) snprintf(c->villages, sizeof c->villages, "{%s}", v);
  } else if (strcmp(kind, "project") == 0) {
    c->klass = ar_js(doc, "type");
    c->name = ar_js(doc, "name");
    c->year = (int)ar_ji(doc, "year");
    villages_literal(json_object_get(doc, "locations"), NULL, c->villages, sizeof c->villages);
  } else if (strcmp(kind, "income") == 0) {
    c->village = ar_js(json_array_get(json_object_get(doc, "shares"), 0), "village");
    c->name = ar_js(doc, "asset");
    villages_literal(json_object_get(doc, "shares"), "village", c->villages, sizeof c->villages);
  } else if (strcmp(kind, "finding") == 0) {
    c->status = json_is_null(json_object_get(doc, "resolution")) ? "open" : "resolved";
    c->klass = ar_js(doc, "severity");
    c->name = ar_js(doc, "subject");
  } else if (strcmp(kind, "village") == 0) {
    c->village = ar_js(doc, "id");
    c->township = ar_js(doc, "township");
  } else if (strcmp(kind, "place") == 0) {
    const char *code = ar_js(doc, "code");
    if (code && strlen(code) == 12) c->village = code;
    c->township = ar_js(doc, "township");
    c->klass = ar_js(doc, "level");
    c->name = ar_js(doc, "name");
    if (code && aidreg_is_admin_code(code)) snprintf(c->villages, sizeof c->villages, "{%s}", code);
  }
}
