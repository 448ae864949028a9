// Attachments (docs/api.md "Attachments"): a photo is kept in its own IndexedDB database
// ("aidreg-blobs", so that the entries' queue is untouched) from the moment it is taken, with
// its upload already signed (Aidreg-Signature over "aidreg-blob/v1\n<origin>\n<sha256>\n": no
// time in it, so the phone signs at capture and uploads whenever it is online). uploadAll()
// runs first in every sync, so a file reaches the server before the entry that names it.
import { b64, sha256hex } from './util.js';
import { sign } from './keys.js';

let dbp;
function db() {
  dbp ??= new Promise((resolve, reject) => {
    const rq = indexedDB.open('aidreg-blobs', 1);
    rq.onupgradeneeded = () => rq.result.createObjectStore('blobs', { keyPath: 'sha256' });
    rq.onsuccess = () => resolve(rq.result);
    rq.onerror = () => reject(rq.error);
  });
  return dbp;
}
async function tx(mode, f) {
  const t = (await db()).transaction('blobs', mode);
  const r = f(t.objectStore('blobs'));
  return new Promise((resolve, reject) => {
    t.oncomplete = () => resolve(r?.result);
    t.onerror = t.onabort = () => reject(t.error);
  });
}
export const get = (sha) => tx('readonly', (s) => s.get(sha));
export const pending = async () => (await tx('readonly', (s) => s.getAll())).filter((b) => b.state === 'signed');

export const url = (ledger, sha) => `/v1/ledgers/${ledger}/blobs/${sha}`;

// Keep bytes (a Uint8Array) for key's ledger, signed; returns the hex SHA-256.
export async function keep(key, origin, bytes, type) {
  const sha256 = await sha256hex(bytes);
  const text = new TextEncoder().encode(`aidreg-blob/v1\n${origin}\n${sha256}\n`);
  const header = `${key.keyid} ${b64(await sign(key, text))}`;
  const old = await get(sha256);
  if (!old) await tx('readwrite', (s) => s.put({ sha256, ledger: key.ledger, type, bytes: new Blob([bytes], { type }), header, state: 'signed', kept: new Date().toISOString() }));
  return sha256;
}

// Upload every file not yet on the server: 'offline' when the network (or a 5xx) stops it.
export async function uploadAll() {
  for (const b of await pending()) {
    let r;
    try {
      r = await fetch(url(b.ledger, b.sha256), { method: 'PUT', headers: { 'Aidreg-Signature': b.header, 'Content-Type': b.type }, body: b.bytes });
    } catch { return 'offline'; }
    if (r.status >= 500 || r.status === 429) return 'offline';
    const state = r.status === 200 || r.status === 201 ? 'uploaded' : 'refused';
    const problem = state === 'refused' ? await r.json().catch(() => null) : null;
    await tx('readwrite', (s) => s.put({ ...b, state, problem, answered: new Date().toISOString() }));
  }
  return 'done';
}
