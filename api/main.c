/* aidreg-server: configuration, the registry, the libmicrohttpd daemon, and a clean
 * stop on SIGINT/SIGTERM. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "aidreg/keys.h"
#include "aidreg/registry.h"
#include "config.h"
#include "httpd.h"

/* Headers (and libmicrohttpd's read buffer) live in this per-connection pool; bodies
 * are copied out of it chunk by chunk into bounded buffers (upload.c). */
#define CONNECTION_MEMORY ((size_t)32 * 1024)

/* Open the registry (which applies pending migrations). NULL after printing why. */
static aidreg_registry *open_registry(const server_config *c) {
  aidreg_keypair key;
  char err[512] = "";
  if (c->log_key_file) {
    if (aidreg_key_read_secret(c->log_key_file, &key, err) != 0) {
      fprintf(stderr, "aidreg-server: cannot read the log key %s: %s\n", c->log_key_file, err);
      return NULL;
    }
  } else if (aidreg_key_generate(&key) != 0) { /* --migrate-only: nothing is signed */
    fprintf(stderr, "aidreg-server: cannot generate a key\n");
    return NULL;
  }
  aidreg_registry_config rc = {
    .database_url = c->database_url,
    .owner_database_url = c->owner_database_url,
    .log_host = c->log_host,
    .log_key = &key,
    .pool_size = c->db_pool,
    .key_rate = c->key_rate, .key_burst = 20.0 * c->key_rate, .address_rate = c->address_rate,
    .address_burst = 10.0 * c->address_rate, /* 0: the library's defaults */
    .max_signatures = c->max_signatures, .max_appenders = c->max_appenders,
  };
  aidreg_registry *r = aidreg_registry_open(&rc, err, sizeof err);
  aidreg_key_wipe(&key);
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
          "address; idle timeout %u s)\n",
          ss->ss_family == AF_INET6 ? "[" : "", host, ss->ss_family == AF_INET6 ? "]" : "", port, c->log_host,
          mode, c->max_connections, c->per_ip_limit, c->timeout);
}

/* Never runs (the signals stay blocked); it only keeps them from being ignored. */
static void on_stop_signal(int sig) { (void)sig; }

int main(int argc, char **argv) {
  if (sodium_init() < 0) {
    fprintf(stderr, "aidreg-server: libsodium failed to initialise\n");
    return 1;
  }
  json_object_seed(0);

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

  httpd_server srv = {
    .registry = r,
    .async = cfg.threads > 0,
    .admin_token = cfg.admin_token,
    .admin_token_len = cfg.admin_token ? strlen(cfg.admin_token) : 0,
  };
  struct MHD_Daemon *d = start_daemon(&cfg, &srv, &ss);
  if (!d) {
    fprintf(stderr, "aidreg-server: cannot listen on %s port %u\n", cfg.bind, cfg.port);
    aidreg_registry_close(r);
    config_free(&cfg);
    return 1;
  }
  log_start(&cfg, d, &ss);
  if (!srv.admin_token) fprintf(stderr, "aidreg-server: no operator token: POST /v1/ledgers is refused\n");

  int sig = 0;
  while (sigwait(&stop, &sig) != 0) {
  }
  fprintf(stderr, "aidreg-server: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  /* Suspended submissions must be resumed before the daemon stops: let those in flight
   * finish (the appenders still run), and have any new one block instead. */
  atomic_store(&srv.stopping, true);
  for (int i = 0; i < 6000 && atomic_load(&srv.suspended) > 0; i++) usleep(10000);
  MHD_stop_daemon(d); /* waits for requests in flight */
  aidreg_registry_close(r);
  config_free(&cfg);
  fprintf(stderr, "aidreg-server: stopped\n");
  return 0;
}
