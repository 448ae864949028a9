#!/usr/bin/env python3
"""Writes the demo county's 台账 (tools/demo/demo-taizhang.csv): the asset ledger 惠水县 kept
in Excel before it had aidreg, as its 清产核资 of January 2024 left it, which tools/demo.sh
loads with `aidreg import` (docs/demo.md "The 台账").

usage: tools/demo/taizhang.py [--out FILE] [--seed N] [--check]

The rows are the projects and assets of tools/demo/seed.py's county (the same generator and
seed, so the same codes, values and dates), except the workshop shared by three villages,
which a one-village row cannot hold and the seed registers itself. The layout is a county's:
a title, 填报单位 and 单位 rows, Chinese headers, amounts in yuan with thousands separators, the
project's channels in one cell, a 合计 row at the bottom; UTF-8 with a BOM and CRLF, as Excel
saves "CSV UTF-8". --check: exit 1 when the committed file differs from what would be written.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import seed  # noqa: E402

OUT = os.path.join(HERE, "demo-taizhang.csv")

TYPE_ZH = {"industry": "产业发展", "employment": "就业项目", "rural_construction": "乡村建设行动"}
CLASS_ZH = {"operating": "经营性资产", "public_welfare": "公益性资产", "household": "到户类资产"}
FORM_ZH = {"fixed": "固定资产", "biological": "生物资产"}
SUBTYPE_ZH = {"photovoltaic": "光伏电站", "village_road": "通村路", "group_road": "通组路", "water_supply": "供水工程",
              "public_toilet": "公共厕所", "waste_collection": "垃圾收集池", "activity_square": "文化活动广场",
              "clinic": "村卫生室", "bridge": "便民桥", "industry_road": "产业路", "irrigation": "灌溉渠",
              "greenhouse": "蔬菜大棚", "cold_storage": "冷库", "cattle": "能繁母牛", "goat": "黑山羊"}
HEADER = ["序号", "项目编号", "项目名称", "项目类型", "资金年度", "资金来源", "行业主管部门", "项目实施单位", "资产编号", "资产名称",
          "资产类别", "资产类型", "资产形态", "所在乡镇", "所在村", "村代码", "建设内容及规模", "数量", "单位", "资产原值（元）",
          "竣工日期", "竣工验收日期"]


def money(fen):
    yuan = "{:,}".format(fen // 100)
    return "%s.%02d" % (yuan, fen % 100)


def qty(q):
    return ("%d" % q) if isinstance(q, int) or float(q).is_integer() else repr(q)


def field(v):
    v = str(v)
    return '"%s"' % v.replace('"', '""') if any(ch in v for ch in ',"\r\n') else v


def rows(seed_no):
    with open(seed.TABLES, encoding="utf-8") as f:
        tables = json.load(f)
    c = seed.County(tables, seed_no, seed.Book("demo", None))
    c.build_assets()
    out, total, no = [], 0, 0
    for p in seed.taizhang_projects(c):
        body = p["body"]
        channels = "、".join(dict.fromkeys(line["channel"] for line in body["funding_lines"]))
        for a in p["assets"]:
            no += 1
            v = c.village[a["villages"][0][0]]
            out.append([no, p["code"], body["name"], TYPE_ZH[body["type"]], body["year"], channels, body["industry_dept"],
                        body["implementing_unit"], a["code"], a["name"], CLASS_ZH[a["cls"]], SUBTYPE_ZH[a["subtype"]],
                        FORM_ZH[a.get("form", "fixed")], v["township"]["name"], v["name"], v["code"],
                        a.get("description", ""), qty(a["qty"]), a["unit"], money(a["value"]), a["completed"],
                        a["body"]["accepted_on"]])
            total += a["value"]
    return out, total


def render(seed_no):
    body, total = rows(seed_no)
    lines = [["惠水县巩固拓展脱贫攻坚成果和乡村振兴项目资产台账（2024年1月清产核资）"],
             ["填报单位：惠水县乡村振兴局（盖章）", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
              "单位：元"],
             HEADER] + body + [["合计"] + [""] * 18 + [money(total)]]
    return ("\ufeff" + "".join(",".join(field(x) for x in line) + "\r\n" for line in lines)).encode("utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    data = render(args.seed)
    if args.check:
        with open(args.out, "rb") as f:
            same = f.read() == data
        print("taizhang: %s %s" % (args.out, "is up to date" if same else "differs: run tools/demo/taizhang.py"))
        return 0 if same else 1
    with open(args.out, "wb") as f:
        f.write(data)
    print("taizhang: wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
