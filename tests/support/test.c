/* The counters and summary of test.h. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int test_checks, test_failures;

int test_done(void) {
  fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);
  return (test_failures || test_checks == 0) ? 1 : 0;
}

char *test_cat(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 1;
  char *s = malloc(n);
  if (!s) abort();
  snprintf(s, n, "%s%s", a, b);
  return s;
}

uint8_t *test_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *b = NULL;
  long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n + 1)) != NULL) {
    if (fread(b, 1, (size_t)n, f) == (size_t)n) {
      b[n] = 0;
      *len = (size_t)n;
    } else {
      free(b);
      b = NULL;
    }
  }
  fclose(f);
  return b;
}
