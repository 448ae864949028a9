// The device's Ed25519 key: made with WebCrypto, the private key non-extractable, both
// CryptoKey objects kept in IndexedDB ("keys"/"clerk"). The key id is the standard base64
// of the raw 32-byte public key, as tools/cli_sign.c and the server have it.
import * as store from './db.js';
import { b64 } from './util.js';

export const KIND_WEBCRYPTO = 'webcrypto-ed25519';

export async function hasEd25519() {
  try {
    const k = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    return !!k.privateKey;
  } catch { return false; }
}

export async function loadKey() { return (await store.get('keys', 'clerk')) || null; }

// Make and keep a new key for ledger (6-digit code) and village (12-digit scope); slot "county"
// is a county officer's key (keysadmin.js).
export async function makeKey(ledger, village, slot = 'clerk', role = 'village') {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const rec = {
    kind: KIND_WEBCRYPTO, privateKey: pair.privateKey, publicKey: pair.publicKey, keyid: b64(raw),
    ledger, village, role, created: new Date().toISOString(), extractable: pair.privateKey.extractable, enrolled: false,
  };
  await store.put('keys', rec, slot);
  return rec;
}

export async function markEnrolled() {
  const k = await loadKey();
  if (k && !k.enrolled) { k.enrolled = true; await store.put('keys', k, 'clerk'); }
}

export async function sign(key, bytes) {
  return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key.privateKey, bytes));
}

// navigator.storage.persist(): true / false, or null where the browser has no such thing.
export async function requestPersist() {
  if (!navigator.storage || !navigator.storage.persist) return null;
  try {
    if (await navigator.storage.persisted()) return true;
    return await navigator.storage.persist();
  } catch { return false; }
}
