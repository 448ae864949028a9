/* libFuzzer target: the C2SP tlog-witness add-checkpoint request body, as `aidreg witness`
 * parses it (tools/cli_witness_request.c, compiled in): "old <size>\n", up to 63 base64
 * hashes a line, a blank line, the log's signed checkpoint. The parser is strict: an
 * accepted body is rebuilt byte for byte from what it parsed, and its note lies inside it.
 * Then what the witness does with it: the checkpoint text signed with the fuzz log key
 * must open as the checkpoint parsed (and only under the fuzz key's origin), and the proof
 * goes through the consistency check the witness runs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "aidreg/merkle.h"
#include "cli_witness.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const fuzz_key *k = fuzz_log_key();
  /* Exactly size bytes, not NUL-terminated: the body as libmicrohttpd hands it over. */
  char *body = malloc(size ? size : 1);
  ASSERT(body != NULL);
  memcpy(body, data, size);
  witness_request rq;
  const char *why = NULL;
  if (witness_request_parse(body, size, &rq, &why) != 0) {
    ASSERT(why != NULL && why[0] != '\0' && why[strlen(why) - 1] == '\n');
    free(body);
    return 0;
  }
  ASSERT(rq.nproof <= WITNESS_MAX_PROOF_LINES);
  ASSERT(rq.note == body + rq.note_at && rq.note_at + rq.note_len == size);
  ASSERT(rq.text_len >= 1 && rq.text_len < rq.note_len && rq.note[rq.text_len] == '\n');
  ASSERT(memchr(rq.cp.origin, '\0', sizeof rq.cp.origin) != NULL);

  /* The head rebuilt from what was parsed is the body's head. */
  size_t cap = 32 + rq.nproof * 45 + 1;
  char *head = malloc(cap);
  ASSERT(head != NULL);
  int n = snprintf(head, cap, "old %" PRIu64 "\n", rq.old);
  ASSERT(n > 0 && (size_t)n < cap);
  size_t len = (size_t)n;
  for (size_t i = 0; i < rq.nproof; i++) {
    ASSERT(aidreg_b64_encode_to(rq.proof[i], 32, head + len, cap - len) == 0);
    len += strlen(head + len);
    head[len++] = '\n';
  }
  head[len++] = '\n';
  ASSERT(len == rq.note_at && memcmp(head, body, len) == 0);
  free(head);

  /* The checkpoint text, signed with the fuzz key, opens as what was parsed. */
  char *text = malloc(rq.text_len + 1);
  ASSERT(text != NULL);
  memcpy(text, rq.note, rq.text_len);
  text[rq.text_len] = '\0';
  char *note = strlen(text) == rq.text_len ? aidreg_note_sign(text, FUZZ_ORIGIN, k->sk) : NULL;
  if (note) {
    aidreg_checkpoint c;
    int opened = aidreg_checkpoint_open(note, strlen(note), &k->v, &c) == 0;
    ASSERT(opened == (strcmp(rq.cp.origin, FUZZ_ORIGIN) == 0));
    if (opened) ASSERT(c.size == rq.cp.size && memcmp(c.root, rq.cp.root, 32) == 0);
    free(note);
  }
  free(text);
  /* The note as sent, under the fuzz key: a verdict, nothing else. */
  aidreg_checkpoint c;
  int v = aidreg_checkpoint_open(rq.note, rq.note_len, &k->v, &c);
  ASSERT(v == 0 || v == -1 || v == -2);

  /* The witness's consistency check, from the first proof hash as the old root. */
  if (rq.old > 0 && rq.old < rq.cp.size) {
    uint8_t old_root[32] = {0};
    if (rq.nproof) memcpy(old_root, rq.proof[0], 32);
    (void)aidreg_merkle_verify_consistency(rq.old, rq.cp.size, old_root, rq.cp.root, (const uint8_t(*)[32])rq.proof,
                                           rq.nproof);
  }
  free(body);
  return 0;
}
