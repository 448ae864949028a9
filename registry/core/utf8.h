#ifndef AIDREG_CORE_UTF8_H
#define AIDREG_CORE_UTF8_H
#include <stddef.h>

/* Length of the longest prefix of s[0..n) that does not end inside a UTF-8 sequence, so
 * that text cut to fit a buffer stays valid. */
size_t ar_utf8_cut(const char *s, size_t n);

/* s (NULL: "") cut to at most cap - 1 bytes at a character boundary, into buf; returns
 * buf. For naming untrusted text in a message: "%.40s" could cut a character in two. */
const char *ar_utf8_prefix(const char *s, char *buf, size_t cap);

#endif
