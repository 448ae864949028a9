#ifndef AIDREG_REGISTRY_PRIVATE_H
#define AIDREG_REGISTRY_PRIVATE_H
/* Private: the registry's state, shared by registry.c (writes) and reads.c. */
#include <pthread.h>
#include <sodium.h>

#include "aidreg/registry.h"
#include "store/appender.h"
#include "store/db.h"

typedef struct ledger_slot {
  char code[8];
  appender *appender;
  struct ledger_slot *next;
} ledger_slot;

struct aidreg_registry {
  char url[1024];
  char log_host[256];
  aidreg_keypair log_key;
  size_t max_batch;
  int64_t max_clock_skew;
  db_pool pool;
  pthread_mutex_t mu; /* guards ledgers */
  ledger_slot *ledgers;
};

static inline void sodium_memzero_key(aidreg_keypair *k) { sodium_memzero(k, sizeof *k); }

#endif
