/* The witness's memory: per log, the last checkpoint it cosigned, in a file replaced
 * atomically and durably, so that a crash (or a power cut) never leaves it with no state,
 * half a state, or a state older than a cosignature it gave out; and the evidence of
 * every fork it refused. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_witness.h"

/* The origin as a file name: [A-Za-z0-9._-] kept, every other byte %XX, so that two
 * origins never share a file. */
static void encode_origin(const char *origin, char *out, size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)origin; *p && o + 4 < cap; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
        *p == '_' || (*p == '.' && p != (const unsigned char *)origin)) {
      out[o++] = (char)*p;
    } else {
      out[o++] = '%';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    }
  }
  out[o] = '\0';
}

static void state_path(const char *dir, const char *origin, const char *suffix, char *out, size_t cap) {
  char enc[1024];
  encode_origin(origin, enc, sizeof enc);
  snprintf(out, cap, "%s/%s.checkpoint%s", dir, enc, suffix);
}

int witness_state_load(const char *dir, const char *origin, witness_log_state *st) {
  memset(st, 0, sizeof *st);
  char path[2048];
  state_path(dir, origin, "", path, sizeof path);
  FILE *f = fopen(path, "rb");
  if (!f) return errno == ENOENT ? 0 : -1;
  char *buf = malloc(65536 + 1);
  size_t n = buf ? fread(buf, 1, 65536 + 1, f) : 0;
  int bad = !buf || ferror(f) || n > 65536;
  fclose(f);
  if (bad) {
    free(buf);
    return -1;
  }
  buf[n] = '\0';
  const char *blank = strstr(buf, "\n\n");
  if (!blank || aidreg_checkpoint_parse(buf, (size_t)(blank - buf) + 1, &st->cp) != 0 ||
      strcmp(st->cp.origin, origin) != 0) {
    free(buf);
    return -1;
  }
  st->known = 1;
  st->note = buf;
  return 0;
}

void witness_state_free(witness_log_state *st) {
  free(st->note);
  st->note = NULL;
  st->known = 0;
}

static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

/* Writes data to path with O_EXCL on a fresh temporary name, fsyncs, renames. */
static int write_durably(const char *dir, const char *path, const char *tmp, const void *data, size_t len) {
  unlink(tmp); /* left by a crash between open and rename */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      close(fd);
      unlink(tmp);
      return -1;
    }
    p += w;
    left -= (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp);
    return -1;
  }
  if (rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return fsync_dir(dir);
}

int witness_state_save(const char *dir, const char *origin, const char *note, size_t len) {
  char path[2048], tmp[2100];
  state_path(dir, origin, "", path, sizeof path);
  state_path(dir, origin, ".tmp", tmp, sizeof tmp);
  return write_durably(dir, path, tmp, note, len);
}

char *witness_evidence_save(const char *dir, const char *origin, const char *reason, const char *cosigned_note,
                            const char *request, size_t request_len, size_t note_at) {
  json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s%, s:s%}", "origin", origin, "reason", reason, "time",
                        (json_int_t)time(NULL), "cosigned", cosigned_note ? cosigned_note : "", "refused",
                        request + note_at, request_len - note_at, "request", request, request_len);
  char *text = o ? json_dumps(o, JSON_INDENT(1)) : NULL;
  json_decref(o);
  if (!text) return NULL;
  char enc[1024], path[2048], tmp[2100];
  encode_origin(origin, enc, sizeof enc);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  snprintf(path, sizeof path, "%s/fork-%s-%lld.%09ld.json", dir, enc, (long long)ts.tv_sec, ts.tv_nsec);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int rc = write_durably(dir, path, tmp, text, strlen(text));
  free(text);
  return rc == 0 ? strdup(path) : NULL;
}
