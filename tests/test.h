#ifndef AIDREG_TEST_H
#define AIDREG_TEST_H
/* A minimal test harness: CHECK records a failure and goes on; the test's main ends
 * with `return test_done();`, which prints a summary and fails if anything failed. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Shared with the helper library (tests/support), whose checks count in the same totals. */
extern int test_checks, test_failures;

#define CHECK(cond)                                                                 \
  do {                                                                              \
    test_checks++;                                                                  \
    if (!(cond)) {                                                                  \
      test_failures++;                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
    }                                                                               \
  } while (0)

#define CHECK_MSG(cond, ...)                                                        \
  do {                                                                              \
    test_checks++;                                                                  \
    if (!(cond)) {                                                                  \
      test_failures++;                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);     \
      fprintf(stderr, __VA_ARGS__);                                                 \
      fputc('\n', stderr);                                                          \
    }                                                                               \
  } while (0)

#define CHECK_STR(a, b)                                                             \
  do {                                                                              \
    const char *test_a_ = (a), *test_b_ = (b);                                      \
    CHECK_MSG(test_a_ && test_b_ && strcmp(test_a_, test_b_) == 0, "\"%s\" != \"%s\"", \
              test_a_ ? test_a_ : "(null)", test_b_ ? test_b_ : "(null)");          \
  } while (0)

int test_done(void);
/* a then b, malloc'd (aborts when memory runs out). */
char *test_cat(const char *a, const char *b);
/* The bytes of the file at path, malloc'd with a NUL after them, their count in *len; NULL
 * when it cannot be read. */
uint8_t *test_slurp(const char *path, size_t *len);

#endif
