// The strings of the attachments, receipts and public-notice pages (Chinese first), kept apart
// from i18n.js so that each screen's words live beside its module.
import { getLang } from './i18n.js';

const zh = {
  'photo.bad': '无法读取该照片', 'photo.count': '已附 {n} 张照片（联网后自动上传）',
  'rc.title': '回执核验', 'rc.ok': '已核验：此记录在账本第 {n} 条，账本签名有效', 'rc.bad': '未通过核验：回执与账本不符',
  'rc.checking': '正在核验回执…', 'rc.offline': '离线：联网后再核验',
  'rc.sig': '检查点签名（日志公钥）', 'rc.incl': '包含证明（回执检查点）', 'rc.incl.latest': '包含证明（最新检查点）', 'rc.cons': '一致性证明（到最新检查点）',
  'rc.leaf': '账本中的原文与回执一致', 'rc.latest': '最新检查点签名', 'rc.list': '已接受的记录', 'rc.none': '还没有已接受的记录',
  'pub.title': '公示', 'pub.village': '村级公示', 'pub.plan': '收益分配方案公示', 'pub.assets': '扶贫资产', 'pub.income': '收益',
  'pub.plans': '收益分配', 'pub.steps': '四议两公开', 'pub.step': '步骤', 'pub.lines': '分配用途', 'pub.payouts': '兑付明细', 'pub.period': '公示期',
  'pub.complaints': '监督举报电话', 'pub.nocomplaints': '（县里未设置）', 'pub.scan': '扫码核验此公示是否与账本一致',
  'pub.entry': '账本第 {n} 条', 'pub.print': '打印（A4）', 'pub.none': '无', 'pub.amount': '金额（元）', 'pub.payee': '收款人',
  'pub.purpose': '用途', 'pub.date': '日期', 'pub.paid': '已兑付（元）', 'pub.total': '合计（元）', 'pub.state': '状态',
  'pub.name': '名称', 'pub.class': '类别', 'pub.value': '原值（元）', 'pub.net': '净收益（元）', 'pub.notice': '公示',
  'pub.nonotice': '尚未公示', 'pub.place': '公示地点', 'v.title': '公示核验', 'v.proof': '下载证明（JSON）',
  'v.ok': '已核验：此公示内容在账本第 {n} 条，账本签名有效', 'v.bad': '未通过核验：此内容与账本不符，请向县里举报',
  'v.what': '账本中的这一条', 'v.open': '查看公示',
};
const en = {
  'photo.bad': 'Cannot read this photo', 'photo.count': '{n} photo(s) attached (uploaded when online)',
  'rc.title': 'Receipt check', 'rc.ok': 'Verified: entry {n} of the ledger, ledger signature valid', 'rc.bad': 'NOT verified: the receipt does not match the ledger',
  'rc.checking': 'Checking the receipt…', 'rc.offline': 'Offline: checked when online',
  'rc.sig': 'Checkpoint signature (log key)', 'rc.incl': 'Inclusion proof (receipt checkpoint)', 'rc.incl.latest': 'Inclusion proof (latest checkpoint)', 'rc.cons': 'Consistency proof (to the latest checkpoint)',
  'rc.leaf': 'The ledger holds what the receipt says', 'rc.latest': 'Latest checkpoint signature', 'rc.list': 'Accepted entries', 'rc.none': 'No accepted entry yet',
  'pub.title': 'Public notice', 'pub.village': 'Village notice', 'pub.plan': 'Allocation plan notice', 'pub.assets': 'Assets', 'pub.income': 'Income',
  'pub.plans': 'Allocations', 'pub.steps': 'Village decision steps', 'pub.step': 'Step', 'pub.lines': 'Lines', 'pub.payouts': 'Payouts', 'pub.period': 'Notice period',
  'pub.complaints': 'Complaints number', 'pub.nocomplaints': '(not set by the county)', 'pub.scan': 'Scan to check this notice against the ledger',
  'pub.entry': 'ledger entry {n}', 'pub.print': 'Print (A4)', 'pub.none': 'none', 'pub.amount': 'Amount (yuan)', 'pub.payee': 'Payee',
  'pub.purpose': 'Purpose', 'pub.date': 'Date', 'pub.paid': 'Paid (yuan)', 'pub.total': 'Total (yuan)', 'pub.state': 'State',
  'pub.name': 'Name', 'pub.class': 'Class', 'pub.value': 'Value (yuan)', 'pub.net': 'Net income (yuan)', 'pub.notice': 'Notice',
  'pub.nonotice': 'not yet publicised', 'pub.place': 'Posted at', 'v.title': 'Notice check', 'v.proof': 'Download the proof (JSON)',
  'v.ok': 'Verified: this notice is entry {n} of the ledger, ledger signature valid', 'v.bad': 'NOT verified: this does not match the ledger; report it to the county',
  'v.what': 'The entry in the ledger', 'v.open': 'Open the notice',
};
// The label of a check of receipt.js (latest, leaf, incl-latest, sig, incl, cons).
const CHECKS = { latest: 'rc.latest', leaf: 'rc.leaf', 'incl-latest': 'rc.incl.latest', sig: 'rc.sig', incl: 'rc.incl', cons: 'rc.cons' };
export const checkLabel = (name) => w(CHECKS[name] || name);

export function w(key, vars) {
  let s = (getLang() === 'en' ? en : zh)[key] ?? zh[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replace('{' + k + '}', String(v));
  return s;
}
