"""The cells of a sheet of an XLSX workbook, read with zipfile and ElementTree (the tests open
the reports' workbooks as a spreadsheet program would, without a library that writes them)."""

import io
import xml.etree.ElementTree as ET
import zipfile

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def xlsx_cells(body, sheet):
    """(zipfile, {"A1": (text, is_number)}) of one sheet, shared strings resolved."""
    z = zipfile.ZipFile(io.BytesIO(body))
    sst = ["".join(t.text or "" for t in si.iter("{%s}t" % NS["m"]))
           for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS)]
    out = {}
    for c in ET.fromstring(z.read(sheet)).iter("{%s}c" % NS["m"]):
        v = c.find("m:v", NS)
        if v is not None:
            out[c.get("r")] = (sst[int(v.text)] if c.get("t") == "s" else v.text, c.get("t") != "s")
    return z, out
