/* libFuzzer target: bytes as `aidreg import` reads a CSV 台账 (tools/import/), through the
 * reader, the header search and the row mapping, with a fixed set of places. Beyond
 * crashes, leaks and sanitizer reports it checks the readers' contracts: every cell text is
 * valid UTF-8 and within the limits, rows come in increasing order, a refusal leaves the
 * sheet empty, and every row the mapping returns names a spreadsheet row of the sheet. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  sheet s;
  char err[1024];
  int rc = sheet_read_csv(data, len, &s, err, sizeof err);
  return fuzz_import_check(&s, rc, err, sizeof err);
}
