#ifndef AIDREG_MIGRATE_H
#define AIDREG_MIGRATE_H
#include <stddef.h>

#include "store/db.h"

/* Applies the pending migrations of dir to the database at url. 0, or -1 with err. */
int aidreg_migrate(const char *url, const char *dir, char *err, size_t cap);

#endif
