/* The 台账 mapping of `aidreg import` (tools/import/table.c): amounts to fen without
 * floating point, the date forms, header variants and the mapping file, the header row
 * below title rows and the money unit, and the rows of the messy fixture (the same codes
 * from its XLSX and its GB18030 CSV, every refusal with its column and reason, the 合计
 * difference). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheet.h"
#include "table.h"
#include "test.h"

#define FIX AIDREG_SOURCE_DIR "/tests/import/fixtures/"

static void fen(const char *t, bool numeric, int unit, imp_vres want, int64_t want_fen) {
  int64_t v = -1;
  imp_vres r = imp_parse_fen(t, numeric, unit, &v);
  CHECK_MSG(r == want, "\"%s\": result %d, expected %d", t, r, want);
  if (want == V_OK) CHECK_MSG(v == want_fen, "\"%s\": %lld fen, expected %lld", t, (long long)v, (long long)want_fen);
}

static void test_amounts(void) {
  fen("12.5", false, UNIT_YUAN, V_OK, 1250);
  fen("1,234.56", false, UNIT_YUAN, V_OK, 123456);
  fen("1,234.5678", false, UNIT_WAN, V_OK, 1234567800);
  fen("12.5", false, UNIT_WAN, V_OK, 12500000);
  fen("0.000001", false, UNIT_WAN, V_OK, 1); /* 0.01 元 */
  fen("0.0000001", false, UNIT_WAN, V_TOO_PRECISE, 0);
  fen("12.345", false, UNIT_YUAN, V_TOO_PRECISE, 0);
  fen("12.340", false, UNIT_YUAN, V_OK, 1234);
  fen("12345.670000000001", true, UNIT_YUAN, V_OK, 1234567); /* float noise in an XLSX number */
  fen("1.2344999999999999", true, UNIT_WAN, V_OK, 1234500);
  fen("12.345", true, UNIT_YUAN, V_TOO_PRECISE, 0);          /* typed, not noise */
  fen("1.5E+3", true, UNIT_YUAN, V_OK, 150000);
  fen("¥1，000元", false, UNIT_WAN, V_OK, 100000);           /* the cell's own 元 wins */
  fen("3万元", false, UNIT_YUAN, V_OK, 3000000);
  fen(" 1 000 ", false, UNIT_YUAN, V_OK, 100000);
  fen("0", false, UNIT_YUAN, V_OK, 0);
  fen("-0", false, UNIT_YUAN, V_OK, 0);
  fen("-3", false, UNIT_YUAN, V_NEGATIVE, 0);
  fen("(5.00)", false, UNIT_YUAN, V_NEGATIVE, 0);
  fen("－5", false, UNIT_YUAN, V_NEGATIVE, 0);
  fen("五十", false, UNIT_YUAN, V_NOT_NUMBER, 0);
  fen("1.2.3", false, UNIT_YUAN, V_NOT_NUMBER, 0);
  fen(",100", false, UNIT_YUAN, V_NOT_NUMBER, 0);
  fen("", false, UNIT_YUAN, V_EMPTY, 0);
  fen("-", false, UNIT_YUAN, V_EMPTY, 0);
  fen("/", false, UNIT_YUAN, V_EMPTY, 0);
  fen("99999999999999999999", false, UNIT_YUAN, V_TOO_LARGE, 0);
  fen("1E+300", true, UNIT_YUAN, V_TOO_LARGE, 0);
  char s[40];
  imp_fen_str(123456, s, sizeof s);
  CHECK_STR(s, "1234.56");
  imp_fen_str(-5, s, sizeof s);
  CHECK_STR(s, "-0.05");
}

static void date(const char *t, bool numeric, imp_dres want, const char *want_date, bool want_month) {
  char out[11];
  bool month = false;
  imp_dres r = imp_parse_date(t, numeric, out, &month);
  CHECK_MSG(r == want, "\"%s\": result %d, expected %d", t, r, want);
  if (want == D_OK) {
    CHECK_STR(out, want_date);
    CHECK_MSG(month == want_month, "\"%s\": month_only %d", t, month);
  }
}

static void test_dates(void) {
  date("2021-06-30", false, D_OK, "2021-06-30", false);
  date("2021/6/30", false, D_OK, "2021-06-30", false);
  date("2021.06.30", false, D_OK, "2021-06-30", false);
  date("2021年6月30日", false, D_OK, "2021-06-30", false);
  date("2021年6月30号", false, D_OK, "2021-06-30", false);
  date("2021年6月", false, D_OK, "2021-06-01", true);
  date("2021-06", false, D_OK, "2021-06-01", true);
  date("2021.6", false, D_OK, "2021-06-01", true);
  date("20210630", false, D_OK, "2021-06-30", false);
  date("2021-06-30 00:00:00", false, D_OK, "2021-06-30", false);
  date("2021-06-30T08:00:00", false, D_OK, "2021-06-30", false);
  date("44377", true, D_OK, "2021-06-30", false);   /* an Excel serial */
  date("44377.5", true, D_OK, "2021-06-30", false); /* noon */
  date("44377", false, D_OK, "2021-06-30", false);  /* a serial left in a CSV */
  date("1", true, D_OK, "1900-01-01", false);
  date("61", true, D_OK, "1900-03-01", false);
  date("60", true, D_IMPOSSIBLE, NULL, false); /* Excel's 1900-02-29 */
  date("2024-02-29", false, D_OK, "2024-02-29", false);
  date("2021-02-29", false, D_IMPOSSIBLE, NULL, false);
  date("2021-02-30", false, D_IMPOSSIBLE, NULL, false);
  date("2021/13/01", false, D_IMPOSSIBLE, NULL, false);
  date("2021年0月", false, D_IMPOSSIBLE, NULL, false);
  date("2021", false, D_BAD, NULL, false);
  date("June 2021", false, D_BAD, NULL, false);
  date("2021-06/30", false, D_BAD, NULL, false);
  date("", false, D_EMPTY, NULL, false);
  date("/", false, D_EMPTY, NULL, false);
}

static void test_headers(void) {
  char n[64];
  int unit;
  imp_header_norm(" 资产原值\n（万元） ", n, sizeof n, &unit);
  CHECK_STR(n, "资产原值");
  CHECK(unit == UNIT_WAN);
  imp_header_norm("*资产 名称", n, sizeof n, &unit);
  CHECK_STR(n, "资产名称");
  CHECK(unit == UNIT_NONE);
  imp_header_norm("原值(元)", n, sizeof n, &unit);
  CHECK(unit == UNIT_YUAN);
  CHECK(imp_header_field(NULL, "所在镇（街道）", NULL) == F_TOWNSHIP);
  CHECK(imp_header_field(NULL, "所在村（居）", NULL) == F_VILLAGE);
  CHECK(imp_header_field(NULL, "竣工验收日期", NULL) == F_ACCEPTED);
  CHECK(imp_header_field(NULL, "验收时间", NULL) == F_ACCEPTED);
  CHECK(imp_header_field(NULL, "资产类型", NULL) == F_SUBTYPE);
  CHECK(imp_header_field(NULL, "资产类别", NULL) == F_CLASS);
  CHECK(imp_header_field(NULL, "项目库编号", NULL) == F_PROJECT_CODE);
  CHECK(imp_header_field(NULL, "管护责任人", NULL) == F_MPERSON);
  CHECK(imp_header_field(NULL, "颜色", NULL) == F_NONE);
  CHECK(imp_field_parse("asset_name") == F_ASSET_NAME && imp_field_parse("资产名称") == F_ASSET_NAME);
  /* The mapping file wins over the built-in table; "ignore" drops a column. */
  imp_mapping m;
  char err[512];
  const char *txt = "\xEF\xBB\xBF# 本县表头\n名字 = 资产名称\n类型 = class   # 本县“类型”是类别\n\n备注 = ignore\n";
  CHECK_MSG(imp_mapping_parse(txt, strlen(txt), &m, err, sizeof err) == 0, "%s", err);
  CHECK(m.n == 3);
  CHECK(imp_header_field(&m, "名字", NULL) == F_ASSET_NAME);
  CHECK(imp_header_field(&m, "类型", NULL) == F_CLASS);
  CHECK(imp_header_field(NULL, "类型", NULL) == F_SUBTYPE);
  CHECK(imp_header_field(&m, "备注", NULL) == F_NONE);
  imp_mapping_free(&m);
  const char *bad1 = "名字 资产名称\n", *bad2 = "名字 = 颜色\n";
  CHECK(imp_mapping_parse(bad1, strlen(bad1), &m, err, sizeof err) != 0 && strstr(err, "第 1 行"));
  CHECK(imp_mapping_parse(bad2, strlen(bad2), &m, err, sizeof err) != 0 && strstr(err, "颜色"));
}

static void test_layout_units(void) {
  char err[512];
  sheet s;
  imp_layout L;
  /* Title rows, the unit in a title row, header at row 3. */
  const char *t1 = "某县资产台账\n填报单位：某镇,,单位：万元\n序号,资产名称,资产原值,所在村\n1,路,3,新民村\n";
  CHECK(sheet_read_csv((const uint8_t *)t1, strlen(t1), &s, err, sizeof err) == 0);
  CHECK_MSG(imp_layout_find(&s, NULL, UNIT_NONE, &L, err, sizeof err) == 0, "%s", err);
  CHECK(s.rows[L.header].rownum == 3 && L.unit == UNIT_WAN && L.col[F_VALUE] == 2 && L.col[F_VILLAGE] == 3);
  /* --unit wins. */
  CHECK(imp_layout_find(&s, NULL, UNIT_YUAN, &L, err, sizeof err) == 0 && L.unit == UNIT_YUAN);
  sheet_free(&s);
  /* The header's （元） wins over the title's 万元. */
  const char *t2 = "单位：万元\n资产名称,资产原值（元）,资产类别\n";
  CHECK(sheet_read_csv((const uint8_t *)t2, strlen(t2), &s, err, sizeof err) == 0);
  CHECK(imp_layout_find(&s, NULL, UNIT_NONE, &L, err, sizeof err) == 0 && L.unit == UNIT_YUAN);
  sheet_free(&s);
  /* No unit anywhere: 元. No header: refused with a hint. */
  const char *t3 = "资产名称,原值,类别\n";
  CHECK(sheet_read_csv((const uint8_t *)t3, strlen(t3), &s, err, sizeof err) == 0);
  CHECK(imp_layout_find(&s, NULL, UNIT_NONE, &L, err, sizeof err) == 0 && L.unit == UNIT_YUAN);
  sheet_free(&s);
  const char *t4 = "甲,乙,丙\n1,2,3\n";
  CHECK(sheet_read_csv((const uint8_t *)t4, strlen(t4), &s, err, sizeof err) == 0);
  CHECK(imp_layout_find(&s, NULL, UNIT_NONE, &L, err, sizeof err) != 0 && strstr(err, "--mapping"));
  sheet_free(&s);
}

static imp_place places_v[] = {
    {"522731104", (char *)"好花红镇", NULL, false},
    {"522731104201", (char *)"好花红村", (char *)"好花红镇", true},
    {"522731104202", (char *)"新民村", (char *)"好花红镇", true},
    {"522731105", (char *)"摆金镇", NULL, false},
    {"522731105201", (char *)"新民村", (char *)"摆金镇", true},
};
static const imp_places P = {places_v, 5};

static int load_rows(const char *file, sheet *s, imp_layout *L, imp_row **rows, size_t *n) {
  size_t len;
  char err[512];
  uint8_t *d = test_slurp(file, &len);
  if (!d) return -1;
  int rc = sheet_read(d, len, NULL, s, err, sizeof err);
  free(d);
  if (rc == 0) rc = imp_layout_find(s, NULL, UNIT_NONE, L, err, sizeof err);
  if (rc == 0) rc = imp_rows(s, L, &P, "522731", "2026-01-01", rows, n, err, sizeof err);
  if (rc != 0) fprintf(stderr, "%s: %s\n", file, err);
  return rc;
}

static const imp_row *row_no(const imp_row *rows, size_t n, size_t rownum) {
  for (size_t i = 0; i < n; i++)
    if (rows[i].rownum == rownum) return &rows[i];
  return NULL;
}

static void refused(const imp_row *rows, size_t n, size_t rownum, int col, const char *why) {
  const imp_row *r = row_no(rows, n, rownum);
  CHECK_MSG(r && r->kind == R_REFUSED, "row %zu not refused", rownum);
  if (!r) return;
  CHECK_MSG(r->col == col, "row %zu: column %d, expected %d", rownum, r->col, col);
  CHECK_MSG(strstr(r->reason_zh, why) != NULL, "row %zu: \"%s\" lacks \"%s\"", rownum, r->reason_zh, why);
  CHECK_MSG(r->reason_en[0] != 0, "row %zu has no English reason", rownum);
}

static void test_messy_rows(void) {
  sheet sx, sc;
  imp_layout Lx, Lc;
  imp_row *rx = NULL, *rc = NULL;
  size_t nx = 0, nc = 0;
  CHECK(load_rows(FIX "messy.xlsx", &sx, &Lx, &rx, &nx) == 0);
  CHECK(load_rows(FIX "messy-gb18030.csv", &sc, &Lc, &rc, &nc) == 0);
  CHECK(Lx.unit == UNIT_WAN && Lc.unit == UNIT_WAN);
  CHECK(nx == 13 && nc == 13); /* 5 good, 7 bad, the 合计; the blank line skipped */
  for (size_t k = 4; k <= 8; k++) {
    const imp_row *a = row_no(rx, nx, k), *b = row_no(rc, nc, k);
    CHECK_MSG(a && a->kind == R_GOOD, "xlsx row %zu: %s", k, a ? a->reason_zh : "absent");
    CHECK_MSG(b && b->kind == R_GOOD, "csv row %zu: %s", k, b ? b->reason_zh : "absent");
    if (a && b && a->kind == R_GOOD && b->kind == R_GOOD) {
      /* The same content in either format gives the same codes and values. */
      CHECK_STR(a->asset, b->asset);
      CHECK_STR(a->project, b->project);
      CHECK(a->value_fen == b->value_fen);
      CHECK_STR(a->accepted_on, b->accepted_on);
      CHECK(strncmp(a->asset, "A522731-", 8) == 0 && strlen(a->asset) == 24);
    }
  }
  const imp_row *r = row_no(rx, nx, 4);
  if (r && r->kind == R_GOOD) {
    CHECK(r->value_fen == 12500000);
    CHECK_STR(r->village, "522731104201");
    CHECK_STR(r->cls, "operating");
    CHECK_STR(r->project_type, "industry");
    CHECK(r->year == 2021);
    CHECK_STR(r->owner_kind, "village_collective");
    CHECK_STR(r->owner_id, "522731104201");
    CHECK_STR(r->cert, "HS-QQ-2021-001");
    CHECK_STR(r->confirmed_on, "2021-06-30");
    CHECK_STR(r->mperson, "张三");
  }
  r = row_no(rx, nx, 5); /* merged project cell, 新民村 of 好花红镇 (not of 摆金镇) */
  if (r && r->kind == R_GOOD) {
    CHECK_STR(r->project_name, "村级光伏电站项目");
    CHECK_STR(r->project, row_no(rx, nx, 4)->project);
    CHECK_STR(r->village, "522731104202");
    CHECK(r->value_fen == 1234567800);
  }
  r = row_no(rc, nc, 6); /* village by code; 备注 into the description */
  if (r && r->kind == R_GOOD) {
    CHECK_STR(r->village, "522731104202");
    CHECK_STR(r->quantity, "2.5");
    CHECK(strstr(r->description, "备注：宽 4.5 米") != NULL);
    CHECK_STR(r->project_type, "rural_construction");
  }
  r = row_no(rx, nx, 8); /* 2021年6月 */
  if (r && r->kind == R_GOOD) {
    CHECK_STR(r->accepted_on, "2021-06-01");
    CHECK(strstr(r->note, "1 日") != NULL);
    CHECK_STR(r->cls, "household");
    CHECK_STR(r->form, "biological");
  }
  for (int pass = 0; pass < 2; pass++) {
    const imp_row *rows = pass ? rc : rx;
    size_t n = pass ? nc : nx;
    refused(rows, n, 9, 5, "资产类别");
    refused(rows, n, 10, 13, "不是数字");
    refused(rows, n, 11, 13, "负数");
    refused(rows, n, 12, 14, "不存在的日期");
    refused(rows, n, 13, 9, "不在本县");
    refused(rows, n, 14, 8, "不存在村");
    refused(rows, n, 15, 4, "与第 4 行是同一资产");
    const imp_row *t = row_no(rows, n, 17);
    CHECK(t && t->kind == R_TOTAL && t->stated_ok && t->stated_fen == 1500000000);
    if (t) CHECK_MSG(strstr(t->note, "相差") != NULL, "%s", t->note);
    if (t) CHECK(t->summed_fen == 12500000 + 1234567800 + 80000000 + 30250000 + 16000000 + 50000000 + 5000000 * 3 + 12500000);
  }
  imp_rows_free(rx, nx);
  imp_rows_free(rc, nc);
  sheet_free(&sx);
  sheet_free(&sc);
}

/* A village code an XLSX writer stored as a number in E notation. */
static void test_numeric_village_code(void) {
  char err[512];
  sheet s;
  memset(&s, 0, sizeof s);
  const char *head[] = {"资产名称", "资产类别", "村代码", "资产原值", "竣工验收日期"};
  for (size_t c = 0; c < 5; c++) CHECK(sheet_set(&s, 1, c, head[c], strlen(head[c]), false, err, sizeof err) == 0);
  const char *row[] = {"井", "公益性", "5.22731104202E+11", "100", "44377"};
  for (size_t c = 0; c < 5; c++) CHECK(sheet_set(&s, 2, c, row[c], strlen(row[c]), c >= 2, err, sizeof err) == 0);
  imp_layout L;
  imp_row *rows;
  size_t n;
  CHECK(imp_layout_find(&s, NULL, UNIT_NONE, &L, err, sizeof err) == 0);
  CHECK(imp_rows(&s, &L, &P, "522731", "2026-01-01", &rows, &n, err, sizeof err) == 0);
  CHECK(n == 1 && rows[0].kind == R_GOOD);
  if (n == 1) {
    CHECK_STR(rows[0].village, "522731104202");
    CHECK_STR(rows[0].accepted_on, "2021-06-30");
  }
  imp_rows_free(rows, n);
  sheet_free(&s);
}

static void test_row_refusals(void) {
  /* What the fixture does not show: a date later than today, an unknown class, a village
   * name two townships share, a missing date, a bad asset code, a subtotal. */
  const char *t =
      "序号,资产名称,资产类别,所在乡镇,所在村,资产原值,竣工验收日期,资产编号\n"
      "1,2,3,4,5,6,7,8\n"
      "1,甲,经营性,,好花红村,1,2030-01-01,\n"
      "2,乙,经营资产类,,好花红村,1,2021-01-01,\n"
      "3,丙,公益性,,新民村,1,2021-01-01,\n"
      "4,丁,公益性,摆金镇,新民村,1,,\n"
      "5,戊,公益性,摆金镇,新民村,1,2021-01-01,A 1\n"
      "6,己,公益性,摆金镇,新民村委会,2,2021-01-01,A-1\n"
      "小计,,,,,3,,\n";
  char err[512];
  sheet s;
  imp_layout L;
  imp_row *rows;
  size_t n;
  CHECK(sheet_read_csv((const uint8_t *)t, strlen(t), &s, err, sizeof err) == 0);
  CHECK(imp_layout_find(&s, NULL, UNIT_NONE, &L, err, sizeof err) == 0);
  CHECK(imp_rows(&s, &L, &P, "522731", "2026-01-01", &rows, &n, err, sizeof err) == 0);
  refused(rows, n, 3, 6, "晚于今天");
  refused(rows, n, 4, 2, "无法识别");
  refused(rows, n, 5, 4, "不止一个");
  refused(rows, n, 6, 6, "缺少竣工验收日期");
  refused(rows, n, 7, 7, "资产编号");
  CHECK(row_no(rows, n, 2) == NULL); /* the 栏次 row 1, 2, 3, … is skipped */
  const imp_row *r = row_no(rows, n, 8);
  CHECK(r && r->kind == R_GOOD);
  if (r) {
    CHECK_STR(r->asset, "A-1");
    CHECK_STR(r->village, "522731105201");
    CHECK_STR(r->project_name, "己"); /* no project column: the asset is its own project */
  }
  r = row_no(rows, n, 9);
  CHECK(r && r->kind == R_SUBTOTAL && r->stated_fen == 300 && r->summed_fen == 700 && strstr(r->note, "相差 -4.00 元"));
  imp_rows_free(rows, n);
  sheet_free(&s);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  test_amounts();
  test_dates();
  test_headers();
  test_layout_units();
  test_messy_rows();
  test_row_refusals();
  test_numeric_village_code();
  return test_done();
}
