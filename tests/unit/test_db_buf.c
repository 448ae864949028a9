/* The text the store sends PostgreSQL for its parameter arrays and COPY rows
 * (store/db.h): an array element quoted with `"` and `\` escaped, a COPY field with
 * `\`, tab, newline and carriage return escaped; everything else, UTF-8 included, as it is. */
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "test.h"

static void want_elem(const char *in, const char *out) {
  db_buf b = {0};
  CHECK(ar_db_buf_add_array_elem(&b, in) == 0);
  CHECK_MSG(b.data && strcmp(b.data, out) == 0, "element of [%s]: [%s], want [%s]", in, b.data ? b.data : "", out);
  ar_db_buf_free(&b);
}

static void want_copy(const char *in, const char *out) {
  db_buf b = {0};
  CHECK(ar_db_buf_add(&b, "", 0) == 0); /* an empty field is still text */
  CHECK(ar_db_buf_add_copy_text(&b, in) == 0);
  CHECK_MSG(b.data && strcmp(b.data, out) == 0, "COPY text of [%s]: [%s], want [%s]", in, b.data ? b.data : "", out);
  ar_db_buf_free(&b);
}

int main(void) {
  want_elem("", "\"\"");
  want_elem("plain", "\"plain\"");
  want_elem("{\"name\":\"光伏电站\"}", "\"{\\\"name\\\":\\\"光伏电站\\\"}\"");
  want_elem("\"", "\"\\\"\"");
  want_elem("a\\b", "\"a\\\\b\"");
  want_elem("\\\"\\", "\"\\\\\\\"\\\\\"");
  want_copy("", "");
  want_copy("no escapes, 大棚", "no escapes, 大棚");
  want_copy("\ttab\nline\rret\\", "\\ttab\\nline\\rret\\\\");
  want_copy("\\\\", "\\\\\\\\");

  /* A long document: runs longer than the buffer's first reservation, escapes at both ends. */
  size_t n = 100000;
  char *doc = malloc(n + 1), *want = malloc(2 * n + 3);
  CHECK(doc && want);
  if (doc && want) {
    size_t w = 0;
    want[w++] = '"';
    for (size_t i = 0; i < n; i++) {
      doc[i] = i % 997 == 0 ? '"' : (char)('a' + i % 26);
      if (doc[i] == '"') want[w++] = '\\';
      want[w++] = doc[i];
    }
    doc[n] = 0;
    want[w++] = '"';
    want[w] = 0;
    db_buf b = {0};
    CHECK(ar_db_buf_add_array_elem(&b, doc) == 0);
    CHECK(b.data && b.len == w && memcmp(b.data, want, w) == 0);
    ar_db_buf_free(&b);
  }
  free(doc);
  free(want);
  return test_done();
}
