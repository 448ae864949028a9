/* aidreg proof inclusion | consistency | check */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/merkle.h"
#include "cli.h"

static const char help[] =
    "usage: aidreg proof inclusion --index N [--size M | --receipt-out FILE] [--server URL] [--ledger CODE]\n"
    "                              [--vkey VKEY]\n"
    "       aidreg proof consistency (--from A | --old CHECKPOINT_FILE) [--to B] [--server URL]\n"
    "                                [--ledger CODE] [--vkey VKEY]\n"
    "       aidreg proof check --receipt FILE [--vkey VKEY] [--envelope FILE]\n"
    "                          [--witness VKEY ... [--witness-threshold N]]\n"
    "\n"
    "inclusion    fetches the inclusion proof of entry N in the tree of size M (default:\n"
    "             the latest), the signed checkpoint and the entry itself, and verifies that\n"
    "             the entry's leaf hash leads to the root. For M below the checkpoint's size\n"
    "             the root of size M is derived from the hash tiles and proven consistent\n"
    "             with the signed checkpoint. --receipt-out FILE also writes a receipt\n"
    "             (index, leaf_hash, inclusion_proof and the signed checkpoint it leads to)\n"
    "             that `proof check` verifies offline.\n"
    "consistency  fetches the consistency proof from size A to size B (default: the latest)\n"
    "             and verifies it; the old root is the one of --old (a signed checkpoint you\n"
    "             kept, or a receipt), or else derived from the hash tiles.\n"
    "check        verifies a saved receipt offline: the checkpoint's signature and the\n"
    "             inclusion proof of leaf_hash at index; with --envelope, also that the\n"
    "             receipt's payload_sha256 is the envelope's payload. The verdict is printed\n"
    "             in every case: {\"verified\": true, …} or {\"verified\": false, \"reason\": …}.\n"
    "\n"
    "  --server URL   server (default: AIDREG_URL)\n"
    "  --ledger CODE  county code (default: AIDREG_LEDGER)\n"
    "  --vkey VKEY    checkpoint verifier key (default: AIDREG_LOG_VKEY)\n"
    "  --witness VKEY check: the receipt's checkpoint must carry this witness's cosignature\n"
    "                 (repeatable; C2SP tlog-cosignature; docs/witness.md)\n"
    "  --witness-threshold N  check: N of the --witness keys suffice (default: all)\n"
    "\n"
    "Prints the verified proof as JSON. Exit status 1 when it does not verify.\n";

typedef struct {
  cli_source in; /* the server's source */
  aidreg_note_verifier v;
  aidreg_checkpoint cp;
  char *note; /* the signed checkpoint cp was opened from (malloc'd) */
  char code[16];
} session;

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  if (!s || !*s || *s == '-') return -1;
  unsigned long long x = strtoull(s, &end, 10);
  if (*end) return -1;
  *out = x;
  return 0;
}

/* The value of option name (optarg) as a number into *v, *have set; or a usage error. */
static int number_opt(const char *name, uint64_t *v, int *have) {
  if (parse_u64(optarg, v)) return cli_usage("proof", "%s takes a number", name);
  *have = 1;
  return 0;
}

/* Opens the server and fetches the latest checkpoint, verified with the vkey. */
static int open_session(session *s, const char *server, const char *ledger, const char *vkey) {
  if (aidreg_note_vkey_parse(vkey, &s->v) != 0) {
    cli_err("proof", "--vkey is not a verifier key string");
    return -1;
  }
  snprintf(s->code, sizeof s->code, "%s", ledger);
  return cli_source_open(&s->in, "proof", NULL, NULL, server, ledger);
}

static int fetch_checkpoint(session *s) {
  aidreg_verify_failure f = {0};
  char *note = NULL;
  size_t len = 0;
  if (s->in.src.checkpoint(s->in.src.ctx, &note, &len, &f) != 0) {
    free(note);
    cli_err("proof", "%s", f.message);
    return -1;
  }
  int rc = aidreg_checkpoint_open(note, len, &s->v, &s->cp);
  free(s->note);
  s->note = note;
  if (rc != 0) {
    cli_err("proof", "the server's checkpoint does not verify with the key of %s", s->v.name);
    return -1;
  }
  return 0;
}

static json_t *proof_json(const uint8_t proof[][32], size_t len) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < len; i++) {
    char b[45];
    aidreg_b64_encode_to(proof[i], 32, b, sizeof b);
    json_array_append_new(a, json_string(b));
  }
  return a;
}

static json_t *cp_json(const aidreg_checkpoint *cp) {
  char b[45];
  aidreg_b64_encode_to(cp->root, 32, b, sizeof b);
  return json_pack("{s:s, s:I, s:s}", "origin", cp->origin, "size", (json_int_t)cp->size, "root", b);
}

/* The root of the tree of size m <= cp.size: the checkpoint's, or derived from the tiles
 * of the checkpoint's tree and proven consistent with it by the server's proof. */
static int root_at(session *s, uint64_t m, uint8_t root[32]) {
  if (m == s->cp.size) {
    memcpy(root, s->cp.root, 32);
    return 0;
  }
  if (m > s->cp.size) {
    cli_err("proof", "size %" PRIu64 " is beyond the signed checkpoint (size %" PRIu64 ")", m, s->cp.size);
    return -1;
  }
  aidreg_tile_nodes *tn = aidreg_tile_nodes_new(&s->in.src, s->cp.size);
  if (!tn) return -1;
  int rc = aidreg_merkle_root(aidreg_tile_nodes_fetch, tn, m, root);
  if (rc != 0) cli_err("proof", "cannot derive the root of size %" PRIu64 " from the tiles: %s", m,
                       aidreg_tile_nodes_failure(tn)->message);
  aidreg_tile_nodes_free(tn);
  if (rc != 0) return -1;
  uint8_t proof[AIDREG_MAX_PROOF][32];
  size_t plen = 0;
  aidreg_verify_failure f = {0};
  if (m > 0 && s->in.src.consistency(s->in.src.ctx, m, s->cp.size, proof, &plen, &f) != 0) {
    cli_err("proof", "%s", f.message);
    return -1;
  }
  if (aidreg_merkle_verify_consistency(m, s->cp.size, root, s->cp.root, (const uint8_t(*)[32])proof, plen) != 0) {
    cli_err("proof", "the tiles' root of size %" PRIu64 " is not consistent with the signed checkpoint", m);
    return -1;
  }
  return 0;
}

/* The leaf hash of entry i, hashed from the entry bundle itself. */
static int leaf_hash_of(session *s, uint64_t i, uint8_t out[32]) {
  uint64_t n = i / 256;
  unsigned w = aidreg_bundle_width_at(s->cp.size, n), k = (unsigned)(i % 256);
  aidreg_verify_failure f = {0};
  uint8_t *data = NULL;
  size_t len = 0, pos = 0;
  if (w == 0 || s->in.src.entries(s->in.src.ctx, n, w, &data, &len, &f) != 0) {
    free(data);
    cli_err("proof", "cannot fetch the entry bundle of index %" PRIu64 ": %s", i, f.message);
    return -1;
  }
  for (unsigned j = 0; pos + 2 <= len; j++) {
    size_t l = (size_t)data[pos] << 8 | data[pos + 1];
    if (pos + 2 + l > len) break;
    if (j == k) {
      aidreg_merkle_leaf_hash(data + pos + 2, l, out);
      free(data);
      return 0;
    }
    pos += 2 + l;
  }
  free(data);
  cli_err("proof", "the entry bundle does not hold index %" PRIu64, i);
  return -1;
}

static int do_inclusion(session *s, uint64_t index, int have_size, uint64_t size, const char *receipt_out) {
  /* A receipt holds the proof to its own checkpoint: the proof is asked for at its size. */
  if (receipt_out) {
    if (fetch_checkpoint(s) != 0) return CLI_FAIL;
    have_size = 1;
    size = s->cp.size;
  }
  char path[160];
  if (have_size)
    snprintf(path, sizeof path, "/v1/ledgers/%s/proof/inclusion?index=%" PRIu64 "&size=%" PRIu64, s->code, index, size);
  else
    snprintf(path, sizeof path, "/v1/ledgers/%s/proof/inclusion?index=%" PRIu64, s->code, index);
  json_t *ans = cli_get_json(&s->in.srv, path);
  if (!ans) return CLI_FAIL;
  int rc = CLI_FAIL;
  uint8_t proof[AIDREG_MAX_PROOF][32], claimed[32], actual[32], root[32];
  size_t plen = 0;
  json_t *ts = json_object_get(ans, "tree_size");
  const char *lh = json_string_value(json_object_get(ans, "leaf_hash"));
  if (!json_is_integer(ts) || json_integer_value(ts) < 0 || !lh || aidreg_b64_decode_fixed(lh, claimed, 32) != 0 ||
      cli_proof_decode(json_object_get(ans, "inclusion_proof"), proof, &plen) != 0) {
    cli_err("proof", "the server's answer is not an inclusion proof");
    goto out;
  }
  uint64_t m = (uint64_t)json_integer_value(ts);
  if (have_size && m != size) {
    cli_err("proof", "asked for size %" PRIu64 ", the server answered for %" PRIu64, size, m);
    goto out;
  }
  /* The checkpoint after the proof, so that it covers the proof's tree. */
  if ((!receipt_out && fetch_checkpoint(s) != 0) || root_at(s, m, root) != 0 || leaf_hash_of(s, index, actual) != 0)
    goto out;
  if (memcmp(actual, claimed, 32) != 0) {
    cli_err("proof", "the server's leaf_hash is not the hash of entry %" PRIu64, index);
    goto out;
  }
  if (aidreg_merkle_verify_inclusion(actual, index, m, (const uint8_t(*)[32])proof, plen, root) != 0) {
    cli_err("proof", "the inclusion proof of index %" PRIu64 " in size %" PRIu64 " does not verify", index, m);
    goto out;
  }
  char rb[45];
  aidreg_b64_encode_to(root, 32, rb, sizeof rb);
  json_t *o = json_pack("{s:b, s:I, s:I, s:s, s:s, s:o, s:o}", "verified", 1, "index", (json_int_t)index,
                        "tree_size", (json_int_t)m, "leaf_hash", lh, "root", rb, "inclusion_proof",
                        proof_json((const uint8_t(*)[32])proof, plen), "checkpoint", cp_json(&s->cp));
  if (o) cli_json_print(o);
  json_decref(o);
  rc = CLI_OK;
  if (receipt_out) {
    json_t *rec = json_pack("{s:s, s:I, s:s, s:I, s:O, s:s}", "ledger", s->code, "index", (json_int_t)index, "leaf_hash",
                            lh, "tree_size", (json_int_t)m, "inclusion_proof", json_object_get(ans, "inclusion_proof"),
                            "checkpoint", s->note);
    char *txt = rec ? json_dumps(rec, JSON_INDENT(2)) : NULL;
    if (!txt || cli_write_file("proof", receipt_out, txt, strlen(txt), 0644) != 0) rc = CLI_FAIL;
    else fprintf(stderr, "回执已写入 %s / receipt written to %s\n", receipt_out, receipt_out);
    free(txt);
    json_decref(rec);
  }
out:
  json_decref(ans);
  return rc;
}

static int do_consistency(session *s, int have_from, uint64_t from, const char *old_file, int have_to, uint64_t to) {
  aidreg_checkpoint old;
  if (old_file) {
    size_t len = 0;
    char *text = cli_read_file("proof", old_file, (size_t)1 << 20, &len);
    if (!text) return CLI_FAIL;
    json_t *j = text[0] == '{' ? cli_json_load("proof", old_file, text, len) : NULL;
    const char *note = j ? json_string_value(json_object_get(j, "checkpoint")) : text;
    int ok = note && aidreg_checkpoint_open(note, strlen(note), &s->v, &old) == 0;
    json_decref(j);
    free(text);
    if (!ok) {
      cli_err("proof", "%s is not a checkpoint signed by %s", old_file, s->v.name);
      return CLI_FAIL;
    }
    from = old.size;
  }
  if (fetch_checkpoint(s) != 0) return CLI_FAIL;
  if (!have_to) to = s->cp.size;
  if (old_file && from > s->cp.size) {
    /* Not a contradiction by itself: the server (a mirror, a copy) has not caught up. */
    json_t *o = json_pack("{s:b, s:s, s:I, s:I, s:s}", "verified", 0, "verdict", "older", "from", (json_int_t)from, "to",
                          (json_int_t)s->cp.size, "reason", "较旧 / older: the server's checkpoint is older than yours");
    if (o) cli_json_print(o);
    json_decref(o);
    cli_err("proof", "较旧 / older: the server's checkpoint (size %" PRIu64 ") is older than %s (size %" PRIu64
            "); it cannot prove yours yet: ask again later, or a server that has it",
            s->cp.size, old_file, from);
    return CLI_FAIL;
  }
  if (from > to) {
    cli_err("proof", "--from %" PRIu64 " is beyond --to %" PRIu64, from, to);
    return CLI_FAIL;
  }
  (void)have_from;
  char path[160];
  snprintf(path, sizeof path, "/v1/ledgers/%s/proof/consistency?from=%" PRIu64 "&to=%" PRIu64, s->code, from, to);
  json_t *ans = cli_get_json(&s->in.srv, path);
  if (!ans) return CLI_FAIL;
  int rc = CLI_FAIL;
  uint8_t proof[AIDREG_MAX_PROOF][32], new_root[32], old_root[32];
  size_t plen = 0;
  if (cli_proof_decode(json_object_get(ans, "consistency_proof"), proof, &plen) != 0) {
    cli_err("proof", "the server's answer is not a consistency proof");
    goto out;
  }
  if (root_at(s, to, new_root) != 0) goto out;
  if (old_file) {
    memcpy(old_root, old.root, 32);
  } else if (from == 0) {
    aidreg_merkle_empty_root(old_root);
  } else {
    aidreg_tile_nodes *tn = aidreg_tile_nodes_new(&s->in.src, s->cp.size);
    int r = tn ? aidreg_merkle_root(aidreg_tile_nodes_fetch, tn, from, old_root) : -1;
    if (r != 0) cli_err("proof", "cannot derive the root of size %" PRIu64 " from the tiles", from);
    aidreg_tile_nodes_free(tn);
    if (r != 0) goto out;
  }
  if (aidreg_merkle_verify_consistency(from, to, old_root, new_root, (const uint8_t(*)[32])proof, plen) != 0) {
    cli_err("proof", "the consistency proof from size %" PRIu64 " to %" PRIu64 " does not verify%s", from, to,
            old_file ? ": the log was rewritten since your checkpoint" : "");
    goto out;
  }
  char a[45], b[45];
  aidreg_b64_encode_to(old_root, 32, a, sizeof a);
  aidreg_b64_encode_to(new_root, 32, b, sizeof b);
  json_t *o = json_pack("{s:b, s:I, s:I, s:s, s:s, s:o, s:o}", "verified", 1, "from", (json_int_t)from, "to",
                        (json_int_t)to, "old_root", a, "new_root", b, "consistency_proof",
                        proof_json((const uint8_t(*)[32])proof, plen), "checkpoint", cp_json(&s->cp));
  if (o) cli_json_print(o);
  json_decref(o);
  rc = CLI_OK;
out:
  json_decref(ans);
  return rc;
}

static int do_check(const char *receipt_file, const char *vkey, const char *envelope_file,
                    const cli_witnesses *wit) {
  aidreg_note_verifier v;
  if (aidreg_note_vkey_parse(vkey, &v) != 0) return cli_usage("proof", "--vkey is not a verifier key string");
  size_t len = 0;
  char *text = cli_read_file("proof", receipt_file, (size_t)1 << 20, &len);
  json_t *r = text ? cli_json_load("proof", receipt_file, text, len) : NULL;
  free(text);
  if (!r) {
    json_t *f = json_pack("{s:b, s:s, s:s}", "verified", 0, "verdict", "未通过 / failed", "reason",
                          "the receipt file cannot be read as JSON");
    if (f) cli_json_print(f);
    json_decref(f);
    return CLI_FAIL;
  }
  int rc = CLI_FAIL;
  aidreg_checkpoint cp;
  char err[512] = "";
  if (cli_receipt_check(r, &v, &cp, err, sizeof err) != 0) {
    char why[600];
    snprintf(why, sizeof why, "the receipt does not verify: %s", err);
    snprintf(err, sizeof err, "%s", why);
    goto out;
  }
  const char *note = json_string_value(json_object_get(r, "checkpoint"));
  if (cli_witnesses_check(wit, "proof", note ? note : "", note ? strlen(note) : 0) != 0) goto out;
  if (envelope_file) {
    char *env = cli_read_file("proof", envelope_file, (size_t)1 << 20, &len);
    if (!env) {
      snprintf(err, sizeof err, "cannot read %s", envelope_file);
      goto out;
    }
    aidreg_envelope e;
    aidreg_problem p = {0};
    int ok = aidreg_envelope_parse(env, len, &e, &p) == 0;
    free(env);
    if (!ok) {
      snprintf(err, sizeof err, "%s is not an envelope: %s", envelope_file, p.detail);
      goto out;
    }
    uint8_t h[32];
    char hex[65];
    aidreg_sha256(e.payload, e.payload_len, h);
    aidreg_hex_encode(h, 32, hex);
    ok = aidreg_envelope_verify(&e, &p) == 0;
    aidreg_envelope_free(&e);
    const char *claimed = json_string_value(json_object_get(r, "payload_sha256"));
    if (!ok) {
      snprintf(err, sizeof err, "the envelope's signature does not verify: %s", p.detail);
      goto out;
    }
    if (!claimed || strcasecmp(claimed, hex) != 0) {
      snprintf(err, sizeof err, "the receipt's payload_sha256 is not the envelope's payload (%s)", hex);
      goto out;
    }
  }
  json_t *o = json_pack("{s:b, s:O, s:O, s:O, s:o}", "verified", 1, "ledger", json_object_get(r, "ledger"), "index",
                        json_object_get(r, "index"), "leaf_hash", json_object_get(r, "leaf_hash"), "checkpoint",
                        cp_json(&cp));
  if (o) cli_json_print(o);
  json_decref(o);
  rc = CLI_OK;
out:
  if (rc != CLI_OK) {
    /* The verdict on standard output in every case, so that a script reads one answer. */
    json_t *f = json_pack("{s:b, s:s, s:s}", "verified", 0, "verdict", "未通过 / failed", "reason", err);
    if (f) cli_json_print(f);
    json_decref(f);
    cli_err("proof", "%s", err);
  }
  json_decref(r);
  return rc;
}

int cli_proof(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    if (argc < 2) return cli_usage("proof", "name a subcommand: inclusion, consistency or check");
    fputs(help, stdout);
    return CLI_OK;
  }
  const char *sub = argv[1];
  if (strcmp(sub, "inclusion") && strcmp(sub, "consistency") && strcmp(sub, "check"))
    return cli_usage("proof", "unknown subcommand \"%s\" (inclusion, consistency, check)", sub);
  argc--;
  argv++;
  static const struct option lo[] = {
      {"server", required_argument, NULL, 'S'}, {"ledger", required_argument, NULL, 'l'},
      {"vkey", required_argument, NULL, 'v'},   {"index", required_argument, NULL, 'i'},
      {"size", required_argument, NULL, 'm'},   {"from", required_argument, NULL, 'f'},
      {"to", required_argument, NULL, 't'},     {"old", required_argument, NULL, 'o'},
      {"receipt", required_argument, NULL, 'r'}, {"envelope", required_argument, NULL, 'e'},
      {"witness", required_argument, NULL, 'W'}, {"witness-threshold", required_argument, NULL, 'T'},
      {"receipt-out", required_argument, NULL, 'R'},
      {"help", no_argument, NULL, 'h'},         {0}};
  const char *server = NULL, *ledger = NULL, *vkey = NULL, *old = NULL, *receipt = NULL, *envelope = NULL,
             *receipt_out = NULL;
  uint64_t index = 0, size = 0, from = 0, to = 0;
  int have_index = 0, have_size = 0, have_from = 0, have_to = 0, c;
  cli_opts o = {.cmd = "proof", .help = help, .lo = lo};
  static cli_witnesses wit;
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'S': server = optarg; break;
      case 'l': ledger = optarg; break;
      case 'v': vkey = optarg; break;
      case 'o': old = optarg; break;
      case 'r': receipt = optarg; break;
      case 'e': envelope = optarg; break;
      case 'W':
        if (cli_witnesses_add(&wit, "proof", optarg)) return CLI_USAGE;
        break;
      case 'T':
        if (cli_witnesses_threshold(&wit, "proof", optarg)) return CLI_USAGE;
        break;
      case 'R': receipt_out = optarg; break;
      case 'i':
        if (number_opt("--index", &index, &have_index)) return CLI_USAGE;
        break;
      case 'm':
        if (number_opt("--size", &size, &have_size)) return CLI_USAGE;
        break;
      case 'f':
        if (number_opt("--from", &from, &have_from)) return CLI_USAGE;
        break;
      case 't':
        if (number_opt("--to", &to, &have_to)) return CLI_USAGE;
        break;
    }
  }
  if (c < 0) return o.status;
  if (cli_witnesses_ready(&wit, "proof")) return CLI_USAGE;
  if (wit.n && strcmp(sub, "check")) return cli_usage("proof", "--witness goes with proof check");
  vkey = cli_default(vkey, "AIDREG_LOG_VKEY");
  if (!vkey) return cli_usage("proof", "--vkey is required (or set AIDREG_LOG_VKEY)");
  if (!strcmp(sub, "check")) {
    if (!receipt) return cli_usage("proof", "--receipt FILE is required");
    return do_check(receipt, vkey, envelope, &wit);
  }
  server = cli_default(server, "AIDREG_URL");
  ledger = cli_default(ledger, "AIDREG_LEDGER");
  if (!server) return cli_usage("proof", "--server URL is required (or set AIDREG_URL)");
  if (!cli_is_county(ledger))
    return cli_usage("proof", "--ledger CODE (6 digits) is required (or set AIDREG_LEDGER)");
  if (!strcmp(sub, "inclusion") && !have_index) return cli_usage("proof", "--index N is required");
  if (receipt_out && (strcmp(sub, "inclusion") || have_size))
    return cli_usage("proof", "--receipt-out goes with proof inclusion, without --size (the receipt is at the checkpoint's size)");
  if (!strcmp(sub, "consistency") && have_from == !!old)
    return cli_usage("proof", "give exactly one of --from A and --old FILE");
  session s;
  memset(&s, 0, sizeof s);
  if (open_session(&s, server, ledger, vkey) != 0) {
    cli_source_close(&s.in);
    return CLI_FAIL;
  }
  int rc = !strcmp(sub, "inclusion") ? do_inclusion(&s, index, have_size, size, receipt_out)
                                     : do_consistency(&s, have_from, from, old, have_to, to);
  free(s.note);
  cli_source_close(&s.in);
  return rc;
}
