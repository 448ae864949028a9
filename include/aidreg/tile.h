#ifndef AIDREG_TILE_H
#define AIDREG_TILE_H
/* C2SP tlog-tiles paths. A hash tile at level L, index N holds the hashes of tree level
 * 8*L, nodes 256*N ... 256*N + W - 1; an entry tile (data tile) holds entries
 * 256*N ... 256*N + W - 1, each as a big-endian uint16 length then the leaf bytes. */
#include <stddef.h>
#include <stdint.h>

#define AIDREG_TILE_WIDTH 256
#define AIDREG_TILE_HEIGHT 8

typedef struct {
  int entries;     /* 1 for tile/entries/..., 0 for tile/<L>/... */
  unsigned level;  /* L (0 for entries) */
  uint64_t index;  /* N */
  unsigned width;  /* W: 256 for a full tile, 1..255 for a partial one (.p/W) */
} aidreg_tile_ref;

/* 1234067 -> "x001/x234/067"; 5 -> "005". Returns 0, or -1 if cap is too small. */
int aidreg_tile_index_path(uint64_t n, char *out, size_t cap);
/* "tile/0/x001/x234/067.p/8" or "tile/entries/005"; strict: refuses non-canonical
 * forms (missing zeros, x on the last element, .p/0, .p/256, L > 63). Returns 0 or -1. */
int aidreg_tile_parse(const char *path, aidreg_tile_ref *t);
/* Inverse of aidreg_tile_parse. Returns 0, or -1 if cap is too small. */
int aidreg_tile_format(const aidreg_tile_ref *t, char *out, size_t cap);
/* The tile that holds hash (tree level, index) or entry index, in a tree of tree_size
 * leaves: for a hash, tile level level/8 (levels between multiples of 8 are rehashed from
 * that tile's hashes); width is what tree_size completes of the tile (256 when full).
 * Returns 0, or -1 when the node is not a perfect node of the tree / index >= tree_size. */
int aidreg_tile_for_hash(unsigned level, uint64_t index, uint64_t tree_size, aidreg_tile_ref *t);
int aidreg_tile_for_entry(uint64_t index, uint64_t tree_size, aidreg_tile_ref *t);

#endif
