#ifndef AIDREG_TESTS_DOMAIN_RANDOM_H
#define AIDREG_TESTS_DOMAIN_RANDOM_H
/* A seeded generator of long, plausible histories for the randomised tests: projects,
 * assets of every class (some shared by villages), operators, income, plans through their
 * whole state machine, payouts, maintenance, disposals, findings, settings, and
 * corrections (replacements and reversals) of what is in force — mixed with entries that
 * break a rule (too much drawn, wrong state, wrong signer, dates, unknown refs). The
 * generator keeps a rough model from the outcomes it is told and reads the state through
 * a callback to aim most draws and payouts at what is left; whatever it gets wrong is
 * simply refused, which the tests want too.
 *
 * Actors are those of domain_script.h plus "town2" (township of village C). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"

#ifndef SHA
#define SHA "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""
#define H0 "0000000000000000000000000000000000000000000000000000000000000000"
#endif

typedef struct {
  uint64_t s;
} dr_rng;

uint64_t dr_next(dr_rng *r);
unsigned dr_below(dr_rng *r, unsigned n);
bool dr_chance(dr_rng *r, unsigned percent);

#define DR_MAX 512

typedef struct {
  char ref[65], subject[72], type[32], who[16];
  char *body; /* the body in force (for replacements) */
} dr_entry;

typedef struct {
  char code[32];
  int klass; /* 0 operating, 1 public_welfare, 2 household */
  int villages[3], nv;
  bool operator_set, disposed;
  char request[65]; /* latest disposal request ref, "" none */
  int request_state;  /* 0 none, 1 requested, 2 approved, 3 rejected */
  int method, pending_method;
} dr_asset;

typedef struct {
  char id[32];
  int village;
  int state; /* 0 drafted 1 returned 2 reviewed 3 filed 4 publicised/paying 5 closed 6 withdrawn */
  int nlines;
  int notice_end; /* day number */
} dr_plan;

typedef struct {
  char ref[65];
  int asset;
} dr_income;

typedef struct {
  dr_rng rng;
  char county[8];
  const char *keyids[16]; /* by actor index of dr_actors */
  int day;                /* days since 2023-01-01 */
  int nproj;
  dr_asset assets[DR_MAX];
  int nassets;
  dr_income incomes[DR_MAX];
  int nincomes;
  dr_plan plans[DR_MAX];
  int nplans;
  dr_entry entries[DR_MAX];
  int nentries;
  char findings[DR_MAX][2][72]; /* ref, subject */
  int nfindings;
  int publicity;
  uint64_t serial;
  /* the operation in flight */
  char type[32], subject[72], who[16], time[40];
  char *body;
  int op, target;
  char pending_ref[65];
  bool is_correction_of; /* the op corrects entries[target] */
  bool correction_has_body;
  char *correction_body;
} dr_gen;

#define DR_NACTORS 10
extern const char *const dr_actor_names[DR_NACTORS];
extern const char *const dr_actor_scopes[DR_NACTORS];
extern const aidreg_role dr_actor_roles[DR_NACTORS];
extern const char *const dr_village_suffix[];
extern const char *const dr_village_actor[];
extern const char *const dr_town_actor[];

int dr_actor(const char *name);

void dr_date(int day, char out[16]);

void dr_village(const dr_gen *g, int v, char out[16]);

char *dr_strdup(const char *s);

void dr_init(dr_gen *g, uint64_t seed, const char *county);

void dr_free(dr_gen *g);

/* ---- bodies ---- */

char *dr_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void dr_set(dr_gen *g, int op, const char *who, const char *type, const char *subject, char *body);

char *dr_income_body(dr_gen *g, int64_t *gross_out);

typedef json_t *(*dr_get_fn)(void *ctx, const char *kind, const char *id);

/* What village v has left of an income (or 0 when unknown). */
int64_t dr_left(dr_get_fn get, void *ctx, const char *income, const char *village);

char *dr_steps(dr_gen *g, bool all);

/* A plan body for village v drawing from up to two incomes of its assets. */
char *dr_plan_body(dr_gen *g, int v, dr_get_fn get, void *ctx, int *nlines);

char *dr_payout_body(dr_gen *g, int line, int64_t amount, int paid_day);

/* ---- choosing the next entry ---- */

enum {
  DR_PROJECT, DR_ASSET, DR_OPERATOR, DR_MAINTAINER, DR_INCOME, DR_PLAN, DR_REVIEW, DR_FILED, DR_NOTICE, DR_PAYOUT,
  DR_MAINT, DR_STATUS, DR_INVENTORY, DR_REQUEST, DR_APPROVE, DR_COMPLETE, DR_FINDING, DR_RESOLVE, DR_CORRECT,
  DR_SETTINGS, DR_RIGHTS, DR_OPS
};

int dr_pick_asset(dr_gen *g, int klass);

int dr_pick_requested(dr_gen *g, int state);

int dr_pick_plan(dr_gen *g, int state);

/* Fills g->type/subject/who/time/body with the next entry. Returns false when nothing fit
 * (the caller asks again). get reads the current state. */
bool dr_generate(dr_gen *g, dr_get_fn get, void *ctx);

void dr_remember(dr_gen *g, const char *ref);

/* The outcome of the entry last generated: accepted (with its ref) or not. */
void dr_outcome(dr_gen *g, bool accepted, const char *ref);

/* The payload of the entry last generated, bound to origin. malloc'd. */
char *dr_payload(const dr_gen *g, const char *origin, size_t *len);

#endif
