"""Attachments: PUT/GET /v1/ledgers/{code}/blobs/{sha256} (docs/api.md "Attachments").

A PUT is signed by an enrolled, unrevoked key of the ledger (Aidreg-Signature: <key id>
<base64 Ed25519 over "aidreg-blob/v1\\n<origin>\\n<sha256>\\n">); the body must hash to the
name; a size limit holds. Every refusal is checked for its problem AND for nothing stored
(the file cannot be read back and the ledger's list of files is unchanged). Then: the asset
read names the attachments its history references and those the server lacks; `aidreg
export` copies the files into DIR/blobs/ and `aidreg verify --dir` checks them.
"""

import hashlib
import os
import subprocess
import tempfile

from aidreg_client import Client, Key, assert_problem, b64e, event, new_ledger, now_rfc3339

C = Client()
L = None
MAX = int(os.environ.get("AIDREG_MAX_BLOB_BYTES", str(10 * 1024 * 1024)))
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(2000)  # sniffed as image/jpeg by its magic bytes


def setup_module():
    global L
    L = new_ledger(C, "45")
    L.enroll("root", "county", "county", L.code)
    L.enroll("county", "village", "village", L.code + "101201")
    L.enroll("county", "gone", "village", L.code + "101202")
    r = L.revoke("county", "gone")
    assert r.status == 201, r


def sig_header(key, name, origin=None):
    text = "aidreg-blob/v1\n%s\n%s\n" % (origin or L.origin, name)
    return "%s %s" % (key.id, b64e(key.sign(text.encode())))


def put(data, name=None, key="village", header=None, ctype="image/jpeg"):
    name = name or hashlib.sha256(data).hexdigest()
    headers = {"Content-Type": ctype}
    if header is not None:
        headers["Aidreg-Signature"] = header
    elif key is not None:
        k = L.keys[key] if isinstance(key, str) else key
        headers["Aidreg-Signature"] = sig_header(k, name)
    return C.request("PUT", "/v1/ledgers/%s/blobs/%s" % (L.code, name), data, headers=headers, content_type=None)


def listed():
    r = C.get("/v1/ledgers/%s/blobs" % L.code)
    assert r.status == 200, r
    return r.json["blobs"]


class nothing_stored:
    """with nothing_stored(name): ... -- the file is not readable and the list does not move."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.before = listed()

    def __exit__(self, et, ev, tb):
        if et is None:
            assert listed() == self.before, "the list of files changed on a refusal"
            assert_problem(C.get("/v1/ledgers/%s/blobs/%s" % (L.code, self.name)), 404, "not-found")
        return False


def test_put_get_and_idempotent_put():
    name = hashlib.sha256(JPEG).hexdigest()
    r = put(JPEG)
    assert r.status == 201, r
    assert r.json == {"ledger": L.code, "sha256": name, "size": len(JPEG), "content_type": "image/jpeg",
                      "created": True}, r.json
    g = C.get("/v1/ledgers/%s/blobs/%s" % (L.code, name))
    assert g.status == 200 and g.body == JPEG, g
    assert g.headers["Content-Type"] == "image/jpeg", g.headers
    assert g.headers["ETag"] == '"%s"' % name, g.headers
    assert "immutable" in g.headers["Cache-Control"], g.headers
    assert g.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in g.headers["Content-Security-Policy"]
    n = C.get("/v1/ledgers/%s/blobs/%s" % (L.code, name), headers={"If-None-Match": '"%s"' % name})
    assert n.status == 304 and n.body == b"", n
    # Again, and again by another enrolled key: 200, the same file, nothing added.
    before = listed()
    again = put(JPEG)
    assert again.status == 200 and again.json["created"] is False, again
    assert put(JPEG, key="county").status == 200
    assert listed() == before and name in before


def test_content_type_is_sniffed_not_taken():
    html = b"<html><script>alert(1)</script></html>"
    r = put(html, ctype="text/html")
    assert r.status == 201, r
    g = C.get("/v1/ledgers/%s/blobs/%s" % (L.code, r.json["sha256"]))
    assert g.headers["Content-Type"] == "application/octet-stream", g.headers
    pdf = b"%PDF-1.4\n" + os.urandom(100)
    assert put(pdf, ctype="application/octet-stream").json["content_type"] == "application/pdf"


def test_wrong_hash_refused():
    data = os.urandom(500)
    wrong = hashlib.sha256(data + b"x").hexdigest()
    with nothing_stored(wrong):
        p = assert_problem(put(data, name=wrong), 422, "blob-hash-mismatch")
        assert hashlib.sha256(data).hexdigest() in p["detail"], p
        assert "不符" in p["title"], p


def test_not_a_hash_name():
    assert_problem(put(b"abc", name="abc"), 404, "not-found")
    assert_problem(put(b"abc", name=hashlib.sha256(b"abc").hexdigest().upper()), 404, "not-found")
    assert_problem(C.get("/v1/ledgers/%s/blobs/%s" % (L.code, "0" * 63)), 404, "not-found")


def test_too_big_refused():
    data = b"\0" * (MAX + 1)
    name = hashlib.sha256(data).hexdigest()
    with nothing_stored(name):
        # Announced: refused on the headers, before the body is read.
        r = C.raw("PUT", "/v1/ledgers/%s/blobs/%s" % (L.code, name), b"",
                  headers={"Host": "x", "Content-Length": str(MAX + 1),
                           "Aidreg-Signature": sig_header(L.keys["village"], name)})
        p = assert_problem(r, 413, "too-large")
        assert "过大" in p["title"], p
    # At the limit: stored.
    ok = b"\1" * MAX
    assert put(ok).status == 201


def test_unsigned_refused():
    data = os.urandom(300)
    name = hashlib.sha256(data).hexdigest()
    with nothing_stored(name):
        p = assert_problem(put(data, key=None), 401, "no-signature")
        assert "签名" in p["title"], p


def test_bad_signatures_refused():
    data = os.urandom(300)
    name = hashlib.sha256(data).hexdigest()
    other = hashlib.sha256(b"other").hexdigest()
    v = L.keys["village"]
    with nothing_stored(name):
        assert_problem(put(data, header="nonsense"), 401, "bad-signature")
        assert_problem(put(data, header=v.id + " !!!"), 401, "bad-signature")
        # A signature of another file, of another ledger, by another key than named.
        assert_problem(put(data, header=sig_header(v, other)), 401, "bad-signature")
        assert_problem(put(data, header=sig_header(v, name, origin=L.origin[:-6] + "000000")), 401, "bad-signature")
        forged = "%s %s" % (v.id, sig_header(L.keys["county"], name).split(" ")[1])
        assert_problem(put(data, header=forged), 401, "bad-signature")


def test_unenrolled_and_revoked_keys_refused():
    data = os.urandom(300)
    name = hashlib.sha256(data).hexdigest()
    with nothing_stored(name):
        p = assert_problem(put(data, key=Key()), 403, "key-not-enrolled")
        assert "未登记" in p["title"], p
        p = assert_problem(put(data, key="gone"), 403, "key-revoked")
        assert "已注销" in p["title"], p


def test_unknown_ledger():
    data = b"x"
    r = C.request("PUT", "/v1/ledgers/000000/blobs/%s" % hashlib.sha256(data).hexdigest(), data,
                  headers={"Aidreg-Signature": sig_header(L.keys["village"], hashlib.sha256(data).hexdigest())},
                  content_type=None)
    assert_problem(r, 404, "unknown-ledger")


def test_asset_read_names_missing_blobs_and_export_has_the_files():
    # A project, an asset, and an inspection with two photos, one of them stored.
    v = L.code + "101201"
    proj = "P%s-2024-01" % L.code
    r = L.submit("county", "project.register", proj, {
        "name": "测试项目", "type": "industry", "year": 2024,
        "funding_lines": [{"channel": "县级财政衔接资金", "year": 2024, "amount_fen": 1000000}],
        "locations": [v], "industry_dept": "县农业农村局", "implementing_unit": "测试镇人民政府"})
    assert r.status == 201, r
    asset = "A%s-2024-01-01" % L.code
    r = L.submit("county", "asset.register", asset, {
        "project": proj, "name": "测试大棚", "class": "public_welfare", "subtype": "water_supply", "form": "fixed",
        "village": v, "original_value_fen": 1000000, "quantity": 1, "unit": "处", "completed_on": "2024-05-01",
        "accepted_on": "2024-06-01"})
    assert r.status == 201, r
    stored = hashlib.sha256(JPEG).hexdigest()
    absent = hashlib.sha256(b"never uploaded").hexdigest()
    r = L.submit("village", "maintenance.report", asset, {
        "kind": "inspection", "date": now_rfc3339()[:10], "condition": "good", "cost_fen": 0, "paid_from": "other",
        "note": "巡查", "photos_sha256": [stored, absent]})
    assert r.status == 201, r
    a = C.get("/v1/ledgers/%s/assets/%s" % (L.code, asset))
    assert a.status == 200, a
    assert a.json["attachments"] == [stored, absent], a.json.get("attachments")
    assert a.json["missing_blobs"] == [absent], a.json.get("missing_blobs")

    aidreg = os.path.join(os.environ.get("AIDREG_BUILD_DIR", "build"), "aidreg")
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run([aidreg, "export", "--server", C.base, "--ledger", L.code, "--out", d, "--vkey", L.vkey],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        names = sorted(os.listdir(os.path.join(d, "blobs")))
        assert names == sorted(listed()), names
        with open(os.path.join(d, "blobs", stored), "rb") as f:
            assert f.read() == JPEG
        ok = subprocess.run([aidreg, "verify", "--dir", d, "--vkey", L.vkey], capture_output=True, text=True)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        # A file changed in the copy: verify --dir says so and fails.
        with open(os.path.join(d, "blobs", stored), "ab") as f:
            f.write(b"tampered")
        bad = subprocess.run([aidreg, "verify", "--dir", d, "--vkey", L.vkey], capture_output=True, text=True)
        assert bad.returncode != 0 and stored in bad.stderr, bad.stdout + bad.stderr
