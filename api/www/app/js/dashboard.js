// County and auditor views: figures by county, township and village (the server's summaries,
// amounts in yuan from its fen), audit findings with due dates and status, downloads of the
// reports and the 总台账. Routes #/county, #/township/<code>, #/village/<code>, #/findings,
// #/reports. Every figure is the server's: nothing is added up here.
import * as api from './api.js';
import { t, addStrings } from './i18n.js';
import { h, fenToYuan } from './util.js';

addStrings({
  'dash.title': '县级统计', 'dash.assets': '资产', 'dash.value': '资产原值', 'dash.income': '收益（净）', 'dash.gross': '总收入',
  'dash.allocated': '已分配', 'dash.paid': '已兑付', 'dash.unallocated': '未分配', 'dash.byclass': '按类别', 'dash.bystatus': '按状态',
  'dash.townships': '各乡镇', 'dash.villages': '各村', 'dash.place': '地区', 'dash.count': '资产数',
  'dash.links': '查看', 'dash.plans': '分配方案', 'dash.assetlist': '资产清单', 'dash.findings': '审计发现', 'dash.reports': '报表下载', 'dash.keys': '密钥管理',
  'find.title': '审计发现与整改', 'find.subject': '对象', 'find.check': '检查项', 'find.severity': '严重程度', 'find.due': '整改期限',
  'find.status': '状态', 'find.all': '全部', 'find.overdue': '已逾期', 'find.resolution': '整改情况',
  'rep.title': '报表下载', 'rep.ledger': '总台账', 'rep.income': '收益及分配', 'rep.disposals': '处置登记', 'rep.rights': '确权移交进度',
  'rep.audit': '审计发现', 'rep.inventory': '清查报告', 'rep.rectification': '审计整改', 'rep.village': '村（可选，12 位）',
}, {
  'dash.title': 'County figures', 'dash.assets': 'Assets', 'dash.value': 'Original value', 'dash.income': 'Income (net)', 'dash.gross': 'Gross income',
  'dash.allocated': 'Allocated', 'dash.paid': 'Paid', 'dash.unallocated': 'Unallocated', 'dash.byclass': 'By class', 'dash.bystatus': 'By status',
  'dash.townships': 'Townships', 'dash.villages': 'Villages', 'dash.place': 'Place', 'dash.count': 'Assets',
  'dash.links': 'See', 'dash.plans': 'Plans', 'dash.assetlist': 'Assets', 'dash.findings': 'Audit findings', 'dash.reports': 'Reports', 'dash.keys': 'Keys',
  'find.title': 'Audit findings and rectification', 'find.subject': 'Subject', 'find.check': 'Check', 'find.severity': 'Severity', 'find.due': 'Due',
  'find.status': 'Status', 'find.all': 'All', 'find.overdue': 'overdue', 'find.resolution': 'Rectification',
  'rep.title': 'Reports', 'rep.ledger': 'General ledger (总台账)', 'rep.income': 'Income and allocation', 'rep.disposals': 'Disposals', 'rep.rights': 'Rights and handover',
  'rep.audit': 'Audit findings', 'rep.inventory': 'Inventory report', 'rep.rectification': 'Rectification', 'rep.village': 'Village (optional, 12 digits)',
});

const yuan = (fen) => '¥' + fenToYuan(fen ?? 0);
const tbl = (id, head, rows) => h('div', { class: 'scroll' }, h('table', { class: 'tbl', id }, h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))),
  h('tbody', {}, rows)));

// The figures of one summary, each with data-fig so that a test can read them.
function figures(ui, s) {
  const f = (k, label, fen) => [label, h('span', { 'data-fig': k }, yuan(fen))];
  const counts = (m, zh) => Object.entries(m || {}).map(([k, n]) => `${zh?.[k] || k} ${n}`).join('，') || '—';
  return ui.card(ui.dl([
    [t('dash.assets'), h('span', { 'data-fig': 'assets' }, String(s.assets.total))],
    [t('dash.byclass'), counts(s.assets.by_class, s.assets.by_class_zh)],
    [t('dash.bystatus'), counts(s.assets.by_status, s.assets.by_status_zh)],
    f('original_value', t('dash.value'), s.original_value_fen), f('income_gross', t('dash.gross'), s.income_gross_fen),
    f('income_net', t('dash.income'), s.income_net_fen), f('allocated', t('dash.allocated'), s.allocated_fen),
    f('paid', t('dash.paid'), s.paid_fen), f('unallocated', t('dash.unallocated'), s.unallocated_fen)]));
}
function placeRows(list, sums, href) {
  return list.map((p, i) => h('tr', { 'data-place': p.code }, h('td', {}, h('a', { href: href + p.code }, `${p.name}（${p.code}）`)),
    h('td', {}, String(sums[i].assets.total)), h('td', {}, yuan(sums[i].income_net_fen)), h('td', {}, yuan(sums[i].allocated_fen)),
    h('td', {}, yuan(sums[i].paid_fen)), h('td', {}, yuan(sums[i].unallocated_fen))));
}
const placeHead = () => [t('dash.place'), t('dash.count'), t('dash.income'), t('dash.allocated'), t('dash.paid'), t('dash.unallocated')];
const links = (extra) => h('p', { class: 'row links' }, extra,
  h('a', { class: 'btn sec', href: '#/findings' }, t('dash.findings')), h('a', { class: 'btn sec', href: '#/reports' }, t('dash.reports')),
  h('a', { class: 'btn sec', href: '#/keys' }, t('dash.keys')));

export async function viewCounty(ui, ledger) {
  const [s, places, ls] = await Promise.all([api.read(ledger, 'summary'), api.read(ledger, 'places'), api.ledgers()]);
  const towns = places.items.filter((p) => p.level === 'township');
  const sums = await Promise.all(towns.map((p) => api.read(ledger, `townships/${p.code}/summary`)));
  const name = ls.ledgers.find((l) => l.code === ledger)?.name || ledger;
  // The county every view reads (kept in localStorage): a server may hold several.
  const pick = h('select', { id: 'ledgerpick', 'aria-label': t('key.ledger') },
    ls.ledgers.map((l) => h('option', { value: l.code, selected: l.code === ledger }, `${l.name}（${l.code}）`)));
  pick.addEventListener('change', () => { localStorage.setItem('aidreg.ledger', pick.value); dispatchEvent(new HashChangeEvent('hashchange')); });
  ui.render(h('h1', {}, `${t('dash.title')} · ${name}（${ledger}）`), ls.ledgers.length > 1 ? h('p', {}, pick) : null,
    links(h('a', { class: 'btn sec', href: '#/plans' }, t('dash.plans'))),
    h('div', { id: 'county' }, figures(ui, s)),
    h('h2', {}, t('dash.townships')), tbl('townships', placeHead(), placeRows(towns, sums, '#/township/')));
}

export async function viewTownship(ui, ledger, code) {
  const [s, places] = await Promise.all([api.read(ledger, `townships/${code}/summary`), api.read(ledger, 'places')]);
  const vs = places.items.filter((p) => p.level === 'village' && p.township === code);
  const sums = await Promise.all(vs.map((p) => api.read(ledger, `villages/${p.code}/summary`)));
  ui.render(h('h1', {}, `${s.township_name || code}（${code}）`), h('p', {}, h('a', { href: '#/county' }, t('dash.title'))),
    h('div', { id: 'township' }, figures(ui, s)), h('h2', {}, t('dash.villages')), tbl('villages', placeHead(), placeRows(vs, sums, '#/village/')));
}

export async function viewVillage(ui, ledger, code) {
  const [s, places] = await Promise.all([api.read(ledger, `villages/${code}/summary`), api.read(ledger, 'places')]);
  const p = places.items.find((x) => x.code === code);
  ui.render(h('h1', {}, `${p?.name || code}（${code}）`),
    h('p', {}, h('a', { href: '#/township/' + code.slice(0, 9) }, p?.township_name || code.slice(0, 9))),
    h('div', { id: 'village' }, figures(ui, s)),
    h('p', { class: 'row' }, h('a', { class: 'btn sec', href: '#/plans/' + code }, t('dash.plans')),
      h('a', { class: 'btn sec', href: '#/assets/' + code }, t('dash.assetlist'))));
}

export async function viewFindings(ui, ledger) {
  const r = await api.read(ledger, 'findings');
  const today = new Date().toISOString().slice(0, 10);
  const sel = h('select', { id: 'fstatus' }, h('option', { value: '' }, t('find.all')),
    ['open', 'resolved'].map((v) => h('option', { value: v }, r.items.find((x) => x.status === v)?.status_zh || v)));
  const body = h('tbody', {});
  const href = (f) => (f.subject_kind === 'asset' ? '#/asset/' : f.subject_kind === 'plan' ? '#/plan/' : '#/village/') + encodeURIComponent(f.subject);
  const draw = () => body.replaceChildren(...r.items.filter((f) => !sel.value || f.status === sel.value).map((f) =>
    h('tr', { 'data-finding': f.id, class: f.status === 'open' && f.due && f.due < today ? 'overdue' : '' },
      h('td', {}, h('a', { href: href(f) }, f.subject_name || f.subject), h('div', { class: 'muted' }, f.village_name || '')),
      h('td', {}, f.check, h('div', { class: 'muted' }, f.note)),
      h('td', {}, f.severity_zh || f.severity), h('td', {}, f.due || '—', f.status === 'open' && f.due && f.due < today ? h('div', { class: 'tag warn' }, t('find.overdue')) : null),
      h('td', {}, h('span', { class: f.status === 'open' ? 'tag warn' : 'tag' }, f.status_zh || f.status)),
      h('td', {}, f.resolution ? `${f.resolution.resolved_on} ${f.resolution.action}` : '—'))));
  sel.addEventListener('change', draw);
  draw();
  ui.render(h('h1', {}, t('find.title')), h('p', {}, sel),
    tbl('findings', [t('find.subject'), t('find.check'), t('find.severity'), t('find.due'), t('find.status'), t('find.resolution')], body));
}

// Links to the server's own report files (it writes CSV with a BOM, XLSX and printable HTML).
export async function viewReports(ui, ledger) {
  const village = h('input', { type: 'text', id: 'rvillage', inputmode: 'numeric', maxlength: '12' });
  const list = h('div', { id: 'reports' });
  const base = `/v1/ledgers/${ledger}`;
  const draw = () => {
    const v = /^\d{12}$/.test(village.value.trim()) ? village.value.trim() : '';
    const row = (label, path, formats, takesVillage) => h('div', { class: 'card' }, h('strong', {}, label), h('p', { class: 'row' },
      formats.map((f) => h('a', { class: 'btn sec', href: `${base}/${path}${path.includes('?') ? '&' : '?'}format=${f}${takesVillage && v ? '&village=' + v : ''}`,
        download: f === 'html' ? null : '', 'data-report': `${path}:${f}`, target: f === 'html' ? '_blank' : null }, f.toUpperCase()))));
    list.replaceChildren(
      row(t('rep.ledger'), 'reports/ledger', ['xlsx', 'csv', 'html'], true), row(t('rep.income'), 'reports/income', ['xlsx', 'csv', 'html'], true),
      row(t('rep.disposals'), 'reports/disposals', ['xlsx', 'csv', 'html']), row(t('rep.rights'), 'reports/rights', ['xlsx', 'csv', 'html']),
      row(t('rep.audit'), 'audit', ['csv', 'html'], true), row(t('rep.inventory'), 'audit?report=inventory', ['csv', 'html']),
      row(t('rep.rectification'), 'audit?report=rectification', ['csv', 'html']));
  };
  village.addEventListener('input', draw);
  draw();
  ui.render(h('h1', {}, t('rep.title')), ui.card(h('label', { for: 'rvillage' }, t('rep.village')), village), list);
}
