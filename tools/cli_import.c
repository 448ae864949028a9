/* aidreg import: a county's 台账 (CSV or XLSX) into its ledger (docs/import.md).
 *
 * The spreadsheet is read and mapped by tools/import/ (no network there); this file asks
 * the server for the county's places and for the projects and assets already in the
 * ledger, decides for each good row what is still to be recorded, signs, submits in
 * batches, and writes the report.
 *
 * Rerunning is the recovery: codes are derived from each row's content, so a rerun after
 * a kill -9 (or a second import of the same file) finds the projects and assets already
 * recorded, skips them, and records only what is missing, including an asset.rights or
 * asset.maintainer whose asset was recorded just before the kill. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sheet.h"
#include "table.h"

#define IMPORT_MAX_FILE ((size_t)256 << 20)
#define BATCH_MAX 1000
#define BATCH_BYTES ((size_t)7 << 20)

static const char *CMD = "import";

static const char import_help[] =
    "usage: aidreg import FILE --key KEYFILE [--server URL] [--ledger CODE] [--mapping FILE]\n"
    "                     [--sheet NAME] [--unit 元|万元] [--dry-run] [--report OUT.csv]\n"
    "\n"
    "导入县里的资产台账（CSV 或 XLSX）：每个项目登记一次（project.register），每个合格行\n"
    "登记资产（asset.register），填了产权主体、管护主体的行同时登记确权（asset.rights）和\n"
    "管护（asset.maintainer）。不合格的行写明行号、序号、列和原因，不提交；合格的行照常登记。\n"
    "Imports a county's asset ledger (CSV or XLSX): one project.register per project, an\n"
    "asset.register per good row, and asset.rights / asset.maintainer where the row names an\n"
    "owner or a maintainer. A bad row is named (row, 序号, column, reason) and nothing of it is\n"
    "submitted; good rows are registered all the same.\n"
    "\n"
    "  FILE             .csv (UTF-8 with or without BOM, or GB18030/GBK as Excel writes it) or .xlsx\n"
    "  --key FILE       签名用的县级密钥 / the county key that signs (not needed with --dry-run)\n"
    "  --server URL     服务器 / server (default: AIDREG_URL)\n"
    "  --ledger CODE    县级区划代码 / county code (default: AIDREG_LEDGER)\n"
    "  --mapping FILE   表头对照表，每行“表头 = 字段” / header mapping, lines \"header = field\"\n"
    "  --sheet NAME     XLSX 的工作表名 / the XLSX sheet (default: the first)\n"
    "  --unit 元|万元   金额单位（优先于表头和标题） / money unit (wins over headers and titles)\n"
    "  --dry-run        只检查、写报告，不签名不提交 / check and report; sign and submit nothing\n"
    "  --report FILE    逐行结果（CSV，带 BOM，Excel 可直接打开） / per-row report (CSV with BOM)\n"
    "  --origin ORIGIN  the ledger's origin (default: AIDREG_ORIGIN or GET /v1/ledgers)\n"
    "  --time T         签名时间（RFC 3339 UTC，如补录旧台账）/ the events' time (2024-01-08T01:00:00Z),\n"
    "                   for a 台账 recorded back then (the demo); default now\n"
    "\n"
    "再次导入同一文件不会重复登记；中途被中断（包括 kill -9）后重新运行即可补齐。\n"
    "Importing the same file again registers nothing twice; after an interruption (kill -9\n"
    "included) run it again and it records what is missing.\n"
    "Exit status: 0 every row registered (or already there), 1 some row refused or a\n"
    "submission failed, 2 usage error.\n";

/* ---------------------------------------------------------------- what the ledger has */

typedef struct {
  char *id, *name, *village;
  int64_t value_fen;
  bool owners, maintainer;
} have_asset;

typedef struct {
  have_asset *a;
  size_t n, cap;
  char **projects;
  size_t np, pcap;
} ledger_state;

static int cmp_asset(const void *x, const void *y) {
  return strcmp(((const have_asset *)x)->id, ((const have_asset *)y)->id);
}
static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

/* Assets by content (value, name, village): the same asset under another code. */
static int cmp_content(const void *x, const void *y) {
  const have_asset *a = *(have_asset *const *)x, *b = *(have_asset *const *)y;
  if (a->value_fen != b->value_fen) return a->value_fen < b->value_fen ? -1 : 1;
  int c = strcmp(a->name, b->name);
  return c ? c : strcmp(a->village, b->village);
}

static have_asset *find_asset(ledger_state *L, const char *id) {
  have_asset k = {.id = (char *)id};
  return L->n ? bsearch(&k, L->a, L->n, sizeof *L->a, cmp_asset) : NULL;
}
static bool has_project(const ledger_state *L, const char *id) {
  return L->np && bsearch(&id, L->projects, L->np, sizeof *L->projects, cmp_str);
}

static void state_free(ledger_state *L) {
  for (size_t i = 0; i < L->n; i++) free(L->a[i].id), free(L->a[i].name), free(L->a[i].village);
  for (size_t i = 0; i < L->np; i++) free(L->projects[i]);
  free(L->a);
  free(L->projects);
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

/* Every page of GET path?from=N&limit=1000; calls each(item) for every item. */
static int read_pages(cli_server *s, const char *path, int (*each)(ledger_state *, json_t *), ledger_state *L) {
  size_t from = 0;
  for (;;) {
    char p[256];
    snprintf(p, sizeof p, "%s?from=%zu&limit=1000", path, from);
    json_t *v = cli_get_json(s, p);
    if (!v) return -1;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(v, "items"), i, it) if (each(L, it) != 0) {
      json_decref(v);
      return -1;
    }
    json_t *next = json_object_get(v, "next");
    bool more = json_is_integer(next);
    if (more) from = (size_t)json_integer_value(next);
    json_decref(v);
    if (!more) return 0;
  }
}

static int add_asset(ledger_state *L, json_t *it) {
  if (L->n == L->cap) {
    size_t nc = L->cap ? L->cap * 2 : 1024;
    have_asset *na = realloc(L->a, nc * sizeof *na);
    if (!na) return -1;
    L->a = na;
    L->cap = nc;
  }
  have_asset *a = &L->a[L->n];
  a->id = dup_or_empty(json_string_value(json_object_get(it, "id")));
  a->name = dup_or_empty(json_string_value(json_object_get(it, "name")));
  a->village = dup_or_empty(json_string_value(json_object_get(it, "village")));
  a->value_fen = json_integer_value(json_object_get(it, "original_value_fen"));
  json_t *ow = json_object_get(it, "owners");
  a->owners = json_is_array(ow) && json_array_size(ow) > 0;
  json_t *m = json_object_get(it, "maintainer");
  a->maintainer = m && !json_is_null(m);
  if (!a->id || !a->name || !a->village) return -1;
  L->n++;
  return 0;
}

static int add_project(ledger_state *L, json_t *it) {
  if (L->np == L->pcap) {
    size_t nc = L->pcap ? L->pcap * 2 : 256;
    char **np = realloc(L->projects, nc * sizeof *np);
    if (!np) return -1;
    L->projects = np;
    L->pcap = nc;
  }
  if (!(L->projects[L->np] = dup_or_empty(json_string_value(json_object_get(it, "id"))))) return -1;
  L->np++;
  return 0;
}

static int read_places(cli_server *s, const char *code, imp_places *P) {
  char p[96];
  snprintf(p, sizeof p, "/v1/ledgers/%s/places", code);
  json_t *v = cli_get_json(s, p);
  if (!v) return -1;
  json_t *items = json_object_get(v, "items");
  P->v = calloc(json_array_size(items) + 1, sizeof *P->v);
  if (!P->v) {
    json_decref(v);
    return -1;
  }
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it) {
    imp_place *pl = &P->v[P->n];
    const char *c = json_string_value(json_object_get(it, "code"));
    const char *name = json_string_value(json_object_get(it, "name"));
    const char *tn = json_string_value(json_object_get(it, "township_name"));
    if (!c || !name || strlen(c) >= sizeof pl->code) continue;
    snprintf(pl->code, sizeof pl->code, "%s", c);
    pl->village = strlen(c) == 12;
    pl->name = strdup(name);
    pl->township_name = tn ? strdup(tn) : NULL;
    P->n++;
  }
  json_decref(v);
  return 0;
}

static void places_free(imp_places *P) {
  for (size_t i = 0; i < P->n; i++) free(P->v[i].name), free(P->v[i].township_name);
  free(P->v);
}

/* ---------------------------------------------------------------- outcomes */

typedef enum {
  O_NEW,      /* to register (dry run: would register) */
  O_DONE,     /* registered by this run */
  O_ALREADY,  /* already in the ledger from an earlier import: nothing to do */
  O_FILLED,   /* already registered; this run added its rights or maintainer */
  O_REFUSED,
  O_PARTIAL,  /* the asset went in, its rights or maintainer were refused */
  O_TOTAL,
  O_UNSENT    /* the run stopped before this row was submitted */
} outcome;

typedef struct {
  imp_row *r;
  outcome o;
  bool need_asset, need_rights, need_maint;
  bool project_signed; /* its project's registration is signed in this run */
  const char *project_env; /* non-NULL: this row carries its project's registration */
} plan_row;

/* The rows that register an asset, by project code and then row order: a project's rows are
 * one run, found by binary search (a linear scan per project was quadratic: 10,000 projects
 * of 100,000 rows spent the import's time in strcmp). */
static int cmp_by_project(const void *x, const void *y) {
  const plan_row *a = *(plan_row *const *)x, *b = *(plan_row *const *)y;
  int c = strcmp(a->r->project, b->r->project);
  return c ? c : (a < b ? -1 : a > b);
}

/* [*lo, *hi) of by (sorted by cmp_by_project) whose project is project. */
static void project_rows(plan_row **by, size_t n, const char *project, size_t *lo, size_t *hi) {
  size_t a = 0, b = n;
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (strcmp(by[m]->r->project, project) < 0) a = m + 1;
    else b = m;
  }
  *lo = a;
  while (b < n && strcmp(by[b]->r->project, project) == 0) b++;
  *hi = b;
}

static const char *outcome_text(outcome o, bool dry) {
  switch (o) {
    case O_NEW: return dry ? "将登记 / would register" : "未提交 / not submitted";
    case O_DONE: return "已登记 / registered";
    case O_ALREADY: return "此前已登记 / already registered";
    case O_FILLED: return "补登确权或管护 / completed";
    case O_REFUSED: return "拒绝 / refused";
    case O_PARTIAL: return "部分登记 / partly registered";
    case O_TOTAL: return "合计行 / total row";
    case O_UNSENT: return "未提交 / not submitted";
  }
  return "";
}

/* ---------------------------------------------------------------- events */

static json_t *project_body(plan_row **by, size_t n, const char *project) {
  /* Every good row of the project in this run: funding by channel and year, villages. */
  json_t *lines = json_array(), *locs = json_array();
  const imp_row *first = NULL;
  char accepted[11] = "";
  const char *dept = "", *unit = "";
  size_t lo, hi;
  project_rows(by, n, project, &lo, &hi);
  for (size_t i = lo; i < hi; i++) {
    const imp_row *r = by[i]->r;
    if (!first) first = r;
    if (!*dept && *r->industry_dept) dept = r->industry_dept;
    if (!*unit && *r->impl_unit) unit = r->impl_unit;
    if (strcmp(r->accepted_on, accepted) > 0) snprintf(accepted, sizeof accepted, "%s", r->accepted_on);
    /* A cell naming several channels (the 总台账 export writes a project's channels as
     * "衔接资金、地方政府债券") gives each a line; the row's value is split evenly over them
     * (the last takes the remainder), since the sheet does not say how it was shared. */
    char chans[8][256];
    size_t nch = 0;
    for (const char *c = *r->channel ? r->channel : "未注明 / unspecified"; *c && nch < 8;) {
      const char *e = strstr(c, "、");
      size_t len = e ? (size_t)(e - c) : strlen(c);
      if (len && len < sizeof chans[0]) snprintf(chans[nch++], sizeof chans[0], "%.*s", (int)len, c);
      c += len + (e ? strlen("、") : 0);
    }
    if (nch == 0) snprintf(chans[nch++], sizeof chans[0], "%s", r->channel);
    bool found = false;
    for (size_t h = 0; h < nch; h++) {
      const char *ch = chans[h];
      int64_t part = h + 1 < nch ? r->value_fen / (int64_t)nch : r->value_fen - (r->value_fen / (int64_t)nch) * (int64_t)(nch - 1);
      size_t k;
      json_t *l;
      found = false;
      json_array_foreach(lines, k, l) {
        if (strcmp(json_string_value(json_object_get(l, "channel")), ch) == 0 &&
            json_integer_value(json_object_get(l, "year")) == r->year) {
          json_object_set_new(l, "amount_fen", json_integer(json_integer_value(json_object_get(l, "amount_fen")) + part));
          found = true;
          break;
        }
      }
      if (!found) json_array_append_new(lines, json_pack("{s:s, s:i, s:I}", "channel", ch, "year", r->year, "amount_fen", (json_int_t)part));
    }
    size_t k;
    json_t *l;
    found = false;
    json_array_foreach(locs, k, l) if (strcmp(json_string_value(l), r->village) == 0) found = true;
    if (!found) json_array_append_new(locs, json_string(r->village));
  }
  if (!first) {
    json_decref(lines);
    json_decref(locs);
    return NULL;
  }
  json_t *b = json_pack("{s:s, s:s, s:i, s:o, s:o, s:s, s:s}", "name", first->project_name, "type", first->project_type,
                        "year", first->year, "funding_lines", lines, "locations", locs, "industry_dept", dept,
                        "implementing_unit", unit);
  if (b && accepted[0]) json_object_set_new(b, "accepted_on", json_string(accepted));
  return b;
}

static json_t *quantity_json(const char *q) {
  if (!strchr(q, '.')) return json_integer((json_int_t)strtoll(q, NULL, 10));
  return json_real(strtod(q, NULL)); /* a count or a length, never money */
}

static json_t *asset_body(const imp_row *r) {
  json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:s, s:s, s:s}", "project", r->project, "name", r->name,
                        "class", r->cls, "subtype", r->subtype, "form", r->form, "village", r->village,
                        "original_value_fen", (json_int_t)r->value_fen, "quantity", quantity_json(r->quantity), "unit",
                        r->unit, "completed_on", r->completed_on, "accepted_on", r->accepted_on);
  if (b && r->description && *r->description) json_object_set_new(b, "description", json_string(r->description));
  return b;
}

static json_t *rights_body(const imp_row *r) {
  json_t *b = json_pack("{s:[{s:s, s:s, s:s, s:i}], s:s}", "owners", "kind", r->owner_kind, "id", r->owner_id, "name",
                        r->owner, "share_bp", 10000, "confirmed_on", r->confirmed_on);
  if (b && *r->cert) json_object_set_new(b, "certificate_no", json_string(r->cert));
  return b;
}

static json_t *maint_body(const imp_row *r) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s}", "body", *r->maintainer ? r->maintainer : r->mperson, "person", r->mperson,
                   "duties", r->duties, "fund_source", r->fund_source, "from", r->mfrom);
}

/* ---------------------------------------------------------------- submission */

typedef struct {
  char *env;   /* compact envelope */
  size_t row;  /* plan row index */
  char kind;   /* 'p' project, 'a' asset, 'r' rights, 'm' maintainer */
} env_item;

typedef struct {
  cli_server *s;
  const char *ledger, *origin;
  aidreg_keypair *kp;
  char now[40];
} signer;

static char *sign_event(signer *g, const char *type, const char *subject, json_t *body) {
  if (!body) return NULL;
  size_t plen;
  char *payload = cli_build_payload(CMD, g->origin, type, subject, g->now, NULL, body, &plen);
  json_decref(body);
  if (!payload) return NULL;
  char *compact = NULL;
  json_t *env = cli_sign_envelope(CMD, payload, plen, g->kp, 1, &compact);
  free(payload);
  json_decref(env);
  return compact;
}

static void problem_reason(json_t *res, char *zh, char *en, size_t cap) {
  json_t *pb = json_object_get(res, "problem");
  const char *title = json_string_value(json_object_get(pb, "title"));
  const char *detail = json_string_value(json_object_get(pb, "detail"));
  const char *type = json_string_value(json_object_get(pb, "type"));
  snprintf(zh, cap, "服务器拒绝：%s", detail ? detail : title ? title : "");
  snprintf(en, cap, "refused by the server (%s): %s", type ? type : "", title ? title : "");
}

/* Posts one batch; marks each row by its envelopes' results. -1 when no answer came. */
static int post_batch(signer *g, plan_row *rows, env_item *items, size_t n) {
  size_t len = 16;
  for (size_t i = 0; i < n; i++) len += strlen(items[i].env) + 1;
  char *body = malloc(len + 16);
  if (!body) return -1;
  size_t o = (size_t)sprintf(body, "{\"envelopes\":[");
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(items[i].env);
    if (i) body[o++] = ',';
    memcpy(body + o, items[i].env, l);
    o += l;
  }
  o += (size_t)sprintf(body + o, "]}");
  char path[64];
  snprintf(path, sizeof path, "/v1/ledgers/%s/entries", g->ledger);
  aidreg_http_response r;
  json_t *ans = NULL, *results = NULL;
  /* A batch the server could not take now (429 rate limit, 503 database) is sent again
   * after a pause: submission is idempotent by payload, so what was stored comes back as a
   * replay with its receipt. Permanent refusals are the rows' own. */
  for (unsigned attempt = 0;; attempt++) {
    int rc = cli_post(g->s, path, body, o, NULL, &r);
    if (rc != 0) {
      free(body);
      return -1;
    }
    ans = r.body ? json_loadb((char *)r.body, r.len, 0, NULL) : NULL;
    results = json_object_get(ans, "results");
    bool again = r.status == 429 || r.status == 503;
    for (size_t i = 0; !again && json_is_array(results) && i < json_array_size(results); i++) {
      json_int_t st = json_integer_value(json_object_get(json_array_get(results, i), "status"));
      again = st == 429 || st == 503;
    }
    if (!again || attempt >= 6) break;
    json_decref(ans);
    aidreg_http_response_free(&r);
    cli_err(CMD, "服务器暂时无法接收，%u 秒后重试 / the server cannot take the batch now; retrying in %u s",
            1u << attempt, 1u << attempt);
    sleep(1u << attempt);
  }
  free(body);
  if (r.status != 200 || !json_is_array(results) || json_array_size(results) != n) {
    const char *detail = json_string_value(json_object_get(ans, "detail"));
    cli_err(CMD, "一批 %zu 个信封被整体拒绝 / a batch of %zu envelopes was refused (HTTP %ld)%s%s", n, n, r.status, detail ? ": " : "", detail ? detail : "");
    json_decref(ans);
    aidreg_http_response_free(&r);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    json_t *res = json_array_get(results, i);
    json_int_t st = json_integer_value(json_object_get(res, "status"));
    plan_row *p = &rows[items[i].row];
    bool ok = st == 200 || st == 201;
    if (p->o == O_NEW) p->o = p->need_asset ? O_DONE : O_FILLED;
    if (!ok) {
      char zh[512], en[512];
      problem_reason(res, zh, en, sizeof zh);
      if (items[i].kind == 'p' || items[i].kind == 'a' || p->o == O_REFUSED) {
        p->o = O_REFUSED;
      } else if (p->o != O_REFUSED) {
        p->o = p->need_asset ? O_PARTIAL : O_REFUSED;
      }
      if (!p->r->reason_zh[0]) imp_refuse(p->r, -1, zh, en), p->r->kind = R_GOOD;
    }
  }
  json_decref(ans);
  aidreg_http_response_free(&r);
  return 0;
}

static long long ms_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- the report */

static void csv_field(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static int write_report(const char *path, const sheet *sh, const imp_layout *Lay, plan_row *rows, size_t n, bool dry) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return -1;
  fputs("\xEF\xBB\xBF", f);
  fputs("行号 row,序号 no.,结果 outcome,资产编号 asset code,项目编号 project code,资产名称 asset name,"
        "资产原值（元） value (yuan),列 column,原因 reason,reason (English),说明 note\r\n",
        f);
  for (size_t i = 0; i < n; i++) {
    const imp_row *r = rows[i].r;
    char num[32], val[40] = "", colzh[256], colen[256];
    snprintf(num, sizeof num, "%zu", r->rownum);
    fputs(num, f);
    fputc(',', f);
    csv_field(f, r->seq);
    fputc(',', f);
    csv_field(f, dry && rows[i].o == O_NEW && !rows[i].need_asset ? "将补登确权或管护 / would complete"
                                                                   : outcome_text(rows[i].o, dry));
    fputc(',', f);
    bool has_codes = r->kind != R_TOTAL && r->kind != R_SUBTOTAL && r->asset[0];
    csv_field(f, has_codes ? r->asset : "");
    fputc(',', f);
    csv_field(f, has_codes ? r->project : "");
    fputc(',', f);
    csv_field(f, r->name ? r->name : "");
    fputc(',', f);
    if (r->kind == R_TOTAL || r->kind == R_SUBTOTAL) {
      if (r->stated_ok) imp_fen_str(r->stated_fen, val, sizeof val);
    } else if (r->asset[0]) {
      imp_fen_str(r->value_fen, val, sizeof val);
    }
    csv_field(f, val);
    fputc(',', f);
    imp_col_label(sh, Lay, r->col, colzh, colen, sizeof colzh);
    csv_field(f, colzh);
    fputc(',', f);
    csv_field(f, r->reason_zh);
    fputc(',', f);
    csv_field(f, r->reason_en);
    fputc(',', f);
    csv_field(f, r->note);
    fputs("\r\n", f);
  }
  fclose(f);
  int rc = cli_write_file(CMD, path, buf, len, 0644);
  free(buf);
  return rc;
}

/* ---------------------------------------------------------------- the command */

static void shanghai_today(char out[11]) {
  time_t t = time(NULL) + 8 * 3600;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

int cli_import(int argc, char **argv) {
  static const struct option lo[] = {{"key", required_argument, NULL, 'k'},
                                     {"server", required_argument, NULL, 'S'},
                                     {"ledger", required_argument, NULL, 'l'},
                                     {"mapping", required_argument, NULL, 'm'},
                                     {"sheet", required_argument, NULL, 's'},
                                     {"unit", required_argument, NULL, 'u'},
                                     {"dry-run", no_argument, NULL, 'n'},
                                     {"report", required_argument, NULL, 'r'},
                                     {"origin", required_argument, NULL, 'o'},
                                     {"time", required_argument, NULL, 'T'},
                                     {"help", no_argument, NULL, 'h'},
                                     {0}};
  const char *key = NULL, *server = NULL, *ledger = NULL, *mapping = NULL, *sheet_name = NULL, *unit_s = NULL,
             *report = NULL, *origin_opt = NULL, *at = NULL;
  bool dry = false;
  cli_opts o = {.cmd = CMD, .help = import_help, .lo = lo, .operands = true};
  int c;
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'k': key = optarg; break;
      case 'S': server = optarg; break;
      case 'l': ledger = optarg; break;
      case 'm': mapping = optarg; break;
      case 's': sheet_name = optarg; break;
      case 'u': unit_s = optarg; break;
      case 'n': dry = true; break;
      case 'r': report = optarg; break;
      case 'o': origin_opt = optarg; break;
      case 'T': at = optarg; break;
    }
  }
  if (c < 0) return o.status;
  if (at && !(strlen(at) == 20 && at[4] == '-' && at[7] == '-' && at[10] == 'T' && at[13] == ':' && at[16] == ':' &&
              at[19] == 'Z' && strspn(at, "0123456789-T:Z") == 20))
    return cli_usage(CMD, "--time 应形如 2024-01-08T01:00:00Z / --time takes an RFC 3339 UTC time such as 2024-01-08T01:00:00Z");
  if (argc - optind != 1) return cli_usage(CMD, "请给出一个台账文件（.csv 或 .xlsx） / name one spreadsheet file (.csv or .xlsx)");
  const char *file = argv[optind];
  server = cli_default(server, "AIDREG_URL");
  ledger = cli_default(ledger, "AIDREG_LEDGER");
  if (!server) return cli_usage(CMD, "缺少 --server（或设置 AIDREG_URL） / --server URL is required (or set AIDREG_URL)");
  if (!ledger) return cli_usage(CMD, "缺少 --ledger（或设置 AIDREG_LEDGER） / --ledger CODE is required (or set AIDREG_LEDGER)");
  if (!cli_is_county(ledger)) return cli_usage(CMD, "--ledger 应为 6 位县级区划代码 / --ledger must be a 6-digit county code");
  if (!dry && !key) return cli_usage(CMD, "缺少 --key（签名用的县级密钥），或用 --dry-run 只检查 / --key KEYFILE is required (the county key that signs), or use --dry-run");
  int unit = UNIT_NONE;
  if (unit_s) {
    if (!strcmp(unit_s, "元") || !strcmp(unit_s, "yuan")) unit = UNIT_YUAN;
    else if (!strcmp(unit_s, "万元") || !strcmp(unit_s, "wan")) unit = UNIT_WAN;
    else return cli_usage(CMD, "--unit 只能是 元 或 万元 / --unit must be 元 or 万元");
  }

  int rc = CLI_FAIL;
  char err[1024] = "";
  size_t flen = 0;
  sheet sh = {0};
  imp_mapping map = {0};
  imp_places places = {0};
  ledger_state have = {0};
  imp_row *rows = NULL;
  size_t nrows = 0;
  plan_row *plan = NULL;
  have_asset **by_content = NULL;
  env_item *items = NULL;
  size_t nitems = 0;
  aidreg_keypair kp;
  bool have_key = false;
  cli_server srv = {0};
  bool srv_open = false;
  uint8_t *data = (uint8_t *)cli_read_file(CMD, file, IMPORT_MAX_FILE, &flen);
  if (!data) return CLI_FAIL;
  if (mapping) {
    size_t ml;
    char *mt = cli_read_file(CMD, mapping, 1 << 20, &ml);
    if (!mt) goto out;
    int mr = imp_mapping_parse(mt, ml, &map, err, sizeof err);
    free(mt);
    if (mr != 0) {
      cli_err(CMD, "%s: %s", mapping, err);
      goto out;
    }
  }
  if (sheet_read(data, flen, sheet_name, &sh, err, sizeof err) != 0) {
    cli_err(CMD, "%s: %s", file, err);
    goto out;
  }
  imp_layout lay;
  if (imp_layout_find(&sh, &map, unit, &lay, err, sizeof err) != 0) {
    cli_err(CMD, "%s: %s", file, err);
    goto out;
  }
  if (key && !dry) {
    char *kpath = (char *)key;
    if (cli_load_keys(CMD, &kpath, 1, &kp) != 0) goto out;
    have_key = true;
  }
  if (cli_server_open(&srv, CMD, server) != 0) goto out;
  srv_open = true;
  char origin[256];
  const char *env_origin = getenv("AIDREG_ORIGIN"), *env_ledger = getenv("AIDREG_LEDGER");
  if (origin_opt) snprintf(origin, sizeof origin, "%s", origin_opt);
  else if (env_origin && *env_origin && (!env_ledger || strcmp(env_ledger, ledger) == 0))
    snprintf(origin, sizeof origin, "%s", env_origin);
  else if (cli_lookup_origin(&srv, ledger, origin, sizeof origin) != 0)
    goto out;
  if (read_places(&srv, ledger, &places) != 0) goto out;
  char path[96];
  snprintf(path, sizeof path, "/v1/ledgers/%s/assets", ledger);
  if (read_pages(&srv, path, add_asset, &have) != 0) goto out;
  snprintf(path, sizeof path, "/v1/ledgers/%s/projects", ledger);
  if (read_pages(&srv, path, add_project, &have) != 0) goto out;
  /* qsort of nothing still needs a pointer (C11 7.22.5): an empty ledger has none. */
  if (have.n) qsort(have.a, have.n, sizeof *have.a, cmp_asset);
  if (have.np) qsort(have.projects, have.np, sizeof *have.projects, cmp_str);
  by_content = calloc(have.n + 1, sizeof *by_content);
  if (!by_content) goto out;
  for (size_t i = 0; i < have.n; i++) by_content[i] = &have.a[i];
  qsort(by_content, have.n, sizeof *by_content, cmp_content);

  char today[11];
  shanghai_today(today);
  if (imp_rows(&sh, &lay, &places, ledger, today, &rows, &nrows, err, sizeof err) != 0) {
    cli_err(CMD, "%s", err);
    goto out;
  }
  fprintf(stderr, "%s: %s（%s%s%s），表头在第 %zu 行 / header at row %zu，金额单位 / unit %s（%s）\n", CMD, file,
          sh.encoding, sh.name[0] ? "，工作表 " : "", sh.name, sh.rows[lay.header].rownum, sh.rows[lay.header].rownum,
          lay.unit == UNIT_WAN ? "万元" : "元", lay.unit_from);

  /* What is still to be recorded, row by row. */
  plan = calloc(nrows ? nrows : 1, sizeof *plan);
  if (!plan) goto out;
  for (size_t i = 0; i < nrows; i++) {
    imp_row *r = &rows[i];
    plan_row *p = &plan[i];
    p->r = r;
    if (r->kind == R_TOTAL || r->kind == R_SUBTOTAL) {
      p->o = O_TOTAL;
      continue;
    }
    if (r->kind == R_REFUSED) {
      p->o = O_REFUSED;
      continue;
    }
    have_asset *h = find_asset(&have, r->asset);
    if (h) {
      if (strcmp(h->name, r->name) != 0 || strcmp(h->village, r->village) != 0 || h->value_fen != r->value_fen) {
        char z[512], e[512];
        snprintf(z, sizeof z, "资产编号 %s 已在台账中，登记的是另一资产（%s，%s）", r->asset, h->name, h->village);
        snprintf(e, sizeof e, "asset code %s is already in the ledger for another asset (%s, %s)", r->asset, h->name,
                 h->village);
        imp_refuse(r, r->asset_code_given ? lay.col[F_ASSET_CODE] : -1, z, e);
        p->o = O_REFUSED;
        continue;
      }
      p->need_rights = *r->owner && !h->owners;
      p->need_maint = (*r->maintainer || *r->mperson) && !h->maintainer;
      p->o = p->need_rights || p->need_maint ? O_NEW : O_ALREADY;
      continue;
    }
    /* The same asset under another code (registered by hand, or by another file). */
    have_asset key = {.name = (char *)r->name, .village = r->village, .value_fen = r->value_fen};
    have_asset **hit = have.n ? bsearch(&(have_asset *){&key}, by_content, have.n, sizeof *by_content, cmp_content) : NULL;
    if (hit) {
      char z[512], e[512];
      snprintf(z, sizeof z, "台账中已有同一资产（编号 %s：同名、同村、同原值），不重复登记", (*hit)->id);
      snprintf(e, sizeof e, "the ledger already holds this asset (code %s: same name, village and value)", (*hit)->id);
      imp_refuse(r, lay.col[F_ASSET_NAME], z, e);
      p->o = O_REFUSED;
    }
    if (p->o == O_REFUSED) continue;
    p->o = O_NEW;
    p->need_asset = true;
    p->need_rights = *r->owner != 0;
    p->need_maint = *r->maintainer || *r->mperson;
  }

  size_t todo = 0;
  for (size_t i = 0; i < nrows; i++) todo += plan[i].o == O_NEW;
  if (!dry && todo > 0) {
    signer g = {.s = &srv, .ledger = ledger, .origin = origin, .kp = &kp};
    items = calloc(4 * todo + 1, sizeof *items);
    if (!items) goto out;
    /* Projects not yet in the ledger, registered before their first asset. */
    plan_row **by_project = calloc(todo + 1, sizeof *by_project);
    size_t nby = 0;
    if (!by_project) goto out;
    for (size_t i = 0; i < nrows; i++)
      if (plan[i].o == O_NEW && plan[i].need_asset) by_project[nby++] = &plan[i];
    qsort(by_project, nby, sizeof *by_project, cmp_by_project);
    long long t0 = ms_now();
    bool tty = isatty(2);
    size_t rows_done = 0, next = 0;
    int failed = 0;
    while (next < nrows && !failed) {
      /* Build one batch of at most BATCH_MAX envelopes, whole rows only. */
      if (at) snprintf(g.now, sizeof g.now, "%s", at);
      else cli_now(g.now, sizeof g.now);
      nitems = 0;
      size_t bytes = 0, batch_rows = 0;
      while (next < nrows) {
        plan_row *p = &plan[next];
        if (p->o != O_NEW) {
          next++;
          continue;
        }
        const imp_row *r = p->r;
        bool need_project = false;
        if (p->need_asset && !has_project(&have, r->project)) need_project = !p->project_signed;
        size_t want = (size_t)need_project + p->need_asset + p->need_rights + p->need_maint;
        if (nitems + want > BATCH_MAX || (bytes > BATCH_BYTES && nitems > 0)) break;
        size_t first = nitems;
        if (need_project) {
          items[nitems] = (env_item){sign_event(&g, "project.register", r->project, project_body(by_project, nby, r->project)),
                                     next, 'p'};
          if (!items[nitems].env) goto sign_failed;
          nitems++;
          size_t lo, hi;
          project_rows(by_project, nby, r->project, &lo, &hi);
          for (size_t k = lo; k < hi; k++) by_project[k]->project_signed = true;
        }
        if (p->need_asset) {
          items[nitems] = (env_item){sign_event(&g, "asset.register", r->asset, asset_body(r)), next, 'a'};
          if (!items[nitems].env) goto sign_failed;
          nitems++;
        }
        if (p->need_rights) {
          items[nitems] = (env_item){sign_event(&g, "asset.rights", r->asset, rights_body(r)), next, 'r'};
          if (!items[nitems].env) goto sign_failed;
          nitems++;
        }
        if (p->need_maint) {
          items[nitems] = (env_item){sign_event(&g, "asset.maintainer", r->asset, maint_body(r)), next, 'm'};
          if (!items[nitems].env) goto sign_failed;
          nitems++;
        }
        for (size_t k = first; k < nitems; k++) bytes += strlen(items[k].env);
        batch_rows++;
        next++;
        continue;
      sign_failed:
        /* The event would be refused locally (cli_build_payload said why on stderr). */
        for (size_t k = first; k < nitems; k++) free(items[k].env);
        nitems = first;
        imp_refuse(p->r, -1, "无法生成事件（见错误输出）", "the event cannot be built (see the error output)");
        p->o = O_REFUSED;
        next++;
      }
      if (nitems == 0) continue;
      if (post_batch(&g, plan, items, nitems) != 0) failed = 1;
      for (size_t k = 0; k < nitems; k++) free(items[k].env);
      rows_done += batch_rows;
      if (tty) {
        long long el = ms_now() - t0;
        long long rate = el > 0 ? (long long)rows_done * 1000 / el : 0;
        long long left = rate > 0 ? (long long)(todo - rows_done) / rate : 0;
        fprintf(stderr, "\r已处理 %zu/%zu 行 rows，%lld 行/秒 rows/s，约剩 %lld 秒 s left   ", rows_done, todo, rate, left);
      }
    }
    if (tty) fputc('\n', stderr);
    free(by_project);
    if (failed) cli_err(CMD, "提交中断，重新运行即可补齐 / submission stopped: run the import again to complete it");
    long long el = ms_now() - t0;
    if (el > 0 && rows_done)
      fprintf(stderr, "%s: %zu 行 rows in %lld.%03lld s (%lld 行/秒 rows/s)\n", CMD, rows_done, el / 1000, el % 1000,
              (long long)rows_done * 1000 / el);
    for (size_t i = 0; i < nrows; i++)
      if (plan[i].o == O_NEW) plan[i].o = O_UNSENT;
  }

  /* Counts. */
  size_t n_new = 0, n_done = 0, n_already = 0, n_filled = 0, n_ref = 0, n_part = 0, n_tot = 0, n_unsent = 0;
  for (size_t i = 0; i < nrows; i++) switch (plan[i].o) {
      case O_NEW:
        if (plan[i].need_asset) n_new++;
        else n_filled++;
        break;
      case O_DONE: n_done++; break;
      case O_ALREADY: n_already++; break;
      case O_FILLED: n_filled++; break;
      case O_REFUSED: n_ref++; break;
      case O_PARTIAL: n_part++; break;
      case O_TOTAL: n_tot++; break;
      case O_UNSENT: n_unsent++; break;
    }
  printf("数据行 rows: %zu\n", nrows - n_tot);
  if (dry) printf("将登记 would register: %zu\n", n_new);
  else printf("已登记 registered: %zu\n", n_done);
  printf("此前已登记 already registered: %zu\n", n_already);
  if (n_filled || !dry) printf("%s: %zu\n", dry ? "将补登确权或管护 would complete" : "补登确权或管护 completed", n_filled);
  printf("拒绝 refused: %zu\n", n_ref);
  if (n_part) printf("部分登记 partly registered: %zu\n", n_part);
  if (n_unsent) printf("未提交 not submitted: %zu\n", n_unsent);
  printf("合计/小计行 total rows: %zu\n", n_tot);
  for (size_t i = 0; i < nrows; i++)
    if (plan[i].o == O_TOTAL) printf("第 %zu 行 row %zu: %s\n", rows[i].rownum, rows[i].rownum, rows[i].note);
  for (size_t i = 0; i < nrows && n_ref + n_part <= 50; i++)
    if (plan[i].o == O_REFUSED || plan[i].o == O_PARTIAL) {
      char cz[256], ce[256];
      imp_col_label(&sh, &lay, rows[i].col, cz, ce, sizeof cz);
      fprintf(stderr, "第 %zu 行%s%s%s %s：%s / row %zu%s%s: %s\n", rows[i].rownum, rows[i].seq[0] ? "（序号 " : "",
              rows[i].seq, rows[i].seq[0] ? "）" : "", cz, rows[i].reason_zh, rows[i].rownum, ce[0] ? ", " : "", ce,
              rows[i].reason_en);
    }
  if (report) {
    if (write_report(report, &sh, &lay, plan, nrows, dry) != 0) goto out;
    fprintf(stderr, "%s: 报告 report: %s\n", CMD, report);
  }
  rc = n_ref || n_part || n_unsent ? CLI_FAIL : CLI_OK;
out:
  if (have_key) aidreg_key_wipe(&kp);
  if (srv_open) cli_server_close(&srv);
  free(items);
  free(plan);
  free(by_content);
  imp_rows_free(rows, nrows);
  state_free(&have);
  places_free(&places);
  imp_mapping_free(&map);
  sheet_free(&sh);
  free(data);
  return rc;
}
