/* Event payloads (strict parsing, every refusal with its code and field), UTF-8
 * validation, and the event catalogue against docs/events.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "test.h"

static bool utf8(const char *s) { return aidreg_utf8_valid((const uint8_t *)s, strlen(s)); }

static void test_utf8(void) {
  CHECK(aidreg_utf8_valid(NULL, 0));
  CHECK(!aidreg_utf8_valid(NULL, 1));
  CHECK(utf8(""));
  CHECK(utf8("plain ASCII {}\t\n\x7f"));
  CHECK(utf8("\xc2\x80"));             /* U+0080, smallest 2-byte */
  CHECK(utf8("\xdf\xbf"));             /* U+07FF */
  CHECK(utf8("\xe0\xa0\x80"));         /* U+0800, smallest 3-byte */
  CHECK(utf8("管护记录 资产"));
  CHECK(utf8("\xed\x9f\xbf"));         /* U+D7FF, just below the surrogates */
  CHECK(utf8("\xee\x80\x80"));         /* U+E000, just above */
  CHECK(utf8("\xef\xbf\xbf"));         /* U+FFFF */
  CHECK(utf8("\xf0\x90\x80\x80"));     /* U+10000, smallest 4-byte */
  CHECK(utf8("\xf4\x8f\xbf\xbf"));     /* U+10FFFF, the largest */
  CHECK(utf8("\xf0\x9f\x98\x80"));     /* an emoji */

  /* NUL is refused: it would cut the text short for every C consumer. */
  CHECK(!aidreg_utf8_valid((const uint8_t *)"a\0b", 3));
  CHECK(!aidreg_utf8_valid((const uint8_t *)"\0", 1));
  /* Overlong forms. */
  CHECK(!utf8("\xc0\x80"));            /* NUL as 2 bytes (modified UTF-8) */
  CHECK(!utf8("\xc0\xaf"));            /* '/' */
  CHECK(!utf8("\xc1\xbf"));
  CHECK(!utf8("\xe0\x80\x80"));
  CHECK(!utf8("\xe0\x9f\xbf"));        /* U+07FF in 3 bytes */
  CHECK(!utf8("\xf0\x80\x80\x80"));
  CHECK(!utf8("\xf0\x8f\xbf\xbf"));    /* U+FFFF in 4 bytes */
  /* Surrogates, alone and as a CESU-8 pair. */
  CHECK(!utf8("\xed\xa0\x80"));        /* U+D800 */
  CHECK(!utf8("\xed\xbf\xbf"));        /* U+DFFF */
  CHECK(!utf8("\xed\xa0\xbd\xed\xb8\x80"));
  /* Beyond U+10FFFF, and bytes that never occur. */
  CHECK(!utf8("\xf4\x90\x80\x80"));    /* U+110000 */
  CHECK(!utf8("\xf5\x80\x80\x80"));
  CHECK(!utf8("\xf8\x88\x80\x80\x80"));
  CHECK(!utf8("\xfc\x84\x80\x80\x80\x80"));
  CHECK(!utf8("\xfe"));
  CHECK(!utf8("\xff"));
  /* Stray and missing continuation bytes. */
  CHECK(!utf8("\x80"));
  CHECK(!utf8("a\xbf"));
  CHECK(!utf8("\xc2"));                /* truncated at the end */
  CHECK(!utf8("\xe6\x88"));
  CHECK(!utf8("\xf0\x9f\x98"));
  CHECK(!utf8("\xc2x"));               /* interrupted */
  CHECK(!utf8("\xe6\x88x"));
  CHECK(!utf8("\xf0\x9f\x98x"));
  CHECK(!utf8("\xe6\x88\x91\x80"));    /* one continuation too many */
  /* Truncation is judged by the length given, not by a NUL: a valid 3-byte character cut
   * by n must be refused (and not read beyond n, which ASan would catch). */
  uint8_t *heap = malloc(2);
  CHECK(heap != NULL);
  if (heap) {
    memcpy(heap, "\xe6\x88", 2);
    CHECK(!aidreg_utf8_valid(heap, 2));
    free(heap);
  }
}

/* A valid payload with one member replaced (value NULL: removed) or added. */
static const char *const base_members[][2] = {
  {"ledger", "\"registry.example.org/522701\""},
  {"type", "\"maintenance.report\""},
  {"subject", "\"A-522701-0001\""},
  {"time", "\"2026-11-29T17:07:44+08:00\""},
  {"body", "{\"kind\":\"repair\",\"cost_fen\":12000,\"photos_sha256\":[]}"},
};

static char *payload_with(const char *name, const char *value) {
  size_t cap = 4096, n = 0;
  char *s = malloc(cap);
  if (!s) return NULL;
  s[n++] = '{';
  bool replaced = false;
  for (size_t i = 0; i < sizeof base_members / sizeof base_members[0]; i++) {
    const char *v = base_members[i][1];
    if (name && strcmp(name, base_members[i][0]) == 0) {
      replaced = true;
      if (!value) continue;
      v = value;
    }
    n += (size_t)snprintf(s + n, cap - n, "%s\"%s\":%s", n > 1 ? "," : "", base_members[i][0], v);
  }
  if (name && !replaced && value)
    n += (size_t)snprintf(s + n, cap - n, "%s\"%s\":%s", n > 1 ? "," : "", name, value);
  snprintf(s + n, cap - n, "}");
  return s;
}

/* Parses s; expects refusal with code and field. */
static void refuse(const char *s, aidreg_code code, const char *field, int line) {
  aidreg_event ev;
  aidreg_problem p;
  aidreg_problem_clear(&p);
  memset(&ev, 0x5a, sizeof ev);
  int rc = aidreg_event_parse((const uint8_t *)s, strlen(s), &ev, &p);
  CHECK_MSG(rc == -1, "line %d: accepted %s", line, s);
  CHECK_MSG(p.code == code, "line %d: code %s, want %s (%s)", line, aidreg_problem_slug(p.code),
            aidreg_problem_slug(code), p.detail);
  CHECK_MSG(strcmp(p.field, field) == 0, "line %d: field \"%s\", want \"%s\"", line, p.field, field);
  CHECK_MSG(p.detail[0] != '\0', "line %d: no detail", line);
  CHECK_MSG(aidreg_utf8_valid((const uint8_t *)p.detail, strlen(p.detail)), "line %d: detail", line);
  CHECK_MSG(ev.root == NULL && ev.body == NULL && ev.ledger == NULL, "line %d: event left filled", line);
  aidreg_event_free(&ev);
}
#define REFUSE(s, code, field) refuse(s, AIDREG_E_##code, field, __LINE__)

static void refuse_with(const char *name, const char *value, aidreg_code code, const char *field,
                        int line) {
  char *s = payload_with(name, value);
  CHECK(s != NULL);
  if (s) refuse(s, code, field, line);
  free(s);
}
#define REFUSE_WITH(name, value, code, field) \
  refuse_with(name, value, AIDREG_E_##code, field, __LINE__)

static void test_parse_ok(void) {
  char *s = payload_with(NULL, NULL);
  aidreg_event ev;
  aidreg_problem p;
  CHECK(s != NULL);
  if (!s) return;
  CHECK(aidreg_event_parse((const uint8_t *)s, strlen(s), &ev, &p) == 0);
  CHECK_STR(ev.ledger, "registry.example.org/522701");
  CHECK_STR(ev.type, "maintenance.report");
  CHECK_STR(ev.subject, "A-522701-0001");
  CHECK_STR(ev.time_str, "2026-11-29T17:07:44+08:00");
  CHECK(ev.time == 1795943264);
  CHECK(!ev.has_prev);
  CHECK(json_is_object(ev.body) && json_integer_value(json_object_get(ev.body, "cost_fen")) == 12000);
  uint8_t h[32];
  aidreg_sha256(s, strlen(s), h);
  CHECK(memcmp(h, ev.payload_sha256, 32) == 0);
  aidreg_event_free(&ev);
  CHECK(ev.root == NULL);
  aidreg_event_free(&ev); /* twice is harmless */
  aidreg_event_free(NULL);
  free(s);

  /* prev, either case (it is compared as bytes); members in any order; whitespace. */
  const char *hex = "00112233445566778899aabbccddeeffFFEEDDCCBBAA99887766554433221100";
  char buf[512];
  snprintf(buf, sizeof buf,
           " {\n \"body\" : {},\"prev\":\"%s\", \"time\":\"2026-01-01t00:00:00.5z\",\"subject\":\"x\","
           "\"type\":\"t\",\"ledger\":\"l\"}\n",
           hex);
  CHECK(aidreg_event_parse((const uint8_t *)buf, strlen(buf), &ev, &p) == 0);
  CHECK(ev.has_prev && ev.prev[0] == 0x00 && ev.prev[1] == 0x11 && ev.prev[31] == 0x00 &&
        ev.prev[16] == 0xff);
  CHECK(ev.time == 1767225600);
  aidreg_event_free(&ev);

  /* Text anywhere may be any valid UTF-8, escapes included. */
  s = payload_with("body", "{\"note\":\"管护 \\u7ba1 \\ud83d\\ude00 😀\",\"a\":{\"b\":[1,2,{\"c\":null}]}}");
  CHECK(s && aidreg_event_parse((const uint8_t *)s, strlen(s), &ev, &p) == 0);
  aidreg_event_free(&ev);
  free(s);

  /* The type is not looked up here: an unknown one is a 422 decided later. */
  s = payload_with("type", "\"no.such.type\"");
  CHECK(s && aidreg_event_parse((const uint8_t *)s, strlen(s), &ev, &p) == 0);
  aidreg_event_free(&ev);
  free(s);

  /* A NULL problem is allowed. */
  CHECK(aidreg_event_parse((const uint8_t *)"[]", 2, &ev, NULL) == -1);
}

static void test_parse_refusals(void) {
  /* Bytes and syntax. */
  REFUSE("", MALFORMED_JSON, "");
  REFUSE("{", MALFORMED_JSON, "");
  REFUSE("{\"ledger\":}", MALFORMED_JSON, "");
  REFUSE("{} {}", MALFORMED_JSON, "");
  REFUSE("{'a':1}", MALFORMED_JSON, "");
  REFUSE("\xef\xbb\xbf{}", MALFORMED_JSON, ""); /* a BOM is not JSON */
  REFUSE("{\"a\":\"\\u0000\"}", MALFORMED_JSON, "");
  REFUSE("{\"a\":\"\\ud800\"}", MALFORMED_JSON, ""); /* lone surrogate as an escape */
  REFUSE("{\"ledger\":\"\xc0\xaf\"}", INVALID_UTF8, "");
  REFUSE("{\"ledger\":\"\xed\xa0\x80\"}", INVALID_UTF8, "");
  REFUSE("{\"ledger\":\"\xe6\x88\"}", INVALID_UTF8, "");
  REFUSE("{\"ledger\":\"\xf4\x90\x80\x80\"}", INVALID_UTF8, "");
  REFUSE("{\"a\":\"\xff\"}", INVALID_UTF8, ""); /* before the JSON is even looked at */
  {
    aidreg_event ev;
    aidreg_problem p;
    CHECK(aidreg_event_parse((const uint8_t *)"{\"a\":1}\0", 8, &ev, &p) == -1 &&
          p.code == AIDREG_E_INVALID_UTF8);
  }

  /* Duplicate keys at every depth. */
  REFUSE_WITH("ledger", "\"x\",\"ledger\":\"x\"", DUPLICATE_KEY, "");
  REFUSE_WITH("ledger", "\"x\",\"ledger\":\"y\"", DUPLICATE_KEY, "");
  REFUSE_WITH("body", "{\"a\":1,\"a\":1}", DUPLICATE_KEY, "");
  REFUSE_WITH("body", "{\"a\":{\"b\":{\"c\":1,\"c\":2}}}", DUPLICATE_KEY, "");
  REFUSE_WITH("body", "{\"list\":[{\"x\":1},{\"y\":1,\"y\":1}]}", DUPLICATE_KEY, "");
  REFUSE_WITH("body", "{\"\\u0061\":1,\"a\":2}", DUPLICATE_KEY, ""); /* escaped spelling */
  REFUSE_WITH("body", "{\"管\":1,\"\\u7ba1\":2}", DUPLICATE_KEY, "");

  /* Not an object. */
  REFUSE("[]", INVALID_FIELD, "");
  REFUSE("\"event\"", INVALID_FIELD, "");
  REFUSE("42", INVALID_FIELD, "");
  REFUSE("null", INVALID_FIELD, "");

  /* Unknown members, with their pointer escaped per RFC 6901. */
  REFUSE_WITH("extra", "1", UNKNOWN_FIELD, "/extra");
  REFUSE_WITH("a/b~c", "1", UNKNOWN_FIELD, "/a~1b~0c");
  REFUSE_WITH("Ledger", "\"x\"", UNKNOWN_FIELD, "/Ledger");
  REFUSE_WITH("资产", "1", UNKNOWN_FIELD, "/资产");
  REFUSE_WITH("", "1", UNKNOWN_FIELD, "/");
  REFUSE("{\"zzz\":1,\"aaa\":2}", UNKNOWN_FIELD, "/zzz"); /* the first in document order */

  /* Missing members. */
  REFUSE_WITH("ledger", NULL, MISSING_FIELD, "/ledger");
  REFUSE_WITH("type", NULL, MISSING_FIELD, "/type");
  REFUSE_WITH("subject", NULL, MISSING_FIELD, "/subject");
  REFUSE_WITH("time", NULL, MISSING_FIELD, "/time");
  REFUSE_WITH("body", NULL, MISSING_FIELD, "/body");
  REFUSE("{}", MISSING_FIELD, "/ledger");

  /* Wrong types and empty strings. */
  REFUSE_WITH("ledger", "\"\"", INVALID_FIELD, "/ledger");
  REFUSE_WITH("ledger", "522701", INVALID_FIELD, "/ledger");
  REFUSE_WITH("ledger", "null", INVALID_FIELD, "/ledger");
  REFUSE_WITH("type", "[\"asset.status\"]", INVALID_FIELD, "/type");
  REFUSE_WITH("type", "\"\"", INVALID_FIELD, "/type");
  REFUSE_WITH("subject", "{}", INVALID_FIELD, "/subject");
  REFUSE_WITH("subject", "true", INVALID_FIELD, "/subject");
  REFUSE_WITH("subject", "\"\"", INVALID_FIELD, "/subject");
  REFUSE_WITH("time", "1795943264", INVALID_FIELD, "/time");
  REFUSE_WITH("time", "\"\"", INVALID_FIELD, "/time");
  REFUSE_WITH("body", "[]", INVALID_FIELD, "/body");
  REFUSE_WITH("body", "null", INVALID_FIELD, "/body");
  REFUSE_WITH("body", "\"{}\"", INVALID_FIELD, "/body");

  /* time: an RFC 3339 instant with an offset. */
  REFUSE_WITH("time", "\"2026-11-29T09:07:44\"", INVALID_TIME, "/time");
  REFUSE_WITH("time", "\"2026-11-29\"", INVALID_TIME, "/time");
  REFUSE_WITH("time", "\"2021-02-29T00:00:00Z\"", INVALID_TIME, "/time");
  REFUSE_WITH("time", "\"2026-11-29T24:00:00Z\"", INVALID_TIME, "/time");
  REFUSE_WITH("time", "\"yesterday\"", INVALID_TIME, "/time");

  /* prev: 64 hex digits when present, never null. */
  REFUSE_WITH("prev", "null", INVALID_FIELD, "/prev");
  REFUSE_WITH("prev", "\"\"", INVALID_FIELD, "/prev");
  REFUSE_WITH("prev", "42", INVALID_FIELD, "/prev");
  REFUSE_WITH("prev", "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeef\"",
              INVALID_FIELD, "/prev"); /* 63 */
  REFUSE_WITH("prev", "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0\"",
              INVALID_FIELD, "/prev"); /* 65 */
  REFUSE_WITH("prev", "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg\"",
              INVALID_FIELD, "/prev");
  REFUSE_WITH("prev", "\"ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=\"", INVALID_FIELD,
              "/prev"); /* base64, not hex */

  /* expires (optional): an RFC 3339 instant, not before time. */
  REFUSE_WITH("expires", "null", INVALID_TIME, "/expires");
  REFUSE_WITH("expires", "1795943264", INVALID_TIME, "/expires");
  REFUSE_WITH("expires", "\"2026-11-30\"", INVALID_TIME, "/expires");
  REFUSE_WITH("expires", "\"2026-11-29T09:07:43Z\"", INVALID_FIELD, "/expires"); /* a second before time */
  char *s = payload_with("expires", "\"2026-11-29T18:07:44+08:00\"");
  aidreg_event ev;
  aidreg_problem p;
  CHECK(s && aidreg_event_parse((const uint8_t *)s, strlen(s), &ev, &p) == 0);
  CHECK(ev.has_expires && ev.expires == 1795943264 + 3600);
  aidreg_event_free(&ev);
  free(s);
}

/* A long unknown key: the pointer is cut to fit, on a character boundary. */
static void test_long_pointer(void) {
  char key[400], buf[600];
  size_t n = 0;
  key[n++] = 'x'; /* so that the field's 126 bytes after '/' end inside a character */
  while (n + 3 < 300) {
    memcpy(key + n, "资", 3); /* 3 bytes each: 127 is not a multiple */
    n += 3;
  }
  key[n] = '\0';
  snprintf(buf, sizeof buf, "{\"%s\":1}", key);
  aidreg_event ev;
  aidreg_problem p;
  CHECK(aidreg_event_parse((const uint8_t *)buf, strlen(buf), &ev, &p) == -1);
  CHECK(p.code == AIDREG_E_UNKNOWN_FIELD);
  CHECK(p.field[0] == '/' && strlen(p.field) > 100 && strlen(p.field) < sizeof p.field);
  CHECK(aidreg_utf8_valid((const uint8_t *)p.field, strlen(p.field)));
  CHECK((strlen(p.field) - 2) % 3 == 0);

  /* A long key made of '~' doubles in the pointer; still cut cleanly. */
  memset(key, '~', 200);
  key[200] = '\0';
  snprintf(buf, sizeof buf, "{\"%s\":1}", key);
  CHECK(aidreg_event_parse((const uint8_t *)buf, strlen(buf), &ev, &p) == -1);
  CHECK(p.code == AIDREG_E_UNKNOWN_FIELD && strlen(p.field) == sizeof p.field - 1);
  CHECK(strncmp(p.field, "/~0~0", 5) == 0);

  /* jansson quotes the token near an error (up to 20 bytes of it). The detail must stay
   * valid UTF-8 whatever it quotes: the server puts it into JSON. */
  static const char *const quoting[] = {"{\"a\":\"管管管\\x\"}", "{\"a\":1管}",
                                        "{\"管管管管管管管\":x}", "{\"a\":\"😀😀😀😀😀\\q\"}",
                                        /* found by fuzzing: quoted up to half a character */
                                        "{\"\\\xdd\x90\":[]}", "{\"a\":\"\\\xe7\xae\xa1\"}"};
  for (size_t i = 0; i < sizeof quoting / sizeof quoting[0]; i++) {
    CHECK(aidreg_event_parse((const uint8_t *)quoting[i], strlen(quoting[i]), &ev, &p) == -1);
    CHECK(p.code == AIDREG_E_MALFORMED_JSON);
    CHECK_MSG(aidreg_utf8_valid((const uint8_t *)p.detail, strlen(p.detail)), "%s", p.detail);
  }
}

/* The catalogue against docs/events.md: type, who may sign, subject. */
#define C AIDREG_ROLE_COUNTY
#define T AIDREG_ROLE_TOWNSHIP
#define V AIDREG_ROLE_VILLAGE
#define O AIDREG_ROLE_OPERATOR
#define A AIDREG_ROLE_AUDITOR
static const aidreg_event_type expected[] = {
  {.name = "ledger.create", .roles = C, .subject = AIDREG_SUBJ_COUNTY},
  {.name = "ledger.settings", .roles = C, .subject = AIDREG_SUBJ_COUNTY},
  {.name = "key.enroll", .roles = C | T, .subject = AIDREG_SUBJ_KEY},
  {.name = "key.revoke", .roles = C | T, .subject = AIDREG_SUBJ_KEY},
  {.name = "place.register", .roles = C, .subject = AIDREG_SUBJ_PLACE},
  {.name = "project.register", .roles = C, .subject = AIDREG_SUBJ_PROJECT},
  {.name = "asset.register", .roles = C, .subject = AIDREG_SUBJ_ASSET},
  {.name = "asset.rights", .roles = C, .subject = AIDREG_SUBJ_ASSET},
  {.name = "asset.handover", .roles = C | T, .subject = AIDREG_SUBJ_ASSET},
  {.name = "asset.operator", .roles = C | T | V, .subject = AIDREG_SUBJ_ASSET},
  {.name = "asset.maintainer", .roles = C | T | V, .subject = AIDREG_SUBJ_ASSET},
  {.name = "asset.status", .roles = C | T | V | O | A, .subject = AIDREG_SUBJ_ASSET},
  {.name = "maintenance.report", .roles = C | T | V, .subject = AIDREG_SUBJ_ASSET},
  {.name = "inventory.count", .roles = C | T | V, .subject = AIDREG_SUBJ_ASSET},
  {.name = "income.report", .roles = O | V | C, .subject = AIDREG_SUBJ_ASSET},
  {.name = "allocation.plan", .roles = V, .subject = AIDREG_SUBJ_PLAN},
  {.name = "allocation.review", .roles = T, .subject = AIDREG_SUBJ_PLAN},
  {.name = "allocation.filed", .roles = C, .subject = AIDREG_SUBJ_PLAN},
  {.name = "notice.publish", .roles = V | T, .subject = AIDREG_SUBJ_ANY},
  {.name = "allocation.payout", .roles = V, .subject = AIDREG_SUBJ_PLAN},
  {.name = "disposal.request", .roles = V | T, .subject = AIDREG_SUBJ_ASSET},
  {.name = "disposal.approve", .roles = C, .subject = AIDREG_SUBJ_ASSET},
  {.name = "disposal.complete", .roles = V | T | C, .subject = AIDREG_SUBJ_ASSET},
  {.name = "finding.record", .roles = A | C, .subject = AIDREG_SUBJ_ANY},
  {.name = "finding.resolve", .roles = C | T | V, .subject = AIDREG_SUBJ_ANY},
  {.name = "correction", .roles = C | T | V | O | A, .subject = AIDREG_SUBJ_SAME},
};

static void test_catalogue(void) {
  size_t nexp = sizeof expected / sizeof expected[0];
  for (size_t i = 0; i < nexp; i++) {
    const aidreg_event_type *t = aidreg_event_type_find(expected[i].name);
    CHECK_MSG(t != NULL, "%s missing", expected[i].name);
    if (!t) continue;
    CHECK_STR(t->name, expected[i].name);
    CHECK_MSG(t->roles == expected[i].roles, "%s roles %#x, want %#x", t->name, t->roles,
              expected[i].roles);
    CHECK_MSG(t->subject == expected[i].subject, "%s subject", t->name);
  }
  /* Nothing more than docs/events.md, no type twice. */
  size_t n = 0;
  for (const aidreg_event_type *t = aidreg_event_types(); t->name; t++, n++) {
    CHECK_MSG(t->roles != 0 && (t->roles & ~(unsigned)AIDREG_ROLES_ANY) == 0, "%s roles", t->name);
    /* Every row carries its Chinese label and its hooks into the rules. */
    CHECK_MSG(t->label_zh && *t->label_zh && t->hooks, "%s label or hooks", t->name);
    CHECK(aidreg_event_type_find(t->name) == t);
  }
  CHECK(n == nexp);
  CHECK(aidreg_event_type_find("no.such.type") == NULL);
  CHECK(aidreg_event_type_find("") == NULL);
  CHECK(aidreg_event_type_find(NULL) == NULL);
  CHECK(aidreg_event_type_find("Asset.Register") == NULL);
  CHECK(aidreg_event_type_find("asset.register ") == NULL);
  CHECK(aidreg_event_type_find("asset") == NULL);
  CHECK(aidreg_event_type_find("ledger.settings.x") == NULL);

  static const char *const names[] = {"county", "township", "village", "operator", "auditor"};
  unsigned all = 0;
  for (size_t i = 0; i < 5; i++) {
    aidreg_role r = aidreg_role_parse(names[i]);
    CHECK_MSG(r != 0, "%s", names[i]);
    CHECK_STR(aidreg_role_name(r), names[i]);
    CHECK((all & (unsigned)r) == 0);
    all |= (unsigned)r;
  }
  CHECK(all == AIDREG_ROLES_ANY);
  CHECK(aidreg_role_parse("County") == 0);
  CHECK(aidreg_role_parse("root") == 0);
  CHECK(aidreg_role_parse("") == 0);
  CHECK(aidreg_role_parse(NULL) == 0);
  CHECK(aidreg_role_name((aidreg_role)0) == NULL);
  CHECK(aidreg_role_name((aidreg_role)(C | T)) == NULL);
}

int main(void) {
  test_utf8();
  test_parse_ok();
  test_parse_refusals();
  test_long_pointer();
  test_catalogue();
  return test_done();
}
