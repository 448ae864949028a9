// The server's routes (docs/api.md), relative to this origin.
export class NetError extends Error {}

async function req(path, opts) {
  let r;
  try { r = await fetch(path, opts); } catch (e) { throw new NetError(String(e)); }
  const ct = r.headers.get('Content-Type') || '';
  const body = ct.includes('json') ? await r.json() : await r.text();
  return { status: r.status, body };
}
async function getJSON(path) {
  const r = await req(path, { headers: { Accept: 'application/json' } });
  if (r.status !== 200) throw Object.assign(new Error('HTTP ' + r.status), { problem: r.body, status: r.status });
  return r.body;
}
export const ledgers = () => getJSON('/v1/ledgers');
export const assets = (code, params) => read(code, 'assets', params);
export const asset = (code, id) => getJSON(`/v1/ledgers/${code}/assets/${encodeURIComponent(id)}`);
// The origin ("<host>/<code>") is the checkpoint's first line.
export async function origin(code) {
  const r = await req(`/log/${code}/checkpoint`);
  if (r.status !== 200) throw Object.assign(new Error('HTTP ' + r.status), { problem: r.body, status: r.status });
  return String(r.body).split('\n', 1)[0];
}
// One envelope: {status, body} (receipt or problem); NetError when the network fails.
export const submit = (code, env) => req(`/v1/ledgers/${code}/entries`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(env),
});

let openapi;
// /openapi.json, once: the event bodies' schemas and the problem types' titles.
export function catalogue() {
  openapi ??= getJSON('/openapi.json').then((doc) => {
    const s = doc.components.schemas;
    const problems = {};
    for (const p of s.ProblemType.oneOf) problems[p.const.replace(/^urn:aidreg:problem:/, '')] = p.title;
    const types = {};
    for (const t of s.EventTypes.oneOf) types[t.const] = t;
    return { schemas: s, problems, types, body: (type) => s['Body_' + type.replace(/\./g, '_')] };
  }).catch((e) => { openapi = undefined; throw e; });
  return openapi;
}
// One asset or plan with a page of its history (from: the ledger index to start at).
export const subject = (code, kind, id, from) =>
  getJSON(`/v1/ledgers/${code}/${kind === 'plan' ? 'plans' : 'assets'}/${encodeURIComponent(id)}${from != null ? '?from=' + from : ''}`);
// Any read route of the ledger: read(code, 'summary'), read(code, 'plans', {village}).
export function read(code, path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== '' && v != null) q.set(k, v);
  return getJSON(`/v1/ledgers/${code}/${path}${q.size ? '?' + q : ''}`);
}
