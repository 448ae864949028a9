"""The demo county takes a county's path (issue 7 part 5): its places are registered with
their names, and its assets come from its 台账 (tools/demo/demo-taizhang.csv, written by
tools/demo/taizhang.py) through `aidreg import`, signed by the county key at the 清产核资 of
January 2024; the workshop shared by three villages, which a row cannot hold, is the seed's."""

import csv
import os
import subprocess
import sys

from aidreg_client import Client, Skip

C = Client()
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TAIZHANG = os.path.join(ROOT, "tools", "demo", "demo-taizhang.csv")


def code():
    c = os.environ.get("AIDREG_LEDGER")
    if not c:
        raise Skip("no demo ledger (AIDREG_LEDGER)")
    return c


def listing(what):
    out, start = [], 0
    while True:
        r = C.get("/v1/ledgers/%s/%s?from=%d&limit=1000" % (code(), what, start))
        assert r.status == 200, r
        out += r.json["items"]
        if r.json["next"] is None:
            return out
        start = r.json["next"]


def test_the_committed_taizhang_is_what_the_script_writes():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "demo", "taizhang.py"), "--check"],
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_places_have_names():
    r = C.get("/v1/ledgers/%s/places" % code())
    assert r.status == 200, r
    names = {p["code"]: p["name"] for p in r.json["items"]}
    assert names[code() + "104"] == "好花红镇" and names[code() + "104201"] == "好花红村", names
    assert all(n and n != c for c, n in names.items()), names


def test_assets_are_the_taizhangs():
    with open(TAIZHANG, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    head = rows[2]
    col = {h: i for i, h in enumerate(head)}
    body = [r for r in rows[3:] if r[0] != "合计"]
    assert len(body) > 250, len(body)
    assets = {a["id"]: a for a in listing("assets")}
    for r in body:
        a = assets[r[col["资产编号"]]]
        yuan = r[col["资产原值（元）"]].replace(",", "")
        assert a["original_value_fen"] == int(yuan.replace(".", "")), (a, r)
        assert a["name"] == r[col["资产名称"]] and a["village"] == r[col["村代码"]], (a, r)
        assert a["subtype"] == r[col["资产类型"]] and a["accepted_on"] == r[col["竣工验收日期"]], (a, r)
    # The entry that registered one of them: the county key, at the 清产核资 (2024-01-08).
    first = body[0][col["资产编号"]]
    h = C.get("/v1/ledgers/%s/assets/%s" % (code(), first))
    assert h.status == 200, h
    hist = h.json.get("history") or []
    assert hist and hist[0]["type"] == "asset.register" and hist[0]["event"]["time"] == "2024-01-08T00:55:00Z", hist[:1]
    assert hist[0]["signers"][0]["role"] == "county", hist[0]
    # The shared workshop is not in the 台账, and is in the ledger all the same.
    ws = [a for a in assets.values() if "扶贫车间" in a["name"]]
    assert ws and ws[0]["id"] not in {r[col["资产编号"]] for r in body}, ws
