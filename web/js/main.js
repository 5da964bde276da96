// The map page: a counselor finds help near a family; a leader sees the gaps.
//
// Plain ES modules, no bundler. This file starts the page; the parts live in find/ (controls,
// filters, search, results and details, basket, map events) and gaps.js. The family's location
// is held in memory only (state.origin): it is sent as the query of one API request and never
// put in the address bar or in storage.

import { $ } from './dom.js';
import { getJson } from './api.js';
import { setLanguage, setText } from './i18n.js';
import { defaultUnits } from './format.js';
import { state, loadPrefs } from './state.js';
import { siteLanguages } from './site-view.js';
import * as gaps from './gaps.js';
import { wireControls, renderAll } from './find/controls.js';
import { refreshMapSites } from './find/filters.js';
import { wireMap } from './find/map-events.js';

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
    // The map module, loaded on its own so the page still works (as a list) if MapLibre cannot.
    const mapView = await import('./map.js');
    state.mapView = mapView;
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

main().catch((e) => {
  console.error('the page could not start:', e);
  const box = $('map-error');
  box.textContent = 'The page could not start. Is the assetmap server running?';
  box.hidden = false;
});
