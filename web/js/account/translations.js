// The translators' page (#translations): each language's strings, how many are translated and
// how many a person reviewed; the PO file to download and, for the languages the one signed in
// reviews, an upload. Admins also make translator accounts here. In English: translators work
// from the English (keys review.*).

import { h } from '../dom.js';
import { getJson, send, sendText, ApiError } from '../api.js';
import { t, tEl, plural } from '../i18n.js';
import { session } from './session.js';
import { signInView } from './signin.js';
import { input, field, errorBox, showError, heading, show, secretBox } from './ui.js';

/** The refused entries of a PO upload, each named by its msgctxt. */
function refusal(err, e) {
  if (!(e instanceof ApiError) || !e.problem.errors?.length) return showError(err, e);
  const list = e.problem.errors.map((x) => h('li', {}, h('code', {}, x.field), `: ${x.message}`));
  err.hidden = false;
  err.replaceChildren(t('review.refused'), h('ul', {}, list));
  err.focus();
}

export async function translationsView() {
  const role = session.user?.role;
  if (role !== 'admin' && role !== 'translator') return signInView();
  const { languages } = await getJson('/api/v1/translations');
  const err = errorBox();
  const out = h('div', { role: 'status' });
  const rows = languages.map((l) => {
    const pct = (n) => `${n} (${Math.round((100 * n) / l.strings)} %)`;
    let upload = null;
    if (l.may_review) {
      const file = h('input', { type: 'file', accept: '.po,text/x-gettext-translation', id: `po-${l.code}` });
      upload = h('form', { class: 'inline', novalidate: true, onsubmit: async (ev) => {
        ev.preventDefault();
        if (!file.files[0]) return;
        try {
          const body = await sendText('PUT', `/api/v1/translations/${l.code}.po`, await file.files[0].text(), 'text/x-gettext-translation');
          await translationsView();
          document.getElementById('announce').textContent = plural('review.uploaded', body.newly_reviewed, { language: l.name }).text;
        } catch (e) { refusal(err, e); }
      } }, h('label', { for: file.id, i18n: 'review.upload_label' }), file, h('button', { type: 'submit', class: 'secondary small', i18n: 'review.upload' }));
    }
    return h('tr', { 'data-lang': l.code },
      h('th', { scope: 'row' }, h('bdi', { lang: l.code, dir: l.dir }, l.name), ` (${l.code})`),
      h('td', {}, l.source ? t('review.source') : pct(l.translated)),
      h('td', { class: 'reviewed' }, l.source ? '—' : pct(l.reviewed)),
      h('td', {}, h('a', { href: `/api/v1/translations/${l.code}.po`, download: `assetmap-${l.code}.po`, i18n: 'review.download' }), ' ',
        h('a', { href: `/i18n/${l.code}.json`, download: `${l.code}.json`, i18n: 'review.download_json' })),
      h('td', {}, upload));
  });
  const table = h('table', { class: 'translations' },
    h('thead', {}, h('tr', {}, ['review.col.language', 'review.col.translated', 'review.col.reviewed', 'review.col.files', 'review.col.upload'].map((k) => h('th', { scope: 'col', i18n: k })))),
    h('tbody', {}, rows));
  let make = null;
  if (role === 'admin') {
    const email = input('email', '');
    const langs = input('text', '', { placeholder: 'es, ht' });
    make = h('form', { novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const r = await send('POST', '/api/v1/admin/translators', { email: email.value, languages: langs.value.split(',').map((s) => s.trim()).filter(Boolean) });
        out.replaceChildren(secretBox(r));
      } catch (e) { showError(err, e); }
    } }, field('acct.email', email), field('review.languages', langs), h('button', { type: 'submit', class: 'primary', i18n: 'review.make' }));
  }
  show(heading('review.heading'), tEl('p', 'review.intro'), err, out, table,
    make ? tEl('h3', 'review.make_heading') : null, make);
}
