/* The commands for people: aidreg assets | asset ID | plans | plan ID | places | keys |
 * incomes | summary. Each reads the server's state API (docs/api.md "Current state") and
 * prints an aligned table with Chinese labels and amounts in yuan, or with --json what the
 * server answered (a list's pages merged into one {"items", "total"}). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/state.h"
#include "cli.h"
#include "cli_tables.h"

enum {
  O_SERVER = 1 << 0,
  O_LEDGER = 1 << 1,
  O_JSON = 1 << 2,
  O_VILLAGE = 1 << 3,
  O_TOWNSHIP = 1 << 4,
  O_YEAR = 1 << 5,
  O_ASSET = 1 << 6,
};

typedef struct {
  const char *server, *ledger, *village, *township, *year, *asset, *id;
  bool json;
} opts;

#define COMMON_HELP                                                                        \
  "  --server URL      the server (default: AIDREG_URL)\n"                                  \
  "  --ledger CODE     the county's ledger (default: AIDREG_LEDGER)\n"                      \
  "  --json            print the server's JSON instead of a table\n"                        \
  "  --help            this text\n"

/* Parses argv for the options in allowed (and one operand ID when want_id). -1 when the
 * command must return *status now. */
static int parse(const char *cmd, const char *help, unsigned allowed, bool want_id, int argc, char **argv, opts *o,
                 int *status) {
  static const struct option lo[] = {
      {"server", required_argument, NULL, 's'},   {"ledger", required_argument, NULL, 'l'},
      {"json", no_argument, NULL, 'j'},           {"village", required_argument, NULL, 'v'},
      {"township", required_argument, NULL, 't'}, {"year", required_argument, NULL, 'y'},
      {"asset", required_argument, NULL, 'a'},    {"help", no_argument, NULL, 'h'},
      {0}};
  memset(o, 0, sizeof *o);
  cli_opts co = {.cmd = cmd, .help = help, .lo = lo, .operands = want_id};
  int c;
  while ((c = cli_opt_next(&co, argc, argv)) > 0) {
    unsigned bit = c == 's' ? O_SERVER : c == 'l' ? O_LEDGER : c == 'j' ? O_JSON : c == 'v' ? O_VILLAGE
                   : c == 't' ? O_TOWNSHIP : c == 'y' ? O_YEAR : O_ASSET;
    if (!(allowed & bit)) {
      *status = cli_usage(cmd, "option %s does not apply here", argv[optind - 1]);
      return -1;
    }
    switch (c) {
      case 's': o->server = optarg; break;
      case 'l': o->ledger = optarg; break;
      case 'j': o->json = true; break;
      case 'v': o->village = optarg; break;
      case 't': o->township = optarg; break;
      case 'y': o->year = optarg; break;
      case 'a': o->asset = optarg; break;
    }
  }
  if (c < 0) {
    *status = co.status;
    return -1;
  }
  if (want_id) {
    if (optind + 1 != argc) {
      *status = cli_usage(cmd, optind >= argc ? "the id is required" : "one id only");
      return -1;
    }
    o->id = argv[optind];
    if (!aidreg_state_id_ok(o->id)) {
      *status = cli_usage(cmd, "%s is not an id (1 to 64 printable ASCII characters)", o->id);
      return -1;
    }
  }
  o->server = cli_default(o->server, "AIDREG_URL");
  o->ledger = cli_default(o->ledger, "AIDREG_LEDGER");
  if (!o->server) {
    *status = cli_usage(cmd, "--server URL is required (or set AIDREG_URL)");
    return -1;
  }
  if (!cli_is_county(o->ledger)) {
    *status = cli_usage(cmd, "--ledger CODE (6 digits) is required (or set AIDREG_LEDGER)");
    return -1;
  }
  size_t vl = o->village ? strlen(o->village) : 12, tl = o->township ? strlen(o->township) : 9;
  if ((o->village && (vl != 12 || strspn(o->village, "0123456789") != 12)) ||
      (o->township && (tl != 9 || strspn(o->township, "0123456789") != 9))) {
    *status = cli_usage(cmd, "--village takes a 12-digit code, --township a 9-digit code");
    return -1;
  }
  if (o->year && (strlen(o->year) != 4 || strspn(o->year, "0123456789") != 4)) {
    *status = cli_usage(cmd, "--year takes 4 digits");
    return -1;
  }
  if (o->asset && !aidreg_state_id_ok(o->asset)) {
    *status = cli_usage(cmd, "--asset %s is not an asset code", o->asset);
    return -1;
  }
  return 0;
}

/* ---- small helpers ----------------------------------------------------------------------- */

static const char *js(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* The name beside a code member (k_name), else the code. */
static const char *named(const json_t *o, const char *k) {
  char nk[64];
  snprintf(nk, sizeof nk, "%s_name", k);
  const char *n = json_string_value(json_object_get(o, nk));
  return n && *n ? n : js(o, k);
}

/* The label beside an enumeration member (k_zh), else the value. */
static const char *zh(const json_t *o, const char *k) {
  char zk[64];
  snprintf(zk, sizeof zk, "%s_zh", k);
  const char *z = json_string_value(json_object_get(o, zk));
  return z && *z ? z : js(o, k);
}

static const char *yuan(const json_t *o, const char *fen_key, char buf[32]) {
  json_t *v = json_object_get(o, fen_key);
  if (!json_is_integer(v)) return "";
  aidreg_fen_to_yuan((int64_t)json_integer_value(v), buf);
  return buf;
}

static const char *num(const json_t *v, char buf[32]) {
  if (json_is_integer(v)) snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v)) snprintf(buf, 32, "%g", json_real_value(v));
  else buf[0] = 0;
  return buf;
}

static void print_json(const json_t *v) {
  char *s = json_dumps(v, JSON_INDENT(2));
  if (s) puts(s);
  free(s);
}

/* Appends "&name=value" (percent-encoded) to q. */
static void qadd(char *q, size_t cap, const char *name, const char *value) {
  if (!value) return;
  size_t n = strlen(q);
  n += (size_t)snprintf(q + n, n < cap ? cap - n : 0, "%s%s=", n ? "&" : "", name);
  for (const unsigned char *p = (const unsigned char *)value; *p && n + 4 < cap; p++) {
    if ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || strchr("-._~", *p))
      q[n++] = (char)*p;
    else
      n += (size_t)snprintf(q + n, cap - n, "%%%02X", *p);
  }
  q[n < cap ? n : cap - 1] = 0;
}

/* GET one document of the ledger (path after /v1/ledgers/{code}). NULL with a message. */
static json_t *get_doc(cli_server *s, const opts *o, const char *rest) {
  char path[1024];
  snprintf(path, sizeof path, "/v1/ledgers/%s%s", o->ledger, rest);
  return cli_get_json(s, path);
}

/* Every page of a paged list: {"items": [...], "total": N}. NULL with a message. */
static json_t *get_all(cli_server *s, const opts *o, const char *what, const char *query) {
  json_t *all = json_array();
  long long from = 0;
  while (all) {
    char rest[1024];
    snprintf(rest, sizeof rest, "/%s?%s%slimit=1000&from=%lld", what, query, *query ? "&" : "", from);
    json_t *page = get_doc(s, o, rest);
    if (!page) {
      json_decref(all);
      return NULL;
    }
    json_array_extend(all, json_object_get(page, "items"));
    json_t *next = json_object_get(page, "next");
    bool more = json_is_integer(next);
    if (more) from = (long long)json_integer_value(next);
    json_decref(page);
    if (!more) break;
  }
  return all ? json_pack("{s:I, s:o}", "total", (json_int_t)json_array_size(all), "items", all) : NULL;
}

/* Runs body(s, o, doc) on the document got by fetch, or prints it with --json. */
typedef json_t *(*fetch_fn)(cli_server *s, const opts *o);
typedef void (*show_fn)(const opts *o, const json_t *doc);

static int run(const char *cmd, const opts *o, fetch_fn fetch, show_fn show) {
  cli_server s;
  if (cli_server_open(&s, cmd, o->server) != 0) return CLI_FAIL;
  json_t *doc = fetch(&s, o);
  cli_server_close(&s);
  if (!doc) return CLI_FAIL;
  if (o->json) print_json(doc);
  else show(o, doc);
  json_decref(doc);
  return CLI_OK;
}

static void count_line(size_t n, const char *unit_zh, const char *unit_en) {
  printf("共 %zu %s / %zu %s\n", n, unit_zh, n, unit_en);
}

/* ---- assets ------------------------------------------------------------------------------ */

static json_t *fetch_assets(cli_server *s, const opts *o) {
  char q[256] = "";
  qadd(q, sizeof q, "village", o->village);
  qadd(q, sizeof q, "township", o->township);
  return get_all(s, o, "assets", q);
}

static void show_assets(const opts *o, const json_t *doc) {
  (void)o;
  cli_table t;
  cli_table_init(&t, 6, 1u << 5);
  const char *h[] = {"编号 id", "名称 name", "类别 class", "状态 status", "所在村 village", "原值（元） value"};
  cli_table_row(&t, h);
  size_t i;
  json_t *a;
  int64_t sum = 0;
  json_array_foreach(json_object_get(doc, "items"), i, a) {
    char y[32];
    const char *row[] = {js(a, "id"), js(a, "name"), zh(a, "class"), zh(a, "status"), named(a, "village"),
                         yuan(a, "original_value_fen", y)};
    sum += (int64_t)json_integer_value(json_object_get(a, "original_value_fen"));
    cli_table_row(&t, row);
  }
  cli_table_print(&t, stdout);
  cli_table_free(&t);
  char y[32];
  aidreg_fen_to_yuan(sum, y);
  printf("共 %zu 项资产，原值合计 %s 元 / %zu assets, original value %s yuan\n", json_array_size(json_object_get(doc, "items")),
         y, json_array_size(json_object_get(doc, "items")), y);
}

static const char assets_help[] =
    "usage: aidreg assets [--village V] [--township T] [--json] [--server URL] [--ledger CODE]\n"
    "\n"
    "资产台账：列出县级台账中的资产（编号、名称、类别、状态、所在村、原值）。\n"
    "Lists the ledger's assets: code, name, class, status, village and original value in yuan.\n"
    "\n"
    "  --village V       only the assets lying in this village (12 digits)\n"
    "  --township T      only the assets lying in this township (9 digits)\n" COMMON_HELP;

int cli_assets(int argc, char **argv) {
  opts o;
  int st;
  if (parse("assets", assets_help, O_SERVER | O_LEDGER | O_JSON | O_VILLAGE | O_TOWNSHIP, false, argc, argv, &o, &st))
    return st;
  return run("assets", &o, fetch_assets, show_assets);
}

/* ---- asset ID ---------------------------------------------------------------------------- */

static json_t *fetch_asset(cli_server *s, const opts *o) {
  char rest[256] = "/assets/", q[200] = "";
  qadd(q, sizeof q, "x", o->id);
  strncat(rest, q + 2, sizeof rest - strlen(rest) - 1);
  return get_doc(s, o, rest);
}

static void show_asset(const opts *o, const json_t *a) {
  (void)o;
  char y[32], b[256], n[32];
  cli_kv(stdout, "资产编号 id", js(a, "id"));
  cli_kv(stdout, "资产名称 name", js(a, "name"));
  cli_kv(stdout, "所属项目 project", js(a, "project"));
  cli_kv(stdout, "资产类别 class", zh(a, "class"));
  cli_kv(stdout, "资产形态 form", zh(a, "form"));
  cli_kv(stdout, "资产类型 subtype", js(a, "subtype"));
  cli_kv(stdout, "状态 status", zh(a, "status"));
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(a, "locations"), i, l) {
    const char *nm = json_string_value(json_object_get(l, "name"));
    json_int_t bp = json_integer_value(json_object_get(l, "share_bp"));
    snprintf(b, sizeof b, "%s（%s）%lld.%02lld%%", nm && *nm ? nm : js(l, "code"), js(l, "code"), (long long)(bp / 100),
             (long long)(bp % 100));
    cli_kv(stdout, i == 0 ? "所在村 village" : "", b);
  }
  cli_kv(stdout, "所在乡镇 township", named(a, "township"));
  cli_kv(stdout, "资产原值（元） value", yuan(a, "original_value_fen", y));
  snprintf(b, sizeof b, "%s %s", num(json_object_get(a, "quantity"), n), js(a, "unit"));
  cli_kv(stdout, "数量 quantity", b);
  cli_kv(stdout, "竣工日期 completed", js(a, "completed_on"));
  cli_kv(stdout, "验收日期 accepted", js(a, "accepted_on"));
  json_array_foreach(json_object_get(a, "owners"), i, l) {
    snprintf(b, sizeof b, "%s（%s）", js(l, "name"), zh(l, "kind"));
    cli_kv(stdout, i == 0 ? "产权主体 owners" : "", b);
  }
  cli_kv(stdout, "确权证书编号 certificate", js(a, "certificate_no"));
  const json_t *m = json_object_get(a, "maintainer");
  if (json_is_object(m)) {
    snprintf(b, sizeof b, "%s，责任人 %s", js(m, "body"), js(m, "person"));
    cli_kv(stdout, "管护主体 maintainer", b);
  }
  const json_t *inc = json_object_get(a, "income");
  char y2[32], y3[32];
  snprintf(b, sizeof b, "净收益 %s 元，已分配 %s 元，未分配 %s 元", yuan(inc, "net_fen", y), yuan(inc, "allocated_fen", y2),
           yuan(inc, "unallocated_fen", y3));
  cli_kv(stdout, "收益 income", b);
  cli_kv(stdout, "未整改审计发现 findings", num(json_object_get(a, "findings_open"), n));
  const json_t *hist = json_object_get(a, "history");
  if (json_array_size(hist)) {
    printf("\n历史 history\n");
    cli_table t;
    cli_table_init(&t, 4, 1u);
    const char *h[] = {"序号 index", "时间 time", "事项 type", "签署人 signer"};
    cli_table_row(&t, h);
    json_array_foreach(hist, i, l) {
      const aidreg_event_type *et = aidreg_event_type_find(js(l, "type"));
      const json_t *sg = json_object_get(json_array_get(json_object_get(l, "signers"), 0), "holder");
      char ty[128];
      snprintf(ty, sizeof ty, "%s %s%s", et ? et->label_zh : "", js(l, "type"),
               json_is_null(json_object_get(l, "corrected_by")) ? "" : "（已更正）");
      const char *row[] = {num(json_object_get(l, "index"), n), js(l, "time"), ty, js(sg, "name")};
      cli_table_row(&t, row);
    }
    cli_table_print(&t, stdout);
    cli_table_free(&t);
  }
}

static const char asset_help[] =
    "usage: aidreg asset ID [--json] [--server URL] [--ledger CODE]\n"
    "\n"
    "一项资产：登记信息、产权、管护、收益和全部历史记录。\n"
    "One asset: what was registered, its owners, maintainer, income and its whole history.\n"
    "\n" COMMON_HELP;

int cli_asset(int argc, char **argv) {
  opts o;
  int st;
  if (parse("asset", asset_help, O_SERVER | O_LEDGER | O_JSON, true, argc, argv, &o, &st)) return st;
  return run("asset", &o, fetch_asset, show_asset);
}

/* ---- plans ------------------------------------------------------------------------------- */

static json_t *fetch_plans(cli_server *s, const opts *o) {
  char q[256] = "";
  qadd(q, sizeof q, "village", o->village);
  qadd(q, sizeof q, "year", o->year);
  json_t *all = get_all(s, o, "plans", q);
  if (all && o->township) { /* the API filters plans by village only */
    json_t *keep = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(all, "items"), i, p) if (strncmp(js(p, "village"), o->township, 9) == 0)
        json_array_append(keep, p);
    json_object_set_new(all, "total", json_integer((json_int_t)json_array_size(keep)));
    json_object_set_new(all, "items", keep);
  }
  return all;
}

static void show_plans(const opts *o, const json_t *doc) {
  (void)o;
  cli_table t;
  cli_table_init(&t, 7, (1u << 4) | (1u << 5) | (1u << 6));
  const char *h[] = {"方案编号 id", "村 village", "年度 year", "状态 state", "金额（元） total", "已兑付（元） paid",
                     "未兑付（元） remaining"};
  cli_table_row(&t, h);
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(doc, "items"), i, p) {
    char a[32], b[32], c[32], yr[32];
    const char *row[] = {js(p, "id"),          named(p, "village"),      num(json_object_get(p, "year"), yr),
                         zh(p, "state"),       yuan(p, "total_fen", a), yuan(p, "paid_fen", b),
                         yuan(p, "remaining_fen", c)};
    cli_table_row(&t, row);
  }
  cli_table_print(&t, stdout);
  cli_table_free(&t);
  count_line(json_array_size(json_object_get(doc, "items")), "个方案", "plans");
}

static const char plans_help[] =
    "usage: aidreg plans [--village V] [--township T] [--year Y] [--json] [--server URL] [--ledger CODE]\n"
    "\n"
    "收益分配方案：方案编号、村、年度、状态、金额、已兑付、未兑付。\n"
    "Lists the allocation plans: id, village, year, state, total, paid and remaining in yuan.\n"
    "\n"
    "  --village V       only this village's plans (12 digits)\n"
    "  --township T      only the plans of this township's villages (9 digits)\n"
    "  --year Y          only the plans of this year\n" COMMON_HELP;

int cli_plans(int argc, char **argv) {
  opts o;
  int st;
  if (parse("plans", plans_help, O_SERVER | O_LEDGER | O_JSON | O_VILLAGE | O_TOWNSHIP | O_YEAR, false, argc, argv,
            &o, &st))
    return st;
  return run("plans", &o, fetch_plans, show_plans);
}

/* ---- plan ID ----------------------------------------------------------------------------- */

static json_t *fetch_plan(cli_server *s, const opts *o) {
  char rest[256] = "/plans/", q[200] = "";
  qadd(q, sizeof q, "x", o->id);
  strncat(rest, q + 2, sizeof rest - strlen(rest) - 1);
  return get_doc(s, o, rest);
}

static void show_plan(const opts *o, const json_t *p) {
  (void)o;
  char a[32], n[32];
  cli_kv(stdout, "方案编号 id", js(p, "id"));
  cli_kv(stdout, "村 village", named(p, "village"));
  cli_kv(stdout, "年度 year", num(json_object_get(p, "year"), n));
  cli_kv(stdout, "状态 state", zh(p, "state"));
  cli_kv(stdout, "金额（元） total", yuan(p, "total_fen", a));
  cli_kv(stdout, "已兑付（元） paid", yuan(p, "paid_fen", a));
  cli_kv(stdout, "未兑付（元） remaining", yuan(p, "remaining_fen", a));
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(p, "steps"), i, l) {
    char b[160];
    snprintf(b, sizeof b, "%s %s", zh(l, "step"), js(l, "date"));
    cli_kv(stdout, i == 0 ? "四议 steps" : "", b);
  }
  printf("\n分配明细 lines\n");
  cli_table t;
  cli_table_init(&t, 5, (1u << 2) | (1u << 3) | (1u << 4));
  const char *h[] = {"用途 purpose", "说明 description", "金额（元） amount", "已兑付（元） paid", "未兑付（元） remaining"};
  cli_table_row(&t, h);
  json_array_foreach(json_object_get(p, "lines"), i, l) {
    char b[32], c[32];
    const char *row[] = {zh(l, "purpose"), js(l, "description"), yuan(l, "amount_fen", a), yuan(l, "paid_fen", b),
                         yuan(l, "remaining_fen", c)};
    cli_table_row(&t, row);
  }
  cli_table_print(&t, stdout);
  cli_table_free(&t);
}

static const char plan_help[] =
    "usage: aidreg plan ID [--json] [--server URL] [--ledger CODE]\n"
    "\n"
    "一个收益分配方案：状态、金额、分配明细及兑付情况。\n"
    "One allocation plan: its state, amounts and lines with what was paid.\n"
    "\n" COMMON_HELP;

int cli_plan(int argc, char **argv) {
  opts o;
  int st;
  if (parse("plan", plan_help, O_SERVER | O_LEDGER | O_JSON, true, argc, argv, &o, &st)) return st;
  return run("plan", &o, fetch_plan, show_plan);
}

/* ---- places ------------------------------------------------------------------------------ */

static json_t *fetch_places(cli_server *s, const opts *o) {
  json_t *all = get_doc(s, o, "/places");
  if (all && (o->township || o->village)) {
    json_t *keep = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(all, "items"), i, p) {
      const char *c = js(p, "code");
      if ((o->township && strncmp(c, o->township, 9) == 0) || (o->village && strcmp(c, o->village) == 0))
        json_array_append(keep, p);
    }
    json_object_set_new(all, "total", json_integer((json_int_t)json_array_size(keep)));
    json_object_set_new(all, "items", keep);
  }
  return all;
}

static void show_places(const opts *o, const json_t *doc) {
  (void)o;
  cli_table t;
  cli_table_init(&t, 5, 1u << 4);
  const char *h[] = {"区划代码 code", "级别 level", "名称 name", "所属乡镇 township", "资产数 assets"};
  cli_table_row(&t, h);
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(doc, "items"), i, p) {
    char n[32];
    bool village = strcmp(js(p, "level"), "village") == 0;
    const char *row[] = {js(p, "code"), zh(p, "level"), js(p, "name"), village ? named(p, "township") : "",
                         num(json_object_get(json_object_get(p, "assets"), "total"), n)};
    cli_table_row(&t, row);
  }
  cli_table_print(&t, stdout);
  cli_table_free(&t);
  count_line(json_array_size(json_object_get(doc, "items")), "个区划", "places");
}

static const char places_help[] =
    "usage: aidreg places [--village V] [--township T] [--json] [--server URL] [--ledger CODE]\n"
    "\n"
    "区划：本县登记的乡镇和村，及各自的资产数。\n"
    "Lists the townships and villages place.register named, with the assets lying in each.\n"
    "\n"
    "  --village V       only this village\n"
    "  --township T      only this township and its villages\n" COMMON_HELP;

int cli_places(int argc, char **argv) {
  opts o;
  int st;
  if (parse("places", places_help, O_SERVER | O_LEDGER | O_JSON | O_VILLAGE | O_TOWNSHIP, false, argc, argv, &o, &st))
    return st;
  return run("places", &o, fetch_places, show_places);
}

/* ---- keys -------------------------------------------------------------------------------- */

static json_t *fetch_keys(cli_server *s, const opts *o) {
  json_t *all = get_doc(s, o, "/keys");
  if (all && (o->township || o->village)) {
    json_t *keep = json_array();
    size_t i;
    json_t *k;
    const char *want = o->village ? o->village : o->township;
    json_array_foreach(json_object_get(all, "items"), i, k) if (strncmp(js(k, "scope"), want, strlen(want)) == 0)
        json_array_append(keep, k);
    json_object_set_new(all, "total", json_integer((json_int_t)json_array_size(keep)));
    json_object_set_new(all, "items", keep);
  }
  return all;
}

static void show_keys(const opts *o, const json_t *doc) {
  (void)o;
  cli_table t;
  cli_table_init(&t, 8, (1u << 6));
  const char *h[] = {"密钥 key", "角色 role", "范围 scope", "持有人 holder", "单位 org", "状态 status",
                     "签署条数 signed", "最近签署 last signed"};
  cli_table_row(&t, h);
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(doc, "items"), i, k) {
    char id[24], n[32], last[64];
    snprintf(id, sizeof id, "%.12s...", js(k, "keyid"));
    const json_t *ls = json_object_get(k, "last_signed");
    if (json_is_object(ls)) snprintf(last, sizeof last, "#%lld %.10s", (long long)json_integer_value(json_object_get(ls, "index")),
                                     js(ls, "time"));
    else snprintf(last, sizeof last, "-");
    const json_t *hd = json_object_get(k, "holder");
    char role[64];
    snprintf(role, sizeof role, "%s%s", zh(k, "role"), json_is_true(json_object_get(k, "is_root")) ? "（根密钥）" : "");
    const char *row[] = {id, role, named(k, "scope"), js(hd, "name"), js(hd, "org"), zh(k, "status"),
                         num(json_object_get(k, "entries_signed"), n), last};
    cli_table_row(&t, row);
  }
  cli_table_print(&t, stdout);
  cli_table_free(&t);
  count_line(json_array_size(json_object_get(doc, "items")), "把密钥", "keys");
}

static const char keys_help[] =
    "usage: aidreg keys [--village V] [--township T] [--json] [--server URL] [--ledger CODE]\n"
    "\n"
    "密钥：谁持有哪把密钥、角色与范围、登记与注销、签署了多少条记录。\n"
    "Lists every enrolled key: role, scope, holder, status, entries signed and the last one.\n"
    "(`aidreg keygen` creates a key pair.)\n"
    "\n"
    "  --village V       only the keys whose scope is this village\n"
    "  --township T      only the keys whose scope lies in this township\n" COMMON_HELP;

int cli_keys(int argc, char **argv) {
  opts o;
  int st;
  if (parse("keys", keys_help, O_SERVER | O_LEDGER | O_JSON | O_VILLAGE | O_TOWNSHIP, false, argc, argv, &o, &st))
    return st;
  return run("keys", &o, fetch_keys, show_keys);
}

/* ---- incomes ----------------------------------------------------------------------------- */

static json_t *fetch_incomes(cli_server *s, const opts *o) {
  char q[256] = "";
  qadd(q, sizeof q, "village", o->village);
  qadd(q, sizeof q, "asset", o->asset);
  qadd(q, sizeof q, "year", o->year);
  return get_all(s, o, "incomes", q);
}

static void show_incomes(const opts *o, const json_t *doc) {
  cli_table t;
  cli_table_init(&t, 6, (1u << 3) | (1u << 4) | (1u << 5));
  const char *h[] = {"资产 asset", "收益期间 period", "村 village", "净收益（元） net", "已分配（元） drawn",
                     "未分配（元） remaining"};
  cli_table_row(&t, h);
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(doc, "items"), i, x) {
    char per[64], a[32], b[32], c[32], asset[256];
    snprintf(per, sizeof per, "%s～%s", js(x, "period_start"), js(x, "period_end"));
    snprintf(asset, sizeof asset, "%s %s", js(x, "asset"), js(x, "asset_name"));
    const json_t *row_src = x;
    const char *village = named(x, "village");
    if (o->village) { /* the village's own share */
      size_t j;
      json_t *s;
      json_array_foreach(json_object_get(x, "shares"), j, s) if (strcmp(js(s, "village"), o->village) == 0) {
        row_src = s;
        village = named(s, "village");
      }
    }
    const char *row[] = {asset, per, village, yuan(row_src, "net_fen", a),
                         yuan(row_src, "drawn_fen", b), yuan(row_src, "remaining_fen", c)};
    cli_table_row(&t, row);
  }
  cli_table_print(&t, stdout);
  cli_table_free(&t);
  count_line(json_array_size(json_object_get(doc, "items")), "笔收益", "income reports");
}

static const char incomes_help[] =
    "usage: aidreg incomes [--village V] [--asset ID] [--year Y] [--json] [--server URL] [--ledger CODE]\n"
    "\n"
    "收益：每笔收益报告的净收益、已被分配方案提取的金额和尚未分配的余额。\n"
    "Lists the income reports: net income, what plans draw on it and what is left, in yuan.\n"
    "\n"
    "  --village V       only reports with a share in this village; amounts are its share\n"
    "  --asset ID        only reports on this asset\n"
    "  --year Y          only reports whose period ends in this year\n" COMMON_HELP;

int cli_incomes(int argc, char **argv) {
  opts o;
  int st;
  if (parse("incomes", incomes_help, O_SERVER | O_LEDGER | O_JSON | O_VILLAGE | O_ASSET | O_YEAR, false, argc, argv,
            &o, &st))
    return st;
  return run("incomes", &o, fetch_incomes, show_incomes);
}

/* ---- summary ----------------------------------------------------------------------------- */

static json_t *fetch_summary(cli_server *s, const opts *o) {
  char rest[128];
  if (o->village) snprintf(rest, sizeof rest, "/villages/%s/summary", o->village);
  else if (o->township) snprintf(rest, sizeof rest, "/townships/%s/summary", o->township);
  else snprintf(rest, sizeof rest, "/summary");
  return get_doc(s, o, rest);
}

static void show_counts(const char *label, const json_t *counts, const json_t *labels) {
  const char *k;
  json_t *v;
  bool first = true;
  json_object_foreach((json_t *)counts, k, v) {
    char b[160];
    const char *z = json_string_value(json_object_get(labels, k));
    snprintf(b, sizeof b, "%s %lld", z ? z : k, (long long)json_integer_value(v));
    cli_kv(stdout, first ? label : "", b);
    first = false;
  }
}

static void show_summary(const opts *o, const json_t *s) {
  char a[32], n[32], b[160];
  if (o->village) snprintf(b, sizeof b, "%s（%s）", named(s, "village"), o->village);
  else if (o->township) snprintf(b, sizeof b, "%s（%s）", named(s, "township"), o->township);
  else snprintf(b, sizeof b, "全县 county %s", o->ledger);
  cli_kv(stdout, "范围 scope", b);
  const json_t *as = json_object_get(s, "assets");
  cli_kv(stdout, "资产总数 assets", num(json_object_get(as, "total"), n));
  show_counts("按类别 by class", json_object_get(as, "by_class"), json_object_get(as, "by_class_zh"));
  show_counts("按状态 by status", json_object_get(as, "by_status"), json_object_get(as, "by_status_zh"));
  cli_kv(stdout, "资产原值（元） value", yuan(s, "original_value_fen", a));
  cli_kv(stdout, "收益总额（元） gross income", yuan(s, "income_gross_fen", a));
  cli_kv(stdout, "净收益（元） net income", yuan(s, "income_net_fen", a));
  cli_kv(stdout, "已分配（元） allocated", yuan(s, "allocated_fen", a));
  cli_kv(stdout, "已兑付（元） paid", yuan(s, "paid_fen", a));
  cli_kv(stdout, "未分配（元） unallocated", yuan(s, "unallocated_fen", a));
}

static const char summary_help[] =
    "usage: aidreg summary [--village V | --township T] [--json] [--server URL] [--ledger CODE]\n"
    "\n"
    "汇总：全县（或一个乡镇、一个村）的资产数、原值、收益、分配和兑付。\n"
    "The figures of the county, a township or a village: assets by class and status, original\n"
    "value, income, allocated, paid and unallocated, in yuan (a village's are its shares).\n"
    "\n"
    "  --village V       one village's figures\n"
    "  --township T      one township's figures\n" COMMON_HELP;

int cli_summary(int argc, char **argv) {
  opts o;
  int st;
  if (parse("summary", summary_help, O_SERVER | O_LEDGER | O_JSON | O_VILLAGE | O_TOWNSHIP, false, argc, argv, &o,
            &st))
    return st;
  if (o.village && o.township) return cli_usage("summary", "give --village or --township, not both");
  return run("summary", &o, fetch_summary, show_summary);
}
