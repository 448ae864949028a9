/* See receipt_text.h. */
#include "receipt_text.h"

#include <inttypes.h>
#include <stdbool.h>
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

/* The bytes receipt_put may write for rc; 0 when jansson would refuse rc (not UTF-8). */
static size_t receipt_cap(const aidreg_receipt *rc) {
  const char *checkpoint = rc->checkpoint ? rc->checkpoint : "";
  size_t ledger_len = strnlen(rc->ledger, sizeof rc->ledger), cp_len = strlen(checkpoint);
  if (ledger_len == sizeof rc->ledger || !aidreg_utf8_valid((const uint8_t *)rc->ledger, ledger_len) ||
      !aidreg_utf8_valid((const uint8_t *)checkpoint, cp_len) || rc->proof_len > AIDREG_MAX_PROOF)
    return 0;
  /* The fixed text and numbers fit in 256 bytes; a 32-byte hash is 44 base64 or 64 hex. */
  return 256 + 6 * (ledger_len + cp_len) + 64 + 44 + rc->proof_len * (44 + 3);
}

/* Writes rc at out (receipt_cap bytes available); returns the bytes written. */
static size_t receipt_put(char *out, const aidreg_receipt *rc) {
  char h[65];
  size_t n = put(out, "{\"ledger\":");
  n += put_string(out + n, rc->ledger);
  n += (size_t)sprintf(out + n, ",\"index\":%" PRId64 ",\"leaf_hash\":\"", (int64_t)rc->index);
  aidreg_b64_encode_to(rc->leaf_hash, 32, h, sizeof h);
  n += put(out + n, h);
  n += put(out + n, "\",\"payload_sha256\":\"");
  aidreg_hex_encode(rc->payload_sha256, 32, h);
  n += put(out + n, h);
  n += put(out + n, "\",\"checkpoint\":");
  n += put_string(out + n, rc->checkpoint ? rc->checkpoint : "");
  n += put(out + n, ",\"inclusion_proof\":[");
  for (size_t i = 0; i < rc->proof_len; i++) {
    if (i) out[n++] = ',';
    out[n++] = '"';
    aidreg_b64_encode_to(rc->proof[i], 32, h, sizeof h);
    n += put(out + n, h);
    out[n++] = '"';
  }
  n += put(out + n, "]}");
  return n;
}

char *receipt_text(const aidreg_receipt *rc, size_t *len) {
  size_t cap = receipt_cap(rc);
  char *out = cap ? malloc(cap) : NULL;
  if (!out) return NULL;
  size_t n = receipt_put(out, rc);
  out[n] = '\0';
  *len = n;
  return out;
}

static bool result_ok(const aidreg_result *res) { return res->status == 200 || res->status == 201; }

char *results_text(const aidreg_result *results, size_t n, json_t *(*problem)(const aidreg_result *), size_t *len) {
  /* The problems are few and rare: dumped first, so that the size is known before writing. */
  char **problems = calloc(n ? n : 1, sizeof *problems);
  char *out = NULL;
  if (!problems) return NULL;
  size_t cap = sizeof "{\"results\":[]}";
  for (size_t i = 0; i < n; i++) {
    size_t c = 0;
    if (result_ok(&results[i])) {
      c = receipt_cap(&results[i].receipt);
    } else {
      json_t *o = problem(&results[i]);
      json_t *r = o ? json_pack("{s:i, s:o}", "status", results[i].status, "problem", o) : NULL;
      problems[i] = r ? json_dumps(r, JSON_COMPACT) : NULL;
      json_decref(r);
      c = problems[i] ? strlen(problems[i]) : 0;
    }
    if (c == 0) goto out;
    cap += c + sizeof "{\"status\":000,\"receipt\":},";
  }
  if (!(out = malloc(cap))) goto out;
  size_t w = put(out, "{\"results\":[");
  for (size_t i = 0; i < n; i++) {
    if (i) out[w++] = ',';
    if (problems[i]) {
      w += put(out + w, problems[i]);
      continue;
    }
    w += (size_t)sprintf(out + w, "{\"status\":%d,\"receipt\":", results[i].status);
    w += receipt_put(out + w, &results[i].receipt);
    out[w++] = '}';
  }
  w += put(out + w, "]}");
  out[w] = '\0';
  *len = w;
out:
  for (size_t i = 0; i < n; i++) free(problems[i]);
  free(problems);
  return out;
}
