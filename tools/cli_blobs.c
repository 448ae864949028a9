/* Attachments in an export folder: DIR/blobs/<sha256>, each file named by its hash.
 * `aidreg export` copies every file the server holds for the ledger; `aidreg verify --dir`
 * checks that each one hashes to its name (an auditor's copy is evidence only if so). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/encoding.h"
#include "cli.h"

int cli_export_blobs(cli_server *srv, const char *code, const char *dir, unsigned *count) {
  char path[96];
  snprintf(path, sizeof path, "/v1/ledgers/%s/blobs", code);
  json_t *list = cli_get_json(srv, path);
  if (!list) return CLI_FAIL;
  json_t *names = json_object_get(list, "blobs");
  size_t i;
  json_t *v;
  int rc = CLI_OK;
  *count = 0;
  json_array_foreach(names, i, v) {
    const char *name = json_string_value(v);
    uint8_t want[32], got[32];
    if (!name || strlen(name) != 64 || aidreg_hex_decode(name, want, 32) != 0) {
      cli_err("export", "the server lists a file name that is not a SHA-256: %.80s", name ? name : "?");
      rc = CLI_FAIL;
      break;
    }
    char get[160];
    snprintf(get, sizeof get, "/v1/ledgers/%s/blobs/%s", code, name);
    aidreg_http_response r = {0};
    if (cli_get(srv, get, &r) != 0 || r.status != 200) {
      cli_err("export", "file %s: HTTP %ld", name, r.status);
      aidreg_http_response_free(&r);
      rc = CLI_FAIL;
      break;
    }
    aidreg_sha256(r.body ? r.body : (const uint8_t *)"", r.len, got);
    if (memcmp(got, want, 32) != 0) {
      cli_err("export", "file %s: the server sent bytes that do not hash to its name", name);
      rc = CLI_FAIL;
    }
    size_t plen = strlen(dir) + sizeof "/blobs/" + 64;
    char *out = rc == CLI_OK ? malloc(plen) : NULL;
    if (out) snprintf(out, plen, "%s/blobs/%s", dir, name);
    if (rc == CLI_OK && (!out || cli_mkdirs(out, false) != 0 || cli_write_file("export", out, r.body, r.len, 0644) != 0))
      rc = CLI_FAIL;
    free(out);
    aidreg_http_response_free(&r);
    if (rc != CLI_OK) break;
    (*count)++;
  }
  json_decref(list);
  return rc;
}

int cli_verify_blobs(const char *dir, unsigned *ok, unsigned *bad) {
  size_t plen = strlen(dir) + sizeof "/blobs/" + 256;
  char *path = malloc(plen);
  if (!path) return -1;
  snprintf(path, plen, "%s/blobs", dir);
  *ok = *bad = 0;
  DIR *d = opendir(path);
  if (!d) {
    free(path);
    return 0; /* an export without attachments */
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    uint8_t want[32], got[32];
    snprintf(path, plen, "%s/blobs/%s", dir, e->d_name);
    size_t len = 0;
    char *data = strlen(e->d_name) == 64 && aidreg_hex_decode(e->d_name, want, 32) == 0
                     ? cli_read_file("verify", path, (size_t)64 << 20, &len)
                     : NULL;
    if (data) aidreg_sha256(data, len, got);
    if (!data || memcmp(got, want, 32) != 0) {
      fprintf(stderr, "aidreg verify: 附件 %s 与其名称不符 / attachment blobs/%s does not hash to its name\n",
              e->d_name, e->d_name);
      (*bad)++;
    } else {
      (*ok)++;
    }
    free(data);
  }
  closedir(d);
  free(path);
  return 0;
}
