// A subject's whole signed history (asset or plan): every step, oldest first, with its type in
// Chinese, the server's time, who signed it (holder, role) and, for a corrected step, by which
// entry. Pages of the history route are followed to the end.
import * as api from './api.js';
import { t, half, addStrings } from './i18n.js';
import { h } from './util.js';

addStrings({
  'hist.title': '签名记录（全部）', 'hist.index': '序号', 'hist.type': '记录', 'hist.time': '时间', 'hist.signer': '签名人',
  'hist.corrected': '已被第 {n} 条更正', 'hist.none': '没有记录', 'hist.more': '显示全部 {n} 条',
}, {
  'hist.title': 'Signed history (all)', 'hist.index': '#', 'hist.type': 'Entry', 'hist.time': 'Time', 'hist.signer': 'Signed by',
  'hist.corrected': 'corrected by #{n}', 'hist.none': 'No entries', 'hist.more': 'Show all {n}',
});

const ROLE_ZH = { county: '县级', township: '乡镇', village: '村级', operator: '经营主体', auditor: '审计' };

export async function allSteps(ledger, kind, id, first) {
  let r = first || await api.subject(ledger, kind, id);
  const steps = [...(r.history || [])];
  while (r.history_next != null) {
    r = await api.subject(ledger, kind, id, r.history_next);
    steps.push(...(r.history || []));
  }
  return steps;
}

// The card: the newest 20 at first, all on demand (a solar plant has hundreds of steps).
export function historyCard(steps, types) {
  const label = (type) => types?.[type]?.title || type;
  const row = (s) => h('tr', { 'data-index': String(s.index) },
    h('td', {}, String(s.index)),
    h('td', {}, label(s.type), s.corrected_by != null ? h('div', { class: 'tag warn' }, t('hist.corrected', { n: s.corrected_by })) : null),
    h('td', {}, new Date(s.time).toLocaleString()),
    h('td', {}, (s.signers || []).map((g) => h('div', { title: g.keyid }, `${g.holder?.name || g.keyid}（${half(ROLE_ZH[g.role] || g.role)}）`))));
  const body = h('tbody', {});
  const newest = steps.slice(-20).reverse();
  body.append(...newest.map(row));
  const more = steps.length > newest.length
    ? h('button', { class: 'btn sec', type: 'button', onclick: () => { body.replaceChildren(...steps.slice().reverse().map(row)); more.remove(); } },
      t('hist.more', { n: steps.length })) : null;
  return h('div', { class: 'card', id: 'history' }, h('h2', {}, t('hist.title')),
    steps.length ? h('div', { class: 'scroll' }, h('table', { class: 'tbl' },
      h('thead', {}, h('tr', {}, ['hist.index', 'hist.type', 'hist.time', 'hist.signer'].map((k) => h('th', {}, t(k))))), body)) : h('p', {}, t('hist.none')),
    more);
}
