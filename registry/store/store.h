#ifndef AIDREG_STORE_H
#define AIDREG_STORE_H
/* Private: reads of the stored log shared by the appender and the read API. */
#include <stdint.h>

#include "aidreg/merkle.h"
#include "store/db.h"
#include "store/log_cache.h"

typedef struct {
  db_conn *conn;
  const char *code;
} store_nodes;

/* aidreg_node_fetch over tree_node; ctx is a store_nodes. */
int ar_store_node_fetch(void *ctx, unsigned level, uint64_t index, uint8_t out[32]);

/* A proof (or any computation over nodes whose choice of nodes does not depend on their
 * hashes) run with every node it needs read in one query: run(fetch, fetch_ctx, arg) is
 * called twice, first to learn the nodes (with zero hashes), then with them. A node the
 * first pass did not ask for is read alone. With a cache (or NULL), only the nodes it does
 * not keep are read, and they are kept. run's result. */
int ar_store_read_ahead(store_nodes *sn, ar_log_cache *cache,
                        int (*run)(aidreg_node_fetch fetch, void *fetch_ctx, void *arg), void *arg);

/* The same run over the cache's nodes alone, no database: 0 when run succeeded with every
 * node it asked for kept, -1 otherwise (a node not kept, or run's own failure). */
int ar_store_run_kept(ar_log_cache *cache, const char *code,
                      int (*run)(aidreg_node_fetch fetch, void *fetch_ctx, void *arg), void *arg);

/* The earliest checkpoint whose tree includes index: *size and *note (malloc'd). 0 or -1. */
int ar_store_checkpoint_covering(db_conn *c, const char *code, uint64_t index, uint64_t *size, char **note);
/* The latest checkpoint: *size and *note (malloc'd). 1 found, 0 none, -1 error. */
int ar_store_checkpoint_latest(db_conn *c, const char *code, uint64_t *size, char **note);

#endif
