/* Places (区划, docs/events.md "Places"): the names of the county's townships and
 * villages. place/<code> = {"code","level","township","name","since","merged_into",
 * "names":[{"name","since","index"}],"registered_at","villages"}: a later
 * place.register of the same code renames it and the old names stay in "names"; a
 * township counts its registered villages so that a correction cannot take away a
 * township its villages need. */
#include <string.h>

#include "rules/domain_internal.h"

static int oom(domain_batch *d, aidreg_problem *p) {
  ar_dom_nomem(d);
  return aidreg_problem_set(p, AIDREG_E_INTERNAL, NULL, "out of memory");
}

int ar_dom_place_register(domain_batch *d, const dom_entry *e, aidreg_problem *p) {
  const json_t *b = e->body;
  const char *code = e->subject, *into = ar_js(b, "merged_into");
  bool village = strlen(code) == 12;
  char township[10];
  snprintf(township, sizeof township, "%.9s", code);
  if (village && !ar_dom_get(d, "place", township))
    return ar_dom_failed(d) ? oom(d, p)
                         : aidreg_problem_set(p, AIDREG_E_TOWNSHIP_UNKNOWN, "/subject",
                                              "村 %s 所属的乡镇 %s 尚未登记，请先登记乡镇 / the township %s of village %s "
                                              "is not registered: register the township first",
                                              code, township, township, code);
  if (into) {
    const json_t *other = ar_dom_get(d, "place", into);
    if (!other || strcmp(into, code) == 0 || strlen(into) != strlen(code))
      return ar_dom_failed(d) ? oom(d, p)
                           : aidreg_problem_set(p, AIDREG_E_PLACE_UNKNOWN, "/body/merged_into",
                                                "merged_into 应为另一个已登记的同级区划，%s 不是 / merged_into must name "
                                                "another registered place of the same level; %s is not",
                                                into, into);
  }
  json_t *name = json_pack("{s:O, s:O, s:I}", "name", jget(b, "name"), "since", jget(b, "since"), "index",
                           (json_int_t)e->index);
  if (!name) return oom(d, p);
  json_t *doc = ar_dom_edit(d, "place", code);
  if (!doc) {
    if (ar_dom_failed(d)) {
      json_decref(name);
      return oom(d, p);
    }
    doc = json_pack("{s:s, s:s, s:s, s:[], s:I, s:i}", "code", code, "level", village ? "village" : "township",
                    "township", township, "names", "registered_at", (json_int_t)e->index, "villages", 0);
    if (!doc || ar_dom_put(d, "place", code, doc) || !(doc = ar_dom_edit(d, "place", code))) {
      json_decref(name);
      return oom(d, p);
    }
    if (village) {
      json_t *t = ar_dom_edit(d, "place", township);
      if (!t || !ar_ji_add(d, t, "villages", 1)) {
        json_decref(name);
        return oom(d, p);
      }
    }
  }
  if (json_array_append_new(json_object_get(doc, "names"), name) ||
      dom_jsetb(d, doc, "name", jget(b, "name")) || json_object_set(doc, "since", jget(b, "since")) ||
      dom_jsetb(d, doc, "merged_into", jget(b, "merged_into")))
    return oom(d, p);
  return 0;
}
