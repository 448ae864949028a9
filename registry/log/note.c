/* C2SP signed-note with Ed25519 (signature type 0x01) and C2SP tlog-checkpoint.
 * Notes are parsed strictly (as Go's golang.org/x/mod/sumdb/note does): a witness or
 * verifier elsewhere must accept exactly the notes we accept. */
#include "aidreg/note.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "log/note_private.h"

#define ALG_ED25519 0x01
#define MAX_SIGS 100 /* C2SP: accept at least 16 */
#define NAME_CAP sizeof(((aidreg_note_verifier *)0)->name)
static const char em_dash[] = "\xe2\x80\x94 "; /* U+2014 then a space: starts a signature line */

/* Decodes one UTF-8 sequence strictly (no overlongs, surrogates or values past U+10FFFF).
 * Returns its length and sets *cp, or 0 if invalid. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp) {
  if (n == 0) return 0;
  unsigned char c = s[0];
  size_t len;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xe0) == 0xc0) {
    len = 2, v = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, v = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    v = v << 6 | (s[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return len;
}

/* Valid UTF-8 with no ASCII control character other than newline (signed-note §Format). */
static int text_valid(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    uint32_t cp;
    size_t k = utf8_next(u + i, n - i, &cp);
    if (k == 0 || (cp < 0x20 && cp != '\n')) return 0;
    i += k;
  }
  return 1;
}

/* Unicode White_Space, as Go's unicode.IsSpace. */
static int is_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
         cp == 0x3000;
}

/* Key names: non-empty UTF-8 with no Unicode spaces and no '+'. */
static int name_valid(const char *s, size_t n) {
  if (n == 0) return 0;
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    uint32_t cp;
    size_t k = utf8_next(u + i, n - i, &cp);
    if (k == 0 || cp < 0x20 || cp == 0x7f || cp == '+' || is_space(cp)) return 0;
    i += k;
  }
  return 1;
}

void ar_note_key_id_alg(const char *name, size_t n, uint8_t alg, const uint8_t pub[32], uint8_t out[4]) {
  crypto_hash_sha256_state st;
  uint8_t sep[2] = {'\n', alg}, h[32];
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, (const uint8_t *)name, n);
  crypto_hash_sha256_update(&st, sep, 2);
  crypto_hash_sha256_update(&st, pub, 32);
  crypto_hash_sha256_final(&st, h);
  memcpy(out, h, 4);
}

static void key_id_n(const char *name, size_t n, const uint8_t pub[32], uint8_t out[4]) {
  ar_note_key_id_alg(name, n, ALG_ED25519, pub, out);
}

int ar_note_name_valid(const char *name, size_t n) { return name_valid(name, n); }

void aidreg_note_key_id(const char *name, const uint8_t pub[32], uint8_t out[4]) {
  key_id_n(name, strlen(name), pub, out);
}

int aidreg_note_verifier_init(aidreg_note_verifier *v, const char *name, const uint8_t pub[32]) {
  size_t n = strlen(name);
  if (n >= NAME_CAP || !name_valid(name, n)) return -1;
  memset(v, 0, sizeof *v);
  memcpy(v->name, name, n);
  memcpy(v->pub, pub, 32);
  key_id_n(name, n, pub, v->key_id);
  return 0;
}

char *ar_note_vkey_alg(const char *name, uint8_t alg, const uint8_t pub[32]) {
  uint8_t id[4], key[33];
  char hex[9], b64[45];
  if (!name_valid(name, strlen(name))) return NULL;
  ar_note_key_id_alg(name, strlen(name), alg, pub, id);
  aidreg_hex_encode(id, 4, hex);
  key[0] = alg;
  memcpy(key + 1, pub, 32);
  aidreg_b64_encode_to(key, sizeof key, b64, sizeof b64);
  size_t len = strlen(name) + 1 + 8 + 1 + 44 + 1;
  char *out = malloc(len);
  if (!out) return NULL;
  snprintf(out, len, "%s+%s+%s", name, hex, b64);
  return out;
}

char *aidreg_note_vkey(const char *name, const uint8_t pub[32]) { return ar_note_vkey_alg(name, ALG_ED25519, pub); }

int ar_note_vkey_parse_alg(const char *vkey, uint8_t alg, aidreg_note_verifier *v) {
  const char *plus1 = strchr(vkey, '+');
  if (!plus1) return -1;
  size_t name_len = (size_t)(plus1 - vkey);
  if (name_len >= NAME_CAP || !name_valid(vkey, name_len)) return -1;
  const char *hex = plus1 + 1;
  if (strlen(hex) < 9 || hex[8] != '+') return -1;
  char hexbuf[9];
  uint8_t id[4], key[33], want[4];
  memcpy(hexbuf, hex, 8);
  hexbuf[8] = '\0';
  if (aidreg_hex_decode(hexbuf, id, 4) != 0) return -1;
  /* The key is the rest of the string; its base64 may itself contain '+'. */
  if (aidreg_b64_decode_fixed(hex + 9, key, sizeof key) != 0 || key[0] != alg) return -1;
  ar_note_key_id_alg(vkey, name_len, alg, key + 1, want);
  if (memcmp(id, want, 4) != 0) return -1;
  memset(v, 0, sizeof *v);
  memcpy(v->name, vkey, name_len);
  memcpy(v->key_id, id, 4);
  memcpy(v->pub, key + 1, 32);
  return 0;
}

int aidreg_note_vkey_parse(const char *vkey, aidreg_note_verifier *v) {
  return ar_note_vkey_parse_alg(vkey, ALG_ED25519, v);
}

char *aidreg_note_sign(const char *text, const char *name, const uint8_t sk[64]) {
  size_t tlen = strlen(text), nlen = strlen(name);
  /* Refuse what would not come back out of aidreg_note_verify as this same text. */
  if (tlen == 0 || text[tlen - 1] != '\n' || text[0] == '\n' || strstr(text, "\n\n") ||
      !text_valid(text, tlen) || !name_valid(name, nlen))
    return NULL;
  uint8_t blob[4 + crypto_sign_BYTES];
  key_id_n(name, nlen, sk + 32, blob);
  if (crypto_sign_detached(blob + 4, NULL, (const uint8_t *)text, tlen, sk) != 0) return NULL;
  char b64[4 * ((sizeof blob + 2) / 3) + 1];
  aidreg_b64_encode_to(blob, sizeof blob, b64, sizeof b64);
  size_t len = tlen + 1 + (sizeof em_dash - 1) + nlen + 1 + strlen(b64) + 1 + 1;
  char *out = malloc(len);
  if (!out) return NULL;
  snprintf(out, len, "%s\n%s%s %s\n", text, em_dash, name, b64);
  return out;
}

static int ed25519_check(const uint8_t *blob, size_t blen, const char *text, size_t tlen,
                         const aidreg_note_verifier *v, void *ctx) {
  (void)ctx;
  return blen == 4 + crypto_sign_BYTES &&
                 crypto_sign_verify_detached(blob + 4, (const uint8_t *)text, tlen, v->pub) == 0
             ? 0
             : -1;
}

int aidreg_note_verify(const char *note, size_t len, const aidreg_note_verifier *v, size_t *text_len) {
  return ar_note_verify_with(note, len, v, ed25519_check, NULL, text_len);
}

int ar_note_verify_with(const char *note, size_t len, const aidreg_note_verifier *v, ar_note_sig_check check,
                        void *ctx, size_t *text_len) {
  if (len < 2 || note[len - 1] != '\n' || !text_valid(note, len)) return -1;
  /* The text ends at the last blank line; what follows is only signature lines. */
  size_t split = len - 1;
  while (split > 0 && !(note[split - 1] == '\n' && note[split] == '\n')) split--;
  if (split == 0) return -1;
  size_t tlen = split; /* text is note[0, split), ending in the first of the two newlines */
  const char *p = note + split + 1, *end = note + len;
  if (p == end) return -1;
  size_t vname_len = strlen(v->name);
  int nsigs = 0, verified = 0;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) return -1;
    if (++nsigs > MAX_SIGS) return -1;
    if ((size_t)(eol - p) < sizeof em_dash - 1 || memcmp(p, em_dash, sizeof em_dash - 1) != 0) return -1;
    const char *name = p + sizeof em_dash - 1;
    const char *sp = memchr(name, ' ', (size_t)(eol - name));
    if (!sp || !name_valid(name, (size_t)(sp - name))) return -1;
    uint8_t *blob = NULL;
    size_t blen = 0;
    int decoded = aidreg_b64_decode(sp + 1, (size_t)(eol - sp - 1), &blob, &blen);
    if (decoded) return decoded == -2 ? -2 : -1; /* -2: out of memory, not the note's fault */
    if (blen < 5) {
      free(blob);
      return -1;
    }
    if ((size_t)(sp - name) == vname_len && memcmp(name, v->name, vname_len) == 0 &&
        memcmp(blob, v->key_id, 4) == 0) {
      /* Our key: it must verify, and a note signed twice by it is malformed. */
      int ok = !verified && check(blob, blen, note, tlen, v, ctx) == 0;
      if (!ok) {
        free(blob);
        return -1;
      }
      verified = 1;
    }
    free(blob);
    p = eol + 1;
  }
  if (!verified) return -1;
  if (text_len) *text_len = tlen;
  return 0;
}

char *aidreg_checkpoint_text(const aidreg_checkpoint *c) {
  size_t olen = strnlen(c->origin, sizeof c->origin);
  if (olen == 0 || olen == sizeof c->origin || memchr(c->origin, '\n', olen) || !text_valid(c->origin, olen))
    return NULL;
  char root[45];
  aidreg_b64_encode_to(c->root, 32, root, sizeof root);
  size_t len = olen + 1 + 20 + 1 + 44 + 1 + 1;
  char *out = malloc(len);
  if (!out) return NULL;
  snprintf(out, len, "%s\n%" PRIu64 "\n%s\n", c->origin, c->size, root);
  return out;
}

/* A decimal tree size: digits only, no leading zeros, no overflow. */
int aidreg_tlog_size_parse(const char *s, size_t n, uint64_t *out) {
  if (n == 0 || (s[0] == '0' && n > 1)) return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

int aidreg_checkpoint_parse(const char *text, size_t len, aidreg_checkpoint *c) {
  if (len == 0 || text[len - 1] != '\n' || !text_valid(text, len)) return -1;
  aidreg_checkpoint r;
  memset(&r, 0, sizeof r);
  const char *p = text, *end = text + len;
  for (int line = 0; p < end; line++) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t n = (size_t)(eol - p);
    if (n == 0) return -1; /* no line, extension lines included, may be empty */
    if (line == 0) {
      if (n >= sizeof r.origin) return -1;
      memcpy(r.origin, p, n);
    } else if (line == 1) {
      if (aidreg_tlog_size_parse(p, n, &r.size) != 0) return -1;
    } else if (line == 2) {
      char b64[45];
      if (n != 44) return -1;
      memcpy(b64, p, 44);
      b64[44] = '\0';
      if (aidreg_b64_decode_fixed(b64, r.root, 32) != 0) return -1;
    }
    p = eol + 1;
    if (p == end && line < 2) return -1;
  }
  *c = r;
  return 0;
}

int aidreg_checkpoint_open(const char *note, size_t len, const aidreg_note_verifier *v, aidreg_checkpoint *c) {
  size_t tlen;
  aidreg_checkpoint r;
  if (aidreg_note_verify(note, len, v, &tlen) != 0) return -1;
  if (aidreg_checkpoint_parse(note, tlen, &r) != 0) return -1;
  if (strcmp(r.origin, v->name) != 0) return -1;
  *c = r;
  return 0;
}
