/* The verification engine over an in-memory ledger: real keys, real signed entries
 * (ledger.create by a root key, key.enroll, ledger.settings events), real leaves, tiles
 * and signed checkpoints. The honest ledger verifies; each tamper is named with the
 * right index and reason. 300 entries, so that there is a full level-0 tile, a partial
 * one and a level-1 tile. */
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/keys.h"
#include "aidreg/leaf.h"
#include "aidreg/merkle.h"
#include "aidreg/note.h"
#include "aidreg/verify.h"
#include "test.h"
#include "verify/verify_pool.h"

#define N 300
#define ORIGIN "verify.test/522701"
#define COUNTY "522701"

static aidreg_keypair log_key, other_log_key, root_key, county_key, stranger_key, village_key;
static char *vkey;

/* ---- the in-memory ledger ------------------------------------------------------- */

typedef struct {
  uint8_t *leaf[N + 8];
  size_t len[N + 8];
  uint64_t size;          /* entries the checkpoint covers */
  uint8_t *nodes[64];     /* nodes[level][idx * 32] */
  uint64_t count[64];
  char *note;             /* latest checkpoint */
  char *hist[N / 10 + 2]; /* checkpoints at sizes 10, 20, ... */
  int offer_history;
  int compact_missing;    /* a missing leaf is dropped from the bundle (later ones shift) */
} mem;

static void sink(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32]) {
  mem *m = ctx;
  if (index >= m->count[level]) {
    m->nodes[level] = realloc(m->nodes[level], (size_t)(index + 1) * 32);
    m->count[level] = index + 1;
  }
  memcpy(m->nodes[level] + index * 32, hash, 32);
}

static char *sign_checkpoint(const aidreg_keypair *k, uint64_t size, const uint8_t root[32]) {
  aidreg_checkpoint cp = {.size = size};
  snprintf(cp.origin, sizeof cp.origin, "%s", ORIGIN);
  memcpy(cp.root, root, 32);
  char *text = aidreg_checkpoint_text(&cp);
  char *note = aidreg_note_sign(text, ORIGIN, k->sk);
  free(text);
  return note;
}

/* Recomputes every node and the checkpoints from the leaves as they are now (what a
 * tamperer who rewrites the tree consistently does; he cannot sign a checkpoint). */
static void rebuild_tree(mem *m, int resign, int history) {
  for (int l = 0; l < 64; l++) {
    free(m->nodes[l]);
    m->nodes[l] = NULL;
    m->count[l] = 0;
  }
  aidreg_frontier fr;
  aidreg_frontier_init(&fr);
  for (uint64_t i = 0; i < m->size; i++) {
    uint8_t h[32];
    aidreg_merkle_leaf_hash(m->leaf[i], m->len[i], h);
    aidreg_frontier_append(&fr, h, sink, m);
    if (history && fr.size % 10 == 0) {
      uint8_t root[32];
      aidreg_frontier_root(&fr, root);
      free(m->hist[fr.size / 10]);
      m->hist[fr.size / 10] = sign_checkpoint(&log_key, fr.size, root);
    }
  }
  if (resign) {
    uint8_t root[32];
    aidreg_frontier_root(&fr, root);
    free(m->note);
    m->note = sign_checkpoint(&log_key, m->size, root);
  }
}

typedef struct {
  const char *type;
  char subject[64];
  char body[512];
  const aidreg_keypair *signer;
  const char *ledger;
  uint64_t index_field;
  char time[40];
  char expires[40]; /* "" = none */
} entry;

/* The honest entry at position i; custom may change it. */
typedef void (*customize)(uint64_t i, entry *e);

static void default_entry(uint64_t i, entry *e) {
  char rid[AIDREG_KEYID_LEN + 1], cid[AIDREG_KEYID_LEN + 1];
  aidreg_key_id(root_key.pk, rid);
  aidreg_key_id(county_key.pk, cid);
  memset(e, 0, sizeof *e);
  e->ledger = ORIGIN;
  e->index_field = i;
  snprintf(e->time, sizeof e->time, "2026-01-01T00:%02d:%02dZ", (int)(i / 60) % 60, (int)(i % 60));
  if (i == 0) {
    e->type = "ledger.create";
    snprintf(e->subject, sizeof e->subject, COUNTY);
    snprintf(e->body, sizeof e->body, "{\"code\":\"%s\",\"name\":\"Test county\",\"root_key\":\"%s\",\"settings\":{}}",
             COUNTY, rid);
    e->signer = &root_key;
  } else if (i == 1) {
    e->type = "key.enroll";
    snprintf(e->subject, sizeof e->subject, "%s", cid);
    snprintf(e->body, sizeof e->body,
             "{\"key\":\"%s\",\"role\":\"county\",\"scope\":\"%s\",\"holder\":{\"name\":\"Wang\",\"org\":\"Office\"}}",
             cid, COUNTY);
    e->signer = &root_key;
  } else {
    e->type = "ledger.settings";
    snprintf(e->subject, sizeof e->subject, COUNTY);
    snprintf(e->body, sizeof e->body, "{\"publicity_days\":%d}", (int)(i % 20) + 5);
    e->signer = &county_key;
  }
}

static uint8_t *make_leaf(const entry *e, size_t *len) {
  char payload[1024];
  snprintf(payload, sizeof payload,
           "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\"%s%s%s,\"body\":%s}", e->ledger,
           e->type, e->subject, e->time, *e->expires ? ",\"expires\":\"" : "", e->expires, *e->expires ? "\"" : "",
           e->body);
  aidreg_envelope env;
  if (aidreg_envelope_sign((const uint8_t *)payload, strlen(payload), e->signer, 1, &env) != 0) abort();
  aidreg_problem p;
  char *leaf = aidreg_leaf_build(e->index_field, "2026-02-01T00:00:00.000Z", &env, len, &p);
  aidreg_envelope_free(&env);
  if (!leaf) abort();
  return (uint8_t *)leaf;
}

static void build(mem *m, uint64_t size, customize custom) {
  memset(m, 0, sizeof *m);
  m->size = size;
  for (uint64_t i = 0; i < size; i++) {
    entry e;
    default_entry(i, &e);
    if (custom) custom(i, &e);
    m->leaf[i] = make_leaf(&e, &m->len[i]);
  }
  rebuild_tree(m, 1, 1);
}

static void destroy(mem *m) {
  for (size_t i = 0; i < sizeof m->leaf / sizeof m->leaf[0]; i++) free(m->leaf[i]);
  for (int l = 0; l < 64; l++) free(m->nodes[l]);
  for (size_t i = 0; i < sizeof m->hist / sizeof m->hist[0]; i++) free(m->hist[i]);
  free(m->note);
}

/* ---- the source over it --------------------------------------------------------- */

static int m_checkpoint(void *ctx, char **note, size_t *len, aidreg_verify_failure *f) {
  mem *m = ctx;
  (void)f;
  *note = strdup(m->note);
  *len = strlen(m->note);
  return 0;
}

static int m_tile(void *ctx, unsigned level, uint64_t n, unsigned width, uint8_t **data, size_t *len,
                  aidreg_verify_failure *f) {
  mem *m = ctx;
  unsigned tl = level * 8;
  uint64_t start = n * 256;
  if (start + width > m->count[tl])
    return aidreg_verify_fail(f, AIDREG_VF_MISSING, false, 0, "no tile %u/%" PRIu64 ".p/%u", level, n, width);
  *data = malloc((size_t)width * 32);
  memcpy(*data, m->nodes[tl] + start * 32, (size_t)width * 32);
  *len = (size_t)width * 32;
  return 0;
}

static int m_entries(void *ctx, uint64_t n, unsigned width, uint8_t **data, size_t *len, aidreg_verify_failure *f) {
  mem *m = ctx;
  (void)f;
  size_t total = 0;
  for (uint64_t i = n * 256; i < n * 256 + width; i++) total += m->leaf[i] ? 2 + m->len[i] : 0;
  uint8_t *b = malloc(total + 1);
  size_t pos = 0;
  for (uint64_t i = n * 256; i < n * 256 + width; i++) {
    if (!m->leaf[i]) {
      if (m->compact_missing) continue;
      break; /* like the database: the bundle stops before a missing row */
    }
    b[pos] = (uint8_t)(m->len[i] >> 8);
    b[pos + 1] = (uint8_t)m->len[i];
    memcpy(b + pos + 2, m->leaf[i], m->len[i]);
    pos += 2 + m->len[i];
  }
  *data = b;
  *len = pos;
  return 0;
}

static int m_next_checkpoint(void *ctx, uint64_t after, char **note, size_t *len, aidreg_verify_failure *f) {
  mem *m = ctx;
  (void)f;
  for (uint64_t s = (after / 10 + 1) * 10; s <= m->size; s += 10) {
    if (m->hist[s / 10]) {
      *note = strdup(m->hist[s / 10]);
      *len = strlen(*note);
      return 0;
    }
  }
  return 1;
}

static void source(mem *m, aidreg_verify_source *src) {
  memset(src, 0, sizeof *src);
  src->ctx = m;
  src->checkpoint = m_checkpoint;
  src->tile = m_tile;
  src->entries = m_entries;
  if (m->offer_history) src->next_checkpoint = m_next_checkpoint;
}

static int run(mem *m, const char *since, aidreg_verify_result *res) {
  aidreg_verify_source src;
  source(m, &src);
  aidreg_verify_options opt = {.vkey = vkey, .ledger = COUNTY, .since_note = since, .since_len = since ? strlen(since) : 0};
  int rc = aidreg_verify_run(&src, &opt, res);
  if (rc != 0) fprintf(stderr, "  (verify: %s: %s)\n", aidreg_verify_kind_name(res->failure.kind), res->failure.message);
  return rc;
}

#define EXPECT_FAIL(m, since, kind_, index_)                                                                 \
  do {                                                                                                       \
    aidreg_verify_result r_;                                                                                 \
    CHECK(run((m), (since), &r_) != 0);                                                                      \
    CHECK_MSG(r_.failure.kind == (kind_), "kind %s, expected %s", aidreg_verify_kind_name(r_.failure.kind), \
              aidreg_verify_kind_name(kind_));                                                               \
    if ((int64_t)(index_) >= 0)                                                                              \
      CHECK_MSG(r_.failure.has_index && r_.failure.index == (uint64_t)(index_), "index %" PRIu64 ", expected %lld", \
                r_.failure.index, (long long)(index_));                                                      \
    else                                                                                                     \
      CHECK(!r_.failure.has_index);                                                                          \
  } while (0)

/* ---- customisations --------------------------------------------------------------- */

static void stranger_at_6(uint64_t i, entry *e) {
  if (i == 6) e->signer = &stranger_key;
}
static void repeat_4_at_8(uint64_t i, entry *e) {
  if (i == 8) default_entry(4, e), e->index_field = 8;
}
static void other_ledger_at_9(uint64_t i, entry *e) {
  if (i == 9) e->ledger = "verify.test/522702";
}
static void index_field_at_11(uint64_t i, entry *e) {
  if (i == 11) e->index_field = 99;
}
static void revoke_at_5(uint64_t i, entry *e) {
  if (i == 5) {
    char cid[AIDREG_KEYID_LEN + 1];
    aidreg_key_id(county_key.pk, cid);
    e->type = "key.revoke";
    snprintf(e->subject, sizeof e->subject, "%s", cid);
    snprintf(e->body, sizeof e->body, "{\"reason\":\"lost\"}");
    e->signer = &root_key;
  }
}
/* Properly signed by an enrolled county key, but about an asset never registered: the
 * appender would have refused it (docs/events.md: an asset is registered before any other
 * event names it), so a ledger holding it was not written by an honest server. */
static void unregistered_asset_at_7(uint64_t i, entry *e) {
  if (i == 7) {
    e->type = "asset.status";
    snprintf(e->subject, sizeof e->subject, "A-404");
    snprintf(e->body, sizeof e->body, "{\"status\":\"idle\",\"reason\":\"x\"}");
  }
}
/* Leaves are written at 2026-02-01: an entry that expired a fortnight before. */
static void expired_at_12(uint64_t i, entry *e) {
  if (i == 12) snprintf(e->expires, sizeof e->expires, "2026-01-15T00:00:00Z");
  if (i == 13) snprintf(e->expires, sizeof e->expires, "2026-03-01T00:00:00Z");
}
static void unexpired_at_13(uint64_t i, entry *e) {
  if (i == 13) snprintf(e->expires, sizeof e->expires, "2026-03-01T00:00:00Z");
}
/* A village key named maintainer of an asset, then its correction of the county's
 * inspection (entry 6) at 7: what an older server accepted (issue 9 item 1). With own =
 * true the maintainer corrects its own report (6 signed by it) instead. */
static void maintainer_story(uint64_t i, entry *e, bool own) {
  char vid[AIDREG_KEYID_LEN + 1];
  aidreg_key_id(village_key.pk, vid);
#define INSPECTION(cond)                                                                                   \
  "{\"kind\":\"inspection\",\"date\":\"2025-12-01\",\"condition\":\"" cond "\",\"cost_fen\":0,\"paid_from\":" \
  "\"other\",\"note\":\"抽查\",\"photos_sha256\":[]}"
  if (i == 2) {
    e->type = "key.enroll";
    snprintf(e->subject, sizeof e->subject, "%s", vid);
    snprintf(e->body, sizeof e->body,
             "{\"key\":\"%s\",\"role\":\"village\",\"scope\":\"%s001001\",\"holder\":{\"name\":\"村\",\"org\":\"村委\"}}",
             vid, COUNTY);
    e->signer = &root_key;
  } else if (i == 3) {
    e->type = "project.register";
    snprintf(e->subject, sizeof e->subject, "P-1");
    snprintf(e->body, sizeof e->body,
             "{\"name\":\"通村路\",\"type\":\"rural_construction\",\"year\":2024,\"funding_lines\":[{\"channel\":"
             "\"衔接资金\",\"year\":2024,\"amount_fen\":100}],\"locations\":[\"%s001001\"],\"industry_dept\":\"县\","
             "\"implementing_unit\":\"镇\"}",
             COUNTY);
  } else if (i == 4) {
    e->type = "asset.register";
    snprintf(e->subject, sizeof e->subject, "A-1");
    snprintf(e->body, sizeof e->body,
             "{\"project\":\"P-1\",\"name\":\"路\",\"class\":\"public_welfare\",\"subtype\":\"road\",\"form\":"
             "\"fixed\",\"village\":\"%s001001\",\"original_value_fen\":100,\"quantity\":1,\"unit\":\"km\","
             "\"completed_on\":\"2024-10-01\",\"accepted_on\":\"2024-11-01\"}",
             COUNTY);
  } else if (i == 5) {
    e->type = "asset.maintainer";
    snprintf(e->subject, sizeof e->subject, "A-1");
    snprintf(e->body, sizeof e->body,
             "{\"body\":\"村委会\",\"person\":\"李四\",\"duties\":\"巡查\",\"fund_source\":\"村集体\","
             "\"from\":\"2025-01-01\",\"key\":\"%s\"}",
             vid);
  } else if (i == 6) {
    e->type = "maintenance.report";
    snprintf(e->subject, sizeof e->subject, "A-1");
    snprintf(e->body, sizeof e->body, INSPECTION("damaged"));
    if (own) e->signer = &village_key;
  } else if (i == 7) {
    /* The ref of entry 6: the hash of its payload, as make_leaf writes it. */
    entry six;
    default_entry(6, &six);
    maintainer_story(6, &six, own);
    char payload[1024], ref[65];
    snprintf(payload, sizeof payload, "{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":%s}",
             six.ledger, six.type, six.subject, six.time, six.body);
    uint8_t h[32];
    aidreg_sha256(payload, strlen(payload), h);
    aidreg_hex_encode(h, 32, ref);
    e->type = "correction";
    snprintf(e->subject, sizeof e->subject, "A-1");
    snprintf(e->body, sizeof e->body, "{\"corrects\":\"%s\",\"reason\":\"填报错误\",\"body\":" INSPECTION("good") "}",
             ref);
    e->signer = &village_key;
  }
#undef INSPECTION
}
static void maintainer_erases_county_inspection(uint64_t i, entry *e) { maintainer_story(i, e, false); }
static void maintainer_corrects_own_report(uint64_t i, entry *e) { maintainer_story(i, e, true); }

static void fork_at_3(uint64_t i, entry *e) {
  if (i == 3) snprintf(e->body, sizeof e->body, "{\"publicity_days\":99}");
}

/* ---- the tests ------------------------------------------------------------------- */

static void test_honest(void) {
  mem m;
  build(&m, N, NULL);
  aidreg_verify_result r;
  CHECK(run(&m, NULL, &r) == 0);
  CHECK(r.leaves == N);
  CHECK(r.signatures == N);
  CHECK(r.key_events == 2);
  CHECK(r.keys == 2);
  CHECK(r.signature_checked);
  CHECK(r.hash_tiles == 3); /* 0/000, 0/001.p/44, 1/000.p/1 */
  CHECK(r.bundles == 2);
  CHECK(r.checkpoints == 1);
  CHECK_STR(r.county, COUNTY);
  char line[1024];
  aidreg_verify_summary(&r, line, sizeof line);
  CHECK(strncmp(line, "ok: ledger 522701 size 300 ", 27) == 0);

  /* With the history of checkpoints, and --since one of them. */
  m.offer_history = 1;
  CHECK(run(&m, m.hist[7], &r) == 0);
  CHECK(r.checkpoints == 1 + 1 + N / 10);

  /* Every size: the frontier and tiles agree for partial tiles of all widths. */
  for (uint64_t s = 1; s <= 40; s++) {
    mem k;
    build(&k, s, NULL);
    CHECK_MSG(run(&k, NULL, &r) == 0, "size %" PRIu64, s);
    destroy(&k);
  }

  /* Nodes of smaller trees from the tiles of this one. */
  aidreg_verify_source src;
  source(&m, &src);
  aidreg_tile_nodes *tn = aidreg_tile_nodes_new(&src, N);
  for (uint64_t s = 1; s <= N; s += 37) {
    uint8_t a[32];
    CHECK(aidreg_merkle_root(aidreg_tile_nodes_fetch, tn, s, a) == 0);
    /* compare with the frontier of s leaves */
    aidreg_frontier fr;
    aidreg_frontier_init(&fr);
    for (uint64_t i = 0; i < s; i++) {
      uint8_t h[32];
      aidreg_merkle_leaf_hash(m.leaf[i], m.len[i], h);
      aidreg_frontier_append(&fr, h, NULL, NULL);
    }
    uint8_t b[32];
    aidreg_frontier_root(&fr, b);
    CHECK_MSG(memcmp(a, b, 32) == 0, "root of size %" PRIu64 " from tiles", s);
  }
  aidreg_tile_nodes_free(tn);
  destroy(&m);
}

static void test_leaf_tampers(void) {
  mem m;
  build(&m, N, NULL);

  /* A byte of leaf 17 (its server time: no signature covers it). */
  uint8_t *t = (uint8_t *)strstr((char *)m.leaf[17], "2026-02-01");
  t[3] = '7';
  EXPECT_FAIL(&m, NULL, AIDREG_VF_LEAF_HASH, 17);
  /* ... and the tree rewritten to match: the signed root gives it away. With the
   * stored checkpoints of sizes 10, 20..., the range 10..19 is named. */
  rebuild_tree(&m, 0, 0);
  EXPECT_FAIL(&m, NULL, AIDREG_VF_ROOT, 0);
  m.offer_history = 1;
  EXPECT_FAIL(&m, NULL, AIDREG_VF_CONSISTENCY, 10);
  m.offer_history = 0;
  /* A signed byte: the signature fails once the tree is rewritten around it. */
  t[3] = '6';
  char *pl = strstr((char *)m.leaf[40], "\"payload\":\"") + 11;
  pl[5] = pl[5] == 'A' ? 'B' : 'A';
  rebuild_tree(&m, 1, 0);
  EXPECT_FAIL(&m, NULL, AIDREG_VF_SIGNATURE, 40);
  destroy(&m);

  /* A missing leaf: named as missing, or (a compacted bundle) by the hash of the next. */
  build(&m, N, NULL);
  free(m.leaf[5]);
  m.leaf[5] = NULL;
  EXPECT_FAIL(&m, NULL, AIDREG_VF_MISSING, 5);
  m.compact_missing = 1;
  EXPECT_FAIL(&m, NULL, AIDREG_VF_LEAF_HASH, 5);
  destroy(&m);

  /* Two leaves swapped. */
  build(&m, N, NULL);
  uint8_t *x = m.leaf[3];
  size_t xl = m.len[3];
  m.leaf[3] = m.leaf[7];
  m.len[3] = m.len[7];
  m.leaf[7] = x;
  m.len[7] = xl;
  EXPECT_FAIL(&m, NULL, AIDREG_VF_LEAF_HASH, 3);
  /* ... with the tree rewritten: the index field betrays the order. */
  rebuild_tree(&m, 1, 0);
  EXPECT_FAIL(&m, NULL, AIDREG_VF_LAYOUT, 3);
  destroy(&m);

  /* A leaf not in the canonical layout (a space), tree rewritten and re-signed. */
  build(&m, N, NULL);
  uint8_t *b = malloc(m.len[21] + 1);
  b[0] = '{';
  b[1] = ' ';
  memcpy(b + 2, m.leaf[21] + 1, m.len[21] - 1);
  free(m.leaf[21]);
  m.leaf[21] = b;
  m.len[21]++;
  rebuild_tree(&m, 1, 0);
  EXPECT_FAIL(&m, NULL, AIDREG_VF_LAYOUT, 21);
  destroy(&m);
}

/* The pool (verify_pool.c) hashes leaves and checks signatures ahead of the judge on
 * several threads: the verdict, its index and its message must be the serial path's. */
static void run_with(mem *m, unsigned threads, aidreg_verify_result *res) {
  aidreg_verify_source src;
  source(m, &src);
  aidreg_verify_options opt = {.vkey = vkey, .ledger = COUNTY, .threads = threads};
  int rc = aidreg_verify_run(&src, &opt, res);
  CHECK((rc == 0) == (res->failure.kind == AIDREG_VF_NONE));
}

static void expect_same(mem *m, aidreg_verify_kind kind, int64_t index) {
  aidreg_verify_result serial, parallel;
  run_with(m, 1, &serial);
  run_with(m, 4, &parallel);
  CHECK_MSG(serial.failure.kind == kind, "serial: kind %s", aidreg_verify_kind_name(serial.failure.kind));
  CHECK_MSG(parallel.failure.kind == kind, "parallel: kind %s", aidreg_verify_kind_name(parallel.failure.kind));
  if (index >= 0) CHECK(parallel.failure.has_index && parallel.failure.index == (uint64_t)index);
  CHECK(serial.failure.has_index == parallel.failure.has_index && serial.failure.index == parallel.failure.index);
  CHECK_MSG(strcmp(serial.failure.message, parallel.failure.message) == 0, "serial \"%s\" parallel \"%s\"",
            serial.failure.message, parallel.failure.message);
  CHECK(serial.leaves == parallel.leaves && serial.signatures == parallel.signatures);
}

static void flip_signed_byte(mem *m, uint64_t i) {
  char *pl = strstr((char *)m->leaf[i], "\"payload\":\"") + 11;
  pl[5] = pl[5] == 'A' ? 'B' : 'A';
}

static void test_parallel_same_verdict(void) {
  mem m;
  build(&m, N, NULL);
  expect_same(&m, AIDREG_VF_NONE, -1);
  /* A bad signature in the second bundle (prepared while the first is judged). */
  flip_signed_byte(&m, 270);
  rebuild_tree(&m, 1, 0);
  expect_same(&m, AIDREG_VF_SIGNATURE, 270);
  /* ... and an earlier one in the first bundle: the first in log order is named. */
  flip_signed_byte(&m, 40);
  rebuild_tree(&m, 1, 0);
  expect_same(&m, AIDREG_VF_SIGNATURE, 40);
  destroy(&m);
  /* A leaf hash that differs from its tile, before a bad signature later on. */
  build(&m, N, NULL);
  flip_signed_byte(&m, 200);
  rebuild_tree(&m, 1, 0);
  uint8_t *t = (uint8_t *)strstr((char *)m.leaf[17], "2026-02-01");
  t[3] = '7';
  expect_same(&m, AIDREG_VF_LEAF_HASH, 17);
  destroy(&m);
  /* A leaf the pool cannot parse (a space), then a bad signature in the next bundle. */
  build(&m, N, NULL);
  flip_signed_byte(&m, 290);
  uint8_t *b = malloc(m.len[250] + 1);
  b[0] = '{';
  b[1] = ' ';
  memcpy(b + 2, m.leaf[250] + 1, m.len[250] - 1);
  free(m.leaf[250]);
  m.leaf[250] = b;
  m.len[250]++;
  rebuild_tree(&m, 1, 0);
  expect_same(&m, AIDREG_VF_LAYOUT, 250);
  destroy(&m);
}

/* An entry the judge is done with goes back to its slot and is freed by whichever thread
 * prepares the slot again (verify_pool.h): resubmitted, every item is prepared afresh,
 * given back or left parsed; nothing is lost or freed twice (the ASan build checks). */
static void test_pool_gives_back(void) {
  mem m;
  build(&m, N, NULL);
  ar_prepared *items = calloc(N, sizeof *items);
  ar_prep_pool *pool = ar_prep_pool_new(2);
  if (!items || !pool) abort();
  ar_prep_batch b = {.items = items, .n = N};
  for (uint64_t i = 0; i < N; i++) items[i].data = m.leaf[i], items[i].len = m.len[i];
  for (int round = 0; round < 3; round++) {
    ar_prep_submit(pool, &b);
    ar_prep_wait(pool, &b);
    size_t ok = 0;
    for (uint64_t i = 0; i < N; i++) {
      ar_prepared *it = &items[i];
      ok += it->parsed && it->sig_ok && !it->stale && it->leaf.index == i && strcmp(it->ev.ledger, ORIGIN) == 0;
      if (i % 3 == 0) continue; /* left parsed: freed when prepared again */
      aidreg_leaf leaf = it->leaf;
      aidreg_event ev = it->ev;
      it->parsed = false;
      ar_prepared_give_back(it, &leaf, &ev);
      CHECK(it->stale && !it->parsed);
    }
    CHECK_MSG(ok == N, "round %d: %zu of %d prepared", round, ok, N);
  }
  for (uint64_t i = 0; i < N; i++) {
    ar_prepared_clear(&items[i]);
    CHECK(!items[i].parsed && !items[i].stale);
  }
  ar_prep_pool_free(pool);
  free(items);
  destroy(&m);
}

static void test_tile_tampers(void) {
  mem m;
  build(&m, N, NULL);
  m.nodes[0][12 * 32] ^= 1;
  EXPECT_FAIL(&m, NULL, AIDREG_VF_LEAF_HASH, 12);
  m.nodes[0][12 * 32] ^= 1;
  m.nodes[0][270 * 32 + 31] ^= 0x80; /* in the partial tile 0/001.p/44 */
  EXPECT_FAIL(&m, NULL, AIDREG_VF_LEAF_HASH, 270);
  m.nodes[0][270 * 32 + 31] ^= 0x80;
  m.nodes[8][0] ^= 1; /* the level-1 tile */
  aidreg_verify_result r;
  CHECK(run(&m, NULL, &r) != 0);
  CHECK(r.failure.kind == AIDREG_VF_NODE);
  CHECK(strstr(r.failure.message, "tree node (8,0)") != NULL);
  m.nodes[8][0] ^= 1;
  CHECK(run(&m, NULL, &r) == 0);
  destroy(&m);
}

static void test_checkpoint_tampers(void) {
  mem m;
  build(&m, N, NULL);
  /* Signed by another key under the same name. */
  uint8_t root[32];
  aidreg_checkpoint cp;
  const char *bl = strstr(m.note, "\n\n");
  CHECK(aidreg_checkpoint_parse(m.note, (size_t)(bl - m.note) + 1, &cp) == 0);
  memcpy(root, cp.root, 32);
  char *good = m.note;
  m.note = sign_checkpoint(&other_log_key, N, root);
  EXPECT_FAIL(&m, NULL, AIDREG_VF_CHECKPOINT, -1);
  free(m.note);
  /* A wrong root, properly signed (a server that signed a bad tree). */
  root[0] ^= 1;
  m.note = sign_checkpoint(&log_key, N, root);
  EXPECT_FAIL(&m, NULL, AIDREG_VF_ROOT, 0);
  free(m.note);
  /* A text edit. */
  m.note = strdup(good);
  m.note[strlen(ORIGIN) + 1] = '2';
  EXPECT_FAIL(&m, NULL, AIDREG_VF_CHECKPOINT, -1);
  free(m.note);
  m.note = good;
  /* The vkey of another ledger. */
  char *other = aidreg_note_vkey("verify.test/522702", log_key.pk);
  aidreg_verify_source src;
  source(&m, &src);
  aidreg_verify_options opt = {.vkey = other};
  aidreg_verify_result r;
  CHECK(aidreg_verify_run(&src, &opt, &r) != 0 && r.failure.kind == AIDREG_VF_CHECKPOINT);
  free(other);
  /* No vkey: everything else is checked, and the result says the signature was not. */
  opt.vkey = NULL;
  CHECK(aidreg_verify_run(&src, &opt, &r) == 0 && !r.signature_checked);
  /* Another ledger code expected. */
  opt.vkey = vkey;
  opt.ledger = "522702";
  CHECK(aidreg_verify_run(&src, &opt, &r) != 0 && r.failure.kind == AIDREG_VF_CHECKPOINT);
  destroy(&m);
}

static void test_entry_rules(void) {
  mem m;
  build(&m, N, stranger_at_6);
  aidreg_verify_result r;
  CHECK(run(&m, NULL, &r) != 0);
  CHECK(r.failure.kind == AIDREG_VF_AUTHORITY && r.failure.has_index && r.failure.index == 6);
  CHECK(strstr(r.failure.message, "not enrolled") != NULL);
  destroy(&m);

  build(&m, N, repeat_4_at_8);
  CHECK(run(&m, NULL, &r) != 0);
  CHECK(r.failure.kind == AIDREG_VF_REPEAT && r.failure.index == 8);
  CHECK(strstr(r.failure.message, "index 8: payload repeats index 4") != NULL);
  destroy(&m);

  build(&m, N, other_ledger_at_9);
  EXPECT_FAIL(&m, NULL, AIDREG_VF_BINDING, 9);
  destroy(&m);

  build(&m, N, index_field_at_11);
  EXPECT_FAIL(&m, NULL, AIDREG_VF_LAYOUT, 11);
  destroy(&m);

  /* The county key revoked at 5: its next entry (6) is refused. */
  build(&m, N, revoke_at_5);
  CHECK(run(&m, NULL, &r) != 0);
  CHECK(r.failure.kind == AIDREG_VF_AUTHORITY && r.failure.index == 6);
  CHECK(strstr(r.failure.message, "revoked") != NULL);
  destroy(&m);

  /* ... while a ledger that stops before using the revoked key is fine. */
  build(&m, 6, revoke_at_5);
  CHECK(run(&m, NULL, &r) == 0);
  destroy(&m);

  /* expires is judged against the leaf's time (issue 9 item 17). */
  build(&m, N, expired_at_12);
  CHECK(run(&m, NULL, &r) != 0);
  CHECK_MSG(r.failure.index == 12 && strstr(r.failure.message, "expired") != NULL, "%s", r.failure.message);
  destroy(&m);
  build(&m, N, unexpired_at_13);
  CHECK_MSG(run(&m, NULL, &r) == 0, "%s", r.failure.message);
  destroy(&m);

  /* A maintainer's correction of the county's inspection, accepted by an older server, is
   * reported; its correction of its own report is not (issue 9 item 1). */
  build(&m, N, maintainer_erases_county_inspection);
  CHECK(run(&m, NULL, &r) != 0);
  CHECK_MSG(r.failure.index == 7 && strstr(r.failure.message, "role-not-allowed") != NULL, "%s", r.failure.message);
  destroy(&m);
  build(&m, N, maintainer_corrects_own_report);
  CHECK_MSG(run(&m, NULL, &r) == 0, "%s", r.failure.message);
  destroy(&m);

  /* The domain rules are replayed too. */
  build(&m, N, unregistered_asset_at_7);
  CHECK(run(&m, NULL, &r) != 0);
  CHECK_MSG(r.failure.kind == AIDREG_VF_RULE && r.failure.index == 7, "%s", r.failure.message);
  CHECK(strstr(r.failure.message, "asset-not-registered") != NULL);
  destroy(&m);
}

static void test_since(void) {
  mem m, fork;
  build(&m, N, NULL);
  build(&fork, N, fork_at_3);
  aidreg_verify_result r;
  /* Consistent. */
  CHECK(run(&m, m.hist[3], &r) == 0);
  CHECK(run(&m, m.note, &r) == 0);
  /* A checkpoint of a forked history (entry 3 differs). */
  EXPECT_FAIL(&m, fork.hist[5], AIDREG_VF_CONSISTENCY, 0);
  /* Truncation: the old checkpoint is bigger than the tree. */
  destroy(&m);
  build(&m, 25, NULL);
  EXPECT_FAIL(&m, fork.hist[10], AIDREG_VF_CONSISTENCY, -1);
  /* Not signed by the log key. */
  char *bad = strdup(fork.hist[1]);
  bad[strlen(bad) - 3] = bad[strlen(bad) - 3] == 'A' ? 'B' : 'A';
  EXPECT_FAIL(&m, bad, AIDREG_VF_CHECKPOINT, -1);
  free(bad);
  destroy(&m);
  destroy(&fork);
}

static void test_geometry(void) {
  CHECK(aidreg_tile_width_at(300, 0, 0) == 256);
  CHECK(aidreg_tile_width_at(300, 0, 1) == 44);
  CHECK(aidreg_tile_width_at(300, 0, 2) == 0);
  CHECK(aidreg_tile_width_at(300, 1, 0) == 1);
  CHECK(aidreg_tile_width_at(300, 2, 0) == 0);
  CHECK(aidreg_tile_levels(300) == 2);
  CHECK(aidreg_tile_levels(0) == 0);
  CHECK(aidreg_tile_levels(65536) == 3);
  CHECK(aidreg_tile_width_at(65536, 2, 0) == 1);
  CHECK(aidreg_bundle_width_at(512, 1) == 256);
  CHECK(aidreg_bundle_width_at(512, 2) == 0);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  aidreg_key_generate(&log_key);
  aidreg_key_generate(&other_log_key);
  aidreg_key_generate(&root_key);
  aidreg_key_generate(&county_key);
  aidreg_key_generate(&stranger_key);
  aidreg_key_generate(&village_key);
  vkey = aidreg_note_vkey(ORIGIN, log_key.pk);
  test_geometry();
  test_honest();
  test_leaf_tampers();
  test_parallel_same_verdict();
  test_pool_gives_back();
  test_tile_tampers();
  test_checkpoint_tampers();
  test_entry_rules();
  test_since();
  free(vkey);
  return test_done();
}
