/* aidreg finding record|resolve: sign finding.record (审计发现) for a finding the audit
 * computes, or finding.resolve (整改) answering its record, and submit it. The finding is
 * looked up in the server's audit (GET /v1/ledgers/{code}/audit?check=ID), so that only
 * computed findings are recorded, with their check and subject. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/audit.h"
#include "cli.h"

static const char help[] =
    "usage: aidreg finding record --key AUDITOR.key --check ID --subject S [--due DATE] [--note TEXT]\n"
    "                             [--severity info|warning|serious] [--as-of DATE]\n"
    "       aidreg finding resolve --key SIGNER.key --check ID --subject S --action TEXT\n"
    "                             [--resolved-on DATE] [--finding REF]\n"
    "       (both: [--server URL] [--ledger CODE] [--origin ORIGIN] [--time T] [--receipt-out FILE])\n"
    "\n"
    "record: 记录审计发现。Signs finding.record for the finding the audit computes for check ID\n"
    "and subject S (as of --as-of, default today in Asia/Shanghai), with the check's severity\n"
    "unless --severity is given, and submits it; refused when the audit does not name that\n"
    "finding. A recorded finding then shows as recorded, or overdue once --due has passed.\n"
    "resolve: 整改。Signs finding.resolve answering the latest record of that check and subject\n"
    "(or the record --finding names) and submits it: the finding then shows as resolved.\n"
    "\n"
    "  --key FILE          the signer's secret key (record: auditor or county; resolve: county,\n"
    "                      township or village)\n"
    "  --server URL        server (default: AIDREG_URL)\n"
    "  --ledger CODE       county code (default: AIDREG_LEDGER)\n"
    "  --origin ORIGIN     the ledger's origin (default: looked up in GET /v1/ledgers)\n"
    "  --time T            the signer's time, RFC 3339 (default: now)\n"
    "  --receipt-out FILE  save the receipt\n";

static void today(char out[11]) {
  time_t t = time(NULL) + 8 * 3600;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The computed finding of check and subject in the server's audit (a new reference), or
 * NULL with a message. */
static json_t *computed(cli_server *s, const char *ledger, const char *check, const char *subject, const char *as_of) {
  char path[256];
  snprintf(path, sizeof path, "/v1/ledgers/%s/audit?check=%s&as_of=%s", ledger, check, as_of);
  json_t *r = cli_get_json(s, path);
  if (!r) return NULL;
  size_t i;
  json_t *f, *out = NULL;
  json_array_foreach(json_object_get(r, "findings"), i, f) {
    if (!out && strcmp(json_string_value(json_object_get(f, "subject")), subject) == 0) out = json_incref(f);
  }
  json_decref(r);
  if (!out)
    cli_err("finding", "the audit of %s as of %s names no %s finding on %s", ledger, as_of, check, subject);
  return out;
}

int cli_finding(int argc, char **argv) {
  static const struct option lo[] = {
      {"server", required_argument, NULL, 'S'},  {"ledger", required_argument, NULL, 'l'},
      {"origin", required_argument, NULL, 'o'},  {"key", required_argument, NULL, 'k'},
      {"time", required_argument, NULL, 'T'},    {"receipt-out", required_argument, NULL, 'r'},
      {"check", required_argument, NULL, 'c'},   {"subject", required_argument, NULL, 's'},
      {"due", required_argument, NULL, 'd'},     {"note", required_argument, NULL, 'n'},
      {"severity", required_argument, NULL, 'v'}, {"as-of", required_argument, NULL, 'a'},
      {"action", required_argument, NULL, 'A'},  {"resolved-on", required_argument, NULL, 'R'},
      {"finding", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
      {0}};
  const char *server = NULL, *ledger = NULL, *origin_opt = NULL, *key = NULL, *time_opt = NULL, *receipt = NULL,
             *check = NULL, *subject = NULL, *due = NULL, *note = "", *severity = NULL, *as_of = NULL, *action = NULL,
             *resolved_on = NULL, *ref = NULL;
  cli_opts o = {.cmd = "finding", .help = help, .lo = lo, .operands = true};
  int c;
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'S': server = optarg; break;
      case 'l': ledger = optarg; break;
      case 'o': origin_opt = optarg; break;
      case 'k': key = optarg; break;
      case 'T': time_opt = optarg; break;
      case 'r': receipt = optarg; break;
      case 'c': check = optarg; break;
      case 's': subject = optarg; break;
      case 'd': due = optarg; break;
      case 'n': note = optarg; break;
      case 'v': severity = optarg; break;
      case 'a': as_of = optarg; break;
      case 'A': action = optarg; break;
      case 'R': resolved_on = optarg; break;
      case 'f': ref = optarg; break;
    }
  }
  if (c < 0) return o.status;
  if (optind >= argc) return cli_usage("finding", "say record or resolve");
  const char *verb = argv[optind];
  bool record = strcmp(verb, "record") == 0;
  if (!record && strcmp(verb, "resolve") != 0) return cli_usage("finding", "say record or resolve, not %s", verb);
  if (optind + 1 < argc) return cli_usage("finding", "unexpected argument %s", argv[optind + 1]);
  server = cli_default(server, "AIDREG_URL");
  ledger = cli_default(ledger, "AIDREG_LEDGER");
  if (!server) return cli_usage("finding", "--server URL is required (or set AIDREG_URL)");
  if (!ledger || !cli_is_county(ledger)) return cli_usage("finding", "--ledger CODE (6 digits) is required");
  if (!key) return cli_usage("finding", "--key FILE (the signer's secret key) is required");
  if (!check || !aidreg_audit_check_zh(check)) return cli_usage("finding", "--check must name a check of docs/audit.md");
  if (!subject) return cli_usage("finding", "--subject is required");
  if (!record && !action) return cli_usage("finding", "resolve needs --action");
  if (severity && strcmp(severity, "info") && strcmp(severity, "warning") && strcmp(severity, "serious"))
    return cli_usage("finding", "--severity is info, warning or serious");
  int64_t days;
  if ((due && aidreg_date_parse(due, &days)) || (as_of && aidreg_date_parse(as_of, &days)) ||
      (resolved_on && aidreg_date_parse(resolved_on, &days)))
    return cli_usage("finding", "dates are YYYY-MM-DD");
  char day[11], now[40], origin[256];
  today(day);
  if (!as_of) as_of = day;
  if (!resolved_on) resolved_on = day;
  cli_server s;
  if (cli_server_open(&s, "finding", server) != 0) return CLI_FAIL;
  int rc = CLI_FAIL;
  json_t *f = NULL, *body = NULL;
  char *payload = NULL;
  if (origin_opt) snprintf(origin, sizeof origin, "%s", origin_opt);
  else if (cli_lookup_origin(&s, ledger, origin, sizeof origin) != 0) goto out;
  if (record || !ref) {
    if (!(f = computed(&s, ledger, check, subject, as_of))) goto out;
  }
  if (record) {
    body = json_pack("{s:s, s:s, s:s}", "check", check, "severity",
                     severity ? severity : json_string_value(json_object_get(f, "severity")), "note", note);
    if (body && due) json_object_set_new(body, "due", json_string(due));
  } else {
    if (!ref) ref = json_string_value(json_object_get(json_object_get(f, "record"), "ref"));
    if (!ref) {
      cli_err("finding", "the %s finding on %s has no record to resolve (record it first, or give --finding REF)",
              check, subject);
      goto out;
    }
    body = json_pack("{s:s, s:s, s:s}", "finding", ref, "action", action, "resolved_on", resolved_on);
  }
  if (!body) {
    cli_err("finding", "a value is not valid UTF-8");
    goto out;
  }
  if (!time_opt) cli_now(now, sizeof now);
  size_t plen = 0;
  payload = cli_build_payload("finding", origin, record ? "finding.record" : "finding.resolve", subject,
                              time_opt ? time_opt : now, NULL, body, &plen);
  if (!payload) goto out;
  aidreg_keypair kp;
  char *path = (char *)key;
  if (cli_load_keys("finding", &path, 1, &kp) == 0) {
    char *compact = NULL;
    json_t *env = cli_sign_envelope("finding", payload, plen, &kp, 1, &compact);
    aidreg_key_wipe(&kp);
    if (env) rc = cli_submit_one(&s, ledger, compact, strlen(compact), receipt, NULL);
    free(compact);
    json_decref(env);
  }
out:
  free(payload);
  json_decref(body);
  json_decref(f);
  cli_server_close(&s);
  return rc;
}
