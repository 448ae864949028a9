#!/usr/bin/env python3
"""Writes a generated county 台账 of N rows for the import benchmark (tools/bench_import.sh):
CSV, UTF-8 with a BOM, the importer's usual headers, amounts in 元, one row an asset with its
owner and maintainer (three events a row: asset.register, asset.rights, asset.maintainer),
ten assets a project, spread over the villages given. Deterministic for a given --seed.

usage: tools/bench_taizhang.py --rows N --county CODE --villages N_TOWNSHIPS N_VILLAGES --out FILE
"""

import argparse
import random

SUBTYPES = [("经营性", "光伏电站", "kW"), ("经营性", "蔬菜大棚", "亩"), ("公益性", "通组路", "km"), ("公益性", "饮水工程", "处"),
            ("到户类", "能繁母牛", "头"), ("公益性", "村卫生室", "m²")]
CHANNELS = ["中央财政衔接推进乡村振兴补助资金", "省级财政衔接推进乡村振兴补助资金", "县级财政衔接推进乡村振兴补助资金"]
HEADER = ["序号", "项目名称", "项目类型", "资金年度", "资金来源", "资产名称", "资产类别", "资产类型", "所在乡镇", "所在村", "村代码",
          "建设内容及规模", "数量", "单位", "资产原值（元）", "竣工验收日期", "产权主体", "确权证书编号", "管护主体", "管护责任人"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--county", required=True)
    ap.add_argument("--townships", type=int, default=10)
    ap.add_argument("--villages", type=int, default=20, help="villages per township")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = ["\ufeff" + "某县巩固拓展脱贫攻坚成果项目资产台账（基准测试）", "单位：元", ",".join(HEADER)]
    for i in range(a.rows):
        if i % 10 == 0:
            t = rng.randrange(a.townships)  # a project's ten assets lie in one township
        v = rng.randrange(a.villages)
        tcode = "%s%03d" % (a.county, 100 + t)
        vcode = "%s%03d" % (tcode, 200 + v)
        cls, sub, unit = SUBTYPES[i % len(SUBTYPES)]
        year = 2016 + (i // 10) % 9
        value = rng.randint(1000, 5000000) * 100 + rng.randint(0, 99)
        out.append(",".join([
            str(i + 1), "%d年第%d镇第%d号%s项目" % (year, t + 1, i // 10, sub), "产业发展" if cls != "公益性" else "乡村建设行动",
            str(year), CHANNELS[(i // 10) % 3], "第%d村%s%d号" % (v + 1, sub, i), cls, sub, "第%d镇" % (t + 1),
            "第%d村" % (v + 1), vcode, "建设内容%d" % i, str(rng.randint(1, 50)), unit, "%d.%02d" % (value // 100, value % 100),
            "%d-%02d-%02d" % (year, rng.randint(1, 12), rng.randint(1, 28)), "第%d村股份经济合作社" % (v + 1),
            "QZ-%d-%06d" % (year, i), "第%d村村委会" % (v + 1), "管护员%d" % (i % 97)]))
    with open(a.out, "w", encoding="utf-8", newline="") as f:
        f.write("\r\n".join(out) + "\r\n")


if __name__ == "__main__":
    main()
