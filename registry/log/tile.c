/* C2SP tlog-tiles paths. Parsing is strict so that each tile has exactly one URL: a
 * cache or a file tree keyed by path must never hold two copies of one tile. */
#include "aidreg/tile.h"

#include <stdio.h>
#include <string.h>

int aidreg_tile_index_path(uint64_t n, char *out, size_t cap) {
  unsigned groups[7]; /* UINT64_MAX has 20 digits: 7 groups of 3 */
  size_t k = 0;
  do {
    groups[k++] = (unsigned)(n % 1000);
    n /= 1000;
  } while (n != 0);
  size_t need = 5 * k - 1; /* "xDDD/" per leading group, "DDD" last, plus NUL */
  if (cap < need) return -1;
  char *p = out;
  while (k > 1) {
    k--;
    p += sprintf(p, "x%03u/", groups[k]);
  }
  sprintf(p, "%03u", groups[0]);
  return 0;
}

/* Reads a decimal number with no leading zeros ("0" alone is fine) that is at most max.
 * Returns the number of characters read, 0 on a syntax error. */
static size_t parse_decimal(const char *s, uint64_t max, uint64_t *v) {
  size_t i = 0;
  uint64_t x = 0;
  if (s[0] == '0') {
    if (s[1] >= '0' && s[1] <= '9') return 0;
    *v = 0;
    return 1;
  }
  while (s[i] >= '0' && s[i] <= '9') {
    unsigned d = (unsigned)(s[i] - '0');
    if (x > (max - d) / 10) return 0;
    x = x * 10 + d;
    i++;
  }
  if (i == 0) return 0;
  *v = x;
  return i;
}

static int is_digit3(const char *s) {
  return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9';
}

/* "x001/x234/067": returns characters read, 0 on error. */
static size_t parse_index(const char *s, uint64_t *v) {
  size_t i = 0;
  uint64_t x = 0;
  int first = 1;
  while (s[i] == 'x') {
    if (!is_digit3(s + i + 1) || s[i + 4] != '/') return 0;
    unsigned g = (unsigned)((s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 + (s[i + 3] - '0'));
    if (first && g == 0) return 0; /* x000/... is a padded form of a shorter path */
    if (x > (UINT64_MAX - g) / 1000) return 0;
    x = x * 1000 + g;
    first = 0;
    i += 5;
  }
  if (!is_digit3(s + i)) return 0;
  unsigned g = (unsigned)((s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0'));
  if (x > (UINT64_MAX - g) / 1000) return 0;
  *v = x * 1000 + g;
  return i + 3;
}

int aidreg_tile_parse(const char *path, aidreg_tile_ref *t) {
  static const char tile[] = "tile/", entries[] = "entries/";
  aidreg_tile_ref r = {0, 0, 0, AIDREG_TILE_WIDTH};
  const char *p = path;
  if (strncmp(p, tile, sizeof tile - 1) != 0) return -1;
  p += sizeof tile - 1;
  if (strncmp(p, entries, sizeof entries - 1) == 0) {
    r.entries = 1;
    p += sizeof entries - 1;
  } else {
    uint64_t level;
    size_t n = parse_decimal(p, 63, &level);
    if (n == 0 || p[n] != '/') return -1;
    r.level = (unsigned)level;
    p += n + 1;
  }
  size_t n = parse_index(p, &r.index);
  if (n == 0) return -1;
  p += n;
  if (strncmp(p, ".p/", 3) == 0) {
    uint64_t w;
    p += 3;
    n = parse_decimal(p, AIDREG_TILE_WIDTH - 1, &w);
    if (n == 0 || w == 0) return -1;
    r.width = (unsigned)w;
    p += n;
  }
  if (*p != '\0') return -1;
  *t = r;
  return 0;
}

int aidreg_tile_format(const aidreg_tile_ref *t, char *out, size_t cap) {
  if (t->width == 0 || t->width > AIDREG_TILE_WIDTH || t->level > 63 || (t->entries && t->level != 0)) return -1;
  char idx[40];
  if (aidreg_tile_index_path(t->index, idx, sizeof idx) != 0) return -1;
  int n;
  if (t->entries)
    n = snprintf(out, cap, "tile/entries/%s", idx);
  else
    n = snprintf(out, cap, "tile/%u/%s", t->level, idx);
  if (n < 0 || (size_t)n >= cap) return -1;
  if (t->width < AIDREG_TILE_WIDTH) {
    int m = snprintf(out + n, cap - (size_t)n, ".p/%u", t->width);
    if (m < 0 || (size_t)m >= cap - (size_t)n) return -1;
  }
  return 0;
}

/* A tile covers 256 consecutive nodes of tree level 8L; how many of them a tree of
 * tree_size leaves completes is its width. */
static void tile_width(aidreg_tile_ref *t, uint64_t nodes_at_level) {
  uint64_t present = nodes_at_level - t->index * AIDREG_TILE_WIDTH;
  t->width = present >= AIDREG_TILE_WIDTH ? AIDREG_TILE_WIDTH : (unsigned)present;
}

int aidreg_tile_for_hash(unsigned level, uint64_t index, uint64_t tree_size, aidreg_tile_ref *t) {
  if (level > 63 || index >= (tree_size >> level)) return -1;
  unsigned tl = level / AIDREG_TILE_HEIGHT, within = level % AIDREG_TILE_HEIGHT;
  unsigned base = tl * AIDREG_TILE_HEIGHT;
  t->entries = 0;
  t->level = tl;
  /* The node rests on nodes [index << within, (index + 1) << within) of level 8L, all
   * in one tile because 2^within divides 256. */
  t->index = (index << within) / AIDREG_TILE_WIDTH;
  tile_width(t, tree_size >> base);
  return 0;
}

int aidreg_tile_for_entry(uint64_t index, uint64_t tree_size, aidreg_tile_ref *t) {
  if (index >= tree_size) return -1;
  t->entries = 1;
  t->level = 0;
  t->index = index / AIDREG_TILE_WIDTH;
  tile_width(t, tree_size);
  return 0;
}
