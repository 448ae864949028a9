/* The county's reports (docs/api.md "Reports"): the library computes the report
 * (aidreg_state_report_ledger: the 总台账; aidreg_state_report_rights: 确权移交进度; each in
 * one snapshot with its checkpoint); this file
 * writes it as JSON, CSV (UTF-8 with a BOM, so that Excel opens it) or a printable A4 HTML
 * page. Every format states the checkpoint (origin, size, root hash) it was computed from. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidreg/audit.h"
#include "aidreg/state.h"
#include "h_reports.h"
#include "query.h"
#include "reply.h"

typedef struct {
  char *data;
  size_t len, cap;
  bool failed;
} buf;

static void put(buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
      b->failed = true;
      return;
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}
static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }
static void printf_(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(buf *b, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static const char *js(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* The cells of one row of the register, in column order. The headers are the importer's
 * (docs/import.md), so that the exported 总台账 imports again as the same assets. */
#define NCOLS 26
enum { C_NO = 0, C_QTY = 15, C_VALUE = 17 };
static const char *const headers[NCOLS] = {
    "序号",     "资产编号",   "资产名称",       "项目编号", "项目名称",     "项目类型",   "资金年度",
    "资金来源", "资产类别",   "资产类型",       "资产形态", "所在乡镇",     "所在村",     "村代码",
    "建设内容及规模", "数量", "单位",           "资产原值（元）", "状态",   "竣工日期",   "竣工验收日期",
    "产权主体", "确权证书编号", "确权日期",     "管护主体", "管护责任人"};
/* Right-aligned (numbers) in HTML. */
static bool numeric(int c) { return c == C_NO || c == C_QTY || c == C_VALUE; }

/* o[k]'s Chinese label (k_zh) when it has one, else o[k]. */
static const char *zh_or(const json_t *o, const char *k) {
  char kz[64];
  snprintf(kz, sizeof kz, "%s_zh", k);
  return *js(o, kz) ? js(o, kz) : js(o, k);
}

static void cells(const json_t *row, char out[NCOLS][512]) {
  char tmp[512] = "";
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(row, "channels"), i, c) {
    size_t n = strlen(tmp);
    snprintf(tmp + n, sizeof tmp - n, "%s%s", i ? "、" : "", json_string_value(c));
  }
  const json_t *q = json_object_get(row, "quantity");
  char qty[64] = "";
  if (json_is_integer(q)) snprintf(qty, sizeof qty, "%lld", (long long)json_integer_value(q));
  else if (json_is_real(q)) snprintf(qty, sizeof qty, "%g", json_real_value(q));
  char no[24];
  snprintf(no, sizeof no, "%lld", (long long)json_integer_value(json_object_get(row, "no")));
  const char *town = *js(row, "township_name") ? js(row, "township_name") : js(row, "township");
  const char *vill = *js(row, "village_name") ? js(row, "village_name") : js(row, "village");
  const char *const v[NCOLS] = {
      no,  js(row, "id"), js(row, "name"), js(row, "project"), js(row, "project_name"), zh_or(row, "project_type"),
      js(row, "year"), tmp, zh_or(row, "class"), js(row, "subtype"), zh_or(row, "form"), town, vill,
      js(row, "village"), js(row, "description"), qty, js(row, "unit"), js(row, "value_yuan"), zh_or(row, "status"),
      js(row, "completed_on"), js(row, "accepted_on"), js(row, "owner"), js(row, "certificate_no"),
      js(row, "confirmed_on"), js(row, "maintainer"), js(row, "maintainer_person")};
  for (int k = 0; k < NCOLS; k++) snprintf(out[k], 512, "%s", v[k]);
}

#define NGROUPS 5
static const char *const group_names[NGROUPS][2] = {{"by_class", "按资产类别"},
                                                    {"by_township", "按乡镇"},
                                                    {"by_village", "按村"},
                                                    {"by_year", "按资金年度"},
                                                    {"by_channel", "按资金来源"}};

/* ---- CSV --------------------------------------------------------------------------------- */

static void csv_cell(buf *b, const char *s, bool last) {
  if (strpbrk(s, ",\"\r\n")) {
    puts_(b, "\"");
    for (const char *p = s; *p; p++) put(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    puts_(b, "\"");
  } else {
    puts_(b, s);
  }
  puts_(b, last ? "\r\n" : ",");
}

/* The rows every CSV report starts with: its title, then the checkpoint it was computed from. */
static void meta_csv(buf *b, const json_t *r, const char *title) {
  const json_t *cp = json_object_get(r, "checkpoint");
  char size[32];
  snprintf(size, sizeof size, "%lld", (long long)json_integer_value(json_object_get(cp, "size")));
  csv_cell(b, title, true);
  csv_cell(b, "台账 ledger", false);
  csv_cell(b, js(cp, "origin"), true);
  csv_cell(b, "检查点 checkpoint size", false);
  csv_cell(b, size, true);
  csv_cell(b, "根哈希 root hash", false);
  csv_cell(b, js(cp, "root_hash"), true);
  csv_cell(b, "生成时间 generated", false);
  csv_cell(b, js(r, "generated_at"), true);
}

/* The 总台账's CSV in three parts, so that its rows are written as the library makes them
 * (aidreg_state_report_ledger_each): the beginning, each row, then the total and subtotals. */
static void csv_head(buf *b, const json_t *r) {
  puts_(b, "\xEF\xBB\xBF");
  meta_csv(b, r, "县级扶贫项目资产总台账 / asset register");
  if (json_is_string(json_object_get(r, "village"))) {
    csv_cell(b, "村 village", false);
    csv_cell(b, *js(r, "village_name") ? js(r, "village_name") : js(r, "village"), true);
  }
  csv_cell(b, "单位：元", true);
  for (int c = 0; c < NCOLS; c++) csv_cell(b, headers[c], c == NCOLS - 1);
}

static void csv_row(buf *b, const json_t *row) {
  static __thread char cl[NCOLS][512];
  cells(row, cl);
  for (int c = 0; c < NCOLS; c++) csv_cell(b, cl[c], c == NCOLS - 1);
}

static void csv_tail(buf *b, const json_t *r) {
  size_t i;
  json_t *row;
  for (int c = 0; c < NCOLS; c++) {
    char n[32];
    snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(r, "count")));
    csv_cell(b, c == C_NO ? "合计" : c == 2 ? n : c == C_VALUE ? js(r, "value_yuan") : "", c == NCOLS - 1);
  }
  for (int g = 0; g < NGROUPS; g++) {
    puts_(b, "\r\n");
    csv_cell(b, "小计", false);
    csv_cell(b, group_names[g][1], false);
    csv_cell(b, "资产数", false);
    csv_cell(b, "资产原值（元）", true);
    json_array_foreach(json_object_get(json_object_get(r, "subtotals"), group_names[g][0]), i, row) {
      char n[32];
      snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(row, "count")));
      csv_cell(b, js(row, "key"), false);
      csv_cell(b, js(row, "label"), false);
      csv_cell(b, n, false);
      csv_cell(b, js(row, "value_yuan"), true);
    }
  }
}

static int csv_sink_head(const json_t *head, void *ctx) {
  csv_head(ctx, head);
  return ((buf *)ctx)->failed ? -1 : 0;
}

static int csv_sink_row(const json_t *row, void *ctx) {
  csv_row(ctx, row);
  return ((buf *)ctx)->failed ? -1 : 0;
}

/* ---- HTML -------------------------------------------------------------------------------- */

static void html_text(buf *b, const char *s) {
  for (const char *p = s; *p; p++) {
    switch (*p) {
      case '<': puts_(b, "&lt;"); break;
      case '>': puts_(b, "&gt;"); break;
      case '&': puts_(b, "&amp;"); break;
      case '"': puts_(b, "&quot;"); break;
      default: put(b, p, 1);
    }
  }
}

/* The line under every HTML report's title: the checkpoint it was computed from. */
static void meta_html(buf *b, const json_t *r) {
  const json_t *cp = json_object_get(r, "checkpoint");
  puts_(b, "台账 ");
  html_text(b, js(cp, "origin"));
  printf_(b, " · 检查点 %lld 条 · 根哈希 ", (long long)json_integer_value(json_object_get(cp, "size")));
  html_text(b, js(cp, "root_hash"));
  puts_(b, " · 生成时间 ");
  html_text(b, js(r, "generated_at"));
}

static void html(buf *b, const json_t *r) {
  puts_(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>资产总台账</title>\n<style>\n"
           "@page { size: A4 landscape; margin: 12mm; }\n"
           "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"SimSun\", sans-serif; font-size: 9pt; }\n"
           "h1 { font-size: 14pt; text-align: center; margin: 0 0 4mm; }\n"
           "table { border-collapse: collapse; width: 100%; margin-bottom: 4mm; }\n"
           /* 26 columns across A4: at 9pt they shrank to a character or two, names cut 村级/光伏/电站
            * (tests/e2e/printed.py reads the PDF's text); a word is kept whole, broken at spaces and
            * punctuation only (a table too wide for the page is scaled down to it by the browser) */
           "table { font-size: 7.5pt; } th, td { border: 0.5pt solid #000; padding: 0.5mm 0.7mm; }\n"
           "td { word-break: keep-all; }\n"
           "th { background: #eee; } thead { display: table-header-group; } tr { page-break-inside: avoid; }\n"
           "td.n { text-align: right; white-space: nowrap; } .meta { font-size: 8pt; margin-bottom: 3mm; }\n"
           "</style></head><body>\n<h1>县级扶贫项目资产总台账</h1>\n<div class=\"meta\">");
  meta_html(b, r);
  if (json_is_string(json_object_get(r, "village"))) {
    puts_(b, " · 村 ");
    html_text(b, *js(r, "village_name") ? js(r, "village_name") : js(r, "village"));
  }
  puts_(b, " · 单位：元</div>\n<table><thead><tr>");
  for (int c = 0; c < NCOLS; c++) {
    puts_(b, "<th>");
    puts_(b, headers[c]);
    puts_(b, "</th>");
  }
  puts_(b, "</tr></thead><tbody>\n");
  size_t i;
  json_t *row;
  static char cl[NCOLS][512];
  json_array_foreach(json_object_get(r, "rows"), i, row) {
    cells(row, cl);
    puts_(b, "<tr>");
    for (int c = 0; c < NCOLS; c++) {
      puts_(b, numeric(c) ? "<td class=\"n\">" : "<td>");
      html_text(b, cl[c]);
      puts_(b, "</td>");
    }
    puts_(b, "</tr>\n");
  }
  printf_(b, "<tr><th>合计</th><td colspan=\"%d\">%lld 项</td><td class=\"n\">", C_VALUE - 1,
          (long long)json_integer_value(json_object_get(r, "count")));
  html_text(b, js(r, "value_yuan"));
  printf_(b, "</td><td colspan=\"%d\"></td></tr>\n</tbody></table>\n", NCOLS - C_VALUE - 1);
  for (int g = 0; g < NGROUPS; g++) {
    puts_(b, "<table><thead><tr><th>小计 ");
    puts_(b, group_names[g][1]);
    puts_(b, "</th><th>资产数</th><th>资产原值（元）</th></tr></thead><tbody>\n");
    json_array_foreach(json_object_get(json_object_get(r, "subtotals"), group_names[g][0]), i, row) {
      puts_(b, "<tr><td>");
      html_text(b, js(row, "label"));
      printf_(b, "</td><td class=\"n\">%lld</td><td class=\"n\">", (long long)json_integer_value(json_object_get(row, "count")));
      html_text(b, js(row, "value_yuan"));
      puts_(b, "</td></tr>\n");
    }
    puts_(b, "</tbody></table>\n");
  }
  puts_(b, "</body></html>\n");
}

/* ---- reports of several tables of text ({"title","tables":[{"title","columns","rows"}]}) ---- */

/* A cell of a table: text, or a count (an integer, a number in the workbook). */
static const char *cell_str(const json_t *cell, char tmp[32]) {
  if (json_is_integer(cell)) {
    snprintf(tmp, 32, "%lld", (long long)json_integer_value(cell));
    return tmp;
  }
  return json_string_value(cell) ? json_string_value(cell) : "";
}

static void tables_csv(buf *b, const json_t *r) {
  puts_(b, "\xEF\xBB\xBF");
  meta_csv(b, r, js(r, "title"));
  char tmp[32];
  size_t i, j, k;
  json_t *t, *row, *cell;
  json_array_foreach(json_object_get(r, "tables"), i, t) {
    puts_(b, "\r\n");
    csv_cell(b, js(t, "title"), true);
    const json_t *cols = json_object_get(t, "columns");
    json_array_foreach(cols, j, cell) csv_cell(b, json_string_value(cell), j + 1 == json_array_size(cols));
    json_array_foreach(json_object_get(t, "rows"), j, row) json_array_foreach(row, k, cell)
        csv_cell(b, cell_str(cell, tmp), k + 1 == json_array_size(row));
  }
}

static void tables_html(buf *b, const json_t *r) {
  size_t i, j, k, widest = 0;
  json_t *t, *row, *cell;
  json_array_foreach(json_object_get(r, "tables"), i, t) {
    if (json_array_size(json_object_get(t, "columns")) > widest) widest = json_array_size(json_object_get(t, "columns"));
  }
  puts_(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>");
  html_text(b, js(r, "title"));
  /* A table of more than 8 columns (the inventory's 12, the rectification's 14) on portrait A4
   * cut its names a character or two a line: landscape and a smaller type for those. */
  puts_(b, widest > 8 ? "</title>\n<style>\n@page { size: A4 landscape; margin: 12mm; }\n"
                      : "</title>\n<style>\n@page { size: A4; margin: 15mm; }\n");
  puts_(b, "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"SimSun\", sans-serif; font-size: 10pt; }\n"
           "h1 { font-size: 15pt; text-align: center; } h2 { font-size: 11pt; margin: 5mm 0 2mm; }\n"
           "table { border-collapse: collapse; width: 100%; } th, td { border: 0.5pt solid #000; padding: 1mm 2mm; }\n"
           "td { word-break: keep-all; }\n"
           "th { background: #eee; } thead { display: table-header-group; } tr { page-break-inside: avoid; }\n"
           ".meta { font-size: 8pt; }\n");
  if (widest > 8) puts_(b, "table { font-size: 8pt; } th, td { padding: 0.6mm 1mm; }\n");
  puts_(b, "</style></head><body>\n<h1>");
  html_text(b, js(r, "title"));
  puts_(b, "</h1>\n<div class=\"meta\">");
  meta_html(b, r);
  puts_(b, "</div>\n");
  json_array_foreach(json_object_get(r, "tables"), i, t) {
    puts_(b, "<h2>");
    html_text(b, js(t, "title"));
    puts_(b, "</h2>\n<table><thead><tr>");
    json_array_foreach(json_object_get(t, "columns"), j, cell) {
      puts_(b, "<th>");
      html_text(b, json_string_value(cell) ? json_string_value(cell) : "");
      puts_(b, "</th>");
    }
    puts_(b, "</tr></thead><tbody>\n");
    json_array_foreach(json_object_get(t, "rows"), j, row) {
      puts_(b, "<tr>");
      json_array_foreach(row, k, cell) {
        char tmp[32];
        puts_(b, json_is_integer(cell) ? "<td style=\"text-align:right\">" : "<td>");
        html_text(b, cell_str(cell, tmp));
        puts_(b, "</td>");
      }
      puts_(b, "</tr>\n");
    }
    puts_(b, "</tbody></table>\n");
  }
  puts_(b, "</body></html>\n");
}

/* ---- XLSX (libxlsxwriter): a sheet per table, Chinese headers, the header row frozen, amounts
 * as numbers shown in yuan; the title and checkpoint rows above ---------------------------- */

#ifdef AIDREG_HAVE_XLSX
#include <unistd.h>
#include <xlsxwriter.h>

/* "1234.56" (or "-0.05") as a number of yuan; false when s is not one. */
static bool yuan_number(const char *s, double *out) {
  if (!s || !*s) return false;
  const char *p = s + (*s == '-');
  size_t n = strspn(p, "0123456789");
  if (n == 0 || strcmp(p + n, "") == 0 || p[n] != '.' || strspn(p + n + 1, "0123456789") != 2 || p[n + 3]) return false;
  *out = strtod(s, NULL);
  return true;
}

/* An amount in fen into a cell in yuan. A cell's number is an IEEE double in the file
 * format itself; it gets the double that Excel stores for the yuan typed as text (the
 * exact decimal from aidreg_fen_to_yuan), and no arithmetic is done on doubles. */
static void xlsx_yuan(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const json_t *fen, lxw_format *money) {
  char yuan[32];
  aidreg_fen_to_yuan((int64_t)json_integer_value(fen), yuan);
  worksheet_write_number(ws, row, col, strtod(yuan, NULL), money);
}

/* A count (assets, entries), never money: an integer below 2^53 is exact as a double. */
static void xlsx_count(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const json_t *n) {
  worksheet_write_number(ws, row, col, (double)json_integer_value(n), NULL);
}

static int xlsx_meta(lxw_worksheet *ws, const json_t *r, const char *title, lxw_format *bold) {
  const json_t *cp = json_object_get(r, "checkpoint");
  char size[32];
  snprintf(size, sizeof size, "%lld", (long long)json_integer_value(json_object_get(cp, "size")));
  worksheet_write_string(ws, 0, 0, title, bold);
  worksheet_write_string(ws, 1, 0, "台账 ledger", NULL);
  worksheet_write_string(ws, 1, 1, js(cp, "origin"), NULL);
  worksheet_write_string(ws, 2, 0, "检查点 checkpoint size", NULL);
  worksheet_write_string(ws, 2, 1, size, NULL);
  worksheet_write_string(ws, 3, 0, "根哈希 root hash", NULL);
  worksheet_write_string(ws, 3, 1, js(cp, "root_hash"), NULL);
  worksheet_write_string(ws, 4, 0, "生成时间 generated", NULL);
  worksheet_write_string(ws, 4, 1, js(r, "generated_at"), NULL);
  return 6; /* the header row */
}

/* A workbook being written, in a temporary file until it is read back. */
typedef struct {
  char path[32];
  lxw_workbook *wb;
  lxw_worksheet *ws; /* the 总台账's sheet */
  lxw_format *bold, *head, *money;
  lxw_row_t at; /* the 总台账's next row */
} xbook;

static int xbook_open(xbook *x) {
  memset(x, 0, sizeof *x);
  snprintf(x->path, sizeof x->path, "/tmp/aidreg-report-XXXXXX");
  int fd = mkstemp(x->path);
  if (fd < 0) return -1;
  close(fd);
  if (!(x->wb = workbook_new(x->path))) {
    unlink(x->path);
    return -1;
  }
  x->bold = workbook_add_format(x->wb);
  x->head = workbook_add_format(x->wb);
  x->money = workbook_add_format(x->wb);
  format_set_bold(x->bold);
  format_set_bold(x->head);
  format_set_bg_color(x->head, 0xEEEEEE);
  format_set_border(x->head, LXW_BORDER_THIN);
  format_set_num_format(x->money, "#,##0.00");
  return 0;
}

/* Closes the workbook and, when data, reads it into *data (malloc'd). 0 or -1; the file is gone. */
static int xbook_close(xbook *x, char **data, size_t *len) {
  lxw_error err = workbook_close(x->wb);
  FILE *f = err == LXW_NO_ERROR && data ? fopen(x->path, "rb") : NULL;
  int rc = -1;
  if (f) {
    buf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) put(&b, chunk, n);
    fclose(f);
    if (!b.failed) {
      *data = b.data;
      *len = b.len;
      rc = 0;
    } else {
      free(b.data);
    }
  }
  unlink(x->path);
  return rc;
}

/* The 总台账's workbook in three parts, as its CSV (csv_head, csv_row, csv_tail). */
static int xlsx_ledger_head(const json_t *r, void *ctx) {
  xbook *x = ctx;
  if (!(x->ws = workbook_add_worksheet(x->wb, "总台账"))) return -1;
  int h = xlsx_meta(x->ws, r, "县级扶贫项目资产总台账（单位：元）", x->bold);
  for (int c = 0; c < NCOLS; c++) worksheet_write_string(x->ws, (lxw_row_t)h, (lxw_col_t)c, headers[c], x->head);
  worksheet_freeze_panes(x->ws, (lxw_row_t)(h + 1), 0);
  worksheet_set_column(x->ws, 0, NCOLS - 1, 14, NULL);
  x->at = (lxw_row_t)(h + 1);
  return 0;
}

static int xlsx_ledger_row(const json_t *row, void *ctx) {
  xbook *x = ctx;
  static __thread char cl[NCOLS][512];
  cells(row, cl);
  for (int c = 0; c < NCOLS; c++) {
    if (c == C_VALUE) xlsx_yuan(x->ws, x->at, (lxw_col_t)c, json_object_get(row, "value_fen"), x->money);
    else if ((c == C_NO || c == C_QTY) && *cl[c]) worksheet_write_number(x->ws, x->at, (lxw_col_t)c, strtod(cl[c], NULL), NULL);
    else worksheet_write_string(x->ws, x->at, (lxw_col_t)c, cl[c], NULL);
  }
  x->at++;
  return 0;
}

static int xlsx_ledger_tail(xbook *x, const json_t *r) {
  worksheet_write_string(x->ws, x->at, 0, "合计", x->bold);
  xlsx_count(x->ws, x->at, 2, json_object_get(r, "count"));
  xlsx_yuan(x->ws, x->at, C_VALUE, json_object_get(r, "value_fen"), x->money);
  lxw_worksheet *sub = workbook_add_worksheet(x->wb, "小计");
  if (!sub) return -1;
  lxw_row_t sr = 0;
  size_t i;
  json_t *row;
  for (int g = 0; g < NGROUPS; g++) {
    char t[64];
    snprintf(t, sizeof t, "小计 %s", group_names[g][1]);
    worksheet_write_string(sub, sr, 0, t, x->head);
    worksheet_write_string(sub, sr, 1, "资产数", x->head);
    worksheet_write_string(sub, sr, 2, "资产原值（元）", x->head);
    sr++;
    json_array_foreach(json_object_get(json_object_get(r, "subtotals"), group_names[g][0]), i, row) {
      worksheet_write_string(sub, sr, 0, js(row, "label"), NULL);
      xlsx_count(sub, sr, 1, json_object_get(row, "count"));
      xlsx_yuan(sub, sr, 2, json_object_get(row, "value_fen"), x->money);
      sr++;
    }
    sr++;
  }
  worksheet_set_column(sub, 0, 2, 18, NULL);
  return 0;
}

/* The workbook of report r (tables: not the 总台账, whose workbook is ledger_xlsx's) into *data
 * (malloc'd). 0 or -1. */
static int xlsx(const json_t *r, char **data, size_t *len) {
  xbook x;
  if (xbook_open(&x)) return -1;
  lxw_workbook *wb = x.wb;
  lxw_format *bold = x.bold, *head = x.head, *money = x.money;
  size_t i, j, k;
  json_t *t, *row, *cell;
  json_array_foreach(json_object_get(r, "tables"), i, t) {
    char name[32];
    snprintf(name, sizeof name, "表%zu", i + 1);
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    char title[512];
    snprintf(title, sizeof title, "%s · %s", js(r, "title"), js(t, "title"));
    int h = xlsx_meta(ws, r, title, bold);
    const json_t *cols = json_object_get(t, "columns");
    json_array_foreach(cols, j, cell) worksheet_write_string(ws, (lxw_row_t)h, (lxw_col_t)j, json_string_value(cell), head);
    worksheet_freeze_panes(ws, (lxw_row_t)(h + 1), 0);
    worksheet_set_column(ws, 0, (lxw_col_t)(json_array_size(cols) ? json_array_size(cols) - 1 : 0), 16, NULL);
    json_array_foreach(json_object_get(t, "rows"), j, row) json_array_foreach(row, k, cell) {
      const char *s = json_string_value(cell) ? json_string_value(cell) : "";
      const char *col = json_string_value(json_array_get(cols, k));
      double v;
      lxw_row_t at = (lxw_row_t)(h + 1 + (int)j);
      if (json_is_integer(cell)) xlsx_count(ws, at, (lxw_col_t)k, cell);
      else if (col && strstr(col, "（元）") && yuan_number(s, &v)) worksheet_write_number(ws, at, (lxw_col_t)k, v, money);
      else worksheet_write_string(ws, at, (lxw_col_t)k, s, NULL);
    }
  }
  return xbook_close(&x, data, len);
}
#endif

/* ---- reports 2 and 6 from the audit (aidreg_audit_latest_report), in the tables' shape ---- */

static const char *summary_label(const char *k) {
  static const char *const labels[][2] = {
      {"assets", "资产数 assets"},         {"counted", "已清查 counted"},          {"not_counted", "未清查 not counted"},
      {"not_found", "未见实物 not found"}, {"with_problems", "有问题 with problems"}, {"recorded", "记录的发现 recorded"},
      {"open", "整改中 open"},             {"overdue", "整改超期 overdue"},        {"resolved", "已整改 resolved"}};
  for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
    if (strcmp(labels[i][0], k) == 0) return labels[i][1];
  return k;
}

/* The audit's table {"title_zh","columns":[{key,zh,en}],"rows":[{key:…}],"summary"} as a
 * report of tables (a summary table with the date it is as of, then the rows), so that it is
 * written in every format like the county reports. New reference or NULL. */
static json_t *audit_tables(const json_t *t) {
  const json_t *cp = json_object_get(t, "checkpoint"), *cols = json_object_get(t, "columns"), *c, *row;
  char title[256], now[32];
  snprintf(title, sizeof title, "%s / %s", js(t, "title_zh"), js(t, "title_en"));
  time_t tt = time(NULL);
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_t *sum = json_array(), *head = json_array(), *rows = json_array();
  json_t *out = json_pack("{s:O, s:s, s:s, s:{s:O, s:O, s:O}, s:s, s:[{s:s, s:[s, s], s:o}, {s:s, s:o, s:o}]}",
                          "ledger", json_object_get(t, "ledger"), "report", js(t, "report"), "title", title,
                          "checkpoint", "origin", json_object_get(cp, "origin"), "size", json_object_get(cp, "size"),
                          "root_hash", json_object_get(cp, "root"), "generated_at", now, "tables", "title",
                          "汇总 summary", "columns", "项目 item", "数 value", "rows", sum, "title", title, "columns",
                          head, "rows", rows);
  if (!out) return NULL;
  json_array_append_new(sum, json_pack("[s, O]", "基准日 as of", json_object_get(t, "as_of")));
  if (json_is_integer(json_object_get(t, "year")))
    json_array_append_new(sum, json_pack("[s, O]", "年度 year", json_object_get(t, "year")));
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)json_object_get(t, "summary"), k, v) json_array_append_new(sum, json_pack("[s, O]", summary_label(k), v));
  size_t i, j;
  json_array_foreach(cols, i, c) {
    char h[256];
    snprintf(h, sizeof h, "%s %s", js(c, "zh"), js(c, "en"));
    json_array_append_new(head, json_string(h));
  }
  json_array_foreach(json_object_get(t, "rows"), j, row) {
    json_t *r = json_array();
    json_array_foreach(cols, i, c) {
      const json_t *x = json_object_get(row, js(c, "key"));
      json_array_append_new(r, json_is_integer(x) || json_is_string(x) ? json_incref((json_t *)x)
                               : json_is_boolean(x)                      ? json_string(json_is_true(x) ? "是 yes" : "否 no")
                                                                         : json_string(""));
    }
    json_array_append_new(rows, r);
  }
  return out;
}

/* ---- the route --------------------------------------------------------------------------- */

typedef struct {
  httpd_request *rq;
  const char *format, *village;
  int year;
  bool area; /* the audit's reports take a township too */
} rctx;

static const char *take_format(void *ctx, const char *v, char *buf, size_t cap) {
  (void)buf;
  (void)cap;
  rctx *t = ctx;
#ifdef AIDREG_HAVE_XLSX
  if (!v || (strcmp(v, "json") && strcmp(v, "csv") && strcmp(v, "html") && strcmp(v, "xlsx")))
    return "expected json, csv, html or xlsx";
#else
  if (!v || (strcmp(v, "json") && strcmp(v, "csv") && strcmp(v, "html")))
    return "expected json, csv or html (this server was built without libxlsxwriter: no xlsx)";
#endif
  t->format = v;
  return NULL;
}

static const char *take_village(void *ctx, const char *v, char *buf, size_t cap) {
  rctx *t = ctx;
  size_t n = v ? strlen(v) : 0;
  if (!v || !(n == 12 || (t->area && n == 9)) || strspn(v, "0123456789") != n)
    return t->area ? "a township (9 digits) or a village (12 digits) of the county" : "a village is named by its 12-digit code";
  if (strncmp(v, t->rq->code, 6) != 0) {
    snprintf(buf, cap, "village %s lies outside county %s", v, t->rq->code);
    return buf;
  }
  t->village = v;
  return NULL;
}

static const char *take_year(void *ctx, const char *v, char *buf, size_t cap) {
  (void)buf;
  (void)cap;
  rctx *t = ctx;
  if (!v || strlen(v) != 4 || strspn(v, "0123456789") != 4 || v[0] == '0') return "expected a year of 4 digits";
  t->year = atoi(v);
  return NULL;
}

/* Report r (taken) in format csv, html or xlsx; ledger: the 总台账's own layout. */
static enum MHD_Result reply_report(httpd_request *rq, json_t *r, bool ledger, const char *format) {
#ifdef AIDREG_HAVE_XLSX
  if (strcmp(format, "xlsx") == 0) {
    char *data = NULL;
    size_t len = 0;
    int xr = xlsx(r, &data, &len); /* not the 总台账: ledger_xlsx */
    json_decref(r);
    if (xr != 0) return reply_error(rq, AIDREG_E_INTERNAL, NULL, "the workbook could not be written");
    return reply_bytes(rq, MHD_HTTP_OK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", NULL,
                       data, len);
  }
#endif
  buf b = {0};
  bool is_csv = strcmp(format, "csv") == 0;
  if (is_csv) tables_csv(&b, r); /* the 总台账's CSV is ledger_csv's */
  else (ledger ? html : tables_html)(&b, r);
  json_decref(r);
  if (b.failed) {
    free(b.data);
    return reply_error(rq, AIDREG_E_INTERNAL, NULL, "out of memory");
  }
  return reply_bytes(rq, MHD_HTTP_OK, is_csv ? "text/csv; charset=utf-8" : "text/html; charset=utf-8", NULL, b.data,
                     b.len);
}

/* The 总台账 as CSV, its rows written as they are made. */
static enum MHD_Result ledger_csv(httpd_request *rq, const rctx *ctx) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  buf b = {0};
  aidreg_report_sink sink = {csv_sink_head, csv_sink_row, &b};
  json_t *r = NULL;
  if (aidreg_state_report_ledger_each(rq->srv->registry, rq->code, ctx->village, ctx->year, &sink, &r, &p) != 0) {
    json_decref(r);
    free(b.data);
    return reply_problem(rq, &p, NULL);
  }
  csv_tail(&b, r);
  json_decref(r);
  if (b.failed) {
    free(b.data);
    return reply_error(rq, AIDREG_E_INTERNAL, NULL, "out of memory");
  }
  return reply_bytes(rq, MHD_HTTP_OK, "text/csv; charset=utf-8", NULL, b.data, b.len);
}

#ifdef AIDREG_HAVE_XLSX
/* The 总台账 as a workbook, its rows written as they are made. */
static enum MHD_Result ledger_xlsx(httpd_request *rq, const rctx *ctx) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  xbook x;
  if (xbook_open(&x)) return reply_error(rq, AIDREG_E_INTERNAL, NULL, "the workbook could not be written");
  aidreg_report_sink sink = {xlsx_ledger_head, xlsx_ledger_row, &x};
  json_t *r = NULL;
  if (aidreg_state_report_ledger_each(rq->srv->registry, rq->code, ctx->village, ctx->year, &sink, &r, &p) != 0) {
    json_decref(r);
    xbook_close(&x, NULL, NULL);
    return reply_problem(rq, &p, NULL);
  }
  char *data = NULL;
  size_t len = 0;
  int xr = xlsx_ledger_tail(&x, r);
  json_decref(r);
  if (xbook_close(&x, xr == 0 ? &data : NULL, &len) != 0)
    return reply_error(rq, AIDREG_E_INTERNAL, NULL, "the workbook could not be written");
  return reply_bytes(rq, MHD_HTTP_OK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", NULL, data,
                     len);
}
#endif

/* Reports 2 (inventory, of ?year=) and 6 (rectification) as of today (Asia/Shanghai). */
static enum MHD_Result audit_report(httpd_request *rq, bool inventory) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  rctx ctx = {.rq = rq, .format = "json", .area = true};
  query_check cf = {take_format, &ctx}, cv = {take_village, &ctx}, cy = {take_year, &ctx};
  const query_param spec[] = {{.name = "format", .kind = QUERY_CHECK, .out = &cf},
                              {.name = "village", .kind = QUERY_CHECK, .out = &cv},
                              {.name = "year", .kind = QUERY_CHECK, .out = &cy}};
  if (query_parse(rq->conn, spec, inventory ? 3 : 2, &p) != 0) return reply_problem(rq, &p, NULL);
  char as_of[16];
  time_t t = time(NULL) + 8 * 3600;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(as_of, sizeof as_of, "%Y-%m-%d", &tm);
  aidreg_audit_query aq = {.as_of = as_of, .village = ctx.village};
  json_t *r = NULL;
  if (aidreg_audit_latest_report(rq->srv->registry, rq->code, &aq, inventory ? "inventory" : "rectification",
                                 ctx.year ? ctx.year : tm.tm_year + 1900, &r, &p) != 0)
    return reply_problem(rq, &p, NULL);
  if (strcmp(ctx.format, "json") == 0) return reply_json(rq, MHD_HTTP_OK, r);
  json_t *tables = audit_tables(r);
  json_decref(r);
  if (!tables) return reply_error(rq, AIDREG_E_INTERNAL, NULL, "out of memory");
  return reply_report(rq, tables, false, ctx.format);
}

enum MHD_Result h_reports(httpd_request *rq) {
  bool ledger = strcmp(rq->arg, "ledger") == 0, rights = strcmp(rq->arg, "rights") == 0,
       income = strcmp(rq->arg, "income") == 0, disposals = strcmp(rq->arg, "disposals") == 0;
  if (strcmp(rq->arg, "inventory") == 0 || strcmp(rq->arg, "rectification") == 0)
    return audit_report(rq, strcmp(rq->arg, "inventory") == 0);
  if (!ledger && !rights && !income && !disposals)
    return reply_error(rq, AIDREG_E_NOT_FOUND, NULL,
                       "no report %s: the reports are: ledger (总台账), inventory (清查报告), income (收益及分配), "
                       "disposals (处置登记), rights (确权移交进度), rectification (审计整改情况)",
                       rq->arg);
  aidreg_problem p;
  aidreg_problem_clear(&p);
  rctx ctx = {.rq = rq, .format = "json"};
  query_check cf = {take_format, &ctx}, cv = {take_village, &ctx}, cy = {take_year, &ctx};
  const query_param spec[] = {{.name = "format", .kind = QUERY_CHECK, .out = &cf},
                              {.name = "village", .kind = QUERY_CHECK, .out = &cv},
                              {.name = "year", .kind = QUERY_CHECK, .out = &cy}};
  if (query_parse(rq->conn, spec, rights || disposals ? 1 : 3, &p) != 0) return reply_problem(rq, &p, NULL);
  if (ledger && strcmp(ctx.format, "csv") == 0) return ledger_csv(rq, &ctx);
#ifdef AIDREG_HAVE_XLSX
  if (ledger && strcmp(ctx.format, "xlsx") == 0) return ledger_xlsx(rq, &ctx);
#endif
  json_t *r = NULL;
  if ((ledger   ? aidreg_state_report_ledger(rq->srv->registry, rq->code, ctx.village, ctx.year, &r, &p)
       : income ? aidreg_state_report_income(rq->srv->registry, rq->code, ctx.village, ctx.year, &r, &p)
       : disposals ? aidreg_state_report_disposals(rq->srv->registry, rq->code, &r, &p)
                : aidreg_state_report_rights(rq->srv->registry, rq->code, &r, &p)) != 0) {
    json_decref(r);
    return reply_problem(rq, &p, NULL);
  }
  if (strcmp(ctx.format, "json") == 0) return reply_json(rq, MHD_HTTP_OK, r);
  return reply_report(rq, r, ledger, ctx.format);
}
