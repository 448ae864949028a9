"""Spreadsheets for the import tests: a small XLSX writer (python3's zipfile; Debian has no
XLSX writer by default) and CSV in UTF-8 or GB18030, with the messy 台账 the tests import.

Run as a script to (re)write the committed fixtures of the unit tests and the fuzz seeds:
    python3 tests/import/taizhang.py
"""

import io
import os
import zipfile
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def col_name(c):
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def xlsx(rows, merges=(), sheet="台账", inline=False, extra_sheets=()):
    """rows: lists of cells; a cell is None (absent), str (shared or inline string), int or
    float (a number cell) or ("n", "text") for a number cell with that exact text, or a tuple
    (row_number, cells) to give the row its own number. merges: "A3:A5" ranges."""
    strings, index = [], {}

    def sst(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    out = []
    rnum = 0
    for row in rows:
        if isinstance(row, tuple):
            rnum, row = row
        else:
            rnum += 1
        cells = []
        for c, v in enumerate(row):
            ref = "%s%d" % (col_name(c), rnum)
            if v is None or v == "":
                continue
            if isinstance(v, tuple) and v[0] == "n":
                cells.append('<c r="%s"><v>%s</v></c>' % (ref, v[1]))
            elif isinstance(v, bool):
                cells.append('<c r="%s" t="b"><v>%d</v></c>' % (ref, int(v)))
            elif isinstance(v, (int, float)):
                cells.append('<c r="%s"><v>%r</v></c>' % (ref, v))
            elif inline:
                cells.append('<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, escape(v)))
            else:
                cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, sst(v)))
        out.append('<row r="%d">%s</row>' % (rnum, "".join(cells)))
    merge_xml = ""
    if merges:
        merge_xml = '<mergeCells count="%d">%s</mergeCells>' % (
            len(merges), "".join('<mergeCell ref="%s"/>' % m for m in merges))
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    ws = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet %s><sheetData>%s</sheetData>%s'
          '</worksheet>' % (ns, "".join(out), merge_xml))
    sheets = [sheet] + list(extra_sheets)
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook %s %s><sheets>%s</sheets></workbook>'
          % (ns, rns, "".join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (escape(n), i + 1, i + 1)
                              for i, n in enumerate(sheets))))
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">%s'
            '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
            % "".join('<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      'relationships/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, i + 1)
                      for i in range(len(sheets))))
    sst_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst %s count="%d" uniqueCount="%d">%s</sst>'
               % (ns, len(strings), len(strings), "".join('<si><t xml:space="preserve">%s</t></si>' % escape(s)
                                                            for s in strings)))
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types '
          'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'spreadsheetml.sheet.main+xml"/></Types>')
    top = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
           'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
           'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
           'Target="xl/workbook.xml"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", top)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/worksheets/sheet1.xml", ws)
        for i in range(1, len(sheets)):
            z.writestr("xl/worksheets/sheet%d.xml" % (i + 1),
                       '<worksheet %s><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>其他表</t></is></c>'
                       '</row></sheetData></worksheet>' % ns)
        z.writestr("xl/sharedStrings.xml", sst_xml)
    return buf.getvalue()


def csv_bytes(rows, encoding="utf-8", bom=False, crlf=True):
    def field(v):
        if v is None:
            return ""
        if isinstance(v, tuple):
            v = v[1]
        v = str(v)
        if any(ch in v for ch in ',"\r\n'):
            v = '"' + v.replace('"', '""') + '"'
        return v

    rows = [r[1] if isinstance(r, tuple) else r for r in rows]
    text = ("\r\n" if crlf else "\n").join(",".join(field(c) for c in row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


# ---------------------------------------------------------------- the messy 台账

HEADER = ["序号", "项目名称", "项目类型", "资金年度", "资产名称", "资产类别", "资产类型", "所在乡镇", "所在村", "村代码",
          "建设内容及规模", "数量", "单位", "资产原值（万元）", "竣工验收日期", "产权主体", "确权证书编号", "管护主体",
          "管护责任人", "备注"]


def messy_rows(county, township_name, village_names, village_codes, existing=None, xlsx_cells=False):
    """The title rows, header, good and bad rows and a 合计 row of a county's 台账, amounts in
    万元. Returns (rows, merges, expect): expect maps the sheet's row number to
    ("good", name, fen) or ("refused", column letter, reason substring)."""
    v1, v2 = village_names
    c1, c2 = village_codes
    num = (lambda x: x) if xlsx_cells else (lambda x: x if isinstance(x, str) else repr(x))
    date = (lambda serial, text: ("n", str(serial))) if xlsx_cells else (lambda serial, text: text)
    rows = [["%s扶贫项目资产台账（2021年度）" % township_name],
            ["填报单位：县乡村振兴局", None, None, None, None, None, None, None, None, None, None, None, None,
             "单位：万元"],
            HEADER]
    expect = {}
    P1 = "村级光伏电站项目"
    good = [
        # 序号, 项目, 类型, 年度, 资产, 类别, 类型, 乡镇, 村, 村代码, 内容, 数量, 单位, 原值, 日期, 产权, 证书, 管护, 责任人, 备注
        ["1", P1, "产业发展", "2021", "好花红村光伏电站", "经营性", "光伏电站", township_name, v1, "", "装机 100kW", "100",
         "kW", num(12.5), date(44377, "2021-06-30"), v1 + "股份经济合作社", "HS-QQ-2021-001", v1 + "村委会", "张三", ""],
        ["2", P1, "产业发展", "2021", "新民村光伏电站", "经营性", "光伏电站", township_name, v2, "", "装机 300kW", "300",
         "kW", num("1,234.5678") if not xlsx_cells else ("n", "1234.5678"), date(44377, "2021/6/30"), "", "", "", "", ""],
        ["3", "通组路硬化项目", "乡村建设行动", "2021年", "新民村通组路", "公益性", "道路", "", "", c2, "长 2.5 公里",
         "2.5", "公里", num(80), date(44377, "2021.06.30"), "", "", "新民村委会", "李四", "宽 4.5 米"],
        ["4", "通组路硬化项目", "乡村建设行动", "2021", "好花红村产业路", "公益性", "道路", township_name, v1, "",
         "长 1 公里", "1", "公里", num(30.25), "2021年6月30日", "", "", "", "", ""],
        ["5", "肉牛养殖到户项目", "产业发展", "2021", "到户肉牛", "到户类", "肉牛", township_name, v1, "", "能繁母牛",
         "20", "头", num(16), "2021年6月", "", "", "", "", ""],
    ]
    bad = [
        (["6", "冷库建设项目", "产业发展", "2021", "冷库", "", "冷库", township_name, v1, "", "", "1", "座", num(50),
          date(44377, "2021-06-30"), "", "", "", "", ""], "F", "资产类别"),
        (["7", "冷库建设项目", "产业发展", "2021", "冷库二号", "经营性", "冷库", township_name, v1, "", "", "1", "座",
          "五十", date(44377, "2021-06-30"), "", "", "", "", ""], "N", "不是数字"),
        (["8", "冷库建设项目", "产业发展", "2021", "冷库三号", "经营性", "冷库", township_name, v1, "", "", "1", "座",
          num(-3), date(44377, "2021-06-30"), "", "", "", "", ""], "N", "负数"),
        (["9", "冷库建设项目", "产业发展", "2021", "冷库四号", "经营性", "冷库", township_name, v1, "", "", "1", "座",
          num(5), "2021-02-30", "", "", "", "", ""], "O", "不存在的日期"),
        (["10", "冷库建设项目", "产业发展", "2021", "冷库五号", "经营性", "冷库", "", "", "110101001001", "", "1", "座",
          num(5), date(44377, "2021-06-30"), "", "", "", "", ""], "J", "不在本县"),
        (["11", "冷库建设项目", "产业发展", "2021", "冷库六号", "经营性", "冷库", township_name, "不存在村", "", "", "1",
          "座", num(5), date(44377, "2021-06-30"), "", "", "", "", ""], "I", "不存在村"),
        (list(good[0]), "E", "同一资产"),
    ]
    bad[-1][0][0] = "12"
    if existing:
        name, village_name, wan = existing
        bad.append((["13", "已登记项目", "产业发展", "2021", name, "经营性", "大棚", township_name, village_name, "", "",
                     "1", "座", num(wan), date(44377, "2021-06-30"), "", "", "", "", ""], "E", "已有同一资产"))
    rnum = 3
    for r in good:
        rnum += 1
        rows.append((rnum, r))
    for r, col, why in bad:
        rnum += 1
        rows.append((rnum, r))
        expect[rnum] = ("refused", col, why)
    for i, r in enumerate(good):
        expect[4 + i] = ("good", r[4], None)
    rnum += 1
    rows.append((rnum, []))  # a blank line
    rnum += 1
    total_row = rnum
    # 合计: the true sum of the rows whose values read is 12.5 + 1234.5678 + 80 + 30.25 + 16 + 50 + 5*4 (+ existing)
    rows.append((rnum, ["合计", None, None, None, None, None, None, None, None, None, None, None, None, num(1500)]))
    merges = ["A1:T1", "B4:B5"] if xlsx_cells else []
    if xlsx_cells:
        rows[4] = (5, list(rows[4][1]))
        rows[4][1][1] = None  # B5 comes from the merge B4:B5
    return rows, merges, expect, total_row


# ---------------------------------------------------------------- committed fixtures

def write_fixtures():
    fx = os.path.join(HERE, "fixtures")
    os.makedirs(fx, exist_ok=True)
    county, town = "522731", "522731104"
    rows, merges, _, _ = messy_rows(county, "好花红镇", ("好花红村", "新民村"), (town + "201", town + "202"),
                                    xlsx_cells=True)
    with open(os.path.join(fx, "messy.xlsx"), "wb") as f:
        f.write(xlsx(rows, merges))
    rows, _, _, _ = messy_rows(county, "好花红镇", ("好花红村", "新民村"), (town + "201", town + "202"))
    with open(os.path.join(fx, "messy-gb18030.csv"), "wb") as f:
        f.write(csv_bytes(rows, "gb18030"))
    with open(os.path.join(fx, "messy-utf8-bom.csv"), "wb") as f:
        f.write(csv_bytes(rows, "utf-8", bom=True))
    small = [["序号", "资产名称", "资产原值"], ["1", "光伏", ("n", "12345.670000000001")],
             ["2", "道路", ("n", "44377")], [None, "共享", True]]
    with open(os.path.join(fx, "inline.xlsx"), "wb") as f:
        f.write(xlsx(small, inline=True, extra_sheets=["第二页"]))
    # The fuzz seeds.
    for name, files in (("corpus_import_csv", ["messy-gb18030.csv", "messy-utf8-bom.csv"]),
                        ("corpus_import_xlsx", ["messy.xlsx", "inline.xlsx"])):
        d = os.path.join(ROOT, "tests", "fuzz", name)
        os.makedirs(d, exist_ok=True)
        for fn in files:
            with open(os.path.join(fx, fn), "rb") as src, open(os.path.join(d, fn), "wb") as dst:
                dst.write(src.read())
    with open(os.path.join(ROOT, "tests", "fuzz", "corpus_import_csv", "quotes.csv"), "wb") as f:
        f.write(b'a,"b ""q"" c","multi\r\nline"\r\n,,\r\n\xef\xbc\x8c1,234.50\n')


if __name__ == "__main__":
    write_fixtures()
