/* A parse during which jansson could not allocate is out of memory (INTERNAL), never a
 * verdict on the text: jansson's lexer may report such a failure as a syntax error or,
 * when a string buffer cannot grow, drop bytes and succeed (core/json_strict.c). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/json_strict.h"
#include "core/json_strict_private.h"
#include "test.h"

static long allocations, fail_at;

static void *counted_malloc(size_t n) {
  if (++allocations == fail_at) return NULL;
  return malloc(n);
}

static const char text[] = "{\"ledger\":\"x/530102\",\"type\":\"asset.register\",\"subject\":\"A1\","
                           "\"body\":{\"name\":\"光伏电站\",\"value_fen\":123456}}";

int main(void) {
  aidreg_json_alloc_below(counted_malloc, free);
  aidreg_problem p = {0};
  allocations = 0, fail_at = 0;
  json_t *good = aidreg_json_strict_load((const uint8_t *)text, strlen(text), 0, "payload", &p);
  CHECK(good != NULL);
  long total = allocations;
  CHECK_MSG(total > 3, "a parse allocates (%ld)", total);

  /* The lexer's own buffer comes first: failing it used to read as malformed JSON. Only
   * the first allocation is failed here; failing a later growth of that buffer makes
   * jansson 2.14 read past it, which no caller can survive. */
  allocations = 0, fail_at = 1;
  memset(&p, 0, sizeof p);
  json_t *v = aidreg_json_strict_load((const uint8_t *)text, strlen(text), 0, "payload", &p);
  CHECK(v == NULL);
  CHECK_MSG(p.code == AIDREG_E_INTERNAL, "out of memory is INTERNAL, not %s", aidreg_problem_slug(p.code));

  /* A failed allocation of a value (the last one: the root's last member) also is. */
  allocations = 0, fail_at = total;
  memset(&p, 0, sizeof p);
  v = aidreg_json_strict_load((const uint8_t *)text, strlen(text), 0, "payload", &p);
  CHECK(v == NULL);
  CHECK_MSG(p.code == AIDREG_E_INTERNAL, "out of memory is INTERNAL, not %s", aidreg_problem_slug(p.code));

  /* And with memory, the same text parses as before. */
  allocations = 0, fail_at = 0;
  v = aidreg_json_strict_load((const uint8_t *)text, strlen(text), 0, "payload", &p);
  CHECK(v && json_equal(v, good));
  json_decref(v);
  json_decref(good);
  return test_done();
}
