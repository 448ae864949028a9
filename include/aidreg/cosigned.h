#ifndef AIDREG_COSIGNED_H
#define AIDREG_COSIGNED_H
/* Witness cosignatures kept by the registry (sql/008_cosignatures.sql): what the server's
 * witness client stores, and the checkpoints and receipts served with them. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/problem.h"
#include "aidreg/registry.h"

/* Stores the cosignature of the witness witness_vkey (type 0x04 key string) found in
 * lines (a witness's add-checkpoint answer) on the stored checkpoint of code at size,
 * after checking it against that checkpoint. 0; -1 with p: INVALID_QUERY (no valid
 * cosignature by that witness in lines), NOT_FOUND (no such checkpoint), UNAVAILABLE. */
int aidreg_registry_cosignature_add(aidreg_registry *r, const char *code, uint64_t size, const char *witness_vkey,
                                    const char *lines, size_t len, aidreg_problem *p);
/* The largest size of code that witness_vkey cosigned (0: none) into *size. 0 or -1. */
int aidreg_registry_cosigned_size(aidreg_registry *r, const char *code, const char *witness_vkey, uint64_t *size,
                                  aidreg_problem *p);
/* The newest checkpoint of code with at least quorum stored cosignatures, or the latest
 * when none has that many (quorum 0: the latest), as a note with its cosignature lines
 * appended (malloc'd). With min_size, only checkpoints of a size >= min_size count. */
int aidreg_registry_checkpoint_cosigned(aidreg_registry *r, const char *code, unsigned quorum, uint64_t min_size,
                                        char **note, aidreg_problem *p);
/* A receipt for the entry at index ({"ledger","index","leaf_hash","payload_sha256",
 * "checkpoint","inclusion_proof"}, as aidreg_receipt_json) against the checkpoint
 * aidreg_registry_checkpoint_cosigned chooses among those covering index. */
int aidreg_registry_receipt(aidreg_registry *r, const char *code, uint64_t index, unsigned quorum, json_t **out,
                            aidreg_problem *p);

#endif
