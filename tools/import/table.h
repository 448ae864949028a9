#ifndef AIDREG_TOOLS_IMPORT_TABLE_H
#define AIDREG_TOOLS_IMPORT_TABLE_H
/* The 台账 as `aidreg import` understands it (docs/import.md): the header row found below
 * title rows, the usual Chinese headers and their variants mapped onto fields (a built-in
 * table, overridden by a mapping file), the amounts in 元 or 万元 converted to fen with
 * integer arithmetic only, the date forms a county writes, and each row turned into the
 * fields of project.register / asset.register / asset.rights / asset.maintainer, or refused
 * with its column and a reason in Chinese and English. No network and no database here. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sheet.h"

typedef enum {
  F_SEQ,
  F_PROJECT_CODE,
  F_PROJECT_NAME,
  F_PROJECT_TYPE,
  F_YEAR,
  F_CHANNEL,
  F_INDUSTRY_DEPT,
  F_IMPL_UNIT,
  F_ASSET_CODE,
  F_ASSET_NAME,
  F_CLASS,
  F_SUBTYPE,
  F_FORM,
  F_TOWNSHIP,
  F_VILLAGE,
  F_VILLAGE_CODE,
  F_DESCRIPTION,
  F_QUANTITY,
  F_UNIT,
  F_VALUE,
  F_COMPLETED,
  F_ACCEPTED,
  F_OWNER,
  F_CERT,
  F_CONFIRMED,
  F_MAINTAINER,
  F_MPERSON,
  F_DUTIES,
  F_FUND_SOURCE,
  F_MFROM,
  F_REMARK,
  F_COUNT
} imp_field;
#define F_NONE (-1)

/* The field's identifier (as a mapping file names it: "asset_name") and Chinese name. */
const char *imp_field_id(int f);
const char *imp_field_zh(int f);
/* A field from its identifier or its Chinese name; F_NONE when neither. */
int imp_field_parse(const char *s);

/* Money units: what a header, a title row or --unit says. */
enum { UNIT_NONE = 0, UNIT_YUAN = 1, UNIT_WAN = 2 };

/* A county's mapping file: lines `表头 = field` (a field id or Chinese name, or `ignore`),
 * `# comments`, blank lines; UTF-8 (with or without BOM). */
typedef struct {
  char **header; /* normalised */
  int *field;    /* F_NONE = ignore the column */
  size_t n;
} imp_mapping;
int imp_mapping_parse(const char *text, size_t len, imp_mapping *m, char *err, size_t cap);
void imp_mapping_free(imp_mapping *m);

/* A header normalised: spaces (also U+3000 and line breaks), a leading "*", and
 * parenthesised parts (（万元）, (元), （个）…) taken out; *unit says 万元 / 元 found in it. */
void imp_header_norm(const char *h, char *out, size_t cap, int *unit);
/* The field a header names (the mapping first, then the built-in table); F_NONE. */
int imp_header_field(const imp_mapping *m, const char *header, int *unit);

typedef struct {
  size_t header;      /* index of the header row in the sheet's rows */
  int col[F_COUNT];   /* column of each field, or -1 */
  int unit;           /* UNIT_YUAN or UNIT_WAN, as resolved */
  const char *unit_from; /* "--unit", "表头/header", "标题/title" or "默认/default" */
} imp_layout;
/* Finds the header row among the first 30 rows: the first with at least three mapped
 * columns, one of them 资产名称. unit_opt is --unit (UNIT_NONE when not given): it wins,
 * then the value column's header, then a title row (单位：万元), then 元. 0 or -1. */
int imp_layout_find(const sheet *s, const imp_mapping *m, int unit_opt, imp_layout *L, char *err, size_t cap);

/* Amount text → fen. A thousands separator (, or ，), ¥/￥, a trailing 元 or 万元 (which
 * then sets the unit), spaces are allowed; "(12.00)" is negative. Digits below the fen are
 * refused, except in an XLSX number of 16 or more significant digits (binary floating
 * point noise, e.g. 12345.670000000001), which is rounded half up. */
typedef enum { V_OK, V_EMPTY, V_NOT_NUMBER, V_NEGATIVE, V_TOO_PRECISE, V_TOO_LARGE } imp_vres;
imp_vres imp_parse_fen(const char *text, bool numeric, int unit, int64_t *fen);
/* fen as yuan with two decimals ("-12.05"). */
void imp_fen_str(int64_t fen, char *out, size_t cap);

/* Dates: 2021-06-30, 2021/6/30, 2021.06.30, 2021年6月30日, 20210630, an Excel serial
 * (an XLSX number, or an integer 10000..2958465 in CSV), a trailing time of day; and the
 * months 2021年6月, 2021-06, 2021/6, 2021.06 (taken as the 1st: *month_only set). */
typedef enum { D_OK, D_EMPTY, D_BAD, D_IMPOSSIBLE } imp_dres;
imp_dres imp_parse_date(const char *text, bool numeric, char out[11], bool *month_only);

/* The places of the ledger (GET /v1/ledgers/{code}/places). */
typedef struct {
  char code[13];
  char *name;
  char *township_name; /* villages: their township's name, or NULL */
  bool village;
} imp_place;
typedef struct {
  imp_place *v;
  size_t n;
} imp_places;

typedef enum { R_GOOD, R_REFUSED, R_TOTAL, R_SUBTOTAL } imp_kind;

typedef struct {
  size_t rownum;   /* as the spreadsheet shows it */
  const char *seq; /* the sheet's 序号, "" when none */
  imp_kind kind;
  int col;         /* the column a refusal names (-1: none) */
  char reason_zh[512], reason_en[512];
  char note[512];  /* what the report says beside a good row (dates taken as the 1st…) */
  /* project */
  char project[72];
  const char *project_name, *project_type, *channel, *industry_dept, *impl_unit;
  int year;
  /* asset */
  char asset[72];
  bool asset_code_given;
  const char *name, *cls, *subtype, *form;
  char village[13];
  int64_t value_fen;
  char quantity[40];
  const char *unit;
  char completed_on[11], accepted_on[11];
  char *description; /* malloc'd */
  /* asset.rights, when owner is given */
  const char *owner, *owner_kind, *cert;
  char owner_id[72];
  char confirmed_on[11];
  /* asset.maintainer, when maintainer or mperson is given */
  const char *maintainer, *mperson, *duties, *fund_source;
  char mfrom[11];
  /* 合计 / 小计 */
  int64_t stated_fen, summed_fen;
  bool stated_ok;
} imp_row;

/* Turns every data row below the header into an imp_row: skips blank rows, marks 合计 and
 * 小计 rows (comparing their value with the sum of the rows they cover), checks each field,
 * finds the village (by code, else by name, among places), derives the project and asset
 * codes, and refuses a second row of the same asset. county: the 6-digit code; today: the
 * signer's date (YYYY-MM-DD, Asia/Shanghai), later dates are refused. *rows malloc'd. */
int imp_rows(const sheet *s, const imp_layout *L, const imp_places *P, const char *county, const char *today,
             imp_row **rows, size_t *n, char *err, size_t cap);
void imp_rows_free(imp_row *rows, size_t n);

/* Sets a refusal on r (column col, reason in both languages). */
void imp_refuse(imp_row *r, int col, const char *zh, const char *en);

/* Whether s is an identifier the ledger takes (1..64 printable ASCII, no space, none of
 * / ? # % \ "). */
bool imp_id_ok(const char *s);

/* "第 F 列（资产原值）" / "column F (资产原值)" of column col of the header. */
void imp_col_label(const sheet *s, const imp_layout *L, int col, char *zh, char *en, size_t cap);

#endif
