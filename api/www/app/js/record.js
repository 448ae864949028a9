// The clerk's form → summary → sign → submit, for any subject (an asset's records in app.js,
// a plan or a village in plans.js), with `prev` from chain.js. `ui` is what the
// shell draws with ({render, card, dl, problemCard, receiptCard}), so that receipts and refusals
// look the same everywhere.
import * as api from './api.js';
import * as store from './db.js';
import * as queue from './queue.js';
import { prevFor } from './chain.js';
import { signEvent, event } from './dsse.js';
import { buildForm, describe } from './form.js';
import { t } from './i18n.js';
import { h } from './util.js';
import { setOrigin } from './photos.js';

export async function originOf(ledger) {
  try { return (await api.ledgers()).ledgers.find((l) => l.code === ledger)?.origin || await api.origin(ledger); }
  catch { return (await store.get('meta', 'origin:' + ledger)) || api.origin(ledger); }
}

// o: {key, subject, subjectLabel, type, title, schema, formOpts, head, initial, kind, done: [[text, href]],
//     subjectRow: the summary's [label, value] of the subject (default 对象 / subjectLabel)}
export async function recordFlow(ui, o) {
  const { key, subject, type, schema } = o;
  const origin = await originOf(key.ledger);
  await store.put('meta', origin, 'origin:' + key.ledger); // offline next time
  setOrigin(origin); // the files a form keeps are signed for this ledger's origin
  const form = buildForm(schema, o.initial || {}, o.formOpts || {});
  const slot = h('div', { id: 'outcome' });
  const review = h('button', { class: 'btn', type: 'button', id: 'review' }, t('form.review'));
  const editing = [h('h1', {}, `${o.title} · ${o.subjectLabel}`), ui.card(form.el, h('p', {}, review)), slot];
  const links = () => h('p', { class: 'row' }, (o.done || []).map(([txt, href]) => h('a', { class: 'btn sec', href }, txt)));
  review.addEventListener('click', () => {
    const r = form.read();
    if (r.errors) { document.querySelector('main .invalid')?.focus?.(); return; }
    summary(r.body);
  });
  function summary(body) {
    const sign = h('button', { class: 'btn', type: 'button', id: 'sign' }, t('sum.sign'));
    const back = h('button', { class: 'btn sec', type: 'button' }, t('sum.back'));
    const out = h('div', { id: 'outcome' });
    back.addEventListener('click', () => ui.render(...editing));
    sign.addEventListener('click', async () => {
      sign.disabled = back.disabled = true;
      out.replaceChildren(h('p', { class: 'muted' }, t('sub.sending')));
      const prev = await prevFor(key.ledger, subject, o.head);
      const signed = await signEvent(key, event(origin, type, subject, body, prev));
      const res = await queue.submitNow(key.ledger, signed, { asset: o.subjectLabel, type, title: o.title, kind: o.kind });
      if (res.outcome === 'accepted') out.replaceChildren(ui.receiptCard(res), links());
      else if (res.outcome === 'offline') out.replaceChildren(h('div', { class: 'card', id: 'queued' }, h('p', {}, t('sub.queued'))), links());
      else if (res.outcome === 'conflict') out.replaceChildren(h('div', { class: 'card bad', id: 'conflict' }, h('p', {}, t('conflict.made')),
        h('a', { class: 'btn', href: '#/queue' }, t('nav.queue'))));
      else {
        if (res.id != null) await store.del('queue', res.id); // the form stays: fix it and sign again
        slot.replaceChildren(ui.problemCard(res.problem, schema, form));
        ui.render(...editing);
        slot.scrollIntoView?.();
      }
    });
    ui.render(h('h1', {}, t('sum.title')),
      ui.card(ui.dl([o.subjectRow || [t('sum.subject'), o.subjectLabel], [t('sum.type'), o.title], ...describe(schema, body)])),
      h('p', { class: 'row' }, back, sign), out);
  }
  ui.render(...editing);
}
