// The entry of the web app: the header (title, language, network state) and the routes.
// The public pages (#/v/… from a notice's QR, #/pub/…) are opened by villagers, often on a
// phone on a slow link: they load only notice.js and what it imports (preloaded by
// index.html, about a third of the clerk's bytes). The clerk's app (app.js and its twenty
// modules) is loaded for any other route, its modules preloaded together rather than one
// import level at a time; from then on app.js routes everything, the public pages included.
const PUBLIC = /^#\/(pub|v)\//;
const CLERK = ['app.js', 'api.js', 'db.js', 'keys.js', 'queue.js', 'dsse.js', 'form.js', 'form_items.js', 'chain.js',
  'history.js', 'strings_more.js', 'evidence.js', 'blobs.js', 'photos.js', 'record.js'];
const main = document.getElementById('main');
let app = null; // the promise of app.js, once a clerk's route asked for it

function loadApp() {
  if (!app) {
    for (const f of CLERK) document.head.append(Object.assign(document.createElement('link'), { rel: 'modulepreload', href: 'js/' + f }));
    app = import('./app.js');
  }
  return app;
}
// No static import above: this runs the moment main.js arrives, so that a clerk's modules are
// asked for beside the shell's, not after i18n.js and util.js.
if (!PUBLIC.test(location.hash)) loadApp();
const [{ t, getLang, setLang }, { h }] = await Promise.all([import('./i18n.js'), import('./util.js')]);

function render(...nodes) { main.replaceChildren(...nodes.filter((n) => n != null)); main.focus?.(); }

async function route() {
  if (app || !PUBLIC.test(location.hash)) return (await loadApp()).route();
  const [, kind, code, a, b] = location.hash.split('/').map(decodeURIComponent);
  try {
    const notice = await import('./notice.js');
    if (kind === 'v') return await notice.viewVerdict(render, code, a);
    return await (a === 'plan' ? notice.viewPlan(render, code, b) : notice.viewVillage(render, code, a));
  } catch (e) {
    render(h('div', { class: 'card' }, h('p', { class: 'err' }, t('err.load') + '：' + (navigator.onLine ? String(e.message || e) : t('err.net')))));
  }
}

function translate() {
  document.documentElement.lang = getLang() === 'en' ? 'en' : 'zh-CN';
  document.title = t('app.title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  document.getElementById('lang').textContent = getLang() === 'en' ? '中文' : 'EN';
}
function netState() {
  const el = document.getElementById('netstate');
  el.textContent = navigator.onLine ? t('net.on') : t('net.off');
  el.classList.toggle('off', !navigator.onLine);
}

document.getElementById('lang').addEventListener('click', () => { setLang(getLang() === 'en' ? 'zh' : 'en'); translate(); route(); });
addEventListener('hashchange', () => route());
addEventListener('online', netState);
addEventListener('offline', netState);
translate();
netState();
route();
