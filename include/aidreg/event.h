#ifndef AIDREG_EVENT_H
#define AIDREG_EVENT_H
/* The event (DSSE payload): strict parsing, RFC 3339 instants, and the event catalogue
 * of docs/events.md (types, who may sign them, what their subject is). */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/problem.h"

typedef enum {
  AIDREG_ROLE_COUNTY = 1 << 0,
  AIDREG_ROLE_TOWNSHIP = 1 << 1,
  AIDREG_ROLE_VILLAGE = 1 << 2,
  AIDREG_ROLE_OPERATOR = 1 << 3,
  AIDREG_ROLE_AUDITOR = 1 << 4,
} aidreg_role;
#define AIDREG_ROLES_ANY 0x1f

/* "county" -> AIDREG_ROLE_COUNTY; 0 if unknown. */
aidreg_role aidreg_role_parse(const char *s);
const char *aidreg_role_name(aidreg_role r);

typedef enum {
  AIDREG_SUBJ_COUNTY,   /* the county code (6 digits) */
  AIDREG_SUBJ_KEY,      /* a key id */
  AIDREG_SUBJ_PROJECT,  /* a project code */
  AIDREG_SUBJ_ASSET,    /* an asset code */
  AIDREG_SUBJ_PLAN,     /* a plan id */
  AIDREG_SUBJ_ANY,      /* plan id, asset code or village code (notices, findings) */
  AIDREG_SUBJ_SAME,     /* corrections: the corrected entry's subject */
  AIDREG_SUBJ_PLACE,    /* a township (9 digits) or village (12 digits) code of the county */
} aidreg_subject_kind;

/* What the rules layer does with a type (body schema, where its subject lies, its rule
 * and effect on the state): private to registry/, opaque here. */
struct aidreg_event_hooks;

/* One event type: one row of the catalogue (registry/catalogue.c), from which the body
 * validation, the authority check, the rules, the OpenAPI schemas and the docs' table of
 * who may sign what are all derived. */
typedef struct {
  const char *name;          /* "key.enroll" */
  const char *label_zh;      /* "密钥登记": what a clerk calls it */
  unsigned roles;            /* aidreg_role bits that may sign it */
  aidreg_subject_kind subject;
  const struct aidreg_event_hooks *hooks;
} aidreg_event_type;

/* NULL when the type is not in the catalogue (docs/events.md). */
const aidreg_event_type *aidreg_event_type_find(const char *name);
/* The whole catalogue, NULL-name terminated. */
const aidreg_event_type *aidreg_event_types(void);
/* The JSON Schema of the body of type t, from the same row the validator walks
 * (members, kinds, required, enumerations with their Chinese labels in "x-labels"):
 * *out gets a new reference, or NULL for the types whose body authority.c checks
 * (ledger.create, key.*). Returns 0, or -1 when out of memory. */
int aidreg_event_body_schema(const aidreg_event_type *t, json_t **out) __attribute__((warn_unused_result));
/* "county", "key", "project", "asset", "plan", "any", "same", "place". */
const char *aidreg_subject_kind_name(aidreg_subject_kind k);

typedef struct {
  json_t *root;        /* owned: the parsed payload */
  const char *ledger;  /* borrowed from root */
  const char *type;
  const char *subject;
  const char *time_str;
  int64_t time;        /* signer's time, unix seconds (UTC) */
  bool has_prev;
  uint8_t prev[32];
  bool has_expires;    /* the optional "expires": refused when appended after it */
  int64_t expires;     /* unix seconds (UTC) */
  json_t *body;        /* borrowed from root: a JSON object */
  uint8_t payload_sha256[32];
} aidreg_event;

/* Parse a payload strictly: valid UTF-8, JSON object, duplicate keys refused, exactly
 * the members ledger, type, subject, time, body and optional prev; strings non-empty;
 * time a real RFC 3339 instant; prev 64 hex digits; body an object. Does NOT look the
 * type up in the catalogue (that is a 422 decided later). Returns 0 or -1. */
int aidreg_event_parse(const uint8_t *payload, size_t n, aidreg_event *ev, aidreg_problem *p);
void aidreg_event_free(aidreg_event *ev);

/* Validate UTF-8 (no overlongs, no surrogates, no NUL). true if valid. */
bool aidreg_utf8_valid(const uint8_t *s, size_t n);

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM), real calendar date,
 * seconds 00..60 (a leap second is accepted as :59). 'T'/'Z' case-insensitive per RFC.
 * Sets *unix_sec (UTC) and *nsec. Returns 0 or -1. */
int aidreg_rfc3339_parse(const char *s, int64_t *unix_sec, int32_t *nsec);
/* "2026-11-29T09:07:44.123Z" (milliseconds) into out (cap >= 32). */
void aidreg_rfc3339_format(int64_t unix_sec, int32_t nsec, char *out, size_t cap);
/* A calendar date YYYY-MM-DD that exists. Sets days since 1970-01-01. Returns 0 or -1. */
int aidreg_date_parse(const char *s, int64_t *days);

#endif
