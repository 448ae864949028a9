/* The event (the DSSE payload), parsed strictly: the signed bytes are what verifiers hash,
 * so anything a lenient parser would let two readers interpret differently — invalid
 * UTF-8, duplicate keys, unknown members, loose types — is refused here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/json_strict.h"
#include "core/json_strict_private.h"

/* A required, non-empty string member. */
static int need_string(json_t *root, const char *name, const char **out, aidreg_problem *p) {
  char field[sizeof p->field];
  ar_json_ptr(field, sizeof field, "", name);
  json_t *v = json_object_get(root, name);
  if (!v) return aidreg_problem_set(p, AIDREG_E_MISSING_FIELD, field, "%s is required", name);
  if (!json_is_string(v) || json_string_length(v) == 0)
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, field, "%s must be a non-empty string",
                              name);
  *out = json_string_value(v);
  return 0;
}

static const char *const members[] = {"ledger", "type", "subject", "time", "prev", "expires", "body", NULL};

int aidreg_event_parse(const uint8_t *payload, size_t n, aidreg_event *ev, aidreg_problem *p) {
  json_t *root = NULL;
  const char *key;
  json_t *val;
  int rc = -1;
  if (!ev) return aidreg_problem_set(p, AIDREG_E_INTERNAL, "", "no event to fill");
  memset(ev, 0, sizeof *ev);

  /* Any JSON value: its kind is checked below. */
  root = aidreg_json_strict_load(payload, n, JSON_DECODE_ANY, "payload", p);
  if (!root) goto out;
  if (!json_is_object(root)) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "", "payload must be a JSON object");
    goto out;
  }
  /* Unknown members first, in document order (jansson keeps insertion order). */
  json_object_foreach(root, key, val) {
    size_t i = 0;
    while (members[i] && strcmp(members[i], key) != 0) i++;
    if (!members[i]) {
      char field[sizeof p->field];
      ar_json_ptr(field, sizeof field, "", key);
      aidreg_problem_set(p, AIDREG_E_UNKNOWN_FIELD, field, "unknown member of the event");
      goto out;
    }
  }
  if (need_string(root, "ledger", &ev->ledger, p) || need_string(root, "type", &ev->type, p) ||
      need_string(root, "subject", &ev->subject, p) ||
      need_string(root, "time", &ev->time_str, p))
    goto out;
  int32_t nsec;
  if (aidreg_rfc3339_parse(ev->time_str, &ev->time, &nsec)) {
    aidreg_problem_set(p, AIDREG_E_INVALID_TIME, "/time",
                       "time must be an RFC 3339 instant with an offset");
    goto out;
  }
  val = json_object_get(root, "prev");
  if (val) {
    /* Absent means "no expectation"; null or "" is a mistake, not a way to say so. */
    if (!json_is_string(val) || json_string_length(val) != 64 ||
        aidreg_hex_decode(json_string_value(val), ev->prev, 32)) {
      aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/prev",
                         "prev must be 64 hex digits (SHA-256 of the subject's head payload)");
      goto out;
    }
    ev->has_prev = true;
  }
  val = json_object_get(root, "expires");
  if (val) {
    /* The latest server time at which the entry may be appended (docs/events.md). */
    int32_t ensec;
    if (!json_is_string(val) || aidreg_rfc3339_parse(json_string_value(val), &ev->expires, &ensec)) {
      aidreg_problem_set(p, AIDREG_E_INVALID_TIME, "/expires", "expires must be an RFC 3339 instant with an offset");
      goto out;
    }
    if (ev->expires < ev->time) {
      aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/expires", "expires is before the event's time");
      goto out;
    }
    ev->has_expires = true;
  }
  ev->body = json_object_get(root, "body");
  if (!ev->body) {
    aidreg_problem_set(p, AIDREG_E_MISSING_FIELD, "/body", "body is required");
    goto out;
  }
  if (!json_is_object(ev->body)) {
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body", "body must be a JSON object");
    goto out;
  }
  aidreg_sha256(payload, n, ev->payload_sha256);
  ev->root = root;
  root = NULL;
  rc = 0;
out:
  json_decref(root);
  if (rc) memset(ev, 0, sizeof *ev);
  return rc;
}

void aidreg_event_free(aidreg_event *ev) {
  if (!ev) return;
  json_decref(ev->root);
  memset(ev, 0, sizeof *ev);
}
