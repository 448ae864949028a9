#ifndef AIDREG_BLOB_H
#define AIDREG_BLOB_H
/* Attachments (docs/api.md "Attachments"): files that events name by their hex SHA-256
 * (photos_sha256, minutes_sha256, content_sha256, documents_sha256), kept per ledger.
 *
 * A PUT is signed by a key enrolled (and not revoked) in the ledger: Ed25519 over the
 * text "aidreg-blob/v1\n<ledger origin>\n<sha256 hex>\n", sent as the header
 * `Aidreg-Signature: <key id> <base64 signature>`. No time is signed: the file is named
 * by its hash, so a replayed request can only store the file its signer vouched for
 * again, and a phone can sign at capture time and upload days later. */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/problem.h"
#include "aidreg/registry.h"

#define AIDREG_BLOB_CONTEXT "aidreg-blob/v1"
#define AIDREG_BLOB_MAX_DEFAULT (10u * 1024u * 1024u) /* bytes of one file unless configured */

/* The signed text into out (cap bytes). Returns its length, or -1 when it does not fit. */
int aidreg_blob_signed_text(const char *origin, const char *sha256_hex, char *out, size_t cap);
/* Checks header ("<key id> <base64 signature>", NULL when absent) for (origin, sha256_hex):
 * 0 with keyid (AIDREG_KEYID_LEN + 1 bytes) filled, or -1 with p: NO_SIGNATURE (no header),
 * BAD_SIGNATURE (malformed, or it does not verify). Enrolment is the registry's check. */
int aidreg_blob_signature_check(const char *origin, const char *sha256_hex, const char *header, char *keyid,
                                aidreg_problem *p);
/* The content type a file's first bytes show (image/jpeg, image/png, image/webp, image/gif,
 * application/pdf), or application/octet-stream: a client's Content-Type is never served
 * back, so no upload becomes a page of this origin. */
const char *aidreg_blob_sniff(const uint8_t *data, size_t len);

/* PUT: stores data under sha256_hex (64 lowercase hex digits) in ledger code, after the
 * signature (header, as above) and the signer's enrolment. 0 with *created (false: it was
 * there already, nothing changed) and *content_type, or -1 with p: UNKNOWN_LEDGER, NOT_FOUND
 * (not a SHA-256 name), NO_SIGNATURE, BAD_SIGNATURE, KEY_NOT_ENROLLED, KEY_REVOKED,
 * BLOB_HASH_MISMATCH, UNAVAILABLE. Nothing is stored on a refusal. */
int aidreg_registry_blob_put(aidreg_registry *r, const char *code, const char *sha256_hex, const uint8_t *data,
                             size_t len, const char *header, bool *created, const char **content_type,
                             aidreg_problem *p);
/* GET: the file (malloc'd, *len) and its content type (cap 64). -1 with p: UNKNOWN_LEDGER,
 * NOT_FOUND, UNAVAILABLE. */
int aidreg_registry_blob_get(aidreg_registry *r, const char *code, const char *sha256_hex, uint8_t **data,
                             size_t *len, char content_type[64], aidreg_problem *p);
/* The hex names of every file of the ledger, in order: a new JSON array, or NULL with p. */
json_t *aidreg_registry_blob_list(aidreg_registry *r, const char *code, aidreg_problem *p);
/* Of the hex hashes in names (a JSON array of strings), those the ledger has no file for:
 * a new JSON array (order kept, duplicates once), or NULL with p. */
json_t *aidreg_registry_blobs_missing(aidreg_registry *r, const char *code, const json_t *names, aidreg_problem *p);
/* Every attachment hash an event body references: the string values (and string array
 * items) of members whose name ends in "_sha256", at any depth, appended to out (a JSON
 * array) once each. 0, or -1 when out of memory. */
int aidreg_blob_refs(const json_t *body, json_t *out);

#endif
