/* The counters and summary of test.h. */
#include "test.h"

#include <stdio.h>

int test_checks, test_failures;

int test_done(void) {
  fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);
  return (test_failures || test_checks == 0) ? 1 : 0;
}
