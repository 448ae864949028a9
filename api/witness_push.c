/* The witnesses' client (C2SP tlog-witness): a thread that looks at every ledger's size
 * every interval and sends each new checkpoint to each witness with the old size that
 * witness last cosigned (kept in the database: the cosignature table) and the
 * consistency proof from it; the cosignature it answers is checked and stored. The
 * appenders never wait for it: a witness down or slow delays only the cosignatures. */
#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aidreg/cosigned.h"
#include "aidreg/note.h"
#include "witness_policy.h"

#define ANSWER_MAX (64u * 1024u)

typedef struct {
  char code[16];
  size_t witness;
  uint64_t done; /* the size this witness answered for (cosigned or refused) */
} progress;

typedef struct {
  char *buf;
  size_t len;
} sink;

static size_t on_data(char *p, size_t sz, size_t n, void *ctx) {
  sink *s = ctx;
  size_t k = sz * n;
  if (s->len + k > ANSWER_MAX) return 0;
  char *nb = realloc(s->buf, s->len + k + 1);
  if (!nb) return 0;
  memcpy(nb + s->len, p, k);
  s->buf = nb;
  s->len += k;
  s->buf[s->len] = '\0';
  return k;
}

/* POST body to url; the status (0: no answer) and the answer's body (malloc'd). */
static long post(CURL *curl, const char *url, const char *body, size_t len, char **answer) {
  sink s = {0};
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(h);
  *answer = s.buf ? s.buf : strdup("");
  return status;
}

/* The add-checkpoint body: "old N\n", the proof lines, a blank line, the note. */
static char *request_body(aidreg_registry *r, const char *code, uint64_t old, uint64_t size, const char *note,
                          size_t *len) {
  json_t *proof = NULL;
  aidreg_problem p;
  if (old > 0 && old < size && aidreg_registry_consistency(r, code, old, size, &proof, &p) != 0) return NULL;
  json_t *hashes = json_object_get(proof, "consistency_proof"), *h;
  size_t cap = 32 + strlen(note) + 46 * json_array_size(hashes), i, o = 0;
  char *b = malloc(cap);
  if (b) {
    o += (size_t)snprintf(b, cap, "old %" PRIu64 "\n", old);
    json_array_foreach(hashes, i, h) o += (size_t)snprintf(b + o, cap - o, "%s\n", json_string_value(h));
    o += (size_t)snprintf(b + o, cap - o, "\n%s", note);
    *len = o;
  }
  json_decref(proof);
  return b;
}

/* One checkpoint to one witness. Returns 1 when the witness answered for this size
 * (cosigned, or refused it: not asked again until the log grows), 0 to try again later. */
static int submit(witness_policy *wp, CURL *curl, const char *code, size_t wi, uint64_t size, const char *note) {
  const witness_entry *w = &wp->w[wi];
  aidreg_problem p;
  uint64_t old = 0;
  if (aidreg_registry_cosigned_size(wp->registry, code, w->vkey, &old, &p) != 0) return 0;
  if (old >= size) return 1;
  char url[2048];
  snprintf(url, sizeof url, "%s/add-checkpoint", w->url);
  for (int attempt = 0; attempt < 2; attempt++) {
    size_t len = 0;
    char *body = request_body(wp->registry, code, old, size, note, &len);
    if (!body) return 0;
    char *answer = NULL;
    long status = post(curl, url, body, len, &answer);
    free(body);
    int rc = 0;
    if (status == 200) {
      if (aidreg_registry_cosignature_add(wp->registry, code, size, w->vkey, answer, strlen(answer), &p) == 0)
        rc = 1;
      else
        fprintf(stderr, "aidreg-server: witness %s: its answer for %s size %" PRIu64 " is not kept: %s\n", w->v.name,
                code, size, p.detail);
    } else if (status == 409 && attempt == 0 && answer[0] >= '0' && answer[0] <= '9') {
      /* The witness knows another size than our table (a cosignature we lost, or another
       * server on the same log): ask again from its size when that is ours to prove. */
      char *end;
      unsigned long long known = strtoull(answer, &end, 10);
      if (*end == '\n' && known <= size) {
        old = known;
        free(answer);
        continue;
      }
      rc = 1;
    } else if (status != 0 && status < 500) {
      fprintf(stderr, "aidreg-server: witness %s refused %s size %" PRIu64 " (old %" PRIu64 "): %ld %s", w->v.name,
              code, size, old, status, answer);
      rc = 1;
    }
    free(answer);
    return rc;
  }
  return 1;
}

static void *run(void *arg) {
  witness_policy *wp = arg;
  CURL *curl = curl_easy_init();
  progress *done = NULL;
  size_t ndone = 0;
  while (curl && !atomic_load(&wp->stop)) {
    json_t *sizes = aidreg_registry_tree_sizes(wp->registry), *l;
    size_t i;
    json_array_foreach(sizes, i, l) {
      const char *code = json_string_value(json_object_get(l, "code"));
      uint64_t size = (uint64_t)json_integer_value(json_object_get(l, "size"));
      if (!code || size == 0 || atomic_load(&wp->stop)) continue;
      char *note = NULL;
      uint64_t note_size = 0;
      for (size_t wi = 0; wi < wp->n; wi++) {
        progress *pr = NULL;
        for (size_t k = 0; k < ndone; k++)
          if (done[k].witness == wi && !strcmp(done[k].code, code)) pr = &done[k];
        if (!pr) {
          progress *nd = realloc(done, (ndone + 1) * sizeof *nd);
          if (!nd) continue;
          done = nd;
          pr = &done[ndone++];
          memset(pr, 0, sizeof *pr);
          snprintf(pr->code, sizeof pr->code, "%s", code);
          pr->witness = wi;
        }
        if (pr->done >= size) continue;
        if (!note) {
          aidreg_problem p;
          aidreg_checkpoint cp;
          const char *blank;
          if (aidreg_registry_checkpoint(wp->registry, code, &note, &p) != 0) break;
          if (!(blank = strstr(note, "\n\n")) ||
              aidreg_checkpoint_parse(note, (size_t)(blank - note) + 1, &cp) != 0) {
            free(note);
            note = NULL;
            break;
          }
          note_size = cp.size;
        }
        if (submit(wp, curl, code, wi, note_size, note)) pr->done = note_size;
      }
      free(note);
    }
    json_decref(sizes);
    for (unsigned t = 0; t < wp->interval_ms && !atomic_load(&wp->stop); t += 10) usleep(10000);
  }
  free(done);
  if (curl) curl_easy_cleanup(curl);
  return NULL;
}

int witness_push_start(witness_policy *wp, aidreg_registry *r) {
  wp->registry = r;
  atomic_store(&wp->stop, false);
  if (wp->n == 0) return 0;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) return -1;
  if (pthread_create(&wp->thread, NULL, run, wp) != 0) return -1;
  wp->running = 1;
  return 0;
}

void witness_push_stop(witness_policy *wp) {
  if (!wp->running) return;
  atomic_store(&wp->stop, true);
  pthread_join(wp->thread, NULL);
  wp->running = 0;
  curl_global_cleanup();
}
