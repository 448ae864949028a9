/* aidreg-bench-audit: the audit engine's own cost on a generated county. Builds a ledger
 * of --assets N assets (default 100000; about ten entries each: registration, rights,
 * handover, maintainer, four maintenance reports, an inventory count, a status; operating
 * assets also an operator and two income reports; one project per ten assets), feeds it
 * entry by entry to the engine (aidreg_audit_entry, signatures taken as verified: that is
 * the verifier's cost, measured by aidreg verify), then computes the audit. Prints the
 * entries, the replay and audit times and the peak RSS. Deterministic (no clock in the
 * data, no randomness). */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "aidreg/audit.h"
#include "aidreg/keys.h"

#define COUNTY "529901"
#define ORIGIN "bench.aidreg/529901"

static char root_id[AIDREG_KEYID_LEN + 1], county_id[AIDREG_KEYID_LEN + 1];
static aidreg_audit *A;
static uint64_t N;
static double parse_s;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void add(const char *signer, const char *date, const char *type, const char *subject, const char *body) {
  static char payload[8192];
  int n = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"" ORIGIN "\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%sT12:00:00+08:00\",\"body\":%s}",
                   type, subject, date, body);
  aidreg_event ev;
  aidreg_problem p;
  aidreg_problem_clear(&p);
  double t0 = now();
  if (aidreg_event_parse((const uint8_t *)payload, (size_t)n, &ev, &p)) {
    fprintf(stderr, "bench-audit: entry %" PRIu64 " does not parse: %s\n", N, p.detail);
    exit(1);
  }
  parse_s += now() - t0;
  aidreg_envelope env;
  memset(&env, 0, sizeof env);
  env.nsig = 1;
  snprintf(env.sigs[0].keyid, sizeof env.sigs[0].keyid, "%s", signer);
  char err[1024];
  if (aidreg_audit_entry(A, N, &env, &ev, err, sizeof err)) {
    fprintf(stderr, "bench-audit: %s\n", err);
    exit(1);
  }
  aidreg_event_free(&ev);
  N++;
}

int main(int argc, char **argv) {
  long assets = 100000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--assets") && i + 1 < argc) assets = atol(argv[++i]);
    else {
      fprintf(stderr, "usage: aidreg-bench-audit [--assets N]\n");
      return 2;
    }
  }
  if (sodium_init() < 0) return 1;
  aidreg_keypair r, c;
  aidreg_key_generate(&r);
  aidreg_key_generate(&c);
  aidreg_key_id(r.pk, root_id);
  aidreg_key_id(c.pk, county_id);
  A = aidreg_audit_new(COUNTY);
  if (!A) return 1;
  char body[4096], subj[64], proj[64] = "", village[16];
  double t0 = now();
  snprintf(body, sizeof body, "{\"code\":\"" COUNTY "\",\"name\":\"基准县\",\"root_key\":\"%s\",\"settings\":{}}", root_id);
  add(root_id, "2023-01-01", "ledger.create", COUNTY, body);
  snprintf(body, sizeof body,
           "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"" COUNTY "\",\"holder\":{\"name\":\"n\",\"org\":\"o\"}}", county_id);
  add(root_id, "2023-01-01", "key.enroll", county_id, body);
  for (long a = 0; a < assets; a++) {
    snprintf(village, sizeof village, COUNTY "%03ld%03ld", 100 + (a / 5000) % 20, 201 + (a / 500) % 10);
    if (a % 10 == 0) {
      snprintf(proj, sizeof proj, "P-%06ld", a / 10);
      snprintf(body, sizeof body,
               "{\"name\":\"项目%ld\",\"type\":\"industry\",\"year\":2023,\"funding_lines\":[{\"channel\":\"衔接资金\","
               "\"year\":2023,\"amount_fen\":%ld}],\"locations\":[\"%s\"],\"industry_dept\":\"农业农村局\","
               "\"implementing_unit\":\"乡村振兴局\",\"accepted_on\":\"2023-03-01\"}",
               a / 10, 10L * (100000 + a % 7), village);
      add(county_id, "2023-03-01", "project.register", proj, body);
    }
    bool op = a % 10 == 3;
    snprintf(subj, sizeof subj, "A-%07ld", a);
    snprintf(body, sizeof body,
             "{\"project\":\"%s\",\"name\":\"资产%ld\",\"class\":\"%s\",\"subtype\":\"x\",\"form\":\"fixed\",\"village\":\"%s\","
             "\"original_value_fen\":%ld,\"quantity\":1,\"unit\":\"座\",\"completed_on\":\"2023-03-01\",\"accepted_on\":\"2023-03-01\"}",
             proj, a, op ? "operating" : a % 10 < 6 ? "public_welfare" : "household", village, 100000 + (a - a % 10) % 7);
    add(county_id, "2023-03-01", "asset.register", subj, body);
    snprintf(body, sizeof body,
             "{\"owners\":[{\"kind\":\"village_collective\",\"id\":\"%s\",\"name\":\"村集体\",\"share_bp\":10000}]%s,"
             "\"confirmed_on\":\"2023-03-10\"}",
             village, a % 97 ? ",\"certificate_no\":\"确-1\"" : "");
    add(county_id, "2023-03-10", "asset.rights", subj, body);
    if (a % 89) {
      snprintf(body, sizeof body,
               "{\"from_unit\":\"乡村振兴局\",\"to\":\"%s\",\"handed_over_on\":\"2023-03-20\",\"documents_sha256\":[]}", village);
      add(county_id, "2023-03-20", "asset.handover", subj, body);
    }
    if (a % 83)
      add(county_id, "2023-04-01", "asset.maintainer", subj,
          "{\"body\":\"村委会\",\"person\":\"张三\",\"duties\":\"巡查\",\"fund_source\":\"村集体\",\"from\":\"2023-04-01\"}");
    static const char *const days[] = {"2024-03-01", "2024-09-01", "2025-03-01", "2025-09-01"};
    for (int k = 0; k < 4; k++) {
      snprintf(body, sizeof body,
               "{\"kind\":\"inspection\",\"date\":\"%s\",\"condition\":\"%s\",\"cost_fen\":0,\"paid_from\":\"other\","
               "\"note\":\"\",\"photos_sha256\":[]}",
               days[k], k == 3 && a % 101 == 0 ? "damaged" : "good");
      add(county_id, days[k], "maintenance.report", subj, body);
    }
    snprintf(body, sizeof body, "{\"date\":\"2025-11-10\",\"found\":%s,\"condition\":\"good\",\"note\":\"\",\"photos_sha256\":[]}",
             a % 1009 ? "true" : "false");
    add(county_id, "2025-11-10", "inventory.count", subj, body);
    add(county_id, "2025-11-20", "asset.status", subj,
        a % 211 ? "{\"status\":\"in_use\",\"reason\":\"正常\"}" : "{\"status\":\"idle\",\"reason\":\"停用\"}");
    if (op) {
      add(county_id, "2023-04-01", "asset.operator", subj,
          "{\"mode\":\"lease\",\"operator\":{\"name\":\"合作社\",\"kind\":\"cooperative\"},\"contract\":{\"no\":\"HT\","
          "\"start\":\"2023-05-01\",\"end\":\"2033-04-30\",\"agreed_return_fen_per_year\":100000},"
          "\"decided_on\":\"2023-04-01\",\"filed_with\":\"乡政府\"}");
      add(county_id, "2024-05-10", "income.report", subj,
          "{\"period_start\":\"2023-05-01\",\"period_end\":\"2024-04-30\",\"gross_fen\":100000,\"costs\":[],\"net_fen\":100000,"
          "\"payer\":\"合作社\",\"received_on\":\"2024-05-10\",\"account\":\"村账户\"}");
      snprintf(body, sizeof body,
               "{\"period_start\":\"2024-05-01\",\"period_end\":\"2025-04-30\",\"gross_fen\":%d,\"costs\":[],\"net_fen\":%d,"
               "\"payer\":\"合作社\",\"received_on\":\"2025-05-10\",\"account\":\"村账户\"}",
               a % 7 ? 100000 : 50000, a % 7 ? 100000 : 50000);
      add(county_id, "2025-05-10", "income.report", subj, body);
    }
  }
  double t1 = now();
  json_t *report = NULL;
  char err[512];
  aidreg_audit_query q = {.as_of = "2025-12-31"};
  if (aidreg_audit_report(A, &q, &report, err, sizeof err)) {
    fprintf(stderr, "bench-audit: %s\n", err);
    return 1;
  }
  double t2 = now();
  json_decref(report);
  if (aidreg_audit_report(A, &q, &report, err, sizeof err)) return 1;
  double t3 = now();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("bench-audit: assets=%ld entries=%" PRIu64 " findings=%zu replay_s=%.2f (parse %.2f) audit_s=%.2f "
         "audit_again_s=%.2f cpu_s=%.2f peak_rss_mb=%ld\n",
         assets, N, json_array_size(json_object_get(report, "findings")), t1 - t0, parse_s, t2 - t1, t3 - t2,
         (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
             (double)ru.ru_stime.tv_usec / 1e6,
         ru.ru_maxrss / 1024);
  json_decref(report);
  aidreg_audit_free(A);
  return 0;
}
