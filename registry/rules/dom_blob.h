#ifndef AIDREG_DOM_BLOB_H
#define AIDREG_DOM_BLOB_H
/* Private to the rules: a state document as a compact binary blob, for the compact
 * in-memory store (domain_memstore.c). Not a format on any wire or disk: it lives only in
 * the memory of one replay. It keeps what the JSON text kept (members in their order,
 * strings with their bytes, integers exact) for a fraction of json_dumps's and the
 * parser's CPU: no escaping, no number formatting, no UTF-8 scan, no lexing. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The blob of doc (malloc'd, *len bytes), or NULL when out of memory or doc is nested
 * deeper than any document of the rules (the caller then keeps doc as it is). */
uint8_t *ar_dom_blob_encode(const json_t *doc, size_t *len);
/* The document of a blob (a new reference), or NULL when out of memory or the bytes are
 * not a blob. */
json_t *ar_dom_blob_decode(const uint8_t *blob, size_t len);

#endif
