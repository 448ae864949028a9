/* C2SP tlog-tiles paths: the spec's example, round trips, refusal of every
 * non-canonical spelling, and which tile holds a node. */
#include <stdint.h>

#include "aidreg/tile.h"
#include "test.h"

static void check_index(uint64_t n, const char *want) {
  char buf[64];
  CHECK(aidreg_tile_index_path(n, buf, sizeof buf) == 0);
  CHECK_STR(buf, want);
}

static void test_index_path(void) {
  check_index(1234067, "x001/x234/067");
  check_index(0, "000");
  check_index(5, "005");
  check_index(255, "255");
  check_index(256, "256");
  check_index(999, "999");
  check_index(1000, "x001/000");
  check_index(1000000, "x001/x000/000");
  check_index(UINT64_MAX, "x018/x446/x744/x073/x709/x551/615");
  char buf[16];
  CHECK(aidreg_tile_index_path(1234067, buf, 14) == 0); /* exactly fits */
  CHECK(aidreg_tile_index_path(1234067, buf, 13) == -1);
  CHECK(aidreg_tile_index_path(5, buf, 4) == 0);
  CHECK(aidreg_tile_index_path(5, buf, 3) == -1);
}

static void check_parse(const char *path, int entries, unsigned level, uint64_t index, unsigned width) {
  aidreg_tile_ref t;
  char buf[80];
  CHECK_MSG(aidreg_tile_parse(path, &t) == 0, "%s", path);
  CHECK_MSG(t.entries == entries && t.level == level && t.index == index && t.width == width, "%s", path);
  CHECK(aidreg_tile_format(&t, buf, sizeof buf) == 0);
  CHECK_STR(buf, path);
}

static void test_parse(void) {
  check_parse("tile/0/x001/x234/067.p/8", 0, 0, 1234067, 8);
  check_parse("tile/0/x001/x234/067", 0, 0, 1234067, 256);
  check_parse("tile/entries/005", 1, 0, 5, 256);
  check_parse("tile/entries/000.p/1", 1, 0, 0, 1);
  check_parse("tile/63/255.p/255", 0, 63, 255, 255);
  check_parse("tile/10/x018/x446/x744/x073/x709/x551/615", 0, 10, UINT64_MAX, 256);

  static const char *bad[] = {
      "",
      "tile/",
      "tile/0",
      "tile/0/",
      "tile/0/5",                  /* missing zeros */
      "tile/0/05",
      "tile/0/0005",
      "tile/0/x005",               /* x on the last element */
      "tile/0/x000/005",           /* leading zero group */
      "tile/0/001/234",            /* no x on a leading element */
      "tile/0/x1/234",
      "tile/0/x001/x234/067/",
      "tile/0/x001x234/067",
      "tile/00/005",               /* leading zero in L */
      "tile/01/005",
      "tile/64/005",               /* L > 63 */
      "tile/-1/005",
      "tile/+1/005",
      "tile/a/005",
      "tile/0/005.p/0",
      "tile/0/005.p/256",
      "tile/0/005.p/08",
      "tile/0/005.p/",
      "tile/0/005.p",
      "tile/0/005.p/8/",
      "tile/0/005.p/8x",
      "tile/0/005 ",
      "/tile/0/005",
      "tiles/0/005",
      "tile/entries/",
      "tile/entries/5",
      "tile/entries/x005",
      "tile/data/005",
      "tile/0/x018/x446/x744/x073/x709/x551/616", /* overflows uint64 */
      "tile/0/x100/x000/x000/x000/x000/x000/000",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    aidreg_tile_ref t;
    CHECK_MSG(aidreg_tile_parse(bad[i], &t) == -1, "accepted \"%s\"", bad[i]);
  }
}

static void test_format(void) {
  char buf[64];
  aidreg_tile_ref t = {0, 2, 7, 256};
  CHECK(aidreg_tile_format(&t, buf, sizeof buf) == 0);
  CHECK_STR(buf, "tile/2/007");
  CHECK(aidreg_tile_format(&t, buf, 11) == 0);
  CHECK(aidreg_tile_format(&t, buf, 10) == -1);
  t.width = 3;
  CHECK(aidreg_tile_format(&t, buf, 15) == 0);
  CHECK_STR(buf, "tile/2/007.p/3");
  CHECK(aidreg_tile_format(&t, buf, 14) == -1);
  t.width = 0;
  CHECK(aidreg_tile_format(&t, buf, sizeof buf) == -1);
  t.width = 257;
  CHECK(aidreg_tile_format(&t, buf, sizeof buf) == -1);
  t.width = 256;
  t.level = 64;
  CHECK(aidreg_tile_format(&t, buf, sizeof buf) == -1);
}

static void test_for(void) {
  aidreg_tile_ref t;
  /* The spec's tree of 70,000 leaves: 273 full level-0 tiles, a partial one of 112,
   * a full and a partial (17) level-1 tile, a partial level-2 tile of 1. */
  CHECK(aidreg_tile_for_hash(0, 0, 70000, &t) == 0 && t.level == 0 && t.index == 0 && t.width == 256);
  CHECK(aidreg_tile_for_hash(0, 69999, 70000, &t) == 0 && t.level == 0 && t.index == 273 && t.width == 112);
  CHECK(aidreg_tile_for_hash(0, 70000, 70000, &t) == -1);
  CHECK(aidreg_tile_for_hash(8, 0, 70000, &t) == 0 && t.level == 1 && t.index == 0 && t.width == 256);
  CHECK(aidreg_tile_for_hash(8, 272, 70000, &t) == 0 && t.level == 1 && t.index == 1 && t.width == 17);
  CHECK(aidreg_tile_for_hash(8, 273, 70000, &t) == -1);
  CHECK(aidreg_tile_for_hash(16, 0, 70000, &t) == 0 && t.level == 2 && t.index == 0 && t.width == 1);
  /* a node between tile levels is rehashed from the tile below it */
  CHECK(aidreg_tile_for_hash(3, 100, 70000, &t) == 0 && t.level == 0 && t.index == 3 && t.width == 256);
  CHECK(aidreg_tile_for_hash(4, 4374, 70000, &t) == 0 && t.level == 0 && t.index == 273 && t.width == 112);
  CHECK(aidreg_tile_for_hash(4, 4375, 70000, &t) == -1);
  CHECK(aidreg_tile_for_hash(64, 0, UINT64_MAX, &t) == -1);
  CHECK(aidreg_tile_for_hash(63, 0, UINT64_MAX, &t) == 0 && t.level == 7 && t.index == 0 && t.width == 255);
  /* a tree of 256 leaves: one full level-0 tile and a level-1 tile of width 1 */
  CHECK(aidreg_tile_for_hash(8, 0, 256, &t) == 0 && t.level == 1 && t.width == 1);
  CHECK(aidreg_tile_for_entry(255, 256, &t) == 0 && t.entries && t.index == 0 && t.width == 256);
  CHECK(aidreg_tile_for_entry(256, 256, &t) == -1);
  CHECK(aidreg_tile_for_entry(69999, 70000, &t) == 0 && t.entries && t.index == 273 && t.width == 112);
  char buf[64];
  CHECK(aidreg_tile_format(&t, buf, sizeof buf) == 0);
  CHECK_STR(buf, "tile/entries/273.p/112");
}

int main(void) {
  test_index_path();
  test_parse();
  test_format();
  test_for();
  return test_done();
}
