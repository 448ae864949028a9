#ifndef AIDREG_TESTS_DOMAIN_SCRIPT_H
#define AIDREG_TESTS_DOMAIN_SCRIPT_H
/* A scripted multi-year history of one county, written from docs/events.md: every event type,
 * the plan state machine (returned, corrected, publicised, paid, closed, withdrawn), the
 * disposal chain, corrections of income and registrations, and a refusal of each rule
 * next to the accepted entry it imitates. Shared by the unit test (domain over memory)
 * and the integration test (the registry over PostgreSQL).
 *
 * Tokens in subjects, bodies and checks: {C} county, {T} township, {VA} {VB} {VC}
 * villages, {key:NAME} an actor's key id, $label the ref (hex payload hash) of the step
 * labelled so. Checks: lines "kind/id /json/pointer <json>" evaluated after the step. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidreg/event.h"
#include "aidreg/problem.h"

typedef struct {
  const char *name;
  aidreg_role role;
  const char *scope; /* suffix after the county code ("" = county) */
} ds_actor_def;

/* Literal sizes: ds_ctx below sizes its arrays by them; the definitions in
 * support/domain_script.c fail to compile when their counts differ. */
#define DS_NACTORS ((size_t)9)
#define DS_NSTEPS ((size_t)113)
extern const ds_actor_def ds_actors[DS_NACTORS];

typedef struct {
  const char *label; /* names the entry's ref for later steps, or NULL */
  const char *who;
  const char *date; /* signer's date (noon, Asia/Shanghai) */
  const char *type;
  const char *subject;
  const char *body;
  aidreg_code expect;
  const char *checks;
} ds_step;

#define OK_ AIDREG_OK
#define H0 "0000000000000000000000000000000000000000000000000000000000000000"
#define SHA "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""
#define STEPS4(d)                                                                                             \
  "[{\"step\":\"proposal\",\"date\":\"" d "\",\"minutes_sha256\":" SHA "},"                                  \
  "{\"step\":\"committees\",\"date\":\"" d "\",\"minutes_sha256\":" SHA "},"                                 \
  "{\"step\":\"party_members\",\"date\":\"" d "\",\"minutes_sha256\":" SHA "},"                              \
  "{\"step\":\"villagers_meeting\",\"date\":\"" d "\",\"minutes_sha256\":" SHA "}]"
#define PV_REG(klass)                                                                                          \
  "{\"project\":\"P-2023-01\",\"name\":\"村级光伏电站\",\"class\":\"" klass "\",\"subtype\":\"光伏电站\","     \
  "\"form\":\"fixed\",\"locations\":[{\"code\":\"{VA}\",\"share_bp\":6000},{\"code\":\"{VB}\",\"share_bp\":4000}]," \
  "\"original_value_fen\":80000000,\"quantity\":100,\"unit\":\"kW\",\"completed_on\":\"2023-05-01\","          \
  "\"accepted_on\":\"2023-05-10\"}"
#define ROAD_REG(desc)                                                                                         \
  "{\"project\":\"P-2023-01\",\"name\":\"通组路\",\"class\":\"public_welfare\",\"subtype\":\"道路\","           \
  "\"form\":\"fixed\",\"village\":\"{VA}\",\"original_value_fen\":50000000,\"quantity\":2.5,\"unit\":\"km\","   \
  "\"completed_on\":\"2023-05-01\",\"accepted_on\":\"2023-05-10\"" desc "}"
#define INCOME(ps, pe, gross, cost, net, recv)                                                               \
  "{\"period_start\":\"" ps "\",\"period_end\":\"" pe "\",\"gross_fen\":" gross ",\"costs\":[{\"kind\":\"land_rent\"," \
  "\"amount_fen\":" cost "}],\"net_fen\":" net ",\"payer\":\"国网\",\"received_on\":\"" recv "\",\"account\":\"村集体账户\"}"
#define PLAN(village, year, sources, lines, steps)                                                             \
  "{\"village\":\"" village "\",\"year\":" year ",\"sources\":" sources ",\"lines\":" lines ",\"steps\":" steps "}"
#define NOTICE(kind, start, end)                                                                               \
  "{\"kind\":\"" kind "\",\"start\":\"" start "\",\"end\":\"" end "\",\"content_sha256\":" SHA                \
  ",\"place\":\"村务公开栏\"}"
#define PAYOUT(line, amount, on)                                                                              \
  "{\"line\":" line ",\"payee\":{\"kind\":\"person\",\"id\":\"P001\",\"name\":\"张三\"},\"amount_fen\":" amount \
  ",\"paid_on\":\"" on "\",\"voucher_no\":\"V-" on "\"}"
#define REQUEST(method, on)                                                                                   \
  "{\"trigger\":\"end_of_life\",\"method\":\"" method "\",\"valuation_fen\":100000,\"decided_on\":\"" on "\"}"
#define COMPLETE(to, on)                                                                                     \
  "{\"completed_on\":\"" on "\",\"proceeds_fen\":50000,\"counterparty\":\"回收站\",\"proceeds_to\":\"" to "\"}"
#define CORR(ref, body) "{\"corrects\":\"" ref "\",\"reason\":\"填报错误\"" body "}"

extern const ds_step ds_script[DS_NSTEPS];

/* ---- substitution -------------------------------------------------------------------------- */

typedef struct {
  char county[8];
  char keyids[DS_NACTORS][64];
  char labels[DS_NSTEPS][16];
  char refs[DS_NSTEPS][65];
  size_t nlabels;
} ds_ctx;

void ds_set_ref(ds_ctx *c, const char *label, const char *ref);

int ds_actor(const char *name);

/* Expands the tokens of in into out (malloc'd). */
char *ds_expand(const ds_ctx *c, const char *in);

/* "2024-03-08" -> "2024-03-08T12:00:00+08:00" */
void ds_time(const char *date, char out[40]);

/* ---- checks ---------------------------------------------------------------------------------- */

/* Runs each check line; get(ctx, kind, id) returns a new reference or NULL. Returns the
 * number of failures, printing each. */
int ds_checks(const ds_ctx *c, const char *checks, json_t *(*get)(void *ctx, const char *kind, const char *id),
                     void *ctx, size_t step);

#endif
