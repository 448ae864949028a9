#ifndef AIDREG_STRMAP_H
#define AIDREG_STRMAP_H
/* A small open-addressing hash map from strings to pointers, for per-batch overlays.
 * Keys are copied; values are borrowed (the caller owns them). */
#include <stddef.h>
#include <stdint.h>

typedef struct {
  char *key;
  void *val;
} strmap_slot;

typedef struct {
  strmap_slot *slots;
  size_t cap, len;
} strmap;

/* The value stored under key, or NULL. */
void *ar_strmap_get(const strmap *m, const char *key);
/* Insert or replace. 0, or -1 on OOM. */
int ar_strmap_put(strmap *m, const char *key, void *val);
/* Frees the keys and the table; calls free_val on every value when non-NULL. */
void ar_strmap_free(strmap *m, void (*free_val)(void *));
/* Iteration: for (size_t i = 0; i < m->cap; i++) if (m->slots[i].key) ... */

#endif
