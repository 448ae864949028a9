/* See receipt_text.h. */
#include "receipt_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "aidreg/event.h"

/* s as a JSON string, quotes included, escaped as jansson's dump without flags does:
 * '"' and '\\', the five short escapes, any other control character as \u00XX; the rest
 * (UTF-8 above 0x7f included) as it is. Returns the bytes written (cap was checked by the
 * caller: at most 6 per input byte plus 2). */
static size_t put_string(char *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  size_t n = 0;
  out[n++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
                      : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
    if (esc) {
      out[n++] = esc[0];
      out[n++] = esc[1];
    } else if (c < 0x20) {
      memcpy(out + n, "\\u00", 4);
      out[n + 4] = hex[c >> 4];
      out[n + 5] = hex[c & 15];
      n += 6;
    } else {
      out[n++] = (char)c;
    }
  }
  out[n++] = '"';
  return n;
}

static size_t put(char *out, const char *s) {
  size_t n = strlen(s);
  memcpy(out, s, n);
  return n;
}

char *receipt_text(const aidreg_receipt *rc, size_t *len) {
  const char *checkpoint = rc->checkpoint ? rc->checkpoint : "";
  size_t ledger_len = strnlen(rc->ledger, sizeof rc->ledger), cp_len = strlen(checkpoint);
  if (ledger_len == sizeof rc->ledger || !aidreg_utf8_valid((const uint8_t *)rc->ledger, ledger_len) ||
      !aidreg_utf8_valid((const uint8_t *)checkpoint, cp_len) || rc->proof_len > AIDREG_MAX_PROOF)
    return NULL;
  /* The fixed text and numbers fit in 256 bytes; a 32-byte hash is 44 base64 or 64 hex. */
  size_t cap = 256 + 6 * (ledger_len + cp_len) + 64 + 44 + rc->proof_len * (44 + 3);
  char *out = malloc(cap);
  if (!out) return NULL;
  char h[65];
  size_t n = put(out, "{\"ledger\":");
  n += put_string(out + n, rc->ledger);
  n += (size_t)snprintf(out + n, cap - n, ",\"index\":%" PRId64 ",\"leaf_hash\":\"", (int64_t)rc->index);
  aidreg_b64_encode_to(rc->leaf_hash, 32, h, sizeof h);
  n += put(out + n, h);
  n += put(out + n, "\",\"payload_sha256\":\"");
  aidreg_hex_encode(rc->payload_sha256, 32, h);
  n += put(out + n, h);
  n += put(out + n, "\",\"checkpoint\":");
  n += put_string(out + n, checkpoint);
  n += put(out + n, ",\"inclusion_proof\":[");
  for (size_t i = 0; i < rc->proof_len; i++) {
    if (i) out[n++] = ',';
    out[n++] = '"';
    aidreg_b64_encode_to(rc->proof[i], 32, h, sizeof h);
    n += put(out + n, h);
    out[n++] = '"';
  }
  n += put(out + n, "]}");
  out[n] = '\0';
  *len = n;
  return out;
}
