/* The spreadsheet readers of `aidreg import` (tools/import/sheet*.c): CSV in UTF-8 with and
 * without BOM, UTF-16 with BOM and GB18030, quoting as Excel writes it, row numbers as the
 * spreadsheet shows them; XLSX (the committed fixtures written by tests/import/taizhang.py)
 * with shared and inline strings, numbers, booleans, merged cells and sheet choice; and
 * the refusals of what is not a spreadsheet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheet.h"
#include "test.h"

#define FIX AIDREG_SOURCE_DIR "/tests/import/fixtures/"

/* The index of the row numbered r, or -1. */
static long row_index(const sheet *s, size_t r) {
  for (size_t i = 0; i < s->nrows; i++)
    if (s->rows[i].rownum == r) return (long)i;
  return -1;
}

static const char *at(const sheet *s, size_t r, size_t c) {
  long i = row_index(s, r);
  return i < 0 ? "(no row)" : sheet_text(s, (size_t)i, c);
}

static void test_csv_encodings(void) {
  char err[512];
  sheet s;
  /* UTF-8 without BOM, LF. */
  const char *u8 = "资产名称,原值\n光伏,12.5\n";
  CHECK(sheet_read_csv((const uint8_t *)u8, strlen(u8), &s, err, sizeof err) == 0);
  CHECK_STR(s.encoding, "UTF-8");
  CHECK_STR(at(&s, 1, 0), "资产名称");
  CHECK_STR(at(&s, 2, 1), "12.5");
  CHECK(s.nrows == 2 && s.ncols == 2);
  sheet_free(&s);
  /* With a BOM, CRLF. */
  const char *bom = "\xEF\xBB\xBF" "序号,资产名称\r\n1,道路\r\n";
  CHECK(sheet_read_csv((const uint8_t *)bom, strlen(bom), &s, err, sizeof err) == 0);
  CHECK_STR(s.encoding, "UTF-8 BOM");
  CHECK_STR(at(&s, 1, 0), "序号");
  CHECK_STR(at(&s, 2, 1), "道路");
  sheet_free(&s);
  /* GB18030 (GBK): 资产,光伏 */
  const uint8_t gb[] = {0xD7, 0xCA, 0xB2, 0xFA, ',', 0xB9, 0xE2, 0xB7, 0xFC, '\r', '\n'};
  CHECK(sheet_read_csv(gb, sizeof gb, &s, err, sizeof err) == 0);
  CHECK_STR(s.encoding, "GB18030");
  CHECK_STR(at(&s, 1, 0), "资产");
  CHECK_STR(at(&s, 1, 1), "光伏");
  sheet_free(&s);
  /* UTF-16LE with BOM, tab-separated (Excel's "Unicode text"). */
  const uint8_t u16[] = {0xFF, 0xFE, 0x44, 0x8D, 0xA7, 0x4E, '\t', 0, '1', 0, '\n', 0};
  CHECK(sheet_read_csv(u16, sizeof u16, &s, err, sizeof err) == 0);
  CHECK_STR(s.encoding, "UTF-16");
  CHECK_STR(at(&s, 1, 0), "资产");
  CHECK_STR(at(&s, 1, 1), "1");
  sheet_free(&s);
  /* A BOM in front of bytes that are not UTF-8; bytes GB18030 does not take either. */
  const uint8_t badbom[] = {0xEF, 0xBB, 0xBF, 0xD7, 0xCA};
  CHECK(sheet_read_csv(badbom, sizeof badbom, &s, err, sizeof err) != 0 && strstr(err, "UTF-8"));
  CHECK(s.nrows == 0 && s.rows == NULL);
  const uint8_t notgb[] = {'a', 0x81, 0x20};
  CHECK(sheet_read_csv(notgb, sizeof notgb, &s, err, sizeof err) != 0 && strstr(err, "GB18030"));
  const char nul[] = "a,b\0c";
  CHECK(sheet_read_csv((const uint8_t *)nul, sizeof nul - 1, &s, err, sizeof err) != 0);
}

static void test_csv_quoting(void) {
  char err[512];
  sheet s;
  /* A quoted field with a doubled quote, a comma and a line break: one row of the sheet,
   * so the next record is row 3 as Excel shows it. Spaces around cells are trimmed. */
  const char *t = "a,\"b \"\"q\"\", c\",\"multi\r\nline\"\r\n  x  ,\xe3\x80\x80y\xc2\xa0,\r\n\r\nlast";
  CHECK(sheet_read_csv((const uint8_t *)t, strlen(t), &s, err, sizeof err) == 0);
  CHECK_STR(at(&s, 1, 1), "b \"q\", c");
  CHECK_STR(at(&s, 1, 2), "multi\r\nline");
  CHECK_STR(at(&s, 2, 0), "x");
  CHECK_STR(at(&s, 2, 1), "y");
  CHECK(row_index(&s, 3) < 0); /* a blank line holds no cell */
  CHECK_STR(at(&s, 4, 0), "last");
  sheet_free(&s);
  /* Empty input: no rows. */
  CHECK(sheet_read_csv((const uint8_t *)"", 0, &s, err, sizeof err) == 0 && s.nrows == 0);
  sheet_free(&s);
  char name[8];
  sheet_col_name(0, name, sizeof name);
  CHECK_STR(name, "A");
  sheet_col_name(25, name, sizeof name);
  CHECK_STR(name, "Z");
  sheet_col_name(26, name, sizeof name);
  CHECK_STR(name, "AA");
  sheet_col_name(16383, name, sizeof name);
  CHECK_STR(name, "XFD");
}

static void test_xlsx_messy(void) {
  size_t len;
  uint8_t *d = test_slurp(FIX "messy.xlsx", &len);
  CHECK(d != NULL);
  if (!d) return;
  char err[512];
  sheet s;
  CHECK_MSG(sheet_read(d, len, NULL, &s, err, sizeof err) == 0, "%s", err);
  CHECK_STR(s.encoding, "XLSX");
  CHECK_STR(s.name, "台账");
  CHECK(strstr(at(&s, 1, 0), "扶贫项目资产台账") != NULL);
  /* The title merged over A1:T1 is copied into each cell of the range. */
  CHECK_STR(at(&s, 1, 19), at(&s, 1, 0));
  CHECK_STR(at(&s, 2, 13), "单位：万元");
  CHECK_STR(at(&s, 3, 13), "资产原值（万元）");
  /* B4:B5 merged: row 5's project is row 4's. */
  CHECK_STR(at(&s, 5, 1), "村级光伏电站项目");
  /* Numbers: the stored text, flagged numeric; dates are serials. */
  long r4 = row_index(&s, 4);
  CHECK(r4 >= 0);
  CHECK_STR(at(&s, 4, 13), "12.5");
  CHECK(sheet_numeric(&s, (size_t)r4, 13));
  CHECK_STR(at(&s, 4, 14), "44377");
  CHECK(!sheet_numeric(&s, (size_t)r4, 4));
  CHECK_STR(at(&s, 5, 13), "1234.5678");
  /* The blank line is absent; the 合计 row is there. */
  CHECK(row_index(&s, 16) < 0);
  CHECK_STR(at(&s, 17, 0), "合计");
  sheet_free(&s);
  /* No such sheet: the message lists the sheets there are. */
  CHECK(sheet_read_xlsx(d, len, "第九页", &s, err, sizeof err) != 0 && strstr(err, "台账"));
  /* A truncated archive. */
  CHECK(sheet_read_xlsx(d, len / 2, NULL, &s, err, sizeof err) != 0);
  CHECK(s.rows == NULL);
  free(d);
}

static void test_xlsx_inline(void) {
  size_t len;
  uint8_t *d = test_slurp(FIX "inline.xlsx", &len);
  CHECK(d != NULL);
  if (!d) return;
  char err[512];
  sheet s;
  CHECK_MSG(sheet_read_xlsx(d, len, NULL, &s, err, sizeof err) == 0, "%s", err);
  CHECK_STR(at(&s, 1, 1), "资产名称");
  CHECK_STR(at(&s, 2, 2), "12345.670000000001");
  CHECK_STR(at(&s, 4, 2), "TRUE");
  CHECK_STR(at(&s, 4, 0), "");
  sheet_free(&s);
  CHECK_MSG(sheet_read_xlsx(d, len, "第二页", &s, err, sizeof err) == 0, "%s", err);
  CHECK_STR(s.name, "第二页");
  CHECK_STR(at(&s, 1, 0), "其他表");
  sheet_free(&s);
  free(d);
  const char *notzip = "PK\x03\x04 this is no archive";
  CHECK(sheet_read((const uint8_t *)notzip, strlen(notzip), NULL, &s, err, sizeof err) != 0 && strstr(err, "XLSX"));
}

static void test_utf8(void) {
  CHECK(sheet_utf8_valid((const uint8_t *)"资产", 6));
  CHECK(!sheet_utf8_valid((const uint8_t *)"\xC0\xAF", 2));         /* overlong */
  CHECK(!sheet_utf8_valid((const uint8_t *)"\xED\xA0\x80", 3));     /* surrogate */
  CHECK(!sheet_utf8_valid((const uint8_t *)"\xE8\xB5", 2));         /* cut short */
  CHECK(!sheet_utf8_valid((const uint8_t *)"\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
}

int main(void) {
  test_csv_encodings();
  test_csv_quoting();
  test_xlsx_messy();
  test_xlsx_inline();
  test_utf8();
  return test_done();
}
