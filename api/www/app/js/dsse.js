// DSSE v1 as registry/dsse/dsse.c and tools/cli_sign.c have it:
//   PAE = "DSSEv1" SP len(type) SP type SP len(payload) SP payload (lengths in bytes, decimal)
//   envelope = {"payloadType", "payload": base64(payload), "signatures": [{"keyid", "sig"}]}
// The payload is the event as compact JSON, UTF-8, non-ASCII kept as it is:
//   {"ledger": origin, "type", "subject", "time", "prev"?, "body"}
import { sign } from './keys.js';
import { b64, sha256hex } from './util.js';

export const PAYLOAD_TYPE = 'application/vnd.aidreg.event+json';
const enc = new TextEncoder();

export function pae(type, payload) {
  const t = enc.encode(type);
  const head = enc.encode(`DSSEv1 ${t.length} ${type} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

export function event(origin, type, subject, body, prev) {
  const ev = { ledger: origin, type, subject, time: new Date().toISOString() };
  if (prev) ev.prev = prev;
  ev.body = body;
  return ev;
}

// {env, payload_sha256, event}
export async function signEvent(key, ev) {
  const payload = enc.encode(JSON.stringify(ev));
  const sig = await sign(key, pae(PAYLOAD_TYPE, payload));
  const env = { payloadType: PAYLOAD_TYPE, payload: b64(payload), signatures: [{ keyid: key.keyid, sig: b64(sig) }] };
  return { env, payload_sha256: await sha256hex(payload), event: ev };
}
