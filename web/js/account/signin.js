// Signing in, and asking for a password reset.

import { h } from '../dom.js';
import { send, setCsrfToken } from '../api.js';
import { setText } from '../i18n.js';
import { refreshSession } from './session.js';
import { input, field, errorBox, showError, heading, show } from './ui.js';

export function signInView() {
  const email = input('email', '', { autocomplete: 'username', required: true });
  const password = input('password', '', { autocomplete: 'current-password', required: true });
  const err = errorBox();
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const me = await send('POST', '/api/v1/auth/login', { email: email.value, password: password.value });
          setCsrfToken(me.csrf_token);
          await refreshSession();
          location.hash = '#listings';
        } catch (e) {
          showError(err, e);
        }
      },
    },
    field('acct.email', email),
    field('acct.password', password),
    err,
    h('button', { type: 'submit', class: 'primary', i18n: 'acct.signin.submit' }),
  );
  const resetEmail = input('email', '', { autocomplete: 'email' });
  const resetMsg = h('p', { role: 'status' });
  const reset = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          await send('POST', '/api/v1/auth/reset', { email: resetEmail.value });
          setText(resetMsg, 'acct.reset.sent');
        } catch (e) {
          resetMsg.textContent = e.message;
        }
      },
    },
    field('acct.email', resetEmail),
    h('button', { type: 'submit', class: 'secondary', i18n: 'acct.reset.submit' }),
    resetMsg,
  );
  show(heading('acct.signin.heading'), form, h('details', {}, h('summary', { i18n: 'acct.reset.heading' }), reset));
}
