// Photos for *_sha256 arrays of a form: taken or chosen, downscaled with a canvas to at most
// LONG px on the long side (a phone's 12-megapixel photo becomes ~300 KB), JPEG, then hashed
// and kept signed (blobs.js). The form reads the hashes; the files go up with the next sync.
import * as blobs from './blobs.js';
import { loadKey } from './keys.js';
import { h } from './util.js';
import { t } from './i18n.js';
import { w } from './words.js';

export const LONG = 1600;

export async function downscale(file) {
  const img = await createImageBitmap(file);
  const k = Math.min(1, LONG / Math.max(img.width, img.height));
  const w = Math.max(1, Math.round(img.width * k)), hgt = Math.max(1, Math.round(img.height * k));
  const c = document.createElement('canvas');
  c.width = w; c.height = hgt;
  c.getContext('2d').drawImage(img, 0, 0, w, hgt);
  img.close?.();
  const blob = await new Promise((resolve) => c.toBlob(resolve, 'image/jpeg', 0.85));
  return { bytes: new Uint8Array(await blob.arrayBuffer()), width: w, height: hgt };
}

let origin = null;
export const setOrigin = (o) => { origin = o; };

// Keep a file (minutes, a contract) as it is, signed for upload with the next sync, when this
// browser holds a key; its hex SHA-256 either way (a form without a key still shows the hash).
export async function keepFile(bytes, type) {
  const key = await loadKey();
  if (!key) return null;
  return blobs.keep(key, origin || `localhost/${key.ledger}`, bytes, type || 'application/octet-stream');
}

// {el, read() -> [sha256...]} for a form field named name.
export function photoField(name) {
  const list = [];
  const thumbs = h('div', { class: 'thumbs', id: 'photos-' + name });
  const status = h('p', { class: 'muted' }, t('form.photos.none'));
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true, 'data-field': name, id: 'f-' + name });
  input.addEventListener('change', async () => {
    const key = await loadKey();
    for (const f of input.files) {
      status.textContent = '…';
      try {
        const { bytes, width, height } = await downscale(f);
        const sha = await blobs.keep(key, origin || `localhost/${key.ledger}`, bytes, 'image/jpeg');
        if (!list.includes(sha)) {
          list.push(sha);
          thumbs.append(h('img', { src: URL.createObjectURL(new Blob([bytes], { type: 'image/jpeg' })), alt: sha, 'data-sha256': sha, 'data-size': `${width}x${height}`, class: 'thumb' }));
        }
      } catch { status.textContent = w('photo.bad'); }
    }
    status.textContent = list.length ? w('photo.count', { n: list.length }) : t('form.photos.none');
    thumbs.dataset.count = String(list.length);
    input.value = '';
  });
  return { el: h('div', {}, input, status, thumbs), input, read: () => list.slice() };
}
