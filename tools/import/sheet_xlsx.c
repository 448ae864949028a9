/* The XLSX reader (sheet.h): the workbook's sheet list and relationships, the shared
 * strings and one worksheet, each part streamed from libzip into expat. Formulas are read
 * as the value Excel cached beside them; styles are not read (a date column's serial
 * numbers are recognised by the table layer, which knows the column is a date). */
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "sheet.h"

int sheet_fill_empty(sheet *s);

#define MAX_SHEETS 1024
#define MAX_MERGES 100000

typedef struct {
  XML_Parser p;
  char *err;
  size_t cap;
  int failed;
  /* text being collected */
  char *buf;
  size_t len, bcap;
  bool collect;
} xctx;

static void fail(xctx *x, const char *msg) {
  if (!x->failed) {
    x->failed = 1;
    snprintf(x->err, x->cap, "%s", msg);
  }
  XML_StopParser(x->p, XML_FALSE);
}

static const char *local(const char *name) {
  const char *c = strrchr(name, ':');
  return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *want) {
  for (size_t i = 0; atts[i]; i += 2)
    if (strcmp(local(atts[i]), want) == 0) return atts[i + 1];
  return NULL;
}

static void on_text(void *ud, const XML_Char *s, int n) {
  xctx *x = ud;
  if (!x->collect || n <= 0) return;
  if (x->len + (size_t)n + 1 > x->bcap) {
    if (x->len + (size_t)n > SHEET_MAX_TEXT) {
      fail(x, "单元格内容过长（超过 64 KiB） / a cell holds more than 64 KiB");
      return;
    }
    size_t nc = x->bcap ? x->bcap : 256;
    while (nc < x->len + (size_t)n + 1) nc *= 2;
    char *nb = realloc(x->buf, nc);
    if (!nb) {
      fail(x, "内存不足 / out of memory");
      return;
    }
    x->buf = nb;
    x->bcap = nc;
  }
  memcpy(x->buf + x->len, s, (size_t)n);
  x->len += (size_t)n;
  x->buf[x->len] = 0;
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sys, const XML_Char *pub, int internal) {
  (void)name, (void)sys, (void)pub, (void)internal;
  fail(ud, "XLSX 部件含有 DTD，不予读取 / an XLSX part holds a DTD: refused");
}

/* Streams part `name` of the archive through a parser set up by the caller. 0, 1 when the
 * part is absent, -1 on error. */
static int stream_part(zip_t *z, const char *name, xctx *x) {
  zip_stat_t st;
  zip_int64_t idx = zip_name_locate(z, name, ZIP_FL_NOCASE);
  if (idx < 0) return 1;
  if (zip_stat_index(z, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) && st.size > SHEET_MAX_XML) {
    fail(x, "XLSX 部件过大 / an XLSX part is too large");
    return -1;
  }
  zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
  if (!f) {
    fail(x, "XLSX 文件损坏：无法解压 / the XLSX file is damaged: cannot decompress a part");
    return -1;
  }
  XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
  char chunk[65536];
  uint64_t total = 0;
  int rc = 0;
  for (;;) {
    zip_int64_t n = zip_fread(f, chunk, sizeof chunk);
    if (n < 0) {
      fail(x, "XLSX 文件损坏：解压出错 / the XLSX file is damaged: decompression failed");
      rc = -1;
      break;
    }
    total += (uint64_t)n;
    if (total > SHEET_MAX_XML) {
      fail(x, "XLSX 部件过大 / an XLSX part is too large");
      rc = -1;
      break;
    }
    if (XML_Parse(x->p, chunk, (int)n, n == 0) == XML_STATUS_ERROR) {
      if (!x->failed) {
        x->failed = 1;
        snprintf(x->err, x->cap, "XLSX 中的 XML 有误（%s，第 %lu 行） / malformed XML in the XLSX (%s, line %lu)",
                 XML_ErrorString(XML_GetErrorCode(x->p)), (unsigned long)XML_GetCurrentLineNumber(x->p),
                 XML_ErrorString(XML_GetErrorCode(x->p)), (unsigned long)XML_GetCurrentLineNumber(x->p));
      }
      rc = -1;
      break;
    }
    if (x->failed) {
      rc = -1;
      break;
    }
    if (n == 0) break;
  }
  zip_fclose(f);
  return rc;
}

/* ---- workbook and relationships ---- */

typedef struct {
  xctx x;
  char *names[MAX_SHEETS], *rids[MAX_SHEETS];
  size_t n;
  char *rel_id[MAX_SHEETS * 2], *rel_target[MAX_SHEETS * 2];
  size_t nrel;
} wbctx;

static void wb_start(void *ud, const XML_Char *el, const XML_Char **atts) {
  wbctx *w = ud;
  const char *l = local(el);
  if (strcmp(l, "sheet") == 0) {
    const char *name = attr(atts, "name"), *rid = attr(atts, "id");
    if (!name || !rid) return;
    if (w->n == MAX_SHEETS) { fail(&w->x, "工作表过多 / too many sheets"); return; }
    w->names[w->n] = strdup(name);
    w->rids[w->n] = strdup(rid);
    if (!w->names[w->n] || !w->rids[w->n]) { fail(&w->x, "内存不足 / out of memory"); return; }
    w->n++;
  } else if (strcmp(l, "Relationship") == 0) {
    const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
    if (!id || !target) return;
    if (w->nrel == MAX_SHEETS * 2) { fail(&w->x, "关系过多 / too many relationships"); return; }
    w->rel_id[w->nrel] = strdup(id);
    w->rel_target[w->nrel] = strdup(target);
    if (!w->rel_id[w->nrel] || !w->rel_target[w->nrel]) { fail(&w->x, "内存不足 / out of memory"); return; }
    w->nrel++;
  }
}

static void wb_free(wbctx *w) {
  for (size_t i = 0; i < w->n; i++) free(w->names[i]), free(w->rids[i]);
  for (size_t i = 0; i < w->nrel; i++) free(w->rel_id[i]), free(w->rel_target[i]);
}

/* ---- shared strings ---- */

typedef struct {
  xctx x;
  char **s;
  size_t n, cap;
  int depth_rph;
  bool in_si;
} ssctx;

static void ss_start(void *ud, const XML_Char *el, const XML_Char **atts) {
  ssctx *c = ud;
  (void)atts;
  const char *l = local(el);
  if (strcmp(l, "si") == 0) {
    c->in_si = true;
    c->x.len = 0;
    if (c->x.buf) c->x.buf[0] = 0;
  } else if (strcmp(l, "rPh") == 0) {
    c->depth_rph++;
  } else if (strcmp(l, "t") == 0 && c->in_si && c->depth_rph == 0) {
    c->x.collect = true;
  }
}

static void ss_end(void *ud, const XML_Char *el) {
  ssctx *c = ud;
  const char *l = local(el);
  if (strcmp(l, "t") == 0) {
    c->x.collect = false;
  } else if (strcmp(l, "rPh") == 0) {
    if (c->depth_rph > 0) c->depth_rph--;
  } else if (strcmp(l, "si") == 0 && c->in_si) {
    c->in_si = false;
    if (c->n >= SHEET_MAX_CELLS) { fail(&c->x, "共享字符串过多 / too many shared strings"); return; }
    if (c->n == c->cap) {
      size_t nc = c->cap ? c->cap * 2 : 256;
      char **ns = realloc(c->s, nc * sizeof *ns);
      if (!ns) { fail(&c->x, "内存不足 / out of memory"); return; }
      c->s = ns;
      c->cap = nc;
    }
    c->s[c->n] = malloc(c->x.len + 1);
    if (!c->s[c->n]) { fail(&c->x, "内存不足 / out of memory"); return; }
    memcpy(c->s[c->n], c->x.buf ? c->x.buf : "", c->x.len);
    c->s[c->n][c->x.len] = 0;
    c->n++;
  }
}

/* ---- the worksheet ---- */

typedef struct {
  size_t r0, c0, r1, c1;
} merge;

typedef struct {
  xctx x;
  sheet *s;
  const ssctx *ss;
  size_t row, col; /* current row number (from 1) and next column (from 0) */
  bool in_c, in_is, in_v;
  char type[16];
  int depth_rph;
  merge *merges;
  size_t nmerges, mcap;
} wsctx;

/* "B12" → column 1, row 12; with want_row 0 a bare column ("B") is allowed. 0 or -1. */
static int parse_ref(const char *ref, size_t *col, size_t *row) {
  size_t c = 0, r = 0, i = 0;
  while (ref[i] >= 'A' && ref[i] <= 'Z') {
    c = c * 26 + (size_t)(ref[i] - 'A' + 1);
    if (c > SHEET_MAX_COLS) return -1;
    i++;
  }
  if (i == 0 || i > 3) return -1;
  size_t j = i;
  while (ref[j] >= '0' && ref[j] <= '9') {
    r = r * 10 + (size_t)(ref[j] - '0');
    if (r > SHEET_MAX_ROWS) return -1;
    j++;
  }
  if (j == i || ref[j] || r == 0) return -1;
  *col = c - 1;
  *row = r;
  return 0;
}

static int parse_num(const char *s, size_t max, size_t *out) {
  size_t v = 0;
  if (!*s) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (size_t)(*s - '0');
    if (v > max) return -1;
  }
  *out = v;
  return 0;
}

static void ws_start(void *ud, const XML_Char *el, const XML_Char **atts) {
  wsctx *w = ud;
  const char *l = local(el);
  if (strcmp(l, "row") == 0) {
    const char *r = attr(atts, "r");
    size_t n;
    if (r) {
      if (parse_num(r, SHEET_MAX_ROWS, &n) != 0 || n == 0) { fail(&w->x, "XLSX 行号无效 / an XLSX row number is invalid"); return; }
      w->row = n;
    } else {
      w->row++;
    }
    w->col = 0;
  } else if (strcmp(l, "c") == 0) {
    const char *r = attr(atts, "r"), *t = attr(atts, "t");
    if (w->row == 0) w->row = 1;
    if (r) {
      size_t c, rr;
      if (parse_ref(r, &c, &rr) != 0) { fail(&w->x, "XLSX 单元格引用无效 / an XLSX cell reference is invalid"); return; }
      w->col = c;
      if (rr != w->row) w->row = rr;
    }
    snprintf(w->type, sizeof w->type, "%s", t ? t : "n");
    w->in_c = true;
    w->x.len = 0;
    if (w->x.buf) w->x.buf[0] = 0;
  } else if (w->in_c && strcmp(l, "v") == 0) {
    w->in_v = true;
    w->x.collect = true;
  } else if (w->in_c && strcmp(l, "is") == 0) {
    w->in_is = true;
  } else if (w->in_is && strcmp(l, "rPh") == 0) {
    w->depth_rph++;
  } else if (w->in_is && strcmp(l, "t") == 0 && w->depth_rph == 0) {
    w->x.collect = true;
  } else if (strcmp(l, "mergeCell") == 0) {
    const char *ref = attr(atts, "ref");
    if (!ref) return;
    char a[32], b[32];
    const char *colon = strchr(ref, ':');
    if (!colon || (size_t)(colon - ref) >= sizeof a || strlen(colon + 1) >= sizeof b) return;
    memcpy(a, ref, (size_t)(colon - ref));
    a[colon - ref] = 0;
    snprintf(b, sizeof b, "%s", colon + 1);
    merge m;
    if (parse_ref(a, &m.c0, &m.r0) != 0 || parse_ref(b, &m.c1, &m.r1) != 0 || m.r1 < m.r0 || m.c1 < m.c0)
      { fail(&w->x, "XLSX 合并单元格范围无效 / an XLSX merged range is invalid"); return; }
    if (w->nmerges == MAX_MERGES) { fail(&w->x, "合并单元格过多 / too many merged ranges"); return; }
    if (w->nmerges == w->mcap) {
      size_t nc = w->mcap ? w->mcap * 2 : 64;
      merge *nm = realloc(w->merges, nc * sizeof *nm);
      if (!nm) { fail(&w->x, "内存不足 / out of memory"); return; }
      w->merges = nm;
      w->mcap = nc;
    }
    w->merges[w->nmerges++] = m;
  }
}

static void ws_end(void *ud, const XML_Char *el) {
  wsctx *w = ud;
  const char *l = local(el);
  if (strcmp(l, "v") == 0) {
    w->in_v = false;
    w->x.collect = false;
  } else if (strcmp(l, "t") == 0) {
    w->x.collect = false;
  } else if (strcmp(l, "rPh") == 0) {
    if (w->depth_rph > 0) w->depth_rph--;
  } else if (strcmp(l, "is") == 0) {
    w->in_is = false;
  } else if (strcmp(l, "c") == 0 && w->in_c) {
    w->in_c = false;
    const char *text = w->x.buf ? w->x.buf : "";
    size_t len = w->x.len;
    bool numeric = false;
    if (strcmp(w->type, "s") == 0) {
      size_t i;
      if (len == 0) {
        text = "";
      } else if (parse_num(text, SHEET_MAX_CELLS, &i) != 0 || i >= w->ss->n) {
        { fail(&w->x, "XLSX 引用了不存在的共享字符串 / an XLSX cell names a shared string that does not exist"); return; }
      } else {
        text = w->ss->s[i];
      }
      len = strlen(text);
    } else if (strcmp(w->type, "b") == 0) {
      text = (len == 1 && text[0] == '1') ? "TRUE" : len ? "FALSE" : "";
      len = strlen(text);
    } else if (strcmp(w->type, "inlineStr") != 0 && strcmp(w->type, "str") != 0 && strcmp(w->type, "e") != 0 &&
               strcmp(w->type, "d") != 0) {
      numeric = true;
    }
    if (len > 0 && sheet_set(w->s, w->row, w->col, text, len, numeric, w->x.err, w->x.cap) != 0) {
      w->x.failed = 1;
      XML_StopParser(w->x.p, XML_FALSE);
      return;
    }
    w->col++;
  }
}

/* Copies each merged range's top-left text into the range's other cells. */
static int apply_merges(wsctx *w) {
  size_t done = 0;
  for (size_t k = 0; k < w->nmerges; k++) {
    merge m = w->merges[k];
    /* The top-left cell (rows are sorted by number). */
    const char *src = NULL;
    bool numeric = false;
    size_t lo = 0, hi = w->s->nrows;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (w->s->rows[mid].rownum < m.r0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < w->s->nrows && w->s->rows[lo].rownum == m.r0 && m.c0 < w->s->rows[lo].ncells &&
        w->s->rows[lo].cells[m.c0].text) {
      src = w->s->rows[lo].cells[m.c0].text;
      numeric = w->s->rows[lo].cells[m.c0].numeric;
    }
    if (!src || !*src) continue;
    uint64_t area = (uint64_t)(m.r1 - m.r0 + 1) * (m.c1 - m.c0 + 1);
    if (area > SHEET_MAX_CELLS || done + area > SHEET_MAX_CELLS) {
      snprintf(w->x.err, w->x.cap, "合并单元格范围过大 / a merged range is too large");
      return -1;
    }
    done += (size_t)area;
    char *copy = strdup(src);
    if (!copy) return -1;
    for (size_t r = m.r0; r <= m.r1; r++)
      for (size_t c = m.c0; c <= m.c1; c++) {
        if (r == m.r0 && c == m.c0) continue;
        if (sheet_set(w->s, r, c, copy, strlen(copy), numeric, w->x.err, w->x.cap) != 0) {
          free(copy);
          return -1;
        }
      }
    free(copy);
  }
  return 0;
}

static XML_Parser new_parser(xctx *x, void *ud, XML_StartElementHandler st, XML_EndElementHandler en) {
  x->p = XML_ParserCreate("UTF-8");
  if (!x->p) return NULL;
  XML_SetUserData(x->p, ud);
  XML_SetElementHandler(x->p, st, en);
  XML_SetCharacterDataHandler(x->p, on_text);
  return x->p;
}

int sheet_read_xlsx(const uint8_t *data, size_t len, const char *sheet_name, sheet *out, char *err, size_t cap) {
  memset(out, 0, sizeof *out);
  snprintf(out->encoding, sizeof out->encoding, "XLSX");
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
  zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
  zip_error_fini(&ze);
  if (!z) {
    if (src) zip_source_free(src);
    snprintf(err, cap, "不是有效的 XLSX（ZIP）文件 / not a valid XLSX (ZIP) file");
    return -1;
  }
  int rc = -1;
  wbctx *w = calloc(1, sizeof *w);
  ssctx ss = {0};
  wsctx ws = {0};
  char target[512] = "";
  if (!w) goto done;
  w->x.err = err, w->x.cap = cap;
  /* The workbook's sheets, then their relationships (into the same context). */
  if (!new_parser(&w->x, w, wb_start, NULL)) goto done;
  int r = stream_part(z, "xl/workbook.xml", &w->x);
  XML_ParserFree(w->x.p);
  if (r != 0) {
    if (r == 1) snprintf(err, cap, "XLSX 中没有 xl/workbook.xml / the XLSX has no xl/workbook.xml");
    goto done;
  }
  if (!new_parser(&w->x, w, wb_start, NULL)) goto done;
  r = stream_part(z, "xl/_rels/workbook.xml.rels", &w->x);
  XML_ParserFree(w->x.p);
  if (r < 0) goto done;
  if (w->n == 0) {
    snprintf(err, cap, "XLSX 中没有工作表 / the XLSX has no sheet");
    goto done;
  }
  size_t pick = 0;
  if (sheet_name) {
    for (pick = 0; pick < w->n && strcmp(w->names[pick], sheet_name) != 0; pick++) {
    }
    if (pick == w->n) {
      size_t o = (size_t)snprintf(err, cap, "没有名为“%s”的工作表；有： / no sheet named \"%s\"; there are:", sheet_name,
                                  sheet_name);
      for (size_t i = 0; i < w->n && o < cap; i++) o += (size_t)snprintf(err + o, cap - o, " %s", w->names[i]);
      goto done;
    }
  }
  snprintf(out->name, sizeof out->name, "%s", w->names[pick]);
  for (size_t i = 0; i < w->nrel; i++)
    if (strcmp(w->rel_id[i], w->rids[pick]) == 0) {
      const char *t = w->rel_target[i];
      if (t[0] == '/') snprintf(target, sizeof target, "%s", t + 1);
      else snprintf(target, sizeof target, "xl/%s", t);
    }
  if (!target[0]) snprintf(target, sizeof target, "xl/worksheets/sheet%zu.xml", pick + 1);

  ss.x.err = err, ss.x.cap = cap;
  if (!new_parser(&ss.x, &ss, ss_start, ss_end)) goto done;
  r = stream_part(z, "xl/sharedStrings.xml", &ss.x);
  XML_ParserFree(ss.x.p);
  if (r < 0) goto done;

  ws.x.err = err, ws.x.cap = cap;
  ws.s = out;
  ws.ss = &ss;
  if (!new_parser(&ws.x, &ws, ws_start, ws_end)) goto done;
  r = stream_part(z, target, &ws.x);
  XML_ParserFree(ws.x.p);
  if (r != 0) {
    if (r == 1) snprintf(err, cap, "XLSX 中缺少工作表 %s / the XLSX lacks sheet part %s", target, target);
    goto done;
  }
  if (apply_merges(&ws) != 0) goto done;
  if (sheet_fill_empty(out) != 0) {
    snprintf(err, cap, "内存不足 / out of memory");
    goto done;
  }
  rc = 0;
done:
  if (w) {
    wb_free(w);
    free(w->x.buf);
    free(w);
  }
  for (size_t i = 0; i < ss.n; i++) free(ss.s[i]);
  free(ss.s);
  free(ss.x.buf);
  free(ws.x.buf);
  free(ws.merges);
  zip_discard(z);
  if (rc != 0) sheet_free(out);
  return rc;
}
