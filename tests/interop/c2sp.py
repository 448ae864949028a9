"""An independent implementation of the formats aidreg publishes, for checking it from outside.

Written from the specifications alone, sharing no code with the C library:
- C2SP signed-note (Ed25519, signature type 0x01) and verifier key strings,
- C2SP tlog-checkpoint,
- C2SP tlog-tiles (tile paths, hash tiles, entry bundles) and fetching them over HTTP,
- RFC 6962 / RFC 9162 Merkle tree hashing and inclusion / consistency proof verification.

Python 3 standard library plus python3-cryptography (for Ed25519) only.
"""

import base64
import binascii
import hashlib
import urllib.error
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class VerifyError(Exception):
    """Raised when anything fails to verify or to parse."""


def b64d(s):
    """Strict standard base64 (RFC 4648 section 4, padding required)."""
    if isinstance(s, str):
        s = s.encode("ascii")
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as e:
        raise VerifyError("bad base64: %r" % s) from e


def b64e(b):
    return base64.b64encode(b).decode("ascii")


def sha256(b):
    return hashlib.sha256(b).digest()


# ---------------------------------------------------------------- signed notes

ED25519 = 0x01


def note_key_id(name, pub):
    """key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]"""
    return sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + pub)[:4]


class Verifier:
    def __init__(self, name, key_id, pub):
        self.name, self.key_id, self.pub = name, key_id, pub

    @classmethod
    def parse(cls, vkey):
        """'<name>+<hex key id>+<base64(0x01 || pub)>'"""
        # name + hex id + base64 key; the base64 may itself hold '+'.
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise VerifyError("verifier key must have three +-separated parts")
        name, hid, kb = parts
        if not name or any(c.isspace() for c in name):
            raise VerifyError("bad key name")
        if len(hid) != 8 or hid.lower() != hid:
            raise VerifyError("key id must be 8 lower-case hex digits")
        try:
            key_id = bytes.fromhex(hid)
        except ValueError as e:
            raise VerifyError("bad key id") from e
        raw = b64d(kb)
        if len(raw) != 33 or raw[0] != ED25519:
            raise VerifyError("not an Ed25519 verifier key")
        pub = raw[1:]
        if note_key_id(name, pub) != key_id:
            raise VerifyError("key id does not match the name and key")
        return cls(name, key_id, pub)

    def string(self):
        return "%s+%s+%s" % (self.name, self.key_id.hex(), b64e(bytes([ED25519]) + self.pub))


def vkey_string(name, pub):
    return Verifier(name, note_key_id(name, pub), pub).string()


def split_note(note):
    """Returns (text, [(name, key_id, sig)]) of a signed note (str or bytes)."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as e:
            raise VerifyError("note is not UTF-8") from e
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise VerifyError("control character in note")
    if not note.endswith("\n"):
        raise VerifyError("note does not end in a newline")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise VerifyError("note has no blank line before its signatures")
    text, sigblock = note[: cut + 1], note[cut + 2:]
    sigs = []
    for line in sigblock[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise VerifyError("malformed signature line %r" % line)
        rest = line[2:]
        name, sp, b = rest.partition(" ")
        if not sp or not name or " " in b:
            raise VerifyError("malformed signature line %r" % line)
        raw = b64d(b)
        if len(raw) < 5:
            raise VerifyError("signature too short")
        sigs.append((name, raw[:4], raw[4:]))
    if not sigs:
        raise VerifyError("note has no signature")
    return text, sigs


def open_note(note, verifier):
    """Verifies a signed note with one known key; returns its text. Signatures by other keys
    are ignored; a signature by the known key that fails is an error."""
    if isinstance(verifier, str):
        verifier = Verifier.parse(verifier)
    text, sigs = split_note(note)
    ok = False
    for name, kid, sig in sigs:
        if name != verifier.name or kid != verifier.key_id:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(verifier.pub).verify(sig, text.encode("utf-8"))
        except InvalidSignature as e:
            raise VerifyError("signature by %s does not verify" % name) from e
        ok = True
    if not ok:
        raise VerifyError("no signature by %s+%s" % (verifier.name, verifier.key_id.hex()))
    return text


def sign_note(text, name, private_key):
    """Signs text (ending in a newline) with an Ed25519PrivateKey; for tests."""
    from cryptography.hazmat.primitives import serialization
    pub = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sig = private_key.sign(text.encode("utf-8"))
    return text + "\n\u2014 %s %s\n" % (name, b64e(note_key_id(name, pub) + sig))


# ---------------------------------------------------------------- checkpoints

class Checkpoint:
    def __init__(self, origin, size, root, extensions=(), note=None):
        self.origin, self.size, self.root, self.extensions, self.note = origin, size, root, list(extensions), note

    def __repr__(self):
        return "Checkpoint(%r, %d, %s)" % (self.origin, self.size, b64e(self.root))


def parse_checkpoint(text):
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise VerifyError("checkpoint must have origin, size and root lines")
    origin, size_s, root_s = lines[0], lines[1], lines[2]
    if not origin:
        raise VerifyError("empty origin")
    if not size_s.isdigit() or (len(size_s) > 1 and size_s[0] == "0") or not size_s.isascii():
        raise VerifyError("bad tree size %r" % size_s)
    root = b64d(root_s)
    if len(root) != 32:
        raise VerifyError("root hash is not 32 bytes")
    return Checkpoint(origin, int(size_s), root, lines[3:-1])


def open_checkpoint(note, verifier):
    """Verifies the note's signature, parses it and checks origin == key name."""
    if isinstance(verifier, str):
        verifier = Verifier.parse(verifier)
    cp = parse_checkpoint(open_note(note, verifier))
    if cp.origin != verifier.name:
        raise VerifyError("checkpoint origin %r is not the key name %r" % (cp.origin, verifier.name))
    cp.note = note if isinstance(note, str) else note.decode("utf-8")
    return cp


# ---------------------------------------------------------------- RFC 6962 / 9162

def leaf_hash(leaf):
    return sha256(b"\x00" + leaf)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def _split(n):
    """Largest power of two smaller than n (n >= 2)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def mth(hashes):
    """Merkle tree hash of a list of leaf hashes (RFC 6962 section 2.1)."""
    n = len(hashes)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return hashes[0]
    k = _split(n)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def inclusion_path(m, hashes):
    """PATH(m, D[n]) of RFC 6962 2.1.1, to check a server's proof is exactly the RFC one."""
    n = len(hashes)
    if n <= 1:
        return []
    k = _split(n)
    if m < k:
        return inclusion_path(m, hashes[:k]) + [mth(hashes[k:])]
    return inclusion_path(m - k, hashes[k:]) + [mth(hashes[:k])]


def consistency_path(m, hashes):
    """PROOF(m, D[n]) of RFC 6962 2.1.2."""
    def subproof(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [mth(d)]
        k = _split(n)
        if m <= k:
            return subproof(m, d[:k], b) + [mth(d[k:])]
        return subproof(m - k, d[k:], False) + [mth(d[:k])]
    if m == 0 or m == len(hashes):
        return []
    return subproof(m, hashes, True)


def verify_inclusion(index, size, lhash, proof, root):
    """RFC 9162 section 2.1.3.2. Raises VerifyError on failure."""
    if index >= size:
        raise VerifyError("index %d not below tree size %d" % (index, size))
    fn, sn, r = index, size - 1, lhash
    for p in proof:
        if len(p) != 32:
            raise VerifyError("proof hash is not 32 bytes")
        if sn == 0:
            raise VerifyError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerifyError("inclusion proof too short")
    if r != root:
        raise VerifyError("inclusion proof does not lead to the root")


def verify_consistency(size1, size2, root1, root2, proof):
    """RFC 9162 section 2.1.4.2. Raises VerifyError on failure."""
    if size1 > size2:
        raise VerifyError("first size above second")
    if size1 == size2:
        if proof:
            raise VerifyError("non-empty proof between equal sizes")
        if root1 != root2:
            raise VerifyError("same size, different roots")
        return
    if size1 == 0:
        if proof:
            raise VerifyError("non-empty proof from the empty tree")
        return
    if not proof:
        raise VerifyError("empty consistency proof")
    for p in proof:
        if len(p) != 32:
            raise VerifyError("proof hash is not 32 bytes")
    if size1 & (size1 - 1) == 0:
        proof = [root1] + list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise VerifyError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerifyError("consistency proof too short")
    if fr != root1:
        raise VerifyError("consistency proof does not reproduce the first root")
    if sr != root2:
        raise VerifyError("consistency proof does not reproduce the second root")


# ---------------------------------------------------------------- tiles

TILE_WIDTH = 256
TILE_HEIGHT = 8


def tile_index_path(n):
    """1234067 -> 'x001/x234/067'; 5 -> '005'."""
    s = str(n)
    s = "0" * (-len(s) % 3) + s
    groups = [s[i:i + 3] for i in range(0, len(s), 3)]
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def tile_path(level, index, width=TILE_WIDTH):
    """'tile/<L>/<N>[.p/<W>]'; level 'entries' for entry bundles."""
    p = "tile/%s/%s" % (level, tile_index_path(index))
    if width != TILE_WIDTH:
        if not 1 <= width < TILE_WIDTH:
            raise ValueError("bad tile width")
        p += ".p/%d" % width
    return p


def parse_entry_bundle(data):
    """Entries of an entry bundle: each a big-endian uint16 length then that many bytes."""
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise VerifyError("truncated entry length")
        n = int.from_bytes(data[i:i + 2], "big")
        i += 2
        if i + n > len(data):
            raise VerifyError("truncated entry")
        out.append(data[i:i + n])
        i += n
    return out


def tiles_for(size, level):
    """[(index, width)] of the tiles at tile level `level` in a tree of `size` leaves."""
    count = size >> (TILE_HEIGHT * level)
    out = [(i, TILE_WIDTH) for i in range(count // TILE_WIDTH)]
    if count % TILE_WIDTH:
        out.append((count // TILE_WIDTH, count % TILE_WIDTH))
    return out


class HTTPError(Exception):
    def __init__(self, url, status, body):
        super().__init__("%s: HTTP %d %s" % (url, status, body[:200]))
        self.status, self.body = status, body


def http_get(url, timeout=30):
    """(status, headers, body) of a GET; HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, headers={"User-Agent": "aidreg-interop/1"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class TlogClient:
    """Reads a tlog-tiles log at <base>/log/<code>/."""

    def __init__(self, base_url, code):
        self.prefix = "%s/log/%s/" % (base_url.rstrip("/"), code)
        self.fetches = 0

    def get(self, path):
        url = self.prefix + path
        status, headers, body = http_get(url)
        self.fetches += 1
        if status != 200:
            raise HTTPError(url, status, body)
        return body, headers

    def checkpoint(self, verifier):
        body, _ = self.get("checkpoint")
        return open_checkpoint(body, verifier)

    def tile(self, level, index, width):
        body, _ = self.get(tile_path(level, index, width))
        return body

    def leaves(self, size):
        """All leaves of a tree of `size` entries, from the entry bundles."""
        out = []
        for index, width in tiles_for(size, 0):
            entries = parse_entry_bundle(self.tile("entries", index, width))
            if len(entries) != width:
                raise VerifyError("entry bundle %d holds %d entries, not %d" % (index, len(entries), width))
            out.extend(entries)
        return out

    def verify(self, verifier, checkpoint=None):
        """Checks a whole log: checkpoint signature, every entry bundle, every hash tile at
        every level, and the root. Returns (checkpoint, leaves)."""
        cp = checkpoint or self.checkpoint(verifier)
        leaves = self.leaves(cp.size)
        level_hashes = [leaf_hash(l) for l in leaves]
        level = 0
        while True:
            want_tiles = tiles_for(cp.size, level)
            if not want_tiles:
                break
            for index, width in want_tiles:
                data = self.tile(level, index, width)
                if len(data) != 32 * width:
                    raise VerifyError("tile %s is %d bytes, not %d" % (tile_path(level, index, width), len(data), 32 * width))
                want = b"".join(level_hashes[index * TILE_WIDTH:index * TILE_WIDTH + width])
                if data != want:
                    raise VerifyError("tile %s does not match the leaves" % tile_path(level, index, width))
            # Hashes of the next tile level: perfect subtrees of 256 nodes of this one.
            full = len(level_hashes) // TILE_WIDTH
            level_hashes = [mth(level_hashes[i * TILE_WIDTH:(i + 1) * TILE_WIDTH]) for i in range(full)]
            level += 1
        root = mth([leaf_hash(l) for l in leaves])
        if root != cp.root:
            raise VerifyError("root recomputed from the entries differs from the checkpoint")
        return cp, leaves


# ---------------------------------------------------------------- self-test

def self_test():
    """Known-answer tests: the signed-note example of golang.org/x/mod/sumdb/note (used by
    C2SP), the RFC 6962 empty-tree hash, and proofs generated here from the RFC definitions."""
    vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    note = text + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    assert open_note(note, vkey) == text
    assert Verifier.parse(vkey).string() == vkey
    try:
        open_note(note.replace("cryptography", "cryptographY"), vkey)
        raise AssertionError("tampered note verified")
    except VerifyError:
        pass
    assert tile_index_path(1234067) == "x001/x234/067"
    assert tile_index_path(5) == "005"
    assert tile_path(0, 1234067, 8) == "tile/0/x001/x234/067.p/8"
    assert tile_path("entries", 5) == "tile/entries/005"
    assert mth([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    # RFC 6962 test vector: the 8-leaf tree of the CT test data.
    leaves = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                         "606162636465666768696a6b6c6d6e6f"]]
    hashes = [leaf_hash(l) for l in leaves]
    assert mth(hashes).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    for n in range(1, len(hashes) + 1):
        for m in range(n):
            verify_inclusion(m, n, hashes[m], inclusion_path(m, hashes[:n]), mth(hashes[:n]))
        for m in range(1, n + 1):
            verify_consistency(m, n, mth(hashes[:m]), mth(hashes[:n]), consistency_path(m, hashes[:n]))
    return True


if __name__ == "__main__":
    self_test()
    print("c2sp self-test: ok")
