/* Authority: who may sign what at a given position of a ledger (docs/events.md "Authority").
 * Pure logic over an aidreg_keyview, so the appender and the verifier agree. */
#include "aidreg/authority.h"
#include "core/national_id.h"
#include "rules/event_hooks.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool aidreg_is_admin_code(const char *s) {
  size_t n = 0;
  for (; s[n]; n++)
    if (!isdigit((unsigned char)s[n])) return false;
  return n == 6 || n == 9 || n == 12;
}

bool aidreg_scope_covers(const char *scope, const char *code) {
  size_t n = strlen(scope);
  return n > 0 && strncmp(scope, code, n) == 0;
}

/* Body members: exactly the names listed (NULL-terminated), all required. */
static int body_exact(const json_t *body, const char *const *names, aidreg_problem *p) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)body, k, v) {
    bool known = false;
    for (size_t i = 0; names[i]; i++) known |= strcmp(k, names[i]) == 0;
    if (!known) {
      char f[160];
      snprintf(f, sizeof f, "/body/%s", k);
      return aidreg_problem_set(p, AIDREG_E_UNKNOWN_FIELD, f, "body member \"%s\" is not defined for this type", k);
    }
  }
  for (size_t i = 0; names[i]; i++)
    if (!json_object_get(body, names[i])) {
      char f[160];
      snprintf(f, sizeof f, "/body/%s", names[i]);
      return aidreg_problem_set(p, AIDREG_E_MISSING_FIELD, f, "body member \"%s\" is required", names[i]);
    }
  return 0;
}

static const char *body_str(const json_t *body, const char *name, aidreg_problem *p) {
  const char *s = json_string_value(json_object_get(body, name));
  if (!s) {
    char f[160];
    snprintf(f, sizeof f, "/body/%s", name);
    aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, f, "\"%s\" must be a string", name);
  }
  return s;
}

static bool signed_by(const aidreg_envelope *env, const char *keyid) {
  for (size_t i = 0; i < env->nsig; i++)
    if (strcmp(env->sigs[i].keyid, keyid) == 0) return true;
  return false;
}

static bool is_create(const aidreg_event *ev) { return strcmp(ev->type, "ledger.create") == 0; }

int aidreg_authority_signers_known(const aidreg_keyview *kv, const aidreg_envelope *env,
                                   const aidreg_event *ev, uint64_t position, aidreg_problem *p) {
  const char *root = NULL;
  if (position == 0 && is_create(ev)) root = json_string_value(json_object_get(ev->body, "root_key"));
  for (size_t i = 0; i < env->nsig; i++) {
    if (root && strcmp(env->sigs[i].keyid, root) == 0) continue;
    aidreg_key_state k;
    int found = kv->lookup(kv->ctx, env->sigs[i].keyid, &k);
    if (found < 0) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "key lookup failed");
    if (found == 0) {
      char f[64];
      snprintf(f, sizeof f, "/signatures/%zu/keyid", i);
      return aidreg_problem_set(p, AIDREG_E_KEY_NOT_ENROLLED, f, "key %s is not enrolled in this ledger",
                                env->sigs[i].keyid);
    }
  }
  return 0;
}

static int check_create(const char *county, const aidreg_envelope *env, const aidreg_event *ev,
                        uint64_t position, aidreg_keychange *ch, aidreg_problem *p) {
  static const char *const names[] = {"code", "name", "root_key", "settings", NULL};
  if (body_exact(ev->body, names, p)) return -1;
  const char *code = body_str(ev->body, "code", p), *name = body_str(ev->body, "name", p),
             *root = body_str(ev->body, "root_key", p);
  if (!code || !name || !root) return -1;
  if (!json_is_object(json_object_get(ev->body, "settings")))
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body/settings", "settings must be an object");
  uint8_t pk[32];
  if (aidreg_key_id_decode(root, pk) != 0)
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body/root_key", "root_key is not a key id");
  if (strlen(code) != 6 || !aidreg_is_admin_code(code))
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body/code", "code must be a 6-digit county code");
  if (!*name) return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body/name", "name must not be empty");
  if (strcmp(code, county) != 0 || strcmp(ev->subject, code) != 0)
    return aidreg_problem_set(p, AIDREG_E_SUBJECT_MISMATCH, "/subject",
                              "subject and body.code must both be the ledger's county code %s", county);
  if (position != 0)
    return aidreg_problem_set(p, AIDREG_E_NOT_FIRST_ENTRY, "/type", "this ledger already exists");
  if (!signed_by(env, root))
    return aidreg_problem_set(p, AIDREG_E_BAD_SIGNATURE, "/signatures",
                              "ledger.create must be signed by the root key it names");
  ch->kind = AIDREG_KEYCHANGE_ENROLL;
  snprintf(ch->key.keyid, sizeof ch->key.keyid, "%s", root);
  ch->key.role = AIDREG_ROLE_COUNTY;
  snprintf(ch->key.scope, sizeof ch->key.scope, "%s", county);
  ch->key.is_root = true;
  snprintf(ch->holder_name, sizeof ch->holder_name, "%s", name);
  return 0;
}

/* The scope a role's key must have: length by role, inside the county. */
static int check_scope_for_role(aidreg_role role, const char *scope, const char *county, aidreg_problem *p) {
  size_t n = strlen(scope);
  if (!aidreg_is_admin_code(scope))
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body/scope", "scope must be a 6, 9 or 12 digit code");
  bool len_ok = role == AIDREG_ROLE_COUNTY     ? n == 6
                : role == AIDREG_ROLE_TOWNSHIP ? n == 9
                : role == AIDREG_ROLE_VILLAGE  ? n == 12
                                               : true;
  if (!len_ok)
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body/scope",
                              "a %s key's scope must be a %s code", aidreg_role_name(role),
                              role == AIDREG_ROLE_COUNTY ? "6-digit county" : role == AIDREG_ROLE_TOWNSHIP ? "9-digit township" : "12-digit village");
  if (!aidreg_scope_covers(county, scope))
    return aidreg_problem_set(p, AIDREG_E_OUT_OF_SCOPE, "/body/scope", "scope %s lies outside county %s", scope,
                              county);
  return 0;
}

static int parse_enroll(const char *county, const aidreg_event *ev, aidreg_keychange *ch, aidreg_problem *p) {
  static const char *const names[] = {"key", "role", "scope", "holder", NULL};
  static const char *const holder_names[] = {"name", "org", NULL};
  if (body_exact(ev->body, names, p)) return -1;
  const char *key = body_str(ev->body, "key", p), *role = body_str(ev->body, "role", p),
             *scope = body_str(ev->body, "scope", p);
  if (!key || !role || !scope) return -1;
  json_t *holder = json_object_get(ev->body, "holder");
  if (!json_is_object(holder))
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body/holder", "holder must be an object {name, org}");
  for (const char *const *h = holder_names; *h; h++) {
    json_t *v = json_object_get(holder, *h);
    char f[64];
    snprintf(f, sizeof f, "/body/holder/%s", *h);
    if (!v) return aidreg_problem_set(p, AIDREG_E_MISSING_FIELD, f, "holder.%s is required", *h);
    if (!json_is_string(v)) return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, f, "holder.%s must be a string", *h);
  }
  if (ar_has_national_id(json_string_value(json_object_get(holder, "name"))))
    return aidreg_problem_set(p, AIDREG_E_NATIONAL_ID, "/body/holder/name",
                              "持有人姓名中含有身份证号：台账是公开的，不得填写 / holder.name holds what looks like a "
                              "national ID number; the ledger is public");
  if (json_object_size(holder) != 2) {
    const char *k;
    json_t *v;
    json_object_foreach(holder, k, v) {
      if (strcmp(k, "name") && strcmp(k, "org")) {
        char f[160];
        snprintf(f, sizeof f, "/body/holder/%s", k);
        return aidreg_problem_set(p, AIDREG_E_UNKNOWN_FIELD, f, "holder member \"%s\" is not defined", k);
      }
    }
  }
  uint8_t pk[32];
  if (aidreg_key_id_decode(key, pk) != 0)
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body/key", "key is not a key id (base64 of 32 bytes)");
  aidreg_role r = aidreg_role_parse(role);
  if (!r)
    return aidreg_problem_set(p, AIDREG_E_INVALID_FIELD, "/body/role",
                              "role must be one of county, township, village, operator, auditor");
  if (strcmp(ev->subject, key) != 0)
    return aidreg_problem_set(p, AIDREG_E_SUBJECT_MISMATCH, "/subject", "the subject of key.enroll is body.key");
  if (check_scope_for_role(r, scope, county, p)) return -1;
  ch->kind = AIDREG_KEYCHANGE_ENROLL;
  snprintf(ch->key.keyid, sizeof ch->key.keyid, "%s", key);
  ch->key.role = r;
  snprintf(ch->key.scope, sizeof ch->key.scope, "%s", scope);
  snprintf(ch->holder_name, sizeof ch->holder_name, "%s", json_string_value(json_object_get(holder, "name")));
  snprintf(ch->holder_org, sizeof ch->holder_org, "%s", json_string_value(json_object_get(holder, "org")));
  return 0;
}

/* May signer enrol the key described by ch? */
static int may_enroll(const aidreg_key_state *s, const aidreg_keychange *ch, aidreg_problem *p) {
  if (s->role == AIDREG_ROLE_COUNTY) return 0;
  if (s->role == AIDREG_ROLE_TOWNSHIP) {
    if (ch->key.role != AIDREG_ROLE_VILLAGE)
      return aidreg_problem_set(p, AIDREG_E_ROLE_NOT_ALLOWED, "/body/role", "a township key enrols only village keys");
    if (!aidreg_scope_covers(s->scope, ch->key.scope))
      return aidreg_problem_set(p, AIDREG_E_OUT_OF_SCOPE, "/body/scope", "village %s is not in township %s",
                                ch->key.scope, s->scope);
    return 0;
  }
  return aidreg_problem_set(p, AIDREG_E_ROLE_NOT_ALLOWED, "/type", "a %s key may not enrol keys",
                            aidreg_role_name(s->role));
}

static int may_revoke(const aidreg_keyview *kv, const aidreg_key_state *s, const aidreg_key_state *t,
                      aidreg_problem *p) {
  if (t->is_root) {
    if (strcmp(s->keyid, t->keyid) != 0)
      return aidreg_problem_set(p, AIDREG_E_ROLE_NOT_ALLOWED, "/subject", "only the root key may revoke itself");
    int others = kv->other_county_keys(kv->ctx, t->keyid);
    if (others < 0) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "key count failed");
    if (others == 0)
      return aidreg_problem_set(p, AIDREG_E_ROOT_REVOKE, "/subject",
                                "enrol another county key before revoking the root key");
    return 0;
  }
  if (s->role == AIDREG_ROLE_COUNTY) return 0;
  if (s->role == AIDREG_ROLE_TOWNSHIP && t->role == AIDREG_ROLE_VILLAGE) {
    if (!aidreg_scope_covers(s->scope, t->scope))
      return aidreg_problem_set(p, AIDREG_E_OUT_OF_SCOPE, "/subject", "village key %s is not in township %s",
                                t->scope, s->scope);
    return 0;
  }
  return aidreg_problem_set(p, AIDREG_E_ROLE_NOT_ALLOWED, "/subject", "a %s key may not revoke a %s key",
                            aidreg_role_name(s->role), aidreg_role_name(t->role));
}

/* A maintainer key named by asset.maintainer.key may sign maintenance.report for that
 * asset whatever its role (docs/events.md "Rules in detail", scope): only the domain rules know the asset, so
 * the role of such a signer is decided there (ar_domain_authorize), not here. */
static bool role_by_rules(const aidreg_event_type *t) { return t->hooks && t->hooks->maintainer_may_sign; }

/* Generic rule for the other types: role allowed; an administrative-code subject must
 * be covered by the signer's scope. Other subjects (assets, projects, plans) are
 * located by the domain rules. */
static int may_sign(const aidreg_key_state *s, const aidreg_event_type *t, const aidreg_event *ev,
                    aidreg_problem *p) {
  if (!(t->roles & s->role) && !role_by_rules(t))
    return aidreg_problem_set(p, AIDREG_E_ROLE_NOT_ALLOWED, "/type", "a %s key may not sign %s",
                              aidreg_role_name(s->role), t->name);
  if (aidreg_is_admin_code(ev->subject) && !aidreg_scope_covers(s->scope, ev->subject))
    return aidreg_problem_set(p, AIDREG_E_OUT_OF_SCOPE, "/subject", "%s lies outside scope %s of key %s",
                              ev->subject, s->scope, s->keyid);
  return 0;
}

int aidreg_authority_check(const aidreg_keyview *kv, const char *county, const aidreg_envelope *env,
                           const aidreg_event *ev, const aidreg_event_type *t, uint64_t position,
                           aidreg_keychange *ch, aidreg_problem *p) {
  memset(ch, 0, sizeof *ch);
  if (!t)
    return aidreg_problem_set(p, AIDREG_E_UNKNOWN_EVENT_TYPE, "/type", "event type \"%s\" is not in the catalogue",
                              ev->type);
  if (is_create(ev)) return check_create(county, env, ev, position, ch, p);
  if (aidreg_is_admin_code(ev->subject) && !aidreg_scope_covers(county, ev->subject))
    return aidreg_problem_set(p, AIDREG_E_OUT_OF_SCOPE, "/subject", "%s lies outside county %s", ev->subject, county);

  /* Every signer enrolled (checked before) and not revoked. */
  aidreg_key_state signers[AIDREG_MAX_SIGNATURES];
  for (size_t i = 0; i < env->nsig; i++) {
    int found = kv->lookup(kv->ctx, env->sigs[i].keyid, &signers[i]);
    char f[64];
    snprintf(f, sizeof f, "/signatures/%zu/keyid", i);
    if (found < 0) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "key lookup failed");
    if (found == 0)
      return aidreg_problem_set(p, AIDREG_E_KEY_NOT_ENROLLED, f, "key %s is not enrolled", env->sigs[i].keyid);
    if (signers[i].revoked)
      return aidreg_problem_set(p, AIDREG_E_KEY_REVOKED, f, "key %s has been revoked", env->sigs[i].keyid);
  }

  bool is_enroll = strcmp(ev->type, "key.enroll") == 0, is_revoke = strcmp(ev->type, "key.revoke") == 0;
  aidreg_key_state target = {0};
  if (is_enroll) {
    if (parse_enroll(county, ev, ch, p)) return -1;
  } else if (is_revoke) {
    static const char *const names[] = {"reason", NULL};
    if (body_exact(ev->body, names, p) || !body_str(ev->body, "reason", p)) return -1;
  } else if (strcmp(ev->type, "ledger.settings") == 0 && strcmp(ev->subject, county) != 0) {
    return aidreg_problem_set(p, AIDREG_E_SUBJECT_MISMATCH, "/subject",
                              "the subject of ledger.settings is the county code %s", county);
  }

  /* Order of checks (docs/events.md): role allowed, the subject exists, scope, rules. */
  aidreg_problem first = {0};
  for (size_t i = 0; i < env->nsig; i++) {
    aidreg_problem mine = {0};
    if (!(t->roles & signers[i].role) && !role_by_rules(t)) {
      aidreg_problem_set(&mine, AIDREG_E_ROLE_NOT_ALLOWED, "/type", "a %s key may not sign %s",
                         aidreg_role_name(signers[i].role), t->name);
    } else if (is_enroll) {
      int found = kv->lookup(kv->ctx, ch->key.keyid, &target);
      if (found < 0) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "key lookup failed");
      if (found)
        return aidreg_problem_set(p, AIDREG_E_KEY_ALREADY_ENROLLED, "/body/key", "key %s is already %s",
                                  ch->key.keyid, target.revoked ? "revoked (a revoked key stays revoked)" : "enrolled");
      if (may_enroll(&signers[i], ch, &mine) == 0) return 0;
    } else if (is_revoke) {
      int found = kv->lookup(kv->ctx, ev->subject, &target);
      if (found < 0) return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "key lookup failed");
      if (!found)
        return aidreg_problem_set(p, AIDREG_E_KEY_NOT_FOUND, "/subject", "key %s is not enrolled", ev->subject);
      if (target.revoked)
        return aidreg_problem_set(p, AIDREG_E_KEY_ALREADY_REVOKED, "/subject", "key %s is already revoked",
                                  ev->subject);
      if (may_revoke(kv, &signers[i], &target, &mine) == 0) {
        ch->kind = AIDREG_KEYCHANGE_REVOKE;
        ch->key = target;
        return 0;
      }
    } else if (may_sign(&signers[i], t, ev, &mine) == 0) {
      return 0;
    }
    if (i == 0) first = mine;
  }
  if (p) *p = first;
  return -1;
}
