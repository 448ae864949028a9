/* place.register (区划) through the judge over memory: who may name places, a village
 * needs its township, renames keep the old names, merged places name a registered one,
 * a correction cannot take away a township its villages need, and every refusal changes
 * nothing. The accepted entries replayed give the same state. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "rules/domain.h"
#include "rules/judge.h"
#include "test.h"

#define COUNTY "522731"
#define ORIGIN "test.aidreg/522731"
#define TOWN COUNTY "100"
#define VILLAGE TOWN "201"

static aidreg_key_state keys[3]; /* root (county), county, village */
enum { ROOT, COUNTY_KEY, VILLAGE_KEY };

static int kv_lookup(void *c, const char *keyid, aidreg_key_state *out) {
  (void)c;
  for (size_t i = 0; i < 3; i++)
    if (strcmp(keys[i].keyid, keyid) == 0) return *out = keys[i], 1;
  return 0;
}
static int kv_count(void *c, const char *except) {
  (void)c, (void)except;
  return 1;
}
static aidreg_keyview kv = {kv_lookup, kv_count, NULL};

typedef struct {
  char *payload;
  size_t len;
  int who;
} kept;
static kept accepted[64];
static size_t naccepted;

static int count_changes(void *c, const char *kind, const char *id, const json_t *doc, uint64_t u) {
  (void)kind, (void)id, (void)doc, (void)u;
  (*(int *)c)++;
  return 0;
}

/* Judges one payload signed (by key id only) by keys[who] at index; ref gets its hex. */
static aidreg_code judge(domain_batch *d, const char *payload, int who, uint64_t index, char ref[65],
                         aidreg_problem *p) {
  aidreg_event ev;
  if (aidreg_event_parse((const uint8_t *)payload, strlen(payload), &ev, p)) return p->code;
  if (ref) aidreg_hex_encode(ev.payload_sha256, 32, ref);
  aidreg_envelope env;
  memset(&env, 0, sizeof env);
  env.nsig = 1;
  snprintf(env.sigs[0].keyid, sizeof env.sigs[0].keyid, "%s", keys[who].keyid);
  judge_input in = {.county = COUNTY, .position = index, .signatures_verified = true, .latest_time = INT64_MAX,
                    .keys = &kv, .state = d};
  judge_result r;
  aidreg_code got = ar_judge_entry(&in, &env, &ev, &r) == JUDGE_ACCEPT ? AIDREG_OK : r.problem.code;
  *p = r.problem;
  aidreg_event_free(&ev);
  return got;
}

static char *event(const char *type, const char *subject, const char *date, const char *body) {
  char *out = malloc(strlen(body) + 512);
  sprintf(out, "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%sT04:00:00Z\",\"body\":%s}", ORIGIN,
          type, subject, date, body);
  return out;
}

static domain_memstore *mem;
static uint64_t next_index;

/* One step in its own batch: the expected outcome, and for a refusal no change at all. */
static void step(const char *what, int who, const char *type, const char *subject, const char *body,
                 aidreg_code want, char ref[65]) {
  char *pl = event(type, subject, "2024-03-01", body);
  domain_store st = ar_domain_memstore_store(mem);
  domain_batch *d = ar_domain_begin(&st, COUNTY);
  aidreg_problem p = {0};
  aidreg_code got = judge(d, pl, who, next_index, ref, &p);
  CHECK_MSG(got == want, "%s: got %s, want %s (%s %s)", what, got ? aidreg_problem_slug(got) : "ok",
            want ? aidreg_problem_slug(want) : "ok", p.field, p.detail);
  if (got == AIDREG_OK) {
    CHECK(ar_domain_memstore_commit(mem, d) == 0);
    accepted[naccepted++] = (kept){pl, strlen(pl), who};
    next_index++;
  } else {
    int changed = 0;
    ar_domain_changes(d, count_changes, &changed);
    CHECK_MSG(changed == 0, "%s: a refusal changed %d documents", what, changed);
    CHECK_MSG(strstr(p.detail, " / ") != NULL || aidreg_problem_status(got) != 422, "%s: detail not bilingual: %s",
              what, p.detail);
    free(pl);
  }
  ar_domain_end(d);
}

static const json_t *place(const char *code) { return ar_domain_memstore_get(mem, "place", code); }

static int same_doc(void *ctx, const char *kind, const char *id, const json_t *doc, uint64_t u) {
  (void)u;
  const json_t *other = ar_domain_memstore_get(ctx, kind, id);
  CHECK_MSG(other && json_equal(other, doc), "replay differs at %s/%s", kind, id);
  return 0;
}

int main(void) {
  if (sodium_init() < 0) return 1;
  const char *scope[3] = {COUNTY, COUNTY, VILLAGE};
  for (int i = 0; i < 3; i++) {
    aidreg_keypair kp;
    aidreg_key_generate(&kp);
    aidreg_key_id(kp.pk, keys[i].keyid);
    aidreg_key_wipe(&kp);
    keys[i].role = i == VILLAGE_KEY ? AIDREG_ROLE_VILLAGE : AIDREG_ROLE_COUNTY;
    keys[i].is_root = i == ROOT;
    snprintf(keys[i].scope, sizeof keys[i].scope, "%s", scope[i]);
  }
  mem = ar_domain_memstore_new();
  char create[512], ref_town[65], ref_rename[65], ref_village[65], ref_other[65];
  snprintf(create, sizeof create,
           "{\"code\":\"%s\",\"name\":\"惠水县\",\"root_key\":\"%s\",\"settings\":{}}", COUNTY, keys[ROOT].keyid);
  step("ledger.create", ROOT, "ledger.create", COUNTY, create, AIDREG_OK, NULL);

  /* Refusals before anything is named. */
  step("village before its township", COUNTY_KEY, "place.register", VILLAGE, "{\"name\":\"新联村\"}",
       AIDREG_E_TOWNSHIP_UNKNOWN, NULL);
  step("a village key names places", VILLAGE_KEY, "place.register", VILLAGE, "{\"name\":\"新联村\"}",
       AIDREG_E_ROLE_NOT_ALLOWED, NULL);
  step("the county code is no place", COUNTY_KEY, "place.register", COUNTY, "{\"name\":\"惠水县\"}",
       AIDREG_E_INVALID_FIELD, NULL);
  step("a code of another county", COUNTY_KEY, "place.register", "520102100", "{\"name\":\"别处\"}",
       AIDREG_E_OUT_OF_SCOPE, NULL);
  step("a blank name", COUNTY_KEY, "place.register", TOWN, "{\"name\":\"  \"}", AIDREG_E_INVALID_FIELD, NULL);
  step("an unknown member", COUNTY_KEY, "place.register", TOWN, "{\"name\":\"好花红镇\",\"colour\":1}",
       AIDREG_E_UNKNOWN_FIELD, NULL);
  step("since after signing", COUNTY_KEY, "place.register", TOWN, "{\"name\":\"好花红镇\",\"since\":\"2030-01-01\"}",
       AIDREG_E_DATE_AFTER_SIGNING, NULL);
  CHECK(place(TOWN) == NULL);

  /* The township, then its village. */
  step("township", COUNTY_KEY, "place.register", TOWN, "{\"name\":\"好花红镇\",\"since\":\"2015-01-01\"}", AIDREG_OK,
       ref_town);
  CHECK_STR(json_string_value(json_object_get(place(TOWN), "name")), "好花红镇");
  CHECK_STR(json_string_value(json_object_get(place(TOWN), "level")), "township");
  step("village", COUNTY_KEY, "place.register", VILLAGE, "{\"name\":\"新联村\"}", AIDREG_OK, ref_village);
  CHECK(json_integer_value(json_object_get(place(TOWN), "villages")) == 1);
  CHECK_STR(json_string_value(json_object_get(place(VILLAGE), "township")), TOWN);

  /* A rename keeps the history of names. */
  step("rename", COUNTY_KEY, "place.register", TOWN, "{\"name\":\"好花红镇（新）\"}", AIDREG_OK, ref_rename);
  CHECK_STR(json_string_value(json_object_get(place(TOWN), "name")), "好花红镇（新）");
  CHECK(json_array_size(json_object_get(place(TOWN), "names")) == 2);
  CHECK(json_integer_value(json_object_get(place(TOWN), "villages")) == 1);

  /* Merges name a registered place of the same level. */
  step("merged into nothing", COUNTY_KEY, "place.register", COUNTY "200", "{\"name\":\"断杉镇\",\"merged_into\":\"" COUNTY "999\"}",
       AIDREG_E_PLACE_UNKNOWN, NULL);
  step("merged into a village", COUNTY_KEY, "place.register", COUNTY "200", "{\"name\":\"断杉镇\",\"merged_into\":\"" VILLAGE "\"}",
       AIDREG_E_PLACE_UNKNOWN, NULL);
  step("merged", COUNTY_KEY, "place.register", COUNTY "200", "{\"name\":\"断杉镇\",\"merged_into\":\"" TOWN "\"}",
       AIDREG_OK, ref_other);
  CHECK_STR(json_string_value(json_object_get(place(COUNTY "200"), "merged_into")), TOWN);

  /* A place's code is not a project's. */
  step("project on a township code", COUNTY_KEY, "project.register", TOWN,
       "{\"name\":\"x\",\"type\":\"industry\",\"year\":2024,\"funding_lines\":[{\"channel\":\"a\",\"year\":2024,"
       "\"amount_fen\":1}],\"locations\":[\"" VILLAGE "\"],\"industry_dept\":\"a\",\"implementing_unit\":\"b\"}",
       AIDREG_E_ALREADY_REGISTERED, NULL);

  /* Corrections: the township its village needs stays; the village may go, then the
   * township; a village key may not correct the county's entry. */
  char body[256];
  snprintf(body, sizeof body, "{\"corrects\":\"%s\",\"reason\":\"录入错误\"}", ref_village);
  step("village key corrects the county's entry", VILLAGE_KEY, "correction", VILLAGE, body, AIDREG_E_ROLE_NOT_ALLOWED,
       NULL);
  snprintf(body, sizeof body, "{\"corrects\":\"%s\",\"reason\":\"改名撤回\"}", ref_rename);
  step("rename reversed", COUNTY_KEY, "correction", TOWN, body, AIDREG_OK, NULL);
  CHECK_STR(json_string_value(json_object_get(place(TOWN), "name")), "好花红镇");
  CHECK(json_integer_value(json_object_get(place(TOWN), "villages")) == 1);
  snprintf(body, sizeof body, "{\"corrects\":\"%s\",\"reason\":\"录入错误\"}", ref_town);
  step("township its village needs", COUNTY_KEY, "correction", TOWN, body, AIDREG_E_CORRECTION_BREAKS, NULL);
  CHECK(place(TOWN) != NULL);
  snprintf(body, sizeof body,
           "{\"corrects\":\"%s\",\"reason\":\"名称有误\",\"body\":{\"name\":\"新联村委会\"}}", ref_village);
  step("village renamed by correction", COUNTY_KEY, "correction", VILLAGE, body, AIDREG_OK, ref_village);
  CHECK_STR(json_string_value(json_object_get(place(VILLAGE), "name")), "新联村委会");
  CHECK(json_integer_value(json_object_get(place(TOWN), "villages")) == 1);
  snprintf(body, sizeof body, "{\"corrects\":\"%s\",\"reason\":\"重复登记\"}", ref_village);
  step("village reversed", COUNTY_KEY, "correction", VILLAGE, body, AIDREG_OK, NULL);
  CHECK(place(VILLAGE) == NULL);
  CHECK(json_integer_value(json_object_get(place(TOWN), "villages")) == 0);

  /* Replaying the accepted entries in one batch gives the same state. */
  domain_memstore *again = ar_domain_memstore_new();
  domain_store st = ar_domain_memstore_store(again);
  domain_batch *d = ar_domain_begin(&st, COUNTY);
  for (size_t i = 0; i < naccepted; i++) {
    aidreg_problem p;
    aidreg_code got = judge(d, accepted[i].payload, accepted[i].who, i, NULL, &p);
    CHECK_MSG(got == AIDREG_OK, "replay of entry %zu: %s %s", i, aidreg_problem_slug(got), p.detail);
  }
  CHECK(ar_domain_memstore_commit(again, d) == 0);
  ar_domain_end(d);
  ar_domain_memstore_each(mem, same_doc, again);
  ar_domain_memstore_each(again, same_doc, mem);

  ar_domain_memstore_free(again);
  ar_domain_memstore_free(mem);
  for (size_t i = 0; i < naccepted; i++) free(accepted[i].payload);
  return test_done();
}
