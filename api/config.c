/* Configuration from the environment, overridden by flags: see config.h. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "query.h"

#define TOKEN_MAX 4096

static const char usage[] =
    "usage: aidreg-server [options]\n"
    "\n"
    "Serves aidreg ledgers over HTTP. Each option may also be set in the environment\n"
    "(variable in brackets); a flag overrides the environment.\n"
    "\n"
    "  --database-url URL        [AIDREG_DATABASE_URL] PostgreSQL URL of the server's role (required)\n"
    "  --owner-database-url URL  [AIDREG_OWNER_DATABASE_URL] role that owns the schema; runs migrations\n"
    "  --log-key FILE            [AIDREG_LOG_KEY_FILE] Ed25519 secret key (PKCS#8 PEM) that signs\n"
    "                            checkpoints (required unless --migrate-only)\n"
    "  --log-host NAME           [AIDREG_LOG_HOST] origin prefix: origin = NAME/<county code>\n"
    "                            (default localhost)\n"
    "  --admin-token TOKEN       [AIDREG_ADMIN_TOKEN] operator bearer token for POST /v1/ledgers\n"
    "                            (visible to other local users in ps: prefer the file)\n"
    "  --admin-token-file FILE   [AIDREG_ADMIN_TOKEN_FILE] read the operator token from FILE\n"
    "  --bind ADDRESS            [AIDREG_BIND] address to listen on (default 127.0.0.1)\n"
    "  --port N                  [AIDREG_PORT] TCP port (default 8080; 0 = any free port)\n"
    "  --threads N               [AIDREG_THREADS] a pool of N threads (epoll; default: one per\n"
    "                            core); a submission suspends its connection until its group\n"
    "                            commit, so no thread waits. 0: one thread per connection,\n"
    "                            each blocking until its group commit\n"
    "  --max-connections N       [AIDREG_MAX_CONNECTIONS] connections at once (default 512)\n"
    "  --key-rate N              [AIDREG_KEY_RATE] entries a second from one signing key, in\n"
    "                            bursts of 20 N (default 100; 0 = the default)\n"
    "  --address-rate N          [AIDREG_ADDRESS_RATE] submission requests a second from one\n"
    "                            address, in bursts of 10 N (default 500); over either: 429\n"
    "  --max-signatures N        [AIDREG_MAX_SIGNATURES] signatures checked per request (2000)\n"
    "  --max-appenders N         [AIDREG_MAX_APPENDERS] ledgers written at once (64)\n"
    "  --per-ip-limit N          [AIDREG_PER_IP_LIMIT] connections at once from one address\n"
    "                            (default 128; 0 = no limit)\n"
    "  --timeout SECONDS         [AIDREG_TIMEOUT] close a connection idle this long (default 30;\n"
    "                            0 = never)\n"
    "  --db-pool N               [AIDREG_DB_POOL] database connections for reads (default: the\n"
    "                            library's, 8)\n"
    "  --migrate-only            apply pending migrations, then exit\n"
    "  --help                    this text\n"
    "\n"
    "SIGINT or SIGTERM stops the server cleanly.\n";

/* Strict unsigned number in [min, max]. */
static int parse_uint(const char *name, const char *s, unsigned min, unsigned max, unsigned *out) {
  uint64_t v;
  if (query_u64(s, &v) != 0 || v < min || v > max) {
    fprintf(stderr, "aidreg-server: %s must be a whole number from %u to %u, not \"%s\"\n", name, min, max, s);
    return -1;
  }
  *out = (unsigned)v;
  return 0;
}

static int set_token(server_config *c, const char *token, const char *from) {
  if (c->admin_token) {
    sodium_memzero(c->admin_token, strlen(c->admin_token));
    free(c->admin_token);
    c->admin_token = NULL;
  }
  size_t n = strlen(token);
  if (n == 0) return 0; /* empty = no token: POST /v1/ledgers is refused */
  if (n > TOKEN_MAX || strchr(token, '\n')) {
    fprintf(stderr, "aidreg-server: the operator token from %s is longer than %d bytes or has a line break\n",
            from, TOKEN_MAX);
    return -1;
  }
  c->admin_token = strdup(token);
  if (!c->admin_token) {
    fprintf(stderr, "aidreg-server: out of memory\n");
    return -1;
  }
  return 0;
}

/* The first line of path, without its line ending or trailing blanks. */
static int read_token_file(server_config *c, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "aidreg-server: cannot open the operator token file %s: %s\n", path, strerror(errno));
    return -1;
  }
  char buf[TOKEN_MAX + 2];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  bool bad = ferror(f) != 0;
  fclose(f);
  buf[n] = '\0';
  while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t')) buf[--n] = '\0';
  int rc = -1;
  if (bad)
    fprintf(stderr, "aidreg-server: cannot read the operator token file %s\n", path);
  else if (n == 0)
    fprintf(stderr, "aidreg-server: the operator token file %s is empty\n", path);
  else
    rc = set_token(c, buf, path);
  sodium_memzero(buf, sizeof buf);
  return rc;
}

typedef struct {
  const char *env;
  const char *flag;
  unsigned min, max;
  unsigned *out;
} number_option;

static int load_env(server_config *c, const number_option *nums, size_t nnum) {
  const char *v;
  if ((v = getenv("AIDREG_BIND")) && *v) c->bind = v;
  if ((v = getenv("AIDREG_DATABASE_URL")) && *v) c->database_url = v;
  if ((v = getenv("AIDREG_OWNER_DATABASE_URL")) && *v) c->owner_database_url = v;
  if ((v = getenv("AIDREG_LOG_KEY_FILE")) && *v) c->log_key_file = v;
  if ((v = getenv("AIDREG_LOG_HOST")) && *v) c->log_host = v;
  for (size_t i = 0; i < nnum; i++)
    if ((v = getenv(nums[i].env)) && *v && parse_uint(nums[i].env, v, nums[i].min, nums[i].max, nums[i].out) != 0)
      return -1;
  if ((v = getenv("AIDREG_ADMIN_TOKEN")) && *v) return set_token(c, v, "AIDREG_ADMIN_TOKEN");
  if ((v = getenv("AIDREG_ADMIN_TOKEN_FILE")) && *v) return read_token_file(c, v);
  return 0;
}

int config_load(server_config *c, int argc, char **argv) {
  memset(c, 0, sizeof *c);
  c->port = 8080;
  c->bind = "127.0.0.1";
  c->log_host = "localhost";
  c->max_connections = 512;
  c->per_ip_limit = 128;
  c->timeout = 30;
  /* One worker per core: submissions suspend rather than block (MEASURED.md: a pool with
   * suspend/resume beat thread per connection, and so it does here: docs/benchmark.md). */
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  c->threads = cores > 0 && cores < 64 ? (unsigned)cores : 2;
  const number_option nums[] = {
    {"AIDREG_PORT", "--port", 0, 65535, &c->port},
    {"AIDREG_THREADS", "--threads", 0, 1024, &c->threads},
    {"AIDREG_MAX_CONNECTIONS", "--max-connections", 1, 65536, &c->max_connections},
    {"AIDREG_PER_IP_LIMIT", "--per-ip-limit", 0, 65536, &c->per_ip_limit},
    {"AIDREG_TIMEOUT", "--timeout", 0, 86400, &c->timeout},
    {"AIDREG_DB_POOL", "--db-pool", 0, 1024, &c->db_pool},
    {"AIDREG_KEY_RATE", "--key-rate", 0, 1000000, &c->key_rate},
    {"AIDREG_ADDRESS_RATE", "--address-rate", 0, 1000000, &c->address_rate},
    {"AIDREG_MAX_SIGNATURES", "--max-signatures", 0, 1000000, &c->max_signatures},
    {"AIDREG_MAX_APPENDERS", "--max-appenders", 0, 65536, &c->max_appenders},
  };
  const size_t nnum = sizeof nums / sizeof nums[0];
  enum { O_NUM = 0x100, O_BIND = 0x200, O_DB, O_OWNER, O_KEY, O_HOST, O_TOKEN, O_TOKEN_FILE, O_MIGRATE, O_HELP };
  static const struct option longopts[] = {
    {"port", required_argument, NULL, O_NUM + 0},
    {"threads", required_argument, NULL, O_NUM + 1},
    {"max-connections", required_argument, NULL, O_NUM + 2},
    {"per-ip-limit", required_argument, NULL, O_NUM + 3},
    {"timeout", required_argument, NULL, O_NUM + 4},
    {"db-pool", required_argument, NULL, O_NUM + 5},
    {"key-rate", required_argument, NULL, O_NUM + 6},
    {"address-rate", required_argument, NULL, O_NUM + 7},
    {"max-signatures", required_argument, NULL, O_NUM + 8},
    {"max-appenders", required_argument, NULL, O_NUM + 9},
    {"bind", required_argument, NULL, O_BIND},
    {"database-url", required_argument, NULL, O_DB},
    {"owner-database-url", required_argument, NULL, O_OWNER},
    {"log-key", required_argument, NULL, O_KEY},
    {"log-host", required_argument, NULL, O_HOST},
    {"admin-token", required_argument, NULL, O_TOKEN},
    {"admin-token-file", required_argument, NULL, O_TOKEN_FILE},
    {"migrate-only", no_argument, NULL, O_MIGRATE},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
  };
  if (load_env(c, nums, nnum) != 0) return -1;
  int opt;
  opterr = 1;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    int rc = 0;
    if (opt >= O_NUM && opt < O_NUM + (int)nnum) {
      const number_option *no = &nums[opt - O_NUM];
      rc = parse_uint(no->flag, optarg, no->min, no->max, no->out);
    } else {
      switch (opt) {
        case O_BIND: c->bind = optarg; break;
        case O_DB: c->database_url = optarg; break;
        case O_OWNER: c->owner_database_url = optarg; break;
        case O_KEY: c->log_key_file = optarg; break;
        case O_HOST: c->log_host = optarg; break;
        case O_TOKEN: rc = set_token(c, optarg, "--admin-token"); break;
        case O_TOKEN_FILE: rc = read_token_file(c, optarg); break;
        case O_MIGRATE: c->migrate_only = true; break;
        case O_HELP: fputs(usage, stdout); config_free(c); return 1;
        default: fputs(usage, stderr); rc = -1; break;
      }
    }
    if (rc != 0) {
      config_free(c);
      return -1;
    }
  }
  const char *missing = NULL;
  if (optind < argc)
    fprintf(stderr, "aidreg-server: unexpected argument \"%s\"\n", argv[optind]);
  else if (!c->database_url)
    missing = "the database URL (AIDREG_DATABASE_URL or --database-url)";
  else if (!c->log_key_file && !c->migrate_only)
    missing = "the log key (AIDREG_LOG_KEY_FILE or --log-key)";
  else if (!*c->log_host || strchr(c->log_host, '\n') || strchr(c->log_host, ' '))
    fprintf(stderr, "aidreg-server: the log host must be non-empty, without spaces or line breaks\n");
  else
    return 0;
  if (missing) fprintf(stderr, "aidreg-server: %s is required; see --help\n", missing);
  config_free(c);
  return -1;
}

void config_free(server_config *c) {
  if (c->admin_token) {
    sodium_memzero(c->admin_token, strlen(c->admin_token));
    free(c->admin_token);
  }
  c->admin_token = NULL;
}
