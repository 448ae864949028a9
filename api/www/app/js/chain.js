// `prev`: every entry names the subject's head it was made on (防迟交, design.md), so that a copy
// submitted late, or an entry made offline while someone else changed the subject, is refused
// 409 instead of landing on a state its signer never saw. The head this device knows is the
// newest of: its own unsent entries on the subject (they chain one after the other), the
// receipts it holds, the server's history (last read, possibly from the service worker's cache).
import { allSteps } from './history.js';
import * as store from './db.js';

// The last step of a subject's history as the server has it: {index, ref} or null.
// kind: 'asset' or 'plan'. `first` is a read already in hand (its first history page).
export async function serverHead(ledger, kind, id, first) {
  const steps = await allSteps(ledger, kind, id, first);
  const last = steps[steps.length - 1];
  return last ? { index: last.index, ref: last.ref } : null;
}

// The hex SHA-256 to send as `prev`, or undefined when the subject has no entry yet.
export async function prevFor(ledger, subject, head) {
  const queued = (await store.all('queue'))
    .filter((r) => r.ledger === ledger && r.event.subject === subject && (r.state === 'signed' || r.state === 'sending'));
  if (queued.length) return queued[queued.length - 1].payload_sha256;
  let best = head || null;
  for (const rc of await store.all('receipts')) {
    if (rc.ledger === ledger && rc.event?.subject === subject && (!best || rc.index > best.index)) best = { index: rc.index, ref: rc.payload_sha256 };
  }
  return best?.ref;
}

// What happened on the subject after `prev` (the steps this device did not know), and its head.
export async function stepsSince(ledger, kind, id, prev) {
  const steps = await allSteps(ledger, kind, id);
  const at = prev ? steps.findIndex((s) => s.ref === prev) : -1;
  return { steps: steps.slice(at + 1), head: steps.length ? steps[steps.length - 1].ref : null };
}
