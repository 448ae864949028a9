/* The 台账 mapping (table.h): headers, amounts, dates, places, rows. */
#include "table.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/state.h"

/* ---------------------------------------------------------------- fields and headers */

static const struct {
  const char *id, *zh;
} fields[F_COUNT] = {
    [F_SEQ] = {"seq", "序号"},
    [F_PROJECT_CODE] = {"project_code", "项目编号"},
    [F_PROJECT_NAME] = {"project_name", "项目名称"},
    [F_PROJECT_TYPE] = {"project_type", "项目类型"},
    [F_YEAR] = {"year", "资金年度"},
    [F_CHANNEL] = {"channel", "资金来源"},
    [F_INDUSTRY_DEPT] = {"industry_dept", "行业主管部门"},
    [F_IMPL_UNIT] = {"implementing_unit", "业主单位"},
    [F_ASSET_CODE] = {"asset_code", "资产编号"},
    [F_ASSET_NAME] = {"asset_name", "资产名称"},
    [F_CLASS] = {"class", "资产类别"},
    [F_SUBTYPE] = {"subtype", "资产类型"},
    [F_FORM] = {"form", "资产形态"},
    [F_TOWNSHIP] = {"township", "所在乡镇"},
    [F_VILLAGE] = {"village", "所在村"},
    [F_VILLAGE_CODE] = {"village_code", "村代码"},
    [F_DESCRIPTION] = {"description", "建设内容及规模"},
    [F_QUANTITY] = {"quantity", "数量"},
    [F_UNIT] = {"unit", "单位"},
    [F_VALUE] = {"original_value", "资产原值"},
    [F_COMPLETED] = {"completed_on", "竣工日期"},
    [F_ACCEPTED] = {"accepted_on", "竣工验收日期"},
    [F_OWNER] = {"owner", "产权主体"},
    [F_CERT] = {"certificate_no", "确权证书编号"},
    [F_CONFIRMED] = {"confirmed_on", "确权日期"},
    [F_MAINTAINER] = {"maintainer", "管护主体"},
    [F_MPERSON] = {"maintainer_person", "管护责任人"},
    [F_DUTIES] = {"duties", "管护职责"},
    [F_FUND_SOURCE] = {"fund_source", "管护经费来源"},
    [F_MFROM] = {"maintained_from", "管护开始日期"},
    [F_REMARK] = {"remark", "备注"},
};

/* The built-in variants (normalised: no spaces, no parenthesised parts). */
static const struct {
  const char *h;
  int f;
} variants[] = {
    {"序号", F_SEQ}, {"序", F_SEQ}, {"编号", F_SEQ},
    {"项目编号", F_PROJECT_CODE}, {"项目库编号", F_PROJECT_CODE}, {"项目代码", F_PROJECT_CODE},
    {"项目编码", F_PROJECT_CODE}, {"项目库编码", F_PROJECT_CODE},
    {"项目名称", F_PROJECT_NAME}, {"项目", F_PROJECT_NAME}, {"所属项目", F_PROJECT_NAME},
    {"项目类型", F_PROJECT_TYPE}, {"项目类别", F_PROJECT_TYPE}, {"项目性质", F_PROJECT_TYPE},
    {"资金年度", F_YEAR}, {"项目年度", F_YEAR}, {"年度", F_YEAR}, {"实施年度", F_YEAR}, {"建设年度", F_YEAR},
    {"立项年度", F_YEAR}, {"资金年份", F_YEAR},
    {"资金来源", F_CHANNEL}, {"资金渠道", F_CHANNEL}, {"资金类别", F_CHANNEL}, {"资金性质", F_CHANNEL},
    {"资金类型", F_CHANNEL},
    {"行业主管部门", F_INDUSTRY_DEPT}, {"主管部门", F_INDUSTRY_DEPT}, {"县级行业主管部门", F_INDUSTRY_DEPT},
    {"区级行业主管部门", F_INDUSTRY_DEPT}, {"行业部门", F_INDUSTRY_DEPT},
    {"业主单位", F_IMPL_UNIT}, {"项目实施单位", F_IMPL_UNIT}, {"实施单位", F_IMPL_UNIT}, {"建设单位", F_IMPL_UNIT},
    {"项目业主", F_IMPL_UNIT}, {"项目实施主体", F_IMPL_UNIT}, {"实施主体", F_IMPL_UNIT},
    {"资产编号", F_ASSET_CODE}, {"资产编码", F_ASSET_CODE}, {"资产代码", F_ASSET_CODE},
    {"资产名称", F_ASSET_NAME}, {"资产项目名称", F_ASSET_NAME}, {"资产名", F_ASSET_NAME},
    {"资产类别", F_CLASS}, {"资产分类", F_CLASS}, {"资产性质", F_CLASS}, {"资产属性", F_CLASS}, {"类别", F_CLASS},
    {"资产大类", F_CLASS},
    {"资产类型", F_SUBTYPE}, {"资产子类", F_SUBTYPE}, {"资产小类", F_SUBTYPE}, {"资产细类", F_SUBTYPE},
    {"类型", F_SUBTYPE}, {"资产种类", F_SUBTYPE},
    {"资产形态", F_FORM}, {"资产形式", F_FORM},
    {"所在乡镇", F_TOWNSHIP}, {"乡镇", F_TOWNSHIP}, {"所在镇", F_TOWNSHIP}, {"乡镇名称", F_TOWNSHIP},
    {"所属乡镇", F_TOWNSHIP}, {"镇", F_TOWNSHIP}, {"乡镇街道", F_TOWNSHIP}, {"所在乡镇街道", F_TOWNSHIP},
    {"所在村", F_VILLAGE}, {"村", F_VILLAGE}, {"行政村", F_VILLAGE}, {"村名", F_VILLAGE}, {"所属村", F_VILLAGE},
    {"村名称", F_VILLAGE}, {"村社区", F_VILLAGE}, {"所在村社区", F_VILLAGE}, {"所在村居", F_VILLAGE},
    {"所在行政村", F_VILLAGE},
    {"村代码", F_VILLAGE_CODE}, {"村级区划代码", F_VILLAGE_CODE}, {"区划代码", F_VILLAGE_CODE},
    {"村级代码", F_VILLAGE_CODE}, {"行政区划代码", F_VILLAGE_CODE}, {"村编码", F_VILLAGE_CODE},
    {"统计用区划代码", F_VILLAGE_CODE}, {"村区划代码", F_VILLAGE_CODE},
    {"建设内容及规模", F_DESCRIPTION}, {"建设内容", F_DESCRIPTION}, {"建设规模", F_DESCRIPTION},
    {"规模", F_DESCRIPTION}, {"建设内容和规模", F_DESCRIPTION}, {"资产规模", F_DESCRIPTION},
    {"主要建设内容", F_DESCRIPTION},
    {"数量", F_QUANTITY}, {"资产数量", F_QUANTITY},
    {"单位", F_UNIT}, {"计量单位", F_UNIT}, {"数量单位", F_UNIT},
    {"资产原值", F_VALUE}, {"原值", F_VALUE}, {"资产价值", F_VALUE}, {"账面原值", F_VALUE}, {"资产金额", F_VALUE},
    {"形成资产金额", F_VALUE}, {"资产总额", F_VALUE}, {"资产原值金额", F_VALUE}, {"初始价值", F_VALUE},
    {"资产价值原值", F_VALUE}, {"形成资产价值", F_VALUE},
    {"竣工日期", F_COMPLETED}, {"完工日期", F_COMPLETED}, {"建成日期", F_COMPLETED}, {"建成时间", F_COMPLETED},
    {"竣工时间", F_COMPLETED}, {"完工时间", F_COMPLETED},
    {"竣工验收日期", F_ACCEPTED}, {"验收日期", F_ACCEPTED}, {"验收时间", F_ACCEPTED}, {"竣工验收时间", F_ACCEPTED},
    {"产权主体", F_OWNER}, {"产权归属", F_OWNER}, {"所有权人", F_OWNER}, {"权属人", F_OWNER}, {"产权单位", F_OWNER},
    {"产权所有者", F_OWNER}, {"确权主体", F_OWNER}, {"产权人", F_OWNER}, {"产权所有人", F_OWNER},
    {"确权证书编号", F_CERT}, {"证书编号", F_CERT}, {"确权证号", F_CERT}, {"产权证号", F_CERT},
    {"确权证书号", F_CERT}, {"产权证书编号", F_CERT}, {"确权编号", F_CERT},
    {"确权日期", F_CONFIRMED}, {"确权时间", F_CONFIRMED}, {"颁证日期", F_CONFIRMED}, {"确权颁证日期", F_CONFIRMED},
    {"管护主体", F_MAINTAINER}, {"管护单位", F_MAINTAINER}, {"管护责任单位", F_MAINTAINER},
    {"管护责任主体", F_MAINTAINER},
    {"管护责任人", F_MPERSON}, {"管护人", F_MPERSON}, {"责任人", F_MPERSON}, {"管护人员", F_MPERSON},
    {"管护职责", F_DUTIES}, {"管护内容", F_DUTIES}, {"管护责任", F_DUTIES},
    {"管护经费来源", F_FUND_SOURCE}, {"管护资金来源", F_FUND_SOURCE}, {"管护经费", F_FUND_SOURCE},
    {"管护开始日期", F_MFROM}, {"管护起始日期", F_MFROM}, {"管护起始时间", F_MFROM},
    {"备注", F_REMARK}, {"说明", F_REMARK},
};

const char *imp_field_id(int f) { return f >= 0 && f < F_COUNT ? fields[f].id : "ignore"; }
const char *imp_field_zh(int f) { return f >= 0 && f < F_COUNT ? fields[f].zh : "忽略"; }

int imp_field_parse(const char *s) {
  for (int f = 0; f < F_COUNT; f++)
    if (strcmp(s, fields[f].id) == 0 || strcmp(s, fields[f].zh) == 0) return f;
  return F_NONE;
}

static bool starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

void imp_header_norm(const char *h, char *out, size_t cap, int *unit) {
  size_t o = 0;
  int depth = 0;
  if (unit) {
    *unit = UNIT_NONE;
    if (strstr(h, "万元")) *unit = UNIT_WAN;
    else if (strstr(h, "（元）") || strstr(h, "(元)") || strstr(h, "元）") || strstr(h, "元)")) *unit = UNIT_YUAN;
  }
  for (const char *p = h; *p;) {
    const unsigned char *u = (const unsigned char *)p;
    size_t step = 1;
    if (*u == '(' || *u == '[') depth++;
    else if (*u == ')' || *u == ']') {
      if (depth) depth--;
    } else if (starts(p, "（") || starts(p, "【")) depth++, step = 3;
    else if (starts(p, "）") || starts(p, "】")) {
      if (depth) depth--;
      step = 3;
    } else if (*u == ' ' || *u == '\t' || *u == '\r' || *u == '\n' || *u == '*' || *u == ':') {
    } else if (starts(p, "\xe3\x80\x80") || starts(p, "：") || starts(p, "＊")) {
      step = 3;
    } else if (starts(p, "\xc2\xa0")) {
      step = 2;
    } else {
      if (*u >= 0xF0) step = 4;
      else if (*u >= 0xE0) step = 3;
      else if (*u >= 0xC0) step = 2;
      if (depth == 0)
        for (size_t i = 0; i < step && p[i] && o + 1 < cap; i++) out[o++] = p[i];
    }
    for (size_t i = 0; i < step && *p; i++) p++;
  }
  if (cap) out[o] = 0;
}

int imp_header_field(const imp_mapping *m, const char *header, int *unit) {
  char n[256];
  imp_header_norm(header, n, sizeof n, unit);
  if (!n[0]) return F_NONE;
  if (m)
    for (size_t i = 0; i < m->n; i++)
      if (strcmp(m->header[i], n) == 0) return m->field[i];
  for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
    if (strcmp(variants[i].h, n) == 0) return variants[i].f;
  return F_NONE;
}

void imp_mapping_free(imp_mapping *m) {
  for (size_t i = 0; i < m->n; i++) free(m->header[i]);
  free(m->header);
  free(m->field);
  memset(m, 0, sizeof *m);
}

int imp_mapping_parse(const char *text, size_t len, imp_mapping *m, char *err, size_t cap) {
  memset(m, 0, sizeof *m);
  if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
    text += 3, len -= 3;
  if (!sheet_utf8_valid((const uint8_t *)text, len) || memchr(text, 0, len)) {
    snprintf(err, cap, "对照表不是 UTF-8 文本 / the mapping file is not UTF-8 text");
    return -1;
  }
  size_t line = 0;
  const char *p = text, *end = text + len;
  while (p < end) {
    line++;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    char buf[1024];
    size_t l = (size_t)(le - p);
    if (l >= sizeof buf) {
      snprintf(err, cap, "对照表第 %zu 行过长 / line %zu of the mapping file is too long", line, line);
      imp_mapping_free(m);
      return -1;
    }
    memcpy(buf, p, l);
    buf[l] = 0;
    p = nl ? nl + 1 : end;
    char *hash = strchr(buf, '#');
    if (hash) *hash = 0;
    char *eq = strchr(buf, '=');
    char probe[8];
    imp_header_norm(buf, probe, sizeof probe, NULL);
    if (!eq) {
      if (!probe[0]) continue;
      snprintf(err, cap, "对照表第 %zu 行应写成“表头 = 字段” / line %zu of the mapping file must read \"header = field\"",
               line, line);
      imp_mapping_free(m);
      return -1;
    }
    *eq = 0;
    char h[256], f[128];
    imp_header_norm(buf, h, sizeof h, NULL);
    imp_header_norm(eq + 1, f, sizeof f, NULL);
    int field = strcmp(f, "ignore") == 0 || strcmp(f, "忽略") == 0 ? F_NONE : imp_field_parse(f);
    if (!h[0] || (field == F_NONE && strcmp(f, "ignore") != 0 && strcmp(f, "忽略") != 0)) {
      snprintf(err, cap,
               "对照表第 %zu 行：表头为空或字段“%s”不存在（见 docs/import.md） / line %zu of the mapping file: empty header "
               "or unknown field \"%s\" (see docs/import.md)",
               line, f, line, f);
      imp_mapping_free(m);
      return -1;
    }
    char **nh = realloc(m->header, (m->n + 1) * sizeof *nh);
    if (nh) m->header = nh;
    int *nf = realloc(m->field, (m->n + 1) * sizeof *nf);
    if (nf) m->field = nf;
    if (!nh || !nf || !(m->header[m->n] = strdup(h))) {
      snprintf(err, cap, "内存不足 / out of memory");
      imp_mapping_free(m);
      return -1;
    }
    m->field[m->n++] = field;
  }
  return 0;
}

/* ---------------------------------------------------------------- layout */

int imp_layout_find(const sheet *s, const imp_mapping *m, int unit_opt, imp_layout *L, char *err, size_t cap) {
  memset(L, 0, sizeof *L);
  size_t limit = s->nrows < 30 ? s->nrows : 30;
  for (size_t i = 0; i < limit; i++) {
    int col[F_COUNT], units[F_COUNT], mapped = 0;
    for (int f = 0; f < F_COUNT; f++) col[f] = -1, units[f] = UNIT_NONE;
    for (size_t c = 0; c < s->rows[i].ncells; c++) {
      int u;
      int f = imp_header_field(m, sheet_text(s, i, c), &u);
      if (f == F_NONE || col[f] >= 0) continue;
      col[f] = (int)c;
      units[f] = u;
      mapped++;
    }
    if (mapped < 3 || col[F_ASSET_NAME] < 0) continue;
    L->header = i;
    memcpy(L->col, col, sizeof col);
    /* The unit: --unit, then the value column's header, then a title row, then 元. */
    int title = UNIT_NONE;
    for (size_t t = 0; t < i; t++)
      for (size_t c = 0; c < s->rows[t].ncells && title == UNIT_NONE; c++) {
        const char *x = sheet_text(s, t, c);
        if (strstr(x, "万元")) title = UNIT_WAN;
        else if (strstr(x, "单位：元") || strstr(x, "单位:元") || strstr(x, "（元）") || strstr(x, "(元)"))
          title = UNIT_YUAN;
      }
    if (unit_opt != UNIT_NONE) L->unit = unit_opt, L->unit_from = "--unit";
    else if (col[F_VALUE] >= 0 && units[F_VALUE] != UNIT_NONE) L->unit = units[F_VALUE], L->unit_from = "表头 / header";
    else if (title != UNIT_NONE) L->unit = title, L->unit_from = "标题 / title";
    else L->unit = UNIT_YUAN, L->unit_from = "默认 / default";
    return 0;
  }
  snprintf(err, cap,
           "前 30 行中找不到表头行（至少三个可识别的列，其中须有“资产名称”）；可用 --mapping 指定表头 / no header row in "
           "the first 30 rows (three recognised columns, one of them 资产名称); name the headers with --mapping");
  return -1;
}

void imp_col_label(const sheet *s, const imp_layout *L, int col, char *zh, char *en, size_t cap) {
  char letters[8];
  if (col < 0) {
    snprintf(zh, cap, "%s", "");
    snprintf(en, cap, "%s", "");
    return;
  }
  sheet_col_name((size_t)col, letters, sizeof letters);
  const char *h = sheet_text(s, L->header, (size_t)col);
  snprintf(zh, cap, "第 %s 列（%s）", letters, h);
  snprintf(en, cap, "column %s (%s)", letters, h);
}

/* ---------------------------------------------------------------- amounts */

#define FEN_MAX 900000000000000000LL /* 9e17 fen: far beyond any asset, below INT64_MAX */

/* Removes p from the front of *s when there; true if it did. */
static bool eat(const char **s, const char *p) {
  size_t n = strlen(p);
  if (strncmp(*s, p, n) == 0) {
    *s += n;
    return true;
  }
  return false;
}

static bool ends_with(const char *s, size_t n, const char *p) {
  size_t k = strlen(p);
  return n >= k && memcmp(s + n - k, p, k) == 0;
}

static bool is_blank_marker(const char *t) {
  return !*t || !strcmp(t, "-") || !strcmp(t, "/") || !strcmp(t, "—") || !strcmp(t, "--") || !strcmp(t, "无");
}

/* A decimal number (digits, separators, point, exponent) into digits D and exponent e with
 * value D × 10^e. Returns false when not a number. */
static bool decimal(const char *s, char *digits, size_t dcap, int *exp10, size_t *sig, bool seps) {
  size_t nd = 0;
  int e = 0;
  bool point = false, any = false, last_digit = false;
  *sig = 0;
  while (*s) {
    if (*s >= '0' && *s <= '9') {
      if (nd == 0 && *s == '0') {
        if (point) e--;
      } else {
        if (nd + 1 >= dcap) return false;
        digits[nd++] = *s;
        if (point) e--;
      }
      any = last_digit = true;
      s++;
    } else if (seps && *s == ',' && last_digit && !point) {
      s++;
      last_digit = false;
    } else if (seps && !point && last_digit && strncmp(s, "，", 3) == 0) {
      s += 3;
      last_digit = false;
    } else if (*s == '.' && !point) {
      point = true;
      s++;
    } else if ((*s == 'E' || *s == 'e') && any) {
      s++;
      int sign = 1, x = 0;
      if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
      if (!(*s >= '0' && *s <= '9')) return false;
      while (*s >= '0' && *s <= '9') {
        x = x * 10 + (*s++ - '0');
        if (x > 400) return false;
      }
      e += sign * x;
      break;
    } else {
      return false;
    }
  }
  if (*s || !any) return false;
  digits[nd] = 0;
  *exp10 = e;
  *sig = nd;
  /* trailing zeros of D move into the exponent */
  while (nd > 0 && digits[nd - 1] == '0') digits[--nd] = 0, (*exp10)++;
  return true;
}

/* Strips currency signs, unit words, spaces and the sign; returns the core in buf. */
static int amount_core(const char *text, char *buf, size_t cap, int *unit, bool *negative) {
  char tmp[256];
  size_t o = 0;
  for (const char *p = text; *p && o + 1 < sizeof tmp; p++)
    if (*p != ' ' && *p != '\t') tmp[o++] = *p;
  tmp[o] = 0;
  const char *s = tmp;
  *negative = false;
  if (eat(&s, "-") || eat(&s, "−") || eat(&s, "－")) *negative = true;
  if (!eat(&s, "¥")) eat(&s, "￥");
  if (!*negative && (eat(&s, "-") || eat(&s, "−"))) *negative = true;
  size_t n = strlen(s);
  if (n >= 2 && ((s[0] == '(' && s[n - 1] == ')'))) {
    *negative = true;
    s++, n -= 2;
  } else if (n >= 6 && strncmp(s, "（", 3) == 0 && ends_with(s, n, "）")) {
    *negative = true;
    s += 3, n -= 6;
  }
  if (ends_with(s, n, "万元")) *unit = UNIT_WAN, n -= strlen("万元");
  else if (ends_with(s, n, "元")) *unit = UNIT_YUAN, n -= strlen("元");
  if (n >= cap) return -1;
  memcpy(buf, s, n);
  buf[n] = 0;
  return 0;
}

imp_vres imp_parse_fen(const char *text, bool numeric, int unit, int64_t *fen) {
  *fen = 0;
  if (is_blank_marker(text)) return V_EMPTY;
  char core[256], digits[128];
  bool neg;
  if (amount_core(text, core, sizeof core, &unit, &neg) != 0) return V_NOT_NUMBER;
  int e;
  size_t sig;
  if (!decimal(core, digits, sizeof digits, &e, &sig, true)) return V_NOT_NUMBER;
  long k = (long)e + 2 + (unit == UNIT_WAN ? 4 : 0);
  size_t nd = strlen(digits);
  int64_t v = 0;
  if (nd == 0) {
    *fen = 0;
    return V_OK;
  }
  if (neg) return V_NEGATIVE;
  size_t keep = nd;
  bool round_up = false;
  if (k < 0) {
    size_t drop = (size_t)-k;
    if (drop > nd) drop = nd + 1; /* everything below the fen */
    if (!(numeric && sig >= 16)) return V_TOO_PRECISE; /* D has no trailing zeros: something is dropped */
    keep = drop > nd ? 0 : nd - drop;
    round_up = drop <= nd && digits[keep] >= '5';
    k = 0;
  }
  for (size_t i = 0; i < keep; i++) {
    if (v > FEN_MAX / 10) return V_TOO_LARGE;
    v = v * 10 + (digits[i] - '0');
  }
  for (long i = 0; i < k; i++) {
    if (v > FEN_MAX / 10) return V_TOO_LARGE;
    v *= 10;
  }
  if (round_up) v++;
  if (v > FEN_MAX) return V_TOO_LARGE;
  *fen = v;
  return V_OK;
}

void imp_fen_str(int64_t fen, char *out, size_t cap) {
  char yuan[32];
  aidreg_fen_to_yuan(fen, yuan);
  snprintf(out, cap, "%s", yuan);
}

/* A quantity: a decimal >= 0 (separators allowed), normalised into out. 0, or -1 not a
 * number, -2 negative. */
static int parse_quantity(const char *text, char *out, size_t cap) {
  char core[256], digits[64];
  int unit = UNIT_NONE, e;
  bool neg;
  size_t sig;
  if (amount_core(text, core, sizeof core, &unit, &neg) != 0 || unit != UNIT_NONE) return -1;
  if (!decimal(core, digits, sizeof digits, &e, &sig, true) || sig > 15) return -1;
  size_t nd = strlen(digits);
  if (nd == 0) {
    snprintf(out, cap, "0");
    return 0;
  }
  if (neg) return -2;
  if (e < -15 || e > 15) return -1;
  char b[64];
  size_t o = 0;
  if (e >= 0) {
    for (size_t i = 0; i < nd; i++) b[o++] = digits[i];
    for (int i = 0; i < e; i++) b[o++] = '0';
  } else {
    size_t frac = (size_t)-e;
    if (frac >= nd) {
      b[o++] = '0';
      b[o++] = '.';
      for (size_t i = nd; i < frac; i++) b[o++] = '0';
      for (size_t i = 0; i < nd; i++) b[o++] = digits[i];
    } else {
      for (size_t i = 0; i < nd - frac; i++) b[o++] = digits[i];
      b[o++] = '.';
      for (size_t i = nd - frac; i < nd; i++) b[o++] = digits[i];
    }
  }
  b[o] = 0;
  snprintf(out, cap, "%s", b);
  return 0;
}

/* ---------------------------------------------------------------- dates */

static bool leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int mdays(long y, long m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 → civil date (H. Hinnant's algorithm). */
static void civil(long z, long *y, long *m, long *d) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long yy = yoe + era * 400;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

/* Reads 1..max digits into *v; returns characters read (0 if none). */
static size_t num(const char *s, size_t max, long *v) {
  size_t i = 0;
  *v = 0;
  while (i < max && s[i] >= '0' && s[i] <= '9') *v = *v * 10 + (s[i++] - '0');
  return i;
}

imp_dres imp_parse_date(const char *text, bool numeric, char out[11], bool *month_only) {
  *month_only = false;
  out[0] = 0;
  if (is_blank_marker(text)) return D_EMPTY;
  char t[64];
  size_t n = strlen(text);
  if (n >= sizeof t) return D_BAD;
  memcpy(t, text, n + 1);
  /* A time of day after a space or T: dropped. */
  char *sp = strchr(t, ' ');
  if (sp) *sp = 0;
  char *tt = strchr(t, 'T');
  if (tt && tt > t) *tt = 0;
  n = strlen(t);
  long y = 0, m = 0, d = 0;
  size_t k;
  const char *s = t;
  if (n && strspn(t, "0123456789.") == n && (numeric || (strspn(t, "0123456789") == n && n >= 5 && n <= 7))) {
    /* An Excel serial (the integer part; a fraction is the time of day). */
    long serial;
    k = num(t, 8, &serial);
    if (k == 8 && !numeric) goto ymd8;
    if (t[k] && t[k] != '.') return D_BAD;
    if (serial < 1 || serial > 2958465) return D_IMPOSSIBLE;
    if (serial == 60) return D_IMPOSSIBLE; /* Excel's 1900-02-29 */
    long days = serial < 60 ? serial - 25568 : serial - 25569; /* 1970-01-01 is serial 25569 */
    civil(days, &y, &m, &d);
    goto check;
  }
  if (n == 8 && strspn(t, "0123456789") == 8) {
  ymd8:
    num(t, 4, &y);
    num(t + 4, 2, &m);
    num(t + 6, 2, &d);
    goto check;
  }
  if ((k = num(s, 4, &y)) != 4) return D_BAD;
  s += 4;
  if (eat(&s, "年")) {
    if (!(k = num(s, 2, &m))) return D_BAD;
    s += k;
    if (!eat(&s, "月")) return D_BAD;
    if (!*s) {
      *month_only = true;
      d = 1;
      goto check;
    }
    if (!(k = num(s, 2, &d))) return D_BAD;
    s += k;
    if (!eat(&s, "日")) eat(&s, "号");
    if (*s) return D_BAD;
    goto check;
  }
  char sep = *s;
  if (sep != '-' && sep != '/' && sep != '.') return D_BAD;
  s++;
  if (!(k = num(s, 2, &m))) return D_BAD;
  s += k;
  if (!*s) {
    *month_only = true;
    d = 1;
    goto check;
  }
  if (*s != sep) return D_BAD;
  s++;
  if (!(k = num(s, 2, &d))) return D_BAD;
  s += k;
  if (*s) return D_BAD;
check:
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > mdays(y, m)) return D_IMPOSSIBLE;
  snprintf(out, 11, "%04ld-%02ld-%02ld", y, m, d);
  return D_OK;
}

/* ---------------------------------------------------------------- enumerations */

typedef struct {
  const char *text, *value;
} label;

static const label class_labels[] = {
    {"经营性", "operating"}, {"经营性资产", "operating"}, {"经营类", "operating"}, {"经营", "operating"},
    {"operating", "operating"}, {"公益性", "public_welfare"}, {"公益性资产", "public_welfare"},
    {"公益类", "public_welfare"}, {"公益", "public_welfare"}, {"public_welfare", "public_welfare"},
    {"到户类", "household"}, {"到户类资产", "household"}, {"到户", "household"}, {"到户资产", "household"},
    {"到户性", "household"}, {"household", "household"}, {NULL, NULL}};

static const label type_labels[] = {
    {"产业发展", "industry"}, {"产业", "industry"}, {"产业项目", "industry"}, {"产业发展类", "industry"},
    {"就业项目", "employment"}, {"就业", "employment"}, {"乡村建设行动", "rural_construction"},
    {"乡村建设", "rural_construction"}, {"基础设施", "rural_construction"},
    {"易地搬迁后扶", "relocation_support"}, {"易地搬迁后续扶持", "relocation_support"},
    {"巩固三保障成果", "three_guarantees"}, {"三保障", "three_guarantees"},
    {"乡村治理和精神文明建设", "governance"}, {"乡村治理", "governance"}, {"项目管理费", "management_fee"},
    {"其他", "other"}, {"其它", "other"}, {NULL, NULL}};

static const label form_labels[] = {
    {"固定资产", "fixed"}, {"固定", "fixed"}, {"流动资产", "current"}, {"流动", "current"},
    {"无形资产", "intangible"}, {"无形", "intangible"}, {"对外投资", "investment"}, {"股权", "investment"},
    {"投资", "investment"}, {"生物资产", "biological"}, {"生物", "biological"}, {NULL, NULL}};

static const char *lookup(const label *l, const char *t) {
  char n[256];
  imp_header_norm(t, n, sizeof n, NULL);
  for (; l->text; l++)
    if (strcmp(l->text, n) == 0 || strcmp(l->value, t) == 0) return l->value;
  return NULL;
}

/* ---------------------------------------------------------------- rows */

bool imp_id_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch <= 0x20 || ch >= 0x7F || strchr("/?#%\\\"", ch)) return false;
  }
  return true;
}

/* Cuts a UTF-8 sequence that snprintf truncated at the end of s. */
static void utf8_cut(char *s) {
  size_t n = strlen(s), i = n;
  while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;
  if (i == 0) return;
  unsigned char b = (unsigned char)s[i - 1];
  size_t want = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
  if (n - (i - 1) < want) s[i - 1] = 0;
}

void imp_refuse(imp_row *r, int col, const char *zh, const char *en) {
  r->kind = R_REFUSED;
  r->col = col;
  snprintf(r->reason_zh, sizeof r->reason_zh, "%s", zh);
  snprintf(r->reason_en, sizeof r->reason_en, "%s", en);
  utf8_cut(r->reason_zh);
  utf8_cut(r->reason_en);
}

static void addnote(imp_row *r, const char *fmt, const char *a, const char *b) {
  size_t o = strlen(r->note);
  if (o + 3 >= sizeof r->note) return;
  if (o) o += (size_t)snprintf(r->note + o, sizeof r->note - o, "；");
  if (o < sizeof r->note) snprintf(r->note + o, sizeof r->note - o, fmt, a, b);
  utf8_cut(r->note);
}

static void hex_of(const char *prefix, const char *county, const unsigned char *h, size_t nbytes, char *out,
                   size_t cap) {
  size_t o = (size_t)snprintf(out, cap, "%s%s-", prefix, county);
  for (size_t i = 0; i < nbytes && o + 2 < cap; i++) o += (size_t)snprintf(out + o, cap - o, "%02x", h[i]);
}

static void hash_fields(unsigned char h[32], const char **parts, size_t n) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  for (size_t i = 0; i < n; i++) {
    crypto_hash_sha256_update(&st, (const unsigned char *)parts[i], strlen(parts[i]));
    crypto_hash_sha256_update(&st, (const unsigned char *)"\x1f", 1);
  }
  crypto_hash_sha256_final(&st, h);
}

/* Strips 村民委员会 / 村委会 / 社区居委会 / 居委会 so that 新民村 and 新民村村委会 agree. */
static void place_key(const char *name, char *out, size_t cap) {
  imp_header_norm(name, out, cap, NULL);
  static const char *suffixes[] = {"村民委员会", "居民委员会", "村委会", "居委会", NULL};
  for (int i = 0; suffixes[i]; i++) {
    size_t n = strlen(out), k = strlen(suffixes[i]);
    if (n > k && strcmp(out + n - k, suffixes[i]) == 0) {
      out[n - k] = 0;
      if (strcmp(suffixes[i], "村民委员会") == 0 || strcmp(suffixes[i], "村委会") == 0) {
        /* 新民村委会 → 新民村 */
        size_t m = strlen(out);
        if (m + 3 < cap && !(m >= 3 && strcmp(out + m - 3, "村") == 0)) strcat(out, "村");
      }
      break;
    }
  }
}

static bool same_place(const char *a, const char *b) {
  char x[256], y[256];
  place_key(a, x, sizeof x);
  place_key(b, y, sizeof y);
  if (strcmp(x, y) == 0) return true;
  /* 新民 vs 新民村 */
  size_t nx = strlen(x), ny = strlen(y);
  if (nx + 3 == ny && strncmp(x, y, nx) == 0 && strcmp(y + nx, "村") == 0) return true;
  if (ny + 3 == nx && strncmp(x, y, ny) == 0 && strcmp(x + ny, "村") == 0) return true;
  return false;
}

static bool same_township(const char *a, const char *b) {
  char x[256], y[256];
  imp_header_norm(a, x, sizeof x, NULL);
  imp_header_norm(b, y, sizeof y, NULL);
  if (strcmp(x, y) == 0) return true;
  static const char *suf[] = {"镇", "乡", "街道", "街道办事处", "镇人民政府", "乡人民政府", NULL};
  for (int i = 0; suf[i]; i++) {
    size_t nx = strlen(x), k = strlen(suf[i]);
    if (strlen(y) + k == nx && strncmp(x, y, strlen(y)) == 0 && strcmp(x + strlen(y), suf[i]) == 0) return true;
    if (nx + k == strlen(y) && strncmp(y, x, nx) == 0 && strcmp(y + nx, suf[i]) == 0) return true;
  }
  return false;
}

static const char *owner_kind(const char *owner, const char *village, char *id, size_t cap) {
  if (strstr(owner, "公司") || strstr(owner, "企业") || strstr(owner, "厂")) {
    snprintf(id, cap, "%s", owner);
    return "enterprise";
  }
  if (strstr(owner, "村") || strstr(owner, "集体") || strstr(owner, "社区")) {
    snprintf(id, cap, "%s", village);
    return "village_collective";
  }
  if (strstr(owner, "镇人民政府") || strstr(owner, "乡人民政府") || strstr(owner, "街道办")) {
    snprintf(id, cap, "%.9s", village);
    return "township";
  }
  if (strstr(owner, "合作社")) {
    snprintf(id, cap, "%s", owner);
    return "enterprise";
  }
  if (strstr(owner, "局") || strstr(owner, "中心") || strstr(owner, "站") || strstr(owner, "学校") ||
      strstr(owner, "医院") || strstr(owner, "政府") || strstr(owner, "委员会") || strstr(owner, "所")) {
    snprintf(id, cap, "%s", owner);
    return "state_unit";
  }
  snprintf(id, cap, "%s", owner);
  return "household";
}

static const char *cell(const sheet *s, size_t i, const imp_layout *L, int f) {
  return L->col[f] >= 0 ? sheet_text(s, i, (size_t)L->col[f]) : "";
}
static bool cellnum(const sheet *s, size_t i, const imp_layout *L, int f) {
  return L->col[f] >= 0 && sheet_numeric(s, i, (size_t)L->col[f]);
}

/* A refusal naming field f's column: "<zh>" / "<en>" with the cell's text in %s. */
static void refuse_f(imp_row *r, const imp_layout *L, int f, const char *zh, const char *en, const char *text) {
  char z[512], e[512];
  snprintf(z, sizeof z, zh, text);
  snprintf(e, sizeof e, en, text);
  imp_refuse(r, L->col[f], z, e);
}

/* One date field: D_OK (out filled), or refuses the row (returns -1); empty gives 1. */
static int date_field(imp_row *r, const sheet *s, size_t i, const imp_layout *L, int f, const char *today,
                      char out[11]) {
  bool month;
  const char *t = cell(s, i, L, f);
  imp_dres d = imp_parse_date(t, cellnum(s, i, L, f), out, &month);
  char z[512], e[512];
  switch (d) {
    case D_EMPTY: return 1;
    case D_BAD:
      snprintf(z, sizeof z, "%s“%s”无法识别（可写 2021-06-30、2021/6/30、2021.06.30、2021年6月30日 或 2021年6月）",
               imp_field_zh(f), t);
      snprintf(e, sizeof e, "%s: \"%s\" is not a date (write 2021-06-30, 2021/6/30, 2021.06.30, 2021年6月30日 or 2021年6月)",
               fields[f].id, t);
      imp_refuse(r, L->col[f], z, e);
      return -1;
    case D_IMPOSSIBLE:
      snprintf(z, sizeof z, "%s“%s”是不存在的日期", imp_field_zh(f), t);
      snprintf(e, sizeof e, "%s: \"%s\" is an impossible date", fields[f].id, t);
      imp_refuse(r, L->col[f], z, e);
      return -1;
    case D_OK: break;
  }
  if (today && strcmp(out, today) > 0) {
    snprintf(z, sizeof z, "%s %s 晚于今天（%s）", imp_field_zh(f), out, today);
    snprintf(e, sizeof e, "%s %s is later than today (%s)", fields[f].id, out, today);
    imp_refuse(r, L->col[f], z, e);
    return -1;
  }
  if (month) addnote(r, "%s只写到月，按 %s（该月 1 日）登记 / a month only: taken as its 1st", imp_field_zh(f), out);
  return 0;
}

static bool total_word(const char *t, const char *w) {
  char n[64];
  imp_header_norm(t, n, sizeof n, NULL);
  return starts(n, w);
}

/* The row's 合计/小计 kind, from its 序号, project name, asset name or first text. */
static imp_kind row_total(const sheet *s, size_t i, const imp_layout *L) {
  const char *cands[4] = {cell(s, i, L, F_SEQ), cell(s, i, L, F_PROJECT_NAME), cell(s, i, L, F_ASSET_NAME), ""};
  for (size_t c = 0; c < s->rows[i].ncells; c++)
    if (*sheet_text(s, i, c)) {
      cands[3] = sheet_text(s, i, c);
      break;
    }
  for (int k = 0; k < 4; k++) {
    if (total_word(cands[k], "合计") || total_word(cands[k], "总计") || total_word(cands[k], "总合计"))
      return R_TOTAL;
    if (total_word(cands[k], "小计")) return R_SUBTOTAL;
  }
  return R_GOOD;
}

/* An XLSX number that is an integer (522731104201, or 5.22731104201E+11 as some writers
 * store it) as its digits in out; false when it is not one. */
static bool integer_text(const char *t, char *out, size_t cap) {
  char digits[64];
  int e;
  size_t sig;
  if (!decimal(t, digits, sizeof digits, &e, &sig, false) || e < 0 || strlen(digits) + (size_t)e + 1 > cap) return false;
  size_t n = strlen(digits);
  memcpy(out, digits, n);
  for (int k = 0; k < e; k++) out[n++] = '0';
  out[n] = 0;
  return n > 0;
}

static int village_of(imp_row *r, const sheet *s, size_t i, const imp_layout *L, const imp_places *P,
                      const char *county) {
  const char *code = cell(s, i, L, F_VILLAGE_CODE), *vname = cell(s, i, L, F_VILLAGE), *tname = cell(s, i, L, F_TOWNSHIP);
  char codebuf[32];
  if (cellnum(s, i, L, F_VILLAGE_CODE) && strpbrk(code, "Ee.") && integer_text(code, codebuf, sizeof codebuf))
    code = codebuf;
  char z[512], e[512];
  if (*code) {
    size_t n = strlen(code);
    if (n != 12 || strspn(code, "0123456789") != 12) {
      refuse_f(r, L, F_VILLAGE_CODE, "村代码“%s”应为 12 位数字", "village code \"%s\" must be 12 digits", code);
      return -1;
    }
    if (strncmp(code, county, 6) != 0) {
      snprintf(z, sizeof z, "村代码 %s 不在本县（%s）范围内", code, county);
      snprintf(e, sizeof e, "village code %s lies outside county %s", code, county);
      imp_refuse(r, L->col[F_VILLAGE_CODE], z, e);
      return -1;
    }
    for (size_t k = 0; k < P->n; k++)
      if (P->v[k].village && strcmp(P->v[k].code, code) == 0) {
        snprintf(r->village, sizeof r->village, "%s", code);
        return 0;
      }
    snprintf(z, sizeof z, "村代码 %s 未在本县区划中登记（先登记 place.register）", code);
    snprintf(e, sizeof e, "village code %s is not a registered place of the county (register it first)", code);
    imp_refuse(r, L->col[F_VILLAGE_CODE], z, e);
    return -1;
  }
  if (!*vname) {
    int col = L->col[F_VILLAGE] >= 0 ? L->col[F_VILLAGE] : L->col[F_VILLAGE_CODE];
    imp_refuse(r, col, "缺少所在村（填村名或 12 位村代码）", "the village is missing (give its name or 12-digit code)");
    return -1;
  }
  if (strlen(vname) == 12 && strspn(vname, "0123456789") == 12) {
    /* a code in the village column */
    imp_layout L2 = *L;
    L2.col[F_VILLAGE_CODE] = L->col[F_VILLAGE];
    L2.col[F_VILLAGE] = -1;
    return village_of(r, s, i, &L2, P, county);
  }
  const imp_place *hit = NULL;
  size_t hits = 0;
  for (size_t k = 0; k < P->n; k++) {
    const imp_place *p = &P->v[k];
    if (!p->village || !same_place(p->name, vname)) continue;
    if (*tname && p->township_name && !same_township(p->township_name, tname)) continue;
    if (!hit || strcmp(hit->code, p->code) != 0) hits++;
    hit = p;
  }
  if (hits == 1) {
    snprintf(r->village, sizeof r->village, "%s", hit->code);
    return 0;
  }
  if (hits == 0) {
    if (*tname) {
      snprintf(z, sizeof z, "本县区划中没有“%s%s”（核对村名，或填 12 位村代码）", tname, vname);
      snprintf(e, sizeof e, "no village \"%s\" in \"%s\" among the county's places (check the name or give the 12-digit code)",
               vname, tname);
    } else {
      snprintf(z, sizeof z, "本县区划中没有村“%s”（核对村名，或填 12 位村代码）", vname);
      snprintf(e, sizeof e, "no village \"%s\" among the county's places (check the name or give the 12-digit code)", vname);
    }
  } else {
    snprintf(z, sizeof z, "村名“%s”在本县不止一个，请填所在乡镇或 12 位村代码", vname);
    snprintf(e, sizeof e, "more than one village is named \"%s\": give the township or the 12-digit code", vname);
  }
  imp_refuse(r, L->col[F_VILLAGE], z, e);
  return -1;
}

static void one_row(imp_row *r, const sheet *s, size_t i, const imp_layout *L, const imp_places *P, const char *county,
                    const char *today) {
  char z[512], e[512];
  const char *t;
  /* 资产名称, 项目名称, 类别 */
  r->name = cell(s, i, L, F_ASSET_NAME);
  if (!*r->name) { imp_refuse(r, L->col[F_ASSET_NAME], "缺少资产名称", "the asset name is missing"); return; }
  r->project_name = L->col[F_PROJECT_NAME] >= 0 ? cell(s, i, L, F_PROJECT_NAME) : r->name;
  if (!*r->project_name) { imp_refuse(r, L->col[F_PROJECT_NAME], "缺少项目名称", "the project name is missing"); return; }
  t = cell(s, i, L, F_CLASS);
  if (!*t) {
    int col = L->col[F_CLASS];
    { imp_refuse(r, col, "缺少资产类别（经营性、公益性或到户类）",
                      "the asset class is missing (经营性 operating, 公益性 public-welfare or 到户类 household)"); return; }
  }
  if (!(r->cls = lookup(class_labels, t)))
    { refuse_f(r, L, F_CLASS, "资产类别“%s”无法识别（应为经营性、公益性或到户类）",
                    "asset class \"%s\" is not 经营性 (operating), 公益性 (public-welfare) or 到户类 (household)", t); return; }
  r->subtype = cell(s, i, L, F_SUBTYPE);
  /* 资产原值 */
  t = cell(s, i, L, F_VALUE);
  switch (imp_parse_fen(t, cellnum(s, i, L, F_VALUE), L->unit, &r->value_fen)) {
    case V_OK: break;
    case V_EMPTY: { imp_refuse(r, L->col[F_VALUE], "缺少资产原值", "the original value is missing"); return; }
    case V_NOT_NUMBER: { refuse_f(r, L, F_VALUE, "资产原值“%s”不是数字", "original value \"%s\" is not a number", t); return; }
    case V_NEGATIVE: { refuse_f(r, L, F_VALUE, "资产原值“%s”为负数", "original value \"%s\" is negative", t); return; }
    case V_TOO_PRECISE:
      { refuse_f(r, L, F_VALUE, "资产原值“%s”精确到分以下，请核对", "original value \"%s\" is more precise than a fen", t); return; }
    case V_TOO_LARGE: { refuse_f(r, L, F_VALUE, "资产原值“%s”过大", "original value \"%s\" is too large", t); return; }
  }
  /* Dates: 竣工验收日期 (and 竣工日期, each standing in for the other). */
  int a = date_field(r, s, i, L, F_ACCEPTED, today, r->accepted_on);
  if (a < 0) return;
  int c = date_field(r, s, i, L, F_COMPLETED, today, r->completed_on);
  if (c < 0) return;
  if (a == 1 && c == 1) {
    int col = L->col[F_ACCEPTED] >= 0 ? L->col[F_ACCEPTED] : L->col[F_COMPLETED];
    { imp_refuse(r, col, "缺少竣工验收日期", "the acceptance (completion) date is missing"); return; }
  }
  if (a == 1) snprintf(r->accepted_on, sizeof r->accepted_on, "%s", r->completed_on);
  if (c == 1) snprintf(r->completed_on, sizeof r->completed_on, "%s", r->accepted_on);
  /* 所在村 */
  if (village_of(r, s, i, L, P, county) != 0) return;
  /* 资金年度 */
  t = cell(s, i, L, F_YEAR);
  if (*t) {
    long y;
    const char *p = t;
    size_t k = num(p, 4, &y);
    p += k;
    if (!eat(&p, "年度")) eat(&p, "年");
    if (k != 4 || (*p && strcmp(p, ".0") != 0) || y < 2000 || y > 2100)
      { refuse_f(r, L, F_YEAR, "资金年度“%s”应为 2000 至 2100 之间的年份", "funding year \"%s\" must be a year 2000..2100", t); return; }
    r->year = (int)y;
  } else {
    r->year = atoi(r->accepted_on);
    if (r->year < 2000) r->year = 2000;
    if (L->col[F_YEAR] >= 0) addnote(r, "资金年度为空，按验收年份 %.4s 登记%s / funding year taken from the acceptance date", r->accepted_on, "");
  }
  /* 数量, 单位 */
  t = cell(s, i, L, F_QUANTITY);
  if (*t) {
    int q = parse_quantity(t, r->quantity, sizeof r->quantity);
    if (q == -1) { refuse_f(r, L, F_QUANTITY, "数量“%s”不是数字", "quantity \"%s\" is not a number", t); return; }
    if (q == -2) { refuse_f(r, L, F_QUANTITY, "数量“%s”为负数", "quantity \"%s\" is negative", t); return; }
  } else {
    snprintf(r->quantity, sizeof r->quantity, "1");
  }
  r->unit = cell(s, i, L, F_UNIT);
  /* 项目 */
  t = cell(s, i, L, F_PROJECT_TYPE);
  r->project_type = *t ? lookup(type_labels, t) : "other";
  if (!r->project_type) {
    r->project_type = "other";
    addnote(r, "项目类型“%s”无法识别，按“其他”登记%s / project type taken as other", t, "");
  }
  r->channel = cell(s, i, L, F_CHANNEL);
  r->industry_dept = cell(s, i, L, F_INDUSTRY_DEPT);
  r->impl_unit = cell(s, i, L, F_IMPL_UNIT);
  /* 资产形态 */
  t = cell(s, i, L, F_FORM);
  if (*t) {
    if (!(r->form = lookup(form_labels, t)))
      { refuse_f(r, L, F_FORM, "资产形态“%s”无法识别（固定资产、流动资产、无形资产、对外投资或生物资产）",
                      "asset form \"%s\" is not 固定资产, 流动资产, 无形资产, 对外投资 or 生物资产", t); return; }
  } else if (strstr(r->subtype, "股权") || strstr(r->subtype, "入股") || strstr(r->name, "股权")) {
    r->form = "investment";
  } else if (strcmp(r->cls, "household") == 0 &&
             (strstr(r->subtype, "牛") || strstr(r->subtype, "羊") || strstr(r->subtype, "猪") ||
              strstr(r->subtype, "鸡") || strstr(r->subtype, "苗") || strstr(r->subtype, "果树") ||
              strstr(r->subtype, "畜") || strstr(r->subtype, "禽"))) {
    r->form = "biological";
  } else {
    r->form = "fixed";
  }
  /* 建设内容及规模 + 备注 */
  const char *desc = cell(s, i, L, F_DESCRIPTION), *remark = cell(s, i, L, F_REMARK);
  size_t dl = strlen(desc) + strlen(remark) + 32;
  r->description = malloc(dl);
  if (!r->description) { imp_refuse(r, -1, "内存不足", "out of memory"); return; }
  if (*remark) snprintf(r->description, dl, "%s%s备注：%s", desc, *desc ? "；" : "", remark);
  else snprintf(r->description, dl, "%s", desc);
  /* 确权 */
  r->owner = cell(s, i, L, F_OWNER);
  r->cert = cell(s, i, L, F_CERT);
  if (*r->owner) {
    r->owner_kind = owner_kind(r->owner, r->village, r->owner_id, sizeof r->owner_id);
    int k = date_field(r, s, i, L, F_CONFIRMED, today, r->confirmed_on);
    if (k < 0) return;
    if (k == 1) snprintf(r->confirmed_on, sizeof r->confirmed_on, "%s", r->accepted_on);
  } else if (*r->cert) {
    { imp_refuse(r, L->col[F_OWNER], "有确权证书编号但缺少产权主体", "a certificate number is given but no owner"); return; }
  }
  /* 管护 */
  r->maintainer = cell(s, i, L, F_MAINTAINER);
  r->mperson = cell(s, i, L, F_MPERSON);
  r->duties = cell(s, i, L, F_DUTIES);
  r->fund_source = cell(s, i, L, F_FUND_SOURCE);
  if (*r->maintainer || *r->mperson) {
    int k = date_field(r, s, i, L, F_MFROM, NULL, r->mfrom);
    if (k < 0) return;
    if (k == 1) snprintf(r->mfrom, sizeof r->mfrom, "%s", r->accepted_on);
  }
  /* 编号 */
  t = cell(s, i, L, F_PROJECT_CODE);
  if (*t) {
    if (!imp_id_ok(t))
      { refuse_f(r, L, F_PROJECT_CODE, "项目编号“%s”只能用字母、数字和 - _ . 等符号，不超过 64 个字符",
                      "project code \"%s\" must be 1..64 printable ASCII characters without space or / ? # %% \\ \"", t); return; }
    snprintf(r->project, sizeof r->project, "%s", t);
  } else {
    char year[8];
    snprintf(year, sizeof year, "%d", r->year);
    const char *parts[] = {r->project_name, year};
    unsigned char h[32];
    hash_fields(h, parts, 2);
    hex_of("P", county, h, 6, r->project, sizeof r->project);
  }
  t = cell(s, i, L, F_ASSET_CODE);
  if (*t) {
    if (!imp_id_ok(t))
      { refuse_f(r, L, F_ASSET_CODE, "资产编号“%s”只能用字母、数字和 - _ . 等符号，不超过 64 个字符",
                      "asset code \"%s\" must be 1..64 printable ASCII characters without space or / ? # %% \\ \"", t); return; }
    snprintf(r->asset, sizeof r->asset, "%s", t);
    r->asset_code_given = true;
  } else {
    char fen[32];
    snprintf(fen, sizeof fen, "%lld", (long long)r->value_fen);
    const char *parts[] = {r->project, r->name, r->cls, r->subtype, r->village, fen,
                           r->quantity, r->unit, r->accepted_on, r->description};
    unsigned char h[32];
    hash_fields(h, parts, sizeof parts / sizeof parts[0]);
    hex_of("A", county, h, 8, r->asset, sizeof r->asset);
  }
  (void)z;
  (void)e;
}

/* A row that only numbers the columns (1, 2, 3, … or 栏次 under a template's header). */
static bool column_numbers(const sheet *s, size_t i) {
  long expect = 0;
  size_t seen = 0;
  for (size_t c = 0; c < s->rows[i].ncells; c++) {
    const char *t = sheet_text(s, i, c);
    if (!*t) continue;
    long v;
    size_t k = num(t, 3, &v);
    if (k == 0 || t[k]) return false;
    if (seen == 0) expect = v;
    if (v != expect) return false;
    expect++;
    seen++;
  }
  return seen >= 3;
}

static int cmp_code(const void *a, const void *b) {
  const imp_row *x = *(imp_row *const *)a, *y = *(imp_row *const *)b;
  int c = strcmp(x->asset, y->asset);
  if (c) return c;
  return x->rownum < y->rownum ? -1 : x->rownum > y->rownum;
}

int imp_rows(const sheet *s, const imp_layout *L, const imp_places *P, const char *county, const char *today,
             imp_row **rows, size_t *n, char *err, size_t cap) {
  *rows = NULL;
  *n = 0;
  size_t m = s->nrows > L->header ? s->nrows - L->header - 1 : 0;
  imp_row *out = calloc(m ? m : 1, sizeof *out);
  if (!out) {
    snprintf(err, cap, "内存不足 / out of memory");
    return -1;
  }
  size_t k = 0;
  int64_t sum_all = 0, sum_sub = 0;
  bool data_seen = false;
  for (size_t i = L->header + 1; i < s->nrows; i++) {
    bool blank = true;
    for (size_t c = 0; c < s->rows[i].ncells && blank; c++) blank = !*sheet_text(s, i, c);
    if (blank || column_numbers(s, i)) continue;
    imp_row *r = &out[k++];
    r->rownum = s->rows[i].rownum;
    r->seq = cell(s, i, L, F_SEQ);
    r->col = -1;
    r->kind = row_total(s, i, L);
    if (r->kind == R_TOTAL || r->kind == R_SUBTOTAL) {
      const char *t = cell(s, i, L, F_VALUE);
      r->stated_ok = imp_parse_fen(t, cellnum(s, i, L, F_VALUE), L->unit, &r->stated_fen) == V_OK && *t;
      r->summed_fen = r->kind == R_TOTAL ? sum_all : sum_sub;
      char a[40], b[40], d[40];
      imp_fen_str(r->stated_fen, a, sizeof a);
      imp_fen_str(r->summed_fen, b, sizeof b);
      imp_fen_str(r->stated_fen - r->summed_fen, d, sizeof d);
      const char *w = r->kind == R_TOTAL ? "合计" : "小计";
      if (!r->stated_ok)
        snprintf(r->note, sizeof r->note, "%s行，不登记；逐行相加 %s 元 / %s row, not registered; rows add up to %s yuan", w,
                 b, r->kind == R_TOTAL ? "total" : "subtotal", b);
      else if (r->stated_fen == r->summed_fen)
        snprintf(r->note, sizeof r->note, "%s行，不登记；表内%s %s 元，与逐行相加一致 / %s row, not registered; %s yuan, as the rows add up",
                 w, w, a, r->kind == R_TOTAL ? "total" : "subtotal", a);
      else
        snprintf(r->note, sizeof r->note,
                 "%s行，不登记；表内%s %s 元，逐行相加 %s 元，相差 %s 元 / %s row, not registered; stated %s yuan, rows add up "
                 "to %s yuan, difference %s yuan",
                 w, w, a, b, d, r->kind == R_TOTAL ? "total" : "subtotal", a, b, d);
      if (r->kind == R_TOTAL && data_seen) {
        /* A 合计 below the rows ends the table: what follows is the sheet's footer (填表人,
         * 审核人, an exported 总台账's 小计 tables), not assets. */
        size_t rest = 0;
        for (size_t j = i + 1; j < s->nrows; j++)
          for (size_t c = 0; c < s->rows[j].ncells; c++)
            if (*sheet_text(s, j, c)) {
              rest++;
              break;
            }
        if (rest) {
          size_t used = strlen(r->note);
          snprintf(r->note + used, sizeof r->note - used, "；表格到此结束，以下 %zu 行不读 / the table ends here: the %zu rows below are not read",
                   rest, rest);
        }
        utf8_cut(r->note);
        break;
      }
      utf8_cut(r->note);
      if (r->kind == R_SUBTOTAL) sum_sub = 0;
      continue;
    }
    r->kind = R_GOOD;
    data_seen = true;
    /* The sum a 合计 row is compared with: every row whose value reads as an amount. */
    int64_t v;
    if (imp_parse_fen(cell(s, i, L, F_VALUE), cellnum(s, i, L, F_VALUE), L->unit, &v) == V_OK) {
      if (sum_all <= INT64_MAX - v) sum_all += v;
      if (sum_sub <= INT64_MAX - v) sum_sub += v;
    }
    one_row(r, s, i, L, P, county, today);
  }
  /* The same asset twice: every later row of a code is refused. */
  imp_row **idx = malloc((k ? k : 1) * sizeof *idx);
  if (!idx) {
    imp_rows_free(out, k);
    snprintf(err, cap, "内存不足 / out of memory");
    return -1;
  }
  size_t g = 0;
  for (size_t i = 0; i < k; i++)
    if (out[i].kind == R_GOOD) idx[g++] = &out[i];
  qsort(idx, g, sizeof *idx, cmp_code);
  for (size_t i = 1; i < g; i++) {
    size_t first = i - 1;
    while (first > 0 && strcmp(idx[first - 1]->asset, idx[i]->asset) == 0) first--;
    if (strcmp(idx[i - 1]->asset, idx[i]->asset) == 0) {
      const imp_row *f = idx[first];
      while (f->kind != R_GOOD && first < i) f = idx[++first];
      char z[256], e[256];
      snprintf(z, sizeof z, "与第 %zu 行是同一资产（编号 %s），不重复登记", f->rownum, idx[i]->asset);
      snprintf(e, sizeof e, "the same asset as row %zu (code %s): not registered twice", f->rownum, idx[i]->asset);
      imp_refuse(idx[i], idx[i]->asset_code_given ? L->col[F_ASSET_CODE] : L->col[F_ASSET_NAME], z, e);
    }
  }
  free(idx);
  *rows = out;
  *n = k;
  return 0;
}

void imp_rows_free(imp_row *rows, size_t n) {
  if (!rows) return;
  for (size_t i = 0; i < n; i++) free(rows[i].description);
  free(rows);
}
