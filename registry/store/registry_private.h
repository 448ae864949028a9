#ifndef AIDREG_REGISTRY_PRIVATE_H
#define AIDREG_REGISTRY_PRIVATE_H
/* Private: the registry's state, shared by registry.c (writes) and reads.c. */
#include <pthread.h>
#include <sodium.h>

#include "aidreg/registry.h"
#include "store/appender.h"
#include "store/db.h"
#include "core/ratelimit.h"
#include "core/strmap.h"

/* A ledger this process has been asked to write: created once the ledger is known to
 * exist, kept until the registry closes (one per ledger of the database at most). */
typedef struct ledger_slot {
  char code[8];
  appender *appender;     /* NULL until an item passed its checks; stopped again when idle */
  unsigned users;         /* submissions using appender */
  int64_t idle_since_ns;  /* CLOCK_MONOTONIC, when users last fell to 0 */
  strmap keys;            /* every key id ever enrolled in the ledger (values: the slot) */
  struct ledger_slot *next;
} ledger_slot;

struct aidreg_registry {
  char url[1024];
  char log_host[256];
  aidreg_keypair log_key;
  size_t max_batch;
  int64_t max_clock_skew;
  unsigned max_signatures, max_appenders, appender_idle_s;
  size_t max_response_bytes;
  unsigned db_timeout_ms;
  ar_ratelimit *key_rl, *address_rl, *lookup_rl; /* per key, per address, per ledger */
  db_pool pool;
  pthread_mutex_t mu; /* guards ledgers, every slot's members and nappenders */
  ledger_slot *ledgers;
  unsigned nappenders;
};

static inline void sodium_memzero_key(aidreg_keypair *k) { sodium_memzero(k, sizeof *k); }

#endif
