// The map page: a counselor finds help near a family; a leader sees the gaps.
//
// Plain ES modules, no bundler. The family's location is held in memory only (state.origin):
// it is sent as the query of one API request and never put in the address bar or in storage.

import { getJson, nearestParams, ApiError } from './api.js';
import { setLanguage, translatePage, t, tEl, setText, languageName, reviewStats, language } from './i18n.js';
import { defaultUnits, formatDistance } from './format.js';
import { parsePlace, coarse } from './place.js';
import { state, loadPrefs, savePrefs } from './state.js';
import { renderDetails } from './details.js';
import {
  addressEl,
  categoryChip,
  costText,
  isolate,
  languageList,
  openBadge,
  siteLanguages,
  siteMatches,
  staleBadge,
} from './site-view.js';
import { categorySvg } from './symbols.js';
import * as gaps from './gaps.js';

const $ = (id) => document.getElementById(id);
/** The map module, loaded on its own so the page still works (as a list) if MapLibre cannot. */
let mapView = null;
const K_STEP = 10;
const K_MAX = 50;

// ---------------------------------------------------------------- start

async function main() {
  const prefs = loadPrefs();
  state.config = await getJson('api/v1/config');
  await setLanguage(pickLanguage(prefs.lang, state.config.languages));
  state.units = prefs.units === 'km' || prefs.units === 'mi' ? prefs.units : defaultUnits();
  const [cats, sites] = await Promise.all([
    getJson('api/v1/categories'),
    getJson('api/v1/sites', { f: 'geojson', limit: '10000' }),
  ]);
  state.categories = cats.categories.map((c) => c.slug);
  // Confidential sites come with a null geometry: they are never placed on the map.
  state.sites = sites.features.filter((f) => f.geometry && f.geometry.type === 'Point');
  state.siteLanguages = countLanguages(sites.features.map((f) => f.properties));

  // The legend starts folded where it would cover much of a small map.
  if (window.innerWidth < 900) $('legend').open = false;
  wireControls();
  renderAll();
  const gapsContext = { state, mapView: null };
  gaps.init(gapsContext);

  try {
    mapView = await import('./map.js');
    gapsContext.mapView = mapView;
    state.map = await mapView.createMap($('map'), state.config);
    // A handle on the map for the browser tests (they query what it actually drew).
    window.assetmap = { map: state.map };
    wireMap(state.map);
    mapView.setUnits(state.units);
    refreshMapSites();
    mapView.relabel(state.map);
    document.body.dataset.map = 'ready';
  } catch (e) {
    const box = $('map-error');
    setText(box, 'ui.map.failed');
    box.hidden = false;
    document.body.dataset.map = 'failed';
    console.error('the map could not start:', e);
  }
  document.body.dataset.ready = 'true';
}

function pickLanguage(saved, available) {
  const codes = available.map((l) => l.code);
  if (saved && codes.includes(saved)) return saved;
  for (const tag of navigator.languages || []) {
    const base = tag.split('-')[0].toLowerCase();
    if (codes.includes(base)) return base;
  }
  return 'en';
}

/** Language code → number of sites that speak it, over every site (public or not). */
function countLanguages(sites) {
  const counts = new Map();
  for (const s of sites) for (const l of siteLanguages(s)) counts.set(l, (counts.get(l) || 0) + 1);
  return counts;
}

// ---------------------------------------------------------------- controls

function option(value, text, lang) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  if (lang) o.lang = lang;
  return o;
}

function fillSelect(select, options) {
  const keep = select.value;
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

/** "Haitian Creole — Kreyòl ayisyen": the name in the UI language and the language's own. */
function languageLabel(code) {
  const here = languageName(code);
  let own = here;
  try {
    own = new Intl.DisplayNames([code], { type: 'language', fallback: 'code' }).of(code) || here;
  } catch {
    /* unknown to the browser */
  }
  return own && own.toLowerCase() !== here.toLowerCase() ? `${here} — ${own}` : here;
}

function categoryOptions(allKey) {
  const cats = state.categories.map((c) => option(c, t(`category.${c}`)));
  return allKey ? [option('', t(allKey)), ...cats] : cats;
}

function languageFilterOptions() {
  const codes = new Set([...state.siteLanguages.keys(), ...state.config.languages.map((l) => l.code)]);
  const sorted = [...codes].sort((a, b) => languageName(a).localeCompare(languageName(b), language()));
  return [option('', t('ui.filter.any_language')), ...sorted.map((c) => option(c, languageLabel(c)))];
}

function renderControls() {
  fillSelect(
    $('ui-language'),
    state.config.languages.map((l) => option(l.code, l.name || l.code, l.code)),
  );
  $('ui-language').value = language();
  $('units').value = state.units;
  fillSelect($('category'), categoryOptions('ui.filter.any_category'));
  fillSelect($('language-filter'), languageFilterOptions());
  fillSelect(
    $('sheet-language'),
    state.config.languages.map((l) => option(l.code, l.name || l.code, l.code)),
  );
  renderLegend();
  renderTranslationNote();
}

function renderLegend() {
  const list = $('legend-list');
  list.replaceChildren();
  for (const c of state.categories) {
    const li = document.createElement('li');
    li.append(categoryChip(c));
    list.append(li);
  }
  const li = document.createElement('li');
  const dot = document.createElement('span');
  dot.className = 'legend-cluster';
  dot.setAttribute('aria-hidden', 'true');
  dot.textContent = '12';
  li.append(dot, ' ', tEl('span', 'ui.legend.cluster'));
  const pin = document.createElement('li');
  const p = document.createElement('span');
  p.className = 'family-pin legend-pin';
  p.setAttribute('aria-hidden', 'true');
  pin.append(p, ' ', tEl('span', 'ui.map.family_pin'));
  list.append(li, pin);
}

function renderTranslationNote() {
  const note = $('translation-note');
  if (language() === 'en') {
    note.hidden = true;
    return;
  }
  const s = reviewStats();
  setText(note, 'ui.footer.translation_status', { reviewed: s.reviewed, total: s.total });
  note.hidden = false;
}

function wireControls() {
  $('ui-language').addEventListener('change', async (e) => {
    await setLanguage(e.target.value);
    savePrefs({ lang: e.target.value });
    renderAll();
    if (state.map) mapView.relabel(state.map);
    gaps.rerender();
  });
  $('units').addEventListener('change', (e) => {
    state.units = e.target.value;
    savePrefs({ units: state.units });
    if (state.map) mapView.setUnits(state.units);
    renderResults();
    rerenderDetails();
    gaps.rerender();
  });
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const place = parsePlace($('place').value);
    if (place.error) {
      showPlaceError(place.error, place.vars);
      return;
    }
    setOrigin(place);
  });
  $('place').addEventListener('input', () => showPlaceError(null));
  for (const id of ['category', 'language-filter', 'filter-free', 'filter-open', 'filter-walk-in', 'filter-no-id']) {
    $(id).addEventListener('change', () => {
      state.k = K_STEP;
      refreshMapSites();
      if (state.origin) search();
    });
  }
  $('more-results').addEventListener('click', async () => {
    const shown = state.results.length;
    state.k = Math.min(K_MAX, state.k + K_STEP);
    await search();
    // Keyboard users continue at the first new place.
    $('results-list').children[shown]?.querySelector('button.name')?.focus();
  });
  $('clear-basket').addEventListener('click', () => {
    state.basket.clear();
    renderBasket();
    renderResults();
    $('basket-heading').focus?.();
  });
  $('print-sheet').addEventListener('click', printSheet);
  $('sheet-language').addEventListener('change', (e) => (e.target.dataset.touched = 'true'));
  wireTabs();
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('details').hidden) closeDetails();
  });
}

function wireTabs() {
  const tabs = [$('tab-find'), $('tab-gaps')];
  const select = (tab) => {
    for (const t2 of tabs) {
      const on = t2 === tab;
      t2.setAttribute('aria-selected', String(on));
      t2.tabIndex = on ? 0 : -1;
      $(t2.getAttribute('aria-controls')).hidden = !on;
    }
    const view = tab.id === 'tab-gaps' ? 'gaps' : 'find';
    document.body.dataset.view = view;
    gaps.setActive(view === 'gaps');
    if (view === 'find') refreshMapSites();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1, Home: -99, End: 99 }[e.key];
      if (step === undefined) return;
      e.preventDefault();
      const rtl = document.documentElement.dir === 'rtl' && Math.abs(step) === 1 ? -1 : 1;
      const next = tabs[Math.max(0, Math.min(tabs.length - 1, i + step * rtl))];
      next.focus();
      select(next);
    });
  });
  document.body.dataset.view = 'find';
}

function renderAll() {
  document.title = t('app.title');
  translatePage();
  renderControls();
  renderResults();
  rerenderDetails();
  renderBasket();
}

// ---------------------------------------------------------------- the family's place

function showPlaceError(key, vars) {
  const box = $('place-error');
  const input = $('place');
  if (!key) {
    box.hidden = true;
    box.textContent = '';
    input.removeAttribute('aria-invalid');
    return;
  }
  setText(box, key, vars);
  box.hidden = false;
  input.setAttribute('aria-invalid', 'true');
  input.focus();
}

function setOrigin(place) {
  state.origin = place;
  state.k = K_STEP;
  showPlaceError(null);
  closeDetails({ focus: false });
  search({ frame: true });
}

// ---------------------------------------------------------------- search

function filters() {
  return {
    category: $('category').value,
    lang: $('language-filter').value,
    free: $('filter-free').checked,
    openNow: $('filter-open').checked,
    walkIn: $('filter-walk-in').checked,
    noId: $('filter-no-id').checked,
  };
}

let searchSeq = 0;

/**
 * Asks the API for the nearest places and shows them. Focus stays where it is (the search box,
 * the map, a filter): the count is announced by the live status line, and the list is one Tab
 * or the "skip to results" link away.
 */
async function search({ frame = false } = {}) {
  const seq = ++searchSeq;
  const list = $('results-list');
  $('results').setAttribute('aria-busy', 'true');
  setText($('results-status'), 'ui.results.searching');
  let body;
  try {
    body = await getJson('api/v1/nearest', nearestParams({ origin: state.origin, ...filters(), k: state.k }));
  } catch (e) {
    if (seq !== searchSeq) return;
    $('results').removeAttribute('aria-busy');
    state.results = [];
    list.replaceChildren();
    if (e instanceof ApiError && e.field === 'zip') {
      showPlaceError('ui.search.error_zip_unknown', { zip: state.origin.zip });
      setText($('results-status'), 'ui.search.error_zip_unknown', { zip: state.origin.zip });
    } else {
      setText($('results-status'), 'ui.search.error_failed');
    }
    if (state.map) mapView.setResults(state.map, []);
    return;
  }
  if (seq !== searchSeq) return;
  $('results').removeAttribute('aria-busy');
  state.results = body.results;
  // The ZIP's point, for the pin; kept in memory with the rest of the origin.
  state.origin = { ...state.origin, lon: body.origin.lon, lat: body.origin.lat };
  renderResults();
  if (state.map) {
    mapView.setPin(state.map, [state.origin.lon, state.origin.lat]);
    mapView.setResults(state.map, state.results);
    if (frame || state.results.length) mapView.frame(state.map, state.origin, state.results.slice(0, 10));
  }
}

function statusText() {
  const n = state.results.length;
  if (n === 0) return ['ui.results.none', {}];
  const where = state.origin.zip ? t('ui.results.from_zip', { zip: state.origin.zip }) : t('ui.results.from_point');
  return ['ui.results.count', { count: n, where, nearest: formatDistance(state.results[0].distance_m, state.units) }];
}

function renderResults() {
  const list = $('results-list');
  list.replaceChildren();
  const more = $('more-results');
  if (!state.origin) {
    setText($('results-status'), 'ui.results.prompt');
    more.hidden = true;
    return;
  }
  const [key, vars] = statusText();
  setText($('results-status'), key, vars);
  state.results.forEach((site, i) => list.append(resultItem(site, i + 1)));
  more.hidden = state.results.length < state.k || state.k >= K_MAX;
}

function resultItem(site, rank) {
  const li = document.createElement('li');
  li.className = 'result';
  li.dataset.id = site.id;
  li.id = `result-${site.id}`;
  const rankEl = document.createElement('span');
  rankEl.className = 'rank';
  rankEl.setAttribute('aria-hidden', 'true');
  rankEl.textContent = String(rank);
  const body = document.createElement('div');
  body.className = 'result-body';
  const h = document.createElement('h3');
  const name = document.createElement('button');
  name.type = 'button';
  name.className = 'link name';
  isolate(name, site.name);
  name.addEventListener('click', () => openDetails(site.id, name));
  h.append(name);

  const meta = document.createElement('p');
  meta.className = 'meta';
  const dist = document.createElement('strong');
  dist.className = 'distance';
  const d = formatDistance(site.distance_m, state.units);
  dist.textContent = site.location_withheld ? t('ui.results.distance_about', { distance: d }) : d;
  meta.append(dist);
  const shown = $('category').value ? [$('category').value] : site.categories.slice(0, 3);
  for (const c of shown) meta.append(' ', categoryChip(c));

  const badges = document.createElement('p');
  badges.className = 'badges';
  const cost = site.cost ? tEl('span', 'ui.results.cost', { cost: costText(site) }) : tEl('span', 'cost.unknown');
  cost.className = 'badge neutral';
  badges.append(openBadge(site), ' ', cost);
  if (site.walk_in) badges.append(' ', tEl('span', 'field.walk_in', null, 'badge neutral'));
  if (site.no_id_required) badges.append(' ', tEl('span', 'field.no_id_required', null, 'badge neutral'));
  const stale = staleBadge(site);
  if (stale) badges.append(' ', stale);

  const addr = document.createElement('p');
  addr.className = 'address';
  addr.append(addressEl(site));

  const langs = siteLanguages(site);
  const speaks = document.createElement('p');
  speaks.className = 'speaks';
  speaks.textContent = langs.length
    ? t('ui.results.speaks', { languages: languageList(langs) })
    : t('ui.results.speaks_unknown');

  const add = document.createElement('button');
  add.type = 'button';
  add.className = 'secondary basket-toggle';
  const inBasket = state.basket.has(site.id);
  add.setAttribute('aria-pressed', String(inBasket));
  setText(add, inBasket ? 'ui.basket.remove' : 'ui.basket.add');
  add.setAttribute('aria-describedby', `result-${site.id}-name`);
  name.id = `result-${site.id}-name`;
  add.addEventListener('click', () => {
    const now = toggleBasket(site);
    add.setAttribute('aria-pressed', String(now));
    setText(add, now ? 'ui.basket.remove' : 'ui.basket.add');
  });

  body.append(h, meta, addr, badges, speaks, add);
  li.append(rankEl, body);
  // The pointer wins while it is over a result; when it leaves, the keyboard's result shows again.
  li.addEventListener('mouseenter', () => showHighlight(site.id));
  li.addEventListener('mouseleave', () => showHighlight(focusedResult));
  li.addEventListener('focusin', () => {
    focusedResult = site.id;
    showHighlight(site.id);
  });
  li.addEventListener('focusout', (e) => {
    if (li.contains(e.relatedTarget)) return;
    focusedResult = null;
    showHighlight(null);
  });
  return li;
}

/** The result the keyboard is on, if any. */
let focusedResult = null;

/** Marks one result in the list and on the map (or none). */
function showHighlight(id) {
  for (const li of $('results-list').children) li.classList.toggle('hover', li.dataset.id === id);
  if (state.map) mapView.highlight(state.map, id);
}

// ---------------------------------------------------------------- the map

function wireMap(map) {
  const interactive = ['result-ranks', 'site-points', 'clusters'];
  map.on('click', async (e) => {
    if (document.body.dataset.view === 'gaps') return gaps.onMapClick(e);
    const hit = map.queryRenderedFeatures(e.point, { layers: interactive })[0];
    if (!hit) {
      setOrigin({ lon: coarse(e.lngLat.lng), lat: coarse(e.lngLat.lat) });
      return;
    }
    if (hit.layer.id === 'clusters') {
      const zoom = await map.getSource('sites').getClusterExpansionZoom(hit.properties.cluster_id);
      map.easeTo({ center: hit.geometry.coordinates, zoom });
      return;
    }
    openDetails(hit.properties.id, null);
  });
  let hovered = null;
  map.on('mousemove', (e) => {
    const hit = map.queryRenderedFeatures(e.point, { layers: interactive })[0];
    map.getCanvas().style.cursor = hit ? 'pointer' : 'crosshair';
    // Only results are marked: a site that is not in the list has nothing to point at.
    const id = hit && hit.layer.id !== 'clusters' && $(`result-${hit.properties.id}`) ? hit.properties.id : null;
    if (id === hovered) return;
    hovered = id;
    showHighlight(id || focusedResult);
  });
}

function refreshMapSites() {
  if (!state.map || document.body.dataset.view === 'gaps') return;
  const f = filters();
  const now = new Date();
  mapView.setSites(
    state.map,
    state.sites.filter((s) => siteMatches(s.properties, f, now)),
    f.category,
  );
}

// ---------------------------------------------------------------- details

let detailsSite = null;
let detailsOpener = null;

async function openDetails(id, opener) {
  let site = state.results.find((r) => r.id === id);
  if (!site) {
    try {
      site = await getJson(`api/v1/sites/${encodeURIComponent(id)}`);
    } catch {
      setText($('results-status'), 'ui.search.error_failed');
      return;
    }
  }
  detailsSite = site;
  detailsOpener = opener;
  $('results').hidden = true;
  $('details').hidden = false;
  const heading = rerenderDetails();
  heading?.focus();
  if (state.map) mapView.highlight(state.map, id);
}

function rerenderDetails() {
  if (!detailsSite || $('details').hidden) return null;
  return renderDetails($('details'), detailsSite, {
    units: state.units,
    inBasket: state.basket.has(detailsSite.id),
    actions: { back: () => closeDetails(), toggleBasket },
  });
}

function closeDetails({ focus = true } = {}) {
  if ($('details').hidden) return;
  $('details').hidden = true;
  $('details').replaceChildren();
  $('results').hidden = false;
  const id = detailsSite?.id;
  detailsSite = null;
  renderResults();
  if (state.map) mapView.highlight(state.map, null);
  if (!focus) return;
  const again = id && $(`result-${id}-name`);
  (again || (detailsOpener?.isConnected ? detailsOpener : $('results'))).focus();
}

// ---------------------------------------------------------------- referral basket

/** Most places on one printed sheet (the sheet's own limit, server/src/sheets). */
const SHEET_MAX = 10;

function toggleBasket(site) {
  const status = $('basket-status');
  if (state.basket.has(site.id)) state.basket.delete(site.id);
  else if (state.basket.size >= SHEET_MAX) {
    setText(status, 'ui.basket.full', { max: SHEET_MAX });
    return false;
  } else state.basket.set(site.id, site);
  setText(status, 'ui.basket.updated', { count: state.basket.size, max: SHEET_MAX });
  renderBasket();
  return state.basket.has(site.id);
}

function renderBasket() {
  const list = $('basket-list');
  list.replaceChildren();
  const n = state.basket.size;
  $('basket-count').textContent = n ? `(${n})` : '';
  $('basket-empty').hidden = n > 0;
  $('basket-actions').hidden = n === 0;
  for (const site of state.basket.values()) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    isolate(name, site.name);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'secondary small';
    remove.textContent = t('ui.basket.remove_short');
    remove.setAttribute('aria-label', t('ui.basket.remove_named', { name: site.name }));
    remove.addEventListener('click', () => {
      state.basket.delete(site.id);
      renderBasket();
      renderResults();
      $('basket-heading').focus?.();
    });
    li.append(name, ' ', remove);
    list.append(li);
  }
  const lang = $('language-filter').value;
  if (lang && state.config.languages.some((l) => l.code === lang) && !$('sheet-language').dataset.touched) {
    $('sheet-language').value = lang;
  }
}

/**
 * Opens the printable referral sheet (GET /referral) for the list, in the family's language, in
 * a new tab. The family's place goes only into the request (for the distances on the sheet):
 * the sheet is fetched here and written into the new tab, so the place never appears in an
 * address bar, the browser's history or a printout's header.
 */
async function printSheet() {
  const params = new URLSearchParams({
    sites: [...state.basket.keys()].join(','),
    lang: $('sheet-language').value,
    units: state.units,
    paper: state.units === 'mi' ? 'letter' : 'a4',
  });
  if (state.origin) {
    params.set('from', state.origin.zip || `${coarse(state.origin.lat)},${coarse(state.origin.lon)}`);
  }
  // Opened now, within the click, so that pop-up blockers let it through; filled when it arrives.
  const tab = window.open('', '_blank');
  if (!tab) {
    setText($('basket-status'), 'ui.basket.print_failed');
    return;
  }
  tab.opener = null;
  try {
    // An error comes back as a readable page in the family's language too: show it as it is.
    const html = await (await fetch(`referral?${params}`, { headers: { accept: 'text/html' } })).text();
    tab.document.open();
    tab.document.write(html);
    tab.document.close();
  } catch {
    tab.close();
    setText($('basket-status'), 'ui.basket.print_failed');
  }
}

main().catch((e) => {
  console.error('the page could not start:', e);
  const box = $('map-error');
  box.textContent = 'The page could not start. Is the assetmap server running?';
  box.hidden = false;
});
