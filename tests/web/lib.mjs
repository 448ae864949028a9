// Helpers of the browser tests: steps that count, polling (the app's CSP forbids the string
// evaluation of page.waitForFunction), IndexedDB reads, Ed25519 signing with the demo keys.
import crypto from 'node:crypto';
import fs from 'node:fs';

export const results = { passed: 0, failed: 0, names: [] };
export function ok(cond, msg) { if (!cond) throw new Error('assertion failed: ' + msg); }
export async function step(name, fn) {
  const t0 = Date.now();
  try { await fn(); results.passed++; console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(2)}s)`); }
  catch (e) { results.failed++; console.log(`FAIL ${name}\n${e.stack || e}`); results.names.push(name); }
}
export async function until(page, fn, arg, timeout = 10000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + fn);
    await new Promise((r) => setTimeout(r, 100));
  }
}
// All rows of an IndexedDB store of the app ("queue", "receipts").
export const idb = (page, store) => page.evaluate((s) => new Promise((resolve) => {
  const rq = indexedDB.open('aidreg');
  rq.onsuccess = () => { const g = rq.result.transaction(s).objectStore(s).getAll(); g.onsuccess = () => resolve(g.result); };
}), store);
// Raw 32-byte Ed25519 public key (base64) -> SPKI PEM, for `aidreg enroll --pub`.
export function spkiPem(keyid) {
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(keyid, 'base64')]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}
// A DSSE envelope of an event signed with a PKCS#8 PEM key (the demo's), as the CLI signs.
export function envelope(pemFile, ev) {
  const priv = crypto.createPrivateKey(fs.readFileSync(pemFile));
  const keyid = crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
  const type = 'application/vnd.aidreg.event+json';
  const payload = Buffer.from(JSON.stringify(ev), 'utf8');
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
  return { payloadType: type, payload: payload.toString('base64'), signatures: [{ keyid, sig: crypto.sign(null, pae, priv).toString('base64') }] };
}
export const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');
