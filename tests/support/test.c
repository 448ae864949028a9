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
