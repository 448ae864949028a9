#ifndef AIDREG_TOOLS_CLI_WITNESS_H
#define AIDREG_TOOLS_CLI_WITNESS_H
/* `aidreg witness`: its durable state (cli_witness_state.c), the add-checkpoint request
 * (cli_witness_request.c) and its check (cli_witness.c). */
#include <stddef.h>
#include <stdint.h>

#include "aidreg/note.h"

#define WITNESS_MAX_PROOF_LINES 63 /* tlog-witness: a client sends at most 63 */

/* An add-checkpoint request: "old <size>\n", up to 63 lines of one base64 hash each, a
 * blank line, then the log's signed checkpoint note. note points into the body. */
typedef struct {
  uint64_t old;
  uint8_t proof[WITNESS_MAX_PROOF_LINES][32];
  size_t nproof;
  const char *note;
  size_t note_len, note_at; /* the note: its length, and where it starts in the body */
  size_t text_len;          /* the note's text, its signatures excluded: what they sign */
  aidreg_checkpoint cp;     /* the text parsed; its signatures not yet checked */
} witness_request;

/* Parses body[0, len) (not NUL-terminated). 0, or -1 with *why set to the reason (static
 * text, the 400 answer's body). */
int witness_request_parse(const char *body, size_t len, witness_request *rq, const char **why);

/* The state of one log: the last checkpoint this witness cosigned (the signed note as
 * the log sent it), or none. */
typedef struct {
  int known;
  aidreg_checkpoint cp;
  char *note; /* malloc'd, NULL when !known */
} witness_log_state;

/* Reads dir/<origin, percent-encoded>.checkpoint. 0 (st->known 0 when there is no
 * file), or -1 (unreadable or not a checkpoint of origin: the witness must not start
 * afresh and cosign a fork). */
int witness_state_load(const char *dir, const char *origin, witness_log_state *st);
/* Replaces the file by note atomically and durably: a temporary file, fsync, rename,
 * fsync of the folder. 0 or -1 (errno). */
int witness_state_save(const char *dir, const char *origin, const char *note, size_t len);
void witness_state_free(witness_log_state *st);
/* Keeps the evidence of a refused checkpoint signed by the log: dir/fork-<origin>-<time>.json
 * with both signed checkpoints ("cosigned": the last one cosigned, "refused": the one sent
 * at request + note_at) and the whole add-checkpoint request (old size and proof). The path (malloc'd) or NULL. */
char *witness_evidence_save(const char *dir, const char *origin, const char *reason, const char *cosigned_note,
                            const char *request, size_t request_len, size_t note_at);

#endif
