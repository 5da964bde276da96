// Pages for people not signed in: "list your organization" and accepting an invitation (or a
// password reset link).

import { h } from '../dom.js';
import { getJson, send, setCsrfToken } from '../api.js';
import { t, tEl } from '../i18n.js';
import { refreshSession, route } from './session.js';
import { input, field, errorBox, showError, heading, show } from './ui.js';

export function signupView() {
  const c = { name: input('text', '', { required: true }), website: input('url', ''), email: input('email', ''), description: h('textarea', {}),
    contact_name: input('text', '', { autocomplete: 'name' }), contact_email: input('email', '', { autocomplete: 'email', required: true }), message: h('textarea', {}) };
  const err = errorBox();
  const form = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await send('POST', '/api/v1/signup', {
        organization: { name: c.name.value, website: c.website.value || null, email: c.email.value || null, description: c.description.value || null },
        contact_name: c.contact_name.value || null, contact_email: c.contact_email.value, message: c.message.value || null,
      });
      show(heading('acct.signup.thanks'), tEl('p', 'acct.signup.pending'));
    } catch (e) {
      showError(err, e);
    }
  } },
  field('acct.org.name', c.name), field('acct.org.website', c.website), field('acct.org.email', c.email), field('acct.field.description', c.description),
  field('acct.signup.contact_name', c.contact_name), field('acct.signup.contact_email', c.contact_email, 'acct.signup.contact_hint'),
  field('acct.signup.message', c.message), err, h('button', { type: 'submit', class: 'primary', i18n: 'acct.signup.submit' }));
  show(heading('acct.signup.heading'), tEl('p', 'acct.signup.intro'), form);
}

export async function inviteView(token) {
  let info;
  try {
    info = await getJson(`/api/v1/invitations/${encodeURIComponent(token)}`);
  } catch (e) {
    const err = errorBox();
    show(heading('acct.invite.heading'), err);
    return showError(err, e);
  }
  const email = input('email', info.email || '', { autocomplete: 'username' });
  const pw = input('password', '', { autocomplete: 'new-password', minlength: 12 });
  const again = input('password', '', { autocomplete: 'new-password' });
  const err = errorBox();
  const form = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    if (pw.value !== again.value) return showError(err, new Error(t('acct.password.mismatch')));
    try {
      const me = await send('POST', `/api/v1/invitations/${encodeURIComponent(token)}/accept`, info.kind === 'editor' ? { email: email.value, password: pw.value } : { password: pw.value });
      setCsrfToken(me.csrf_token);
      history.replaceState(null, '', '#listings');
      await refreshSession();
      route();
    } catch (e) {
      showError(err, e);
    }
  } },
  info.kind === 'editor' ? field('acct.email', email) : null,
  field('acct.password.new', pw, 'acct.password.hint'), field('acct.password.again', again), err,
  h('button', { type: 'submit', class: 'primary', i18n: 'acct.invite.submit' }));
  show(heading(info.kind === 'editor' ? 'acct.invite.heading' : 'acct.reset.heading'),
    info.partner_name ? tEl('p', 'acct.invite.for', { name: info.partner_name }) : null, form);
}
