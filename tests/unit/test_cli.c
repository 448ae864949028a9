/* The `aidreg` binary built beside this test, for what needs no server: --help and usage
 * errors of every command, keygen, sign (payload bytes and member order), verify --dir
 * over a tlog-tiles folder written here from a real signed ledger (and tampered), and
 * proof check of a receipt made here. */
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <libgen.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/keys.h"
#include "aidreg/leaf.h"
#include "aidreg/merkle.h"
#include "aidreg/note.h"
#include "aidreg/tile.h"
#include "test.h"

#define N 300
#define ORIGIN "cli.test/522701"

static char cli[4096], tmp[256];
static char out[1 << 16];

/* Runs the CLI with a shell command line after the binary; stdout+stderr in out. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...) {
  char args[8192], cmd[16384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "cd '%s' && env -u AIDREG_URL -u AIDREG_LEDGER -u AIDREG_ORIGIN -u AIDREG_LOG_VKEY "
           "-u AIDREG_ADMIN_TOKEN '%s' %s 2>&1", tmp, cli, args);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = 0;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_file(const char *rel, const void *data, size_t len) {
  char path[1024], dir[1024];
  snprintf(path, sizeof path, "%s/%s", tmp, rel);
  /* mkdir -p */
  snprintf(dir, sizeof dir, "%s", path);
  for (char *s = dir + strlen(tmp) + 1; *s; s++)
    if (*s == '/') {
      *s = 0;
      mkdir(dir, 0755);
      *s = '/';
    }
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static char *read_file(const char *rel, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", tmp, rel);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *b = malloc(1 << 20);
  size_t n = fread(b, 1, (1 << 20) - 1, f);
  fclose(f);
  b[n] = 0;
  if (len) *len = n;
  return b;
}

static void test_help_and_usage(void) {
  static const char *const cmds[] = {"keygen", "sign",   "submit", "ledger create", "enroll", "revoke",
                                     "verify", "export", "proof",  "template",      "assets", "asset",
                                     "plans",  "plan",   "places", "keys",          "incomes", "summary", "import", "audit", "finding",
                                     "witness"};
  CHECK(run("--help") == 0 && strstr(out, "usage: aidreg <command>"));
  CHECK(run("%s", "") == 2);
  CHECK(run("frobnicate") == 2);
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    CHECK_MSG(run("%s --help", cmds[i]) == 0 && strstr(out, "usage: aidreg "), "%s --help: %s", cmds[i], out);
    CHECK_MSG(run("%s --no-such-option", cmds[i]) == 2, "%s: unknown option: %s", cmds[i], out);
  }
  CHECK(run("keygen") == 2);
  CHECK(run("sign --key x.key") == 2);
  CHECK(run("submit x.json") == 2 && strstr(out, "--server"));
  CHECK(run("verify") == 2);
  CHECK(run("verify --server http://127.0.0.1:1 --ledger 522701") == 2 && strstr(out, "--vkey"));
  CHECK(run("proof check --receipt r.json") == 2);
  /* Witnesses: usage errors before any key, file or request is read. */
  CHECK(run("witness") == 2 && strstr(out, "--key"));
  CHECK(run("verify --server http://127.0.0.1:1 --ledger 522701 --witness not-a-key") == 2 && strstr(out, "witness"));
  CHECK(run("verify --server http://127.0.0.1:1 --ledger 522701 --witness-threshold 0") == 2);
  CHECK(run("verify --server http://127.0.0.1:1 --ledger 522701 --witness-threshold 1") == 2 &&
        strstr(out, "more than"));
  CHECK(run("proof check --receipt r.json --witness w+00000000+AAAA") == 2);
  CHECK(run("ledger delete") == 2);
  CHECK(run("import") == 2);
  CHECK(run("import a.csv b.csv --server http://127.0.0.1:1 --ledger 522701") == 2);
  CHECK(run("import a.csv --server http://127.0.0.1:1 --ledger 522701") == 2 && strstr(out, "--key"));
  CHECK(run("import a.csv --server http://127.0.0.1:1 --ledger 522701 --dry-run --unit 千元") == 2);
  CHECK(run("--version") == 0 && strncmp(out, "aidreg ", 7) == 0);
  /* The table commands: usage errors before any request is made. */
  CHECK(run("assets") == 2 && strstr(out, "--server"));
  CHECK(run("assets --server http://127.0.0.1:1") == 2 && strstr(out, "--ledger"));
  CHECK(run("assets --server http://127.0.0.1:1 --ledger 52270") == 2);
  CHECK(run("assets --server http://127.0.0.1:1 --ledger 522701 --village 5227011012") == 2);
  CHECK(run("assets --server http://127.0.0.1:1 --ledger 522701 --year 2024") == 2 && strstr(out, "does not apply"));
  CHECK(run("asset --server http://127.0.0.1:1 --ledger 522701") == 2 && strstr(out, "id is required"));
  CHECK(run("asset --server http://127.0.0.1:1 --ledger 522701 'a b'") == 2);
  CHECK(run("plan --server http://127.0.0.1:1 --ledger 522701 P-1 P-2") == 2);
  CHECK(run("summary --server http://127.0.0.1:1 --ledger 522701 --village 522701101201 --township 522701101") == 2);
  CHECK(run("incomes --server http://127.0.0.1:1 --ledger 522701 --asset 'x/y'") == 2);
  CHECK(run("incomes --server http://127.0.0.1:1 --ledger 522701") == 1); /* nothing listens there */
}

/* aidreg template: every type of the catalogue has a commented example; with the comments
 * dropped (as sign drops them) it is a JSON object, and its --json form validates as a body
 * of the type where the example needs no other entry. sign shows what it signs and signs a
 * template's body as it is. */
static void test_template(void) {
  CHECK(run("template") == 2);
  CHECK(run("template no.such") == 2 && strstr(out, "not in the catalogue"));
  CHECK(run("template --list") == 0 && strstr(out, "asset.register") && strstr(out, "资产登记") &&
        strstr(out, "correction"));
  for (const aidreg_event_type *t = aidreg_event_types(); t->name; t++) {
    CHECK_MSG(run("template %s", t->name) == 0, "template %s: %s", t->name, out);
    CHECK_MSG(strstr(out, t->label_zh) && strstr(out, "{") && strstr(out, "}"), "template %s: %s", t->name, out);
    json_t *schema = NULL;
    CHECK(aidreg_event_body_schema(t, &schema) == 0);
    if (!schema) continue;
    /* Every member of the body is named, with its Chinese title, and every enumeration
     * value with its label. */
    const char *k;
    json_t *m;
    json_object_foreach(json_object_get(schema, "properties"), k, m) {
      char q[80];
      snprintf(q, sizeof q, "\"%s\":", k);
      CHECK_MSG(strstr(out, q) != NULL, "template %s does not name %s", t->name, k);
      const char *title = json_string_value(json_object_get(m, "title"));
      CHECK_MSG(!title || strstr(out, title), "template %s: no title %s", t->name, title);
      const char *lk;
      json_t *lv;
      json_object_foreach(json_object_get(m, "x-labels"), lk, lv)
        CHECK_MSG(strstr(out, json_string_value(lv)) != NULL, "template %s: no label of %s", t->name, lk);
    }
    json_decref(schema);
    CHECK_MSG(run("template --json %s > body.json 2>/dev/null; cat body.json", t->name) == 0, "%s", out);
    json_t *b = json_loads(out, 0, NULL);
    CHECK_MSG(json_is_object(b), "template --json %s: %s", t->name, out);
    json_decref(b);
  }
  /* The commented template, filled in as it is, signs: the comments are dropped. */
  CHECK(run("template asset.register > a.json") == 0);
  CHECK(run("sign --key alice.key --type asset.register --subject A-T-1 --origin " ORIGIN
            " --time 2026-03-01T08:00:00Z --body-file a.json") == 0);
  CHECK_MSG(strstr(out, "即将签署") && strstr(out, "资产登记 asset.register") && strstr(out, "A-T-1") &&
                strstr(out, "operating 经营性") && strstr(out, "0.00 元"),
            "sign summary: %s", out);
  char *env_line = strrchr(out, '{') ? strstr(out, "{\"payload") : NULL;
  CHECK_MSG(env_line != NULL, "no envelope: %s", out);
  CHECK(run("sign --quiet --key alice.key --type asset.register --subject A-T-1 --origin " ORIGIN
            " --time 2026-03-01T08:00:00Z --body-file a.json") == 0 && out[0] == '{' && !strstr(out, "即将签署"));
  aidreg_envelope env;
  aidreg_problem p = {0};
  CHECK(aidreg_envelope_parse(out, strlen(out) - 1, &env, &p) == 0);
  aidreg_event ev;
  CHECK(aidreg_event_parse(env.payload, env.payload_len, &ev, &p) == 0);
  CHECK(strcmp(json_string_value(json_object_get(ev.body, "class")), "operating") == 0);
  CHECK(json_object_get(ev.body, "description") == NULL); /* commented out */
  aidreg_event_free(&ev);
  aidreg_envelope_free(&env);
  /* A // inside a string is kept. */
  CHECK(run("sign --quiet --key alice.key --type asset.status --subject A-1 --origin " ORIGIN
            " --body '{\"status\":\"idle\",\"reason\":\"see http://x//y\"} // why'") == 0);
  CHECK(aidreg_envelope_parse(out, strlen(out) - 1, &env, &p) == 0);
  char pl[512];
  snprintf(pl, sizeof pl, "%.*s", (int)env.payload_len, (const char *)env.payload);
  CHECK_MSG(strstr(pl, "http://x//y") != NULL, "payload %s", pl);
  aidreg_envelope_free(&env);
}

static void test_keygen_sign(void) {
  CHECK(run("keygen --out alice") == 0);
  char id[64];
  snprintf(id, sizeof id, "%.44s", out);
  uint8_t pk[32];
  char err[256], path[512];
  snprintf(path, sizeof path, "%s/alice.pub", tmp);
  CHECK(aidreg_key_read_public(path, pk, err) == 0);
  char want[AIDREG_KEYID_LEN + 1];
  aidreg_key_id(pk, want);
  CHECK_STR(id, want);
  struct stat st;
  snprintf(path, sizeof path, "%s/alice.key", tmp);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK(run("keygen --out alice") == 1); /* never overwrites */
  CHECK(run("keygen --out bob") == 0);

  /* The payload: exactly these bytes, members in the documented order. */
  CHECK(run("sign --quiet --key alice.key --key bob.key --type asset.status --subject A-1 --origin " ORIGIN
            " --time 2026-03-01T08:00:00+08:00 --prev %s --body '{\"status\":\"idle\",\"reason\":\"干旱\",\"q\":12.5}'",
            "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789") == 0);
  aidreg_envelope env;
  aidreg_problem p;
  CHECK(aidreg_envelope_parse(out, strlen(out) - 1, &env, &p) == 0);
  CHECK(aidreg_envelope_verify(&env, &p) == 0);
  CHECK(env.nsig == 2);
  const char *expect =
      "{\"ledger\":\"" ORIGIN "\",\"type\":\"asset.status\",\"subject\":\"A-1\",\"time\":\"2026-03-01T08:00:00+08:00\","
      "\"prev\":\"abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\","
      "\"body\":{\"status\":\"idle\",\"reason\":\"干旱\",\"q\":12.5}}";
  CHECK_MSG(env.payload_len == strlen(expect) && memcmp(env.payload, expect, env.payload_len) == 0, "payload %.*s",
            (int)env.payload_len, env.payload);
  aidreg_envelope_free(&env);

  /* --event signs the file byte for byte. */
  const char *ev = "{\"type\":\"ledger.settings\",\"ledger\":\"" ORIGIN
                   "\",\"subject\":\"522701\",\"time\":\"2026-03-01T00:00:00Z\",\"body\":{}}\n";
  write_file("ev.json", ev, strlen(ev));
  CHECK(run("sign --quiet --key alice.key --event ev.json") == 0);
  CHECK(aidreg_envelope_parse(out, strlen(out) - 1, &env, &p) == 0);
  CHECK(env.payload_len == strlen(ev) && memcmp(env.payload, ev, env.payload_len) == 0);
  aidreg_envelope_free(&env);
  /* Refusals before signing. */
  CHECK(run("sign --key alice.key --type no.such --subject x --origin o/522701 --body '{}'") == 2);
  CHECK(run("sign --key alice.key --type asset.status --subject x --origin o/522701 --body '[1]'") == 2);
  CHECK(run("sign --key alice.key --type asset.status --subject x --origin o/522701 --body '{\"a\":1,\"a\":1}'") == 1);
  CHECK(run("sign --key alice.key --type asset.status --subject x --origin o/522701 --time yesterday --body '{}'") == 2);
  CHECK(run("sign --key nobody.key --type asset.status --subject x --origin o/522701 --body '{}'") == 1);
}

/* ---- a ledger written as a tlog-tiles folder ------------------------------------------ */

static uint8_t *leaves[N];
static size_t lens[N];
static uint8_t *level_nodes[64];
static uint64_t level_count[64];
static aidreg_keypair log_key, root_key, county_key;

static void sink(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32]) {
  (void)ctx;
  if (index >= level_count[level]) {
    level_nodes[level] = realloc(level_nodes[level], (size_t)(index + 1) * 32);
    level_count[level] = index + 1;
  }
  memcpy(level_nodes[level] + index * 32, hash, 32);
}

static int node_fetch(void *ctx, unsigned level, uint64_t index, uint8_t o[32]) {
  (void)ctx;
  if (index >= level_count[level]) return -1;
  memcpy(o, level_nodes[level] + index * 32, 32);
  return 0;
}

static void make_ledger(char **vkey_out, char **note_out) {
  char rid[45], cid[45], payload[1024];
  aidreg_key_generate(&log_key);
  aidreg_key_generate(&root_key);
  aidreg_key_generate(&county_key);
  aidreg_key_id(root_key.pk, rid);
  aidreg_key_id(county_key.pk, cid);
  aidreg_frontier fr;
  aidreg_frontier_init(&fr);
  for (int i = 0; i < N; i++) {
    const aidreg_keypair *k = i < 2 ? &root_key : &county_key;
    if (i == 0)
      snprintf(payload, sizeof payload,
               "{\"ledger\":\"" ORIGIN "\",\"type\":\"ledger.create\",\"subject\":\"522701\",\"time\":\"2026-01-01T00:00:00Z\","
               "\"body\":{\"code\":\"522701\",\"name\":\"x\",\"root_key\":\"%s\",\"settings\":{}}}",
               rid);
    else if (i == 1)
      snprintf(payload, sizeof payload,
               "{\"ledger\":\"" ORIGIN "\",\"type\":\"key.enroll\",\"subject\":\"%s\",\"time\":\"2026-01-01T00:00:01Z\","
               "\"body\":{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"522701\",\"holder\":{\"name\":\"a\",\"org\":\"b\"}}}",
               cid, cid);
    else
      snprintf(payload, sizeof payload,
               "{\"ledger\":\"" ORIGIN "\",\"type\":\"ledger.settings\",\"subject\":\"522701\",\"time\":\"2026-01-01T00:00:02Z\","
               "\"body\":{\"publicity_days\":%d}}",
               i);
    aidreg_envelope env;
    aidreg_problem p;
    aidreg_envelope_sign((const uint8_t *)payload, strlen(payload), k, 1, &env);
    leaves[i] = (uint8_t *)aidreg_leaf_build((uint64_t)i, "2026-01-01T00:00:03.000Z", &env, &lens[i], &p);
    aidreg_envelope_free(&env);
    uint8_t h[32];
    aidreg_merkle_leaf_hash(leaves[i], lens[i], h);
    aidreg_frontier_append(&fr, h, sink, NULL);
  }
  aidreg_checkpoint cp = {.size = N};
  snprintf(cp.origin, sizeof cp.origin, ORIGIN);
  aidreg_frontier_root(&fr, cp.root);
  char *text = aidreg_checkpoint_text(&cp);
  *note_out = aidreg_note_sign(text, ORIGIN, log_key.sk);
  free(text);
  *vkey_out = aidreg_note_vkey(ORIGIN, log_key.pk);
}

static void write_folder(const char *note) {
  write_file("exp/checkpoint", note, strlen(note));
  char rel[128], path[160];
  for (unsigned L = 0; L < 2; L++) {
    uint64_t count = (uint64_t)N >> (8 * L);
    for (uint64_t n = 0; n * 256 < count; n++) {
      unsigned w = count - n * 256 >= 256 ? 256 : (unsigned)(count - n * 256);
      aidreg_tile_ref t = {.level = L, .index = n, .width = w};
      aidreg_tile_format(&t, rel, sizeof rel);
      snprintf(path, sizeof path, "exp/%s", rel);
      write_file(path, level_nodes[8 * L] + n * 256 * 32, (size_t)w * 32);
    }
  }
  for (uint64_t n = 0; n * 256 < N; n++) {
    unsigned w = N - n * 256 >= 256 ? 256 : (unsigned)(N - n * 256);
    uint8_t *b = malloc((size_t)w * 2 + 256 * 1024);
    size_t pos = 0;
    for (unsigned k = 0; k < w; k++) {
      size_t l = lens[n * 256 + k];
      b[pos] = (uint8_t)(l >> 8);
      b[pos + 1] = (uint8_t)l;
      memcpy(b + pos + 2, leaves[n * 256 + k], l);
      pos += 2 + l;
    }
    aidreg_tile_ref t = {.entries = 1, .index = n, .width = w};
    aidreg_tile_format(&t, rel, sizeof rel);
    snprintf(path, sizeof path, "exp/%s", rel);
    write_file(path, b, pos);
    free(b);
  }
}

static void test_verify_dir(const char *vkey, const char *note) {
  write_folder(note);
  CHECK_MSG(run("verify --dir exp --vkey '%s'", vkey) == 0 && strncmp(out, "ok: ledger 522701 size 300 ", 27) == 0,
            "%s", out);
  CHECK(run("verify --dir exp --vkey '%s' --json", vkey) == 0 && strstr(out, "\"ok\":true"));
  /* No vkey: checked, but said so. */
  CHECK(run("verify --dir exp") == 0 && strstr(out, "NOT checked"));
  /* A byte of entry 260 (in tile/entries/001.p/44). */
  size_t len = 0;
  char *b = read_file("exp/tile/entries/001.p/44", &len);
  char *t = strstr(b + 2 + lens[256] + 2 + lens[257] + 2 + lens[258] + 2 + lens[259], "2026-01-01T00:00:03");
  t[3] = '7';
  write_file("exp/tile/entries/001.p/44", b, len);
  CHECK_MSG(run("verify --dir exp --vkey '%s'", vkey) == 1 &&
                strncmp(out, "FAILED: index 260: leaf hash differs from tree node (0,260)", 58) == 0,
            "%s", out);
  CHECK(run("verify --dir exp --vkey '%s' --json", vkey) == 1 && strstr(out, "\"kind\":\"leaf-hash\"") &&
        strstr(out, "\"index\":260"));
  t[3] = '6';
  write_file("exp/tile/entries/001.p/44", b, len);
  free(b);
  /* A missing tile. */
  char path[512];
  snprintf(path, sizeof path, "%s/exp/tile/1/000.p/1", tmp);
  unlink(path);
  CHECK_MSG(run("verify --dir exp --vkey '%s'", vkey) == 1 && strstr(out, "no tile/1/000.p/1"), "%s", out);
  write_folder(note);
  /* --since: an older checkpoint of this tree, and one of another. */
  uint8_t root[32];
  aidreg_checkpoint cp = {.size = 100};
  snprintf(cp.origin, sizeof cp.origin, ORIGIN);
  CHECK(aidreg_merkle_root(node_fetch, NULL, 100, cp.root) == 0);
  char *text = aidreg_checkpoint_text(&cp);
  char *old = aidreg_note_sign(text, ORIGIN, log_key.sk);
  write_file("old.note", old, strlen(old));
  CHECK_MSG(run("verify --dir exp --vkey '%s' --since old.note", vkey) == 0, "%s", out);
  cp.root[0] ^= 1;
  free(text);
  free(old);
  text = aidreg_checkpoint_text(&cp);
  old = aidreg_note_sign(text, ORIGIN, log_key.sk);
  write_file("old.note", old, strlen(old));
  CHECK_MSG(run("verify --dir exp --vkey '%s' --since old.note", vkey) == 1 && strstr(out, "entries 0..99"), "%s", out);
  free(text);
  free(old);
  (void)root;
}

static void test_proof_check(const char *vkey, const char *note) {
  uint8_t proof[AIDREG_MAX_PROOF][32], h[32];
  size_t plen;
  CHECK(aidreg_merkle_inclusion_proof(node_fetch, NULL, 123, N, proof, &plen) == 0);
  aidreg_merkle_leaf_hash(leaves[123], lens[123], h);
  json_t *arr = json_array();
  for (size_t i = 0; i < plen; i++) {
    char b[45];
    aidreg_b64_encode_to(proof[i], 32, b, sizeof b);
    json_array_append_new(arr, json_string(b));
  }
  char lh[45];
  aidreg_b64_encode_to(h, 32, lh, sizeof lh);
  json_t *r = json_pack("{s:s, s:i, s:s, s:s, s:s, s:o}", "ledger", "522701", "index", 123, "leaf_hash", lh,
                        "payload_sha256", "00", "checkpoint", note, "inclusion_proof", arr);
  char *txt = json_dumps(r, 0);
  write_file("r.json", txt, strlen(txt));
  free(txt);
  CHECK_MSG(run("proof check --receipt r.json --vkey '%s'", vkey) == 0 && strstr(out, "\"verified\":true"), "%s", out);
  /* Another index: the proof no longer leads to the root. */
  json_object_set_new(r, "index", json_integer(124));
  txt = json_dumps(r, 0);
  write_file("r.json", txt, strlen(txt));
  free(txt);
  CHECK(run("proof check --receipt r.json --vkey '%s'", vkey) == 1);
  /* Another ledger's key. */
  char *other = aidreg_note_vkey("cli.test/522702", log_key.pk);
  json_object_set_new(r, "index", json_integer(123));
  txt = json_dumps(r, 0);
  write_file("r.json", txt, strlen(txt));
  free(txt);
  CHECK(run("proof check --receipt r.json --vkey '%s'", other) == 1);
  free(other);
  json_decref(r);
}

int main(int argc, char **argv) {
  (void)argc;
  if (sodium_init() < 0) return 1;
  char *self = realpath(argv[0], NULL);
  snprintf(cli, sizeof cli, "%s/aidreg", self ? dirname(self) : ".");
  free(self);
  CHECK_MSG(access(cli, X_OK) == 0, "no aidreg binary at %s", cli);
  if (access(cli, X_OK) != 0) return test_done();
  snprintf(tmp, sizeof tmp, "/tmp/aidreg-test-cli.XXXXXX");
  CHECK(mkdtemp(tmp) != NULL);

  test_help_and_usage();
  test_keygen_sign();
  test_template();
  char *vkey = NULL, *note = NULL;
  make_ledger(&vkey, &note);
  test_verify_dir(vkey, note);
  test_proof_check(vkey, note);

  free(vkey);
  free(note);
  for (int i = 0; i < N; i++) free(leaves[i]);
  for (int l = 0; l < 64; l++) free(level_nodes[l]);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
  return test_done();
}
