// Partner account pages (account.html): sign in, my listings (with "invite a colleague"), the
// edit form with a map pin, history (with revert for admins), the admin queue (with the people
// who sign in, to deactivate or reactivate, and the open links, to revoke), the stale report,
// "list your organization" and invitation links, and the translators' page (#translations: each
// language's state, PO download and upload). One page, one view per address fragment (#listings,
// #edit=ID, ...). Every string comes from web/i18n (keys acct.*; review.* for the translators'
// page, which is in English: translators work from the English).
//
// The session cookie is HttpOnly; this script holds only the CSRF token, in memory, and sends
// it as X-CSRF-Token with every request that changes something.

import { Map as MapLibre, Marker, NavigationControl } from 'maplibre-gl';
import { offlineStyle } from './basemap.js';
import { setLanguage, translatePage, t, tEl, setText, language, plural } from './i18n.js';
import { loadPrefs, savePrefs } from './state.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const view = document.getElementById('view');
const session = { user: null, partner: null, csrf: null };
let config = null;
let categories = [];

class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

/** One API call; state-changing ones carry the CSRF token. */
async function api(method, path, body, { ifMatch } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && session.csrf) headers['x-csrf-token'] = session.csrf;
  if (ifMatch !== undefined) headers['if-match'] = `"${ifMatch}"`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 204) return null;
  let json = null;
  try {
    json = await res.json();
  } catch {
    /* no body */
  }
  if (!res.ok) throw new Problem(res.status, json);
  return json;
}

/** `h('p', {class: 'x'}, child, 'text')`: a new element. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'i18n') setText(el, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}

let uid = 0;
/** A labelled field: label + control (+ hint). */
function field(labelKey, control, hintKey) {
  control.id ||= `f${++uid}`;
  const hint = hintKey ? tEl('p', hintKey, null, 'hint') : null;
  if (hint) {
    hint.id = `${control.id}-hint`;
    control.setAttribute('aria-describedby', hint.id);
  }
  return h('div', { class: 'field' }, h('label', { for: control.id, i18n: labelKey }), control, hint);
}

function input(type, value = '', attrs = {}) {
  return h('input', { type, value: value ?? '', ...attrs });
}

function announce(key, vars) {
  document.getElementById('announce').textContent = t(key, vars);
}

/** Shows a problem in `box`: each field the server named, or its detail. */
function showError(box, e) {
  box.hidden = false;
  box.textContent = '';
  if (e instanceof Problem) {
    if (e.status === 401 && e.body?.type === '/problems/sign-in-failed') box.append(t('acct.signin.failed'));
    else if (e.status === 429) box.append(t('acct.signin.locked', { seconds: e.body?.detail?.match(/\d+/)?.[0] ?? '?' }));
    else if (e.status === 409) box.append(t('acct.conflict'));
    else if (e.status === 403) box.append(t('acct.forbidden'));
    else if (e.status === 410) box.append(t('acct.invite.gone'));
    else if (e.body?.errors?.length) box.append(h('ul', {}, e.body.errors.map((x) => h('li', {}, `${x.field}: ${x.message}`))));
    else box.append(e.body?.detail || e.message);
  } else {
    box.append(String(e.message || e));
  }
  box.focus?.();
}

function errorBox() {
  return h('p', { class: 'error', role: 'alert', tabindex: '-1', hidden: true });
}

function heading(key, vars) {
  const el = tEl('h2', key, vars);
  el.tabIndex = -1;
  return el;
}

function show(...children) {
  view.replaceChildren(...children);
  const first = view.querySelector('h2');
  (first || view).focus();
}

function date(ts) {
  if (!ts) return t('acct.never');
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium' }).format(new Date(ts));
}

function datetime(ts) {
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ts));
}

// ---------------------------------------------------------------- session

async function refreshSession() {
  try {
    const me = await api('GET', '/api/v1/auth/me');
    Object.assign(session, { user: me.user, partner: me.partner, csrf: me.csrf_token });
  } catch {
    Object.assign(session, { user: null, partner: null, csrf: null });
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

function signInView() {
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
          const me = await api('POST', '/api/v1/auth/login', { email: email.value, password: password.value });
          session.csrf = me.csrf_token;
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
          await api('POST', '/api/v1/auth/reset', { email: resetEmail.value });
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

// ---------------------------------------------------------------- listings

async function listingsView(partnerId) {
  if (!session.user) return signInView();
  const admin = session.user.role === 'admin';
  const parts = [heading('acct.listings.heading')];
  let pid = partnerId || session.user.partner_id;
  if (admin) {
    const all = await api('GET', '/api/v1/partners?limit=10000');
    const select = h('select', { onchange: (e) => (location.hash = `#listings=${e.target.value}`) },
      h('option', { value: '', i18n: 'acct.listings.choose' }),
      all.partners.map((p) => h('option', { value: p.id, selected: p.id === pid }, `${p.name} (${t(`acct.status.${p.status}`)})`)));
    parts.push(field('acct.listings.organization', select));
  }
  if (!pid) return show(...parts);
  const [partner, sites] = await Promise.all([
    api('GET', `/api/v1/partners/${pid}`),
    api('GET', `/api/v1/sites?partner_id=${pid}&limit=10000`),
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
                const done = await api('POST', `/api/v1/sites/${s.id}/verify`, undefined, { ifMatch: s.version });
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
      const link = await api('POST', `/api/v1/partners/${pid}/invitations`, { email: email.value || null });
      out.replaceChildren(secretBox(link));
    }, field('acct.email', email), err, h('button', { type: 'submit', class: 'primary', i18n: 'acct.invite.create' })),
    out);
}

/** A form whose submission runs `action`, showing its problem, if any, in `err`. */
function apiForm(err, action, ...children) {
  return h('form', {
    novalidate: true,
    onsubmit: async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      try {
        await action();
      } catch (e) {
        showError(err, e);
      }
    },
  }, ...children);
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
      const done = await api('PATCH', `/api/v1/partners/${p.id}`, body, { ifMatch: version });
      version = done.version;
      setText(ok, 'acct.saved');
    },
    field('acct.org.name', name), field('acct.org.website', website), field('acct.org.email', email),
    field('acct.field.description', description), err, ok,
    h('button', { type: 'submit', class: 'primary', i18n: 'acct.save' })));
}

// ---------------------------------------------------------------- edit form

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

async function pinMap(container, lonInput, latInput) {
  const style = config.map?.style_url || (await offlineStyle());
  const lon = Number(lonInput.value) || -80.2;
  const lat = Number(latInput.value) || 25.8;
  const map = new MapLibre({ container, style, center: [lon, lat], zoom: lonInput.value ? 13 : 9, attributionControl: false });
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.getCanvas().setAttribute('aria-label', t('acct.pin.map_label'));
  const marker = new Marker({ draggable: true }).setLngLat([lon, lat]);
  if (lonInput.value) marker.addTo(map);
  const put = (ll) => {
    lonInput.value = ll.lng.toFixed(6);
    latInput.value = ll.lat.toFixed(6);
    marker.setLngLat(ll).addTo(map);
    announce('acct.pin.moved', { lon: lonInput.value, lat: latInput.value });
  };
  marker.on('dragend', () => put(marker.getLngLat()));
  map.on('click', (e) => put(e.lngLat));
  const sync = () => {
    const [x, y] = [Number(lonInput.value), Number(latInput.value)];
    if (Number.isFinite(x) && Number.isFinite(y) && lonInput.value && latInput.value) {
      marker.setLngLat([x, y]).addTo(map);
      map.easeTo({ center: [x, y] });
    }
  };
  lonInput.addEventListener('change', sync);
  latInput.addEventListener('change', sync);
  return map;
}

/** Where the public is told a confidential site stands (its stand-in), as the server says. */
function standInNote(site) {
  const s = site.stand_in;
  if (!site.confidential || !s) return tEl('p', 'acct.stand_in.none', null, 'hint');
  const key = s.basis === 'h3' ? 'acct.stand_in.h3' : 'acct.stand_in.zip';
  return tEl('p', key, { zip: s.zip || '' }, 'hint stand-in');
}

async function editView(siteId, newFor) {
  if (!session.user) return signInView();
  const site = siteId ? await api('GET', `/api/v1/sites/${siteId}`) : { partner_id: newFor, categories: [], phones: [], languages: [], services: [], required_documents: [], description_translations: {}, confidential: false, withhold_zip: false };
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
  const cats = h('div', { class: 'checks' }, categories.map((cat) =>
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
          const made = await api('POST', '/api/v1/sites', { ...now, partner_id: newFor });
          location.hash = `#edit=${made.id}`;
          return;
        }
        // Only the fields that changed, as a merge patch, from the version this form loaded.
        const patch = {};
        for (const [k, v] of Object.entries(now)) if (JSON.stringify(v) !== JSON.stringify(before[k])) patch[k] = v;
        if (Object.keys(patch).length === 0) return setText(ok, 'acct.no_changes');
        const done = await api('PATCH', `/api/v1/sites/${siteId}`, patch, { ifMatch: version });
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

// ---------------------------------------------------------------- history

function compact(v) {
  if (v === null || v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

async function historyView(siteId) {
  if (!session.user) return signInView();
  const { revisions } = await api('GET', `/api/v1/revisions?site_id=${siteId}`);
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
            await api('POST', `/api/v1/revisions/${r.id}/revert`);
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

// ---------------------------------------------------------------- admin

function secretBox(inv) {
  return h('p', {}, t('acct.invite.made'), ' ', h('code', { class: 'secret' }, inv.url));
}

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
        () => api('POST', `/api/v1/admin/users/${u.id}/${verb}`), err));
  }));
}

async function adminView() {
  if (session.user?.role !== 'admin') return signInView();
  const [{ signups }, { invitations }, { partners }, { entries }, { users }] = await Promise.all([
    api('GET', '/api/v1/admin/signups?status=pending'), api('GET', '/api/v1/admin/invitations'),
    api('GET', '/api/v1/partners?limit=10000'), api('GET', '/api/v1/admin/audit?limit=200'),
    api('GET', '/api/v1/admin/users'),
  ]);
  const err = errorBox();
  const out = h('div', { role: 'status' });
  const pending = h('ul', { class: 'cards' }, signups.map((s) => {
    const reason = input('text', '');
    return h('li', {}, h('h4', {}, s.partner?.name || s.partner_id),
      h('p', {}, `${s.contact_name || ''} <${s.contact_email}>`), s.message ? h('p', {}, s.message) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary small', i18n: 'acct.approve', onclick: async () => {
          try { const r = await api('POST', `/api/v1/admin/signups/${s.partner_id}/approve`); out.replaceChildren(secretBox(r.invitation)); } catch (e) { showError(err, e); }
        } }),
        field('acct.decline_reason', reason),
        h('button', { type: 'button', class: 'secondary small', i18n: 'acct.decline', onclick: async () => {
          try { await api('POST', `/api/v1/admin/signups/${s.partner_id}/decline`, { reason: reason.value }); announce('acct.declined'); adminView(); } catch (e) { showError(err, e); }
        } })));
  }));
  const partner = h('select', {}, partners.map((p) => h('option', { value: p.id }, p.name)));
  const email = input('email', '');
  const invite = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    try { const r = await api('POST', '/api/v1/admin/invitations', { partner_id: partner.value, email: email.value || null }); out.replaceChildren(secretBox(r)); } catch (e) { showError(err, e); }
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
          await api('DELETE', `/api/v1/admin/invitations/${i.id}`);
          announce('acct.revoked');
        }, err));
    })) : tEl('p', 'acct.none'),
    tEl('h3', 'acct.admin.people'), peopleList(users, partners, err),
    tEl('h3', 'acct.admin.resets'),
    resets.length ? h('ul', {}, resets.map((r) => h('li', {}, `${r.detail.email} (${datetime(r.at)}) `, h('button', { type: 'button', class: 'secondary small', i18n: 'acct.reset.make', onclick: async () => {
      try { const l = await api('POST', `/api/v1/admin/users/${r.target}/reset`, {}); out.replaceChildren(secretBox(l)); } catch (e) { showError(err, e); }
    } })))) : tEl('p', 'acct.none'));
}

// ---------------------------------------------------------------- translations

/** Each language: strings, translated, reviewed; the PO to download, and an upload for those
 * the one signed in reviews. Admins also make translator accounts here. */
async function translationsView() {
  const role = session.user?.role;
  if (role !== 'admin' && role !== 'translator') return signInView();
  const { languages } = await api('GET', '/api/v1/translations');
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
          const res = await fetch(`/api/v1/translations/${l.code}.po`, {
            method: 'PUT', body: await file.files[0].text(), credentials: 'same-origin',
            headers: { 'content-type': 'text/x-gettext-translation', 'x-csrf-token': session.csrf || '', accept: 'application/json' },
          });
          const body = await res.json().catch(() => null);
          if (!res.ok) {
            const list = (body?.errors || []).map((e) => h('li', {}, h('code', {}, e.field), `: ${e.message}`));
            err.hidden = false;
            err.replaceChildren(t('review.refused'), h('ul', {}, list));
            err.focus();
            return;
          }
          await translationsView();
          document.getElementById('announce').textContent = plural('review.uploaded', body.newly_reviewed, { language: l.name }).text;
        } catch (e) { showError(err, e); }
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
        const r = await api('POST', '/api/v1/admin/translators', { email: email.value, languages: langs.value.split(',').map((s) => s.trim()).filter(Boolean) });
        out.replaceChildren(secretBox(r));
      } catch (e) { showError(err, e); }
    } }, field('acct.email', email), field('review.languages', langs), h('button', { type: 'submit', class: 'primary', i18n: 'review.make' }));
  }
  show(heading('review.heading'), tEl('p', 'review.intro'), err, out, table,
    make ? tEl('h3', 'review.make_heading') : null, make);
}

async function staleView() {
  if (session.user?.role !== 'admin') return signInView();
  const r = await api('GET', '/api/v1/admin/stale');
  show(heading('acct.stale.heading'),
    tEl('p', r.hide_after_days ? 'acct.stale.rule' : 'acct.stale.rule_never', { stale: r.stale_after_days, hide: r.hide_after_days }),
    h('table', {}, h('thead', {}, h('tr', {}, ['acct.col.site', 'acct.col.organization', 'acct.col.verified', 'acct.col.contacts', 'acct.col.public'].map((k) => h('th', { scope: 'col', i18n: k })))),
      h('tbody', {}, r.sites.map((s) => h('tr', {},
        h('td', {}, h('a', { href: `#edit=${s.site_id}` }, s.site_name)), h('td', {}, s.partner_name || ''),
        h('td', {}, date(s.last_verified_at)),
        h('td', {}, [s.partner_email, s.partner_website, ...s.phones, ...s.editors].filter(Boolean).join(' · ')),
        h('td', {}, t(s.hidden ? 'acct.hidden' : 'acct.shown')))))));
}

// ---------------------------------------------------------------- public: sign-up, invitation

function signupView() {
  const c = { name: input('text', '', { required: true }), website: input('url', ''), email: input('email', ''), description: h('textarea', {}),
    contact_name: input('text', '', { autocomplete: 'name' }), contact_email: input('email', '', { autocomplete: 'email', required: true }), message: h('textarea', {}) };
  const err = errorBox();
  const form = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', '/api/v1/signup', {
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

async function inviteView(token) {
  let info;
  try {
    info = await api('GET', `/api/v1/invitations/${encodeURIComponent(token)}`);
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
      const me = await api('POST', `/api/v1/invitations/${encodeURIComponent(token)}/accept`, info.kind === 'editor' ? { email: email.value, password: pw.value } : { password: pw.value });
      session.csrf = me.csrf_token;
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
  config = await api('GET', '/api/v1/config');
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
  categories = (await api('GET', '/api/v1/categories')).categories;
  document.getElementById('sign-out').addEventListener('click', async () => {
    await api('POST', '/api/v1/auth/logout').catch(() => {});
    await refreshSession();
    location.hash = '#signin';
  });
  await refreshSession();
  window.addEventListener('hashchange', route);
  await route();
  document.body.dataset.ready = 'true';
}

start();
