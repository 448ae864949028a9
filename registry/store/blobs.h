#ifndef AIDREG_STORE_BLOBS_H
#define AIDREG_STORE_BLOBS_H
/* Private to registry/store/: the attachments' reads on a connection already open. */
#include <jansson.h>

#include "aidreg/problem.h"
#include "store/db.h"

/* Of the hex hashes in names, those ledger code has no file for (new array), or NULL with p. */
json_t *ar_blobs_missing_on(db_conn *c, const char *code, const json_t *names, aidreg_problem *p);
/* {"attachments": [every *_sha256 the history's events name], "missing_blobs": [those not
 * stored]} set on doc, from the steps of history. 0 or -1 with p. */
int ar_blobs_annotate(db_conn *c, const char *code, json_t *doc, const json_t *history, aidreg_problem *p);

#endif
