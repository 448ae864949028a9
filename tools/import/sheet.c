/* The grid of a spreadsheet and the CSV reader (sheet.h). */
#include "sheet.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sheet_col_name(size_t c, char *out, size_t cap) {
  char tmp[8];
  size_t n = 0;
  c++;
  while (c > 0 && n < sizeof tmp) {
    tmp[n++] = (char)('A' + (c - 1) % 26);
    c = (c - 1) / 26;
  }
  size_t i = 0;
  for (; i < n && i + 1 < cap; i++) out[i] = tmp[n - 1 - i];
  if (cap) out[i] = 0;
}

void sheet_free(sheet *s) {
  if (!s) return;
  for (size_t i = 0; i < s->nrows; i++) {
    for (size_t c = 0; c < s->rows[i].ncells; c++) free(s->rows[i].cells[c].text);
    free(s->rows[i].cells);
  }
  free(s->rows);
  memset(s, 0, sizeof *s);
}

const char *sheet_text(const sheet *s, size_t i, size_t c) {
  if (i >= s->nrows || c >= s->rows[i].ncells) return "";
  const char *t = s->rows[i].cells[c].text;
  return t ? t : "";
}

bool sheet_numeric(const sheet *s, size_t i, size_t c) {
  return i < s->nrows && c < s->rows[i].ncells && s->rows[i].cells[c].numeric;
}

static void seterr(char *err, size_t cap, const char *msg) {
  if (err && cap) snprintf(err, cap, "%s", msg);
}

/* The index of the row numbered r, creating it (rows stay sorted by number). */
static sheet_row *row_at(sheet *s, size_t r, char *err, size_t cap) {
  if (r == 0 || r > SHEET_MAX_ROWS) {
    seterr(err, cap, "行号超出范围 / row number out of range");
    return NULL;
  }
  size_t lo = 0, hi = s->nrows;
  if (s->nrows && s->rows[s->nrows - 1].rownum < r) {
    lo = s->nrows;
  } else {
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (s->rows[mid].rownum < r) lo = mid + 1;
      else hi = mid;
    }
    if (lo < s->nrows && s->rows[lo].rownum == r) return &s->rows[lo];
  }
  if (s->nrows == s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 64;
    sheet_row *nr = realloc(s->rows, nc * sizeof *nr);
    if (!nr) {
      seterr(err, cap, "内存不足 / out of memory");
      return NULL;
    }
    s->rows = nr;
    s->cap = nc;
  }
  memmove(&s->rows[lo + 1], &s->rows[lo], (s->nrows - lo) * sizeof *s->rows);
  s->nrows++;
  memset(&s->rows[lo], 0, sizeof s->rows[lo]);
  s->rows[lo].rownum = r;
  return &s->rows[lo];
}

/* Leading and trailing spaces: ASCII, NBSP (C2 A0) and the ideographic space (E3 80 80). */
static void trim(const char **p, size_t *n) {
  const unsigned char *s = (const unsigned char *)*p;
  size_t len = *n;
  for (;;) {
    if (len >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) s++, len--;
    else if (len >= 2 && s[0] == 0xC2 && s[1] == 0xA0) s += 2, len -= 2;
    else if (len >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) s += 3, len -= 3;
    else break;
  }
  for (;;) {
    if (len >= 1 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n')) len--;
    else if (len >= 2 && s[len - 2] == 0xC2 && s[len - 1] == 0xA0) len -= 2;
    else if (len >= 3 && s[len - 3] == 0xE3 && s[len - 2] == 0x80 && s[len - 1] == 0x80) len -= 3;
    else break;
  }
  *p = (const char *)s;
  *n = len;
}

int sheet_set(sheet *s, size_t r, size_t c, const char *text, size_t len, bool numeric, char *err, size_t cap) {
  trim(&text, &len);
  if (c >= SHEET_MAX_COLS) {
    seterr(err, cap, "列数超过 16384 / more than 16384 columns");
    return -1;
  }
  if (len > SHEET_MAX_TEXT) {
    seterr(err, cap, "单元格内容过长（超过 64 KiB） / a cell holds more than 64 KiB");
    return -1;
  }
  sheet_row *row = row_at(s, r, err, cap);
  if (!row) return -1;
  if (c >= row->ncells) {
    size_t want = c + 1;
    if (s->slots + (want - row->ncells) > SHEET_MAX_CELLS) {
      seterr(err, cap, "表格过大（单元格过多） / the sheet has too many cells");
      return -1;
    }
    sheet_cell *nc = realloc(row->cells, want * sizeof *nc);
    if (!nc) {
      seterr(err, cap, "内存不足 / out of memory");
      return -1;
    }
    memset(nc + row->ncells, 0, (want - row->ncells) * sizeof *nc);
    s->slots += want - row->ncells;
    row->cells = nc;
    row->ncells = want;
    if (want > s->ncols) s->ncols = want;
  }
  char *t = malloc(len + 1);
  if (!t) {
    seterr(err, cap, "内存不足 / out of memory");
    return -1;
  }
  memcpy(t, text, len);
  t[len] = 0;
  free(row->cells[c].text);
  row->cells[c].text = t;
  row->cells[c].numeric = numeric;
  return 0;
}

/* Fills empty slots with "" so every cell up to ncells has a text. */
static int fill_empty(sheet *s) {
  for (size_t i = 0; i < s->nrows; i++)
    for (size_t c = 0; c < s->rows[i].ncells; c++)
      if (!s->rows[i].cells[c].text) {
        s->rows[i].cells[c].text = calloc(1, 1);
        if (!s->rows[i].cells[c].text) return -1;
      }
  return 0;
}

bool sheet_utf8_valid(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t b = p[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    size_t k;
    uint32_t cp, min;
    if ((b & 0xE0) == 0xC0) k = 1, cp = b & 0x1F, min = 0x80;
    else if ((b & 0xF0) == 0xE0) k = 2, cp = b & 0x0F, min = 0x800;
    else if ((b & 0xF8) == 0xF0) k = 3, cp = b & 0x07, min = 0x10000;
    else return false;
    if (n - i <= k) return false;
    for (size_t j = 1; j <= k; j++) {
      if ((p[i + j] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + j] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += k + 1;
  }
  return true;
}

/* Converts from `from` to UTF-8 with iconv; malloc'd (NUL-terminated), NULL on any
 * invalid or incomplete sequence. */
static char *to_utf8(const char *from, const uint8_t *data, size_t len, size_t *outlen) {
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == (iconv_t)-1) return NULL;
  size_t cap = len * 2 + 16, used = 0;
  if (cap < len) {
    iconv_close(cd);
    return NULL;
  }
  char *out = malloc(cap);
  char *in = (char *)data;
  size_t inleft = len;
  while (out) {
    char *op = out + used;
    size_t oleft = cap - used - 1;
    size_t rc = iconv(cd, &in, &inleft, &op, &oleft);
    used = (size_t)(op - out);
    if (rc != (size_t)-1) break;
    if (errno != E2BIG) {
      free(out);
      out = NULL;
      break;
    }
    size_t nc = cap * 2;
    char *n = nc > cap ? realloc(out, nc) : NULL;
    if (!n) {
      free(out);
      out = NULL;
      break;
    }
    out = n;
    cap = nc;
  }
  iconv_close(cd);
  if (!out) return NULL;
  out[used] = 0;
  *outlen = used;
  return out;
}

/* RFC 4180 with what Excel writes: quotes doubled inside quoted fields, CRLF or LF,
 * the delimiter a comma (or a tab when the first line has more tabs than commas). */
static int parse_csv(sheet *s, const char *t, size_t n, char *err, size_t cap) {
  char delim = ',';
  {
    size_t commas = 0, tabs = 0;
    bool q = false;
    for (size_t i = 0; i < n; i++) {
      if (t[i] == '"') q = !q;
      else if (!q && (t[i] == '\n' || t[i] == '\r')) break;
      else if (!q && t[i] == ',') commas++;
      else if (!q && t[i] == '\t') tabs++;
    }
    if (tabs > commas) delim = '\t';
  }
  size_t fcap = 256, flen = 0;
  char *f = malloc(fcap);
  if (!f) {
    seterr(err, cap, "内存不足 / out of memory");
    return -1;
  }
  size_t row = 1, col = 0, i = 0;
  bool row_has = false;
  int rc = 0;
  while (i <= n && rc == 0) {
    /* One field. */
    flen = 0;
    bool quoted = false;
    if (i < n && t[i] == '"') {
      quoted = true;
      i++;
    }
    for (;;) {
      if (i >= n) break;
      char ch = t[i];
      if (quoted) {
        if (ch == '"') {
          if (i + 1 < n && t[i + 1] == '"') {
            i += 2;
            ch = '"';
          } else {
            quoted = false;
            i++;
            continue;
          }
        } else {
          i++;
        }
      } else {
        if (ch == delim || ch == '\n' || ch == '\r') break;
        i++;
      }
      if (flen + 1 >= fcap) {
        if (fcap > SHEET_MAX_TEXT * 2) {
          seterr(err, cap, "单元格内容过长（超过 64 KiB） / a cell holds more than 64 KiB");
          rc = -1;
          break;
        }
        char *nf = realloc(f, fcap * 2);
        if (!nf) {
          seterr(err, cap, "内存不足 / out of memory");
          rc = -1;
          break;
        }
        f = nf;
        fcap *= 2;
      }
      f[flen++] = ch;
    }
    if (rc) break;
    if (flen > 0 || quoted) row_has = true;
    if (flen > 0 && sheet_set(s, row, col, f, flen, false, err, cap) != 0) {
      rc = -1;
      break;
    }
    if (i >= n) break;
    if (t[i] == delim) {
      i++;
      col++;
      if (col >= SHEET_MAX_COLS) {
        seterr(err, cap, "列数超过 16384 / more than 16384 columns");
        rc = -1;
      }
      continue;
    }
    /* End of record. */
    if (t[i] == '\r' && i + 1 < n && t[i + 1] == '\n') i++;
    i++;
    (void)row_has;
    row_has = false;
    row++;
    col = 0;
    if (row > SHEET_MAX_ROWS) {
      seterr(err, cap, "行数超过 1048576 / more than 1048576 rows");
      rc = -1;
    }
    if (i >= n) break;
  }
  free(f);
  return rc;
}

int sheet_read_csv(const uint8_t *data, size_t len, sheet *out, char *err, size_t cap) {
  memset(out, 0, sizeof *out);
  char *conv = NULL;
  const char *text;
  size_t tlen;
  if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
    snprintf(out->encoding, sizeof out->encoding, "UTF-8 BOM");
    text = (const char *)data + 3;
    tlen = len - 3;
    if (!sheet_utf8_valid((const uint8_t *)text, tlen)) {
      seterr(err, cap, "文件以 UTF-8 标记开头，但内容不是有效的 UTF-8 / the file starts with a UTF-8 BOM but is not valid UTF-8");
      return -1;
    }
  } else if (len >= 2 && ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == 0xFE && data[1] == 0xFF))) {
    snprintf(out->encoding, sizeof out->encoding, "UTF-16");
    conv = to_utf8(data[0] == 0xFF ? "UTF-16LE" : "UTF-16BE", data + 2, len - 2, &tlen);
    if (!conv) {
      seterr(err, cap, "UTF-16 文件内容无效 / the UTF-16 file is not valid");
      return -1;
    }
    text = conv;
  } else if (sheet_utf8_valid(data, len)) {
    snprintf(out->encoding, sizeof out->encoding, "UTF-8");
    text = (const char *)data;
    tlen = len;
  } else {
    snprintf(out->encoding, sizeof out->encoding, "GB18030");
    conv = to_utf8("GB18030", data, len, &tlen);
    if (!conv) {
      seterr(err, cap, "文件既不是 UTF-8 也不是 GB18030（GBK）编码 / the file is neither UTF-8 nor GB18030 (GBK)");
      return -1;
    }
    text = conv;
  }
  if (memchr(text, 0, tlen)) {
    free(conv);
    seterr(err, cap, "文件含有空字符，不是文本表格 / the file holds NUL bytes: not a text table");
    return -1;
  }
  int rc = parse_csv(out, text, tlen, err, cap);
  free(conv);
  if (rc == 0 && fill_empty(out) != 0) {
    seterr(err, cap, "内存不足 / out of memory");
    rc = -1;
  }
  if (rc != 0) sheet_free(out);
  return rc;
}

int sheet_read(const uint8_t *data, size_t len, const char *sheet_name, sheet *out, char *err, size_t cap) {
  if (len >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4)
    return sheet_read_xlsx(data, len, sheet_name, out, err, cap);
  return sheet_read_csv(data, len, out, err, cap);
}

/* For the XLSX reader. */
int sheet_fill_empty(sheet *s);
int sheet_fill_empty(sheet *s) { return fill_empty(s); }
