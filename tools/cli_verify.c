/* aidreg verify: the whole ledger, trusting only the checkpoint signer's key. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "cli.h"

static const char help[] =
    "usage: aidreg verify [--server URL] [--ledger CODE] [--vkey VKEY] [--since FILE] [--json]\n"
    "       aidreg verify --dir DIR [--vkey VKEY] [--ledger CODE] [--since FILE] [--json]\n"
    "       aidreg verify --db URL --ledger CODE [--vkey VKEY] [--since FILE] [--json]\n"
    "\n"
    "Verifies a ledger without trusting whoever serves it: from a server (its tlog-tiles\n"
    "endpoints), from a folder written by `aidreg export`, or straight from PostgreSQL.\n"
    "Checks the checkpoint's signature and origin; recomputes every tree node from the\n"
    "leaves and compares every hash tile and the root; checks every leaf's layout and\n"
    "index, every envelope signature, every payload and its ledger binding, that no\n"
    "payload repeats, and every signer's authority at its position (replaying the key\n"
    "events); with --since, that an older checkpoint is reproduced by the current tree\n"
    "(and, from a server, that its consistency proof verifies). With --db it also holds\n"
    "every tree_node row and the leaf rows' columns to the recomputed values, looks for\n"
    "rows beyond the checkpoint, checks ledger.size, every stored checkpoint, and the\n"
    "signing_key and subject_head tables. On a terminal a progress line shows the\n"
    "entries checked, the rate and the time left (a million entries take a minute or more).\n"
    "\n"
    "  --server URL    server (default: AIDREG_URL)\n"
    "  --ledger CODE   county code (default: AIDREG_LEDGER; for --dir, optional)\n"
    "  --vkey VKEY     the checkpoint verifier key (default: AIDREG_LOG_VKEY when it names\n"
    "                  this ledger). Required for a server. Without one, --db falls back to\n"
    "                  the key the database records (not independent), and --dir checks\n"
    "                  everything but the signature.\n"
    "  --dir DIR       verify an export folder instead (and that each DIR/blobs/<sha256>\n"
    "                  hashes to its name)\n"
    "  --db URL        verify a PostgreSQL database instead (a libpq URL)\n"
    "  --since FILE    an older checkpoint (a signed note, or a receipt holding one); an\n"
    "                  export older than it verifies and is said 较旧 / older (exit 1)\n"
    "  --witness VKEY  require a cosignature (C2SP tlog-cosignature) by this witness on the\n"
    "                  checkpoint verified (repeatable; docs/witness.md)\n"
    "  --witness-threshold N  require N of the --witness keys (default: all of them)\n"
    "  --json          print the result as JSON\n"
    "\n"
    "Prints one line: \"ok: ...\" with the counts checked, or \"FAILED: index N: why\" naming\n"
    "the first bad entry. Exit status 0 verified, 1 not verified, 2 usage.\n"
    "\n"
    "Leaf hashes and signatures are checked on every core (AIDREG_VERIFY_THREADS=N to choose;\n"
    "1 = one thread); the result and its message do not depend on it.\n";

/* The verifier key string's name (before the first '+'). */
static int vkey_names_ledger(const char *vkey, const char *ledger) {
  const char *plus = strchr(vkey, '+');
  size_t n = plus ? (size_t)(plus - vkey) : strlen(vkey), c = strlen(ledger);
  return n > c && vkey[n - c - 1] == '/' && strncmp(vkey + n - c, ledger, c) == 0;
}

/* older: the export verified but is older than the --since checkpoint (that size), which it
 * therefore cannot show; 0 otherwise. */
static void print_result(const aidreg_verify_result *res, int rc, int as_json, uint64_t older) {
  if (as_json) {
    char root[45];
    aidreg_b64_encode_to(res->checkpoint.root, 32, root, sizeof root);
    json_t *o = json_pack("{s:b, s:s, s:s, s:I, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ok", rc == 0,
                          "ledger", res->county, "origin", res->checkpoint.origin, "size",
                          (json_int_t)res->checkpoint.size, "root", root, "signature_checked",
                          res->signature_checked, "leaves", (json_int_t)res->leaves, "signatures",
                          (json_int_t)res->signatures, "key_events", (json_int_t)res->key_events, "keys",
                          (json_int_t)res->keys, "hash_tiles", (json_int_t)res->hash_tiles, "entry_bundles",
                          (json_int_t)res->bundles, "nodes", (json_int_t)res->nodes, "checkpoints",
                          (json_int_t)res->checkpoints);
    if (o && rc != 0) {
      json_t *f = json_pack("{s:s, s:s}", "kind", aidreg_verify_kind_name(res->failure.kind), "message",
                            res->failure.message);
      if (f && res->failure.has_index) json_object_set_new(f, "index", json_integer((json_int_t)res->failure.index));
      json_object_set_new(o, "failure", f);
    }
    if (o && older) {
      json_object_set_new(o, "ok", json_false());
      json_object_set_new(o, "verdict", json_string("older"));
      json_object_set_new(o, "since_size", json_integer((json_int_t)older));
    }
    if (o) cli_json_print(o);
    json_decref(o);
    return;
  }
  if (rc == 0) {
    char line[1024];
    aidreg_verify_summary(res, line, sizeof line);
    printf("%s\n", line);
    if (older)
      printf("较旧 / OLDER: this copy's checkpoint (size %" PRIu64 ") is older than the --since checkpoint (size %" PRIu64
             "): it verifies as far as it goes but cannot show yours; verify a newer export or the server\n",
             res->checkpoint.size, older);
  } else {
    printf("FAILED: %s\n", res->failure.message);
  }
  fflush(stdout);
}

/* The source's checkpoint callback, wrapped to keep a copy of the note it hands out (the
 * CLI runs one verification per process: a static will do). */
static struct {
  int (*inner)(void *ctx, char **note, size_t *len, aidreg_verify_failure *f);
  char *note;
  size_t len;
} seen;

static int seen_fetch(void *ctx, char **note, size_t *len, aidreg_verify_failure *f) {
  int rc = seen.inner(ctx, note, len, f);
  if (rc == 0) {
    free(seen.note);
    seen.note = malloc(*len + 1);
    if (seen.note) {
      memcpy(seen.note, *note, *len);
      seen.note[*len] = '\0';
      seen.len = *len;
    }
  }
  return rc;
}

int cli_verify(int argc, char **argv) {
  static const struct option lo[] = {{"server", required_argument, NULL, 'S'}, {"ledger", required_argument, NULL, 'l'},
                                     {"vkey", required_argument, NULL, 'v'},   {"dir", required_argument, NULL, 'd'},
                                     {"db", required_argument, NULL, 'D'},     {"since", required_argument, NULL, 's'},
                                     {"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
                                     {"witness", required_argument, NULL, 'W'},
                                     {"witness-threshold", required_argument, NULL, 'T'},
                                     {0}};
  const char *server = NULL, *ledger = NULL, *vkey = NULL, *dir = NULL, *db_url = NULL, *since = NULL;
  int as_json = 0, c;
  static cli_witnesses wit;
  cli_opts o = {.cmd = "verify", .help = help, .lo = lo};
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'S': server = optarg; break;
      case 'l': ledger = optarg; break;
      case 'v': vkey = optarg; break;
      case 'd': dir = optarg; break;
      case 'D': db_url = optarg; break;
      case 's': since = optarg; break;
      case 'j': as_json = 1; break;
      case 'W':
        if (cli_witnesses_add(&wit, "verify", optarg)) return CLI_USAGE;
        break;
      case 'T':
        if (cli_witnesses_threshold(&wit, "verify", optarg)) return CLI_USAGE;
        break;
    }
  }
  if (c < 0) return o.status;
  if (cli_witnesses_ready(&wit, "verify")) return CLI_USAGE;
  if ((dir != NULL) + (db_url != NULL) + (server != NULL) > 1)
    return cli_usage("verify", "give one of --server, --dir and --db");
  if (!dir) ledger = cli_default(ledger, "AIDREG_LEDGER");
  if (!dir && !db_url) {
    server = cli_default(server, "AIDREG_URL");
    if (!server) return cli_usage("verify", "--server URL is required (or --dir, --db, or set AIDREG_URL)");
  }
  if (!dir && !ledger) return cli_usage("verify", "--ledger CODE is required (or set AIDREG_LEDGER)");
  if (ledger && !cli_is_county(ledger))
    return cli_usage("verify", "--ledger must be a 6-digit county code");
  int vkey_from_env = 0;
  if (!vkey) {
    const char *env = getenv("AIDREG_LOG_VKEY");
    if (env && *env && (!ledger || vkey_names_ledger(env, ledger))) {
      vkey = env;
      vkey_from_env = 1;
    }
  }
  if (server && !vkey)
    return cli_usage("verify", "--vkey is required to verify a server (or set AIDREG_LOG_VKEY)");
  if (vkey) {
    aidreg_note_verifier v;
    if (aidreg_note_vkey_parse(vkey, &v) != 0) return cli_usage("verify", "--vkey is not a verifier key string");
  }

  aidreg_verify_options opt = {.vkey = vkey, .ledger = ledger};
  char *since_text = NULL;
  json_t *since_json = NULL;
  if (since) {
    size_t len = 0;
    since_text = cli_read_file("verify", since, (size_t)1 << 20, &len);
    if (!since_text) return CLI_FAIL;
    if (since_text[0] == '{') {
      /* A receipt: take its checkpoint. */
      since_json = cli_json_load("verify", since, since_text, len);
      const char *note = json_string_value(json_object_get(since_json, "checkpoint"));
      if (!note) {
        json_decref(since_json);
        free(since_text);
        return cli_usage("verify", "%s is JSON without a \"checkpoint\" member", since);
      }
      opt.since_note = note;
      opt.since_len = strlen(note);
    } else {
      opt.since_note = since_text;
      opt.since_len = len;
    }
  }

  int exit_code = CLI_FAIL;
  cli_source s;
  char *db_vkey = NULL;
  if (cli_source_open(&s, "verify", dir, db_url, server, ledger) == 0) {
    if (dir) {
      if (vkey_from_env) fprintf(stderr, "aidreg verify: checking the checkpoint with AIDREG_LOG_VKEY\n");
      if (!vkey) fprintf(stderr, "aidreg verify: no --vkey: the checkpoint signature will not be checked\n");
    } else if (db_url && !vkey) {
      db_vkey = aidreg_verify_db_vkey(s.db);
      opt.vkey = db_vkey;
      fprintf(stderr,
              "aidreg verify: no --vkey: checking the checkpoint with the key the database records "
              "(pass --vkey for an independent check)\n");
    }
    /* An export older than the --since checkpoint is not a fork: it is verified as it is and
     * said to be older (a server's log that shrank stays a failure of the library's check). */
    uint64_t older = 0;
    if (dir && opt.since_note) {
      char *note = NULL;
      size_t nlen = 0;
      aidreg_verify_failure f = {0};
      if (s.src.checkpoint(s.src.ctx, &note, &nlen, &f) == 0) {
        const char *a = memchr(note, '\n', nlen), *b = memchr(opt.since_note, '\n', opt.since_len);
        uint64_t have = a ? strtoull(a + 1, NULL, 10) : 0, want = b ? strtoull(b + 1, NULL, 10) : 0;
        bool same_origin = a && b && a - note == b - opt.since_note && memcmp(note, opt.since_note, (size_t)(a - note)) == 0;
        if (same_origin && want > have) {
          older = want;
          opt.since_note = NULL;
          opt.since_len = 0;
        }
      }
      free(note);
    }
    /* The witnesses' cosignatures are checked on the very note the engine verified. */
    seen.inner = s.src.checkpoint;
    s.src.checkpoint = seen_fetch;
    aidreg_verify_result res;
    cli_progress prog;
    cli_progress_start(&prog, "核验 verifying");
    opt.progress = cli_progress_entries;
    opt.progress_ctx = &prog;
    int rc = aidreg_verify_run(&s.src, &opt, &res);
    cli_progress_end(&prog);
    s.src.checkpoint = seen.inner;
    if (rc == 0 && cli_witnesses_check(&wit, "verify", seen.note ? seen.note : "", seen.len) != 0) {
      rc = -1;
      res.failure.kind = AIDREG_VF_CHECKPOINT;
      res.failure.has_index = false;
      snprintf(res.failure.message, sizeof res.failure.message,
               "checkpoint: not cosigned by the witnesses required (未经见证)");
    }
    free(seen.note);
    seen.note = NULL;
    print_result(&res, rc, as_json, rc == 0 ? older : 0);
    exit_code = rc == 0 && !older ? CLI_OK : CLI_FAIL;
    unsigned blobs_ok = 0, blobs_bad = 0;
    if (dir && (cli_verify_blobs(dir, &blobs_ok, &blobs_bad) != 0 || blobs_bad > 0)) exit_code = CLI_FAIL;
    if (dir && (blobs_ok || blobs_bad))
      fprintf(stderr, "aidreg verify: attachments: %u hash to their names, %u do not\n", blobs_ok, blobs_bad);
    cli_source_close(&s);
  }
  free(db_vkey);
  json_decref(since_json);
  free(since_text);
  return exit_code;
}
