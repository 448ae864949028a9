// The browser's verifiers (api/www/app/js/merkle.js, note.js) against the golden vectors the C
// library's unit tests read (tests/vectors/: RFC 6962 proofs, the signed-note example of
// golang.org/x/mod/sumdb/note), run in node's WebCrypto: every good proof and signature is
// accepted, and every one altered by a byte, by a size or by a key is refused.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const app = (m) => import(path.join(ROOT, 'api/www/app/js', m));
const vec = (f) => JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/vectors', f), 'utf8'));
const { leafHash, verifyInclusion, verifyConsistency } = await app('merkle.js');
const { parseVkey, verifyNote, openCheckpoint } = await app('note.js');

let failed = 0, checked = 0;
const ok = (cond, msg) => { checked++; if (!cond) { failed++; console.log('FAIL ' + msg); } };
const unhex = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
const flip = (a) => { const b = a.slice(); b[0] ^= 1; return b; };

const m = vec('merkle_rfc6962.json');
const leaves = await Promise.all(m.leaves.map((l) => leafHash(unhex(l))));
for (const t of m.inclusion) {
  const root = unhex(m.roots[t.size - 1]), p = t.path.map(unhex);
  ok(await verifyInclusion(leaves[t.index], t.index, t.size, p, root), `inclusion ${t.index}/${t.size}`);
  ok(!(await verifyInclusion(flip(leaves[t.index]), t.index, t.size, p, root)), `inclusion ${t.index}/${t.size}: altered leaf`);
  if (p.length) ok(!(await verifyInclusion(leaves[t.index], t.index, t.size, [flip(p[0]), ...p.slice(1)], root)), `inclusion ${t.index}/${t.size}: altered path`);
  if (t.size > 1) ok(!(await verifyInclusion(leaves[t.index], t.index ^ 1, t.size, p, root)), `inclusion ${t.index}/${t.size}: wrong index`);
}
for (const t of m.consistency) {
  const a = unhex(m.roots[t.size1 - 1]), b = unhex(m.roots[t.size2 - 1]), p = t.path.map(unhex);
  ok(await verifyConsistency(t.size1, t.size2, a, b, p), `consistency ${t.size1}->${t.size2}`);
  if (t.size1 !== t.size2) {
    ok(!(await verifyConsistency(t.size1, t.size2, flip(a), b, p)), `consistency ${t.size1}->${t.size2}: altered old root`);
    ok(!(await verifyConsistency(t.size1, t.size2, a, flip(b), p)), `consistency ${t.size1}->${t.size2}: altered new root`);
    if (p.length) ok(!(await verifyConsistency(t.size1, t.size2, a, b, [flip(p[0]), ...p.slice(1)])), `consistency ${t.size1}->${t.size2}: altered path`);
  }
}

const n = vec('note.json');
const v = await parseVkey(n.peter.vkey);
ok(v && v.name === n.peter.name, 'vkey parsed');
ok(!(await parseVkey(n.peter.vkey.replace('c74f20a3', 'c74f20a4'))), 'vkey with a wrong key id refused');
ok((await verifyNote(n.peter.note, v)) === n.peter.text, 'the example note verifies');
ok(!(await verifyNote(n.peter.note.replace('cryptography', 'Cryptography'), v)), 'an altered text is refused');
const other = await parseVkey('PeterNeumann+' + n.peter.key_id_hex + '+' + n.peter.vkey.split('+')[2].replace(/^AR/, 'AS'));
ok(!other || !(await verifyNote(n.peter.note, other)), 'another key does not verify it');
ok(!(await openCheckpoint(n.peter.note, v)), 'a note that is no checkpoint is not opened as one');

console.log(`web: vectors: ${checked - failed} of ${checked} checks passed`);
process.exit(failed ? 1 : 0);
