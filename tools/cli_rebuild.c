/* `aidreg rebuild --check`: recompute a ledger's current state from its leaves alone and
 * report every difference from the projection the database holds (include/aidreg/rebuild.h). */
#include <stdio.h>
#include <string.h>

#include "aidreg/rebuild.h"
#include "cli.h"

static const char help[] =
    "usage: aidreg rebuild --check [--db URL] [--ledger CODE]\n"
    "\n"
    "Replays every entry of the ledger, in order, through the same authority checks and\n"
    "domain rules the server runs, into memory, and compares the result with the current\n"
    "state stored in PostgreSQL (assets, projects, plans, incomes, findings, ...). Prints one\n"
    "line per difference and a summary; writes nothing.\n"
    "\n"
    "  --check        compare (the only mode)\n"
    "  --db URL       PostgreSQL URL (default: AIDREG_DATABASE_URL)\n"
    "  --ledger CODE  6-digit county code (default: AIDREG_LEDGER)\n"
    "\n"
    "Exit status: 0 identical, 1 differences found or the ledger unreadable, 2 usage.\n";

int cmd_rebuild(int argc, char **argv) {
  const char *db = NULL, *ledger = NULL;
  bool check = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(help, stdout);
      return CLI_OK;
    } else if (!strcmp(argv[i], "--check")) {
      check = true;
    } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
      db = argv[++i];
    } else if (!strcmp(argv[i], "--ledger") && i + 1 < argc) {
      ledger = argv[++i];
    } else {
      return cli_usage("rebuild", "unknown or incomplete option \"%s\"", argv[i]);
    }
  }
  if (!check) return cli_usage("rebuild", "only --check is supported: the server maintains the projection itself");
  db = cli_default(db, "AIDREG_DATABASE_URL");
  ledger = cli_default(ledger, "AIDREG_LEDGER");
  if (!db) return cli_usage("rebuild", "--db URL (or AIDREG_DATABASE_URL) is required");
  if (!ledger) return cli_usage("rebuild", "--ledger CODE (or AIDREG_LEDGER) is required");
  int diffs = aidreg_rebuild_check(db, ledger, stdout);
  if (diffs < 0) {
    cli_err("rebuild", "ledger %s could not be read", ledger);
    return CLI_FAIL;
  }
  return diffs == 0 ? CLI_OK : CLI_FAIL;
}
