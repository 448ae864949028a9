/* Body and subject validation of every event type of docs/events.md: for each type a valid
 * body is accepted, and mutations of it are refused with the right problem and field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/keys.h"
#include "aidreg/state.h"
#include "rules/domain_validate.h"
#include "test.h"

#define COUNTY "522731"
#define OK AIDREG_OK
#define MISSING AIDREG_E_MISSING_FIELD
#define UNKNOWN AIDREG_E_UNKNOWN_FIELD
#define INVALID AIDREG_E_INVALID_FIELD
#define NATIONAL_ID AIDREG_E_NATIONAL_ID
#define SCOPE AIDREG_E_OUT_OF_SCOPE
#define SHARES AIDREG_E_SHARES_NOT_10000
#define NET AIDREG_E_NET_MISMATCH
#define UNBALANCED AIDREG_E_PLAN_UNBALANCED
#define OVERFLOW AIDREG_E_AMOUNT_OVERFLOW
#define AFTER AIDREG_E_DATE_AFTER_SIGNING
#define REVERSED AIDREG_E_PERIOD_REVERSED
#define DUP AIDREG_E_DUPLICATE_ITEM

/* The signer's time: 2025-06-30T20:00:00Z is 2025-07-01 04:00 in Asia/Shanghai. */
#define SIGNED_AT "2025-06-30T20:00:00Z"

#define H1 "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\""
#define H2 "\"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\""
#define MAXFEN "9223372036854775807"

static char keyid[AIDREG_KEYID_LEN + 1];

/* ---- JSON pointer edits on a body ---- */

/* Sets (val non-NULL, stolen) or removes (val NULL) the member at ptr ("/a/0/b"; a last
 * segment "-" appends to an array). 0 or -1. */
static int edit(json_t *root, const char *ptr, json_t *val) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", ptr);
  json_t *cur = root;
  char *seg = buf + 1, *next;
  for (;;) {
    next = strchr(seg, '/');
    if (next) *next = '\0';
    if (!next) break;
    cur = json_is_array(cur) ? json_array_get(cur, strtoul(seg, NULL, 10)) : json_object_get(cur, seg);
    if (!cur) goto fail;
    seg = next + 1;
  }
  if (json_is_object(cur)) {
    if (val) return json_object_set_new(cur, seg, val);
    return json_object_del(cur, seg);
  }
  if (json_is_array(cur)) {
    if (strcmp(seg, "-") == 0) return val ? json_array_append_new(cur, val) : -1;
    size_t i = strtoul(seg, NULL, 10);
    if (val) return json_array_set_new(cur, i, val);
    return json_array_remove(cur, i);
  }
fail:
  json_decref(val);
  return -1;
}

static json_t *load(const char *text) {
  json_error_t err;
  json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
  if (!v) fprintf(stderr, "bad test JSON: %s: %s\n", err.text, text);
  return v;
}

/* ---- running one case ---- */

typedef struct {
  const char *ptr, *val; /* val NULL: remove */
} mut;

typedef struct {
  mut m[4];          /* ended by ptr NULL */
  aidreg_code code;  /* OK: accepted */
  const char *field; /* NULL: "/body" + the first mutation's pointer */
} tcase;

#define C1(p, v, c) {{{p, v}}, c, NULL}
#define C1F(p, v, c, f) {{{p, v}}, c, f}
#define CN(c, f, ...) {{__VA_ARGS__}, c, f}
#define CEND {{{NULL, NULL}}, OK, NULL}

static int64_t signed_at(void) {
  int64_t t = 0;
  aidreg_rfc3339_parse(SIGNED_AT, &t, NULL);
  return t;
}

static aidreg_code run(const char *type, const char *subject, json_t *body, int64_t t, aidreg_problem *p) {
  aidreg_event ev;
  memset(&ev, 0, sizeof ev);
  ev.ledger = COUNTY;
  ev.type = type;
  ev.subject = subject;
  ev.time_str = SIGNED_AT;
  ev.time = t;
  ev.body = body;
  aidreg_problem_clear(p);
  int rc = ar_domain_validate(&ev, COUNTY, p);
  CHECK_MSG((rc == 0) == (p->code == OK), "%s: rc %d with code %d", type, rc, (int)p->code);
  /* Every refusal explains itself in valid UTF-8, in both languages. */
  if (rc) {
    CHECK_MSG(aidreg_utf8_valid((const uint8_t *)p->detail, strlen(p->detail)), "%s: detail not UTF-8", type);
    CHECK_MSG(aidreg_utf8_valid((const uint8_t *)p->field, strlen(p->field)), "%s: field not UTF-8", type);
    CHECK_MSG(strstr(p->detail, " / ") != NULL, "%s: detail not bilingual: %s", type, p->detail);
  }
  return rc == 0 ? OK : p->code;
}

static void expect(const char *file_line, const char *type, const char *subject, json_t *body, aidreg_code code,
                   const char *field) {
  aidreg_problem p;
  aidreg_code got = run(type, subject, body, signed_at(), &p);
  char *dump = json_dumps(body, JSON_COMPACT);
  CHECK_MSG(got == code, "%s %s: want %s, got %s (%s: %s) for %s", file_line, type,
            code == OK ? "ok" : aidreg_problem_slug(code), got == OK ? "ok" : aidreg_problem_slug(got), p.field,
            p.detail, dump);
  if (code != OK && got == code && field)
    CHECK_MSG(strcmp(p.field, field) == 0, "%s %s: field %s, want %s (%s)", file_line, type, p.field, field, dump);
  free(dump);
}

/* The valid body is accepted; then every case, applied to a fresh copy of it. */
static void run_cases(const char *type, const char *subject, const char *valid, const tcase *cases) {
  json_t *base = load(valid);
  CHECK_MSG(base != NULL, "%s: base body does not parse", type);
  if (!base) return;
  expect("valid", type, subject, base, OK, NULL);
  for (const tcase *c = cases; c->m[0].ptr; c++) {
    json_t *b = json_deep_copy(base);
    int bad = 0;
    for (int i = 0; i < 4 && c->m[i].ptr; i++) {
      json_t *v = NULL;
      if (c->m[i].val && !(v = load(c->m[i].val))) bad = 1;
      if (!bad && edit(b, c->m[i].ptr, v) != 0) bad = 1;
    }
    char where[128], field[160];
    snprintf(where, sizeof where, "case %d (%s=%s)", (int)(c - cases), c->m[0].ptr,
             c->m[0].val ? c->m[0].val : "(removed)");
    CHECK_MSG(!bad, "%s %s: mutation does not apply", where, type);
    snprintf(field, sizeof field, "/body%s", c->m[0].ptr);
    if (!bad) expect(where, type, subject, b, c->code, c->field ? c->field : field);
    json_decref(b);
  }
  json_decref(base);
}

static void expect_text(const char *type, const char *subject, const char *body, aidreg_code code,
                        const char *field) {
  json_t *b = load(body);
  expect("text", type, subject, b, code, field);
  json_decref(b);
}

/* Every fen field gets the same treatment. */
#define FEN_CASES(p)                                                                              \
  C1(p, "-1", INVALID), C1(p, "1.5", INVALID), C1(p, "100.0", INVALID), C1(p, "1e19", INVALID),  \
      C1(p, "\"100\"", INVALID), C1(p, "true", INVALID), C1(p, "null", INVALID), C1(p, "0", OK), \
      C1(p, MAXFEN, OK)
#define DATE_CASES(p)                                                                                     \
  C1(p, "\"2021-02-29\"", INVALID), C1(p, "\"2021-13-01\"", INVALID), C1(p, "\"2021-04-31\"", INVALID),   \
      C1(p, "\"2021-00-10\"", INVALID), C1(p, "\"2021-1-01\"", INVALID), C1(p, "\"2021-01-01T00:00:00Z\"", INVALID), \
      C1(p, "\" 2021-01-01\"", INVALID), C1(p, "20210101", INVALID), C1(p, "null", INVALID)
/* A date of a fact: not later than the signer's date in Asia/Shanghai (2025-07-01). */
#define FACT_CASES(p) DATE_CASES(p), C1(p, "\"2025-07-02\"", AFTER), C1(p, "\"2026-01-01\"", AFTER)
#define FACT_OK(p) C1(p, "\"2025-07-01\"", OK)

/* ---- per type ---- */

static void test_ledger_settings(void) {
  static const tcase cases[] = {
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/publicity_days", "0", INVALID),
    C1("/publicity_days", "366", INVALID),
    C1("/publicity_days", "7.5", INVALID),
    C1("/publicity_days", "\"7\"", INVALID),
    C1("/publicity_days", "365", OK),
    C1("/idle_months", "-1", INVALID),
    C1("/unallocated_months", "true", INVALID),
    C1("/inspection_months", "6", INVALID),
    C1("/inspection_months/weekly", "1", UNKNOWN),
    C1("/inspection_months/operating", "0", INVALID),
    C1("/inspection_months/operating", NULL, OK),
    C1("/inspection_months", "{}", OK),
    C1("/forbidden_purposes/0", "\"vehicles\"", INVALID),
    C1("/forbidden_purposes", "\"other\"", INVALID),
    C1("/forbidden_purposes", "[]", OK),
    C1("/required_steps/0", "\"vote\"", INVALID),
    C1F("/required_steps/-", "\"proposal\"", DUP, "/body/required_steps/4"),
    C1("/required_steps", "[]", OK),
    C1("/publicity_days", NULL, OK),
    CEND,
  };
  run_cases("ledger.settings", COUNTY,
            "{\"publicity_days\":10,\"idle_months\":12,\"inspection_months\":{\"public_welfare\":6,\"operating\":12,"
            "\"household\":12},\"unallocated_months\":18,\"forbidden_purposes\":[\"other\"],"
            "\"required_steps\":[\"proposal\",\"committees\",\"party_members\",\"villagers_meeting\"]}",
            cases);
  expect_text("ledger.settings", COUNTY, "{}", OK, NULL);
  expect_text("ledger.settings", "522732", "{}", AIDREG_E_SUBJECT_MISMATCH, "/subject");
  expect_text("ledger.settings", "52273", "{}", INVALID, "/subject");
  expect_text("ledger.settings", "522731104", "{}", INVALID, "/subject");
}

static const char *project_body =
  "{\"name\":\"好花红村 300kW 村级光伏电站\",\"type\":\"industry\",\"year\":2019,"
  "\"funding_lines\":[{\"channel\":\"中央财政衔接推进乡村振兴补助资金\",\"year\":2019,\"amount_fen\":180000000}],"
  "\"locations\":[\"522731104201\"],\"industry_dept\":\"惠水县发展和改革局\","
  "\"implementing_unit\":\"好花红镇人民政府\",\"accepted_on\":\"2019-12-20\"}";

static void test_project_register(void) {
  static const tcase cases[] = {
    C1("/name", NULL, MISSING),
    C1("/type", NULL, MISSING),
    C1("/funding_lines", NULL, MISSING),
    C1("/implementing_unit", NULL, MISSING),
    C1("/accepted_on", NULL, OK),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/funding_lines/0/colour", "1", UNKNOWN),
    C1("/name", "5", INVALID),
    C1("/name", "\"\"", OK),
    C1("/type", "\"roads\"", INVALID),
    C1("/type", "\"Industry\"", INVALID),
    C1("/type", "\"management_fee\"", OK),
    C1("/year", "1999", INVALID),
    C1("/year", "\"2019\"", INVALID),
    C1("/year", "2019.0", INVALID),
    FACT_CASES("/accepted_on"),
    FACT_OK("/accepted_on"),
    C1("/accepted_on", "\"2016-02-29\"", OK),
    FEN_CASES("/funding_lines/0/amount_fen"),
    C1("/funding_lines/0/year", "2101", INVALID),
    C1("/funding_lines/0", "180000000", INVALID),
    C1("/funding_lines", "[]", INVALID),
    C1("/funding_lines", "{}", INVALID),
    C1F("/funding_lines/-", "{\"channel\":\"x\",\"year\":2019,\"amount_fen\":" MAXFEN "}", OVERFLOW,
        "/body/funding_lines"),
    C1("/locations", "[]", INVALID),
    C1("/locations/0", "\"52273110420\"", INVALID),
    C1("/locations/0", "\"5227311042010\"", INVALID),
    C1("/locations/0", "\"5227311042a1\"", INVALID),
    C1("/locations/0", "522731104201", INVALID),
    C1("/locations/0", "\"5227311\"", INVALID),
    C1("/locations/0", "\"522732104201\"", SCOPE),
    C1("/locations/0", "\"622731\"", SCOPE),
    C1("/locations/0", "\"522731\"", OK),
    C1("/locations/0", "\"522731104\"", OK),
    C1F("/locations/-", "\"522731104201\"", DUP, "/body/locations/1"),
    /* 400 before 403 before 422, whatever their order in the body. */
    CN(INVALID, "/body/implementing_unit", {"/locations/0", "\"522732104201\""}, {"/implementing_unit", "1"}),
    CN(SCOPE, "/body/locations/0", {"/locations/0", "\"522732104201\""}, {"/accepted_on", "\"2030-01-01\""}),
    CEND,
  };
  run_cases("project.register", "P522731-2019-017", project_body, cases);
  json_t *b = load(project_body);
  expect("subject", "project.register", "", b, INVALID, "/subject");
  expect("subject", "project.register", "P 17", b, INVALID, "/subject");
  expect("subject", "project.register", "P/17", b, INVALID, "/subject");
  expect("subject", "project.register", "P\t17", b, INVALID, "/subject");
  expect("subject", "project.register", "项目17", b, INVALID, "/subject");
  char id[80];
  memset(id, 'x', 65);
  id[65] = '\0';
  expect("subject", "project.register", id, b, INVALID, "/subject"); /* 65 characters */
  id[64] = '\0';
  expect("subject", "project.register", id, b, OK, NULL); /* 64 */
  /* Subject problems come before the body's. */
  json_object_set_new(b, "colour", json_string("red"));
  expect("subject", "project.register", "P 17", b, INVALID, "/subject");
  json_decref(b);
}

static const char *asset_body =
  "{\"project\":\"P522731-2019-017\",\"name\":\"好花红村 300kW 光伏电站\",\"class\":\"operating\","
  "\"subtype\":\"photovoltaic\",\"form\":\"fixed\",\"village\":\"522731104201\",\"original_value_fen\":180000000,"
  "\"quantity\":300,\"unit\":\"kW\",\"completed_on\":\"2019-11-30\",\"accepted_on\":\"2019-12-20\","
  "\"description\":\"屋顶及农光互补，并网发电\"}";

#define LOCS(a, b) "[{\"code\":\"522731104201\",\"share_bp\":" a "},{\"code\":\"522731104202\",\"share_bp\":" b "}]"

static void test_asset_register(void) {
  static const tcase cases[] = {
    C1("/project", NULL, MISSING),
    C1("/class", NULL, MISSING),
    C1("/completed_on", NULL, MISSING),
    C1("/quantity", NULL, MISSING),
    C1("/description", NULL, OK),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/project", "\"\"", INVALID),
    C1("/project", "\"P 2019\"", INVALID),
    C1("/project", "17", INVALID),
    C1("/name", "[]", INVALID),
    C1("/description", "1", INVALID),
    C1("/class", "\"hybrid\"", INVALID),
    C1("/class", "\"public_welfare\"", OK),
    C1("/form", "\"building\"", INVALID),
    C1("/form", "\"biological\"", OK),
    C1("/village", "\"52273110420\"", INVALID),
    C1("/village", "\"522731104\"", INVALID),
    C1("/village", "\"522732104201\"", SCOPE),
    FEN_CASES("/original_value_fen"),
    C1("/quantity", "-1", INVALID),
    C1("/quantity", "-0.5", INVALID),
    C1("/quantity", "\"300\"", INVALID),
    C1("/quantity", "2.5", OK),
    C1("/quantity", "0", OK),
    FACT_CASES("/completed_on"),
    FACT_OK("/completed_on"),
    C1("/completed_on", "\"2020-02-29\"", OK),
    FACT_CASES("/accepted_on"),
    FACT_OK("/accepted_on"),
    /* village or locations, exactly one */
    C1F("/village", NULL, MISSING, "/body/village"),
    C1("/locations", LOCS("6000", "4000"), INVALID),
    CN(OK, NULL, {"/village", NULL}, {"/locations", LOCS("6000", "4000")}),
    CN(OK, NULL, {"/village", NULL}, {"/locations", "[{\"code\":\"522731104201\",\"share_bp\":10000}]"}),
    CN(SHARES, "/body/locations", {"/village", NULL}, {"/locations", LOCS("6000", "3000")}),
    CN(SHARES, "/body/locations", {"/village", NULL}, {"/locations", LOCS("6000", "5000")}),
    CN(INVALID, "/body/locations/1/share_bp", {"/village", NULL}, {"/locations", LOCS("6000", "10001")}),
    CN(INVALID, "/body/locations/1/share_bp", {"/village", NULL}, {"/locations", LOCS("6000", "-1")}),
    CN(INVALID, "/body/locations/1/share_bp", {"/village", NULL}, {"/locations", LOCS("6000", "40.5")}),
    CN(INVALID, "/body/locations", {"/village", NULL}, {"/locations", "[]"}),
    CN(MISSING, "/body/locations/0/share_bp", {"/village", NULL}, {"/locations", "[{\"code\":\"522731104201\"}]"}),
    CN(INVALID, "/body/locations/0/code", {"/village", NULL},
       {"/locations", "[{\"code\":\"522731104\",\"share_bp\":10000}]"}),
    CN(SCOPE, "/body/locations/0/code", {"/village", NULL},
       {"/locations", "[{\"code\":\"522732104201\",\"share_bp\":10000}]"}),
    CN(DUP, "/body/locations/1/code", {"/village", NULL},
       {"/locations", "[{\"code\":\"522731104201\",\"share_bp\":5000},{\"code\":\"522731104201\",\"share_bp\":5000}]"}),
    /* a code outside the county (403) outranks shares that do not add up (422) */
    CN(SCOPE, "/body/locations/1/code", {"/village", NULL},
       {"/locations", "[{\"code\":\"522731104201\",\"share_bp\":5000},{\"code\":\"522799104201\",\"share_bp\":1}]"}),
    CN(INVALID, "/body/name", {"/village", "\"522732104201\""}, {"/name", "5"}),
    CEND,
  };
  run_cases("asset.register", "A522731-2019-017-01", asset_body, cases);
}

static void test_asset_rights(void) {
  static const tcase cases[] = {
    C1("/owners", NULL, MISSING),
    C1("/confirmed_on", NULL, MISSING),
    C1("/owners/2/share_bp", NULL, MISSING),
    C1("/certificate_no", NULL, OK),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/owners/0/colour", "\"red\"", UNKNOWN),
    C1("/owners", "[]", INVALID),
    C1("/owners", "{}", INVALID),
    C1("/owners/0", "\"村集体\"", INVALID),
    C1F("/owners/2/share_bp", "1000", SHARES, "/body/owners"),
    C1F("/owners/2/share_bp", "3000", SHARES, "/body/owners"),
    C1("/owners/2/share_bp", "10001", INVALID),
    C1("/owners/2/share_bp", "-2000", INVALID),
    C1("/owners/2/share_bp", "2000.0", INVALID),
    C1("/owners/2/share_bp", "\"2000\"", INVALID),
    C1("/owners/1/kind", "\"family\"", INVALID),
    C1("/owners/1/kind", "\"enterprise\"", OK),
    C1("/owners/1/id", "\"\"", INVALID),
    C1("/owners/1/id", "\" H-0001\"", INVALID),
    C1("/owners/1/id", "\"H-0001\\n\"", INVALID),
    C1("/owners/1/id", "\"王家寨组 3 号\"", OK),
    C1("/owners/1/name", "null", INVALID),
    C1("/certificate_no", "17", INVALID),
    FACT_CASES("/confirmed_on"),
    FACT_OK("/confirmed_on"),
    CN(DUP, "/body/owners/1/id", {"/owners/1/kind", "\"village_collective\""}, {"/owners/1/id", "\"522731104201\""}),
    /* the same id under another kind is another owner */
    C1("/owners/1/id", "\"522731104201\"", OK),
    CEND,
  };
  run_cases("asset.rights", "A522731-2019-017-01",
            "{\"owners\":[{\"kind\":\"village_collective\",\"id\":\"522731104201\",\"name\":\"好花红村股份经济合作社\","
            "\"share_bp\":5000},{\"kind\":\"household\",\"id\":\"H-0001\",\"name\":\"王某\",\"share_bp\":3000},"
            "{\"kind\":\"township\",\"id\":\"522731104\",\"name\":\"好花红镇\",\"share_bp\":2000}],"
            "\"certificate_no\":\"惠资确字〔2020〕第017号\",\"confirmed_on\":\"2020-03-01\"}",
            cases);
  /* The detail tells the clerk the sum and the target. */
  json_t *b = load("{\"owners\":[{\"kind\":\"household\",\"id\":\"H1\",\"name\":\"a\",\"share_bp\":9000}],"
                   "\"confirmed_on\":\"2020-03-01\"}");
  aidreg_problem p;
  CHECK(run("asset.rights", "A1", b, signed_at(), &p) == SHARES);
  CHECK_MSG(strstr(p.detail, "份额合计为 9000") && strstr(p.detail, "add up to 9000") && strstr(p.detail, "10000"),
            "%s", p.detail);
  json_decref(b);
}

static void test_asset_handover(void) {
  static const tcase cases[] = {
    C1("/to", NULL, MISSING),
    C1("/documents_sha256", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/from_unit", "1", INVALID),
    C1("/to", "\"\"", INVALID),
    C1("/to", "5", INVALID),
    FACT_CASES("/handed_over_on"),
    FACT_OK("/handed_over_on"),
    C1("/documents_sha256/0", "\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\"", INVALID),
    C1("/documents_sha256/0", "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\"", INVALID),
    C1("/documents_sha256/0", "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\"", INVALID),
    C1("/documents_sha256", H1, INVALID),
    C1("/documents_sha256", "[]", OK),
    C1("/documents_sha256/-", H2, OK),
    CEND,
  };
  run_cases("asset.handover", "A522731-2019-017-01",
            "{\"from_unit\":\"好花红镇人民政府\",\"to\":\"522731104201\",\"handed_over_on\":\"2020-03-15\","
            "\"documents_sha256\":[" H1 "]}",
            cases);
}

static void test_asset_operator(void) {
  static const tcase cases[] = {
    C1("/mode", NULL, MISSING),
    C1("/operator", NULL, MISSING),
    C1("/operator/name", NULL, MISSING),
    C1("/decided_on", NULL, MISSING),
    C1("/filed_with", NULL, MISSING),
    C1("/operator/key", NULL, OK),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/contract/colour", "\"red\"", UNKNOWN),
    C1("/mode", "\"rent\"", INVALID),
    C1("/mode", "\"equity\"", OK),
    C1("/operator", "\"兴农合作社\"", INVALID),
    C1("/operator/key", "\"abc\"", INVALID),
    C1("/operator/key", "\"\"", INVALID),
    C1("/contract", "[]", INVALID),
    /* contract: required unless the asset is run by its owner (self) */
    C1F("/contract", NULL, MISSING, "/body/contract"),
    CN(OK, NULL, {"/mode", "\"self\""}, {"/contract", NULL}),
    CN(OK, NULL, {"/mode", "\"self\""}),
    CN(INVALID, "/body/contract/end", {"/mode", "\"self\""}, {"/contract/end", "\"2021-13-01\""}),
    C1("/contract/no", NULL, MISSING),
    DATE_CASES("/contract/start"),
    DATE_CASES("/contract/end"),
    C1("/contract/end", "\"2040-12-31\"", OK), /* a promise may lie ahead */
    C1F("/contract/start", "\"2031-01-01\"", REVERSED, "/body/contract/end"),
    C1F("/contract/end", "\"2019-12-31\"", REVERSED, "/body/contract/end"),
    C1("/contract/end", "\"2020-01-01\"", OK),
    FEN_CASES("/contract/agreed_return_fen_per_year"),
    FACT_CASES("/decided_on"),
    FACT_OK("/decided_on"),
    CEND,
  };
  char body[1024];
  snprintf(body, sizeof body,
           "{\"mode\":\"lease\",\"operator\":{\"name\":\"惠水县兴农种养殖专业合作社\",\"kind\":\"cooperative\","
           "\"key\":\"%s\"},\"contract\":{\"no\":\"HT-2020-01\",\"start\":\"2020-01-01\",\"end\":\"2030-12-31\","
           "\"agreed_return_fen_per_year\":1200000},\"decided_on\":\"2019-12-25\",\"filed_with\":\"好花红镇人民政府\"}",
           keyid);
  run_cases("asset.operator", "A522731-2019-017-01", body, cases);
}

static void test_asset_maintainer(void) {
  static const tcase cases[] = {
    C1("/person", NULL, MISSING),
    C1("/from", NULL, MISSING),
    C1("/key", NULL, OK),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/duties", "false", INVALID),
    C1("/key", "\"not a key\"", INVALID),
    C1("/key", "7", INVALID),
    DATE_CASES("/from"),
    C1("/from", "\"2026-01-01\"", OK), /* an appointment may start later */
    CEND,
  };
  char body[1024];
  snprintf(body, sizeof body,
           "{\"body\":\"新民村村民委员会\",\"person\":\"李某\",\"duties\":\"每月巡查蓄水池和管网，及时报修\","
           "\"fund_source\":\"村集体经济收入\",\"from\":\"2020-11-01\",\"key\":\"%s\"}",
           keyid);
  run_cases("asset.maintainer", "A522731-2020-041-01", body, cases);
}

static void test_asset_status(void) {
  static const tcase cases[] = {
    C1("/status", NULL, MISSING),
    C1("/reason", NULL, MISSING),
    C1("/remediation_due", NULL, OK),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/status", "\"broken\"", INVALID),
    C1("/status", "\"occupied\"", OK),
    C1("/reason", "[]", INVALID),
    DATE_CASES("/remediation_due"),
    C1("/remediation_due", "\"2030-12-31\"", OK),
    CEND,
  };
  run_cases("asset.status", "A522731-2019-017-01",
            "{\"status\":\"idle\",\"reason\":\"逆变器故障停运\",\"remediation_due\":\"2025-12-31\"}", cases);
}

static void test_maintenance_report(void) {
  static const tcase cases[] = {
    C1("/kind", NULL, MISSING),
    C1("/note", NULL, MISSING),
    C1("/photos_sha256", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/kind", "\"cleaning\"", INVALID),
    C1("/condition", "\"broken\"", INVALID),
    C1("/paid_from", "\"loan\"", INVALID),
    C1("/paid_from", "\"income\"", OK),
    FACT_CASES("/date"),
    FACT_OK("/date"),
    FEN_CASES("/cost_fen"),
    C1F("/photos_sha256/-", "\"XYZ\"", INVALID, "/body/photos_sha256/1"),
    C1("/photos_sha256", "null", INVALID),
    C1("/note", "\"\"", OK),
    CEND,
  };
  run_cases("maintenance.report", "A522731-2020-041-01",
            "{\"kind\":\"repair\",\"date\":\"2024-05-06\",\"condition\":\"good\",\"cost_fen\":128000,"
            "\"paid_from\":\"maintenance_fund\",\"note\":\"更换 2 号蓄水池进水阀\",\"photos_sha256\":[" H1 "]}",
            cases);
}

static void test_inventory_count(void) {
  static const tcase cases[] = {
    C1("/found", NULL, MISSING),
    C1("/condition", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/found", "\"yes\"", INVALID),
    C1("/found", "1", INVALID),
    C1("/found", "false", OK),
    C1("/condition", "\"lost\"", INVALID),
    C1("/condition", "\"needs_repair\"", OK),
    FACT_CASES("/date"),
    FACT_OK("/date"),
    C1F("/photos_sha256/-", "\"abc\"", INVALID, "/body/photos_sha256/0"),
    CEND,
  };
  run_cases("inventory.count", "A522731-2019-017-01",
            "{\"date\":\"2025-06-01\",\"found\":true,\"condition\":\"good\",\"note\":\"\",\"photos_sha256\":[]}",
            cases);
}

static void test_income_report(void) {
  static const tcase cases[] = {
    C1("/gross_fen", NULL, MISSING),
    C1("/costs", NULL, MISSING),
    C1("/payer", NULL, MISSING),
    C1("/costs/0/amount_fen", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/costs/0/colour", "\"red\"", UNKNOWN),
    C1("/costs/0/kind", "\"rent\"", INVALID),
    C1("/costs", "{}", INVALID),
    C1("/account", "1", INVALID),
    FEN_CASES("/costs/0/amount_fen") /* ok cases below fix the net */,
    C1("/gross_fen", "-1", INVALID),
    C1("/gross_fen", "1.5", INVALID),
    C1("/gross_fen", "1e19", INVALID),
    C1("/gross_fen", "\"3600000\"", INVALID),
    C1("/net_fen", "-1", INVALID),
    C1("/net_fen", "3100000.0", INVALID),
    DATE_CASES("/period_start"),
    FACT_CASES("/period_end"),
    FACT_OK("/period_end"),
    FACT_CASES("/received_on"),
    FACT_OK("/received_on"),
    /* net = gross - costs */
    C1F("/net_fen", "3000000", NET, "/body/net_fen"),
    C1F("/net_fen", "3600000", NET, "/body/net_fen"),
    CN(OK, NULL, {"/costs", "[]"}, {"/net_fen", "3600000"}),
    CN(NET, "/body/costs", {"/costs/0/amount_fen", "4000000"}, {"/net_fen", "0"}),
    CN(OK, NULL, {"/costs/0/amount_fen", "3400000"}, {"/net_fen", "0"}),
    CN(OVERFLOW, "/body/costs", {"/costs/0/amount_fen", MAXFEN}, {"/costs/1/amount_fen", MAXFEN}),
    CN(OK, NULL, {"/gross_fen", MAXFEN}, {"/costs", "[]"}, {"/net_fen", MAXFEN}),
    /* period */
    C1F("/period_start", "\"2025-01-01\"", REVERSED, "/body/period_end"),
    C1("/period_start", "\"2024-12-31\"", OK),
    CN(REVERSED, "/body/period_end", {"/period_start", "\"2025-06-01\""}, {"/period_end", "\"2025-05-31\""}),
    CEND,
  };
  /* FEN_CASES above change one cost without fixing net_fen: "0" and MAXFEN break the sum. */
  static const tcase fen_fixups[] = {
    CN(OK, NULL, {"/costs/0/amount_fen", "0"}, {"/net_fen", "3400000"}),
    CN(OVERFLOW, "/body/costs", {"/costs/0/amount_fen", MAXFEN}),
    CEND,
  };
  const char *body =
    "{\"period_start\":\"2024-01-01\",\"period_end\":\"2024-12-31\",\"gross_fen\":3600000,"
    "\"costs\":[{\"kind\":\"land_rent\",\"amount_fen\":300000},{\"kind\":\"o_and_m\",\"amount_fen\":200000}],"
    "\"net_fen\":3100000,\"payer\":\"国网贵州电网惠水供电局\",\"received_on\":\"2025-01-15\","
    "\"account\":\"好花红村股份经济合作社 农商银行 ****1234\"}";
  /* Run the main table without the two FEN_CASES ok rows, which the fixups cover. */
  tcase filtered[128];
  size_t n = 0;
  for (const tcase *c = cases; c->m[0].ptr && n + 1 < sizeof filtered / sizeof filtered[0]; c++) {
    if (c->code == OK && c->m[1].ptr == NULL && strcmp(c->m[0].ptr, "/costs/0/amount_fen") == 0) continue;
    filtered[n++] = *c;
  }
  filtered[n] = (tcase)CEND;
  run_cases("income.report", "A522731-2019-017-01", body, filtered);
  run_cases("income.report", "A522731-2019-017-01", body, fen_fixups);

  json_t *b = load(body);
  json_object_set_new(b, "net_fen", json_integer(3000000));
  aidreg_problem p;
  CHECK(run("income.report", "A1", b, signed_at(), &p) == NET);
  CHECK_MSG(strstr(p.detail, "3100000") && strstr(p.detail, "31000.00"), "%s", p.detail);
  json_decref(b);
}

#define STEPS                                                                                                   \
  "[{\"step\":\"proposal\",\"date\":\"2025-03-01\",\"minutes_sha256\":" H1 "},"                                  \
  "{\"step\":\"committees\",\"date\":\"2025-03-05\",\"minutes_sha256\":" H1 "},"                                 \
  "{\"step\":\"party_members\",\"date\":\"2025-03-10\",\"minutes_sha256\":" H1 "},"                              \
  "{\"step\":\"villagers_meeting\",\"date\":\"2025-03-15\",\"minutes_sha256\":" H2 "}]"

static void test_allocation_plan(void) {
  static const tcase cases[] = {
    C1("/village", NULL, MISSING),
    C1("/sources", NULL, MISSING),
    C1("/lines", NULL, MISSING),
    C1("/steps", NULL, MISSING),
    C1("/lines/0/description", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/lines/1/colour", "\"red\"", UNKNOWN),
    C1("/village", "\"522731104\"", INVALID),
    C1("/village", "522731104201", INVALID),
    C1("/village", "\"522732104201\"", SCOPE),
    C1("/year", "1999", INVALID),
    C1("/year", "\"2025\"", INVALID),
    C1("/sources", "[]", INVALID),
    C1("/lines", "[]", INVALID),
    C1("/steps", "[]", INVALID),
    C1("/sources/0/income", "\"abc\"", INVALID),
    C1("/lines/0/purpose", "\"vehicles\"", INVALID),
    C1("/steps/0/step", "\"meeting\"", INVALID),
    C1("/steps/0/minutes_sha256", "null", INVALID),
    C1("/lines/0/amount_fen", "-1", INVALID),
    C1("/lines/0/amount_fen", "1200000.5", INVALID),
    C1("/lines/0/amount_fen", "1e19", INVALID),
    C1("/lines/0/amount_fen", "\"1200000\"", INVALID),
    C1("/sources/0/amount_fen", "-2000000", INVALID),
    C1("/sources/0/amount_fen", "true", INVALID),
    DATE_CASES("/steps/2/date"),
    C1("/steps/3/date", "\"2025-07-01\"", OK),
    C1F("/steps/3/date", "\"2025-07-02\"", AFTER, "/body/steps/3/date"),
    /* lines total = sources total */
    C1F("/lines/0/amount_fen", "1100000", UNBALANCED, "/body/lines"),
    C1F("/sources/0/amount_fen", "2000001", UNBALANCED, "/body/lines"),
    CN(OK, NULL, {"/sources/-", "{\"income\":" H2 ",\"amount_fen\":500000}"}, {"/lines/1/amount_fen", "1300000"}),
    CN(DUP, "/body/sources/1/income", {"/sources/-", "{\"income\":" H1 ",\"amount_fen\":500000}"},
       {"/lines/1/amount_fen", "1300000"}),
    CN(OVERFLOW, "/body/lines", {"/lines/0/amount_fen", MAXFEN}, {"/lines/1/amount_fen", MAXFEN}),
    CN(OVERFLOW, "/body/sources", {"/sources/-", "{\"income\":" H2 ",\"amount_fen\":" MAXFEN "}"}),
    CEND,
  };
  run_cases("allocation.plan", "PLAN-522731104201-2025-01",
            "{\"village\":\"522731104201\",\"year\":2025,\"sources\":[{\"income\":" H1 ",\"amount_fen\":2000000}],"
            "\"lines\":[{\"purpose\":\"public_jobs\",\"description\":\"公益岗位工资 10 人\",\"amount_fen\":1200000},"
            "{\"purpose\":\"small_public_works\",\"description\":\"村组道路修补\",\"amount_fen\":800000}],"
            "\"steps\":" STEPS "}",
            cases);
}

static void test_allocation_review_filed(void) {
  static const tcase review[] = {
    C1("/decision", NULL, MISSING),
    C1("/note", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/decision", "\"ok\"", INVALID),
    C1("/decision", "\"rejected\"", INVALID),
    C1("/decision", "\"returned\"", OK),
    C1("/decision", "1", INVALID),
    C1("/note", "{}", INVALID),
    CEND,
  };
  run_cases("allocation.review", "PLAN-522731104201-2025-01", "{\"decision\":\"approved\",\"note\":\"同意\"}", review);
  static const tcase filed[] = {
    C1("/note", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/note", "5", INVALID),
    C1("/note", "\"\"", OK),
    CEND,
  };
  run_cases("allocation.filed", "PLAN-522731104201-2025-01", "{\"note\":\"已备案\"}", filed);
  expect_text("allocation.filed", "PLAN 1", "{\"note\":\"\"}", INVALID, "/subject");
}

static const char *notice_body =
  "{\"kind\":\"allocation\",\"start\":\"2025-06-20\",\"end\":\"2025-06-30\",\"content_sha256\":" H1
  ",\"place\":\"村务公开栏\"}";

static void test_notice_publish(void) {
  static const tcase cases[] = {
    C1("/kind", NULL, MISSING),
    C1("/end", NULL, MISSING),
    C1("/place", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/kind", "\"poster\"", INVALID),
    C1("/kind", "\"annual\"", OK),
    C1("/content_sha256", "\"\"", INVALID),
    FACT_CASES("/start"),
    DATE_CASES("/end"),
    C1("/end", "\"2025-07-10\"", OK), /* the period may run past the signing */
    C1F("/end", "\"2025-06-19\"", REVERSED, "/body/end"),
    C1("/end", "\"2025-06-20\"", OK),
    CEND,
  };
  run_cases("notice.publish", "PLAN-522731104201-2025-01", notice_body, cases);
  /* The subject: a plan id, an asset code or a village code (inside the county). */
  expect_text("notice.publish", "A522731-2019-017-01", notice_body, OK, NULL);
  expect_text("notice.publish", "522731104201", notice_body, OK, NULL);
  expect_text("notice.publish", "522732104201", notice_body, SCOPE, "/subject");
  expect_text("notice.publish", "村务", notice_body, INVALID, "/subject");
}

static void test_allocation_payout(void) {
  static const tcase cases[] = {
    C1("/line", NULL, MISSING),
    C1("/payee/id", NULL, MISSING),
    C1("/voucher_no", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/payee/colour", "\"red\"", UNKNOWN),
    C1("/line", "-1", INVALID),
    C1("/line", "\"0\"", INVALID),
    C1("/line", "0.0", INVALID),
    C1("/line", "1", OK),
    C1("/payee", "\"王某\"", INVALID),
    C1("/payee/kind", "\"family\"", INVALID),
    C1("/payee/kind", "\"org\"", OK),
    C1("/payee/id", "\"\"", INVALID),
    /* The ledger is public: no 身份证号 in a payee (issue 9 item 18), alone or inside text,
     * with an X; an 18-digit account number whose digits 7-14 are no date is fine. */
    C1("/payee/id", "\"52273119850612341X\"", NATIONAL_ID),
    C1("/payee/id", "\"522731198506123417\"", NATIONAL_ID),
    C1("/payee/id", "\"身份证 52273120010229341x 户\"", OK), /* 2001-02-29 is no date */
    C1("/payee/id", "\"户主522731200002293412\"", NATIONAL_ID), /* 2000-02-29 is */
    C1("/payee/name", "\"王某 522731198506123417\"", NATIONAL_ID),
    C1("/payee/id", "\"622848001234567890\"", OK),
    C1("/payee/id", "\"6228480012345678901\"", OK), /* 19 digits: a bank card, no 18-character run */
    C1("/payee/id", "\"H-0001-522731198506123\"", OK),
    FEN_CASES("/amount_fen"),
    FACT_CASES("/paid_on"),
    FACT_OK("/paid_on"),
    CEND,
  };
  run_cases("allocation.payout", "PLAN-522731104201-2025-01",
            "{\"line\":0,\"payee\":{\"kind\":\"household\",\"id\":\"H-0001\",\"name\":\"王某\"},\"amount_fen\":150000,"
            "\"paid_on\":\"2025-06-28\",\"voucher_no\":\"记-2025-06-031\"}",
            cases);
}

static void test_disposal(void) {
  static const tcase request[] = {
    C1("/trigger", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/trigger", "\"flood\"", INVALID),
    C1("/method", "\"sale\"", INVALID),
    C1("/method", "\"write_off\"", OK),
    FEN_CASES("/valuation_fen"),
    FACT_CASES("/decided_on"),
    FACT_OK("/decided_on"),
    CEND,
  };
  run_cases("disposal.request", "A522731-2019-017-01",
            "{\"trigger\":\"disaster\",\"method\":\"scrap\",\"valuation_fen\":50000,\"decided_on\":\"2025-05-20\"}",
            request);
  static const tcase approve[] = {
    C1("/request", NULL, MISSING),
    C1("/conditions", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/request", "\"0123\"", INVALID),
    C1("/decision", "\"returned\"", INVALID),
    C1("/decision", "\"rejected\"", OK),
    CEND,
  };
  run_cases("disposal.approve", "A522731-2019-017-01",
            "{\"request\":" H1 ",\"decision\":\"approved\",\"conditions\":\"残值收入归村集体\"}", approve);
  static const tcase complete[] = {
    C1("/proceeds_to", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/proceeds_to", "\"\"", INVALID),
    C1("/counterparty", "0", INVALID),
    FEN_CASES("/proceeds_fen"),
    FACT_CASES("/completed_on"),
    FACT_OK("/completed_on"),
    CEND,
  };
  run_cases("disposal.complete", "A522731-2019-017-01",
            "{\"completed_on\":\"2025-06-10\",\"proceeds_fen\":50000,\"counterparty\":\"惠水县再生资源回收站\","
            "\"proceeds_to\":\"522731104201\"}",
            complete);
}

static void test_findings(void) {
  static const tcase record[] = {
    C1("/check", NULL, MISSING),
    C1("/due", NULL, OK),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/severity", "\"critical\"", INVALID),
    C1("/severity", "\"serious\"", OK),
    DATE_CASES("/due"),
    C1("/due", "\"2030-01-01\"", OK),
    CEND,
  };
  run_cases("finding.record", "A522731-2020-041-01",
            "{\"check\":\"no_maintainer\",\"severity\":\"warning\",\"note\":\"公益性资产未明确管护主体\","
            "\"due\":\"2025-09-30\"}",
            record);
  expect_text("finding.record", "522731104202", "{\"check\":\"no_notice\",\"severity\":\"info\",\"note\":\"\"}", OK,
              NULL);
  static const tcase resolve[] = {
    C1("/finding", NULL, MISSING),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/finding", "5", INVALID),
    C1("/action", "null", INVALID),
    FACT_CASES("/resolved_on"),
    FACT_OK("/resolved_on"),
    CEND,
  };
  run_cases("finding.resolve", "A522731-2020-041-01",
            "{\"finding\":" H1 ",\"action\":\"已明确村委会为管护主体\",\"resolved_on\":\"2025-06-30\"}", resolve);
}

static void test_correction(void) {
  static const tcase cases[] = {
    C1("/corrects", NULL, MISSING),
    C1("/reason", NULL, MISSING),
    C1("/body", NULL, OK),
    C1("/colour", "\"red\"", UNKNOWN),
    C1("/corrects", "\"entry 17\"", INVALID),
    C1("/reason", "1", INVALID),
    C1("/body", "\"x\"", INVALID),
    C1("/body", "[]", INVALID),
    C1("/body", "{}", OK), /* judged later, against the corrected entry's type */
    CEND,
  };
  run_cases("correction", "A522731-2019-017-01",
            "{\"corrects\":" H1 ",\"reason\":\"净收益录入错误\",\"body\":{\"net_fen\":1}}", cases);

  /* The replacement body, validated as the corrected type, with pointers below it. */
  aidreg_event ev;
  memset(&ev, 0, sizeof ev);
  ev.type = "correction";
  ev.subject = "A522731-2019-017-01";
  ev.time = signed_at();
  aidreg_problem p;
  json_t *b = load("{\"period_start\":\"2024-01-01\",\"period_end\":\"2024-12-31\",\"gross_fen\":100,\"costs\":[],"
                   "\"net_fen\":90,\"payer\":\"x\",\"received_on\":\"2025-01-15\",\"account\":\"x\"}");
  CHECK(ar_domain_validate_body_as("income.report", b, &ev, COUNTY, "/body/body", &p) == -1);
  CHECK(p.code == NET);
  CHECK_STR(p.field, "/body/body/net_fen");
  json_object_set_new(b, "net_fen", json_integer(100));
  CHECK(ar_domain_validate_body_as("income.report", b, &ev, COUNTY, "/body/body", &p) == 0);
  json_object_set_new(b, "received_on", json_string("2025-07-02"));
  CHECK(ar_domain_validate_body_as("income.report", b, &ev, COUNTY, "/body/body", &p) == -1);
  CHECK(p.code == AFTER);
  CHECK_STR(p.field, "/body/body/received_on");
  json_object_set_new(b, "colour", json_string("red"));
  CHECK(ar_domain_validate_body_as("income.report", b, &ev, COUNTY, "/body/body", &p) == -1);
  CHECK(p.code == UNKNOWN);
  CHECK_STR(p.field, "/body/body/colour");
  CHECK(ar_domain_validate_body_as("key.enroll", b, &ev, COUNTY, "/body/body", &p) == -1);
  CHECK(p.code == INVALID);
  CHECK_STR(p.field, "/body/body");
  CHECK(ar_domain_validate_body_as("no.such", b, &ev, COUNTY, "/body/body", &p) == -1);
  json_decref(b);
  /* ledger.create's settings, as ledger.settings. */
  b = load("{\"publicity_days\":0}");
  CHECK(ar_domain_validate_body_as("ledger.settings", b, &ev, COUNTY, "/body/settings", &p) == -1);
  CHECK(p.code == INVALID);
  CHECK_STR(p.field, "/body/settings/publicity_days");
  json_decref(b);
  b = load("[]");
  CHECK(ar_domain_validate_body_as("ledger.settings", b, &ev, COUNTY, "/body/settings", &p) == -1);
  CHECK_STR(p.field, "/body/settings");
  json_decref(b);
}

/* ---- across types ---- */

static void test_general(void) {
  /* Unknown types are refused; authority events are authority.c's. */
  expect_text("asset.paint", "A1", "{}", AIDREG_E_UNKNOWN_EVENT_TYPE, "/type");
  expect_text("ledger.create", COUNTY, "{\"anything\":1}", OK, NULL);
  expect_text("key.enroll", "k", "{\"anything\":1}", OK, NULL);
  expect_text("key.revoke", "k", "{}", OK, NULL);
  /* Every other catalogue type has a schema: its empty body misses something (or, for
   * ledger.settings, is complete). */
  for (const aidreg_event_type *t = aidreg_event_types(); t->name; t++) {
    if (strncmp(t->name, "key.", 4) == 0 || strcmp(t->name, "ledger.create") == 0) continue;
    json_t *b = json_object();
    const char *subject = t->subject == AIDREG_SUBJ_COUNTY  ? COUNTY
                          : t->subject == AIDREG_SUBJ_PLACE ? COUNTY "001"
                                                            : "X-1";
    aidreg_problem p;
    aidreg_code c = run(t->name, subject, b, signed_at(), &p);
    CHECK_MSG(strcmp(t->name, "ledger.settings") == 0 ? c == OK : c == MISSING, "%s {}: %s", t->name,
              aidreg_problem_slug(c));
    json_object_set_new(b, "colour", json_string("red"));
    c = run(t->name, subject, b, signed_at(), &p);
    CHECK_MSG(c == UNKNOWN && strcmp(p.field, "/body/colour") == 0, "%s: %s %s", t->name, aidreg_problem_slug(c),
              p.field);
    json_decref(b);
  }
  /* A body that is not an object. */
  json_t *arr = json_array();
  expect("array body", "allocation.filed", "PLAN-1", arr, INVALID, "/body");
  json_decref(arr);

  /* Unknown member names are escaped in the pointer (RFC 6901) and cut to fit. */
  expect_text("allocation.filed", "PLAN-1", "{\"note\":\"\",\"a/b~c\":1}", UNKNOWN, "/body/a~1b~0c");
  char big[600];
  strcpy(big, "{\"note\":\"\",\"");
  for (int i = 0; i < 60; i++) strcat(big, "名");
  strcat(big, "\":1}");
  json_t *b = load(big);
  aidreg_problem p;
  CHECK(run("allocation.filed", "PLAN-1", b, signed_at(), &p) == UNKNOWN);
  CHECK(strncmp(p.field, "/body/名", strlen("/body/名")) == 0);
  CHECK(strlen(p.field) < sizeof p.field);
  json_decref(b);

  /* An amount beyond int64 never reaches the body: the payload parser refuses it. */
  const char *payload = "{\"ledger\":\"522731\",\"type\":\"maintenance.report\",\"subject\":\"A1\","
                        "\"time\":\"2025-06-30T20:00:00Z\",\"body\":{\"cost_fen\":9223372036854775808}}";
  aidreg_event ev;
  memset(&ev, 0, sizeof ev);
  CHECK(aidreg_event_parse((const uint8_t *)payload, strlen(payload), &ev, &p) == -1);
  CHECK(p.code == AIDREG_E_MALFORMED_JSON);
  aidreg_event_free(&ev);
  /* ... and a decimal of that size is no integer. */
  expect_text("allocation.payout", "PLAN-1",
              "{\"line\":0,\"payee\":{\"kind\":\"household\",\"id\":\"H1\",\"name\":\"a\"},"
              "\"amount_fen\":9223372036854775808.0,\"paid_on\":\"2025-06-28\",\"voucher_no\":\"1\"}",
              INVALID, "/body/amount_fen");
}

/* The signer's date is taken in Asia/Shanghai (UTC+8). */
static void test_signing_date(void) {
  json_t *b = load("{\"finding\":" H1 ",\"action\":\"x\",\"resolved_on\":\"2025-07-01\"}");
  aidreg_problem p;
  int64_t t;
  aidreg_rfc3339_parse("2025-06-30T15:59:59Z", &t, NULL); /* 23:59:59 on 06-30 in Beijing */
  CHECK(run("finding.resolve", "A1", b, t, &p) == AFTER);
  CHECK_STR(p.field, "/body/resolved_on");
  CHECK_MSG(strstr(p.detail, "2025-06-30") && strstr(p.detail, "2025-07-01"), "%s", p.detail);
  aidreg_rfc3339_parse("2025-06-30T16:00:00Z", &t, NULL); /* 00:00 on 07-01 in Beijing */
  CHECK(run("finding.resolve", "A1", b, t, &p) == OK);
  aidreg_rfc3339_parse("2025-07-01T00:30:00+08:00", &t, NULL);
  CHECK(run("finding.resolve", "A1", b, t, &p) == OK);
  aidreg_rfc3339_parse("1969-12-31T00:00:00Z", &t, NULL); /* before 1970: floor division */
  json_object_set_new(b, "resolved_on", json_string("1970-01-01"));
  CHECK(run("finding.resolve", "A1", b, t, &p) == AFTER);
  json_object_set_new(b, "resolved_on", json_string("1969-12-31"));
  CHECK(run("finding.resolve", "A1", b, t, &p) == OK);
  json_decref(b);
}

static void test_settings(void) {
  domain_settings s, d;
  ar_domain_settings_defaults(&d);
  CHECK(d.publicity_days == 7 && d.idle_months == 12 && d.unallocated_months == 12);
  CHECK(d.inspection_months_public_welfare == 6 && d.inspection_months_operating == 12 &&
        d.inspection_months_household == 12);
  CHECK(d.forbidden_purposes == 0 && d.required_steps == DOMAIN_STEPS_ALL);
  CHECK(ar_domain_settings_inspection_months(&d, "public_welfare") == 6);
  CHECK(ar_domain_settings_inspection_months(&d, "household") == 12);
  CHECK(ar_domain_settings_inspection_months(&d, "operating") == 12);

  json_t *b = json_object();
  CHECK(ar_domain_settings_parse(b, &s) == 0);
  CHECK(memcmp(&s, &d, sizeof s) == 0);
  json_decref(b);

  b = load("{\"publicity_days\":10,\"inspection_months\":{\"operating\":3},\"forbidden_purposes\":[\"other\","
           "\"awards_aid\"],\"required_steps\":[\"villagers_meeting\"]}");
  CHECK(ar_domain_settings_parse(b, &s) == 0);
  CHECK(s.publicity_days == 10 && s.idle_months == 12);
  CHECK(s.inspection_months_operating == 3 && s.inspection_months_public_welfare == 6);
  CHECK(s.forbidden_purposes == (DOMAIN_PURPOSE_OTHER | DOMAIN_PURPOSE_AWARDS_AID));
  CHECK(s.required_steps == DOMAIN_STEP_VILLAGERS_MEETING);
  json_decref(b);

  /* The JSON form parses back to the same settings. */
  json_t *j = ar_domain_settings_json(&s);
  domain_settings back;
  CHECK(j && ar_domain_settings_parse(j, &back) == 0);
  CHECK(memcmp(&s, &back, sizeof s) == 0);
  json_decref(j);
  j = ar_domain_settings_json(&d);
  CHECK(j && json_array_size(json_object_get(j, "required_steps")) == 4);
  CHECK(j && json_array_size(json_object_get(j, "forbidden_purposes")) == 0);
  json_decref(j);

  b = load("{\"publicity_days\":0}");
  CHECK(ar_domain_settings_parse(b, &s) == -1);
  CHECK(memcmp(&s, &d, sizeof s) == 0);
  json_decref(b);

  CHECK(ar_domain_purpose_bit("public_jobs") == DOMAIN_PURPOSE_PUBLIC_JOBS);
  CHECK(ar_domain_purpose_bit("collective_economy") == DOMAIN_PURPOSE_COLLECTIVE_ECONOMY);
  CHECK(ar_domain_purpose_bit("vehicles") == 0 && ar_domain_purpose_bit(NULL) == 0);
  CHECK(ar_domain_step_bit("proposal") == DOMAIN_STEP_PROPOSAL);
  CHECK(ar_domain_step_bit("party_members") == DOMAIN_STEP_PARTY_MEMBERS);
}

static void test_labels(void) {
  CHECK_STR(ar_domain_label("public_welfare"), "公益性");
  CHECK_STR(ar_domain_label("industry"), "产业发展");
  CHECK_STR(ar_domain_label("write_off"), "核销");
  CHECK_STR(ar_domain_label("villagers_meeting"), "村民（代表）会议决议");
  CHECK_STR(ar_domain_label("household"), "到户类");
  CHECK_STR(ar_domain_label_in("owner_kind", "household"), "农户");
  CHECK_STR(ar_domain_label_in("payee_kind", "household"), "农户");
  CHECK_STR(ar_domain_label_in("cost_kind", "o_and_m"), "运维费用");
  CHECK_STR(ar_domain_label_in("purpose", "o_and_m"), "运行管护");
  CHECK(ar_domain_label("nothing") == NULL && ar_domain_label(NULL) == NULL);
  CHECK(ar_domain_label_in("purpose", "industry") == NULL && ar_domain_label_in("colour", "red") == NULL);
}

/* "a,b,c" of the values a read filter takes. */
static const char *joined(const char *(*values)(size_t), char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; values(i) && n < cap; i++) n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "," : "", values(i));
  return out;
}

/* The enumerations the read API filters by come from the domain's lists. */
static void test_state_filters(void) {
  char buf[256];
  CHECK_STR(joined(aidreg_state_asset_class, buf, sizeof buf), "operating,public_welfare,household");
  CHECK_STR(joined(aidreg_state_asset_status, buf, sizeof buf), "in_use,low_yield,idle,damaged,occupied,disposed");
  CHECK_STR(joined(aidreg_state_plan_state, buf, sizeof buf),
            "drafted,returned,reviewed,filed,publicised,paying,closed,withdrawn");
  CHECK(aidreg_state_id_ok("A-1") && aidreg_state_id_ok("光伏") == false);
  CHECK(!aidreg_state_id_ok("") && !aidreg_state_id_ok("a b") && !aidreg_state_id_ok("a/b") && !aidreg_state_id_ok(NULL));
  memset(buf, 'x', 65);
  buf[65] = '\0';
  CHECK(!aidreg_state_id_ok(buf));
  buf[64] = '\0';
  CHECK(aidreg_state_id_ok(buf));
}

/* An unknown type named in the refusal is cut at a character boundary, never inside one
 * (found by fuzz_validate: 39 letters then 民 made the detail invalid UTF-8). */
static void test_unknown_type_cut(void) {
  aidreg_problem p;
  json_t *b = json_object();
  CHECK(run("abcdefghijklmnopqrstuvwxyzabcdefghijklm民", "A-1", b, signed_at(), &p) == AIDREG_E_UNKNOWN_EVENT_TYPE);
  CHECK(strstr(p.detail, "abcdefghijklm\"") != NULL);
  json_decref(b);
}

int main(void) {
  uint8_t pk[32];
  for (int i = 0; i < 32; i++) pk[i] = (uint8_t)(i * 7 + 1);
  aidreg_key_id(pk, keyid);

  test_unknown_type_cut();
  test_ledger_settings();
  test_project_register();
  test_asset_register();
  test_asset_rights();
  test_asset_handover();
  test_asset_operator();
  test_asset_maintainer();
  test_asset_status();
  test_maintenance_report();
  test_inventory_count();
  test_income_report();
  test_allocation_plan();
  test_allocation_review_filed();
  test_notice_publish();
  test_allocation_payout();
  test_disposal();
  test_findings();
  test_correction();
  test_general();
  test_signing_date();
  test_settings();
  test_labels();
  test_state_filters();
  return test_done();
}
