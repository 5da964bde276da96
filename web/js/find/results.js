// The results column: the nearest places found, or one place's details in their stead, and the
// result marked in the list and on the map.

import { $ } from '../dom.js';
import { getJson } from '../api.js';
import { t, tEl, setText } from '../i18n.js';
import { formatDistance } from '../format.js';
import { state } from '../state.js';
import { renderDetails } from '../details.js';
import {
  addressEl,
  categoryChip,
  costText,
  isolate,
  languageList,
  openBadge,
  siteLanguages,
  staleBadge,
} from '../site-view.js';
import { toggleBasket } from './basket.js';

/** Places asked for at first, and added by each "more results". */
export const K_STEP = 10;
/** Most places one search asks for. */
export const K_MAX = 50;

function statusText() {
  const n = state.results.length;
  if (n === 0) return ['ui.results.none', {}];
  const where = state.origin.zip ? t('ui.results.from_zip', { zip: state.origin.zip }) : t('ui.results.from_point');
  return ['ui.results.count', { count: n, where, nearest: formatDistance(state.results[0].distance_m, state.units) }];
}

export function renderResults() {
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
export function showHighlight(id) {
  for (const li of $('results-list').children) li.classList.toggle('hover', li.dataset.id === id);
  if (state.map) state.mapView.highlight(state.map, id);
}

/** Marks the result under the pointer, else the one the keyboard is on. */
export function showPointed(id) {
  showHighlight(id || focusedResult);
}

// ---------------------------------------------------------------- details

let detailsSite = null;
let detailsOpener = null;

/** Shows one place's details instead of the list; `opener` gets the focus back on close. */
export async function openDetails(id, opener) {
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
  if (state.map) state.mapView.highlight(state.map, id);
}

export function rerenderDetails() {
  if (!detailsSite || $('details').hidden) return null;
  return renderDetails($('details'), detailsSite, {
    units: state.units,
    inBasket: state.basket.has(detailsSite.id),
    actions: { back: () => closeDetails(), toggleBasket },
  });
}

export function closeDetails({ focus = true } = {}) {
  if ($('details').hidden) return;
  $('details').hidden = true;
  $('details').replaceChildren();
  $('results').hidden = false;
  const id = detailsSite?.id;
  detailsSite = null;
  renderResults();
  if (state.map) state.mapView.highlight(state.map, null);
  if (!focus) return;
  const again = id && $(`result-${id}-name`);
  (again || (detailsOpener?.isConnected ? detailsOpener : $('results'))).focus();
}
