/* aidreg-bench-audit: the audit engine's own cost on a generated county. Builds a ledger
 * of --assets N assets (default 100000; about ten entries each: registration, rights,
 * handover, maintainer, four maintenance reports, an inventory count, a status; operating
 * assets also an operator and two income reports; one project per ten assets), feeds it
 * entry by entry to the engine (aidreg_audit_entry, signatures taken as verified: that is
 * the verifier's cost, measured by aidreg verify), then computes the audit. Prints the
 * entries, the replay and audit times and the peak RSS. Deterministic (no clock in the
 * data, no randomness).
 *
 * With --export DIR it writes the same county as a signed ledger instead (every entry
 * signed by its key, leaves, entry bundles, hash tiles and a checkpoint signed by a log
 * key derived from a fixed seed, in the layout of `aidreg export`), and with --sql FILE
 * the rows `aidreg verify --db` and `aidreg audit --db` read (ledger, leaf, tree_node,
 * checkpoint, signing_key) as COPY blocks for psql: the big ledger of the benchmark's
 * verify and audit lines (tools/bench.sh verify), generated once and reused. The vkey
 * of the log goes to DIR.vkey. With --ceiling S it only measures Ed25519 verifications
 * per second on every core for S seconds (the ceiling of the verify lines). */
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "aidreg/audit.h"
#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "aidreg/leaf.h"
#include "aidreg/merkle.h"
#include "aidreg/note.h"
#include "aidreg/tile.h"

#define COUNTY "529901"
#define ORIGIN "bench.aidreg/529901"

static char root_id[AIDREG_KEYID_LEN + 1], county_id[AIDREG_KEYID_LEN + 1];
static aidreg_keypair root_kp, county_kp, log_kp;
static aidreg_audit *A;
static uint64_t N;
static double parse_s;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the signed ledger (--export, --sql) ---- */

static const char *exp_dir;
static FILE *sql;
static aidreg_frontier fr;
static uint8_t *bundle;
static size_t bundle_len, bundle_cap;
static uint8_t tiles[4][AIDREG_TILE_WIDTH * 32]; /* hash tiles of levels 0..3 being filled */
static unsigned tile_n[4];
static uint64_t tile_index[4];

static void die(const char *what) {
  fprintf(stderr, "bench-audit: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void write_at(const char *rel, const void *data, size_t len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", exp_dir, rel);
  for (char *q = path + 1; (q = strchr(q, '/')); q++) {
    *q = 0;
    if (mkdir(path, 0755) && errno != EEXIST) die(path);
    *q = '/';
  }
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f)) die(path);
}

static void write_tile(int entries, unsigned level, uint64_t n, unsigned w, const void *data, size_t len) {
  aidreg_tile_ref t = {.entries = entries, .level = level, .index = n, .width = w};
  char rel[128];
  if (aidreg_tile_format(&t, rel, sizeof rel)) die("tile name");
  write_at(rel, data, len);
}

/* Hash tile level L collects the nodes of tree level 8L. */
static void tile_add(unsigned L, const uint8_t h[32]) {
  memcpy(tiles[L] + (size_t)tile_n[L] * 32, h, 32);
  if (++tile_n[L] == AIDREG_TILE_WIDTH) {
    write_tile(0, L, tile_index[L]++, AIDREG_TILE_WIDTH, tiles[L], sizeof tiles[L]);
    tile_n[L] = 0;
  }
}

static void sql_hex(const uint8_t *b, size_t n) {
  char hex[129];
  aidreg_hex_encode(b, n, hex);
  fprintf(sql, "\\\\x%s", hex);
}

/* COPY text: backslash, tab and newline escaped. */
static void sql_text(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\') fputs("\\\\", sql);
    else if (s[i] == '\n') fputs("\\n", sql);
    else if (s[i] == '\t') fputs("\\t", sql);
    else fputc(s[i], sql);
  }
}

static FILE *nodes_tmp; /* tree_node rows, copied after the leaves */

static void sink(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32]) {
  (void)ctx;
  if (level == 0) return;
  if (level % AIDREG_TILE_HEIGHT == 0 && level / AIDREG_TILE_HEIGHT < 4) tile_add(level / AIDREG_TILE_HEIGHT, hash);
  if (nodes_tmp) {
    char hex[65];
    aidreg_hex_encode(hash, 32, hex);
    fprintf(nodes_tmp, COUNTY "\t%u\t%" PRIu64 "\t\\\\x%s\n", level, index, hex);
  }
}

static void flush_bundle(void) {
  unsigned w = (unsigned)(N % AIDREG_TILE_WIDTH);
  if (exp_dir && bundle_len) write_tile(1, 0, (N - 1) / AIDREG_TILE_WIDTH, w ? w : AIDREG_TILE_WIDTH, bundle, bundle_len);
  bundle_len = 0;
}

static void exp_add(const aidreg_keypair *kp, const char *date, const char *payload, size_t n, const aidreg_event *ev) {
  aidreg_envelope env;
  if (aidreg_envelope_sign((const uint8_t *)payload, n, kp, 1, &env)) die("sign");
  char t[40];
  snprintf(t, sizeof t, "%sT04:00:00Z", date);
  size_t len;
  aidreg_problem p;
  char *leaf = aidreg_leaf_build(N, t, &env, &len, &p);
  aidreg_envelope_free(&env);
  if (!leaf) die("leaf");
  uint8_t lh[32];
  aidreg_merkle_leaf_hash((const uint8_t *)leaf, len, lh);
  if (bundle_len + 2 + len > bundle_cap) {
    bundle_cap = (bundle_len + 2 + len) * 2;
    if (!(bundle = realloc(bundle, bundle_cap))) die("memory");
  }
  bundle[bundle_len] = (uint8_t)(len >> 8);
  bundle[bundle_len + 1] = (uint8_t)len;
  memcpy(bundle + bundle_len + 2, leaf, len);
  bundle_len += 2 + len;
  if (exp_dir) tile_add(0, lh);
  if (sql) {
    fprintf(sql, COUNTY "\t%" PRIu64 "\t", N);
    sql_hex(ev->payload_sha256, 32);
    fprintf(sql, "\t%s\t%s\t", ev->type, ev->subject);
    sql_text(leaf, len);
    fputc('\t', sql);
    sql_hex(lh, 32);
    fputc('\n', sql);
  }
  free(leaf);
  aidreg_frontier_append(&fr, lh, sink, NULL);
  if ((N + 1) % AIDREG_TILE_WIDTH == 0) {
    N++;
    flush_bundle();
    N--;
  }
}

static void exp_begin(void) {
  aidreg_frontier_init(&fr);
  if (sql) {
    char *vk = aidreg_note_vkey(ORIGIN, log_kp.pk);
    fprintf(sql, "BEGIN;\nCOPY ledger (code, name, origin, vkey, size) FROM stdin;\n" COUNTY "\t基准县\t" ORIGIN
                 "\t%s\t0\n\\.\nCOPY leaf (ledger, idx, payload_sha256, type, subject, data, leaf_hash) FROM stdin;\n",
            vk);
    free(vk);
    if (!(nodes_tmp = tmpfile())) die("tmpfile");
  }
}

static void exp_end(void) {
  if (N % AIDREG_TILE_WIDTH) flush_bundle();
  for (unsigned L = 0; L < 4 && exp_dir; L++)
    if (tile_n[L]) write_tile(0, L, tile_index[L], tile_n[L], tiles[L], (size_t)tile_n[L] * 32);
  aidreg_checkpoint cp = {.size = N};
  snprintf(cp.origin, sizeof cp.origin, "%s", ORIGIN);
  aidreg_frontier_root(&fr, cp.root);
  char *text = aidreg_checkpoint_text(&cp), *note = text ? aidreg_note_sign(text, ORIGIN, log_kp.sk) : NULL;
  char *vk = aidreg_note_vkey(ORIGIN, log_kp.pk);
  if (!note || !vk) die("checkpoint");
  if (exp_dir) {
    write_at("checkpoint", note, strlen(note));
    char path[1024];
    snprintf(path, sizeof path, "%s.vkey", exp_dir);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%s\n", vk) < 0 || fclose(f)) die(path);
  }
  if (sql) {
    fputs("\\.\nCOPY tree_node (ledger, level, idx, hash) FROM stdin;\n", sql);
    rewind(nodes_tmp);
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, nodes_tmp)) > 0) fwrite(buf, 1, got, sql);
    fclose(nodes_tmp);
    fprintf(sql, "\\.\nCOPY checkpoint (ledger, size, note) FROM stdin;\n" COUNTY "\t%" PRIu64 "\t", N);
    sql_text(note, strlen(note));
    fprintf(sql, "\n\\.\nCOPY signing_key (ledger, keyid, role, scope, is_root, holder_name, holder_org, enrolled_at) "
                 "FROM stdin;\n" COUNTY "\t%s\tcounty\t" COUNTY "\tt\t基准县\t\t0\n" COUNTY "\t%s\tcounty\t" COUNTY
                 "\tf\tn\to\t1\n\\.\nUPDATE ledger SET size = %" PRIu64 " WHERE code = '" COUNTY "';\nCOMMIT;\n",
            root_id, county_id, N);
    if (fclose(sql)) die("sql");
  }
  free(text);
  free(note);
  free(vk);
}

static void add(const char *signer, const char *date, const char *type, const char *subject, const char *body) {
  static char payload[8192];
  int n = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"" ORIGIN "\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%sT12:00:00+08:00\",\"body\":%s}",
                   type, subject, date, body);
  aidreg_event ev;
  aidreg_problem p;
  aidreg_problem_clear(&p);
  double t0 = now();
  if (aidreg_event_parse((const uint8_t *)payload, (size_t)n, &ev, &p)) {
    fprintf(stderr, "bench-audit: entry %" PRIu64 " does not parse: %s\n", N, p.detail);
    exit(1);
  }
  parse_s += now() - t0;
  if (exp_dir || sql) {
    exp_add(signer == root_id ? &root_kp : &county_kp, date, payload, (size_t)n, &ev);
    aidreg_event_free(&ev);
    N++;
    return;
  }
  aidreg_envelope env;
  memset(&env, 0, sizeof env);
  env.nsig = 1;
  snprintf(env.sigs[0].keyid, sizeof env.sigs[0].keyid, "%s", signer);
  char err[1024];
  if (aidreg_audit_entry(A, N, &env, &ev, err, sizeof err)) {
    fprintf(stderr, "bench-audit: %s\n", err);
    exit(1);
  }
  aidreg_event_free(&ev);
  N++;
}

/* ---- the ceiling (--ceiling S) ---- */

/* One thread per core verifies one 200-byte message over and over for S seconds, as
 * aidreg-bench's verify_per_s: what Ed25519 alone allows this machine now, the figure the
 * verifier's entries/s is compared with. */
typedef struct {
  double until;
  uint64_t n;
  const uint8_t *msg, *sig, *pk;
  int bad;
} ceiling_job;

static void *ceiling_thread(void *arg) {
  ceiling_job *j = arg;
  while (now() < j->until)
    for (int k = 0; k < 64; k++, j->n++)
      if (crypto_sign_verify_detached(j->sig, j->msg, 200, j->pk) != 0) j->bad = 1;
  return NULL;
}

static int ceiling(double seconds) {
  uint8_t msg[200], sig[64];
  memset(msg, 'm', sizeof msg);
  crypto_sign_detached(sig, NULL, msg, sizeof msg, county_kp.sk);
  long nt = sysconf(_SC_NPROCESSORS_ONLN);
  if (nt < 1) nt = 1;
  if (nt > 64) nt = 64;
  pthread_t th[64];
  ceiling_job jobs[64];
  struct rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  double t0 = now();
  for (long i = 0; i < nt; i++) {
    jobs[i] = (ceiling_job){.until = t0 + seconds, .msg = msg, .sig = sig, .pk = county_kp.pk};
    if (pthread_create(&th[i], NULL, ceiling_thread, &jobs[i])) return 1;
  }
  uint64_t total = 0;
  int bad = 0;
  for (long i = 0; i < nt; i++) {
    pthread_join(th[i], NULL);
    total += jobs[i].n;
    bad |= jobs[i].bad;
  }
  double dt = now() - t0;
  getrusage(RUSAGE_SELF, &r1);
  double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
               (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
  if (bad) return 1;
  /* Per CPU-second too: on a shared machine the wall-clock figure measures the neighbours. */
  printf("bench-audit: ceiling_per_s=%.0f per_cpu_s=%.0f threads=%ld seconds=%.2f\n", (double)total / dt,
         cpu > 0 ? (double)total / cpu : 0, nt, dt);
  return 0;
}

int main(int argc, char **argv) {
  long assets = 100000;
  double ceiling_s = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--assets") && i + 1 < argc) assets = atol(argv[++i]);
    else if (!strcmp(argv[i], "--export") && i + 1 < argc) exp_dir = argv[++i];
    else if (!strcmp(argv[i], "--ceiling") && i + 1 < argc) ceiling_s = atof(argv[++i]);
    else if (!strcmp(argv[i], "--sql") && i + 1 < argc) {
      if (!(sql = fopen(argv[++i], "w"))) die(argv[i]);
    } else {
      fprintf(stderr, "usage: aidreg-bench-audit [--assets N] [--export DIR] [--sql FILE] | --ceiling SECONDS\n");
      return 2;
    }
  }
  if (sodium_init() < 0) return 1;
  /* Keys from fixed seeds: the same run writes the same ledger. */
  aidreg_keypair *kps[3] = {&root_kp, &county_kp, &log_kp};
  for (int k = 0; k < 3; k++) {
    uint8_t seed[crypto_sign_SEEDBYTES];
    memset(seed, 'a' + k, sizeof seed);
    crypto_sign_seed_keypair(kps[k]->pk, kps[k]->sk, seed);
  }
  aidreg_key_id(root_kp.pk, root_id);
  aidreg_key_id(county_kp.pk, county_id);
  if (ceiling_s > 0) return ceiling(ceiling_s);
  if (exp_dir || sql) exp_begin();
  A = aidreg_audit_new(COUNTY);
  if (!A) return 1;
  char body[4096], subj[64], proj[64] = "", village[16];
  double t0 = now();
  snprintf(body, sizeof body, "{\"code\":\"" COUNTY "\",\"name\":\"基准县\",\"root_key\":\"%s\",\"settings\":{}}", root_id);
  add(root_id, "2023-01-01", "ledger.create", COUNTY, body);
  snprintf(body, sizeof body,
           "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"" COUNTY "\",\"holder\":{\"name\":\"n\",\"org\":\"o\"}}", county_id);
  add(root_id, "2023-01-01", "key.enroll", county_id, body);
  for (long a = 0; a < assets; a++) {
    snprintf(village, sizeof village, COUNTY "%03ld%03ld", 100 + (a / 5000) % 20, 201 + (a / 500) % 10);
    if (a % 10 == 0) {
      snprintf(proj, sizeof proj, "P-%06ld", a / 10);
      snprintf(body, sizeof body,
               "{\"name\":\"项目%ld\",\"type\":\"industry\",\"year\":2023,\"funding_lines\":[{\"channel\":\"衔接资金\","
               "\"year\":2023,\"amount_fen\":%ld}],\"locations\":[\"%s\"],\"industry_dept\":\"农业农村局\","
               "\"implementing_unit\":\"乡村振兴局\",\"accepted_on\":\"2023-03-01\"}",
               a / 10, 10L * (100000 + a % 7), village);
      add(county_id, "2023-03-01", "project.register", proj, body);
    }
    bool op = a % 10 == 3;
    snprintf(subj, sizeof subj, "A-%07ld", a);
    snprintf(body, sizeof body,
             "{\"project\":\"%s\",\"name\":\"资产%ld\",\"class\":\"%s\",\"subtype\":\"x\",\"form\":\"fixed\",\"village\":\"%s\","
             "\"original_value_fen\":%ld,\"quantity\":1,\"unit\":\"座\",\"completed_on\":\"2023-03-01\",\"accepted_on\":\"2023-03-01\"}",
             proj, a, op ? "operating" : a % 10 < 6 ? "public_welfare" : "household", village, 100000 + (a - a % 10) % 7);
    add(county_id, "2023-03-01", "asset.register", subj, body);
    snprintf(body, sizeof body,
             "{\"owners\":[{\"kind\":\"village_collective\",\"id\":\"%s\",\"name\":\"村集体\",\"share_bp\":10000}]%s,"
             "\"confirmed_on\":\"2023-03-10\"}",
             village, a % 97 ? ",\"certificate_no\":\"确-1\"" : "");
    add(county_id, "2023-03-10", "asset.rights", subj, body);
    if (a % 89) {
      snprintf(body, sizeof body,
               "{\"from_unit\":\"乡村振兴局\",\"to\":\"%s\",\"handed_over_on\":\"2023-03-20\",\"documents_sha256\":[]}", village);
      add(county_id, "2023-03-20", "asset.handover", subj, body);
    }
    if (a % 83)
      add(county_id, "2023-04-01", "asset.maintainer", subj,
          "{\"body\":\"村委会\",\"person\":\"张三\",\"duties\":\"巡查\",\"fund_source\":\"村集体\",\"from\":\"2023-04-01\"}");
    static const char *const days[] = {"2024-03-01", "2024-09-01", "2025-03-01", "2025-09-01"};
    for (int k = 0; k < 4; k++) {
      snprintf(body, sizeof body,
               "{\"kind\":\"inspection\",\"date\":\"%s\",\"condition\":\"%s\",\"cost_fen\":0,\"paid_from\":\"other\","
               "\"note\":\"\",\"photos_sha256\":[]}",
               days[k], k == 3 && a % 101 == 0 ? "damaged" : "good");
      add(county_id, days[k], "maintenance.report", subj, body);
    }
    snprintf(body, sizeof body, "{\"date\":\"2025-11-10\",\"found\":%s,\"condition\":\"good\",\"note\":\"\",\"photos_sha256\":[]}",
             a % 1009 ? "true" : "false");
    add(county_id, "2025-11-10", "inventory.count", subj, body);
    add(county_id, "2025-11-20", "asset.status", subj,
        a % 211 ? "{\"status\":\"in_use\",\"reason\":\"正常\"}" : "{\"status\":\"idle\",\"reason\":\"停用\"}");
    if (op) {
      add(county_id, "2023-04-01", "asset.operator", subj,
          "{\"mode\":\"lease\",\"operator\":{\"name\":\"合作社\",\"kind\":\"cooperative\"},\"contract\":{\"no\":\"HT\","
          "\"start\":\"2023-05-01\",\"end\":\"2033-04-30\",\"agreed_return_fen_per_year\":100000},"
          "\"decided_on\":\"2023-04-01\",\"filed_with\":\"乡政府\"}");
      add(county_id, "2024-05-10", "income.report", subj,
          "{\"period_start\":\"2023-05-01\",\"period_end\":\"2024-04-30\",\"gross_fen\":100000,\"costs\":[],\"net_fen\":100000,"
          "\"payer\":\"合作社\",\"received_on\":\"2024-05-10\",\"account\":\"村账户\"}");
      snprintf(body, sizeof body,
               "{\"period_start\":\"2024-05-01\",\"period_end\":\"2025-04-30\",\"gross_fen\":%d,\"costs\":[],\"net_fen\":%d,"
               "\"payer\":\"合作社\",\"received_on\":\"2025-05-10\",\"account\":\"村账户\"}",
               a % 7 ? 100000 : 50000, a % 7 ? 100000 : 50000);
      add(county_id, "2025-05-10", "income.report", subj, body);
    }
  }
  double t1 = now();
  if (exp_dir || sql) {
    exp_end();
    printf("bench-audit: wrote %" PRIu64 " entries of %ld assets in %.1f s%s%s\n", N, assets, now() - t0,
           exp_dir ? " to " : "", exp_dir ? exp_dir : "");
    return 0;
  }
  json_t *report = NULL;
  char err[512];
  aidreg_audit_query q = {.as_of = "2025-12-31"};
  if (aidreg_audit_report(A, &q, &report, err, sizeof err)) {
    fprintf(stderr, "bench-audit: %s\n", err);
    return 1;
  }
  double t2 = now();
  json_decref(report);
  if (aidreg_audit_report(A, &q, &report, err, sizeof err)) return 1;
  double t3 = now();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("bench-audit: assets=%ld entries=%" PRIu64 " findings=%zu replay_s=%.2f (parse %.2f) audit_s=%.2f "
         "audit_again_s=%.2f cpu_s=%.2f peak_rss_mb=%ld\n",
         assets, N, json_array_size(json_object_get(report, "findings")), t1 - t0, parse_s, t2 - t1, t3 - t2,
         (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
             (double)ru.ru_stime.tv_usec / 1e6,
         ru.ru_maxrss / 1024);
  json_decref(report);
  /* What `aidreg audit` leaves to the process's exit (cli_audit.c): measured apart. */
  double t4 = now();
  aidreg_audit_free(A);
  printf("bench-audit: free_s=%.2f (the replayed state freed chunk by chunk)\n", now() - t4);
  return 0;
}
