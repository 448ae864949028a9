/* The registry's ledger map and read replica (docs/scale.md) against the test database:
 * a registry with a map and no default serves the mapped county only (creation, submission
 * and reads of any other are unknown-ledger, and nothing is stored); a map that names a
 * county twice or a bad code is refused before any database is touched; a registry whose
 * reads come from a "replica" (here the same database) asks the primary before it says
 * "retry" for a size it lacks, so that a size nobody has is still NOT_FOUND. */
#include <sodium.h>
#include <stdlib.h>
#include <time.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/note.h"
#include "aidreg/registry.h"
#include "registry_env.h"
#include "test.h"

static aidreg_keypair log_key, root;

/* A self-signed ledger.create for code (origin test.aidreg/<code>). */
static json_t *create_envelope(const char *code) {
  char now[40], payload[1024], rid[45];
  aidreg_key_id(root.pk, rid);
  aidreg_rfc3339_format((int64_t)time(NULL), 0, now, sizeof now);
  int n = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"test.aidreg/%s\",\"type\":\"ledger.create\",\"subject\":\"%s\",\"time\":\"%s\","
                   "\"body\":{\"code\":\"%s\",\"name\":\"测试县\",\"root_key\":\"%s\",\"settings\":{}}}",
                   code, code, now, code, rid);
  aidreg_envelope env;
  if (aidreg_envelope_sign((const uint8_t *)payload, (size_t)n, &root, 1, &env)) return NULL;
  size_t len;
  char *text = aidreg_envelope_serialize(&env, &len);
  aidreg_envelope_free(&env);
  json_t *j = json_loadb(text, len, 0, NULL);
  free(text);
  return j;
}

static aidreg_registry *open_with(const char *url, const char *read_url, const aidreg_ledger_route *routes,
                                  size_t n, char *err, size_t cap) {
  aidreg_registry_config cfg = {.database_url = url, .owner_database_url = url ? getenv("AIDREG_OWNER_DATABASE_URL") : NULL,
                                .read_database_url = read_url, .routes = routes, .nroutes = n,
                                .log_host = "test.aidreg", .log_key = &log_key, .pool_size = 2};
  return aidreg_registry_open(&cfg, err, cap);
}

static bool listed(aidreg_registry *r, const char *code) {
  json_t *out = NULL;
  aidreg_problem p;
  if (aidreg_registry_ledgers(r, &out, &p)) return false;
  bool found = false;
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(out, "ledgers"), i, l) found |= strcmp(json_string_value(json_object_get(l, "code")), code) == 0;
  json_decref(out);
  return found;
}

int main(void) {
  test_require_database();
  if (sodium_init() < 0) return 1;
  const char *url = getenv("AIDREG_DATABASE_URL"), *owner = getenv("AIDREG_OWNER_DATABASE_URL");
  aidreg_key_generate(&log_key);
  aidreg_key_generate(&root);
  char mapped[8], outside[8], err[512];
  unsigned n = randombytes_uniform(50000);
  snprintf(mapped, sizeof mapped, "93%04u", n % 10000);
  snprintf(outside, sizeof outside, "94%04u", n % 10000);

  /* A map checked whole: a county twice, a code that is not one, a line without a URL. */
  aidreg_ledger_route twice[2] = {{mapped, url, owner, NULL}, {mapped, url, owner, NULL}};
  CHECK(open_with(NULL, NULL, twice, 2, err, sizeof err) == NULL);
  CHECK(strstr(err, "mapped twice") != NULL);
  aidreg_ledger_route badcode[1] = {{"93x001", url, owner, NULL}};
  CHECK(open_with(NULL, NULL, badcode, 1, err, sizeof err) == NULL);
  CHECK(strstr(err, "6-digit") != NULL);
  aidreg_ledger_route nourl[1] = {{mapped, NULL, NULL, NULL}};
  CHECK(open_with(NULL, NULL, nourl, 1, err, sizeof err) == NULL);
  CHECK(open_with(NULL, NULL, NULL, 0, err, sizeof err) == NULL);

  /* The map alone: the mapped county is served, the other refused and never stored. */
  aidreg_ledger_route one[1] = {{mapped, url, owner, NULL}};
  aidreg_registry *r = open_with(NULL, NULL, one, 1, err, sizeof err);
  CHECK_MSG(r != NULL, "open: %s", err);
  if (!r) return test_done();
  aidreg_problem p = {0};
  CHECK(aidreg_registry_serves(r, mapped, &p));
  CHECK(!aidreg_registry_serves(r, outside, &p) && p.code == AIDREG_E_UNKNOWN_LEDGER);
  CHECK(strstr(p.detail, "ledger map") != NULL);
  aidreg_result res;
  char *vkey = NULL;
  json_t *env = create_envelope(outside);
  aidreg_registry_create_ledger(r, env, &res, &vkey);
  json_decref(env);
  CHECK(res.status == 404 && res.problem.code == AIDREG_E_UNKNOWN_LEDGER && vkey == NULL);
  aidreg_result_free(&res);
  const json_t *none[1] = {json_object()};
  aidreg_registry_submit(r, outside, none, 1, "", &res);
  CHECK(res.problem.code == AIDREG_E_UNKNOWN_LEDGER);
  json_decref((json_t *)none[0]);
  char *note = NULL;
  CHECK(aidreg_registry_checkpoint(r, outside, &note, &p) != 0 && p.code == AIDREG_E_UNKNOWN_LEDGER);
  env = create_envelope(mapped);
  aidreg_registry_create_ledger(r, env, &res, &vkey);
  json_decref(env);
  CHECK_MSG(res.status == 201, "create %s: %d %s", mapped, res.status, res.problem.detail);
  free(vkey);
  aidreg_result_free(&res);
  CHECK(listed(r, mapped));
  /* A primary's log smaller than min_size: that tree does not exist. */
  CHECK(aidreg_registry_checkpoint_min(r, mapped, 1, &note, &p) == 0);
  free(note);
  note = NULL;
  CHECK(aidreg_registry_checkpoint_min(r, mapped, 2, &note, &p) != 0 && p.code == AIDREG_E_NOT_FOUND && !note);
  aidreg_registry_close(r);

  /* The same database as default: the outside county was stored nowhere; the ledger list of a
   * map-only registry holds no county of the default's. */
  r = open_with(url, NULL, NULL, 0, err, sizeof err);
  CHECK_MSG(r != NULL, "open: %s", err);
  if (!r) return test_done();
  CHECK(!listed(r, outside));
  CHECK(listed(r, mapped));
  aidreg_registry_close(r);

  /* Reads from a "replica" that is the primary itself: a size the copy lacks is looked up on
   * the primary, which lacks it too, so the answers are the primary's (the e2e test
   * test_replica.py pauses a real replica for the "retry" side). */
  r = open_with(url, url, NULL, 0, err, sizeof err);
  CHECK_MSG(r != NULL, "open: %s", err);
  if (!r) return test_done();
  CHECK(aidreg_registry_checkpoint_min(r, mapped, 2, &note, &p) != 0 && p.code == AIDREG_E_NOT_FOUND && !note);
  json_t *out = NULL;
  CHECK(aidreg_registry_entry(r, mapped, 5, &out, &p) != 0 && p.code == AIDREG_E_NOT_FOUND && !out);
  CHECK(aidreg_registry_consistency(r, mapped, 1, 9, &out, &p) != 0 && p.code == AIDREG_E_INVALID_QUERY && !out);
  CHECK(aidreg_registry_inclusion(r, mapped, true, 0, NULL, 3, &out, &p) != 0 && p.code == AIDREG_E_INVALID_QUERY);
  CHECK(aidreg_registry_consistency(r, mapped, 0, 1, &out, &p) != 0 && p.code == AIDREG_E_INVALID_QUERY);
  CHECK(aidreg_registry_checkpoint_min(r, mapped, 1, &note, &p) == 0 && note);
  free(note);
  /* A county neither copy has is unknown, not "retry". */
  CHECK(aidreg_registry_checkpoint(r, outside, &note, &p) != 0 && p.code == AIDREG_E_UNKNOWN_LEDGER);
  CHECK(aidreg_registry_healthy(r));
  aidreg_registry_close(r);
  return test_done();
}
