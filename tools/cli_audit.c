/* aidreg audit: verify a ledger, then compute the audit (docs/audit.md) from the leaves
 * the verifier checked, as of a date. The same engine as the server's audit route. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/audit.h"
#include "aidreg/encoding.h"
#include "aidreg/merkle.h"
#include "cli.h"

static const char help[] =
    "usage: aidreg audit [--server URL] [--ledger CODE] [--vkey VKEY] [options]\n"
    "       aidreg audit --dir EXPORT [--vkey VKEY] [options]\n"
    "       aidreg audit --db URL --ledger CODE [--vkey VKEY] [options]\n"
    "\n"
    "审计：先完整验证台账（与 aidreg verify 相同的检查，验证不通过则不审计），再由验证过的条目\n"
    "计算 docs/audit.md 的各项检查。Verifies the ledger first (the checks of aidreg verify;\n"
    "a ledger that fails is not audited), then computes every check of docs/audit.md from the\n"
    "entries of the verified checkpoint, as of a date: the same findings, in the same order,\n"
    "as the server's GET /v1/ledgers/{code}/audit for that checkpoint. 在终端上显示进度\n"
    "On a terminal a progress line shows the entries verified, the rate and the time left.\n"
    "\n"
    "  --server URL    server (default: AIDREG_URL); --vkey is then required\n"
    "  --ledger CODE   county code (default: AIDREG_LEDGER)\n"
    "  --vkey VKEY     the checkpoint verifier key (default: AIDREG_LOG_VKEY)\n"
    "  --dir DIR       an export folder (aidreg export)\n"
    "  --db URL        a PostgreSQL database (a libpq URL)\n"
    "  --as-of DATE    the audit date YYYY-MM-DD (default: today in Asia/Shanghai)\n"
    "  --size N        audit the first N entries (an older tree of the verified ledger; its\n"
    "                  root is computed from the verified tiles) instead of the latest checkpoint\n"
    "  --village V     only findings in villages whose code starts with V\n"
    "  --check ID      only this check\n"
    "  --format F      json (default), csv (UTF-8 with BOM) or html (printable A4, Chinese)\n"
    "  --out FILE      write there instead of standard output\n"
    "  --report R      a county report from the same entries instead of the findings:\n"
    "                  inventory (清查报告: counts of --year, problem list, 整改 tracker) or\n"
    "                  rectification (审计整改情况: every finding.record, its due and status)\n"
    "  --year Y        the inventory report's year (default: the year of --as-of)\n"
    "\n"
    "Exit status 0 audited (findings or not), 1 the ledger does not verify or cannot be read,\n"
    "2 usage.\n";

typedef struct {
  aidreg_audit *a;
  const char *ledger;
  int (*inner)(void *ctx, const aidreg_verify_leaf *leaf, aidreg_verify_failure *f);
  void *inner_ctx;
  uint64_t limit; /* 0: every leaf */
  char err[768];
  bool failed;
} feed;

static feed *the_feed; /* the source's ctx belongs to the source: the hook reaches the feed here */

/* The replayed state of a large ledger is millions of small allocations: freeing them one
 * by one just before the process exits took a third of its CPU (docs/benchmark.md, "Audit").
 * An audit that was written out is left here, still reachable (no leak to LeakSanitizer),
 * for the exit to take back at once. */
static aidreg_audit *left_for_exit;

static int feed_leaf(void *ctx, const aidreg_verify_leaf *leaf, aidreg_verify_failure *f) {
  feed *fd = the_feed;
  if (fd->inner && fd->inner(ctx, leaf, f)) return -1;
  if (fd->failed || (fd->limit && leaf->index >= fd->limit)) return 0;
  if (!fd->a) {
    const char *county = fd->ledger ? fd->ledger : leaf->event->subject;
    if (!(fd->a = aidreg_audit_new(county))) return aidreg_verify_fail(f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  }
  if (aidreg_audit_leaf(fd->a, leaf->index, leaf->data, leaf->len, fd->err, sizeof fd->err)) fd->failed = true;
  return 0;
}

static void today_shanghai(char out[11]) {
  time_t t = time(NULL) + 8 * 3600;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

int cli_audit(int argc, char **argv) {
  static const struct option lo[] = {{"server", required_argument, NULL, 'S'}, {"ledger", required_argument, NULL, 'l'},
                                     {"vkey", required_argument, NULL, 'v'},   {"dir", required_argument, NULL, 'd'},
                                     {"db", required_argument, NULL, 'D'},     {"as-of", required_argument, NULL, 'a'},
                                     {"village", required_argument, NULL, 'V'}, {"check", required_argument, NULL, 'c'},
                                     {"format", required_argument, NULL, 'f'}, {"out", required_argument, NULL, 'o'},
                                     {"report", required_argument, NULL, 'r'}, {"year", required_argument, NULL, 'y'},
                                     {"size", required_argument, NULL, 'z'},
                                     {"help", no_argument, NULL, 'h'},         {0}};
  const char *server = NULL, *ledger = NULL, *vkey = NULL, *dir = NULL, *db_url = NULL, *as_of = NULL,
             *village = NULL, *check = NULL, *format = "json", *out = NULL, *report_name = NULL, *year_text = NULL,
             *size_text = NULL;
  int c;
  cli_opts o = {.cmd = "audit", .help = help, .lo = lo};
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'S': server = optarg; break;
      case 'l': ledger = optarg; break;
      case 'v': vkey = optarg; break;
      case 'd': dir = optarg; break;
      case 'D': db_url = optarg; break;
      case 'a': as_of = optarg; break;
      case 'V': village = optarg; break;
      case 'c': check = optarg; break;
      case 'f': format = optarg; break;
      case 'o': out = optarg; break;
      case 'r': report_name = optarg; break;
      case 'y': year_text = optarg; break;
      case 'z': size_text = optarg; break;
    }
  }
  if (c < 0) return o.status;
  if ((dir != NULL) + (db_url != NULL) + (server != NULL) > 1)
    return cli_usage("audit", "give one of --server, --dir and --db");
  if (!dir) ledger = cli_default(ledger, "AIDREG_LEDGER");
  if (!dir && !db_url) {
    server = cli_default(server, "AIDREG_URL");
    if (!server) return cli_usage("audit", "--server URL is required (or --dir, --db, or set AIDREG_URL)");
  }
  if (!dir && !ledger) return cli_usage("audit", "--ledger CODE is required (or set AIDREG_LEDGER)");
  if (ledger && !cli_is_county(ledger)) return cli_usage("audit", "--ledger must be a 6-digit county code");
  if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "html"))
    return cli_usage("audit", "--format is json, csv or html");
  if (check && !aidreg_audit_check_zh(check)) return cli_usage("audit", "--check: there is no check %s", check);
  if (report_name && strcmp(report_name, "inventory") && strcmp(report_name, "rectification"))
    return cli_usage("audit", "--report is inventory or rectification");
  if (report_name && check) return cli_usage("audit", "--check filters the audit, not a report");
  int year = year_text ? atoi(year_text) : 0;
  if (year_text && (!report_name || strcmp(report_name, "inventory") || year < 1900 || year > 9999))
    return cli_usage("audit", "--year (1900 to 9999) goes with --report inventory");
  unsigned long long size_limit = 0;
  if (size_text) {
    char *end;
    size_limit = strtoull(size_text, &end, 10);
    if (!*size_text || *end || size_limit == 0 || size_text[0] == '-') return cli_usage("audit", "--size must be a positive number");
  }
  char today[11];
  int64_t days;
  if (!as_of) {
    today_shanghai(today);
    as_of = today;
  } else if (strlen(as_of) != 10 || aidreg_date_parse(as_of, &days)) {
    return cli_usage("audit", "--as-of must be a date YYYY-MM-DD");
  }
  if (!vkey) {
    const char *env = getenv("AIDREG_LOG_VKEY");
    if (env && *env) vkey = env;
  }
  if (server && !vkey) return cli_usage("audit", "--vkey is required to audit a server (or set AIDREG_LOG_VKEY)");
  if (vkey) {
    aidreg_note_verifier v;
    if (aidreg_note_vkey_parse(vkey, &v) != 0) return cli_usage("audit", "--vkey is not a verifier key string");
  }

  int exit_code = CLI_FAIL;
  cli_source s;
  char *db_vkey = NULL;
  feed fd = {.ledger = ledger, .limit = size_limit};
  if (cli_source_open(&s, "audit", dir, db_url, server, ledger) != 0) return CLI_FAIL;
  aidreg_verify_options opt = {.vkey = vkey, .ledger = ledger};
  if (db_url && !vkey) {
    db_vkey = aidreg_verify_db_vkey(s.db);
    opt.vkey = db_vkey;
    fprintf(stderr, "aidreg audit: no --vkey: checking the checkpoint with the key the database records\n");
  } else if (dir && !vkey) {
    fprintf(stderr, "aidreg audit: no --vkey: the checkpoint signature will not be checked\n");
  }
  cli_progress prog;
  cli_progress_start(&prog, "核验并审计 verifying and auditing");
  opt.progress = cli_progress_entries;
  opt.progress_ctx = &prog;
  aidreg_verify_result res;
  int failed;
  if (!size_limit) {
    /* One pass: the verifier's replay is the audit's. */
    failed = aidreg_audit_verify(&s.src, &opt, &res, &fd.a);
  } else {
    /* The first N entries only: the verifier goes on past them, the audit stops. */
    fd.inner = s.src.leaf;
    s.src.leaf = feed_leaf;
    the_feed = &fd;
    failed = aidreg_verify_run(&s.src, &opt, &res);
  }
  cli_progress_end(&prog);
  if (failed) {
    fprintf(stderr, "aidreg audit: the ledger does not verify, not audited: %s\n", res.failure.message);
    goto done;
  }
  if (fd.failed || !fd.a || !aidreg_audit_size(fd.a)) {
    fprintf(stderr, "aidreg audit: %s\n", fd.failed ? fd.err : "the ledger is empty");
    goto done;
  }
  char root[45];
  uint8_t root_hash[32];
  memcpy(root_hash, res.checkpoint.root, 32);
  uint64_t size = res.checkpoint.size;
  if (size_limit) {
    if (size_limit > res.checkpoint.size) {
      fprintf(stderr, "aidreg audit: --size %llu is beyond the verified checkpoint (size %llu)\n", size_limit,
              (unsigned long long)res.checkpoint.size);
      goto done;
    }
    aidreg_tile_nodes *t = aidreg_tile_nodes_new(&s.src, res.checkpoint.size);
    int bad = !t || aidreg_merkle_root(aidreg_tile_nodes_fetch, t, size_limit, root_hash);
    aidreg_tile_nodes_free(t);
    if (bad) {
      fprintf(stderr, "aidreg audit: the root of size %llu cannot be computed from the tiles\n", size_limit);
      goto done;
    }
    size = size_limit;
  }
  aidreg_b64_encode_to(root_hash, 32, root, sizeof root);
  aidreg_audit_query q = {.as_of = as_of, .village = village, .check = check, .origin = res.checkpoint.origin,
                          .size = size, .root = root};
  json_t *report = NULL;
  char err[512];
  if (!year) year = atoi(as_of);
  int bad = !report_name                           ? aidreg_audit_report(fd.a, &q, &report, err, sizeof err)
            : !strcmp(report_name, "inventory") ? aidreg_audit_inventory(fd.a, &q, year, &report, err, sizeof err)
                                                : aidreg_audit_rectification(fd.a, &q, &report, err, sizeof err);
  if (bad) {
    fprintf(stderr, "aidreg audit: %s\n", err);
    goto done;
  }
  size_t len = 0;
  char *text = !strcmp(format, "csv")    ? (report_name ? aidreg_audit_table_csv(report, &len) : aidreg_audit_csv(report, &len))
               : !strcmp(format, "html") ? (report_name ? aidreg_audit_table_html(report, &len) : aidreg_audit_html(report, &len))
                                         : json_dumps(report, JSON_COMPACT);
  json_decref(report);
  if (!text) {
    fprintf(stderr, "aidreg audit: out of memory\n");
    goto done;
  }
  if (!strcmp(format, "json")) {
    len = strlen(text);
    char *t2 = realloc(text, len + 2);
    if (t2) {
      text = t2;
      text[len++] = '\n';
      text[len] = 0;
    }
  }
  if (out) {
    if (cli_write_file("audit", out, text, len, 0644) == 0) exit_code = CLI_OK;
  } else {
    exit_code = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
  }
  free(text);
done:
  if (exit_code == CLI_OK) {
    aidreg_audit_free(left_for_exit); /* NULL but for a second audit in one process */
    left_for_exit = fd.a;
  } else {
    aidreg_audit_free(fd.a);
  }
  cli_source_close(&s);
  free(db_vkey);
  return exit_code;
}
