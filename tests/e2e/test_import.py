"""aidreg import: a messy 台账 as Chinese Excel leaves it, into a fresh county ledger.

The sheet (tests/import/taizhang.py) has title rows, amounts in 万元, a merged project cell,
a blank line, a 合计 row that does not match, and a bad row of every kind the importer
refuses. Checked: the report (every row, its outcome, column and reason), the assets in the
ledger, that nothing of a refused row is stored, that GB18030 CSV and XLSX of the same
content give the same codes, that a second import registers nothing, and that a kill -9 in
the middle of a large import followed by a rerun leaves every row registered exactly once."""

import csv
import io
import os
import signal
import subprocess
import sys
import tempfile
import time

from aidreg_client import Client, new_ledger, unchanged

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "import"))
import taizhang  # noqa: E402

C = Client()
L = None
TMP = None
KEY = None
TOWN = V1 = V2 = None
EXPECT = TOTAL_ROW = None


def build_dir():
    d = os.environ.get("AIDREG_BUILD_DIR")
    return d or os.path.join(ROOT, "build")


def cli(*args, timeout=600):
    env = dict(os.environ)
    env["AIDREG_LEDGER"] = L.code
    env.pop("AIDREG_ORIGIN", None)
    p = subprocess.run([os.path.join(build_dir(), "aidreg"), "import"] + list(args), env=env, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def report(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data.startswith(b"\xef\xbb\xbf"), "the report starts with a BOM (Excel opens it as UTF-8)"
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    head, body = rows[0], rows[1:]
    assert head[0].startswith("行号") and head[2].startswith("结果"), head
    return {int(r[0]): r for r in body}


def assets():
    out, start = [], 0
    while True:
        r = C.get("/v1/ledgers/%s/assets?from=%d&limit=1000" % (L.code, start))
        assert r.status == 200, r
        out += r.json["items"]
        if r.json["next"] is None:
            return out
        start = r.json["next"]


def write(name, data):
    p = os.path.join(TMP, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def setup_module():
    global L, TMP, KEY, TOWN, V1, V2, EXPECT, TOTAL_ROW
    L = new_ledger(C, "52")
    k = L.enroll("root", "county", "county", L.code)
    TMP = tempfile.mkdtemp(prefix="aidreg-import-")
    k.write_pem(os.path.join(TMP, "county"))
    KEY = os.path.join(TMP, "county.key")
    TOWN = L.code + "104"
    V1, V2 = TOWN + "201", TOWN + "202"
    for code, name in ((TOWN, "好花红镇"), (V1, "好花红村"), (V2, "新民村"), (L.code + "105", "摆金镇"),
                       (L.code + "105201", "新民村")):
        assert L.submit("county", "place.register", code, {"name": name}).status == 201
    # An asset registered by hand before the import: the sheet lists it again.
    r = L.submit("county", "project.register", "P-OLD", {
        "name": "蔬菜大棚项目", "type": "industry", "year": 2020,
        "funding_lines": [{"channel": "衔接资金", "year": 2020, "amount_fen": 8000000}], "locations": [V1],
        "industry_dept": "县农业农村局", "implementing_unit": "好花红镇人民政府"})
    assert r.status == 201, r
    r = L.submit("county", "asset.register", "A-OLD", {
        "project": "P-OLD", "name": "蔬菜大棚", "class": "operating", "subtype": "大棚", "form": "fixed", "village": V1,
        "original_value_fen": 8000000, "quantity": 1, "unit": "座", "completed_on": "2020-10-01",
        "accepted_on": "2020-10-01"})
    assert r.status == 201, r
    kw = dict(county=L.code, township_name="好花红镇", village_names=("好花红村", "新民村"), village_codes=(V1, V2),
              existing=("蔬菜大棚", "好花红村", 8))
    rows, merges, EXPECT, TOTAL_ROW = taizhang.messy_rows(xlsx_cells=True, **kw)
    write("messy.xlsx", taizhang.xlsx(rows, merges))
    rows, _, _, _ = taizhang.messy_rows(**kw)
    write("messy-gb18030.csv", taizhang.csv_bytes(rows, "gb18030"))
    write("messy-utf8.csv", taizhang.csv_bytes(rows, "utf-8", bom=True))


def check_refusals(rep):
    for rownum, (kind, col, why) in EXPECT.items():
        r = rep[rownum]
        if kind != "refused":
            continue
        assert r[2].startswith("拒绝"), r
        assert r[7].startswith("第 %s 列" % col), "row %d: column %r, expected %s" % (rownum, r[7], col)
        assert why in r[8], "row %d: reason %r lacks %r" % (rownum, r[8], why)
        assert r[9], "row %d has no English reason" % rownum
        assert r[1] == str(rownum - 3), "row %d: 序号 %r" % (rownum, r[1])


def test_dry_run_of_gb18030_csv_stores_nothing():
    out = os.path.join(TMP, "dry.csv")
    with unchanged(L):
        rc, so, se = cli(write("x.csv", open(os.path.join(TMP, "messy-gb18030.csv"), "rb").read()), "--dry-run",
                         "--report", out)
    assert rc == 1, (rc, so, se)
    assert "GB18030" in se and "万元" in se, se
    assert "将登记 would register: 5" in so and "拒绝 refused: 8" in so, so
    rep = report(out)
    for rownum, (kind, _, _) in EXPECT.items():
        if kind == "good":
            assert rep[rownum][2].startswith("将登记"), rep[rownum]
            assert rep[rownum][3].startswith("A%s-" % L.code), rep[rownum]
    check_refusals(rep)
    assert "2021-06-01" in rep[8][10] and "1 日" in rep[8][10], rep[8]  # 2021年6月
    tot = rep[TOTAL_ROW]
    assert tot[2].startswith("合计"), tot
    # stated 1500 万元; the rows that read as amounts add up to another sum
    assert "相差" in tot[10], tot
    assert "15000000.00" in tot[10], tot


def test_import_xlsx():
    out = os.path.join(TMP, "real.csv")
    before = {a["id"] for a in assets()}
    rc, so, se = cli(os.path.join(TMP, "messy.xlsx"), "--key", KEY, "--report", out)
    assert rc == 1, (rc, so, se)  # some rows were refused
    assert "已登记 registered: 5" in so and "拒绝 refused: 8" in so, so
    rep = report(out)
    check_refusals(rep)
    got = {a["id"]: a for a in assets()}
    new = {k: v for k, v in got.items() if k not in before}
    assert len(new) == 5, sorted(a["name"] for a in new.values())
    by_name = {a["name"]: a for a in new.values()}
    for rownum, (kind, name, _) in EXPECT.items():
        if kind == "good":
            assert rep[rownum][2].startswith("已登记"), rep[rownum]
            assert rep[rownum][3] in new, rep[rownum]
    # 万元 with a thousands separator, exactly; the merged project cell; dates in every form.
    assert by_name["好花红村光伏电站"]["original_value_fen"] == 12500000, by_name["好花红村光伏电站"]
    assert by_name["新民村光伏电站"]["original_value_fen"] == 1234567800, by_name["新民村光伏电站"]
    assert by_name["新民村光伏电站"]["project"] == by_name["好花红村光伏电站"]["project"]
    assert by_name["新民村光伏电站"]["village"] == V2  # 新民村 of 好花红镇, not of 摆金镇
    assert by_name["新民村通组路"]["village"] == V2 and by_name["新民村通组路"]["quantity"] == 2.5
    assert by_name["到户肉牛"]["accepted_on"] == "2021-06-01" and by_name["到户肉牛"]["form"] == "biological"
    for a in new.values():
        if a["name"] != "到户肉牛":
            assert a["accepted_on"] == "2021-06-30", a
    pv = by_name["好花红村光伏电站"]
    assert pv["certificate_no"] == "HS-QQ-2021-001", pv
    assert pv["owners"][0]["kind"] == "village_collective" and pv["owners"][0]["id"] == V1, pv
    assert pv["maintainer"] and by_name["新民村通组路"]["maintainer"], by_name["新民村通组路"]
    # Nothing of a refused row is stored: no 冷库, and the hand-registered 蔬菜大棚 only once.
    assert not [a for a in got.values() if a["name"].startswith("冷库")]
    assert [a["id"] for a in got.values() if a["name"] == "蔬菜大棚"] == ["A-OLD"]
    r = C.get("/v1/ledgers/%s/projects?limit=1000" % L.code)
    names = sorted(p["name"] for p in r.json["items"])
    assert names == sorted(["蔬菜大棚项目", "村级光伏电站项目", "通组路硬化项目", "肉牛养殖到户项目"]), names


def test_second_import_and_the_csv_register_nothing():
    with unchanged(L):
        for f in ("messy.xlsx", "messy-gb18030.csv", "messy-utf8.csv"):
            out = os.path.join(TMP, "again.csv")
            rc, so, se = cli(os.path.join(TMP, f), "--key", KEY, "--report", out)
            assert rc == 1, (f, rc, so, se)
            assert "已登记 registered: 0" in so and "此前已登记 already registered: 5" in so, (f, so)
            rep = report(out)
            for rownum, (kind, _, _) in EXPECT.items():
                if kind == "good":
                    assert rep[rownum][2].startswith("此前已登记"), (f, rep[rownum])
            check_refusals(rep)


def test_mapping_file_and_unit_option():
    rows = [["资产清单"], ["编码", "名字", "性质", "村", "金额", "完工"],
            ["", "村部活动室", "公益性", "好花红村", "12,000", "2022-05-01"]]
    mp = write("map.txt", "# 本县的表头\n名字 = 资产名称\n性质 = class\n金额 = 资产原值\n完工 = 竣工验收日期\n编码 = ignore\n"
               .encode("utf-8"))
    p = write("mapped.csv", taizhang.csv_bytes(rows))
    out = os.path.join(TMP, "mapped-report.csv")
    with unchanged(L):
        rc, so, se = cli(p, "--mapping", mp, "--unit", "万元", "--dry-run", "--report", out)
    assert rc == 0, (rc, so, se)
    rep = report(out)
    assert rep[3][2].startswith("将登记") and rep[3][6] == "120000000.00", rep[3]
    with unchanged(L):
        rc, so, se = cli(p, "--dry-run")
    assert rc != 0 and "表头" in se, (rc, so, se)


def test_every_other_refusal_stores_nothing():
    head = ["序号", "资产名称", "资产类别", "所在村", "村代码", "资产原值（元）", "竣工验收日期", "数量", "资产编号", "产权主体",
            "确权证书编号", "资金年度"]
    rows = [head,
            ["1", "未来的路", "公益性", "好花红村", "", "100", "2099-01-01", "", "", "", "", ""],
            ["2", "怪类别", "半公益", "好花红村", "", "100", "2022-01-01", "", "", "", "", ""],
            ["3", "重名村的桥", "公益性", "新民村", "", "100", "2022-01-01", "", "", "", "", ""],
            ["4", "未登记村的井", "公益性", "", L.code + "104299", "100", "2022-01-01", "", "", "", "", ""],
            ["5", "负数量", "公益性", "好花红村", "", "100", "2022-01-01", "-2", "", "", "", ""],
            ["6", "坏编号", "公益性", "好花红村", "", "100", "2022-01-01", "", "A 6/x", "", "", ""],
            ["7", "只有证书", "公益性", "好花红村", "", "100", "2022-01-01", "", "", "", "QQ-7", ""],
            ["8", "分以下", "公益性", "好花红村", "", "100.001", "2022-01-01", "", "", "", "", ""],
            ["9", "坏日期", "公益性", "好花红村", "", "100", "2022年13月", "", "", "", "", ""],
            ["10", "坏年度", "公益性", "好花红村", "", "100", "2022-01-01", "", "", "", "", "1999"],
            ["11", "", "公益性", "好花红村", "", "100", "2022-01-01", "", "", "", "", ""],
            ["12", "缺村", "公益性", "", "", "100", "2022-01-01", "", "", "", "", ""],
            ["13", "缺日期", "公益性", "好花红村", "", "100", "", "", "", "", "", ""],
            ["14", "缺原值", "公益性", "好花红村", "", "", "2022-01-01", "", "", "", "", ""],
            ["15", "A-OLD 另一资产", "公益性", "好花红村", "", "100", "2022-01-01", "", "A-OLD", "", "", ""]]
    want = {2: ("G", "晚于今天"), 3: ("C", "无法识别"), 4: ("D", "不止一个"), 5: ("E", "未在本县区划中登记"),
            6: ("H", "负数"), 7: ("I", "资产编号"), 8: ("J", "缺少产权主体"), 9: ("F", "精确到分以下"),
            10: ("G", "不存在的日期"), 11: ("L", "资金年度"), 12: ("B", "缺少资产名称"), 13: ("D", "缺少所在村"),
            14: ("G", "缺少竣工验收日期"), 15: ("F", "缺少资产原值"), 16: ("I", "另一资产")}
    out = os.path.join(TMP, "refusals.csv")
    with unchanged(L):
        rc, so, se = cli(write("refusals.csv", taizhang.csv_bytes(rows, "gb18030")), "--key", KEY, "--report", out)
    assert rc == 1 and "拒绝 refused: %d" % len(want) in so, (rc, so, se)
    rep = report(out)
    for rownum, (col, why) in want.items():
        r = rep[rownum]
        assert r[2].startswith("拒绝") and r[7].startswith("第 %s 列" % col) and why in r[8] and r[9], (rownum, r)
    assert not [a for a in assets() if a["name"] in {r[1] for r in rows[1:]}]


def test_a_later_sheet_with_owners_completes_the_rights():
    head = ["资产名称", "资产类别", "所在乡镇", "所在村", "资产原值", "竣工验收日期"]
    body = [["村卫生室", "公益性", "好花红镇", "好花红村", "250,000.00", "2023-09-15"],
            ["文化广场", "公益性", "好花红镇", "新民村", "86000", "2023-10-01"]]
    first = write("no-owner.csv", taizhang.csv_bytes([head] + body))
    rc, so, se = cli(first, "--key", KEY)
    assert rc == 0 and "已登记 registered: 2" in so, (rc, so, se)
    second = write("owner.csv", taizhang.csv_bytes([head + ["产权主体", "确权证书编号"]] +
                                                   [r + ["村集体经济组织", "QQ-%d" % i] for i, r in enumerate(body)]))
    out = os.path.join(TMP, "owners.csv")
    rc, so, se = cli(second, "--dry-run", "--report", out)
    assert rc == 0 and "将补登确权或管护 would complete: 2" in so, (rc, so, se)
    assert all(r[2].startswith("将补登") for r in report(out).values()), report(out)
    size = L.size()
    rc, so, se = cli(second, "--key", KEY, "--report", out)
    assert rc == 0 and "补登确权或管护 completed: 2" in so and "已登记 registered: 0" in so, (rc, so, se)
    assert L.size() == size + 2  # two asset.rights, no asset.register
    got = {a["name"]: a for a in assets()}
    assert got["村卫生室"]["original_value_fen"] == 25000000 and got["村卫生室"]["certificate_no"] == "QQ-0"
    assert got["文化广场"]["owners"][0]["kind"] == "village_collective" and got["文化广场"]["owners"][0]["id"] == V2
    with unchanged(L):
        rc, so, se = cli(second, "--key", KEY)
    assert rc == 0 and "此前已登记 already registered: 2" in so, (rc, so, se)


def test_kill_9_then_rerun_completes_without_duplicates():
    n = 4000
    rows = [["大批量台账"], ["序号", "项目名称", "资产名称", "资产类别", "村代码", "资产原值", "竣工验收日期", "产权主体",
                             "管护主体", "管护责任人"]]
    for i in range(n):
        v = V1 if i % 2 else V2
        rows.append([str(i + 1), "批量项目%02d" % (i % 7), "批量资产%05d" % i, "公益性", v, "%d.%02d" % (1000 + i, i % 100),
                     "2022-03-%02d" % (1 + i % 28), "村股份经济合作社", "村委会", "管护员%d" % i])
    p = write("big.csv", taizhang.csv_bytes(rows))
    start = L.size()
    env = dict(os.environ, AIDREG_LEDGER=L.code)
    env.pop("AIDREG_ORIGIN", None)
    proc = subprocess.Popen([os.path.join(build_dir(), "aidreg"), "import", p, "--key", KEY], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and L.size() < start + 2500:
        time.sleep(0.02)
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    mid = L.size()
    assert killed, "the import ended before it could be killed (%d entries)" % (mid - start)
    assert start < mid < start + 3 * n + 7, (start, mid)
    out = os.path.join(TMP, "rerun.csv")
    rc, so, se = cli(p, "--key", KEY, "--report", out)
    assert rc == 0, (rc, so, se)
    rep = report(out)
    outcomes = [r[2] for k, r in rep.items() if k >= 3]
    assert len(outcomes) == n and all(o.startswith(("已登记", "此前已登记", "补登")) for o in outcomes), \
        {o: outcomes.count(o) for o in set(outcomes)}
    assert any(o.startswith("此前已登记") for o in outcomes) and any(o.startswith("已登记") for o in outcomes)
    big = [a for a in assets() if a["name"].startswith("批量资产")]
    assert len(big) == n and len({a["name"] for a in big}) == n, len(big)
    assert all(a["owners"] and a["maintainer"] for a in big)
    # Each entry once: n assets, n rights, n maintainers, 7 projects.
    types = {}
    for e in C.all_entries(L.code)[start:]:
        types[e["event"]["type"]] = types.get(e["event"]["type"], 0) + 1
    assert types == {"project.register": 7, "asset.register": n, "asset.rights": n, "asset.maintainer": n}, types
    with unchanged(L):
        rc, so, se = cli(p, "--key", KEY)
    assert rc == 0 and "此前已登记 already registered: %d" % n in so, (rc, so, se)


def test_a_batch_the_server_cannot_take_now_is_sent_again():
    """503 (or 429) for a whole batch is not a refusal of its rows: the importer waits and
    sends the batch again, and the rows are registered once."""
    import http.server
    import threading
    import urllib.error
    import urllib.request

    posts = []

    class Proxy(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def forward(self, body=None):
            req = urllib.request.Request(C.base + self.path, data=body, method=self.command,
                                         headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    status, headers, data = r.status, r.headers, r.read()
            except urllib.error.HTTPError as e:
                status, headers, data = e.code, e.headers, e.read()
            self.send_response(status)
            for k in ("Content-Type", "Retry-After"):
                if headers.get(k):
                    self.send_header(k, headers[k])
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self.forward()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            posts.append(self.path)
            if self.path.endswith("/entries") and len(posts) == 1:
                data = b'{"type":"urn:aidreg:problem:unavailable","title":"unavailable","status":503}'
                self.send_response(503)
                self.send_header("Content-Type", "application/problem+json")
                self.send_header("Retry-After", "1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            self.forward(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        head = ["资产名称", "资产类别", "所在乡镇", "所在村", "资产原值", "竣工验收日期"]
        body = [["村级光伏电站", "经营性", "好花红镇", "好花红村", "120,000.00", "2022-06-30"]]
        f = write("retry.csv", taizhang.csv_bytes([head] + body))
        size = L.size()
        rc, so, se = cli(f, "--key", KEY, "--server", "http://127.0.0.1:%d" % srv.server_port)
        assert rc == 0 and "已登记 registered: 1" in so, (rc, so, se)
        assert "重试" in se and "retrying" in se, se
        assert len([p for p in posts if p.endswith("/entries")]) == 2, posts
        assert L.size() == size + 2  # its project and its asset, once
    finally:
        srv.shutdown()
