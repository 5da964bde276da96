// Who is signed in, the page's configuration, and the router hook views call to show the
// current address again. The session cookie is HttpOnly; the CSRF token lives in api.js.

import { getJson, setCsrfToken } from '../api.js';
import { t } from '../i18n.js';

export const session = { user: null, partner: null };
/** The server's client configuration and the categories, loaded once at start. */
export const page = { config: null, categories: [] };

let router = async () => {};

/** Sets the function that shows the view of the current address. */
export function setRouter(fn) {
  router = fn;
}

/** Shows the view of the current address (again). */
export function route() {
  return router();
}

export async function refreshSession() {
  try {
    const me = await getJson('/api/v1/auth/me');
    Object.assign(session, { user: me.user, partner: me.partner });
    setCsrfToken(me.csrf_token);
  } catch {
    Object.assign(session, { user: null, partner: null });
    setCsrfToken(null);
  }
  const admin = session.user?.role === 'admin';
  const translator = session.user?.role === 'translator';
  document.getElementById('nav-listings').hidden = !session.user || translator;
  document.getElementById('nav-translations').hidden = !(admin || translator);
  document.getElementById('nav-admin').hidden = !admin;
  document.getElementById('nav-stale').hidden = !admin;
  document.getElementById('sign-out').hidden = !session.user;
  document.getElementById('who').textContent = session.user ? t('acct.signed_in_as', { email: session.user.email }) : '';
}
