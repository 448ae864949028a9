// What the clerk sees of the evidence: each accepted entry's receipt verified here against the
// latest checkpoint (receipt.js), the list of receipts (#/receipts), and an asset's photos.
import * as store from './db.js';
import * as blobs from './blobs.js';
import { verifyEntry } from './receipt.js';
import { h } from './util.js';
import { w, checkLabel } from './words.js';

// A block that fills in with the verdict on receipt r ({ledger, index, ...}).
export function verifyBlock(r) {
  const el = h('div', { class: 'verdict', 'data-verified': 'pending', 'data-index': String(r.index) }, h('p', { class: 'muted' }, w('rc.checking')));
  (async () => {
    let v;
    try { v = await verifyEntry(r.ledger, r.index, r, r.payload_sha256); } catch (e) {
      if (e instanceof TypeError) { el.dataset.verified = 'offline'; el.replaceChildren(h('p', { class: 'muted' }, w('rc.offline'))); return; }
      v = { ok: false, checks: [{ name: 'leaf', ok: false }] }; // a malformed receipt is a failed one
    }
    el.dataset.verified = v.ok ? 'yes' : 'no';
    el.classList.add(v.ok ? 'ok' : 'bad');
    el.replaceChildren(h('p', { class: 'verdict-line' }, v.ok ? '✓ ' + w('rc.ok', { n: r.index }) : '✗ ' + w('rc.bad')),
      h('ul', { class: 'checks' }, v.checks.filter((c) => c.name !== 'incl-latest' || !r.checkpoint)
        .map((c) => h('li', { class: c.ok ? 'ok' : 'bad' }, (c.ok ? '✓ ' : '✗ ') + checkLabel(c.name)))));
  })();
  return el;
}

export const receiptsLink = () => h('p', {}, h('a', { class: 'btn sec', href: '#/receipts', id: 'receipts-link' }, w('rc.list')));

export async function viewReceipts(render) {
  const rows = (await store.all('receipts')).sort((a, b) => b.index - a.index);
  render(h('h1', {}, w('rc.list')),
    rows.length ? h('ul', { class: 'list', id: 'receipts' }, rows.map((r) => h('li', { 'data-payload': r.payload_sha256 }, h('div', { class: 'card' },
      h('strong', {}, `${r.meta?.title || r.event?.type} · ${r.meta?.asset || r.event?.subject}`),
      h('p', { class: 'muted mono' }, `#${r.index} · ${r.payload_sha256.slice(0, 16)}…`), verifyBlock(r)))))
      : h('div', { class: 'card' }, h('p', {}, w('rc.none'))));
}

// The photos an asset's history names, those the server lacks marked.
export async function photoGallery(ledger, a) {
  const missing = new Set(a.missing_blobs || []);
  const imgs = await Promise.all((a.attachments || []).map(async (sha) => {
    const local = missing.has(sha) ? await blobs.get(sha) : null; // taken here, not yet uploaded
    if (missing.has(sha) && !local) return h('figure', { class: 'photo missing', 'data-sha256': sha }, h('figcaption', { class: 'err' }, '服务器上没有此文件 / not on the server'));
    return h('figure', { class: 'photo' },
      h('img', { src: local ? URL.createObjectURL(local.bytes) : blobs.url(ledger, sha), alt: sha, loading: 'lazy', 'data-sha256': sha }),
      local ? h('figcaption', { class: 'muted' }, '待上传 / to upload') : null);
  }));
  return imgs.length ? h('div', { class: 'card' }, h('h2', {}, '照片 / Photos'), h('div', { class: 'thumbs', id: 'gallery' }, imgs)) : null;
}
