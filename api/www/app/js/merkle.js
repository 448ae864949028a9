// RFC 6962 / RFC 9162 Merkle hashing and proof verification, as registry/log/merkle.c does it
// (leaf = SHA-256(0x00 ‖ leaf), node = SHA-256(0x01 ‖ left ‖ right)). Hashes are Uint8Array(32);
// indices and sizes are BigInt inside, so that no tree size loses bits.
const sha = async (...parts) => {
  const n = parts.reduce((a, p) => a + p.length, 0), buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { buf.set(p, o); o += p.length; }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
};
export const leafHash = (leaf) => sha(Uint8Array.of(0), leaf);
export const nodeHash = (l, r) => sha(Uint8Array.of(1), l, r);
export const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// RFC 9162 §2.1.3.2: true when proof leads from leaf (at index of a tree of size) to root.
export async function verifyInclusion(leaf, index, size, proof, root) {
  let fn = BigInt(index), sn = BigInt(size) - 1n;
  if (fn > sn || sn < 0n) return false;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) || fn === sn) {
      r = await nodeHash(p, r);
      while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

// RFC 9162 §2.1.4.2: true when proof shows the tree of size m (oldRoot) is a prefix of size n (newRoot).
export async function verifyConsistency(m, n, oldRoot, newRoot, proof) {
  m = BigInt(m); n = BigInt(n);
  if (m > n) return false;
  if (m === n) return proof.length === 0 && equal(oldRoot, newRoot);
  if (m === 0n || proof.length === 0) return false;
  const path = (m & (m - 1n)) === 0n ? [oldRoot, ...proof] : proof;
  let fn = m - 1n, sn = n - 1n;
  while (fn & 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && equal(fr, oldRoot) && equal(sr, newRoot);
}
