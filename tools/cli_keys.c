/* aidreg keygen */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char help[] =
    "usage: aidreg keygen --out NAME\n"
    "\n"
    "Creates an Ed25519 key pair: NAME.key, the secret key (PKCS#8 PEM, mode 0600), and\n"
    "NAME.pub, the public key (SPKI PEM); `openssl pkey` reads both. Prints the key id\n"
    "(standard base64 of the 32-byte public key), which is what `enroll` and\n"
    "`ledger create` name. Refuses to overwrite existing files.\n";

int cli_keygen(int argc, char **argv) {
  static const struct option lo[] = {{"out", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {0}};
  const char *out = NULL;
  cli_opts o = {.cmd = "keygen", .help = help, .lo = lo};
  int c;
  while ((c = cli_opt_next(&o, argc, argv)) > 0)
    if (c == 'o') out = optarg;
  if (c < 0) return o.status;
  if (!out || !*out) return cli_usage("keygen", "--out NAME is required");

  size_t n = strlen(out) + 8;
  char *kpath = malloc(n), *ppath = malloc(n);
  int rc = CLI_FAIL;
  aidreg_keypair k;
  char err[256] = "";
  struct stat st;
  if (!kpath || !ppath) goto out;
  snprintf(kpath, n, "%s.key", out);
  snprintf(ppath, n, "%s.pub", out);
  if (stat(kpath, &st) == 0 || stat(ppath, &st) == 0) {
    cli_err("keygen", "%s or %s exists already; not overwriting", kpath, ppath);
    goto out;
  }
  if (aidreg_key_generate(&k) != 0) {
    cli_err("keygen", "key generation failed");
    goto out;
  }
  if (aidreg_key_write_secret(kpath, &k, err) != 0) {
    cli_err("keygen", "cannot write %s: %s", kpath, err);
  } else if (aidreg_key_write_public(ppath, k.pk, err) != 0) {
    cli_err("keygen", "cannot write %s: %s", ppath, err);
    remove(kpath);
  } else {
    char id[AIDREG_KEYID_LEN + 1];
    aidreg_key_id(k.pk, id);
    printf("%s\n", id);
    rc = CLI_OK;
  }
  aidreg_key_wipe(&k);
out:
  free(kpath);
  free(ppath);
  return rc;
}
