/* aidreg sign */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "cli.h"
#include "cli_tables.h"

static const char help[] =
    "usage: aidreg sign --key FILE [--key FILE...] --type TYPE --subject SUBJECT\n"
    "                   (--body JSON | --body-file FILE) [--prev HEX] [--time RFC3339]\n"
    "                   [--origin ORIGIN]\n"
    "       aidreg sign --key FILE [--key FILE...] --event FILE\n"
    "\n"
    "Builds the event {\"ledger\",\"type\",\"subject\",\"time\",\"prev\"?,\"body\"} (compact JSON,\n"
    "members in that order), signs it with every --key (a DSSE envelope, one signature per\n"
    "key) and prints the envelope as compact JSON on stdout.\n"
    "\n"
    "  --key FILE        secret key (PKCS#8 PEM); repeat for several signers\n"
    "  --type TYPE       event type of docs/events.md (key.enroll, asset.register, ...)\n"
    "  --subject S       the subject (asset code, key id, county code...)\n"
    "  --body JSON       the body, a JSON object; --body-file FILE reads it (- = stdin)\n"
    "  --prev HEX        SHA-256 (hex) of the subject's latest payload (optimistic concurrency)\n"
    "  --time T          the signer's time, RFC 3339 (default: now, UTC)\n"
    "  --origin ORIGIN   the ledger's origin, e.g. registry.example.org/522701\n"
    "                    (default: AIDREG_ORIGIN)\n"
    "  --event FILE      sign this whole event JSON byte for byte instead (- = stdin)\n"
    "  --quiet           do not print the summary of what is signed\n"
    "\n"
    "Before signing it prints on stderr what it is about to sign (即将签署): the type with its\n"
    "Chinese label, the subject, the ledger, the time and every member of the body with its\n"
    "name, labels and amounts in yuan. `//` comments in the body (as `aidreg template TYPE`\n"
    "writes them) are dropped; `aidreg template TYPE` prints an example body for any type.\n";

#define MAX_BODY ((size_t)1 << 20)

int cli_sign(int argc, char **argv) {
  static const struct option lo[] = {
      {"key", required_argument, NULL, 'k'},     {"type", required_argument, NULL, 't'},
      {"subject", required_argument, NULL, 's'}, {"body", required_argument, NULL, 'b'},
      {"body-file", required_argument, NULL, 'B'}, {"prev", required_argument, NULL, 'p'},
      {"time", required_argument, NULL, 'T'},    {"origin", required_argument, NULL, 'o'},
      {"event", required_argument, NULL, 'e'},   {"help", no_argument, NULL, 'h'},
      {"quiet", no_argument, NULL, 'q'},
      {0}};
  char *keys[AIDREG_MAX_SIGNATURES];
  size_t nkeys = 0;
  const char *type = NULL, *subject = NULL, *body = NULL, *body_file = NULL, *prev = NULL, *tm = NULL,
             *origin = NULL, *event = NULL;
  bool quiet = false;
  cli_opts o = {.cmd = "sign", .help = help, .lo = lo};
  int c;
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'k':
        if (nkeys == AIDREG_MAX_SIGNATURES)
          return cli_usage("sign", "at most %d keys", AIDREG_MAX_SIGNATURES);
        keys[nkeys++] = optarg;
        break;
      case 't': type = optarg; break;
      case 's': subject = optarg; break;
      case 'b': body = optarg; break;
      case 'B': body_file = optarg; break;
      case 'p': prev = optarg; break;
      case 'T': tm = optarg; break;
      case 'o': origin = optarg; break;
      case 'e': event = optarg; break;
      case 'q': quiet = true; break;
    }
  }
  if (c < 0) return o.status;
  if (nkeys == 0) return cli_usage("sign", "--key FILE is required");

  char *payload = NULL, *text = NULL;
  size_t plen = 0;
  json_t *bodyv = NULL;
  if (event) {
    if (type || subject || body || body_file || prev || tm || origin)
      return cli_usage("sign", "--event takes the whole event; do not combine it with --type, --body...");
    payload = cli_read_file("sign", event, MAX_BODY, &plen);
    if (!payload) return CLI_FAIL;
    aidreg_event ev;
    aidreg_problem p = {0};
    if (aidreg_event_parse((const uint8_t *)payload, plen, &ev, &p) != 0) {
      cli_err("sign", "%s is not a valid event: %s%s%s", event, p.detail, p.field[0] ? " at " : "", p.field);
      free(payload);
      return CLI_FAIL;
    }
    if (!quiet) cli_sign_summary(stderr, ev.type, ev.subject, ev.ledger, ev.time_str, ev.body, nkeys);
    aidreg_event_free(&ev);
  } else {
    origin = cli_default(origin, "AIDREG_ORIGIN");
    if (!type || !subject) return cli_usage("sign", "--type and --subject are required (or --event FILE)");
    if (!body == !body_file) return cli_usage("sign", "give exactly one of --body JSON and --body-file FILE");
    if (!origin) return cli_usage("sign", "--origin ORIGIN is required (or set AIDREG_ORIGIN)");
    if (!aidreg_event_type_find(type)) return cli_usage("sign", "event type \"%s\" is not in the catalogue", type);
    char now[40];
    if (tm) {
      int64_t sec;
      int32_t nsec;
      if (aidreg_rfc3339_parse(tm, &sec, &nsec) != 0) return cli_usage("sign", "--time %s is not RFC 3339", tm);
    } else {
      cli_now(now, sizeof now);
      tm = now;
    }
    if (prev) {
      uint8_t h[32];
      if (aidreg_hex_decode(prev, h, 32) != 0) return cli_usage("sign", "--prev must be 64 hex digits");
    }
    size_t blen = 0;
    if (body_file) {
      text = cli_read_file("sign", body_file, MAX_BODY, &blen);
      if (!text) return CLI_FAIL;
    }
    char *btext = text ? text : strdup(body); /* without the // comments of `aidreg template` */
    if (!btext) return CLI_FAIL;
    blen = cli_strip_comments(btext);
    bodyv = cli_json_load("sign", "the body", btext, blen);
    free(btext);
    if (!bodyv) return CLI_FAIL;
    if (!json_is_object(bodyv)) {
      json_decref(bodyv);
      return cli_usage("sign", "the body must be a JSON object");
    }
    if (!quiet) cli_sign_summary(stderr, type, subject, origin, tm, bodyv, nkeys);
    payload = cli_build_payload("sign", origin, type, subject, tm, prev, bodyv, &plen);
    json_decref(bodyv);
    if (!payload) return CLI_FAIL;
  }

  aidreg_keypair kp[AIDREG_MAX_SIGNATURES];
  int rc = CLI_FAIL;
  if (cli_load_keys("sign", keys, nkeys, kp) == 0) {
    char *compact = NULL;
    json_t *env = cli_sign_envelope("sign", payload, plen, kp, nkeys, &compact);
    if (env) {
      printf("%s\n", compact);
      rc = CLI_OK;
    }
    free(compact);
    json_decref(env);
    for (size_t i = 0; i < nkeys; i++) aidreg_key_wipe(&kp[i]);
  }
  free(payload);
  return rc;
}
