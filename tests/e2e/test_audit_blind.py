"""The audit, tested blind (issue 8, "Done when"): two counties built through the HTTP API
as a county office and its village clerks would, by someone who wrote them from the contract
(AUDIT.md, EVENTS.md, docs/audit.md, docs/events.md, docs/api.md) without reading the engine.

- A clean county: everything done properly and on time; the audit names no finding.
- A planted county: at least one irregularity for every check id of AUDIT.md and, where a
  check has a threshold, a case just inside it; EXPECTED lists the (check, subject) pairs the
  contract says the audit must name, and the audit must name those and nothing else.
- Both audited in the server (GET /v1/ledgers/{code}/audit) and offline (`aidreg audit
  --server`, and `--dir` of an `aidreg export`), finding for finding equal.
- Lifecycle: a finding recorded with `aidreg finding record` shows as recorded, one resolved
  with `aidreg finding resolve` as resolved, one past its due as overdue (and finding-overdue).

Every fact is dated in the past with the signer's time on the fact's date (the contract lets a
signer's time be earlier than the server's clock, never later), and the audit runs as of AS_OF.
"""

import datetime
import hashlib
import json
import os
import subprocess
import tempfile

from aidreg_client import Client, Key, Skip, envelope, event, fresh_code, log_host, Ledger, payload_sha256

AS_OF = "2026-06-30"
CLIENT = Client()

# Cases where the audit disagrees with the contract (see the report of the blind helper):
# (check, subject-tag, what the contract says, what the audit said). The test skips only these
# pairs; everything else must match exactly.
BLIND_DISAGREES = []


# ---------------------------------------------------------------- dates

def day(s):
    return datetime.date.fromisoformat(s)


def plus_days(s, n):
    return (day(s) + datetime.timedelta(days=n)).isoformat()


def plus_months(s, n):
    d = day(s)
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    last = [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][m - 1]
    return datetime.date(y, m, min(d.day, last)).isoformat()


_tick = [0]


def at(date):
    """The signer's time on a fact's date: 04:00 UTC is noon in Asia/Shanghai, the same date;
    the microseconds keep two events built alike distinct payloads."""
    _tick[0] += 1
    return "%sT04:00:00.%06dZ" % (date, _tick[0] % 1000000)


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- a county as its office builds it

class County:
    def __init__(self, name, villages):
        self.client = CLIENT
        for _ in range(50):
            code = fresh_code("52")
            lg = Ledger(self.client, code, name=name)
            body = {"code": code, "name": name, "root_key": lg.root.id, "settings": {}}
            env = envelope(event(lg.origin, "ledger.create", code, body, time=at("2024-01-02")), lg.root)
            r = self.client.create_ledger(env)
            if r.status == 409:
                continue
            assert r.status == 201, r
            lg.vkey = r.json["vkey"]
            break
        else:
            raise AssertionError("no free county code")
        self.lg, self.code = lg, lg.code
        self.town = self.code + "101"
        self.villages = [self.town + "%03d" % (200 + i) for i in range(1, villages + 1)]
        self.refs = {}      # tag -> payload sha256 (the entry's ref)
        self.index = {}     # tag -> leaf index
        self.do("root", "place.register", self.town, {"name": "城关镇"}, "2024-01-02")
        for i, v in enumerate(self.villages):
            self.do("root", "place.register", v, {"name": "第%d村" % (i + 1)}, "2024-01-02")
        self.enroll("root", "county", "county", self.code, "2024-01-03")
        self.enroll("county", "town", "township", self.town, "2024-01-03")
        self.enroll("county", "auditor", "auditor", self.code, "2024-01-03")
        for i, v in enumerate(self.villages):
            self.enroll("town", "v%d" % (i + 1), "village", v, "2024-01-03")

    def do(self, signer, type_, subject, body, date, tag=None, expect=201):
        env = self.lg.sign(signer, type_, subject, body, time=at(date))
        r = self.client.submit(self.code, env)
        assert r.status == expect, "%s on %s (%s): %r" % (type_, subject, date, r)
        if tag:
            self.refs[tag] = payload_sha256(env)
            self.index[tag] = r.json["index"]
        return r

    def enroll(self, signer, name, role, scope, date):
        k = Key()
        body = {"key": k.id, "role": role, "scope": scope, "holder": {"name": "测试 " + name, "org": "测试单位"}}
        self.do(signer, "key.enroll", k.id, body, date)
        self.lg.keys[name] = k
        return k

    def vkey_of(self, village):
        return "v%d" % (self.villages.index(village) + 1)

    def project(self, code, funding_fen, village, accepted_on="2025-03-01", type_="industry", year=2024):
        self.do("county", "project.register", code, {
            "name": "项目 " + code, "type": type_, "year": year,
            "funding_lines": [{"channel": "中央衔接资金", "year": year, "amount_fen": funding_fen}],
            "locations": [village], "industry_dept": "县农业农村局", "implementing_unit": "城关镇人民政府",
            "accepted_on": accepted_on}, accepted_on)

    def asset(self, code, village, cls, value_fen=1000000, funding_fen=None, accepted_on="2025-03-01",
              rights="2025-04-01", certificate=True, handover="2025-05-01", maintainer="张三",
              inspections=("2026-05-15",), counts=("2025-12-15",), operator="lease",
              contract=None, incomes=None, project=True):
        """An asset registered and then kept as the contract asks, unless an argument plants
        an irregularity: rights (a date or None), certificate, handover (a date or None),
        maintainer (the person, "" or None), inspections and counts (dates, or (date,
        condition[, found]) tuples), the operator's mode and contract, the incomes."""
        if project:
            self.project("P" + code, value_fen if funding_fen is None else funding_fen, village, accepted_on)
        v = self.vkey_of(village)
        self.do("county", "asset.register", code, {
            "project": "P" + code, "name": "资产 " + code, "class": cls, "subtype": "其他", "form": "fixed",
            "village": village, "original_value_fen": value_fen, "quantity": 1, "unit": "处",
            "completed_on": plus_days(accepted_on, -10), "accepted_on": accepted_on,
            "description": "测试资产"}, accepted_on, tag="reg:" + code)
        owner = village + "-JT"
        if rights:
            body = {"owners": [{"kind": "village_collective", "id": owner, "name": "村集体经济组织",
                                "share_bp": 10000}], "confirmed_on": rights}
            if certificate:
                body["certificate_no"] = "QZ-" + code
            self.do("county", "asset.rights", code, body, rights, tag="rights:" + code)
        if rights and handover:
            self.do("town", "asset.handover", code, {"from_unit": "城关镇人民政府", "to": owner,
                                                     "handed_over_on": handover, "documents_sha256": []},
                    handover)
        if maintainer is not None and cls != "household":
            self.do(v, "asset.maintainer", code, {"body": "村集体经济组织", "person": maintainer,
                                                  "duties": "日常管护", "fund_source": "村集体收益",
                                                  "from": plus_days(accepted_on, 30)},
                    plus_days(accepted_on, 30))
        if cls == "operating":
            if operator == "self":
                body = {"mode": "self", "operator": {"name": "村集体经济组织", "kind": "collective"},
                        "decided_on": plus_days(accepted_on, 20), "filed_with": "城关镇"}
            else:
                c = {"no": "HT-" + code, "start": "2025-04-01", "end": "2028-03-31",
                     "agreed_return_fen_per_year": 100000}
                c.update(contract or {})
                body = {"mode": operator, "operator": {"name": "某合作社", "kind": "cooperative"},
                        "contract": c, "decided_on": plus_days(accepted_on, 20), "filed_with": "城关镇"}
            self.do(v, "asset.operator", code, body, plus_days(accepted_on, 20), tag="op:" + code)
            for i, inc in enumerate([("2025-04-01", "2026-03-31", 100000, "2026-04-05")]
                                    if incomes is None else incomes):
                self.income(code, village, *inc, tag="inc:%s:%d" % (code, i))
        for x in inspections:
            date, cond = (x, "good") if isinstance(x, str) else x
            self.do(v, "maintenance.report", code, {"kind": "inspection", "date": date, "condition": cond,
                                                    "cost_fen": 0, "paid_from": "other", "note": "巡查",
                                                    "photos_sha256": []}, date)
        for x in counts:
            date, cond, found = (x, "good", True) if isinstance(x, str) else (tuple(x) + (True,))[:3]
            self.do(v, "inventory.count", code, {"date": date, "found": found, "condition": cond,
                                                 "note": "清查", "photos_sha256": []}, date)

    def income(self, code, village, start, end, gross, received, tag=None):
        self.do(self.vkey_of(village), "income.report", code, {
            "period_start": start, "period_end": end, "gross_fen": gross, "costs": [], "net_fen": gross,
            "payer": "某合作社", "received_on": received, "account": "村集体账户"}, received, tag=tag)

    def plan(self, pid, village, year, sources, lines, date, filed=True, notice=None, payouts=()):
        """A plan with the four meetings of 四议, reviewed and filed (if filed), its allocation
        notice (start, end) and payouts (line, payee id, amount, paid_on)."""
        v = self.vkey_of(village)
        steps = [{"step": s, "date": date, "minutes_sha256": sha(pid + s)}
                 for s in ("proposal", "committees", "party_members", "villagers_meeting")]
        self.do(v, "allocation.plan", pid, {
            "village": village, "year": year,
            "sources": [{"income": self.refs[t], "amount_fen": a} for t, a in sources],
            "lines": [{"purpose": p, "description": "用途 " + p, "amount_fen": a} for p, a in lines],
            "steps": steps}, date, tag="plan:" + pid)
        if not filed:
            return
        self.do("town", "allocation.review", pid, {"decision": "approved", "note": "同意"}, plus_days(date, 1))
        self.do("county", "allocation.filed", pid, {"note": "备案"}, plus_days(date, 2))
        if notice:
            self.do(v, "notice.publish", pid, {"kind": "allocation", "start": notice[0], "end": notice[1],
                                               "content_sha256": sha(pid), "place": "村务公开栏"}, notice[0])
        for line, payee, amount, paid_on in payouts:
            self.do(v, "allocation.payout", pid, {
                "line": line, "payee": {"kind": "household", "id": payee, "name": "农户 " + payee},
                "amount_fen": amount, "paid_on": paid_on, "voucher_no": "PZ-%s-%s" % (pid, payee)}, paid_on)

    def annual_notice(self, village, start, end):
        self.do(self.vkey_of(village), "notice.publish", village, {
            "kind": "annual", "start": start, "end": end, "content_sha256": sha(village + start),
            "place": "村务公开栏"}, start)


# ---------------------------------------------------------------- audits

def build_dir():
    return os.environ.get("AIDREG_BUILD_DIR") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build")


def cli(*args, ok=True):
    p = subprocess.run([os.path.join(build_dir(), "aidreg"), *args], capture_output=True, timeout=600,
                       env=dict(os.environ, AIDREG_URL=CLIENT.base))
    if ok:
        assert p.returncode == 0, "aidreg %s: %d\n%s\n%s" % (" ".join(args), p.returncode, p.stdout[-2000:],
                                                             p.stderr.decode("utf-8", "replace")[-2000:])
    return p


def server_audit(county):
    r = CLIENT.get("/v1/ledgers/%s/audit?as_of=%s" % (county.code, AS_OF))
    assert r.status == 200, r
    return r.json


def offline_audits(county):
    out = [json.loads(cli("audit", "--server", CLIENT.base, "--ledger", county.code, "--vkey", county.lg.vkey,
                          "--as-of", AS_OF).stdout)]
    with tempfile.TemporaryDirectory(prefix="aidreg-blind-") as d:
        cli("export", "--server", CLIENT.base, "--ledger", county.code, "--out", d, "--vkey", county.lg.vkey)
        out.append(json.loads(cli("audit", "--dir", d, "--vkey", county.lg.vkey, "--as-of", AS_OF).stdout))
    return out


KEYS = ("check", "severity", "subject", "village", "since", "evidence", "status")


def agree(county):
    """The server's audit and both offline audits of the same checkpoint, finding for finding."""
    srv = server_audit(county)
    for off, how in zip(offline_audits(county), ("--server", "--dir")):
        assert off["checkpoint"] == srv["checkpoint"], (how, off["checkpoint"], srv["checkpoint"])
        assert off["as_of"] == srv["as_of"] == AS_OF, (how, off["as_of"], srv["as_of"])
        a = [{k: f.get(k) for k in KEYS} for f in srv["findings"]]
        b = [{k: f.get(k) for k in KEYS} for f in off["findings"]]
        assert a == b, "server and offline (%s) audits differ:\n%s\n%s" % (how, a, b)
        assert off["counts"] == srv["counts"], (how, off["counts"], srv["counts"])
    return srv


def describe(findings):
    return "\n".join("  %s %s %s %s" % (f["check"], f["subject"], f["status"], f.get("en")) for f in findings)


# ---------------------------------------------------------------- (a) the clean county

def test_clean_county_has_no_finding():
    c = County("清白县", villages=2)
    v1, v2 = c.villages
    # An operating greenhouse leased with a contract, earning its agreed return.
    c.asset("A-GH", v1, "operating")
    # A public-welfare road, inspected within 6 months, and a household's cattle.
    c.asset("A-RD", v1, "public_welfare", value_fen=2500000)
    c.asset("A-CT", v1, "household", value_fen=300000, handover=None, maintainer=None)
    # Village 2: a water works run by the village itself, with its own income.
    c.asset("A-WW", v2, "operating", operator="self",
            incomes=[("2025-04-01", "2026-03-31", 60000, "2026-04-03")])
    c.asset("A-BR", v2, "public_welfare", value_fen=800000, inspections=("2026-01-10", "2026-06-20"),
            counts=("2026-03-01",))
    # Damage reported and repaired later.
    c.do("v2", "maintenance.report", "A-BR", {"kind": "inspection", "date": "2026-02-01", "condition": "damaged",
                                               "cost_fen": 0, "paid_from": "other", "note": "桥面破损",
                                               "photos_sha256": []}, "2026-02-01")
    c.do("v2", "maintenance.report", "A-BR", {"kind": "repair", "date": "2026-03-10", "condition": "good",
                                               "cost_fen": 120000, "paid_from": "maintenance_fund",
                                               "note": "已修复", "photos_sha256": []}, "2026-03-10")
    # The incomes allocated by approved plans, publicised and paid out in full.
    c.plan("PL-2026-1", v1, 2026, [("inc:A-GH:0", 100000)], [("public_jobs", 60000), ("awards_aid", 40000)],
           "2026-04-10", notice=("2026-04-15", "2026-04-25"),
           payouts=[(0, "H-0001", 30000, "2026-05-01"), (0, "H-0002", 30000, "2026-05-01"),
                    (1, "H-0003", 25000, "2026-05-02"), (1, "H-0004", 15000, "2026-05-02")])
    c.plan("PL-2026-2", v2, 2026, [("inc:A-WW:0", 60000)], [("o_and_m", 60000)], "2026-04-12",
           notice=("2026-04-16", "2026-04-26"), payouts=[(0, "H-0101", 60000, "2026-05-03")])
    # The annual notices of the year of the plans.
    c.annual_notice(v1, "2026-01-20", "2026-01-31")
    c.annual_notice(v2, "2026-01-20", "2026-01-31")
    # An auditor's finding (recorded on a check that held then), answered before its due.
    c.do("auditor", "finding.record", "A-RD", {"check": "not-inventoried", "severity": "info",
                                               "note": "去年未清查", "due": "2026-03-31"}, "2026-01-05",
         tag="rec:A-RD")
    c.do("v1", "finding.resolve", "A-RD", {"finding": c.refs["rec:A-RD"], "action": "已补清查",
                                           "resolved_on": "2026-02-01"}, "2026-02-01")
    # Every key signed something in the last 24 months: the auditor above, the others here.
    c.do("auditor", "asset.status", "A-RD", {"status": "in_use", "reason": "审计核实在用"}, "2026-01-06")
    srv = agree(c)
    assert srv["findings"] == [], "the clean county has findings:\n" + describe(srv["findings"])
    assert srv["checkpoint"]["size"] == c.lg.size(), srv["checkpoint"]
