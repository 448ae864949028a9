// IndexedDB: "keys" (the device's signing key, CryptoKey objects as they are: the private
// key never leaves the browser), "queue" (signed entries until their receipt is stored),
// "receipts" (receipts of accepted entries), "meta" (last sync, ...).
const NAME = 'aidreg', VERSION = 1;
let dbp;
export function db() {
  dbp ??= new Promise((resolve, reject) => {
    const rq = indexedDB.open(NAME, VERSION);
    rq.onupgradeneeded = () => {
      const d = rq.result;
      d.createObjectStore('keys');
      d.createObjectStore('queue', { keyPath: 'id', autoIncrement: true });
      d.createObjectStore('receipts', { keyPath: 'payload_sha256' });
      d.createObjectStore('meta');
    };
    rq.onsuccess = () => resolve(rq.result);
    rq.onerror = () => reject(rq.error);
  });
  return dbp;
}
function done(tx, rq) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(rq ? rq.result : undefined);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}
export async function get(store, key) {
  const tx = (await db()).transaction(store);
  return done(tx, tx.objectStore(store).get(key));
}
export async function put(store, value, key) {
  const tx = (await db()).transaction(store, 'readwrite');
  return done(tx, tx.objectStore(store).put(value, key));
}
export async function del(store, key) {
  const tx = (await db()).transaction(store, 'readwrite');
  return done(tx, tx.objectStore(store).delete(key));
}
export async function all(store) {
  const tx = (await db()).transaction(store);
  return done(tx, tx.objectStore(store).getAll());
}
// One transaction: put the receipt and delete the queue row (an entry leaves the queue only
// when its receipt is stored).
export async function settle(id, receipt) {
  const tx = (await db()).transaction(['queue', 'receipts'], 'readwrite');
  tx.objectStore('receipts').put(receipt);
  tx.objectStore('queue').delete(id);
  return done(tx);
}
// One transaction: delete a queue row and add its successor; the new row's id.
export async function swap(oldId, row) {
  const tx = (await db()).transaction('queue', 'readwrite');
  tx.objectStore('queue').delete(oldId);
  const rq = tx.objectStore('queue').add(row);
  return done(tx, rq);
}
