/* `aidreg`: the command-line tool. main() and the dispatch; each command group lives in
 * its own file (cli_keys.c, cli_sign.c, cli_submit.c, cli_verify.c, cli_export.c,
 * cli_proof.c). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_tables.h"

#define AIDREG_CLI_VERSION "0.1.0"

static const char usage_text[] =
    "usage: aidreg <command> [options]\n"
    "\n"
    "Keys and signing\n"
    "  keygen          create an Ed25519 key pair (NAME.key, NAME.pub) and print its key id\n"
    "  sign            build and sign an event; print its DSSE envelope\n"
    "\n"
    "Writing to a ledger\n"
    "  submit          submit signed envelopes; print receipts or problems\n"
    "  ledger create   create a county ledger (operator token and root key)\n"
    "  enroll          enrol a key (key.enroll), signed by an enrolled key\n"
    "  revoke          revoke a key (key.revoke)\n"
    "  import          导入资产台账 / import a county's 台账 (CSV or XLSX) into its ledger\n"
    "  template        print a commented example body for an event type (事项正文示例)\n"
    "\n"
    "Reading the ledger (tables with Chinese labels and yuan; --json for JSON)\n"
    "  assets          资产台账: the assets [--village V] [--township T]\n"
    "  asset ID        一项资产: one asset with its history\n"
    "  plans           收益分配方案: the allocation plans\n"
    "  plan ID         一个方案: one plan with its lines\n"
    "  places          区划: townships and villages\n"
    "  keys            密钥: who holds which key, and what it signed\n"
    "  incomes         收益: income reports, drawn and left to allocate\n"
    "  summary         汇总: the figures of the county, a township or a village\n"
    "  report NAME     报表: the 总台账 as CSV (for Excel) or a printable HTML page\n"
    "\n"
    "Checking without trusting the server\n"
    "  verify          verify a whole ledger: from a server, an export folder or PostgreSQL\n"
    "  export          write checkpoint, hash tiles and entry bundles to a folder (tlog-tiles)\n"
    "  proof           inclusion and consistency proofs; check a saved receipt offline\n"
    "  rebuild --check recompute the current state from the leaves; compare it with PostgreSQL\n"
    "  witness         见证人: cosign a log's checkpoints that extend the last one (C2SP tlog-witness)\n"
    "\n"
    "Audit (审计)\n"
    "  audit           verify a ledger, then list its findings (docs/audit.md) as of a date\n"
    "  finding record  record a computed finding (finding.record); finding resolve: its 整改\n"
    "\n"
    "`aidreg <command> --help` describes a command. Defaults come from the environment:\n"
    "AIDREG_URL (server), AIDREG_LEDGER (county code), AIDREG_ORIGIN (checkpoint origin),\n"
    "AIDREG_LOG_VKEY (checkpoint verifier key), AIDREG_ADMIN_TOKEN (operator token).\n"
    "`aidreg --version` prints the version.\n"
    "Exit status: 0 success, 1 refused or verification failed, 2 usage error.\n";

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"keygen", cli_keygen}, {"sign", cli_sign},     {"submit", cli_submit}, {"ledger", cli_ledger},
    {"enroll", cli_enroll}, {"revoke", cli_revoke}, {"verify", cli_verify}, {"export", cli_export},
    {"proof", cli_proof},   {"rebuild", cmd_rebuild},
    {"template", cli_template}, {"assets", cli_assets}, {"asset", cli_asset}, {"plans", cli_plans},
    {"plan", cli_plan}, {"places", cli_places}, {"keys", cli_keys}, {"incomes", cli_incomes},
    {"summary", cli_summary}, {"report", cli_report}, {"import", cli_import},
    {"audit", cli_audit}, {"finding", cli_finding},
    {"witness", cli_witness},
};

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_text, stderr);
    return CLI_USAGE;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
    printf("aidreg %s\n", AIDREG_CLI_VERSION);
    return CLI_OK;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    if (argc > 2 && strcmp(argv[1], "help") == 0) {
      char help[] = "--help";
      char *sub[] = {argv[2], help, NULL};
      for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, argv[2])) return commands[i].run(2, sub);
    }
    fputs(usage_text, stdout);
    return CLI_OK;
  }
  if (sodium_init() < 0) {
    fprintf(stderr, "aidreg: libsodium cannot start\n");
    return CLI_FAIL;
  }
  if (aidreg_http_global_init() != 0) {
    fprintf(stderr, "aidreg: libcurl cannot start\n");
    return CLI_FAIL;
  }
  int rc = -1;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(commands[i].name, argv[1])) {
      rc = commands[i].run(argc - 1, argv + 1);
      break;
    }
  if (rc < 0) {
    fprintf(stderr, "aidreg: unknown command \"%s\"\n\n%s", argv[1], usage_text);
    rc = CLI_USAGE;
  }
  aidreg_http_global_cleanup();
  return rc;
}
