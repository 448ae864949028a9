// The service worker: the app's files and the village's reads keep working offline.
// Network first (a fresh copy whenever the server answers, so a new version is never hidden
// behind an old cache), the last good answer when it does not. Only GETs of this origin are
// cached; submissions (POST) pass through untouched: the IndexedDB queue holds them.
const CACHE = 'aidreg-app-v2';
const SHELL = ['./', 'index.html', 'app.css', 'icon.svg', 'js/main.js', 'js/app.js', 'js/api.js', 'js/db.js', 'js/dsse.js',
  'js/form.js', 'js/i18n.js', 'js/keys.js', 'js/queue.js', 'js/util.js', 'vendor/qrcode.mjs',
  'js/form_items.js', 'js/chain.js', 'js/history.js', 'js/strings_more.js', 'js/record.js', 'js/plans.js', 'js/conflict.js',
  'js/queue_file.js', 'js/dashboard.js', 'js/keysadmin.js', 'js/evidence.js', 'js/blobs.js', 'js/photos.js', 'js/words.js',
  'js/receipt.js', 'js/merkle.js', 'js/note.js', 'js/notice.js', 'js/qr.js'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys().then((ks) => Promise.all(ks.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});
self.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (!(url.pathname.startsWith('/app/') || url.pathname.startsWith('/v1/') || url.pathname === '/openapi.json' ||
        url.pathname.startsWith('/log/'))) return;
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const res = await fetch(req);
      if (res.ok) await cache.put(req, res.clone());
      return res;
    } catch (err) {
      const hit = await cache.match(req, { ignoreVary: true });
      if (hit) return hit;
      throw err;
    }
  })());
});
