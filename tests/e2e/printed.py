"""A printable HTML report looked at as its reader sees it on paper: printed to PDF by Debian's
chromium (what a browser's 打印 / "Save as PDF" does), then its fonts (pdffonts: a CJK font must
be embedded, or the Chinese came out as boxes or not at all), its text (pdftotext: the Chinese
headings and the figures a test names) and its first page as an image (pdftoppm, decoded here
with the standard library: a page that printed blank, or black, has no share of dark pixels in
the range of a page of text). The page, its PDF and PNG are kept in $AIDREG_STATE_DIR/print/ to look at."""

import os
import shutil
import struct
import subprocess
import tempfile
import zlib

from aidreg_client import Skip

# The CJK fonts Debian may pick for Chinese (fonts-wqy-microhei is in tools/dev.sh PACKAGES).
CJK_FONTS = ("wenquanyi", "droidsansfallback", "notosanscjk", "notoserifcjk", "sourcehan", "simsun", "arplumingcn",
             "arplukaicn")
# Dark pixels (gray < 128) on the first page at 50 dpi: a page of a table of text has some
# percent; a blank page none, a page printed black nearly all.
DARK_MIN, DARK_MAX = 0.004, 0.35


class Printed:
    def __init__(self, pdf, png, fonts, text, dark):
        self.pdf, self.png, self.fonts, self.text, self.dark = pdf, png, fonts, text, dark

    def __repr__(self):
        return "<printed %s: fonts %s, dark %.4f, text %r>" % (self.pdf, self.fonts, self.dark, self.text[:300])


def _tools():
    found = {t: shutil.which(t) for t in ("chromium", "pdffonts", "pdftotext", "pdftoppm")}
    missing = [t for t, p in found.items() if not p]
    if missing:
        raise Skip("cannot print the report: no " + ", ".join(missing) + " (chromium, poppler-utils)")
    return found


def _fonts(pdffonts, pdf):
    """[(name, embedded, has ToUnicode)] from pdffonts's table (name may hold spaces: the last
    five columns are emb, sub, uni and the object id's two numbers)."""
    out = subprocess.run([pdffonts, pdf], capture_output=True, text=True, check=True, timeout=60).stdout
    rows = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        if len(cols) >= 7:
            rows.append((cols[0], cols[-5] == "yes", cols[-3] == "yes"))
    return rows


def gray_png_pixels(path):
    """(width, height, bytes of 8-bit gray) of a PNG as pdftoppm writes it (depth 8, gray or
    RGB, not interlaced), its five row filters undone (PNG specification §9), RGB averaged."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, head = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, colour, _, _, interlace = head
    assert depth == 8 and colour in (0, 2) and interlace == 0, head
    bpp = 1 if colour == 0 else 3
    stride = w * bpp
    raw, out, prev = zlib.decompress(b"".join(idat)), bytearray(), bytearray(stride)
    for y in range(h):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line if bpp == 1 else bytes(sum(line[i:i + 3]) // 3 for i in range(0, stride, 3))
        prev = line
    return w, h, bytes(out)


def print_html(html, name):
    """Print html (bytes of a whole page) to PDF and look at it; name names the files kept."""
    tools = _tools()
    d = tempfile.mkdtemp(prefix="aidreg-print-")
    keep = os.path.join(os.environ.get("AIDREG_STATE_DIR") or d, "print")
    os.makedirs(keep, exist_ok=True)
    page, pdf = os.path.join(keep, name + ".html"), os.path.join(keep, name + ".pdf")
    with open(page, "wb") as f:
        f.write(html)
    if os.path.exists(pdf):
        os.unlink(pdf)
    # A profile of its own: other chromiums (the web tests, other checkouts) may be running.
    subprocess.run([tools["chromium"], "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    "--user-data-dir=" + os.path.join(d, "profile"), "--print-to-pdf=" + pdf, "file://" + page],
                   capture_output=True, timeout=120)
    assert os.path.exists(pdf) and open(pdf, "rb").read(5) == b"%PDF-", "chromium printed no PDF of " + name
    text = subprocess.run([tools["pdftotext"], "-layout", pdf, "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    stem = os.path.join(keep, name)
    subprocess.run([tools["pdftoppm"], "-png", "-gray", "-r", "50", "-f", "1", "-l", "1", "-singlefile", pdf, stem],
                   check=True, timeout=60)
    w, h, px = gray_png_pixels(stem + ".png")
    dark = sum(1 for v in px if v < 128) / (w * h)
    shutil.rmtree(d, ignore_errors=True)
    return Printed(pdf, stem + ".png", _fonts(tools["pdffonts"], pdf), text, dark)


def assert_prints(html, name, *words):
    """html printed shows its Chinese in an embedded CJK font, holds every one of words (the
    headings, a yuan figure) in its text, and its first page is a page of text."""
    p = print_html(html, name)
    cjk = [f for f in p.fonts if any(k in f[0].lower().replace("-", "") for k in CJK_FONTS)]
    assert cjk and all(emb and uni for _, emb, uni in cjk), "no embedded CJK font with its Unicode map: %r" % p
    flat = " ".join(p.text.split())
    missing = [x for x in words if " ".join(x.split()) not in flat]
    assert not missing, "not in the printed text: %r; %r" % (missing, p)
    assert DARK_MIN < p.dark < DARK_MAX, "the first page is not a page of text (dark share %.4f): %r" % (p.dark, p)
    return p
