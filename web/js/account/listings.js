// My listings: the organization, its sites (verify, edit, history), "invite a colleague".

import { h } from '../dom.js';
import { getJson, send } from '../api.js';
import { t, tEl, setText } from '../i18n.js';
import { session } from './session.js';
import { signInView } from './signin.js';
import { input, field, errorBox, showError, heading, show, apiForm, date, secretBox } from './ui.js';

export async function listingsView(partnerId) {
  if (!session.user) return signInView();
  const admin = session.user.role === 'admin';
  const parts = [heading('acct.listings.heading')];
  let pid = partnerId || session.user.partner_id;
  if (admin) {
    const all = await getJson('/api/v1/partners?limit=10000');
    const select = h('select', { onchange: (e) => (location.hash = `#listings=${e.target.value}`) },
      h('option', { value: '', i18n: 'acct.listings.choose' }),
      all.partners.map((p) => h('option', { value: p.id, selected: p.id === pid }, `${p.name} (${t(`acct.status.${p.status}`)})`)));
    parts.push(field('acct.listings.organization', select));
  }
  if (!pid) return show(...parts);
  const [partner, sites] = await Promise.all([
    getJson(`/api/v1/partners/${pid}`),
    getJson(`/api/v1/sites?partner_id=${pid}&limit=10000`),
  ]);
  parts.push(h('h3', {}, partner.name), h('p', {}, t('acct.status.label'), ' ', h('strong', {}, t(`acct.status.${partner.status}`))));
  parts.push(orgForm(partner));
  const list = h('ul', { class: 'cards' });
  for (const s of sites.sites) {
    const msg = h('p', { role: 'status' });
    list.append(
      h('li', {},
        h('h4', {}, s.name),
        h('p', {}, t('acct.last_verified', { date: date(s.last_verified_at) }), ' ', s.stale ? tEl('strong', 'acct.stale') : null),
        h('div', { class: 'actions' },
          h('a', { href: `#edit=${s.id}`, i18n: 'acct.edit' }),
          h('a', { href: `#history=${s.id}`, i18n: 'acct.history' }),
          h('button', {
            type: 'button', class: 'secondary small', i18n: 'acct.verify',
            onclick: async () => {
              try {
                const done = await send('POST', `/api/v1/sites/${s.id}/verify`, undefined, { ifMatch: s.version });
                s.version = done.version;
                setText(msg, 'acct.verified', { date: date(done.last_verified_at) });
              } catch (e) {
                showError(msg, e);
              }
            },
          })),
        msg));
  }
  parts.push(h('h3', { i18n: 'acct.sites' }), list, h('p', {}, h('a', { href: `#new=${pid}`, i18n: 'acct.add_site' })));
  parts.push(colleagueForm(pid));
  show(...parts);
}

/** An invitation link for a colleague of the organization `pid` (editors of it, and admins). */
function colleagueForm(pid) {
  const email = input('email', '', { autocomplete: 'off' });
  const err = errorBox();
  const out = h('div', { role: 'status' });
  return h('details', {}, h('summary', { i18n: 'acct.colleague.heading' }),
    tEl('p', 'acct.colleague.hint', null, 'hint'),
    apiForm(err, async () => {
      const link = await send('POST', `/api/v1/partners/${pid}/invitations`, { email: email.value || null });
      out.replaceChildren(secretBox(link));
    }, field('acct.email', email), err, h('button', { type: 'submit', class: 'primary', i18n: 'acct.invite.create' })),
    out);
}

function orgForm(p) {
  const name = input('text', p.name);
  const website = input('url', p.website);
  const email = input('email', p.email);
  const description = h('textarea', {}, p.description || '');
  const err = errorBox();
  const ok = h('p', { role: 'status', class: 'ok' });
  let version = p.version;
  return h('details', {}, h('summary', { i18n: 'acct.org.edit' }),
    apiForm(err, async () => {
      const body = { name: name.value, website: website.value || null, email: email.value || null, description: description.value || null };
      const done = await send('PATCH', `/api/v1/partners/${p.id}`, body, { ifMatch: version });
      version = done.version;
      setText(ok, 'acct.saved');
    },
    field('acct.org.name', name), field('acct.org.website', website), field('acct.org.email', email),
    field('acct.field.description', description), err, ok,
    h('button', { type: 'submit', class: 'primary', i18n: 'acct.save' })));
}
