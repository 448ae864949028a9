#ifndef AIDREG_API_CONFIG_H
#define AIDREG_API_CONFIG_H
/* The server's configuration: environment variables, overridden by flags. */
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  unsigned port;                  /* AIDREG_PORT, --port (8080; 0 = any free port) */
  const char *bind;               /* AIDREG_BIND, --bind (127.0.0.1) */
  const char *database_url;       /* AIDREG_DATABASE_URL, --database-url (required) */
  const char *owner_database_url; /* AIDREG_OWNER_DATABASE_URL, --owner-database-url */
  const char *read_database_url;  /* AIDREG_READ_DATABASE_URL, --read-database-url (a replica) */
  const char *ledger_map;         /* AIDREG_LEDGER_MAP, --ledger-map FILE (county -> cluster) */
  const char *log_key_file;       /* AIDREG_LOG_KEY_FILE, --log-key */
  const char *log_host;           /* AIDREG_LOG_HOST, --log-host ("localhost") */
  char *admin_token;              /* AIDREG_ADMIN_TOKEN(_FILE), --admin-token(-file); owned */
  unsigned threads;               /* AIDREG_THREADS, --threads (0 = one thread per connection) */
  unsigned max_connections;       /* AIDREG_MAX_CONNECTIONS, --max-connections (512) */
  unsigned per_ip_limit;          /* AIDREG_PER_IP_LIMIT, --per-ip-limit (32; 0 = none) */
  unsigned timeout;               /* AIDREG_TIMEOUT, --timeout seconds idle (30; 0 = none) */
  unsigned db_pool;               /* AIDREG_DB_POOL, --db-pool (0 = the library's default) */
  unsigned header_timeout;        /* AIDREG_HEADER_TIMEOUT, --header-timeout seconds (10; 0 = none) */
  unsigned request_timeout;       /* AIDREG_REQUEST_TIMEOUT, --request-timeout seconds (60; 0 = none) */
  unsigned shutdown_grace;        /* AIDREG_SHUTDOWN_GRACE, --shutdown-grace seconds (30) */
  const char *trusted_proxy;      /* AIDREG_TRUSTED_PROXY, --trusted-proxy address (none) */
  unsigned key_rate, address_rate; /* AIDREG_KEY_RATE, AIDREG_ADDRESS_RATE (0 = the library's default) */
  unsigned max_signatures, max_appenders; /* AIDREG_MAX_SIGNATURES, AIDREG_MAX_APPENDERS (ditto) */
  unsigned max_blob_bytes;        /* AIDREG_MAX_BLOB_BYTES, --max-blob-bytes (10 MiB) */
  const char *witness_policy;     /* AIDREG_WITNESS_POLICY, --witness-policy FILE (none) */
  unsigned db_timeout;            /* AIDREG_DB_TIMEOUT, --db-timeout seconds (10) */
  bool migrate_only;              /* --migrate-only */
} server_config;

/* Returns 0 to run, 1 when --help was printed (exit 0), -1 after printing an error
 * (exit 2). */
int config_load(server_config *c, int argc, char **argv);
/* 0 when the file open as fd is neither readable nor writable by group or others;
 * otherwise -1 after printing why ("what" names it). */
int config_private_file(int fd, const char *path, const char *what);
/* Wipe and free the token. */
void config_free(server_config *c);

#endif
