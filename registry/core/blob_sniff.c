/* The content type of an attachment, from its first bytes only (include/aidreg/blob.h). */
#include <string.h>

#include "aidreg/blob.h"

static int starts(const uint8_t *d, size_t n, const char *magic, size_t m) { return n >= m && memcmp(d, magic, m) == 0; }

const char *aidreg_blob_sniff(const uint8_t *d, size_t n) {
  if (starts(d, n, "\xFF\xD8\xFF", 3)) return "image/jpeg";
  if (starts(d, n, "\x89PNG\r\n\x1A\n", 8)) return "image/png";
  if (starts(d, n, "GIF87a", 6) || starts(d, n, "GIF89a", 6)) return "image/gif";
  if (n >= 12 && starts(d, n, "RIFF", 4) && memcmp(d + 8, "WEBP", 4) == 0) return "image/webp";
  if (starts(d, n, "%PDF-", 5)) return "application/pdf";
  return "application/octet-stream";
}
