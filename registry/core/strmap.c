#include "core/strmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static strmap_slot *find(const strmap *m, const char *key) {
  size_t i = hash(key) & (m->cap - 1);
  while (m->slots[i].key && strcmp(m->slots[i].key, key) != 0) i = (i + 1) & (m->cap - 1);
  return &m->slots[i];
}

void *ar_strmap_get(const strmap *m, const char *key) {
  if (!m->cap) return NULL;
  strmap_slot *s = find(m, key);
  return s->key ? s->val : NULL;
}

static int grow(strmap *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  strmap_slot *old = m->slots, *slots = calloc(cap, sizeof *slots);
  if (!slots) return -1;
  size_t old_cap = m->cap;
  m->slots = slots;
  m->cap = cap;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].key) *find(m, old[i].key) = old[i];
  free(old);
  return 0;
}

int ar_strmap_put(strmap *m, const char *key, void *val) {
  if ((m->len + 1) * 2 > m->cap && grow(m)) return -1;
  strmap_slot *s = find(m, key);
  if (!s->key) {
    if (!(s->key = strdup(key))) return -1;
    m->len++;
  }
  s->val = val;
  return 0;
}

void ar_strmap_free(strmap *m, void (*free_val)(void *)) {
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->slots[i].key) continue;
    free(m->slots[i].key);
    if (free_val) free_val(m->slots[i].val);
  }
  free(m->slots);
  memset(m, 0, sizeof *m);
}
