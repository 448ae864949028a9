/* Aligned tables for terminals (cli_tables.h): widths by display columns, so that Chinese
 * text (two columns a character) lines up with ASCII. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_tables.h"

/* The next code point of s (advances *s); invalid bytes count as one U+FFFD. */
static uint32_t next_cp(const unsigned char **s) {
  const unsigned char *p = *s;
  uint32_t c = p[0];
  size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
  if (n == 0) {
    *s = p + 1;
    return 0xfffd;
  }
  if (n > 1) c &= 0xff >> (n + 1);
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) {
      *s = p + i;
      return 0xfffd;
    }
    c = (c << 6) | (p[i] & 0x3f);
  }
  *s = p + n;
  return c;
}

static int cp_width(uint32_t c) {
  if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return 0;
  if ((c >= 0x0300 && c <= 0x036f) || (c >= 0x200b && c <= 0x200f) || c == 0xfe0f) return 0;
  if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) || (c >= 0x3041 && c <= 0x33ff) ||
      (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
      (c >= 0x20000 && c <= 0x3fffd))
    return 2;
  return 1;
}

size_t cli_text_width(const char *s) {
  size_t w = 0;
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  while (*p) w += (size_t)cp_width(next_cp(&p));
  return w;
}

void cli_table_init(cli_table *t, size_t ncols, unsigned right) {
  memset(t, 0, sizeof *t);
  t->ncols = ncols;
  t->right = right;
}

int cli_table_row(cli_table *t, const char *const *cells) {
  if (t->nrows == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    char **c = realloc(t->cells, cap * t->ncols * sizeof *c);
    if (!c) return -1;
    t->cells = c;
    t->cap = cap;
  }
  for (size_t i = 0; i < t->ncols; i++) {
    char *d = strdup(cells[i] ? cells[i] : "");
    if (!d) {
      for (size_t j = 0; j < i; j++) free(t->cells[t->nrows * t->ncols + j]);
      return -1;
    }
    t->cells[t->nrows * t->ncols + i] = d;
  }
  t->nrows++;
  return 0;
}

static void pad(FILE *f, size_t n) {
  while (n--) fputc(' ', f);
}

void cli_table_print(const cli_table *t, FILE *f) {
  size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof *w);
  if (!w) return;
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c < t->ncols; c++) {
      size_t x = cli_text_width(t->cells[r * t->ncols + c]);
      if (x > w[c]) w[c] = x;
    }
  for (size_t r = 0; r < t->nrows; r++) {
    for (size_t c = 0; c < t->ncols; c++) {
      const char *s = t->cells[r * t->ncols + c];
      size_t x = cli_text_width(s);
      bool last = c + 1 == t->ncols;
      if (t->right & (1u << c)) {
        pad(f, w[c] - x);
        fputs(s, f);
      } else {
        fputs(s, f);
        if (!last) pad(f, w[c] - x);
      }
      if (!last) fputs("  ", f);
    }
    fputc('\n', f);
    if (r == 0) { /* a rule under the header */
      size_t total = 0;
      for (size_t c = 0; c < t->ncols; c++) total += w[c] + (c + 1 < t->ncols ? 2 : 0);
      for (size_t i = 0; i < total; i++) fputc('-', f);
      fputc('\n', f);
    }
  }
  free(w);
}

void cli_table_free(cli_table *t) {
  for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cells[i]);
  free(t->cells);
  memset(t, 0, sizeof *t);
}

void cli_kv(FILE *f, const char *label, const char *value) {
  size_t w = cli_text_width(label);
  fputs(label, f);
  pad(f, w < 30 ? 30 - w : 1);
  fputs(value ? value : "", f);
  fputc('\n', f);
}
