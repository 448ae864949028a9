#ifndef AIDREG_TEST_REGISTRY_ENV_H
#define AIDREG_TEST_REGISTRY_ENV_H
/* Integration tests open the registry on the test database that the environment names
 * (tools/dev.sh test sets AIDREG_DATABASE_URL and AIDREG_OWNER_DATABASE_URL). */
#include <jansson.h>
#include <libpq-fe.h>
#include <stdlib.h>

#include "aidreg/keys.h"
#include "aidreg/note.h"
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

/* A connection as the cluster's superuser (AIDREG_ADMIN_DATABASE_URL), for the tests that
 * look under the registry (statistics, tampering, faults); a failed check when it does not
 * open. The caller PQfinish()es it either way. */
PGconn *test_superuser(void);

/* The one value of sql (one row, one column, an integer) with arg as $1 when not NULL, on c;
 * -1 (and the error on stderr) when it does not run or gives no single row. */
long long test_scalar(PGconn *c, const char *sql, const char *arg);
/* Runs sql (statements without results) on c: true when it did, else false with the error on stderr. */
bool test_run_sql(PGconn *c, const char *sql);

/* The envelope of {"ledger":origin,"type","subject","time":now,"body":body (JSON text)}
 * signed by k, as JSON (new reference); NULL on failure. */
json_t *test_envelope(const aidreg_keypair *k, const char *origin, const char *type, const char *subject,
                      const char *body);

/* Whether rc proves itself: its checkpoint opens with verifier and its leaf is included
 * under that checkpoint's root. */
bool test_receipt_ok(const aidreg_receipt *rc, const aidreg_note_verifier *verifier);

/* Creates in reg a ledger of a random code starting with first (into code), named name, with
 * a new root key (into *root); origin gets "test.aidreg/<code>" and *verifier the log's note
 * verifier for log_key. 0 when the ledger was created (201); else a failed check. */
int test_ledger_new(aidreg_registry *reg, const aidreg_keypair *log_key, char first, const char *name,
                    aidreg_keypair *root, char code[8], char origin[64], aidreg_note_verifier *verifier);

/* A key.enroll of a new county key for code (into *k and its id into kid), signed by root,
 * holder name "县科员" with suffix (may be ""); NULL on failure (a failed check). */
json_t *test_county_key_enroll(const aidreg_keypair *root, const char *origin, const char *code, const char *suffix,
                               aidreg_keypair *k, char kid[45]);

/* The start the append tests share: test_require_database, libsodium, a registry (its log
 * key into *log_key), the superuser's connection into *admin (test_superuser) and a ledger
 * (test_ledger_new). The registry, or NULL after a failed check: then return test_done(). */
aidreg_registry *test_county_open(char first, const char *name, aidreg_keypair *log_key, aidreg_keypair *root,
                                  char code[8], char origin[64], aidreg_note_verifier *verifier, PGconn **admin);

#endif
