/* aidreg submit | ledger create | enroll | revoke: everything that writes to a ledger. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "cli.h"

#define MAX_ENVELOPE_FILE ((size_t)1 << 20)
#define BATCH_MAX 1000                     /* envelopes per request (server limit) */
#define BATCH_BYTES ((size_t)7 << 20)      /* stay under the server's 8 MiB batch limit */

/* ---- submit ------------------------------------------------------------------------ */

static const char submit_help[] =
    "usage: aidreg submit [--server URL] [--ledger CODE] [--receipt-out FILE] [--vkey VKEY] FILE...\n"
    "\n"
    "Submits signed DSSE envelopes (files written by `aidreg sign`; - = stdin) to\n"
    "POST /v1/ledgers/CODE/entries. One file is sent as one envelope; several go as\n"
    "batches {\"envelopes\":[...]} of up to 1000. Prints the server's answer as JSON (a\n"
    "receipt or a problem; for batches {\"results\":[...]}). Resubmitting is safe: the\n"
    "same payload returns its first receipt.\n"
    "\n"
    "  --server URL        server (default: AIDREG_URL)\n"
    "  --ledger CODE       county code of the ledger (default: AIDREG_LEDGER)\n"
    "  --receipt-out FILE  save the receipt (one envelope only; check it later with\n"
    "                      `aidreg proof check`)\n"
    "  --vkey VKEY         also verify each receipt (checkpoint signature and inclusion)\n"
    "\n"
    "Exit status 1 if any envelope was refused (or a receipt does not verify).\n";

/* Checks a receipt when a vkey was given. */
static int check_receipt(const json_t *receipt, const aidreg_note_verifier *v, size_t i) {
  if (!v) return 0;
  aidreg_checkpoint cp;
  char err[512];
  if (cli_receipt_check(receipt, v, &cp, err, sizeof err) != 0) {
    cli_err("submit", "receipt of envelope %zu does not verify: %s", i, err);
    return -1;
  }
  return 0;
}

static int submit_batch(cli_server *s, const char *path, json_t *envs, json_t *all_results,
                        const aidreg_note_verifier *v, size_t first, int *refused) {
  json_t *req = json_pack("{s:O}", "envelopes", envs);
  char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
  json_decref(req);
  if (!body) {
    cli_err("submit", "out of memory");
    return -1;
  }
  aidreg_http_response r;
  int rc = cli_post(s, path, body, strlen(body), NULL, &r);
  free(body);
  if (rc != 0) return -1;
  json_t *ans = r.body ? json_loadb((char *)r.body, r.len, 0, NULL) : NULL;
  json_t *results = json_object_get(ans, "results");
  rc = -1;
  if (r.status != 200 || !json_is_array(results) || json_array_size(results) != json_array_size(envs)) {
    /* The whole batch was refused (or the answer is not what a batch gets). */
    if (ans) cli_json_print(ans);
    const char *detail = json_string_value(json_object_get(ans, "detail"));
    cli_err("submit", "batch of %zu refused (HTTP %ld)%s%s", json_array_size(envs), r.status, detail ? ": " : "",
            detail ? detail : (ans ? "" : (r.body ? (char *)r.body : "")));
  } else {
    size_t i;
    json_t *res;
    rc = 0;
    json_array_foreach(results, i, res) {
      json_int_t st = json_integer_value(json_object_get(res, "status"));
      if (st != 200 && st != 201) {
        (*refused)++;
        json_t *pb = json_object_get(res, "problem");
        const char *title = json_string_value(json_object_get(pb, "title"));
        const char *detail = json_string_value(json_object_get(pb, "detail"));
        cli_err("submit", "envelope %zu refused (%" JSON_INTEGER_FORMAT "): %s%s%s", first + i, st,
                title ? title : "", detail ? ": " : "", detail ? detail : "");
      } else if (check_receipt(json_object_get(res, "receipt"), v, first + i) != 0) {
        (*refused)++;
      } else {
        json_int_t ix = json_integer_value(json_object_get(json_object_get(res, "receipt"), "index"));
        fprintf(stderr, "envelope %zu %s：第 %" JSON_INTEGER_FORMAT " 条 / %s: entry %" JSON_INTEGER_FORMAT "\n",
                first + i, st == 201 ? "已记录" : "已记录（重复提交）", ix, st == 201 ? "recorded" : "already recorded", ix);
      }
      json_array_append(all_results, res);
    }
  }
  json_decref(ans);
  aidreg_http_response_free(&r);
  return rc;
}

int cli_submit(int argc, char **argv) {
  static const struct option lo[] = {{"server", required_argument, NULL, 'S'},
                                     {"ledger", required_argument, NULL, 'l'},
                                     {"receipt-out", required_argument, NULL, 'r'},
                                     {"vkey", required_argument, NULL, 'v'},
                                     {"help", no_argument, NULL, 'h'},
                                     {0}};
  const char *server = NULL, *ledger = NULL, *receipt_out = NULL, *vkey = NULL;
  cli_opts o = {.cmd = "submit", .help = submit_help, .lo = lo, .operands = true}; /* the envelope files */
  int c;
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'S': server = optarg; break;
      case 'l': ledger = optarg; break;
      case 'r': receipt_out = optarg; break;
      case 'v': vkey = optarg; break;
    }
  }
  if (c < 0) return o.status;
  server = cli_default(server, "AIDREG_URL");
  ledger = cli_default(ledger, "AIDREG_LEDGER");
  if (!server) return cli_usage("submit", "--server URL is required (or set AIDREG_URL)");
  if (!ledger) return cli_usage("submit", "--ledger CODE is required (or set AIDREG_LEDGER)");
  if (!cli_is_county(ledger)) return cli_usage("submit", "--ledger must be a 6-digit county code");
  int nfiles = argc - optind;
  if (nfiles < 1) return cli_usage("submit", "name at least one envelope file (- = stdin)");
  if (receipt_out && nfiles > 1) return cli_usage("submit", "--receipt-out takes a single envelope");
  aidreg_note_verifier ver, *v = NULL;
  if (vkey) {
    if (aidreg_note_vkey_parse(vkey, &ver) != 0) return cli_usage("submit", "--vkey is not a verifier key string");
    v = &ver;
  }

  cli_server s;
  if (cli_server_open(&s, "submit", server) != 0) return CLI_FAIL;
  char path[64];
  snprintf(path, sizeof path, "/v1/ledgers/%s/entries", ledger);
  int rc = CLI_FAIL;

  if (nfiles == 1) {
    size_t len = 0;
    char *text = cli_read_file("submit", argv[optind], MAX_ENVELOPE_FILE, &len);
    json_t *env = text ? cli_json_load("submit", argv[optind], text, len) : NULL;
    char *body = env ? json_dumps(env, JSON_COMPACT) : NULL;
    if (body) rc = cli_submit_one(&s, ledger, body, strlen(body), receipt_out, v);
    free(body);
    json_decref(env);
    free(text);
    cli_server_close(&s);
    return rc;
  }

  /* Several: batches of at most BATCH_MAX envelopes and BATCH_BYTES. */
  json_t *all = json_array(), *batch = json_array();
  size_t bytes = 0, first = 0, idx = 0;
  int refused = 0, failed = 0;
  for (int i = optind; i < argc && !failed; i++, idx++) {
    size_t len = 0;
    char *text = cli_read_file("submit", argv[i], MAX_ENVELOPE_FILE, &len);
    json_t *env = text ? cli_json_load("submit", argv[i], text, len) : NULL;
    free(text);
    if (!env) {
      failed = 1;
      break;
    }
    if (json_array_size(batch) == BATCH_MAX || (bytes + len > BATCH_BYTES && json_array_size(batch) > 0)) {
      if (submit_batch(&s, path, batch, all, v, first, &refused) != 0) failed = 1;
      json_array_clear(batch);
      bytes = 0;
      first = idx;
    }
    json_array_append_new(batch, env);
    bytes += len;
  }
  if (!failed && json_array_size(batch) > 0 && submit_batch(&s, path, batch, all, v, first, &refused) != 0)
    failed = 1;
  if (json_array_size(all) > 0) {
    json_t *out = json_pack("{s:O}", "results", all);
    if (out) cli_json_print(out);
    json_decref(out);
  }
  json_decref(all);
  json_decref(batch);
  cli_server_close(&s);
  if (!failed && refused) cli_err("submit", "%d of %d envelopes refused", refused, nfiles);
  return failed || refused ? CLI_FAIL : CLI_OK;
}

/* ---- building, signing and submitting one event --------------------------------------- */

typedef struct {
  const char *cmd;
  const char *server, *ledger, *origin, *key, *time, *receipt_out;
} write_opts;

/* Resolves defaults; returns CLI_OK or CLI_USAGE / CLI_FAIL. origin is filled. */
static int resolve(write_opts *o, cli_server *s, char *origin, size_t cap) {
  o->server = cli_default(o->server, "AIDREG_URL");
  o->ledger = cli_default(o->ledger, "AIDREG_LEDGER");
  if (!o->server) return cli_usage(o->cmd, "--server URL is required (or set AIDREG_URL)");
  if (!o->ledger) return cli_usage(o->cmd, "--ledger CODE is required (or set AIDREG_LEDGER)");
  if (!cli_is_county(o->ledger)) return cli_usage(o->cmd, "--ledger must be a 6-digit county code");
  if (!o->key) return cli_usage(o->cmd, "--key FILE (the signer's secret key) is required");
  if (o->time) {
    int64_t sec;
    int32_t ns;
    if (aidreg_rfc3339_parse(o->time, &sec, &ns) != 0) return cli_usage(o->cmd, "--time is not RFC 3339");
  }
  if (cli_server_open(s, o->cmd, o->server) != 0) return CLI_FAIL;
  const char *env_origin = getenv("AIDREG_ORIGIN"), *env_ledger = getenv("AIDREG_LEDGER");
  if (o->origin) {
    snprintf(origin, cap, "%s", o->origin);
  } else if (env_origin && *env_origin && (!env_ledger || strcmp(env_ledger, o->ledger) == 0)) {
    snprintf(origin, cap, "%s", env_origin);
  } else if (cli_lookup_origin(s, o->ledger, origin, cap) != 0) {
    cli_server_close(s);
    return CLI_FAIL;
  }
  return CLI_OK;
}

static int sign_and_submit(write_opts *o, cli_server *s, const char *origin, const char *type, const char *subject,
                           const json_t *body) {
  char now[40];
  if (!o->time) cli_now(now, sizeof now);
  size_t plen = 0;
  char *payload = cli_build_payload(o->cmd, origin, type, subject, o->time ? o->time : now, NULL, body, &plen);
  if (!payload) return CLI_FAIL;
  aidreg_keypair kp;
  char *path = (char *)o->key;
  int rc = CLI_FAIL;
  if (cli_load_keys(o->cmd, &path, 1, &kp) == 0) {
    char *compact = NULL;
    json_t *env = cli_sign_envelope(o->cmd, payload, plen, &kp, 1, &compact);
    aidreg_key_wipe(&kp);
    if (env) rc = cli_submit_one(s, o->ledger, compact, strlen(compact), o->receipt_out, NULL);
    free(compact);
    json_decref(env);
  }
  free(payload);
  return rc;
}

#define WRITE_OPTIONS                                                                              \
  {"server", required_argument, NULL, 'S'}, {"ledger", required_argument, NULL, 'l'},              \
      {"origin", required_argument, NULL, 'o'}, {"key", required_argument, NULL, 'k'},             \
      {"time", required_argument, NULL, 'T'}, {"receipt-out", required_argument, NULL, 'r'},       \
      {"help", no_argument, NULL, 'h'}

#define WRITE_OPTIONS_HELP                                                                         \
  "  --server URL        server (default: AIDREG_URL)\n"                                          \
  "  --ledger CODE       county code (default: AIDREG_LEDGER)\n"                                  \
  "  --origin ORIGIN     the ledger's origin (default: AIDREG_ORIGIN when AIDREG_LEDGER is this\n" \
  "                      ledger, else looked up in GET /v1/ledgers)\n"                            \
  "  --time T            the signer's time, RFC 3339 (default: now)\n"                           \
  "  --receipt-out FILE  save the receipt\n"

/* Handles the options every writing command shares; returns 1 when consumed. */
static int write_opt(write_opts *o, int c) {
  switch (c) {
    case 'S': o->server = optarg; return 1;
    case 'l': o->ledger = optarg; return 1;
    case 'o': o->origin = optarg; return 1;
    case 'k': o->key = optarg; return 1;
    case 'T': o->time = optarg; return 1;
    case 'r': o->receipt_out = optarg; return 1;
  }
  return 0;
}

/* ---- enroll ------------------------------------------------------------------------ */

static const char enroll_help[] =
    "usage: aidreg enroll --key SIGNER.key --pub NEW.pub --role ROLE --scope CODE --name NAME\n"
    "                     --org ORG [--server URL] [--ledger CODE] [--origin ORIGIN]\n"
    "\n"
    "Enrols a key: builds key.enroll (subject and body.key = the new key id), signs it with\n"
    "SIGNER.key and submits it. ROLE is county, township, village, operator or auditor;\n"
    "CODE its scope (county 6 digits, township 9, village 12). A county key enrols any key\n"
    "of its county, a township key village keys of its township.\n"
    "\n"
    "  --key FILE          the signer's secret key (enrolled, with the power to enrol)\n"
    "  --pub FILE          the new key (public PEM, or a secret PEM whose public half is taken)\n"
    "  --role ROLE, --scope CODE, --name NAME, --org ORG   the new key's role, scope, holder\n" WRITE_OPTIONS_HELP;

int cli_enroll(int argc, char **argv) {
  static const struct option lo[] = {WRITE_OPTIONS,
                                     {"pub", required_argument, NULL, 'p'},
                                     {"role", required_argument, NULL, 'R'},
                                     {"scope", required_argument, NULL, 's'},
                                     {"name", required_argument, NULL, 'n'},
                                     {"org", required_argument, NULL, 'O'},
                                     {0}};
  write_opts o = {.cmd = "enroll"};
  const char *pub = NULL, *role = NULL, *scope = NULL, *name = NULL, *org = NULL;
  cli_opts opts = {.cmd = "enroll", .help = enroll_help, .lo = lo};
  int c;
  while ((c = cli_opt_next(&opts, argc, argv)) > 0) {
    if (write_opt(&o, c)) continue;
    switch (c) {
      case 'p': pub = optarg; break;
      case 'R': role = optarg; break;
      case 's': scope = optarg; break;
      case 'n': name = optarg; break;
      case 'O': org = optarg; break;
    }
  }
  if (c < 0) return opts.status;
  if (!pub || !role || !scope || !name || !org)
    return cli_usage("enroll", "--pub, --role, --scope, --name and --org are required");
  if (!aidreg_role_parse(role))
    return cli_usage("enroll", "--role must be county, township, village, operator or auditor");
  uint8_t pk[32];
  char err[256] = "", keyid[AIDREG_KEYID_LEN + 1];
  if (aidreg_key_read_public(pub, pk, err) != 0) {
    cli_err("enroll", "cannot read %s: %s", pub, err);
    return CLI_FAIL;
  }
  aidreg_key_id(pk, keyid);
  char origin[256];
  cli_server s;
  int rc = resolve(&o, &s, origin, sizeof origin);
  if (rc != CLI_OK) return rc;
  json_t *body = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "key", keyid, "role", role, "scope", scope, "holder",
                           "name", name, "org", org);
  if (!body) {
    cli_err("enroll", "a value is not valid UTF-8");
    rc = CLI_FAIL;
  } else {
    rc = sign_and_submit(&o, &s, origin, "key.enroll", keyid, body);
  }
  json_decref(body);
  cli_server_close(&s);
  return rc;
}

/* ---- revoke ------------------------------------------------------------------------ */

static const char revoke_help[] =
    "usage: aidreg revoke --key SIGNER.key --keyid ID --reason TEXT [--server URL] [--ledger CODE]\n"
    "                     [--origin ORIGIN]\n"
    "\n"
    "Revokes a key: builds key.revoke (subject = the revoked key id, body {reason}), signs\n"
    "it with SIGNER.key and submits it. The revoker's scope must cover the revoked key's;\n"
    "the root key is revoked only by itself, once another county key exists.\n"
    "\n"
    "  --key FILE          the signer's secret key\n"
    "  --keyid ID          the key to revoke (its key id, or a .pub/.key file)\n"
    "  --reason TEXT       why\n" WRITE_OPTIONS_HELP;

int cli_revoke(int argc, char **argv) {
  static const struct option lo[] = {
      WRITE_OPTIONS, {"keyid", required_argument, NULL, 'i'}, {"reason", required_argument, NULL, 'W'}, {0}};
  write_opts o = {.cmd = "revoke"};
  const char *keyid = NULL, *reason = NULL;
  cli_opts opts = {.cmd = "revoke", .help = revoke_help, .lo = lo};
  int c;
  while ((c = cli_opt_next(&opts, argc, argv)) > 0) {
    if (write_opt(&o, c)) continue;
    if (c == 'i') keyid = optarg;
    else if (c == 'W') reason = optarg;
  }
  if (c < 0) return opts.status;
  if (!keyid || !reason) return cli_usage("revoke", "--keyid and --reason are required");
  uint8_t pk[32];
  char id[AIDREG_KEYID_LEN + 1], err[256] = "";
  if (aidreg_key_id_decode(keyid, pk) != 0) {
    if (aidreg_key_read_public(keyid, pk, err) != 0)
      return cli_usage("revoke", "--keyid is neither a key id nor a readable key file (%s)", err);
  }
  aidreg_key_id(pk, id);
  char origin[256];
  cli_server s;
  int rc = resolve(&o, &s, origin, sizeof origin);
  if (rc != CLI_OK) return rc;
  json_t *body = json_pack("{s:s}", "reason", reason);
  if (!body) {
    cli_err("revoke", "--reason is not valid UTF-8");
    rc = CLI_FAIL;
  } else {
    rc = sign_and_submit(&o, &s, origin, "key.revoke", id, body);
  }
  json_decref(body);
  cli_server_close(&s);
  return rc;
}

/* ---- ledger create ------------------------------------------------------------------- */

static const char ledger_help[] =
    "usage: aidreg ledger create --key ROOT.key --code CODE --name NAME [--origin ORIGIN]\n"
    "                            [--settings JSON] [--server URL] [--token TOKEN]\n"
    "                            [--receipt-out FILE] [--vkey-out FILE]\n"
    "\n"
    "Creates a county ledger: signs ledger.create (subject = CODE, body {code, name,\n"
    "root_key: the key id of ROOT.key, settings}) with the root key and posts it to\n"
    "POST /v1/ledgers with the operator's token. Prints the answer (the receipt of the\n"
    "first entry and the ledger's verifier key \"vkey\") as JSON.\n"
    "\n"
    "  --key FILE          the county's root secret key\n"
    "  --code CODE         6-digit county code (GB/T 2260)\n"
    "  --name NAME         the county's name\n"
    "  --origin ORIGIN     checkpoint origin, <log host>/<code> (default: the host part of\n"
    "                      AIDREG_ORIGIN followed by /CODE)\n"
    "  --settings JSON     ledger.settings body (default {})\n"
    "  --server URL        server (default: AIDREG_URL)\n"
    "  --token TOKEN       operator token (default: AIDREG_ADMIN_TOKEN)\n"
    "  --time T            the signer's time, RFC 3339 (default: now)\n"
    "  --receipt-out FILE  save the receipt;  --vkey-out FILE  save the vkey string\n";

int cli_ledger(int argc, char **argv) {
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    fputs(ledger_help, stdout);
    return CLI_OK;
  }
  if (argc < 2 || strcmp(argv[1], "create") != 0)
    return cli_usage("ledger", "the only subcommand is `aidreg ledger create`");
  argc--;
  argv++;
  static const struct option lo[] = {{"server", required_argument, NULL, 'S'},
                                     {"token", required_argument, NULL, 't'},
                                     {"key", required_argument, NULL, 'k'},
                                     {"code", required_argument, NULL, 'c'},
                                     {"name", required_argument, NULL, 'n'},
                                     {"origin", required_argument, NULL, 'o'},
                                     {"settings", required_argument, NULL, 's'},
                                     {"time", required_argument, NULL, 'T'},
                                     {"receipt-out", required_argument, NULL, 'r'},
                                     {"vkey-out", required_argument, NULL, 'V'},
                                     {"help", no_argument, NULL, 'h'},
                                     {0}};
  const char *server = NULL, *token = NULL, *key = NULL, *code = NULL, *name = NULL, *origin = NULL,
             *settings = NULL, *tm = NULL, *receipt_out = NULL, *vkey_out = NULL;
  const char *cmd = "ledger create";
  cli_opts o = {.cmd = cmd, .help = ledger_help, .lo = lo};
  int c;
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'S': server = optarg; break;
      case 't': token = optarg; break;
      case 'k': key = optarg; break;
      case 'c': code = optarg; break;
      case 'n': name = optarg; break;
      case 'o': origin = optarg; break;
      case 's': settings = optarg; break;
      case 'T': tm = optarg; break;
      case 'r': receipt_out = optarg; break;
      case 'V': vkey_out = optarg; break;
    }
  }
  if (c < 0) return o.status;
  server = cli_default(server, "AIDREG_URL");
  token = cli_default(token, "AIDREG_ADMIN_TOKEN");
  if (!server) return cli_usage(cmd, "--server URL is required (or set AIDREG_URL)");
  if (!token) return cli_usage(cmd, "--token is required (or set AIDREG_ADMIN_TOKEN)");
  if (!key || !code || !name) return cli_usage(cmd, "--key, --code and --name are required");
  if (!cli_is_county(code)) return cli_usage(cmd, "--code must be a 6-digit county code");
  char origin_buf[256];
  if (!origin) {
    const char *eo = getenv("AIDREG_ORIGIN");
    const char *slash = eo ? strrchr(eo, '/') : NULL;
    if (!slash || slash == eo) return cli_usage(cmd, "--origin ORIGIN is required");
    snprintf(origin_buf, sizeof origin_buf, "%.*s/%s", (int)(slash - eo), eo, code);
    origin = origin_buf;
  }
  char now[40];
  if (tm) {
    int64_t sec;
    int32_t ns;
    if (aidreg_rfc3339_parse(tm, &sec, &ns) != 0) return cli_usage(cmd, "--time is not RFC 3339");
  } else {
    cli_now(now, sizeof now);
    tm = now;
  }
  json_t *set = settings ? cli_json_load(cmd, "--settings", settings, strlen(settings)) : json_object();
  if (!set) return CLI_FAIL;
  if (!json_is_object(set)) {
    json_decref(set);
    return cli_usage(cmd, "--settings must be a JSON object");
  }
  aidreg_keypair kp;
  char *kpath = (char *)key;
  if (cli_load_keys(cmd, &kpath, 1, &kp) != 0) {
    json_decref(set);
    return CLI_FAIL;
  }
  char keyid[AIDREG_KEYID_LEN + 1];
  aidreg_key_id(kp.pk, keyid);
  int rc = CLI_FAIL;
  json_t *body = json_pack("{s:s, s:s, s:s, s:O}", "code", code, "name", name, "root_key", keyid, "settings", set);
  json_decref(set);
  size_t plen = 0;
  char *payload = body ? cli_build_payload(cmd, origin, "ledger.create", code, tm, NULL, body, &plen) : NULL;
  json_decref(body);
  char *compact = NULL;
  json_t *env = payload ? cli_sign_envelope(cmd, payload, plen, &kp, 1, &compact) : NULL;
  aidreg_key_wipe(&kp);
  free(payload);
  cli_server s = {0};
  if (env && cli_server_open(&s, cmd, server) == 0) {
    aidreg_http_response r;
    if (cli_post(&s, "/v1/ledgers", compact, strlen(compact), token, &r) == 0) {
      json_t *ans = r.body ? json_loadb((char *)r.body, r.len, 0, NULL) : NULL;
      if (!ans) {
        cli_err(cmd, "HTTP %ld with a body that is not JSON: %.300s", r.status, r.body ? (char *)r.body : "");
      } else {
        cli_json_print(ans);
        if (r.status == 200 || r.status == 201) {
          const char *vkey = json_string_value(json_object_get(ans, "vkey"));
          rc = CLI_OK;
          if (vkey) fprintf(stderr, "ledger %s created; vkey: %s\n", code, vkey);
          if (receipt_out) {
            char *txt = json_dumps(ans, JSON_INDENT(2));
            if (!txt || cli_write_file(cmd, receipt_out, txt, strlen(txt), 0644) != 0) rc = CLI_FAIL;
            free(txt);
          }
          if (vkey_out) {
            char line[1024];
            snprintf(line, sizeof line, "%s\n", vkey ? vkey : "");
            if (!vkey || cli_write_file(cmd, vkey_out, line, strlen(line), 0644) != 0) rc = CLI_FAIL;
          }
        } else {
          const char *title = json_string_value(json_object_get(ans, "title"));
          const char *detail = json_string_value(json_object_get(ans, "detail"));
          cli_err(cmd, "refused (HTTP %ld): %s%s%s", r.status, title ? title : "", detail ? ": " : "",
                  detail ? detail : "");
        }
      }
      json_decref(ans);
      aidreg_http_response_free(&r);
    }
    cli_server_close(&s);
  }
  free(compact);
  json_decref(env);
  return rc;
}
