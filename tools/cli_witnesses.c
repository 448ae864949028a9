/* --witness VKEY (repeatable) and --witness-threshold N of `aidreg verify` and `aidreg
 * proof check`: a checkpoint is accepted only with cosignatures (C2SP tlog-cosignature)
 * by at least N of the witnesses named (default: all of them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/cosignature.h"
#include "cli.h"

int cli_witnesses_add(cli_witnesses *w, const char *cmd, const char *vkey) {
  if (w->n == CLI_MAX_WITNESSES) return cli_usage(cmd, "at most %d --witness", CLI_MAX_WITNESSES);
  if (aidreg_cosig_vkey_parse(vkey, &w->v[w->n]) != 0)
    return cli_usage(cmd, "--witness %s is not a witness verifier key (type 0x04)", vkey);
  w->n++;
  return 0;
}

int cli_witnesses_threshold(cli_witnesses *w, const char *cmd, const char *arg) {
  char *end;
  long t = strtol(arg, &end, 10);
  if (*end || t < 1 || t > CLI_MAX_WITNESSES) return cli_usage(cmd, "--witness-threshold must be a count >= 1");
  w->threshold = (unsigned)t;
  return 0;
}

int cli_witnesses_ready(const cli_witnesses *w, const char *cmd) {
  if (w->threshold > 0 && w->threshold > w->n)
    return cli_usage(cmd, "--witness-threshold %u is more than the %zu --witness given", w->threshold, w->n);
  return 0;
}

int cli_witnesses_check(const cli_witnesses *w, const char *cmd, const char *note, size_t len) {
  if (w->n == 0) return 0;
  size_t need = w->threshold ? w->threshold : w->n, got = aidreg_cosig_count(note, len, w->v, w->n);
  if (got >= need) return 0;
  cli_err(cmd, "未经见证 / not witnessed: the checkpoint has %zu valid cosignature(s) of the %zu required", got, need);
  return -1;
}
