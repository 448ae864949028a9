// Strings of the shell's additions (plans, county views, conflicts); each view module brings its own.
import { addStrings } from './i18n.js';

addStrings({
  'nav.plans': '方案', 'nav.county': '统计', 'assets.recent': '最近记录过的资产',
  'key.replace.unsent': '还有 {n} 条记录没有发送成功！重新生成密钥前请先同步或导出（“待发送”页），否则可能丢失。仍要继续吗？',
  'conflict.made': '这条记录与服务器上的新记录冲突，请到“待发送”处理。', 'sum.subject': '对象',
}, {
  'nav.plans': 'Plans', 'nav.county': 'Figures', 'assets.recent': 'Recently recorded',
  'key.replace.unsent': '{n} entries are not sent yet! Sync or export them (Unsent page) before making a new key, or they may be lost. Go on anyway?',
  'conflict.made': 'This entry conflicts with a newer one on the server: resolve it under Unsent.', 'sum.subject': 'Subject',
});
