"""A small, independent aidreg client for the end-to-end tests.

It signs with its own DSSE implementation (PAE and envelope built here, Ed25519 through
python3-cryptography) and talks HTTP with urllib / http.client: nothing of the C code is used,
so that what the server accepts is checked against a second implementation of the formats.
"""

import base64
import datetime
import hashlib
import http.client
import json
import os
import random
import sys
import urllib.error
import urllib.parse
import urllib.request

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import c2sp  # noqa: E402

PAYLOAD_TYPE = "application/vnd.aidreg.event+json"
PROBLEM_PREFIX = "urn:aidreg:problem:"


def b64e(b):
    return base64.b64encode(b).decode("ascii")


def b64d(s):
    return base64.b64decode(s, validate=True)


def now_rfc3339(offset_seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    # Microseconds: two events built alike within one second must still be two payloads
    # (the payload identifies an entry; identical ones are replays).
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------- keys and DSSE

class Key:
    """An Ed25519 key; its id is the standard base64 of the raw 32-byte public key."""

    def __init__(self, private=None):
        self.private = private or Ed25519PrivateKey.generate()
        self.pub = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.id = b64e(self.pub)

    def sign(self, msg):
        return self.private.sign(msg)

    def write_pem(self, stem):
        """stem.key (PKCS#8 PEM, 0600) and stem.pub (SPKI PEM), as `aidreg keygen` writes."""
        fd = os.open(stem + ".key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        with open(stem + ".pub", "wb") as f:
            f.write(self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo))


def pae(payload_type, payload):
    """DSSE v1 pre-authentication encoding."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def event(origin, type_, subject, body, time=None, prev=None):
    ev = {"ledger": origin, "type": type_, "subject": subject, "time": time or now_rfc3339()}
    if prev is not None:
        ev["prev"] = prev
    ev["body"] = body
    return ev


def envelope(payload, *keys, payload_type=PAYLOAD_TYPE):
    """A DSSE envelope over payload (bytes, or an object serialised compactly)."""
    if not isinstance(payload, (bytes, bytearray)):
        payload = compact(payload)
    msg = pae(payload_type, bytes(payload))
    return {"payloadType": payload_type, "payload": b64e(payload),
            "signatures": [{"keyid": k.id, "sig": b64e(k.sign(msg))} for k in keys]}


def payload_sha256(env):
    return hashlib.sha256(b64d(env["payload"])).hexdigest()


# ---------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        self._json = None

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.body.decode("utf-8"))
        return self._json

    @property
    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def __repr__(self):
        return "<%d %s %s>" % (self.status, self.content_type, self.body[:300])


class Client:
    def __init__(self, base_url=None, token=None, timeout=60):
        self.base = (base_url or os.environ.get("AIDREG_URL", "http://127.0.0.1:8080")).rstrip("/")
        self.token = token if token is not None else os.environ.get("AIDREG_ADMIN_TOKEN", "")
        self.timeout = timeout

    def request(self, method, path, body=None, headers=None, content_type="application/json"):
        hdrs = {"User-Agent": "aidreg-e2e/1"}
        if body is not None and not isinstance(body, (bytes, bytearray)):
            body = compact(body)
        if body is not None and content_type:
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def raw(self, method, path, body=b"", headers=None, read_body=True):
        """http.client for what urllib hides (a Content-Length that lies, no body at all)."""
        u = urllib.parse.urlsplit(self.base)
        if u.scheme == "https":  # through the proxy of docs/deploy.md (CA from SSL_CERT_FILE)
            conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=self.timeout)
        else:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=self.timeout)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            conn.endheaders()
            if body:
                conn.send(body)
            r = conn.getresponse()
            return Response(r.status, r.headers, r.read() if read_body else b"")
        finally:
            conn.close()

    # The API. Every receipt that comes back is checked on the spot (check_receipt).
    def create_ledger(self, env, token=None):
        tok = self.token if token is None else token
        headers = {"Authorization": "Bearer " + tok} if tok else {}
        r = self.post("/v1/ledgers", env, headers=headers)
        if r.status in (200, 201) and isinstance(env, dict):
            VKEYS.setdefault(r.json.get("ledger"), r.json.get("vkey"))
            check_receipt(r.json, env, r.json.get("vkey"))
        return r

    def submit(self, code, env_or_list):
        body = {"envelopes": env_or_list} if isinstance(env_or_list, list) else env_or_list
        r = self.post("/v1/ledgers/%s/entries" % code, body)
        if isinstance(env_or_list, list):
            if r.status == 200 and r.content_type == "application/json" and "results" in r.json:
                for res, env in zip(r.json["results"], env_or_list):
                    if res.get("status") in (200, 201) and isinstance(env, dict):
                        check_receipt(res["receipt"], env, VKEYS.get(code))
        elif r.status in (200, 201) and isinstance(env_or_list, dict):
            check_receipt(r.json, env_or_list, VKEYS.get(code))
        return r

    def ledgers(self):
        return self.get("/v1/ledgers")

    def checkpoint_note(self, code):
        r = self.get("/log/%s/checkpoint" % code)
        assert r.status == 200, r
        return r.body.decode("utf-8")

    def tree_size(self, code):
        return int(self.checkpoint_note(code).split("\n")[1])

    def entries(self, code, start=0, limit=None):
        q = "?from=%d" % start + ("&limit=%d" % limit if limit is not None else "")
        return self.get("/v1/ledgers/%s/entries%s" % (code, q))

    def all_entries(self, code):
        out, start = [], 0
        while True:
            r = self.entries(code, start, 1000)
            assert r.status == 200, r
            out.extend(r.json["entries"])
            if r.json.get("next") is None:
                return out
            start = r.json["next"]


# ---------------------------------------------------------------- receipts

VKEYS = {}  # county code -> verifier key string, for every ledger these tests created
RECEIPTS_CHECKED = [0]


def check_receipt(receipt, env, vkey):
    """A receipt proves, offline, that the envelope's payload is in the ledger: its checkpoint
    is signed by the ledger's key (verified here with c2sp), its inclusion proof leads from the
    leaf hash to that checkpoint's root (RFC 9162), and it names the payload's hash."""
    for k in ("ledger", "index", "leaf_hash", "payload_sha256", "checkpoint", "inclusion_proof"):
        assert k in receipt, "receipt without %s: %r" % (k, receipt)
    assert receipt["payload_sha256"] == payload_sha256(env), "receipt names another payload"
    if not vkey:
        return None
    try:
        cp = c2sp.open_checkpoint(receipt["checkpoint"], vkey)
        c2sp.verify_inclusion(receipt["index"], cp.size, b64d(receipt["leaf_hash"]),
                              [b64d(h) for h in receipt["inclusion_proof"]], cp.root)
    except c2sp.VerifyError as e:
        raise AssertionError("receipt of entry %s does not verify: %s" % (receipt.get("index"), e))
    RECEIPTS_CHECKED[0] += 1
    return cp


# ---------------------------------------------------------------- a test ledger

def log_host():
    return os.environ.get("AIDREG_LOG_HOST", "test.aidreg.local")


class Ledger:
    """A ledger created by a test, with its keys. Keys are Key objects, kept by name."""

    def __init__(self, client, code, name=None, root=None):
        self.client, self.code = client, code
        self.name = name or "测试县 %s" % code
        self.origin = "%s/%s" % (log_host(), code)
        self.root = root or Key()
        self.keys = {"root": self.root}
        self.vkey = None
        self.create_receipt = None

    def create_envelope(self, settings=None, name=None):
        body = {"code": self.code, "name": name or self.name, "root_key": self.root.id,
                "settings": settings if settings is not None else {}}
        return envelope(event(self.origin, "ledger.create", self.code, body), self.root)

    def create(self):
        r = self.client.create_ledger(self.create_envelope())
        if r.status != 201:
            raise AssertionError("creating ledger %s: %r" % (self.code, r))
        self.vkey = r.json["vkey"]
        self.create_receipt = r.json
        return r

    def sign(self, signer, type_, subject, body, prev=None, time=None, extra_signers=()):
        s = self.keys[signer] if isinstance(signer, str) else signer
        ev = event(self.origin, type_, subject, body, time=time, prev=prev)
        return envelope(ev, s, *extra_signers)

    def submit(self, signer, type_, subject, body, **kw):
        return self.client.submit(self.code, self.sign(signer, type_, subject, body, **kw))

    def enroll(self, signer, name, role, scope, holder=None):
        k = Key()
        body = {"key": k.id, "role": role, "scope": scope,
                "holder": holder or {"name": "测试 " + name, "org": "测试单位"}}
        r = self.submit(signer, "key.enroll", k.id, body)
        if r.status != 201:
            raise AssertionError("enrolling %s: %r" % (name, r))
        self.keys[name] = k
        return k

    def filler(self, signer="county", scope=None, note="测试"):
        """(key, envelope): a key.enroll of a fresh village key, signed by `signer`. A payload
        that is new every time and that only the authority rules judge: the entry of choice
        for tests that need many entries."""
        k = Key()
        body = {"key": k.id, "role": "village", "scope": scope or self.code + "101201",
                "holder": {"name": note, "org": "测试村"}}
        return k, self.sign(signer, "key.enroll", k.id, body)

    def revoke(self, signer, name, reason="测试注销"):
        k = self.keys[name]
        return self.submit(signer, "key.revoke", k.id, {"reason": reason})

    def size(self):
        return self.client.tree_size(self.code)

    def entry_count(self):
        """Number of entries listed by GET /v1/ledgers/<code>/entries (all pages)."""
        return len(self.client.all_entries(self.code))

    def verify_receipt(self, receipt, env=None):
        """Checks a receipt offline: checkpoint signature (with the ledger's vkey), inclusion
        proof of the leaf hash, and, given the envelope, its payload hash."""
        assert receipt["ledger"] == self.code, receipt
        cp = c2sp.open_checkpoint(receipt["checkpoint"], self.vkey)
        lh = b64d(receipt["leaf_hash"])
        proof = [b64d(h) for h in receipt["inclusion_proof"]]
        c2sp.verify_inclusion(receipt["index"], cp.size, lh, proof, cp.root)
        if env is not None:
            assert receipt["payload_sha256"] == payload_sha256(env), receipt
        return cp


class Skip(Exception):
    """Raised by a test that cannot run here (the runner counts it as skipped)."""


def fresh_code(prefix="52"):
    """A random county code with the given leading digits (GB/T 2260 province prefix)."""
    return prefix + "".join(random.choice("0123456789") for _ in range(6 - len(prefix)))


def project_body(locations, year=2024):
    """A project.register body of a county's solar project in these villages, funded once."""
    return {"name": "光伏扶贫项目", "type": "industry", "year": year,
            "funding_lines": [{"channel": "衔接资金", "year": year, "amount_fen": 100000000}],
            "locations": locations, "industry_dept": "县发改局", "implementing_unit": "县能源公司"}


def new_ledger(client=None, prefix="52", name=None):
    """Creates a ledger with a fresh county code and a new root key (retrying on a taken code)."""
    client = client or Client()
    for _ in range(50):
        lg = Ledger(client, fresh_code(prefix), name=name)
        r = client.create_ledger(lg.create_envelope())
        if r.status == 409:
            continue
        if r.status != 201:
            raise AssertionError("creating ledger %s: %r" % (lg.code, r))
        lg.vkey = r.json["vkey"]
        lg.create_receipt = r.json
        return lg
    raise AssertionError("no free county code with prefix %s" % prefix)


def problem_of(r):
    """The problem document of a refusal, after checking the RFC 9457 shape."""
    assert r.content_type == "application/problem+json", "Content-Type %r: %r" % (r.headers.get("Content-Type"), r)
    p = r.json
    assert isinstance(p.get("type"), str) and p["type"].startswith(PROBLEM_PREFIX), p
    assert p.get("status") == r.status, "problem status %r, HTTP %d" % (p.get("status"), r.status)
    assert isinstance(p.get("title"), str) and p["title"], p
    assert isinstance(p.get("detail"), str), p
    return p


def assert_problem(r, status, slug, field=None):
    """r is a refusal with this status and problem type; `field`, when given, is the JSON
    pointer the problem names (compared by suffix, so "/body/scope" matches
    "/payload/body/scope")."""
    assert r.status == status, "expected %d %s, got %r" % (status, slug, r)
    p = problem_of(r)
    assert p["type"] == PROBLEM_PREFIX + slug, "expected %s, got %s (%s)" % (slug, p["type"], p.get("detail"))
    if field is not None:
        got = p.get("field")
        assert isinstance(got, str) and (got == field or got.endswith(field)), \
            "expected field %r, got %r (%s)" % (field, got, p.get("detail"))
    return p


class unchanged:
    """with unchanged(ledger): ... -- the checkpoint size and entry count do not move."""

    def __init__(self, ledger):
        self.ledger = ledger

    def __enter__(self):
        self.size = self.ledger.size()
        self.count = self.ledger.entry_count()
        return self

    def __exit__(self, et, ev, tb):
        if et is None:
            size, count = self.ledger.size(), self.ledger.entry_count()
            assert size == self.size, "tree grew from %d to %d" % (self.size, size)
            assert count == self.count, "entries went from %d to %d" % (self.count, count)
        return False
