"""A scripted history through every event type of docs/events.md, on a fresh ledger.

Written from docs/events.md (and the read shapes of include/aidreg/state.h, the statuses of
docs/design.md / docs/api.md) alone, without reading the server's code: it is the acceptance test
of the domain ("a scripted history through every event type ... is accepted where it should
be, refused with the right status and a distinct problem type where it should not, and the
read API then shows the state that history implies, to the fen").

Each step is either
- accepted: 201, and the receipt's checkpoint signature and inclusion proof verify (c2sp.py);
- refused: the expected status, a problem document, and nothing stored (checkpoint size and
  entry count unchanged). Every 422 is filed under the rule it breaks; at the end, rules of
  different families must have pairwise distinct problem types (one rule, one type);
- a read: the state the history implies (money to the fen, with its yuan string).

Steps do not stop at the first mismatch: each test function collects what went wrong and
fails at its end with the whole list, so that one run shows every disagreement. Later steps
depend on earlier ones (one history), so a refused step can cascade.

Times are fixed (2025), so the expected state does not depend on when the test runs; the
ledger's county code is random (prefix 37), so each run starts empty.
"""

import datetime
import hashlib
import os

from aidreg_client import (PROBLEM_PREFIX, Client, Key, event, envelope, new_ledger, now_rfc3339, payload_sha256,
                           problem_of)

C = Client()
L = None
CODE = T1 = T2 = V1 = V2 = V3 = None
P = {}  # project codes by short name
A = {}  # asset codes by short name
PL = {}  # plan ids by short name
REF = {}  # step name -> payload SHA-256 (hex) of the accepted entry ("ref")
IDX = {}  # step name -> leaf index
ENV = {}  # step name -> envelope
RULES = {}  # family -> {label: problem type}  (422 refusals)
ERRORS = []  # mismatches of the running test function


# ---------------------------------------------------------------- helpers

def at(date, hh=10, mm=0):
    """An RFC 3339 instant (UTC) for a Beijing wall-clock time on date (YYYY-MM-DD)."""
    d = datetime.datetime.strptime(date + " %02d:%02d" % (hh, mm), "%Y-%m-%d %H:%M")
    d -= datetime.timedelta(hours=8)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def yuan(fen):
    sign = "-" if fen < 0 else ""
    return "%s%d.%02d" % (sign, abs(fen) // 100, abs(fen) % 100)


def fail(msg):
    ERRORS.append(msg)


def finish():
    if ERRORS:
        msg = "%d mismatch(es):\n  - " % len(ERRORS) + "\n  - ".join(ERRORS)
        del ERRORS[:]
        raise AssertionError(msg)


def key(name):
    return L.keys[name]


def sign(signer, type_, subject, body, time):
    return envelope(event(L.origin, type_, subject, body, time=time), key(signer))


def ok(name, signer, type_, subject, body, time):
    """A step that must be accepted: 201 and a receipt that verifies. Returns the ref."""
    env = sign(signer, type_, subject, body, time)
    r = C.submit(CODE, env)
    if r.status != 201:
        detail = r.body[:400].decode("utf-8", "replace")
        fail("%s: %s on %s by %s should be accepted (201), got %d %s" % (name, type_, subject, signer, r.status, detail))
        REF[name] = payload_sha256(env)  # so that later steps can still be sent
        return REF[name]
    try:
        L.verify_receipt(r.json, env)
    except Exception as e:  # noqa: BLE001 -- reported, the history goes on
        fail("%s: receipt does not verify: %s" % (name, e))
    REF[name], IDX[name], ENV[name] = r.json["payload_sha256"], r.json["index"], env
    return REF[name]


def no(family, label, status, signer, type_, subject, body, time, slugs=None):
    """A step that must be refused with `status` (and one of `slugs`, when given), storing
    nothing. A 422 is filed under RULES[family][label]."""
    env = sign(signer, type_, subject, body, time)
    before = (L.size(), L.entry_count())
    r = C.submit(CODE, env)
    after = (L.size(), L.entry_count())
    what = "%s/%s: %s on %s by %s" % (family, label, type_, subject, signer)
    if before != after:
        fail("%s: stored something on refusal (size, entries) %s -> %s" % (what, before, after))
    if r.status != status:
        fail("%s should be refused %d%s, got %d %s" % (what, status, " " + "|".join(slugs) if slugs else "",
                                                       r.status, r.body[:300].decode("utf-8", "replace")))
        return None
    try:
        p = problem_of(r)
    except AssertionError as e:
        fail("%s: not a problem document: %s" % (what, e))
        return None
    if slugs and p["type"] not in [PROBLEM_PREFIX + s for s in slugs]:
        fail("%s: expected type %s, got %s (%s)" % (what, "|".join(slugs), p["type"], p.get("detail")))
    if status == 422 and family:
        RULES.setdefault(family, {})[label] = (p["type"], p.get("detail", ""))
    return p


def get(path):
    r = C.get("/v1/ledgers/%s%s" % (CODE, path))
    if r.status != 200:
        fail("GET %s: %d %s" % (path, r.status, r.body[:200].decode("utf-8", "replace")))
        return None
    return r.json


def eq(where, got, want):
    if got != want:
        fail("%s: expected %r, got %r" % (where, want, got))


def member(obj, dotted):
    cur = obj
    for part in dotted.split("."):
        if isinstance(cur, list):
            cur = cur[int(part)] if int(part) < len(cur) else KeyError
        elif isinstance(cur, dict):
            cur = cur.get(part, KeyError)
        else:
            return KeyError
        if cur is KeyError:
            return KeyError
    return cur


def undecorated(got, want):
    """got without the names and labels the reads add for people (docs/api.md "Names and
    labels") where want does not mention them: x_zh, x_name, and a location's name."""
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        return [undecorated(g, w) for g, w in zip(got, want)]
    if isinstance(got, dict) and isinstance(want, dict):
        return {k: undecorated(v, want.get(k)) for k, v in got.items()
                if k in want or not (k.endswith("_zh") or k.endswith("_name") or (k == "name" and "code" in got))}
    return got


def expect(where, obj, **want):
    """want: dotted member paths (with '__' for '.') -> value; for a name ending in _fen the
    _yuan string beside it is checked too."""
    if obj is None:
        fail("%s: no object to check" % where)
        return
    for k, v in want.items():
        path = k.replace("__", ".")
        got = member(obj, path)
        if got is KeyError:
            fail("%s: no member %s (want %r)" % (where, path, v))
            continue
        eq("%s %s" % (where, path), undecorated(got, v), v)
        if path.endswith("_fen"):
            ypath = path[:-4] + "_yuan"
            eq("%s %s" % (where, ypath), member(obj, ypath), yuan(v))


def asset(short):
    return get("/assets/%s" % A[short])


def plan(short):
    return get("/plans/%s" % PL[short])


def plan_lines(where, p, lines):
    """lines: [(amount, paid)] in order."""
    if p is None:
        return
    got = p.get("lines") or []
    if len(got) != len(lines):
        fail("%s: %d lines, expected %d" % (where, len(got), len(lines)))
        return
    for i, (amount, paid) in enumerate(lines):
        expect("%s line %d" % (where, i), got[i], amount_fen=amount, paid_fen=paid, remaining_fen=amount - paid)
    total = sum(a for a, _ in lines)
    paid = sum(p_ for _, p_ in lines)
    expect(where, p, total_fen=total, paid_fen=paid, remaining_fen=total - paid)


def plan_state(where, short, state):
    p = plan(short)
    if p is not None:
        eq("%s: plan %s state" % (where, short), p.get("state"), state)
    return p


def income(where, short, gross, costs, net, allocated):
    a = asset(short)
    if a is None:
        return
    inc = a.get("income")
    if not isinstance(inc, dict):
        fail("%s: asset %s has no income object" % (where, short))
        return
    expect("%s: asset %s income" % (where, short), inc, gross_fen=gross, costs_fen=costs, net_fen=net,
           allocated_fen=allocated, unallocated_fen=net - allocated)
    # Money is conserved: net = allocated + unallocated.
    if all(isinstance(inc.get(k), int) for k in ("net_fen", "allocated_fen", "unallocated_fen")):
        eq("%s: asset %s net = allocated + unallocated" % (where, short),
           inc["allocated_fen"] + inc["unallocated_fen"], inc["net_fen"])


def holder(name, org):
    return {"name": name, "org": org}


def enroll(name, signer, role, scope, who, org, time, slash=False):
    k = Key()
    while slash and "/" not in k.id:  # a key id with '/' (about half of them have one)
        k = Key()
    L.keys[name] = k
    ok("enroll " + name, signer, "key.enroll", k.id, {"key": k.id, "role": role, "scope": scope,
                                                         "holder": holder(who, org)}, time)
    return k


STEPS4 = ["proposal", "committees", "party_members", "villagers_meeting"]


def steps(dates, skip=()):
    return [{"step": s, "date": d, "minutes_sha256": sha("纪要 %s %s" % (s, d))}
            for s, d in zip(STEPS4, dates) if s not in skip]


# ---------------------------------------------------------------- the history

def setup_module():
    global L, CODE, T1, T2, V1, V2, V3
    L = new_ledger(C, "37", name="历史测试县")
    CODE = L.code
    T1, T2 = CODE + "101", CODE + "201"  # a 镇 and a 乡
    V1, V2, V3 = T1 + "201", T1 + "202", T2 + "201"
    P.update(pv="P%s-2024-01" % CODE, water="P%s-2023-02" % CODE, greenhouse="P%s-2024-03" % CODE,
             cattle="P%s-2023-04" % CODE, road="P%s-2022-05" % CODE)
    A.update(pv="A%s-2024-01-01" % CODE, water="A%s-2023-02-01" % CODE, greenhouse="A%s-2024-03-01" % CODE,
             cattle="A%s-2023-04-01" % CODE, road="A%s-2022-05-01" % CODE)
    PL.update(one="PL-%s-2025-01" % V1, two="PL-%s-2025-01" % V2)


def test_01_ledger_create_and_settings():
    # ledger.create (by new_ledger): its receipt verifies.
    try:
        L.verify_receipt(L.create_receipt)
    except Exception as e:  # noqa: BLE001
        fail("ledger.create receipt: %s" % e)
    REF["ledger.create"] = L.create_receipt["payload_sha256"]
    enroll("county", "root", "county", CODE, "王建国", "县农业农村局", at("2025-01-02"))
    settings = {"publicity_days": 10, "idle_months": 12,
                "inspection_months": {"public_welfare": 6, "operating": 12, "household": 12},
                "unallocated_months": 12, "forbidden_purposes": [], "required_steps": STEPS4}
    enroll("township1", "county", "township", T1, "李明", "示范镇人民政府", at("2025-01-02", 11))
    no("", "settings by a township", 403, "township1", "ledger.settings", CODE, settings, at("2025-01-03"),
       ["role-not-allowed"])
    no("", "settings malformed", 400, "county", "ledger.settings", CODE, dict(settings, publicity_days="十"),
       at("2025-01-03"), ["invalid-field"])
    ok("settings", "county", "ledger.settings", CODE, settings, at("2025-01-03"))
    finish()


def test_02_keys_enroll_and_revoke():
    enroll("township2", "county", "township", T2, "周强", "岭南乡人民政府", at("2025-01-04"))
    enroll("village1", "township1", "village", V1, "张秀英", "东坡村村民委员会", at("2025-01-05"))
    enroll("village2", "township1", "village", V2, "陈志强", "新民村村民委员会", at("2025-01-05", 11))
    # village3's key id holds a '/', as about half of all key ids do: a correction naming its
    # enrolment (test_12) has that id as its subject.
    enroll("village3", "county", "village", V3, "黄丽", "岭下村村民委员会", at("2025-01-05", 12), slash=True)
    enroll("operator", "county", "operator", V1, "刘洋", "示范县阳光光伏运维有限公司", at("2025-01-06"))
    enroll("auditor", "county", "auditor", CODE, "赵敏", "示范县审计局", at("2025-01-06", 11))
    enroll("maint", "county", "operator", V2, "李四", "新民村供水站", at("2025-01-06", 12))
    enroll("temp", "township1", "village", V1, "临时", "东坡村", at("2025-01-07"))
    # Refusals of authority.
    k = Key()
    body = {"key": k.id, "role": "village", "scope": V3, "holder": holder("某某", "岭下村")}
    no("", "township enrolls outside its township", 403, "township1", "key.enroll", k.id, body, at("2025-01-07"),
       ["out-of-scope"])
    no("", "village enrolls", 403, "village1", "key.enroll", k.id, dict(body, scope=V1), at("2025-01-07"),
       ["role-not-allowed"])
    again = {"key": key("village1").id, "role": "village", "scope": V1, "holder": holder("张秀英", "东坡村")}
    no("key-enrolled", "enrolled twice", 422, "county", "key.enroll", key("village1").id, again, at("2025-01-07"),
       ["key-already-enrolled"])
    no("", "township revokes outside its township", 403, "township2", "key.revoke", key("village1").id,
       {"reason": "越权"}, at("2025-01-07"), ["out-of-scope", "role-not-allowed"])
    ok("revoke temp", "township1", "key.revoke", key("temp").id, {"reason": "人员调整"}, at("2025-01-08"))
    no("key-revoked", "revoked twice", 422, "township1", "key.revoke", key("temp").id, {"reason": "再次注销"},
       at("2025-01-09"), ["key-already-revoked"])
    finish()


def project_body(name, type_, year, lines, locations, accepted_on=None, dept="县农业农村局"):
    b = {"name": name, "type": type_, "year": year,
         "funding_lines": [{"channel": c, "year": year, "amount_fen": a} for c, a in lines],
         "locations": locations, "industry_dept": dept, "implementing_unit": "示范镇人民政府"}
    if accepted_on:
        b["accepted_on"] = accepted_on
    return b


def test_03_projects():
    t = at("2025-01-10")
    pv = project_body("东坡村 200kW 村级光伏电站", "industry", 2024,
                      [("中央财政衔接推进乡村振兴补助资金", 80000000), ("省级财政衔接资金", 20000000)], [V1], "2024-12-20",
                      "县发展和改革局")
    ok("project pv", "county", "project.register", P["pv"], pv, t)
    ok("project water", "county", "project.register", P["water"],
       project_body("新民村人饮安全巩固提升工程", "rural_construction", 2023, [("县级财政衔接资金", 4500000)], [V2],
                    "2023-10-15", "县水务局"), t)
    # accepted_on is optional.
    ok("project greenhouse", "county", "project.register", P["greenhouse"],
       project_body("东坡—新民联建蔬菜大棚", "industry", 2024, [("东西部协作资金", 3000001)], [V1, V2]), t)
    ok("project cattle", "county", "project.register", P["cattle"],
       project_body("岭下村到户能繁母牛", "industry", 2023, [("中央财政衔接推进乡村振兴补助资金", 1200000)], [V3],
                    "2023-07-10"), t)
    ok("project road", "county", "project.register", P["road"],
       project_body("岭下村通村路硬化", "rural_construction", 2022, [("以工代赈资金", 5000000)], [V3], "2022-11-20",
                    "县交通运输局"), t)
    other = "P%s-2025-99" % CODE
    no("", "project by a village", 403, "village1", "project.register", other, pv, t, ["role-not-allowed"])
    no("exists", "project registered twice", 422, "county", "project.register", P["pv"], dict(pv, name="重复登记"), t)
    no("date-after-time", "project accepted after signing", 422, "county", "project.register", other,
       dict(pv, accepted_on="2025-01-11"), t)
    no("", "project type outside enumeration", 400, "county", "project.register", other, dict(pv, type="bogus"), t,
       ["invalid-field"])
    no("", "project amount not an integer", 400, "county", "project.register", other,
       dict(pv, funding_lines=[{"channel": "x", "year": 2024, "amount_fen": 1.5}]), t, ["invalid-field"])
    no("", "project location of the wrong length", 400, "county", "project.register", other,
       dict(pv, locations=["12345"]), t, ["invalid-field"])
    no("", "project location outside the county", 403, "county", "project.register", other,
       dict(pv, locations=["999999101201" if not CODE.startswith("99") else "111111101201"]), t, ["out-of-scope"])
    p = get("/projects/%s" % P["pv"])
    expect("project pv", p, id=P["pv"], type="industry", year=2024, funding_fen=100000000, accepted_on="2024-12-20",
           assets=0)
    finish()


def asset_body(project, name, klass, subtype, form, value, qty, unit, completed, accepted, village=None,
               locations=None, description=None):
    b = {"project": project, "name": name, "class": klass, "subtype": subtype, "form": form}
    if village:
        b["village"] = village
    else:
        b["locations"] = [{"code": c, "share_bp": s} for c, s in locations]
    b.update({"original_value_fen": value, "quantity": qty, "unit": unit, "completed_on": completed,
              "accepted_on": accepted})
    if description is not None:
        b["description"] = description
    return b


BODIES = {}


def test_04_assets():
    t = at("2025-01-15")
    BODIES["pv"] = asset_body(P["pv"], "东坡村 200kW 光伏电站", "operating", "photovoltaic", "fixed", 98000000, 200, "kW",
                              "2024-11-30", "2024-12-20", village=V1, description="村级光伏扶贫电站，并网发电")
    BODIES["water"] = asset_body(P["water"], "新民村集中供水工程", "public_welfare", "water_supply", "fixed", 4500000, 1,
                                 "处", "2023-09-30", "2023-10-15", village=V2)
    BODIES["greenhouse"] = asset_body(P["greenhouse"], "联建蔬菜大棚", "operating", "greenhouse", "fixed", 3000001, 12,
                                      "栋", "2024-10-31", "2024-11-15", locations=[(V1, 6000), (V2, 4000)])
    BODIES["cattle"] = asset_body(P["cattle"], "到户能繁母牛", "household", "cattle", "biological", 1200000, 10, "头",
                                  "2023-06-30", "2023-07-10", village=V3)
    BODIES["road"] = asset_body(P["road"], "岭下村通村路", "public_welfare", "village_road", "fixed", 5000000, 3.5, "km",
                                "2022-10-30", "2022-11-20", village=V3)
    for short in ("pv", "water", "greenhouse", "cattle", "road"):
        ok("asset " + short, "county", "asset.register", A[short], BODIES[short], t)
    other = "A%s-2025-99-01" % CODE
    pv = BODIES["pv"]
    no("existence", "asset of an unregistered project", 422, "county", "asset.register", other,
       dict(pv, project="P%s-1999-00" % CODE), t)
    no("shares", "locations do not sum to 10000", 422, "county", "asset.register", other,
       dict(BODIES["greenhouse"], locations=[{"code": V1, "share_bp": 6000}, {"code": V2, "share_bp": 3000}]), t)
    no("exists", "asset registered twice", 422, "county", "asset.register", A["pv"], dict(pv, name="重复"), t)
    no("date-after-time", "asset completed after signing", 422, "county", "asset.register", other,
       dict(pv, completed_on="2025-01-16", accepted_on="2025-01-16"), t)
    no("", "asset by a township", 403, "township1", "asset.register", other, pv, t, ["role-not-allowed"])
    no("", "asset class outside enumeration", 400, "county", "asset.register", other, dict(pv, **{"class": "private"}),
       t, ["invalid-field"])
    no("", "asset impossible date", 400, "county", "asset.register", other, dict(pv, completed_on="2024-02-30"), t,
       ["invalid-field"])
    no("", "asset negative quantity", 400, "county", "asset.register", other, dict(pv, quantity=-1), t,
       ["invalid-field"])
    no("", "asset value as a string", 400, "county", "asset.register", other, dict(pv, original_value_fen="100"), t,
       ["invalid-field"])
    no("", "asset unknown field", 400, "county", "asset.register", other, dict(pv, colour="red"), t, ["unknown-field"])
    no("", "asset missing field", 400, "county", "asset.register", other,
       {k: v for k, v in pv.items() if k != "unit"}, t, ["missing-field"])
    a = asset("pv")
    expect("asset pv", a, id=A["pv"], project=P["pv"], **{"class": "operating"}, subtype="photovoltaic", form="fixed",
           village=V1, township=T1, original_value_fen=98000000, quantity=200, unit="kW", completed_on="2024-11-30",
           accepted_on="2024-12-20")
    g = asset("greenhouse")
    expect("asset greenhouse", g, original_value_fen=3000001, quantity=12,
           locations=[{"code": V1, "share_bp": 6000}, {"code": V2, "share_bp": 4000}])
    expect("asset road", asset("road"), quantity=3.5, unit="km")
    expect("project pv", get("/projects/%s" % P["pv"]), assets=1)
    expect("project greenhouse", get("/projects/%s" % P["greenhouse"]), assets=1, funding_fen=3000001)
    finish()


def owner(kind, id_, name, share):
    return {"kind": kind, "id": id_, "name": name, "share_bp": share}


def test_05_rights_handover_operator_maintainer():
    t = at("2025-01-20")
    rights = {
        "pv": {"owners": [owner("village_collective", V1, "东坡村股份经济合作社", 10000)],
               "certificate_no": "示范确权〔2025〕001号", "confirmed_on": "2025-01-18"},
        # certificate_no is optional (its absence is a finding, not a refusal).
        "water": {"owners": [owner("village_collective", V2, "新民村股份经济合作社", 10000)], "confirmed_on": "2025-01-18"},
        "greenhouse": {"owners": [owner("village_collective", V1, "东坡村股份经济合作社", 6000),
                                  owner("village_collective", V2, "新民村股份经济合作社", 4000)],
                       "certificate_no": "示范确权〔2025〕003号", "confirmed_on": "2025-01-18"},
        "cattle": {"owners": [owner("household", "HH-%s-007" % V3, "王某某", 10000)],
                   "certificate_no": "示范确权〔2025〕004号", "confirmed_on": "2025-01-18"},
        "road": {"owners": [owner("village_collective", V3, "岭下村股份经济合作社", 10000)],
                 "certificate_no": "示范确权〔2025〕005号", "confirmed_on": "2025-01-18"},
    }
    for short, body in rights.items():
        ok("rights " + short, "county", "asset.rights", A[short], body, t)
    bad = {"owners": [owner("village_collective", V1, "东坡村", 5000), owner("township", T1, "示范镇", 4999)],
           "certificate_no": "x", "confirmed_on": "2025-01-18"}
    no("shares", "owners do not sum to 10000", 422, "county", "asset.rights", A["pv"], bad, t)
    # (Another time than the accepted entry's: the same payload would be a replay, whoever signs it.)
    no("", "rights by a village", 403, "village1", "asset.rights", A["pv"], rights["pv"], at("2025-01-21"),
       ["role-not-allowed"])
    no("existence", "rights of an unregistered asset", 422, "county", "asset.rights", "A%s-1999-00-01" % CODE,
       rights["pv"], t)
    no("", "owner kind outside enumeration", 400, "county", "asset.rights", A["pv"],
       {"owners": [owner("alien", V1, "x", 10000)], "confirmed_on": "2025-01-18"}, t, ["invalid-field"])

    # Handover.
    hand = {"from_unit": "县发展和改革局", "to": V1, "handed_over_on": "2025-01-22",
            "documents_sha256": [sha("移交清单 pv")]}
    ok("handover pv", "township1", "asset.handover", A["pv"], hand, at("2025-01-22"))
    ok("handover water", "county", "asset.handover", A["water"],
       {"from_unit": "县水务局", "to": V2, "handed_over_on": "2025-01-22", "documents_sha256": []}, at("2025-01-22"))
    no("", "handover by a village", 403, "village2", "asset.handover", A["water"],
       dict(hand, to=V2), at("2025-01-23"), ["role-not-allowed"])
    no("", "handover by another township", 403, "township2", "asset.handover", A["pv"], hand, at("2025-01-23"),
       ["out-of-scope"])

    # Operator: before asset.operator names the operator key, it may not report income.
    inc = {"period_start": "2025-01-01", "period_end": "2025-01-20", "gross_fen": 1, "costs": [], "net_fen": 1,
           "payer": "x", "received_on": "2025-01-21", "account": "x"}
    no("", "operator before it is named", 403, "operator", "income.report", A["pv"], inc, at("2025-01-24"),
       ["out-of-scope", "role-not-allowed"])
    op_pv = {"mode": "entrusted", "operator": {"name": "示范县阳光光伏运维有限公司", "kind": "enterprise",
                                               "key": key("operator").id},
             "contract": {"no": "WT-2025-001", "start": "2025-01-01", "end": "2027-12-31",
                          "agreed_return_fen_per_year": 12000000},
             "decided_on": "2024-12-28", "filed_with": "示范镇人民政府"}
    ok("operator pv", "village1", "asset.operator", A["pv"], op_pv, at("2025-01-25"))
    op_gh = {"mode": "lease", "operator": {"name": "东坡蔬菜种植专业合作社", "kind": "cooperative"},
             "contract": {"no": "ZL-2025-003", "start": "2025-01-01", "end": "2029-12-31",
                          "agreed_return_fen_per_year": 200000},
             "decided_on": "2024-12-30", "filed_with": "示范镇人民政府"}
    ok("operator greenhouse", "county", "asset.operator", A["greenhouse"], op_gh, at("2025-01-25"))
    no("", "lease without a contract", 400, "county", "asset.operator", A["greenhouse"],
       {k: v for k, v in op_gh.items() if k != "contract"}, at("2025-01-26"), ["missing-field"])
    no("", "operator set by another village", 403, "village2", "asset.operator", A["pv"], op_pv, at("2025-01-26"),
       ["out-of-scope"])
    no("", "operator mode outside enumeration", 400, "county", "asset.operator", A["greenhouse"],
       dict(op_gh, mode="rent"), at("2025-01-26"), ["invalid-field"])

    # Maintainers: the maintainer key may not report before it is named.
    insp = {"kind": "inspection", "date": "2025-01-30", "condition": "good", "cost_fen": 0, "paid_from": "other",
            "note": "", "photos_sha256": []}
    no("", "maintainer before it is named", 403, "maint", "maintenance.report", A["water"], insp, at("2025-01-30"),
       ["role-not-allowed", "out-of-scope"])
    ok("maintainer water", "village2", "asset.maintainer", A["water"],
       {"body": "新民村村民委员会", "person": "李四", "duties": "管水员：巡查管网、清洗水池", "fund_source": "村集体收益",
        "from": "2025-02-01", "key": key("maint").id}, at("2025-02-01"))
    ok("maintainer road", "township2", "asset.maintainer", A["road"],
       {"body": "岭下村村民委员会", "person": "黄大山", "duties": "护路员：清理边沟、报告塌方", "fund_source": "县级管护资金",
        "from": "2025-02-01"}, at("2025-02-01"))
    no("", "maintainer set by another village", 403, "village1", "asset.maintainer", A["water"],
       {"body": "x", "person": "x", "duties": "x", "fund_source": "x", "from": "2025-02-01"}, at("2025-02-02"),
       ["out-of-scope"])

    a = asset("pv")
    expect("asset pv", a, certificate_no="示范确权〔2025〕001号", operator__mode="entrusted",
           operator__contract__no="WT-2025-001", operator__contract__agreed_return_fen_per_year=12000000)
    if a is not None:
        eq("asset pv owners", undecorated(a.get("owners"), rights["pv"]["owners"]), rights["pv"]["owners"])
        if not a.get("handover"):
            fail("asset pv: handover is %r" % a.get("handover"))
    w = asset("water")
    expect("asset water", w, certificate_no=None, maintainer__person="李四", maintainer__key=key("maint").id)
    g = asset("greenhouse")
    if g is not None:
        eq("asset greenhouse owners", undecorated(g.get("owners"), rights["greenhouse"]["owners"]), rights["greenhouse"]["owners"])
    finish()


def test_06_status_maintenance_inventory():
    for short, signer in (("pv", "village1"), ("water", "village2"), ("cattle", "village3")):
        ok("status " + short, signer, "asset.status", A[short], {"status": "in_use", "reason": "正常使用"},
           at("2025-02-10"))
    ok("status greenhouse", "county", "asset.status", A["greenhouse"],
       {"status": "low_yield", "reason": "租金低于同类大棚", "remediation_due": "2025-12-31"}, at("2025-02-10"))
    no("", "status outside enumeration", 400, "village1", "asset.status", A["pv"], {"status": "broken", "reason": ""},
       at("2025-02-11"), ["invalid-field"])
    expect("asset greenhouse", asset("greenhouse"), status="low_yield")

    def report(kind, date, condition, cost=0, paid_from="other", note=""):
        return {"kind": kind, "date": date, "condition": condition, "cost_fen": cost, "paid_from": paid_from,
                "note": note, "photos_sha256": [sha("照片 %s %s" % (kind, date))]}

    # The maintainer's key reports on the asset it maintains, and only there.
    ok("inspection water 04-01", "maint", "maintenance.report", A["water"], report("inspection", "2025-04-01", "good"),
       at("2025-04-01", 16))
    no("", "maintainer key on another asset", 403, "maint", "maintenance.report", A["road"],
       report("inspection", "2025-04-02", "good"), at("2025-04-02"), ["role-not-allowed", "out-of-scope"])
    ok("repair road", "village3", "maintenance.report", A["road"],
       report("repair", "2025-05-10", "good", 12345, "maintenance_fund", "修补坑槽 12 处"), at("2025-05-10", 17))
    ok("upkeep pv", "village1", "maintenance.report", A["pv"],
       report("upkeep", "2025-05-20", "good", 80000, "income", "清洗组件"), at("2025-05-20", 17))
    ok("inspection water 06-01", "village2", "maintenance.report", A["water"],
       report("inspection", "2025-06-01", "needs_repair", note="2 号水池进水阀漏水"), at("2025-06-01", 17))
    no("", "village on another village's asset", 403, "village1", "maintenance.report", A["water"],
       report("inspection", "2025-06-02", "good"), at("2025-06-02"), ["out-of-scope"])
    no("existence", "report on an unregistered asset", 422, "village1", "maintenance.report", "A%s-1999-00-02" % CODE,
       report("inspection", "2025-06-02", "good"), at("2025-06-02"))
    no("", "revoked key", 403, "temp", "maintenance.report", A["pv"], report("inspection", "2025-06-02", "good"),
       at("2025-06-02"), ["key-revoked"])
    no("", "auditor reports maintenance", 403, "auditor", "maintenance.report", A["pv"],
       report("inspection", "2025-06-02", "good"), at("2025-06-02"), ["role-not-allowed"])
    # Dates of facts against the signer's time, as a date in Asia/Shanghai: 2025-06-12 00:01
    # in Beijing is 2025-06-11T16:01Z (accepted); 23:59 on 06-11 is 15:59Z (refused).
    no("date-after-time", "inspection dated after signing (Beijing date)", 422, "village1", "maintenance.report",
       A["pv"], report("inspection", "2025-06-12", "good"), "2025-06-11T15:59:00Z")
    ok("inspection pv 06-12", "village1", "maintenance.report", A["pv"], report("inspection", "2025-06-12", "good"),
       "2025-06-11T16:01:00Z")
    # A time more than ten minutes ahead of the server's clock.
    no("time-future", "time ahead of the server", 422, "village2", "maintenance.report", A["water"],
       report("inspection", "2025-06-03", "good"), now_rfc3339(3600), ["time-in-future"])
    no("", "condition outside enumeration", 400, "village2", "maintenance.report", A["water"],
       report("inspection", "2025-06-03", "perfect"), at("2025-06-03"), ["invalid-field"])
    no("", "negative cost", 400, "village2", "maintenance.report", A["water"],
       report("repair", "2025-06-03", "good", -5), at("2025-06-03"), ["invalid-field"])

    # Inventory count (清查).
    inv = {"date": "2025-07-01", "found": True, "condition": "good", "note": "10 头在栏", "photos_sha256": []}
    ok("inventory cattle", "village3", "inventory.count", A["cattle"], inv, at("2025-07-01", 18))
    no("", "inventory by another township", 403, "township1", "inventory.count", A["cattle"], inv, at("2025-07-02"),
       ["out-of-scope"])
    no("", "inventory by an auditor", 403, "auditor", "inventory.count", A["cattle"], inv, at("2025-07-02"),
       ["role-not-allowed"])
    no("", "found not a boolean", 400, "village3", "inventory.count", A["cattle"], dict(inv, found="yes"),
       at("2025-07-02"), ["invalid-field"])

    expect("asset water", asset("water"), last_inspection="2025-06-01", condition="needs_repair")
    expect("asset pv", asset("pv"), last_inspection="2025-06-12", condition="good")
    finish()


INC = {}


def test_07_income():
    INC["one"] = {"period_start": "2025-01-01", "period_end": "2025-01-31", "gross_fen": 1234567,
                  "costs": [{"kind": "land_rent", "amount_fen": 100000}, {"kind": "o_and_m", "amount_fen": 34567}],
                  "net_fen": 1100000, "payer": "国网示范县供电公司", "received_on": "2025-02-05",
                  "account": "东坡村光伏收益专户"}
    INC["two"] = {"period_start": "2025-02-01", "period_end": "2025-02-28", "gross_fen": 1000000, "costs": [],
                  "net_fen": 1000000, "payer": "国网示范县供电公司", "received_on": "2025-03-05",
                  "account": "东坡村光伏收益专户"}
    INC["gh"] = {"period_start": "2025-01-01", "period_end": "2025-06-30", "gross_fen": 100001,
                 "costs": [{"kind": "tax", "amount_fen": 1}], "net_fen": 100000, "payer": "东坡蔬菜种植专业合作社",
                 "received_on": "2025-07-02", "account": "东坡村集体账户"}
    ok("income one", "operator", "income.report", A["pv"], INC["one"], at("2025-02-06"))
    ok("income two", "operator", "income.report", A["pv"], INC["two"], at("2025-03-06"))
    ok("income gh", "village1", "income.report", A["greenhouse"], INC["gh"], at("2025-07-03"))
    t = at("2025-07-04")
    no("net", "net is not gross less costs", 422, "operator", "income.report", A["pv"],
       dict(INC["two"], gross_fen=500, costs=[{"kind": "other", "amount_fen": 100}], net_fen=500), t)
    no("income-class", "income of a public-welfare asset", 422, "village2", "income.report", A["water"],
       dict(INC["two"], payer="用水户"), t)
    no("", "operator on an asset it does not run", 403, "operator", "income.report", A["greenhouse"], INC["gh"], t,
       ["out-of-scope", "role-not-allowed"])
    no("", "income by another village", 403, "village2", "income.report", A["pv"], INC["two"], t, ["out-of-scope"])
    no("date-after-time", "period ends after signing", 422, "operator", "income.report", A["pv"],
       dict(INC["two"], period_start="2025-07-01", period_end="2025-07-31", received_on="2025-07-03"), t)
    no("", "cost kind outside enumeration", 400, "operator", "income.report", A["pv"],
       dict(INC["two"], costs=[{"kind": "bribe", "amount_fen": 1}], net_fen=999999), t, ["invalid-field"])
    no("", "negative gross", 400, "operator", "income.report", A["pv"], dict(INC["two"], gross_fen=-1, net_fen=-1), t,
       ["invalid-field"])
    income("after income", "pv", 2234567, 134567, 2100000, 0)
    income("after income", "greenhouse", 100001, 1, 100000, 0)
    finish()


PLANS = {}


def test_08_plans_recorded():
    t = at("2025-07-16")
    PLANS["one"] = {"village": V1, "year": 2025,
                    "sources": [{"income": REF["income one"], "amount_fen": 1100000},
                                {"income": REF["income two"], "amount_fen": 400000},
                                {"income": REF["income gh"], "amount_fen": 60000}],
                    "lines": [{"purpose": "public_jobs", "description": "护路员、保洁员等公益岗位工资 12 人", "amount_fen": 900000},
                              {"purpose": "small_public_works", "description": "组道维修", "amount_fen": 600000},
                              {"purpose": "awards_aid", "description": "无劳动能力户救助", "amount_fen": 60000}],
                    "steps": steps(["2025-07-05", "2025-07-07", "2025-07-10", "2025-07-14"])}
    one = PLANS["one"]
    other = "PL-%s-2025-99" % V1

    def with_lines(body, amounts):
        lines = [dict(l, amount_fen=a) for l, a in zip(body["lines"], amounts)]
        return dict(body, lines=lines)

    no("plan-total", "lines do not total the sources", 422, "village1", "allocation.plan", other,
       with_lines(one, [900000, 600000, 59999]), t)
    over = dict(one, sources=[dict(one["sources"][0], amount_fen=1100001)] + one["sources"][1:])
    no("overdraw", "draws more than the income's net", 422, "village1", "allocation.plan", other,
       with_lines(over, [900001, 600000, 60000]), t)
    share = dict(one, sources=one["sources"][:2] + [dict(one["sources"][2], amount_fen=60001)])
    no("overdraw", "draws more than the village's share of a shared asset", 422, "village1", "allocation.plan",
       other, with_lines(share, [900000, 600000, 60001]), t)
    no("steps", "a required step is missing", 422, "village1", "allocation.plan", other,
       dict(one, steps=steps(["2025-07-05", "2025-07-07", "2025-07-10", "2025-07-14"], skip=["villagers_meeting"])), t)
    no("date-after-time", "a step dated after signing", 422, "village1", "allocation.plan", other,
       dict(one, steps=steps(["2025-07-05", "2025-07-07", "2025-07-10", "2025-07-17"])), t)
    no("existence", "a source that is no entry", 422, "village1", "allocation.plan", other,
       dict(one, sources=[dict(one["sources"][0], income=sha("no such income"))] + one["sources"][1:]), t)
    no("", "plan by a township", 403, "township1", "allocation.plan", other, one, t, ["role-not-allowed"])
    no("", "plan of another village", 403, "village1", "allocation.plan", "PL-%s-2025-99" % V2,
       dict(one, village=V2), t, ["out-of-scope"])
    no("", "purpose outside enumeration", 400, "village1", "allocation.plan", other,
       dict(one, lines=[dict(one["lines"][0], purpose="party")] + one["lines"][1:]), t, ["invalid-field"])

    ok("plan one", "village1", "allocation.plan", PL["one"], one, t)
    p = plan_state("plan one recorded", "one", "drafted")
    plan_lines("plan one recorded", p, [(900000, 0), (600000, 0), (60000, 0)])
    income("plan one recorded", "pv", 2234567, 134567, 2100000, 1500000)
    income("plan one recorded", "greenhouse", 100001, 1, 100000, 60000)
    # What another plan already draws counts.
    no("overdraw", "draws what another plan already drew", 422, "village1", "allocation.plan", other,
       {"village": V1, "year": 2025, "sources": [{"income": REF["income one"], "amount_fen": 1}],
        "lines": [{"purpose": "other", "description": "x", "amount_fen": 1}], "steps": one["steps"]},
       at("2025-07-16", 11))

    PLANS["two"] = {"village": V2, "year": 2025, "sources": [{"income": REF["income gh"], "amount_fen": 40000}],
                    "lines": [{"purpose": "o_and_m", "description": "水池清洗与管网维护", "amount_fen": 40000}],
                    "steps": steps(["2025-07-08", "2025-07-09", "2025-07-11", "2025-07-15"])}
    ok("plan two", "village2", "allocation.plan", PL["two"], PLANS["two"], at("2025-07-17"))
    plan_state("plan two recorded", "two", "drafted")
    income("plan two recorded", "greenhouse", 100001, 1, 100000, 100000)
    # A replay answers 200 with the first receipt and stores nothing.
    if "plan one" in ENV:
        n = L.size()
        r = C.submit(CODE, ENV["plan one"])
        eq("replay of plan one: status", r.status, 200)
        if r.status == 200:
            eq("replay of plan one: index", r.json.get("index"), IDX["plan one"])
        eq("replay of plan one: size", L.size(), n)
    finish()


def payout(line, amount, paid_on, payee="东坡村公益岗位人员", voucher="PZ-0001", kind="person"):
    return {"line": line, "payee": {"kind": kind, "id": "ID-" + sha(payee)[:12], "name": payee}, "amount_fen": amount,
            "paid_on": paid_on, "voucher_no": voucher}


def notice(start, end, what="plan"):
    return {"kind": "allocation", "start": start, "end": end, "content_sha256": sha("公示 %s %s %s" % (what, start, end)),
            "place": "村委会公示栏"}


def test_09_plan_one_through_its_states():
    pid = PL["one"]
    no("plan-state", "payout of a drafted plan", 422, "village1", "allocation.payout", pid,
       payout(0, 1000, "2025-07-17"), at("2025-07-17"))
    no("plan-state", "filing a drafted plan", 422, "county", "allocation.filed", pid, {"note": "备案"}, at("2025-07-17"))
    no("plan-state", "notice of a drafted plan", 422, "village1", "notice.publish", pid,
       notice("2025-07-17", "2025-07-26"), at("2025-07-17"))
    no("", "review by a village", 403, "village1", "allocation.review", pid, {"decision": "approved", "note": ""},
       at("2025-07-17"), ["role-not-allowed"])
    no("", "review by another township", 403, "township2", "allocation.review", pid,
       {"decision": "approved", "note": ""}, at("2025-07-17"), ["out-of-scope"])
    no("", "decision outside enumeration", 400, "township1", "allocation.review", pid,
       {"decision": "maybe", "note": ""}, at("2025-07-17"), ["invalid-field"])

    ok("review one", "township1", "allocation.review", pid, {"decision": "approved", "note": "同意"}, at("2025-07-18"))
    p = plan_state("reviewed", "one", "reviewed")
    if p is not None and not p.get("review"):
        fail("plan one reviewed: review is %r" % p.get("review"))
    no("plan-state", "review of a reviewed plan", 422, "township1", "allocation.review", pid,
       {"decision": "approved", "note": "再次"}, at("2025-07-18", 11))
    no("plan-state", "notice of a reviewed plan", 422, "village1", "notice.publish", pid,
       notice("2025-07-19", "2025-07-28"), at("2025-07-19"))
    no("", "filing by a township", 403, "township1", "allocation.filed", pid, {"note": ""}, at("2025-07-19"),
       ["role-not-allowed"])

    ok("filed one", "county", "allocation.filed", pid, {"note": "已备案"}, at("2025-07-20"))
    p = plan_state("filed", "one", "filed")
    if p is not None and not p.get("filed"):
        fail("plan one filed: filed is %r" % p.get("filed"))
    no("publicity-short", "a notice shorter than publicity_days (10)", 422, "village1", "notice.publish", pid,
       notice("2025-07-21", "2025-07-27"), at("2025-07-21"))
    no("", "notice by a county", 403, "county", "notice.publish", pid, notice("2025-07-21", "2025-07-30"),
       at("2025-07-21"), ["role-not-allowed"])
    ok("notice one", "village1", "notice.publish", pid, notice("2025-07-21", "2025-07-30"), at("2025-07-21"))
    p = plan_state("publicised", "one", "publicised")
    if p is not None and not p.get("notice"):
        fail("plan one publicised: notice is %r" % p.get("notice"))
    plan_lines("publicised", p, [(900000, 0), (600000, 0), (60000, 0)])

    no("publicity-open", "payout on the notice's last day", 422, "village1", "allocation.payout", pid,
       payout(0, 300000, "2025-07-30"), at("2025-07-30", 18))
    # 2025-07-31 00:30 in Beijing is still 07-30 in UTC: accepted.
    ok("payout 0a", "village1", "allocation.payout", pid, payout(0, 300000, "2025-07-31", voucher="PZ-0731-1"),
       "2025-07-30T16:30:00Z")
    p = plan_state("first payout", "one", "paying")
    plan_lines("first payout", p, [(900000, 300000), (600000, 0), (60000, 0)])
    no("", "payout by a township", 403, "township1", "allocation.payout", pid, payout(1, 1, "2025-08-01"),
       at("2025-08-01"), ["role-not-allowed"])
    no("payout-over", "payout beyond the line", 422, "village1", "allocation.payout", pid,
       payout(0, 600001, "2025-08-01"), at("2025-08-01"))
    no("", "payout of a line that does not exist", 422, "village1", "allocation.payout", pid,
       payout(7, 1, "2025-08-01"), at("2025-08-01"))
    no("", "payee kind outside enumeration", 400, "village1", "allocation.payout", pid,
       payout(0, 1, "2025-08-01", kind="friend"), at("2025-08-01"), ["invalid-field"])
    no("plan-not-correctable", "correction of a paying plan", 422, "village1", "correction", pid,
       {"corrects": REF["plan one"], "reason": "调整", "body": PLANS["one"]}, at("2025-08-01"))

    ok("payout 0b", "village1", "allocation.payout", pid, payout(0, 600000, "2025-08-05", voucher="PZ-0805-1"),
       at("2025-08-05"))
    ok("payout 1", "village1", "allocation.payout", pid,
       payout(1, 600000, "2025-08-05", payee="示范县路桥养护队", kind="org", voucher="PZ-0805-2"), at("2025-08-05", 11))
    ok("payout 2a", "village1", "allocation.payout", pid,
       payout(2, 30000, "2025-08-05", payee="王某", kind="household", voucher="PZ-0805-3"), at("2025-08-05", 12))
    p = plan_state("line 2 partly paid", "one", "paying")
    plan_lines("line 2 partly paid", p, [(900000, 900000), (600000, 600000), (60000, 30000)])
    ok("payout 2b", "village1", "allocation.payout", pid,
       payout(2, 30000, "2025-08-06", payee="赵某", kind="household", voucher="PZ-0806-1"), at("2025-08-06"))
    p = plan_state("every line paid", "one", "closed")
    plan_lines("every line paid", p, [(900000, 900000), (600000, 600000), (60000, 60000)])
    no("", "payout of a closed plan", 422, "village1", "allocation.payout", pid,
       payout(2, 1, "2025-08-07"), at("2025-08-07"))
    no("plan-not-correctable", "correction of a closed plan", 422, "village1", "correction", pid,
       {"corrects": REF["plan one"], "reason": "调整", "body": PLANS["one"]}, at("2025-08-07"))

    # A single payout is corrected (30000 was 25000): the line is no longer fully paid, so the
    # plan is paying again, as if the replacement had always been there.
    ok("correct payout 2b", "village1", "correction", pid,
       {"corrects": REF["payout 2b"], "reason": "金额录入错误",
        "body": payout(2, 25000, "2025-08-06", payee="赵某", kind="household", voucher="PZ-0806-1")},
       at("2025-08-08"))
    p = plan_state("payout corrected", "one", "paying")
    plan_lines("payout corrected", p, [(900000, 900000), (600000, 600000), (60000, 55000)])
    ok("payout 2c", "village1", "allocation.payout", pid,
       payout(2, 5000, "2025-08-09", payee="赵某", kind="household", voucher="PZ-0809-1"), at("2025-08-09"))
    p = plan_state("closed again", "one", "closed")
    plan_lines("closed again", p, [(900000, 900000), (600000, 600000), (60000, 60000)])
    finish()


def test_10_plan_two_returned_and_corrected():
    pid = PL["two"]
    ok("review two returned", "township1", "allocation.review", pid,
       {"decision": "returned", "note": "应安排公益岗位"}, at("2025-07-19"))
    p = plan_state("returned", "two", "returned")
    if p is not None:
        eq("plan two review decision", member(p, "review.decision"), "returned")
    no("plan-state", "filing a returned plan", 422, "county", "allocation.filed", pid, {"note": ""}, at("2025-07-20"))
    no("plan-state", "review of a returned plan", 422, "township1", "allocation.review", pid,
       {"decision": "approved", "note": ""}, at("2025-07-20"))

    new = dict(PLANS["two"], lines=[{"purpose": "o_and_m", "description": "水池清洗与管网维护", "amount_fen": 30000},
                                    {"purpose": "public_jobs", "description": "管水员补贴", "amount_fen": 10000}],
               steps=steps(["2025-07-08", "2025-07-09", "2025-07-11", "2025-07-22"]))
    ok("correct plan two", "village2", "correction", pid,
       {"corrects": REF["plan two"], "reason": "按乡镇意见调整", "body": new}, at("2025-07-23"))
    p = plan_state("corrected after return", "two", "drafted")
    plan_lines("corrected after return", p, [(30000, 0), (10000, 0)])
    no("correction-not-in-force", "correcting an entry already replaced", 422, "village2", "correction", pid,
       {"corrects": REF["plan two"], "reason": "再次", "body": dict(new, year=2025)}, at("2025-07-23", 11))
    no("", "correction of a village's plan by another village", 403, "village1", "correction", pid,
       {"corrects": REF["correct plan two"], "reason": "x", "body": new}, at("2025-07-23", 12), ["out-of-scope"])
    ok("review two", "township1", "allocation.review", pid, {"decision": "approved", "note": "同意"}, at("2025-07-24"))
    plan_state("reviewed after correction", "two", "reviewed")

    # Corrected again while reviewed: back to drafted, so it needs a new review.
    new2 = dict(new, lines=[dict(new["lines"][0], description="水池清洗、管网维护及水质检测"), new["lines"][1]])
    ok("correct plan two again", "village2", "correction", pid,
       {"corrects": REF["correct plan two"], "reason": "补充说明", "body": new2}, at("2025-07-25"))
    p = plan_state("corrected while reviewed", "two", "drafted")
    if p is not None:
        eq("plan two line 0 description", member(p, "lines.0.description"), "水池清洗、管网维护及水质检测")
    no("plan-state", "filing a plan corrected after its review", 422, "county", "allocation.filed", pid,
       {"note": ""}, at("2025-07-25", 11))
    ok("review two again", "township1", "allocation.review", pid, {"decision": "approved", "note": "同意"},
       at("2025-07-26"))
    ok("filed two", "county", "allocation.filed", pid, {"note": "已备案"}, at("2025-07-28"))
    plan_state("filed", "two", "filed")
    ok("notice two", "township1", "notice.publish", pid, notice("2025-07-29", "2025-08-07", "two"), at("2025-07-29"))
    plan_state("publicised", "two", "publicised")
    ok("payout two 0", "village2", "allocation.payout", pid,
       payout(0, 30000, "2025-08-08", payee="新民村供水站", kind="org", voucher="XM-0808-1"), at("2025-08-08"))
    plan_state("paying", "two", "paying")
    ok("payout two 1", "village2", "allocation.payout", pid,
       payout(1, 10000, "2025-08-08", payee="李四", kind="person", voucher="XM-0808-2"), at("2025-08-08", 11))
    p = plan_state("paid", "two", "closed")
    plan_lines("paid", p, [(30000, 30000), (10000, 10000)])
    income("plan two paid", "greenhouse", 100001, 1, 100000, 100000)
    finish()


def test_11_income_correction():
    rep = dict(INC["two"], gross_fen=950000, costs=[{"kind": "tax", "amount_fen": 50000}], net_fen=900000)
    ok("correct income two", "operator", "correction", A["pv"],
       {"corrects": REF["income two"], "reason": "供电公司结算单更正", "body": rep}, at("2025-08-15"))
    income("income corrected", "pv", 2184567, 184567, 2000000, 1500000)
    # Plan one draws 400000 from this income: a net of 300000 would leave it overdrawn.
    no("overdraw", "a correction leaving an income overdrawn", 422, "operator", "correction", A["pv"],
       {"corrects": REF["correct income two"], "reason": "再更正",
        "body": dict(rep, gross_fen=300000, costs=[], net_fen=300000)}, at("2025-08-16"))
    no("correction-not-in-force", "correcting the replaced income again", 422, "operator", "correction", A["pv"],
       {"corrects": REF["income two"], "reason": "再更正", "body": dict(rep, payer="国网")}, at("2025-08-16"))
    no("correction-subject", "a correction on another subject", 422, "county", "correction", A["greenhouse"],
       {"corrects": REF["income one"], "reason": "主体不一致", "body": INC["one"]}, at("2025-08-16"))
    income("refusals changed nothing", "pv", 2184567, 184567, 2000000, 1500000)
    finish()


def test_12_other_corrections():
    # Replacement of a registration: the value was wrong.
    ok("correct cattle", "county", "correction", A["cattle"],
       {"corrects": REF["asset cattle"], "reason": "按决算评审报告更正原值",
        "body": dict(BODIES["cattle"], original_value_fen=1250000)}, at("2025-08-20"))
    a = asset("cattle")
    expect("asset cattle corrected", a, original_value_fen=1250000, quantity=10)
    if a is not None and "asset cattle" in IDX and "correct cattle" in IDX:
        h = [x for x in a.get("history") or [] if x.get("index") == IDX["asset cattle"]]
        if not h:
            fail("asset cattle: history lacks its registration (index %d)" % IDX["asset cattle"])
        else:
            eq("asset cattle: registration corrected_by", h[0].get("corrected_by"), IDX["correct cattle"])
        if not [x for x in a.get("history") or [] if x.get("index") == IDX["correct cattle"]]:
            fail("asset cattle: history lacks the correction (index %d)" % IDX["correct cattle"])
    no("", "a village corrects the county's registration", 403, "village3", "correction", A["cattle"],
       {"corrects": REF["correct cattle"], "reason": "x", "body": BODIES["cattle"]}, at("2025-08-21"),
       ["role-not-allowed"])
    # A reversal (no body): the inspection of 06-01 never happened.
    ok("reverse inspection water 06-01", "village2", "correction", A["water"],
       {"corrects": REF["inspection water 06-01"], "reason": "误录（实为 2 号水池另案处理）"}, at("2025-08-21"))
    expect("asset water after reversal", asset("water"), last_inspection="2025-04-01", condition="good")
    # Key events and ledger.create are not corrected.
    no("not-correctable", "correcting a key.enroll", 422, "county", "correction", key("village3").id,
       {"corrects": REF["enroll village3"], "reason": "x"}, at("2025-08-21"))
    no("not-correctable", "correcting ledger.create", 422, "root", "correction", CODE,
       {"corrects": REF["ledger.create"], "reason": "x"}, at("2025-08-21"))
    no("correction-not-in-force", "correcting an entry that does not exist", 422, "county", "correction", A["cattle"],
       {"corrects": sha("nothing"), "reason": "x"}, at("2025-08-21"))
    finish()


def test_13_disposal():
    ok("status road damaged", "village3", "asset.status", A["road"],
       {"status": "damaged", "reason": "2025 年 6 月洪水冲毁路基", "remediation_due": "2025-09-30"}, at("2025-06-20"))
    expect("asset road", asset("road"), status="damaged")
    def done(date):
        return {"completed_on": date, "proceeds_fen": 20000, "counterparty": "示范县再生资源回收公司", "proceeds_to": V3}

    no("disposal-unapproved", "completion without a request", 422, "village3", "disposal.complete", A["road"],
       done("2025-08-22"), at("2025-08-22"))
    req = {"trigger": "disaster", "method": "scrap", "valuation_fen": 50000, "decided_on": "2025-08-20"}
    ok("disposal request 1", "village3", "disposal.request", A["road"], req, at("2025-08-22"))
    no("disposal-unapproved", "completion before approval", 422, "village3", "disposal.complete", A["road"],
       done("2025-08-23"), at("2025-08-23"))
    no("", "approval by a township", 403, "township2", "disposal.approve", A["road"],
       {"request": REF["disposal request 1"], "decision": "approved", "conditions": ""}, at("2025-08-23"),
       ["role-not-allowed"])
    no("", "request by an operator", 403, "operator", "disposal.request", A["pv"], req, at("2025-08-23"),
       ["role-not-allowed"])
    ok("disposal rejected", "county", "disposal.approve", A["road"],
       {"request": REF["disposal request 1"], "decision": "rejected", "conditions": "需补充村民代表大会决议"},
       at("2025-08-25"))
    no("disposal-unapproved", "completion after a rejection", 422, "village3", "disposal.complete", A["road"],
       done("2025-08-26"), at("2025-08-26"))
    ok("disposal request 2", "village3", "disposal.request", A["road"], dict(req, decided_on="2025-09-01"),
       at("2025-09-02"))
    ok("disposal approved", "county", "disposal.approve", A["road"],
       {"request": REF["disposal request 2"], "decision": "approved", "conditions": "残值收入归村集体，用于巩固衔接"},
       at("2025-09-05"))
    no("", "method outside enumeration", 400, "village3", "disposal.request", A["road"], dict(req, method="gift"),
       at("2025-09-06"), ["invalid-field"])
    ok("disposal complete", "village3", "disposal.complete", A["road"], done("2025-09-10"),
       at("2025-09-10", 17))
    a = asset("road")
    expect("asset road disposed", a, status="disposed")
    if a is not None and not a.get("disposal"):
        fail("asset road: disposal is %r" % a.get("disposal"))
    # A disposed asset takes only findings and corrections.
    no("disposed", "maintenance of a disposed asset", 422, "village3", "maintenance.report", A["road"],
       {"kind": "inspection", "date": "2025-09-12", "condition": "damaged", "cost_fen": 0, "paid_from": "other",
        "note": "", "photos_sha256": []}, at("2025-09-12"))
    no("disposed", "status of a disposed asset", 422, "village3", "asset.status", A["road"],
       {"status": "in_use", "reason": "x"}, at("2025-09-12"))
    ok("finding road", "auditor", "finding.record", A["road"],
       {"check": "disposal-proceeds", "severity": "info", "note": "残值低于评估值", "due": "2025-12-31"},
       at("2025-09-15"))

    # Suspension (报停) of the greenhouse: it stays, idle.
    ok("disposal request gh", "village1", "disposal.request", A["greenhouse"],
       {"trigger": "poor_performance", "method": "suspension", "valuation_fen": 2500000, "decided_on": "2025-09-15"},
       at("2025-09-16"))
    ok("disposal approved gh", "county", "disposal.approve", A["greenhouse"],
       {"request": REF["disposal request gh"], "decision": "approved", "conditions": "另寻经营主体"}, at("2025-09-18"))
    ok("disposal complete gh", "village1", "disposal.complete", A["greenhouse"],
       {"completed_on": "2025-09-20", "proceeds_fen": 0, "counterparty": "", "proceeds_to": V1}, at("2025-09-20"))
    expect("asset greenhouse suspended", asset("greenhouse"), status="idle")
    income("suspended", "greenhouse", 100001, 1, 100000, 100000)
    finish()


def test_14_findings_and_notices():
    f = {"check": "no-certificate", "severity": "warning", "note": "供水工程未颁发确权证", "due": "2025-12-31"}
    ok("finding water", "auditor", "finding.record", A["water"], f, at("2025-10-08"))
    expect("asset water with a finding", asset("water"), findings_open=1)
    no("", "finding by a village", 403, "village2", "finding.record", A["water"], dict(f, note="自查"),
       at("2025-10-09"), ["role-not-allowed"])
    no("", "severity outside enumeration", 400, "auditor", "finding.record", A["water"], dict(f, severity="fatal"),
       at("2025-10-09"), ["invalid-field"])
    res = {"finding": REF["finding water"], "action": "已申请补发确权证", "resolved_on": "2025-10-20"}
    no("", "resolution by an auditor", 403, "auditor", "finding.resolve", A["water"], res, at("2025-10-20"),
       ["role-not-allowed"])
    no("existence", "resolving a finding that does not exist", 422, "village2", "finding.resolve", A["water"],
       dict(res, finding=sha("no finding")), at("2025-10-20"))
    ok("resolve water", "village2", "finding.resolve", A["water"], res, at("2025-10-20", 11))
    expect("asset water resolved", asset("water"), findings_open=0)
    # Findings on a plan and on a village (due is optional).
    ok("finding plan one", "auditor", "finding.record", PL["one"],
       {"check": "flat-split", "severity": "info", "note": "奖励补助按户平均发放，请说明依据"}, at("2025-10-21"))
    ok("finding village3", "county", "finding.record", V3,
       {"check": "annual-notice", "severity": "warning", "note": "本年度未见资产收益公示", "due": "2025-12-31"},
       at("2025-10-21", 11))
    ok("resolve village3", "township2", "finding.resolve", V3,
       {"finding": REF["finding village3"], "action": "已张贴年度公示", "resolved_on": "2025-11-12"}, at("2025-11-12"))
    # Notices on a village and on an asset.
    ok("annual notice village3", "village3", "notice.publish", V3,
       {"kind": "annual", "start": "2025-11-01", "end": "2025-11-10", "content_sha256": sha("岭下村 2025 年度公示"),
        "place": "村委会公示栏"}, at("2025-11-01"))
    ok("assets notice pv", "village1", "notice.publish", A["pv"],
       {"kind": "assets", "start": "2025-11-01", "end": "2025-11-10", "content_sha256": sha("光伏电站资产公示"),
        "place": "东坡村村务公开栏"}, at("2025-11-01", 11))
    no("publicity-short", "an annual notice shorter than publicity_days", 422, "village2", "notice.publish", V2,
       {"kind": "annual", "start": "2025-11-01", "end": "2025-11-05", "content_sha256": sha("新民村"), "place": "x"},
       at("2025-11-01"))
    no("", "notice kind outside enumeration", 400, "village2", "notice.publish", V2,
       {"kind": "gossip", "start": "2025-11-01", "end": "2025-11-10", "content_sha256": sha("x"), "place": "x"},
       at("2025-11-01"), ["invalid-field"])
    finish()


def summary_check(where, s, total, by_class, by_status, value, gross, net, allocated, paid):
    if s is None:
        return
    expect(where, s, assets__total=total, original_value_fen=value, income_gross_fen=gross, income_net_fen=net,
           allocated_fen=allocated, paid_fen=paid, unallocated_fen=net - allocated)
    for k, v in by_class.items():
        eq("%s by_class %s" % (where, k), member(s, "assets.by_class.%s" % k), v)
    for k, v in by_status.items():
        eq("%s by_status %s" % (where, k), member(s, "assets.by_status.%s" % k), v)
    bs = member(s, "assets.by_status")
    if isinstance(bs, dict):
        eq("%s: by_status adds up to total" % where, sum(bs.values()), total)
    bc = member(s, "assets.by_class")
    if isinstance(bc, dict):
        eq("%s: by_class adds up to total" % where, sum(bc.values()), total)


def test_15_state_to_the_fen():
    # Assets.
    income("final", "pv", 2184567, 184567, 2000000, 1500000)
    income("final", "greenhouse", 100001, 1, 100000, 100000)
    income("final", "water", 0, 0, 0, 0)
    for short, st in (("pv", "in_use"), ("water", "in_use"), ("cattle", "in_use"), ("greenhouse", "idle"),
                      ("road", "disposed")):
        expect("final asset " + short, asset(short), status=st)
    expect("final asset cattle", asset("cattle"), owners=[owner("household", "HH-%s-007" % V3, "王某某", 10000)],
           original_value_fen=1250000)
    # Plans.
    p1 = plan_state("final", "one", "closed")
    plan_lines("final plan one", p1, [(900000, 900000), (600000, 600000), (60000, 60000)])
    if p1 is not None:
        eq("plan one sources", [(s.get("income"), s.get("amount_fen")) for s in p1.get("sources") or []],
           [(REF["income one"], 1100000), (REF["income two"], 400000), (REF["income gh"], 60000)])
        pays = p1.get("payouts")
        if not isinstance(pays, list):
            fail("plan one: payouts is %r" % pays)
        else:
            eq("plan one payouts in force, total", sum(x.get("amount_fen", 0) for x in pays
                                                       if not x.get("corrected_by")), 1560000)
    p2 = plan_state("final", "two", "closed")
    plan_lines("final plan two", p2, [(30000, 30000), (10000, 10000)])
    # Projects.
    expect("final project pv", get("/projects/%s" % P["pv"]), funding_fen=100000000, assets=1)
    # Villages: a shared asset's value and income split by share_bp, rounded down, the
    # remainder to the first location. Greenhouse: value 3000001 -> 1800001 / 1200000; gross
    # 100001 -> 60001 / 40000; net 100000 -> 60000 / 40000.
    summary_check("village 1", get("/villages/%s/summary" % V1), 2, {"operating": 2}, {"in_use": 1, "idle": 1},
                  98000000 + 1800001, 2184567 + 60001, 2000000 + 60000, 1500000 + 60000, 1560000)
    summary_check("village 2", get("/villages/%s/summary" % V2), 2, {"operating": 1, "public_welfare": 1},
                  {"in_use": 1, "idle": 1}, 4500000 + 1200000, 40000, 40000, 40000, 40000)
    # Village 3 and the county hold the disposed road: counted under its status "disposed".
    summary_check("village 3", get("/villages/%s/summary" % V3), 2, {"household": 1, "public_welfare": 1},
                  {"in_use": 1, "disposed": 1}, 1250000 + 5000000, 0, 0, 0, 0)
    summary_check("county", get("/summary"), 5, {"operating": 2, "public_welfare": 2, "household": 1},
                  {"in_use": 3, "idle": 1, "disposed": 1}, 98000000 + 4500000 + 3000001 + 1250000 + 5000000,
                  2184567 + 100001, 2000000 + 100000, 1600000, 1600000)
    # Reads of what does not exist.
    for path in ("/assets/A%s-1999-00-09" % CODE, "/plans/PL-none", "/projects/P-none"):
        r = C.get("/v1/ledgers/%s%s" % (CODE, path))
        eq("GET %s status" % path, r.status, 404)
    finish()


def test_16_every_event_type_was_accepted():
    types = set()
    for e in C.all_entries(CODE):
        types.add(e["event"]["type"])
    want = {"ledger.create", "ledger.settings", "key.enroll", "key.revoke", "project.register", "asset.register",
            "asset.rights", "asset.handover", "asset.operator", "asset.maintainer", "asset.status",
            "maintenance.report", "inventory.count", "income.report", "allocation.plan", "allocation.review",
            "allocation.filed", "notice.publish", "allocation.payout", "disposal.request", "disposal.approve",
            "disposal.complete", "finding.record", "finding.resolve", "correction"}
    missing = sorted(want - types)
    assert not missing, "event types never accepted in the history: %s" % ", ".join(missing)


def test_17_one_rule_one_problem_type():
    """Refusals of different rules carry different problem types; the observed map is printed."""
    print("  422 problem types by rule:")
    owners = {}
    for fam in sorted(RULES):
        for label, (t, detail) in sorted(RULES[fam].items()):
            print("    %-24s %-55s %s" % (fam, label, t[len(PROBLEM_PREFIX):]))
            owners.setdefault(t, []).append((fam, label, detail))
    shared = ["%s for %s" % (t[len(PROBLEM_PREFIX):], "; ".join("%s (%s: %s)" % x for x in uses))
              for t, uses in owners.items() if len({f for f, _, _ in uses}) > 1]
    assert not shared, "one problem type for different rules:\n  " + "\n  ".join(shared)
    expected = {"exists", "existence", "shares", "date-after-time", "time-future", "net", "income-class", "overdraw",
                "plan-total", "steps", "plan-state", "publicity-short", "publicity-open", "payout-over",
                "plan-not-correctable", "correction-not-in-force", "correction-subject", "not-correctable",
                "disposal-unapproved", "disposed", "key-enrolled", "key-revoked"}
    missing = sorted(expected - set(RULES))
    assert not missing, "rules whose refusal was never observed as a 422: %s" % ", ".join(missing)
