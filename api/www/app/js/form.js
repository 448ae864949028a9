// A form made from an event body's JSON Schema (/openapi.json components.schemas.Body_*):
// titles and x-labels in Chinese; *_fen integers are typed in yuan and sent in fen;
// validated as the server will (required, enum, date format, integer >= minimum).
import { photoField } from './photos.js';
import { t, getLang } from './i18n.js';
import { h, yuanToFen, fenToYuan, today } from './util.js';
import { itemsField, objectField, sha256Field } from './form_items.js';

const isFen = (name, p) => p.type === 'integer' && /_fen$/.test(name);
export function fieldLabel(name, p) {
  let s = p?.title || name;
  if (p && isFen(name, p)) s = s.replace('（分）', '（元）').replace('(fen)', '(yuan)');
  return getLang() === 'en' && s !== name ? `${s} · ${name}` : s;
}
export function enumLabel(p, v) { return (p['x-labels'] && p['x-labels'][v]) || v; }

// {el, read() -> {body} | {errors}, values (for the summary)}
// opts: prefix (ids and radio names of a nested form), custom {name: (p, id, initial) -> {input, read}},
// fixed {name: value} (sent as it is, not shown), check(body) -> [{name, message}] (rules across fields).
export function buildForm(schema, initial = {}, opts = {}) {
  const props = schema.properties || {};
  const prefix = opts.prefix || '';
  const required = new Set(schema.required || []);
  const fields = [];
  const el = h('div', { class: 'form' });
  for (const [name, p] of Object.entries(props)) {
    if (opts.fixed && name in opts.fixed) continue;
    const id = 'f-' + prefix + name;
    const label = h('label', { for: id, class: required.has(name) ? 'req' : '' }, fieldLabel(name, p));
    const err = h('p', { class: 'err', hidden: true });
    let input, read, validate;
    if (opts.custom?.[name]) {
      ({ input, read, validate } = opts.custom[name](p, id, initial[name]));
    } else if (p.type === 'array' && p.items?.type === 'object') {
      ({ input, read, validate } = itemsField(name, p, id, initial[name], buildForm, opts));
    } else if (p.type === 'object' && p.properties) {
      ({ input, read, validate } = objectField(name, p, id, initial[name], buildForm, opts));
    } else if (p.type === 'string' && p.pattern === '^[0-9a-f]{64}$') {
      ({ input, read } = sha256Field(name, p, id, initial[name]));
    } else if (p.enum) {
      input = h('div', { class: 'radios', role: 'radiogroup', id, 'data-field': name },
        p.enum.map((v) => h('label', {}, h('input', { type: 'radio', name: prefix + name, value: v, checked: initial[name] === v }), enumLabel(p, v))));
      read = () => { const c = input.querySelector('input:checked'); return c ? c.value : undefined; };
    } else if (p.type === 'boolean') {
      input = h('div', { class: 'radios', role: 'radiogroup', id, 'data-field': name },
        h('label', {}, h('input', { type: 'radio', name: prefix + name, value: 'true', checked: initial[name] === true }), t('form.yes')),
        h('label', {}, h('input', { type: 'radio', name: prefix + name, value: 'false', checked: initial[name] === false }), t('form.no')));
      read = () => { const c = input.querySelector('input:checked'); return c ? c.value === 'true' : undefined; };
    } else if (p.type === 'string' && p.format === 'date') {
      input = h('input', { type: 'date', id, name, value: initial[name] || today(), max: isFact(p) ? today() : null, 'data-field': name });
      read = () => input.value || undefined;
    } else if (isFen(name, p)) {
      input = h('input', { type: 'text', id, name, inputmode: 'decimal', autocomplete: 'off', placeholder: '0.00', 'data-field': name,
        value: initial[name] != null ? fenToYuan(initial[name]).replace(/,/g, '') : '' });
      read = () => input.value.trim() === '' ? undefined : input.value;
    } else if (p.type === 'integer') {
      input = h('input', { type: 'text', id, name, inputmode: 'numeric', 'data-field': name, value: initial[name] ?? '' });
      read = () => input.value.trim() === '' ? undefined : input.value.trim();
    } else if (p.type === 'array' && p.items && p.items.pattern === '^[0-9a-f]{64}$') {
      ({ el: input, read } = photoField(name));
    } else if (p.type === 'string') {
      input = name === 'note' || name === 'description'
        ? h('textarea', { id, name, 'data-field': name }, initial[name] || '')
        : h('input', { type: 'text', id, name, 'data-field': name, value: initial[name] || '' });
      read = () => input.value.trim() === '' ? (required.has(name) ? '' : undefined) : input.value.trim();
    } else {
      input = h('p', { class: 'muted', id }, '—');
      read = () => undefined;
    }
    el.append(h('div', { class: 'field' }, label, input, err));
    fields.push({ name, p, input, err, read, validate });
  }

  function check(f, raw) {
    const { name, p } = f;
    const req = required.has(name);
    if (raw === undefined) return req && !(p.type === 'string' && !p.enum && !p.format) ? [t('form.required')] : [];
    if (p.enum && !p.enum.includes(raw)) return [t('form.enum')];
    if (isFen(name, p)) {
      const fen = yuanToFen(raw);
      if (fen === null) return [t('form.yuan')];
      if (fen === undefined) return [t('form.toolarge')];
      return [null, fen];
    }
    if (p.type === 'integer') {
      if (!/^-?\d{1,15}$/.test(raw)) return [t('form.int')];
      const n = Number(raw);
      if (p.minimum != null && n < p.minimum) return [t('form.int')];
      return [null, n];
    }
    if (p.format === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) return [t('form.date')];
      if (isFact(p) && raw > today()) return [t('form.future')];
    }
    if (typeof raw === 'string' && p.pattern && !new RegExp(p.pattern).test(raw)) return [p.pattern === '^[0-9a-f]{64}$' ? t('form.sha256') : t('form.pattern')];
    if (typeof raw === 'string' && p.minLength && raw.length < p.minLength) return [t('form.required')];
    return [null, raw];
  }

  function read() {
    const body = {}, errors = [];
    for (const f of fields) {
      const raw = f.read();
      const [e, v] = f.validate ? f.validate(raw) : check(f, raw);
      f.err.hidden = !e;
      f.err.textContent = e || '';
      f.input.classList?.toggle('invalid', !!e);
      if (e) errors.push({ name: f.name, message: e });
      else if (v !== undefined) body[f.name] = v;
      else if (raw !== undefined) body[f.name] = raw;
    }
    if (!errors.length && opts.fixed) Object.assign(body, opts.fixed);
    if (!errors.length && opts.check) {
      for (const { name, message } of opts.check(body)) { mark(name, message); errors.push({ name, message }); }
    }
    return errors.length ? { errors } : { body };
  }
  // The server's problem on a field (/payload/body/<name>): shown beside it.
  function mark(name, message) {
    const f = fields.find((x) => x.name === name);
    if (!f) return false;
    if (f.input.mark && f.input.mark(message)) return true;
    f.err.hidden = false;
    f.err.textContent = message;
    f.input.classList?.add('invalid');
    return true;
  }
  return { el, read, mark };
}
// A date of a fact (not later than the signer's time) as the schema says; a notice's end or a
// due date may lie ahead.
const isFact = (p) => /事实日期/.test(p.description || '');

// The body in words: [[label, value]] for the summary before signing.
export function describe(schema, body) {
  const props = schema.properties || {};
  const rows = [];
  for (const [name, p] of Object.entries(props)) {
    if (!(name in body)) continue;
    const v = body[name];
    let s;
    if (p.enum) s = enumLabel(p, v);
    else if (p.type === 'boolean') s = v ? t('form.yes') : t('form.no');
    else if (isFen(name, p)) s = '¥' + fenToYuan(v);
    else if (Array.isArray(v) && p.items?.type === 'object') s = v.length ? v.map((x, i) => `${i + 1}. ` + describe(p.items, x).map(([, y]) => y).join('，')).join('；') : '—';
    else if (v && typeof v === 'object' && !Array.isArray(v)) s = describe(p, v).map(([, y]) => y).join('，');
    else if (Array.isArray(v)) s = v.length ? v.join(', ') : '—';
    else s = v === '' ? '—' : String(v);
    rows.push([fieldLabel(name, p), s]);
  }
  return rows;
}
