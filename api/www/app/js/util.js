// Small helpers: base64, hex, money as integer fen (never floats), dates, DOM.
export function b64(bytes) {
  let s = '';
  const u = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
  return btoa(s);
}
export function unb64(s) { return Uint8Array.from(atob(s), (c) => c.charCodeAt(0)); }
export function hex(bytes) { return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join(''); }
export async function sha256hex(bytes) { return hex(await crypto.subtle.digest('SHA-256', bytes)); }

const MAX_FEN_DIGITS = 15; // < 2^53: an exact JSON integer

// "1234.5" -> 123450 (fen), from the digits alone. null when not an amount.
export function yuanToFen(text) {
  const s = String(text).trim().replace(/[,，\s]/g, '').replace(/^¥/, '');
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return null;
  const digits = (m[1] + (m[2] || '').padEnd(2, '0')).replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_FEN_DIGITS) return undefined; // too large
  return Number(digits);
}
// 123450 -> "1,234.50", by the digits.
export function fenToYuan(fen) {
  const neg = fen < 0;
  const d = String(Math.abs(fen)).padStart(3, '0');
  const int = d.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + int + '.' + d.slice(-2);
}
export function today() {
  const d = new Date();
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
}
// h('div', {class: 'x', onclick: f}, child, ...): an element; strings become text nodes.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
