/* The audit report as CSV (a spreadsheet opens it: UTF-8 with BOM, CRLF) and as a
 * printable A4 page in Chinese (English beside it): summary by check and by village, then
 * each finding with its figures and the entries it rests on, and the checkpoint. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"

typedef struct {
  char *p;
  size_t len, cap;
  bool nomem;
} buf;

static void put(buf *b, const char *s, size_t n) {
  if (b->nomem) return;
  if (b->len + n + 1 > b->cap) {
    size_t c = b->cap ? b->cap : 4096;
    while (c < b->len + n + 1) c *= 2;
    char *q = realloc(b->p, c);
    if (!q) {
      b->nomem = true;
      return;
    }
    b->p = q;
    b->cap = c;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}
static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }
static void printf_(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(buf *b, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static char *done(buf *b, size_t *len) {
  if (b->nomem || !b->p) {
    free(b->p);
    return NULL;
  }
  if (len) *len = b->len;
  return b->p;
}

static const char *str(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static void evidence_text(const json_t *f, char *out, size_t cap) {
  size_t i;
  const json_t *e;
  out[0] = 0;
  json_array_foreach(json_object_get(f, "evidence"), i, e) {
    size_t l = strlen(out);
    snprintf(out + l, cap - l, "%s%lld", l ? " " : "", (long long)json_integer_value(e));
  }
}

/* ---- CSV ---- */

static void csv_field(buf *b, const char *s, bool last) {
  put(b, "\"", 1);
  for (const char *p = s; *p; p++) put(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
  put(b, last ? "\"\r\n" : "\",", last ? 3 : 2);
}

char *aidreg_audit_csv(const json_t *report, size_t *len) {
  buf b = {0};
  puts_(&b, "\xEF\xBB\xBF");
  static const char *const head[] = {"检查项 check",     "名称 name",        "严重程度 severity", "状态 status",
                                     "对象 subject",     "村 village",       "村名 village_name", "起始 since",
                                     "依据条目 evidence", "说明", "description"};
  for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) csv_field(&b, head[i], i + 1 == sizeof head / sizeof head[0]);
  size_t i;
  const json_t *f;
  json_array_foreach(json_object_get(report, "findings"), i, f) {
    char ev[4096];
    evidence_text(f, ev, sizeof ev);
    csv_field(&b, str(f, "check"), false);
    csv_field(&b, str(f, "check_zh"), false);
    csv_field(&b, str(f, "severity"), false);
    csv_field(&b, str(f, "status"), false);
    csv_field(&b, str(f, "subject"), false);
    csv_field(&b, str(f, "village"), false);
    csv_field(&b, str(f, "village_name"), false);
    csv_field(&b, str(f, "since"), false);
    csv_field(&b, ev, false);
    csv_field(&b, str(f, "zh"), false);
    csv_field(&b, str(f, "en"), true);
  }
  return done(&b, len);
}

/* ---- HTML ---- */

static void esc(buf *b, const char *s) {
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

static const char *severity_zh(const char *s) {
  return strcmp(s, "serious") == 0 ? "严重" : strcmp(s, "warning") == 0 ? "警示" : "提示";
}
static const char *status_zh(const char *s) {
  return strcmp(s, "open") == 0       ? "未处理"
         : strcmp(s, "recorded") == 0 ? "已记录"
         : strcmp(s, "resolved") == 0 ? "已整改"
                                      : "整改超期";
}

char *aidreg_audit_html(const json_t *report, size_t *len) {
  buf b = {0};
  const json_t *cp = json_object_get(report, "checkpoint"), *findings = json_object_get(report, "findings");
  puts_(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n<title>扶贫项目资产审计报告 ");
  esc(&b, str(report, "ledger"));
  puts_(&b, "</title>\n<style>@page{size:A4;margin:18mm 15mm}body{font-family:\"Noto Serif CJK SC\",\"SimSun\",serif;"
            "font-size:10.5pt;color:#000}h1{font-size:16pt;text-align:center}h2{font-size:13pt;border-bottom:1px solid #000}"
            "table{border-collapse:collapse;width:100%;margin:6pt 0}th,td{border:1px solid #444;padding:2pt 4pt;"
            "vertical-align:top}th{background:#eee}.en{color:#444;font-size:9pt}.f{page-break-inside:avoid}"
            "tr{page-break-inside:avoid}.mono{font-family:monospace;font-size:8.5pt;word-break:break-all}</style>\n"
            "</head><body>\n<h1>扶贫项目资产审计报告<br><span class=\"en\">Audit report of poverty-alleviation assets</span></h1>\n");
  puts_(&b, "<table><tr><th>台账 ledger</th><td>");
  esc(&b, str(report, "ledger"));
  puts_(&b, "</td><th>审计基准日 as of</th><td>");
  esc(&b, str(report, "as_of"));
  puts_(&b, "</td></tr><tr><th>检查点 checkpoint</th><td colspan=\"3\" class=\"mono\">");
  esc(&b, str(cp, "origin"));
  printf_(&b, " · 条目数 size %lld · 根哈希 root ", (long long)json_integer_value(json_object_get(cp, "size")));
  esc(&b, str(cp, "root"));
  printf_(&b, "</td></tr><tr><th>发现 findings</th><td colspan=\"3\">%zu</td></tr></table>\n", json_array_size(findings));

  /* summary by check */
  puts_(&b, "<h2>按检查项汇总 <span class=\"en\">By check</span></h2>\n<table><tr><th>检查项</th><th>check</th>"
            "<th>严重程度</th><th>数量 count</th></tr>\n");
  const char *k;
  const json_t *n;
  json_object_foreach((json_t *)json_object_get(report, "counts"), k, n) {
    const char *sev = ar_audit_check_severity(k);
    printf_(&b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%lld</td></tr>\n", ar_audit_check_zh(k) ? ar_audit_check_zh(k) : k,
            k, sev ? severity_zh(sev) : "", (long long)json_integer_value(n));
  }
  puts_(&b, "</table>\n");

  /* summary by village (in code order; findings without a village last) */
  puts_(&b, "<h2>按村汇总 <span class=\"en\">By village</span></h2>\n<table><tr><th>村代码 village</th><th>村名 name</th>"
            "<th>严重 serious</th><th>警示 warning</th><th>提示 info</th></tr>\n");
  json_t *villages = json_object();
  size_t i;
  const json_t *f;
  json_array_foreach(findings, i, f) {
    const char *v = json_string_value(json_object_get(f, "village"));
    const char *key = v ? v : "—";
    json_t *row = json_object_get(villages, key);
    if (!row) {
      row = json_pack("{s:s, s:i, s:i, s:i}", "name", str(f, "village_name"), "serious", 0, "warning", 0, "info", 0);
      json_object_set_new(villages, key, row);
    }
    json_t *c = json_object_get(row, str(f, "severity"));
    if (c) json_integer_set(c, json_integer_value(c) + 1);
  }
  /* jansson objects iterate in insertion order; sort the codes */
  size_t nv = json_object_size(villages), j = 0;
  const char **codes = calloc(nv ? nv : 1, sizeof *codes);
  if (codes) {
    json_object_foreach(villages, k, n) codes[j++] = k;
    for (size_t x = 1; x < nv; x++)
      for (size_t y = x; y > 0 && strcmp(codes[y - 1], codes[y]) > 0; y--) {
        const char *t = codes[y];
        codes[y] = codes[y - 1];
        codes[y - 1] = t;
      }
    for (size_t x = 0; x < nv; x++) {
      const json_t *row = json_object_get(villages, codes[x]);
      puts_(&b, "<tr><td>");
      esc(&b, codes[x]);
      puts_(&b, "</td><td>");
      esc(&b, str(row, "name"));
      printf_(&b, "</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
              (long long)json_integer_value(json_object_get(row, "serious")),
              (long long)json_integer_value(json_object_get(row, "warning")),
              (long long)json_integer_value(json_object_get(row, "info")));
    }
    free(codes);
  } else {
    b.nomem = true;
  }
  json_decref(villages);
  puts_(&b, "</table>\n");

  /* each finding */
  puts_(&b, "<h2>发现明细 <span class=\"en\">Findings</span></h2>\n");
  json_array_foreach(findings, i, f) {
    char ev[4096];
    evidence_text(f, ev, sizeof ev);
    printf_(&b, "<table class=\"f\"><tr><th style=\"width:18%%\">%zu. %s</th><td>", i + 1, str(f, "check_zh"));
    esc(&b, str(f, "check"));
    printf_(&b, " · %s · %s</td></tr>\n<tr><th>对象 subject</th><td>", severity_zh(str(f, "severity")),
            status_zh(str(f, "status")));
    esc(&b, str(f, "subject"));
    if (*str(f, "village")) {
      puts_(&b, " · 村 ");
      esc(&b, str(f, "village"));
      if (*str(f, "village_name")) {
        puts_(&b, " ");
        esc(&b, str(f, "village_name"));
      }
    }
    if (*str(f, "since")) {
      puts_(&b, " · 起始 since ");
      esc(&b, str(f, "since"));
    }
    puts_(&b, "</td></tr>\n<tr><th>说明</th><td>");
    esc(&b, str(f, "zh"));
    puts_(&b, "<br><span class=\"en\">");
    esc(&b, str(f, "en"));
    puts_(&b, "</span></td></tr>\n<tr><th>数据 figures</th><td class=\"mono\">");
    char *fig = json_dumps(json_object_get(f, "figures"), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII * 0);
    esc(&b, fig ? fig : "");
    free(fig);
    puts_(&b, "</td></tr>\n<tr><th>依据条目 entries</th><td class=\"mono\">");
    esc(&b, ev);
    puts_(&b, "</td></tr></table>\n");
  }
  if (json_array_size(findings) == 0) puts_(&b, "<p>未发现问题。<span class=\"en\">No finding.</span></p>\n");
  puts_(&b, "<p class=\"en\">由 aidreg audit 从上述检查点的条目计算；任何人以同一检查点和基准日复算，结果相同。"
            " Computed by aidreg audit from the entries of the checkpoint above; anyone who recomputes it from the same "
            "checkpoint and date gets the same findings.</p>\n</body></html>\n");
  return done(&b, len);
}

/* ---- the county reports' tables (audit_reports.c) ---- */

static void cell_text(const json_t *v, char *out, size_t cap) {
  if (json_is_string(v)) snprintf(out, cap, "%s", json_string_value(v));
  else if (json_is_integer(v)) snprintf(out, cap, "%lld", (long long)json_integer_value(v));
  else if (json_is_boolean(v)) snprintf(out, cap, "%s", json_is_true(v) ? "是 yes" : "否 no");
  else out[0] = 0;
}

char *aidreg_audit_table_csv(const json_t *table, size_t *len) {
  buf b = {0};
  puts_(&b, "\xEF\xBB\xBF");
  const json_t *cols = json_object_get(table, "columns"), *c, *row;
  size_t i, j, n = json_array_size(cols);
  json_array_foreach(cols, i, c) {
    char h[256];
    snprintf(h, sizeof h, "%s %s", str(c, "zh"), str(c, "en"));
    csv_field(&b, h, i + 1 == n);
  }
  json_array_foreach(json_object_get(table, "rows"), j, row) {
    json_array_foreach(cols, i, c) {
      char v[2048];
      cell_text(json_object_get(row, str(c, "key")), v, sizeof v);
      csv_field(&b, v, i + 1 == n);
    }
  }
  return done(&b, len);
}

char *aidreg_audit_table_html(const json_t *table, size_t *len) {
  buf b = {0};
  const json_t *cp = json_object_get(table, "checkpoint"), *cols = json_object_get(table, "columns"), *c, *row;
  puts_(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n<title>");
  esc(&b, str(table, "title_zh"));
  puts_(&b, "</title>\n<style>@page{size:A4 landscape;margin:15mm 12mm}body{font-family:\"Noto Serif CJK SC\",\"SimSun\","
            "serif;font-size:9.5pt}h1{font-size:15pt;text-align:center}table{border-collapse:collapse;width:100%}"
            "th,td{border:1px solid #444;padding:2pt 3pt;vertical-align:top}th{background:#eee}tr{page-break-inside:avoid}"
            ".en{color:#444;font-size:8.5pt}.mono{font-family:monospace;font-size:8pt;word-break:break-all}</style>\n"
            "</head><body>\n<h1>");
  esc(&b, str(table, "title_zh"));
  puts_(&b, "<br><span class=\"en\">");
  esc(&b, str(table, "title_en"));
  puts_(&b, "</span></h1>\n<p>台账 ledger ");
  esc(&b, str(table, "ledger"));
  puts_(&b, " · 基准日 as of ");
  esc(&b, str(table, "as_of"));
  printf_(&b, " · 检查点 checkpoint size %lld</p>\n", (long long)json_integer_value(json_object_get(cp, "size")));
  puts_(&b, "<p class=\"mono\">");
  esc(&b, str(cp, "origin"));
  puts_(&b, " ");
  esc(&b, str(cp, "root"));
  puts_(&b, "</p>\n<table><tr><th>汇总 summary</th><td>");
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)json_object_get(table, "summary"), k, v) {
    char t[64];
    cell_text(v, t, sizeof t);
    printf_(&b, "%s %s　", k, t);
  }
  puts_(&b, "</td></tr></table>\n<table><tr>");
  size_t i, j;
  json_array_foreach(cols, i, c) {
    puts_(&b, "<th>");
    esc(&b, str(c, "zh"));
    puts_(&b, "<br><span class=\"en\">");
    esc(&b, str(c, "en"));
    puts_(&b, "</span></th>");
  }
  puts_(&b, "</tr>\n");
  json_array_foreach(json_object_get(table, "rows"), j, row) {
    puts_(&b, "<tr>");
    json_array_foreach(cols, i, c) {
      char t[2048];
      cell_text(json_object_get(row, str(c, "key")), t, sizeof t);
      puts_(&b, "<td>");
      esc(&b, t);
      puts_(&b, "</td>");
    }
    puts_(&b, "</tr>\n");
  }
  puts_(&b, "</table>\n</body></html>\n");
  return done(&b, len);
}
