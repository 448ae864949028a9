// The unsent queue as a file: exported from one device (a phone about to be reset, or one with
// no signal) and imported on another, which then sends the entries. The file holds the signed
// envelopes as they are: nothing in it is secret (the server would publish them), and no key
// is needed to import it. On import each envelope's payload is decoded and hashed here (the
// file's own hash and event are not trusted); a payload this device already holds, queued or
// accepted, is skipped, and the server answers a resubmission with its first receipt anyway.
import * as store from './db.js';
import * as queue from './queue.js';
import { t, addStrings } from './i18n.js';
import { h, unb64, sha256hex } from './util.js';

export const FORMAT = 'aidreg-queue/v1';

addStrings({
  'qf.title': '导出 / 导入待发送记录', 'qf.export': '导出到文件', 'qf.import': '从文件导入',
  'qf.hint': '没有网络时，可把待发送记录导出到文件，在另一台设备上导入后发送（重复的记录会自动跳过）。',
  'qf.done': '导入 {a} 条，跳过 {s} 条（已有或重复），{b} 条无效', 'qf.bad': '不是待发送记录文件', 'qf.exported': '已导出 {n} 条',
}, {
  'qf.title': 'Export / import unsent entries', 'qf.export': 'Export to a file', 'qf.import': 'Import a file',
  'qf.hint': 'Without a network, export the unsent entries to a file and import it on another device, which sends them (duplicates are skipped).',
  'qf.done': '{a} imported, {s} skipped (already here), {b} invalid', 'qf.bad': 'Not a file of unsent entries', 'qf.exported': '{n} exported',
});

export async function exportText() {
  const rows = (await store.all('queue')).map(({ ledger, env, payload_sha256, event, meta, state, queued }) =>
    ({ ledger, env, payload_sha256, event, meta, state, queued }));
  return JSON.stringify({ format: FORMAT, exported: new Date().toISOString(), entries: rows }, null, 1);
}

// {added, skipped, bad}
export async function importText(text) {
  let doc;
  try { doc = JSON.parse(text); } catch { throw new Error(t('qf.bad')); }
  if (!doc || doc.format !== FORMAT || !Array.isArray(doc.entries)) throw new Error(t('qf.bad'));
  const good = [];
  let bad = 0;
  for (const r of doc.entries) {
    try {
      if (!/^\d{6}$/.test(r.ledger) || typeof r.env?.payload !== 'string' || !Array.isArray(r.env.signatures)) throw new Error('shape');
      const payload = unb64(r.env.payload);
      const event = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
      good.push({ ledger: r.ledger, env: r.env, payload_sha256: await sha256hex(payload), event, meta: r.meta || {}, queued: r.queued });
    } catch { bad++; }
  }
  const unique = [...new Map(good.map((r) => [r.payload_sha256, r])).values()];
  const added = await queue.adopt(unique);
  return { added, skipped: good.length - added, bad };
}

// The card of the queue view: export (a download) and import (a file input).
let last = ''; // the last import's result, shown again after the view is redrawn
export function queueFileCard(done) {
  const out = h('p', { class: 'muted', id: 'qf-out' }, last);
  const exp = h('button', { class: 'btn sec', type: 'button', id: 'qf-export' }, t('qf.export'));
  exp.addEventListener('click', async () => {
    const text = await exportText();
    const n = JSON.parse(text).entries.length;
    const a = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/json' })),
      download: `aidreg-unsent-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '')}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    out.textContent = t('qf.exported', { n });
  });
  const file = h('input', { type: 'file', id: 'qf-file', accept: 'application/json,.json', 'aria-label': t('qf.import') });
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    try {
      const r = await importText(await f.text());
      out.textContent = last = t('qf.done', { a: r.added, s: r.skipped, b: r.bad });
      done?.(r);
    } catch (e) { out.textContent = e.message; }
  });
  return h('div', { class: 'card', id: 'queuefile' }, h('h2', {}, t('qf.title')), h('p', { class: 'muted' }, t('qf.hint')),
    h('p', { class: 'row' }, exp, h('label', { class: 'btn sec', for: 'qf-file' }, t('qf.import'))), file, out);
}
