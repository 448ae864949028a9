#ifndef AIDREG_API_WITNESS_POLICY_H
#define AIDREG_API_WITNESS_POLICY_H
/* The server's witness policy (--witness-policy FILE, docs/witness.md): which witnesses
 * it asks to cosign each new checkpoint, and how many cosignatures make a checkpoint
 * witnessed (the one /log/{code}/checkpoint and receipts serve). */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "aidreg/note.h"
#include "aidreg/registry.h"

typedef struct {
  char *vkey; /* type 0x04 verifier key string */
  char *url;  /* submission prefix: POST <url>/add-checkpoint */
  aidreg_note_verifier v;
} witness_entry;

typedef struct witness_policy {
  witness_entry *w;
  size_t n;
  unsigned quorum;      /* cosignatures for a checkpoint to be served as witnessed */
  unsigned interval_ms; /* how often the ledgers' sizes are looked at */
  /* The submitter thread (witness_push.c). */
  aidreg_registry *registry;
  pthread_t thread;
  atomic_bool stop;
  int running;
} witness_policy;

/* Reads the policy file: lines "witness <vkey> <url>", "quorum <n>" (default: every
 * witness), "interval <ms>" (default 500); '#' starts a comment. 0, or -1 after printing
 * why. */
int witness_policy_load(witness_policy *wp, const char *path);
void witness_policy_free(witness_policy *wp);

/* Starts and stops the thread that submits each new checkpoint to every witness and
 * stores their cosignatures (off the write path: appends never wait for it). */
int witness_push_start(witness_policy *wp, aidreg_registry *r);
void witness_push_stop(witness_policy *wp);

#endif
