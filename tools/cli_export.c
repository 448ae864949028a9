/* aidreg export: a ledger's checkpoint, hash tiles and entry bundles into a folder, in
 * the C2SP tlog-tiles layout (DIR/checkpoint, DIR/tile/<L>/<N>[.p/<W>],
 * DIR/tile/entries/<N>[.p/<W>]), so that `aidreg verify --dir` and any tlog-tiles client
 * can read it. Memory stays at one tile. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/tile.h"
#include "cli.h"

static const char help[] =
    "usage: aidreg export [--server URL] [--ledger CODE] --out DIR [--vkey VKEY]\n"
    "       aidreg export --db URL --ledger CODE --out DIR [--vkey VKEY]\n"
    "\n"
    "Writes the ledger's latest checkpoint, every hash tile and every entry bundle of its\n"
    "tree to DIR in the tlog-tiles layout: DIR/checkpoint, DIR/tile/<L>/<N>[.p/<W>] and\n"
    "DIR/tile/entries/<N>[.p/<W>], and from a server every attachment (photos, minutes,\n"
    "contracts) as DIR/blobs/<sha256>. The checkpoint is written last, so a folder with a\n"
    "checkpoint is complete. Nothing is trusted or changed: check the folder with\n"
    "`aidreg verify --dir DIR --vkey VKEY`.\n"
    "\n"
    "  --server URL    server (default: AIDREG_URL)\n"
    "  --ledger CODE   county code (default: AIDREG_LEDGER)\n"
    "  --db URL        read from PostgreSQL instead of a server\n"
    "  --out DIR       the folder (created if needed)\n"
    "  --vkey VKEY     refuse to export unless the checkpoint verifies with this key\n";

static int write_tile(const char *dir, int entries, unsigned level, uint64_t n, unsigned w, const uint8_t *data,
                      size_t len) {
  aidreg_tile_ref t = {.entries = entries, .level = level, .index = n, .width = w};
  char rel[128];
  if (aidreg_tile_format(&t, rel, sizeof rel) != 0) return -1;
  size_t plen = strlen(dir) + strlen(rel) + 2;
  char *path = malloc(plen);
  if (!path) return -1;
  snprintf(path, plen, "%s/%s", dir, rel);
  int rc = cli_mkdirs(path, false) == 0 ? cli_write_file("export", path, data, len, 0644) : -1;
  if (rc != 0) cli_err("export", "cannot write %s", path);
  free(path);
  return rc;
}

static int export_from(const aidreg_verify_source *src, cli_server *srv, const char *code, const char *dir,
                       const char *vkey) {
  aidreg_verify_failure f = {0};
  char *note = NULL;
  size_t nlen = 0;
  if (src->checkpoint(src->ctx, &note, &nlen, &f) != 0) {
    free(note);
    cli_err("export", "%s", f.message);
    return CLI_FAIL;
  }
  aidreg_checkpoint cp;
  int ok;
  if (vkey) {
    aidreg_note_verifier v;
    ok = aidreg_note_vkey_parse(vkey, &v) == 0 && aidreg_checkpoint_open(note, nlen, &v, &cp) == 0;
  } else {
    const char *bl = strstr(note, "\n\n");
    ok = bl && aidreg_checkpoint_parse(note, (size_t)(bl - note) + 1, &cp) == 0;
  }
  if (!ok) {
    cli_err("export", "the checkpoint %s", vkey ? "does not verify with --vkey" : "is not a signed checkpoint");
    free(note);
    return CLI_FAIL;
  }
  if (cli_mkdirs(dir, true) != 0) {
    cli_err("export", "cannot create %s", dir);
    free(note);
    return CLI_FAIL;
  }
  uint64_t tiles = 0, bundles = 0;
  int rc = CLI_OK;
  for (unsigned L = 0; L < aidreg_tile_levels(cp.size) && rc == CLI_OK; L++) {
    for (uint64_t n = 0;; n++) {
      unsigned w = aidreg_tile_width_at(cp.size, L, n);
      if (w == 0) break;
      uint8_t *data = NULL;
      size_t len = 0;
      if (src->tile(src->ctx, L, n, w, &data, &len, &f) != 0 || len != (size_t)w * 32) {
        cli_err("export", "hash tile %u/%" PRIu64 ": %s", L, n, f.message[0] ? f.message : "wrong length");
        rc = CLI_FAIL;
      } else if (write_tile(dir, 0, L, n, w, data, len) != 0) {
        rc = CLI_FAIL;
      }
      free(data);
      if (rc != CLI_OK) break;
      tiles++;
    }
  }
  for (uint64_t n = 0; rc == CLI_OK; n++) {
    unsigned w = aidreg_bundle_width_at(cp.size, n);
    if (w == 0) break;
    uint8_t *data = NULL;
    size_t len = 0;
    if (src->entries(src->ctx, n, w, &data, &len, &f) != 0) {
      cli_err("export", "entry bundle %" PRIu64 ": %s", n, f.message);
      rc = CLI_FAIL;
    } else if (write_tile(dir, 1, 0, n, w, data, len) != 0) {
      rc = CLI_FAIL;
    }
    free(data);
    bundles++;
  }
  unsigned blobs = 0;
  if (rc == CLI_OK && srv) rc = cli_export_blobs(srv, code, dir, &blobs);
  if (rc == CLI_OK) {
    size_t plen = strlen(dir) + sizeof "/checkpoint";
    char *path = malloc(plen);
    if (!path) {
      rc = CLI_FAIL;
    } else {
      snprintf(path, plen, "%s/checkpoint", dir);
      if (cli_write_file("export", path, note, nlen, 0644) != 0) rc = CLI_FAIL;
      free(path);
    }
  }
  if (rc == CLI_OK)
    printf("exported %s: size %" PRIu64 ", %" PRIu64 " hash tiles, %" PRIu64 " entry bundles, %u attachments to %s\n",
           cp.origin, cp.size, tiles, bundles, blobs, dir);
  free(note);
  return rc;
}

int cli_export(int argc, char **argv) {
  static const struct option lo[] = {{"server", required_argument, NULL, 'S'}, {"ledger", required_argument, NULL, 'l'},
                                     {"db", required_argument, NULL, 'D'},     {"out", required_argument, NULL, 'o'},
                                     {"vkey", required_argument, NULL, 'v'},   {"help", no_argument, NULL, 'h'},
                                     {0}};
  const char *server = NULL, *ledger = NULL, *db_url = NULL, *out = NULL, *vkey = NULL;
  cli_opts o = {.cmd = "export", .help = help, .lo = lo};
  int c;
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'S': server = optarg; break;
      case 'l': ledger = optarg; break;
      case 'D': db_url = optarg; break;
      case 'o': out = optarg; break;
      case 'v': vkey = optarg; break;
    }
  }
  if (c < 0) return o.status;
  if (!out) return cli_usage("export", "--out DIR is required");
  if (server && db_url) return cli_usage("export", "give --server or --db, not both");
  ledger = cli_default(ledger, "AIDREG_LEDGER");
  if (!ledger) return cli_usage("export", "--ledger CODE is required (or set AIDREG_LEDGER)");
  if (!cli_is_county(ledger)) return cli_usage("export", "--ledger must be a 6-digit county code");
  if (!db_url) {
    server = cli_default(server, "AIDREG_URL");
    if (!server) return cli_usage("export", "--server URL is required (or --db, or set AIDREG_URL)");
  }
  cli_source s;
  if (cli_source_open(&s, "export", NULL, db_url, server, ledger) != 0) return CLI_FAIL;
  int rc = export_from(&s.src, db_url ? NULL : &s.srv, ledger, out, vkey);
  cli_source_close(&s);
  return rc;
}
