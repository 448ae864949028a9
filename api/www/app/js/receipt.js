// Receipts verified in the browser against the latest checkpoint (issue 11 part 5), with the
// same code for the public notice's verdict: the checkpoint's signed note with the log's vkey
// (note.js, WebCrypto Ed25519), the entry's leaf read from its entry bundle (C2SP tlog-tiles) and
// hashed here, its inclusion proof (merkle.js, RFC 9162), and the consistency proof from the
// receipt's checkpoint to the latest. Nothing the server says is taken on trust but the vkey
// that GET /v1/ledgers lists (the one printed on the county's notices).
import { unb64, hex } from './util.js';
import { leafHash, verifyInclusion, verifyConsistency, equal } from './merkle.js';
import { parseVkey, openCheckpoint } from './note.js';

async function text(path) {
  const r = await fetch(path, { cache: 'no-store' });
  if (!r.ok) throw Object.assign(new Error('HTTP ' + r.status), { status: r.status });
  return r;
}
const json = async (path) => (await text(path)).json();

// C2SP tlog-tiles index path: 1234567 -> "x001/x234/567".
export function tilePath(n) {
  let s = String(n).padStart(3, '0');
  const groups = [];
  while (s.length > 3) { groups.unshift(s.slice(-3)); s = s.slice(0, -3); }
  groups.unshift(s.padStart(3, '0'));
  return groups.map((g, i) => (i < groups.length - 1 ? 'x' + g : g)).join('/');
}

// The exact leaf bytes of entry index, from the entry bundle of a tree of size.
export async function leafBytes(code, index, size) {
  const i = BigInt(index), n = i / 256n, w = size - n * 256n > 256n ? 256n : size - n * 256n;
  const path = `/log/${code}/tile/entries/${tilePath(n)}${w === 256n ? '' : '.p/' + w}`;
  const buf = new Uint8Array(await (await text(path)).arrayBuffer());
  let o = 0;
  for (let k = 0n; ; k++) {
    if (o + 2 > buf.length) throw new Error('short entry bundle');
    const len = (buf[o] << 8) | buf[o + 1];
    if (k === i % 256n) return buf.slice(o + 2, o + 2 + len);
    o += 2 + len;
  }
}

let vkeys = null;
async function verifier(code) {
  vkeys ??= json('/v1/ledgers').then((r) => Object.fromEntries(r.ledgers.map((l) => [l.code, l.vkey]))).catch((e) => { vkeys = null; throw e; });
  return parseVkey((await vkeys)[code]);
}

const b64s = (a) => (a || []).map(unb64);

// Verify entry `index` of ledger code. With a receipt ({index, leaf_hash, payload_sha256,
// checkpoint, inclusion_proof}) its own checkpoint and proof are checked too, and the
// consistency from it to the latest. Returns {ok, checks: [{name, ok}], index, size, leaf,
// event, proof} (proof: what a third party needs to check it again); never throws for a
// verdict (a network failure rejects).
export async function verifyEntry(code, index, receipt = null, expectPayload = null) {
  const checks = [];
  const add = (name, ok) => { checks.push({ name, ok: !!ok }); return !!ok; };
  const v = await verifier(code);
  const latestNote = await (await text(`/log/${code}/checkpoint`)).text();
  const latest = v ? await openCheckpoint(latestNote, v).catch(() => null) : null;
  add('latest', latest);
  const out = { ok: false, checks, index: Number(index), size: latest ? Number(latest.size) : null, vkey: v?.name };
  if (!latest || BigInt(index) >= latest.size) return out;
  const leaf = await leafBytes(code, index, latest.size);
  const lh = await leafHash(leaf);
  let parsed = null;
  try { parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(leaf)); } catch { /* checked below */ }
  const payload = parsed?.envelope?.payload ? unb64(parsed.envelope.payload) : null;
  const payloadHash = payload ? hex(await crypto.subtle.digest('SHA-256', payload)) : null;
  out.event = payload ? JSON.parse(new TextDecoder().decode(payload)) : null;
  out.leaf = parsed;
  const want = expectPayload || receipt?.payload_sha256;
  add('leaf', parsed && String(parsed.index) === String(index) && (!want || want === payloadHash) &&
    (!receipt || equal(unb64(receipt.leaf_hash), lh)));
  const incl = await json(`/v1/ledgers/${code}/proof/inclusion?index=${index}&size=${latest.size}`);
  add('incl-latest', await verifyInclusion(lh, index, latest.size, b64s(incl.inclusion_proof), latest.root));
  out.proof = { ledger: code, vkey: (await vkeys)[code], index: Number(index), leaf_hash: btoa(String.fromCharCode(...lh)),
    leaf: new TextDecoder().decode(leaf), checkpoint: latestNote, inclusion_proof: incl.inclusion_proof };
  if (receipt) {
    const cp = await openCheckpoint(receipt.checkpoint, v).catch(() => null);
    add('sig', cp);
    add('incl', cp && await verifyInclusion(unb64(receipt.leaf_hash), index, cp.size, b64s(receipt.inclusion_proof), cp.root));
    let cons = false;
    if (cp && cp.size === latest.size) cons = equal(cp.root, latest.root);
    else if (cp && cp.size < latest.size) {
      const c = await json(`/v1/ledgers/${code}/proof/consistency?from=${cp.size}&to=${latest.size}`);
      cons = await verifyConsistency(cp.size, latest.size, cp.root, latest.root, b64s(c.consistency_proof));
      out.proof.receipt = receipt;
      out.proof.consistency_proof = c.consistency_proof;
    }
    add('cons', cons);
  }
  out.ok = checks.every((c) => c.ok);
  return out;
}
