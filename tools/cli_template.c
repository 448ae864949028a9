/* aidreg template TYPE: a commented example body for any event type, derived from the
 * catalogue row's body schema (aidreg_event_body_schema: members, kinds, required,
 * enumerations with their Chinese labels), so that a record is right on the first try.
 * The comments are `//` lines and tails; `aidreg sign --body-file` drops them
 * (cli_strip_comments), so the template, filled in, is signed as it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/state.h"
#include "cli.h"
#include "cli_tables.h"

static const char help[] =
    "usage: aidreg template TYPE [--json]\n"
    "       aidreg template --list\n"
    "\n"
    "打印某类事项正文（body）的带注释示例：每个字段的中文名称、是否必填、可选的取值及其中文标签。\n"
    "Prints a commented example body for the event type TYPE (docs/events.md): each member with\n"
    "its Chinese name, whether it is required, and the values an enumeration takes with their\n"
    "labels. Optional members are commented out: remove the // to use one. Fill it in and sign it:\n"
    "\n"
    "  aidreg template asset.register > a.json    # then edit a.json\n"
    "  aidreg sign --type asset.register --subject A-001 --body-file a.json --key county.key\n"
    "\n"
    "`aidreg sign` drops the // comments. Codes in the example use AIDREG_LEDGER's county when set.\n"
    "\n"
    "  --list   list every event type with its Chinese label\n"
    "  --json   print the bare example body (required members only) as JSON, without comments\n"
    "  --help   this text\n";

static const char *subject_text(aidreg_subject_kind k) {
  switch (k) {
    case AIDREG_SUBJ_COUNTY: return "县级区划代码 the county code (6 digits)";
    case AIDREG_SUBJ_KEY: return "密钥编号 the key id (what `aidreg keygen` printed)";
    case AIDREG_SUBJ_PROJECT: return "项目编号 the project code";
    case AIDREG_SUBJ_ASSET: return "资产编号 the asset code";
    case AIDREG_SUBJ_PLAN: return "方案编号 the plan id";
    case AIDREG_SUBJ_ANY: return "方案编号、资产编号或村级区划代码 a plan id, an asset code or a village code";
    case AIDREG_SUBJ_SAME: return "被更正条目的主体 the corrected entry's subject";
    case AIDREG_SUBJ_PLACE: return "乡镇（9 位）或村（12 位）区划代码 a township or village code";
  }
  return "";
}

static void roles_text(unsigned roles, char *out, size_t cap) {
  static const aidreg_role all[] = {AIDREG_ROLE_COUNTY, AIDREG_ROLE_TOWNSHIP, AIDREG_ROLE_VILLAGE, AIDREG_ROLE_OPERATOR,
                                    AIDREG_ROLE_AUDITOR};
  size_t n = 0;
  out[0] = 0;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (roles & all[i]) n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? ", " : "", aidreg_role_name(all[i]));
}

/* An example value for schema s (member name key), as a new JSON value. */
static json_t *example(const json_t *s, const char *key, const char *county) {
  const json_t *en = json_object_get(s, "enum");
  if (json_is_array(en)) return json_incref(json_array_get(en, 0));
  const char *type = json_string_value(json_object_get(s, "type"));
  const char *pattern = json_string_value(json_object_get(s, "pattern"));
  const char *format = json_string_value(json_object_get(s, "format"));
  char code[16];
  if (!type) return json_null();
  if (strcmp(type, "string") == 0) {
    if (format && strcmp(format, "date") == 0) return json_string("2025-01-01");
    if (format && strcmp(format, "date-time") == 0) return json_string("2025-01-01T08:00:00Z");
    if (pattern && strstr(pattern, "{64}")) return json_string("0000000000000000000000000000000000000000000000000000000000000000");
    if (pattern && strstr(pattern, "{12}")) return snprintf(code, sizeof code, "%s101201", county), json_string(code);
    if (pattern && strstr(pattern, "{9}")) return snprintf(code, sizeof code, "%s101", county), json_string(code);
    if (pattern && strstr(pattern, "{6}")) return json_string(county);
    if (pattern && strstr(pattern, "{9}([0-9]{3})?")) return snprintf(code, sizeof code, "%s101", county), json_string(code);
    const char *title = json_string_value(json_object_get(s, "title"));
    return json_string(title && *title ? title : key ? key : "");
  }
  if (strcmp(type, "integer") == 0) {
    if (key && strcmp(key, "share_bp") == 0) return json_integer(10000);
    if (key && strcmp(key, "year") == 0) return json_integer(2025);
    const json_t *min = json_object_get(s, "minimum");
    return json_integer(json_is_integer(min) ? json_integer_value(min) : 0);
  }
  if (strcmp(type, "number") == 0) return json_integer(1);
  if (strcmp(type, "boolean") == 0) return json_true();
  if (strcmp(type, "array") == 0) {
    json_t *a = json_array();
    const json_t *items = json_object_get(s, "items");
    const char *it = json_string_value(json_object_get(items, "type"));
    bool one = json_integer_value(json_object_get(s, "minItems")) > 0 || (it && strcmp(it, "object") == 0) ||
               json_object_get(items, "enum");
    if (one) json_array_append_new(a, example(items, NULL, county));
    return a;
  }
  if (strcmp(type, "object") == 0) {
    json_t *o = json_object();
    const json_t *props = json_object_get(s, "properties"), *req = json_object_get(s, "required");
    size_t i;
    json_t *r;
    json_array_foreach(req, i, r) {
      const char *k = json_string_value(r);
      json_object_set_new(o, k, example(json_object_get(props, k), k, county));
    }
    return o;
  }
  return json_null();
}

/* "a 标签 | b 标签" of an enumeration schema (or of its items) into out. */
static void enum_text(const json_t *s, char *out, size_t cap) {
  out[0] = 0;
  const json_t *en = json_object_get(s, "enum");
  if (!en) en = json_object_get(json_object_get(s, "items"), "enum"), s = json_object_get(s, "items");
  const json_t *labels = json_object_get(s, "x-labels");
  size_t i, n = 0;
  json_t *v;
  json_array_foreach(en, i, v) {
    const char *zh = json_string_value(json_object_get(labels, json_string_value(v)));
    n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s%s%s", i ? " | " : "", json_string_value(v),
                          zh ? " " : "", zh ? zh : "");
    if (n >= cap) break;
  }
}

/* The members of an object schema as the comment's "code 村级区划代码, share_bp 份额" into out. */
static void members_text(const json_t *s, char *out, size_t cap) {
  out[0] = 0;
  if (json_is_object(json_object_get(s, "items"))) s = json_object_get(s, "items");
  const json_t *props = json_object_get(s, "properties");
  const char *k;
  json_t *v;
  size_t n = 0;
  json_object_foreach((json_t *)props, k, v) {
    const char *t = json_string_value(json_object_get(v, "title"));
    char en[512];
    enum_text(v, en, sizeof en);
    n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s%s%s%s%s%s", n ? "；" : "", k, t ? " " : "", t ? t : "",
                          *en ? "（" : "", en, *en ? "）" : "");
    if (n >= cap) break;
  }
}

static void print_member(const char *k, const json_t *s, bool required, bool active, bool *first, const char *county) {
  json_t *ex = example(s, k, county);
  char *val = json_dumps(ex, JSON_ENCODE_ANY | JSON_COMPACT);
  json_decref(ex);
  char line[4096], comment[4096], en[2048], mem[2048];
  const char *lead = !active ? "  // , " : *first ? "    " : "  , ";
  snprintf(line, sizeof line, "%s\"%s\": %s", lead, k, val ? val : "null");
  free(val);
  if (active) *first = false;
  const char *title = json_string_value(json_object_get(s, "title"));
  const char *desc = json_string_value(json_object_get(s, "description"));
  enum_text(s, en, sizeof en);
  mem[0] = 0;
  const char *type = json_string_value(json_object_get(s, "type"));
  if (type && (strcmp(type, "object") == 0 || strcmp(type, "array") == 0)) members_text(s, mem, sizeof mem);
  snprintf(comment, sizeof comment, "%s（%s）%s%s%s%s%s%s", title ? title : k, required ? "必填 required" : "可选 optional",
           *en ? "：" : "", en, *mem ? "：" : "", mem, desc ? "。" : "", desc ? desc : "");
  size_t w = cli_text_width(line);
  printf("%s%*s  // %s\n", line, w < 44 ? (int)(44 - w) : 0, "", comment);
}

/* The hand-written bodies of the types whose body authority.c checks (no body schema). */
static const char *fixed_body(const char *type) {
  if (strcmp(type, "key.enroll") == 0)
    return "{\n"
           "    \"key\": \"<密钥编号 key id>\"           // 被登记的公钥编号（必填），与主体相同 / the enrolled key id, = the subject\n"
           "  , \"role\": \"village\"                 // 角色（必填）：county 县级 | township 乡镇 | village 村级 | operator 经营主体 | auditor 审计\n"
           "  , \"scope\": \"<区划代码 code>\"         // 范围（必填）：县 6 位、乡镇 9 位、村 12 位 / a county, township or village code\n"
           "  , \"holder\": {\"name\": \"张三\", \"org\": \"某某村村委会\"}  // 持有人（必填）：姓名 name；单位 org\n"
           "}\n";
  if (strcmp(type, "key.revoke") == 0)
    return "{\n"
           "    \"reason\": \"人员调动\"               // 注销原因（必填） / why the key is revoked\n"
           "}\n";
  if (strcmp(type, "ledger.create") == 0)
    return "// 由 `aidreg ledger create` 生成 / `aidreg ledger create` builds this event for you.\n"
           "{\n"
           "    \"code\": \"<县级区划代码>\"           // 县级区划代码（必填），与主体相同 / the county code, = the subject\n"
           "  , \"name\": \"某某县\"                   // 县名（必填） / the county's name\n"
           "  , \"root_key\": \"<根密钥编号>\"         // 根密钥编号（必填） / the root key id, which signs this entry\n"
           "  , \"settings\": {}                     // 台账设置（必填，可为空 {}）：见 `aidreg template ledger.settings`\n"
           "}\n";
  return NULL;
}

int cli_template(int argc, char **argv) {
  static const struct option lo[] = {
      {"list", no_argument, NULL, 'l'}, {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
  bool list = false, as_json = false;
  cli_opts o = {.cmd = "template", .help = help, .lo = lo, .operands = true};
  int c;
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    if (c == 'l') list = true;
    if (c == 'j') as_json = true;
  }
  if (c < 0) return o.status;
  if (list) {
    if (optind != argc) return cli_usage("template", "--list takes no type");
    cli_table t;
    cli_table_init(&t, 3, 0);
    const char *h[] = {"事项 type", "中文 label", "签署角色 roles"};
    cli_table_row(&t, h);
    for (const aidreg_event_type *e = aidreg_event_types(); e->name; e++) {
      char roles[128];
      roles_text(e->roles, roles, sizeof roles);
      const char *row[] = {e->name, e->label_zh, roles};
      cli_table_row(&t, row);
    }
    cli_table_print(&t, stdout);
    cli_table_free(&t);
    return CLI_OK;
  }
  if (optind + 1 != argc) return cli_usage("template", "give one event type (`aidreg template --list` lists them)");
  const char *type = argv[optind];
  const aidreg_event_type *t = aidreg_event_type_find(type);
  if (!t) return cli_usage("template", "event type \"%s\" is not in the catalogue (`aidreg template --list`)", type);
  const char *county = cli_default(NULL, "AIDREG_LEDGER");
  if (!cli_is_county(county)) county = "522701";
  json_t *schema = NULL;
  if (aidreg_event_body_schema(t, &schema) != 0) {
    cli_err("template", "out of memory");
    return CLI_FAIL;
  }
  const char *fixed = schema ? NULL : fixed_body(type);
  if (as_json) {
    if (!schema) {
      cli_err("template", "%s has no generated body; see `aidreg template %s`", type, type);
      return CLI_FAIL;
    }
    json_t *ex = example(schema, NULL, county);
    const json_t *props = json_object_get(schema, "properties");
    if (json_object_get(props, "village") && json_object_get(props, "locations") && !json_object_get(ex, "village"))
      json_object_set_new(ex, "village", example(json_object_get(props, "village"), "village", county));
    char *s = json_dumps(ex, JSON_INDENT(2));
    if (s) puts(s);
    free(s);
    json_decref(ex);
    json_decref(schema);
    return CLI_OK;
  }
  char roles[128];
  roles_text(t->roles, roles, sizeof roles);
  printf("// %s %s\n", t->label_zh, t->name);
  printf("// 主体 subject: %s\n", subject_text(t->subject));
  printf("// 可签署的角色 signed by: %s\n", roles);
  printf("// aidreg sign --type %s --subject SUBJECT --body-file FILE --key KEYFILE\n", t->name);
  printf("// 金额以分为单位（整数）/ amounts are integers in fen (1 元 = 100 分); dates YYYY-MM-DD.\n");
  if (fixed) {
    fputs(fixed, stdout);
    return CLI_OK;
  }
  printf("// 可选字段已注释；去掉行首 // 即可使用 / optional members are commented out: remove the // to use one.\n");
  const json_t *props = json_object_get(schema, "properties"), *req = json_object_get(schema, "required");
  bool first = true, both = json_object_get(props, "village") && json_object_get(props, "locations");
  if (both) printf("// village 与 locations 二选一 / give village (one village) or locations (shares of several).\n");
  puts("{");
  size_t i;
  json_t *r;
  json_array_foreach(req, i, r) {
    const char *k = json_string_value(r);
    print_member(k, json_object_get(props, k), true, true, &first, county);
  }
  const char *k;
  json_t *s;
  json_object_foreach((json_t *)props, k, s) {
    bool required = false;
    json_array_foreach(req, i, r) if (strcmp(json_string_value(r), k) == 0) required = true;
    if (required) continue;
    bool active = both && strcmp(k, "village") == 0;
    print_member(k, s, false, active, &first, county);
  }
  puts("}");
  json_decref(schema);
  return CLI_OK;
}

size_t cli_strip_comments(char *text) {
  size_t w = 0;
  bool in_str = false, esc = false;
  for (size_t r = 0; text[r];) {
    char ch = text[r];
    if (in_str) {
      text[w++] = text[r++];
      if (esc) esc = false;
      else if (ch == '\\') esc = true;
      else if (ch == '"') in_str = false;
      continue;
    }
    if (ch == '"') in_str = true;
    if (ch == '/' && text[r + 1] == '/') {
      while (text[r] && text[r] != '\n') r++;
      continue;
    }
    text[w++] = text[r++];
  }
  text[w] = 0;
  return w;
}

/* The value of one member for people: an enumeration with its label, a *_fen in yuan, an
 * object or array as compact JSON. */
static void value_text(const char *k, const json_t *v, const json_t *s, char *out, size_t cap) {
  const char *str = json_string_value(v);
  const json_t *labels = json_object_get(s, "x-labels");
  size_t kl = strlen(k);
  if (str) {
    const char *zh = json_string_value(json_object_get(labels, str));
    snprintf(out, cap, "%s%s%s", str, zh ? " " : "", zh ? zh : "");
  } else if (json_is_integer(v) && kl > 4 && strcmp(k + kl - 4, "_fen") == 0) {
    char y[32];
    aidreg_fen_to_yuan((int64_t)json_integer_value(v), y);
    snprintf(out, cap, "%s 元（%lld 分）", y, (long long)json_integer_value(v));
  } else {
    char *d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(out, cap, "%s", d ? d : "");
    free(d);
  }
}

void cli_sign_summary(FILE *f, const char *type, const char *subject, const char *origin, const char *time,
                      const json_t *body, size_t nkeys) {
  const aidreg_event_type *t = aidreg_event_type_find(type);
  json_t *schema = NULL;
  if (t && aidreg_event_body_schema(t, &schema) != 0) schema = NULL;
  const json_t *props = json_object_get(schema, "properties");
  fprintf(f, "即将签署 / about to sign (%zu signature%s):\n", nkeys, nkeys == 1 ? "" : "s");
  char line[512];
  snprintf(line, sizeof line, "%s %s", t ? t->label_zh : "", type);
  cli_kv(f, "  事项 type", line);
  cli_kv(f, "  主体 subject", subject);
  cli_kv(f, "  台账 ledger", origin);
  cli_kv(f, "  时间 time", time);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)body, k, v) {
    const json_t *s = json_object_get(props, k);
    const char *title = json_string_value(json_object_get(s, "title"));
    char label[256], val[2048];
    snprintf(label, sizeof label, "  %s %s", title ? title : "", k);
    value_text(k, v, s, val, sizeof val);
    cli_kv(f, label, val);
  }
  json_decref(schema);
}
