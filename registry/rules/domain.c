/* The overlay of documents the rules read and change (domain.h): the batch, its journal of
 * one entry's changes (rolled back when a rule refuses), the dispatch of each accepted
 * entry to its rule (ar_domain_apply), and what the batch changed (ar_domain_changes).
 * Elsewhere: the state-dependent authority (domain_authorize.c), the subjects' logs
 * (domain_subjects.c), the entity table's columns (domain_columns.c), the JSON and money
 * helpers (dom_json.c), and the rules of each type (domain_assets.c, domain_income.c,
 * domain_plans.c, domain_disposal.c, domain_places.c, domain_correction.c). */
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
  bool shallow; /* this entry's version was copied one level only (ar_dom_edit_top) */
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
  json_t *signers; /* the key ids of the last entry's signers (ar_dom_signers), owned */
};


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

/* Takes the caller's reference to doc: the grave owns it until the entry ends, or, when
 * the grave cannot grow, it is released here. Pass a reference of your own (json_incref),
 * never one an ov_entry or the journal still holds. */
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

/* A copy of doc's objects and arrays that shares its strings, numbers and literals: the
 * rules change containers (members set, elements pushed) but never a scalar in place
 * (nothing calls json_*_set on a state document), so the version in the journal stays
 * intact, at a fraction of json_deep_copy's allocations. Member order is kept. */
static json_t *copy_containers(json_t *v) {
  if (json_is_object(v)) {
    json_t *o = json_object(), *m;
    const char *k;
    size_t kl;
    if (!o) return NULL;
    json_object_keylen_foreach(v, k, kl, m) {
      if (json_object_setn_new_nocheck(o, k, kl, copy_containers(m))) {
        json_decref(o);
        return NULL;
      }
    }
    return o;
  }
  if (json_is_array(v)) {
    size_t n = json_array_size(v);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
      if (json_array_append_new(a, copy_containers(json_array_get(v, i)))) json_decref(a), a = NULL;
    return a;
  }
  return json_incref(v);
}

/* The version of e this entry may change: on its first change in the entry the version
 * before goes to the journal (and stays with its borrowers) and the entry edits a copy —
 * of every container (deep), or of the top level only, whose nested containers are then
 * still the version's before and must not be changed. A deep edit after a shallow one in
 * the same entry copies the containers then. */
static json_t *edit(domain_batch *d, ov_entry *e, bool deep) {
  if (!e || !e->doc) return NULL;
  if (e->gen != d->gen) {
    if (journal(d, e)) {
      ar_dom_nomem(d);
      return NULL;
    }
    json_t *copy = deep ? copy_containers(e->doc) : ar_json_copy1(e->doc);
    if (!copy) {
      ar_dom_nomem(d);
      return NULL;
    }
    json_decref(e->doc);
    e->doc = copy;
    e->shallow = !deep;
  } else if (deep && e->shallow) {
    /* Borrowers of the shallow version may read it until the entry ends (grave). */
    json_t *copy = copy_containers(e->doc);
    if (!copy || push_grave(d, json_incref(e->doc))) {
      json_decref(copy);
      ar_dom_nomem(d);
      return NULL;
    }
    json_decref(e->doc);
    e->doc = copy;
    e->shallow = false;
  }
  e->dirty = true;
  e->updated_at = d->index;
  return e->doc;
}

json_t *ar_dom_edit(domain_batch *d, const char *kind, const char *id) { return edit(d, entry(d, kind, id), true); }

json_t *ar_dom_edit_top(domain_batch *d, const char *kind, const char *id) {
  return edit(d, entry(d, kind, id), false);
}

int ar_dom_put(domain_batch *d, const char *kind, const char *id, json_t *doc) {
  ov_entry *e = entry(d, kind, id);
  if (!e || journal(d, e)) {
    json_decref(doc);
    if (e) ar_dom_nomem(d); /* else entry() said why */
    return -1;
  }
  /* Borrowers of the current version may still read it until the entry ends: the grave
   * gets a reference of its own, and e's is released only once the grave holds it. Handing
   * e's own reference over would leave e->doc dangling when the grave cannot grow, for the
   * rollback and ar_domain_end to release a second time. */
  if (push_grave(d, json_incref(e->doc))) {
    json_decref(doc);
    ar_dom_nomem(d);
    return -1;
  }
  json_decref(e->doc);
  e->doc = doc;
  e->shallow = false; /* the rules' own document */
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

json_t *ar_dom_signers(domain_batch *d, const aidreg_key_state *signers, size_t nsig) {
  bool same = d->signers && json_array_size(d->signers) == nsig;
  for (size_t i = 0; same && i < nsig; i++)
    same = strcmp(json_string_value(json_array_get(d->signers, i)), signers[i].keyid) == 0;
  if (same) return json_incref(d->signers);
  json_t *keyids = json_array();
  for (size_t i = 0; keyids && i < nsig; i++)
    if (json_array_append_new(keyids, json_string(signers[i].keyid))) json_decref(keyids), keyids = NULL;
  if (!keyids) return NULL;
  json_decref(d->signers);
  d->signers = json_incref(keyids);
  return keyids;
}

const aidreg_event_type *ar_dom_type(const domain_batch *d, const char *type) { return d->find(type); }
uint64_t ar_dom_now_index(const domain_batch *d) { return d->index; }

void ar_dom_entry_begin(domain_batch *d, uint64_t index) {
  d->gen++;
  d->njournal = 0;
  d->failed = d->nomem = false;
  d->index = index;
}

static void grave_clear(domain_batch *d) {
  for (size_t i = 0; i < d->ngrave; i++) json_decref(d->grave[i]);
  d->ngrave = 0;
}

void ar_dom_entry_commit(domain_batch *d) {
  for (size_t i = 0; i < d->njournal; i++) json_decref(d->journal[i].old);
  d->njournal = 0;
  grave_clear(d);
}

/* Each ov_entry owns one reference to its doc and each journal record one to its old:
 * the rollback releases the entry's and hands the record's to the entry. */
void ar_dom_entry_rollback(domain_batch *d) {
  for (size_t i = d->njournal; i-- > 0;) {
    jrec *j = &d->journal[i];
    json_decref(j->e->doc);
    j->e->doc = j->old;
    j->e->dirty = j->old_dirty;
    j->e->updated_at = j->old_updated;
    j->e->gen = 0;
    j->e->shallow = false;
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
  ar_dom_entry_rollback(d);
  ar_strmap_free(&d->docs, free_entry);
  ar_strmap_free(&d->refs, free);
  json_decref(d->signers);
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

int ar_dom_remember(domain_batch *d, const aidreg_event *ev) {
  char ref[65], *s = strdup(ev->subject);
  aidreg_hex_encode(ev->payload_sha256, 32, ref);
  if (!s || ar_strmap_put(&d->refs, ref, s)) {
    free(s);
    return -1;
  }
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

typedef int (*change_fn)(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at);

/* emit for e, the document under key ("kind:id"). */
static int emit_key(const char *key, const ov_entry *e, change_fn emit, void *ctx) {
  const char *colon = strchr(key, ':');
  char kind[32];
  snprintf(kind, sizeof kind, "%.*s", (int)(colon - key), key);
  return emit(ctx, kind, colon + 1, e->doc, e->updated_at);
}

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
    rc = emit_key(keys[i], ar_strmap_get(&d->docs, keys[i]), emit, ctx);
  }
  free(keys);
  return rc;
}

/* ar_domain_changes for a batch about to end, in table order (the memstore's puts do not
 * depend on it), each of the batch's documents released as soon as emit has seen it: the
 * tree is freed while emit's walk has left it in the cache, instead of all of them at
 * ar_domain_end, cold (docs/benchmark.md, "Verify and audit"). */
int ar_domain_drain(domain_batch *d, change_fn emit, void *ctx) {
  for (size_t i = 0; i < d->docs.cap; i++) {
    const strmap_slot *s = &d->docs.slots[i];
    if (!s->key) continue;
    ov_entry *e = s->val;
    int rc = e->dirty ? emit_key(s->key, e, emit, ctx) : 0;
    if (rc) return rc;
    json_decref(e->doc);
    e->doc = NULL;
    e->dirty = false;
  }
  return 0;
}

void ar_dom_read_begin(domain_batch *d) {
  d->failed = d->nomem = false;
  d->gen++; /* documents read now are read-only: nothing to journal */
}
