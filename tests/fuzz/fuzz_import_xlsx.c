/* libFuzzer target: bytes as `aidreg import` reads a XLSX 台账 (tools/import/), through the
 * reader, the header search and the row mapping, with a fixed set of places. Beyond
 * crashes, leaks and sanitizer reports it checks the readers' contracts: every cell text is
 * valid UTF-8 and within the limits, rows come in increasing order, a refusal leaves the
 * sheet empty, and every row the mapping returns names a spreadsheet row of the sheet.
 * Input that is not a ZIP is split at its first NUL byte into a shared-strings part and a
 * worksheet (no NUL: all worksheet) and packed into an XLSX with a fixed workbook, so that the mutations reach the
 * XML handlers rather than stopping at the ZIP reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "fuzz_import_check.h"

static const char workbook[] =
    "<workbook xmlns:r=\"r\"><sheets><sheet name=\"台账\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels[] =
    "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/></Relationships>";

/* An XLSX in memory holding the given parts; malloc'd, NULL on failure. */
static uint8_t *pack(const uint8_t *ss, size_t nss, const uint8_t *ws, size_t nws, size_t *out_len) {
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
  zip_t *z = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
  zip_error_fini(&ze);
  if (!z) {
    if (src) zip_source_free(src);
    return NULL;
  }
  zip_source_keep(src);
  const struct {
    const char *name;
    const void *p;
    size_t n;
  } parts[] = {{"xl/workbook.xml", workbook, sizeof workbook - 1},
               {"xl/_rels/workbook.xml.rels", rels, sizeof rels - 1},
               {"xl/sharedStrings.xml", ss, nss},
               {"xl/worksheets/sheet1.xml", ws, nws}};
  for (size_t i = 0; i < 4; i++) {
    zip_source_t *b = zip_source_buffer(z, parts[i].p, parts[i].n, 0);
    zip_int64_t ix = b ? zip_file_add(z, parts[i].name, b, ZIP_FL_OVERWRITE) : -1;
    /* Stored, not deflated: deflate's 256 KB of state per input made packing most of the
     * target's time (a page-faulting memset per run); the reader's inflate path is still
     * reached by inputs that are already a ZIP. */
    if (ix < 0 || zip_set_file_compression(z, (zip_uint64_t)ix, ZIP_CM_STORE, 0) < 0) {
      if (b && ix < 0) zip_source_free(b);
      zip_discard(z);
      zip_source_free(src);
      return NULL;
    }
  }
  uint8_t *out = NULL;
  if (zip_close(z) == 0 && zip_source_open(src) == 0) {
    zip_stat_t st;
    if (zip_source_stat(src, &st) == 0 && (st.valid & ZIP_STAT_SIZE) && (out = malloc(st.size + 1))) {
      zip_int64_t n = zip_source_read(src, out, st.size);
      if (n < 0 || (zip_uint64_t)n != st.size) {
        free(out);
        out = NULL;
      } else {
        *out_len = (size_t)n;
      }
    }
    zip_source_close(src);
  } else {
    zip_discard(z);
  }
  zip_source_free(src);
  return out;
}

static int one(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  if (len >= 4 && !memcmp(data, "PK\3\4", 4)) return one(data, len);
  const uint8_t *nul = memchr(data, 0, len);
  size_t nss = nul ? (size_t)(nul - data) : 0, skip = nul ? nss + 1 : 0;
  size_t zl = 0;
  uint8_t *z = pack(data, nss, data + skip, len - skip, &zl);
  if (z) {
    one(z, zl);
    free(z);
  }
  return 0;
}

static int one(const uint8_t *data, size_t len) {
  sheet s;
  char err[1024];
  int rc = sheet_read_xlsx(data, len, len % 7 == 0 ? "台账" : NULL, &s, err, sizeof err);
  return fuzz_import_check(&s, rc, err, sizeof err);
}
