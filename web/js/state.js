// What the page knows right now. The family's location lives here, in memory only: it is never
// written to the address bar, to storage, or to the console.

export const state = {
  config: null,
  categories: [],
  /** GeoJSON features of the public, mapped sites. */
  sites: [],
  map: null,
  /** The map module (map.js) once it loaded; the page works as a list without it. */
  mapView: null,
  /** {zip} or {lon, lat}, with a label for the screen; null before the first search. */
  origin: null,
  results: [],
  k: 10,
  units: 'km',
  /** id → site, in the order added. */
  basket: new Map(),
};

const PREFS = 'assetmap.prefs';

/** Preferences that say nothing about a family: UI language and units. */
export function loadPrefs() {
  try {
    return JSON.parse(localStorage.getItem(PREFS)) || {};
  } catch {
    return {};
  }
}

export function savePrefs(prefs) {
  try {
    localStorage.setItem(PREFS, JSON.stringify({ ...loadPrefs(), ...prefs }));
  } catch {
    /* storage disabled: preferences last for this visit */
  }
}
