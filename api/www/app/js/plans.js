// Allocation plans (收益分配方案) and the clerk's records that are not maintenance of an asset:
// income of an operating asset, a plan with its 四议 steps and minutes, the notice (公示) of a
// plan or a village, a payout (兑付). Routes #/plans, #/plan/<id>, #/newplan,
// #/act/<asset|plan|village>/<subject>/<type>.
import * as api from './api.js';
import * as keys from './keys.js';
import { serverHead } from './chain.js';
import { recordFlow } from './record.js';
import { allSteps, historyCard } from './history.js';
import { t, addStrings } from './i18n.js';
import { h, fenToYuan } from './util.js';

addStrings({
  'plans.title': '收益分配方案', 'plans.new': '新建分配方案', 'plans.none': '没有方案', 'plans.all': '全部村',
  'plan.state': '状态', 'plan.total': '分配总额', 'plan.paid': '已兑付', 'plan.remaining': '未兑付', 'plan.year': '年度',
  'plan.sources': '资金来源', 'plan.lines': '分配用途', 'plan.steps': '四议两公开', 'plan.review': '乡镇审核', 'plan.filed': '县级备案',
  'plan.notice': '公示', 'plan.payouts': '兑付记录', 'plan.none': '无', 'plan.id': '方案编号', 'plan.next': '下一步',
  'plan.id.bad': '编号 1 到 64 个字符，不含空格和 / ? # % \\ "', 'plan.id.taken': '该编号已被使用',
  'act.notice': '发布公示', 'act.payout': '记录兑付', 'act.income': '报告收益', 'act.village.notice': '村级公示',
  'chk.net': '净收益应等于总收入减各项成本：{v} 元', 'chk.lines': '分配用途合计 {a} 元，应等于资金来源合计 {b} 元',
  'chk.steps': '缺少必经步骤：{s}', 'chk.days': '公示期至少 {n} 天', 'chk.line': '超过该用途剩余金额 {v} 元', 'chk.source': '超过该收益可分配余额 {v} 元',
  'chk.period': '开始日期不能晚于结束日期',
  'income.pick': '选择收益记录', 'line.pick': '选择分配用途', 'sum.subject': '对象',
  'remain': '剩余', 'payee': '收款方', 'conflict.made': '这条记录与服务器上的新记录冲突，请到“待发送”处理。',
}, {
  'plans.title': 'Allocation plans', 'plans.new': 'New plan', 'plans.none': 'No plans', 'plans.all': 'All villages',
  'plan.state': 'State', 'plan.total': 'Total', 'plan.paid': 'Paid', 'plan.remaining': 'Unpaid', 'plan.year': 'Year',
  'plan.sources': 'Sources', 'plan.lines': 'Lines', 'plan.steps': 'Village decision (四议两公开)', 'plan.review': 'Township review', 'plan.filed': 'County filing',
  'plan.notice': 'Notice', 'plan.payouts': 'Payouts', 'plan.none': 'none', 'plan.id': 'Plan id', 'plan.next': 'Next',
  'plan.id.bad': '1 to 64 characters, no space or / ? # % \\ "', 'plan.id.taken': 'This id is taken',
  'act.notice': 'Publish a notice', 'act.payout': 'Record a payout', 'act.income': 'Report income', 'act.village.notice': 'Village notice',
  'chk.net': 'Net must be gross less the costs: {v} yuan', 'chk.lines': 'Lines total {a} yuan; the sources total {b} yuan',
  'chk.steps': 'Required steps missing: {s}', 'chk.days': 'A notice lasts at least {n} days', 'chk.line': 'More than the line has left: {v} yuan', 'chk.source': 'More than the income has left: {v} yuan',
  'chk.period': 'The start is after the end',
  'income.pick': 'Choose an income report', 'line.pick': 'Choose a line', 'sum.subject': 'Subject',
  'remain': 'left', 'payee': 'Payee', 'conflict.made': 'This entry conflicts with a newer one on the server: resolve it under Unsent.',
});

const sum = (xs, f) => xs.reduce((a, x) => a + (f(x) || 0), 0);
const yuan = (fen) => '¥' + fenToYuan(fen);
const days = (a, b) => Math.round((Date.parse(b) - Date.parse(a)) / 86400000) + 1;

async function needKey(ui) {
  const key = await keys.loadKey();
  if (!key) ui.render(h('h1', {}, t('plans.title')), ui.card(h('p', {}, t('assets.nokey')), h('a', { class: 'btn', href: '#/key' }, t('key.make'))));
  return key;
}

export async function viewPlans(ui, ledger, village) {
  const key = await keys.loadKey();
  const params = { village: village || (key?.ledger === ledger ? key.village : ''), limit: 200 };
  const r = await api.read(ledger, 'plans', params);
  const item = (p) => h('li', {}, h('a', { href: '#/plan/' + encodeURIComponent(p.id), 'data-plan': p.id },
    h('strong', {}, p.id), h('div', { class: 'muted' }, h('span', { class: p.state === 'closed' ? 'tag' : 'tag warn' }, p.state_zh || p.state),
      `${p.village_name || p.village} · ${p.year} · ${t('plan.total')} ${yuan(p.total_fen)} · ${t('plan.paid')} ${yuan(p.paid_fen)}`)));
  ui.render(h('h1', {}, t('plans.title')),
    key && key.ledger === ledger ? h('p', { class: 'row' }, h('a', { class: 'btn', href: '#/newplan', id: 'newplan' }, t('plans.new')),
      h('a', { class: 'btn sec', href: `#/act/village/${key.village}/notice.publish`, 'data-type': 'notice.publish' }, t('act.village.notice'))) : null,
    r.items.length ? h('ul', { class: 'list', id: 'plans' }, r.items.map(item)) : ui.card(h('p', {}, t('plans.none'))));
}

export async function viewPlan(ui, ledger, id) {
  const [p, cat, key] = await Promise.all([api.subject(ledger, 'plan', id), api.catalogue(), keys.loadKey()]);
  const steps = await allSteps(ledger, 'plan', id, p);
  const mine = key && key.ledger === ledger && key.village === p.village;
  const tbl = (head, rows) => h('div', { class: 'scroll' }, h('table', { class: 'tbl' }, h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((x) => h('td', {}, x)))))));
  ui.render(h('h1', {}, `${t('plans.title')} ${p.id}`),
    ui.card(ui.dl([[t('home.village'), `${p.village_name || ''}（${p.village}）`], [t('plan.year'), String(p.year)],
      [t('plan.state'), h('span', { id: 'planstate', 'data-state': p.state }, p.state_zh || p.state)],
      [t('plan.total'), yuan(p.total_fen)], [t('plan.paid'), yuan(p.paid_fen)], [t('plan.remaining'), yuan(p.remaining_fen)]])),
    mine ? h('p', { class: 'row' },
      h('a', { class: 'btn sec', href: `#/act/plan/${encodeURIComponent(id)}/notice.publish`, 'data-type': 'notice.publish' }, t('act.notice')),
      h('a', { class: 'btn', href: `#/act/plan/${encodeURIComponent(id)}/allocation.payout`, 'data-type': 'allocation.payout' }, t('act.payout'))) : null,
    h('h2', {}, t('plan.lines')),
    tbl(['#', t('plan.lines'), t('plan.total'), t('plan.paid'), t('plan.remaining')],
      p.lines.map((l, i) => [String(i + 1), `${l.purpose_zh || l.purpose}：${l.description}`, yuan(l.amount_fen), yuan(l.paid_fen), yuan(l.remaining_fen)])),
    h('h2', {}, t('plan.sources')),
    tbl([t('sum.asset'), t('plan.total')], p.sources.map((s) => [s.asset_name || s.asset || s.income.slice(0, 12), yuan(s.amount_fen)])),
    h('h2', {}, t('plan.steps')),
    ui.card(ui.dl([
      ...p.steps.map((s) => [s.step_zh || s.step, s.date]),
      [t('plan.review'), p.review ? `${p.review.decision_zh || p.review.decision} ${p.review.note || ''}` : t('plan.none')],
      [t('plan.filed'), p.filed ? p.filed.note || '✓' : t('plan.none')],
      [t('plan.notice'), p.notice ? `${p.notice.start}～${p.notice.end} ${p.notice.place || ''}` : t('plan.none')]])),
    h('h2', {}, t('plan.payouts')),
    p.payouts?.length ? tbl(['#', t('payee'), t('plan.paid'), 'date'], p.payouts.map((x) => [String(x.line + 1), `${x.payee?.name || ''}（${x.payee?.kind_zh || x.payee?.kind || ''}）`, yuan(x.amount_fen), x.paid_on]))
      : ui.card(h('p', {}, t('plan.none'))),
    historyCard(steps, cat.types));
}

// The plan id first (it is the subject), then the form.
export async function viewNewPlan(ui) {
  const key = await needKey(ui);
  if (!key) return;
  const year = new Date().getFullYear();
  let taken = new Set();
  try { taken = new Set((await api.read(key.ledger, 'plans', { village: key.village, limit: 1000 })).items.map((p) => p.id)); } catch { /* offline */ }
  let id = `PL${key.village}-${year}`;
  for (let n = 2; taken.has(id); n++) id = `PL${key.village}-${year}-${n}`;
  const input = h('input', { type: 'text', id: 'planid', value: id, maxlength: '64' });
  const err = h('p', { class: 'err', hidden: true });
  const next = h('button', { class: 'btn', type: 'button', id: 'planid-next' }, t('plan.next'));
  next.addEventListener('click', () => {
    const v = input.value.trim();
    const bad = !/^[\x21-\x7e]{1,64}$/.test(v) || /[/?#%\\"]/.test(v) ? t('plan.id.bad') : taken.has(v) ? t('plan.id.taken') : '';
    err.hidden = !bad; err.textContent = bad;
    input.classList.toggle('invalid', !!bad);
    if (!bad) planForm(ui, key, v, year);
  });
  ui.render(h('h1', {}, t('plans.new')), ui.card(h('label', { for: 'planid' }, t('plan.id')), input, err, h('p', {}, next)));
}

async function planForm(ui, key, id, year) {
  const cat = await api.catalogue();
  let incomes = [], settings = null;
  try {
    [incomes, settings] = await Promise.all([
      api.read(key.ledger, 'incomes', { village: key.village, limit: 1000 }).then((r) => r.items), api.read(key.ledger, 'settings')]);
  } catch { /* offline: the hash can still be pasted */ }
  const left = (inc) => inc.shares?.find((s) => s.village === key.village)?.remaining_fen ?? inc.remaining_fen;
  const open = incomes.filter((x) => left(x) > 0).reverse();
  const byRef = new Map(open.map((x) => [x.id, x]));
  const schema = cat.body('allocation.plan');
  const required = settings?.settings?.required_steps || [];
  const stepP = schema.properties.steps.items.properties.step;
  await recordFlow(ui, {
    key, subject: id, subjectLabel: id, kind: 'plan', type: 'allocation.plan', title: cat.types['allocation.plan']?.title || 'allocation.plan', schema,
    head: null,
    initial: { year, steps: (required.length ? required : stepP.enum).map((s) => ({ step: s })) },
    formOpts: {
      fixed: { village: key.village },
      custom: { 'sources.income': (p, fid) => incomeSelect(p, fid, open, left) },
      check(b) {
        const out = [];
        const src = sum(b.sources, (s) => s.amount_fen), lines = sum(b.lines, (l) => l.amount_fen);
        if (src !== lines) out.push({ name: 'lines', message: t('chk.lines', { a: fenToYuan(lines), b: fenToYuan(src) }) });
        const miss = required.filter((s) => !b.steps.some((x) => x.step === s));
        if (miss.length) out.push({ name: 'steps', message: t('chk.steps', { s: miss.map((s) => stepP['x-labels']?.[s] || s).join('、') }) });
        for (const s of b.sources) {
          const inc = byRef.get(s.income);
          if (inc && s.amount_fen > left(inc)) out.push({ name: 'sources', message: t('chk.source', { v: fenToYuan(left(inc)) }) });
        }
        return out;
      },
    },
    done: [[t('plans.title'), '#/plans'], [id, '#/plan/' + encodeURIComponent(id)]],
  });
}

function incomeSelect(p, id, open, left) {
  const sel = h('select', { id, 'data-field': 'income' }, h('option', { value: '' }, t('income.pick')),
    open.map((x) => h('option', { value: x.id }, `${x.asset_name || x.asset} ${x.period_start}～${x.period_end} · ${t('remain')} ${yuan(left(x))}`)));
  const paste = h('input', { type: 'text', class: 'mono', id: id + '-hex', placeholder: t('file.paste'), maxlength: '64' });
  return { input: h('div', {}, sel, paste), read: () => (sel.value || paste.value.trim().toLowerCase() || undefined) };
}

// #/act/<kind>/<subject>/<type>: income on an asset, a notice on a plan or village, a payout.
export async function viewAct(ui, kind, subject, type) {
  const key = await needKey(ui);
  if (!key) return;
  const cat = await api.catalogue();
  const schema = cat.body(type);
  const title = cat.types[type]?.title || type;
  let read = null, head = null, label = subject, formOpts = {}, initial = {};
  let settings = null;
  try { settings = (await api.read(key.ledger, 'settings')).settings; } catch { /* offline */ }
  if (kind === 'asset' || kind === 'plan') {
    read = await api.subject(key.ledger, kind, subject);
    head = await serverHead(key.ledger, kind, subject, read);
    label = kind === 'asset' ? read.name : read.id;
  }
  const checks = [];
  if (type === 'income.report') {
    initial = { costs: [] };
    checks.push((b) => b.net_fen !== b.gross_fen - sum(b.costs, (c) => c.amount_fen)
      ? [{ name: 'net_fen', message: t('chk.net', { v: fenToYuan(b.gross_fen - sum(b.costs, (c) => c.amount_fen)) }) }] : []);
    checks.push((b) => (b.period_start > b.period_end ? [{ name: 'period_start', message: t('chk.period') }] : []));
  }
  if (type === 'notice.publish') {
    initial = { kind: kind === 'plan' ? 'allocation' : 'assets' };
    const n = settings?.publicity_days || 7;
    checks.push((b) => (days(b.start, b.end) < n ? [{ name: 'end', message: t('chk.days', { n }) }] : []));
  }
  if (type === 'allocation.payout') {
    const lines = read.lines;
    formOpts.custom = { line: (p, id) => lineSelect(id, lines) };
    checks.push((b) => (lines[b.line] && b.amount_fen > lines[b.line].remaining_fen
      ? [{ name: 'amount_fen', message: t('chk.line', { v: fenToYuan(lines[b.line].remaining_fen) }) }] : []));
  }
  formOpts.check = (b) => checks.flatMap((c) => c(b));
  const back = kind === 'plan' ? '#/plan/' + encodeURIComponent(subject) : kind === 'asset' ? '#/asset/' + encodeURIComponent(subject) : '#/';
  await recordFlow(ui, { key, subject, subjectLabel: label, kind, type, title, schema, head, initial, formOpts, done: [[label, back]] });
}

function lineSelect(id, lines) {
  const sel = h('select', { id, 'data-field': 'line' }, h('option', { value: '' }, t('line.pick')),
    lines.map((l, i) => h('option', { value: String(i), disabled: l.remaining_fen <= 0 }, `${i + 1}. ${l.purpose_zh || l.purpose}：${l.description} · ${t('remain')} ${yuan(l.remaining_fen)}`)));
  return { input: sel, read: () => (sel.value === '' ? undefined : sel.value), validate: (v) => (v === undefined ? [t('form.required')] : [null, Number(v)]) };
}

