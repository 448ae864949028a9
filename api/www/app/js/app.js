// The app shell: hash routes, the clerk's views. Plain ES modules, no build step.
import * as api from './api.js';
import * as evidence from './evidence.js';
import * as store from './db.js';
import * as keys from './keys.js';
import * as queue from './queue.js';
import { fieldLabel } from './form.js';
import { recordFlow } from './record.js';
import { t, half } from './i18n.js';
import { h, fenToYuan } from './util.js';
import { serverHead } from './chain.js';
import { allSteps, historyCard } from './history.js';
import './strings_more.js';

const main = document.getElementById('main');
const RECORD_TYPES = ['maintenance.report', 'inventory.count'];
const TAB_OF = { asset: 'assets', record: 'assets', plan: 'plans', newplan: 'plans', act: 'plans', township: 'county', village: 'county',
  findings: 'county', reports: 'county', keys: 'county' };
let persistResult; // the answer of navigator.storage.persist() this session

function render(...nodes) { main.replaceChildren(...nodes.filter((n) => n != null)); main.focus?.(); }
function card(...c) { return h('div', { class: 'card' }, ...c); }
function dl(rows) { return h('dl', { class: 'sum' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])); }
function fail(e) {
  const msg = e instanceof api.NetError ? t('err.net') : (e.problem?.title ? half(e.problem.title) : String(e.message || e));
  return card(h('p', { class: 'err' }, t('err.load') + '：' + msg));
}

// ---------------------------------------------------------------- home

async function viewHome() {
  const key = await keys.loadKey();
  const left = (await queue.unsent()).length;
  const last = await store.get('meta', 'lastSync');
  const status = dl([[t('home.unsent'), String(left)], [t('home.lastsync'), last ? new Date(last).toLocaleString() : t('home.never')]]);
  if (!key) {
    return render(h('h1', {}, t('home.hello')), card(h('p', {}, t('home.nokey')), h('a', { class: 'btn', href: '#/key' }, t('key.make'))), card(status));
  }
  render(h('h1', {}, t('home.hello')),
    card(dl([[t('home.ledger'), key.ledger], [t('home.village'), key.village], [t('home.key'), h('span', { class: 'mono' }, key.keyid)]]),
      h('p', {}, h('a', { class: 'btn', href: '#/assets' }, t('home.start')))),
    card(status, evidence.receiptsLink()));
}

// ---------------------------------------------------------------- key

async function viewKey() {
  const key = await keys.loadKey();
  if (!key) return viewKeyNew();
  const persist = persistResult === undefined ? (navigator.storage?.persisted ? await navigator.storage.persisted() : null) : persistResult;
  const pub = h('p', { class: 'mono', id: 'pubkey' }, key.keyid);
  const copied = h('span', { class: 'muted' });
  // What the county officer scans: the key id with the ledger and village it is for.
  const qrText = `aidreg:key?ledger=${key.ledger}&village=${key.village}&key=${encodeURIComponent(key.keyid)}`;
  const qr = h('canvas', { id: 'qr', class: 'qr', 'data-text': qrText, width: 1, height: 1 });
  import('../vendor/qrcode.mjs').then(({ default: qrcode }) => {
    const q = qrcode(0, 'M');
    q.addData(qrText);
    q.make();
    const n = q.getModuleCount(), cell = 5, margin = 4 * cell, size = n * cell + 2 * margin;
    qr.width = qr.height = size;
    const g = qr.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, size, size);
    g.fillStyle = '#000';
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (q.isDark(r, c)) g.fillRect(margin + c * cell, margin + r * cell, cell, cell);
    qr.dataset.modules = String(n);
  }).catch(() => { qr.hidden = true; });
  render(h('h1', {}, t('key.title')),
    card(h('h2', {}, t('key.pub')), pub, qr,
      h('p', { class: 'row' }, h('button', { class: 'btn sec', type: 'button', onclick: async () => {
        try { await navigator.clipboard.writeText(key.keyid); copied.textContent = t('key.copied'); } catch { /* no clipboard */ }
      } }, t('key.copy')), copied)),
    card(dl([
      [t('key.kind'), key.kind === keys.KIND_WEBCRYPTO ? t('key.kind.webcrypto') : key.kind],
      [t('key.ledger'), key.ledger], [t('home.village'), key.village],
      [t('key.created'), new Date(key.created).toLocaleString()],
      [t('key.persist'), h('span', { id: 'persist' }, persist === null ? t('key.persist.na') : persist ? t('key.persist.yes') : t('key.persist.no'))],
      [t('key.enrolled'), key.enrolled ? t('key.enrolled.yes') : t('key.enrolled.unknown')],
    ])),
    h('p', {}, h('button', { class: 'btn sec', type: 'button', onclick: async () => {
      const n = (await store.all('queue')).length;
      if (!confirm(n ? t('key.replace.unsent', { n }) : t('key.replace.confirm'))) return;
      await store.del('keys', 'clerk');
      route();
    } }, t('key.replace'))));
}

async function viewKeyNew() {
  if (!(await keys.hasEd25519())) return render(h('h1', {}, t('key.title')), card(h('p', { class: 'err' }, t('key.nocrypto'))));
  let list = [];
  try { list = (await api.ledgers()).ledgers; } catch (e) { return render(h('h1', {}, t('key.title')), fail(e)); }
  const sel = h('select', { id: 'ledger' }, list.map((l) => h('option', { value: l.code }, `${l.name}（${l.code}）`)));
  const village = h('input', { type: 'text', id: 'village', inputmode: 'numeric', maxlength: '12', placeholder: '522731104201' });
  const err = h('p', { class: 'err', hidden: true }, t('key.village.bad'));
  const go = h('button', { class: 'btn', type: 'button', id: 'makekey' }, t('key.make'));
  go.addEventListener('click', async () => {
    const v = village.value.trim();
    if (!/^\d{12}$/.test(v) || !v.startsWith(sel.value)) { err.hidden = false; village.classList.add('invalid'); return; }
    go.disabled = true;
    await keys.makeKey(sel.value, v);
    persistResult = await keys.requestPersist();
    route();
  });
  render(h('h1', {}, t('key.title')),
    card(h('label', { for: 'ledger' }, t('key.ledger')), sel, h('label', { for: 'village' }, t('key.village')), village, err,
      h('p', {}, go)));
}

// ---------------------------------------------------------------- assets

async function viewAssets(village) {
  const key = village ? { ledger: await ledgerCode(), village } : await keys.loadKey();
  if (!key) return render(h('h1', {}, t('assets.title')), card(h('p', {}, t('assets.nokey')), h('a', { class: 'btn', href: '#/key' }, t('key.make'))));
  let cat = null;
  try { cat = await api.catalogue(); } catch { /* labels fall back to codes */ }
  const classP = cat?.schemas.Body_asset_register?.properties?.class;
  const statusP = cat?.schemas.Body_asset_status?.properties?.status;
  const q = h('input', { type: 'search', id: 'q', placeholder: t('assets.search') });
  const cls = h('select', { id: 'class' }, h('option', { value: '' }, t('assets.all')),
    (classP?.enum || ['operating', 'public_welfare', 'household']).map((c) => h('option', { value: c }, classP?.['x-labels']?.[c] || c)));
  const ul = h('ul', { class: 'list', id: 'assets' });
  const count = h('p', { class: 'muted' });
  const more = h('button', { class: 'btn sec', type: 'button', hidden: true }, t('assets.more'));
  let next = null, seq = 0;
  const item = (a) => h('li', {}, h('a', { href: '#/asset/' + encodeURIComponent(a.id), 'data-asset': a.id },
    h('div', {}, h('strong', {}, a.name)),
    h('div', { class: 'muted' }, h('span', { class: 'tag' }, classP?.['x-labels']?.[a.class] || a.class),
      h('span', { class: a.status === 'in_use' ? 'tag' : 'tag warn' }, statusP?.['x-labels']?.[a.status] || a.status), a.id)));
  async function load(reset) {
    const my = ++seq;
    const params = { village: key.village, class: cls.value, q: q.value.trim(), limit: 50 };
    if (!reset && next != null) params.from = next;
    try {
      const r = await api.assets(key.ledger, params);
      if (my !== seq) return;
      if (reset) ul.replaceChildren();
      ul.append(...r.items.map(item));
      next = r.next ?? null;
      more.hidden = next == null;
      count.textContent = r.total ? t('assets.count', { n: r.total }) : t('assets.none');
    } catch (e) { if (my === seq) ul.replaceChildren(fail(e)); }
  }
  let timer;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => load(true), 250); });
  cls.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));
  // Recent first: the assets this device recorded on lately (its receipts and queue), newest first.
  const seen = new Map();
  for (const r of [...await store.all('receipts'), ...await store.all('queue')].sort((x, y) => (x.event.time < y.event.time ? 1 : -1))) {
    if (r.meta?.kind !== 'plan' && r.meta?.asset && !seen.has(r.event.subject) && seen.size < 5) seen.set(r.event.subject, r.meta.asset);
  }
  const recent = seen.size ? card(h('h2', {}, t('assets.recent')), h('ul', { class: 'list', id: 'recent' },
    [...seen].map(([id, name]) => h('li', {}, h('a', { href: '#/asset/' + encodeURIComponent(id), 'data-asset': id }, h('strong', {}, name), h('div', { class: 'muted' }, id)))))) : null;
  render(h('h1', {}, t('assets.title')), recent, h('div', { class: 'row' }, q, cls), count, ul, more);
  await load(true);
}

async function viewAsset(id) {
  const key = await keys.loadKey();
  const ledger = await ledgerCode();
  let a, cat, steps;
  try { [a, cat] = await Promise.all([api.asset(ledger, id), api.catalogue()]); steps = await allSteps(ledger, 'asset', id, a); } catch (e) { return render(fail(e)); }
  const classP = cat.schemas.Body_asset_register?.properties?.class;
  const mine = key && key.ledger === ledger;
  render(h('h1', {}, a.name),
    card(dl([['编号 / ID', a.id], [fieldLabel('class', classP), classP?.['x-labels']?.[a.class] || a.class],
      ['原值（元）', a.original_value_fen != null ? fenToYuan(a.original_value_fen) : '—']])),
    await evidence.photoGallery(ledger, a),
    mine ? h('h2', {}, t('rec.choose')) : null,
    mine ? h('div', { class: 'grid' }, RECORD_TYPES.map((type) => h('a', { class: 'btn', href: `#/record/${encodeURIComponent(id)}/${type}`, 'data-type': type },
      cat.types[type]?.title || type)),
    a.class === 'operating' ? h('a', { class: 'btn', href: `#/act/asset/${encodeURIComponent(id)}/income.report`, 'data-type': 'income.report' },
      cat.types['income.report']?.title || 'income.report') : null) : null,
    historyCard(steps, cat.types));
}

// ---------------------------------------------------------------- record

function problemCard(p, schema, form) {
  const slug = String(p?.type || '').replace(/^urn:aidreg:problem:/, '');
  const rows = [[t('sub.why'), half(p?.title || slug)]];
  const m = /^\/payload\/body\/([^/]+)/.exec(p?.field || '');
  if (m) {
    const name = m[1];
    rows.push([t('sub.field'), fieldLabel(name, schema.properties?.[name])]);
    form?.mark(name, half(p.title));
  }
  const hint = t('hint.' + slug);
  return h('div', { class: 'card bad', id: 'problem', 'data-problem': slug },
    h('h2', {}, t('sub.refused')), dl(rows),
    hint !== 'hint.' + slug ? h('p', {}, hint) : null,
    p?.detail ? h('p', { class: 'muted' }, t('sub.detail') + '：' + p.detail) : null);
}

function receiptCard(res) {
  const r = res.receipt;
  const size = /\n(\d+)\n/.exec(r.checkpoint || '')?.[1];
  return h('div', { class: 'card ok', id: 'receipt' },
    h('h2', {}, res.status === 200 ? t('sub.replay') : t('sub.ok')),
    dl([[t('sub.index'), String(r.index)], [t('sub.hash'), h('span', { class: 'mono' }, r.payload_sha256)],
      [t('sub.cp'), size ? `${r.ledger} · ${size}` : r.ledger]]), evidence.verifyBlock(r));
}

async function viewRecord(id, type) {
  const key = await keys.loadKey();
  if (!key) return route('#/key');
  let a, cat, head = null;
  try {
    [a, cat] = await Promise.all([api.asset(key.ledger, id), api.catalogue()]);
    head = await serverHead(key.ledger, 'asset', id, a);
  } catch (e) { return render(fail(e)); }
  const schema = cat.body(type);
  if (!schema || !RECORD_TYPES.includes(type)) return render(fail(new Error(type)));
  await recordFlow(ui, { key, subject: id, subjectLabel: a.name, subjectRow: [t('sum.asset'), `${a.name}（${a.id}）`], kind: 'asset',
    type, title: cat.types[type]?.title || type, schema, head,
    done: [[t('sub.again'), '#/asset/' + encodeURIComponent(id)], [t('nav.assets'), '#/assets']] });
}

// ---------------------------------------------------------------- queue

async function viewQueue() {
  const rows = await store.all('queue');
  const [{ conflictPanel }, { queueFileCard }] = await Promise.all([import('./conflict.js'), import('./queue_file.js')]);
  let types = null;
  try { types = (await api.catalogue()).types; } catch { /* offline */ }
  const last = await store.get('meta', 'lastSync');
  const panels = new Map(await Promise.all(rows.filter((r) => r.state === 'conflict').map(async (r) => [r.id, await conflictPanel(r, types, () => route())])));
  const btn = h('button', { class: 'btn', type: 'button', id: 'syncnow' }, t('queue.sync'));
  btn.addEventListener('click', async () => { btn.disabled = true; try { await queue.sync(); } finally { route(); } });
  render(h('h1', {}, t('queue.title')),
    rows.length ? h('ul', { class: 'list' }, rows.map((r) => h('li', {}, h('div', { class: 'card ' + (r.state === 'signed' ? '' : 'bad') },
      h('strong', {}, `${r.meta?.title || r.event.type} · ${r.meta?.asset || r.event.subject}`),
      h('p', { class: 'muted' }, t('queue.state.' + r.state), ' · ', new Date(r.queued).toLocaleString()),
      r.problem && r.state !== 'conflict' ? h('p', { class: 'err' }, half(r.problem.title || '')) : null,
      panels.get(r.id) || null,
      r.state === 'refused' ? h('button', { class: 'btn sec', type: 'button', onclick: async () => {
        if (confirm(t('queue.drop.confirm'))) { await store.del('queue', r.id); route(); }
      } }, t('queue.drop')) : null))))
      : card(h('p', {}, t('queue.empty'))),
    h('p', { class: 'muted', id: 'lastsync' }, t('home.lastsync'), '：', last ? new Date(last).toLocaleString() : t('home.never')),
    h('p', {}, btn), queueFileCard(() => route()));
}

// ---------------------------------------------------------------- routes

// What the modules of the other views draw with.
const ui = { render, card, dl, problemCard, receiptCard };
// The county the views read: the one chosen on the county page, else the device key's, else the first.
async function ledgerCode() {
  const saved = localStorage.getItem('aidreg.ledger');
  if (saved) return saved;
  const key = await keys.loadKey();
  if (key) return key.ledger;
  const first = (await api.ledgers()).ledgers[0]?.code;
  if (first) localStorage.setItem('aidreg.ledger', first);
  return first;
}
async function keysAgain(msg) { return (await import('./keysadmin.js')).viewKeys(ui, await ledgerCode(), keysAgain, msg); }

// Every route once the clerk's app is loaded (main.js calls it on each hash change).
export async function route(to) {
  if (to && location.hash !== to) { location.hash = to; return; }
  const parts = (location.hash.replace(/^#\/?/, '') || '').split('/').map(decodeURIComponent);
  for (const a of document.querySelectorAll('.tabs a')) a.classList.toggle('on', a.getAttribute('href') === '#/' + (TAB_OF[parts[0]] || parts[0]));
  try {
    switch (parts[0]) {
      case 'pub': return await (await import('./notice.js'))[parts[2] === 'plan' ? 'viewPlan' : 'viewVillage'](render, parts[1], parts[2] === 'plan' ? parts[3] : parts[2]);
      case 'v': return await (await import('./notice.js')).viewVerdict(render, parts[1], parts[2]);
      case 'receipts': return await evidence.viewReceipts(render);
      case '': return await viewHome();
      case 'key': return await viewKey();
      case 'asset': return await viewAsset(parts[1]);
      case 'record': return await viewRecord(parts[1], parts[2]);
      case 'queue': return await viewQueue();
      case 'assets': return await viewAssets(parts[1]);
      case 'plans': return await (await import('./plans.js')).viewPlans(ui, await ledgerCode(), parts[1]);
      case 'plan': return await (await import('./plans.js')).viewPlan(ui, await ledgerCode(), parts[1]);
      case 'newplan': return await (await import('./plans.js')).viewNewPlan(ui);
      case 'act': return await (await import('./plans.js')).viewAct(ui, parts[1], parts[2], parts[3]);
      case 'county': return await (await import('./dashboard.js')).viewCounty(ui, await ledgerCode());
      case 'township': return await (await import('./dashboard.js')).viewTownship(ui, await ledgerCode(), parts[1]);
      case 'village': return await (await import('./dashboard.js')).viewVillage(ui, await ledgerCode(), parts[1]);
      case 'findings': return await (await import('./dashboard.js')).viewFindings(ui, await ledgerCode());
      case 'reports': return await (await import('./dashboard.js')).viewReports(ui, await ledgerCode());
      case 'keys': return await keysAgain();
      default: return await viewHome();
    }
  } catch (e) { render(fail(e)); }
}

// Warned before leaving with entries not yet sent.
addEventListener('beforeunload', (e) => { if (window.__unsent) e.preventDefault(); });
async function unsentBadge() {
  const n = (await queue.unsent()).length;
  window.__unsent = n;
  const el = document.getElementById('unsent');
  el.hidden = n === 0;
  el.textContent = t('home.unsent') + ' ' + n;
}
queue.onChange(async () => {
  await unsentBadge();
  if (location.hash === '#/queue' || location.hash === '' || location.hash === '#/') route();
});
unsentBadge();
if ('serviceWorker' in navigator) navigator.serviceWorker.register('sw.js').catch(() => { /* works online without it */ });
queue.start();
