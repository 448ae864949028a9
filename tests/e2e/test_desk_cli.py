"""The CLI for people against the real server: aidreg assets | asset ID | plans | plan ID |
places | keys | incomes | summary print aligned tables (East Asian wide characters count two
columns) with Chinese labels, names beside codes and yuan, or the server's JSON with --json;
a refusal of the server is exit status 1 with its message; `aidreg sign` shows what it signs
and `aidreg submit` says 已记录 with the index. The county is the one test_desk_api builds."""

import json
import os
import subprocess
import tempfile
import unicodedata

import test_desk_api as D
from aidreg_client import Client

C = Client()
CLI = None


def setup_module():
    global CLI
    d = os.environ.get("AIDREG_BUILD_DIR") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build")
    CLI = os.path.join(d, "aidreg")
    assert os.access(CLI, os.X_OK), CLI
    D.setup_module()


def aidreg(*args, ok=True):
    env = dict(os.environ, AIDREG_URL=C.base, AIDREG_LEDGER=D.L.code)
    p = subprocess.run([CLI] + list(args), env=env, capture_output=True, text=True, timeout=120)
    if ok:
        assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
    return p


def width(s):
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def table(out):
    """The lines of the table: header, rule, rows (the count line after it left out)."""
    lines = out.rstrip("\n").split("\n")
    assert set(lines[1]) == {"-"}, out
    return [l for l in lines if not l.startswith("共 ")]


def columns_aligned(out, right_last=True):
    rows = table(out)
    # Every column starts at the same display column: the header's column starts are where
    # each row has two spaces followed by a non-space, measured in display width.
    header = rows[0]
    starts, w, prev = [], 0, ""
    for i, ch in enumerate(header):
        if i >= 2 and header[i - 2:i] == "  " and ch != " ":
            starts.append(w)
        w += width(ch)
    for r in rows[2:]:
        w, pos = 0, []
        for i, ch in enumerate(r):
            if i >= 2 and r[i - 2:i] == "  " and ch != " ":
                pos.append(w)
            w += width(ch)
        # A left-aligned cell starts at the column's start; right-aligned cells end at its end.
        for s in starts:
            assert any(p <= s for p in pos), (s, pos, r)
    if right_last:
        ends = {width(r.rstrip()) for r in rows if r and not set(r) == {"-"}}
        rule = width(rows[1])
        assert ends == {rule}, (ends, rule, out)


def test_assets():
    out = aidreg("assets").stdout
    assert "编号 id" in out and "类别 class" in out, out
    assert "村级光伏电站" in out and "经营性" in out and "新联村" in out and "100000.01" in out, out
    assert "共 1 项资产" in out, out
    columns_aligned(out)
    got = json.loads(aidreg("assets", "--json").stdout)
    assert got["total"] == 1 and got["items"][0]["class_zh"] == "经营性", got
    assert "村级光伏电站" in aidreg("assets", "--village", D.V2).stdout
    assert "共 0 项资产" in aidreg("assets", "--township", D.L.code + "102").stdout


def test_asset():
    out = aidreg("asset", "A-DESK-1").stdout
    for s in ("资产名称 name", "村级光伏电站", "经营性", "固定资产", "新联村（%s）60.00%%" % D.V1, "东坡村（%s）40.00%%" % D.V2,
              "好花红镇", "100000.01", "净收益 9000.00 元", "资产登记 asset.register", "收益 income.report"):
        assert s in out, (s, out)
    assert json.loads(aidreg("asset", "A-DESK-1", "--json").stdout)["id"] == "A-DESK-1"
    p = aidreg("asset", "A-NONE", ok=False)
    assert p.returncode == 1 and "404" in p.stderr, p


def test_plans_and_plan():
    out = aidreg("plans").stdout
    assert D.PLAN in out and "新联村" in out and "已公示" in out and "3000.00" in out, out
    columns_aligned(out)
    assert "共 0 个方案" in aidreg("plans", "--village", D.V2).stdout
    assert D.PLAN in aidreg("plans", "--township", D.TOWN).stdout
    out = aidreg("plan", D.PLAN).stdout
    assert "已公示" in out and "公益岗位" in out and "3000.00" in out and "提议" in out, out


def test_places():
    out = aidreg("places").stdout
    assert "好花红镇" in out and "新联村" in out and "东坡村" in out and "乡镇" in out, out
    assert "共 3 个区划" in out, out
    columns_aligned(out)
    assert "共 1 个区划" in aidreg("places", "--village", D.V1).stdout


def test_keys():
    out = aidreg("keys").stdout
    assert "县级（根密钥）" in out and "王县" in out and "已注销" in out and "新联村" in out, out
    assert "共 6 把密钥" in out, out
    columns_aligned(out, right_last=False)
    assert len(json.loads(aidreg("keys", "--json").stdout)["items"]) == 6
    assert "共 1 把密钥" in aidreg("keys", "--village", D.V1).stdout


def test_incomes():
    out = aidreg("incomes").stdout
    assert "村级光伏电站" in out and "9000.00" in out and "3000.00" in out and "6000.00" in out, out
    columns_aligned(out)
    out = aidreg("incomes", "--village", D.V2).stdout
    assert "东坡村" in out and "3600.00" in out, out
    assert "共 0 笔收益" in aidreg("incomes", "--year", "2023").stdout
    assert "共 1 笔收益" in aidreg("incomes", "--asset", "A-DESK-1", "--year", "2024").stdout


def test_summary():
    out = aidreg("summary").stdout
    assert "全县" in out and "经营性 1" in out and "100000.01" in out and "9000.00" in out, out
    out = aidreg("summary", "--township", D.TOWN).stdout
    assert "好花红镇" in out and "100000.01" in out, out
    out = aidreg("summary", "--village", D.V1).stdout
    assert "新联村" in out and "60000.01" in out and "2400.00" in out, out
    assert json.loads(aidreg("summary", "--json").stdout)["original_value_fen"] == 10000001


def test_refusal_is_exit_1():
    p = aidreg("summary", "--ledger", "999999" if D.L.code != "999999" else "999998", ok=False)
    assert p.returncode == 1 and "unknown-ledger" in p.stderr, p


def test_sign_and_submit_say_what_they_do():
    with tempfile.TemporaryDirectory() as tmp:
        stem = os.path.join(tmp, "county")
        D.L.keys["county"].write_pem(stem)
        body = os.path.join(tmp, "b.json")
        with open(body, "w") as f:
            f.write('{\n    "name": "新镇"   // 名称\n}\n')
        p = aidreg("sign", "--key", stem + ".key", "--type", "place.register", "--subject", D.L.code + "103",
                   "--body-file", body, "--origin", D.L.origin)
        assert "即将签署" in p.stderr and "区划 place.register" in p.stderr and "新镇" in p.stderr, p.stderr
        env = os.path.join(tmp, "e.json")
        with open(env, "w") as f:
            f.write(p.stdout)
        n = D.L.size()
        p = aidreg("submit", env)
        assert "已记录：第 %d 条" % n in p.stderr, p.stderr
        p = aidreg("submit", env)
        assert "已记录（重复提交）：第 %d 条" % n in p.stderr, p.stderr
    assert "新镇" in aidreg("places").stdout
