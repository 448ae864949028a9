/* Helpers shared by the command files: files, JSON, keys, payloads, the HTTP session,
 * receipts. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aidreg/dsse.h"
#include "aidreg/encoding.h"
#include "aidreg/event.h"
#include "aidreg/merkle.h"
#include "cli.h"

void cli_err(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "aidreg %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int cli_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "aidreg %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(see `aidreg %s --help`)\n", cmd);
  return CLI_USAGE;
}

int cli_opt_next(cli_opts *o, int argc, char **argv) {
  if (!o->started) {
    optind = 0; /* each command parses its own argv from the start */
    opterr = 0;
    o->started = true;
  }
  int c = getopt_long(argc, argv, ":h", o->lo, NULL);
  switch (c) {
    case -1:
      if (!o->operands && optind < argc) {
        o->status = cli_usage(o->cmd, "unexpected argument %s", argv[optind]);
        return -1;
      }
      return 0;
    case 'h':
      fputs(o->help, stdout);
      o->status = CLI_OK;
      return -1;
    case ':': o->status = cli_usage(o->cmd, "option %s needs a value", argv[optind - 1]); return -1;
    case '?': o->status = cli_usage(o->cmd, "unknown option %s", argv[optind - 1]); return -1;
  }
  return c;
}

bool cli_is_county(const char *s) { return s && strlen(s) == 6 && strspn(s, "0123456789") == 6; }

const char *cli_default(const char *opt, const char *env) {
  if (opt && *opt) return opt;
  const char *v = getenv(env);
  return v && *v ? v : NULL;
}

char *cli_read_file(const char *cmd, const char *path, size_t max, size_t *len) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    cli_err(cmd, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  const char *why = buf ? NULL : "out of memory";
  while (!why) {
    if (cap - n < 2) {
      char *b = realloc(buf, cap * 2);
      if (!b) {
        why = "out of memory";
        break;
      }
      buf = b;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (n > max) why = "file too large";
    else if (got == 0) break;
  }
  if (!why && ferror(f)) why = strerror(errno);
  if (f != stdin) fclose(f);
  if (why) {
    cli_err(cmd, "cannot read %s: %s", path, why);
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

int cli_mkdirs(const char *path, bool is_dir) {
  char *p = strdup(path);
  if (!p) return -1;
  size_t n = strlen(p);
  if (!is_dir) {
    char *slash = strrchr(p, '/');
    if (!slash) {
      free(p);
      return 0;
    }
    *slash = 0;
    n = strlen(p);
  }
  for (size_t i = 1; i <= n; i++) {
    if (p[i] == '/' || p[i] == 0) {
      char c = p[i];
      p[i] = 0;
      if (mkdir(p, 0755) != 0 && errno != EEXIST) {
        free(p);
        return -1;
      }
      p[i] = c;
    }
  }
  free(p);
  return 0;
}

int cli_write_file(const char *cmd, const char *path, const void *data, size_t len, int mode) {
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  if (!tmp) return -1;
  snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) {
    cli_err(cmd, "cannot create %s: %s", tmp, strerror(errno));
    free(tmp);
    return -1;
  }
  const uint8_t *p = data;
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, p + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      break;
    }
    off += (size_t)w;
  }
  int ok = off == len && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    cli_err(cmd, "cannot write %s: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  return 0;
}

json_t *cli_json_load(const char *cmd, const char *what, const char *text, size_t len) {
  json_error_t e;
  json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
  if (!v) cli_err(cmd, "%s is not valid JSON: %s (line %d, column %d)", what, e.text, e.line, e.column);
  return v;
}

void cli_json_print(const json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT);
  if (s) {
    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
  }
  fflush(stdout);
}

int cli_load_keys(const char *cmd, char **paths, size_t n, aidreg_keypair *keys) {
  for (size_t i = 0; i < n; i++) {
    char err[256] = "";
    if (aidreg_key_read_secret(paths[i], &keys[i], err) != 0) {
      cli_err(cmd, "cannot read secret key %s: %s", paths[i], err[0] ? err : strerror(errno));
      for (size_t j = 0; j < i; j++) aidreg_key_wipe(&keys[j]);
      return -1;
    }
  }
  return 0;
}

void cli_now(char *out, size_t cap) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* true if every real number in v prints back to itself with 15 significant digits. */
static bool reals_fit15(const json_t *v) {
  if (json_is_real(v)) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.15g", json_real_value(v));
    return strtod(buf, NULL) == json_real_value(v);
  }
  size_t i;
  const char *k;
  json_t *x;
  if (json_is_array(v)) {
    json_array_foreach(v, i, x) if (!reals_fit15(x)) return false;
  } else if (json_is_object(v)) {
    json_object_foreach((json_t *)v, k, x) if (!reals_fit15(x)) return false;
  }
  return true;
}

char *cli_build_payload(const char *cmd, const char *origin, const char *type, const char *subject,
                        const char *time, const char *prev_hex, const json_t *body, size_t *len) {
  json_t *o = json_object();
  char prev[65];
  if (!o) return NULL;
  int rc = json_object_set_new(o, "ledger", json_string(origin));
  rc |= json_object_set_new(o, "type", json_string(type));
  rc |= json_object_set_new(o, "subject", json_string(subject));
  rc |= json_object_set_new(o, "time", json_string(time));
  if (prev_hex) {
    size_t i = 0;
    for (; prev_hex[i] && i < 64; i++) prev[i] = (char)((prev_hex[i] >= 'A' && prev_hex[i] <= 'F') ? prev_hex[i] + 32 : prev_hex[i]);
    prev[i] = 0;
    rc |= json_object_set_new(o, "prev", json_string(prev));
  }
  rc |= json_object_set(o, "body", (json_t *)body);
  if (rc) {
    cli_err(cmd, "cannot build the payload (a value is not valid UTF-8?)");
    json_decref(o);
    return NULL;
  }
  /* Reals print with 15 digits when that is exact (12.5, not 12.500000000000000). */
  size_t flags = JSON_COMPACT | (reals_fit15(body) ? JSON_REAL_PRECISION(15) : JSON_REAL_PRECISION(17));
  char *s = json_dumps(o, flags);
  json_decref(o);
  if (!s) {
    cli_err(cmd, "cannot serialise the payload");
    return NULL;
  }
  aidreg_event ev;
  aidreg_problem p = {0};
  if (aidreg_event_parse((const uint8_t *)s, strlen(s), &ev, &p) != 0) {
    cli_err(cmd, "the event would be refused: %s%s%s", p.detail, p.field[0] ? " at " : "", p.field);
    free(s);
    return NULL;
  }
  aidreg_event_free(&ev);
  *len = strlen(s);
  return s;
}

json_t *cli_sign_envelope(const char *cmd, const char *payload, size_t len, const aidreg_keypair *keys,
                          size_t nkeys, char **compact) {
  aidreg_envelope env;
  if (aidreg_envelope_sign((const uint8_t *)payload, len, keys, nkeys, &env) != 0) {
    cli_err(cmd, "signing failed");
    return NULL;
  }
  size_t n = 0;
  char *s = aidreg_envelope_serialize(&env, &n);
  aidreg_envelope_free(&env);
  if (!s) {
    cli_err(cmd, "cannot serialise the envelope");
    return NULL;
  }
  json_t *v = cli_json_load(cmd, "the envelope", s, n);
  if (compact)
    *compact = s;
  else
    free(s);
  return v;
}

/* ---- HTTP ------------------------------------------------------------------------- */

int cli_server_open(cli_server *s, const char *cmd, const char *server) {
  s->cmd = cmd;
  s->server = server;
  s->http = aidreg_http_new(0);
  if (!s->http) {
    cli_err(cmd, "cannot start an HTTP client");
    return -1;
  }
  return 0;
}

void cli_server_close(cli_server *s) {
  aidreg_http_free(s->http);
  s->http = NULL;
}

int cli_get(cli_server *s, const char *path, aidreg_http_response *r) {
  char *url = aidreg_http_url(s->server, path);
  char err[512];
  if (!url) return -1;
  int rc = aidreg_http_get(s->http, url, r, err, sizeof err);
  if (rc != 0) cli_err(s->cmd, "GET %s", err);
  free(url);
  return rc;
}

int cli_post(cli_server *s, const char *path, const char *body, size_t len, const char *bearer,
             aidreg_http_response *r) {
  char *url = aidreg_http_url(s->server, path);
  char err[512];
  if (!url) return -1;
  int rc = aidreg_http_post_json(s->http, url, body, len, bearer, r, err, sizeof err);
  if (rc != 0) cli_err(s->cmd, "POST %s", err);
  free(url);
  return rc;
}

json_t *cli_get_json(cli_server *s, const char *path) {
  aidreg_http_response r;
  if (cli_get(s, path, &r) != 0) return NULL;
  json_t *v = NULL;
  if (r.status != 200) {
    cli_err(s->cmd, "GET %s: HTTP %ld%s%.300s", path, r.status, r.body ? ": " : "", r.body ? (char *)r.body : "");
  } else {
    v = cli_json_load(s->cmd, path, r.body ? (char *)r.body : "", r.len);
  }
  aidreg_http_response_free(&r);
  return v;
}

int cli_lookup_origin(cli_server *s, const char *code, char *out, size_t cap) {
  json_t *v = cli_get_json(s, "/v1/ledgers");
  if (!v) return -1;
  size_t i;
  json_t *l;
  int rc = -1;
  json_array_foreach(json_object_get(v, "ledgers"), i, l) {
    const char *c = json_string_value(json_object_get(l, "code"));
    const char *o = json_string_value(json_object_get(l, "origin"));
    if (c && o && strcmp(c, code) == 0) {
      snprintf(out, cap, "%s", o);
      rc = 0;
      break;
    }
  }
  if (rc != 0) cli_err(s->cmd, "the server lists no ledger %s", code);
  json_decref(v);
  return rc;
}

int cli_submit_one(cli_server *s, const char *code, const char *envelope, size_t len, const char *receipt_out,
                   const aidreg_note_verifier *v) {
  char path[64];
  snprintf(path, sizeof path, "/v1/ledgers/%s/entries", code);
  aidreg_http_response r;
  if (cli_post(s, path, envelope, len, NULL, &r) != 0) return CLI_FAIL;
  int rc = CLI_FAIL;
  json_t *ans = r.body ? json_loadb((char *)r.body, r.len, 0, NULL) : NULL;
  if (!ans) {
    cli_err(s->cmd, "HTTP %ld with a body that is not JSON: %.300s", r.status, r.body ? (char *)r.body : "");
  } else {
    cli_json_print(ans);
    if (r.status == 200 || r.status == 201) {
      aidreg_checkpoint cp;
      char err[512];
      rc = CLI_OK;
      json_t *ix = json_object_get(ans, "index");
      if (json_is_integer(ix))
        fprintf(stderr, "%s：第 %lld 条 / %s: entry %lld\n", r.status == 201 ? "已记录" : "已记录（重复提交）",
                (long long)json_integer_value(ix), r.status == 201 ? "recorded" : "already recorded",
                (long long)json_integer_value(ix));
      if (v && cli_receipt_check(ans, v, &cp, err, sizeof err) != 0) {
        cli_err(s->cmd, "the receipt does not verify: %s", err);
        rc = CLI_FAIL;
      }
      if (rc == CLI_OK && receipt_out) {
        char *txt = json_dumps(ans, JSON_INDENT(2));
        if (!txt || cli_write_file(s->cmd, receipt_out, txt, strlen(txt), 0644) != 0) rc = CLI_FAIL;
        free(txt);
      }
    } else {
      const char *title = json_string_value(json_object_get(ans, "title"));
      const char *detail = json_string_value(json_object_get(ans, "detail"));
      cli_err(s->cmd, "refused (HTTP %ld): %s%s%s", r.status, title ? title : "", detail ? ": " : "",
              detail ? detail : "");
    }
  }
  json_decref(ans);
  aidreg_http_response_free(&r);
  return rc;
}

/* ---- receipts and proofs ---------------------------------------------------------- */

int cli_proof_decode(const json_t *arr, uint8_t proof[][32], size_t *len) {
  if (!json_is_array(arr) || json_array_size(arr) > AIDREG_MAX_PROOF) return -1;
  size_t i;
  json_t *h;
  json_array_foreach(arr, i, h) {
    const char *s = json_string_value(h);
    if (!s || aidreg_b64_decode_fixed(s, proof[i], 32) != 0) return -1;
  }
  *len = json_array_size(arr);
  return 0;
}

int cli_receipt_check(const json_t *receipt, const aidreg_note_verifier *v, aidreg_checkpoint *cp, char *err,
                      size_t cap) {
  const char *note = json_string_value(json_object_get(receipt, "checkpoint"));
  const char *lh = json_string_value(json_object_get(receipt, "leaf_hash"));
  const char *ledger = json_string_value(json_object_get(receipt, "ledger"));
  json_t *index = json_object_get(receipt, "index");
  uint8_t leaf_hash[32], proof[AIDREG_MAX_PROOF][32];
  size_t plen = 0;
  if (!note || !lh || !json_is_integer(index) || json_integer_value(index) < 0) {
    snprintf(err, cap, "not a receipt (needs checkpoint, leaf_hash, index, inclusion_proof)");
    return -1;
  }
  if (aidreg_b64_decode_fixed(lh, leaf_hash, 32) != 0) {
    snprintf(err, cap, "leaf_hash is not base64 of 32 bytes");
    return -1;
  }
  if (cli_proof_decode(json_object_get(receipt, "inclusion_proof"), proof, &plen) != 0) {
    snprintf(err, cap, "inclusion_proof is not an array of base64 hashes");
    return -1;
  }
  if (aidreg_checkpoint_open(note, strlen(note), v, cp) != 0) {
    snprintf(err, cap, "the receipt's checkpoint does not verify with the key of %s (or names another origin)",
             v->name);
    return -1;
  }
  if (ledger) {
    size_t o = strlen(cp->origin), c = strlen(ledger);
    if (!(o > c && cp->origin[o - c - 1] == '/' && strcmp(cp->origin + o - c, ledger) == 0)) {
      snprintf(err, cap, "the receipt names ledger %s but its checkpoint is for %s", ledger, cp->origin);
      return -1;
    }
  }
  uint64_t idx = (uint64_t)json_integer_value(index);
  if (aidreg_merkle_verify_inclusion(leaf_hash, idx, cp->size, (const uint8_t(*)[32])proof, plen, cp->root) != 0) {
    snprintf(err, cap, "the inclusion proof of index %" PRIu64 " does not lead to the root of the checkpoint (size %" PRIu64 ")",
             idx, cp->size);
    return -1;
  }
  return 0;
}

static long long progress_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_progress_start(cli_progress *p, const char *what) {
  *p = (cli_progress){.what = what, .t0_ms = progress_ms()};
}

void cli_progress_entries(void *ctx, uint64_t done, uint64_t total) {
  cli_progress *p = ctx;
  long long now = progress_ms();
  if (!isatty(2) || (done < total && now - p->last_ms < 500)) return;
  p->last_ms = now;
  long long el = now - p->t0_ms, rate = el > 0 ? (long long)(done * 1000 / (uint64_t)el) : 0;
  long long left = rate > 0 ? (long long)((total - done) / (uint64_t)rate) : 0;
  fprintf(stderr, "\r%s: %llu/%llu 条 entries (%llu %%)，%lld 条/秒 per s，约剩 %lld 秒 s left   ", p->what,
          (unsigned long long)done, (unsigned long long)total,
          (unsigned long long)(total ? done * 100 / total : 100), rate, left);
  p->shown = true;
}

void cli_progress_end(cli_progress *p) {
  if (p->shown) fputc('\n', stderr);
  p->shown = false;
}
