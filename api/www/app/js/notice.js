// The public notice (公示): a page per village (#/pub/<county>/<village>) and per plan
// (#/pub/<county>/plan/<id>), for anyone, without a key; printable on A4 (app.css @media
// print). Its QR code holds only the short URL of the verdict page (#/v/<county>/<entry index>),
// which checks that entry against the ledger in the browser (receipt.js) and offers the proof.
// Payees are shown by name and kind only: no identity number is ever on a notice (the server
// refuses national ID numbers in the ledger, and the page does not print payee ids).
import { verifyEntry } from './receipt.js';
import { qrCanvas } from './qr.js';
import { h, fenToYuan } from './util.js';
import { w, checkLabel } from './words.js';

const get = async (path) => {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw Object.assign(new Error('HTTP ' + r.status), { status: r.status });
  return r.json();
};
const y = (fen) => (fen == null ? '—' : fenToYuan(fen));
const table = (head, rows, id) => h('table', { class: 'pub', id }, h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))),
  h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, r.map((c) => h('td', { class: /^-?[\d,]+\.\d\d$/.test(c) ? 'num' : null }, c))))
    : h('tr', {}, h('td', { colspan: String(head.length) }, w('pub.none')))));
export const verdictUrl = (code, index) => `${location.origin}/app/#/v/${code}/${index}`;

async function qrBlock(code, index) {
  const url = verdictUrl(code, index);
  const c = await qrCanvas(url, 3).catch(() => null);
  return h('div', { class: 'qrbox', id: 'notice-qr', 'data-url': url }, c, h('p', {}, w('pub.scan')), h('p', { class: 'mono small' }, url));
}

// Public pages hide the clerk's header and tabs; leaving them shows them again.
function publicMode() {
  document.body.classList.add('public');
  addEventListener('hashchange', function back() {
    if (/^#\/(pub|v)\//.test(location.hash)) return;
    document.body.classList.remove('public');
    removeEventListener('hashchange', back);
  });
}

function frame(render, title, sub, ...body) {
  publicMode();
  render(h('article', { class: 'notice', id: 'notice' }, h('h1', {}, title), h('p', { class: 'sub' }, sub), ...body,
    h('p', { class: 'noprint' }, h('button', { class: 'btn', type: 'button', onclick: () => print() }, w('pub.print')))));
}

const complaints = (s) => h('p', { class: 'complaints', id: 'complaints' }, `${w('pub.complaints')}：`,
  h('strong', {}, s?.settings?.complaints_phone || w('pub.nocomplaints')));

export async function viewVillage(render, code, village) {
  const [sum, assets, incomes, plans, notices, settings] = await Promise.all([
    get(`/v1/ledgers/${code}/villages/${village}/summary`), get(`/v1/ledgers/${code}/assets?village=${village}&limit=1000`),
    get(`/v1/ledgers/${code}/incomes?village=${village}&limit=1000`), get(`/v1/ledgers/${code}/plans?village=${village}&limit=1000`),
    get(`/v1/ledgers/${code}/notices`), get(`/v1/ledgers/${code}/settings`)]);
  const mine = notices.items.filter((n) => n.subject === village);
  const last = mine[mine.length - 1];
  const name = sum.village_name || assets.items[0]?.village_name || village;
  frame(render, `${name} ${w('pub.village')}`, `${village} · ${settings.ledger || code}`,
    last ? h('p', { class: 'period', id: 'period' }, `${w('pub.period')}：${last.start} 至 ${last.end}　${w('pub.place')}：${last.place}　（${w('pub.entry', { n: last.index })}）`) : null,
    h('h2', {}, w('pub.assets')),
    table([w('pub.name'), w('pub.class'), w('pub.value'), w('pub.state')], assets.items.map((a) => [a.name, a.class_zh || a.class, y(a.original_value_fen), a.status_zh || a.status]), 'pub-assets'),
    h('h2', {}, w('pub.income')),
    table([w('pub.name'), w('pub.date'), w('pub.net')], incomes.items.map((i) => [i.asset_name || i.asset, `${i.period_start} 至 ${i.period_end}`, y(i.net_fen)]), 'pub-income'),
    h('h2', {}, w('pub.plans')),
    table([w('pub.name'), w('pub.total'), w('pub.paid'), w('pub.state')], plans.items.map((p) => [
      h('a', { href: `#/pub/${code}/plan/${encodeURIComponent(p.id)}` }, `${p.year} · ${p.id}`), y(p.total_fen), y(p.paid_fen), p.state_zh || p.state]), 'pub-plans'),
    complaints(settings), last ? await qrBlock(code, last.index) : null);
}

export async function viewPlan(render, code, id) {
  const [p, settings] = await Promise.all([get(`/v1/ledgers/${code}/plans/${encodeURIComponent(id)}`), get(`/v1/ledgers/${code}/settings`)]);
  const n = p.notice;
  frame(render, `${p.village_name || p.village} ${p.year} 年${w('pub.plan')}`, `${p.id} · ${p.village}`,
    n ? h('p', { class: 'period', id: 'period' }, `${w('pub.period')}：${n.start} 至 ${n.end}　${w('pub.place')}：${n.place}　（${w('pub.entry', { n: n.index })}）`)
      : h('p', { class: 'period', id: 'period' }, w('pub.nonotice')),
    h('h2', {}, w('pub.steps')),
    table([w('pub.step'), w('pub.date')], (p.steps || []).map((s) => [s.step_zh || s.step, s.date]), 'pub-steps'),
    h('h2', {}, w('pub.lines')),
    table([w('pub.purpose'), w('pub.name'), w('pub.amount'), w('pub.paid')], (p.lines || []).map((l) => [l.purpose_zh || l.purpose, l.description, y(l.amount_fen), y(l.paid_fen)]), 'pub-lines'),
    h('p', { class: 'total' }, `${w('pub.total')}：${y(p.total_fen)}`),
    h('h2', {}, w('pub.payouts')),
    table([w('pub.payee'), w('pub.purpose'), w('pub.amount'), w('pub.date')], (p.payouts || []).map((o) => [
      o.payee?.name || '—', p.lines?.[o.line]?.purpose_zh || String(o.line), y(o.amount_fen), o.paid_on]), 'pub-payouts'),
    complaints(settings), n ? await qrBlock(code, n.index) : null);
}

export async function viewVerdict(render, code, index) {
  publicMode();
  render(h('h1', {}, w('v.title')), h('p', { class: 'muted', id: 'verdict' }, w('rc.checking')));
  let v;
  try { v = await verifyEntry(code, index); } catch { v = { ok: false, checks: [] }; }
  const ev = v.event;
  const proof = v.proof ? URL.createObjectURL(new Blob([JSON.stringify(v.proof, null, 2)], { type: 'application/json' })) : null;
  const open = ev?.type === 'notice.publish' ? (ev.subject.length === 12 ? `#/pub/${code}/${ev.subject}` : `#/pub/${code}/plan/${encodeURIComponent(ev.subject)}`) : null;
  render(h('h1', {}, w('v.title')),
    h('div', { class: 'card ' + (v.ok ? 'ok' : 'bad'), id: 'verdict', 'data-verified': v.ok ? 'yes' : 'no', 'data-index': String(index) },
      h('p', { class: 'verdict-line' }, v.ok ? '✓ ' + w('v.ok', { n: index }) : '✗ ' + w('v.bad')),
      h('ul', { class: 'checks' }, v.checks.map((c) => h('li', { class: c.ok ? 'ok' : 'bad' }, (c.ok ? '✓ ' : '✗ ') + checkLabel(c.name))))),
    ev ? h('div', { class: 'card' }, h('h2', {}, w('v.what')), h('dl', { class: 'sum' },
      [['类型 / type', ev.type], ['主体 / subject', ev.subject], ['签名时间 / signed', ev.time],
        ...Object.entries(ev.body || {}).filter(([, x]) => typeof x !== 'object').map(([k, x]) => [k, String(x)])]
        .map(([k, x]) => [h('dt', {}, k), h('dd', {}, x)]))) : null,
    h('p', { class: 'row' }, proof ? h('a', { class: 'btn sec', href: proof, download: `aidreg-${code}-${index}-proof.json`, id: 'proof' }, w('v.proof')) : null,
      open ? h('a', { class: 'btn sec', href: open }, w('v.open')) : null));
}
