/* Shared by the libFuzzer targets of tests/fuzz: the contract checks every target makes of
 * a refusal (a problem that names a code, and whose field and detail are valid UTF-8 and
 * NUL-terminated: the server puts them into JSON), and one fixed test key for the targets
 * that need signed notes. */
#ifndef AIDREG_FUZZ_COMMON_H
#define AIDREG_FUZZ_COMMON_H
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/note.h"
#include "aidreg/problem.h"

#define ASSERT(c) \
  do {            \
    if (!(c)) __builtin_trap(); \
  } while (0)

static inline void fuzz_check_problem(const aidreg_problem *p) {
  ASSERT(p->code != AIDREG_OK && p->code < AIDREG_E__COUNT);
  ASSERT(memchr(p->field, '\0', sizeof p->field) && memchr(p->detail, '\0', sizeof p->detail));
  ASSERT(aidreg_utf8_valid((const uint8_t *)p->field, strlen(p->field)));
  ASSERT(aidreg_utf8_valid((const uint8_t *)p->detail, strlen(p->detail)));
}

/* The fuzz log key: Ed25519 from a fixed seed, named FUZZ_ORIGIN. */
#define FUZZ_ORIGIN "fuzz.aidreg.local/522731"
typedef struct {
  uint8_t pk[32], sk[64];
  aidreg_note_verifier v;
  char *vkey;
} fuzz_key;

static inline const fuzz_key *fuzz_log_key(void) {
  static fuzz_key k;
  static int ready;
  if (!ready) {
    uint8_t seed[32];
    ASSERT(sodium_init() >= 0);
    memset(seed, 0x5a, sizeof seed);
    crypto_sign_seed_keypair(k.pk, k.sk, seed);
    ASSERT(aidreg_note_verifier_init(&k.v, FUZZ_ORIGIN, k.pk) == 0);
    k.vkey = aidreg_note_vkey(FUZZ_ORIGIN, k.pk); /* kept for the process's life */
    ASSERT(k.vkey != NULL);
    ready = 1;
  }
  return &k;
}
#endif
