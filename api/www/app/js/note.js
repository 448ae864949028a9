// C2SP signed notes and tlog checkpoints, as registry/log/note.c reads them: the text up to the
// last blank line is signed (its final newline included); each signature line is
// "— <name> <base64(key id ‖ Ed25519 signature)>", the key id being the first 4 bytes of
// SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key). The log's vkey is "<name>+<hex key id>+<base64(0x01 ‖ pub)>".
import { unb64 } from './util.js';
import { equal } from './merkle.js';

const enc = new TextEncoder();

export async function parseVkey(vkey) {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey || '');
  if (!m) return null;
  const raw = unb64(m[3]);
  if (raw.length !== 33 || raw[0] !== 1) return null;
  const pub = raw.slice(1), id = await keyId(m[1], pub);
  if (Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('') !== m[2]) return null;
  return { name: m[1], pub, id };
}

async function keyId(name, pub) {
  const n = enc.encode(name), buf = new Uint8Array(n.length + 2 + 32);
  buf.set(n); buf[n.length] = 10; buf[n.length + 1] = 1; buf.set(pub, n.length + 2);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf)).slice(0, 4);
}

// The signed text of note (up to and with the newline before the blank line) when verifier v
// signed it, else null. Signatures by other keys are skipped, as registry/log/note.c does.
export async function verifyNote(note, v) {
  if (typeof note !== 'string' || !v || !note.endsWith('\n')) return null;
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return null;
  const text = note.slice(0, split + 1), sigs = note.slice(split + 2).split('\n').slice(0, -1);
  let ok = false;
  const key = await crypto.subtle.importKey('raw', v.pub, { name: 'Ed25519' }, false, ['verify']);
  for (const line of sigs) {
    const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) return null;
    if (m[1] !== v.name) continue;
    const blob = unb64(m[2]);
    if (blob.length !== 68 || !equal(blob.slice(0, 4), v.id)) continue;
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, blob.slice(4), enc.encode(text)))) return null;
    ok = true;
  }
  return ok ? text : null;
}

// {origin, size (BigInt), root (Uint8Array)} when note is a checkpoint signed by v, else null.
export async function openCheckpoint(note, v) {
  let text;
  try { text = await verifyNote(note, v); } catch { return null; } // malformed base64 and such
  if (!text) return null;
  const [origin, size, root] = text.split('\n');
  if (origin !== v.name || !/^\d+$/.test(size || '')) return null;
  let r;
  try { r = unb64(root || ''); } catch { return null; }
  return r.length === 32 ? { origin, size: BigInt(size), root: r } : null;
}

// The size a checkpoint note states, without checking it (for display and for asking proofs).
export const noteSize = (note) => { const m = /^[^\n]*\n(\d+)\n/.exec(note || ''); return m ? BigInt(m[1]) : null; };
