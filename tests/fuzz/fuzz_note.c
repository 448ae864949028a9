/* libFuzzer target: signed notes and checkpoints (include/aidreg/note.h). The input is
 * read as a note (verified with the fuzz key and with a key named by a verifier string at
 * its start), as checkpoint text, and as a verifier key string. To get past the signature
 * and into the checkpoint parser behind it, the input is also signed with the fuzz key
 * when aidreg_note_sign accepts it as note text: the result must verify, give back the
 * text's length, and open as the checkpoint the text parses as (or fail to open exactly
 * when the text does not parse, or names another origin). Accepted checkpoints format and
 * parse back to themselves. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/note.h"
#include "fuzz_common.h"

static void checkpoint_roundtrip(const aidreg_checkpoint *c) {
  char *t = aidreg_checkpoint_text(c);
  ASSERT(t != NULL);
  aidreg_checkpoint back;
  ASSERT(aidreg_checkpoint_parse(t, strlen(t), &back) == 0);
  ASSERT(strcmp(back.origin, c->origin) == 0 && back.size == c->size && memcmp(back.root, c->root, 32) == 0);
  free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const fuzz_key *k = fuzz_log_key();
  const char *in = (const char *)data;
  size_t text_len = 0;
  aidreg_checkpoint c;

  int rc = aidreg_note_verify(in, size, &k->v, &text_len);
  ASSERT(rc == 0 || rc == -1 || rc == -2);
  if (rc == 0) ASSERT(text_len > 0 && text_len < size && in[text_len - 1] == '\n');
  if (aidreg_checkpoint_open(in, size, &k->v, &c) == 0) {
    ASSERT(rc == 0 && strcmp(c.origin, FUZZ_ORIGIN) == 0);
    checkpoint_roundtrip(&c);
  }
  if (aidreg_checkpoint_parse(in, size, &c) == 0) checkpoint_roundtrip(&c);

  /* NUL-terminated copies for the string APIs. */
  char *s = malloc(size + 1);
  ASSERT(s != NULL);
  memcpy(s, data, size);
  s[size] = '\0';

  /* A verifier key string: the first line. */
  char *nl = strchr(s, '\n');
  if (nl) *nl = '\0';
  aidreg_note_verifier v;
  if (aidreg_note_vkey_parse(s, &v) == 0) {
    char *again = aidreg_note_vkey(v.name, v.pub);
    ASSERT(again != NULL);
    aidreg_note_verifier w;
    ASSERT(aidreg_note_vkey_parse(again, &w) == 0 && memcmp(&v, &w, sizeof v) == 0);
    free(again);
    if (nl) {
      size_t off = (size_t)(nl + 1 - s);
      int r2 = aidreg_note_verify(in + off, size - off, &v, &text_len);
      ASSERT(r2 == 0 || r2 == -1 || r2 == -2);
    }
  }
  if (nl) *nl = '\n';

  /* Signed by the fuzz key: it must verify, and open as the checkpoint it says. */
  if (strlen(s) == size) {
    char *note = aidreg_note_sign(s, FUZZ_ORIGIN, k->sk);
    if (note) {
      size_t nlen = strlen(note);
      ASSERT(aidreg_note_verify(note, nlen, &k->v, &text_len) == 0 && text_len == size);
      aidreg_checkpoint c2;
      int parsed = aidreg_checkpoint_parse(s, size, &c) == 0;
      int opened = aidreg_checkpoint_open(note, nlen, &k->v, &c2) == 0;
      ASSERT(opened == (parsed && strcmp(c.origin, FUZZ_ORIGIN) == 0));
      if (opened) ASSERT(c2.size == c.size && memcmp(c2.root, c.root, 32) == 0);
      free(note);
    }
  }
  free(s);
  return 0;
}
