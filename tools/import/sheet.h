#ifndef AIDREG_TOOLS_IMPORT_SHEET_H
#define AIDREG_TOOLS_IMPORT_SHEET_H
/* A spreadsheet read into memory as a grid of UTF-8 texts: CSV (UTF-8 with or without BOM,
 * UTF-16 with BOM, or GB18030, which Chinese Excel writes by default) and XLSX (Office Open
 * XML over libzip and expat: shared and inline strings, numbers, booleans, merged cells).
 * No interpretation here: tools/import/table.h maps the grid onto 台账 fields.
 *
 * Rows keep the number the spreadsheet shows (1-based; a CSV record spanning lines inside
 * quotes counts as one row, as Excel shows it). Every cell of a row up to ncells exists and
 * has a text ("" when empty), with leading and trailing spaces (also NBSP, U+3000) taken
 * off. Limits keep a hostile file from exhausting memory: at most
 * SHEET_MAX_CELLS cell slots, SHEET_MAX_COLS columns, SHEET_MAX_TEXT bytes per cell. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHEET_MAX_COLS 16384
#define SHEET_MAX_ROWS 1048576
#define SHEET_MAX_CELLS ((size_t)8 << 20)
#define SHEET_MAX_TEXT ((size_t)1 << 16)
#define SHEET_MAX_XML ((uint64_t)512 << 20) /* uncompressed bytes of one XLSX part */

typedef struct {
  char *text;   /* UTF-8, NUL-terminated, never NULL */
  bool numeric; /* an XLSX number cell (the text is the stored decimal, e.g. 44377 or 1.5E-3) */
} sheet_cell;

typedef struct {
  size_t rownum; /* as the spreadsheet shows it, from 1 */
  size_t ncells;
  sheet_cell *cells;
} sheet_row;

typedef struct {
  sheet_row *rows; /* in row order; rows the file leaves out are absent */
  size_t nrows, cap;
  size_t ncols;        /* the widest row */
  size_t slots;        /* cell slots allocated (limit) */
  char encoding[16];   /* CSV: "UTF-8", "UTF-8 BOM", "UTF-16", "GB18030"; XLSX: "XLSX" */
  char name[128];      /* XLSX: the sheet's name */
} sheet;

/* Each returns 0, or -1 with a message in err (cap bytes, Chinese / English). */
int sheet_read_csv(const uint8_t *data, size_t len, sheet *out, char *err, size_t cap);
/* sheet_name NULL: the first sheet of the workbook. */
int sheet_read_xlsx(const uint8_t *data, size_t len, const char *sheet_name, sheet *out, char *err, size_t cap);
/* By content: a ZIP (PK\3\4) is XLSX, anything else CSV. */
int sheet_read(const uint8_t *data, size_t len, const char *sheet_name, sheet *out, char *err, size_t cap);
void sheet_free(sheet *s);

/* The text of row i, column c ("" beyond the row's cells). */
const char *sheet_text(const sheet *s, size_t i, size_t c);
bool sheet_numeric(const sheet *s, size_t i, size_t c);

/* Whether the n bytes at p are strict UTF-8 (no overlong forms, surrogates or > U+10FFFF). */
bool sheet_utf8_valid(const uint8_t *p, size_t n);

/* Internal to the readers: sets cell (row number r, column c from 0) to a copy of text,
 * creating the row; rows must come in increasing order of r except for merges. 0 or -1. */
int sheet_set(sheet *s, size_t r, size_t c, const char *text, size_t len, bool numeric, char *err, size_t cap);
/* Column letters (A, B, …, XFD) of column c from 0, into out (cap >= 4). */
void sheet_col_name(size_t c, char *out, size_t cap);

#endif
