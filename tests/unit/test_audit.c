/* The audit engine (include/aidreg/audit.h) over ledgers built in memory and replayed
 * through the judge: a county where everything was done properly and on time has no
 * finding; the same county with one planted irregularity per check names each one, with
 * the right check and subject, while the clean asset beside it stays clean; the status
 * follows finding.record / finding.resolve; the result is the same on a second run and
 * ordered as AUDIT.md says; CSV and HTML are written. */
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/audit.h"
#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "test.h"

#define COUNTY "522731"
#define ORIGIN "test.aidreg/522731"
#define TOWN COUNTY "100"
#define VIL TOWN "201"
#define VIL2 TOWN "202"

enum { ROOT, CTY, TWN, VLG, VLG2, AUD, SLEEPY, NKEYS };
static char kid[NKEYS][AIDREG_KEYID_LEN + 1];

typedef struct {
  aidreg_audit *a;
  uint64_t n;
} ledger;

/* Submits one entry (signer's time: noon in Shanghai of date); returns its ref (static). */
static const char *sub(ledger *l, int who, const char *date, const char *type, const char *subject, const char *fmt,
                       ...) __attribute__((format(printf, 6, 7)));
static const char *sub(ledger *l, int who, const char *date, const char *type, const char *subject, const char *fmt,
                       ...) {
  static char ref[65];
  char body[4096], payload[8192], err[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  int n = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%sT12:00:00+08:00\",\"body\":%s}",
                   ORIGIN, type, subject, date, body);
  aidreg_event ev;
  aidreg_problem p;
  aidreg_problem_clear(&p);
  if (aidreg_event_parse((const uint8_t *)payload, (size_t)n, &ev, &p)) {
    CHECK_MSG(0, "%s %s: %s", type, subject, p.detail);
    return "";
  }
  aidreg_envelope env;
  memset(&env, 0, sizeof env);
  env.nsig = 1;
  snprintf(env.sigs[0].keyid, sizeof env.sigs[0].keyid, "%s", kid[who]);
  int rc = aidreg_audit_entry(l->a, l->n, &env, &ev, err, sizeof err);
  CHECK_MSG(rc == 0, "entry %llu %s %s: %s", (unsigned long long)l->n, type, subject, err);
  if (rc == 0) l->n++;
  aidreg_hex_encode(ev.payload_sha256, 32, ref);
  aidreg_event_free(&ev);
  return ref;
}

static void enroll(ledger *l, int k, const char *role, const char *scope, const char *date) {
  sub(l, k == CTY ? ROOT : CTY, date, "key.enroll", kid[k],
      "{\"key\":\"%s\",\"role\":\"%s\",\"scope\":\"%s\",\"holder\":{\"name\":\"n\",\"org\":\"o\"}}", kid[k], role, scope);
}

#define STEPS(d)                                                                                                \
  "[{\"step\":\"proposal\",\"date\":\"" d "\",\"minutes_sha256\":\"" SHA "\"},{\"step\":\"committees\",\"date\":\"" d \
  "\",\"minutes_sha256\":\"" SHA "\"},{\"step\":\"party_members\",\"date\":\"" d "\",\"minutes_sha256\":\"" SHA      \
  "\"},{\"step\":\"villagers_meeting\",\"date\":\"" d "\",\"minutes_sha256\":\"" SHA "\"}]"
#define SHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void project(ledger *l, const char *code, const char *type, long long fen, const char *accepted) {
  sub(l, CTY, accepted, "project.register", code,
      "{\"name\":\"项目%s\",\"type\":\"%s\",\"year\":2023,\"funding_lines\":[{\"channel\":\"衔接资金\",\"year\":2023,"
      "\"amount_fen\":%lld}],\"locations\":[\"" VIL "\"],\"industry_dept\":\"农业农村局\",\"implementing_unit\":\"乡村振兴局\","
      "\"accepted_on\":\"%s\"}",
      code, type, fen, accepted);
}

static void asset(ledger *l, const char *code, const char *project, const char *klass, long long fen,
                  const char *accepted) {
  sub(l, CTY, accepted, "asset.register", code,
      "{\"project\":\"%s\",\"name\":\"资产%s\",\"class\":\"%s\",\"subtype\":\"x\",\"form\":\"fixed\",\"village\":\"" VIL
      "\",\"original_value_fen\":%lld,\"quantity\":1,\"unit\":\"座\",\"completed_on\":\"%s\",\"accepted_on\":\"%s\"}",
      project, code, klass, fen, accepted, accepted);
}

static void rights(ledger *l, const char *code, const char *date, bool cert) {
  sub(l, CTY, date, "asset.rights", code,
      "{\"owners\":[{\"kind\":\"village_collective\",\"id\":\"" VIL "\",\"name\":\"村集体\",\"share_bp\":10000}]%s,"
      "\"confirmed_on\":\"%s\"}",
      cert ? ",\"certificate_no\":\"确-1\"" : "", date);
}
static void handover(ledger *l, const char *code, const char *date) {
  sub(l, TWN, date, "asset.handover", code,
      "{\"from_unit\":\"乡村振兴局\",\"to\":\"" VIL "\",\"handed_over_on\":\"%s\",\"documents_sha256\":[]}", date);
}
static void maintainer(ledger *l, const char *code, const char *person) {
  sub(l, VLG, "2023-04-01", "asset.maintainer", code,
      "{\"body\":\"村委会\",\"person\":\"%s\",\"duties\":\"巡查\",\"fund_source\":\"村集体\",\"from\":\"2023-04-01\"}", person);
}
static void report(ledger *l, const char *code, const char *kind, const char *date, const char *condition) {
  sub(l, VLG, date, "maintenance.report", code,
      "{\"kind\":\"%s\",\"date\":\"%s\",\"condition\":\"%s\",\"cost_fen\":0,\"paid_from\":\"other\",\"note\":\"\","
      "\"photos_sha256\":[]}",
      kind, date, condition);
}
static void count(ledger *l, const char *code, const char *date, bool found) {
  sub(l, VLG, date, "inventory.count", code,
      "{\"date\":\"%s\",\"found\":%s,\"condition\":\"good\",\"note\":\"\",\"photos_sha256\":[]}", date,
      found ? "true" : "false");
}
static void operator_(ledger *l, const char *code, const char *mode, const char *no, const char *start, const char *end,
                      long long agreed) {
  sub(l, VLG, "2023-04-01", "asset.operator", code,
      "{\"mode\":\"%s\",\"operator\":{\"name\":\"合作社\",\"kind\":\"enterprise\"},\"contract\":{\"no\":\"%s\","
      "\"start\":\"%s\",\"end\":\"%s\",\"agreed_return_fen_per_year\":%lld},\"decided_on\":\"2023-04-01\",\"filed_with\":\"乡政府\"}",
      mode, no, start, end, agreed);
}
static const char *income(ledger *l, const char *code, const char *ps, const char *pe, long long gross,
                          const char *received) {
  return sub(l, VLG, received, "income.report", code,
             "{\"period_start\":\"%s\",\"period_end\":\"%s\",\"gross_fen\":%lld,\"costs\":[],\"net_fen\":%lld,"
             "\"payer\":\"合作社\",\"received_on\":\"%s\",\"account\":\"村集体账户\"}",
             ps, pe, gross, gross, received);
}

/* A properly kept asset: owned, certified, handed over, maintained, inspected, counted. */
static void good_asset(ledger *l, const char *code, const char *project, const char *klass, long long fen) {
  asset(l, code, project, klass, fen, "2023-03-01");
  rights(l, code, "2023-03-10", true);
  handover(l, code, "2023-03-20");
  maintainer(l, code, "张三");
  report(l, code, "inspection", "2025-03-01", "good");
  count(l, code, "2025-01-10", true);
}

static void settle_first_income(ledger *l, const char *ref) {
  sub(l, VLG, "2024-05-20", "allocation.plan", "PL-OK",
      "{\"village\":\"" VIL "\",\"year\":2024,\"sources\":[{\"income\":\"%s\",\"amount_fen\":100000}],\"lines\":["
      "{\"purpose\":\"public_jobs\",\"description\":\"护路员\",\"amount_fen\":100000}],\"steps\":" STEPS("2024-05-15") "}",
      ref);
  sub(l, TWN, "2024-05-21", "allocation.review", "PL-OK", "{\"decision\":\"approved\",\"note\":\"\"}");
  sub(l, CTY, "2024-05-22", "allocation.filed", "PL-OK", "{\"note\":\"\"}");
  sub(l, VLG, "2024-05-23", "notice.publish", "PL-OK",
      "{\"kind\":\"allocation\",\"start\":\"2024-05-23\",\"end\":\"2024-05-30\",\"content_sha256\":\"" SHA "\",\"place\":\"公开栏\"}");
  sub(l, VLG, "2024-06-05", "allocation.payout", "PL-OK",
      "{\"line\":0,\"payee\":{\"kind\":\"person\",\"id\":\"P1\",\"name\":\"李四\"},\"amount_fen\":100000,"
      "\"paid_on\":\"2024-06-05\",\"voucher_no\":\"V1\"}");
  sub(l, VLG, "2025-01-15", "notice.publish", VIL,
      "{\"kind\":\"annual\",\"start\":\"2025-01-15\",\"end\":\"2025-01-25\",\"content_sha256\":\"" SHA "\",\"place\":\"公开栏\"}");
}

static json_t *audit(ledger *l, const char *as_of, const char *check) {
  json_t *r = NULL;
  char err[256];
  aidreg_audit_query q = {.as_of = as_of, .check = check, .origin = ORIGIN, .size = l->n, .root = "cm9vdA=="};
  CHECK_MSG(aidreg_audit_report(l->a, &q, &r, err, sizeof err) == 0, "%s", err);
  return r;
}

static const json_t *find(const json_t *r, const char *check, const char *subject) {
  size_t i;
  const json_t *f;
  json_array_foreach(json_object_get(r, "findings"), i, f) {
    if (strcmp(json_string_value(json_object_get(f, "check")), check) == 0 &&
        strcmp(json_string_value(json_object_get(f, "subject")), subject) == 0)
      return f;
  }
  return NULL;
}

static void print_findings(const json_t *r) {
  size_t i;
  const json_t *f;
  json_array_foreach(json_object_get(r, "findings"), i, f)
    fprintf(stderr, "  finding: %s %s: %s\n", json_string_value(json_object_get(f, "check")),
            json_string_value(json_object_get(f, "subject")), json_string_value(json_object_get(f, "zh")));
}

#define AS_OF "2025-06-30"

/* days since 1970-01-01 as YYYY-MM-DD (H. Hinnant's civil_from_days) */
static void day_text(int64_t z, char out[16]) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  snprintf(out, 16, "%04d-%02u-%02u", (int)((int64_t)yoe + era * 400 + (m <= 2)), m, d);
}

/* The clean county: every asset owned, handed over, maintained, inspected and counted on
 * time, income within contract, allocated and paid after a notice. */
static ledger clean_county(void) {
  ledger l;
  l.a = aidreg_audit_new(COUNTY);
  l.n = 0;
  sub(&l, ROOT, "2023-01-01", "ledger.create", COUNTY,
      "{\"code\":\"" COUNTY "\",\"name\":\"测试县\",\"root_key\":\"%s\",\"settings\":{}}", kid[ROOT]);
  enroll(&l, CTY, "county", COUNTY, "2023-01-01");
  enroll(&l, TWN, "township", TOWN, "2023-01-01");
  enroll(&l, VLG, "village", VIL, "2023-01-01");
  enroll(&l, AUD, "auditor", COUNTY, "2023-01-01");
  sub(&l, CTY, "2023-01-02", "place.register", TOWN, "{\"name\":\"甲镇\"}");
  sub(&l, CTY, "2023-01-02", "place.register", VIL, "{\"name\":\"甲村\"}");
  project(&l, "P-OK", "industry", 1000000, "2023-03-01");
  good_asset(&l, "A-OK", "P-OK", "operating", 1000000);
  operator_(&l, "A-OK", "lease", "HT-1", "2023-05-01", "2033-04-30", 100000);
  char ref[65];
  snprintf(ref, sizeof ref, "%s", income(&l, "A-OK", "2023-05-01", "2024-04-30", 100000, "2024-05-10"));
  settle_first_income(&l, ref);
  income(&l, "A-OK", "2024-05-01", "2025-04-30", 100000, "2025-05-10");
  project(&l, "P-RD", "rural_construction", 500000, "2023-03-01");
  good_asset(&l, "A-RD", "P-RD", "public_welfare", 500000);
  sub(&l, VLG, "2025-06-01", "asset.status", "A-OK", "{\"status\":\"in_use\",\"reason\":\"正常\"}");
  /* a finding recorded by the auditor and resolved on time */
  char f[65];
  snprintf(f, sizeof f, "%s",
           sub(&l, AUD, "2025-04-01", "finding.record", "A-RD",
               "{\"check\":\"inspection-overdue\",\"severity\":\"warning\",\"note\":\"\",\"due\":\"2025-05-31\"}"));
  sub(&l, VLG, "2025-05-01", "finding.resolve", "A-RD",
      "{\"finding\":\"%s\",\"action\":\"已巡查\",\"resolved_on\":\"2025-05-01\"}", f);
  return l;
}

static void test_clean_county(void) {
  ledger l = clean_county();
  json_t *r = audit(&l, AS_OF, NULL);
  CHECK_MSG(json_array_size(json_object_get(r, "findings")) == 0, "%zu findings",
            json_array_size(json_object_get(r, "findings")));
  print_findings(r);
  CHECK(json_integer_value(json_object_get(json_object_get(r, "counts"), "no-owner")) == 0);
  CHECK(json_object_size(json_object_get(r, "counts")) == 22);
  json_decref(r);
  aidreg_audit_free(l.a);
}

typedef struct {
  const char *check, *subject;
} expect;

static void test_planted(void) {
  ledger l = clean_county();
  enroll(&l, SLEEPY, "village", VIL2, "2023-01-03"); /* key-dormant: never signs */
  sub(&l, CTY, "2023-01-04", "place.register", VIL2, "{\"name\":\"乙村\"}");
  enroll(&l, VLG2, "village", VIL2, "2023-01-04");
  /* project-without-assets */
  project(&l, "P-NONE", "industry", 300000, "2024-01-01");
  project(&l, "P-FEE", "management_fee", 300000, "2024-01-01"); /* excepted */
  /* value-funding-gap: 500000 of assets for 1000000 of funding */
  project(&l, "P-GAP", "industry", 1000000, "2023-03-01");
  good_asset(&l, "A-GAP", "P-GAP", "public_welfare", 500000);
  /* no-owner, no-maintainer, inspection-overdue, not-inventoried; finding-overdue on it */
  project(&l, "P-BAD", "industry", 100, "2023-03-01");
  asset(&l, "A-BARE", "P-BAD", "public_welfare", 100, "2024-01-01");
  const char *fr = sub(&l, AUD, "2025-01-10", "finding.record", "A-BARE",
                       "{\"check\":\"no-owner\",\"severity\":\"serious\",\"note\":\"未确权\",\"due\":\"2025-03-01\"}");
  (void)fr;
  /* no-certificate, no-handover */
  project(&l, "P-CRT", "industry", 100, "2023-03-01");
  asset(&l, "A-CERT", "P-CRT", "household", 100, "2023-03-01");
  rights(&l, "A-CERT", "2023-03-10", false);
  report(&l, "A-CERT", "inspection", "2025-03-01", "good");
  count(&l, "A-CERT", "2025-01-10", true);
  project(&l, "P-HND", "industry", 100, "2023-03-01");
  asset(&l, "A-HAND", "P-HND", "public_welfare", 100, "2023-03-01");
  rights(&l, "A-HAND", "2023-03-10", true);
  maintainer(&l, "A-HAND", "王五");
  report(&l, "A-HAND", "inspection", "2025-03-01", "good");
  count(&l, "A-HAND", "2025-01-10", true);
  /* damage-unrepaired */
  project(&l, "P-DMG", "industry", 100, "2023-03-01");
  good_asset(&l, "A-DMG", "P-DMG", "public_welfare", 100);
  report(&l, "A-DMG", "inspection", "2025-03-02", "damaged");
  /* idle-overdue */
  project(&l, "P-IDL", "industry", 100, "2023-03-01");
  good_asset(&l, "A-IDLE", "P-IDL", "public_welfare", 100);
  sub(&l, VLG, "2024-06-01", "asset.status", "A-IDLE",
      "{\"status\":\"idle\",\"reason\":\"无人使用\",\"remediation_due\":\"2025-01-01\"}");
  /* no-income */
  project(&l, "P-NOI", "industry", 100, "2023-03-01");
  good_asset(&l, "A-NOINC", "P-NOI", "operating", 100);
  operator_(&l, "A-NOINC", "self", "", "2023-04-01", "2033-04-01", 0);
  /* income-below-contract: 100000 promised, 50000 in the last contract year */
  project(&l, "P-LOW", "industry", 100, "2023-03-01");
  good_asset(&l, "A-LOW", "P-LOW", "operating", 100);
  operator_(&l, "A-LOW", "lease", "HT-2", "2023-05-01", "2033-04-30", 100000);
  income(&l, "A-LOW", "2023-05-01", "2024-04-30", 95000, "2024-05-10"); /* within 10 %: fine */
  income(&l, "A-LOW", "2024-05-01", "2025-04-30", 50000, "2025-05-10");
  /* no-contract */
  project(&l, "P-NOC", "industry", 100, "2023-03-01");
  good_asset(&l, "A-NOCON", "P-NOC", "operating", 100);
  operator_(&l, "A-NOCON", "lease", "", "2023-05-01", "2033-04-30", 0);
  income(&l, "A-NOCON", "2024-05-01", "2025-04-30", 100, "2025-05-10");
  /* contract-expired */
  project(&l, "P-EXP", "industry", 100, "2023-03-01");
  good_asset(&l, "A-EXP", "P-EXP", "operating", 100);
  operator_(&l, "A-EXP", "lease", "HT-3", "2023-02-01", "2025-01-31", 0);
  income(&l, "A-EXP", "2024-05-01", "2025-04-30", 100, "2025-05-10");
  /* unallocated-stale: income of 2024 never drawn; payout-incomplete, flat-split, notice-missing */
  project(&l, "P-STL", "industry", 100, "2023-03-01");
  good_asset(&l, "A-STALE", "P-STL", "operating", 100);
  operator_(&l, "A-STALE", "lease", "HT-4", "2023-05-01", "2033-04-30", 0);
  income(&l, "A-STALE", "2023-05-01", "2024-04-30", 100000, "2024-05-10");
  char ref[65];
  snprintf(ref, sizeof ref, "%s", income(&l, "A-STALE", "2024-05-01", "2025-04-30", 1000000, "2025-05-10"));
  (void)ref;
  /* a plan of 2023 in VIL2: filed, publicised, half paid, line 1 flat to 10 households */
  project(&l, "P-V2", "industry", 100, "2023-03-01");
  sub(&l, CTY, "2023-03-01", "asset.register", "A-V2",
      "{\"project\":\"P-V2\",\"name\":\"乙村光伏\",\"class\":\"operating\",\"subtype\":\"x\",\"form\":\"fixed\",\"village\":\"" VIL2
      "\",\"original_value_fen\":100,\"quantity\":1,\"unit\":\"座\",\"completed_on\":\"2023-03-01\",\"accepted_on\":\"2023-03-01\"}");
  char inc2[65];
  snprintf(inc2, sizeof inc2, "%s",
           sub(&l, VLG2, "2023-12-31", "income.report", "A-V2",
               "{\"period_start\":\"2023-01-01\",\"period_end\":\"2023-12-31\",\"gross_fen\":200000,\"costs\":[],\"net_fen\":200000,"
               "\"payer\":\"国网\",\"received_on\":\"2023-12-31\",\"account\":\"村账户\"}"));
  sub(&l, VLG2, "2024-01-05", "allocation.plan", "PL-V2",
      "{\"village\":\"" VIL2 "\",\"year\":2023,\"sources\":[{\"income\":\"%s\",\"amount_fen\":200000}],\"lines\":["
      "{\"purpose\":\"public_jobs\",\"description\":\"护林员\",\"amount_fen\":100000},"
      "{\"purpose\":\"awards_aid\",\"description\":\"奖补\",\"amount_fen\":100000}],\"steps\":" STEPS("2024-01-02") "}",
      inc2);
  sub(&l, TWN, "2024-01-06", "allocation.review", "PL-V2", "{\"decision\":\"approved\",\"note\":\"\"}");
  sub(&l, CTY, "2024-01-07", "allocation.filed", "PL-V2", "{\"note\":\"\"}");
  sub(&l, VLG2, "2024-01-08", "notice.publish", "PL-V2",
      "{\"kind\":\"allocation\",\"start\":\"2024-01-08\",\"end\":\"2024-01-15\",\"content_sha256\":\"" SHA "\",\"place\":\"公开栏\"}");
  for (int h = 0; h < 10; h++) {
    char d[16];
    snprintf(d, sizeof d, "2024-02-%02d", h + 1);
    sub(&l, VLG2, d, "allocation.payout", "PL-V2",
        "{\"line\":1,\"payee\":{\"kind\":\"household\",\"id\":\"H%02d\",\"name\":\"户%d\"},\"amount_fen\":10000,"
        "\"paid_on\":\"%s\",\"voucher_no\":\"V%d\"}",
        h, h, d, h);
  }
  /* sale-below-valuation */
  project(&l, "P-SAL", "industry", 100, "2023-03-01");
  good_asset(&l, "A-SALE", "P-SAL", "public_welfare", 100);
  char req[65];
  snprintf(req, sizeof req, "%s",
           sub(&l, VLG, "2025-02-01", "disposal.request", "A-SALE",
               "{\"trigger\":\"end_of_life\",\"method\":\"auction\",\"valuation_fen\":100000,\"decided_on\":\"2025-02-01\"}"));
  sub(&l, CTY, "2025-02-05", "disposal.approve", "A-SALE", "{\"request\":\"%s\",\"decision\":\"approved\",\"conditions\":\"\"}", req);
  sub(&l, VLG, "2025-02-10", "disposal.complete", "A-SALE",
      "{\"completed_on\":\"2025-02-10\",\"proceeds_fen\":50000,\"counterparty\":\"买方\",\"proceeds_to\":\"" VIL "\"}");
  /* missing-at-inventory */
  project(&l, "P-MIS", "industry", 100, "2023-03-01");
  good_asset(&l, "A-MISS", "P-MIS", "public_welfare", 100);
  count(&l, "A-MISS", "2025-02-01", false);

  json_t *r = audit(&l, AS_OF, NULL);
  static const expect want[] = {
      {"project-without-assets", "P-NONE"}, {"value-funding-gap", "P-GAP"},   {"no-owner", "A-BARE"},
      {"no-certificate", "A-CERT"},         {"no-handover", "A-HAND"},        {"no-maintainer", "A-BARE"},
      {"inspection-overdue", "A-BARE"},     {"damage-unrepaired", "A-DMG"},   {"idle-overdue", "A-IDLE"},
      {"no-income", "A-NOINC"},             {"income-below-contract", "A-LOW"}, {"no-contract", "A-NOCON"},
      {"contract-expired", "A-EXP"},        {"unallocated-stale", "A-STALE"}, {"payout-incomplete", "PL-V2"},
      {"notice-missing", VIL2},             {"flat-split", "PL-V2"},          {"sale-below-valuation", "A-SALE"},
      {"missing-at-inventory", "A-MISS"},   {"not-inventoried", "A-BARE"},    {"finding-overdue", "A-BARE"},
      {"key-dormant", ""},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const char *subject = *want[i].subject ? want[i].subject : kid[SLEEPY];
    CHECK_MSG(find(r, want[i].check, subject) != NULL, "%s %s not found", want[i].check, subject);
  }
  /* every check fires, the clean assets stay clean, the excepted project too */
  for (size_t i = 0; aidreg_audit_check_id(i); i++)
    CHECK_MSG(json_integer_value(json_object_get(json_object_get(r, "counts"), aidreg_audit_check_id(i))) > 0, "%s",
              aidreg_audit_check_id(i));
  size_t i;
  const json_t *f;
  json_array_foreach(json_object_get(r, "findings"), i, f) {
    const char *s = json_string_value(json_object_get(f, "subject"));
    CHECK_MSG(strcmp(s, "A-OK") && strcmp(s, "A-RD") && strcmp(s, "P-OK") && strcmp(s, "P-FEE") && strcmp(s, kid[VLG]),
              "%s on a clean subject %s", json_string_value(json_object_get(f, "check")), s);
  }
  /* the record: no-owner on A-BARE is overdue (due 2025-03-01 passed), others open */
  CHECK_STR(json_string_value(json_object_get(find(r, "no-owner", "A-BARE"), "status")), "overdue");
  CHECK_STR(json_string_value(json_object_get(find(r, "no-maintainer", "A-BARE"), "status")), "open");
  CHECK_STR(json_string_value(json_object_get(find(r, "no-owner", "A-BARE"), "village_name")), "甲村");
  /* figures in yuan */
  const json_t *low = find(r, "income-below-contract", "A-LOW");
  CHECK_STR(json_string_value(json_object_get(json_object_get(low, "figures"), "gross_yuan")), "500.00");
  CHECK(strstr(json_string_value(json_object_get(low, "zh")), "1000.00 元") != NULL);
  /* order: severity, then village, then subject */
  const json_t *prev = NULL;
  json_array_foreach(json_object_get(r, "findings"), i, f) {
    if (prev) {
      static const char *const sev[] = {"serious", "warning", "info"};
      int a = 0, b = 0;
      for (int k = 0; k < 3; k++) {
        if (!strcmp(sev[k], json_string_value(json_object_get(prev, "severity")))) a = k;
        if (!strcmp(sev[k], json_string_value(json_object_get(f, "severity")))) b = k;
      }
      CHECK(a <= b);
    }
    prev = f;
  }
  /* every check with a deadline: absent the day before its since, present on it */
  static const char *const timed[] = {"project-without-assets", "no-owner", "no-certificate", "no-handover",
                                      "inspection-overdue", "damage-unrepaired", "idle-overdue", "no-income",
                                      "income-below-contract", "contract-expired", "unallocated-stale",
                                      "payout-incomplete", "notice-missing", "not-inventoried", "finding-overdue",
                                      "key-dormant"};
  for (size_t t = 0; t < sizeof timed / sizeof timed[0]; t++) {
    json_array_foreach(json_object_get(r, "findings"), i, f) {
      if (strcmp(json_string_value(json_object_get(f, "check")), timed[t])) continue;
      const char *since = json_string_value(json_object_get(f, "since")), *subject = json_string_value(json_object_get(f, "subject"));
      int64_t day;
      CHECK_MSG(since && aidreg_date_parse(since, &day) == 0, "%s %s: no since", timed[t], subject);
      if (!since) continue;
      char before[16];
      day_text(day - 1, before);
      json_t *at = audit(&l, since, timed[t]), *prior = audit(&l, before, timed[t]);
      CHECK_MSG(find(at, timed[t], subject) != NULL, "%s %s: absent on its since %s", timed[t], subject, since);
      CHECK_MSG(find(prior, timed[t], subject) == NULL, "%s %s: present on %s, before its since", timed[t], subject,
                before);
      json_decref(at);
      json_decref(prior);
    }
  }
  /* pure: the same again, and the filters */
  json_t *r2 = audit(&l, AS_OF, NULL);
  CHECK(json_equal(r, r2));
  json_decref(r2);
  r2 = audit(&l, AS_OF, "flat-split");
  CHECK(json_array_size(json_object_get(r2, "findings")) == 1);
  const char *flat = json_string_value(json_object_get(find(r2, "flat-split", "PL-V2"), "en"));
  CHECK_MSG(flat && strstr(flat, "paid the same 100.00 yuan to each of 10 households"), "en: %s", flat ? flat : "(none)");
  CHECK(json_object_size(json_object_get(r2, "counts")) == 1);
  json_decref(r2);
  /* earlier: before the thresholds pass, fewer findings */
  r2 = audit(&l, "2023-03-02", NULL);
  CHECK(find(r2, "no-owner", "A-BARE") == NULL);
  json_decref(r2);
  /* formats */
  size_t n;
  char *csv = aidreg_audit_csv(r, &n);
  CHECK(csv && memcmp(csv, "\xEF\xBB\xBF", 3) == 0 && strstr(csv, "\"flat-split\""));
  free(csv);
  char *html = aidreg_audit_html(r, &n);
  CHECK(html && strstr(html, "审计报告") && strstr(html, "size: A4") == NULL && strstr(html, "A4"));
  free(html);

  /* the county reports from the same replay */
  {
    json_t *t = NULL;
    char err[256];
    aidreg_audit_query q = {.as_of = AS_OF, .origin = ORIGIN, .size = l.n, .root = "cm9vdA=="};
    CHECK(aidreg_audit_rectification(l.a, &q, &t, err, sizeof err) == 0);
    /* the clean county's record (resolved) and A-BARE's (overdue, still holds) */
    CHECK(json_integer_value(json_object_get(json_object_get(t, "summary"), "resolved")) == 1);
    CHECK(json_integer_value(json_object_get(json_object_get(t, "summary"), "overdue")) == 1);
    const json_t *row = json_array_get(json_object_get(t, "rows"), 1);
    CHECK_STR(json_string_value(json_object_get(row, "subject")), "A-BARE");
    CHECK(json_is_true(json_object_get(row, "still_holds")));
    char *csv = aidreg_audit_table_csv(t, &n);
    CHECK(csv && strstr(csv, "整改超期"));
    free(csv);
    json_decref(t);
    CHECK(aidreg_audit_inventory(l.a, &q, 2025, &t, err, sizeof err) == 0);
    const json_t *sum = json_object_get(t, "summary");
    CHECK(json_integer_value(json_object_get(sum, "not_found")) == 1); /* A-MISS */
    CHECK(json_integer_value(json_object_get(sum, "counted")) + json_integer_value(json_object_get(sum, "not_counted")) ==
          json_integer_value(json_object_get(sum, "assets")));
    char *h = aidreg_audit_table_html(t, &n);
    CHECK(h && strstr(h, "清查报告") && strstr(h, "未见实物"));
    free(h);
    json_decref(t);
  }

  /* resolve: the no-owner record answered → resolved */
  json_decref(r);
  char fref[65];
  snprintf(fref, sizeof fref, "%s",
           sub(&l, AUD, "2025-04-01", "finding.record", "A-DMG",
               "{\"check\":\"damage-unrepaired\",\"severity\":\"warning\",\"note\":\"\",\"due\":\"2025-12-31\"}"));
  r = audit(&l, AS_OF, NULL);
  CHECK_STR(json_string_value(json_object_get(find(r, "damage-unrepaired", "A-DMG"), "status")), "recorded");
  json_decref(r);
  sub(&l, VLG, "2025-05-01", "finding.resolve", "A-DMG",
      "{\"finding\":\"%s\",\"action\":\"已修复\",\"resolved_on\":\"2025-05-01\"}", fref);
  r = audit(&l, AS_OF, NULL);
  CHECK_STR(json_string_value(json_object_get(find(r, "damage-unrepaired", "A-DMG"), "status")), "resolved");
  json_decref(r);
  aidreg_audit_free(l.a);
}


/* unallocated-stale and its clean counterpart: the same income, allocated or not. */
static void test_stale_until_allocated(void) {
  ledger l;
  l.a = aidreg_audit_new(COUNTY);
  l.n = 0;
  sub(&l, ROOT, "2023-01-01", "ledger.create", COUNTY,
      "{\"code\":\"" COUNTY "\",\"name\":\"测试县\",\"root_key\":\"%s\",\"settings\":{\"unallocated_months\":6}}", kid[ROOT]);
  enroll(&l, CTY, "county", COUNTY, "2023-01-01");
  enroll(&l, TWN, "township", TOWN, "2023-01-01");
  enroll(&l, VLG, "village", VIL, "2023-01-01");
  project(&l, "P-OK", "industry", 1000000, "2023-03-01");
  good_asset(&l, "A-OK", "P-OK", "operating", 1000000);
  char ref[65];
  snprintf(ref, sizeof ref, "%s", income(&l, "A-OK", "2023-05-01", "2024-04-30", 100000, "2024-05-10"));
  json_t *r = audit(&l, "2024-11-11", "unallocated-stale");
  const json_t *f = find(r, "unallocated-stale", "A-OK");
  CHECK(f != NULL); /* 6 months (the setting) have passed */
  const char *en = json_string_value(json_object_get(f, "en"));
  CHECK_MSG(en && strstr(en, ": 1 income report with 1000.00 yuan undrawn"), "en: %s", en ? en : "(none)");
  json_decref(r);
  r = audit(&l, "2024-11-10", "unallocated-stale");
  CHECK(find(r, "unallocated-stale", "A-OK") == NULL);
  json_decref(r);
  settle_first_income(&l, ref);
  r = audit(&l, "2024-11-11", "unallocated-stale");
  CHECK(find(r, "unallocated-stale", "A-OK") == NULL);
  json_decref(r);
  aidreg_audit_free(l.a);
}

static void test_bad_query(void) {
  ledger l = clean_county();
  json_t *r = NULL;
  char err[256];
  aidreg_audit_query q = {.as_of = "2025-13-01"};
  CHECK(aidreg_audit_report(l.a, &q, &r, err, sizeof err) == -1 && !r);
  q.as_of = AS_OF;
  q.check = "no-such-check";
  CHECK(aidreg_audit_report(l.a, &q, &r, err, sizeof err) == -1 && !r);
  aidreg_audit_free(l.a);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  for (int i = 0; i < NKEYS; i++) {
    aidreg_keypair k;
    aidreg_key_generate(&k);
    aidreg_key_id(k.pk, kid[i]);
  }
  test_stale_until_allocated();
  test_clean_county();
  test_planted();
  test_bad_query();
  return test_done();
}
