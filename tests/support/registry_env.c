/* The integration tests' registry on the test database (registry_env.h). */
#include "registry_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "aidreg/dsse.h"
#include "aidreg/event.h"
#include "aidreg/encoding.h"

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

json_t *test_envelope(const char *origin, const aidreg_keypair *k, const char *type, const char *subject,
                      const char *body) {
  char now[40], payload[4096];
  aidreg_rfc3339_format((int64_t)time(NULL), 0, now, sizeof now);
  int n = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":%s}", origin,
                   type, subject, now, body);
  if (n < 0 || (size_t)n >= sizeof payload) return NULL;
  aidreg_envelope env;
  if (aidreg_envelope_sign((const uint8_t *)payload, (size_t)n, k, 1, &env)) return NULL;
  size_t len;
  char *text = aidreg_envelope_serialize(&env, &len);
  aidreg_envelope_free(&env);
  json_t *j = text ? json_loadb(text, len, 0, NULL) : NULL;
  free(text);
  return j;
}
