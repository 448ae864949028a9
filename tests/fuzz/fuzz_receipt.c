/* libFuzzer target: a receipt as `aidreg proof check --receipt FILE` reads it: the JSON
 * loaded as tools/cli_proof.c's do_check loads it (cli_json_load: json_loadb with
 * JSON_REJECT_DUPLICATES, called directly here so that refusals do not print), then
 * tools/cli_common.c's cli_receipt_check, compiled in as it is, with the fuzz log key. To
 * reach the inclusion proof behind the signature, the receipt is checked a second time
 * with its checkpoint's text re-signed by the fuzz key. Checked: a refusal explains itself
 * (a NUL-terminated, non-empty message), an acceptance returns the checkpoint of the fuzz
 * origin whose root the proof leads to. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/merkle.h"
#include "cli.h"
#include "fuzz_common.h"

static void check(const json_t *r) {
  const fuzz_key *k = fuzz_log_key();
  aidreg_checkpoint cp;
  char err[512];
  memset(err, 'x', sizeof err);
  if (cli_receipt_check(r, &k->v, &cp, err, sizeof err) != 0) {
    ASSERT(memchr(err, '\0', sizeof err) && err[0] != '\0');
    return;
  }
  ASSERT(strcmp(cp.origin, FUZZ_ORIGIN) == 0);
  json_t *index = json_object_get(r, "index");
  ASSERT(json_is_integer(index) && (uint64_t)json_integer_value(index) < cp.size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t e;
  json_t *r = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);
  if (!r) return 0;
  check(r);
  const char *note = json_string_value(json_object_get(r, "checkpoint"));
  if (note) {
    /* The signed text: up to the blank line. */
    const char *blank = strstr(note, "\n\n");
    size_t n = blank ? (size_t)(blank - note) + 1 : strlen(note);
    char *text = strndup(note, n);
    ASSERT(text != NULL);
    char *signed_note = aidreg_note_sign(text, FUZZ_ORIGIN, fuzz_log_key()->sk);
    if (signed_note) {
      if (json_is_object(r) && json_object_set_new(r, "checkpoint", json_string(signed_note)) == 0) check(r);
      free(signed_note);
    }
    free(text);
  }
  json_decref(r);
  return 0;
}
