/* aidreg-server: configuration, the registry, the libmicrohttpd daemon, and a clean
 * stop on SIGINT/SIGTERM. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "aidreg/keys.h"
#include "aidreg/registry.h"
#include "config.h"
#include "guard.h"
#include "ledger_map.h"
#include "warm.h"
#include "httpd.h"
#include "witness_policy.h"

/* Headers (and libmicrohttpd's read buffer) live in this per-connection pool; bodies
 * are copied out of it chunk by chunk into bounded buffers (upload.c). */
#define CONNECTION_MEMORY ((size_t)32 * 1024)

/* Open the registry (which applies pending migrations). NULL after printing why. */
static aidreg_registry *open_registry(const server_config *c) {
  aidreg_keypair key;
  /* Our copy of the key stays out of swap and core files (the registry's own copy is the
   * library's to lock; core dumps are off for the whole process: no_core_dumps). */
  sodium_mlock(&key, sizeof key);
  char err[512] = "";
  if (c->log_key_file) {
    int fd = open(c->log_key_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      fprintf(stderr, "aidreg-server: cannot open the log key %s: %s\n", c->log_key_file, strerror(errno));
      return NULL;
    }
    int priv = config_private_file(fd, c->log_key_file, "log key");
    close(fd);
    if (priv != 0) return NULL;
    if (aidreg_key_read_secret(c->log_key_file, &key, err) != 0) {
      fprintf(stderr, "aidreg-server: cannot read the log key %s: %s\n", c->log_key_file, err);
      return NULL;
    }
  } else if (aidreg_key_generate(&key) != 0) { /* --migrate-only: nothing is signed */
    fprintf(stderr, "aidreg-server: cannot generate a key\n");
    return NULL;
  }
  ledger_map map = {0};
  if (c->ledger_map && ledger_map_load(&map, c->ledger_map) != 0) {
    sodium_munlock(&key, sizeof key);
    return NULL;
  }
  aidreg_registry_config rc = {
    .database_url = c->database_url,
    .owner_database_url = c->owner_database_url,
    .read_database_url = c->read_database_url,
    .routes = map.routes, .nroutes = map.n,
    .log_host = c->log_host,
    .log_key = &key,
    .pool_size = c->db_pool,
    .key_rate = c->key_rate, .key_burst = 20.0 * c->key_rate, .address_rate = c->address_rate,
    .address_burst = 10.0 * c->address_rate, /* 0: the library's defaults */
    .max_signatures = c->max_signatures, .max_appenders = c->max_appenders,
    .db_timeout_ms = c->db_timeout * 1000u,
  };
  aidreg_registry *r = aidreg_registry_open(&rc, err, sizeof err);
  ledger_map_free(&map); /* the registry copied it */
  aidreg_key_wipe(&key);
  sodium_munlock(&key, sizeof key); /* zeroes it too */
  if (!r) fprintf(stderr, "aidreg-server: cannot open the registry: %s\n", err);
  return r;
}

/* Resolve the listen address into *ss. Returns 0 or -1 after printing why. */
static int listen_address(const server_config *c, struct sockaddr_storage *ss, socklen_t *len) {
  char port[8];
  snprintf(port, sizeof port, "%u", c->port);
  struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
  struct addrinfo *ai = NULL;
  int rc = getaddrinfo(c->bind, port, &hints, &ai);
  if (rc != 0 || !ai || ai->ai_addrlen > sizeof *ss) {
    fprintf(stderr, "aidreg-server: cannot use the bind address %s: %s\n", c->bind,
            rc ? gai_strerror(rc) : "no address");
    if (ai) freeaddrinfo(ai);
    return -1;
  }
  memcpy(ss, ai->ai_addr, ai->ai_addrlen);
  *len = ai->ai_addrlen;
  freeaddrinfo(ai);
  return 0;
}

static struct MHD_Daemon *start_daemon(const server_config *c, httpd_server *srv, const struct sockaddr_storage *ss) {
  unsigned flags = MHD_USE_ERROR_LOG;
  if (c->threads == 0)
    flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD; /* poll: fds beyond FD_SETSIZE */
  else
    flags |= MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
  if (ss->ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  return MHD_start_daemon(
      flags, (uint16_t)c->port, NULL, NULL, httpd_access, srv,
      MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
      MHD_OPTION_NOTIFY_COMPLETED, httpd_completed, srv,
      MHD_OPTION_NOTIFY_CONNECTION, guard_notify, srv,
      MHD_OPTION_URI_LOG_CALLBACK, httpd_uri_log, srv,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->timeout,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_connections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)c->per_ip_limit,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY,
      /* the pool size only with a pool: otherwise the list ends here */
      c->threads ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (unsigned int)c->threads,
      MHD_OPTION_END);
}

static void log_start(const server_config *c, struct MHD_Daemon *d, const struct sockaddr_storage *ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  const void *addr = ss->ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
                                               : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
  inet_ntop(ss->ss_family, addr, host, sizeof host);
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  unsigned port = info ? info->port : c->port;
  char mode[48];
  if (c->threads)
    snprintf(mode, sizeof mode, "pool of %u threads", c->threads);
  else
    snprintf(mode, sizeof mode, "thread per connection");
  fprintf(stderr,
          "aidreg-server: listening on http://%s%s%s:%u (log host %s; %s; at most %u connections, %u per "
          "address; idle timeout %u s, headers within %u s, a request within %u s)\n",
          ss->ss_family == AF_INET6 ? "[" : "", host, ss->ss_family == AF_INET6 ? "]" : "", port, c->log_host,
          mode, c->max_connections, c->per_ip_limit, c->timeout, c->header_timeout, c->request_timeout);
}

/* The process holds the log key and the operator token: no core file, and no ptrace or
 * /proc/<pid>/mem by other processes of the same user (PR_SET_DUMPABLE 0). */
static int no_core_dumps(void) {
  struct rlimit rl = {0, 0};
  if (setrlimit(RLIMIT_CORE, &rl) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    fprintf(stderr, "aidreg-server: cannot disable core dumps: %s\n", strerror(errno));
    return -1;
  }
  return 0;
}

/* Never runs (the signals stay blocked); it only keeps them from being ignored. */
static void on_stop_signal(int sig) { (void)sig; }

int main(int argc, char **argv) {
  if (sodium_init() < 0) {
    fprintf(stderr, "aidreg-server: libsodium failed to initialise\n");
    return 1;
  }
  json_object_seed(0);
  if (no_core_dumps() != 0) return 1;

  server_config cfg;
  int rc = config_load(&cfg, argc, argv);
  if (rc != 0) return rc > 0 ? 0 : 2;

  /* Signals are taken by sigwait below: block them before any thread exists so that
   * every thread (ours, the library's, libmicrohttpd's) inherits the mask. A handler is
   * installed first because an ignored signal is discarded, not queued, and a shell
   * starts background jobs with SIGINT ignored. */
  struct sigaction sa = {.sa_handler = on_stop_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct sockaddr_storage ss;
  socklen_t sslen = 0;
  if (!cfg.migrate_only && listen_address(&cfg, &ss, &sslen) != 0) {
    config_free(&cfg);
    return 2;
  }

  aidreg_registry *r = open_registry(&cfg);
  if (!r) {
    config_free(&cfg);
    return 1;
  }
  if (cfg.migrate_only) {
    aidreg_registry_close(r);
    config_free(&cfg);
    fprintf(stderr, "aidreg-server: migrations applied\n");
    return 0;
  }

  static witness_policy witnesses;
  if (cfg.witness_policy && witness_policy_load(&witnesses, cfg.witness_policy) != 0) {
    aidreg_registry_close(r);
    config_free(&cfg);
    return 2;
  }
  httpd_server srv = {
    .registry = r,
    .async = cfg.threads > 0,
    .admin_token = cfg.admin_token,
    .admin_token_len = cfg.admin_token ? strlen(cfg.admin_token) : 0,
    .trusted_proxy = cfg.trusted_proxy,
    .blob_max = cfg.max_blob_bytes,
    .witnesses = cfg.witness_policy ? &witnesses : NULL,
  };
  pthread_mutex_init(&srv.mu, NULL);
  if (guard_start(cfg.header_timeout, cfg.request_timeout) != 0) {
    fprintf(stderr, "aidreg-server: cannot start the deadline thread\n");
    aidreg_registry_close(r);
    config_free(&cfg);
    return 1;
  }
  struct MHD_Daemon *d = start_daemon(&cfg, &srv, &ss);
  if (!d) {
    fprintf(stderr, "aidreg-server: cannot listen on %s port %u\n", cfg.bind, cfg.port);
    guard_stop();
    aidreg_registry_close(r);
    config_free(&cfg);
    return 1;
  }
  log_start(&cfg, d, &ss);
  if (witness_push_start(&witnesses, r) != 0) fprintf(stderr, "aidreg-server: cannot start the witness client\n");
  static warm summaries;
  if (warm_start(&summaries, r) != 0) fprintf(stderr, "aidreg-server: cannot start reading the summaries\n");
  if (!srv.admin_token) fprintf(stderr, "aidreg-server: no operator token: POST /v1/ledgers is refused\n");

  int sig = 0;
  while (sigwait(&stop, &sig) != 0) {
  }
  fprintf(stderr, "aidreg-server: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  /* libmicrohttpd aborts when stopped with a connection suspended, and a request's
   * memory goes with its connection. So: refuse new submissions (503), let those in
   * flight finish for the grace period (the appenders still run), then resume the rest
   * as orphans answered 503; their requests stay allocated until their appender's
   * callback (httpd_release). Only then stop the daemon, and close the registry, which
   * waits for the appenders. */
  atomic_store(&srv.stopping, true);
  for (unsigned i = 0; i < cfg.shutdown_grace * 100u && atomic_load(&srv.suspended) > 0; i++) usleep(10000);
  int orphans = httpd_orphan_suspended(&srv);
  if (orphans > 0) {
    fprintf(stderr,
            "aidreg-server: %d submission(s) still waiting for their group commit after %u s: answered 503; "
            "waiting for the appenders\n",
            orphans, cfg.shutdown_grace);
    usleep(200000); /* let the 503s go out */
  }
  MHD_stop_daemon(d); /* waits for requests in flight */
  warm_stop(&summaries);
  witness_push_stop(&witnesses);
  witness_policy_free(&witnesses);
  guard_stop();
  aidreg_registry_close(r);
  pthread_mutex_destroy(&srv.mu);
  config_free(&cfg);
  fprintf(stderr, "aidreg-server: stopped\n");
  return 0;
}
