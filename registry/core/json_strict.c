/* Strict JSON loading and the text helpers the strict parsers share (envelope_parse.c,
 * event_parse.c; problem.c cuts with ar_utf8_cut). */
#include "aidreg/json_strict.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "core/json_fast.h"
#include "core/json_strict_private.h"

/* Replaces each byte that does not start a valid UTF-8 character by '?': jansson quotes
 * the input near an error and may cut it inside a character, and the server puts the
 * detail into JSON. */
static void utf8_scrub(char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (len <= n - i && aidreg_utf8_valid((const uint8_t *)s + i, len))
      i += len;
    else
      s[i++] = '?';
  }
}

void ar_json_ptr_init(char *field, size_t cap, const char *prefix) {
  size_t n = strnlen(prefix, cap - 1);
  memcpy(field, prefix, n);
  field[ar_utf8_cut(field, n)] = '\0';
}

void ar_json_ptr_add(char *field, size_t cap, const char *seg) {
  size_t n = strlen(field);
  if (n + 1 >= cap) return;
  field[n++] = '/';
  for (const char *k = seg; *k; k++) {
    const char *esc = *k == '~' ? "~0" : *k == '/' ? "~1" : NULL;
    size_t w = esc ? 2 : 1;
    if (n + w >= cap) break;
    if (esc)
      memcpy(field + n, esc, 2);
    else
      field[n] = *k;
    n += w;
  }
  field[ar_utf8_cut(field, n)] = '\0';
}

void ar_json_ptr(char *field, size_t cap, const char *base, const char *seg) {
  ar_json_ptr_init(field, cap, base);
  ar_json_ptr_add(field, cap, seg);
}

/* jansson's lexer does not always notice that its own allocation failed: it may report a
 * syntax error ("invalid token") or, when growing the buffer of a string fails, drop bytes
 * of the string and succeed (lex_save ignores the failure). Either would be a verdict on
 * a text that is fine. So every allocation jansson makes goes through note_malloc, which
 * remembers a failure for the thread, and a parse during which one failed is out of
 * memory whatever jansson returned. Installed before main (no thread can be allocating
 * through jansson yet), over whatever functions were set before. */
static _Thread_local bool alloc_failed;
static json_malloc_t next_malloc;
static json_free_t next_free;

static void *note_malloc(size_t n) {
  void *p = next_malloc(n);
  if (!p) alloc_failed = true;
  return p;
}

__attribute__((constructor)) static void note_jansson_allocations(void) {
  json_get_alloc_funcs(&next_malloc, &next_free);
  if (!next_malloc) next_malloc = malloc;
  if (!next_free) next_free = free;
  json_set_alloc_funcs(note_malloc, next_free);
}

void aidreg_json_alloc_below(json_malloc_t m, json_free_t f) {
  next_malloc = m;
  next_free = f;
}

json_t *aidreg_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err) {
  alloc_failed = false;
  json_t *v = json_loadb(buf, len, flags, err);
  if (!alloc_failed) return v;
  json_decref(v);
  memset(err, 0, sizeof *err);
  err->line = err->column = -1; /* what aidreg_json_load_oom recognises */
  return NULL;
}

bool aidreg_json_load_oom(const json_error_t *err) {
  /* jansson says so, or (when json_object() or json_array() fail inside its parser) it
   * returns NULL without filling err at all: no text, no position. */
  return json_error_code(err) == json_error_out_of_memory || (err->text[0] == 0 && err->line == -1);
}

json_t *aidreg_json_strict_load(const uint8_t *buf, size_t len, size_t flags, const char *what,
                                aidreg_problem *p) {
  if (!aidreg_utf8_valid(buf, len)) {
    aidreg_problem_set(p, AIDREG_E_INVALID_UTF8, "", "%s is not valid UTF-8 (or holds NUL)", what);
    return NULL;
  }
  /* The compact JSON that clients send, without jansson's lexer; anything else (every
   * refusal among it) is read by jansson below. Only for the flags it reads the same. */
  if ((flags & ~(size_t)JSON_DECODE_ANY) == 0) {
    alloc_failed = false;
    json_t *v = ar_json_fast_load(buf, len);
    if (v) return v;
    if (alloc_failed) {
      aidreg_problem_set(p, AIDREG_E_INTERNAL, "", "out of memory parsing the %s", what);
      return NULL;
    }
  }
  json_error_t err;
  json_t *v = aidreg_json_loadb(buf ? (const char *)buf : "", len, JSON_REJECT_DUPLICATES | flags, &err);
  if (v) return v;
  enum json_error_code code = json_error_code(&err); /* kept in the text's last byte */
  if (aidreg_json_load_oom(&err)) code = json_error_out_of_memory;
  utf8_scrub(err.text);
  switch (code) {
  case json_error_duplicate_key:
    aidreg_problem_set(p, AIDREG_E_DUPLICATE_KEY, "", "%s: %s (line %d, column %d)", what,
                       err.text, err.line, err.column);
    break;
  case json_error_invalid_utf8:
    aidreg_problem_set(p, AIDREG_E_INVALID_UTF8, "", "%s: %s", what, err.text);
    break;
  case json_error_out_of_memory:
    aidreg_problem_set(p, AIDREG_E_INTERNAL, "", "out of memory parsing the %s", what);
    break;
  default:
    aidreg_problem_set(p, AIDREG_E_MALFORMED_JSON, "", "%s: %s (line %d, column %d)", what,
                       err.text, err.line, err.column);
    break;
  }
  return NULL;
}

json_t *ar_json_copy1(const json_t *v) {
  /* Not json_copy: jansson's shallow copy ignores a failed insertion and returns a copy
   * with members missing. */
  if (json_is_object(v)) {
    json_t *o = json_object(), *m;
    const char *k;
    size_t kl;
    json_object_keylen_foreach((json_t *)v, k, kl, m) {
      if (o && json_object_setn_nocheck(o, k, kl, m)) json_decref(o), o = NULL;
    }
    return o;
  }
  if (json_is_array(v)) {
    size_t n = json_array_size(v);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
      if (json_array_append(a, json_array_get(v, i))) json_decref(a), a = NULL;
    return a;
  }
  return NULL;
}
