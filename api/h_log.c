/* C2SP tlog-tiles under /log/{code}/: the checkpoint and the tiles. */
#include <stdio.h>
#include <string.h>

#include "aidreg/cosigned.h"
#include "aidreg/tile.h"
#include "httpd.h"
#include "query.h"
#include "reply.h"
#include "witness_policy.h"

/* GET /log/{code}/checkpoint[?min_size=N]: the latest signed checkpoint note; with
 * witnesses, the newest one with the policy's quorum of cosignatures (their lines
 * appended), or the latest when none has it yet. With min_size, only once the tree has
 * that many entries (a receipt's size, read from a replica that may lag: 503 +
 * Retry-After until it has caught up). */
enum MHD_Result h_log_checkpoint(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  char *note = NULL;
  uint64_t min_size = 0;
  const query_param spec[] = {{"min_size", QUERY_U64, &min_size, NULL}};
  if (query_parse(rq->conn, spec, 1, &p) != 0) return reply_problem(rq, &p, NULL);
  const witness_policy *wp = rq->srv->witnesses;
  if (wp ? aidreg_registry_checkpoint_cosigned(rq->srv->registry, rq->code, wp->quorum, min_size, &note, &p) != 0
         : aidreg_registry_checkpoint_min(rq->srv->registry, rq->code, min_size, &note, &p) != 0)
    return reply_problem(rq, &p, NULL);
  if (!note) return reply_error(rq, AIDREG_E_INTERNAL, NULL, "no checkpoint note");
  return reply_bytes(rq, MHD_HTTP_OK, "text/plain; charset=utf-8", "no-cache", note, strlen(note));
}

/* GET /log/{code}/tile/<L>/<N>[.p/<W>] and /log/{code}/tile/entries/<N>[.p/<W>]. A full
 * tile never changes; a partial one is replaced by wider ones as the log grows. */
enum MHD_Result h_log_tile(httpd_request *rq) {
  aidreg_problem p;
  aidreg_problem_clear(&p);
  char path[HTTPD_ARG_MAX + 8];
  aidreg_tile_ref t;
  snprintf(path, sizeof path, "tile/%s", rq->arg);
  if (aidreg_tile_parse(path, &t) != 0)
    return reply_error(rq, AIDREG_E_NOT_FOUND, NULL, "not a tile path (C2SP tlog-tiles): %s", path);
  uint8_t *data = NULL;
  size_t len = 0;
  if (aidreg_registry_tile(rq->srv->registry, rq->code, &t, &data, &len, &p) != 0)
    return reply_problem(rq, &p, NULL);
  const char *cache =
      t.width == AIDREG_TILE_WIDTH ? "public, max-age=31536000, immutable" : "public, max-age=60";
  return reply_bytes(rq, MHD_HTTP_OK, "application/octet-stream", cache, data, len);
}

