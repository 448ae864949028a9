#ifndef AIDREG_API_UPLOAD_H
#define AIDREG_API_UPLOAD_H
/* Bounded, incremental request bodies (after GNUnet's json_mhd.c): each chunk is
 * appended to a capped buffer; past the cap the rest is consumed and dropped, and the
 * request is answered 413 once it is complete (libmicrohttpd cannot answer mid-upload).
 * All buffered bodies together are held under one process-wide budget (256 MiB), and
 * those of one client address under an eighth of it. */
#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/problem.h"

#define UPLOAD_ADDR_MAX 48 /* an IPv6 address as text, with its NUL */
#define UPLOAD_DROP_MAX (64u * 1024u) /* most bytes of a body read only to be dropped */

typedef struct {
  char *buf;         /* malloc'd, owned; NULL until the first byte */
  size_t len, cap;
  size_t limit;      /* most bytes kept; 0 = every byte is dropped */
  size_t dropped;    /* bytes dropped (limit 0); past UPLOAD_DROP_MAX, too_large */
  bool too_large;    /* the body grew past limit */
  bool no_memory;    /* the buffer could not grow (allocation, process budget or the
                      * address's share) */
  char addr[UPLOAD_ADDR_MAX]; /* client address whose share the bytes count against; "" = none */
} upload;

/* Start collecting at most limit bytes for client address addr (NULL or "" = no
 * share); expected (a Content-Length within limit, or 0) sizes the first allocation,
 * up to 16 KiB: the rest is taken as it arrives. */
void upload_init(upload *u, size_t limit, uint64_t expected, const char *addr);
/* Append a chunk (or drop it, see above). */
void upload_feed(upload *u, const char *data, size_t n);
/* Free the buffer and return its bytes to the budget. u may be reused after upload_init. */
void upload_free(upload *u);

/* Content-Length: 0 when absent, 1 with *out when present, -1 when malformed. */
int upload_content_length(struct MHD_Connection *c, uint64_t *out);
/* true when Content-Type is application/json; parameters are allowed, and a charset
 * parameter must be utf-8. */
bool upload_is_json(struct MHD_Connection *c);
/* The body as JSON, loaded by aidreg_json_strict_load: valid UTF-8 (INVALID_UTF8), JSON
 * (MALFORMED_JSON) without duplicate keys (DUPLICATE_KEY), an object (INVALID_FIELD).
 * Returns 0 with *out a new reference, or -1 with p filled. */
int upload_json_object(const upload *u, json_t **out, aidreg_problem *p);

#endif
