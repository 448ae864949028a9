/* Configuration from the environment, overridden by flags: see config.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidreg/blob.h"
#include "query.h"

#define TOKEN_MAX 4096
#define TOKEN_MIN 32      /* bytes: `openssl rand -hex 32` gives 64 */
#define TOKEN_DISTINCT 8  /* different bytes at least: refuses "aaaa…" and "0000…" */

static const char usage[] =
    "usage: aidreg-server [options]\n"
    "\n"
    "Serves aidreg ledgers over HTTP. Each option may also be set in the environment\n"
    "(variable in brackets); a flag overrides the environment.\n"
    "\n"
    "  --database-url URL        [AIDREG_DATABASE_URL] PostgreSQL URL of the server's role\n"
    "                            (required unless --ledger-map)\n"
    "  --owner-database-url URL  [AIDREG_OWNER_DATABASE_URL] role that owns the schema; runs migrations\n";
/* Split: C99 promises string literals of 4095 bytes only. */
static const char usage_clusters[] =
    "  --read-database-url URL   [AIDREG_READ_DATABASE_URL] a streaming replica (hot standby) of the\n"
    "                            database: reads (state, proofs, tiles, checkpoints, audit) go there,\n"
    "                            writes to --database-url. A replica behind answers 503 + Retry-After\n"
    "                            for a size it lacks (GET /log/{code}/checkpoint?min_size=N waits for\n"
    "                            a receipt's size): docs/scale.md\n"
    "  --ledger-map FILE         [AIDREG_LEDGER_MAP] counties spread over several clusters: lines\n"
    "                            \"CODE URL [read=URL] [owner=URL]\" (# comments); a county not in\n"
    "                            the file goes to --database-url, or is refused (404) without it\n";
static const char usage_rest[] =
    "  --log-key FILE            [AIDREG_LOG_KEY_FILE] Ed25519 secret key (PKCS#8 PEM) that signs\n"
    "                            checkpoints (required unless --migrate-only); refused when open\n"
    "                            to group or others, as ssh does (chmod 600)\n"
    "  --log-host NAME           [AIDREG_LOG_HOST] origin prefix: origin = NAME/<county code>\n"
    "                            (default localhost, refused unless --bind is a loopback address)\n"
    "  --admin-token TOKEN       [AIDREG_ADMIN_TOKEN] operator bearer token for POST /v1/ledgers:\n"
    "                            at least 32 bytes (openssl rand -hex 32); wiped from the\n"
    "                            environment and the command line once read (ps shows it until\n"
    "                            then: prefer the file)\n"
    "  --admin-token-file FILE   [AIDREG_ADMIN_TOKEN_FILE] read the operator token from FILE, which\n"
    "                            must not be open to group or others (chmod 600)\n"
    "  --bind ADDRESS            [AIDREG_BIND] address to listen on (default 127.0.0.1)\n"
    "  --port N                  [AIDREG_PORT] TCP port (default 8080; 0 = any free port)\n"
    "  --threads N               [AIDREG_THREADS] a pool of N threads (epoll; default: one per\n"
    "                            core); a submission suspends its connection until its group\n"
    "                            commit, so no thread waits. 0: one thread per connection,\n"
    "                            each blocking until its group commit\n"
    "  --max-connections N       [AIDREG_MAX_CONNECTIONS] connections at once (default 512)\n"
    "  --key-rate N              [AIDREG_KEY_RATE] entries a second from one signing key, in\n"
    "                            bursts of 20 N (default 2000; 0 = the default)\n"
    "  --address-rate N          [AIDREG_ADDRESS_RATE] submission requests a second from one\n"
    "                            address, in bursts of 10 N (default 500); over either: 429\n"
    "  --max-signatures N        [AIDREG_MAX_SIGNATURES] signatures checked per request (2000)\n"
    "  --max-appenders N         [AIDREG_MAX_APPENDERS] ledgers written at once (64)\n"
    ;
/* The usage is split: C99 compilers need take no string literal over 4095 bytes. */
static const char usage_more[] =
    "  --max-blob-bytes N        [AIDREG_MAX_BLOB_BYTES] bytes of one attachment, PUT …/blobs/\n"
    "                            (default 10485760, at most 33554432); over it: 413\n"
    "  --per-ip-limit N          [AIDREG_PER_IP_LIMIT] connections at once from one address\n"
    "                            (default 32; 0 = no limit, e.g. behind a reverse proxy)\n"
    "  --timeout SECONDS         [AIDREG_TIMEOUT] close a connection idle this long (default 30;\n"
    "                            0 = never)\n"
    "  --header-timeout SECONDS  [AIDREG_HEADER_TIMEOUT] the request line and headers must arrive\n"
    "                            within this long of the connection's start or of the previous\n"
    "                            answer, else 408 and close (default 10; 0 = no deadline)\n"
    "  --request-timeout SECONDS [AIDREG_REQUEST_TIMEOUT] the whole request, body included, within\n"
    "                            this long, else 408 and close (default 60; 0 = no deadline)\n"
    "  --shutdown-grace SECONDS  [AIDREG_SHUTDOWN_GRACE] on SIGTERM, how long submissions in flight\n"
    "                            may take before they are answered 503 (default 30)\n"
    "  --trusted-proxy ADDRESS   [AIDREG_TRUSTED_PROXY] the reverse proxy's address: only from it\n"
    "                            is X-Real-IP taken as the client's address (default: none)\n"
    "  --witness-policy FILE     [AIDREG_WITNESS_POLICY] the witnesses to ask for cosignatures and\n"
    "                            how many make a checkpoint witnessed (docs/witness.md)\n"
    "  --db-pool N               [AIDREG_DB_POOL] database connections for reads (default: the\n"
    "                            library's, 8)\n"
    "  --db-timeout SECONDS      [AIDREG_DB_TIMEOUT] longest wait for any one answer of PostgreSQL\n"
    "                            (and for a connection to it); past it the request is answered 503\n"
    "                            with Retry-After and the connection made again (default 10)\n"
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
  bool seen[256] = {false};
  int distinct = 0;
  for (size_t i = 0; i < n; i++)
    if (!seen[(unsigned char)token[i]]) {
      seen[(unsigned char)token[i]] = true;
      distinct++;
    }
  if (n < TOKEN_MIN || distinct < TOKEN_DISTINCT) {
    fprintf(stderr,
            "aidreg-server: 操作员令牌太弱 / the operator token from %s is too weak: at least %d bytes and %d "
            "different characters (make one with: openssl rand -hex 32)\n",
            from, TOKEN_MIN, TOKEN_DISTINCT);
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
  if (config_private_file(fileno(f), path, "operator token file") != 0) {
    fclose(f);
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

int config_private_file(int fd, const char *path, const char *what) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    fprintf(stderr, "aidreg-server: cannot stat the %s %s: %s\n", what, path, strerror(errno));
    return -1;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    fprintf(stderr,
            "aidreg-server: 密钥文件权限过宽 / the %s %s is open to group or others (mode %04o): "
            "chmod 600 %s\n",
            what, path, (unsigned)(st.st_mode & 07777), path);
    return -1;
  }
  return 0;
}

/* The token from the environment: copied, then wiped and removed from environ (a child
 * process or /proc/<pid>/environ would show it). */
static int token_from_env(server_config *c) {
  char *v = getenv("AIDREG_ADMIN_TOKEN");
  if (!v) return 0;
  int rc = *v ? set_token(c, v, "AIDREG_ADMIN_TOKEN") : 0;
  sodium_memzero(v, strlen(v));
  unsetenv("AIDREG_ADMIN_TOKEN");
  return rc;
}

static int load_env(server_config *c, const number_option *nums, size_t nnum) {
  const char *v;
  if ((v = getenv("AIDREG_BIND")) && *v) c->bind = v;
  if ((v = getenv("AIDREG_DATABASE_URL")) && *v) c->database_url = v;
  if ((v = getenv("AIDREG_OWNER_DATABASE_URL")) && *v) c->owner_database_url = v;
  if ((v = getenv("AIDREG_READ_DATABASE_URL")) && *v) c->read_database_url = v;
  if ((v = getenv("AIDREG_LEDGER_MAP")) && *v) c->ledger_map = v;
  if ((v = getenv("AIDREG_LOG_KEY_FILE")) && *v) c->log_key_file = v;
  if ((v = getenv("AIDREG_LOG_HOST")) && *v) c->log_host = v;
  if ((v = getenv("AIDREG_TRUSTED_PROXY")) && *v) c->trusted_proxy = v;
  if ((v = getenv("AIDREG_WITNESS_POLICY")) && *v) c->witness_policy = v;
  for (size_t i = 0; i < nnum; i++)
    if ((v = getenv(nums[i].env)) && *v && parse_uint(nums[i].env, v, nums[i].min, nums[i].max, nums[i].out) != 0)
      return -1;
  if ((v = getenv("AIDREG_ADMIN_TOKEN")) && *v) return token_from_env(c);
  if (v) unsetenv("AIDREG_ADMIN_TOKEN");
  if ((v = getenv("AIDREG_ADMIN_TOKEN_FILE")) && *v) return read_token_file(c, v);
  return 0;
}

static bool is_address(const char *s) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* 127.0.0.0/8, ::1 or "localhost". */
static bool is_loopback(const char *s) {
  struct in_addr a4;
  struct in6_addr a6;
  if (strcmp(s, "localhost") == 0) return true;
  if (inet_pton(AF_INET, s, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  return inet_pton(AF_INET6, s, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int config_load(server_config *c, int argc, char **argv) {
  memset(c, 0, sizeof *c);
  c->port = 8080;
  c->bind = "127.0.0.1";
  c->log_host = "localhost";
  c->max_connections = 512;
  c->per_ip_limit = 32;
  c->timeout = 30;
  c->header_timeout = 10;
  c->request_timeout = 60;
  c->shutdown_grace = 30;
  c->max_blob_bytes = AIDREG_BLOB_MAX_DEFAULT;
  c->db_timeout = 10;
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
    {"AIDREG_HEADER_TIMEOUT", "--header-timeout", 0, 3600, &c->header_timeout},
    {"AIDREG_REQUEST_TIMEOUT", "--request-timeout", 0, 86400, &c->request_timeout},
    {"AIDREG_SHUTDOWN_GRACE", "--shutdown-grace", 0, 3600, &c->shutdown_grace},
    {"AIDREG_KEY_RATE", "--key-rate", 0, 1000000, &c->key_rate},
    {"AIDREG_ADDRESS_RATE", "--address-rate", 0, 1000000, &c->address_rate},
    {"AIDREG_MAX_SIGNATURES", "--max-signatures", 0, 1000000, &c->max_signatures},
    {"AIDREG_MAX_APPENDERS", "--max-appenders", 0, 65536, &c->max_appenders},
    /* at most a client address's share of the bodies' memory budget (upload.h: 32 MiB) */
    {"AIDREG_MAX_BLOB_BYTES", "--max-blob-bytes", 1, 32u * 1024u * 1024u, &c->max_blob_bytes},
    {"AIDREG_DB_TIMEOUT", "--db-timeout", 1, 3600, &c->db_timeout},
  };
  const size_t nnum = sizeof nums / sizeof nums[0];
  enum { O_NUM = 0x100, O_BIND = 0x200, O_DB, O_OWNER, O_KEY, O_HOST, O_TOKEN, O_TOKEN_FILE, O_MIGRATE, O_HELP, O_PROXY, O_WITNESS, O_READ_DB, O_MAP };
  static const struct option longopts[] = {
    {"port", required_argument, NULL, O_NUM + 0},
    {"threads", required_argument, NULL, O_NUM + 1},
    {"max-connections", required_argument, NULL, O_NUM + 2},
    {"per-ip-limit", required_argument, NULL, O_NUM + 3},
    {"timeout", required_argument, NULL, O_NUM + 4},
    {"db-pool", required_argument, NULL, O_NUM + 5},
    {"header-timeout", required_argument, NULL, O_NUM + 6},
    {"request-timeout", required_argument, NULL, O_NUM + 7},
    {"shutdown-grace", required_argument, NULL, O_NUM + 8},
    {"trusted-proxy", required_argument, NULL, O_PROXY},
    {"witness-policy", required_argument, NULL, O_WITNESS},
    {"key-rate", required_argument, NULL, O_NUM + 9},
    {"address-rate", required_argument, NULL, O_NUM + 10},
    {"max-signatures", required_argument, NULL, O_NUM + 11},
    {"max-appenders", required_argument, NULL, O_NUM + 12},
    {"max-blob-bytes", required_argument, NULL, O_NUM + 13},
    {"db-timeout", required_argument, NULL, O_NUM + 14},
    {"bind", required_argument, NULL, O_BIND},
    {"database-url", required_argument, NULL, O_DB},
    {"owner-database-url", required_argument, NULL, O_OWNER},
    {"read-database-url", required_argument, NULL, O_READ_DB},
    {"ledger-map", required_argument, NULL, O_MAP},
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
        case O_READ_DB: c->read_database_url = optarg; break;
        case O_MAP: c->ledger_map = optarg; break;
        case O_KEY: c->log_key_file = optarg; break;
        case O_HOST: c->log_host = optarg; break;
        case O_TOKEN:
          rc = set_token(c, optarg, "--admin-token");
          sodium_memzero(optarg, strlen(optarg)); /* gone from /proc/<pid>/cmdline */
          break;
        case O_TOKEN_FILE: rc = read_token_file(c, optarg); break;
        case O_MIGRATE: c->migrate_only = true; break;
        case O_PROXY: c->trusted_proxy = optarg; break;
        case O_WITNESS: c->witness_policy = optarg; break;
        case O_HELP: fputs(usage, stdout), fputs(usage_clusters, stdout), fputs(usage_rest, stdout), fputs(usage_more, stdout); config_free(c); return 1;
        default: fputs(usage, stderr), fputs(usage_clusters, stderr), fputs(usage_rest, stderr), fputs(usage_more, stderr); rc = -1; break;
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
  else if (!c->database_url && !c->ledger_map)
    missing = "the database URL (AIDREG_DATABASE_URL or --database-url) or a ledger map (--ledger-map)";
  else if (c->read_database_url && !c->database_url)
    fprintf(stderr, "aidreg-server: --read-database-url is a replica of --database-url, which is not set\n");
  else if (!c->log_key_file && !c->migrate_only)
    missing = "the log key (AIDREG_LOG_KEY_FILE or --log-key)";
  else if (!*c->log_host || strchr(c->log_host, '\n') || strchr(c->log_host, ' '))
    fprintf(stderr, "aidreg-server: the log host must be non-empty, without spaces or line breaks\n");
  else if (!c->migrate_only && strcmp(c->log_host, "localhost") == 0 && !is_loopback(c->bind))
    fprintf(stderr,
            "aidreg-server: 默认日志主机名 localhost 只能用于环回地址 / the default log host \"localhost\" is "
            "refused on %s: two such servers would accept each other's events; set --log-host (AIDREG_LOG_HOST) "
            "to this registry's own name, or bind to loopback\n",
            c->bind);
  else if (c->trusted_proxy && !is_address(c->trusted_proxy))
    fprintf(stderr, "aidreg-server: the trusted proxy must be a numeric IPv4 or IPv6 address, not \"%s\"\n",
            c->trusted_proxy);
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
