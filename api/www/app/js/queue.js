// Signed entries wait in IndexedDB ("queue") until the server has answered them. States:
// signed (not yet answered), sending, refused (4xx other than 409: kept, shown, never
// resent by itself), conflict (409). An entry leaves the queue only in the transaction that
// stores its receipt. Sync runs on page open, on `online`, on a backoff timer and on demand,
// one at a time (a Web Lock across tabs where there is one); resending is harmless, since
// the server answers the same payload with its first receipt (200).
import * as api from './api.js';
import * as store from './db.js';
import { markEnrolled } from './keys.js';
import { uploadAll } from './blobs.js';

const listeners = new Set();
export const onChange = (f) => listeners.add(f);
const changed = () => listeners.forEach((f) => f());

export async function enqueue(ledger, signed, meta) {
  const row = { ledger, env: signed.env, payload_sha256: signed.payload_sha256, event: signed.event, meta,
    state: 'signed', tries: 0, queued: new Date().toISOString() };
  row.id = await store.put('queue', row);
  changed();
  return row;
}

// A re-signed entry in place of a conflicting one, in one transaction (the old one is never
// lost without its successor); it goes to the end of the queue.
export async function replace(oldId, ledger, signed, meta) {
  const row = { ledger, env: signed.env, payload_sha256: signed.payload_sha256, event: signed.event, meta,
    state: 'signed', tries: 0, queued: new Date().toISOString() };
  row.id = await store.swap(oldId, row);
  changed();
  return row;
}

// Rows from another device's export (queue_file.js): kept unless this device already holds
// that payload, queued or accepted. Returns how many were added.
export async function adopt(rows) {
  let added = 0;
  for (const r of rows) {
    if (await store.get('receipts', r.payload_sha256)) continue;
    if ((await store.all('queue')).some((x) => x.payload_sha256 === r.payload_sha256)) continue;
    await store.put('queue', { ledger: r.ledger, env: r.env, payload_sha256: r.payload_sha256, event: r.event, meta: r.meta,
      state: 'signed', tries: 0, queued: r.queued || new Date().toISOString(), imported: new Date().toISOString() });
    added++;
  }
  if (added) changed();
  return added;
}

// Send one row: {outcome: 'accepted'|'refused'|'conflict'|'offline', receipt?, problem?, status?}
async function sendRow(row) {
  let r;
  try { r = await api.submit(row.ledger, row.env); } catch (e) {
    if (e instanceof api.NetError) return { outcome: 'offline' };
    throw e;
  }
  if (r.status === 201 || r.status === 200) {
    const receipt = { ...r.body, payload_sha256: row.payload_sha256, replay: r.status === 200,
      event: row.event, meta: row.meta, stored: new Date().toISOString() };
    await store.settle(row.id, receipt);
    await markEnrolled();
    return { outcome: 'accepted', receipt, status: r.status };
  }
  if (r.status >= 500 || r.status === 429) return { outcome: 'offline', status: r.status };
  const state = r.status === 409 ? 'conflict' : 'refused';
  await store.put('queue', { ...row, state, problem: r.body, status: r.status, answered: new Date().toISOString() });
  return { outcome: state, problem: r.body, status: r.status };
}

let running = null;
export function sync() {
  running ??= (async () => {
    const run = async () => {
      // Files first: an entry never reaches the server before the photos it names.
      if ((await uploadAll()) === 'offline') return 0;
      const rows = (await store.all('queue')).filter((x) => x.state === 'signed' || x.state === 'sending');
      let sent = 0;
      for (const row of rows) {
        const res = await sendRow(row);
        if (res.outcome === 'offline') break;
        sent++;
      }
      await store.put('meta', new Date().toISOString(), 'lastSync');
      return sent;
    };
    try {
      return navigator.locks ? await navigator.locks.request('aidreg-sync', run) : await run();
    } finally { running = null; changed(); }
  })();
  return running;
}

// A new entry: queued, then sent by the one sync in progress (never by a second path).
export async function submitNow(ledger, signed, meta) {
  const row = await enqueue(ledger, signed, meta);
  await running?.catch(() => {});
  try { await sync(); } catch { /* stays queued */ }
  const receipt = await store.get('receipts', row.payload_sha256);
  if (receipt) return { outcome: 'accepted', receipt, status: receipt.replay ? 200 : 201 };
  const fresh = await store.get('queue', row.id);
  if (!fresh || fresh.state === 'signed' || fresh.state === 'sending') return { outcome: 'offline' };
  return { outcome: fresh.state, problem: fresh.problem, status: fresh.status, id: fresh.id };
}

export async function unsent() { return (await store.all('queue')).filter((x) => x.state === 'signed' || x.state === 'sending'); }

let timer = null, delay = 15000;
export function start() {
  const tick = async () => {
    try { await sync(); } catch { /* try again later */ }
    const left = (await unsent()).length;
    delay = left ? Math.min(delay * 2, 300000) : 15000;
    timer = setTimeout(tick, left ? delay : 60000);
  };
  addEventListener('online', () => { clearTimeout(timer); delay = 15000; tick(); });
  tick();
}
