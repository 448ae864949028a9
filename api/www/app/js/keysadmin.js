// Key management for the county officer (#/keys): who holds which key (role, scope, holder,
// enrolled, revoked, what it signed), enrolment of a clerk's key from its key id or the text
// of its QR code, and revocation. Enrolment and revocation are signed here with the officer's
// own county key, made in this browser as the clerk's is (WebCrypto Ed25519, non-extractable,
// IndexedDB "keys"/"county") and enrolled once by the root key (`aidreg enroll`). They are
// sent at once, not queued: the officer works at a desk, online, and sees the answer.
import * as api from './api.js';
import * as store from './db.js';
import { signEvent, event } from './dsse.js';
import { originOf } from './record.js';
import { makeKey } from './keys.js';
import { t, addStrings } from './i18n.js';
import { h } from './util.js';

addStrings({
  'ka.title': '密钥管理', 'ka.list': '已登记的密钥', 'ka.holder': '持有人', 'ka.role': '角色', 'ka.scope': '范围', 'ka.status': '状态',
  'ka.signed': '已签记录', 'ka.enrolled': '登记于', 'ka.mine': '本浏览器的县级密钥', 'ka.make': '生成县级密钥',
  'ka.mine.hint': '把此公钥交给持有根密钥的管理员登记为县级密钥（aidreg enroll --role county），之后即可在此登记和注销报账员的密钥。',
  'ka.enroll': '登记密钥', 'ka.paste': '公钥或二维码内容', 'ka.name': '持有人姓名', 'ka.org': '单位', 'ka.do.enroll': '签名并登记',
  'ka.revoke': '注销', 'ka.reason': '注销原因', 'ka.revoke.confirm': '注销后该密钥签的新记录都会被拒绝。确定注销 {who} 的密钥吗？',
  'ka.ok': '已记入台账（第 {n} 条）', 'ka.bad': '公钥应为 44 个字符的 base64（或 aidreg:key?... 二维码内容）', 'ka.scope.bad': '范围应为本县的 6、9 或 12 位代码',
  'ka.need': '请填写持有人姓名和单位',
}, {
  'ka.title': 'Keys', 'ka.list': 'Enrolled keys', 'ka.holder': 'Holder', 'ka.role': 'Role', 'ka.scope': 'Scope', 'ka.status': 'Status',
  'ka.signed': 'Signed', 'ka.enrolled': 'Enrolled', 'ka.mine': 'This browser\'s county key', 'ka.make': 'Make a county key',
  'ka.mine.hint': 'Have the root key\'s holder enrol this public key as a county key (aidreg enroll --role county); then enrol and revoke clerks\' keys here.',
  'ka.enroll': 'Enrol a key', 'ka.paste': 'Public key or QR text', 'ka.name': 'Holder\'s name', 'ka.org': 'Organisation', 'ka.do.enroll': 'Sign and enrol',
  'ka.revoke': 'Revoke', 'ka.reason': 'Reason', 'ka.revoke.confirm': 'Entries signed with it will be refused from now on. Revoke the key of {who}?',
  'ka.ok': 'Recorded (entry {n})', 'ka.bad': 'A public key is 44 characters of base64 (or the aidreg:key?... QR text)', 'ka.scope.bad': 'A 6, 9 or 12-digit code of this county',
  'ka.need': 'Name and organisation are needed',
});

const ROLES = { county: '县级', township: '乡镇', village: '村级', operator: '经营主体', auditor: '审计' };
const KEYID = /^[A-Za-z0-9+/]{43}=$/;

// A pasted key id, or the clerk's QR text aidreg:key?ledger=&village=&key=: {key, village?}.
export function parseKeyText(s) {
  s = s.trim();
  if (s.startsWith('aidreg:key?')) {
    const q = new URLSearchParams(s.slice('aidreg:key?'.length));
    return { key: q.get('key') || '', village: q.get('village') || '', ledger: q.get('ledger') || '' };
  }
  return { key: s };
}

export const loadCountyKey = async () => (await store.get('keys', 'county')) || null;

async function send(ck, type, subject, body) {
  const origin = await originOf(ck.ledger);
  const signed = await signEvent(ck, event(origin, type, subject, body));
  return api.submit(ck.ledger, signed.env);
}

export async function viewKeys(ui, ledger, redraw, msg) {
  const [r, ck] = await Promise.all([api.read(ledger, 'keys'), loadCountyKey()]);
  const out = h('div', { id: 'ka-out' }, msg ? h('div', { class: 'card ok' }, h('p', {}, msg)) : null);
  const answer = (res) => {
    if (res.status === 201 || res.status === 200) { redraw(t('ka.ok', { n: res.body.index })); return true; }
    out.replaceChildren(ui.problemCard(res.body, { properties: {} }, null));
    return false;
  };
  const mine = ck && ck.ledger === ledger ? r.items.find((k) => k.keyid === ck.keyid && k.status === 'active') : null;
  const rows = r.items.map((k) => h('tr', { 'data-keyid': k.keyid, class: k.status === 'revoked' ? 'muted' : '' },
    h('td', {}, h('div', {}, k.holder?.name || '—'), h('div', { class: 'muted' }, k.holder?.org || '')),
    h('td', {}, k.role_zh || k.role, k.is_root ? h('span', { class: 'tag' }, 'root') : null),
    h('td', {}, `${k.scope_name || ''}（${k.scope}）`),
    h('td', {}, h('span', { class: k.status === 'active' ? 'tag' : 'tag warn' }, k.status_zh || k.status)),
    h('td', {}, String(k.entries_signed), k.last_signed ? h('div', { class: 'muted' }, new Date(k.last_signed.time).toLocaleDateString()) : null),
    h('td', { class: 'mono' }, k.keyid.slice(0, 12) + '…'),
    h('td', {}, mine && k.status === 'active' && !k.is_root && k.keyid !== ck.keyid
      ? h('button', { class: 'btn sec small', type: 'button', 'data-revoke': k.keyid, onclick: async () => {
        if (!confirm(t('ka.revoke.confirm', { who: k.holder?.name || k.keyid }))) return;
        const reason = prompt(t('ka.reason'), '密钥停用');
        if (!reason) return;
        answer(await send(ck, 'key.revoke', k.keyid, { reason }));
      } }, t('ka.revoke')) : null)));
  let mineCard;
  if (!ck || ck.ledger !== ledger) {
    const go = h('button', { class: 'btn', type: 'button', id: 'ka-make' }, t('ka.make'));
    go.addEventListener('click', async () => { go.disabled = true; await makeKey(ledger, ledger, 'county', 'county'); redraw(); });
    mineCard = ui.card(h('h2', {}, t('ka.mine')), h('p', { class: 'muted' }, t('ka.mine.hint')), go);
  } else {
    mineCard = ui.card(h('h2', {}, t('ka.mine')), h('p', { class: 'mono', id: 'ka-keyid' }, ck.keyid),
      h('p', { class: 'muted' }, mine ? `${mine.role_zh} · ${mine.holder?.name || ''}` : t('ka.mine.hint')));
  }
  let enrolCard = null;
  if (mine) {
    const text = h('input', { type: 'text', id: 'ka-key', class: 'mono', autocomplete: 'off' });
    const role = h('select', { id: 'ka-role' }, Object.entries(ROLES).map(([v, zh]) => h('option', { value: v, selected: v === 'village' }, zh)));
    const scope = h('input', { type: 'text', id: 'ka-scope', inputmode: 'numeric', maxlength: '12' });
    const name = h('input', { type: 'text', id: 'ka-name' });
    const org = h('input', { type: 'text', id: 'ka-org' });
    const err = h('p', { class: 'err', id: 'ka-err', hidden: true });
    text.addEventListener('input', () => { const p = parseKeyText(text.value); if (p.village && !scope.value) scope.value = p.village; });
    const go = h('button', { class: 'btn', type: 'button', id: 'ka-enroll' }, t('ka.do.enroll'));
    go.addEventListener('click', async () => {
      const p = parseKeyText(text.value);
      const sc = scope.value.trim();
      const bad = !KEYID.test(p.key) ? t('ka.bad') : !/^(\d{6}|\d{9}|\d{12})$/.test(sc) || !sc.startsWith(ledger) ? t('ka.scope.bad')
        : !name.value.trim() || !org.value.trim() ? t('ka.need') : '';
      err.hidden = !bad; err.textContent = bad;
      if (bad) return;
      go.disabled = true;
      const ok = answer(await send(ck, 'key.enroll', p.key,
        { key: p.key, role: role.value, scope: sc, holder: { name: name.value.trim(), org: org.value.trim() } }));
      if (!ok) go.disabled = false;
    });
    enrolCard = ui.card(h('h2', {}, t('ka.enroll')), h('label', { for: 'ka-key' }, t('ka.paste')), text,
      h('label', { for: 'ka-role' }, t('ka.role')), role, h('label', { for: 'ka-scope' }, t('ka.scope')), scope,
      h('label', { for: 'ka-name' }, t('ka.name')), name, h('label', { for: 'ka-org' }, t('ka.org')), org, err, h('p', {}, go));
  }
  ui.render(h('h1', {}, t('ka.title')), mineCard, enrolCard, out,
    h('h2', {}, `${t('ka.list')}（${r.total}）`),
    h('div', { class: 'scroll' }, h('table', { class: 'tbl', id: 'keys' },
      h('thead', {}, h('tr', {}, [t('ka.holder'), t('ka.role'), t('ka.scope'), t('ka.status'), t('ka.signed'), 'ID', ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, rows))));
}
