/* libFuzzer target: tile paths (C2SP tlog-tiles, include/aidreg/tile.h) as the server
 * reads them from a request ("tile/0/x001/x234/067.p/8", "tile/entries/005"). The parser
 * is strict: an accepted path formats back to exactly the input, and every well-formed
 * reference the fuzzer's numbers make formats to a path that parses back to it. The tile
 * geometry functions are fed the same numbers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/tile.h"
#include "aidreg/verify.h"
#include "fuzz_common.h"

static uint64_t u64_at(const uint8_t *d, size_t n, size_t off) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) v = v << 8 | (off + i < n ? d[off + i] : 0);
  return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  ASSERT(s != NULL);
  memcpy(s, data, size);
  s[size] = '\0';
  aidreg_tile_ref t;
  if (strlen(s) == size && aidreg_tile_parse(s, &t) == 0) {
    ASSERT(t.width >= 1 && t.width <= AIDREG_TILE_WIDTH && (t.entries ? t.level == 0 : t.level <= 63));
    char out[128];
    ASSERT(aidreg_tile_format(&t, out, sizeof out) == 0);
    ASSERT(strcmp(out, s) == 0);
  }
  free(s);

  /* The numbers in the input, as a reference and as tree coordinates. */
  uint64_t a = u64_at(data, size, 0), b = u64_at(data, size, 8), n = u64_at(data, size, 16);
  aidreg_tile_ref r = {.entries = (int)(a & 1), .level = (unsigned)((a >> 1) % 64), .index = b,
                       .width = (unsigned)((a >> 8) % 256) + 1};
  if (r.entries) r.level = 0;
  char path[128], small[8];
  if (aidreg_tile_format(&r, path, sizeof path) == 0) {
    aidreg_tile_ref back;
    ASSERT(aidreg_tile_parse(path, &back) == 0);
    ASSERT(back.entries == r.entries && back.level == r.level && back.index == r.index && back.width == r.width);
  }
  (void)aidreg_tile_format(&r, small, sizeof small);
  (void)aidreg_tile_index_path(b, small, sizeof small);
  char ip[64];
  ASSERT(aidreg_tile_index_path(b, ip, sizeof ip) == 0);

  aidreg_tile_ref h;
  if (aidreg_tile_for_hash((unsigned)(a % 70), b, n, &h) == 0) {
    ASSERT(h.width >= 1 && h.width <= AIDREG_TILE_WIDTH && !h.entries);
    ASSERT(aidreg_tile_width_at(n, h.level, h.index) != 0);
  }
  if (aidreg_tile_for_entry(b, n, &h) == 0) {
    ASSERT(b < n && h.entries && h.index == b / AIDREG_TILE_WIDTH);
    ASSERT(aidreg_bundle_width_at(n, h.index) == h.width);
  }
  (void)aidreg_tile_levels(n);
  return 0;
}
