/* aidreg report NAME: a county report from GET /v1/ledgers/{code}/reports/{name}, written as
 * the server made it (CSV with a BOM, a printable HTML page, or JSON). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_tables.h"

static const char help[] =
    "usage: aidreg report NAME [--village V] [--year Y] [--format csv|xlsx|html|json] [--out FILE]\n"
    "                     [--server URL] [--ledger CODE]\n"
    "\n"
    "县级报表：按检查点生成，注明台账、检查点条数和根哈希，打印出的表格可追溯到台账。\n"
    "Writes a county report, computed from the latest checkpoint (origin, size and root hash are\n"
    "stated in it, so that a printed table can be traced to the ledger). Reports:\n"
    "  ledger            总台账: every asset, with subtotals by class, township, village and\n"
    "                    funding year (a village's register shows its share of shared assets)\n"
    "  income            收益及分配: each income report and village share with what plans draw,\n"
    "                    what is left, the plans with their state and the notices (--village, --year)\n"
    "  disposals         处置登记: each disposal request, its approval, the sale and the proceeds\n"
    "  rights            确权移交进度: rights confirmed, certificates and handovers by township\n"
    "                    and village\n"
    "  inventory         清查报告: every asset not disposed with its count of --year (default this\n"
    "                    year), the audit's problem list on it and its 整改 tracker (docs/audit.md)\n"
    "  rectification     审计整改情况: every recorded finding with its due, status and resolution,\n"
    "                    and whether the audit still finds it\n"
    "\n"
    "  --village V       one village's register (12 digits); inventory and rectification also\n"
    "                    take a township (9 digits)\n"
    "  --year Y          only the assets of projects of this funding year (ledger), the year\n"
    "                    of the income (income), the year counted (inventory)\n"
    "  --format F        csv (default; UTF-8 with a BOM, as Excel opens it), xlsx (an Excel\n"
    "                    workbook, when the server has libxlsxwriter), html (A4, to print) or json\n"
    "  --out FILE        write to FILE (default: standard output)\n"
    "  --server URL      the server (default: AIDREG_URL)\n"
    "  --ledger CODE     the county's ledger (default: AIDREG_LEDGER)\n"
    "  --help            this text\n";

int cli_report(int argc, char **argv) {
  static const struct option lo[] = {
      {"village", required_argument, NULL, 'v'}, {"year", required_argument, NULL, 'y'},
      {"format", required_argument, NULL, 'f'},  {"out", required_argument, NULL, 'o'},
      {"server", required_argument, NULL, 's'},  {"ledger", required_argument, NULL, 'l'},
      {"help", no_argument, NULL, 'h'},          {0}};
  const char *village = NULL, *year = NULL, *format = "csv", *outf = NULL, *server = NULL, *ledger = NULL;
  cli_opts o = {.cmd = "report", .help = help, .lo = lo, .operands = true};
  int c;
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'v': village = optarg; break;
      case 'y': year = optarg; break;
      case 'f': format = optarg; break;
      case 'o': outf = optarg; break;
      case 's': server = optarg; break;
      case 'l': ledger = optarg; break;
    }
  }
  if (c < 0) return o.status;
  if (optind + 1 != argc) return cli_usage("report", "give one report name (ledger)");
  const char *name = argv[optind];
  bool audit = strcmp(name, "inventory") == 0 || strcmp(name, "rectification") == 0;
  if (strcmp(name, "ledger") != 0 && strcmp(name, "rights") != 0 && strcmp(name, "income") != 0 &&
      strcmp(name, "disposals") != 0 && !audit)
    return cli_usage("report",
                     "no report %s: the reports are: ledger (总台账), inventory (清查报告), income (收益及分配), "
                     "disposals (处置登记), rights (确权移交进度), rectification (审计整改情况)",
                     name);
  if ((strcmp(name, "rights") == 0 || strcmp(name, "disposals") == 0) && (village || year))
    return cli_usage("report", "the %s report covers the county: it takes no --village or --year", name);
  if (strcmp(name, "rectification") == 0 && year)
    return cli_usage("report", "the rectification report takes no --year (it lists every recorded finding)");
  if (strcmp(format, "csv") && strcmp(format, "html") && strcmp(format, "json") && strcmp(format, "xlsx"))
    return cli_usage("report", "--format is csv, xlsx, html or json");
  if (strcmp(format, "xlsx") == 0 && !outf && isatty(STDOUT_FILENO))
    return cli_usage("report", "an xlsx workbook is binary: give --out FILE (or redirect standard output)");
  if (village && !((strlen(village) == 12 || (audit && strlen(village) == 9)) &&
                   strspn(village, "0123456789") == strlen(village)))
    return cli_usage("report", audit ? "--village takes a 9-digit township or a 12-digit village" : "--village takes a 12-digit code");
  if (year && (strlen(year) != 4 || strspn(year, "0123456789") != 4)) return cli_usage("report", "--year takes 4 digits");
  server = cli_default(server, "AIDREG_URL");
  ledger = cli_default(ledger, "AIDREG_LEDGER");
  if (!server) return cli_usage("report", "--server URL is required (or set AIDREG_URL)");
  if (!cli_is_county(ledger)) return cli_usage("report", "--ledger CODE (6 digits) is required (or set AIDREG_LEDGER)");
  char path[512];
  snprintf(path, sizeof path, "/v1/ledgers/%s/reports/%s?format=%s%s%s%s%s", ledger, name, format,
           village ? "&village=" : "", village ? village : "", year ? "&year=" : "", year ? year : "");
  cli_server s;
  if (cli_server_open(&s, "report", server) != 0) return CLI_FAIL;
  aidreg_http_response r;
  int rc = CLI_FAIL;
  if (cli_get(&s, path, &r) == 0) {
    if (r.status != 200) {
      cli_err("report", "GET %s: HTTP %ld%s%.300s", path, r.status, r.body ? ": " : "", r.body ? (char *)r.body : "");
    } else if (outf) {
      rc = cli_write_file("report", outf, r.body ? r.body : (uint8_t *)"", r.len, 0644) == 0 ? CLI_OK : CLI_FAIL;
      if (rc == CLI_OK) fprintf(stderr, "已写入 %s（%zu 字节）/ written to %s (%zu bytes)\n", outf, r.len, outf, r.len);
    } else {
      rc = fwrite(r.body ? (char *)r.body : "", 1, r.len, stdout) == r.len ? CLI_OK : CLI_FAIL;
    }
    aidreg_http_response_free(&r);
  }
  cli_server_close(&s);
  return rc;
}
