"""Known-answer and negative tests of the independent C2SP / RFC 6962 implementation itself
(no server needed), so that the verifier the other tests lean on is itself checked."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import c2sp  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402


def expect_error(fn, *a):
    try:
        fn(*a)
    except c2sp.VerifyError:
        return
    raise AssertionError("%s%r did not fail" % (fn.__name__, a[:2]))


def test_known_answers():
    assert c2sp.self_test()


def test_proofs_for_many_sizes():
    hashes = [c2sp.leaf_hash(b"leaf %d" % i) for i in range(70)]
    for n in range(1, 70):
        root = c2sp.mth(hashes[:n])
        for m in range(n):
            proof = c2sp.inclusion_path(m, hashes[:n])
            c2sp.verify_inclusion(m, n, hashes[m], proof, root)
            if proof:
                bad = list(proof)
                bad[-1] = bytes(32)
                expect_error(c2sp.verify_inclusion, m, n, hashes[m], bad, root)
                expect_error(c2sp.verify_inclusion, m, n, hashes[m], proof[:-1], root)
            expect_error(c2sp.verify_inclusion, m, n, hashes[m], proof + [bytes(32)], root)
            if n > 1:
                expect_error(c2sp.verify_inclusion, (m + 1) % n, n, hashes[m], proof, root)
        for m in range(1, n):
            proof = c2sp.consistency_path(m, hashes[:n])
            c2sp.verify_consistency(m, n, c2sp.mth(hashes[:m]), root, proof)
            expect_error(c2sp.verify_consistency, m, n, c2sp.mth(hashes[:m]), c2sp.sha256(b"x"), proof)
            expect_error(c2sp.verify_consistency, m, n, c2sp.sha256(b"x"), root, proof)
            if len(proof) > 1:
                expect_error(c2sp.verify_consistency, m, n, c2sp.mth(hashes[:m]), root, proof[:-1])


def test_signed_notes():
    k = Ed25519PrivateKey.generate()
    note = c2sp.sign_note("example.org/520000\n3\n%s\n" % c2sp.b64e(bytes(32)), "example.org/520000", k)
    pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    vkey = c2sp.vkey_string("example.org/520000", pub)
    cp = c2sp.open_checkpoint(note, vkey)
    assert cp.size == 3 and cp.root == bytes(32)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                    serialization.PublicFormat.Raw)
    expect_error(c2sp.open_note, note, c2sp.vkey_string("example.org/520000", other))
    expect_error(c2sp.Verifier.parse, vkey[:-4] + "AAA=")
    expect_error(c2sp.open_checkpoint, note, c2sp.vkey_string("example.org/520001", pub))
    expect_error(c2sp.open_note, note.replace("\n3\n", "\n4\n"), vkey)
    expect_error(c2sp.open_note, note.replace("\n\n", "\n"), vkey)
    expect_error(c2sp.parse_checkpoint, "origin\n03\n%s\n" % c2sp.b64e(bytes(32)))
    expect_error(c2sp.parse_checkpoint, "origin\n3\n%s\n" % c2sp.b64e(bytes(31)))
    # A signature by an unknown key is ignored, not an error, when a known one verifies.
    k2 = Ed25519PrivateKey.generate()
    extra = c2sp.sign_note("example.org/520000\n3\n%s\n" % c2sp.b64e(bytes(32)), "witness.example", k2)
    both = note + extra.split("\n\n", 1)[1]
    assert c2sp.open_checkpoint(both, vkey).size == 3


def test_tile_paths():
    assert c2sp.tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert c2sp.tile_path("entries", 1000, 3) == "tile/entries/x001/000.p/3"
    assert c2sp.tiles_for(0, 0) == []
    assert c2sp.tiles_for(256, 0) == [(0, 256)]
    assert c2sp.tiles_for(257, 0) == [(0, 256), (1, 1)]
    assert c2sp.tiles_for(257, 1) == [(0, 1)]
    assert c2sp.tiles_for(65536, 2) == [(0, 1)]
    assert c2sp.parse_entry_bundle(b"\x00\x01a\x00\x00\x00\x02bc") == [b"a", b"", b"bc"]
    expect_error(c2sp.parse_entry_bundle, b"\x00\x05ab")
