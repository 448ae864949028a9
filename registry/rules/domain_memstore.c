/* An in-memory domain_store: the state of a ledger replayed without a database (unit
 * tests, `aidreg rebuild --check`, `aidreg verify`, the audit). Keys are "kind:id" (a kind
 * holds no colon). A compact store keeps each settled document as a blob (dom_blob.h: one
 * allocation, about the size of its JSON text) instead of jansson values (a third of the
 * memory or less: a value is tens of bytes of allocations, and a subject's log holds one
 * slot per entry) and decodes it again when a batch loads it or someone gets it
 * (docs/benchmark.md, "Verify and audit"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/dom_blob.h"
#include "rules/domain.h"
#include "core/strmap.h"

typedef struct {
  json_t *doc;   /* parsed (owned), or NULL: absent, or only a blob */
  uint8_t *blob; /* compact store: the document's blob (malloc'd), or NULL */
  size_t len;
  uint64_t updated_at;
} mem_doc;

struct domain_memstore {
  strmap docs;
  strmap refs; /* ref -> subject (malloc'd) */
  bool compact;
};

static bool present(const mem_doc *d) { return d->doc || d->blob; }


/* The parsed document of a compact slot: a new reference, or NULL out of memory. The blob
 * is ours: it decodes unless memory runs out. */
static json_t *parse(const mem_doc *d) { return ar_dom_blob_decode(d->blob, d->len); }

domain_memstore *ar_domain_memstore_new(void) { return calloc(1, sizeof(domain_memstore)); }

domain_memstore *ar_domain_memstore_new_compact(void) {
  domain_memstore *m = ar_domain_memstore_new();
  if (m) m->compact = true;
  return m;
}

static void free_doc(void *v) {
  mem_doc *m = v;
  if (m) json_decref(m->doc), free(m->blob);
  free(m);
}

void ar_domain_memstore_free(domain_memstore *m) {
  if (!m) return;
  ar_strmap_free(&m->docs, free_doc);
  ar_strmap_free(&m->refs, free);
  free(m);
}

static char *key_of(const char *kind, const char *id) {
  size_t a = strlen(kind), b = strlen(id);
  char *k = malloc(a + b + 2);
  if (!k) return NULL;
  memcpy(k, kind, a);
  k[a] = ':';
  memcpy(k + a + 1, id, b + 1);
  return k;
}

const json_t *ar_domain_memstore_get(const domain_memstore *m, const char *kind, const char *id) {
  /* On the stack: a failed allocation here would read as "absent", a wrong answer. */
  char buf[512];
  int n = snprintf(buf, sizeof buf, "%s:%s", kind, id);
  if (n < 0 || (size_t)n >= sizeof buf) return NULL; /* no kind:id is that long */
  mem_doc *d = ar_strmap_get(&m->docs, buf);
  /* A compact document read here stays parsed: the pointer is borrowed until m changes.
   * (NULL when out of memory: callers outside a replay read a settled store at the end.) */
  if (d && !d->doc && d->blob) d->doc = parse(d);
  return d ? d->doc : NULL;
}

static json_t *load(void *ctx, const char *kind, const char *id, int *err) {
  const domain_memstore *m = ctx;
  char buf[512];
  int n = snprintf(buf, sizeof buf, "%s:%s", kind, id);
  mem_doc *d = n < 0 || (size_t)n >= sizeof buf ? NULL : ar_strmap_get(&m->docs, buf);
  if (!d || !present(d)) return NULL;
  /* Shared, not copied: the overlay never changes a document it loaded, it edits a copy of
   * it (ar_dom_edit, copy-on-write for its journal) or puts a new one. A compact one is
   * parsed for the batch alone, which drops it when it ends. */
  if (d->doc) return json_incref(d->doc);
  json_t *doc = parse(d);
  if (!doc) *err = DOMAIN_STORE_NOMEM;
  return doc;
}

static int ref_subject(void *ctx, const char *ref, char *subject, size_t cap) {
  const char *s = ar_strmap_get(&((domain_memstore *)ctx)->refs, ref);
  if (!s) return 0;
  snprintf(subject, cap, "%s", s);
  return 1;
}

domain_store ar_domain_memstore_store(domain_memstore *m) {
  return (domain_store){.load = load, .ctx = m, .ref_subject = ref_subject};
}

static int put_ref(void *ctx, const char *ref, const char *subject) {
  domain_memstore *m = ctx;
  char *s = strdup(subject);
  char *old = ar_strmap_get(&m->refs, ref);
  if (!s || ar_strmap_put(&m->refs, ref, s)) {
    free(s);
    return -1;
  }
  free(old);
  return 0;
}

/* The slot for kind/id, made empty when new; NULL when out of memory. */
static mem_doc *slot(domain_memstore *m, const char *kind, const char *id) {
  char *k = key_of(kind, id);
  if (!k) return NULL;
  mem_doc *d = ar_strmap_get(&m->docs, k);
  if (!d && (!(d = calloc(1, sizeof *d)) || ar_strmap_put(&m->docs, k, d))) {
    free(d);
    d = NULL;
  }
  free(k);
  return d;
}

/* Replaces d's version by doc (NULL: absent), as a blob in a compact store, else by the
 * reference made by keep (also when the blob cannot be made: the value is the same). 0 or -1. */
static int replace(domain_memstore *m, mem_doc *d, const json_t *doc, uint64_t updated_at, json_t *(*keep)(const json_t *)) {
  json_t *v = NULL;
  uint8_t *blob = NULL;
  size_t len = 0;
  if (doc && m->compact) blob = ar_dom_blob_encode(doc, &len);
  if (doc && !blob && !(v = keep(doc))) return -1;
  json_decref(d->doc);
  free(d->blob);
  d->doc = v;
  d->blob = blob;
  d->len = len;
  d->updated_at = updated_at;
  return 0;
}

static json_t *copy_of(const json_t *doc) { return json_deep_copy(doc); }
static json_t *ref_of(const json_t *doc) { return json_incref((json_t *)doc); }

static int put(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at) {
  mem_doc *d = slot(ctx, kind, id);
  return d ? replace(ctx, d, doc, updated_at, copy_of) : -1;
}

/* put without the copy: the batch is ended right after, m keeps the only reference. */
static int put_taken(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at) {
  mem_doc *d = slot(ctx, kind, id);
  return d ? replace(ctx, d, doc, updated_at, ref_of) : -1;
}

int ar_domain_memstore_settle(domain_memstore *m, domain_batch *d) {
  int rc = ar_domain_drain(d, put_taken, m) || ar_domain_refs(d, put_ref, m) ? -1 : 0;
  ar_domain_end(d);
  return rc;
}

int ar_domain_memstore_commit(domain_memstore *m, domain_batch *d) {
  return ar_domain_changes(d, put, m) || ar_domain_refs(d, put_ref, m) ? -1 : 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int ar_domain_memstore_each(const domain_memstore *m,
                         int (*fn)(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t updated_at),
                         void *ctx) {
  const char **keys = calloc(m->docs.len ? m->docs.len : 1, sizeof *keys);
  if (!keys) return -1;
  size_t n = 0;
  for (size_t i = 0; i < m->docs.cap; i++) {
    const strmap_slot *s = &m->docs.slots[i];
    if (s->key && present(s->val)) keys[n++] = s->key;
  }
  qsort(keys, n, sizeof *keys, cmp_str);
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    mem_doc *d = ar_strmap_get(&m->docs, keys[i]);
    if (!d->doc && !(d->doc = parse(d))) { /* kept parsed, as by ar_domain_memstore_get */
      rc = -1;
      break;
    }
    const char *colon = strchr(keys[i], ':');
    char kind[32];
    size_t kl = (size_t)(colon - keys[i]);
    if (kl >= sizeof kind) kl = sizeof kind - 1;
    memcpy(kind, keys[i], kl);
    kind[kl] = 0;
    rc = fn(ctx, kind, colon + 1, d->doc, d->updated_at);
  }
  free(keys);
  return rc;
}
