/* Parsing the witness policy file. */
#include "witness_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/cosignature.h"

static int fail(const char *path, unsigned line, const char *why) {
  fprintf(stderr, "aidreg-server: witness policy %s line %u: %s\n", path, line, why);
  return -1;
}

int witness_policy_load(witness_policy *wp, const char *path) {
  memset(wp, 0, sizeof *wp);
  wp->interval_ms = 500;
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "aidreg-server: cannot read the witness policy %s\n", path);
    return -1;
  }
  char buf[4096];
  unsigned lineno = 0;
  long quorum = -1;
  int rc = 0;
  while (rc == 0 && fgets(buf, sizeof buf, f)) {
    lineno++;
    char *hash = strchr(buf, '#');
    if (hash) *hash = '\0';
    char *save = NULL, *word = strtok_r(buf, " \t\r\n", &save);
    if (!word) continue;
    char *a = strtok_r(NULL, " \t\r\n", &save), *b = strtok_r(NULL, " \t\r\n", &save);
    char *extra = strtok_r(NULL, " \t\r\n", &save);
    if (!strcmp(word, "witness")) {
      aidreg_note_verifier v;
      if (!a || !b || extra) {
        rc = fail(path, lineno, "expected \"witness <vkey> <url>\"");
      } else if (aidreg_cosig_vkey_parse(a, &v) != 0) {
        rc = fail(path, lineno, "not a witness verifier key (C2SP tlog-cosignature, type 0x04)");
      } else if (strncmp(b, "http://", 7) != 0 && strncmp(b, "https://", 8) != 0) {
        rc = fail(path, lineno, "the URL must start with http:// or https://");
      } else {
        witness_entry *n = realloc(wp->w, (wp->n + 1) * sizeof *n);
        if (!n) {
          rc = fail(path, lineno, "out of memory");
        } else {
          wp->w = n;
          n[wp->n] = (witness_entry){.vkey = strdup(a), .url = strdup(b), .v = v};
          size_t ul = strlen(n[wp->n].url ? n[wp->n].url : "");
          if (ul && n[wp->n].url[ul - 1] == '/') n[wp->n].url[ul - 1] = '\0';
          wp->n++;
          if (!n[wp->n - 1].vkey || !n[wp->n - 1].url) rc = fail(path, lineno, "out of memory");
        }
      }
    } else if ((!strcmp(word, "quorum") || !strcmp(word, "interval")) && a && !b) {
      char *end;
      long v = strtol(a, &end, 10);
      if (*end || v < 0 || v > 100000) rc = fail(path, lineno, "not a number");
      else if (!strcmp(word, "quorum")) quorum = v;
      else wp->interval_ms = v < 10 ? 10 : (unsigned)v;
    } else {
      rc = fail(path, lineno, "expected \"witness <vkey> <url>\", \"quorum <n>\" or \"interval <ms>\"");
    }
  }
  fclose(f);
  if (rc == 0 && quorum > (long)wp->n) rc = fail(path, lineno, "the quorum is larger than the witnesses listed");
  if (rc != 0) {
    witness_policy_free(wp);
    return -1;
  }
  wp->quorum = quorum < 0 ? (unsigned)wp->n : (unsigned)quorum;
  return 0;
}

void witness_policy_free(witness_policy *wp) {
  for (size_t i = 0; i < wp->n; i++) {
    free(wp->w[i].vkey);
    free(wp->w[i].url);
  }
  free(wp->w);
  wp->w = NULL;
  wp->n = 0;
}
