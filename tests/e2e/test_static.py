"""The web app's static files (api/h_static.c): GET /app/... from api/www/app/.

/ and /app lead to /app/; /app/ is index.html; each file has its Content-Type, a strong
ETag (If-None-Match answers 304), Cache-Control no-cache and Vary: Accept-Encoding; a
precompressed name.gz / name.br is sent with Content-Encoding to a client that takes it,
and only when it is not older than the file; traversal, hidden files, empty segments,
unknown extensions, directories and symbolic links are 404. The server serves the source
tree's api/www/app (the compiled-in AIDREG_WWW_DIR), so the files this module makes are
made there under unique names and removed afterwards."""

import gzip
import os
import random
import time

from aidreg_client import Client

C = Client()
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APP = os.path.join(ROOT, "api", "www", "app")
TAG = "e2e-static-%06d" % random.randrange(10 ** 6)
MADE = []


def make(name, data, mtime=None):
    path = os.path.join(APP, name)
    with open(path, "wb") as f:
        f.write(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    MADE.append(path)
    return path


def teardown_module():
    for p in MADE:
        try:
            os.rmdir(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
        except FileNotFoundError:
            pass


def get(path, **headers):
    return C.raw("GET", path, headers=headers)


def test_root_and_app_redirect():
    for path in ("/", "/app"):
        r = get(path)
        assert r.status == 302, (path, r)
        assert r.headers["Location"] == "/app/", r.headers


def test_index_and_headers():
    r = get("/app/")
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "text/html; charset=utf-8", r.headers
    assert b"<!doctype html>" in r.body[:100].lower(), r
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["Vary"] == "Accept-Encoding"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    etag = r.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"'), etag
    same = get("/app/index.html")
    assert same.status == 200 and same.body == r.body and same.headers["ETag"] == etag
    # HEAD: the headers without the body.
    h = C.raw("HEAD", "/app/index.html")
    assert h.status == 200 and h.body == b"" and h.headers["ETag"] == etag, h
    assert int(h.headers["Content-Length"]) == len(r.body)


def test_conditional_get():
    etag = get("/app/").headers["ETag"]
    for inm in (etag, "W/" + etag, '"other", ' + etag, "*"):
        r = get("/app/", **{"If-None-Match": inm})
        assert r.status == 304 and r.body == b"", (inm, r)
        assert r.headers["ETag"] == etag
    r = get("/app/", **{"If-None-Match": '"nope"'})
    assert r.status == 200, r


def test_content_types():
    for ext, ctype in ((".js", "text/javascript; charset=utf-8"), (".css", "text/css; charset=utf-8"),
                       (".json", "application/json"), (".svg", "image/svg+xml"),
                       (".webmanifest", "application/manifest+json")):
        make(TAG + ext, b"x")
        r = get("/app/" + TAG + ext)
        assert r.status == 200 and r.headers["Content-Type"] == ctype and r.body == b"x", (ext, r)


def test_refusals():
    make(TAG + ".exe", b"MZ")
    make(TAG + ".txt", b"plain")
    os.makedirs(os.path.join(APP, TAG + "-dir.txt"), exist_ok=True)
    MADE.append(os.path.join(APP, TAG + "-dir.txt"))
    link = os.path.join(APP, TAG + "-link.txt")
    os.symlink("/etc/hostname", link)
    MADE.append(link)
    assert get("/app/" + TAG + ".txt").status == 200
    # %2F and %00 are refused before routing (400 invalid-path, docs/api.md), wherever they are.
    for path in ("/app/..%2fopenapi.json", "/app/index.html%00.exe"):
        r = get(path)
        assert r.status == 400 and b"invalid-path" in r.body, (path, r)
    for path in ("/app/../openapi.json", "/app/%2e%2e/openapi.json",
                 "/app/%2E%2E/%2E%2E/etc/passwd", "/app/.hidden.txt", "/app//index.html",
                 "/app/" + TAG + ".txt/", "/app/" + TAG + ".exe",
                 "/app/" + TAG + ".txt.gz", "/app/" + TAG + "-dir.txt", "/app/" + TAG + "-link.txt",
                 "/app/no-such-file.js", "/app/a%20b.js", "/app/%E4%B8%AD.js",
                 "/app/" + "a" * 200 + ".js"):
        r = get(path)
        assert r.status == 404, (path, r)
        assert b"/etc" not in r.body and b"openapi" not in r.body, (path, r)
    r = C.raw("POST", "/app/index.html", headers={"Content-Length": "0"})
    assert r.status == 405, r


def test_precompressed():
    now = time.time()
    plain = ("数据" * 500).encode("utf-8")
    make(TAG + "-z.js", plain, now - 10)
    make(TAG + "-z.js.gz", gzip.compress(plain), now - 5)
    r = get("/app/" + TAG + "-z.js", **{"Accept-Encoding": "gzip, deflate"})
    assert r.status == 200 and r.headers["Content-Encoding"] == "gzip", r.headers
    assert gzip.decompress(r.body) == plain
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    gz_etag = r.headers["ETag"]
    r = get("/app/" + TAG + "-z.js")
    assert r.status == 200 and "Content-Encoding" not in r.headers and r.body == plain, r.headers
    assert r.headers["ETag"] != gz_etag
    for ae in ("gzip;q=0", "br", "identity", "gzip;q=0.000, br"):
        r = get("/app/" + TAG + "-z.js", **{"Accept-Encoding": ae})
        assert "Content-Encoding" not in r.headers and r.body == plain, (ae, r.headers)
    r = get("/app/" + TAG + "-z.js", **{"Accept-Encoding": "*"})
    assert r.headers.get("Content-Encoding") == "gzip", r.headers
    r = get("/app/" + TAG + "-z.js", **{"Accept-Encoding": "gzip;q=0.5"})
    assert r.headers.get("Content-Encoding") == "gzip", r.headers
    r = get("/app/" + TAG + "-z.js", **{"Accept-Encoding": "gzip", "If-None-Match": gz_etag})
    assert r.status == 304, r
    # A compressed copy older than its file is stale: the file is sent as it is.
    os.utime(os.path.join(APP, TAG + "-z.js"), (now, now))
    r = get("/app/" + TAG + "-z.js", **{"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in r.headers and r.body == plain, r.headers
