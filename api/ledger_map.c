/* The ledger map file: see ledger_map.h. */
#include "ledger_map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_MAX_BYTES (4u << 20) /* 832 counties take some 100 KiB */

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "aidreg-server: cannot open the ledger map %s: %s\n", path, strerror(errno));
    return NULL;
  }
  char *buf = malloc(MAP_MAX_BYTES + 1);
  size_t n = buf ? fread(buf, 1, MAP_MAX_BYTES + 1, f) : 0;
  bool bad = !buf || ferror(f) || n > MAP_MAX_BYTES;
  fclose(f);
  if (bad) {
    fprintf(stderr, "aidreg-server: cannot read the ledger map %s (at most %u bytes)\n", path, MAP_MAX_BYTES);
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* One line's words into rt. 0, or -1 with why. */
static int parse_line(char *line, aidreg_ledger_route *rt, const char **why) {
  memset(rt, 0, sizeof *rt);
  int nword = 0;
  for (char *save = NULL, *w = strtok_r(line, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save), nword++) {
    if (nword == 0) rt->code = w;
    else if (nword == 1) rt->database_url = w;
    else if (strncmp(w, "read=", 5) == 0 && !rt->read_database_url) rt->read_database_url = w + 5;
    else if (strncmp(w, "owner=", 6) == 0 && !rt->owner_database_url) rt->owner_database_url = w + 6;
    else {
      *why = "after CODE URL only read=URL and owner=URL, once each";
      return -1;
    }
  }
  if (nword < 2) {
    *why = "a line is CODE URL [read=URL] [owner=URL]";
    return -1;
  }
  return 0;
}

int ledger_map_load(ledger_map *m, const char *path) {
  memset(m, 0, sizeof *m);
  size_t len = 0;
  if (!(m->text = slurp(path, &len))) return -1;
  size_t lines = 1;
  for (size_t i = 0; i < len; i++) lines += m->text[i] == '\n';
  if (!(m->routes = calloc(lines, sizeof *m->routes))) {
    fprintf(stderr, "aidreg-server: out of memory\n");
    ledger_map_free(m);
    return -1;
  }
  unsigned lineno = 0;
  for (char *save = NULL, *line = m->text; line; line = save) {
    char *nl = strchr(line, '\n');
    save = nl ? nl + 1 : NULL;
    if (nl) *nl = '\0';
    lineno++;
    line += strspn(line, " \t\r");
    if (!*line || *line == '#') continue;
    const char *why = NULL;
    if (parse_line(line, &m->routes[m->n], &why) != 0) {
      fprintf(stderr, "aidreg-server: 账本映射 / ledger map %s line %u: %s\n", path, lineno, why);
      ledger_map_free(m);
      return -1;
    }
    m->n++;
  }
  return 0;
}

void ledger_map_free(ledger_map *m) {
  free(m->routes);
  free(m->text);
  memset(m, 0, sizeof *m);
}
