#ifndef AIDREG_VERIFY_H
#define AIDREG_VERIFY_H
/* Verification without trust: re-derive a ledger from its leaves and compare it with
 * everything the holder of the ledger claims (signed checkpoint, hash tiles, stored
 * tree nodes, database columns).
 *
 * The engine reads through a source of callbacks (the tlog-tiles resources: checkpoint,
 * hash tiles, entry bundles), so the same code checks a server over HTTP (the CLI), an
 * export folder (the CLI) and PostgreSQL (aidreg_verify_db_open below). It streams the
 * leaves bundle by bundle: memory stays bounded (one tile per tile level, one bundle)
 * except for the set of payload hashes (repeats) and the map of keys (authority).
 *
 * What it checks, leaf by leaf in log order, stopping at the first failure:
 *   the stored hash of the leaf (hash tile level 0) equals SHA-256(0x00 || leaf);
 *   the leaf layout (aidreg_leaf_parse: canonical bytes, index field == position);
 *   every envelope signature; the payload (aidreg_event_parse); its ledger binding
 *   (== the checkpoint's origin); no payload repeats an earlier one; every signer's
 *   authority at that position (replaying the key events in memory);
 *   every stored node of levels 8L (hash tiles) equals the recomputed node;
 * then that the recomputed root equals the checkpoint's, and that every older
 * checkpoint offered (--since, or a source's history) is reproduced by the tree of its
 * size (consistency). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/authority.h"
#include "aidreg/event.h"
#include "aidreg/note.h"

/* A failure here is a verdict about a ledger: a caller that drops one reports a ledger
 * as verified that was not. Every non-void function is marked so the compiler says. */
#define AIDREG_VERIFY_MUST_USE __attribute__((warn_unused_result))

typedef enum {
  AIDREG_VF_NONE = 0,
  AIDREG_VF_SOURCE,      /* the source could not be read (network, file, database) */
  AIDREG_VF_CHECKPOINT,  /* checkpoint note: syntax, signature, origin */
  AIDREG_VF_MISSING,     /* an entry (or a stored node) that must exist does not */
  AIDREG_VF_EXTRA,       /* a stored entry or node beyond the signed tree */
  AIDREG_VF_LEAF_HASH,   /* leaf hash differs from the stored level-0 node */
  AIDREG_VF_NODE,        /* a stored node (hash tile or tree_node row) differs */
  AIDREG_VF_ROOT,        /* recomputed root differs from the checkpoint's */
  AIDREG_VF_LAYOUT,      /* leaf bytes not canonical, or index field != position */
  AIDREG_VF_SIGNATURE,   /* an envelope signature does not verify */
  AIDREG_VF_PAYLOAD,     /* payload does not parse as an event */
  AIDREG_VF_BINDING,     /* payload's ledger is not this ledger's origin */
  AIDREG_VF_REPEAT,      /* payload repeats an earlier entry's */
  AIDREG_VF_AUTHORITY,   /* a signer not enrolled, revoked, out of role or scope */
  AIDREG_VF_CONSISTENCY, /* an older checkpoint is not a prefix of this tree */
  AIDREG_VF_COLUMN,      /* a database column disagrees with the leaf it describes */
  AIDREG_VF_PROJECTION,  /* a projection table disagrees with the replayed log */
  AIDREG_VF_RULE,        /* an entry the domain rules refuse at its position (docs/events.md) */
  AIDREG_VF_INTERNAL,    /* out of memory and the like */
} aidreg_verify_kind;

/* The first failure. message is complete and printable, e.g.
 * "index 17: leaf hash differs from tree node (0,17)". */
typedef struct {
  aidreg_verify_kind kind;
  bool has_index;
  uint64_t index;
  char message[768];
} aidreg_verify_failure;

/* Fill f (when non-NULL); with has_index the message is prefixed by "index N: ".
 * Returns -1 so that callbacks can `return aidreg_verify_fail(...)`. */
int aidreg_verify_fail(aidreg_verify_failure *f, aidreg_verify_kind kind, bool has_index, uint64_t index,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6))) AIDREG_VERIFY_MUST_USE;
const char *aidreg_verify_kind_name(aidreg_verify_kind kind) AIDREG_VERIFY_MUST_USE; /* "leaf-hash" */

/* The keys replayed from the log (the verifier's own map), for a source's finish hook. */
typedef struct {
  aidreg_key_state state;
  uint64_t enrolled_at; /* leaf index of the enrolment (0 for the root key) */
  uint64_t revoked_at;  /* leaf index of the revocation, when state.revoked */
  char holder_name[128];
  char holder_org[128];
} aidreg_verify_key;
typedef struct aidreg_verify_keys aidreg_verify_keys;
/* 1 and *out filled when keyid was enrolled, else 0. */
int aidreg_verify_keys_get(const aidreg_verify_keys *keys, const char *keyid, aidreg_verify_key *out) AIDREG_VERIFY_MUST_USE;
size_t aidreg_verify_keys_count(const aidreg_verify_keys *keys) AIDREG_VERIFY_MUST_USE;

/* A leaf as the engine hands it to a source's hook, after it passed every leaf check. */
typedef struct {
  uint64_t index;
  const uint8_t *data; /* the leaf bytes */
  size_t len;
  const aidreg_event *event;
  const aidreg_keychange *change; /* what the entry did to the keys (kind NONE for most) */
} aidreg_verify_leaf;

/* Where the engine reads a ledger. Buffers returned through data/note are malloc'd and
 * freed by the engine. Every callback returns 0, or -1 with f filled. Optional ones may
 * be NULL. */
typedef struct {
  void *ctx;
  /* The latest signed checkpoint note. */
  int (*checkpoint)(void *ctx, char **note, size_t *len, aidreg_verify_failure *f);
  /* Hash tile L/N of width W (1..256): exactly 32*W bytes. */
  int (*tile)(void *ctx, unsigned level, uint64_t n, unsigned width, uint8_t **data, size_t *len,
              aidreg_verify_failure *f);
  /* Entry bundle N of width W: W entries, each a big-endian uint16 length then the leaf. */
  int (*entries)(void *ctx, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                 aidreg_verify_failure *f);
  /* Optional: a consistency proof from size m to size n as the source serves it
   * (checked in addition to reproducing the old root from the recomputed tree). */
  int (*consistency)(void *ctx, uint64_t m, uint64_t n, uint8_t proof[][32], size_t *len,
                     aidreg_verify_failure *f);
  /* Optional: the smallest stored checkpoint note of size > after (1 when there is
   * none). Each is verified and must be reproduced by the recomputed tree. */
  int (*next_checkpoint)(void *ctx, uint64_t after, char **note, size_t *len, aidreg_verify_failure *f);
  /* Optional hooks for sources that store more than tiles (the database): */
  /* every recomputed perfect node, in the order they complete (level 0 first); */
  int (*node)(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32], aidreg_verify_failure *f);
  /* every leaf, once it passed the leaf checks; */
  int (*leaf)(void *ctx, const aidreg_verify_leaf *leaf, aidreg_verify_failure *f);
  /* once every leaf and the root are verified: rows beyond the tree, projections. */
  int (*finish)(void *ctx, const aidreg_checkpoint *cp, const aidreg_verify_keys *keys,
                aidreg_verify_failure *f);
} aidreg_verify_source;

typedef struct {
  /* Verifier key string of the checkpoint signer. NULL: the signature is not checked
   * (the result says so); everything else is. */
  const char *vkey;
  /* Expected county code (6 digits) or NULL: then taken from the ledger.create entry. */
  const char *ledger;
  /* An older signed checkpoint note (--since) or NULL. */
  const char *since_note;
  size_t since_len;
  /* Threads that hash leaves and check signatures ahead of the (serial) judge: 0 means
   * one per online core, or AIDREG_VERIFY_THREADS when set; 1 is the serial path. The
   * verdict and its message do not depend on it. */
  unsigned threads;
  /* Called on the verifying thread after each bundle of entries (256) is checked, with
   * the entries checked so far and the checkpoint's size; NULL: none. For a progress line:
   * a million entries take a minute or more. */
  void (*progress)(void *ctx, uint64_t done, uint64_t total);
  void *progress_ctx;
} aidreg_verify_options;

typedef struct {
  aidreg_checkpoint checkpoint; /* the latest, as verified */
  char county[16];
  bool signature_checked;       /* false when no vkey was given */
  uint64_t leaves;              /* leaves checked */
  uint64_t signatures;          /* envelope signatures verified */
  uint64_t key_events;          /* enrolments and revocations replayed */
  uint64_t keys;                /* keys known at the end */
  uint64_t hash_tiles;          /* hash tiles fetched and compared */
  uint64_t bundles;             /* entry bundles read */
  uint64_t nodes;               /* perfect nodes recomputed */
  uint64_t checkpoints;         /* checkpoints verified (latest, --since, history) */
  aidreg_verify_failure failure; /* kind NONE on success */
} aidreg_verify_result;

/* Runs every check. Returns 0 when the ledger verifies, -1 with res->failure filled. */
int aidreg_verify_run(const aidreg_verify_source *src, const aidreg_verify_options *opt,
                      aidreg_verify_result *res) AIDREG_VERIFY_MUST_USE;

/* One-line summary of a successful run into out:
 * "ok 522701 size 20 root <b64>: 20 leaves, 21 signatures, 3 key events, 1 hash tiles,
 *  1 entry bundles, 64 nodes, 2 checkpoints". */
void aidreg_verify_summary(const aidreg_verify_result *res, char *out, size_t cap);

/* Hash-tile geometry for a tree of `size` leaves: the width of tile L/N (0 when that
 * tile does not exist), and the number of tile levels (levels with at least one node). */
unsigned aidreg_tile_width_at(uint64_t size, unsigned level, uint64_t n) AIDREG_VERIFY_MUST_USE;
unsigned aidreg_tile_levels(uint64_t size) AIDREG_VERIFY_MUST_USE;
/* Width of entry bundle N (0 when it does not exist). */
unsigned aidreg_bundle_width_at(uint64_t size, uint64_t n) AIDREG_VERIFY_MUST_USE;

/* A node fetcher (aidreg_node_fetch) over a source's hash tiles for a tree of `size`:
 * node (8L + r, i) is computed from the 2^r nodes of tile level L below it. It caches
 * one tile per level. Use with aidreg_merkle_root / the proof functions to derive the
 * root or proofs of any smaller tree from the tiles of a bigger one. */
typedef struct aidreg_tile_nodes aidreg_tile_nodes;
aidreg_tile_nodes *aidreg_tile_nodes_new(const aidreg_verify_source *src, uint64_t size) AIDREG_VERIFY_MUST_USE;
void aidreg_tile_nodes_free(aidreg_tile_nodes *t);
int aidreg_tile_nodes_fetch(void *t, unsigned level, uint64_t index, uint8_t out[32]) AIDREG_VERIFY_MUST_USE;
/* The failure behind the last fetch that returned -1. */
const aidreg_verify_failure *aidreg_tile_nodes_failure(const aidreg_tile_nodes *t) AIDREG_VERIFY_MUST_USE;

/* The --db source: PostgreSQL (a URL libpq understands), one ledger. Everything is read
 * in one REPEATABLE READ, READ ONLY transaction (a consistent snapshot). Beyond the
 * tiles (built from the leaf and tree_node rows), it checks every tree_node row against
 * the recomputed node, the leaf rows' columns (payload_sha256, type, subject) against
 * their leaf, rows beyond the checkpoint (leaf, tree_node), ledger.size against the
 * checkpoint, every stored checkpoint, and the signing_key and subject_head projections.
 * Returns NULL with a message in err. */
typedef struct aidreg_verify_db aidreg_verify_db;
aidreg_verify_db *aidreg_verify_db_open(const char *url, const char *ledger, char *err, size_t cap) AIDREG_VERIFY_MUST_USE;
/* Fills src with callbacks over db (valid until aidreg_verify_db_close). */
void aidreg_verify_db_source(aidreg_verify_db *db, aidreg_verify_source *src);
/* The vkey the ledger table records (malloc'd) or NULL. Not independent of the
 * database: prefer a vkey obtained elsewhere. */
char *aidreg_verify_db_vkey(aidreg_verify_db *db) AIDREG_VERIFY_MUST_USE;
void aidreg_verify_db_close(aidreg_verify_db *db);

#endif
