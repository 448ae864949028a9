/* Reading an asset for the rules of every type that acts on one (assets, income,
 * disposal): does it exist and still live, who owns it, how its income splits between
 * its locations. Nothing here changes the state. */
#include <stdio.h>
#include <string.h>

#include "rules/domain_internal.h"

const json_t *ar_dom_need_asset(domain_batch *d, const dom_entry *e, bool live_only, aidreg_problem *p) {
  const json_t *a = ar_dom_get(d, "asset", e->subject);
  if (!a) {
    aidreg_problem_set(p, AIDREG_E_ASSET_UNKNOWN, "/subject",
                       "资产 %s 尚未登记，请先提交 asset.register / asset %s is not registered: register it first",
                       e->subject, e->subject);
    return NULL;
  }
  if (live_only && strcmp(ar_js(a, "status"), "disposed") == 0) {
    aidreg_problem_set(p, AIDREG_E_ASSET_DISPOSED, "/subject",
                       "资产 %s 已处置，只能记录审计发现或更正 / asset %s has been disposed of: it takes only "
                       "findings and corrections",
                       e->subject, e->subject);
    return NULL;
  }
  return a;
}

bool ar_dom_asset_has_owner(const json_t *asset, const char *id, bool or_location) {
  if (!id) return false;
  if (ar_jfind(json_object_get(asset, "owners"), "id", id, NULL)) return true;
  return or_location && ar_jfind(json_object_get(asset, "locations"), "code", id, NULL);
}

size_t ar_dom_split(const json_t *locations, int64_t total, int64_t out[DOM_MAX_LOCATIONS]) {
  size_t n = json_array_size(locations), i;
  if (n > DOM_MAX_LOCATIONS) n = DOM_MAX_LOCATIONS;
  int64_t given = 0;
  for (i = 0; i < n; i++) {
    int64_t bp = ar_ji(json_array_get(locations, i), "share_bp");
    if (bp < 0 || bp > 10000) bp = 0;
    /* floor(total * bp / 10000) without overflow: total = q * 10000 + r. */
    out[i] = (total / 10000) * bp + (total % 10000) * bp / 10000;
    given += out[i];
  }
  if (n) out[0] += total - given;
  return n;
}
