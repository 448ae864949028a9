// The clerk's month and the county's desk in a real browser (Debian's chromium, playwright-core),
// against the fixtures' server and demo ledger (tests/ctest/web.sh clerk):
//  1. a clerk key made in the browser and enrolled by the county (aidreg enroll);
//  2. income of an operating asset: the form refuses net ≠ gross − costs before signing; accepted;
//  3. an allocation plan drawing on that income, with its four 四议 steps and their minutes (the
//     files hashed in the browser): lines that do not total the sources are refused by the form;
//     accepted as drafted; the township reviews and the county files it (signed here with the
//     demo keys); the clerk publishes its notice; a payout to a payee named with an ID number is
//     refused by the server and shown in Chinese naming the field (收款方), nothing stored; the
//     payout without it is accepted and the plan pays;
//     a village notice ending in the future is accepted, one shorter than 7 days refused by the form;
//  4. prev: an entry signed on a head that another signer has moved is refused 409, shown as a
//     conflict with what changed and who signed it; another entry is sent meanwhile (a conflict
//     blocks nothing); re-based and re-signed it is accepted with prev = the new head;
//  5. entries made offline are exported to a file, imported in a second browser (twice: the
//     second import adds nothing), sent from there; the first browser, back online, sends them
//     again and the ledger grows by exactly two;
//  6. the county dashboard shows the server's figures for the demo ledger, county and township;
//  7. key management: a county key made in the browser, enrolled by the CLI, enrols a clerk's
//     key from its QR text (a malformed one is refused, nothing stored) and revokes it;
//  8. screenshots of every main page at 360 px and 1280 px in $AIDREG_STATE_DIR/web-screenshots/.
// Prints 'web-clerk: N passed, N failed'.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ok, step, until, idb, spkiPem, envelope, results } from './lib.mjs';

const env = process.env;
const URL0 = env.AIDREG_URL, LEDGER = env.AIDREG_LEDGER, VILLAGE = LEDGER + '104201', TOWNSHIP = LEDGER + '104';
const STATE = env.AIDREG_STATE_DIR || 'var/test';
const SHOTS = path.join(STATE, 'web-screenshots');
const CLI = path.join(env.AIDREG_BUILD_DIR || 'build', 'aidreg');
const KEYS = env.AIDREG_KEYS_DIR;
const EXE = env.AIDREG_CHROMIUM || '/usr/lib/chromium/chromium';
fs.mkdirSync(SHOTS, { recursive: true });

const get = async (p) => { const r = await fetch(URL0 + p); return { status: r.status, body: await r.json() }; };
const submit = async (ev, keyFile) => {
  const r = await fetch(`${URL0}/v1/ledgers/${LEDGER}/entries`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(envelope(path.join(KEYS, keyFile), ev)) });
  return { status: r.status, body: await r.json() };
};
const origin = (await get('/v1/ledgers')).body.ledgers.find((l) => l.code === LEDGER).origin;
const ev = (type, subject, body, prev) => ({ ledger: origin, type, subject, time: new Date(Date.now() - 2000).toISOString(), ...(prev ? { prev } : {}), body });
const size = async () => (await get(`/v1/ledgers/${LEDGER}/entries?limit=1`)).body.size;
const day = (d) => new Date(Date.now() + d * 86400000).toISOString().slice(0, 10);
const yuanText = (y) => '¥' + y.replace(/\B(?=(\d{3})+(?!\d))(?=.*\.)/g, ',');
function enroll(pub, role, scope, name) {
  const f = path.join(STATE, `web-clerk-${role}.pub`);
  fs.writeFileSync(f, spkiPem(pub));
  execFileSync(CLI, ['enroll', '--key', path.join(KEYS, 'county.key'), '--pub', f, '--role', role, '--scope', scope,
    '--name', name, '--org', '浏览器测试', '--server', URL0, '--ledger', LEDGER], { stdio: 'pipe' });
}

const browser = await chromium.launch({ executablePath: EXE, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const newPage = async (width) => {
  const ctx = await browser.newContext({ viewport: { width, height: 800 }, locale: 'zh-CN', deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.on('dialog', (d) => d.accept(d.type() === 'prompt' ? '测试注销' : undefined));
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  return { ctx, page };
};
const A = await newPage(360);
const page = A.page;
async function go(p, hash, sel = 'main h1') {
  // The same page again: empty it first, so that the wait below is for the new render, not the
  // old one (a late re-render would wipe what the test fills in next: it failed so under load).
  if (p.url() === URL0 + '/app/' + hash) await p.evaluate(() => { document.querySelector('main')?.replaceChildren(); dispatchEvent(new HashChangeEvent('hashchange')); });
  else await p.goto(URL0 + '/app/' + hash);
  try { await p.waitForSelector(sel, { timeout: 10000 }); }
  catch (e) { throw new Error(`${hash}: no ${sel}; the page shows: ${(await p.textContent('main')).slice(0, 400)}`); }
}
async function reviewAndSign(p) {
  await p.click('#review');
  await p.waitForSelector('#sign');
  const summary = await p.textContent('main');
  await p.click('#sign');
  await p.waitForSelector('#receipt, #problem, #conflict, #queued');
  return summary;
}

let keyid, opAsset, pwAssets, planId, incomeRef;
await step('a clerk key made in the browser, enrolled by the county', async () => {
  await go(page, '#/key', '#village');
  await page.selectOption('#ledger', LEDGER);
  await page.fill('#village', VILLAGE);
  await page.click('#makekey');
  await page.waitForSelector('#pubkey');
  keyid = (await page.textContent('#pubkey')).trim();
  enroll(keyid, 'village', VILLAGE, '浏览器报账员');
  opAsset = (await get(`/v1/ledgers/${LEDGER}/assets?village=${VILLAGE}&class=operating&status=in_use&limit=5`)).body.items[0];
  pwAssets = (await get(`/v1/ledgers/${LEDGER}/assets?village=${VILLAGE}&class=public_welfare&status=in_use&limit=5`)).body.items;
  ok(opAsset && pwAssets.length >= 2, 'the village has operating and public-welfare assets');
});

await step('income: net must be gross less costs (form), then accepted', async () => {
  await go(page, '#/asset/' + encodeURIComponent(opAsset.id), 'a[data-type="income.report"]');
  ok((await page.textContent('#history')).includes('签名记录'), 'the asset page shows its signed history');
  await page.click('a[data-type="income.report"]');
  await page.waitForSelector('#review');
  await page.fill('#f-period_start', day(-30));
  await page.fill('#f-period_end', day(-1));
  await page.fill('#f-gross_fen', '1,000');
  await page.check('input[name="costs-0-kind"][value=o_and_m]');
  await page.fill('#f-costs-0-amount_fen', '100.50');
  await page.fill('#f-net_fen', '950');
  await page.fill('#f-payer', '浏览器测试付款方');
  await page.fill('#f-account', '村集体收益专户');
  await page.click('#review');
  ok(!(await page.$('#sign')), 'no signing while net ≠ gross − costs');
  ok((await page.textContent('main')).includes('净收益应等于总收入减各项成本：899.50'), 'the form says what net should be');
  await page.fill('#f-net_fen', '899.5');
  const sum = await reviewAndSign(page);
  ok(sum.includes('¥1,000.00') && sum.includes('¥899.50') && sum.includes('运维费用'), 'summary in yuan and Chinese: ' + sum);
  ok(await page.$('#receipt'), 'accepted: ' + await page.textContent('main'));
  const incomes = (await get(`/v1/ledgers/${LEDGER}/incomes?asset=${opAsset.id}&limit=1000`)).body.items;
  const mine = incomes.findLast((x) => x.payer === '浏览器测试付款方' && x.period_end === day(-1));
  ok(mine && mine.gross_fen === 100000 && mine.net_fen === 89950 && mine.costs_fen === 10050, 'stored in fen: ' + JSON.stringify(mine));
  incomeRef = mine.id;
});

await step('allocation plan with its 四议 steps and minutes: lines ≠ sources refused by the form, then drafted', async () => {
  await go(page, '#/plans', '#newplan');
  await page.click('#newplan');
  await page.waitForSelector('#planid');
  planId = (await page.inputValue('#planid')).trim() + '-web' + Date.now() % 100000;
  await page.fill('#planid', planId);
  await page.click('#planid-next');
  await page.waitForSelector('#f-sources-0-income');
  await page.selectOption('#f-sources-0-income', incomeRef);
  await page.fill('#f-sources-0-amount_fen', '899.50');
  await page.check('input[name="lines-0-purpose"][value=public_jobs]');
  await page.fill('#f-lines-0-description', '公益岗位工资（浏览器测试）');
  await page.fill('#f-lines-0-amount_fen', '500');
  const steps = await page.$$('fieldset[data-item] input[name^="steps-"][type=radio]:checked');
  ok(steps.length === 4, 'the four required steps are there: ' + steps.length);
  for (let i = 0; i < 4; i++) {
    await page.setInputFiles(`#f-steps-${i}-minutes_sha256-file`, { name: `minutes-${i}.txt`, mimeType: 'text/plain', buffer: Buffer.from('会议记录 ' + i) });
  }
  await until(page, () => document.querySelector('#f-steps-3-minutes_sha256')?.value.length === 64);
  ok((await page.inputValue('#f-steps-0-minutes_sha256')) === crypto.createHash('sha256').update('会议记录 0').digest('hex'), 'minutes hashed in the browser');
  await page.click('#review');
  ok(!(await page.$('#sign')), 'lines that do not total the sources are refused');
  ok((await page.textContent('main')).includes('分配用途合计 500.00 元，应等于资金来源合计 899.50 元'), 'the form says why');
  await page.click('#f-lines-add');
  await page.check('input[name="lines-1-purpose"][value=awards_aid]');
  await page.fill('#f-lines-1-description', '奖励补助（浏览器测试）');
  await page.fill('#f-lines-1-amount_fen', '399.50');
  const sum = await reviewAndSign(page);
  ok(sum.includes('村党组织提议') && sum.includes('¥399.50'), 'summary: ' + sum);
  ok(await page.$('#receipt'), 'accepted: ' + await page.textContent('main'));
  const p = (await get(`/v1/ledgers/${LEDGER}/plans/${planId}`)).body;
  ok(p.state === 'drafted' && p.total_fen === 89950 && p.village === VILLAGE && p.steps.length === 4, 'plan stored: ' + JSON.stringify(p).slice(0, 300));
  const minutes = crypto.createHash('sha256').update('会议记录 2').digest('hex');
  const blob = await fetch(`${URL0}/v1/ledgers/${LEDGER}/blobs/${minutes}`);
  ok(blob.status === 200 && (await blob.text()) === '会议记录 2', 'the minutes file itself uploaded with the plan: ' + blob.status);
});

await step('township review and county filing, then the clerk publishes the notice', async () => {
  ok((await submit(ev('allocation.review', planId, { decision: 'approved', note: '同意（测试）' }), 'township.key')).status === 201, 'reviewed');
  ok((await submit(ev('allocation.filed', planId, { note: '已备案（测试）' }), 'county.key')).status === 201, 'filed');
  await go(page, '#/plan/' + encodeURIComponent(planId), 'a[data-type="notice.publish"]');
  ok((await page.getAttribute('#planstate', 'data-state')) === 'filed', 'the plan page shows the state');
  await page.click('a[data-type="notice.publish"]');
  await page.waitForSelector('#f-start');
  await page.fill('#f-start', day(-10));
  await page.fill('#f-end', day(-2));
  await page.setInputFiles('#f-content_sha256-file', { name: 'notice.txt', mimeType: 'text/plain', buffer: Buffer.from('公示内容') });
  await until(page, () => document.querySelector('#f-content_sha256')?.value.length === 64);
  await page.fill('#f-place', '村务公开栏');
  await reviewAndSign(page);
  ok(await page.$('#receipt'), 'notice accepted: ' + await page.textContent('main'));
  ok((await get(`/v1/ledgers/${LEDGER}/plans/${planId}`)).body.state === 'publicised', 'publicised');
});

await step('a payout naming a payee by ID number is refused, shown in Chinese with the field; then paid', async () => {
  await go(page, `#/act/plan/${encodeURIComponent(planId)}/allocation.payout`, '#f-line');
  await page.selectOption('#f-line', '0');
  await page.check('input[name="payee-kind"][value=person]');
  await page.fill('#f-payee-id', 'H-0001');
  await page.fill('#f-payee-name', '张三 52273119800101001X');
  await page.fill('#f-amount_fen', '600');
  await page.fill('#f-voucher_no', 'PZ-001');
  await page.click('#review');
  ok(!(await page.$('#sign')), 'more than the line has left is refused by the form');
  ok((await page.textContent('main')).includes('超过该用途剩余金额 500.00 元'), 'the form says the line\'s remainder');
  await page.fill('#f-amount_fen', '200');
  const before = await size();
  await reviewAndSign(page);
  const text = await page.textContent('#problem');
  ok(text.includes('台账公开，不得填写身份证号') && text.includes('收款方'), 'Chinese problem naming the field: ' + text);
  ok((await page.getAttribute('#problem', 'data-problem')) === 'national-id-number', 'problem type');
  await A.page.screenshot({ path: path.join(SHOTS, 'payout-refused-360.png'), fullPage: true });
  ok((await size()) === before && (await get(`/v1/ledgers/${LEDGER}/plans/${planId}`)).body.paid_fen === 0, 'nothing stored');
  ok((await idb(page, 'queue')).length === 0, 'the refused entry left the queue; the form stays');
  await page.fill('#f-payee-name', '张三');
  await reviewAndSign(page);
  ok(await page.$('#receipt'), 'payout accepted: ' + await page.textContent('main'));
  const p = (await get(`/v1/ledgers/${LEDGER}/plans/${planId}`)).body;
  ok(p.state === 'paying' && p.paid_fen === 20000 && p.lines[0].remaining_fen === 30000, 'paid: ' + p.state + ' ' + p.paid_fen);
});

await step('a village notice: its end may lie ahead (a promise, not a fact), its period at least publicity_days', async () => {
  await go(page, '#/plans', `a[href="#/act/village/${VILLAGE}/notice.publish"]`);
  await page.click(`a[href="#/act/village/${VILLAGE}/notice.publish"]`);
  await page.waitForSelector('#f-start');
  ok(await page.isChecked('input[name=kind][value=assets]'), 'kind 资产公示 chosen for a village');
  await page.fill('#f-start', day(0));
  await page.fill('#f-end', day(3));
  await page.fill('#f-content_sha256', crypto.createHash('sha256').update('资产公示').digest('hex'));
  await page.fill('#f-place', '村委会公开栏');
  await page.click('#review');
  ok(!(await page.$('#sign')) && (await page.textContent('main')).includes('公示期至少 7 天'), 'too short a period is refused by the form');
  await page.fill('#f-end', day(8));
  await reviewAndSign(page);
  ok(await page.$('#receipt'), 'accepted with an end in the future: ' + await page.textContent('main'));
  const n = (await get(`/v1/ledgers/${LEDGER}/notices`)).body.items.filter((x) => x.subject === VILLAGE && x.end === day(8));
  ok(n.length >= 1 && n[n.length - 1].kind === 'assets', 'stored');
});

await step('409: an entry on a moved head is a visible conflict, blocks nothing, and is re-based', async () => {
  const asset = pwAssets[0];
  await go(page, `#/record/${encodeURIComponent(asset.id)}/maintenance.report`, '#review');
  await page.check('input[name=kind][value=inspection]');
  await page.check('input[name=condition][value=good]');
  await page.fill('#f-cost_fen', '0');
  await page.check('input[name=paid_from][value=maintenance_fund]');
  await page.fill('#f-note', '冲突测试');
  // Meanwhile another clerk of the village records on the same asset.
  const other = await submit(ev('inventory.count', asset.id, { date: day(0), found: true, condition: 'good', note: '另一位报账员', photos_sha256: [] }), 'village1.key');
  ok(other.status === 201, 'the other entry: ' + JSON.stringify(other.body));
  const otherRef = other.body.payload_sha256;
  await reviewAndSign(page);
  ok(await page.$('#conflict'), 'conflict shown: ' + await page.textContent('main'));
  let q = await idb(page, 'queue');
  ok(q.length === 1 && q[0].state === 'conflict' && q[0].problem?.head === otherRef, 'kept as conflict with the head: ' + JSON.stringify(q.map((r) => r.state)));
  // A second entry, on another asset, goes through while the conflict waits.
  await go(page, `#/record/${encodeURIComponent(pwAssets[1].id)}/inventory.count`, '#review');
  await page.check('input[name=found][value=true]');
  await page.check('input[name=condition][value=good]');
  await reviewAndSign(page);
  ok(await page.$('#receipt'), 'the other entry is accepted despite the conflict');
  await go(page, '#/queue', '[data-conflict]');
  const panel = await page.textContent('[data-conflict]');
  ok(panel.includes('冲突') && panel.includes('清查') && panel.includes('张秀英'), 'what changed and who signed it: ' + panel);
  await page.screenshot({ path: path.join(SHOTS, 'queue-conflict-360.png'), fullPage: true });
  const before = await size();
  await page.click('[data-act=rebase]');
  await until(page, () => !document.querySelector('[data-conflict]') && !!document.querySelector('main h1'), undefined, 15000);
  // The panel goes as soon as the entry is re-signed; its sending follows, slower on a loaded machine.
  for (const end = Date.now() + 30000; (q = await idb(page, 'queue')).length && Date.now() < end;)
    await new Promise((r) => setTimeout(r, 200));
  ok(q.length === 0, 'queue empty after the rebase: ' + q.length);
  ok((await size()) === before + 1, 'exactly one entry more');
  const hist = (await get(`/v1/ledgers/${LEDGER}/assets/${asset.id}`)).body;
  const last = hist.history[hist.history.length - 1];
  ok(last.type === 'maintenance.report' && last.event.prev === otherRef && last.event.body.note === '冲突测试', 'rebased on the new head: ' + JSON.stringify(last.event));
});

let B;
await step('offline entries exported to a file, imported twice in a second browser (deduplicated), sent exactly once', async () => {
  const asset = pwAssets[1];
  await go(page, `#/record/${encodeURIComponent(asset.id)}/inventory.count`, '#review');
  await until(page, () => !!navigator.serviceWorker.controller, undefined, 10000);
  await A.ctx.setOffline(true);
  for (const note of ['离线清查一', '离线清查二']) {
    await go(page, `#/record/${encodeURIComponent(asset.id)}/inventory.count`, '#review');
    await page.check('input[name=found][value=true]');
    await page.check('input[name=condition][value=good]');
    await page.fill('#f-note', note);
    await reviewAndSign(page);
    ok(await page.$('#queued'), 'queued offline');
  }
  const rows = await idb(page, 'queue');
  ok(rows.length === 2 && rows[1].event.prev === rows[0].payload_sha256, 'the second chains on the first (prev from the queue)');
  await go(page, '#/queue', '#qf-export');
  ok((await page.textContent('#lastsync')).includes('上次同步'), 'last sync shown');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#qf-export')]);
  const file = path.join(STATE, 'web-clerk-queue.json');
  await dl.saveAs(file);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  ok(doc.format === 'aidreg-queue/v1' && doc.entries.length === 2 && doc.entries[0].env.signatures[0].keyid === keyid, 'the file holds the signed envelopes');
  const before = await size();
  B = await newPage(1280);
  await go(B.page, '#/queue', '#qf-export');
  await B.page.setInputFiles('#qf-file', file);
  await until(B.page, () => /导入 2 条/.test(document.getElementById('qf-out')?.textContent || ''));
  await B.page.setInputFiles('#qf-file', file);
  await until(B.page, () => /导入 0 条，跳过 2 条/.test(document.getElementById('qf-out')?.textContent || ''));
  ok((await idb(B.page, 'queue')).length === 2, 'two rows in the second browser');
  await B.page.click('#syncnow');
  await until(B.page, () => !!document.querySelector('main h1'));
  await until(B.page, () => new Promise((res) => { const rq = indexedDB.open('aidreg'); rq.onsuccess = () => { const g = rq.result.transaction('queue').objectStore('queue').count(); g.onsuccess = () => res(g.result === 0); }; }), undefined, 15000);
  ok((await size()) === before + 2, 'sent from the second browser');
  await A.ctx.setOffline(false);
  await until(page, () => document.getElementById('unsent').hidden, undefined, 20000);
  ok((await size()) === before + 2, 'the first browser\'s resend is a replay: nothing doubled');
  const rc = (await idb(page, 'receipts')).filter((r) => r.replay);
  ok(rc.length >= 2, 'the first browser holds the receipts (replays)');
});

const C = await newPage(1280);
await step('the county dashboard shows the server\'s figures for the demo ledger', async () => {
  const s = (await get(`/v1/ledgers/${LEDGER}/summary`)).body;
  await go(C.page, '#/county', '#townships');
  // The fixtures' server holds the e2e tests' ledgers too: choose the demo county.
  if (await C.page.$('#ledgerpick')) {
    await C.page.selectOption('#ledgerpick', LEDGER);
    await until(C.page, (code) => document.querySelector('main h1')?.textContent.includes(code), LEDGER);
  }
  await C.page.waitForSelector('#townships tr[data-place]');
  for (const k of ['original_value', 'income_net', 'allocated', 'paid', 'unallocated']) {
    const shown = await C.page.textContent(`#county [data-fig=${k}]`);
    ok(shown === yuanText(s[k + '_yuan']), `${k}: ${shown} vs ${s[k + '_yuan']}`);
  }
  ok((await C.page.textContent('#county [data-fig=assets]')) === String(s.assets.total), 'asset count');
  ok((await C.page.textContent('#county')).includes('经营性 ' + s.assets.by_class.operating), 'by class in Chinese');
  const towns = (await get(`/v1/ledgers/${LEDGER}/places`)).body.items.filter((p) => p.level === 'township');
  ok((await C.page.$$('#townships tr[data-place]')).length === towns.length, 'one row per township');
  const ts = (await get(`/v1/ledgers/${LEDGER}/townships/${TOWNSHIP}/summary`)).body;
  const row = await C.page.textContent(`#townships tr[data-place="${TOWNSHIP}"]`);
  ok(row.includes('好花红镇') && row.includes(yuanText(ts.paid_yuan)), 'township row: ' + row);
  await C.page.click(`#townships a[href="#/township/${TOWNSHIP}"]`);
  await C.page.waitForSelector(`#villages tr[data-place="${VILLAGE}"]`);
  const vs = (await get(`/v1/ledgers/${LEDGER}/villages/${VILLAGE}/summary`)).body;
  ok((await C.page.textContent(`#villages tr[data-place="${VILLAGE}"]`)).includes(yuanText(vs.unallocated_yuan)), 'village row');
  await go(C.page, '#/findings', '#findings tr[data-finding]');
  const f = (await get(`/v1/ledgers/${LEDGER}/findings`)).body;
  ok((await C.page.$$('#findings tr[data-finding]')).length === f.total, 'every finding listed');
  ok((await C.page.textContent('#findings')).includes(f.items[0].due), 'due dates shown');
  await go(C.page, '#/reports', '[data-report="reports/ledger:xlsx"]');
  const href = await C.page.getAttribute('[data-report="reports/ledger:csv"]', 'href');
  const r = await fetch(URL0 + href);
  ok(r.status === 200 && (await r.text()).includes('资产编号'), 'the 总台账 CSV link works');
});

await step('key management: a county key in the browser enrols a clerk key from its QR text and revokes it', async () => {
  await go(C.page, '#/keys', '#ka-make');
  await C.page.click('#ka-make');
  await C.page.waitForSelector('#ka-keyid');
  enroll((await C.page.textContent('#ka-keyid')).trim(), 'county', LEDGER, '浏览器县级管理员');
  await go(C.page, '#/keys', '#ka-key');
  const total = (await get(`/v1/ledgers/${LEDGER}/keys`)).body.total;
  await C.page.fill('#ka-key', 'not a key');
  await C.page.fill('#ka-name', '新报账员');
  await C.page.fill('#ka-org', '新民村委会');
  await C.page.fill('#ka-scope', LEDGER + '104202');
  await C.page.click('#ka-enroll');
  ok(await C.page.isVisible('#ka-err'), 'a malformed key is refused');
  ok((await get(`/v1/ledgers/${LEDGER}/keys`)).body.total === total, 'nothing stored');
  const pub = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
  await C.page.fill('#ka-scope', '');
  await C.page.fill('#ka-key', `aidreg:key?ledger=${LEDGER}&village=${LEDGER}104202&key=${encodeURIComponent(pub)}`);
  ok((await C.page.inputValue('#ka-scope')) === LEDGER + '104202', 'the scope comes from the QR text');
  await C.page.click('#ka-enroll');
  await C.page.waitForSelector('#ka-out .ok');
  let k = (await get(`/v1/ledgers/${LEDGER}/keys`)).body.items.find((x) => x.keyid === pub);
  ok(k && k.role === 'village' && k.holder.name === '新报账员' && k.status === 'active', 'enrolled: ' + JSON.stringify(k));
  await C.page.click(`[data-revoke="${pub}"]`);
  await until(C.page, (id) => document.querySelector(`tr[data-keyid="${id}"]`)?.textContent.includes('已注销'), pub);
  k = (await get(`/v1/ledgers/${LEDGER}/keys`)).body.items.find((x) => x.keyid === pub);
  ok(k.status === 'revoked' && k.revoked_at, 'revoked');
});

await step('screenshots of every main page at 360 px and 1280 px', async () => {
  const enc = encodeURIComponent;
  const pages = [
    [A.page, 'home', '#/'], [A.page, 'assets', '#/assets'], [A.page, 'asset', '#/asset/' + enc(opAsset.id)],
    [A.page, 'record', `#/record/${enc(pwAssets[0].id)}/maintenance.report`], [A.page, 'income', `#/act/asset/${enc(opAsset.id)}/income.report`],
    [A.page, 'plans', '#/plans'], [A.page, 'plan', '#/plan/' + enc(planId)], [A.page, 'newplan', '#/newplan'],
    [A.page, 'notice', `#/act/plan/${enc(planId)}/notice.publish`], [A.page, 'payout', `#/act/plan/${enc(planId)}/allocation.payout`],
    [A.page, 'queue', '#/queue'], [A.page, 'key', '#/key'],
    [C.page, 'county', '#/county'], [C.page, 'township', '#/township/' + TOWNSHIP], [C.page, 'village', '#/village/' + VILLAGE],
    [C.page, 'findings', '#/findings'], [C.page, 'reports', '#/reports'], [C.page, 'keys', '#/keys'],
  ];
  for (const width of [360, 1280]) {
    for (const [p, name, hash] of pages) {
      await p.setViewportSize({ width, height: 800 });
      await go(p, hash);
      await p.waitForLoadState('networkidle');
      await p.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
    }
  }
  await C.page.click('#lang');
  await until(C.page, () => document.querySelector('h1')?.textContent === 'Keys');
  await C.page.screenshot({ path: path.join(SHOTS, 'keys-1280-en.png'), fullPage: true });
  const errors = [A, B, C].flatMap((x) => x?.page.errors || []);
  ok(errors.length === 0, 'no page errors: ' + errors.join('\n'));
});

await browser.close();
console.log(`web-clerk: screenshots in ${SHOTS}`);
if (results.names.length) console.log('failed:\n  ' + results.names.join('\n  '));
console.log(`web-clerk: ${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);
