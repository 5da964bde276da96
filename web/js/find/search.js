// The family's place and the search: the place typed or clicked, the nearest query, its answer.
// The place is held in memory only (state.origin) and sent as the query of one API request.

import { $ } from '../dom.js';
import { getJson, nearestParams, ApiError } from '../api.js';
import { setText } from '../i18n.js';
import { state } from '../state.js';
import { filters } from './filters.js';
import { K_STEP, renderResults, closeDetails } from './results.js';

export function showPlaceError(key, vars) {
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

/** Searches from a new place, framing the map on it. */
export function setOrigin(place) {
  state.origin = place;
  state.k = K_STEP;
  showPlaceError(null);
  closeDetails({ focus: false });
  search({ frame: true });
}

let searchSeq = 0;

/**
 * Asks the API for the nearest places and shows them. Focus stays where it is (the search box,
 * the map, a filter): the count is announced by the live status line, and the list is one Tab
 * or the "skip to results" link away.
 */
export async function search({ frame = false } = {}) {
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
    if (state.map) state.mapView.setResults(state.map, []);
    return;
  }
  if (seq !== searchSeq) return;
  $('results').removeAttribute('aria-busy');
  state.results = body.results;
  // The ZIP's point, for the pin; kept in memory with the rest of the origin.
  state.origin = { ...state.origin, lon: body.origin.lon, lat: body.origin.lat };
  renderResults();
  if (state.map) {
    const mapView = state.mapView;
    mapView.setPin(state.map, [state.origin.lon, state.origin.lat]);
    mapView.setResults(state.map, state.results);
    if (frame || state.results.length) mapView.frame(state.map, state.origin, state.results.slice(0, 10));
  }
}
