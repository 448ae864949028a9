// Chinese first; English when chosen (kept in localStorage).
const zh = {
  'app.title': '扶贫资产登记', 'nav.home': '首页', 'nav.assets': '资产', 'nav.key': '密钥', 'nav.queue': '待发送',
  'net.on': '在线', 'net.off': '离线',
  'home.hello': '村级报账员工作台', 'home.nokey': '本设备还没有签名密钥。请先生成密钥，再请县里登记。',
  'home.key': '本设备密钥', 'home.village': '所属村', 'home.ledger': '台账（县）', 'home.start': '选择资产并记录',
  'home.unsent': '待发送', 'home.lastsync': '上次同步', 'home.never': '从未',
  'key.title': '签名密钥', 'key.make': '生成密钥', 'key.ledger': '台账（县）', 'key.village': '村代码（12 位）',
  'key.village.bad': '村代码应为 12 位数字，且属于所选县', 'key.pub': '公钥（请交给县里登记）',
  'key.kind': '密钥类型', 'key.kind.webcrypto': 'Ed25519（浏览器 WebCrypto，私钥不可导出）',
  'key.nocrypto': '此浏览器不支持 WebCrypto Ed25519，无法在本设备签名。请使用新版 Chrome / Chromium（137 以上）。',
  'key.persist': '持久存储', 'key.persist.yes': '已获准（浏览器不会自动清除密钥和待发送记录）',
  'key.persist.no': '未获准（浏览器空间不足时可能清除数据，请尽快同步）', 'key.persist.na': '此浏览器不支持',
  'key.created': '创建时间', 'key.copy': '复制公钥', 'key.copied': '已复制', 'key.enrolled': '登记状态',
  'key.enrolled.unknown': '尚未确认：第一条记录被接受即说明已登记', 'key.enrolled.yes': '已登记（已有记录被接受）',
  'key.replace': '作废并重新生成', 'key.replace.confirm': '重新生成后旧密钥无法再使用，确定吗？',
  'assets.title': '选择资产', 'assets.search': '搜索名称或编号', 'assets.all': '全部类别', 'assets.none': '没有找到资产',
  'assets.count': '共 {n} 项', 'assets.more': '加载更多', 'assets.nokey': '请先生成密钥并选择所属村',
  'asset.record': '记录', 'rec.choose': '选择记录类型',
  'form.review': '检查并签名', 'form.required': '必填', 'form.yuan': '请输入金额（元），最多两位小数', 'form.int': '请输入整数',
  'form.date': '请输入日期', 'form.enum': '请选择', 'form.yes': '是', 'form.no': '否', 'form.photos.none': '未附照片（可拍照或从相册选择）',
  'form.toolarge': '金额过大', 'form.future': '日期不能晚于今天',
  'sum.title': '请核对后签名', 'sum.sign': '签名并提交', 'sum.back': '返回修改', 'sum.asset': '资产', 'sum.type': '记录类型',
  'sub.sending': '正在签名并提交…', 'sub.ok': '已记入台账', 'sub.replay': '该记录此前已记入台账', 'sub.index': '台账序号',
  'sub.hash': '记录摘要 (SHA-256)', 'sub.cp': '检查点', 'sub.queued': '已签名，网络恢复后自动发送',
  'sub.refused': '服务器拒绝了这条记录', 'sub.field': '有问题的项目', 'sub.why': '原因', 'sub.detail': '服务器说明',
  'sub.again': '再记一条', 'sub.fix': '修改后重新提交',
  'queue.title': '待发送记录', 'queue.empty': '没有待发送的记录', 'queue.sync': '立即同步', 'queue.state.signed': '已签名待发送',
  'queue.state.sending': '发送中', 'queue.state.refused': '被拒绝', 'queue.state.conflict': '冲突', 'queue.drop': '删除',
  'queue.drop.confirm': '删除后这条记录不会再发送，确定吗？',
  'err.load': '加载失败', 'err.net': '无法连接服务器',
  'hint.key-not-enrolled': '您的公钥还没有被县里登记。请把“密钥”页上的公钥交给县里的管理员，登记后再提交。',
  'hint.out-of-scope': '这项资产不在您所属村的范围内。',
  'hint.date-after-signing': '日期不能晚于今天（签名时间）。',
  'hint.time-in-future': '手机时间比服务器快，请校正手机时间。',
  'hint.stale-prev': '这项资产刚有别人更新过，请刷新后重新记录。',
};
const en = {
  'app.title': 'Aid asset registry', 'nav.home': 'Home', 'nav.assets': 'Assets', 'nav.key': 'Key', 'nav.queue': 'Unsent',
  'net.on': 'online', 'net.off': 'offline',
  'home.hello': 'Village clerk', 'home.nokey': 'This device has no signing key yet. Make one, then ask the county to enrol it.',
  'home.key': 'This device\'s key', 'home.village': 'Village', 'home.ledger': 'Ledger (county)', 'home.start': 'Pick an asset and record',
  'home.unsent': 'Unsent', 'home.lastsync': 'Last sync', 'home.never': 'never',
  'key.title': 'Signing key', 'key.make': 'Make a key', 'key.ledger': 'Ledger (county)', 'key.village': 'Village code (12 digits)',
  'key.village.bad': 'A village code is 12 digits inside the chosen county', 'key.pub': 'Public key (for the county to enrol)',
  'key.kind': 'Kind', 'key.kind.webcrypto': 'Ed25519 (browser WebCrypto, private key not extractable)',
  'key.nocrypto': 'This browser has no WebCrypto Ed25519: it cannot sign. Use a recent Chrome / Chromium (137+).',
  'key.persist': 'Persistent storage', 'key.persist.yes': 'granted (the browser will not evict the key and the queue)',
  'key.persist.no': 'not granted (the browser may evict data when short of space: sync soon)', 'key.persist.na': 'not supported',
  'key.created': 'Created', 'key.copy': 'Copy', 'key.copied': 'Copied', 'key.enrolled': 'Enrolment',
  'key.enrolled.unknown': 'not confirmed yet: the first accepted entry confirms it', 'key.enrolled.yes': 'enrolled (an entry was accepted)',
  'key.replace': 'Discard and make a new key', 'key.replace.confirm': 'The old key cannot be used again. Sure?',
  'assets.title': 'Pick an asset', 'assets.search': 'Search name or code', 'assets.all': 'All classes', 'assets.none': 'No assets found',
  'assets.count': '{n} in all', 'assets.more': 'More', 'assets.nokey': 'Make a key and choose the village first',
  'asset.record': 'Record', 'rec.choose': 'What to record',
  'form.review': 'Review and sign', 'form.required': 'required', 'form.yuan': 'An amount in yuan, at most two decimals', 'form.int': 'A whole number',
  'form.date': 'A date', 'form.enum': 'Choose one', 'form.yes': 'yes', 'form.no': 'no', 'form.photos.none': 'No photos (take or choose some)',
  'form.toolarge': 'Amount too large', 'form.future': 'The date cannot be after today',
  'sum.title': 'Check, then sign', 'sum.sign': 'Sign and submit', 'sum.back': 'Back', 'sum.asset': 'Asset', 'sum.type': 'Record',
  'sub.sending': 'Signing and submitting…', 'sub.ok': 'Recorded in the ledger', 'sub.replay': 'Already in the ledger', 'sub.index': 'Entry index',
  'sub.hash': 'Payload SHA-256', 'sub.cp': 'Checkpoint', 'sub.queued': 'Signed; it is sent when the network is back',
  'sub.refused': 'The server refused this entry', 'sub.field': 'Field', 'sub.why': 'Why', 'sub.detail': 'Server detail',
  'sub.again': 'Record another', 'sub.fix': 'Edit and resubmit',
  'queue.title': 'Unsent entries', 'queue.empty': 'Nothing to send', 'queue.sync': 'Sync now', 'queue.state.signed': 'signed, unsent',
  'queue.state.sending': 'sending', 'queue.state.refused': 'refused', 'queue.state.conflict': 'conflict', 'queue.drop': 'Delete',
  'queue.drop.confirm': 'This entry will never be sent. Sure?',
  'err.load': 'Loading failed', 'err.net': 'Cannot reach the server',
  'hint.key-not-enrolled': 'The county has not enrolled your public key yet: give them the key shown on the Key page.',
  'hint.out-of-scope': 'This asset is outside your village.',
  'hint.date-after-signing': 'The date cannot be after today.',
  'hint.time-in-future': 'The phone\'s clock is ahead of the server: set it right.',
  'hint.stale-prev': 'Someone updated this asset just now: reload and record again.',
};
let lang = localStorage.getItem('aidreg.lang') === 'en' ? 'en' : 'zh';
export const getLang = () => lang;
export function setLang(l) { lang = l === 'en' ? 'en' : 'zh'; localStorage.setItem('aidreg.lang', lang); }
export function t(key, vars) {
  let s = (lang === 'en' ? en : zh)[key] ?? zh[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replace('{' + k + '}', String(v));
  return s;
}
// "未找到 / Not found": the half of a bilingual title for the language in use.
export function half(s) {
  const i = String(s).indexOf(' / ');
  if (i < 0) return String(s);
  return lang === 'en' ? s.slice(i + 3) : s.slice(0, i);
}
// Other modules bring their own strings (keeps this file from being every module's).
export function addStrings(z, e) { Object.assign(zh, z); Object.assign(en, e); }
