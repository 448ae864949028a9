// The web app in a real browser: Debian's chromium driven by playwright-core.
//
// Against the server and demo ledger of the CTest fixtures (tests/ctest/web.sh loads their
// environment): a clerk makes an Ed25519 key in the browser (WebCrypto, non-extractable, in
// IndexedDB), a first maintenance.report is refused (the key is not enrolled yet) and the
// refusal is shown in Chinese; the county enrols the key shown on the page (`aidreg enroll`
// with the demo county key); the clerk picks an asset of the village (search, class filter)
// and records a maintenance.report and an inventory.count signed in Chromium; the server
// accepts them (201: its libsodium verification is the one that counts), the receipts are
// shown, the entries are read back and the amount typed in yuan arrives in fen; a date in
// the future is refused by the form before signing. Screenshots at 360 px and 1280 px go
// to $AIDREG_STATE_DIR/web/. Prints 'web: N passed, N failed'.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = process.env;
const URL0 = env.AIDREG_URL, LEDGER = env.AIDREG_LEDGER, VILLAGE = env.AIDREG_WEB_VILLAGE || LEDGER + '104201';
const OUT = path.join(env.AIDREG_STATE_DIR || 'var/test', 'web');
const CLI = path.join(env.AIDREG_BUILD_DIR || 'build', 'aidreg');
const EXE = env.AIDREG_CHROMIUM || '/usr/lib/chromium/chromium';
fs.mkdirSync(OUT, { recursive: true });

let passed = 0, failed = 0;
const results = [];
function ok(cond, msg) { if (!cond) throw new Error('assertion failed: ' + msg); }
async function step(name, fn) {
  const t0 = Date.now();
  try { await fn(); passed++; console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(2)}s)`); }
  catch (e) { failed++; console.log(`FAIL ${name}\n${e.stack || e}`); results.push(name); }
}
async function shot(page, name) {
  const file = path.join(OUT, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
// page.waitForFunction evaluates strings, which the app's CSP forbids: poll from here.
async function until(fn, arg, timeout = 10000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + fn);
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function get(p) { const r = await fetch(URL0 + p); return { status: r.status, body: await r.json() }; }

// Raw 32-byte Ed25519 public key (base64) -> SPKI PEM, for `aidreg enroll --pub`.
function spkiPem(keyid) {
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(keyid, 'base64')]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

const browser = await chromium.launch({ executablePath: EXE, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const ctx = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'zh-CN', deviceScaleFactor: 1 });
const page = await ctx.newPage();
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));
const served = {}; // transfer sizes of the first load
page.on('response', async (r) => {
  const u = new URL(r.url());
  if (u.pathname.startsWith('/app/')) served[u.pathname] = Number((await r.allHeaders())['content-length'] || 0);
});

let keyid, asset;
const firstLoad = {};
await step('app shell opens at / in Chinese', async () => {
  const r = await page.goto(URL0 + '/');
  ok(r.ok(), 'status ' + r.status());
  ok(page.url().endsWith('/app/'), 'redirected to /app/: ' + page.url());
  await page.waitForSelector('h1');
  ok((await page.textContent('.brand')) === '扶贫资产登记', 'Chinese title');
  ok((await page.textContent('h1')).includes('村级报账员'), 'home in Chinese');
  await page.waitForLoadState('networkidle');
  Object.assign(firstLoad, served);
  await shot(page, 'home-360');
});

await step('yuan to fen on the digits, never through floats', async () => {
  const got = await page.evaluate(async () => {
    const u = await import('/app/js/util.js');
    const cases = ['0', '0.1', '0.01', '12.5', '1,234.56', '¥ 19.99', '0.29', '1.005', '-1', 'abc', '', '12.', '9999999999999.99',
      '99999999999999.99'];
    return { fen: cases.map((c) => [c, u.yuanToFen(c)]), yuan: [0, 5, 29, 123456, 100000000].map((f) => u.fenToYuan(f)) };
  });
  const want = { '0': 0, '0.1': 10, '0.01': 1, '12.5': 1250, '1,234.56': 123456, '¥ 19.99': 1999, '0.29': 29, '1.005': null,
    '-1': null, abc: null, '': null, '12.': 1200, '9999999999999.99': 999999999999999, '99999999999999.99': undefined };
  for (const [c, v] of got.fen) ok(v === want[c], `yuanToFen(${JSON.stringify(c)}) = ${v}, want ${want[c]}`);
  ok(JSON.stringify(got.yuan) === JSON.stringify(['0.00', '0.05', '0.29', '1,234.56', '1,000,000.00']), 'fenToYuan ' + got.yuan);
});

await step('enrolment: a WebCrypto Ed25519 key, non-extractable, in IndexedDB', async () => {
  await page.click('a[href="#/key"]');
  await page.waitForSelector('#village');
  await page.selectOption('#ledger', LEDGER);
  await page.fill('#village', '123');
  await page.click('#makekey');
  ok(await page.isVisible('.err'), 'a bad village code is refused');
  await page.fill('#village', VILLAGE);
  await page.click('#makekey');
  await page.waitForSelector('#pubkey');
  keyid = (await page.textContent('#pubkey')).trim();
  ok(/^[A-Za-z0-9+/]{43}=$/.test(keyid), 'key id is base64 of 32 bytes: ' + keyid);
  const info = await page.evaluate(() => new Promise((resolve, reject) => {
    const rq = indexedDB.open('aidreg');
    rq.onsuccess = () => {
      const g = rq.result.transaction('keys').objectStore('keys').get('clerk');
      g.onsuccess = () => resolve({ type: g.result.privateKey.type, alg: g.result.privateKey.algorithm.name,
        extractable: g.result.privateKey.extractable, kind: g.result.kind });
      g.onerror = () => reject(g.error);
    };
  }));
  ok(info.type === 'private' && info.alg === 'Ed25519' && info.extractable === false && info.kind === 'webcrypto-ed25519',
    JSON.stringify(info));
  const persist = await page.textContent('#persist');
  ok(/已获准|未获准|不支持/.test(persist), 'persist() result shown: ' + persist);
  ok((await page.textContent('main')).includes('私钥不可导出'), 'the kind of key is said');
  await until(() => !!document.querySelector('#qr')?.dataset.modules);
  const qr = await page.evaluate(() => ({ text: document.querySelector('#qr').dataset.text, w: document.querySelector('#qr').width }));
  ok(qr.text === `aidreg:key?ledger=${LEDGER}&village=${VILLAGE}&key=${encodeURIComponent(keyid)}` && qr.w > 100, 'QR: ' + JSON.stringify(qr));
  await shot(page, 'key-360');
});

async function openForm(type) {
  await page.goto(URL0 + '/app/#/asset/' + encodeURIComponent(asset.id));
  await page.waitForSelector(`a[data-type="${type}"]`);
  await page.click(`a[data-type="${type}"]`);
  await page.waitForSelector('#review');
}
async function fillMaintenance(yuan) {
  await page.check('input[name=kind][value=inspection]');
  await page.check('input[name=condition][value=good]');
  await page.fill('#f-cost_fen', yuan);
  await page.check('input[name=paid_from][value=maintenance_fund]');
  await page.fill('#f-note', '浏览器测试：巡查正常');
}

await step('asset picker: the village\'s assets, search and class filter, names in Chinese', async () => {
  await page.click('a[href="#/assets"]');
  await page.waitForSelector('#assets li');
  const all = await page.$$eval('#assets li a', (as) => as.map((a) => a.dataset.asset));
  ok(all.length > 0, 'assets listed');
  const expect = await get(`/v1/ledgers/${LEDGER}/assets?village=${VILLAGE}&class=public_welfare&limit=50`);
  ok(expect.status === 200 && expect.body.items.length > 0, 'the village has public-welfare assets');
  await page.selectOption('#class', 'public_welfare');
  await until((n) => document.querySelectorAll('#assets li').length === n, expect.body.items.length);
  const tags = await page.$$eval('#assets .tag', (ts) => ts.map((x) => x.textContent));
  ok(tags.includes('公益性'), 'class in Chinese: ' + tags.slice(0, 3));
  asset = expect.body.items.find((a) => a.status !== 'disposed') || expect.body.items[0];
  await page.fill('#q', asset.name);
  await until((id) => [...document.querySelectorAll('#assets li a')].some((a) => a.dataset.asset === id)
    && document.querySelectorAll('#assets li').length <= 5, asset.id);
  await shot(page, 'assets-360');
});

await step('a refused entry shows the server\'s problem in Chinese (key not enrolled yet)', async () => {
  await openForm('maintenance.report');
  ok((await page.textContent('label[for=f-cost_fen]')).includes('费用（元）'), 'amount typed in yuan');
  ok((await page.textContent('main')).includes('巡查'), 'enumeration labels in Chinese');
  await fillMaintenance('12.5');
  await page.click('#review');
  await page.waitForSelector('#sign');
  ok((await page.textContent('main')).includes('¥12.50'), 'summary shows the amount in yuan');
  await page.click('#sign');
  await page.waitForSelector('#problem');
  const text = await page.textContent('#problem');
  ok(text.includes('签名密钥未登记') && text.includes('县里'), 'Chinese message: ' + text);
  ok((await page.getAttribute('#problem', 'data-problem')) === 'key-not-enrolled', 'problem type');
  ok(!(await page.$('#receipt')), 'no receipt');
  await shot(page, 'refused-360');
});

await step('the county enrols the key shown in the browser (aidreg enroll, demo county key)', async () => {
  const pub = path.join(OUT, 'clerk.pub');
  fs.writeFileSync(pub, spkiPem(keyid));
  execFileSync(CLI, ['enroll', '--key', path.join(env.AIDREG_KEYS_DIR, 'county.key'), '--pub', pub, '--role', 'village',
    '--scope', VILLAGE, '--name', '浏览器测试报账员', '--org', '测试村委会', '--server', URL0, '--ledger', LEDGER], { stdio: 'pipe' });
});

const receipts = [];
await step('maintenance.report signed in Chromium, accepted by the server, receipt shown', async () => {
  await openForm('maintenance.report');
  await fillMaintenance('1,234.56');
  await page.click('#review');
  await page.waitForSelector('#sign');
  const sum = await page.textContent('main');
  ok(sum.includes('¥1,234.56') && sum.includes('巡查') && sum.includes('管护经费') && sum.includes(asset.name), 'summary: ' + sum);
  await shot(page, 'summary-360');
  await page.click('#sign');
  await page.waitForSelector('#receipt');
  const text = await page.textContent('#receipt');
  ok(text.includes('已记入台账'), 'receipt: ' + text);
  receipts.push(await page.evaluate(() => new Promise((resolve) => {
    const rq = indexedDB.open('aidreg');
    rq.onsuccess = () => { const g = rq.result.transaction('receipts').objectStore('receipts').getAll(); g.onsuccess = () => resolve(g.result); };
  })));
  await shot(page, 'receipt-360');
});

await step('inventory.count with a boolean, and a future date refused before signing', async () => {
  await openForm('inventory.count');
  await page.check('input[name=found][value=true]');
  await page.check('input[name=condition][value=needs_repair]');
  await page.fill('#f-note', '清查：路面有裂缝');
  await page.fill('#f-date', '2999-01-01');
  await page.click('#review');
  ok(await page.isVisible('.field .err:not([hidden])'), 'future date flagged');
  ok(!(await page.$('#sign')), 'no signing with an invalid form');
  await page.fill('#f-date', new Date().toISOString().slice(0, 10));
  await page.click('#review');
  await page.waitForSelector('#sign');
  await page.click('#sign');
  await page.waitForSelector('#receipt');
});

await step('the server holds both entries as signed in the browser, the amount in fen', async () => {
  const stored = await page.evaluate(() => new Promise((resolve) => {
    const rq = indexedDB.open('aidreg');
    rq.onsuccess = () => { const g = rq.result.transaction('receipts').objectStore('receipts').getAll(); g.onsuccess = () => resolve(g.result); };
  }));
  ok(stored.length === 2, 'two receipts stored: ' + stored.length);
  const queued = await page.evaluate(() => new Promise((resolve) => {
    const rq = indexedDB.open('aidreg');
    rq.onsuccess = () => { const g = rq.result.transaction('queue').objectStore('queue').count(); g.onsuccess = () => resolve(g.result); };
  }));
  ok(queued === 0, 'queue empty: ' + queued);
  for (const rc of stored) {
    const r = await get(`/v1/ledgers/${LEDGER}/entries/${rc.index}`);
    ok(r.status === 200, 'entry ' + rc.index);
    const e = r.body;
    const json = JSON.stringify(e);
    ok(json.includes(keyid), 'signed by the browser key');
    ok(json.includes(rc.payload_sha256), 'payload hash');
    const payload = JSON.parse(Buffer.from(e.envelope?.payload || e.payload || '', 'base64').toString('utf8') || 'null') || e.event;
    ok(payload && payload.subject === asset.id, 'subject: ' + JSON.stringify(payload));
    if (payload.type === 'maintenance.report') ok(payload.body.cost_fen === 123456, 'cost in fen: ' + payload.body.cost_fen);
    else ok(payload.type === 'inventory.count' && payload.body.found === true, 'inventory body');
  }
});

await step('offline: two entries signed and queued, synced exactly once when the network is back', async () => {
  const sizeBefore = (await get(`/v1/ledgers/${LEDGER}/entries?limit=1`)).body.size;
  await until(() => !!navigator.serviceWorker.controller, undefined, 10000);
  await openForm('maintenance.report'); // online once: the service worker keeps the answers
  await ctx.setOffline(true);
  for (const yuan of ['5', '6.07']) {
    await openForm('maintenance.report');
    await fillMaintenance(yuan);
    await page.click('#review');
    await page.waitForSelector('#sign');
    await page.click('#sign');
    await page.waitForSelector('#queued');
  }
  ok((await page.textContent('#netstate')) === '离线', 'offline shown');
  ok((await page.textContent('#unsent')).includes('2'), 'unsent count: ' + (await page.textContent('#unsent')));
  await page.click('#unsent');
  await page.waitForSelector('main .list');
  ok((await page.textContent('main')).includes('已签名待发送'), 'queue lists the signed entries');
  await shot(page, 'queue-offline-360');
  ok((await get(`/v1/ledgers/${LEDGER}/entries?limit=1`)).body.size === sizeBefore, 'nothing reached the server');
  await ctx.setOffline(false); // the page's `online` handler syncs
  await until(() => document.getElementById('unsent').hidden, undefined, 20000);
  const stored = await page.evaluate(() => new Promise((resolve) => {
    const rq = indexedDB.open('aidreg');
    rq.onsuccess = () => { const g = rq.result.transaction('receipts').objectStore('receipts').getAll(); g.onsuccess = () => resolve(g.result); };
  }));
  const fens = stored.map((r) => r.event.body.cost_fen).filter((f) => f === 500 || f === 607).sort();
  ok(JSON.stringify(fens) === '[500,607]', 'both receipts stored: ' + fens);
  const r = await get(`/v1/ledgers/${LEDGER}/entries?from=${sizeBefore}&limit=100`);
  const mine = r.body.entries.filter((e) => JSON.stringify(e.envelope).includes(keyid));
  ok(r.body.size === sizeBefore + 2 && mine.length === 2, `exactly two new entries: size ${sizeBefore} -> ${r.body.size}, mine ${mine.length}`);
  ok(new Set(mine.map((e) => e.payload_sha256)).size === 2, 'no entry twice');
  await page.reload(); // a page open syncs again: nothing is left to send, nothing is doubled
  await page.waitForSelector('h1');
  await new Promise((res) => setTimeout(res, 500));
  ok((await get(`/v1/ledgers/${LEDGER}/entries?limit=1`)).body.size === sizeBefore + 2, 'no resend on page open');
});

await step('desktop width and English', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(URL0 + '/app/#/assets');
  await page.waitForSelector('#assets li');
  await shot(page, 'assets-1280');
  await page.goto(URL0 + '/app/#/key');
  await page.waitForSelector('#pubkey');
  await shot(page, 'key-1280');
  await page.click('#lang');
  await until(() => document.querySelector('h1')?.textContent === 'Signing key');
  await shot(page, 'key-1280-en');
  await page.click('#lang');
});

await step('first load is small (at most 200 KB) and the page logged no errors', async () => {
  const total = Object.values(firstLoad).reduce((a, b) => a + b, 0);
  console.log(`web: first load of /app/: ${Object.keys(firstLoad).length} files, ${total} bytes as sent`);
  ok(total > 0 && total <= 200 * 1024, 'size ' + total);
  // The one refusal the test provokes (403 key-not-enrolled) is logged by Chromium as a failed load.
  // So is every request of the offline step.
  const errors = consoleErrors.filter((m) => !/Failed to load resource: (the server responded with a status of 403|net::ERR_INTERNET_DISCONNECTED)/.test(m));
  ok(errors.length === 0, 'console: ' + errors.join('\n'));
});

await step('opens in under 5 s on a slow link (400 kbit/s, 400 ms RTT, empty cache)', async () => {
  const slow = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'zh-CN', serviceWorkers: 'block' });
  const p = await slow.newPage();
  const cdp = await slow.newCDPSession(p);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400,
    downloadThroughput: 400 * 1000 / 8, uploadThroughput: 400 * 1000 / 8 });
  const t0 = Date.now();
  await p.goto(URL0 + '/app/');
  await p.waitForSelector('main h1', { timeout: 15000 });
  const ms = Date.now() - t0;
  console.log(`web: slow link (400 kbit/s, 400 ms RTT): the home page showed in ${ms} ms`);
  await slow.close();
  ok(ms < 5000, 'load time ' + ms);
});

await browser.close();
console.log(`web: screenshots in ${OUT}`);
if (results.length) console.log('failed:\n  ' + results.join('\n  '));
console.log(`web: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
