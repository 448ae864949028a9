// The evidence in a real browser (issue 11 parts 4, 5, 7): Debian's chromium driven by
// playwright-core, against the fixtures' server and demo ledger (tests/ctest/web.sh).
//
// - A clerk's key is made in the browser and enrolled by the county (aidreg enroll).
// - Offline, three maintenance reports are recorded, each with a photo that the browser
//   downscales (long side 1600 px, JPEG), hashes and keeps signed; online again, the photos
//   go up first and the entries once each; every receipt is verified in the browser (checkpoint
//   signature, inclusion, consistency to the latest, the leaf read from its entry bundle); the
//   photos are retrievable and hash to their names, and the asset page shows them.
// - A receipt altered in IndexedDB, and a checkpoint altered on the wire, are shown NOT verified.
// - The public notice of a plan (and of a village) needs no key; it prints to an A4 PDF whose
//   text (pdftotext) holds the notice period, lines, payees and the complaints number from the
//   settings, and no identity number; its QR code (pdftoppm + zbarimg) holds the short URL of
//   the verdict page, which says "已核验：此公示内容在账本第 N 条，账本签名有效" for the notice's
//   entry N and offers the proof.
// - The verdict page opens in under 5 s on the slow link (400 kbit/s, 400 ms RTT), without the
//   clerk's modules (app.js, queue.js, ...), in at most 20 requests.
// Screenshots at 360 px and 1280 px in $AIDREG_STATE_DIR/web/evidence-*.png.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ok, step, until, spkiPem, results, sha256 } from './lib.mjs';

const env = process.env;
const URL0 = env.AIDREG_URL, LEDGER = env.AIDREG_LEDGER, VILLAGE = env.AIDREG_WEB_VILLAGE || LEDGER + '104201';
const OUT = path.join(env.AIDREG_STATE_DIR || 'var/test', 'web');
const CLI = path.join(env.AIDREG_BUILD_DIR || 'build', 'aidreg');
const EXE = env.AIDREG_CHROMIUM || '/usr/lib/chromium/chromium';
const PHONE = '0851-12317';
fs.mkdirSync(OUT, { recursive: true });
for (const tool of ['pdftotext', 'pdftoppm', 'pdfinfo', 'zbarimg']) {
  try { execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }); } catch {
    console.log(`skipped: no ${tool} (apt-get install poppler-utils zbar-tools)`);
    process.exit(77);
  }
}

async function shot(p, name) { await p.screenshot({ path: path.join(OUT, `evidence-${name}.png`), fullPage: true }); }
async function get(p) { const r = await fetch(URL0 + p); return { status: r.status, body: await r.json() }; }

const browser = await chromium.launch({ executablePath: EXE, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const ctx = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'zh-CN', deviceScaleFactor: 1 });
const page = await ctx.newPage();
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));

let keyid, asset;
const photos = []; // {name, buffer} made by the browser's canvas: 3000 x 2000 PNGs

await step('setup: a key made in the browser, enrolled by the county; photos of 3000 x 2000', async () => {
  await page.goto(URL0 + '/app/#/key');
  await page.waitForSelector('#village');
  await page.selectOption('#ledger', LEDGER);
  await page.fill('#village', VILLAGE);
  await page.click('#makekey');
  await page.waitForSelector('#pubkey');
  keyid = (await page.textContent('#pubkey')).trim();
  const pub = path.join(OUT, 'evidence-clerk.pub');
  fs.writeFileSync(pub, spkiPem(keyid));
  execFileSync(CLI, ['enroll', '--key', path.join(env.AIDREG_KEYS_DIR, 'county.key'), '--pub', pub, '--role', 'village',
    '--scope', VILLAGE, '--name', '证据测试报账员', '--org', '测试村委会', '--server', URL0, '--ledger', LEDGER], { stdio: 'pipe' });
  const list = await get(`/v1/ledgers/${LEDGER}/assets?village=${VILLAGE}&class=public_welfare&limit=50`);
  asset = list.body.items.find((a) => a.status !== 'disposed');
  ok(asset, 'a public-welfare asset in the village');
  for (let i = 0; i < 3; i++) {
    const b64 = await page.evaluate((k) => {
      const c = document.createElement('canvas');
      c.width = 3000; c.height = 2000;
      const g = c.getContext('2d');
      g.fillStyle = ['#3a7', '#a73', '#37a'][k];
      g.fillRect(0, 0, 3000, 2000);
      g.fillStyle = '#fff';
      g.font = '200px sans-serif';
      g.fillText('巡查照片 ' + k + ' ' + Math.random(), 300, 1000); // a new photo each run
      return c.toDataURL('image/png').split(',')[1];
    }, i);
    photos.push({ name: `photo${i}.png`, mimeType: 'image/png', buffer: Buffer.from(b64, 'base64') });
  }
});

async function openForm(type) {
  await page.goto(URL0 + '/app/#/asset/' + encodeURIComponent(asset.id));
  await page.waitForSelector(`a[data-type="${type}"]`);
  await page.click(`a[data-type="${type}"]`);
  await page.waitForSelector('#review');
}

let sizeBefore;
const shas = [];
await step('offline: three reports with a photo each, downscaled to 1600 px, signed and queued', async () => {
  sizeBefore = (await get(`/v1/ledgers/${LEDGER}/entries?limit=1`)).body.size;
  await until(page, () => !!navigator.serviceWorker.controller, undefined, 15000);
  await openForm('maintenance.report'); // once online: the service worker keeps the answers
  await ctx.setOffline(true);
  for (let i = 0; i < 3; i++) {
    await openForm('maintenance.report');
    await page.check('input[name=kind][value=inspection]');
    await page.check('input[name=condition][value=good]');
    await page.fill('#f-cost_fen', String(i + 1));
    await page.check('input[name=paid_from][value=other]');
    await page.fill('#f-note', '离线巡查 ' + i);
    await page.setInputFiles('#f-photos_sha256', photos[i]);
    await page.waitForSelector('#photos-photos_sha256 img');
    const img = await page.$eval('#photos-photos_sha256 img', (x) => ({ sha: x.dataset.sha256, size: x.dataset.size }));
    ok(img.size === '1600x1067', 'downscaled to 1600 px on the long side: ' + img.size);
    ok(/^[0-9a-f]{64}$/.test(img.sha), 'hashed: ' + img.sha);
    shas.push(img.sha);
    if (i === 0) await shot(page, 'photo-form-360');
    await page.click('#review');
    await page.waitForSelector('#sign');
    ok((await page.textContent('main')).includes(img.sha), 'the summary names the photo by its hash');
    await page.click('#sign');
    await page.waitForSelector('#queued');
  }
  ok((await page.textContent('#unsent')).includes('3'), 'three unsent');
  ok((await get(`/v1/ledgers/${LEDGER}/entries?limit=1`)).body.size === sizeBefore, 'nothing reached the server');
  for (const s of shas) ok((await fetch(`${URL0}/v1/ledgers/${LEDGER}/blobs/${s}`)).status === 404, 'no photo on the server yet');
});

await step('online again: photos uploaded, entries synced exactly once, receipts verified in the browser', async () => {
  await ctx.setOffline(false);
  await until(page, () => document.getElementById('unsent').hidden, undefined, 30000);
  const r = await get(`/v1/ledgers/${LEDGER}/entries?from=${sizeBefore}&limit=100`);
  const mine = r.body.entries.filter((e) => JSON.stringify(e.envelope).includes(keyid));
  ok(mine.length === 3 && new Set(mine.map((e) => e.payload_sha256)).size === 3, 'exactly three entries: ' + mine.length);
  const named = mine.flatMap((e) => e.event.body.photos_sha256);
  ok(JSON.stringify(named.sort()) === JSON.stringify([...shas].sort()), 'each entry names its photo');
  for (const s of shas) {
    const b = await fetch(`${URL0}/v1/ledgers/${LEDGER}/blobs/${s}`);
    const bytes = Buffer.from(await b.arrayBuffer());
    ok(b.status === 200 && b.headers.get('content-type') === 'image/jpeg', 'photo retrievable as JPEG: ' + b.status);
    ok(sha256(bytes) === s, 'the photo hashes to its name');
    ok(bytes.length < photos[0].buffer.length, `smaller than the original: ${bytes.length} < ${photos[0].buffer.length}`);
  }
  await page.goto(URL0 + '/app/#/receipts');
  await page.waitForSelector('#receipts');
  await until(page, () => [...document.querySelectorAll('[data-verified]')].every((x) => x.dataset.verified !== 'pending'));
  const verdicts = await page.$$eval('#receipts [data-verified]', (xs) => xs.map((x) => x.dataset.verified));
  ok(verdicts.length >= 3 && verdicts.every((v) => v === 'yes'), 'every receipt verified: ' + verdicts);
  ok((await page.textContent('#receipts')).includes('已核验：此记录在账本第'), 'the verdict in Chinese');
  await shot(page, 'receipts-360');
  const a = await get(`/v1/ledgers/${LEDGER}/assets/${encodeURIComponent(asset.id)}`);
  ok(shas.every((s) => a.body.attachments.includes(s)) && !shas.some((s) => a.body.missing_blobs.includes(s)), 'the asset read: attachments, none missing');
  await page.goto(URL0 + '/app/#/asset/' + encodeURIComponent(asset.id));
  await page.waitForSelector('#gallery img');
  const shown = await page.$$eval('#gallery img', (xs) => xs.map((x) => x.dataset.sha256));
  ok(shas.every((s) => shown.includes(s)), 'the asset page shows the photos');
  await until(page, (want) => want.every((s) => { const i = document.querySelector(`#gallery img[data-sha256="${s}"]`); return i && i.complete && i.naturalWidth > 0; }), shas);
  await shot(page, 'asset-photos-360');
});

await step('a receipt altered in IndexedDB is shown NOT verified', async () => {
  await page.evaluate(() => new Promise((resolve) => {
    const rq = indexedDB.open('aidreg');
    rq.onsuccess = () => {
      const tx = rq.result.transaction('receipts', 'readwrite');
      const st = tx.objectStore('receipts');
      const g = st.getAll();
      g.onsuccess = () => {
        const r = g.result.sort((x, y) => y.index - x.index)[0];
        // Another root hash in the receipt's checkpoint: its signature no longer holds.
        r.checkpoint = r.checkpoint.replace(/\n([A-Za-z0-9+/]{43}=)\n/, (m, h) => '\n' + (h[0] === 'A' ? 'B' : 'A') + h.slice(1) + '\n');
        r.tampered = true;
        st.put(r);
      };
      tx.oncomplete = resolve;
    };
  }));
  await page.goto(URL0 + '/app/#/receipts');
  await page.reload();
  await page.waitForSelector('#receipts');
  await until(page, () => [...document.querySelectorAll('[data-verified]')].every((x) => x.dataset.verified !== 'pending'));
  const verdicts = await page.$$eval('#receipts [data-verified]', (xs) => xs.map((x) => x.dataset.verified));
  ok(verdicts.filter((v) => v === 'no').length === 1 && verdicts.filter((v) => v === 'yes').length === verdicts.length - 1,
    'exactly the altered one fails: ' + verdicts);
  ok((await page.textContent('#receipts')).includes('未通过核验'), 'said in Chinese');
  await shot(page, 'receipt-tampered-360');
});

let plan, noticeIndex, url;
await step('the county sets a complaints number (ledger.settings complaints_phone)', async () => {
  const s = (await get(`/v1/ledgers/${LEDGER}/settings`)).body.settings;
  for (const k of Object.keys(s)) if (k.endsWith('_zh')) delete s[k];
  s.complaints_phone = PHONE;
  const env1 = execFileSync(CLI, ['sign', '--quiet', '--key', path.join(env.AIDREG_KEYS_DIR, 'county.key'), '--type', 'ledger.settings',
    '--subject', LEDGER, '--body', JSON.stringify(s)], { encoding: 'utf8' });
  const f = path.join(OUT, 'evidence-settings.json');
  fs.writeFileSync(f, env1);
  execFileSync(CLI, ['submit', '--server', URL0, '--ledger', LEDGER, f], { stdio: 'pipe' });
  ok((await get(`/v1/ledgers/${LEDGER}/settings`)).body.settings.complaints_phone === PHONE, 'read back');
});

await step('the public notice of a plan: no key needed, A4 PDF with the right text and no identity number', async () => {
  const notices = (await get(`/v1/ledgers/${LEDGER}/notices`)).body.items.filter((n) => n.subject_kind === 'plan');
  ok(notices.length > 0, 'the demo ledger has a publicised plan');
  plan = (await get(`/v1/ledgers/${LEDGER}/plans/${encodeURIComponent(notices[0].subject)}`)).body;
  noticeIndex = plan.notice.index;
  ok(!/\b\d{17}[\dXx]\b/.test(JSON.stringify(plan)), 'the server\'s plan read carries no identity number');
  const pub = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'zh-CN' }); // a villager's phone: no key
  const p = await pub.newPage();
  await p.goto(`${URL0}/app/#/pub/${LEDGER}/plan/${encodeURIComponent(plan.id)}`);
  await p.waitForSelector('#notice-qr canvas');
  await shot(p, 'plan-notice-360');
  await p.setViewportSize({ width: 1280, height: 900 });
  await shot(p, 'plan-notice-1280');
  const pdf = path.join(OUT, 'evidence-plan-notice.pdf');
  await p.emulateMedia({ media: 'print' });
  await p.pdf({ path: pdf, format: 'A4', printBackground: true });
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  fs.writeFileSync(path.join(OUT, 'evidence-plan-notice.txt'), text);
  const flat = text.replace(/\s+/g, ''); // lines wrap where the page is narrow
  ok(flat.includes('收益分配方案公示'), 'title');
  ok(flat.includes(`公示期：${plan.notice.start}至${plan.notice.end}`), 'notice period');
  ok(flat.includes(PHONE) && flat.includes('监督举报电话'), 'complaints number from the settings');
  ok(flat.includes(`账本第${noticeIndex}条`), 'entry index printed');
  const comma = (yuan) => yuan.replace(/^(\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  for (const l of plan.lines) ok(flat.includes(comma(l.amount_yuan)), 'line amount ' + l.amount_yuan);
  for (const s of plan.steps) ok(flat.includes(s.date), 'step date ' + s.date);
  for (const o of plan.payouts.slice(0, 5)) ok(flat.includes(o.payee.name.replace(/\s+/g, '')), 'payee ' + o.payee.name);
  ok(!/\d{17}[\dXx]/.test(text.replace(/\s/g, ' ')), 'no identity number on the notice');
  // A person's or household's id is not printed (a village or project code may be, as the subject).
  for (const o of plan.payouts.filter((x) => x.payee.kind === 'person' || x.payee.kind === 'household'))
    ok(!flat.includes(o.payee.id), 'no payee id printed: ' + o.payee.id);
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))[1]);
  const size = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }));
  ok(Math.abs(Number(size[1]) - 595.28) < 2 && Math.abs(Number(size[2]) - 841.89) < 2, 'A4: ' + size[0]);
  console.log(`web: the plan's notice prints on ${pages} A4 page(s)`);
  // The QR: rendered to PNG and decoded, on the page that carries it.
  execFileSync('pdftoppm', ['-png', '-r', '200', pdf, path.join(OUT, 'evidence-plan-notice')]);
  const pngs = fs.readdirSync(OUT).filter((f) => /^evidence-plan-notice-\d+\.png$/.test(f)).sort();
  let decoded = '';
  for (const f of pngs) {
    try { decoded = execFileSync('zbarimg', ['--raw', '-q', path.join(OUT, f)], { encoding: 'utf8' }).trim(); } catch { /* not on this page */ }
    if (decoded) break;
  }
  url = decoded;
  ok(url === `${URL0}/app/#/v/${LEDGER}/${noticeIndex}`, `QR holds the short URL of entry ${noticeIndex}: ${url}`);
  await pub.close();
});

await step('the QR\'s URL opens the verdict: 已核验 with the entry index, and the proof to download', async () => {
  // No service worker: page.route must see the checkpoint's request.
  const pub = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'zh-CN', acceptDownloads: true, serviceWorkers: 'block' });
  const p = await pub.newPage();
  await p.goto(url);
  await p.waitForSelector('#verdict[data-verified]');
  await until(p, () => document.querySelector('#verdict')?.dataset.verified === 'yes');
  const text = await p.textContent('#verdict');
  ok(text.includes(`已核验：此公示内容在账本第 ${noticeIndex} 条，账本签名有效`), 'verdict: ' + text);
  ok((await p.textContent('main')).includes('notice.publish') && (await p.textContent('main')).includes(plan.id), 'the entry shown');
  const [dl] = await Promise.all([p.waitForEvent('download'), p.click('#proof')]);
  const proof = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  ok(proof.index === noticeIndex && proof.checkpoint && proof.inclusion_proof && proof.leaf.includes('"index":' + noticeIndex), 'proof file');
  fs.writeFileSync(path.join(OUT, 'evidence-proof.json'), JSON.stringify(proof, null, 2));
  await shot(p, 'verdict-360');
  await p.setViewportSize({ width: 1280, height: 900 });
  await shot(p, 'verdict-1280');
  // A checkpoint altered on the way (another root hash): NOT verified.
  await p.route(`**/log/${LEDGER}/checkpoint`, async (route) => {
    const r = await route.fetch();
    const body = (await r.text()).replace(/\n([A-Za-z0-9+/]{43}=)\n/, (m, h) => '\n' + (h[0] === 'A' ? 'B' : 'A') + h.slice(1) + '\n');
    await route.fulfill({ response: r, body });
  });
  await p.reload();
  await p.waitForSelector('#verdict[data-verified]');
  await until(p, () => document.querySelector('#verdict')?.dataset.verified !== 'pending');
  ok((await p.getAttribute('#verdict', 'data-verified')) === 'no', 'a forged checkpoint is not verified');
  ok((await p.textContent('#verdict')).includes('未通过核验'), 'said in Chinese');
  await shot(p, 'verdict-tampered-360');
  await pub.close();
});

await step('the public notice of a village: its assets, income and allocations', async () => {
  const pub = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'zh-CN' });
  const p = await pub.newPage();
  await p.goto(`${URL0}/app/#/pub/${LEDGER}/${plan.village}`);
  await p.waitForSelector('#pub-assets');
  const text = await p.textContent('#notice');
  ok(text.includes('村级公示') && text.includes(PHONE), 'title and complaints number');
  ok((await p.$$('#pub-assets tbody tr')).length > 0 && (await p.$$('#pub-plans tbody tr a')).length > 0, 'assets and plans listed');
  ok(!/\d{17}[\dXx]/.test(text), 'no identity number');
  await shot(p, 'village-notice-360');
  await p.setViewportSize({ width: 1280, height: 900 });
  await shot(p, 'village-notice-1280');
  await pub.close();
});

await step('the verdict page opens in under 5 s on a slow link (400 kbit/s, 400 ms RTT, empty cache)', async () => {
  const slow = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'zh-CN', serviceWorkers: 'block' });
  const p = await slow.newPage();
  const cdp = await slow.newCDPSession(p);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400, downloadThroughput: 400 * 1000 / 8, uploadThroughput: 400 * 1000 / 8 });
  let bytes = 0;
  let requests = 0;
  const clerk = [];
  p.on('response', async (r) => {
    requests++;
    if (/\/app\/js\/(app|queue|form|keys)\.js$/.test(r.url())) clerk.push(r.url());
    bytes += Number((await r.allHeaders())['content-length'] || 0);
  });
  const t0 = Date.now();
  await p.goto(url);
  await p.waitForSelector('#verdict[data-verified="yes"]', { timeout: 20000 });
  const ms = Date.now() - t0;
  console.log(`web: slow link: the verdict page (app, checkpoint, entry, proof, verified) in ${ms} ms, ${requests} requests, ${bytes} bytes`);
  await slow.close();
  ok(ms < 5000, 'load time ' + ms);
  // A villager's phone is not sent the clerk's app (main.js loads it for a clerk's route only).
  ok(clerk.length === 0 && requests <= 20, `${requests} requests, the clerk's modules among them: ${clerk}`);
});

await step('the pages logged no script error', async () => { ok(consoleErrors.length === 0, consoleErrors.join('\n')); });

await browser.close();
console.log(`web: screenshots in ${OUT}/evidence-*.png`);
if (results.names.length) console.log('failed:\n  ' + results.names.join('\n  '));
console.log(`web: ${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);
