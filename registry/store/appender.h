#ifndef AIDREG_APPENDER_H
#define AIDREG_APPENDER_H
/* Private: the per-ledger group-commit thread (see appender.c). */
#include <stddef.h>

#include "store/append.h"

typedef struct appender appender;

/* Starts the thread with its own connection. NULL with err on failure. */
appender *ar_appender_start(const append_ledger *lg, const char *url, size_t max_batch, char *err, size_t cap);
/* Queues items and returns; w->on_done(w->arg) runs once every one is done. w->pending
 * is set here. -1 if stopping (nothing queued). */
int ar_appender_enqueue(appender *a, append_item **items, size_t n, append_waiter *w);
/* Queues items and blocks until every one is done (its res filled). -1 if stopping. */
int ar_appender_submit(appender *a, append_item **items, size_t n);
/* Drains the queue, stops the thread, frees a. */
void ar_appender_stop(appender *a);
const append_ledger *ar_appender_ledger(const appender *a);

#endif
