#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets (tests/fuzz/corpus_<target>/) from the
golden vectors (tests/vectors/), the demo county's history (tools/demo/seed.py, built
offline: nothing is submitted) and a small ledger signed here. Deterministic: run it again
and the files come out the same. Seeds that the targets sign or verify use the fuzz log key
of fuzz_common.h (Ed25519 from 32 bytes 0x5a, name fuzz.aidreg.local/522731).

usage: tests/fuzz/make_seeds.py   (from anywhere; writes beside itself)
"""

import base64
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))
sys.path.insert(0, os.path.join(ROOT, "tools", "demo"))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

import aidreg_client as ac  # noqa: E402
import c2sp  # noqa: E402
import seed as demo  # noqa: E402

ORIGIN = "fuzz.aidreg.local/522731"
CODE = "522731"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(b"\x5a" * 32)


def key(name):
    return ac.Key(Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"aidreg fuzz " + name.encode()).digest()))


class OfflineKeys(demo.Keys):
    """The demo's keys, all derived from the seed (no files)."""

    def get(self, name):
        if name not in self.keys:
            self.keys[name] = key("demo " + name)
        return self.keys[name]


def envelope_text(env):
    return ac.compact({"payloadType": env["payloadType"], "payload": env["payload"],
                       "signatures": [{"keyid": s["keyid"], "sig": s["sig"]} for s in env["signatures"]]})


def leaf(index, time, env):
    return b'{"v":1,"index":%d,"time":"%s","envelope":%s}' % (index, time.encode(), envelope_text(env))


def bundle(leaves):
    return b"".join(len(x).to_bytes(2, "big") + x for x in leaves)


def checkpoint_note(size, root):
    return c2sp.sign_note("%s\n%d\n%s\n" % (ORIGIN, size, ac.b64e(root)), ORIGIN, LOG_KEY)


def write(target, name, data):
    d = os.path.join(HERE, "corpus_" + target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def demo_history():
    """(event, envelope) of the demo county, origin ORIGIN, in log order."""
    with open(demo.TABLES, encoding="utf-8") as f:
        tables = json.load(f)
    keys = OfflineKeys(None, 2024)
    book = demo.Book(ORIGIN, keys)
    county = demo.County(tables, 2024, book)
    county.build_assets()
    demo.history(county, keys)
    return book.envelopes()


def small_ledger():
    """A ledger of 5 leaves: ledger.create, enrolments by the root and the county key."""
    root, county = key("root"), key("county")
    t = "2026-02-01T00:00:%02d.000Z"
    evs = [ac.envelope(ac.event(ORIGIN, "ledger.create", CODE, {
        "code": CODE, "name": "惠水县", "root_key": root.id, "settings": {}}, time="2026-02-01T00:00:00Z"), root)]
    evs.append(ac.envelope(ac.event(ORIGIN, "key.enroll", county.id, {
        "key": county.id, "role": "county", "scope": CODE,
        "holder": {"name": "县乡村振兴局", "org": "惠水县乡村振兴局"}}, time="2026-02-01T00:00:01Z"), root))
    for i in range(3):
        k = key("village %d" % i)
        evs.append(ac.envelope(ac.event(ORIGIN, "key.enroll", k.id, {
            "key": k.id, "role": "village", "scope": CODE + "104201",
            "holder": {"name": "村文书 %d" % i, "org": "好花红村村民委员会"}}, time="2026-02-01T00:00:0%dZ" % (2 + i)),
            county))
    return [leaf(i, t % (10 + i), e) for i, e in enumerate(evs)]


def main():
    for target in ("validate", "note", "leaf", "tile", "bundle", "query", "receipt", "witness_request"):
        d = os.path.join(HERE, "corpus_" + target)
        for f in os.listdir(d) if os.path.isdir(d) else []:
            if not f.startswith(("crash-", "regress-")):  # findings stay
                os.remove(os.path.join(d, f))
    vec = lambda n: json.load(open(os.path.join(ROOT, "tests", "vectors", n), encoding="utf-8"))  # noqa: E731

    # validate: one payload per event type of the demo history (the first two), and the
    # payloads the small ledger signs.
    seen = {}
    items = demo_history()
    for ev, env in items:
        n = seen.get(ev["type"], 0)
        if n < 2:
            write("validate", "%s-%d.json" % (ev["type"], n), base64.b64decode(env["payload"]))
            seen[ev["type"]] = n + 1

    # leaf: the golden leaf and demo leaves (one per type).
    write("leaf", "vector.json", vec("leaf.json")["leaf"])
    done = set()
    for i, (ev, env) in enumerate(items):
        if ev["type"] not in done:
            done.add(ev["type"])
            write("leaf", "%s.json" % ev["type"], leaf(i, "2026-02-01T00:00:00.000Z", env))

    # bundle: the small ledger's first k leaves, whole (verifies) and cut.
    leaves = small_ledger()
    for k in (1, 2, 5):
        write("bundle", "ledger-%d.bin" % k, bytes([k - 1]) + bundle(leaves[:k]))
    write("bundle", "cut.bin", bytes([1]) + bundle(leaves[:2])[:-7])
    write("bundle", "extra.bin", bytes([0]) + bundle(leaves[:2]))

    # note: the golden notes, the fuzz key's checkpoints, a verifier string and a note.
    nv = vec("note.json")
    write("note", "peter.txt", nv["peter"]["note"])
    write("note", "checkpoint-text.txt", nv["checkpoint"]["text"])
    hashes = [c2sp.leaf_hash(x) for x in leaves]
    for size in (1, 5):
        write("note", "checkpoint-%d.txt" % size, checkpoint_note(size, c2sp.mth(hashes[:size])))
    write("note", "vkey-note.txt", nv["peter"]["vkey"] + "\n" + nv["peter"]["note"])
    write("note", "extension.txt", c2sp.sign_note("%s\n3\n%s\nextension line\n" % (
        ORIGIN, ac.b64e(b"\x01" * 32)), ORIGIN, LOG_KEY))

    # receipt: receipts of the small ledger's entries, as the server answers them.
    for index in (0, 3, 4):
        write("receipt", "receipt-%d.json" % index, json.dumps({
            "ledger": CODE, "index": index, "leaf_hash": ac.b64e(hashes[index]),
            "payload_sha256": "00" * 32, "checkpoint": checkpoint_note(5, c2sp.mth(hashes)),
            "inclusion_proof": [ac.b64e(h) for h in c2sp.inclusion_path(index, hashes)]}, ensure_ascii=False))
    write("receipt", "not-receipt.json", '{"index":-1,"checkpoint":"x\\n","leaf_hash":"","inclusion_proof":[]}')

    # witness_request: add-checkpoint bodies (C2SP tlog-witness) as the server sends them
    # to a witness, from size 0 and with the small ledger's consistency proofs; broken ones.
    cps = {size: checkpoint_note(size, c2sp.mth(hashes[:size])) for size in (1, 3, 5)}

    def request(old, proof, note):
        return "old %d\n%s\n%s" % (old, "".join(ac.b64e(h) + "\n" for h in proof), note)
    write("witness_request", "from-0.txt", request(0, [], cps[1]))
    write("witness_request", "1-to-5.txt", request(1, c2sp.consistency_path(1, hashes), cps[5]))
    write("witness_request", "3-to-5.txt", request(3, c2sp.consistency_path(3, hashes), cps[5]))
    write("witness_request", "same-size.txt", request(5, [], cps[5]))
    write("witness_request", "no-blank-line.txt", "old 1\n" + cps[5])
    write("witness_request", "leading-zero.txt", "old 01\n\n" + cps[5])
    write("witness_request", "short-proof-line.txt", "old 3\n" + ac.b64e(hashes[0])[:40] + "\n\n" + cps[5])
    write("witness_request", "64-proof-lines.txt", request(3, [hashes[0]] * 64, cps[5]))

    # tile: canonical and non-canonical paths (tile.h).
    for i, p in enumerate(["tile/0/000", "tile/0/x001/x234/067.p/8", "tile/entries/005", "tile/entries/000.p/3",
                           "tile/1/000.p/1", "tile/63/x999/x999/x999/x999/x999/x999/255", "tile/0/5",
                           "tile/0/000.p/0", "tile/0/000.p/256", "tile/64/000", "tile/0/x000/001",
                           "tile/entries/x001", "tile/0/001.p/08"]):
        write("tile", "path-%02d.txt" % i, p)

    # query: the server's query strings.
    for i, q in enumerate(["from=0&limit=10", "from=9223372036854775807", "from=9223372036854775808",
                           "hash=" + "ab" * 32, "hash=" + "AB" * 31, "status=open&from=1", "from=1&from=2",
                           "unknown=1", "limit", "%66rom=1+", "status=%ff", "from=-1", "from=00012"]):
        write("query", "query-%02d.txt" % i, q)
    for t in sorted(os.listdir(HERE)):
        if t.startswith("corpus_"):
            print("%s: %d files" % (t, len(os.listdir(os.path.join(HERE, t)))))


if __name__ == "__main__":
    main()
