#ifndef AIDREG_LOG_NOTE_PRIVATE_H
#define AIDREG_LOG_NOTE_PRIVATE_H
/* The signed-note machinery shared by note.c (type 0x01 signatures) and cosignature.c
 * (type 0x04 cosignatures): key ids, verifier key strings and the note walk are the same
 * for both; only the signature's bytes and its signed message differ. */
#include <stddef.h>
#include <stdint.h>

#include "aidreg/note.h"

void ar_note_key_id_alg(const char *name, size_t n, uint8_t alg, const uint8_t pub[32], uint8_t out[4]);
int ar_note_name_valid(const char *name, size_t n);
char *ar_note_vkey_alg(const char *name, uint8_t alg, const uint8_t pub[32]);
int ar_note_vkey_parse_alg(const char *vkey, uint8_t alg, aidreg_note_verifier *v);

/* Checks one signature line's decoded bytes (key id first) by v over the note's text:
 * 0 valid, -1 not. */
typedef int (*ar_note_sig_check)(const uint8_t *blob, size_t blen, const char *text, size_t tlen,
                                 const aidreg_note_verifier *v, void *ctx);
/* aidreg_note_verify with the signature check given: the note must be well formed and
 * hold exactly one line by v (name and key id) that check accepts. */
int ar_note_verify_with(const char *note, size_t len, const aidreg_note_verifier *v, ar_note_sig_check check,
                        void *ctx, size_t *text_len);

#endif
