// A QR code drawn on a canvas (vendor/qrcode.mjs, loaded when first needed), quiet zone of
// four modules; data-text holds what it encodes, for tests and for copying.
export async function qrCanvas(text, cell = 4) {
  const { default: qrcode } = await import('../vendor/qrcode.mjs');
  const q = qrcode(0, 'M');
  q.addData(text);
  q.make();
  const n = q.getModuleCount(), size = (n + 8) * cell;
  const c = document.createElement('canvas');
  c.width = c.height = size;
  c.className = 'qr';
  c.dataset.text = text;
  const g = c.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, size, size);
  g.fillStyle = '#000';
  for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) if (q.isDark(r, k)) g.fillRect((k + 4) * cell, (r + 4) * cell, cell, cell);
  return c;
}
