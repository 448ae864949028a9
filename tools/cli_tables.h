#ifndef AIDREG_TOOLS_CLI_TABLES_H
#define AIDREG_TOOLS_CLI_TABLES_H
/* The commands for people (cli_tables.c, cli_template.c) and the aligned tables they print
 * (cli_tabular.c). */
#include <stddef.h>
#include <stdio.h>

int cli_assets(int argc, char **argv);
int cli_asset(int argc, char **argv);
int cli_plans(int argc, char **argv);
int cli_plan(int argc, char **argv);
int cli_places(int argc, char **argv);
int cli_keys(int argc, char **argv);
int cli_incomes(int argc, char **argv);
int cli_summary(int argc, char **argv);
int cli_template(int argc, char **argv);
int cli_report(int argc, char **argv); /* cli_report.c */

/* Removes // comments (outside JSON strings) from text in place, as `aidreg template`
 * writes them; returns the new length. */
size_t cli_strip_comments(char *text);

/* A readable summary of the event about to be signed (type with its label, subject, ledger,
 * time and each member of the body with its Chinese name, labels and yuan), on f. */
#include <jansson.h>
void cli_sign_summary(FILE *f, const char *type, const char *subject, const char *origin, const char *time,
                      const json_t *body, size_t nkeys);

/* Columns a terminal gives the UTF-8 text s: 2 for East Asian wide and fullwidth characters
 * (CJK, Hangul, fullwidth forms), 0 for combining marks and controls, 1 otherwise. */
size_t cli_text_width(const char *s);

/* A table: add the header, then rows of ncols cells (copied); print aligns every column to
 * its widest cell by display width, right-aligning the columns marked in right (a bit per
 * column). */
typedef struct {
  size_t ncols, nrows, cap;
  char **cells; /* nrows * ncols, row 0 the header */
  unsigned right;
} cli_table;
void cli_table_init(cli_table *t, size_t ncols, unsigned right);
/* 0, or -1 out of memory. NULL cells print empty. */
int cli_table_row(cli_table *t, const char *const *cells);
void cli_table_print(const cli_table *t, FILE *f);
void cli_table_free(cli_table *t);
/* "label  value" lines with the labels aligned. */
void cli_kv(FILE *f, const char *label, const char *value);

#endif
