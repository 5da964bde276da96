// Partner account pages (account.html): sign in, my listings (with "invite a colleague"), the
// edit form with a map pin, history (with revert for admins), the admin queue (with the people
// who sign in, to deactivate or reactivate, and the open links, to revoke), the stale report,
// "list your organization" and invitation links, and the translators' page (#translations: each
// language's state, PO download and upload). One page, one view per address fragment (#listings,
// #edit=ID, ...). Every string comes from web/i18n (keys acct.*; review.* for the translators'
// page, which is in English: translators work from the English).
//
// The session cookie is HttpOnly; the page holds only the CSRF token, in memory (in api.js, the
// one API client), and sends it as X-CSRF-Token with every request that changes something.
//
// This file starts the page and routes; the views live in account/ (sign-in, listings, edit,
// history, admin, public), their building blocks in account/ui.js, the API client in api.js.

import { h } from './dom.js';
import { getJson, send } from './api.js';
import { setLanguage, translatePage, language } from './i18n.js';
import { loadPrefs, savePrefs } from './state.js';
import { session, page, refreshSession, setRouter } from './account/session.js';
import { errorBox, showError, heading, show } from './account/ui.js';
import { signInView } from './account/signin.js';
import { listingsView } from './account/listings.js';
import { editView } from './account/edit.js';
import { historyView } from './account/history.js';
import { adminView, staleView } from './account/admin.js';
import { signupView, inviteView } from './account/public.js';
import { translationsView } from './account/translations.js';

// ---------------------------------------------------------------- routing

async function route() {
  const hash = location.hash.slice(1);
  const [name, arg] = hash.split('=');
  try {
    if (name === 'invite') return await inviteView(arg);
    if (name === 'signup') return signupView();
    if (name === 'edit') return await editView(arg);
    if (name === 'new') return await editView(null, arg);
    if (name === 'history') return await historyView(arg);
    if (name === 'admin') return await adminView();
    if (name === 'stale') return await staleView();
    if (name === 'signin' || !session.user) return signInView();
    if (name === 'translations' || session.user.role === 'translator') return await translationsView();
    return await listingsView(arg);
  } catch (e) {
    const err = errorBox();
    show(heading('acct.error'), err);
    showError(err, e);
  }
}

async function start() {
  const config = await getJson('/api/v1/config');
  page.config = config;
  const prefs = loadPrefs();
  const codes = config.languages.map((l) => l.code);
  await setLanguage(codes.includes(prefs.lang) ? prefs.lang : 'en');
  const select = document.getElementById('ui-language');
  for (const l of config.languages) select.append(h('option', { value: l.code, lang: l.code, selected: l.code === language() }, l.name));
  select.addEventListener('change', async (e) => {
    await setLanguage(e.target.value);
    savePrefs({ lang: e.target.value });
    translatePage();
    await refreshSession();
    route();
  });
  translatePage();
  page.categories = (await getJson('/api/v1/categories')).categories;
  document.getElementById('sign-out').addEventListener('click', async () => {
    await send('POST', '/api/v1/auth/logout').catch(() => {});
    await refreshSession();
    location.hash = '#signin';
  });
  setRouter(route);
  await refreshSession();
  window.addEventListener('hashchange', route);
  await route();
  document.body.dataset.ready = 'true';
}

start();
