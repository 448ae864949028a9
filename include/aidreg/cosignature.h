#ifndef AIDREG_COSIGNATURE_H
#define AIDREG_COSIGNATURE_H
/* C2SP tlog-cosignature v1 with Ed25519 (signature type 0x04): a witness's timestamped
 * signature over a checkpoint body, as one more signature line of the checkpoint note.
 *   key id  = SHA-256(name || 0x0A || 0x04 || pub)[:4]
 *   message = "cosignature/v1\ntime <decimal seconds>\n" || checkpoint body
 *   line    = "— <name> " base64(key id || uint64be(seconds) || Ed25519 signature) "\n"
 * A witness verifier uses aidreg_note_verifier with this key id. */
#include <stddef.h>
#include <stdint.h>

#include "aidreg/note.h"

/* Fill v for the witness key pub named name (0x04 key id). 0, or -1 for a bad name. */
int aidreg_cosig_verifier_init(aidreg_note_verifier *v, const char *name, const uint8_t pub[32]);
/* "<name>+<8 hex key id>+<base64(0x04 || pub)>", malloc'd; NULL on OOM or a bad name. */
char *aidreg_cosig_vkey(const char *name, const uint8_t pub[32]);
/* Parse a witness verifier key string (type 0x04). 0, or -1. */
int aidreg_cosig_vkey_parse(const char *vkey, aidreg_note_verifier *v);

/* The cosignature line (malloc'd, ending in '\n') by the key sk named name over the
 * checkpoint body text[0, tlen) (which ends in '\n') at time seconds (> 0). NULL on bad
 * input or OOM. */
char *aidreg_cosig_sign(const char *text, size_t tlen, const char *name, const uint8_t sk[64],
                        uint64_t seconds);
/* Verifies that note (a well-formed signed note: body, blank line, signature lines) holds
 * a valid cosignature by v. 0 and *seconds (may be NULL) set; -1 when none verifies (or a
 * line by v is bad); -2 when memory ran out. */
int aidreg_cosig_verify(const char *note, size_t len, const aidreg_note_verifier *v, uint64_t *seconds);
/* How many of the n witnesses have a valid cosignature on note. */
size_t aidreg_cosig_count(const char *note, size_t len, const aidreg_note_verifier *witnesses, size_t n);

#endif
