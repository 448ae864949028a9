/* The parts summary_kept.c keeps per ledger (an asset's and a plan's share of the figures),
 * for the other reads answered from them (asset_pages.c: the asset list's pages and
 * totals). Private to the store layer. */
#ifndef AIDREG_STORE_SUMMARY_PARTS_H
#define AIDREG_STORE_SUMMARY_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strmap.h"
#include "store/db.h"

#define AR_PART_NONE UINT32_MAX

typedef struct {
  uint32_t village, town; /* place ids; AR_PART_NONE when the share names none */
  uint8_t has;            /* bit i: sum i is there (SQL's sum leaves NULLs out) */
  int64_t v[5];
} ar_share_part;

typedef struct {
  uint32_t klass, status; /* label ids */
  uint32_t township;      /* entity.township's place id, AR_PART_NONE when NULL */
  uint32_t nv, nt, ns;
  uint32_t *villages, *towns; /* distinct place ids */
  ar_share_part *shares;
  char *name; /* entity.name, NULL when NULL */
} ar_asset_part;

typedef struct {
  uint32_t village, town;
  bool has;
  int64_t paid;
} ar_plan_part;

/* Strings by id: the labels (classes, statuses) and the places, each stored once. */
typedef struct {
  char **s;
  size_t n, cap;
  strmap ids; /* string -> (uintptr_t)(id + 1) */
} ar_strtab;

typedef struct {
  strmap assets, plans; /* id -> ar_asset_part *, ar_plan_part *; NULL: deleted (a key stays) */
  ar_strtab labels, places;
  /* Every key of assets in byte order (the lists' ORDER BY id under the C collations),
   * each an own copy; fresh: the keys added since, merged in at the end of each reading. */
  char **order, **fresh;
  size_t norder, nfresh, capfresh;
  /* A name or id holds a character that lower() turns into an ASCII letter (U+0130 İ, U+212A
   * the Kelvin sign, under glibc's C.UTF-8): a search with letters is left to the SQL. */
  bool folds_into_ascii;
} ar_parts;

/* The id of s in t, or AR_PART_NONE. */
static inline uint32_t ar_strtab_find(const ar_strtab *t, const char *s) {
  uintptr_t v = (uintptr_t)ar_strmap_get(&t->ids, s);
  return v ? (uint32_t)(v - 1) : AR_PART_NONE;
}

/* Called under the parts' read lock with the parts of the ledger as of (size, frontier hex):
 * 0; 1 these parts cannot answer it (the SQL must); -2 out of memory. */
typedef int (*ar_parts_fn)(const ar_parts *p, uint64_t size, const char *frontier, void *ctx);

/* What is kept from the parts elsewhere (asset_pages.c's totals) follows their changes: begin
 * before a reading of the changes since (size, frontier) of ledger code (its answer, the
 * context, may be NULL), change for each asset part the reading removes (sign -1: the part
 * before) or puts (+1: the part after, with every row read), end after it with the new key,
 * or ok false when it failed. Called under the parts' write lock; one reading of a ledger at
 * a time. */
typedef struct {
  void *(*begin)(const char *code, uint64_t size, const char *frontier);
  void (*change)(void *ctx, const ar_parts *p, const char *id, const ar_asset_part *part, int sign);
  void (*end)(void *ctx, const char *code, uint64_t size, const char *frontier, bool ok);
} ar_parts_watch;
void ar_summary_parts_watch(const ar_parts_watch *w);

/* fn over the parts of ledger code brought up to date (summary_kept.h). 0 fn answered; 1
 * the parts cannot answer (the SQL must); -1 the database failed; -2 out of memory. */
int ar_summary_parts_read(db_conn *c, const char *code, ar_parts_fn fn, void *ctx);

#endif
