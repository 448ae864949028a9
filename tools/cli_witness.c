/* aidreg witness: a C2SP tlog-witness. It cosigns (C2SP tlog-cosignature v1, Ed25519) a
 * log's checkpoint only when it is consistent with the last one it cosigned for that log,
 * which it keeps in a state file per log (cli_witness_state.c). A checkpoint signed by
 * the log but not consistent with that state is a fork: refused, and kept as evidence. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "aidreg/cosignature.h"
#include "aidreg/encoding.h"
#include "aidreg/merkle.h"
#include "cli.h"
#include "cli_witness.h"

#define MAX_LOGS 256
#define BODY_MAX (128u * 1024u)

static const char help[] =
    "usage: aidreg witness --key FILE --name NAME --log VKEY [--log VKEY ...] --state DIR\n"
    "                      --port N [--bind ADDR]\n"
    "       aidreg witness --print-vkey --key FILE --name NAME\n"
    "\n"
    "见证人 / witness: serves the C2SP tlog-witness protocol (POST /add-checkpoint) for the\n"
    "logs named by --log (their checkpoint verifier keys; the origin is the key's name).\n"
    "For each checkpoint a log sends with its old size and a consistency proof, it checks\n"
    "the log's signature, that the old size is the size it last cosigned (409 with its size\n"
    "otherwise), that the proof leads from the root it last cosigned to the new one (422\n"
    "otherwise), or that the roots are equal for an equal size (409); then it records the\n"
    "checkpoint durably and answers its cosignature (C2SP tlog-cosignature v1, Ed25519).\n"
    "A checkpoint the log signed that fails these checks is a fork of the log: it is refused,\n"
    "reported on stderr (\"FORK\"), and both signed checkpoints are kept in\n"
    "DIR/fork-<origin>-<time>.json. docs/witness.md describes the protocol and the files.\n"
    "\n"
    "  --key FILE      the witness's Ed25519 secret key (`aidreg keygen`)\n"
    "  --name NAME     the witness's name (its key name, e.g. witness.example.org/w1)\n"
    "  --log VKEY      a log to witness: its checkpoint verifier key (repeatable)\n"
    "  --state DIR     folder of the state files (DIR/<origin>.checkpoint), created if needed\n"
    "  --port N        port to listen on\n"
    "  --bind ADDR     address to listen on (default 127.0.0.1)\n"
    "  --print-vkey    print the witness's verifier key (type 0x04) and exit\n"
    "\n"
    "On start it prints \"witness <vkey> listening on http://ADDR:PORT\". SIGINT or SIGTERM\n"
    "stop it. Exit status 0 after a clean stop, 1 on failure, 2 usage.\n";

typedef struct {
  aidreg_keypair key;
  const char *name;
  const char *state_dir;
  aidreg_note_verifier logs[MAX_LOGS];
  size_t nlogs;
  pthread_mutex_t lock; /* the check against the state and its update are one step */
} witness;

typedef struct {
  unsigned status;
  const char *type;
  char *body; /* malloc'd */
} answer;

static int answer_text(answer *a, unsigned status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int answer_text(answer *a, unsigned status, const char *type, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  a->status = status;
  a->type = type;
  a->body = strdup(buf);
  return 0;
}

static const aidreg_note_verifier *log_for(const witness *w, const char *origin) {
  for (size_t i = 0; i < w->nlogs; i++)
    if (!strcmp(w->logs[i].name, origin)) return &w->logs[i];
  return NULL;
}

static void report_fork(witness *w, const char *origin, const char *reason, const witness_log_state *st,
                        const char *body, size_t len, size_t note_at) {
  char *path = witness_evidence_save(w->state_dir, origin, reason, st->note, body, len, note_at);
  fprintf(stderr, "aidreg witness: FORK 分叉 of %s: %s; evidence: %s\n", origin, reason,
          path ? path : "(could not be written)");
  free(path);
}

/* The checks behind the request's syntax: the log's signature, then the state. */
static void check_request(witness *w, const char *body, size_t len, const witness_request *rq, answer *a) {
  uint64_t old = rq->old;
  size_t nproof = rq->nproof, note_len = rq->note_len, note_at = rq->note_at;
  const char *note = rq->note;
  aidreg_checkpoint cp = rq->cp;
  const aidreg_note_verifier *logv = log_for(w, cp.origin);
  if (!logv) {
    answer_text(a, 404, "text/plain", "unknown log %s\n", cp.origin);
    return;
  }
  int v = aidreg_checkpoint_open(note, note_len, logv, &cp);
  if (v == -2) {
    answer_text(a, 500, "text/plain", "out of memory\n");
    return;
  }
  if (v != 0) {
    answer_text(a, 403, "text/plain", "no valid signature by the key of %s\n", cp.origin);
    return;
  }
  if (old > cp.size) {
    answer_text(a, 400, "text/plain", "old size %" PRIu64 " is past the checkpoint\n", old);
    return;
  }
  if (old == 0 && nproof != 0) {
    answer_text(a, 400, "text/plain", "a proof from size 0 must be empty\n");
    return;
  }

  pthread_mutex_lock(&w->lock);
  witness_log_state st;
  if (witness_state_load(w->state_dir, cp.origin, &st) != 0) {
    pthread_mutex_unlock(&w->lock);
    fprintf(stderr, "aidreg witness: the state of %s cannot be read: refusing to cosign\n", cp.origin);
    answer_text(a, 500, "text/plain", "the witness's state cannot be read\n");
    return;
  }
  uint64_t known = st.known ? st.cp.size : 0;
  if (old != known) {
    answer_text(a, 409, "text/x.tlog.size", "%" PRIu64 "\n", known);
  } else if (old == cp.size && st.known && memcmp(st.cp.root, cp.root, 32) != 0) {
    report_fork(w, cp.origin, "same size, another root (409)", &st, body, len, note_at);
    answer_text(a, 409, "text/plain", "size %" PRIu64 " was cosigned with another root\n", old);
  } else if (old > 0 && old < cp.size &&
             aidreg_merkle_verify_consistency(old, cp.size, st.cp.root, cp.root, (const uint8_t(*)[32])rq->proof,
                                              nproof) != 0) {
    report_fork(w, cp.origin, "not consistent with the cosigned checkpoint (422)", &st, body, len, note_at);
    answer_text(a, 422, "text/plain", "the consistency proof from %" PRIu64 " does not verify\n", old);
  } else if (cp.size != known && witness_state_save(w->state_dir, cp.origin, note, note_len) != 0) {
    fprintf(stderr, "aidreg witness: cannot save the state of %s\n", cp.origin);
    answer_text(a, 500, "text/plain", "the witness's state cannot be written\n");
  } else {
    char *line = aidreg_cosig_sign(note, rq->text_len, w->name, w->key.sk, (uint64_t)time(NULL));
    if (line) {
      a->status = 200;
      a->type = "text/plain; charset=utf-8";
      a->body = line;
      printf("cosigned %s size %" PRIu64 "\n", cp.origin, cp.size);
      fflush(stdout);
    } else {
      answer_text(a, 500, "text/plain", "cannot sign\n");
    }
  }
  witness_state_free(&st);
  pthread_mutex_unlock(&w->lock);
}

/* The add-checkpoint check (C2SP tlog-witness), body[0, len). */
static int add_checkpoint(witness *w, const char *body, size_t len, answer *a) {
  witness_request rq;
  const char *why;
  if (witness_request_parse(body, len, &rq, &why) != 0) return answer_text(a, 400, "text/plain", "%s", why);
  check_request(w, body, len, &rq, a);
  return 0;
}

typedef struct {
  char *buf;
  size_t len;
  int too_big;
} upload;

static enum MHD_Result send_answer(struct MHD_Connection *c, answer *a) {
  const char *text = a->body ? a->body : "out of memory\n";
  struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
  free(a->body);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", a->type ? a->type : "text/plain");
  enum MHD_Result rc = MHD_queue_response(c, a->body ? a->status : 500, r);
  MHD_destroy_response(r);
  return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *data, size_t *data_size, void **state) {
  (void)version;
  witness *w = cls;
  answer a = {0};
  if (strcmp(url, "/add-checkpoint") != 0) {
    answer_text(&a, 404, "text/plain", "not found\n");
    return send_answer(c, &a);
  }
  if (strcmp(method, "POST") != 0) {
    answer_text(&a, 405, "text/plain", "POST only\n");
    return send_answer(c, &a);
  }
  upload *u = *state;
  if (!u) {
    u = calloc(1, sizeof *u);
    if (!u) return MHD_NO;
    *state = u;
    return MHD_YES;
  }
  if (*data_size > 0) {
    if (!u->too_big && u->len + *data_size <= BODY_MAX) {
      char *nb = realloc(u->buf, u->len + *data_size + 1);
      if (!nb) return MHD_NO;
      u->buf = nb;
      memcpy(u->buf + u->len, data, *data_size);
      u->len += *data_size;
    } else {
      u->too_big = 1;
    }
    *data_size = 0;
    return MHD_YES;
  }
  if (u->too_big)
    answer_text(&a, 413, "text/plain", "the body is larger than %u bytes\n", BODY_MAX);
  else
    add_checkpoint(w, u->buf ? u->buf : "", u->len, &a);
  return send_answer(c, &a);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t) {
  (void)cls, (void)c, (void)t;
  upload *u = *state;
  if (u) free(u->buf);
  free(u);
  *state = NULL;
}

static int run(witness *w, const char *bind, unsigned port) {
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, bind, &sa.sin_addr) != 1) return cli_usage("witness", "--bind must be an IPv4 address");
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* before MHD's threads start: they inherit it */
  struct MHD_Daemon *d =
      MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
                       (uint16_t)port, NULL, NULL, on_request, w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                       MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                       MHD_OPTION_END);
  if (!d) {
    cli_err("witness", "cannot listen on %s:%u", bind, port);
    return CLI_FAIL;
  }
  char *vkey = aidreg_cosig_vkey(w->name, w->key.pk);
  printf("witness %s listening on http://%s:%u\n", vkey ? vkey : "?", bind, port);
  fflush(stdout);
  free(vkey);
  int sig;
  sigwait(&sigs, &sig);
  MHD_stop_daemon(d);
  return CLI_OK;
}

int cli_witness(int argc, char **argv) {
  static const struct option lo[] = {{"key", required_argument, NULL, 'k'},   {"name", required_argument, NULL, 'n'},
                                     {"log", required_argument, NULL, 'L'},   {"state", required_argument, NULL, 's'},
                                     {"port", required_argument, NULL, 'p'},  {"bind", required_argument, NULL, 'b'},
                                     {"print-vkey", no_argument, NULL, 'P'},  {"help", no_argument, NULL, 'h'},
                                     {0}};
  static witness w; /* large (the log keys), and one per process */
  const char *key_file = NULL, *bind = "127.0.0.1", *port_s = NULL;
  int print_vkey = 0, c;
  memset(&w, 0, sizeof w);
  cli_opts o = {.cmd = "witness", .help = help, .lo = lo};
  while ((c = cli_opt_next(&o, argc, argv)) > 0) {
    switch (c) {
      case 'k': key_file = optarg; break;
      case 'n': w.name = optarg; break;
      case 's': w.state_dir = optarg; break;
      case 'p': port_s = optarg; break;
      case 'b': bind = optarg; break;
      case 'P': print_vkey = 1; break;
      case 'L':
        if (w.nlogs == MAX_LOGS) return cli_usage("witness", "at most %d --log", MAX_LOGS);
        if (aidreg_note_vkey_parse(optarg, &w.logs[w.nlogs]) != 0)
          return cli_usage("witness", "--log %s is not a checkpoint verifier key", optarg);
        w.nlogs++;
        break;
    }
  }
  if (c < 0) return o.status;
  if (!key_file || !w.name) return cli_usage("witness", "--key and --name are required");
  aidreg_note_verifier self;
  char err[256] = "";
  if (aidreg_key_read_secret(key_file, &w.key, err) != 0) {
    cli_err("witness", "cannot read the key %s: %s", key_file, err);
    return CLI_FAIL;
  }
  if (aidreg_cosig_verifier_init(&self, w.name, w.key.pk) != 0) {
    aidreg_key_wipe(&w.key);
    return cli_usage("witness", "--name is not a key name (no spaces, no '+')");
  }
  int rc;
  if (print_vkey) {
    char *vkey = aidreg_cosig_vkey(w.name, w.key.pk);
    if (vkey) printf("%s\n", vkey);
    rc = vkey ? CLI_OK : CLI_FAIL;
    free(vkey);
  } else {
    unsigned long port = port_s ? strtoul(port_s, NULL, 10) : 0;
    if (!w.state_dir || !port || port > 65535 || w.nlogs == 0) {
      rc = cli_usage("witness", "--state, --port and at least one --log are required");
    } else if (cli_mkdirs(w.state_dir, true) != 0) {
      cli_err("witness", "cannot create %s", w.state_dir);
      rc = CLI_FAIL;
    } else {
      /* Every state file must be readable now, not at the first request. */
      rc = CLI_OK;
      for (size_t i = 0; i < w.nlogs && rc == CLI_OK; i++) {
        witness_log_state st;
        if (witness_state_load(w.state_dir, w.logs[i].name, &st) != 0) {
          cli_err("witness", "the state file of %s in %s is unreadable or not its checkpoint", w.logs[i].name,
                  w.state_dir);
          rc = CLI_FAIL;
        }
        witness_state_free(&st);
      }
      pthread_mutex_init(&w.lock, NULL);
      if (rc == CLI_OK) rc = run(&w, bind, (unsigned)port);
      pthread_mutex_destroy(&w.lock);
    }
  }
  aidreg_key_wipe(&w.key);
  return rc;
}
