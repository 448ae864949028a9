#!/usr/bin/env python3
"""Fills the demo county ledger (惠水县, 522731) through the HTTP API with signed entries.

usage: tools/demo/seed.py [--server URL] [--code CODE] [--origin ORIGIN] [--keys DIR]
                          [--seed N] [--dry-run]

Two years (2024-2025) of a believable county: three townships, twelve villages, some 300
assets of every class (village roads, drinking water, solar plants with monthly income,
greenhouses, a workshop shared by three villages, a cold store, livestock given to
households...), their projects and funding, rights, handovers, operators and contracts,
maintainers, inspections and repairs, income, yearly allocation plans through 四议, township
review, county filing, publicity and payouts, one disposal, corrections, an inventory count,
and a few irregularities that the ledger accepts but an audit should flag (docs/demo.md).

Deterministic: the history is generated from --seed (default 2024) with fixed times, and
Ed25519 signatures are deterministic, so running the seed again resubmits the same payloads
and the server answers 200 (replay) for every one. Every entry must be accepted: the seed
exits 1 listing each refusal with its problem.

Keys (PKCS#8 PEM, as `aidreg keygen` writes them) live in --keys: root, county, township,
village1, village2, operator and auditor are made and enrolled by tools/demo.sh; the others
(township2, township3, village3..village12, operator2, maint1) are derived from the seed,
written there when missing, and enrolled here.

Environment defaults: AIDREG_URL, AIDREG_LEDGER, AIDREG_ORIGIN (or AIDREG_LOG_HOST),
AIDREG_KEYS_DIR.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import sys
import time as _time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

import aidreg_client as ac  # noqa: E402

TABLES = os.path.join(HERE, "county.json")
BATCH = 1000

# Monthly yield of a kW of panels in southern Guizhou (kWh), January..December.
PV_YIELD = [48, 52, 72, 86, 96, 88, 112, 118, 96, 74, 56, 46]
PV_PRICE = 0.75  # yuan per kWh (benchmark price plus the poverty-alleviation subsidy)


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def d(s):
    return datetime.date.fromisoformat(s)


def iso(day):
    return day.isoformat()


def yuan(fen):
    return "%s%d.%02d" % ("-" if fen < 0 else "", abs(fen) // 100, abs(fen) % 100)


def month_end(y, m):
    nxt = datetime.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - datetime.timedelta(days=1)


# ---------------------------------------------------------------- keys

DEMO_SH_KEYS = ("root", "county", "township", "village1", "village2", "operator", "auditor")


class Keys:
    def __init__(self, folder, seed):
        self.folder, self.seed, self.keys = folder, seed, {}

    def get(self, name):
        if name in self.keys:
            return self.keys[name]
        path = os.path.join(self.folder, name + ".key")
        if os.path.exists(path):
            with open(path, "rb") as f:
                k = ac.Key(serialization.load_pem_private_key(f.read(), password=None))
        elif name in DEMO_SH_KEYS:
            raise SystemExit("seed: no key %s (tools/demo.sh makes it)" % path)
        else:
            raw = hashlib.sha256(("aidreg demo %s %s" % (self.seed, name)).encode()).digest()
            k = ac.Key(Ed25519PrivateKey.from_private_bytes(raw))
            if os.path.isdir(self.folder):
                k.write_pem(os.path.join(self.folder, name))
        self.keys[name] = k
        return k


# ---------------------------------------------------------------- the book of events

class Book:
    """Events in the making: each gets its signer's time (Beijing wall clock), and its ref
    (SHA-256 of the payload) is known as soon as it is added."""

    def __init__(self, origin, keys):
        self.origin, self.keys = origin, keys
        self.items = []  # (utc time, seq, signer, event dict, payload bytes)
        self.kinds = {}

    def add(self, when, signer, type_, subject, body):
        """when: a datetime in Beijing time. Returns the ref."""
        utc = (when - datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ev = ac.event(self.origin, type_, subject, body, time=utc)
        payload = ac.compact(ev)
        self.items.append((utc, len(self.items), signer, ev, payload))
        self.kinds[type_] = self.kinds.get(type_, 0) + 1
        return hashlib.sha256(payload).hexdigest()

    def envelopes(self):
        """(event, envelope) in the order of their times (and of creation, for equal times)."""
        out = []
        for _utc, _seq, signer, ev, payload in sorted(self.items, key=lambda x: (x[0], x[1])):
            out.append((ev, ac.envelope(payload, self.keys.get(signer))))
        return out


class Clock:
    """Working hours of an office: each tick moves on a few minutes, and to the next working
    day at 17:30."""

    def __init__(self, rng, day, step=(1, 4)):
        self.rng, self.step = rng, step
        self.t = datetime.datetime.combine(day, datetime.time(9, 0))

    def tick(self):
        self.t += datetime.timedelta(minutes=self.rng.randint(*self.step), seconds=self.rng.randint(0, 59))
        if self.t.time() > datetime.time(17, 30):
            nxt = self.t.date() + datetime.timedelta(days=1)
            while nxt.weekday() >= 5:
                nxt += datetime.timedelta(days=1)
            self.t = datetime.datetime.combine(nxt, datetime.time(9, self.rng.randint(0, 20)))
        return self.t


def at(day, hh=10, mm=0, rng=None):
    """A signing time on day (a date or YYYY-MM-DD) in Beijing office hours."""
    if isinstance(day, str):
        day = d(day)
    if rng is not None:
        hh, mm = rng.randint(9, 16), rng.randint(0, 59)
    return datetime.datetime.combine(day, datetime.time(hh, mm))


# ---------------------------------------------------------------- the county

class County:
    def __init__(self, tables, seed, book):
        self.t, self.rng, self.book = tables, random.Random(seed), book
        self.code = tables["county"]["code"]
        self.townships = tables["townships"]
        self.villages = [v for tw in self.townships for v in tw["villages"]]
        self.village = {v["code"]: v for v in self.villages}
        for tw in self.townships:
            for v in tw["villages"]:
                v["township"] = tw
        self.by_name = {v["name"]: v for v in self.villages}
        self.assets = []  # dicts: code, body, cls, subtype, villages [(code, bp)], ...
        self.asset = {}
        self.projects = []
        self.project_no = {}
        self.incomes = []  # dicts: ref, asset, net, received (date), village shares
        self.household_no = {}
        self.notes = []  # irregularities, for the summary
        self.imported = set()  # project codes registered by `aidreg import` of the demo 台账

    # -- names
    def person(self):
        return self.rng.choice(self.t["surnames"]) + self.rng.choice(self.t["given"])

    def group(self):
        return self.rng.choice(self.t["groups"])

    def household_id(self, vcode):
        n = self.household_no.get(vcode, 0) + 1
        self.household_no[vcode] = n
        return "HH%s-%03d" % (vcode, n)

    def collective(self, v):
        return "%s股份经济合作社" % v["name"]

    def vkey(self, vcode):
        return self.village[vcode]["key"]

    def tkey(self, vcode):
        return self.village[vcode]["township"]["key"]

    # -- projects and assets
    def project(self, year, name, type_, dept, unit, locations, channels, assets):
        """assets: list of dicts (name, cls, subtype, form, value, qty, unit, villages, ...).
        Funding lines split the total over channels (shares in %), one line per channel."""
        n = self.project_no.get(year, 100) + 1
        self.project_no[year] = n
        code = "P%s-%d-%03d" % (self.code, year, n)
        total = sum(a["value"] for a in assets)
        lines, left = [], total
        for i, (ch, pct) in enumerate(channels):
            amt = left if i == len(channels) - 1 else total * pct // 100 // 100 * 100
            left -= amt
            lines.append({"channel": self.t["channels"][ch], "year": year, "amount_fen": amt})
        completed = max(d(a["completed"]) for a in assets)
        accepted = completed + datetime.timedelta(days=self.rng.randint(12, 40))
        p = {"code": code, "year": year, "accepted": accepted,
             "body": {"name": name, "type": type_, "year": year, "funding_lines": lines, "locations": locations,
                      "industry_dept": dept, "implementing_unit": unit, "accepted_on": iso(accepted)},
             "assets": []}
        self.projects.append(p)
        for k, a in enumerate(assets, 1):
            a["code"] = "A%s-%d-%03d-%02d" % (self.code, year, n, k)
            a["project"] = code
            a["accepted"] = accepted
            a["dept"] = dept
            a["unit_from"] = unit
            body = {"project": code, "name": a["name"], "class": a["cls"], "subtype": a["subtype"],
                    "form": a.get("form", "fixed")}
            if len(a["villages"]) == 1:
                body["village"] = a["villages"][0][0]
            else:
                body["locations"] = [{"code": c, "share_bp": bp} for c, bp in a["villages"]]
            body.update({"original_value_fen": a["value"], "quantity": a["qty"], "unit": a["unit"],
                         "completed_on": a["completed"], "accepted_on": iso(accepted)})
            if a.get("description"):
                body["description"] = a["description"]
            a["body"] = body
            a.setdefault("condition", "good")
            a.setdefault("status", "in_use")
            p["assets"].append(a)
            self.assets.append(a)
            self.asset[a["code"]] = a
        return p

    def day_in(self, year, m1=3, m2=10):
        m = self.rng.randint(m1, m2)
        return iso(datetime.date(year, m, self.rng.randint(1, 28)))

    def build_assets(self):
        rng, dep = self.rng, self.t["departments"]
        # Solar plants: one per village, one project per township.
        for tw, year in zip(self.townships, (2018, 2019, 2019)):
            plants = []
            for v in tw["villages"]:
                kw = rng.choice([100, 150, 200, 200, 250, 300])
                ground = rng.random() < 0.5
                plants.append({"name": "%s %dkW 村级光伏电站" % (v["name"], kw), "cls": "operating",
                               "subtype": "photovoltaic", "value": kw * 1000 * (680 if year == 2018 else 620),
                               "qty": kw, "unit": "kW", "completed": self.day_in(year, 8, 10),
                               "villages": [(v["code"], 10000)], "kw": kw, "ground": ground,
                               "description": ("农光互补地面电站" if ground else "屋顶分布式电站") + "，全额上网"})
            self.project(year, "%d年%s村级光伏扶贫电站建设项目" % (year, tw["name"]), "industry", dep["pv"],
                         "%s人民政府" % tw["name"], [v["code"] for v in tw["villages"]], [(0, 60), (3, 40)], plants)
        # Roads: a 通村路 project (2016) and two 通组路 projects (2019, 2021) per township.
        for tw in self.townships:
            for year, kind in ((2016, "village"), (2019, "group"), (2021, "group")):
                roads = []
                for v in tw["villages"]:
                    km = round(rng.uniform(0.8, 4.5), 1) if kind == "group" else round(rng.uniform(2.5, 7.5), 1)
                    name = "%s通村路硬化" % v["name"] if kind == "village" else "%s%s通组路硬化" % (v["name"], self.group())
                    roads.append({"name": name, "cls": "public_welfare",
                                  "subtype": "village_road" if kind == "village" else "group_road",
                                  "value": int(km * rng.randint(3500, 5500)) * 10000, "qty": km, "unit": "km",
                                  "completed": self.day_in(year), "villages": [(v["code"], 10000)],
                                  "description": "水泥混凝土路面，宽 %.1f 米" % (4.5 if kind == "village" else 3.5)})
                label = "通村公路" if kind == "village" else "通组路"
                self.project(year, "%d年%s%s硬化工程" % (year, tw["name"], label), "rural_construction", dep["road"],
                             "%s人民政府" % tw["name"], [v["code"] for v in tw["villages"]],
                             [(4, 50), (5, 50)] if kind == "group" else [(0, 70), (2, 30)], roads)
        # Drinking water: one project per township (2020), and network extensions (2022).
        for tw in self.townships:
            works = []
            for v in tw["villages"]:
                cap = rng.choice([60, 80, 120, 150, 200])
                works.append({"name": "%s集中供水工程" % v["name"], "cls": "public_welfare",
                              "subtype": "water_supply", "value": rng.randint(28, 76) * 1000000, "qty": cap,
                              "unit": "m³/日", "completed": self.day_in(2020), "villages": [(v["code"], 10000)],
                              "description": "高位水池、净化消毒设施及入户管网"})
            self.project(2020, "%d年%s农村饮水安全巩固提升工程" % (2020, tw["name"]), "rural_construction",
                         dep["water"], "%s水务站" % tw["name"], [v["code"] for v in tw["villages"]], [(0, 80), (2, 20)],
                         works)
        ext = []
        for vname in ("岩脚村", "高寨村", "冗章村"):
            v = self.by_name[vname]
            ext.append({"name": "%s供水管网延伸工程" % v["name"], "cls": "public_welfare", "subtype": "water_supply",
                        "value": rng.randint(12, 30) * 1000000, "qty": round(rng.uniform(3, 9), 1), "unit": "km",
                        "completed": self.day_in(2022), "villages": [(v["code"], 10000)],
                        "description": "PE 管网延伸至边远村民组"})
        self.project(2022, "2022年惠水县农村供水管网延伸工程", "rural_construction", dep["water"], "惠水县水务局",
                     [a["villages"][0][0] for a in ext], [(0, 100)], ext)
        # Other public works, spread over villages.
        kinds = [("public_toilet", "公共厕所", 6, "座", (18, 35), dep["housing"], 2021),
                 ("waste_collection", "垃圾收集池", 6, "座", (3, 8), dep["housing"], 2021),
                 ("activity_square", "文化活动广场", 4, "m²", (30, 80), dep["culture"], 2020),
                 ("clinic", "村卫生室", 3, "m²", (35, 60), dep["health"], 2019),
                 ("bridge", "便民桥", 3, "座", (40, 120), dep["road"], 2020),
                 ("industry_road", "产业路", 4, "km", (60, 140), dep["agri"], 2021),
                 ("irrigation", "灌溉渠", 4, "km", (25, 70), dep["water"], 2019)]
        for subtype, label, n, unit, (lo, hi), dept, year in kinds:
            vs = rng.sample(self.villages, n)
            items = []
            for v in vs:
                if unit == "座":
                    qty = 1
                elif unit == "m²":
                    qty = rng.choice([120, 180, 240, 600, 800]) if subtype == "activity_square" else rng.choice([120, 160])
                else:
                    qty = round(rng.uniform(0.6, 3.2), 1)
                name = "%s%s%s" % (v["name"], self.group() if subtype in ("bridge", "waste_collection") else "", label)
                items.append({"name": name, "cls": "public_welfare", "subtype": subtype,
                              "value": rng.randint(lo, hi) * 1000000 // (1 if unit != "座" or subtype == "bridge" else 2),
                              "qty": qty, "unit": unit, "completed": self.day_in(year),
                              "villages": [(v["code"], 10000)]})
            self.project(year, "%d年惠水县%s建设项目" % (year, label), "rural_construction", dept, dept,
                         [a["villages"][0][0] for a in items], [(1, 50), (2, 50)], items)
        # Greenhouses: three villages.
        for vname, year, n, op in (("好花红村", 2020, 8, "hhh"), ("摆金村", 2021, 6, 0), ("岗度村", 2021, 6, 1)):
            v = self.by_name[vname]
            houses = []
            for i in range(1, n + 1):
                mu = rng.choice([1.2, 1.5, 2.0])
                houses.append({"name": "%s蔬菜大棚 %d 号" % (v["name"], i), "cls": "operating",
                               "subtype": "greenhouse", "value": int(mu * rng.randint(80, 105)) * 100000,
                               "qty": mu, "unit": "亩", "completed": self.day_in(year, 3, 6),
                               "villages": [(v["code"], 10000)], "op": op,
                               "rent": int(mu * 3000) * 100, "description": "钢架塑料大棚，配套滴灌"})
            self.project(year, "%d年%s蔬菜大棚建设项目" % (year, v["name"]), "industry", dep["agri"],
                         "%s人民政府" % v["township"]["name"], [v["code"]], [(0, 70), (3, 30)], houses)
        # The workshop, built by three villages together (联建).
        bj, wt, xb = (self.by_name[n]["code"] for n in ("摆金村", "翁台村", "新坝村"))
        self.project(2020, "2020年摆金镇扶贫车间建设项目", "employment", dep["industry"], "摆金镇人民政府", [bj, wt, xb],
                     [(0, 50), (3, 50)],
                     [{"name": "摆金镇扶贫车间（标准化厂房）", "cls": "operating", "subtype": "workshop",
                       "value": 186000000, "qty": 2400, "unit": "m²", "completed": "2020-05-20",
                       "villages": [(bj, 5000), (wt, 3000), (xb, 2000)],
                       "description": "钢结构厂房 2 栋，三村联建，收益按 5:3:2 分配"}])
        # A cold store that stands idle.
        jl = self.by_name["甲浪村"]
        self.project(2020, "2020年甲浪村果蔬冷链仓储项目", "industry", dep["agri"], "岗度乡人民政府", [jl["code"]],
                     [(0, 60), (6, 40)],
                     [{"name": "甲浪村果蔬冷库", "cls": "operating", "subtype": "cold_storage", "value": 68000000,
                       "qty": 500, "unit": "吨", "completed": "2020-09-15", "villages": [(jl["code"], 10000)],
                       "description": "冷藏库容 500 吨"}])
        # Livestock given to households: one project per village.
        for v in self.villages:
            year = rng.choice([2019, 2020, 2021])
            cattle = rng.random() < 0.6
            items = []
            for _ in range(rng.randint(14, 17)):
                who = self.person()
                hid = self.household_id(v["code"])
                if cattle:
                    n = rng.choice([1, 1, 2])
                    items.append({"name": "%s户 能繁母牛 %d 头" % (who, n), "cls": "household", "subtype": "cattle",
                                  "form": "biological", "value": n * rng.randint(95, 115) * 10000, "qty": n,
                                  "unit": "头", "completed": self.day_in(year, 4, 9),
                                  "villages": [(v["code"], 10000)], "household": (hid, "%s户" % who)})
                else:
                    n = rng.randint(5, 10)
                    items.append({"name": "%s户 黑山羊 %d 只" % (who, n), "cls": "household", "subtype": "goat",
                                  "form": "biological", "value": n * rng.randint(85, 98) * 1000, "qty": n,
                                  "unit": "只", "completed": self.day_in(year, 4, 9),
                                  "villages": [(v["code"], 10000)], "household": (hid, "%s户" % who)})
            label = "能繁母牛" if cattle else "黑山羊"
            self.project(year, "%d年%s到户%s养殖项目" % (year, v["name"], label), "industry", dep["agri"],
                         "%s人民政府" % v["township"]["name"], [v["code"]], [(0, 100)], items)

    # -- helpers over assets
    def find(self, subtype, vname, n=0):
        v = self.by_name[vname]["code"]
        xs = [a for a in self.assets if a["subtype"] == subtype and a["villages"][0][0] == v]
        return xs[n]

    def of_class(self, *classes):
        return [a for a in self.assets if a["cls"] in classes]


# ---------------------------------------------------------------- the history

def history(c, keys_meta):
    """Adds every event of the demo to c.book. Returns the plans (for the summary)."""
    b, rng, code = c.book, c.rng, c.code
    t = c.t

    # Settings and keys (January 2024).
    b.add(at("2024-01-02", 9, 30), "county", "ledger.settings", code,
          {"publicity_days": 7, "idle_months": 12,
           "inspection_months": {"public_welfare": 6, "operating": 12, "household": 12},
           "unallocated_months": 12, "required_steps": ["proposal", "committees", "party_members", "villagers_meeting"]})
    clock = Clock(rng, d("2024-01-03"))
    for tw in c.townships[1:]:
        k = keys_meta.get(tw["key"])
        b.add(clock.tick(), "county", "key.enroll", k.id,
              {"key": k.id, "role": "township", "scope": tw["code"], "holder": {"name": tw["head"][0], "org": tw["head"][1]}})
    for x in t["extra_keys"]:
        k = keys_meta.get(x["key"])
        b.add(clock.tick(), x["enroller"], "key.enroll", k.id,
              {"key": k.id, "role": x["role"], "scope": x["scope"], "holder": {"name": x["holder"][0], "org": x["holder"][1]}})
    clock = Clock(rng, d("2024-01-04"))
    for v in c.villages:
        if v["key"] in DEMO_SH_KEYS:
            continue
        k = keys_meta.get(v["key"])
        b.add(clock.tick(), v["township"]["key"], "key.enroll", k.id,
              {"key": k.id, "role": "village", "scope": v["code"], "holder": {"name": v["clerk"][0], "org": v["clerk"][1]}})

    # Registration of the existing assets (清产核资 backfill), January 2024. The projects of
    # the demo 台账 (tools/demo/taizhang.py) come in through `aidreg import` instead (c.imported);
    # the clock ticks all the same, so that the rest of the history is the same either way.
    clock = Clock(rng, d("2024-01-08"), (1, 3))
    for p in c.projects:
        t_p = clock.tick()
        if p["code"] not in c.imported:
            b.add(t_p, "county", "project.register", p["code"], p["body"])
        for a in p["assets"]:
            t_a = clock.tick()
            if p["code"] not in c.imported:
                b.add(t_a, "county", "asset.register", a["code"], a["body"])

    # Irregular on purpose: these stay without a certificate (未颁证) or without handover.
    cold = c.find("cold_storage", "甲浪村")
    no_cert = {cold["code"], [a for a in c.assets if a["subtype"] == "bridge"][0]["code"],
               c.find("greenhouse", "岗度村", 5)["code"]}
    cold["irregular"] = "闲置冷库：无收益逾 12 个月、未颁证、未移交"
    c.notes.append("甲浪村果蔬冷库 (%s)：经营性资产闲置，2024–2025 年无任何收益；未颁证、未移交" % cold["code"])

    # Rights (确权), late January 2024.
    clock = Clock(rng, d("2024-01-22"), (1, 2))
    cert = 0
    for a in c.assets:
        confirmed = max(a["accepted"] + datetime.timedelta(days=rng.randint(30, 200)), d("2021-10-15"))
        confirmed = min(confirmed, d("2023-12-20"))
        if a["cls"] == "household":
            hid, hname = a["household"]
            owners = [{"kind": "household", "id": hid, "name": hname, "share_bp": 10000}]
        else:
            owners = [{"kind": "village_collective", "id": vc, "name": c.collective(c.village[vc]), "share_bp": bp}
                      for vc, bp in a["villages"]]
        body = {"owners": owners}
        if a["code"] not in no_cert:
            cert += 1
            body["certificate_no"] = ("惠乡振资确〔%d〕%04d号" % (confirmed.year, cert)) if a["cls"] != "household" \
                else "到户资产确认书 %s" % a["household"][0]
        body["confirmed_on"] = iso(confirmed)
        a["owners"] = owners
        b.add(clock.tick(), "county", "asset.rights", a["code"], body)
    c.notes.append("%d 项资产确权后未颁证（certificate_no 缺失）" % len(no_cert))

    # Operators and contracts, end of January 2024.
    clock = Clock(rng, d("2024-01-29"), (2, 6))
    ops = t["operators"]

    def operator(o):
        o = dict(o)
        if "key" in o:
            o["key"] = keys_meta.get(o["key"]).id
        return o
    for a in c.of_class("operating"):
        vcode = a["villages"][0][0]
        v = c.village[vcode]
        if a["subtype"] == "photovoltaic":
            a["agreed"] = int(a["kw"] * sum(PV_YIELD) * PV_PRICE * 0.9) * 100
            body = {"mode": "entrusted", "operator": operator(ops["pv"]),
                    "contract": {"no": "QGNY-%s-%s" % (a["accepted"].year, vcode[-6:]), "start": "2020-01-01",
                                 "end": "2027-12-31", "agreed_return_fen_per_year": a["agreed"]},
                    "decided_on": "2019-12-20", "filed_with": "%s人民政府" % v["township"]["name"]}
            signer = v["key"]
        elif a["subtype"] == "greenhouse":
            op = ops["greenhouse_hhh"] if a["op"] == "hhh" else {"name": ops["greenhouse"][a["op"]], "kind": "cooperative"}
            body = {"mode": "lease", "operator": operator(op),
                    "contract": {"no": "ZL-%s-%s" % (vcode[-6:], a["code"][-2:]), "start": "2021-07-01",
                                 "end": "2026-06-30", "agreed_return_fen_per_year": a["rent"]},
                    "decided_on": "2021-06-18", "filed_with": "%s人民政府" % v["township"]["name"]}
            signer = v["key"]
        elif a["subtype"] == "workshop":
            # Irregular on purpose: the lease ended on 2024-12-31 and was never renewed, yet
            # the company keeps using the building and paying.
            body = {"mode": "lease", "operator": dict(ops["workshop"]),
                    "contract": {"no": "BJCJ-2020-01", "start": "2020-07-01", "end": "2024-12-31",
                                 "agreed_return_fen_per_year": 9000000},
                    "decided_on": "2020-06-10", "filed_with": "惠水县乡村振兴局"}
            signer = "township2"
            a["irregular"] = "租赁合同 2024-12-31 到期未续签，仍在使用"
            c.notes.append("摆金镇扶贫车间 (%s)：租赁合同 2024-12-31 到期未续签，企业仍在使用并缴租" % a["code"])
        else:  # cold storage
            body = {"mode": "cooperative", "operator": dict(ops["cold_storage"]),
                    "contract": {"no": "JLLK-2021-01", "start": "2021-01-01", "end": "2030-12-31",
                                 "agreed_return_fen_per_year": 3000000},
                    "decided_on": "2020-12-15", "filed_with": "岗度乡人民政府"}
            signer = v["key"]
        b.add(clock.tick(), signer, "asset.operator", a["code"], body)

    # Handover to the owners (移交), February 2024: everything but household assets.
    clock = Clock(rng, d("2024-02-01"), (2, 5))
    for a in c.of_class("operating", "public_welfare"):
        if a is cold:
            continue
        vcode = a["villages"][0][0]
        handed = a["accepted"] + datetime.timedelta(days=rng.randint(10, 60))
        b.add(clock.tick(), c.tkey(vcode), "asset.handover", a["code"],
              {"from_unit": a["unit_from"], "to": vcode, "handed_over_on": iso(handed),
               "documents_sha256": [sha("移交清单 %s" % a["code"]), sha("验收报告 %s" % a["code"])]})

    # Maintainers (管护主体) of public-welfare assets, February 2024. Two are left without one.
    unmaintained = {c.find("group_road", "冗章村", 1)["code"]}
    toilets = [a for a in c.assets if a["subtype"] == "public_toilet"]
    unmaintained.add(toilets[-1]["code"])
    for u in sorted(unmaintained):
        c.asset[u]["irregular"] = "公益性资产无管护主体"
        c.notes.append("%s (%s)：公益性资产未明确管护主体，也无巡查记录" % (c.asset[u]["name"], u))
    duties = {"village_road": "护路员：清扫路面、疏通边沟、报告塌方", "group_road": "护路员：清扫路面、疏通边沟、报告塌方",
              "water_supply": "管水员：巡查管网、清洗水池、水质消毒", "public_toilet": "保洁员：每日清扫、定期清掏",
              "waste_collection": "保洁员：垃圾清运、池体维护", "activity_square": "保洁员：场地保洁、器材检查",
              "clinic": "村医：房屋及设备日常维护", "bridge": "护路员：桥面清理、护栏检查",
              "industry_road": "护路员：路面养护、边沟清理", "irrigation": "管水员：渠道清淤、闸门维护"}
    clock = Clock(rng, d("2024-02-05"), (2, 5))
    for a in c.of_class("public_welfare"):
        if a["code"] in unmaintained:
            continue
        vcode = a["villages"][0][0]
        v = c.village[vcode]
        body = {"body": "%s村民委员会" % v["name"], "person": c.person(), "duties": duties[a["subtype"]],
                "fund_source": rng.choice(["村集体光伏收益", "县级公益性资产管护补助资金", "村集体经济收入"]),
                "from": "2024-02-01"}
        if a["subtype"] == "water_supply" and v["name"] == "好花红村":
            body["person"] = "罗正华"
            body["key"] = keys_meta.get("maint1").id
            a["maint_key"] = "maint1"
        a["maintained"] = True
        b.add(clock.tick(), v["key"], "asset.maintainer", a["code"], body)

    # Statuses through the two years.
    disposed = c.find("greenhouse", "摆金村", 2)
    disposed["status"] = "damaged"
    bj = c.village[disposed["villages"][0][0]]
    b.add(at("2024-02-10", 9, 40), bj["key"], "asset.status", disposed["code"],
          {"status": "damaged", "reason": "2024 年 2 月凝冻灾害，钢架坍塌、棚膜撕裂", "remediation_due": "2024-04-30"})
    b.add(at("2024-03-15", 10, 20), "village10", "asset.status", cold["code"],
          {"status": "idle", "reason": "合作社经营不善退出，冷库停用", "remediation_due": "2024-12-31"})
    cold["status"], cold["condition"] = "idle", "idle"
    flood = c.find("water_supply", "摆金村")
    b.add(at("2024-06-22", 15, 5), "village5", "asset.status", flood["code"],
          {"status": "damaged", "reason": "6·20 暴雨冲毁取水坝及 300 米主管", "remediation_due": "2024-08-31"})
    b.add(at("2024-07-16", 11, 0), "village5", "maintenance.report", flood["code"],
          {"kind": "repair", "date": "2024-07-15", "condition": "good", "cost_fen": 4860000,
           "paid_from": "maintenance_fund", "note": "重建取水坝，更换 DN110 主管 300 米", "photos_sha256": [sha("修复 %s" % flood["code"])]})
    b.add(at("2024-07-16", 11, 30), "village5", "asset.status", flood["code"], {"status": "in_use", "reason": "修复完成，恢复供水"})
    occupied = c.find("group_road", "岩脚村", 0)
    b.add(at("2025-05-12", 16, 10), "village4", "asset.status", occupied["code"],
          {"status": "occupied", "reason": "村民在路面堆放建材，占用半幅路面", "remediation_due": "2025-06-30"})
    occupied["status"], occupied["irregular"] = "occupied", "被占用，整改期限已过"
    c.notes.append("%s (%s)：2025-05 起被占用，整改期限 2025-06-30 已过仍未恢复" % (occupied["name"], occupied["code"]))
    lowpv = c.find("photovoltaic", "辉岩村")
    b.add(at("2025-06-05", 10, 15), "village3", "asset.status", lowpv["code"],
          {"status": "low_yield", "reason": "2 台逆变器故障，发电量下降约七成", "remediation_due": "2025-07-31"})

    # The disposal: request, approval, completion (2024-03/04).
    req = b.add(at("2024-03-05", 10, 30), "village5", "disposal.request", disposed["code"],
                {"trigger": "disaster", "method": "scrap", "valuation_fen": 600000, "decided_on": "2024-03-01"})
    b.add(at("2024-03-20", 15, 0), "county", "disposal.approve", disposed["code"],
          {"request": req, "decision": "approved", "conditions": "残值公开处置，收入纳入村集体收益统一管理，用于巩固拓展脱贫攻坚成果"})
    b.add(at("2024-04-10", 16, 0), "village5", "disposal.complete", disposed["code"],
          {"completed_on": "2024-04-10", "proceeds_fen": 420000, "counterparty": "惠水县鑫源再生资源回收有限公司",
           "proceeds_to": bj["code"]})
    disposed["status"] = "disposed"

    # Inspections of public-welfare assets every half year, repairs when needed; a yearly
    # check of the solar plants; the 管水员 of 好花红村 signs his own upkeep.
    for a in c.of_class("public_welfare"):
        if not a.get("maintained"):
            continue
        vcode = a["villages"][0][0]
        signer = a.get("maint_key") or c.vkey(vcode)
        for ym in ("2024-04", "2024-10", "2025-04", "2025-10"):
            day = d("%s-%02d" % (ym, rng.randint(3, 26)))
            cond = "good"
            if a is occupied and ym == "2025-10":
                cond = "needs_repair"
            elif rng.random() < 0.12:
                cond = "needs_repair"
            b.add(at(day, rng=rng), signer, "maintenance.report", a["code"],
                  {"kind": "inspection", "date": iso(day), "condition": cond, "cost_fen": 0, "paid_from": "other",
                   "note": "" if cond == "good" else rng.choice(["路面局部开裂", "边沟堵塞", "水池渗漏", "护栏松动",
                                                                   "闸阀锈蚀", "屋面漏雨"]),
                   "photos_sha256": [sha("巡查 %s %s" % (a["code"], day))]})
            if cond == "needs_repair" and a is not occupied:
                fix = day + datetime.timedelta(days=rng.randint(8, 35))
                b.add(at(fix, rng=rng), signer if signer != "maint1" else c.vkey(vcode), "maintenance.report",
                      a["code"], {"kind": "repair", "date": iso(fix), "condition": "good",
                                  "cost_fen": rng.randint(8, 150) * 10000,
                                  "paid_from": rng.choice(["maintenance_fund", "income"]),
                                  "note": "维修完成", "photos_sha256": [sha("维修 %s %s" % (a["code"], fix))]})
        if a.get("maint_key"):
            for ym in ("2024-03", "2024-06", "2024-09", "2024-12", "2025-03", "2025-06", "2025-09", "2025-12"):
                day = d("%s-%02d" % (ym, rng.randint(1, 10)))
                b.add(at(day, rng=rng), "maint1", "maintenance.report", a["code"],
                      {"kind": "upkeep", "date": iso(day), "condition": "good", "cost_fen": rng.randint(5, 20) * 1000,
                       "paid_from": "maintenance_fund", "note": "清洗高位水池，投加消毒剂",
                       "photos_sha256": [sha("清洗 %s %s" % (a["code"], day))]})
    for a in c.assets:
        if a["subtype"] != "photovoltaic":
            continue
        for y in (2024, 2025):
            day = d("%d-09-%02d" % (y, rng.randint(2, 20)))
            bad = a is lowpv and y == 2025
            b.add(at(day, rng=rng), c.vkey(a["villages"][0][0]), "maintenance.report", a["code"],
                  {"kind": "inspection", "date": iso(day), "condition": "good", "cost_fen": 0, "paid_from": "other",
                   "note": "组件清洗、逆变器巡检" + ("（7 月已更换 2 台逆变器）" if bad else ""),
                   "photos_sha256": []})
    b.add(at("2025-07-20", 15, 30), "village3", "maintenance.report", lowpv["code"],
          {"kind": "repair", "date": "2025-07-20", "condition": "good", "cost_fen": 2350000, "paid_from": "income",
           "note": "更换 2 台 50kW 组串式逆变器", "photos_sha256": [sha("逆变器 %s" % lowpv["code"])]})
    b.add(at("2025-07-21", 9, 30), "village3", "asset.status", lowpv["code"], {"status": "in_use", "reason": "逆变器更换完成"})

    # Income.
    income_reports(c, lowpv, disposed)

    # Notices of the assets ledger (资产公示), April 2024.
    for v in c.villages:
        start = d("2024-04-%02d" % rng.randint(1, 8))
        b.add(at(start, rng=rng), v["key"], "notice.publish", v["code"],
              {"kind": "assets", "start": iso(start), "end": iso(start + datetime.timedelta(days=rng.choice([6, 9]))),
               "content_sha256": sha("%s 扶贫项目资产台账公示 2024" % v["name"]), "place": "%s村务公开栏" % v["name"]})

    plans = allocation(c)

    # The inventory count (清查), November 2025.
    lost = [a for a in c.assets if a["subtype"] == "goat" and a["villages"][0][0] == c.by_name["打引村"]["code"]]
    lost = lost[3] if len(lost) > 3 else [a for a in c.assets if a["subtype"] == "goat"][0]
    uncounted = [a for a in c.assets if a["subtype"] == "activity_square"][0]
    c.notes.append("%s (%s)：2025 年清查漏查，12 个月内无清查记录" % (uncounted["name"], uncounted["code"]))
    for a in c.assets:
        if a["status"] == "disposed":
            continue
        vcode = a["villages"][0][0]
        day = d("2025-11-%02d" % rng.randint(3, 21))
        if a is uncounted:
            continue
        found = a is not lost
        cond = a.get("condition", "good")
        if a is occupied:
            cond = "needs_repair"
        note = {True: "账实相符", False: "农户称羊已全部出售，未办理处置手续"}[found]
        b.add(at(day, rng=rng), c.vkey(vcode), "inventory.count", a["code"],
              {"date": iso(day), "found": found, "condition": cond if found else "damaged", "note": note,
               "photos_sha256": [sha("清查 %s" % a["code"])]})
    c.notes.append("%s (%s)：2025 年清查未见实物（账实不符），无处置记录" % (lost["name"], lost["code"]))

    # A county cross-check (交叉检查) in June 2025: findings, one resolved.
    f1 = b.add(at("2025-06-18", 10, 0), "auditor", "finding.record", lowpv["code"],
               {"check": "idle-overdue", "severity": "warning", "note": "电站发电量较上年同期下降约七成，请查明原因并限期修复",
                "due": "2025-07-31"})
    b.add(at("2025-07-22", 16, 0), "village3", "finding.resolve", lowpv["code"],
          {"finding": f1, "action": "已更换 2 台逆变器，8 月起恢复正常发电", "resolved_on": "2025-07-21"})
    b.add(at("2025-06-18", 11, 0), "auditor", "finding.record", cold["code"],
          {"check": "idle-overdue", "severity": "serious", "note": "冷库自 2024 年 3 月闲置，未制定盘活方案",
           "due": "2025-12-31"})
    audit_plants(c, keys_meta)
    return plans


def audit_plants(c, keys_meta):
    """Irregularities planted for the checks of docs/audit.md that the history above does not
    make fire (docs/demo.md lists which entries make each check fire), and the places (区划),
    so that the audit names the villages. Fixed dates, no draws of the generator."""
    b, code = c.book, c.code
    for tw in c.townships:
        b.add(at("2024-01-02", 9, 40), "county", "place.register", tw["code"], {"name": tw["name"]})
    for v in c.villages:
        b.add(at("2024-01-02", 9, 50), "county", "place.register", v["code"], {"name": v["name"]})
    # key-dormant: an auditor key enrolled and never used
    k = keys_meta.get("auditor2")
    b.add(at("2024-01-05", 9, 10), "county", "key.enroll", k.id,
          {"key": k.id, "role": "auditor", "scope": code, "holder": {"name": "孙丽", "org": "惠水县审计局（借调）"}})
    ch = c.t["channels"]
    v_hhh, v_xm = c.by_name["好花红村"], c.by_name["新民村"]
    v_xb, v_wt, v_rz = c.by_name["新坝村"], c.by_name["翁台村"], c.by_name["冗章村"]

    def project(pcode, name, type_, year, fen, village, accepted, signed, dept="惠水县农业农村局"):
        b.add(at(signed, 9, 30), "county", "project.register", pcode,
              {"name": name, "type": type_, "year": year,
               "funding_lines": [{"channel": ch[0], "year": year, "amount_fen": fen}], "locations": [village["code"]],
               "industry_dept": dept, "implementing_unit": "惠水县乡村振兴局", "accepted_on": accepted})

    def asset(acode, pcode, name, cls, subtype, fen, village, accepted, signed, form="fixed", unit="座"):
        b.add(at(signed, 10, 0), "county", "asset.register", acode,
              {"project": pcode, "name": name, "class": cls, "subtype": subtype, "form": form, "village": village["code"],
               "original_value_fen": fen, "quantity": 1, "unit": unit, "completed_on": accepted, "accepted_on": accepted})

    def kept(acode, village, confirmed, cert, reports=("2025-08-12", "2025-12-09"), counted="2025-11-18"):
        """Owned, certified, handed over, maintained, inspected, counted: nothing else to find."""
        b.add(at(confirmed, 10, 30), "county", "asset.rights", acode,
              {"owners": [{"kind": "village_collective", "id": village["code"], "name": c.collective(village),
                           "share_bp": 10000}], "certificate_no": cert, "confirmed_on": confirmed})
        b.add(at(confirmed, 15, 0), c.tkey(village["code"]), "asset.handover", acode,
              {"from_unit": "惠水县乡村振兴局", "to": village["code"], "handed_over_on": confirmed,
               "documents_sha256": [sha("移交清单 %s" % acode)]})
        b.add(at(confirmed, 16, 0), village["key"], "asset.maintainer", acode,
              {"body": "%s村民委员会" % village["name"], "person": "%s管护员" % village["name"], "duties": "日常巡查",
               "fund_source": "村集体经济收入", "from": confirmed})
        for day in reports:
            b.add(at(day, 11, 0), village["key"], "maintenance.report", acode,
                  {"kind": "inspection", "date": day, "condition": "good", "cost_fen": 0, "paid_from": "other",
                   "note": "巡查正常", "photos_sha256": []})
        if counted:
            b.add(at(counted, 14, 0), village["key"], "inventory.count", acode,
                  {"date": counted, "found": True, "condition": "good", "note": "账实相符", "photos_sha256": []})

    # project-without-assets: accepted in June 2025, no asset registered since.
    project("P522731-2025-901", "2025年好花红村产业路硬化项目", "rural_construction", 2025, 180000000, v_hhh,
            "2025-06-28", "2025-07-03", dept="惠水县交通运输局")
    c.notes.append("P522731-2025-901 好花红村产业路硬化项目：2025-06-28 竣工验收，未登记任何资产")
    # value-funding-gap: 600000 yuan of funding, 420000 yuan of assets.
    project("P522731-2024-902", "2024年新民村小型农田水利项目", "rural_construction", 2024, 60000000, v_xm,
            "2024-05-20", "2024-06-03", dept="惠水县水务局")
    asset("A522731-2024-902-01", "P522731-2024-902", "新民村灌溉渠", "public_welfare", "irrigation", 42000000, v_xm,
          "2024-05-20", "2024-06-03", unit="km")
    kept("A522731-2024-902-01", v_xm, "2024-06-20", "惠乡振资确〔2024〕0902号")
    c.notes.append("P522731-2024-902 新民村农田水利：项目资金 600000.00 元，登记资产原值 420000.00 元（差 30%）")
    # no-owner: a household's cattle, never confirmed.
    project("P522731-2025-903", "2025年冗章村到户养牛补助项目", "industry", 2025, 1200000, v_rz, "2025-04-15",
            "2025-04-20")
    asset("A522731-2025-903-01", "P522731-2025-903", "到户能繁母牛", "household", "cattle", 1200000, v_rz,
          "2025-04-15", "2025-04-20", form="biological", unit="头")
    c.notes.append("A522731-2025-903-01 冗章村到户能繁母牛：2025-04-15 验收，至今未确权")
    # no-income: an operating asset run by the village itself that never reported income.
    project("P522731-2024-904", "2024年新坝村电商服务站项目", "industry", 2024, 30000000, v_xb, "2024-03-10",
            "2024-03-20", dept="惠水县商务局")
    asset("A522731-2024-904-01", "P522731-2024-904", "新坝村电商服务站", "operating", "ecommerce", 30000000, v_xb,
          "2024-03-10", "2024-03-20")
    kept("A522731-2024-904-01", v_xb, "2024-04-01", "惠乡振资确〔2024〕0904号")
    b.add(at("2024-04-08", 10, 0), v_xb["key"], "asset.operator", "A522731-2024-904-01",
          {"mode": "self", "operator": {"name": "新坝村股份经济合作社", "kind": "village_collective"},
           "decided_on": "2024-04-08", "filed_with": "摆金镇人民政府"})
    c.notes.append("A522731-2024-904-01 新坝村电商服务站：经营性资产在用，2024–2025 年无收益报告")
    # no-contract: leased out with no contract number; the rent is reported.
    project("P522731-2024-905", "2024年翁台村茶叶加工厂项目", "industry", 2024, 50000000, v_wt, "2024-05-06",
            "2024-05-15")
    asset("A522731-2024-905-01", "P522731-2024-905", "翁台村茶叶加工厂", "operating", "workshop", 50000000, v_wt,
          "2024-05-06", "2024-05-15")
    kept("A522731-2024-905-01", v_wt, "2024-05-30", "惠乡振资确〔2024〕0905号")
    b.add(at("2024-06-03", 10, 0), v_wt["key"], "asset.operator", "A522731-2024-905-01",
          {"mode": "lease", "operator": {"name": "惠水县翁台茶业有限公司", "kind": "enterprise"},
           "contract": {"no": "", "start": "2024-07-01", "end": "2029-06-30", "agreed_return_fen_per_year": 0},
           "decided_on": "2024-06-03", "filed_with": "摆金镇人民政府"})
    b.add(at("2026-01-12", 10, 0), v_wt["key"], "income.report", "A522731-2024-905-01",
          {"period_start": "2025-07-01", "period_end": "2025-12-31", "gross_fen": 1200000, "costs": [],
           "net_fen": 1200000, "payer": "惠水县翁台茶业有限公司", "received_on": "2026-01-10", "account": "翁台村集体账户"})
    c.notes.append("A522731-2024-905-01 翁台村茶叶加工厂：租赁经营，无合同编号（有租无合同）")
    # sale-below-valuation: an old village hall auctioned 40 % below its valuation.
    project("P522731-2024-906", "2017年冗章村村级活动场所项目（存量登记）", "governance", 2024, 25000000, v_rz,
            "2017-09-30", "2024-02-20", dept="惠水县民政局")
    asset("A522731-2024-906-01", "P522731-2024-906", "冗章村旧村级活动室", "public_welfare", "activity_square",
          25000000, v_rz, "2017-09-30", "2024-02-20")
    kept("A522731-2024-906-01", v_rz, "2024-03-05", "惠乡振资确〔2024〕0906号", reports=("2025-08-12",), counted=None)
    req = b.add(at("2025-09-01", 10, 0), v_rz["key"], "disposal.request", "A522731-2024-906-01",
                {"trigger": "superseded", "method": "auction", "valuation_fen": 25000000, "decided_on": "2025-09-01"})
    b.add(at("2025-09-10", 10, 0), "county", "disposal.approve", "A522731-2024-906-01",
          {"request": req, "decision": "approved", "conditions": "公开拍卖，底价不低于评估价"})
    b.add(at("2025-10-20", 10, 0), v_rz["key"], "disposal.complete", "A522731-2024-906-01",
          {"completed_on": "2025-10-20", "proceeds_fen": 15000000, "counterparty": "惠水县某商贸公司",
           "proceeds_to": v_rz["code"]})
    c.notes.append("A522731-2024-906-01 冗章村旧村级活动室：评估价 250000.00 元，拍卖成交 150000.00 元（低 40%）")


def pv_month(c, a, y, m, factor=1.0):
    noise = c.rng.uniform(0.9, 1.1)
    kwh = a["kw"] * PV_YIELD[m - 1] * noise * factor
    gross = int(round(kwh * PV_PRICE * 100))
    costs = [{"kind": "o_and_m", "amount_fen": gross * 5 // 100}]
    if m == 1:
        costs.append({"kind": "insurance", "amount_fen": a["kw"] * 800})
    if a["ground"] and m == 12:
        costs.append({"kind": "land_rent", "amount_fen": 600000})
    return gross, costs


def income_reports(c, lowpv, disposed):
    b, rng = c.book, c.rng
    # Solar: every month, paid by the grid company around the 10th of the next month and
    # reported by the operator (whose key asset.operator names).
    typo = c.find("photovoltaic", "新民村")
    for a in c.assets:
        if a["subtype"] != "photovoltaic":
            continue
        vcode = a["villages"][0][0]
        for y in (2024, 2025):
            for m in range(1, 13):
                factor = 0.3 if (a is lowpv and (y, m) in ((2025, 6), (2025, 7))) else 1.0
                gross, costs = pv_month(c, a, y, m, factor)
                recv = d("%d-%02d-%02d" % (y + (m == 12), m % 12 + 1, rng.randint(8, 12)))
                body = {"period_start": "%d-%02d-01" % (y, m), "period_end": iso(month_end(y, m)), "gross_fen": gross,
                        "costs": costs, "net_fen": gross - sum(x["amount_fen"] for x in costs),
                        "payer": "贵州电网有限责任公司黔南惠水供电局", "received_on": iso(recv),
                        "account": "%s村集体光伏收益专户" % c.village[vcode]["name"]}
                if a is typo and (y, m) == (2024, 7):
                    # A clerk's slip: one digit too many, corrected three days later (红字更正).
                    wrong = dict(body, gross_fen=gross * 10, net_fen=gross * 10 - sum(x["amount_fen"] for x in costs))
                    ref = b.add(at(recv, 15, 10), "operator2", "income.report", a["code"], wrong)
                    b.add(at(recv + datetime.timedelta(days=3), 9, 45), "operator2", "correction", a["code"],
                          {"corrects": ref, "reason": "发电收入录入时多输一位，按供电局结算单更正", "body": body})
                    c.notes.append("更正：%s 2024 年 7 月收益录入错误，已红字更正" % a["name"])
                else:
                    ref = b.add(at(recv, 15, rng.randint(0, 50)), "operator2", "income.report", a["code"], body)
                c.incomes.append({"ref": ref, "asset": a, "net": body["net_fen"], "gross": gross, "received": recv})
    # Greenhouse rent: every half year, reported by the cooperative (好花红村, whose key the
    # lease names) or by the village clerk.
    for a in c.assets:
        if a["subtype"] != "greenhouse" or a is disposed:
            continue
        vcode = a["villages"][0][0]
        signer = "operator" if a["op"] == "hhh" else c.vkey(vcode)
        for y in (2024, 2025):
            for h in (1, 2):
                start, end = ("%d-01-01" % y, "%d-06-30" % y) if h == 1 else ("%d-07-01" % y, "%d-12-31" % y)
                recv = d(end) + datetime.timedelta(days=rng.randint(3, 12))
                body = {"period_start": start, "period_end": end, "gross_fen": a["rent"] // 2, "costs": [],
                        "net_fen": a["rent"] // 2,
                        "payer": c.t["operators"]["greenhouse_hhh"]["name"] if a["op"] == "hhh"
                        else c.t["operators"]["greenhouse"][a["op"]],
                        "received_on": iso(recv), "account": "%s股份经济合作社账户" % c.village[vcode]["name"]}
                ref = b.add(at(recv, rng=rng), signer, "income.report", a["code"], body)
                c.incomes.append({"ref": ref, "asset": a, "net": body["net_fen"], "gross": body["gross_fen"],
                                  "received": recv})
    # The workshop: quarterly rent, reported by 摆金村 (its first location).
    ws = [a for a in c.assets if a["subtype"] == "workshop"][0]
    for y in (2024, 2025):
        for q in range(4):
            end = month_end(y, 3 * q + 3)
            recv = end + datetime.timedelta(days=rng.randint(4, 9))
            body = {"period_start": "%d-%02d-01" % (y, 3 * q + 1), "period_end": iso(end), "gross_fen": 2250000,
                    "costs": [{"kind": "tax", "amount_fen": 67500}], "net_fen": 2182500, "payer": "贵州惠水锦绣服饰有限公司",
                    "received_on": iso(recv), "account": "摆金村股份经济合作社账户（三村联建代管）"}
            ref = b.add(at(recv, rng=rng), "village5", "income.report", ws["code"], body)
            c.incomes.append({"ref": ref, "asset": ws, "net": 2182500, "gross": 2250000, "received": recv})


def shares(total, locations):
    """A shared asset's figure split by share_bp, rounded down, the remainder to the first."""
    parts = [total * bp // 10000 for _, bp in locations]
    parts[0] += total - sum(parts)
    return {code: p for (code, _), p in zip(locations, parts)}


LINES = [("public_jobs", 40, "公益性岗位工资：保洁员、护路员、管水员"),
         ("small_public_works", 25, "村组道路、饮水设施小型维修"),
         ("awards_aid", 15, "无劳动能力脱贫户、监测户生活补助及产业奖补"),
         ("o_and_m", 10, "光伏电站及公益性资产运行管护"),
         ("collective_economy", 10, "发展壮大村集体经济")]


def allocation(c):
    """Yearly plans per village: sources, lines, 四议, review, filing, publicity, payouts."""
    b, rng = c.book, c.rng
    plans = []
    stale = 0
    for year in (2024, 2025):
        lo = d("2024-01-01") if year == 2024 else d("2024-12-11")
        hi = d("%d-12-10" % year)
        for v in c.villages:
            vc = v["code"]
            sources = []
            for inc in c.incomes:
                if not (lo <= inc["received"] <= hi):
                    continue
                if v["name"] == "甲浪村" and year == 2024 and inc["received"] < d("2024-07-01"):
                    stale += shares(inc["net"], inc["asset"]["villages"]).get(vc, 0)
                    continue  # left unallocated (stale income, irregular on purpose)
                part = shares(inc["net"], inc["asset"]["villages"]).get(vc)
                if part:
                    sources.append({"income": inc["ref"], "amount_fen": part})
            total = sum(s["amount_fen"] for s in sources)
            if not total:
                continue
            spec = list(LINES)
            if v["name"] == "冗章村" and year == 2025:
                spec = [("public_jobs", 36, LINES[0][2]), ("small_public_works", 24, LINES[1][2]),
                        ("awards_aid", 14, LINES[2][2]), ("o_and_m", 10, LINES[3][2]),
                        ("other", 16, "村委会办公经费及偿还村级修路欠款")]
                c.notes.append("冗章村 2025 年分配方案列支“村委会办公经费及偿还村级修路欠款”（负面清单用途）")
            if v["name"] == "高寨村" and year == 2024:
                spec = [LINES[0], LINES[1], ("awards_aid", 15, "全村按户平均发放，每户 200 元"), LINES[3], LINES[4]]
                c.notes.append("高寨村 2024 年分配方案奖励补助“全村按户平均发放”（简单平均分配）")
            lines = []
            for purpose, pct, desc in spec:
                lines.append({"purpose": purpose, "description": desc, "amount_fen": total * pct // 100})
            lines[0]["amount_fen"] += total - sum(x["amount_fen"] for x in lines)
            day0 = d("%d-12-01" % year)
            steps = []
            for i, step in enumerate(("proposal", "committees", "party_members", "villagers_meeting")):
                sd = day0 + datetime.timedelta(days=3 * i + rng.randint(0, 2))
                steps.append({"step": step, "date": iso(sd), "minutes_sha256": sha("%s %d %s 会议记录" % (v["name"], year, step))})
            pid = "PL%s-%d" % (vc, year)
            body = {"village": vc, "year": year, "sources": sources, "lines": lines, "steps": steps}
            tk = v["township"]["key"]
            plan = {"id": pid, "village": v, "year": year, "total": total, "lines": lines, "state": "drafted"}
            plans.append(plan)
            if v["name"] == "新民村" and year == 2025:
                # Returned by the township, corrected, then approved (the plan's correction).
                first = dict(body, lines=[{"purpose": "small_public_works", "description": "村组道路硬化及维修",
                                           "amount_fen": total * 70 // 100},
                                          {"purpose": "collective_economy", "description": "入股县农投公司",
                                           "amount_fen": total - total * 70 // 100}])
                ref = b.add(at("%d-12-15" % year, 10, 0), v["key"], "allocation.plan", pid, first)
                b.add(at("%d-12-17" % year, 15, 0), tk, "allocation.review", pid,
                      {"decision": "returned", "note": "未安排公益性岗位和无劳动能力户补助，请按“四议两公开”重新议定"})
                steps2 = steps[:3] + [dict(steps[3], date="%d-12-19" % year,
                                           minutes_sha256=sha("%s %d 重新议定 会议记录" % (v["name"], year)))]
                b.add(at("%d-12-20" % year, 9, 30), v["key"], "correction", pid,
                      {"corrects": ref, "reason": "按乡镇审核意见重新议定", "body": dict(body, steps=steps2)})
                rev, fil, start = "%d-12-22" % year, "%d-12-24" % year, d("%d-12-25" % year)
                c.notes.append("新民村 2025 年分配方案被镇政府退回，更正后重新审核通过")
            else:
                b.add(at("%d-12-15" % year, rng=rng), v["key"], "allocation.plan", pid, body)
                rev, fil = "%d-12-%02d" % (year, rng.randint(16, 18)), "%d-12-%02d" % (year, rng.randint(19, 21))
                start = d("%d-12-%02d" % (year, rng.randint(22, 23)))
            b.add(at(rev, rng=rng), tk, "allocation.review", pid, {"decision": "approved", "note": "经审核，同意"})
            b.add(at(fil, rng=rng), "county", "allocation.filed", pid, {"note": "已备案"})
            plan["state"] = "filed"
            if v["name"] == "打引村" and year == 2025:
                # Not yet publicised: the village has not posted the notice (plan stays filed).
                c.notes.append("打引村 2025 年分配方案已备案但未公示、未兑付")
                continue
            end = start + datetime.timedelta(days=6)  # 7 days, start and end included
            b.add(at(start, rng=rng), v["key"], "notice.publish", pid,
                  {"kind": "allocation", "start": iso(start), "end": iso(end),
                   "content_sha256": sha("%s %d 收益分配方案公示" % (v["name"], year)), "place": "%s村务公开栏" % v["name"]})
            plan["state"] = "publicised"
            payouts(c, plan, v, end, partial=(v["name"] == "岩脚村" and year == 2025))
    c.notes.append("甲浪村 2024 年 1–6 月收益 %s 元未纳入任何分配方案，结存超过 12 个月" % yuan(stale))
    # Annual notices of the year's results (January), but 冗章村 skipped 2024's.
    for year in (2024, 2025):
        for v in c.villages:
            if v["name"] == "冗章村" and year == 2024:
                continue
            start = d("%d-01-%02d" % (year + 1, rng.randint(25, 28)))
            b.add(at(start, rng=rng), v["key"], "notice.publish", v["code"],
                  {"kind": "annual", "start": iso(start), "end": iso(start + datetime.timedelta(days=9)),
                   "content_sha256": sha("%s %d 年度资产收益及分配结果公示" % (v["name"], year)),
                   "place": "%s村务公开栏" % v["name"]})
    c.notes.append("冗章村未公示 2024 年度收益分配结果")
    return plans


def payouts(c, plan, v, end, partial=False):
    b, rng = c.book, c.rng
    seq = 0
    paid_total = 0
    for i, line in enumerate(plan["lines"]):
        amount = line["amount_fen"]
        if line["purpose"] == "public_jobs":
            payees = [("person", "ID-%s" % sha(n)[:10], n) for n in (c.person() for _ in range(rng.randint(3, 6)))]
        elif line["purpose"] == "awards_aid":
            homes = [a["household"] for a in c.assets if a["cls"] == "household" and a["villages"][0][0] == v["code"]]
            payees = [("household", hid, name) for hid, name in rng.sample(homes, min(len(homes), rng.randint(4, 8)))]
            if "平均" in line["description"]:
                payees = [("household", hid, name) for hid, name in homes]  # every household alike (flat-split)
        elif line["purpose"] == "small_public_works":
            payees = [("project", "WX-%s-%d" % (v["code"][-6:], plan["year"]), "%s村组道路及饮水设施维修" % v["name"])]
        elif line["purpose"] == "o_and_m":
            payees = [("org", "91522731MA6DQ%05d" % rng.randint(0, 99999), "惠水县黔光新能源运维有限公司")]
        elif line["purpose"] == "collective_economy":
            payees = [("org", v["code"], "%s股份经济合作社" % v["name"])]
        else:
            payees = [("org", v["code"], "%s村民委员会" % v["name"])]
        if partial and line["purpose"] == "awards_aid":
            payees = payees[: max(1, len(payees) // 2)]
            amount = amount // 2
        parts = [amount // len(payees)] * len(payees)
        parts[0] += amount - sum(parts)
        for (kind, pid, name), amt in zip(payees, parts):
            seq += 1
            day = end + datetime.timedelta(days=rng.randint(1, 20))
            b.add(at(day, rng=rng), v["key"], "allocation.payout", plan["id"],
                  {"line": i, "payee": {"kind": kind, "id": pid, "name": name}, "amount_fen": amt,
                   "paid_on": iso(day), "voucher_no": "%s-%d-%03d" % (v["code"][-3:], plan["year"], seq)})
            paid_total += amt
    plan["paid"] = paid_total
    plan["state"] = "paying" if partial else "closed"
    if partial:
        c.notes.append("%s %d 年分配方案兑付未完成（奖励补助仅兑付一半）" % (v["name"], plan["year"]))


def taizhang_projects(c):
    """The projects of the demo 台账: those whose assets each lie in one village (the importer
    does not take an asset shared by several villages: the 联建 workshop stays in the seed)."""
    return [p for p in c.projects if all(len(a["villages"]) == 1 for a in p["assets"])]


# ---------------------------------------------------------------- submission

def submit_all(client, code, items):
    """Submits in batches; returns (new, replayed, refusals)."""
    new = replayed = 0
    refusals = []
    for i in range(0, len(items), BATCH):
        chunk = items[i:i + BATCH]
        r = client.submit(code, [env for _, env in chunk])
        if r.status != 200:
            raise SystemExit("seed: batch at %d answered %d: %s" % (i, r.status, r.body[:500].decode("utf-8", "replace")))
        for j, res in enumerate(r.json["results"]):
            st = res["status"]
            if st == 201:
                new += 1
            elif st == 200:
                replayed += 1
            else:
                ev = chunk[j][0]
                p = res.get("problem") or {}
                refusals.append((i + j, ev, st, p))
    return new, replayed, refusals


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", default=os.environ.get("AIDREG_URL", "http://127.0.0.1:8080"))
    ap.add_argument("--code", default=os.environ.get("AIDREG_LEDGER", "522731"))
    ap.add_argument("--origin", default=None)
    ap.add_argument("--keys", default=os.environ.get("AIDREG_KEYS_DIR"))
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--dry-run", action="store_true", help="build and count the entries, submit nothing")
    ap.add_argument("--taizhang", action="store_true",
                    help="leave the projects and assets of the demo 台账 (tools/demo/demo-taizhang.csv) to `aidreg import`")
    ap.add_argument("--before", metavar="TIME", help="only the entries signed before TIME (RFC 3339 UTC)")
    ap.add_argument("--after", metavar="TIME", help="only the entries signed at or after TIME")
    args = ap.parse_args()
    if not args.keys:
        raise SystemExit("seed: --keys (or AIDREG_KEYS_DIR) is required")
    origin = args.origin or os.environ.get("AIDREG_ORIGIN") or "%s/%s" % (
        os.environ.get("AIDREG_LOG_HOST", "dev.aidreg.local"), args.code)
    with open(TABLES, encoding="utf-8") as f:
        tables = json.load(f)
    if tables["county"]["code"] != args.code:
        raise SystemExit("seed: the tables describe county %s, not %s" % (tables["county"]["code"], args.code))

    t0 = _time.monotonic()
    keys = Keys(args.keys, args.seed)
    book = Book(origin, keys)
    county = County(tables, args.seed, book)
    county.build_assets()
    if args.taizhang:
        county.imported = {p["code"] for p in taizhang_projects(county)}
    plans = history(county, keys)
    items = [(ev, env) for ev, env in book.envelopes()
             if (not args.before or ev["time"] < args.before) and (not args.after or ev["time"] >= args.after)]
    latest = max(ev["time"] for ev, _ in items)
    if latest > ac.now_rfc3339():
        raise SystemExit("seed: an event time (%s) is in the future" % latest)

    n_assets = len(county.assets)
    by_class = {}
    for a in county.assets:
        by_class[a["cls"]] = by_class.get(a["cls"], 0) + 1
    gross = sum(i["gross"] for i in county.incomes)
    net = sum(i["net"] for i in county.incomes)
    print("seed: %d entries for %s (%d projects, %d assets: %s; %d income reports, %d plans)" % (
        len(items), args.code, len(county.projects), n_assets,
        ", ".join("%s %d" % kv for kv in sorted(by_class.items())), len(county.incomes), len(plans)))
    if args.dry_run:
        for k, n in sorted(book.kinds.items()):
            print("  %-20s %5d" % (k, n))
        return 0

    client = ac.Client(base_url=args.server)
    new, replayed, refusals = submit_all(client, args.code, items)
    elapsed = _time.monotonic() - t0
    print("seed: %d accepted, %d replayed, %d refused in %.1f s" % (new, replayed, len(refusals), elapsed))
    print("seed: income %s yuan gross, %s yuan net over 2024-2025" % (yuan(gross), yuan(net)))
    r = client.get("/v1/ledgers/%s/summary" % args.code) if not args.before else None
    if r is not None and r.status == 200:
        s = r.json
        print("seed: the server's summary: %s assets, original value %s yuan; income %s yuan net, %s allocated, "
              "%s paid, %s unallocated" % (
                  (s.get("assets") or {}).get("total"), s.get("original_value_yuan"), s.get("income_net_yuan"),
                  s.get("allocated_yuan"), s.get("paid_yuan"), s.get("unallocated_yuan")))
    if not args.before:
        print("seed: irregularities left for the audit to find:")
        for n in county.notes:
            print("  - " + n)
    if refusals:
        print("seed: %d entries were refused:" % len(refusals), file=sys.stderr)
        for k, ev, st, p in refusals:
            print("  #%d %s %s (%s): %d %s %s %s" % (k, ev["type"], ev["subject"], ev["time"], st,
                                                      (p.get("type") or "").replace(ac.PROBLEM_PREFIX, ""),
                                                      p.get("field") or "", p.get("detail") or ""), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
