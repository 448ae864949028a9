#ifndef AIDREG_API_LEDGER_MAP_H
#define AIDREG_API_LEDGER_MAP_H
/* The ledger map file (--ledger-map): which PostgreSQL cluster holds each county's
 * ledger (docs/scale.md). One line per county: "CODE URL [read=URL] [owner=URL]";
 * blank lines and lines starting with # are skipped. */
#include <stddef.h>

#include "aidreg/registry.h"

typedef struct {
  aidreg_ledger_route *routes; /* their strings point into text */
  size_t n;
  char *text;                  /* the file, cut into words */
} ledger_map;

/* Reads path into m. 0, or -1 after printing why (with the line). */
int ledger_map_load(ledger_map *m, const char *path);
void ledger_map_free(ledger_map *m);

#endif
