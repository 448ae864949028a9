/* The proofs' and tiles' cache (registry/store/log_cache.c): a node is found only under
 * its own ledger, level and index; a newer node in its slot replaces it (never a wrong
 * hash); the largest size seen only grows; entry tiles stay within their byte budget,
 * the least recently used leaving first; codes it cannot hold are not kept. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/log_cache.h"
#include "test.h"

static void hash_of(unsigned level, uint64_t index, const char *code, uint8_t out[32]) {
  memset(out, 0, 32);
  out[0] = (uint8_t)level;
  memcpy(out + 1, &index, sizeof index);
  memcpy(out + 16, code, strlen(code) < 16 ? strlen(code) : 16);
}

static bool find(ar_log_cache *c, const char *code, unsigned level, uint64_t index, uint8_t out[32]) {
  bool found = false;
  uint8_t h[1][32];
  ar_log_cache_nodes(c, code, 1, &level, &index, h, &found);
  if (found) memcpy(out, h[0], 32);
  return found;
}

static void test_sizes(void) {
  ar_log_cache *c = ar_log_cache_new(16, 0);
  CHECK(c != NULL);
  CHECK(ar_log_cache_known_size(c, "529900") == 0);
  ar_log_cache_saw_size(c, "529900", 10);
  ar_log_cache_saw_size(c, "529900", 7); /* an older read (a replica behind): not a shrink */
  CHECK(ar_log_cache_known_size(c, "529900") == 10);
  ar_log_cache_saw_size(c, "529900", 12);
  CHECK(ar_log_cache_known_size(c, "529900") == 12);
  CHECK(ar_log_cache_known_size(c, "529901") == 0);
  ar_log_cache_saw_size(c, "123456789", 5); /* too long to keep */
  CHECK(ar_log_cache_known_size(c, "123456789") == 0);
  ar_log_cache_saw_size(c, "", 5);
  CHECK(ar_log_cache_known_size(c, "") == 0);
  CHECK(ar_log_cache_known_size(NULL, "529900") == 0);
  ar_log_cache_free(c);
}

static void test_nodes(void) {
  ar_log_cache *c = ar_log_cache_new(1000, 0); /* 512 slots */
  uint8_t h[32], want[32];
  CHECK(!find(c, "529900", 0, 0, h));
  /* An empty slot is no node, whatever is asked (zero level, index and hash). */
  CHECK(!find(c, "", 0, 0, h));
  /* A whole small tree: 200 leaves and their perfect nodes above, none lost. */
  for (unsigned level = 0; level < 8; level++)
    for (uint64_t i = 0; i < (200u >> level); i++) {
      hash_of(level, i, "529900", want);
      ar_log_cache_put_nodes(c, "529900", 1, &level, &i, (const uint8_t(*)[32])want);
    }
  bool all = true;
  for (unsigned level = 0; level < 8; level++)
    for (uint64_t i = 0; i < (200u >> level); i++) {
      hash_of(level, i, "529900", want);
      all = all && find(c, "529900", level, i, h) && memcmp(h, want, 32) == 0;
    }
  CHECK(all);
  CHECK(!find(c, "529900", 0, 200, h));
  CHECK(!find(c, "529900", 8, 0, h));
  CHECK(!find(c, "529901", 0, 5, h)); /* another ledger's */
  /* Past its region a level wraps: the newer node takes the slot, the older is a miss. */
  unsigned zero = 0;
  uint64_t far = 5 + 512;
  hash_of(0, far, "529900", want);
  ar_log_cache_put_nodes(c, "529900", 1, &zero, &far, (const uint8_t(*)[32])want);
  CHECK(find(c, "529900", 0, far, h) && memcmp(h, want, 32) == 0);
  CHECK(!find(c, "529900", 0, 5, h));
  /* A run: all or nothing. */
  uint8_t run[4][32], got[4][32];
  for (int i = 0; i < 4; i++) hash_of(8, 1000 + (uint64_t)i, "529902", run[i]);
  CHECK(!ar_log_cache_run(c, "529902", 8, 1000, 4, got));
  ar_log_cache_put_run(c, "529902", 8, 1000, 3, (const uint8_t(*)[32])run);
  CHECK(!ar_log_cache_run(c, "529902", 8, 1000, 4, got));
  ar_log_cache_put_run(c, "529902", 8, 1000, 4, (const uint8_t(*)[32])run);
  CHECK(ar_log_cache_run(c, "529902", 8, 1000, 4, got) && memcmp(got, run, sizeof run) == 0);
  /* Several at once: the count and which. */
  unsigned lv[3] = {8, 8, 0};
  uint64_t ix[3] = {1001, 999, 0};
  uint8_t hs[3][32];
  bool found[3];
  CHECK(ar_log_cache_nodes(c, "529902", 3, lv, ix, hs, found) == 1);
  CHECK(found[0] && !found[1] && !found[2] && memcmp(hs[0], run[1], 32) == 0);
  ar_log_cache_free(c);
  /* No slots: nothing kept, nothing found. */
  c = ar_log_cache_new(0, 0);
  hash_of(0, 1, "529900", want);
  unsigned l0 = 0;
  uint64_t i1 = 1;
  ar_log_cache_put_nodes(c, "529900", 1, &l0, &i1, (const uint8_t(*)[32])want);
  CHECK(!find(c, "529900", 0, 1, h));
  ar_log_cache_free(c);
}

static void test_tiles(void) {
  ar_log_cache *c = ar_log_cache_new(0, 3000);
  uint8_t a[1000], b[1000], d[1000], big[4000], *out = NULL;
  size_t len = 0;
  memset(a, 'a', sizeof a), memset(b, 'b', sizeof b), memset(d, 'd', sizeof d), memset(big, 'x', sizeof big);
  CHECK(!ar_log_cache_tile(c, "529900", 0, &out, &len));
  ar_log_cache_put_tile(c, "529900", 0, a, sizeof a);
  ar_log_cache_put_tile(c, "529900", 1, b, sizeof b);
  ar_log_cache_put_tile(c, "529901", 0, d, sizeof d);
  CHECK(ar_log_cache_tile(c, "529900", 0, &out, &len) && len == sizeof a && memcmp(out, a, len) == 0);
  free(out);
  CHECK(ar_log_cache_tile(c, "529901", 0, &out, &len) && len == sizeof d && memcmp(out, d, len) == 0);
  free(out);
  /* A fourth over the budget: the least recently used (529900/1) leaves. */
  ar_log_cache_put_tile(c, "529902", 7, a, sizeof a);
  CHECK(!ar_log_cache_tile(c, "529900", 1, &out, &len));
  CHECK(ar_log_cache_tile(c, "529900", 0, &out, &len) && memcmp(out, a, len) == 0);
  free(out);
  CHECK(ar_log_cache_tile(c, "529902", 7, &out, &len) && memcmp(out, a, len) == 0);
  free(out);
  /* Kept twice: the first copy stays. One larger than the budget is not kept. */
  ar_log_cache_put_tile(c, "529902", 7, b, sizeof b);
  CHECK(ar_log_cache_tile(c, "529902", 7, &out, &len) && memcmp(out, a, len) == 0);
  free(out);
  ar_log_cache_put_tile(c, "529903", 0, big, sizeof big);
  CHECK(!ar_log_cache_tile(c, "529903", 0, &out, &len));
  CHECK(ar_log_cache_tile(c, "529901", 0, &out, &len));
  free(out);
  ar_log_cache_free(c);
  /* No budget: none kept. */
  c = ar_log_cache_new(0, 0);
  ar_log_cache_put_tile(c, "529900", 0, a, sizeof a);
  CHECK(!ar_log_cache_tile(c, "529900", 0, &out, &len));
  ar_log_cache_free(c);
}

int main(void) {
  test_sizes();
  test_nodes();
  test_tiles();
  return test_done();
}
