/* The C2SP tlog-witness add-checkpoint request body, as `aidreg witness` reads it: apart
 * from the witness (cli_witness.c) so that a fuzz target links it without the CLI. */
#include <string.h>

#include "aidreg/encoding.h"
#include "cli_witness.h"

int witness_request_parse(const char *body, size_t len, witness_request *rq, const char **why) {
  const char *p = body, *end = body + len, *eol = memchr(p, '\n', len);
  memset(rq, 0, sizeof *rq);
  if (!eol || eol - p < 4 || memcmp(p, "old ", 4) != 0 ||
      aidreg_tlog_size_parse(p + 4, (size_t)(eol - p - 4), &rq->old)) {
    *why = "the body must start with \"old <size>\\n\"\n";
    return -1;
  }
  for (p = eol + 1;; p = eol + 1) {
    eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    if (!eol) {
      *why = "no blank line before the checkpoint\n";
      return -1;
    }
    if (eol == p) break;
    char b64[45];
    if (rq->nproof == WITNESS_MAX_PROOF_LINES || eol - p != 44) {
      *why = "a proof line is not one base64 hash (or more than 63)\n";
      return -1;
    }
    memcpy(b64, p, 44);
    b64[44] = '\0';
    if (aidreg_b64_decode_fixed(b64, rq->proof[rq->nproof], 32) != 0) {
      *why = "a proof line is not one base64 hash\n";
      return -1;
    }
    rq->nproof++;
  }
  rq->note = eol + 1;
  rq->note_len = (size_t)(end - rq->note);
  rq->note_at = (size_t)(rq->note - body);
  const char *blank = memmem(rq->note, rq->note_len, "\n\n", 2);
  if (!blank || aidreg_checkpoint_parse(rq->note, (size_t)(blank - rq->note) + 1, &rq->cp) != 0) {
    *why = "not a checkpoint note\n";
    return -1;
  }
  rq->text_len = (size_t)(blank - rq->note) + 1;
  return 0;
}
