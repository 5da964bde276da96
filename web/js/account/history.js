// A site's history: who changed which field when; admins may revert a change.

import { h } from '../dom.js';
import { getJson, send } from '../api.js';
import { t } from '../i18n.js';
import { session } from './session.js';
import { signInView } from './signin.js';
import { announce, errorBox, showError, heading, show, datetime } from './ui.js';

function compact(v) {
  if (v === null || v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export async function historyView(siteId) {
  if (!session.user) return signInView();
  const { revisions } = await getJson(`/api/v1/revisions?site_id=${siteId}`);
  const admin = session.user.role === 'admin';
  const err = errorBox();
  const rows = revisions.map((r) =>
    h('tr', {},
      h('td', {}, datetime(r.at)), h('td', {}, r.actor.label), h('td', {}, t(`acct.action.${r.action}`)),
      h('td', {}, h('ul', {}, r.changes.map((c) => h('li', {}, h('strong', {}, c.field), ': ', h('span', { class: 'change' }, `${compact(c.before)} → ${compact(c.after)}`))))),
      h('td', {}, admin ? h('button', {
        type: 'button', class: 'secondary small', 'aria-label': t('acct.revert_label', { when: datetime(r.at) }), i18n: 'acct.revert',
        onclick: async () => {
          try {
            await send('POST', `/api/v1/revisions/${r.id}/revert`);
            announce('acct.reverted');
            historyView(siteId);
          } catch (e) {
            showError(err, e);
          }
        },
      }) : null)));
  show(heading('acct.history.heading'), err,
    h('table', {}, h('thead', {}, h('tr', {}, ['acct.col.when', 'acct.col.who', 'acct.col.action', 'acct.col.changes', 'acct.col.revert'].map((k) => h('th', { scope: 'col', i18n: k })))), h('tbody', {}, rows)),
    h('p', {}, h('a', { href: `#edit=${siteId}`, i18n: 'acct.edit' })));
}
