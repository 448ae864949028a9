#ifndef AIDREG_CORE_UTF8_H
#define AIDREG_CORE_UTF8_H
#include <stddef.h>

/* Length of the longest prefix of s[0..n) that does not end inside a UTF-8 sequence, so
 * that text cut to fit a buffer stays valid. */
size_t ar_utf8_cut(const char *s, size_t n);

#endif
