// Receipts verified in the browser against the latest checkpoint (issue 11 part 5), with the
// same code for the public notice's verdict: the checkpoint's signed note with the log's vkey
// (note.js, WebCrypto Ed25519), the entry's leaf rebuilt from the entry and hashed here, its inclusion proof (merkle.js, RFC 9162), and the consistency proof from the
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

// The exact leaf bytes of an entry (registry/log/leaf.c): {"v":1,"index":N,"time":"…","envelope":{…}}
// compact, members in that order, the envelope as registry/dsse/dsse.c writes it. Rebuilt from
// GET …/entries/N rather than read from its entry bundle (256 leaves: too much for a slow link);
// a byte out of place changes the hash, and the inclusion proof then fails: never a false "verified".
export function leafFromEntry(e) {
  const env = e.envelope;
  const canon = { payloadType: env.payloadType, payload: env.payload, signatures: env.signatures.map((x) => ({ keyid: x.keyid, sig: x.sig })) };
  return new TextEncoder().encode(`{"v":1,"index":${e.index},"time":${JSON.stringify(e.time)},"envelope":${JSON.stringify(canon)}}`);
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
  // In parallel: on a slow link each round trip costs more than the hashing.
  const [v, latestNote, entry, incl0] = await Promise.all([verifier(code), text(`/log/${code}/checkpoint`).then((r) => r.text()),
    json(`/v1/ledgers/${code}/entries/${index}`), json(`/v1/ledgers/${code}/proof/inclusion?index=${index}`)]);
  const latest = v ? await openCheckpoint(latestNote, v).catch(() => null) : null;
  add('latest', latest);
  const out = { ok: false, checks, index: Number(index), size: latest ? Number(latest.size) : null, vkey: v?.name };
  if (!latest || BigInt(index) >= latest.size) return out;
  const leaf = leafFromEntry(entry);
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
  // The proof for the checkpoint just read (the log may have grown in between).
  const incl = BigInt(incl0.tree_size) === latest.size ? incl0 : await json(`/v1/ledgers/${code}/proof/inclusion?index=${index}&size=${latest.size}`);
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
