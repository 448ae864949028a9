/* The verification engine (see include/aidreg/verify.h).
 *
 * It trusts nothing but the checkpoint's signature: it streams the leaves bundle by
 * bundle, recomputes every perfect node with the frontier, and compares what it derives
 * with what the source stores. Memory: one hash tile per tile level, one bundle, the
 * frontier, plus the payload-hash set (repeats) and the key map (authority). */
#include "aidreg/verify.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/leaf.h"
#include "aidreg/merkle.h"
#include "aidreg/tile.h"
#include "rules/domain.h"
#include "rules/judge.h"
#include "core/strmap.h"
#include "verify/verify_pool.h"
#include "verify/verify_replay.h"

#define MAX_TILE_LEVELS 8 /* 8 levels of 8 tree levels cover 64-bit trees */
#define SETTLE_EVERY 4096  /* entries between commits of the replayed state (bounded memory) */

/* ---- failures ------------------------------------------------------------------ */

static const char *const kind_names[] = {
    [AIDREG_VF_NONE] = "none",           [AIDREG_VF_SOURCE] = "source",
    [AIDREG_VF_CHECKPOINT] = "checkpoint", [AIDREG_VF_MISSING] = "missing",
    [AIDREG_VF_EXTRA] = "extra",         [AIDREG_VF_LEAF_HASH] = "leaf-hash",
    [AIDREG_VF_NODE] = "node",           [AIDREG_VF_ROOT] = "root",
    [AIDREG_VF_LAYOUT] = "layout",       [AIDREG_VF_SIGNATURE] = "signature",
    [AIDREG_VF_PAYLOAD] = "payload",     [AIDREG_VF_BINDING] = "ledger-binding",
    [AIDREG_VF_REPEAT] = "repeat",       [AIDREG_VF_AUTHORITY] = "authority", [AIDREG_VF_RULE] = "rule",
    [AIDREG_VF_CONSISTENCY] = "consistency", [AIDREG_VF_COLUMN] = "column",
    [AIDREG_VF_PROJECTION] = "projection", [AIDREG_VF_INTERNAL] = "internal",
};

const char *aidreg_verify_kind_name(aidreg_verify_kind kind) {
  if ((size_t)kind < sizeof kind_names / sizeof kind_names[0] && kind_names[kind]) return kind_names[kind];
  return "unknown";
}

int aidreg_verify_fail(aidreg_verify_failure *f, aidreg_verify_kind kind, bool has_index, uint64_t index,
                       const char *fmt, ...) {
  if (!f) return -1;
  f->kind = kind;
  f->has_index = has_index;
  f->index = index;
  size_t off = 0;
  if (has_index) {
    int n = snprintf(f->message, sizeof f->message, "index %" PRIu64 ": ", index);
    off = n > 0 ? (size_t)n : 0;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->message + off, sizeof f->message - off, fmt, ap);
  va_end(ap);
  return -1;
}

/* ---- geometry ------------------------------------------------------------------ */

unsigned aidreg_tile_width_at(uint64_t size, unsigned level, uint64_t n) {
  if (level >= MAX_TILE_LEVELS) return 0;
  uint64_t count = size >> (AIDREG_TILE_HEIGHT * level); /* nodes of tree level 8L */
  uint64_t full = count / AIDREG_TILE_WIDTH;
  if (n < full) return AIDREG_TILE_WIDTH;
  if (n == full) return (unsigned)(count % AIDREG_TILE_WIDTH);
  return 0;
}

unsigned aidreg_tile_levels(uint64_t size) {
  unsigned L = 0;
  while (L < MAX_TILE_LEVELS && (size >> (AIDREG_TILE_HEIGHT * L)) > 0) L++;
  return L;
}

unsigned aidreg_bundle_width_at(uint64_t size, uint64_t n) { return aidreg_tile_width_at(size, 0, n); }

static void tile_name(int entries, unsigned level, uint64_t n, unsigned width, char *out, size_t cap) {
  aidreg_tile_ref t = {.entries = entries, .level = level, .index = n, .width = width};
  if (aidreg_tile_format(&t, out, cap) != 0) snprintf(out, cap, "tile %u/%" PRIu64, level, n);
}

/* ---- payload-hash set ------------------------------------------------------------ */

typedef struct {
  uint8_t h[32];
  uint64_t idx1; /* index + 1; 0 = empty slot */
} pslot;

typedef struct {
  pslot *s;
  size_t cap, n;
  uint8_t key[crypto_shorthash_KEYBYTES];
} pset;

static size_t pset_pos(const pset *ps, const uint8_t h[32]) {
  uint8_t out[crypto_shorthash_BYTES];
  crypto_shorthash(out, h, 32, ps->key);
  uint64_t x;
  memcpy(&x, out, sizeof x);
  return (size_t)(x & (ps->cap - 1));
}

static int pset_grow(pset *ps) {
  size_t cap = ps->cap ? ps->cap * 2 : 1024;
  pslot *old = ps->s;
  size_t oldcap = ps->cap;
  ps->s = calloc(cap, sizeof *ps->s);
  if (!ps->s) {
    ps->s = old;
    return -1;
  }
  ps->cap = cap;
  for (size_t i = 0; i < oldcap; i++) {
    if (!old[i].idx1) continue;
    size_t j = pset_pos(ps, old[i].h);
    while (ps->s[j].idx1) j = (j + 1) & (cap - 1);
    ps->s[j] = old[i];
  }
  free(old);
  return 0;
}

/* Inserts h for index; returns 0 (new), 1 (already there: *first gets its index), -1 OOM. */
static int pset_add(pset *ps, const uint8_t h[32], uint64_t index, uint64_t *first) {
  if ((ps->n + 1) * 4 > ps->cap * 3 && pset_grow(ps) != 0) return -1;
  size_t j = pset_pos(ps, h);
  while (ps->s[j].idx1) {
    if (memcmp(ps->s[j].h, h, 32) == 0) {
      *first = ps->s[j].idx1 - 1;
      return 1;
    }
    j = (j + 1) & (ps->cap - 1);
  }
  memcpy(ps->s[j].h, h, 32);
  ps->s[j].idx1 = index + 1;
  ps->n++;
  return 0;
}

/* ---- key map --------------------------------------------------------------------- */

typedef struct {
  bool used;
  aidreg_verify_key k;
} kslot;

struct aidreg_verify_keys {
  kslot *s;
  size_t cap, n;
  size_t active_county; /* county keys not revoked */
  uint8_t key[crypto_shorthash_KEYBYTES];
};

static size_t kmap_pos(const aidreg_verify_keys *m, const char *keyid) {
  uint8_t out[crypto_shorthash_BYTES];
  crypto_shorthash(out, (const uint8_t *)keyid, strlen(keyid), m->key);
  uint64_t x;
  memcpy(&x, out, sizeof x);
  return (size_t)(x & (m->cap - 1));
}

static kslot *kmap_find(const aidreg_verify_keys *m, const char *keyid) {
  if (!m->cap) return NULL;
  size_t j = kmap_pos(m, keyid);
  while (m->s[j].used) {
    if (strcmp(m->s[j].k.state.keyid, keyid) == 0) return &m->s[j];
    j = (j + 1) & (m->cap - 1);
  }
  return NULL;
}

static int kmap_put(aidreg_verify_keys *m, const aidreg_verify_key *k) {
  if ((m->n + 1) * 2 > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 64;
    kslot *old = m->s;
    size_t oldcap = m->cap;
    m->s = calloc(cap, sizeof *m->s);
    if (!m->s) {
      m->s = old;
      return -1;
    }
    m->cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
      if (!old[i].used) continue;
      size_t j = kmap_pos(m, old[i].k.state.keyid);
      while (m->s[j].used) j = (j + 1) & (cap - 1);
      m->s[j] = old[i];
    }
    free(old);
  }
  size_t j = kmap_pos(m, k->state.keyid);
  while (m->s[j].used) j = (j + 1) & (m->cap - 1);
  m->s[j].used = true;
  m->s[j].k = *k;
  m->n++;
  if (k->state.role == AIDREG_ROLE_COUNTY && !k->state.revoked) m->active_county++;
  return 0;
}

int aidreg_verify_keys_get(const aidreg_verify_keys *m, const char *keyid, aidreg_verify_key *out) {
  const kslot *s = kmap_find(m, keyid);
  if (!s) return 0;
  if (out) *out = s->k;
  return 1;
}

size_t aidreg_verify_keys_count(const aidreg_verify_keys *m) { return m->n; }

static int kv_lookup(void *ctx, const char *keyid, aidreg_key_state *out) {
  const kslot *s = kmap_find(ctx, keyid);
  if (!s) return 0;
  *out = s->k.state;
  return 1;
}

static int kv_other_county(void *ctx, const char *except) {
  const aidreg_verify_keys *m = ctx;
  size_t n = m->active_county;
  const kslot *s = kmap_find(m, except);
  if (s && s->k.state.role == AIDREG_ROLE_COUNTY && !s->k.state.revoked) n--;
  return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* ---- the engine ------------------------------------------------------------------ */

typedef struct {
  bool have;
  uint64_t n;
  unsigned width;
  uint8_t *data;
} tile_slot;

/* A bundle read ahead: its entries split out and queued to the pool. A failure to read
 * it is kept and reported only when its turn comes, after every entry before it. */
typedef struct {
  uint64_t n;
  unsigned w;
  int rc;
  aidreg_verify_failure f;
  uint8_t *data;
  size_t len;
  unsigned count; /* entries split out */
  int cut;        /* count < w: 1 the bundle ends before entry count, 2 it is cut inside it */
  size_t end;     /* bytes of the count entries */
  ar_prepared items[AIDREG_TILE_WIDTH];
  ar_prep_batch batch;
} bundle_slot;

typedef struct {
  const aidreg_verify_source *src;
  const aidreg_verify_options *opt;
  const ar_verify_replay *replay; /* NULL: the engine's own state (mem, dom) */
  ar_prep_pool *pool;
  bundle_slot *ahead; /* AR_VERIFY_AHEAD slots, bundle n in ahead[n % AR_VERIFY_AHEAD] */
  domain_memstore *mem;
  domain_store mem_store;
  aidreg_verify_result *res;
  aidreg_verify_failure *f;
  bool have_verifier;
  aidreg_note_verifier verifier;
  aidreg_checkpoint cp;
  tile_slot tiles[MAX_TILE_LEVELS];
  aidreg_frontier fr;
  bool sink_failed;
  pset payloads;
  aidreg_verify_keys keys;
  aidreg_keyview kv;
  /* The current state, replayed through the domain rules: some authority (an asset's
   * location, its operator or maintainer key) depends on it. Grows with the number of
   * subjects, not entries. */
  domain_batch *dom;
  strmap heads; /* subject -> its latest payload hash (32 bytes, malloc'd), for prev */
  char county[16];
  /* Older checkpoints to reproduce: --since, and the source's history cursor. */
  bool have_since;
  aidreg_checkpoint since;
  bool have_hist;
  aidreg_checkpoint hist;
  uint64_t prev_checked; /* largest size already reproduced (for naming a range) */
} engine;

static void b64_root(const uint8_t h[32], char out[45]) { aidreg_b64_encode_to(h, 32, out, 45); }

/* Opens a checkpoint note: signature (when a vkey is known), syntax, origin. */
static int open_checkpoint(engine *e, const char *note, size_t len, const char *what, aidreg_checkpoint *cp) {
  size_t tlen = 0;
  if (e->have_verifier) {
    int opened = aidreg_note_verify(note, len, &e->verifier, &tlen);
    if (opened == -2) return aidreg_verify_fail(e->f, AIDREG_VF_INTERNAL, false, 0, "%s: out of memory", what);
    if (opened != 0)
      return aidreg_verify_fail(e->f, AIDREG_VF_CHECKPOINT, false, 0,
                                "%s: the note is malformed or carries no valid signature by %s+%02x%02x%02x%02x",
                                what, e->verifier.name, e->verifier.key_id[0], e->verifier.key_id[1],
                                e->verifier.key_id[2], e->verifier.key_id[3]);
  } else {
    /* No key: the text is what precedes the blank line. */
    const char *bl = NULL;
    for (size_t i = 0; i + 1 < len; i++)
      if (note[i] == '\n' && note[i + 1] == '\n') {
        bl = note + i;
        break;
      }
    if (!bl) return aidreg_verify_fail(e->f, AIDREG_VF_CHECKPOINT, false, 0, "%s: not a signed note", what);
    tlen = (size_t)(bl - note) + 1;
  }
  if (aidreg_checkpoint_parse(note, tlen, cp) != 0)
    return aidreg_verify_fail(e->f, AIDREG_VF_CHECKPOINT, false, 0, "%s: the text is not a checkpoint", what);
  if (e->have_verifier && strcmp(cp->origin, e->verifier.name) != 0)
    return aidreg_verify_fail(e->f, AIDREG_VF_CHECKPOINT, false, 0, "%s: origin %s is not the key's name %s", what,
                              cp->origin, e->verifier.name);
  e->res->checkpoints++;
  return 0;
}

/* Compares a recomputed node of tree level 8L with the stored hash tile. */
static int node_vs_tile(engine *e, unsigned level, uint64_t index, const uint8_t h[32]) {
  unsigned L = level / AIDREG_TILE_HEIGHT;
  if (L >= MAX_TILE_LEVELS) return 0;
  uint64_t n = index / AIDREG_TILE_WIDTH;
  unsigned k = (unsigned)(index % AIDREG_TILE_WIDTH);
  tile_slot *t = &e->tiles[L];
  char name[96];
  if (!t->have || t->n != n) {
    free(t->data);
    t->data = NULL;
    t->have = false;
    unsigned w = aidreg_tile_width_at(e->cp.size, L, n);
    if (w == 0) return 0; /* cannot happen: the node lies inside the tree */
    uint8_t *data = NULL;
    size_t len = 0;
    if (e->src->tile(e->src->ctx, L, n, w, &data, &len, e->f) != 0) {
      free(data);
      return -1;
    }
    tile_name(0, L, n, w, name, sizeof name);
    if (len != (size_t)w * 32) {
      free(data);
      return aidreg_verify_fail(e->f, AIDREG_VF_NODE, false, 0, "hash tile %s holds %zu bytes, not %u", name, len,
                                w * 32);
    }
    t->data = data;
    t->n = n;
    t->width = w;
    t->have = true;
    e->res->hash_tiles++;
  }
  if (sodium_memcmp(t->data + (size_t)k * 32, h, 32) != 0) {
    tile_name(0, L, n, t->width, name, sizeof name);
    if (level == 0)
      return aidreg_verify_fail(e->f, AIDREG_VF_LEAF_HASH, true, index,
                                "leaf hash differs from tree node (0,%" PRIu64 ") in hash tile %s", index, name);
    return aidreg_verify_fail(e->f, AIDREG_VF_NODE, false, 0,
                              "tree node (%u,%" PRIu64 ") over leaves %" PRIu64 "..%" PRIu64
                              " differs from hash tile %s",
                              level, index, index << level, ((index + 1) << level) - 1, name);
  }
  return 0;
}

static void sink(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32]) {
  engine *e = ctx;
  if (level == 0 || e->sink_failed) return; /* level 0 is checked before the leaf's other checks */
  e->res->nodes++;
  if (e->src->node && e->src->node(e->src->ctx, level, index, hash, e->f) != 0) {
    e->sink_failed = true;
    return;
  }
  if (level % AIDREG_TILE_HEIGHT == 0 && node_vs_tile(e, level, index, hash) != 0) e->sink_failed = true;
}

/* "index 17" or "entries 10..19": where a root mismatch places the change. */
static void name_range(uint64_t lo, uint64_t hi, char *out, size_t cap) {
  if (lo == hi)
    snprintf(out, cap, "index %" PRIu64, lo);
  else
    snprintf(out, cap, "entries %" PRIu64 "..%" PRIu64, lo, hi);
}

/* The tree of size s (just completed) must reproduce an older checkpoint of that size. */
static int reproduce(engine *e, const aidreg_checkpoint *old, const char *what) {
  uint8_t root[32];
  aidreg_frontier_root(&e->fr, root);
  if (sodium_memcmp(root, old->root, 32) != 0) {
    char a[45], b[45];
    b64_root(root, a);
    b64_root(old->root, b);
    uint64_t lo = e->prev_checked, hi = old->size - 1;
    char range[64];
    name_range(lo, hi, range, sizeof range);
    snprintf(e->f->message, sizeof e->f->message,
             "%s: the tree of size %" PRIu64 " (root %s) does not reproduce %s (root %s): %s differs from what was "
             "signed",
             range, old->size, a, what, b, lo == hi ? "this entry" : "an entry in this range");
    e->f->kind = AIDREG_VF_CONSISTENCY;
    e->f->has_index = true;
    e->f->index = lo;
    return -1;
  }
  if (old->size > e->prev_checked) e->prev_checked = old->size;
  return 0;
}

/* Loads the source's next stored checkpoint above `after` into e->hist. */
static int next_hist(engine *e, uint64_t after) {
  e->have_hist = false;
  if (!e->src->next_checkpoint) return 0;
  char *note = NULL;
  size_t len = 0;
  int rc = e->src->next_checkpoint(e->src->ctx, after, &note, &len, e->f);
  if (rc < 0) {
    free(note);
    return -1;
  }
  if (rc > 0) {
    free(note);
    return 0;
  }
  char what[64];
  snprintf(what, sizeof what, "a stored checkpoint above size %" PRIu64, after);
  rc = open_checkpoint(e, note, len, what, &e->hist);
  free(note);
  if (rc != 0) return -1;
  if (e->hist.size <= after)
    return aidreg_verify_fail(e->f, AIDREG_VF_SOURCE, false, 0, "the source returned a checkpoint of size %" PRIu64
                              " when asked for one above %" PRIu64, e->hist.size, after);
  if (strcmp(e->hist.origin, e->cp.origin) != 0)
    return aidreg_verify_fail(e->f, AIDREG_VF_CHECKPOINT, false, 0,
                              "the stored checkpoint of size %" PRIu64 " has origin %s, not %s", e->hist.size,
                              e->hist.origin, e->cp.origin);
  if (e->hist.size > e->cp.size) return 0; /* newer than the one verified: not ours to judge */
  e->have_hist = true;
  return 0;
}

/* After a leaf is appended: reproduce any older checkpoint of the new size. */
static int check_older(engine *e) {
  uint64_t s = e->fr.size;
  if (e->have_since && e->since.size == s && reproduce(e, &e->since, "the --since checkpoint") != 0) return -1;
  while (e->have_hist && e->hist.size == s) {
    char what[64];
    snprintf(what, sizeof what, "the stored checkpoint of size %" PRIu64, s);
    if (reproduce(e, &e->hist, what) != 0) return -1;
    if (next_hist(e, s) != 0) return -1;
  }
  return 0;
}

static int ends_with_code(const char *origin, const char *code) {
  size_t o = strlen(origin), c = strlen(code);
  return o > c && origin[o - c - 1] == '/' && strcmp(origin + o - c, code) == 0;
}

static int apply_change(engine *e, const aidreg_keychange *ch, uint64_t index) {
  if (ch->kind == AIDREG_KEYCHANGE_ENROLL) {
    aidreg_verify_key k = {.state = ch->key, .enrolled_at = index};
    k.state.revoked = false;
    snprintf(k.holder_name, sizeof k.holder_name, "%s", ch->holder_name);
    snprintf(k.holder_org, sizeof k.holder_org, "%s", ch->holder_org);
    if (kmap_find(&e->keys, k.state.keyid))
      return aidreg_verify_fail(e->f, AIDREG_VF_AUTHORITY, true, index, "key %s enrolled twice", k.state.keyid);
    if (kmap_put(&e->keys, &k) != 0) return aidreg_verify_fail(e->f, AIDREG_VF_INTERNAL, true, index, "out of memory");
    e->res->key_events++;
  } else if (ch->kind == AIDREG_KEYCHANGE_REVOKE) {
    kslot *s = kmap_find(&e->keys, ch->key.keyid);
    if (!s || s->k.state.revoked)
      return aidreg_verify_fail(e->f, AIDREG_VF_AUTHORITY, true, index, "revocation of key %s, which is not active",
                                ch->key.keyid);
    s->k.state.revoked = true;
    s->k.revoked_at = index;
    if (s->k.state.role == AIDREG_ROLE_COUNTY) e->keys.active_county--;
    e->res->key_events++;
  }
  return 0;
}

static const char *problem_text(const aidreg_problem *p) {
  return p->detail[0] ? p->detail : aidreg_problem_title(p->code);
}

/* The judge's lookups over the replayed log: payloads seen so far (recorded as they are
 * asked for: a refusal ends the verification anyway) and each subject's head. */
static int engine_seen(void *ctx, const uint8_t payload[32], uint64_t *index) {
  engine *e = ctx;
  return pset_add(&e->payloads, payload, e->fr.size, index);
}

static int engine_head(void *ctx, const char *subject, uint8_t out[32]) {
  engine *e = ctx;
  const uint8_t *h = ar_strmap_get(&e->heads, subject);
  if (!h) return 0;
  memcpy(out, h, 32);
  return 1;
}

static int set_head(engine *e, const aidreg_event *ev) {
  uint8_t *h = ar_strmap_get(&e->heads, ev->subject);
  if (!h) {
    if (!(h = malloc(32)) || ar_strmap_put(&e->heads, ev->subject, h)) {
      free(h);
      return -1;
    }
  }
  memcpy(h, ev->payload_sha256, 32);
  return 0;
}

/* What the judge refused, as a verification failure of the matching kind. */
static int judged_failure(engine *e, const judge_result *r, const aidreg_event *ev, uint64_t i) {
  const aidreg_problem *p = &r->problem;
  if (r->verdict == JUDGE_REPLAY)
    return aidreg_verify_fail(e->f, AIDREG_VF_REPEAT, true, i, "payload repeats index %" PRIu64, r->replay_of);
  if (p->code == AIDREG_E_INTERNAL || p->code == AIDREG_E_UNAVAILABLE)
    return aidreg_verify_fail(e->f, AIDREG_VF_INTERNAL, true, i, "%s", problem_text(p));
  switch (r->step) {
  case JUDGE_AT_SIGNATURE:
    return aidreg_verify_fail(e->f, AIDREG_VF_SIGNATURE, true, i, "envelope signature: %s", problem_text(p));
  case JUDGE_AT_BINDING:
    return aidreg_verify_fail(e->f, AIDREG_VF_BINDING, true, i, "payload is bound to ledger \"%s\", not %s", ev->ledger,
                              e->cp.origin);
  case JUDGE_AT_SIGNERS:
  case JUDGE_AT_AUTHORITY:
    return aidreg_verify_fail(e->f, AIDREG_VF_AUTHORITY, true, i, "%s: %s (%s %s)", aidreg_problem_slug(p->code),
                              problem_text(p), ev->type, ev->subject);
  default: {
    aidreg_verify_kind kind = aidreg_problem_status(p->code) == 403 ? AIDREG_VF_AUTHORITY : AIDREG_VF_RULE;
    return aidreg_verify_fail(e->f, kind, true, i, "%s: %s (%s %s)", aidreg_problem_slug(p->code), problem_text(p),
                              ev->type, ev->subject);
  }
  }
}

/* The state the judge reads at this entry: the caller's (audit) or the engine's own, a
 * batch over an in-memory store committed every SETTLE_EVERY entries, so that memory
 * follows the state (subjects), not the log. */
static domain_batch *state_for(engine *e, uint64_t i) {
  if (e->replay) return e->replay->state(e->replay->ctx, e->county, i);
  if (e->dom && i % SETTLE_EVERY == 0) {
    int bad = ar_domain_memstore_settle(e->mem, e->dom);
    e->dom = NULL;
    if (bad) return NULL;
  }
  /* Compact: the verifier only judges, nothing reads its state but the next batches. */
  if (!e->mem && !(e->mem = ar_domain_memstore_new_compact())) return NULL;
  e->mem_store = ar_domain_memstore_store(e->mem);
  if (!e->dom) e->dom = ar_domain_begin(&e->mem_store, e->county);
  return e->dom;
}

/* One leaf, in log order. pp: what the pool prepared for it (hash, parse, signatures);
 * whatever did not come out clean there is done again here, so every failure is the
 * serial path's. */
static int check_leaf(engine *e, uint64_t i, const uint8_t *data, size_t len, ar_prepared *pp) {
  uint8_t lh[32];
  if (pp) memcpy(lh, pp->leaf_hash, 32);
  else aidreg_merkle_leaf_hash(data, len, lh);
  e->res->nodes++;
  if (e->src->node && e->src->node(e->src->ctx, 0, i, lh, e->f) != 0) return -1;
  if (node_vs_tile(e, 0, i, lh) != 0) return -1;

  aidreg_problem p = {0};
  aidreg_leaf leaf;
  int rc = -1;
  aidreg_event ev;
  bool have_ev = false;
  bool sig_ok = false;
  bool lent = false; /* leaf and ev are the slot's: given back below, freed by the pool */
  if (pp && pp->parsed) {
    leaf = pp->leaf;
    ev = pp->ev;
    sig_ok = pp->sig_ok;
    pp->parsed = false;
    have_ev = lent = true;
    if (leaf.index != i) {
      rc = aidreg_verify_fail(e->f, AIDREG_VF_LAYOUT, true, i, "the leaf says index %" PRIu64 " (entries out of order)",
                              leaf.index);
      goto out;
    }
    goto parsed;
  }
  if (aidreg_leaf_parse(data, len, &leaf, &p) != 0) {
    /* Our memory, not the leaf: no verdict on the ledger. */
    if (p.code == AIDREG_E_INTERNAL)
      return aidreg_verify_fail(e->f, AIDREG_VF_INTERNAL, true, i, "reading the leaf: %s", problem_text(&p));
    return aidreg_verify_fail(e->f, AIDREG_VF_LAYOUT, true, i, "leaf layout: %s%s%s", problem_text(&p),
                              p.field[0] ? " at " : "", p.field);
  }
  if (leaf.index != i) {
    rc = aidreg_verify_fail(e->f, AIDREG_VF_LAYOUT, true, i, "the leaf says index %" PRIu64 " (entries out of order)",
                       leaf.index);
    goto out;
  }
  if (aidreg_event_parse(leaf.env.payload, leaf.env.payload_len, &ev, &p) != 0) {
    /* A payload changed after signing usually no longer parses either: name the signature. */
    aidreg_problem sp = {0};
    if (p.code == AIDREG_E_INTERNAL)
      rc = aidreg_verify_fail(e->f, AIDREG_VF_INTERNAL, true, i, "reading the payload: %s", problem_text(&p));
    else if (aidreg_envelope_verify(&leaf.env, &sp) != 0)
      rc = aidreg_verify_fail(e->f, AIDREG_VF_SIGNATURE, true, i, "envelope signature: %s", problem_text(&sp));
    else
      rc = aidreg_verify_fail(e->f, AIDREG_VF_PAYLOAD, true, i, "payload: %s%s%s", problem_text(&p),
                         p.field[0] ? " at " : "", p.field);
    goto out;
  }
  have_ev = true;
parsed:
  if (i == 0) {
    if (strcmp(ev.type, "ledger.create") != 0) {
      rc = aidreg_verify_fail(e->f, AIDREG_VF_AUTHORITY, true, i, "the first entry is %s, not ledger.create", ev.type);
      goto out;
    }
    if (strlen(ev.subject) != 6 || !aidreg_is_admin_code(ev.subject)) {
      rc = aidreg_verify_fail(e->f, AIDREG_VF_AUTHORITY, true, i, "ledger.create names \"%s\", not a county code",
                         ev.subject);
      goto out;
    }
    if (e->opt->ledger && strcmp(e->opt->ledger, ev.subject) != 0) {
      rc = aidreg_verify_fail(e->f, AIDREG_VF_BINDING, true, i, "ledger.create names county %s, not %s", ev.subject,
                         e->opt->ledger);
      goto out;
    }
    if (!ends_with_code(e->cp.origin, ev.subject)) {
      rc = aidreg_verify_fail(e->f, AIDREG_VF_BINDING, true, i, "ledger.create names county %s, but the origin is %s",
                         ev.subject, e->cp.origin);
      goto out;
    }
    snprintf(e->county, sizeof e->county, "%s", ev.subject);
  }
  domain_batch *state = state_for(e, i);
  if (!state) {
    rc = aidreg_verify_fail(e->f, AIDREG_VF_INTERNAL, true, i, "out of memory");
    goto out;
  }
  /* expires is judged against the time the server wrote into the leaf. */
  int64_t appended_at = 0;
  int32_t ns;
  if (aidreg_rfc3339_parse(leaf.time, &appended_at, &ns)) appended_at = 0;
  /* A signature the pool found bad is checked again by the judge, which names it. */
  judge_input in = {.county = e->county, .origin = e->cp.origin, .position = i, .signatures_verified = sig_ok,
                    .latest_time = INT64_MAX, .appended_at = appended_at, .keys = &e->kv, .state = state, .seen = engine_seen,
                    .head = engine_head, .ctx = e};
  judge_result r;
  if (ar_judge_entry(&in, &leaf.env, &ev, &r) != JUDGE_ACCEPT) {
    judged_failure(e, &r, &ev, i);
    goto out;
  }
  e->res->signatures += leaf.env.nsig;
  const aidreg_keychange ch = r.keys;
  if (set_head(e, &ev) != 0) {
    rc = aidreg_verify_fail(e->f, AIDREG_VF_INTERNAL, true, i, "out of memory");
    goto out;
  }
  if (apply_change(e, &ch, i) != 0) goto out;
  if (e->replay && e->replay->accepted(e->replay->ctx, i, &leaf.env, &ev, &r, e->f) != 0) goto out;
  if (e->src->leaf) {
    aidreg_verify_leaf vl = {.index = i, .data = data, .len = len, .event = &ev, .change = &ch};
    if (e->src->leaf(e->src->ctx, &vl, e->f) != 0) goto out;
  }
  aidreg_frontier_append(&e->fr, lh, sink, e);
  if (e->sink_failed) goto out;
  e->res->leaves++;
  if (check_older(e) != 0) goto out;
  rc = 0;
out:
  if (lent) {
    ar_prepared_give_back(pp, &leaf, &ev);
    return rc;
  }
  if (have_ev) aidreg_event_free(&ev);
  aidreg_leaf_free(&leaf);
  return rc;
}

/* Reads bundle n into its slot, splits it and queues its entries to the pool. */
static void read_ahead(engine *e, uint64_t n) {
  bundle_slot *b = &e->ahead[n % AR_VERIFY_AHEAD];
  b->n = n;
  b->w = aidreg_bundle_width_at(e->cp.size, n);
  b->data = NULL;
  b->len = b->end = 0;
  b->count = 0;
  b->cut = 0;
  b->f.kind = AIDREG_VF_NONE;
  b->rc = e->src->entries(e->src->ctx, n, b->w, &b->data, &b->len, &b->f);
  if (b->rc == 0) e->res->bundles++;
  size_t pos = 0;
  for (unsigned k = 0; b->rc == 0 && k < b->w; k++) {
    if (b->len - pos < 2) {
      b->cut = 1;
      break;
    }
    size_t l = (size_t)b->data[pos] << 8 | b->data[pos + 1];
    if (b->len - pos - 2 < l) {
      b->cut = 2;
      break;
    }
    b->items[k].data = b->data + pos + 2;
    b->items[k].len = l;
    b->count++;
    pos += 2 + l;
  }
  b->end = pos;
  b->batch.items = b->items;
  b->batch.n = b->count;
  ar_prep_submit(e->pool, &b->batch);
}

/* Waits for the slot's work and frees its bytes; the entries it held are freed by the
 * pool when it prepares the slot's next bundle, or here at the end (all). */
static void drop_slot(engine *e, bundle_slot *b, bool all) {
  ar_prep_wait(e->pool, &b->batch);
  for (unsigned k = 0; all && k < AIDREG_TILE_WIDTH; k++) ar_prepared_clear(&b->items[k]);
  b->count = 0;
  b->batch.n = 0;
  free(b->data);
  b->data = NULL;
}

static int check_bundle(engine *e, bundle_slot *b) {
  uint64_t base = b->n * AIDREG_TILE_WIDTH;
  if (b->rc != 0) {
    *e->f = b->f;
    return -1;
  }
  ar_prep_wait(e->pool, &b->batch);
  for (unsigned k = 0; k < b->w; k++) {
    if (k == b->count)
      return aidreg_verify_fail(e->f, AIDREG_VF_MISSING, true, base + k, "%s",
                                b->cut == 1 ? "missing (the source has no entry here)"
                                            : "missing (the entry bundle is cut inside this entry)");
    if (check_leaf(e, base + k, b->items[k].data, b->items[k].len, &b->items[k]) != 0) return -1;
  }
  if (b->end != b->len) {
    char name[96];
    tile_name(1, 0, b->n, b->w, name, sizeof name);
    return aidreg_verify_fail(e->f, AIDREG_VF_EXTRA, true, base + b->w, "extra data after the %u entries of bundle %s",
                              b->w, name);
  }
  return 0;
}

/* Every bundle in order, AR_VERIFY_AHEAD of them in flight: the pool prepares the next
 * ones while this thread judges the current one. */
static int check_bundles(engine *e) {
  uint64_t bundles = (e->cp.size + AIDREG_TILE_WIDTH - 1) / AIDREG_TILE_WIDTH;
  if (!bundles) return 0;
  if (!(e->pool = ar_prep_pool_new(e->opt->threads)) || !(e->ahead = calloc(AR_VERIFY_AHEAD, sizeof *e->ahead)))
    return aidreg_verify_fail(e->f, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  uint64_t next = 0;
  int rc = 0;
  for (uint64_t n = 0; n < bundles && rc == 0; n++) {
    for (; next < bundles && next < n + AR_VERIFY_AHEAD; next++) read_ahead(e, next);
    bundle_slot *b = &e->ahead[n % AR_VERIFY_AHEAD];
    rc = check_bundle(e, b);
    drop_slot(e, b, false);
    if (rc == 0 && e->opt->progress) {
      uint64_t done = (n + 1) * AIDREG_TILE_WIDTH;
      e->opt->progress(e->opt->progress_ctx, done < e->cp.size ? done : e->cp.size, e->cp.size);
    }
  }
  return rc;
}

static int run(engine *e) {
  const aidreg_verify_options *opt = e->opt;
  if (opt->vkey) {
    if (aidreg_note_vkey_parse(opt->vkey, &e->verifier) != 0)
      return aidreg_verify_fail(e->f, AIDREG_VF_CHECKPOINT, false, 0, "the verifier key is not a valid vkey string");
    e->have_verifier = true;
    e->res->signature_checked = true;
  }
  char *note = NULL;
  size_t len = 0;
  if (e->src->checkpoint(e->src->ctx, &note, &len, e->f) != 0) {
    free(note);
    return -1;
  }
  int rc = open_checkpoint(e, note, len, "the checkpoint", &e->cp);
  free(note);
  if (rc != 0) return -1;
  e->res->checkpoint = e->cp;
  if (opt->ledger && !ends_with_code(e->cp.origin, opt->ledger))
    return aidreg_verify_fail(e->f, AIDREG_VF_CHECKPOINT, false, 0, "the checkpoint's origin %s is not ledger %s",
                              e->cp.origin, opt->ledger);
  if (opt->since_note) {
    if (open_checkpoint(e, opt->since_note, opt->since_len, "the --since checkpoint", &e->since) != 0) return -1;
    if (strcmp(e->since.origin, e->cp.origin) != 0)
      return aidreg_verify_fail(e->f, AIDREG_VF_CONSISTENCY, false, 0, "the --since checkpoint is for %s, not %s",
                                e->since.origin, e->cp.origin);
    if (e->since.size > e->cp.size)
      return aidreg_verify_fail(e->f, AIDREG_VF_CONSISTENCY, false, 0,
                                "the --since checkpoint has size %" PRIu64 " but the log only %" PRIu64
                                ": the log was truncated or forked",
                                e->since.size, e->cp.size);
    e->have_since = true;
    if (e->since.size == 0) {
      uint8_t empty[32];
      aidreg_merkle_empty_root(empty);
      if (sodium_memcmp(empty, e->since.root, 32) != 0)
        return aidreg_verify_fail(e->f, AIDREG_VF_CONSISTENCY, false, 0,
                                  "the --since checkpoint of size 0 does not carry the empty root");
      e->have_since = false;
    }
  }
  if (next_hist(e, 0) != 0) return -1;

  if (check_bundles(e) != 0) return -1;

  uint8_t root[32];
  aidreg_frontier_root(&e->fr, root);
  if (sodium_memcmp(root, e->cp.root, 32) != 0) {
    char a[45], b[45];
    b64_root(root, a);
    b64_root(e->cp.root, b);
    uint64_t lo = e->prev_checked, hi = e->cp.size ? e->cp.size - 1 : 0;
    char range[64];
    name_range(lo, hi, range, sizeof range);
    snprintf(e->f->message, sizeof e->f->message,
             "%s: the recomputed root %s differs from the checkpoint's %s (size %" PRIu64 "): %s differs from what "
             "was signed",
             range, a, b, e->cp.size, lo == hi ? "this entry" : "an entry in this range");
    e->f->kind = AIDREG_VF_ROOT;
    e->f->has_index = e->cp.size > 0;
    e->f->index = lo;
    return -1;
  }
  if (e->have_since && e->src->consistency && e->since.size > 0 && e->since.size < e->cp.size) {
    uint8_t proof[AIDREG_MAX_PROOF][32];
    size_t plen = 0;
    if (e->src->consistency(e->src->ctx, e->since.size, e->cp.size, proof, &plen, e->f) != 0) return -1;
    if (aidreg_merkle_verify_consistency(e->since.size, e->cp.size, e->since.root, e->cp.root,
                                         (const uint8_t(*)[32])proof, plen) != 0)
      return aidreg_verify_fail(e->f, AIDREG_VF_CONSISTENCY, false, 0,
                                "the source's consistency proof from size %" PRIu64 " to %" PRIu64 " does not verify",
                                e->since.size, e->cp.size);
  }
  e->res->keys = e->keys.n;
  snprintf(e->res->county, sizeof e->res->county, "%s", e->county);
  if (e->src->finish && e->src->finish(e->src->ctx, &e->cp, &e->keys, e->f) != 0) return -1;
  return 0;
}

int aidreg_verify_run(const aidreg_verify_source *src, const aidreg_verify_options *opt, aidreg_verify_result *res) {
  return ar_verify_run_replay(src, opt, NULL, res);
}

int ar_verify_run_replay(const aidreg_verify_source *src, const aidreg_verify_options *opt,
                         const ar_verify_replay *replay, aidreg_verify_result *res) {
  static const aidreg_verify_options none = {0};
  memset(res, 0, sizeof *res);
  engine *e = calloc(1, sizeof *e);
  if (!e) return aidreg_verify_fail(&res->failure, AIDREG_VF_INTERNAL, false, 0, "out of memory");
  e->replay = replay;
  e->src = src;
  e->opt = opt ? opt : &none;
  e->res = res;
  e->f = &res->failure;
  aidreg_frontier_init(&e->fr);
  randombytes_buf(e->payloads.key, sizeof e->payloads.key);
  randombytes_buf(e->keys.key, sizeof e->keys.key);
  e->kv.lookup = kv_lookup;
  e->kv.other_county_keys = kv_other_county;
  e->kv.ctx = &e->keys;
  int rc = run(e);
  if (rc != 0 && res->failure.kind == AIDREG_VF_NONE)
    rc = aidreg_verify_fail(&res->failure, AIDREG_VF_INTERNAL, false, 0, "verification failed for an unknown reason");
  for (unsigned n = 0; e->ahead && n < AR_VERIFY_AHEAD; n++) drop_slot(e, &e->ahead[n], true);
  ar_prep_pool_free(e->pool);
  free(e->ahead);
  for (unsigned L = 0; L < MAX_TILE_LEVELS; L++) free(e->tiles[L].data);
  free(e->payloads.s);
  free(e->keys.s);
  ar_domain_end(e->dom);
  ar_domain_memstore_free(e->mem);
  ar_strmap_free(&e->heads, free);
  sodium_memzero(e, sizeof *e);
  free(e);
  return rc;
}

void aidreg_verify_summary(const aidreg_verify_result *res, char *out, size_t cap) {
  char root[45];
  b64_root(res->checkpoint.root, root);
  snprintf(out, cap,
           "ok: ledger %s size %" PRIu64 " root %s: %" PRIu64 " leaves, %" PRIu64 " signatures, %" PRIu64
           " key events (%" PRIu64 " keys), %" PRIu64 " hash tiles, %" PRIu64 " entry bundles, %" PRIu64
           " nodes, %" PRIu64 " checkpoints%s",
           res->county[0] ? res->county : "?", res->checkpoint.size, root, res->leaves, res->signatures,
           res->key_events, res->keys, res->hash_tiles, res->bundles, res->nodes, res->checkpoints,
           res->signature_checked ? "" : " (checkpoint signature NOT checked: no vkey)");
}

/* ---- nodes from tiles ------------------------------------------------------------ */

struct aidreg_tile_nodes {
  const aidreg_verify_source *src;
  uint64_t size;
  tile_slot tiles[MAX_TILE_LEVELS];
  aidreg_verify_failure f;
};

aidreg_tile_nodes *aidreg_tile_nodes_new(const aidreg_verify_source *src, uint64_t size) {
  aidreg_tile_nodes *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->src = src;
  t->size = size;
  return t;
}

void aidreg_tile_nodes_free(aidreg_tile_nodes *t) {
  if (!t) return;
  for (unsigned L = 0; L < MAX_TILE_LEVELS; L++) free(t->tiles[L].data);
  free(t);
}

const aidreg_verify_failure *aidreg_tile_nodes_failure(const aidreg_tile_nodes *t) { return &t->f; }

int aidreg_tile_nodes_fetch(void *ctx, unsigned level, uint64_t index, uint8_t out[32]) {
  aidreg_tile_nodes *t = ctx;
  if (level >= 64 || index >= (t->size >> level))
    return aidreg_verify_fail(&t->f, AIDREG_VF_MISSING, false, 0,
                              "node (%u,%" PRIu64 ") is not in a tree of size %" PRIu64, level, index, t->size);
  unsigned L = level / AIDREG_TILE_HEIGHT, r = level % AIDREG_TILE_HEIGHT;
  if (L >= MAX_TILE_LEVELS) return -1;
  uint64_t first = index << r; /* first node of tree level 8L below it */
  uint64_t n = first / AIDREG_TILE_WIDTH;
  unsigned k = (unsigned)(first % AIDREG_TILE_WIDTH), count = 1u << r;
  tile_slot *s = &t->tiles[L];
  if (!s->have || s->n != n) {
    free(s->data);
    s->data = NULL;
    s->have = false;
    unsigned w = aidreg_tile_width_at(t->size, L, n);
    uint8_t *data = NULL;
    size_t len = 0;
    if (w == 0 || t->src->tile(t->src->ctx, L, n, w, &data, &len, &t->f) != 0) {
      free(data);
      return -1;
    }
    if (len != (size_t)w * 32) {
      free(data);
      return aidreg_verify_fail(&t->f, AIDREG_VF_NODE, false, 0, "hash tile %u/%" PRIu64 " has %zu bytes, not %u", L,
                                n, len, w * 32);
    }
    s->data = data;
    s->n = n;
    s->width = w;
    s->have = true;
  }
  if (k + count > s->width) return -1;
  uint8_t buf[128][32];
  memcpy(buf, s->data + (size_t)k * 32, (size_t)count * 32);
  for (unsigned c = count; c > 1; c /= 2)
    for (unsigned j = 0; j < c / 2; j++) aidreg_merkle_node_hash(buf[2 * j], buf[2 * j + 1], buf[j]);
  memcpy(out, buf[0], 32);
  return 0;
}
