// For admins: the sign-up queue, invitations, the people who sign in, reset requests, and the
// stale-listings report.

import { h } from '../dom.js';
import { getJson, send } from '../api.js';
import { t, tEl } from '../i18n.js';
import { session } from './session.js';
import { signInView } from './signin.js';
import { input, field, announce, errorBox, showError, heading, show, date, datetime, secretBox } from './ui.js';

/** A small button that calls the API and then shows the admin queue again. */
function adminAction(labelKey, ariaLabel, call, err) {
  return h('button', {
    type: 'button', class: 'secondary small', i18n: labelKey, 'aria-label': ariaLabel,
    onclick: async () => {
      try {
        await call();
        await adminView();
      } catch (e) {
        showError(err, e);
      }
    },
  });
}

/** Everyone who signs in: role, organization, whether active; deactivate or reactivate. */
function peopleList(users, partners, err) {
  const names = new Map(partners.map((p) => [p.id, p.name]));
  return h('ul', { class: 'people' }, users.map((u) => {
    const role = (u.role === 'translator' ? t('review.role') : t(`acct.role.${u.role}`)) + (u.partner_id ? ` · ${names.get(u.partner_id) || u.partner_id}` : '');
    const state = u.deactivated_at ? t('acct.deactivated', { date: date(u.deactivated_at), who: u.deactivated_by || '' }) : t('acct.people.active');
    const self = u.id === session.user.id;
    const verb = u.deactivated_at ? 'reactivate' : 'deactivate';
    return h('li', { 'data-email': u.email },
      h('strong', {}, u.email), ` — ${role} — `, h('span', { class: 'state' }, state), ' ',
      self ? null : adminAction(`acct.${verb}`, t(`acct.${verb}_label`, { email: u.email }),
        () => send('POST', `/api/v1/admin/users/${u.id}/${verb}`), err));
  }));
}

export async function adminView() {
  if (session.user?.role !== 'admin') return signInView();
  const [{ signups }, { invitations }, { partners }, { entries }, { users }] = await Promise.all([
    getJson('/api/v1/admin/signups?status=pending'), getJson('/api/v1/admin/invitations'),
    getJson('/api/v1/partners?limit=10000'), getJson('/api/v1/admin/audit?limit=200'),
    getJson('/api/v1/admin/users'),
  ]);
  const err = errorBox();
  const out = h('div', { role: 'status' });
  const pending = h('ul', { class: 'cards' }, signups.map((s) => {
    const reason = input('text', '');
    return h('li', {}, h('h4', {}, s.partner?.name || s.partner_id),
      h('p', {}, `${s.contact_name || ''} <${s.contact_email}>`), s.message ? h('p', {}, s.message) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary small', i18n: 'acct.approve', onclick: async () => {
          try { const r = await send('POST', `/api/v1/admin/signups/${s.partner_id}/approve`); out.replaceChildren(secretBox(r.invitation)); } catch (e) { showError(err, e); }
        } }),
        field('acct.decline_reason', reason),
        h('button', { type: 'button', class: 'secondary small', i18n: 'acct.decline', onclick: async () => {
          try { await send('POST', `/api/v1/admin/signups/${s.partner_id}/decline`, { reason: reason.value }); announce('acct.declined'); adminView(); } catch (e) { showError(err, e); }
        } })));
  }));
  const partner = h('select', {}, partners.map((p) => h('option', { value: p.id }, p.name)));
  const email = input('email', '');
  const invite = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    try { const r = await send('POST', '/api/v1/admin/invitations', { partner_id: partner.value, email: email.value || null }); out.replaceChildren(secretBox(r)); } catch (e) { showError(err, e); }
  } }, field('acct.listings.organization', partner), field('acct.email', email), h('button', { type: 'submit', class: 'primary', i18n: 'acct.invite.create' }));
  const resets = entries.filter((e) => e.action === 'password.reset_requested');
  show(heading('acct.admin.heading'), err, out,
    tEl('h3', 'acct.admin.signups'), signups.length ? pending : tEl('p', 'acct.none'),
    tEl('h3', 'acct.admin.invite'), invite,
    tEl('h3', 'acct.admin.open_invitations'),
    invitations.length ? h('ul', { class: 'invitations' }, invitations.map((i) => {
      const what = [i.partner_name, i.email].filter(Boolean).join(', ');
      return h('li', {}, `${what} — ${t('acct.invite.by', { who: i.created_by })} — ${t('acct.expires', { date: date(i.expires_at) })} `,
        adminAction('acct.revoke', t('acct.revoke_label', { who: what }), async () => {
          await send('DELETE', `/api/v1/admin/invitations/${i.id}`);
          announce('acct.revoked');
        }, err));
    })) : tEl('p', 'acct.none'),
    tEl('h3', 'acct.admin.people'), peopleList(users, partners, err),
    tEl('h3', 'acct.admin.resets'),
    resets.length ? h('ul', {}, resets.map((r) => h('li', {}, `${r.detail.email} (${datetime(r.at)}) `, h('button', { type: 'button', class: 'secondary small', i18n: 'acct.reset.make', onclick: async () => {
      try { const l = await send('POST', `/api/v1/admin/users/${r.target}/reset`, {}); out.replaceChildren(secretBox(l)); } catch (e) { showError(err, e); }
    } })))) : tEl('p', 'acct.none'));
}

export async function staleView() {
  if (session.user?.role !== 'admin') return signInView();
  const r = await getJson('/api/v1/admin/stale');
  show(heading('acct.stale.heading'),
    tEl('p', r.hide_after_days ? 'acct.stale.rule' : 'acct.stale.rule_never', { stale: r.stale_after_days, hide: r.hide_after_days }),
    h('table', {}, h('thead', {}, h('tr', {}, ['acct.col.site', 'acct.col.organization', 'acct.col.verified', 'acct.col.contacts', 'acct.col.public'].map((k) => h('th', { scope: 'col', i18n: k })))),
      h('tbody', {}, r.sites.map((s) => h('tr', {},
        h('td', {}, h('a', { href: `#edit=${s.site_id}` }, s.site_name)), h('td', {}, s.partner_name || ''),
        h('td', {}, date(s.last_verified_at)),
        h('td', {}, [s.partner_email, s.partner_website, ...s.phones, ...s.editors].filter(Boolean).join(' · ')),
        h('td', {}, t(s.hidden ? 'acct.hidden' : 'acct.shown')))))));
}
