#ifndef AIDREG_TOOLS_CLI_WITNESS_H
#define AIDREG_TOOLS_CLI_WITNESS_H
/* `aidreg witness`: its durable state (cli_witness_state.c) and the add-checkpoint
 * check (cli_witness.c). */
#include <stddef.h>
#include <stdint.h>

#include "aidreg/note.h"

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
