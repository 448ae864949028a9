/* The seeded history generator of domain_random.h. */
#include "domain_random.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t dr_next(dr_rng *r) {
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * 0x2545F4914F6CDD1DULL;
}

unsigned dr_below(dr_rng *r, unsigned n) { return n ? (unsigned)(dr_next(r) % n) : 0; }

bool dr_chance(dr_rng *r, unsigned percent) { return dr_below(r, 100) < percent; }

const char *const dr_actor_names[] = {"county", "town", "vA", "vB", "vC", "op", "op2", "aud", "mnt", "town2"};

const char *const dr_actor_scopes[] = {"", "100", "100201", "100202", "200203", "", "", "", "200203", "200"};

const aidreg_role dr_actor_roles[] = {AIDREG_ROLE_COUNTY,   AIDREG_ROLE_TOWNSHIP, AIDREG_ROLE_VILLAGE,
                                             AIDREG_ROLE_VILLAGE,  AIDREG_ROLE_VILLAGE,  AIDREG_ROLE_OPERATOR,
                                             AIDREG_ROLE_OPERATOR, AIDREG_ROLE_AUDITOR,  AIDREG_ROLE_VILLAGE,
                                             AIDREG_ROLE_TOWNSHIP};

const char *const dr_village_suffix[] = {"100201", "100202", "200203"};

const char *const dr_village_actor[] = {"vA", "vB", "vC"};

const char *const dr_town_actor[] = {"town", "town", "town2"};

int dr_actor(const char *name) {
  for (int i = 0; i < DR_NACTORS; i++)
    if (strcmp(dr_actor_names[i], name) == 0) return i;
  return 0;
}

void dr_date(int day, char out[16]) {
  int64_t z = 19358 + day; /* 2023-01-01 */
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
  snprintf(out, 16, "%04d-%02u-%02u", (int)y, m, d);
}

void dr_village(const dr_gen *g, int v, char out[16]) { snprintf(out, 16, "%s%s", g->county, dr_village_suffix[v]); }

char *dr_strdup(const char *s) {
  size_t n = strlen(s);
  char *o = malloc(n + 1);
  memcpy(o, s, n + 1);
  return o;
}

void dr_init(dr_gen *g, uint64_t seed, const char *county) {
  memset(g, 0, sizeof *g);
  g->rng.s = seed ? seed : 1;
  snprintf(g->county, sizeof g->county, "%s", county);
  g->publicity = 7;
}

void dr_free(dr_gen *g) {
  for (int i = 0; i < g->nentries; i++) free(g->entries[i].body);
  free(g->body);
  free(g->correction_body);
}

char *dr_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *out = malloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(out, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return out;
}

void dr_set(dr_gen *g, int op, const char *who, const char *type, const char *subject, char *body) {
  char d[16];
  dr_date(g->day, d);
  g->op = op;
  snprintf(g->who, sizeof g->who, "%s", who);
  snprintf(g->type, sizeof g->type, "%s", type);
  snprintf(g->subject, sizeof g->subject, "%s", subject);
  /* A distinct second of the day for every entry: no two payloads are the same. */
  unsigned sec = (unsigned)(g->serial++ % 86400);
  snprintf(g->time, sizeof g->time, "%sT%02u:%02u:%02u+08:00", d, sec / 3600, sec / 60 % 60, sec % 60);
  free(g->body);
  g->body = body;
}

char *dr_income_body(dr_gen *g, int64_t *gross_out) {
  char d0[16], d1[16];
  dr_date(g->day - 30 - (int)dr_below(&g->rng, 60), d0);
  dr_date(g->day - (int)dr_below(&g->rng, 3), d1);
  int64_t gross = (int64_t)dr_below(&g->rng, 2000000) + 1, cost = (int64_t)dr_below(&g->rng, (unsigned)(gross / 4 + 1));
  int64_t net = gross - cost;
  if (dr_chance(&g->rng, 5)) net += 1; /* does not add up */
  if (gross_out) *gross_out = gross;
  return dr_printf("{\"period_start\":\"%s\",\"period_end\":\"%s\",\"gross_fen\":%" PRId64
                   ",\"costs\":[{\"kind\":\"o_and_m\",\"amount_fen\":%" PRId64 "}],\"net_fen\":%" PRId64
                   ",\"payer\":\"电网公司\",\"received_on\":\"%s\",\"account\":\"村集体账户\"}",
                   d0, d1, gross, cost, net, d1);
}

int64_t dr_left(dr_get_fn get, void *ctx, const char *income, const char *village) {
  json_t *inc = get(ctx, "income", income);
  int64_t left = 0;
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(inc, "shares"), i, s) {
    if (strcmp(json_string_value(json_object_get(s, "village")), village) == 0)
      left = json_integer_value(json_object_get(s, "net_fen")) - json_integer_value(json_object_get(s, "drawn_fen"));
  }
  json_decref(inc);
  return left;
}

char *dr_steps(dr_gen *g, bool all) {
  char d[16];
  dr_date(g->day - 1, d);
  static const char *const names[] = {"proposal", "committees", "party_members", "villagers_meeting"};
  char buf[1024];
  size_t n = 0;
  buf[n++] = '[';
  for (int k = 0; k < 4; k++) {
    if (!all && k == 2) continue;
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s{\"step\":\"%s\",\"date\":\"%s\",\"minutes_sha256\":" SHA "}",
                          n > 1 ? "," : "", names[k], d);
  }
  snprintf(buf + n, sizeof buf - n, "]");
  return dr_strdup(buf);
}

char *dr_plan_body(dr_gen *g, int v, dr_get_fn get, void *ctx, int *nlines) {
  char village[16];
  dr_village(g, v, village);
  char src[1024] = "[", lines[1024] = "[";
  int64_t total = 0;
  int nsrc = 0;
  for (int tries = 0; tries < 8 && nsrc < 2 && g->nincomes; tries++) {
    const dr_income *inc = &g->incomes[dr_below(&g->rng, (unsigned)g->nincomes)];
    const dr_asset *a = &g->assets[inc->asset];
    bool mine = false;
    for (int k = 0; k < a->nv; k++) mine |= a->villages[k] == v;
    if (!mine && !dr_chance(&g->rng, 3)) continue;
    if (strstr(src, inc->ref)) continue;
    int64_t left = dr_left(get, ctx, inc->ref, village);
    if (left <= 0 && !dr_chance(&g->rng, 5)) continue;
    int64_t amt = left > 0 ? 1 + (int64_t)(dr_next(&g->rng) % (uint64_t)left) : 1;
    if (dr_chance(&g->rng, 5)) amt = left + 1; /* beyond what is left */
    snprintf(src + strlen(src), sizeof src - strlen(src), "%s{\"income\":\"%s\",\"amount_fen\":%" PRId64 "}",
             nsrc ? "," : "", inc->ref, amt);
    total += amt;
    nsrc++;
  }
  if (!nsrc) return NULL;
  strcat(src, "]");
  static const char *const purposes[] = {"public_jobs", "small_public_works", "awards_aid", "o_and_m",
                                         "collective_economy", "other"};
  int nl = 1 + (int)dr_below(&g->rng, 3);
  int64_t rest = total;
  for (int k = 0; k < nl; k++) {
    int64_t amt = k == nl - 1 ? rest : (int64_t)(dr_next(&g->rng) % (uint64_t)(rest + 1));
    rest -= amt;
    snprintf(lines + strlen(lines), sizeof lines - strlen(lines),
             "%s{\"purpose\":\"%s\",\"description\":\"用途%d\",\"amount_fen\":%" PRId64 "}", k ? "," : "",
             purposes[dr_below(&g->rng, 6)], k, amt);
  }
  strcat(lines, "]");
  *nlines = nl;
  char *steps = dr_steps(g, dr_chance(&g->rng, 95));
  char *out = dr_printf("{\"village\":\"%s\",\"year\":%d,\"sources\":%s,\"lines\":%s,\"steps\":%s}", village,
                        2023 + g->day / 365, src, lines, steps);
  free(steps);
  return out;
}

char *dr_payout_body(dr_gen *g, int line, int64_t amount, int paid_day) {
  char d[16];
  dr_date(paid_day, d);
  return dr_printf("{\"line\":%d,\"payee\":{\"kind\":\"household\",\"id\":\"H%03u\",\"name\":\"农户\"},\"amount_fen\":%" PRId64
                   ",\"paid_on\":\"%s\",\"voucher_no\":\"V%u\"}",
                   line, dr_below(&g->rng, 200), amount, d, dr_below(&g->rng, 100000));
}

int dr_pick_asset(dr_gen *g, int klass) {
  for (int tries = 0; tries < 10 && g->nassets; tries++) {
    int i = (int)dr_below(&g->rng, (unsigned)g->nassets);
    if (klass < 0 || g->assets[i].klass == klass) return i;
  }
  return g->nassets ? (int)dr_below(&g->rng, (unsigned)g->nassets) : -1;
}

int dr_pick_requested(dr_gen *g, int state) {
  if (!g->nassets) return -1;
  int start = (int)dr_below(&g->rng, (unsigned)g->nassets);
  for (int k = 0; k < g->nassets; k++) {
    int i = (start + k) % g->nassets;
    if (g->assets[i].request_state == state) return i;
  }
  return dr_pick_asset(g, -1);
}

int dr_pick_plan(dr_gen *g, int state) {
  for (int tries = 0; tries < 12 && g->nplans; tries++) {
    int i = (int)dr_below(&g->rng, (unsigned)g->nplans);
    if (state < 0 || g->plans[i].state == state || dr_chance(&g->rng, 5)) return i;
  }
  return -1;
}

static const char *dr_asset_village_actor(dr_gen *g, const dr_asset *a) {
  return dr_village_actor[a->villages[dr_below(&g->rng, (unsigned)a->nv)]];
}

bool dr_generate(dr_gen *g, dr_get_fn get, void *ctx) {
  g->day += (int)dr_below(&g->rng, 3) == 0 ? 1 : 0;
  g->is_correction_of = false;
  g->target = -1;
  char d[16], v[16];
  dr_date(g->day, d);
  int op = (int)dr_below(&g->rng, 100);
  /* weights */
  op = op < 3    ? DR_PROJECT
       : op < 12 ? DR_ASSET
       : op < 16 ? DR_OPERATOR
       : op < 18 ? DR_MAINTAINER
       : op < 30 ? DR_INCOME
       : op < 40 ? DR_PLAN
       : op < 46 ? DR_REVIEW
       : op < 51 ? DR_FILED
       : op < 56 ? DR_NOTICE
       : op < 68 ? DR_PAYOUT
       : op < 72 ? DR_MAINT
       : op < 74 ? DR_STATUS
       : op < 76 ? DR_INVENTORY
       : op < 79 ? DR_REQUEST
       : op < 82 ? DR_APPROVE
       : op < 84 ? DR_COMPLETE
       : op < 86 ? DR_FINDING
       : op < 88 ? DR_RESOLVE
       : op < 98 ? DR_CORRECT
       : op < 99 ? DR_SETTINGS
                 : DR_RIGHTS;
  if (g->nproj == 0) op = DR_PROJECT;
  else if (g->nassets < 3 && op != DR_PROJECT) op = DR_ASSET;
  switch (op) {
  case DR_PROJECT: {
    char id[32];
    snprintf(id, sizeof id, "P-%03d", g->nproj);
    dr_village(g, (int)dr_below(&g->rng, 3), v);
    dr_set(g, op, dr_chance(&g->rng, 95) ? "county" : "vA", "project.register", id,
           dr_printf("{\"name\":\"项目%d\",\"type\":\"industry\",\"year\":%d,\"funding_lines\":[{\"channel\":\"衔接资金\","
                     "\"year\":%d,\"amount_fen\":%u}],\"locations\":[\"%s\"],\"industry_dept\":\"县农业农村局\","
                     "\"implementing_unit\":\"乡政府\"}",
                     g->nproj, 2023 + g->day / 365, 2023 + g->day / 365, 1 + dr_below(&g->rng, 100000000), v));
    return true;
  }
  case DR_ASSET: {
    if (g->nassets >= DR_MAX) return false;
    dr_asset *a = &g->assets[g->nassets];
    memset(a, 0, sizeof *a);
    snprintf(a->code, sizeof a->code, "A-%04d", g->nassets);
    a->klass = dr_chance(&g->rng, 60) ? 0 : (int)dr_below(&g->rng, 2) + 1;
    static const char *const classes[] = {"operating", "public_welfare", "household"};
    char loc[256];
    if (dr_chance(&g->rng, 30)) {
      a->nv = 2 + (int)dr_below(&g->rng, 2);
      unsigned s0 = 1 + dr_below(&g->rng, 8000), s1 = a->nv == 3 ? 1 + dr_below(&g->rng, 9999 - s0) : 10000 - s0;
      unsigned s2 = 10000 - s0 - (a->nv == 3 ? s1 : 0);
      char v0[16], v1[16], v2[16];
      dr_village(g, 0, v0), dr_village(g, 1, v1), dr_village(g, 2, v2);
      a->villages[0] = 0, a->villages[1] = 1, a->villages[2] = 2;
      if (a->nv == 2)
        snprintf(loc, sizeof loc, "\"locations\":[{\"code\":\"%s\",\"share_bp\":%u},{\"code\":\"%s\",\"share_bp\":%u}]",
                 v0, s0, v1, 10000 - s0);
      else
        snprintf(loc, sizeof loc,
                 "\"locations\":[{\"code\":\"%s\",\"share_bp\":%u},{\"code\":\"%s\",\"share_bp\":%u},{\"code\":\"%s\","
                 "\"share_bp\":%u}]",
                 v0, s0, v1, s1, v2, s2);
    } else {
      a->nv = 1;
      a->villages[0] = (int)dr_below(&g->rng, 3);
      dr_village(g, a->villages[0], v);
      snprintf(loc, sizeof loc, "\"village\":\"%s\"", v);
    }
    char proj[32];
    snprintf(proj, sizeof proj, "P-%03d", dr_chance(&g->rng, 97) ? (int)dr_below(&g->rng, (unsigned)g->nproj) : 999);
    dr_set(g, op, dr_chance(&g->rng, 97) ? "county" : "town", "asset.register", a->code,
           dr_printf("{\"project\":\"%s\",\"name\":\"资产%d\",\"class\":\"%s\",\"subtype\":\"x\",\"form\":\"fixed\",%s,"
                     "\"original_value_fen\":%u,\"quantity\":%u,\"unit\":\"个\",\"completed_on\":\"%s\",\"accepted_on\":\"%s\"}",
                     proj, g->nassets, classes[a->klass], loc, dr_below(&g->rng, 100000000), dr_below(&g->rng, 50), d, d));
    g->target = g->nassets;
    return true;
  }
  case DR_OPERATOR: {
    int i = dr_pick_asset(g, 0);
    if (i < 0) return false;
    dr_asset *a = &g->assets[i];
    g->target = i;
    dr_set(g, op, dr_chance(&g->rng, 50) ? "county" : dr_asset_village_actor(g, a), "asset.operator", a->code,
           dr_printf("{\"mode\":\"entrusted\",\"operator\":{\"name\":\"运维公司\",\"kind\":\"enterprise\",\"key\":\"%s\"},"
                     "\"contract\":{\"no\":\"HT\",\"start\":\"%s\",\"end\":\"2030-12-31\",\"agreed_return_fen_per_year\":100},"
                     "\"decided_on\":\"%s\",\"filed_with\":\"乡政府\"}",
                     g->keyids[dr_actor("op")], d, d));
    return true;
  }
  case DR_MAINTAINER: {
    int i = dr_pick_asset(g, 1);
    if (i < 0) return false;
    dr_set(g, op, "county", "asset.maintainer", g->assets[i].code,
           dr_printf("{\"body\":\"村委会\",\"person\":\"李四\",\"duties\":\"巡查\",\"fund_source\":\"村集体\",\"from\":\"%s\","
                     "\"key\":\"%s\"}",
                     d, g->keyids[dr_actor("mnt")]));
    return true;
  }
  case DR_INCOME: {
    int i = dr_pick_asset(g, 0);
    if (i < 0) return false;
    dr_asset *a = &g->assets[i];
    g->target = i;
    const char *who = a->operator_set && dr_chance(&g->rng, 70) ? "op" : dr_chance(&g->rng, 90) ? "county" : "op2";
    dr_set(g, op, who, "income.report", a->code, dr_income_body(g, NULL));
    return true;
  }
  case DR_PLAN: {
    if (g->nplans >= DR_MAX) return false;
    int vv = (int)dr_below(&g->rng, 3), nl = 0;
    char *body = dr_plan_body(g, vv, get, ctx, &nl);
    if (!body) return false;
    dr_plan *p = &g->plans[g->nplans];
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "PL-%04d", g->nplans);
    p->village = vv;
    p->nlines = nl;
    g->target = g->nplans;
    dr_set(g, op, dr_chance(&g->rng, 97) ? dr_village_actor[vv] : dr_village_actor[(vv + 1) % 3], "allocation.plan",
           p->id, body);
    return true;
  }
  case DR_REVIEW: case DR_FILED: case DR_NOTICE: case DR_PAYOUT: {
    int want = op == DR_REVIEW ? 0 : op == DR_FILED ? 2 : op == DR_NOTICE ? 3 : 4;
    int i = dr_pick_plan(g, want);
    if (i < 0) return false;
    dr_plan *p = &g->plans[i];
    g->target = i;
    if (op == DR_REVIEW) {
      dr_set(g, op, dr_town_actor[p->village], "allocation.review", p->id,
             dr_printf("{\"decision\":\"%s\",\"note\":\"\"}", dr_chance(&g->rng, 80) ? "approved" : "returned"));
    } else if (op == DR_FILED) {
      dr_set(g, op, dr_chance(&g->rng, 97) ? "county" : "town", "allocation.filed", p->id, dr_strdup("{\"note\":\"\"}"));
    } else if (op == DR_NOTICE) {
      char e[16];
      int len = g->publicity - 1 + (int)dr_below(&g->rng, 4) - (dr_chance(&g->rng, 10) ? 2 : 0);
      dr_date(g->day + len, e);
      dr_set(g, op, dr_village_actor[p->village], "notice.publish", p->id,
             dr_printf("{\"kind\":\"allocation\",\"start\":\"%s\",\"end\":\"%s\",\"content_sha256\":" SHA
                       ",\"place\":\"公示栏\"}",
                       d, e));
    } else {
      json_t *pl = get(ctx, "plan", p->id);
      json_t *l = json_array_get(json_object_get(pl, "lines"), dr_below(&g->rng, (unsigned)(p->nlines ? p->nlines : 1)));
      int line = 0;
      size_t k;
      json_t *x;
      json_array_foreach(json_object_get(pl, "lines"), k, x) if (x == l) line = (int)k;
      int64_t left = json_integer_value(json_object_get(l, "remaining_fen"));
      json_decref(pl);
      int64_t amt = left > 0 ? 1 + (int64_t)(dr_next(&g->rng) % (uint64_t)left) : 1;
      if (dr_chance(&g->rng, 30) && left > 0) amt = left;
      if (dr_chance(&g->rng, 5)) amt = left + 1;
      if (p->notice_end >= g->day && dr_chance(&g->rng, 70)) g->day = p->notice_end + 1;
      dr_set(g, op, dr_village_actor[p->village], "allocation.payout", p->id,
             dr_payout_body(g, dr_chance(&g->rng, 97) ? line : 9, amt, g->day));
    }
    return true;
  }
  case DR_MAINT: case DR_STATUS: case DR_INVENTORY: {
    int i = dr_pick_asset(g, -1);
    if (i < 0) return false;
    dr_asset *a = &g->assets[i];
    static const char *const conds[] = {"good", "needs_repair", "damaged", "idle"};
    const char *who = dr_chance(&g->rng, 80) ? dr_asset_village_actor(g, a) : dr_chance(&g->rng, 50) ? "mnt" : "vC";
    char past[16];
    dr_date(g->day - (int)dr_below(&g->rng, 20), past);
    if (op == DR_MAINT)
      dr_set(g, op, who, "maintenance.report", a->code,
             dr_printf("{\"kind\":\"%s\",\"date\":\"%s\",\"condition\":\"%s\",\"cost_fen\":%u,\"paid_from\":\"other\","
                       "\"note\":\"\",\"photos_sha256\":[]}",
                       dr_chance(&g->rng, 50) ? "inspection" : "repair", past, conds[dr_below(&g->rng, 4)],
                       dr_below(&g->rng, 10000)));
    else if (op == DR_STATUS)
      dr_set(g, op, who, "asset.status", a->code,
             dr_printf("{\"status\":\"%s\",\"reason\":\"\"}",
                       (const char *const[]){"in_use", "low_yield", "idle", "damaged", "occupied"}[dr_below(&g->rng, 5)]));
    else
      dr_set(g, op, who, "inventory.count", a->code,
             dr_printf("{\"date\":\"%s\",\"found\":%s,\"condition\":\"%s\",\"note\":\"\",\"photos_sha256\":[]}", past,
                       dr_chance(&g->rng, 90) ? "true" : "false", conds[dr_below(&g->rng, 4)]));
    return true;
  }
  case DR_REQUEST: case DR_APPROVE: case DR_COMPLETE: {
    int i = op == DR_REQUEST ? dr_pick_asset(g, -1) : dr_pick_requested(g, op == DR_APPROVE ? 1 : 2);
    if (i < 0) return false;
    dr_asset *a = &g->assets[i];
    g->target = i;
    if (op == DR_REQUEST) {
      static const char *const methods[] = {"auction", "transfer", "conversion", "suspension", "loss", "scrap", "write_off"};
      a->pending_method = (int)dr_below(&g->rng, 7);
      dr_set(g, op, dr_asset_village_actor(g, a), "disposal.request", a->code,
             dr_printf("{\"trigger\":\"other\",\"method\":\"%s\",\"valuation_fen\":%u,\"decided_on\":\"%s\"}",
                       methods[a->pending_method], dr_below(&g->rng, 100000), d));
    } else if (op == DR_APPROVE) {
      dr_set(g, op, "county", "disposal.approve", a->code,
             dr_printf("{\"request\":\"%s\",\"decision\":\"%s\",\"conditions\":\"\"}", *a->request ? a->request : H0,
                       dr_chance(&g->rng, 75) ? "approved" : "rejected"));
    } else {
      dr_village(g, a->villages[0], v);
      dr_set(g, op, dr_asset_village_actor(g, a), "disposal.complete", a->code,
             dr_printf("{\"completed_on\":\"%s\",\"proceeds_fen\":%u,\"counterparty\":\"x\",\"proceeds_to\":\"%s\"}", d,
                       dr_below(&g->rng, 100000), v));
    }
    return true;
  }
  case DR_FINDING: {
    const char *subject;
    char vbuf[16];
    int r = (int)dr_below(&g->rng, 3);
    if (r == 0 && g->nassets) subject = g->assets[dr_below(&g->rng, (unsigned)g->nassets)].code;
    else if (r == 1 && g->nplans) subject = g->plans[dr_below(&g->rng, (unsigned)g->nplans)].id;
    else dr_village(g, (int)dr_below(&g->rng, 3), vbuf), subject = vbuf;
    dr_set(g, op, dr_chance(&g->rng, 70) ? "aud" : "county", "finding.record", subject,
           dr_printf("{\"check\":\"random\",\"severity\":\"warning\",\"note\":\"\",\"due\":\"%s\"}", d));
    return true;
  }
  case DR_RESOLVE: {
    if (!g->nfindings) return false;
    int i = (int)dr_below(&g->rng, (unsigned)g->nfindings);
    dr_set(g, op, "county", "finding.resolve", g->findings[i][1],
           dr_printf("{\"finding\":\"%s\",\"action\":\"整改\",\"resolved_on\":\"%s\"}", g->findings[i][0], d));
    return true;
  }
  case DR_SETTINGS:
    g->publicity = dr_chance(&g->rng, 50) ? 7 : 10;
    dr_set(g, op, "county", "ledger.settings", g->county, dr_printf("{\"publicity_days\":%d}", g->publicity));
    return true;
  case DR_RIGHTS: {
    int i = dr_pick_asset(g, -1);
    if (i < 0) return false;
    dr_village(g, g->assets[i].villages[0], v);
    dr_set(g, op, "county", "asset.rights", g->assets[i].code,
           dr_printf("{\"owners\":[{\"kind\":\"village_collective\",\"id\":\"%s\",\"name\":\"村集体\",\"share_bp\":10000}],"
                     "\"confirmed_on\":\"%s\"}",
                     v, d));
    return true;
  }
  case DR_CORRECT: {
    if (!g->nentries) return false;
    int i = (int)dr_below(&g->rng, (unsigned)g->nentries);
    dr_entry *e = &g->entries[i];
    g->target = i;
    g->is_correction_of = true;
    char *repl = NULL;
    bool reverse = dr_chance(&g->rng, 35);
    if (!reverse) {
      if (strcmp(e->type, "income.report") == 0) repl = dr_income_body(g, NULL);
      else if (strcmp(e->type, "allocation.payout") == 0) {
        json_t *b = json_loads(e->body, 0, NULL);
        json_int_t amt = json_integer_value(json_object_get(b, "amount_fen"));
        json_object_set_new(b, "amount_fen", json_integer(amt > 1 && dr_chance(&g->rng, 70) ? amt / 2 : amt + 1));
        repl = json_dumps(b, JSON_COMPACT);
        json_decref(b);
      } else if (strcmp(e->type, "allocation.plan") == 0) {
        int nl = 0;
        json_t *b = json_loads(e->body, 0, NULL);
        int vv = 0;
        for (int k = 0; k < 3; k++) {
          char vb[16];
          dr_village(g, k, vb);
          if (strcmp(vb, json_string_value(json_object_get(b, "village"))) == 0) vv = k;
        }
        json_decref(b);
        repl = dr_plan_body(g, vv, get, ctx, &nl);
        if (!repl) reverse = true;
      } else {
        repl = dr_strdup(e->body); /* the same body again: a replacement that changes nothing */
      }
    }
    free(g->correction_body);
    g->correction_body = repl;
    g->correction_has_body = repl != NULL;
    char *body = repl ? dr_printf("{\"corrects\":\"%s\",\"reason\":\"更正\",\"body\":%s}", e->ref, repl)
                      : dr_printf("{\"corrects\":\"%s\",\"reason\":\"冲销\"}", e->ref);
    dr_set(g, op, dr_chance(&g->rng, 92) ? e->who : "vC", "correction", e->subject, body);
    return true;
  }
  }
  return false;
}

void dr_remember(dr_gen *g, const char *ref) {
  if (g->nentries >= DR_MAX) {
    /* Forget the oldest quarter; they stay in force, we just stop correcting them. */
    for (int i = 0; i < DR_MAX / 4; i++) free(g->entries[i].body);
    memmove(g->entries, g->entries + DR_MAX / 4, sizeof g->entries[0] * (DR_MAX - DR_MAX / 4));
    g->nentries -= DR_MAX / 4;
  }
  dr_entry *e = &g->entries[g->nentries++];
  snprintf(e->ref, sizeof e->ref, "%s", ref);
  snprintf(e->subject, sizeof e->subject, "%s", g->subject);
  snprintf(e->type, sizeof e->type, "%s", g->type);
  snprintf(e->who, sizeof e->who, "%s", g->who);
  e->body = dr_strdup(g->body);
}

void dr_outcome(dr_gen *g, bool accepted, const char *ref) {
  if (!accepted) return;
  int t = g->target;
  switch (g->op) {
  case DR_PROJECT: g->nproj++; break;
  case DR_ASSET: g->nassets++; break;
  case DR_OPERATOR: g->assets[t].operator_set = true; break;
  case DR_INCOME:
    if (g->nincomes < DR_MAX) {
      snprintf(g->incomes[g->nincomes].ref, 65, "%s", ref);
      g->incomes[g->nincomes++].asset = t;
    }
    break;
  case DR_PLAN: g->nplans++; break;
  case DR_REVIEW: g->plans[t].state = strstr(g->body, "approved") ? 2 : 1; break;
  case DR_FILED: g->plans[t].state = 3; break;
  case DR_NOTICE: {
    g->plans[t].state = 4;
    const char *e = strstr(g->body, "\"end\":\"");
    int64_t days;
    char date[11];
    snprintf(date, sizeof date, "%.10s", e + 7);
    if (aidreg_date_parse(date, &days) == 0) g->plans[t].notice_end = (int)(days - 19358);
    break;
  }
  case DR_REQUEST:
    snprintf(g->assets[t].request, 65, "%s", ref);
    g->assets[t].request_state = 1;
    g->assets[t].method = g->assets[t].pending_method;
    break;
  case DR_APPROVE: g->assets[t].request_state = strstr(g->body, "\"approved\"") ? 2 : 3; break;
  case DR_COMPLETE:
    g->assets[t].request_state = 0;
    g->assets[t].disposed = g->assets[t].method != 2 && g->assets[t].method != 3;
    break;
  case DR_FINDING:
    if (g->nfindings < DR_MAX) {
      snprintf(g->findings[g->nfindings][0], 72, "%s", ref);
      snprintf(g->findings[g->nfindings++][1], 72, "%s", g->subject);
    }
    break;
  case DR_CORRECT: {
    dr_entry *e = &g->entries[t];
    if (strcmp(e->type, "allocation.plan") == 0)
      for (int k = 0; k < g->nplans; k++)
        if (strcmp(g->plans[k].id, e->subject) == 0) g->plans[k].state = g->correction_has_body ? 0 : 6;
    if (g->correction_has_body && strcmp(e->type, "allocation.plan") != 0) {
      snprintf(e->ref, sizeof e->ref, "%s", ref);
      free(e->body);
      e->body = dr_strdup(g->correction_body);
    } else if (g->correction_has_body) {
      snprintf(e->ref, sizeof e->ref, "%s", ref);
      free(e->body);
      e->body = dr_strdup(g->correction_body);
    } else {
      free(e->body);
      if (t != g->nentries - 1) *e = g->entries[g->nentries - 1];
      g->nentries--;
    }
    return;
  }
  default: break;
  }
  /* Entries worth correcting later. */
  if (g->op == DR_INCOME || g->op == DR_PLAN || g->op == DR_PAYOUT || g->op == DR_MAINT || g->op == DR_ASSET ||
      g->op == DR_REVIEW || g->op == DR_NOTICE || g->op == DR_FINDING || g->op == DR_STATUS)
    dr_remember(g, ref);
}

char *dr_payload(const dr_gen *g, const char *origin, size_t *len) {
  char *out = dr_printf("{\"ledger\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\",\"body\":%s}", origin,
                        g->type, g->subject, g->time, g->body);
  *len = strlen(out);
  return out;
}
