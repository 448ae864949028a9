#ifndef AIDREG_TESTS_DOMAIN_MEMCHECK_H
#define AIDREG_TESTS_DOMAIN_MEMCHECK_H
/* Invariants over a whole in-memory state (domain_check.h per document, plus the links
 * between documents), and the comparison of two states. For the unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/domain.h"
#include "domain_check.h"

int invariants(const domain_memstore *m);

/* Every document of a and b, with its updated_at, must agree. */
int compare(const domain_memstore *a, const domain_memstore *b, const char *what);

#endif
