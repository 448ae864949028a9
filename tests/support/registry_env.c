/* The integration tests' registry on the test database (registry_env.h). */
#include "registry_env.h"

#include <stdio.h>
#include <stdlib.h>

void test_require_database(void) {
  static const char *const vars[] = {"AIDREG_DATABASE_URL", "AIDREG_ADMIN_DATABASE_URL"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    const char *v = getenv(vars[i]);
    if (!v || !*v) {
      fprintf(stderr, "skipped: %s is not set (tools/dev.sh test or the CTest cluster fixture sets it)\n", vars[i]);
      exit(TEST_SKIP);
    }
  }
}

aidreg_registry *test_registry_open(aidreg_keypair *log_key) {
  const char *url = getenv("AIDREG_DATABASE_URL"), *owner = getenv("AIDREG_OWNER_DATABASE_URL");
  CHECK_MSG(url != NULL, "AIDREG_DATABASE_URL must name the test database (tools/dev.sh test sets it)");
  if (!url) return NULL;
  aidreg_key_generate(log_key);
  aidreg_registry_config cfg = {.database_url = url, .owner_database_url = owner, .log_host = "test.aidreg",
                                .log_key = log_key, .pool_size = 4};
  char err[512];
  aidreg_registry *r = aidreg_registry_open(&cfg, err, sizeof err);
  CHECK_MSG(r != NULL, "open: %s", err);
  return r;
}
