// A queued entry refused 409 `stale-prev`: the subject changed on the server after the entry was
// made. Never resent as it is, never overwritten silently: the clerk sees what changed (the steps
// after the entry's prev, who signed them) and then either re-bases it (the same body, `prev` =
// the new head, a new time, signed again with this device's key) or discards it.
import * as store from './db.js';
import * as keys from './keys.js';
import * as queue from './queue.js';
import { stepsSince } from './chain.js';
import { signEvent, event } from './dsse.js';
import { t, half, addStrings } from './i18n.js';
import { h } from './util.js';

addStrings({
  'conflict.title': '冲突：服务器上这项已有新记录', 'conflict.changed': '您签名之后服务器上新增的记录：',
  'conflict.rebase': '按最新记录重新签名并发送', 'conflict.discard': '放弃这条记录', 'conflict.resolve': '处理冲突',
  'conflict.rebase.confirm': '将以本设备密钥重新签名（内容不变，接在最新记录之后）。确定吗？',
  'conflict.nokey': '本设备没有密钥，无法重新签名', 'conflict.none': '（读取不到服务器记录）',
}, {
  'conflict.title': 'Conflict: the subject has newer entries on the server', 'conflict.changed': 'Entries added on the server after yours was signed:',
  'conflict.rebase': 'Re-sign on the newest entry and send', 'conflict.discard': 'Discard this entry', 'conflict.resolve': 'Resolve',
  'conflict.rebase.confirm': 'Signed again with this device\'s key (same content, after the newest entry). Go on?',
  'conflict.nokey': 'No key on this device: cannot re-sign', 'conflict.none': '(the server\'s history cannot be read)',
});

const kindOf = (row) => row.meta?.kind || (row.event.subject.startsWith('PL') ? 'plan' : 'asset');

// The panel under a conflict row of the queue view; done() redraws the view.
export async function conflictPanel(row, types, done) {
  const kind = kindOf(row);
  let since = null;
  try { since = await stepsSince(row.ledger, kind, row.event.subject, row.event.prev); } catch { /* offline */ }
  const rebase = h('button', { class: 'btn', type: 'button', 'data-act': 'rebase' }, t('conflict.rebase'));
  const discard = h('button', { class: 'btn sec', type: 'button', 'data-act': 'discard' }, t('conflict.discard'));
  const msg = h('p', { class: 'err', hidden: true });
  rebase.addEventListener('click', async () => {
    const key = await keys.loadKey();
    if (!key) { msg.hidden = false; msg.textContent = t('conflict.nokey'); return; }
    if (!confirm(t('conflict.rebase.confirm'))) return;
    rebase.disabled = discard.disabled = true;
    let head = since?.head ?? row.problem?.head ?? null;
    try { head = (await stepsSince(row.ledger, kind, row.event.subject, row.event.prev)).head; } catch { /* the head we have */ }
    const ev = event(row.event.ledger, row.event.type, row.event.subject, row.event.body, head || undefined);
    const signed = await signEvent(key, ev);
    await queue.replace(row.id, row.ledger, signed, row.meta);
    try { await queue.sync(); } catch { /* stays queued */ }
    done();
  });
  discard.addEventListener('click', async () => {
    if (!confirm(t('queue.drop.confirm'))) return;
    await store.del('queue', row.id);
    done();
  });
  const label = (type) => types?.[type]?.title || type;
  return h('div', { class: 'conflict', 'data-conflict': String(row.id) },
    h('p', {}, h('strong', {}, t('conflict.title'))),
    h('p', { class: 'muted' }, t('conflict.changed')),
    since ? h('ul', { class: 'changed' }, since.steps.map((s) => h('li', {}, `#${s.index} ${label(s.type)} · ${new Date(s.time).toLocaleString()} · `,
      (s.signers || []).map((g) => g.holder?.name || g.keyid).join('、'))))
      : h('p', { class: 'muted' }, t('conflict.none')),
    row.problem?.detail ? h('p', { class: 'muted' }, half(row.problem.title || ''), '：', row.problem.detail) : null,
    msg, h('p', { class: 'row' }, rebase, discard));
}

