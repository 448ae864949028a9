#ifndef AIDREG_TEST_REGISTRY_ENV_H
#define AIDREG_TEST_REGISTRY_ENV_H
/* Integration tests open the registry on the test database that the environment names
 * (tools/dev.sh test sets AIDREG_DATABASE_URL and AIDREG_OWNER_DATABASE_URL). */
#include <stdlib.h>

#include "aidreg/keys.h"
#include "aidreg/registry.h"
#include "test.h"

/* CTest's SKIP_RETURN_CODE for the integration tests (tests/CMakeLists.txt). */
#define TEST_SKIP 77

/* Ends the process with TEST_SKIP, saying why, when the environment names no test database
 * (AIDREG_DATABASE_URL and AIDREG_ADMIN_DATABASE_URL): without PostgreSQL the integration
 * tests are skipped rather than failed or passed. */
void test_require_database(void);

/* A registry with a fresh log key in *log_key; NULL (and a failed check) when the
 * database is not named or cannot be opened. */
aidreg_registry *test_registry_open(aidreg_keypair *log_key);

/* A signed envelope (as a JSON object, new reference; NULL on failure) of an event of
 * ledger `origin`, timed now, signed by k. */
json_t *test_envelope(const char *origin, const aidreg_keypair *k, const char *type, const char *subject,
                      const char *body);

#endif
