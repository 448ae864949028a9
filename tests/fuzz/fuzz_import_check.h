/* Shared by the import's fuzz targets (fuzz_import_csv, fuzz_import_xlsx): what they check of
 * a sheet the reader returned (rc its answer) and of the rows the mapping makes of it, with a
 * fixed set of places; the sheet is freed. The readers' contracts: every cell text is valid
 * UTF-8 and within the limits, rows come in increasing order, a refusal leaves the sheet empty
 * with a NUL-terminated UTF-8 message, and every row the mapping returns names a spreadsheet
 * row below the header. */
#ifndef AIDREG_FUZZ_IMPORT_CHECK_H
#define AIDREG_FUZZ_IMPORT_CHECK_H
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "sheet.h"
#include "table.h"

static inline int fuzz_import_check(sheet *s, int rc, char *err, size_t errcap) {
  if (rc != 0) {
    ASSERT(s->rows == NULL && s->nrows == 0);
    ASSERT(memchr(err, 0, errcap) && sheet_utf8_valid((const uint8_t *)err, strlen(err)));
    return 0;
  }
  for (size_t i = 0; i < s->nrows; i++) {
    ASSERT(i == 0 || s->rows[i - 1].rownum < s->rows[i].rownum);
    ASSERT(s->rows[i].ncells <= s->ncols && s->ncols <= SHEET_MAX_COLS);
    for (size_t c = 0; c < s->rows[i].ncells; c++) {
      const char *t = s->rows[i].cells[c].text;
      ASSERT(t && strlen(t) <= SHEET_MAX_TEXT);
      ASSERT(sheet_utf8_valid((const uint8_t *)t, strlen(t)));
    }
  }
  imp_layout L;
  if (imp_layout_find(s, NULL, UNIT_NONE, &L, err, errcap) == 0) {
    imp_place pv[2] = {{"522731104201", (char *)"好花红村", (char *)"好花红镇", true},
                       {"522731104", (char *)"好花红镇", NULL, false}};
    imp_places P = {pv, 2};
    imp_row *rows;
    size_t n;
    if (imp_rows(s, &L, &P, "522731", "2026-01-01", &rows, &n, err, errcap) == 0) {
      for (size_t i = 0; i < n; i++) {
        ASSERT(rows[i].rownum > s->rows[L.header].rownum);
        ASSERT(sheet_utf8_valid((const uint8_t *)rows[i].reason_zh, strlen(rows[i].reason_zh)));
        ASSERT(sheet_utf8_valid((const uint8_t *)rows[i].reason_en, strlen(rows[i].reason_en)));
        ASSERT(sheet_utf8_valid((const uint8_t *)rows[i].note, strlen(rows[i].note)));
        if (rows[i].kind == R_GOOD) ASSERT(imp_id_ok(rows[i].asset) && imp_id_ok(rows[i].project));
      }
      imp_rows_free(rows, n);
    }
  }
  sheet_free(s);
  return 0;
}
#endif
