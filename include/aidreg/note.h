#ifndef AIDREG_NOTE_H
#define AIDREG_NOTE_H
/* C2SP signed-note (Ed25519 signatures, algorithm byte 0x01) and tlog-checkpoint. */
#include <stddef.h>
#include <stdint.h>

typedef struct {
  char name[256];
  uint8_t key_id[4]; /* first 4 bytes of SHA-256(name || 0x0A || 0x01 || pub) */
  uint8_t pub[32];
} aidreg_note_verifier;

void aidreg_note_key_id(const char *name, const uint8_t pub[32], uint8_t out[4]);
/* Fill v for the Ed25519 key pub named name. Returns 0, or -1 if the name is not a
 * valid key name (empty, spaces, '+', not UTF-8, 256 bytes or more). */
int aidreg_note_verifier_init(aidreg_note_verifier *v, const char *name, const uint8_t pub[32]);
/* "<name>+<8 hex key id>+<base64(0x01 || pub)>", malloc'd; NULL on OOM or an invalid name. */
char *aidreg_note_vkey(const char *name, const uint8_t pub[32]);
/* Parse a verifier key string. Returns 0 or -1 (bad syntax, wrong algorithm, key id mismatch). */
int aidreg_note_vkey_parse(const char *vkey, aidreg_note_verifier *v);

/* text must be non-empty, end in '\n' and hold no blank line... (C2SP rules).
 * sk is the libsodium 64-byte secret key. Returns a malloc'd note: text, a blank line,
 * and "— <name> <base64(key_id || sig)>\n". NULL on bad text or OOM. */
char *aidreg_note_sign(const char *text, const char *name, const uint8_t sk[64]);
/* Verifies that note (len bytes) is well formed and carries a valid signature by v.
 * Signatures by other keys are ignored. On success returns 0 and sets *text_len to the
 * length of the signed text (including its final newline); -1 when it does not verify,
 * -2 when memory ran out (no verdict on the note). */
int aidreg_note_verify(const char *note, size_t len, const aidreg_note_verifier *v, size_t *text_len);

typedef struct {
  char origin[256];
  uint64_t size;
  uint8_t root[32];
} aidreg_checkpoint;

/* A tree size as C2SP writes it (checkpoints, tlog-witness "old"): decimal digits, no
 * leading zero, at most UINT64_MAX. 0 or -1. */
int aidreg_tlog_size_parse(const char *s, size_t n, uint64_t *out);

/* "<origin>\n<size>\n<base64 root>\n", malloc'd. */
char *aidreg_checkpoint_text(const aidreg_checkpoint *c);
/* Parse checkpoint text (the signed part of a note; extension lines are allowed and
 * ignored). Returns 0 or -1. */
int aidreg_checkpoint_parse(const char *text, size_t len, aidreg_checkpoint *c);
/* Verify a checkpoint note with v and parse it; also requires origin == v->name. */
int aidreg_checkpoint_open(const char *note, size_t len, const aidreg_note_verifier *v,
                           aidreg_checkpoint *c);

#endif
