// The composite fields of a body form: a list of items (plan sources, lines, 四议 steps, income
// costs), a nested object (a payout's payee) and a file's SHA-256 (minutes, notice content).
// Each item is a nested form of buildForm (form.js, passed in to avoid an import cycle), its ids
// prefixed "<field>-<i>-" so that every input has its own id.
import { t, addStrings } from './i18n.js';
import { h, sha256hex } from './util.js';
import { keepFile } from './photos.js';

addStrings({
  'items.add': '添加一项', 'items.remove': '删除此项', 'items.min': '至少需要 {n} 项', 'form.sha256': '请选择文件或填写 64 位 SHA-256',
  'form.pattern': '格式不对', 'form.items': '请检查下面各项', 'file.choose': '选择文件计算摘要', 'file.hash': '摘要', 'file.paste': '或粘贴 SHA-256',
}, {
  'items.add': 'Add one', 'items.remove': 'Remove', 'items.min': 'At least {n} needed', 'form.sha256': 'Choose a file or paste a 64-digit SHA-256',
  'form.pattern': 'Wrong format', 'form.items': 'Check the items below', 'file.choose': 'Choose a file to hash', 'file.hash': 'SHA-256', 'file.paste': 'or paste its SHA-256',
});

// A field's read() gives the raw value and validate(raw) -> [error] | [null, value].
export function itemsField(name, p, id, initial, buildForm, opts) {
  const list = h('div', { class: 'items', id, 'data-field': name });
  const forms = [];
  const min = p.minItems || 0;
  const add = h('button', { class: 'btn sec', type: 'button', id: id + '-add' }, t('items.add'));
  function addItem(init) {
    const i = forms.length;
    const custom = {};
    for (const [k, f] of Object.entries(opts.custom || {})) if (k.startsWith(name + '.')) custom[k.slice(name.length + 1)] = f;
    const f = buildForm(p.items, init || {}, { prefix: `${name}-${i}-`, custom });
    const box = h('fieldset', { class: 'item', 'data-item': String(i) }, h('legend', {}, `${p.items.title || name} ${i + 1}`), f.el);
    const rm = h('button', { class: 'btn sec small', type: 'button' }, t('items.remove'));
    rm.addEventListener('click', () => { box.remove(); forms.splice(forms.indexOf(entry), 1); });
    box.append(rm);
    const entry = { f, box };
    forms.push(entry);
    list.append(box);
  }
  add.addEventListener('click', () => addItem());
  for (const x of initial || []) addItem(x);
  for (let i = forms.length; i < Math.max(min, 1); i++) addItem();
  const input = h('div', {}, list, add);
  input.mark = () => false;
  return {
    input,
    read: () => forms.map((x) => x.f.read()),
    validate(rs) {
      if (rs.some((r) => r.errors)) return [t('form.items')];
      if (rs.length < min) return [t('items.min', { n: min })];
      return [null, rs.map((r) => r.body)];
    },
  };
}

export function objectField(name, p, id, initial, buildForm) {
  const f = buildForm(p, initial || {}, { prefix: name + '-' });
  const input = h('fieldset', { class: 'item', id }, f.el);
  return { input, read: () => f.read(), validate: (r) => (r.errors ? [t('form.items')] : [null, r.body]) };
}

// The hash of a file chosen here (the file itself kept, signed, and uploaded with the next
// sync: photos.js keepFile); or a hash pasted. The value is the 64 lowercase hex digits.
export function sha256Field(name, p, id, initial) {
  const text = h('input', { type: 'text', id, name, 'data-field': name, class: 'mono', autocomplete: 'off', maxlength: '64',
    placeholder: t('file.paste'), value: initial || '' });
  const file = h('input', { type: 'file', id: id + '-file', 'aria-label': t('file.choose') });
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    const bytes = new Uint8Array(await f.arrayBuffer());
    text.value = (await keepFile(bytes, f.type)) || (await sha256hex(bytes));
  });
  const input = h('div', { class: 'filehash' }, h('span', { class: 'muted' }, t('file.choose')), file, text);
  return { input, read: () => (text.value.trim() === '' ? undefined : text.value.trim().toLowerCase()) };
}
