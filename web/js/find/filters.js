// The search filters (category, language, cost, open now, walk-in, no ID) and the sites the map
// shows for them.

import { $ } from '../dom.js';
import { state } from '../state.js';
import { siteMatches } from '../site-view.js';

/** The filters as chosen in the form. */
export function filters() {
  return {
    category: $('category').value,
    lang: $('language-filter').value,
    free: $('filter-free').checked,
    openNow: $('filter-open').checked,
    walkIn: $('filter-walk-in').checked,
    noId: $('filter-no-id').checked,
  };
}

/** Shows on the map the public sites that match the filters (not while the gaps view is open). */
export function refreshMapSites() {
  if (!state.map || document.body.dataset.view === 'gaps') return;
  const f = filters();
  const now = new Date();
  state.mapView.setSites(
    state.map,
    state.sites.filter((s) => siteMatches(s.properties, f, now)),
    f.category,
  );
}
