#ifndef AIDREG_TESTS_DOMAIN_CHECK_H
#define AIDREG_TESTS_DOMAIN_CHECK_H
/* Invariants of the current state, checked on a set of documents (docs/events.md: money adds
 * up). Used by the unit tests (memory) and, through the read API's documents, by the
 * integration tests. Each failure is printed; the functions return the count. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

int64_t dc_i(const json_t *o, const char *k);

/* An asset: income = allocated + unallocated, overall and per village; villages add up
 * to the asset; the value split adds up to the original value. */
int dc_asset(const json_t *a);

/* A plan: lines paid <= amount, remaining = amount - paid; totals; a closed plan is paid. */
int dc_plan(const json_t *p);

/* An income: net = allocated + unallocated; draws sum to allocated; no village's draws
 * exceed its share of net. */
int dc_income(const json_t *inc);

#endif
