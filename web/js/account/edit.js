// The edit form of a site (and of a new one): every field, hours per day, phones, translations
// written by people, the map pin; saved as a merge patch of the changed fields only.

import { h } from '../dom.js';
import { getJson, send } from '../api.js';
import { t, tEl, setText } from '../i18n.js';
import { session, page, route } from './session.js';
import { signInView } from './signin.js';
import { input, field, announce, errorBox, showError, heading, show } from './ui.js';
import { pinMap } from './pin-map.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The editable document of a site (what is compared to find the changed fields). */
function editable(s) {
  const keys = ['name', 'description', 'description_lang', 'description_translations', 'street', 'city', 'state', 'postal_code',
    'lon', 'lat', 'phones', 'hours', 'languages', 'categories', 'services', 'cost', 'cost_note', 'eligibility',
    'required_documents', 'accessibility', 'walk_in', 'appointment_required', 'no_id_required', 'confidential', 'withhold_zip'];
  return Object.fromEntries(keys.map((k) => [k, s[k] ?? null]));
}

function spansText(hours, day) {
  return (hours?.weekly || []).filter((s) => s.day === day).map((s) => `${s.opens}-${s.closes}`).join(', ');
}

function parseSpans(day, text) {
  return text.split(',').map((x) => x.trim()).filter(Boolean).map((x) => {
    const m = /^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(x);
    if (!m) throw new Error(t('acct.hours.bad', { day: t(`day.${day}`), value: x }));
    const pad = (v) => v.padStart(5, '0');
    return { day, opens: pad(m[1]), closes: pad(m[2]) };
  });
}

function triState(value) {
  return h('select', {},
    h('option', { value: '', selected: value === null, i18n: 'acct.unknown' }),
    h('option', { value: 'true', selected: value === true, i18n: 'acct.yes' }),
    h('option', { value: 'false', selected: value === false, i18n: 'acct.no' }));
}

function phoneRow(p = { number: '', type: 'voice', languages: [] }) {
  const number = input('tel', p.number);
  const type = h('select', {}, ['voice', 'text', 'fax', 'tty', 'hotline'].map((k) => h('option', { value: k, selected: p.type === k }, t(`phone.${k}`))));
  const langs = input('text', (p.languages || []).join(', '));
  const row = h('div', { class: 'phone-row' });
  row.append(field('acct.phone.number', number), field('acct.phone.type', type), field('acct.phone.languages', langs, 'acct.codes_hint'),
    h('button', { type: 'button', class: 'secondary small', onclick: () => row.remove(), i18n: 'acct.remove' }));
  row.read = () => ({ ...p, number: number.value.trim(), type: type.value, languages: splitList(langs.value) });
  return row;
}

function translationRow(lang = '', tr = { text: '', reviewed: false }) {
  const code = input('text', lang, { size: 4 });
  const text = h('textarea', {}, tr.text);
  const reviewed = input('checkbox', '', { checked: tr.reviewed });
  const row = h('div', { class: 'tr-row' });
  row.append(field('acct.translation.lang', code, 'acct.code_hint'), field('acct.translation.text', text),
    h('label', { class: 'check' }, reviewed, tEl('span', 'acct.translation.reviewed')),
    h('button', { type: 'button', class: 'secondary small', onclick: () => row.remove(), i18n: 'acct.remove' }));
  row.read = () => [code.value.trim(), { text: text.value, reviewed: reviewed.checked }];
  return row;
}

function splitList(text) {
  return text.split(',').map((x) => x.trim()).filter(Boolean);
}

/** Where the public is told a confidential site stands (its stand-in), as the server says. */
function standInNote(site) {
  const s = site.stand_in;
  if (!site.confidential || !s) return tEl('p', 'acct.stand_in.none', null, 'hint');
  const key = s.basis === 'h3' ? 'acct.stand_in.h3' : 'acct.stand_in.zip';
  return tEl('p', key, { zip: s.zip || '' }, 'hint stand-in');
}

export async function editView(siteId, newFor) {
  if (!session.user) return signInView();
  const site = siteId ? await getJson(`/api/v1/sites/${siteId}`) : { partner_id: newFor, categories: [], phones: [], languages: [], services: [], required_documents: [], description_translations: {}, confidential: false, withhold_zip: false };
  const before = editable(site);
  let version = site.version;
  const c = {
    name: input('text', site.name, { required: true }),
    description: h('textarea', {}, site.description || ''),
    street: input('text', site.street), city: input('text', site.city), state: input('text', site.state), postal_code: input('text', site.postal_code),
    lon: input('number', site.lon, { step: 'any', min: -180, max: 180 }), lat: input('number', site.lat, { step: 'any', min: -90, max: 90 }),
    timezone: input('text', site.hours?.timezone || 'America/New_York'),
    notes: input('text', site.hours?.notes),
    languages: input('text', (site.languages || []).join(', ')),
    cost: h('select', {}, h('option', { value: '', i18n: 'cost.unknown' }), ['free', 'sliding_scale', 'fee'].map((k) => h('option', { value: k, selected: site.cost === k }, t(`cost.${k}`)))),
    cost_note: input('text', site.cost_note), eligibility: h('textarea', {}, site.eligibility || ''),
    required_documents: h('textarea', {}, (site.required_documents || []).join('\n')),
    accessibility: h('textarea', {}, site.accessibility || ''),
    services: h('textarea', {}, (site.services || []).map((s) => s.name).join('\n')),
    walk_in: triState(site.walk_in), appointment_required: triState(site.appointment_required), no_id_required: triState(site.no_id_required),
    confidential: input('checkbox', '', { checked: site.confidential }),
    withhold_zip: input('checkbox', '', { checked: site.withhold_zip }),
  };
  const hours = Object.fromEntries(DAYS.map((d) => [d, input('text', spansText(site.hours, d), { placeholder: '09:00-12:00, 13:00-17:00' })]));
  const phones = h('div', {}, (site.phones || []).map(phoneRow));
  const translations = h('div', {}, Object.entries(site.description_translations || {}).map(([l, tr]) => translationRow(l, tr)));
  const cats = h('div', { class: 'checks' }, page.categories.map((cat) =>
    h('label', { class: 'check' }, input('checkbox', cat.slug, { checked: site.categories.includes(cat.slug), 'data-cat': cat.slug }), h('span', {}, t(`category.${cat.slug}`)))));
  const mapBox = h('div', { class: 'pin-map' });
  const err = errorBox();
  const ok = h('p', { role: 'status', class: 'ok' });

  const read = () => {
    const weekly = DAYS.flatMap((d) => parseSpans(d, hours[d].value));
    const bool = (sel) => (sel.value === '' ? null : sel.value === 'true');
    const names = c.services.value.split('\n').map((x) => x.trim()).filter(Boolean);
    const services = names.map((name) => (site.services || []).find((s) => s.name === name) || { name });
    const text = (el) => el.value.trim() || null;
    return {
      name: c.name.value.trim(), description: text(c.description), description_lang: site.description_lang ?? null,
      description_translations: Object.fromEntries(Array.from(translations.children).map((r) => r.read()).filter(([l]) => l)),
      street: text(c.street), city: text(c.city), state: text(c.state), postal_code: text(c.postal_code),
      lon: c.lon.value === '' ? null : Number(c.lon.value), lat: c.lat.value === '' ? null : Number(c.lat.value),
      phones: Array.from(phones.children).map((r) => r.read()).filter((p) => p.number),
      hours: weekly.length || site.hours ? { timezone: c.timezone.value.trim(), weekly, notes: text(c.notes) } : null,
      languages: splitList(c.languages.value), categories: Array.from(cats.querySelectorAll('input:checked')).map((i) => i.dataset.cat),
      services, cost: c.cost.value || null, cost_note: text(c.cost_note), eligibility: text(c.eligibility),
      required_documents: c.required_documents.value.split('\n').map((x) => x.trim()).filter(Boolean),
      accessibility: text(c.accessibility), walk_in: bool(c.walk_in), appointment_required: bool(c.appointment_required),
      no_id_required: bool(c.no_id_required), confidential: c.confidential.checked,
      withhold_zip: c.withhold_zip.checked,
    };
  };

  const form = h('form', {
    novalidate: true,
    onsubmit: async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      ok.textContent = '';
      try {
        const now = read();
        if (!siteId) {
          const made = await send('POST', '/api/v1/sites', { ...now, partner_id: newFor });
          location.hash = `#edit=${made.id}`;
          return;
        }
        // Only the fields that changed, as a merge patch, from the version this form loaded.
        const patch = {};
        for (const [k, v] of Object.entries(now)) if (JSON.stringify(v) !== JSON.stringify(before[k])) patch[k] = v;
        if (Object.keys(patch).length === 0) return setText(ok, 'acct.no_changes');
        const done = await send('PATCH', `/api/v1/sites/${siteId}`, patch, { ifMatch: version });
        version = done.version;
        Object.assign(before, editable(done));
        Object.assign(site, done);
        setText(ok, 'acct.saved');
        announce('acct.saved');
      } catch (e) {
        showError(err, e);
        if (e.status === 409) err.append(' ', h('a', { href: `#edit=${siteId}`, onclick: () => setTimeout(() => route(), 0), i18n: 'acct.reload' }));
      }
    },
  },
  field('acct.field.name', c.name),
  field('acct.field.description', c.description),
  h('fieldset', {}, h('legend', { i18n: 'acct.translations' }), translations,
    h('button', { type: 'button', class: 'secondary small', i18n: 'acct.add_translation', onclick: () => translations.append(translationRow()) })),
  h('fieldset', {}, h('legend', { i18n: 'acct.location' }),
    field('acct.field.street', c.street), field('acct.field.city', c.city), field('acct.field.state', c.state), field('acct.field.postal_code', c.postal_code),
    field('acct.field.lon', c.lon), field('acct.field.lat', c.lat), tEl('p', 'acct.pin.hint', null, 'hint'), mapBox,
    h('label', { class: 'check' }, c.confidential, tEl('span', 'acct.field.confidential')),
    h('label', { class: 'check' }, c.withhold_zip, tEl('span', 'acct.field.withhold_zip')),
    standInNote(site)),
  h('fieldset', {}, h('legend', { i18n: 'acct.hours' }), tEl('p', 'acct.hours.hint', null, 'hint'),
    h('div', { class: 'hours-grid' }, DAYS.flatMap((d) => { hours[d].id = `hours-${d}`; return [h('label', { for: hours[d].id }, t(`day.${d}`)), hours[d]]; })),
    field('acct.field.timezone', c.timezone), field('acct.field.hours_notes', c.notes)),
  h('fieldset', {}, h('legend', { i18n: 'acct.phones' }), phones,
    h('button', { type: 'button', class: 'secondary small', i18n: 'acct.add_phone', onclick: () => phones.append(phoneRow()) })),
  field('acct.field.languages', c.languages, 'acct.codes_hint'),
  h('fieldset', {}, h('legend', { i18n: 'acct.field.categories' }), cats),
  field('acct.field.services', c.services, 'acct.lines_hint'),
  field('acct.field.cost', c.cost), field('acct.field.cost_note', c.cost_note),
  field('acct.field.eligibility', c.eligibility), field('acct.field.required_documents', c.required_documents, 'acct.lines_hint'),
  field('acct.field.accessibility', c.accessibility),
  field('acct.field.walk_in', c.walk_in), field('acct.field.appointment_required', c.appointment_required), field('acct.field.no_id_required', c.no_id_required),
  err, ok,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', i18n: 'acct.save' }),
    siteId ? h('a', { href: `#history=${siteId}`, i18n: 'acct.history' }) : null,
    h('a', { href: `#listings=${site.partner_id}`, i18n: 'acct.back' })));
  show(heading(siteId ? 'acct.edit.heading' : 'acct.new.heading', { name: site.name || '' }), form);
  pinMap(mapBox, c.lon, c.lat).catch((e) => console.warn('pin map', e));
}
