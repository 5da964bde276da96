// The details panel: everything a counselor reads to a family before sending them somewhere.

import { t, tEl, setText, language } from './i18n.js';
import { byDay } from './hours.js';
import { formatClock, formatDate, formatDistance } from './format.js';
import {
  addressEl,
  categoryChip,
  costText,
  isolate,
  languageList,
  openBadge,
  siteLanguages,
  sourceText,
  staleBadge,
} from './site-view.js';

function row(dl, labelKey, ...content) {
  const parts = content.filter((c) => c !== null && c !== undefined && c !== '');
  if (parts.length === 0) return;
  const dt = tEl('dt', labelKey);
  const dd = document.createElement('dd');
  for (const c of parts) dd.append(typeof c === 'string' ? document.createTextNode(c) : c);
  dl.append(dt, dd);
}

function phones(site) {
  if (!site.phones?.length) return null;
  const ul = document.createElement('ul');
  ul.className = 'phones';
  for (const p of site.phones) {
    const li = document.createElement('li');
    const kind = tEl('span', `phone.${p.type || 'voice'}`, null, 'phone-kind');
    const a = document.createElement('a');
    a.href = `tel:${p.number.replace(/[^0-9+]/g, '')}${p.extension ? `,${p.extension}` : ''}`;
    a.textContent = p.number;
    a.dir = 'ltr';
    li.append(kind, ' ', a);
    if (p.extension) li.append(' ', t('ui.details.extension', { ext: p.extension }));
    if (p.languages?.length) {
      const langs = document.createElement('span');
      langs.className = 'phone-langs';
      langs.textContent = t('ui.details.phone_languages', { languages: languageList(p.languages) });
      li.append(' — ', langs);
    }
    if (p.description) li.append(' ', sourceText('span', `(${p.description})`, null));
    ul.append(li);
  }
  return ul;
}

function hours(site, now) {
  const box = document.createElement('div');
  box.append(openBadge(site, now));
  const h = site.hours;
  if (h?.weekly?.length) {
    const table = document.createElement('table');
    table.className = 'hours';
    const caption = tEl('caption', 'ui.details.hours_caption', { zone: h.timezone });
    caption.className = 'visually-hidden';
    table.append(caption);
    const tbody = document.createElement('tbody');
    for (const { day, spans } of byDay(h)) {
      const tr = document.createElement('tr');
      const th = tEl('th', `day.${day}`);
      th.scope = 'row';
      const td = document.createElement('td');
      if (spans.length === 0) setText(td, 'status.closed');
      else td.textContent = spans.map((s) => `${formatClock(s.opens)}–${formatClock(s.closes)}`).join(', ');
      tr.append(th, td);
      tbody.append(tr);
    }
    table.append(tbody);
    box.append(table);
  }
  if (h?.notes) box.append(sourceText('p', h.notes, null));
  return box;
}

function yesNo(value) {
  if (value === true) return t('ui.details.yes');
  if (value === false) return t('ui.details.no');
  return null;
}

/** A description in the UI language when a person translated it, else the original. */
function description(site) {
  const own = site.description_translations?.[language()];
  if (own?.text) {
    const p = sourceText('p', own.text, language());
    if (!own.reviewed) {
      const note = tEl('span', 'ui.details.translation_unreviewed', null, 'badge neutral');
      return [p, note];
    }
    return [p];
  }
  if (!site.description) return [];
  const p = sourceText('p', site.description, site.description_lang || 'en');
  p.className = 'description';
  return [p];
}

/**
 * Fills `panel` with `site`; `distance_m` when it came from a search. `actions.back()` returns to
 * the list; `actions.toggleBasket(site)` adds or removes it from the referral list.
 */
export function renderDetails(panel, site, { units, inBasket, actions, now = new Date() }) {
  panel.replaceChildren();
  const back = tEl('button', 'ui.details.back', null, 'secondary back');
  back.type = 'button';
  back.addEventListener('click', actions.back);
  const h = document.createElement('h2');
  h.id = 'details-name';
  isolate(h, site.name);
  h.tabIndex = -1;
  panel.append(back, h);
  if (site.partner_name && site.partner_name !== site.name) {
    panel.append(sourceText('p', site.partner_name, null));
  }
  const cats = document.createElement('p');
  cats.className = 'cats';
  for (const c of site.categories || []) cats.append(categoryChip(c), ' ');
  panel.append(cats);

  const dl = document.createElement('dl');
  dl.className = 'facts';
  row(dl, 'field.address', addressEl(site));
  if (typeof site.distance_m === 'number') {
    const d = formatDistance(site.distance_m, units);
    row(dl, 'field.distance', site.location_withheld ? t('ui.results.distance_about', { distance: d }) : d);
  }
  row(dl, 'field.phones', phones(site));
  row(dl, 'field.hours', hours(site, now));
  const langs = siteLanguages(site);
  row(dl, 'field.languages', langs.length ? languageList(langs) : t('ui.details.not_listed'));
  row(dl, 'field.cost', costText(site), site.cost_note ? sourceText('span', ` — ${site.cost_note}`, null) : null);
  row(dl, 'field.eligibility', site.eligibility ? sourceText('span', site.eligibility, site.description_lang) : null);
  if (site.required_documents?.length) {
    const ul = document.createElement('ul');
    for (const d of site.required_documents) ul.append(sourceText('li', d, site.description_lang));
    row(dl, 'field.required_documents', ul);
  }
  row(dl, 'field.accessibility', site.accessibility ? sourceText('span', site.accessibility, site.description_lang) : null);
  row(dl, 'field.walk_in', yesNo(site.walk_in));
  row(dl, 'field.appointment_required', yesNo(site.appointment_required));
  row(dl, 'field.no_id_required', yesNo(site.no_id_required));
  if (site.services?.length) {
    const ul = document.createElement('ul');
    for (const s of site.services) {
      const own = s.translations?.[language()];
      ul.append(own?.name ? sourceText('li', own.name, language()) : sourceText('li', s.name, site.description_lang));
    }
    row(dl, 'field.services', ul);
  }
  row(dl, 'field.description', ...description(site));
  if (site.website) {
    const a = document.createElement('a');
    a.href = site.website;
    a.textContent = site.website;
    a.rel = 'noopener noreferrer';
    a.target = '_blank';
    a.dir = 'ltr';
    row(dl, 'field.website', a);
  }
  const verified = document.createElement('span');
  verified.textContent = site.last_verified_at ? formatDate(site.last_verified_at) : t('ui.details.never_verified');
  const stale = staleBadge(site);
  row(dl, 'field.last_verified', verified, stale ? ' ' : null, stale);
  panel.append(dl);

  const add = document.createElement('button');
  add.type = 'button';
  add.className = 'primary';
  add.setAttribute('aria-pressed', String(inBasket));
  setText(add, inBasket ? 'ui.basket.remove' : 'ui.basket.add');
  add.addEventListener('click', () => {
    const now = actions.toggleBasket(site);
    add.setAttribute('aria-pressed', String(now));
    setText(add, now ? 'ui.basket.remove' : 'ui.basket.add');
  });
  panel.append(add);
  return h;
}
