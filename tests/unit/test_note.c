/* Signed notes and checkpoints: the PeterNeumann example of golang.org/x/mod/sumdb/note
 * (the reference C2SP signed-note implementation; tests/vectors/note.json) verifies and is reproduced byte for
 * byte; every flipped byte fails; malformed notes and verifier keys are refused. */
#include <sodium.h>
#include <stdlib.h>

#include "aidreg/encoding.h"
#include "aidreg/note.h"
#include "test.h"
#include "vectors.h"

/* tests/vectors/note.json. The signer key's last field is base64(0x01 || seed). */
static json_t *vec;
static const char *peter_vkey, *peter_skey_b64, *peter_text, *peter_note, *peter_sig;

static int verifies(const char *note, const aidreg_note_verifier *v) {
  size_t tl;
  return aidreg_note_verify(note, strlen(note), v, &tl) == 0;
}

static void test_peter(void) {
  aidreg_note_verifier v;
  CHECK(aidreg_note_vkey_parse(peter_vkey, &v) == 0);
  CHECK_STR(v.name, "PeterNeumann");
  CHECK(v.key_id[0] == 0xc7 && v.key_id[1] == 0x4f && v.key_id[2] == 0x20 && v.key_id[3] == 0xa3);

  size_t tl = 0;
  CHECK(aidreg_note_verify(peter_note, strlen(peter_note), &v, &tl) == 0);
  CHECK(tl == strlen(peter_text) && memcmp(peter_note, peter_text, tl) == 0);

  /* Ed25519 is deterministic: signing with the example's secret key reproduces the note. */
  uint8_t skey[33], pk[32], sk[64];
  CHECK(aidreg_b64_decode_fixed(peter_skey_b64, skey, 33) == 0 && skey[0] == 0x01);
  crypto_sign_seed_keypair(pk, sk, skey + 1);
  CHECK(memcmp(pk, v.pub, 32) == 0);
  char *vk = aidreg_note_vkey("PeterNeumann", pk);
  CHECK_STR(vk, peter_vkey);
  free(vk);
  uint8_t id[4];
  aidreg_note_key_id("PeterNeumann", pk, id);
  CHECK(memcmp(id, v.key_id, 4) == 0);
  char *signed_note = aidreg_note_sign(peter_text, "PeterNeumann", sk);
  CHECK_STR(signed_note, peter_note);
  free(signed_note);

  aidreg_note_verifier w;
  CHECK(aidreg_note_verifier_init(&w, "PeterNeumann", pk) == 0);
  CHECK(memcmp(&w, &v, sizeof v) == 0);

  /* Any changed byte breaks the note (signature, text, name, separators or encoding). */
  size_t n = strlen(peter_note);
  char *copy = malloc(n + 1);
  if (!copy) abort();
  int accepted = 0;
  for (size_t i = 0; i < n; i++) {
    for (int bit = 0; bit < 8; bit += 3) {
      memcpy(copy, peter_note, n + 1);
      copy[i] ^= (char)(1 << bit);
      if (aidreg_note_verify(copy, n, &v, &tl) == 0) {
        accepted++;
        fprintf(stderr, "accepted with byte %zu ^ %d\n", i, 1 << bit);
      }
    }
  }
  CHECK(accepted == 0);
  free(copy);
  sodium_memzero(sk, sizeof sk);
}

static void test_vkey_manglings(void) {
  aidreg_note_verifier v;
  size_t n = strlen(peter_vkey);
  char buf[128];
  int accepted = 0;
  /* every proper substring */
  for (size_t i = 0; i <= n; i++) {
    for (size_t j = i + 1; j <= n; j++) {
      if (i == 0 && j == n) continue;
      memcpy(buf, peter_vkey + i, j - i);
      buf[j - i] = '\0';
      if (aidreg_note_vkey_parse(buf, &v) == 0) accepted++;
    }
  }
  /* every byte incremented */
  for (size_t i = 0; i < n; i++) {
    memcpy(buf, peter_vkey, n + 1);
    buf[i]++;
    if (aidreg_note_vkey_parse(buf, &v) == 0) accepted++;
  }
  CHECK_MSG(accepted == 0, "%d mangled keys accepted", accepted);
  /* upper-case key id is the same id */
  CHECK(aidreg_note_vkey_parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v) == 0);
  /* wrong length key, and an unknown algorithm */
  CHECK(aidreg_note_vkey_parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", &v) == -1);
  CHECK(aidreg_note_vkey_parse("PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v) == -1);
  CHECK(aidreg_note_vkey_parse("", &v) == -1);
  CHECK(aidreg_note_vkey_parse("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v) == -1);
}

static void test_round_trip(void) {
  uint8_t pk[32], sk[64];
  crypto_sign_keypair(pk, sk);
  const char *name = "registry.example.org/522701";
  char *vkey = aidreg_note_vkey(name, pk);
  aidreg_note_verifier v, other;
  CHECK(vkey && aidreg_note_vkey_parse(vkey, &v) == 0);
  CHECK_STR(v.name, name);
  CHECK(memcmp(v.pub, pk, 32) == 0);
  char *again = aidreg_note_vkey(v.name, v.pub);
  CHECK_STR(again, vkey);
  free(again);
  free(vkey);

  const char *text = "registry.example.org/522701\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  char *note = aidreg_note_sign(text, name, sk);
  CHECK(note != NULL);
  size_t tl = 0;
  CHECK(note && aidreg_note_verify(note, strlen(note), &v, &tl) == 0 && tl == strlen(text));

  /* another key of the same name, or another name, does not verify it */
  uint8_t pk2[32], sk2[64];
  crypto_sign_keypair(pk2, sk2);
  CHECK(aidreg_note_verifier_init(&other, name, pk2) == 0);
  CHECK(!verifies(note, &other));
  CHECK(aidreg_note_verifier_init(&other, "someone.else", pk) == 0);
  CHECK(!verifies(note, &other));

  /* signatures by unknown keys are ignored, wherever they are */
  char *cosigned = aidreg_note_sign(text, "witness.example", sk2);
  const char *wline = cosigned ? strstr(cosigned, "\n\n") + 2 : "";
  char *both = test_cat(note, wline);
  CHECK(verifies(both, &v));
  CHECK(aidreg_note_verifier_init(&other, "witness.example", pk2) == 0);
  CHECK(verifies(both, &other));
  const char *ourline = strstr(note, "\n\n") + 2;
  char *prefix = test_cat(text, "\n");
  char *rev1 = test_cat(prefix, wline);
  char *reversed = test_cat(rev1, ourline);
  CHECK(verifies(reversed, &v));
  /* unknown signature types / lengths from other keys are fine if well formed */
  char *odd = test_cat(note, "\xe2\x80\x94 other.example AAAAAAE=\n");
  CHECK(verifies(odd, &v));
  /* the same key signing twice is malformed */
  char *twice = test_cat(note, ourline);
  CHECK(!verifies(twice, &v));
  /* our name and key id with a signature of the wrong length is a failed signature */
  char line[256];
  uint8_t blob[5];
  memcpy(blob, v.key_id, 4);
  blob[4] = 0;
  char b64[16];
  aidreg_b64_encode_to(blob, 5, b64, sizeof b64);
  snprintf(line, sizeof line, "\xe2\x80\x94 %s %s\n", name, b64);
  char *shortsig = test_cat(note, line);
  CHECK(!verifies(shortsig, &v));
  free(note);
  free(cosigned);
  free(both);
  free(prefix);
  free(rev1);
  free(reversed);
  free(odd);
  free(twice);
  free(shortsig);

  /* text that sign must refuse */
  CHECK(aidreg_note_sign("", name, sk) == NULL);
  CHECK(aidreg_note_sign("no newline", name, sk) == NULL);
  CHECK(aidreg_note_sign("a\n\nb\n", name, sk) == NULL);
  CHECK(aidreg_note_sign("\nb\n", name, sk) == NULL);
  CHECK(aidreg_note_sign("tab\there\n", name, sk) == NULL);
  CHECK(aidreg_note_sign("cr\r\n", name, sk) == NULL);
  CHECK(aidreg_note_sign("bad utf8 \xff\n", name, sk) == NULL);
  CHECK(aidreg_note_sign("ok\n", "has space", sk) == NULL);
  CHECK(aidreg_note_sign("ok\n", "has+plus", sk) == NULL);
  CHECK(aidreg_note_sign("ok\n", "nbsp\xc2\xa0", sk) == NULL);
  CHECK(aidreg_note_sign("ok\n", "", sk) == NULL);
  char *uni = aidreg_note_sign("\xe4\xb8\xad\xe6\x96\x87\n", "\xe5\x8e\xbf/522701", sk);
  CHECK(uni != NULL);
  CHECK(aidreg_note_verifier_init(&other, "\xe5\x8e\xbf/522701", pk) == 0);
  CHECK(uni && verifies(uni, &other));
  free(uni);
  sodium_memzero(sk, sizeof sk);
  sodium_memzero(sk2, sizeof sk2);
}

static void test_malformed(void) {
  aidreg_note_verifier v;
  CHECK(aidreg_note_vkey_parse(peter_vkey, &v) == 0);
  const char *sig = peter_sig;
  char buf[512];
  struct {
    const char *fmt;
    const char *why;
  } bad[] = {
      {"%s\n\xe2\x80\x94 %s", "no final newline"},
      {"%s\xe2\x80\x94 %s\n", "no blank line"},
      {"%s\n-- %s\n", "ASCII dashes"},
      {"%s\n\xe2\x80\x94%s\n", "no space after the dash"},
      {"%s\n\xe2\x80\x94  %s\n", "two spaces"},
      {"%s\n \xe2\x80\x94 %s\n", "indented"},
      {"%s\n\xe2\x80\x94 %s \n", "trailing space"},
      {"%s\n\xe2\x80\x94 %s\r\n", "CRLF"},
      {"%s\n\xe2\x80\x94 %s\n\n", "blank line after the signatures"},
      {"%s\n\xe2\x80\x94 %s\nplain text\n", "text after the signatures"},
      {"%s\n\xe2\x80\x94 %s\n\xe2\x80\x94 \n", "empty signature line"},
      {"%s\n\xe2\x80\x94 %s\n\xe2\x80\x94 x AAAA\n", "too short a signature"},
      {"%s\n\xe2\x80\x94 %s\n\xe2\x80\x94 x AAAAAAE\n", "unpadded base64"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    snprintf(buf, sizeof buf, bad[i].fmt, peter_text, sig);
    CHECK_MSG(!verifies(buf, &v), "accepted: %s", bad[i].why);
  }
  snprintf(buf, sizeof buf, "%s\n\xe2\x80\x94 %s\n", peter_text, sig);
  CHECK(verifies(buf, &v));
  size_t tl;
  CHECK(aidreg_note_verify(buf, strlen(buf) - 1, &v, &tl) == -1);
  CHECK(aidreg_note_verify("", 0, &v, &tl) == -1);
  CHECK(aidreg_note_verify("\n", 1, &v, &tl) == -1);
  CHECK(aidreg_note_verify("\n\n", 2, &v, &tl) == -1);
  /* a NUL inside is a control character */
  size_t note_len = strlen(peter_note);
  char *nul = malloc(note_len + 1);
  if (!nul) abort();
  memcpy(nul, peter_note, note_len + 1);
  nul[5] = '\0';
  CHECK(aidreg_note_verify(nul, note_len, &v, &tl) == -1);
  free(nul);
}

static void test_checkpoint(void) {
  uint8_t pk[32], sk[64];
  crypto_sign_keypair(pk, sk);
  aidreg_checkpoint c, d;
  memset(&c, 0, sizeof c);
  const json_t *cv = vec_get(vec, "checkpoint");
  snprintf(c.origin, sizeof c.origin, "%s", vec_str(cv, "origin"));
  c.size = vec_u64(cv, "size");
  if (vec_hex(cv, "root_hex", c.root, sizeof c.root) != 32) abort();
  char *text = aidreg_checkpoint_text(&c);
  const char *want = vec_str(cv, "text");
  char root[45];
  aidreg_b64_encode_to(c.root, 32, root, sizeof root);
  CHECK_STR(text, want);
  CHECK(text && aidreg_checkpoint_parse(text, strlen(text), &d) == 0 && memcmp(&c, &d, sizeof c) == 0);

  aidreg_note_verifier v, other;
  CHECK(aidreg_note_verifier_init(&v, c.origin, pk) == 0);
  char *note = text ? aidreg_note_sign(text, c.origin, sk) : NULL;
  memset(&d, 0, sizeof d);
  CHECK(note && aidreg_checkpoint_open(note, strlen(note), &v, &d) == 0 && memcmp(&c, &d, sizeof c) == 0);
  /* the key must be named after the origin */
  char *misnamed = text ? aidreg_note_sign(text, "other.example/522701", sk) : NULL;
  CHECK(aidreg_note_verifier_init(&other, "other.example/522701", pk) == 0);
  CHECK(misnamed && verifies(misnamed, &other));
  CHECK(misnamed && aidreg_checkpoint_open(misnamed, strlen(misnamed), &other, &d) == -1);
  free(misnamed);
  free(note);
  free(text);

  /* size 0 and the largest size */
  c.size = 0;
  text = aidreg_checkpoint_text(&c);
  CHECK(text && aidreg_checkpoint_parse(text, strlen(text), &d) == 0 && d.size == 0);
  free(text);
  c.size = UINT64_MAX;
  text = aidreg_checkpoint_text(&c);
  CHECK(text && strstr(text, "\n18446744073709551615\n") && aidreg_checkpoint_parse(text, strlen(text), &d) == 0 &&
        d.size == UINT64_MAX);
  free(text);

  /* extension lines are allowed and ignored */
  char buf[256];
  snprintf(buf, sizeof buf, "o\n5\n%s\nextension one\n\xe2\x80\x94 two\n", root);
  CHECK(aidreg_checkpoint_parse(buf, strlen(buf), &d) == 0 && d.size == 5 && strcmp(d.origin, "o") == 0);

  const char *bad[] = {
      "o\n5\n%s",             /* no final newline */
      "o\n5\n",               /* no root */
      "\n5\n%s\n",            /* empty origin */
      "o\n05\n%s\n",          /* leading zero */
      "o\n+5\n%s\n",
      "o\n5 \n%s\n",
      "o\n\n%s\n",
      "o\n18446744073709551616\n%s\n", /* overflow */
      "o\n5\n%s=\n",
      "o\n5\n %s\n",
      "o\n5\n%s\n\n",         /* empty extension line */
      "o\n5\n%s\nx\n\ny\n",
      "o\r\n5\n%s\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    snprintf(buf, sizeof buf, bad[i], root);
    CHECK_MSG(aidreg_checkpoint_parse(buf, strlen(buf), &d) == -1, "accepted checkpoint %zu", i);
  }
  snprintf(buf, sizeof buf, "o\n5\nAAAA\n");
  CHECK(aidreg_checkpoint_parse(buf, strlen(buf), &d) == -1); /* not 32 bytes */
  memset(&c, 0, sizeof c);
  CHECK(aidreg_checkpoint_text(&c) == NULL); /* empty origin */
  snprintf(c.origin, sizeof c.origin, "two\nlines");
  CHECK(aidreg_checkpoint_text(&c) == NULL);
  sodium_memzero(sk, sizeof sk);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  vec = vectors_load("note.json");
  const json_t *peter = vec_get(vec, "peter");
  peter_vkey = vec_str(peter, "vkey");
  peter_skey_b64 = vec_str(peter, "skey_b64");
  peter_text = vec_str(peter, "text");
  peter_note = vec_str(peter, "note");
  peter_sig = vec_str(peter, "signature_line");
  test_peter();
  test_vkey_manglings();
  test_round_trip();
  test_malformed();
  test_checkpoint();
  json_decref(vec);
  return test_done();
}
