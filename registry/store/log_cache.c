/* The proofs' and tiles' cache of immutable log data (see log_cache.h). */
#include "store/log_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CODE_CAP 8    /* a county code and its NUL; longer codes are not kept */
#define SIZE_SLOTS 64 /* ledgers whose size is kept; a newcomer takes a slot by its hash */
#define TILE_BUCKETS 1024

typedef struct {
  char code[CODE_CAP]; /* "" when empty */
  uint8_t level;
  uint64_t index;
  uint8_t hash[32];
} node_slot;

typedef struct tile_item {
  char code[CODE_CAP];
  uint64_t index;
  size_t len;
  uint8_t *data;
  struct tile_item *chain;            /* in its bucket */
  struct tile_item *newer, *older;    /* in use order */
} tile_item;

struct ar_log_cache {
  pthread_mutex_t size_mu, node_mu, tile_mu;
  struct {
    char code[CODE_CAP];
    uint64_t size;
  } sizes[SIZE_SLOTS];
  node_slot *nodes;
  size_t node_mask; /* slots - 1 */
  unsigned node_bits;
  tile_item *buckets[TILE_BUCKETS];
  tile_item *newest, *oldest;
  size_t tile_bytes, tile_budget;
};

static uint64_t code_hash(const char *code) {
  uint64_t h = 14695981039346656037ull; /* FNV-1a */
  for (; *code; code++) h = (h ^ (uint8_t)*code) * 1099511628211ull;
  return h;
}

/* An empty slot's code is "": never a ledger's. */
static bool code_fits(const char *code) { return code && *code && strlen(code) < CODE_CAP; }

ar_log_cache *ar_log_cache_new(size_t node_slots, size_t tile_bytes) {
  ar_log_cache *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  unsigned bits = 0;
  while (bits < 40 && ((size_t)2 << bits) <= node_slots) bits++;
  if (node_slots && !(c->nodes = calloc((size_t)1 << bits, sizeof *c->nodes))) {
    free(c);
    return NULL;
  }
  c->node_bits = bits;
  c->node_mask = node_slots ? ((size_t)1 << bits) - 1 : 0;
  c->tile_budget = tile_bytes;
  pthread_mutex_init(&c->size_mu, NULL);
  pthread_mutex_init(&c->node_mu, NULL);
  pthread_mutex_init(&c->tile_mu, NULL);
  return c;
}

void ar_log_cache_free(ar_log_cache *c) {
  if (!c) return;
  for (tile_item *t = c->newest, *next; t; t = next) {
    next = t->older;
    free(t->data);
    free(t);
  }
  free(c->nodes);
  pthread_mutex_destroy(&c->size_mu);
  pthread_mutex_destroy(&c->node_mu);
  pthread_mutex_destroy(&c->tile_mu);
  free(c);
}

/* ---- sizes ---------------------------------------------------------------------------- */

void ar_log_cache_saw_size(ar_log_cache *c, const char *code, uint64_t size) {
  if (!c || !code_fits(code)) return;
  size_t i = code_hash(code) % SIZE_SLOTS;
  pthread_mutex_lock(&c->size_mu);
  if (strcmp(c->sizes[i].code, code) != 0) {
    strcpy(c->sizes[i].code, code);
    c->sizes[i].size = 0;
  }
  if (size > c->sizes[i].size) c->sizes[i].size = size;
  pthread_mutex_unlock(&c->size_mu);
}

uint64_t ar_log_cache_known_size(ar_log_cache *c, const char *code) {
  if (!c || !code_fits(code)) return 0;
  size_t i = code_hash(code) % SIZE_SLOTS;
  pthread_mutex_lock(&c->size_mu);
  uint64_t size = strcmp(c->sizes[i].code, code) == 0 ? c->sizes[i].size : 0;
  pthread_mutex_unlock(&c->size_mu);
  return size;
}

/* ---- nodes ---------------------------------------------------------------------------- */

/* Level l's nodes start at offset slots - slots >> l (level 0 the first half, level 1
 * the next quarter, ...), each ledger's regions shifted by its code's hash: a tree of up
 * to half the slots' leaves is kept whole. */
static size_t node_at(const ar_log_cache *c, uint64_t base, unsigned level, uint64_t index) {
  size_t slots = c->node_mask + 1;
  size_t region = level < 64 ? slots - (slots >> level) : 0;
  return (size_t)(base + region + index) & c->node_mask;
}

static node_slot *node_find(ar_log_cache *c, uint64_t base, const char *code, unsigned level, uint64_t index) {
  node_slot *s = &c->nodes[node_at(c, base, level, index)];
  return s->level == level && s->index == index && strcmp(s->code, code) == 0 ? s : NULL;
}

static void node_keep(ar_log_cache *c, uint64_t base, const char *code, unsigned level, uint64_t index,
                      const uint8_t hash[32]) {
  node_slot *s = &c->nodes[node_at(c, base, level, index)];
  strcpy(s->code, code);
  s->level = (uint8_t)level;
  s->index = index;
  memcpy(s->hash, hash, 32);
}

size_t ar_log_cache_nodes(ar_log_cache *c, const char *code, size_t n, const unsigned *level, const uint64_t *index,
                          uint8_t (*hash)[32], bool *found) {
  memset(found, 0, n * sizeof *found);
  if (!c || !c->nodes || !code_fits(code)) return 0;
  uint64_t base = code_hash(code);
  size_t hits = 0;
  pthread_mutex_lock(&c->node_mu);
  for (size_t i = 0; i < n; i++) {
    node_slot *s = node_find(c, base, code, level[i], index[i]);
    if (s) memcpy(hash[i], s->hash, 32), found[i] = true, hits++;
  }
  pthread_mutex_unlock(&c->node_mu);
  return hits;
}

bool ar_log_cache_run(ar_log_cache *c, const char *code, unsigned level, uint64_t first, size_t n, uint8_t (*hash)[32]) {
  if (!c || !c->nodes || !code_fits(code)) return false;
  uint64_t base = code_hash(code);
  bool all = true;
  pthread_mutex_lock(&c->node_mu);
  for (size_t i = 0; all && i < n; i++) {
    node_slot *s = node_find(c, base, code, level, first + i);
    if (s) memcpy(hash[i], s->hash, 32);
    else all = false;
  }
  pthread_mutex_unlock(&c->node_mu);
  return all;
}

void ar_log_cache_put_nodes(ar_log_cache *c, const char *code, size_t n, const unsigned *level, const uint64_t *index,
                            const uint8_t (*hash)[32]) {
  if (!c || !c->nodes || !code_fits(code)) return;
  uint64_t base = code_hash(code);
  pthread_mutex_lock(&c->node_mu);
  for (size_t i = 0; i < n; i++) node_keep(c, base, code, level[i], index[i], hash[i]);
  pthread_mutex_unlock(&c->node_mu);
}

void ar_log_cache_put_run(ar_log_cache *c, const char *code, unsigned level, uint64_t first, size_t n,
                          const uint8_t (*hash)[32]) {
  if (!c || !c->nodes || !code_fits(code)) return;
  uint64_t base = code_hash(code);
  pthread_mutex_lock(&c->node_mu);
  for (size_t i = 0; i < n; i++) node_keep(c, base, code, level, first + i, hash[i]);
  pthread_mutex_unlock(&c->node_mu);
}

/* ---- entry tiles ---------------------------------------------------------------------- */

static size_t bucket_of(const char *code, uint64_t index) {
  return (size_t)((code_hash(code) + index * 0x9E3779B97F4A7C15ull) >> 32) % TILE_BUCKETS;
}

static tile_item **tile_link(ar_log_cache *c, const char *code, uint64_t index) {
  tile_item **at = &c->buckets[bucket_of(code, index)];
  while (*at && ((*at)->index != index || strcmp((*at)->code, code) != 0)) at = &(*at)->chain;
  return at;
}

static void use_unlink(ar_log_cache *c, tile_item *t) {
  if (t->newer) t->newer->older = t->older;
  else c->newest = t->older;
  if (t->older) t->older->newer = t->newer;
  else c->oldest = t->newer;
  t->newer = t->older = NULL;
}

static void use_push(ar_log_cache *c, tile_item *t) {
  t->older = c->newest;
  t->newer = NULL;
  if (c->newest) c->newest->newer = t;
  c->newest = t;
  if (!c->oldest) c->oldest = t;
}

bool ar_log_cache_tile(ar_log_cache *c, const char *code, uint64_t index, uint8_t **data, size_t *len) {
  if (!c || !c->tile_budget || !code_fits(code)) return false;
  pthread_mutex_lock(&c->tile_mu);
  tile_item *t = *tile_link(c, code, index);
  uint8_t *copy = t ? malloc(t->len ? t->len : 1) : NULL;
  if (copy) {
    memcpy(copy, t->data, t->len);
    *data = copy;
    *len = t->len;
    use_unlink(c, t);
    use_push(c, t);
  }
  pthread_mutex_unlock(&c->tile_mu);
  return copy != NULL;
}

void ar_log_cache_put_tile(ar_log_cache *c, const char *code, uint64_t index, const uint8_t *data, size_t len) {
  if (!c || len > c->tile_budget || !code_fits(code)) return;
  tile_item *t = calloc(1, sizeof *t);
  uint8_t *copy = t ? malloc(len ? len : 1) : NULL;
  if (!copy) {
    free(t); /* not kept: the next request reads it again */
    return;
  }
  memcpy(copy, data, len);
  strcpy(t->code, code);
  t->index = index, t->len = len, t->data = copy;
  pthread_mutex_lock(&c->tile_mu);
  tile_item **at = tile_link(c, code, index);
  if (*at) { /* another thread kept it first: the same bytes */
    pthread_mutex_unlock(&c->tile_mu);
    free(copy);
    free(t);
    return;
  }
  *at = t;
  use_push(c, t);
  c->tile_bytes += len;
  while (c->tile_bytes > c->tile_budget && c->oldest) {
    tile_item *old = c->oldest;
    use_unlink(c, old);
    tile_item **link = tile_link(c, old->code, old->index);
    *link = old->chain;
    c->tile_bytes -= old->len;
    free(old->data);
    free(old);
  }
  pthread_mutex_unlock(&c->tile_mu);
}
