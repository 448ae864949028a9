#ifndef AIDREG_STORE_READ_UTIL_H
#define AIDREG_STORE_READ_UTIL_H
/* What every read of the current state adds for people (docs/api.md "Current state"):
 * the name beside each township or village code, the Chinese label beside each
 * enumeration value, and the yuan beside each fen. Private to registry/store/. */
#include <jansson.h>

#include "aidreg/problem.h"
#include "aidreg/registry.h"
#include "store/db.h"

/* 0 when ledger code exists; -1 with p (UNKNOWN_LEDGER, UNAVAILABLE) otherwise. */
int ar_read_ledger_known(db_conn *c, const char *code, aidreg_problem *p);
/* {code: name} of every place that place.register named in the ledger, with the ledger's
 * own code and name. New reference, or NULL with p (UNAVAILABLE, INTERNAL). */
json_t *ar_read_place_names(aidreg_registry *r, db_conn *c, const char *code, aidreg_problem *p);
/* Decorates a read (not a signed event: members named "event" are left alone):
 *   village, township, scope (a code)      -> village_name, township_name, scope_name
 *   locations[] {code}                     -> name
 *   an enumeration value x (class, form, status, state, mode, condition, kind, ...)
 *                                          -> x_zh (the label; left out when none)
 *   by_class, by_status {value: N}         -> by_class_zh, by_status_zh {value: label}
 *   x_fen (integer)                        -> x_yuan ("1234.56")
 * names may be NULL (no names). 0, or -1 when out of memory. */
int ar_read_decorate(json_t *v, const json_t *names);
/* The label of a plan state, an asset status (with disposed), a key role or a key state;
 * NULL when none. */
const char *ar_read_label(const char *enum_name, const char *value);
/* The checkpoint a report states, from the signed note (C2SP tlog-checkpoint: origin, size,
 * root hash): {"origin","size","root_hash","created_at"}. New reference or NULL. */
json_t *ar_report_checkpoint(const char *note, const char *created_at);

#endif
