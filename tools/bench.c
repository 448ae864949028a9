/* aidreg-bench: the benchmark of the write path, every figure measured in one run so
 * that they can be compared (single-core speed on a shared VM wanders from minute to
 * minute; ratios measured together do not).
 *
 *   1. verify_per_s         raw Ed25519 verifications per second (libsodium,
 *                           crypto_sign_verify_detached over 200-byte messages), one
 *                           thread per core: the ceiling of a write path that checks
 *                           every signature.
 *   2. baseline_rows_per_s  the rows the server writes for an entry (leaf, tree nodes,
 *                           subject head, checkpoint, ledger size), inserted by bare
 *                           libpq into scratch copies of the log tables, with the
 *                           server's transaction shape (text COPY, group of rows per
 *                           transaction, synchronous_commit=on) from several
 *                           connections: the storage ceiling.
 *   3. signed_entries_per_s pre-signed envelopes (many enrolled county keys) submitted
 *                           over HTTP, one envelope per request, by C keep-alive
 *                           connections in a closed loop into one ledger; only 201
 *                           answers carrying a receipt count. p50/p99 of that run.
 *                           Before it the ledger gets a history (--prefill, in batches)
 *                           and PostgreSQL fresh statistics (ANALYZE), so that the run
 *                           meets a steady state rather than an empty, unanalysed table.
 *   4. an open-loop run at a fixed offered rate, latency from each request's scheduled
 *      send time (so a stall is charged to every request it delays).
 *   +  the closed loop again with inventory.count entries, whose domain rules keep state
 *      (the cost of the rules, next to the bare log's).
 *   5. --big N: append N entries in batches, then the server's resident memory.
 *
 * The load is key.enroll of fresh keys by default: today the cheapest entry the rules
 * accept (ledger.settings keeps a growing history in one document; see
 * docs/benchmark.md). Every run also reports the CPU per entry of the server, of
 * PostgreSQL and of the load generator, the cores other programs took meanwhile, the
 * group commits the server made, and any sequential scans of the log tables.
 *
 * Progress goes to stderr, figures to stdout; the last stdout line is
 *   bench: signed_entries_per_s=N p50_ms=N p99_ms=N baseline_rows_per_s=N verify_per_s=N ratio=N
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "aidreg/dsse.h"
#include "aidreg/keys.h"
#include "bench_mix.h"
#include "aidreg/tile.h"
#include "http_client.h"
#include "http_raw.h"

#define MAX_THREADS 1024
#define MAX_KEYS 4096
#define BATCH_MAX 1000
#define TIME_CAP 96 /* room for any struct tm, so that -Wformat-truncation is satisfied */

/* ---- options --------------------------------------------------------------------- */

typedef struct {
  const char *url, *token, *origin_host, *db_url, *code;
  long server_pid;
  long entries, concurrency, keys, warmup, assets;
  double rate, open_seconds, verify_seconds, baseline_seconds, read_rate;
  long baseline_conns, baseline_batch;
  long big, big_threads, prefill, domain_entries, readers;
  const char *type; /* "auto", "settings" or "enroll" */
  const char *mix;  /* --mix: tools/bench_mix.py's file */
  bool skip_verify, skip_baseline, skip_open, no_analyze;
} options;

static options opt = {
    .code = "529900",
    .entries = 20000,
    .concurrency = 64,
    .keys = 64,
    .assets = 64,
    .warmup = 1000,
    .rate = 1000,
    .open_seconds = 10,
    .verify_seconds = 2,
    .baseline_seconds = 3,
    .baseline_conns = 4,
    .baseline_batch = 256,
    .big_threads = 2,
    .prefill = 20000,
    .domain_entries = 10000,
    .readers = 4,
    .read_rate = 1500,
    .type = "auto",
};

static const char usage_text[] =
    "usage: aidreg-bench --url URL --token TOKEN --origin-host HOST [options]\n"
    "\n"
    "Creates a ledger on the server at URL, enrols county keys in it, and measures in one run:\n"
    "raw Ed25519 verifications per second on all cores, the server's rows inserted by bare\n"
    "libpq (with --db-url), signed entries per second over HTTP with receipts (closed loop),\n"
    "and latency at a fixed offered rate (open loop). The last line on stdout is\n"
    "  bench: signed_entries_per_s=N p50_ms=N p99_ms=N baseline_rows_per_s=N verify_per_s=N ratio=N\n"
    "\n"
    "  --url URL               the server (required)\n"
    "  --token TOKEN           operator token for POST /v1/ledgers (required; or AIDREG_ADMIN_TOKEN)\n"
    "  --origin-host HOST      the server's AIDREG_LOG_HOST (required; or AIDREG_LOG_HOST)\n"
    "  --code CODE             county code of the benchmark ledger (default 529900; must not exist)\n"
    "  --db-url URL            PostgreSQL URL of the server's database, as a role that may create\n"
    "                          a schema: runs the baseline in scratch tables it drops afterwards\n"
    "                          (without it the baseline is skipped and reported as 0)\n"
    "  --server-pid PID        the server's process: CPU time per entry and, with --big, its RSS\n"
    "  --entries N             envelopes in the closed-loop run (default 20000)\n"
    "  --concurrency C         connections (threads) of the HTTP runs (default 64)\n"
    "  --keys K                county keys signing the load (default 64)\n"
    "  --prefill N             entries appended in batches of 1000 before the runs, followed by an\n"
    "                          ANALYZE, so that the runs meet a ledger with a history and current\n"
    "                          planner statistics (default 20000; 0: start from an empty ledger)\n"
    "  --warmup N              envelopes sent one per request before the measured run (default 1000)\n"
    "  --rate R                offered entries/s of the open-loop run (default 1000)\n"
    "  --open-seconds S        length of the open-loop run (default 10)\n"
    "  --verify-seconds S      length of the verification run (default 2)\n"
    "  --baseline-seconds S    length of each baseline run (default 3)\n"
    "  --baseline-conns N      connections of the baseline (default 4)\n"
    "  --baseline-batch N      rows per baseline transaction (default 256)\n"
    "  --type T                the load's event, signed by the county keys: enroll (key.enroll of\n"
    "                          fresh township keys), inventory (inventory.count of --assets\n"
    "                          registered assets), settings (ledger.settings {}), or auto\n"
    "                          (default: enroll if the server takes it, else inventory)\n"
    "  --domain-entries N      then a second closed-loop run of N inventory.count entries, whose\n"
    "                          domain rules keep state (default 10000; 0: none)\n"
    "  --assets N              assets registered for the inventory load (default 64)\n"
    "  --mix FILE              then the mixed load: counties' years pre-signed by tools/bench_mix.py,\n"
    "                          its streams (subject chains or villages) on --concurrency / counties\n"
    "                          connections a county (at most --concurrency counties), an entry\n"
    "                          sent once those it depends on have their receipts\n"
    "  --readers N             threads reading proofs and tiles, 3 s alone (their baseline), then\n"
    "                          during the open loop (default 4; 0: none); their server-side p50\n"
    "                          and p99 come from /metrics, interpolated within its buckets\n"
    "  --read-rate N           reads per second the readers offer, all kinds together, timed\n"
    "                          from when each is due (default 1500; 0: as fast as they can).\n"
    "                          Their capacity is measured first, 2 s as fast as they can\n"
    "  --big N                 then append N more entries in batches of 1000 and report the\n"
    "                          server's RSS (needs --server-pid)\n"
    "  --big-threads N         concurrent batch submitters of --big (default 2)\n"
    "  --skip-verify, --skip-baseline, --skip-open   leave a part out (reported as 0)\n"
    "  --no-analyze            no ANALYZE after the prefill\n"
    "  --help                  this text\n";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("bench: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("bench: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static long parse_long(const char *name, const char *s, long min, long max) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max) die("%s must be a whole number from %ld to %ld", name, min, max);
  return v;
}

static double parse_double(const char *name, const char *s, double min, double max) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= min && v <= max)) die("%s must be a number from %g to %g", name, min, max);
  return v;
}

static void parse_options(int argc, char **argv) {
  enum {
    O_URL = 256, O_TOKEN, O_HOST, O_CODE, O_DB, O_PID, O_ENTRIES, O_CONC, O_KEYS, O_WARMUP, O_RATE, O_OPEN_S,
    O_VERIFY_S, O_BASE_S, O_BASE_C, O_BASE_B, O_TYPE, O_BIG, O_BIG_T, O_SKIP_V, O_SKIP_B, O_SKIP_O, O_NO_ANALYZE, O_PREFILL, O_ASSETS, O_DOMAIN, O_MIX, O_READERS, O_READ_RATE, O_HELP
  };
  static const struct option longopts[] = {
      {"url", required_argument, 0, O_URL},
      {"token", required_argument, 0, O_TOKEN},
      {"origin-host", required_argument, 0, O_HOST},
      {"code", required_argument, 0, O_CODE},
      {"db-url", required_argument, 0, O_DB},
      {"server-pid", required_argument, 0, O_PID},
      {"entries", required_argument, 0, O_ENTRIES},
      {"concurrency", required_argument, 0, O_CONC},
      {"keys", required_argument, 0, O_KEYS},
      {"warmup", required_argument, 0, O_WARMUP},
      {"rate", required_argument, 0, O_RATE},
      {"open-seconds", required_argument, 0, O_OPEN_S},
      {"verify-seconds", required_argument, 0, O_VERIFY_S},
      {"baseline-seconds", required_argument, 0, O_BASE_S},
      {"baseline-conns", required_argument, 0, O_BASE_C},
      {"baseline-batch", required_argument, 0, O_BASE_B},
      {"type", required_argument, 0, O_TYPE},
      {"big", required_argument, 0, O_BIG},
      {"big-threads", required_argument, 0, O_BIG_T},
      {"skip-verify", no_argument, 0, O_SKIP_V},
      {"skip-baseline", no_argument, 0, O_SKIP_B},
      {"skip-open", no_argument, 0, O_SKIP_O},
      {"readers", required_argument, 0, O_READERS},
      {"read-rate", required_argument, 0, O_READ_RATE},
      {"no-analyze", no_argument, 0, O_NO_ANALYZE},
      {"prefill", required_argument, 0, O_PREFILL},
      {"assets", required_argument, 0, O_ASSETS},
      {"domain-entries", required_argument, 0, O_DOMAIN},
      {"mix", required_argument, 0, O_MIX},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0},
  };
  opt.token = getenv("AIDREG_ADMIN_TOKEN");
  opt.origin_host = getenv("AIDREG_LOG_HOST");
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case O_URL: opt.url = optarg; break;
      case O_TOKEN: opt.token = optarg; break;
      case O_HOST: opt.origin_host = optarg; break;
      case O_CODE: opt.code = optarg; break;
      case O_DB: opt.db_url = optarg; break;
      case O_PID: opt.server_pid = parse_long("--server-pid", optarg, 1, 1L << 30); break;
      case O_ENTRIES: opt.entries = parse_long("--entries", optarg, 1, 10000000); break;
      case O_CONC: opt.concurrency = parse_long("--concurrency", optarg, 1, MAX_THREADS); break;
      case O_KEYS: opt.keys = parse_long("--keys", optarg, 1, MAX_KEYS); break;
      case O_WARMUP: opt.warmup = parse_long("--warmup", optarg, 0, 1000000); break;
      case O_RATE: opt.rate = parse_double("--rate", optarg, 1, 1e6); break;
      case O_OPEN_S: opt.open_seconds = parse_double("--open-seconds", optarg, 0.1, 3600); break;
      case O_VERIFY_S: opt.verify_seconds = parse_double("--verify-seconds", optarg, 0.1, 600); break;
      case O_BASE_S: opt.baseline_seconds = parse_double("--baseline-seconds", optarg, 0.1, 600); break;
      case O_BASE_C: opt.baseline_conns = parse_long("--baseline-conns", optarg, 1, 64); break;
      case O_BASE_B: opt.baseline_batch = parse_long("--baseline-batch", optarg, 1, 100000); break;
      case O_TYPE: opt.type = optarg; break;
      case O_BIG: opt.big = parse_long("--big", optarg, 0, 100000000); break;
      case O_BIG_T: opt.big_threads = parse_long("--big-threads", optarg, 1, 64); break;
      case O_SKIP_V: opt.skip_verify = true; break;
      case O_SKIP_B: opt.skip_baseline = true; break;
      case O_SKIP_O: opt.skip_open = true; break;
      case O_READERS: opt.readers = parse_long("--readers", optarg, 0, 64); break;
      case O_READ_RATE: opt.read_rate = parse_double("--read-rate", optarg, 0, 1e6); break;
      case O_NO_ANALYZE: opt.no_analyze = true; break;
      case O_DOMAIN: opt.domain_entries = parse_long("--domain-entries", optarg, 0, 10000000); break;
      case O_MIX: opt.mix = optarg; break;
      case O_ASSETS: opt.assets = parse_long("--assets", optarg, 1, 9999); break;
      case O_PREFILL: opt.prefill = parse_long("--prefill", optarg, 0, 100000000); break;
      case O_HELP: fputs(usage_text, stdout); exit(0);
      default: fputs(usage_text, stderr); exit(2);
    }
  }
  if (optind < argc) die("unexpected argument \"%s\" (see --help)", argv[optind]);
  if (!opt.url || !*opt.url) die("--url is required (see --help)");
  if (!opt.token || !*opt.token) die("--token (or AIDREG_ADMIN_TOKEN) is required");
  if (!opt.origin_host || !*opt.origin_host) die("--origin-host (or AIDREG_LOG_HOST) is required");
  /* The host goes into JSON and COPY text unescaped: keep it to host-name characters. */
  for (const char *s = opt.origin_host; *s; s++)
    if (!isalnum((unsigned char)*s) && !strchr(".-_:", *s)) die("--origin-host holds an unexpected character");
  if (strlen(opt.origin_host) > 200) die("--origin-host is too long");
  if (strlen(opt.code) != 6 || strspn(opt.code, "0123456789") != 6) die("--code must be 6 digits");
  if (strcmp(opt.type, "auto") && strcmp(opt.type, "inventory") && strcmp(opt.type, "settings") &&
      strcmp(opt.type, "enroll"))
    die("--type must be auto, inventory, settings or enroll");
  if (opt.big && !opt.server_pid) die("--big needs --server-pid (the RSS is the point)");
}

/* ---- small helpers ----------------------------------------------------------------- */

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until(int64_t t_ns) {
  struct timespec ts = {.tv_sec = t_ns / 1000000000, .tv_nsec = t_ns % 1000000000};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) die("out of memory");
  return p;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile (q in (0, 1]) of n sorted values, in milliseconds. */
static double pct_ms(const int64_t *sorted, size_t n, double q) {
  if (n == 0) return 0;
  size_t rank = (size_t)ceil(q * (double)n);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return (double)sorted[rank - 1] / 1e6;
}

static int nthreads_cpu(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/* CPU seconds (user + system) a process has used, from /proc/PID/stat; -1 if unknown. */
static double proc_cpu_s(long pid) {
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')'); /* the command name may hold spaces */
  if (!p) return -1;
  unsigned long long utime = 0, stime = 0;
  /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Busy and total CPU time of the whole machine (from /proc/stat), in seconds. */
static void machine_cpu_s(double *busy, double *total) {
  *busy = *total = -1;
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return;
  unsigned long long v[10] = {0};
  int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                 &v[6], &v[7], &v[8], &v[9]);
  fclose(f);
  if (n < 5) return;
  /* user nice system idle iowait irq softirq steal (guest times are inside user) */
  unsigned long long idle = v[3] + v[4], all = 0;
  for (int i = 0; i < 8 && i < n; i++) all += v[i];
  double hz = (double)sysconf(_SC_CLK_TCK);
  *busy = (double)(all - idle) / hz;
  *total = (double)all / hz;
}

/* A "VmRSS:"-style field of /proc/PID/status in KiB; -1 if unknown. */
static long proc_status_kib(long pid, const char *field) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%ld/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long v = -1;
  size_t fl = strlen(field);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
      v = strtol(line + fl + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

typedef struct {
  char *data;
  size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + n + 1) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) die("out of memory");
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

static void sb_addf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_addf(sbuf *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof tmp) die("internal: line too long");
  sb_add(b, tmp, (size_t)n);
}

/* COPY text: backslash, tab, newline and CR escaped. */
static void sb_add_copy_text(sbuf *b, const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && s[j] != '\\' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r') j++;
    sb_add(b, s + i, j - i);
    if (j == n) break;
    const char *esc = s[j] == '\\' ? "\\\\" : s[j] == '\t' ? "\\t" : s[j] == '\n' ? "\\n" : "\\r";
    sb_add(b, esc, 2);
    i = j + 1;
  }
}

/* ---- 1. raw verification ------------------------------------------------------------ */

typedef struct {
  const uint8_t *msg, *sig, *pk;
  size_t len;
  int64_t until;
  uint64_t count;
  double cpu_s; /* the thread's own CPU time */
  int failed;
} verify_job;

static void *verify_thread(void *arg) {
  verify_job *j = arg;
  uint64_t n = 0;
  do {
    for (int i = 0; i < 64; i++) {
      if (crypto_sign_verify_detached(j->sig, j->msg, j->len, j->pk) != 0) j->failed = 1;
      n++;
    }
  } while (now_ns() < j->until);
  j->count = n;
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  j->cpu_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
  return NULL;
}

static double bench_verify(void) {
  int nt = nthreads_cpu();
  uint8_t pk[32], sk[64], msg[200], sig[64];
  crypto_sign_keypair(pk, sk);
  randombytes_buf(msg, sizeof msg);
  crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
  verify_job *jobs = xcalloc((size_t)nt, sizeof *jobs);
  pthread_t *th = xcalloc((size_t)nt, sizeof *th);
  int64_t t0 = now_ns(), until = t0 + (int64_t)(opt.verify_seconds * 1e9);
  for (int i = 0; i < nt; i++) {
    jobs[i] = (verify_job){.msg = msg, .sig = sig, .pk = pk, .len = sizeof msg, .until = until};
    if (pthread_create(&th[i], NULL, verify_thread, &jobs[i])) die("cannot start a thread");
  }
  uint64_t total = 0;
  int failed = 0;
  double per_cpu_s = 0;
  for (int i = 0; i < nt; i++) {
    pthread_join(th[i], NULL);
    total += jobs[i].count;
    failed |= jobs[i].failed;
    if (jobs[i].cpu_s > 0) per_cpu_s += (double)jobs[i].count / jobs[i].cpu_s;
  }
  int64_t t1 = now_ns();
  if (failed) die("a valid signature failed to verify");
  double secs = (double)(t1 - t0) / 1e9, rate = (double)total / secs;
  /* What the threads got of the cores: other programs on a shared machine take the rest. */
  say("verify: %" PRIu64 " Ed25519 verifications on %d threads in %.2f s = %.0f/s; %.0f per CPU-second of one "
      "thread (the threads had %.0f%% of the cores)",
      total, nt, secs, rate, per_cpu_s / nt, per_cpu_s > 0 ? 100 * rate / per_cpu_s : 0);
  free(jobs);
  free(th);
  sodium_memzero(sk, sizeof sk);
  return rate;
}

/* ---- envelopes ---------------------------------------------------------------------- */

static char origin[300];
static aidreg_keypair root_key;
static aidreg_keypair *county_keys;
static char (*county_ids)[AIDREG_KEYID_LEN + 1];
static int64_t time_base_us;    /* the signers' clock of the load: base + sequence µs */
static atomic_long time_seq;     /* makes every payload unique (idempotency is by payload) */
typedef enum { LOAD_INVENTORY, LOAD_SETTINGS, LOAD_ENROLL } load_kind;
static load_kind load;
static const char *const load_names[] = {
    "inventory.count of registered assets", "ledger.settings {}", "key.enroll of fresh township keys"};

/* RFC 3339 UTC with microseconds. */
static void fmt_time_us(int64_t us, char out[TIME_CAP]) {
  time_t sec = (time_t)(us / 1000000);
  struct tm tm;
  gmtime_r(&sec, &tm);
  snprintf(out, TIME_CAP, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec, (int)(us % 1000000));
}

static int64_t wall_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Signs payload (n bytes) with k; malloc'd compact envelope JSON. */
static char *sign_envelope(const char *payload, size_t n, const aidreg_keypair *k, size_t *len) {
  aidreg_envelope env;
  memset(&env, 0, sizeof env);
  if (aidreg_envelope_sign((const uint8_t *)payload, n, k, 1, &env)) die("signing failed");
  char *s = aidreg_envelope_serialize(&env, len);
  aidreg_envelope_free(&env);
  if (!s) die("out of memory");
  return s;
}

/* key.enroll of key id `id` (role, scope) signed by `signer`. */
static char *enroll_envelope(const char *id, const char *role, const char *scope, const char *holder,
                             const aidreg_keypair *signer, size_t *len) {
  char t[TIME_CAP], payload[1024];
  fmt_time_us(wall_us(), t);
  int n = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"%s\",\"type\":\"key.enroll\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":"
                   "{\"key\":\"%s\",\"role\":\"%s\",\"scope\":\"%s\",\"holder\":{\"name\":\"%s\",\"org\":"
                   "\"aidreg-bench\"}}}",
                   origin, id, t, id, role, scope, holder);
  if (n < 0 || (size_t)n >= sizeof payload) die("payload too long");
  return sign_envelope(payload, (size_t)n, signer, len);
}

static void project_code(char *out, size_t cap) { snprintf(out, cap, "P%s-2024-001", opt.code); }

static void asset_code(long i, char *out, size_t cap) { snprintf(out, cap, "A%s-2024-001-%04ld", opt.code, i); }

/* One envelope of the load: seq picks the signing key; the time is unique. */
static char *load_envelope(long seq, size_t *len) {
  const aidreg_keypair *k = &county_keys[seq % opt.keys];
  char t[TIME_CAP], payload[1024];
  fmt_time_us(time_base_us + atomic_fetch_add(&time_seq, 1), t);
  int n;
  if (load == LOAD_INVENTORY) {
    /* The everyday kind of entry: an asset's inventory check, by a county key. */
    char asset[64];
    asset_code(seq % opt.assets, asset, sizeof asset);
    n = snprintf(payload, sizeof payload,
                 "{\"ledger\":\"%s\",\"type\":\"inventory.count\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":"
                 "{\"date\":\"2024-05-06\",\"found\":true,\"condition\":\"good\",\"note\":\"\",\"photos_sha256\":[]}}",
                 origin, asset, t);
  } else if (load == LOAD_SETTINGS) {
    n = snprintf(payload, sizeof payload,
                 "{\"ledger\":\"%s\",\"type\":\"ledger.settings\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":{}}",
                 origin, opt.code, t);
  } else {
    aidreg_keypair fresh;
    char id[AIDREG_KEYID_LEN + 1];
    if (aidreg_key_generate(&fresh)) die("key generation failed");
    aidreg_key_id(fresh.pk, id);
    aidreg_key_wipe(&fresh);
    n = snprintf(payload, sizeof payload,
                 "{\"ledger\":\"%s\",\"type\":\"key.enroll\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":"
                 "{\"key\":\"%s\",\"role\":\"township\",\"scope\":\"%s001\",\"holder\":{\"name\":\"load\","
                 "\"org\":\"aidreg-bench\"}}}",
                 origin, id, t, id, opt.code);
  }
  if (n < 0 || (size_t)n >= sizeof payload) die("payload too long");
  return sign_envelope(payload, (size_t)n, k, len);
}

typedef struct {
  char **env;
  size_t *len;
  long from, to;
} sign_job;

static void *sign_thread(void *arg) {
  sign_job *j = arg;
  for (long i = j->from; i < j->to; i++) j->env[i] = load_envelope(i, &j->len[i]);
  return NULL;
}

/* n envelopes of the load, signed on all cores. */
static void presign(long n, char ***env_out, size_t **len_out) {
  char **env = xcalloc((size_t)n, sizeof *env);
  size_t *len = xcalloc((size_t)n, sizeof *len);
  int nt = nthreads_cpu();
  sign_job jobs[MAX_THREADS];
  pthread_t th[MAX_THREADS];
  for (int i = 0; i < nt; i++) {
    jobs[i] = (sign_job){env, len, n * i / nt, n * (i + 1) / nt};
    if (pthread_create(&th[i], NULL, sign_thread, &jobs[i])) die("cannot start a thread");
  }
  for (int i = 0; i < nt; i++) pthread_join(th[i], NULL);
  *env_out = env;
  *len_out = len;
}

static void free_envelopes(char **env, long n) {
  for (long i = 0; i < n; i++) free(env[i]);
  free(env);
}

/* ---- HTTP helpers -------------------------------------------------------------------- */

static char *entries_url;

/* A 201 that carries a receipt (body NUL-terminated). */
static bool is_receipt(long status, const char *body) {
  return status == 201 && body && strstr(body, "\"inclusion_proof\"") && strstr(body, "\"checkpoint\"") &&
         strstr(body, "\"index\"");
}

static void show_refusal(const char *what, long status, const char *body) {
  say("%s: status %ld: %.600s", what, status, body ? body : "(no body)");
}

/* POST one body; dies when no answer arrives. */
static void post(aidreg_http *h, const char *url, const char *body, size_t len, const char *bearer,
                 aidreg_http_response *r) {
  char err[512];
  if (aidreg_http_post_json(h, url, body, len, bearer, r, err, sizeof err)) die("%s", err);
}

/* Counts "status":201 results of a batch answer (the server writes compact JSON). */
static long count_batch_created(const aidreg_http_response *r, long *other_status) {
  long created = 0, other = 0;
  if (r->status != 200 || !r->body) {
    *other_status = -1;
    return 0;
  }
  for (const char *p = (const char *)r->body; (p = strstr(p, "\"status\":")); p += 9) {
    long s = strtol(p + 9, NULL, 10);
    if (s == 201) created++;
    else if (s >= 100 && s < 600) other++;
  }
  *other_status = other;
  return created;
}

/* A counter of the server's /metrics (a line "NAME VALUE"); -1 when absent. */
static double metric(aidreg_http *h, const char *name) {
  char *url = aidreg_http_url(opt.url, "/metrics"), err[512];
  aidreg_http_response r;
  double v = -1;
  if (url && aidreg_http_get(h, url, &r, err, sizeof err) == 0) {
    size_t nl = strlen(name);
    for (const char *p = (const char *)r.body; r.status == 200 && p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
      if (strncmp(p, name, nl) == 0 && p[nl] == ' ') {
        v = strtod(p + nl + 1, NULL);
        break;
      }
    }
    aidreg_http_response_free(&r);
  }
  free(url);
  return v;
}

/* ---- setup: ledger and keys ------------------------------------------------------------ */

static void setup_ledger(aidreg_http *h) {
  snprintf(origin, sizeof origin, "%s/%s", opt.origin_host, opt.code);
  if (aidreg_key_generate(&root_key)) die("key generation failed");
  char root_id[AIDREG_KEYID_LEN + 1], t[TIME_CAP], payload[1024];
  aidreg_key_id(root_key.pk, root_id);
  fmt_time_us(wall_us(), t);
  int n = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"%s\",\"type\":\"ledger.create\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":"
                   "{\"code\":\"%s\",\"name\":\"aidreg benchmark\",\"root_key\":\"%s\",\"settings\":{}}}",
                   origin, opt.code, t, opt.code, root_id);
  if (n < 0 || (size_t)n >= sizeof payload) die("payload too long");
  size_t len;
  char *env = sign_envelope(payload, (size_t)n, &root_key, &len);
  char *url = aidreg_http_url(opt.url, "/v1/ledgers");
  if (!url) die("out of memory");
  aidreg_http_response r;
  post(h, url, env, len, opt.token, &r);
  if (r.status == 409)
    die("ledger %s exists already on %s: use a fresh database or --code", opt.code, opt.url);
  if (!is_receipt(r.status, (const char *)r.body)) {
    show_refusal("POST /v1/ledgers", r.status, (const char *)r.body);
    die("the ledger could not be created");
  }
  aidreg_http_response_free(&r);
  free(url);
  free(env);
  say("ledger %s created (origin %s)", opt.code, origin);

  /* County keys, enrolled by the root key in batches. */
  county_keys = xcalloc((size_t)opt.keys, sizeof *county_keys);
  county_ids = xcalloc((size_t)opt.keys, sizeof *county_ids);
  for (long i = 0; i < opt.keys; i += BATCH_MAX) {
    long m = opt.keys - i < BATCH_MAX ? opt.keys - i : BATCH_MAX;
    size_t cap = 64, blen = 0;
    char *body = xcalloc(1, cap);
    for (long k = i; k < i + m; k++) {
      if (aidreg_key_generate(&county_keys[k])) die("key generation failed");
      aidreg_key_id(county_keys[k].pk, county_ids[k]);
      char holder[48];
      snprintf(holder, sizeof holder, "bench county %ld", k);
      size_t el;
      char *e = enroll_envelope(county_ids[k], "county", opt.code, holder, &root_key, &el);
      while (blen + el + 32 > cap) cap *= 2;
      char *nb = realloc(body, cap);
      if (!nb) die("out of memory");
      body = nb;
      blen += (size_t)sprintf(body + blen, "%s", k == i ? "{\"envelopes\":[" : ",");
      memcpy(body + blen, e, el);
      blen += el;
      free(e);
    }
    memcpy(body + blen, "]}", 3);
    blen += 2;
    post(h, entries_url, body, blen, NULL, &r);
    long other = 0, created = count_batch_created(&r, &other);
    if (created != m) {
      show_refusal("enrolling county keys", r.status, (const char *)r.body);
      die("%ld of %ld county keys were enrolled", created, m);
    }
    aidreg_http_response_free(&r);
    free(body);
  }
  say("%ld county keys enrolled", opt.keys);
}

/* Submits envelopes as one batch; dies unless every one is answered 201. */
static void submit_all(aidreg_http *h, const char *what, char **env, size_t *len, long n) {
  for (long i = 0; i < n; i += BATCH_MAX) {
    long m = n - i < BATCH_MAX ? n - i : BATCH_MAX;
    sbuf body = {0};
    sb_add(&body, "{\"envelopes\":[", 14);
    for (long k = i; k < i + m; k++) {
      if (k > i) sb_add(&body, ",", 1);
      sb_add(&body, env[k], len[k]);
    }
    sb_add(&body, "]}", 2);
    aidreg_http_response r;
    post(h, entries_url, body.data, body.len, NULL, &r);
    long other = 0, created = count_batch_created(&r, &other);
    if (created != m) {
      show_refusal(what, r.status, (const char *)r.body);
      die("%s: %ld of %ld accepted", what, created, m);
    }
    aidreg_http_response_free(&r);
    free(body.data);
  }
}

/* One project and opt.assets assets in it, registered by the root key (county role). */
static int register_assets(aidreg_http *h) {
  long n = opt.assets + 1;
  char **env = xcalloc((size_t)n, sizeof *env);
  size_t *len = xcalloc((size_t)n, sizeof *len);
  char project[64], t[TIME_CAP], payload[2048];
  project_code(project, sizeof project);
  for (long i = 0; i < n; i++) {
    fmt_time_us(wall_us(), t);
    int m;
    if (i == 0) {
      m = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"%s\",\"type\":\"project.register\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":"
                   "{\"name\":\"benchmark project\",\"type\":\"industry\",\"year\":2024,\"funding_lines\":[{\"channel\":"
                   "\"benchmark\",\"year\":2024,\"amount_fen\":100000000}],\"locations\":[\"%s104201\"],"
                   "\"industry_dept\":\"benchmark\",\"implementing_unit\":\"benchmark\",\"accepted_on\":\"2024-03-01\"}}",
                   origin, project, t, opt.code);
    } else {
      char asset[64];
      asset_code(i - 1, asset, sizeof asset);
      m = snprintf(payload, sizeof payload,
                   "{\"ledger\":\"%s\",\"type\":\"asset.register\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":"
                   "{\"project\":\"%s\",\"name\":\"benchmark asset %ld\",\"class\":\"public_welfare\",\"subtype\":"
                   "\"water_supply\",\"form\":\"fixed\",\"village\":\"%s104201\",\"original_value_fen\":1000000,"
                   "\"quantity\":1,\"unit\":\"item\",\"completed_on\":\"2024-02-01\",\"accepted_on\":\"2024-03-01\"}}",
                   origin, asset, t, project, i - 1, opt.code);
    }
    if (m < 0 || (size_t)m >= sizeof payload) die("payload too long");
    env[i] = sign_envelope(payload, (size_t)m, &root_key, &len[i]);
  }
  /* The project first: the assets name it. */
  aidreg_http_response r;
  post(h, entries_url, env[0], len[0], NULL, &r);
  int rc = is_receipt(r.status, (const char *)r.body) ? 0 : -1;
  if (rc) show_refusal("project.register", r.status, (const char *)r.body);
  aidreg_http_response_free(&r);
  if (rc == 0) submit_all(h, "asset.register", env + 1, len + 1, n - 1);
  free_envelopes(env, n);
  free(len);
  return rc;
}

/* Probes one envelope of the chosen load; true if it is answered 201 with a receipt. */
static bool load_accepted(aidreg_http *h) {
  size_t len;
  char *e = load_envelope(0, &len);
  aidreg_http_response r;
  post(h, entries_url, e, len, NULL, &r);
  free(e);
  bool ok = is_receipt(r.status, (const char *)r.body);
  if (!ok) show_refusal(load_names[load], r.status, (const char *)r.body);
  aidreg_http_response_free(&r);
  return ok;
}

static bool assets_ready;

/* Settles the load's event type. auto: key.enroll of fresh keys, the cheapest entry the
 * rules take today (an authority event: no state document to rewrite), else
 * inventory.count. The assets for the inventory run are registered either way. */
static void choose_load_type(aidreg_http *h) {
  time_base_us = wall_us();
  if (opt.domain_entries > 0 || strcmp(opt.type, "inventory") == 0) {
    load = LOAD_INVENTORY;
    assets_ready = register_assets(h) == 0 && load_accepted(h);
    if (assets_ready) say("%ld assets registered", opt.assets);
    else say("the server refuses inventory.count of registered assets");
  }
  if (strcmp(opt.type, "inventory") == 0) {
    if (!assets_ready) die("the server refuses the load's event type");
    load = LOAD_INVENTORY;
  } else {
    load = strcmp(opt.type, "settings") == 0 ? LOAD_SETTINGS : LOAD_ENROLL;
    if (!load_accepted(h)) {
      if (strcmp(opt.type, "auto") != 0 || !assets_ready) die("the server refuses the load's event type");
      say("falling back to inventory.count");
      load = LOAD_INVENTORY;
    }
  }
  say("load: %s, signed by %ld county keys", load_names[load], opt.keys);
}

/* CPU seconds used so far by the PostgreSQL processes of the cluster behind --db-url
 * (every backend and background process that pg_stat_activity lists); -1 without it. */
static double pg_cluster_cpu_s(void);
/* Sequential scans of the tables that grow with a ledger (leaf, tree_node) so far, and
 * the rows they read; -1 without --db-url. */
static double pg_big_seqscans(double *rows);
static double pg_entity_updates(double *hot);
static bool statements_reset(void);
static void statements_report(double entries);

/* ---- 3. closed loop ---------------------------------------------------------------------- */

typedef struct {
  char **env;
  size_t *len;
  long n;
  atomic_long next;
  int64_t *lat;      /* per envelope; -1 when not a receipt */
  long *status;      /* per envelope */
  pthread_barrier_t *start;
  const bench_mix *mix; /* --mix: connection s sends mix->seq's s-th run, each entry once its "after" are
                         * done; NULL: any connection the next entry, to entries_url */
  atomic_bool *done;    /* --mix: entry i answered (a receipt or not: a refused dependency must not hang) */
  pthread_mutex_t mu;   /* with cv: a connection waiting for another's receipt */
  pthread_cond_t cv;
  long nt;
  /* open loop */
  bool open;
  int64_t t0;
  double rate;
} run_state;

typedef struct {
  run_state *rs;
  aidreg_http_raw *c;
  long errors;
  long stream; /* with rs->mix: the run of mix->seq this connection sends */
} run_thread;

/* The mixed load: entry i goes once the entries it depends on, sent by other connections,
 * have their answers (as a clerk waits for the receipt of the plan before the payout). */
static void mix_wait(run_state *rs, long i) {
  const bench_mix *m = rs->mix;
  for (long a = m->after_off[i]; a < m->after_off[i + 1]; a++) {
    long j = m->after[a];
    if (atomic_load(&rs->done[j])) continue;
    pthread_mutex_lock(&rs->mu);
    while (!atomic_load(&rs->done[j])) pthread_cond_wait(&rs->cv, &rs->mu);
    pthread_mutex_unlock(&rs->mu);
  }
}

static void mix_done(run_state *rs, long i) {
  pthread_mutex_lock(&rs->mu);
  atomic_store(&rs->done[i], true);
  pthread_cond_broadcast(&rs->cv);
  pthread_mutex_unlock(&rs->mu);
}

static void *http_thread(void *arg) {
  run_thread *t = arg;
  run_state *rs = t->rs;
  pthread_barrier_wait(rs->start);
  const bench_mix *m = rs->mix;
  for (long k = 0;; k++) {
    long i;
    if (m) {
      if (k >= m->seq_start[t->stream + 1] - m->seq_start[t->stream]) break;
      i = m->seq[m->seq_start[t->stream] + k];
      mix_wait(rs, i);
    } else if ((i = atomic_fetch_add(&rs->next, 1)) >= rs->n) {
      break;
    }
    int64_t start;
    if (rs->open) {
      start = rs->t0 + (int64_t)((double)i * 1e9 / rs->rate);
      sleep_until(start);
    } else {
      start = now_ns();
    }
    long status = 0;
    const char *body = NULL;
    size_t body_len = 0;
    char err[512];
    const char *url = m ? m->url[i] : entries_url;
    if (aidreg_http_raw_post(t->c, url, rs->env[i], rs->len[i], &status, &body, &body_len, err, sizeof err)) {
      if (t->errors++ < 3) say("request failed: %s", err);
      rs->status[i] = 0;
      rs->lat[i] = -1;
      if (m) mix_done(rs, i);
      continue;
    }
    int64_t end = now_ns();
    rs->status[i] = status;
    rs->lat[i] = is_receipt(status, body) ? end - start : -1;
    if (rs->lat[i] < 0 && status != 201 && t->errors++ < 3) show_refusal("an entry", status, body);
    if (m) mix_done(rs, i);
  }
  return NULL;
}

typedef struct {
  long ok, sent;
  double seconds, per_s, p50, p99, p999, max_ms;
  double server_cpu_s, client_cpu_s, pg_cpu_s, machine_busy_s, machine_cores;
  double batches; /* group commits the server made (from /metrics), -1 if unknown */
  double seqscans, seqrows; /* of leaf and tree_node, -1 if unknown */
  double entity_upd, entity_hot; /* rows of entity updated, of them in place (HOT); -1 if unknown */
  long status_count[6]; /* 0: none, 1xx..5xx */
} run_result;

static aidreg_http *handles[MAX_THREADS];
/* The entries' connections (tools/http_raw.c: a fraction of libcurl's CPU a request), one a
 * thread, opened by the warm-up and kept from run to run. */
static aidreg_http_raw *loads[MAX_THREADS];
static long long ledger_size(aidreg_http *h);

/* ---- the read load: proofs and tiles beside the writes ----------------------------------- */

/* What a verifier and a monitor ask while entries are written: inclusion proofs of random
 * entries, consistency proofs from random sizes, hash tiles and entry bundles. */
enum { READ_INCLUSION, READ_CONSISTENCY, READ_TILE, READ_KINDS };
static const char *const read_names[READ_KINDS] = {"inclusion proof", "consistency proof", "tile"};
static const char *const read_routes[READ_KINDS] = {"/v1/ledgers/{code}/proof/inclusion",
                                                    "/v1/ledgers/{code}/proof/consistency", "/log/{code}/tile/{rest}"};

typedef struct {
  aidreg_http *h;
  uint64_t size; /* the tree size when the reads began: every read is inside it */
  double rate;   /* this reader's reads per second, 0: as fast as it can */
  int64_t t0;
  atomic_bool *stop;
  uint32_t seed;
  long n[READ_KINDS], failed;
  int64_t *lat[READ_KINDS]; /* client-side latencies */
  size_t cap[READ_KINDS];
} reader;

static uint32_t next_rand(uint32_t *s) {
  *s ^= *s << 13, *s ^= *s >> 17, *s ^= *s << 5;
  return *s;
}

static void *read_thread(void *arg) {
  reader *rd = arg;
  char path[256], idx[40];
  for (long i = 0; !atomic_load(rd->stop); i++) {
    int kind = (int)(i % READ_KINDS);
    /* Paced: read i is due at t0 + i / rate, and its latency counts from then, so a stall
     * is charged to every read it delays (as the open loop's writes). */
    int64_t due = rd->rate > 0 ? rd->t0 + (int64_t)((double)i * 1e9 / rd->rate) : 0;
    if (due) sleep_until(due);
    if (atomic_load(rd->stop)) break;
    uint64_t a = 1 + next_rand(&rd->seed) % rd->size, tiles = rd->size / 256;
    if (kind == READ_INCLUSION)
      snprintf(path, sizeof path, "/v1/ledgers/%s/proof/inclusion?index=%" PRIu64 "&size=%" PRIu64, opt.code, a - 1,
               rd->size);
    else if (kind == READ_CONSISTENCY)
      snprintf(path, sizeof path, "/v1/ledgers/%s/proof/consistency?from=%" PRIu64 "&to=%" PRIu64, opt.code, a,
               rd->size);
    else if (tiles && aidreg_tile_index_path(next_rand(&rd->seed) % tiles, idx, sizeof idx) == 0)
      snprintf(path, sizeof path, "/log/%s/tile/%s%s", opt.code, i % 2 ? "0/" : "entries/", idx);
    else
      continue;
    char *url = aidreg_http_url(opt.url, path), err[256];
    aidreg_http_response r;
    int64_t t0 = now_ns();
    int rc = url ? aidreg_http_get(rd->h, url, &r, err, sizeof err) : -1;
    int64_t t1 = now_ns();
    if (due) t0 = due;
    free(url);
    if (rc || r.status != 200) {
      if (rd->failed++ < 3) say("read %s: %s", path, rc ? err : "not 200");
      if (rc == 0) aidreg_http_response_free(&r);
      continue;
    }
    aidreg_http_response_free(&r);
    if (rd->n[kind] == (long)rd->cap[kind]) {
      rd->cap[kind] = rd->cap[kind] ? 2 * rd->cap[kind] : 1024;
      rd->lat[kind] = realloc(rd->lat[kind], rd->cap[kind] * sizeof *rd->lat[kind]);
      if (!rd->lat[kind]) die("out of memory");
    }
    rd->lat[kind][rd->n[kind]++] = t1 - t0;
  }
  return NULL;
}

#define DURATION_BUCKETS 64 /* at most, the server's histogram: its bounds and +Inf */

/* One route's duration histogram from /metrics: the bounds as the server prints them (le,
 * in seconds; +Inf last) and their cumulative counts. */
typedef struct {
  int n;
  double le[DURATION_BUCKETS], cum[DURATION_BUCKETS];
} durations;

/* 0, or -1 when the server has no histogram for the route. */
static int server_durations(aidreg_http *h, const char *route, durations *d) {
  char *url = aidreg_http_url(opt.url, "/metrics"), err[256], prefix[256];
  snprintf(prefix, sizeof prefix, "aidreg_http_request_duration_seconds_bucket{route=\"%s\",le=\"", route);
  aidreg_http_response r;
  d->n = 0;
  bool inf = false;
  if (url && aidreg_http_get(h, url, &r, err, sizeof err) == 0) {
    size_t pl = strlen(prefix);
    for (const char *p = (const char *)r.body; r.status == 200 && p && *p && d->n < DURATION_BUCKETS && !inf;
         p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
      if (strncmp(p, prefix, pl) != 0) continue;
      const char *v = strstr(p, "} ");
      if (!v) continue;
      inf = strncmp(p + pl, "+Inf", 4) == 0;
      d->le[d->n] = inf ? INFINITY : strtod(p + pl, NULL);
      d->cum[d->n++] = strtod(v + 2, NULL);
    }
    aidreg_http_response_free(&r);
  }
  free(url);
  return inf ? 0 : -1;
}

typedef struct {
  atomic_bool stop;
  reader *rd;
  pthread_t *th;
  int n;
  durations d0[READ_KINDS];
  int64_t t0;
  double rate; /* offered, all readers and kinds; 0: as fast as they can */
} read_load;

static void read_load_start(read_load *rl, uint64_t size, double rate) {
  atomic_init(&rl->stop, false);
  rl->n = size > 0 ? (int)opt.readers : 0;
  rl->rate = rate;
  rl->rd = xcalloc((size_t)(rl->n ? rl->n : 1), sizeof *rl->rd);
  rl->th = xcalloc((size_t)(rl->n ? rl->n : 1), sizeof *rl->th);
  aidreg_http *h = aidreg_http_new(0);
  if (!h) die("out of memory");
  for (int k = 0; k < READ_KINDS; k++) server_durations(h, read_routes[k], &rl->d0[k]);
  aidreg_http_free(h);
  rl->t0 = now_ns();
  for (int i = 0; i < rl->n; i++) {
    rl->rd[i] = (reader){.h = aidreg_http_new(0),
                         .size = size,
                         .rate = rate / rl->n,
                         .t0 = rl->t0 + (int64_t)(1e9 * i / (rate > 0 ? rate : 1)), /* spread over the first period */
                         .stop = &rl->stop,
                         .seed = 2463534242u + (uint32_t)i};
    if (!rl->rd[i].h || pthread_create(&rl->th[i], NULL, read_thread, &rl->rd[i])) die("cannot start a reader");
  }
}

/* The server-side quantile q (ms) of kind k over the load, from the histogram's delta: as
 * Prometheus' histogram_quantile, linear within the bucket it falls in (*bound gets that
 * bucket's upper bound); -1 without answers, 1e9 above the last bound. */
static double server_q_ms(const read_load *rl, int k, const durations *d1, double q, double *n_srv, double *bound) {
  const durations *d0 = &rl->d0[k];
  bool same = d0->n == d1->n;
  for (int b = 0; same && b < d1->n; b++) same = d0->le[b] == d1->le[b];
  double before = 0, lo = 0;
  *n_srv = d1->n ? d1->cum[d1->n - 1] - (same ? d0->cum[d1->n - 1] : 0) : 0;
  *bound = -1;
  for (int b = 0; b < d1->n && *n_srv > 0; b++) {
    double at = d1->cum[b] - (same ? d0->cum[b] : 0);
    if (at >= q * *n_srv) {
      if (isinf(d1->le[b])) return *bound = 1e9;
      *bound = d1->le[b] * 1e3;
      return (lo + (d1->le[b] - lo) * (at > before ? (q * *n_srv - before) / (at - before) : 1)) * 1e3;
    }
    before = at, lo = d1->le[b];
  }
  return -1;
}

/* Per kind: reads per second and server p99 (ms) of the last load stopped, for the ratio of
 * the reads beside the writes to the same reads alone. */
static double read_rate[READ_KINDS], read_p99[READ_KINDS];

/* load: "capacity" (as fast as they can), "alone" (paced, the baseline) or "beside_writes". */
static void read_load_stop(read_load *rl, const char *label, const char *load) {
  atomic_store(&rl->stop, true);
  for (int i = 0; i < rl->n; i++) pthread_join(rl->th[i], NULL);
  double seconds = (double)(now_ns() - rl->t0) / 1e9;
  aidreg_http *h = aidreg_http_new(0);
  if (!h) die("out of memory");
  for (int k = 0; k < READ_KINDS && rl->n; k++) {
    size_t total = 0;
    for (int i = 0; i < rl->n; i++) total += (size_t)rl->rd[i].n[k];
    int64_t *all = xcalloc(total ? total : 1, sizeof *all);
    size_t at = 0;
    for (int i = 0; i < rl->n; i++) {
      memcpy(all + at, rl->rd[i].lat[k], (size_t)rl->rd[i].n[k] * sizeof *all);
      at += (size_t)rl->rd[i].n[k];
    }
    qsort(all, total, sizeof *all, cmp_i64);
    /* Server-side: the histogram's delta over the run, interpolated within its buckets. */
    durations d1;
    double srv_p50 = -1, srv_p99 = -1, b50 = -1, b99 = -1, n_srv = 0, rate = (double)total / seconds;
    if (server_durations(h, read_routes[k], &d1) == 0)
      srv_p50 = server_q_ms(rl, k, &d1, 0.50, &n_srv, &b50), srv_p99 = server_q_ms(rl, k, &d1, 0.99, &n_srv, &b99);
    bool beside = strcmp(load, "beside_writes") == 0, baseline = strcmp(load, "alone") == 0;
    say("reads %s: %s: %zu in %.1f s = %.0f/s%s; client p50 %.2f ms, p99 %.2f ms; server p50 %.3f ms (<= %.2f), "
        "p99 %.3f ms (<= %.2f) (%.0f answers in its histogram)",
        label, read_names[k], total, seconds, rate, baseline ? " (the baseline)" : "",
        pct_ms(all, total, 0.50), pct_ms(all, total, 0.99), srv_p50, b50, srv_p99, b99, n_srv);
    printf("bench: read=%s load=%s per_s=%.0f", k == READ_INCLUSION ? "inclusion" : k == READ_CONSISTENCY ? "consistency" : "tile",
           load, rate);
    if (rl->rate > 0) printf(" offered_per_s=%.0f", rl->rate / READ_KINDS);
    printf(" client_p99_ms=%.2f server_p50_ms=%.3f server_p99_ms=%.3f server_p50_ms_at_most=%.2f "
           "server_p99_ms_at_most=%.2f",
           pct_ms(all, total, 0.99), srv_p50, srv_p99, b50, b99);
    if (beside && read_rate[k] > 0)
      printf(" rate_ratio_to_alone=%.2f server_p99_alone_ms=%.3f server_p99_ratio_to_alone=%.2f", rate / read_rate[k],
             read_p99[k], read_p99[k] > 0 ? srv_p99 / read_p99[k] : 0);
    printf("\n");
    if (baseline) read_rate[k] = rate, read_p99[k] = srv_p99;
    fflush(stdout);
    free(all);
  }
  aidreg_http_free(h);
  for (int i = 0; i < rl->n; i++) {
    for (int k = 0; k < READ_KINDS; k++) free(rl->rd[i].lat[k]);
    aidreg_http_free(rl->rd[i].h);
  }
  free(rl->rd);
  free(rl->th);
}

/* Closed (or open) loop over n envelopes from opt.concurrency connections; with mix, from
 * nt connections, each sending its run of mix->seq in order (the mixed load). */
static run_result run_http_on(char **env, size_t *len, const bench_mix *mix, long n, int nt, bool open,
                              double rate) {
  run_state rs = {.env = env, .len = len, .n = n, .open = open, .rate = rate, .mix = mix, .nt = nt};
  atomic_init(&rs.next, 0);
  pthread_mutex_init(&rs.mu, NULL);
  pthread_cond_init(&rs.cv, NULL);
  rs.done = mix ? xcalloc((size_t)n, sizeof *rs.done) : NULL;
  for (long i = 0; rs.done && i < n; i++) atomic_init(&rs.done[i], false);
  rs.lat = xcalloc((size_t)n, sizeof *rs.lat);
  rs.status = xcalloc((size_t)n, sizeof *rs.status);
  pthread_barrier_t bar;
  pthread_barrier_init(&bar, NULL, (unsigned)nt + 1);
  rs.start = &bar;
  run_thread *ts = xcalloc((size_t)nt, sizeof *ts);
  pthread_t *th = xcalloc((size_t)nt, sizeof *th);
  for (int i = 0; i < nt; i++) {
    char err[512];
    if (!loads[i] && !(loads[i] = aidreg_http_raw_new(opt.url, err, sizeof err))) die("%s", err);
    ts[i] = (run_thread){.rs = &rs, .c = loads[i], .stream = i};
    if (pthread_create(&th[i], NULL, http_thread, &ts[i])) die("cannot start a thread");
  }
  double batches0 = metric(handles[0], "aidreg_append_batches_total"), pg0 = pg_cluster_cpu_s(), sr0,
         ss0 = pg_big_seqscans(&sr0), hot0, upd0 = pg_entity_updates(&hot0);
  double scpu0 = opt.server_pid ? proc_cpu_s(opt.server_pid) : -1, ccpu0 = self_cpu_s(), mbusy0, mall0;
  machine_cpu_s(&mbusy0, &mall0);
  rs.t0 = now_ns() + 20000000; /* open loop: first send 20 ms from now */
  int64_t t0 = now_ns();
  pthread_barrier_wait(&bar);
  for (int i = 0; i < nt; i++) pthread_join(th[i], NULL);
  int64_t t1 = now_ns();
  double scpu1 = opt.server_pid ? proc_cpu_s(opt.server_pid) : -1, ccpu1 = self_cpu_s(), mbusy1, mall1;
  machine_cpu_s(&mbusy1, &mall1);
  double batches1 = metric(handles[0], "aidreg_append_batches_total"), pg1 = pg_cluster_cpu_s(), sr1,
         ss1 = pg_big_seqscans(&sr1), hot1, upd1 = pg_entity_updates(&hot1);
  pthread_barrier_destroy(&bar);

  run_result res = {0};
  res.sent = n;
  res.seconds = (double)(t1 - (open ? rs.t0 : t0)) / 1e9;
  int64_t *ok = xcalloc((size_t)n, sizeof *ok);
  for (long i = 0; i < n; i++) {
    long s = rs.status[i];
    res.status_count[s >= 100 && s < 600 ? s / 100 : 0]++;
    if (rs.lat[i] >= 0) ok[res.ok++] = rs.lat[i];
  }
  qsort(ok, (size_t)res.ok, sizeof *ok, cmp_i64);
  res.per_s = (double)res.ok / res.seconds;
  res.p50 = pct_ms(ok, (size_t)res.ok, 0.50);
  res.p99 = pct_ms(ok, (size_t)res.ok, 0.99);
  res.p999 = pct_ms(ok, (size_t)res.ok, 0.999);
  res.max_ms = res.ok ? (double)ok[res.ok - 1] / 1e6 : 0;
  res.server_cpu_s = scpu0 >= 0 && scpu1 >= 0 ? scpu1 - scpu0 : -1;
  res.client_cpu_s = ccpu1 - ccpu0;
  res.seqscans = ss0 >= 0 && ss1 >= 0 ? ss1 - ss0 : -1;
  res.seqrows = ss0 >= 0 && ss1 >= 0 ? sr1 - sr0 : -1;
  res.entity_upd = upd0 >= 0 && upd1 >= 0 ? upd1 - upd0 : -1;
  res.entity_hot = upd0 >= 0 && upd1 >= 0 ? hot1 - hot0 : -1;
  res.pg_cpu_s = pg0 >= 0 && pg1 >= 0 ? pg1 - pg0 : -1;
  res.machine_busy_s = mbusy0 >= 0 && mbusy1 >= 0 ? mbusy1 - mbusy0 : -1;
  res.machine_cores = mall0 >= 0 && mall1 > mall0 ? (mall1 - mall0) / ((double)(t1 - t0) / 1e9) : -1;
  res.batches = batches0 >= 0 && batches1 >= 0 ? batches1 - batches0 : -1;
  free(ok);
  free(rs.lat);
  free(rs.status);
  free(rs.done);
  pthread_mutex_destroy(&rs.mu);
  pthread_cond_destroy(&rs.cv);
  free(ts);
  free(th);
  return res;
}

static run_result run_http(char **env, size_t *len, long n, bool open, double rate) {
  return run_http_on(env, len, NULL, n, (int)opt.concurrency, open, rate);
}

static void report_run(const char *name, const run_result *r) {
  say("%s: %ld/%ld receipts in %.2f s = %.0f entries/s; p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms", name,
      r->ok, r->sent, r->seconds, r->per_s, r->p50, r->p99, r->p999, r->max_ms);
  say("%s: answers: 2xx %ld, 4xx %ld, 5xx %ld, none %ld", name, r->status_count[2], r->status_count[4],
      r->status_count[5], r->status_count[0]);
  if (r->ok > 0) {
    double ok = (double)r->ok;
    double srv = r->server_cpu_s >= 0 ? r->server_cpu_s : 0, pg = r->pg_cpu_s >= 0 ? r->pg_cpu_s : 0;
    say("%s: CPU per entry: server %.0f us, PostgreSQL %.0f us, load generator %.0f us", name, srv * 1e6 / ok,
        pg * 1e6 / ok, r->client_cpu_s * 1e6 / ok);
    /* Cores: what the machine did meanwhile; "other" is the kernel's own work and whatever
     * else runs on the machine (other people's builds skew a run). */
    if (r->machine_busy_s >= 0)
      say("%s: cores busy %.2f of %d: server %.2f, PostgreSQL %.2f, load generator %.2f, other %.2f", name,
          r->machine_busy_s / r->seconds, nthreads_cpu(), srv / r->seconds, pg / r->seconds,
          r->client_cpu_s / r->seconds, (r->machine_busy_s - srv - pg - r->client_cpu_s) / r->seconds);
    if (r->batches > 0)
      say("%s: the server made %.0f group commits: %.1f entries each, one every %.2f ms", name, r->batches,
          ok / r->batches, r->seconds * 1e3 / r->batches);
    /* An update that writes no index entry (HOT) costs a fraction of one that writes all
     * of entity's (sql/013). The statistics lag by about a second: an approximate share. */
    if (r->entity_upd > 0)
      say("%s: PostgreSQL updated %.0f rows of entity, %.0f of them in place (HOT, %.0f %%)", name, r->entity_upd,
          r->entity_hot, 100 * r->entity_hot / r->entity_upd);
    if (r->seqscans > 0 && r->seqrows < 100 * ok)
      say("%s: PostgreSQL made %.0f sequential scans of leaf/tree_node (%.0f rows read)", name, r->seqscans,
          r->seqrows);
    else if (r->seqscans > 0)
      say("%s: WARNING: PostgreSQL made %.0f sequential scans of leaf/tree_node (%.0f rows read, %.0f per entry): "
          "a query plan that reads the whole ledger (see docs/benchmark.md)",
          name, r->seqscans, r->seqrows, r->seqrows / ok);
  }
}

/* The mixed load: the counties of opt.mix side by side, each on several connections (its
 * streams); reported beside the key.enroll closed loop of the same run. */
static void bench_mix_run(const run_result *enroll) {
  bench_mix m;
  char err[512];
  int64_t t0 = now_ns();
  if (bench_mix_load(opt.mix, opt.url, opt.token, (int)opt.concurrency, &m, err, sizeof err)) die("--mix: %s", err);
  say("mixed load: %d counties, %ld entries each after ledger.create, %d streams on %d connections (ledgers "
      "created in %.2f s)",
      m.counties, m.per_county, m.labels, m.streams, (double)(now_ns() - t0) / 1e9);
  bool profiled = statements_reset();
  run_result r = run_http_on(m.env, m.len, &m, m.n, m.streams, false, 0);
  report_run("mixed load", &r);
  if (profiled) statements_report(r.ok ? (double)r.ok : 1);
  double ok = r.ok ? (double)r.ok : 1;
  printf("bench: mixed_load=county-year counties=%d streams=%d connections=%d entries_per_s=%.0f "
         "entries_per_commit=%.1f p50_ms=%.2f p99_ms=%.2f server_us=%.0f pg_us=%.0f ratio_to_enroll=%.2f\n",
         m.counties, m.labels, m.streams, r.per_s, r.batches > 0 ? ok / r.batches : -1, r.p50, r.p99,
         r.server_cpu_s >= 0 ? r.server_cpu_s * 1e6 / ok : -1, r.pg_cpu_s >= 0 ? r.pg_cpu_s * 1e6 / ok : -1,
         enroll->per_s > 0 ? r.per_s / enroll->per_s : 0);
  fflush(stdout);
  bench_mix_free(&m);
}

/* ---- 2. the storage baseline ---------------------------------------------------------- */

#define SCRATCH "aidreg_bench_scratch"

static PGconn *pg_connect(void) {
  PGconn *c = PQconnectdb(opt.db_url);
  if (PQstatus(c) != CONNECTION_OK) die("baseline: cannot connect to the database: %s", PQerrorMessage(c));
  PGresult *r = PQexec(c, "SET client_min_messages = warning");
  PQclear(r);
  return c;
}

static void pg_exec(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) die("baseline: %s: %s", sql, PQerrorMessage(c));
  PQclear(r);
}

static void pg_params(PGconn *c, const char *sql, int n, const char *const *params) {
  PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) die("baseline: %s: %s", sql, PQerrorMessage(c));
  PQclear(r);
}

static void pg_copy(PGconn *c, const char *sql, const char *data, size_t len) {
  PGresult *r = PQexec(c, sql);
  if (PQresultStatus(r) != PGRES_COPY_IN) die("baseline: %s: %s", sql, PQerrorMessage(c));
  PQclear(r);
  if (PQputCopyData(c, data, (int)len) != 1 || PQputCopyEnd(c, NULL) != 1) die("baseline: COPY: %s", PQerrorMessage(c));
  r = PQgetResult(c);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) die("baseline: COPY: %s", PQerrorMessage(c));
  PQclear(r);
  while ((r = PQgetResult(c))) PQclear(r);
}

static void hex32(const uint8_t h[32], char out[65]) {
  static const char d[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = d[h[i] >> 4];
    out[2 * i + 1] = d[h[i] & 15];
  }
  out[64] = 0;
}

typedef struct {
  int id;
  long batch;
  int64_t until;
  char **env; /* real envelopes, cycled, for leaf-sized rows */
  size_t *env_len;
  long nenv;
  long rows;
  long tx;
  double backend_cpu_s; /* this connection's backend process */
} base_job;

/* One connection: the server's batch transaction, again and again, into its own scratch
 * ledger (so connections do not queue on one ledger row): lock the ledger row, COPY the
 * leaves and the new tree nodes, upsert the subject head, insert a checkpoint, update
 * the size, COMMIT. */
static void *base_thread(void *arg) {
  base_job *j = arg;
  PGconn *c = pg_connect();
  pg_exec(c, "SET synchronous_commit = on");
  int backend = PQbackendPID(c);
  double bcpu0 = proc_cpu_s(backend);
  char code[16], size_s[24];
  snprintf(code, sizeof code, "9%05d", j->id);
  const char *p1[1] = {code};
  sbuf leaves = {0}, nodes = {0};
  uint64_t size = 0;
  char t[TIME_CAP];
  fmt_time_us(wall_us(), t);
  do {
    leaves.len = nodes.len = 0;
    pg_exec(c, "BEGIN");
    pg_params(c, "SELECT size FROM " SCRATCH ".ledger WHERE code = $1 FOR UPDATE", 1, p1);
    uint8_t h[32];
    char hex[65];
    for (long k = 0; k < j->batch; k++) {
      uint64_t idx = size + (uint64_t)k;
      long e = (long)(idx % (uint64_t)j->nenv);
      randombytes_buf(h, sizeof h);
      hex32(h, hex);
      char leaf_hex[65];
      randombytes_buf(h, sizeof h);
      hex32(h, leaf_hex);
      sb_addf(&leaves, "%s\t%" PRIu64 "\t\\\\x%s\t\\\\x%s\tledger.settings\t%s\t", code, idx, hex, leaf_hex, code);
      char head[128];
      int hn = snprintf(head, sizeof head, "{\"v\":1,\"index\":%" PRIu64 ",\"time\":\"%s\",\"envelope\":", idx, t);
      sb_add_copy_text(&leaves, head, (size_t)hn);
      sb_add_copy_text(&leaves, j->env[e], j->env_len[e]);
      sb_add(&leaves, "}\n", 2);
      /* The perfect subtrees completed by leaf idx above the leaf itself (its hash is in
       * its row): levels 1 .. trailing ones of idx. */
      for (unsigned lv = 1; lv < 64 && ((idx >> (lv - 1)) & 1); lv++) {
        randombytes_buf(h, sizeof h);
        hex32(h, hex);
        sb_addf(&nodes, "%s\t%u\t%" PRIu64 "\t\\\\x%s\n", code, lv, idx >> lv, hex);
      }
    }
    pg_copy(c, "COPY " SCRATCH ".leaf (ledger, idx, payload_sha256, leaf_hash, type, subject, data) FROM STDIN", leaves.data,
            leaves.len);
    pg_copy(c, "COPY " SCRATCH ".tree_node (ledger, level, idx, hash) FROM STDIN", nodes.data, nodes.len);
    size += (uint64_t)j->batch;
    snprintf(size_s, sizeof size_s, "%" PRIu64, size);
    randombytes_buf(h, sizeof h);
    hex32(h, hex);
    char note[400];
    snprintf(note, sizeof note, "bench/%s\n%s\n%s\n\n\xe2\x80\x94 bench/%s %s\n", code, size_s, hex, code, hex);
    const char *cp[3] = {code, size_s, note};
    pg_params(c, "INSERT INTO " SCRATCH ".checkpoint (ledger, size, note) VALUES ($1, $2, $3)", 3, cp);
    const char *sp[2] = {code, size_s};
    pg_params(c, "UPDATE " SCRATCH ".ledger SET size = $2 WHERE code = $1", 2, sp);
    pg_exec(c, "COMMIT");
    j->rows += j->batch;
    j->tx++;
  } while (now_ns() < j->until);
  free(leaves.data);
  free(nodes.data);
  double bcpu1 = proc_cpu_s(backend);
  j->backend_cpu_s = bcpu0 >= 0 && bcpu1 >= 0 ? bcpu1 - bcpu0 : 0;
  PQfinish(c);
  return NULL;
}

static PGconn *pg_watch; /* for pg_cluster_cpu_s */

static double pg_cluster_cpu_s(void) {
  if (!opt.db_url) return -1;
  if (!pg_watch) pg_watch = pg_connect();
  PGresult *r = PQexec(pg_watch, "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()");
  double sum = -1;
  if (PQresultStatus(r) == PGRES_TUPLES_OK) {
    sum = 0;
    for (int i = 0; i < PQntuples(r); i++) {
      long pid = strtol(PQgetvalue(r, i, 0), NULL, 10);
      double cpu_s = proc_cpu_s(pid); /* seconds of CPU, not money */
      if (cpu_s > 0) sum += cpu_s;
    }
  }
  PQclear(r);
  return sum;
}

static double pg_big_seqscans(double *rows) {
  *rows = -1;
  if (!opt.db_url) return -1;
  if (!pg_watch) pg_watch = pg_connect();
  /* The statistics collector lags by up to half a second (PGSTAT_MIN_INTERVAL). */
  PGresult *r = PQexec(pg_watch,
                       "SELECT coalesce(sum(seq_scan), 0), coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables "
                       "WHERE schemaname = 'public' AND relname IN ('leaf', 'tree_node')");
  double n = -1;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
    n = strtod(PQgetvalue(r, 0, 0), NULL);
    *rows = strtod(PQgetvalue(r, 0, 1), NULL);
  }
  PQclear(r);
  return n;
}

static double pg_entity_updates(double *hot) {
  *hot = -1;
  if (!opt.db_url) return -1;
  if (!pg_watch) pg_watch = pg_connect();
  PGresult *r = PQexec(pg_watch, "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                                 "WHERE schemaname = 'public' AND relname = 'entity'");
  double n = -1;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
    n = strtod(PQgetvalue(r, 0, 0), NULL);
    *hot = strtod(PQgetvalue(r, 0, 1), NULL);
  }
  PQclear(r);
  return n;
}

/* pg_stat_statements, when the cluster preloads it (tools/bench.sh with
 * AIDREG_BENCH_STATEMENTS=1): emptied before a run, its costliest statements after. */
static bool statements_reset(void) {
  if (!opt.db_url) return false;
  if (!pg_watch) pg_watch = pg_connect();
  PGresult *r = PQexec(pg_watch, "SELECT 1 FROM pg_settings WHERE name = 'shared_preload_libraries' AND "
                                 "setting LIKE '%pg_stat_statements%'");
  bool on = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  PQclear(r);
  if (!on) return false;
  r = PQexec(pg_watch, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  PQclear(r);
  r = PQexec(pg_watch, "SELECT pg_stat_statements_reset()");
  on = PQresultStatus(r) == PGRES_TUPLES_OK;
  PQclear(r);
  return on;
}

static void statements_report(double entries) {
  PGresult *r = PQexec(pg_watch,
                       "SELECT calls, total_plan_time, total_exec_time, rows, "
                       "regexp_replace(left(query, 110), '\\s+', ' ', 'g') FROM pg_stat_statements "
                       "WHERE query NOT LIKE '%pg_stat%' ORDER BY total_plan_time + total_exec_time DESC");
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    say("statements: %s", PQerrorMessage(pg_watch));
    PQclear(r);
    return;
  }
  double all_calls = 0, all_plan = 0, all_exec = 0;
  for (int i = 0; i < PQntuples(r); i++) {
    all_calls += strtod(PQgetvalue(r, i, 0), NULL);
    all_plan += strtod(PQgetvalue(r, i, 1), NULL);
    all_exec += strtod(PQgetvalue(r, i, 2), NULL);
  }
  say("statements: %.1f an entry, planning %.0f us + executing %.0f us an entry (pg_stat_statements, %d kinds)",
      all_calls / entries, all_plan * 1e3 / entries, all_exec * 1e3 / entries, PQntuples(r));
  for (int i = 0; i < PQntuples(r) && i < 15; i++)
    say("statements: %5.2f calls/entry, plan %5.0f us + exec %5.0f us an entry, %6.1f rows/call: %s",
        strtod(PQgetvalue(r, i, 0), NULL) / entries, strtod(PQgetvalue(r, i, 1), NULL) * 1e3 / entries,
        strtod(PQgetvalue(r, i, 2), NULL) * 1e3 / entries,
        strtod(PQgetvalue(r, i, 3), NULL) / fmax(1, strtod(PQgetvalue(r, i, 0), NULL)), PQgetvalue(r, i, 4));
  PQclear(r);
}

static void scratch_drop(PGconn *c) { pg_exec(c, "DROP SCHEMA IF EXISTS " SCRATCH " CASCADE"); }

/* Scratch copies of the log tables (same columns, keys, indexes, checks; foreign keys to
 * a scratch ledger table; no append-only triggers, which fire only on UPDATE/DELETE). */
static void scratch_create(PGconn *c, int nconn) {
  scratch_drop(c);
  pg_exec(c, "CREATE SCHEMA " SCRATCH);
  pg_exec(c, "CREATE TABLE " SCRATCH ".ledger (LIKE ledger INCLUDING ALL)");
  static const char *const tables[] = {"leaf", "tree_node", "checkpoint"};
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE TABLE " SCRATCH ".%s (LIKE %s INCLUDING ALL, FOREIGN KEY (ledger) REFERENCES " SCRATCH
             ".ledger (code))",
             tables[i], tables[i]);
    pg_exec(c, sql);
  }
  for (int i = 0; i < nconn; i++) {
    char code[16], orig[40];
    snprintf(code, sizeof code, "9%05d", i);
    snprintf(orig, sizeof orig, "bench/%s", code);
    const char *p[3] = {code, orig, "bench"};
    pg_params(c, "INSERT INTO " SCRATCH ".ledger (code, name, origin, vkey) VALUES ($1, $1, $2, $3)", 3, p);
  }
}

/* Rows per second of nconn connections writing batches of `batch` rows. */
static double baseline_run(int nconn, long batch, char **env, size_t *env_len, long nenv, long *tx_out) {
  PGconn *admin = pg_connect();
  scratch_create(admin, nconn);
  base_job *jobs = xcalloc((size_t)nconn, sizeof *jobs);
  pthread_t *th = xcalloc((size_t)nconn, sizeof *th);
  double pg0 = pg_cluster_cpu_s(), self0 = self_cpu_s();
  int64_t t0 = now_ns(), until = t0 + (int64_t)(opt.baseline_seconds * 1e9);
  for (int i = 0; i < nconn; i++) {
    jobs[i] = (base_job){.id = i, .batch = batch, .until = until, .env = env, .env_len = env_len, .nenv = nenv};
    if (pthread_create(&th[i], NULL, base_thread, &jobs[i])) die("cannot start a thread");
  }
  long rows = 0, tx = 0;
  double backends = 0;
  for (int i = 0; i < nconn; i++) {
    pthread_join(th[i], NULL);
    rows += jobs[i].rows;
    tx += jobs[i].tx;
    backends += jobs[i].backend_cpu_s;
  }
  int64_t t1 = now_ns();
  double pg1 = pg_cluster_cpu_s(), self1 = self_cpu_s();
  if (rows > 0)
    say("baseline: CPU per row: PostgreSQL %.0f us, libpq client %.0f us", (pg1 - pg0 + backends) * 1e6 / (double)rows,
        (self1 - self0) * 1e6 / (double)rows);
  scratch_drop(admin);
  PQfinish(admin);
  free(jobs);
  free(th);
  *tx_out = tx;
  return (double)rows / ((double)(t1 - t0) / 1e9);
}

/* ---- 5. a big ledger ------------------------------------------------------------------- */

typedef struct {
  const char *label;
  long total;
  atomic_long next;
  atomic_long created, refused;
} big_state;

typedef struct {
  big_state *bs;
  aidreg_http *h;
} big_thread_arg;

/* Signs batches of the load (1000 at a time) and submits each as {"envelopes": [...]}. */
static void *big_thread(void *arg) {
  big_thread_arg *a = arg;
  big_state *bs = a->bs;
  sbuf body = {0};
  for (;;) {
    long from = atomic_fetch_add(&bs->next, BATCH_MAX);
    if (from >= bs->total) break;
    long m = bs->total - from < BATCH_MAX ? bs->total - from : BATCH_MAX;
    body.len = 0;
    sb_add(&body, "{\"envelopes\":[", 14);
    for (long k = 0; k < m; k++) {
      size_t el;
      char *e = load_envelope(from + k, &el);
      if (k) sb_add(&body, ",", 1);
      sb_add(&body, e, el);
      free(e);
    }
    sb_add(&body, "]}", 2);
    aidreg_http_response r;
    char err[512];
    int tries = 0;
    while (aidreg_http_post_json(a->h, entries_url, body.data, body.len, NULL, &r, err, sizeof err)) {
      if (++tries > 3) die("%s: %s", bs->label, err);
      say("%s: %s; retrying", bs->label, err);
      sleep(1);
    }
    long other = 0, created = count_batch_created(&r, &other);
    if (other != 0) show_refusal("a batch", r.status, (const char *)r.body);
    atomic_fetch_add(&bs->created, created);
    atomic_fetch_add(&bs->refused, other < 0 ? m : other);
    aidreg_http_response_free(&r);
    long done = atomic_load(&bs->created);
    if (done / 100000 != (done - created) / 100000) {
      if (opt.server_pid)
        say("%s: %ld entries appended; server RSS %.1f MiB", bs->label, done,
            (double)proc_status_kib(opt.server_pid, "VmRSS") / 1024);
      else
        say("%s: %ld entries appended", bs->label, done);
    }
  }
  free(body.data);
  return NULL;
}

/* Appends n entries of the load in batches of 1000 from --big-threads submitters
 * (signing included: the load generator signs while the server verifies). */
static void append_batches(const char *label, long n) {
  big_state bs = {.label = label, .total = n};
  atomic_init(&bs.next, 0);
  atomic_init(&bs.created, 0);
  atomic_init(&bs.refused, 0);
  big_thread_arg args[64];
  pthread_t th[64];
  int64_t t0 = now_ns();
  double scpu0 = opt.server_pid ? proc_cpu_s(opt.server_pid) : -1;
  for (long i = 0; i < opt.big_threads; i++) {
    args[i] = (big_thread_arg){&bs, handles[i]};
    aidreg_http_set_timeout(handles[i], 600);
    if (pthread_create(&th[i], NULL, big_thread, &args[i])) die("cannot start a thread");
  }
  for (long i = 0; i < opt.big_threads; i++) {
    pthread_join(th[i], NULL);
    aidreg_http_set_timeout(handles[i], 120);
  }
  double scpu1 = opt.server_pid ? proc_cpu_s(opt.server_pid) : -1;
  long created = atomic_load(&bs.created), refused = atomic_load(&bs.refused);
  double secs = (double)(now_ns() - t0) / 1e9;
  say("%s: %ld entries appended (%ld refused) in %.1f s = %.0f entries/s in batches of %d (signing included)", label,
      created, refused, secs, (double)created / secs, BATCH_MAX);
  if (created && scpu0 >= 0 && scpu1 >= 0)
    say("%s: server CPU %.0f us per entry", label, (scpu1 - scpu0) * 1e6 / (double)created);
  if (refused) die("%s: %ld entries were refused", label, refused);
}

/* Tree size of our ledger from GET /v1/ledgers; -1 if unknown. */
static long long ledger_size(aidreg_http *h) {
  char *url = aidreg_http_url(opt.url, "/v1/ledgers"), err[512];
  aidreg_http_response r;
  long long size = -1;
  if (url && aidreg_http_get(h, url, &r, err, sizeof err) == 0) {
    json_t *root = r.status == 200 ? json_loadb((const char *)r.body, r.len, 0, NULL) : NULL;
    json_t *list = json_object_get(root, "ledgers"), *l;
    size_t i;
    json_array_foreach(list, i, l) {
      if (json_is_string(json_object_get(l, "code")) &&
          strcmp(json_string_value(json_object_get(l, "code")), opt.code) == 0 &&
          json_is_integer(json_object_get(l, "size")))
        size = (long long)json_integer_value(json_object_get(l, "size"));
    }
    json_decref(root);
    aidreg_http_response_free(&r);
  }
  free(url);
  return size;
}

static void bench_big(void) {
  say("big: appending %ld entries (server RSS now %.1f MiB)", opt.big,
      (double)proc_status_kib(opt.server_pid, "VmRSS") / 1024);
  append_batches("big", opt.big);
  long long size = ledger_size(handles[0]);
  long rss = proc_status_kib(opt.server_pid, "VmRSS"), hwm = proc_status_kib(opt.server_pid, "VmHWM");
  say("big: server VmRSS %ld KiB, VmHWM (peak) %ld KiB", rss, hwm);
  printf("bench: ledger_size=%lld server_rss_mib=%.1f\n", size, rss < 0 ? -1.0 : (double)rss / 1024);
  fflush(stdout);
}

/* ---- main ------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
  parse_options(argc, argv);
  if (sodium_init() < 0) die("libsodium failed to initialise");
  if (aidreg_http_global_init()) die("libcurl failed to initialise");
  char *path = xcalloc(1, 64);
  snprintf(path, 64, "/v1/ledgers/%s/entries", opt.code);
  entries_url = aidreg_http_url(opt.url, path);
  free(path);
  if (!entries_url) die("out of memory");
  int nh = (int)(opt.concurrency > opt.big_threads ? opt.concurrency : opt.big_threads);
  for (int i = 0; i < nh; i++) {
    if (!(handles[i] = aidreg_http_new((size_t)16 << 20))) die("out of memory"); /* a batch answer: ~1.5 KB a receipt */
    aidreg_http_set_timeout(handles[i], 120);
  }
  say("%d cores; %ld envelopes closed loop with %ld connections; open loop %.0f/s for %.0f s", nthreads_cpu(),
      opt.entries, opt.concurrency, opt.rate, opt.open_seconds);

  FILE *la = fopen("/proc/loadavg", "r");
  char lbuf[128] = "";
  if (la) {
    if (!fgets(lbuf, sizeof lbuf, la)) lbuf[0] = 0;
    fclose(la);
    lbuf[strcspn(lbuf, "\n")] = 0;
    say("load average before the run: %s (other work on these cores skews every figure)", lbuf);
  }

  /* 1. The crypto ceiling, while the server is idle. */
  double verify_per_s = 0;
  if (!opt.skip_verify) verify_per_s = bench_verify();

  /* Ledger, keys, load type; then every envelope of the runs, signed in advance. */
  setup_ledger(handles[0]);
  choose_load_type(handles[0]);
  long n_warm = opt.warmup, n_closed = opt.entries;
  long n_open = opt.skip_open ? 0 : (long)(opt.rate * opt.open_seconds);
  long n_all = n_warm + n_closed + n_open;
  int64_t t0 = now_ns();
  char **env;
  size_t *len;
  presign(n_all, &env, &len);
  size_t bytes = 0;
  for (long i = 0; i < n_all; i++) bytes += len[i];
  say("pre-signed %ld envelopes (%.0f bytes on average) in %.2f s", n_all, n_all ? (double)bytes / (double)n_all : 0,
      (double)(now_ns() - t0) / 1e9);

  /* 2. The storage baseline, while the server is idle. */
  double baseline = 0;
  if (opt.db_url && !opt.skip_baseline) {
    long tx = 0;
    baseline = baseline_run((int)opt.baseline_conns, opt.baseline_batch, env, len, n_all, &tx);
    say("baseline: %.0f rows/s (%ld connections, %ld rows per transaction, %ld transactions)", baseline,
        opt.baseline_conns, opt.baseline_batch, tx);
    /* The shape the server can form in the closed loop: one writer per ledger, batches no
     * larger than the requests in flight. */
    double one = baseline_run(1, opt.concurrency, env, len, n_all, &tx);
    say("baseline, one writer: %.0f rows/s (1 connection, %ld rows per transaction, %ld transactions)", one,
        opt.concurrency, tx);
    printf("bench: baseline_one_writer_rows_per_s=%.0f batch=%ld\n", one, opt.concurrency);
    fflush(stdout);
  } else if (!opt.db_url) {
    say("baseline skipped: no --db-url");
  }

  /* A history for the ledger, then fresh planner statistics. A fresh database has none
   * for the log tables until autovacuum's first ANALYZE, and statistics taken when a
   * table was a fraction of its size can make PostgreSQL choose plans that read the whole
   * ledger on every batch (reported per run below). The runs are meant to show a ledger
   * in its steady state, not those transients. */
  if (opt.prefill) append_batches("prefill", opt.prefill);
  if (opt.db_url && !opt.no_analyze) {
    PGconn *c = pg_connect();
    int64_t a0 = now_ns();
    pg_exec(c, "ANALYZE");
    say("ANALYZE after the prefill: %.2f s", (double)(now_ns() - a0) / 1e9);
    PQfinish(c);
  }

  /* 3. Closed loop: warm-up (connections, caches), then the measured run. */
  if (n_warm) {
    run_result w = run_http(env, len, n_warm, false, 0);
    report_run("warm-up", &w);
  }
  run_result closed = run_http(env + n_warm, len + n_warm, n_closed, false, 0);
  report_run("closed loop", &closed);

  /* 4. Open loop at a fixed offered rate. */
  if (n_open) {
    /* The read load alone first (its baseline), then beside the open loop's writes. */
    read_load rl;
    long long size_now = ledger_size(handles[0]);
    uint64_t rsize = size_now > 0 ? (uint64_t)size_now : 0;
    if (opt.readers) say("reads: %ld readers inside a tree of %" PRIu64 " entries", opt.readers, rsize);
    if (opt.read_rate > 0) { /* their capacity first, when the baseline is paced */
      read_load_start(&rl, rsize, 0);
      if (rl.n) sleep_until(now_ns() + 2000000000LL);
      read_load_stop(&rl, "as fast as they can", "capacity");
    }
    read_load_start(&rl, rsize, opt.read_rate);
    if (rl.n) sleep_until(now_ns() + 3000000000LL);
    read_load_stop(&rl, "alone", "alone");
    read_load_start(&rl, rsize, opt.read_rate);
    run_result o = run_http(env + n_warm + n_closed, len + n_warm + n_closed, n_open, true, opt.rate);
    read_load_stop(&rl, "beside the writes", "beside_writes");
    report_run("open loop", &o);
    printf("bench: offered_rate=%.0f p50_ms=%.2f p99_ms=%.2f\n", opt.rate, o.p50, o.p99);
    fflush(stdout);
  }
  free_envelopes(env, n_all);
  free(len);

  /* The same closed loop with an entry whose domain rules keep state: each
   * inventory.count edits its asset's document and log, written back in the batch. */
  if (opt.domain_entries > 0 && assets_ready) {
    load_kind main_load = load;
    load = LOAD_INVENTORY;
    presign(opt.domain_entries, &env, &len);
    load = main_load;
    run_result d = run_http(env, len, opt.domain_entries, false, 0);
    report_run("inventory.count", &d);
    printf("bench: domain_load=inventory.count entries_per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n", d.per_s, d.p50, d.p99);
    fflush(stdout);
    free_envelopes(env, opt.domain_entries);
    free(len);
  }

  /* The mixed load: counties' years side by side (tools/bench_mix.c). */
  if (opt.mix) bench_mix_run(&closed);

  /* 5. A big ledger and the server's memory. */
  if (opt.big) bench_big();

  double ratio = verify_per_s > 0 ? closed.per_s / verify_per_s : 0;
  printf("bench: signed_entries_per_s=%.0f p50_ms=%.2f p99_ms=%.2f baseline_rows_per_s=%.0f verify_per_s=%.0f "
         "ratio=%.3f\n",
         closed.per_s, closed.p50, closed.p99, baseline, verify_per_s, ratio);
  fflush(stdout);
  for (int i = 0; i < nh; i++) aidreg_http_free(handles[i]);
  for (int i = 0; i < MAX_THREADS; i++) aidreg_http_raw_free(loads[i]);
  free(entries_url);
  for (long i = 0; i < opt.keys; i++) aidreg_key_wipe(&county_keys[i]);
  free(county_keys);
  free(county_ids);
  aidreg_key_wipe(&root_key);
  if (pg_watch) PQfinish(pg_watch);
  aidreg_http_global_cleanup();
  return 0;
}
