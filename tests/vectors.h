#ifndef AIDREG_TESTS_VECTORS_H
#define AIDREG_TESTS_VECTORS_H
/* The golden vectors of the JSON files of tests/vectors (see its README), read by the unit tests.
 * A missing file or member is a broken checkout, not a failed check: the accessors print
 * what is missing and end the test with status 1. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* AIDREG_VECTORS_DIR/file, parsed; the caller keeps the reference for the test's life. */
json_t *vectors_load(const char *file);
/* o[key], which must exist (and be of that type). */
const json_t *vec_get(const json_t *o, const char *key);
const char *vec_str(const json_t *o, const char *key);
uint64_t vec_u64(const json_t *o, const char *key);
/* The hex string o[key] decoded into out (at most cap bytes); its length. */
size_t vec_hex(const json_t *o, const char *key, uint8_t *out, size_t cap);

#endif
