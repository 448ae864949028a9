#ifndef AIDREG_API_QUERY_H
#define AIDREG_API_QUERY_H
/* Strict query strings, declared as a spec (after Taler's JSON specs): every parameter
 * must be one the endpoint knows, given at most once, and well-formed. Refusals are
 * INVALID_QUERY with field "/query/<name>". */
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/problem.h"

typedef enum {
  QUERY_U64,   /* decimal digits only (no sign, no space), at most 2^63 - 1; out: uint64_t */
  QUERY_HEX32, /* 64 hex digits; out: uint8_t[32] */
  QUERY_CHECK, /* judged by the endpoint; out: a query_check */
} query_kind;

/* For QUERY_CHECK: fn judges value (NULL for "?name" without "=") and stores what it keeps
 * through ctx. Returns NULL, or why the value is refused (a constant, or written into buf),
 * which becomes the problem's detail. */
typedef struct {
  const char *(*fn)(void *ctx, const char *value, char *buf, size_t cap);
  void *ctx;
} query_check;

typedef struct {
  const char *name;
  query_kind kind;
  void *out;     /* written only when the parameter is present */
  bool *present; /* set true when present (left alone otherwise) */
} query_param;

/* Returns 0, or -1 with p filled. */
int query_parse(struct MHD_Connection *c, const query_param *spec, size_t n, aidreg_problem *p);
/* Strict decimal as QUERY_U64 (digits only, at most INT64_MAX). Returns 0 or -1. */
int query_u64(const char *s, uint64_t *out);

#endif
