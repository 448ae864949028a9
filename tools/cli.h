#ifndef AIDREG_TOOLS_CLI_H
#define AIDREG_TOOLS_CLI_H
/* The `aidreg` command-line tool: shared helpers of the command files (tools/cli_*.c).
 * Exit statuses: 0 success, 1 refusal or verification failure, 2 usage. */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidreg/keys.h"
#include "aidreg/note.h"
#include "aidreg/verify.h"
#include "http_client.h"

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

/* Commands: argv[0] is the command's name; each handles --help itself. */
int cli_keygen(int argc, char **argv);
int cli_sign(int argc, char **argv);
int cli_submit(int argc, char **argv);
int cli_ledger(int argc, char **argv); /* ledger create */
int cli_enroll(int argc, char **argv);
int cli_revoke(int argc, char **argv);
int cli_verify(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_proof(int argc, char **argv);
int cmd_rebuild(int argc, char **argv); /* cli_rebuild.c: rebuild --check */
int cli_import(int argc, char **argv);  /* cli_import.c: import a 台账 (CSV, XLSX) */
int cli_audit(int argc, char **argv);   /* cli_audit.c */
int cli_finding(int argc, char **argv); /* cli_finding.c: finding record|resolve */
int cli_witness(int argc, char **argv); /* cli_witness.c: a C2SP tlog-witness */

/* ---- cli_common.c -------------------------------------------------------------------- */

/* Prints "aidreg <cmd>: <message>" on stderr. */
void cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the usage error, a hint to --help, and returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The option loop of a command: getopt_long over argv with lo (whose options set no
 * flag) and "-h". Call cli_opt_next until it returns 0 or -1, starting from
 * (cli_opts){.cmd, .help, .lo}. It returns the next option's code, 0 when the options are
 * done, or -1 when the command must return o->status now: after --help/-h (help printed,
 * CLI_OK), or a usage error for an option without its value, an unknown option, or an
 * argument left after the options unless operands is set (then argv[optind..] are
 * the command's). */
typedef struct {
  const char *cmd;
  const char *help;
  const struct option *lo;
  bool operands;
  bool started;
  int status;
} cli_opts;
int cli_opt_next(cli_opts *o, int argc, char **argv);

/* Whether s is a county code: 6 digits. NULL is not. */
bool cli_is_county(const char *s);

/* opt when non-NULL and non-empty, else the environment variable, else NULL. */
const char *cli_default(const char *opt, const char *env);

/* Reads a whole file ("-" = stdin), at most max bytes; malloc'd and NUL-terminated.
 * Returns NULL with a message on stderr. */
char *cli_read_file(const char *cmd, const char *path, size_t max, size_t *len);
/* Writes data to path atomically (path.tmp then rename); mode as for open(2). 0 or -1. */
int cli_write_file(const char *cmd, const char *path, const void *data, size_t len, int mode);
/* mkdir -p of path's parent folders (and path itself when is_dir). 0 or -1. */
int cli_mkdirs(const char *path, bool is_dir);

/* Parses JSON text strictly (duplicate keys refused). NULL with a message. */
json_t *cli_json_load(const char *cmd, const char *what, const char *text, size_t len);
/* Prints v compactly on one line to stdout. */
void cli_json_print(const json_t *v);

/* Reads secret key files (at most AIDREG_MAX_SIGNATURES). 0 or -1 (message printed). */
int cli_load_keys(const char *cmd, char **paths, size_t n, aidreg_keypair *keys);

/* "now" in RFC 3339 UTC (seconds) into out (cap >= 32). */
void cli_now(char *out, size_t cap);

/* Builds the compact payload {"ledger","type","subject","time","prev"?,"body"} (members
 * in that order); body is borrowed. Validated with aidreg_event_parse. malloc'd; NULL
 * with a message. */
char *cli_build_payload(const char *cmd, const char *origin, const char *type, const char *subject,
                        const char *time, const char *prev_hex, const json_t *body, size_t *len);
/* Signs payload with keys and returns the envelope as a new JSON object (NULL on error). */
json_t *cli_sign_envelope(const char *cmd, const char *payload, size_t len, const aidreg_keypair *keys,
                          size_t nkeys, char **compact);

/* An HTTP session against one server. */
typedef struct {
  const char *cmd;
  const char *server;
  aidreg_http *http;
} cli_server;

int cli_server_open(cli_server *s, const char *cmd, const char *server);
void cli_server_close(cli_server *s);
/* GET server + path; on success (any status) returns 0 with r filled. */
int cli_get(cli_server *s, const char *path, aidreg_http_response *r);
/* GET a JSON document that must come with status 200. NULL with a message otherwise. */
json_t *cli_get_json(cli_server *s, const char *path);
/* POST a JSON body; r filled on any status. */
int cli_post(cli_server *s, const char *path, const char *body, size_t len, const char *bearer,
             aidreg_http_response *r);
/* The origin of ledger code as GET /v1/ledgers lists it, into out. 0 or -1. */
int cli_lookup_origin(cli_server *s, const char *code, char *out, size_t cap);

/* Submits one envelope (compact JSON) to /v1/ledgers/{code}/entries and prints the
 * answer; checks the receipt with v (when non-NULL) and saves it to receipt_out (when
 * given). Returns CLI_OK or CLI_FAIL. */
int cli_submit_one(cli_server *s, const char *code, const char *envelope, size_t len, const char *receipt_out,
                   const aidreg_note_verifier *v);

/* Checks a receipt object (checkpoint signature with v, inclusion of leaf_hash at
 * index). 0, or -1 with a message in err. Fills *cp with the receipt's checkpoint. */
int cli_receipt_check(const json_t *receipt, const aidreg_note_verifier *v, aidreg_checkpoint *cp, char *err,
                      size_t cap);

/* ---- cli_witnesses.c: --witness VKEY and --witness-threshold N ----------------------- */
#define CLI_MAX_WITNESSES 32
typedef struct {
  aidreg_note_verifier v[CLI_MAX_WITNESSES];
  size_t n;
  unsigned threshold; /* 0: every witness given */
} cli_witnesses;
/* Each returns 0, or CLI_USAGE after the usage message. */
int cli_witnesses_add(cli_witnesses *w, const char *cmd, const char *vkey);
int cli_witnesses_threshold(cli_witnesses *w, const char *cmd, const char *arg);
int cli_witnesses_ready(const cli_witnesses *w, const char *cmd);
/* 0 when note carries enough valid cosignatures (always, with no --witness); else -1
 * after saying so on stderr. */
int cli_witnesses_check(const cli_witnesses *w, const char *cmd, const char *note, size_t len);

/* Decodes a JSON array of base64 hashes into proof (at most AIDREG_MAX_PROOF). 0 or -1. */
int cli_proof_decode(const json_t *arr, uint8_t proof[][32], size_t *len);

/* ---- cli_source.c: verification sources over HTTP and over a folder ------------------ */

typedef struct {
  cli_server *srv;
  char code[16];
} cli_http_source;
void cli_http_source_init(cli_http_source *hs, cli_server *srv, const char *code, aidreg_verify_source *src);

typedef struct {
  const char *dir;
} cli_dir_source;
void cli_dir_source_init(cli_dir_source *ds, const char *dir, aidreg_verify_source *src);

/* The ledger a command reads (verify, export, proof), from the first given of: an export
 * folder dir, the database db_url, the server (with ledger, the county code; the
 * database takes it too). s->src is the source; s->db is the database's handle. */
typedef struct {
  aidreg_verify_source src;
  cli_server srv;
  cli_http_source hs;
  cli_dir_source ds;
  aidreg_verify_db *db;
} cli_source;
/* cli_blobs.c: the attachments of an export folder (DIR/blobs/<sha256>). Copies every file
 * the server holds for ledger code, each checked against its name: CLI_OK or CLI_FAIL. */
int cli_export_blobs(cli_server *srv, const char *code, const char *dir, unsigned *count);
/* Counts the files of DIR/blobs that hash to their names (*ok) and those that do not
 * (*bad, each named on stderr). 0, or -1 when out of memory. */
int cli_verify_blobs(const char *dir, unsigned *ok, unsigned *bad);

/* 0, or -1 with a message (s is then closed). */
int cli_source_open(cli_source *s, const char *cmd, const char *dir, const char *db_url, const char *server,
                    const char *ledger);
void cli_source_close(cli_source *s);

/* A progress line on stderr for a long verification (aidreg_verify_options.progress), shown
 * only when stderr is a terminal and redrawn at most every half second: what it is doing
 * (Chinese, English), entries checked of the total, the rate and the time left. */
typedef struct {
  const char *what; /* e.g. "核验 verifying" */
  long long t0_ms, last_ms;
  bool shown;
} cli_progress;
void cli_progress_start(cli_progress *p, const char *what);
void cli_progress_entries(void *ctx, uint64_t done, uint64_t total);
/* Ends the line, if one was shown. */
void cli_progress_end(cli_progress *p);

#endif
