// What a click or the pointer on the map does: a click on empty map searches from there, on a
// cluster zooms in, on a place opens its details; hovering a result marks it in the list.

import { $ } from '../dom.js';
import { coarse } from '../place.js';
import * as gaps from '../gaps.js';
import { setOrigin } from './search.js';
import { openDetails, showPointed } from './results.js';

export function wireMap(map) {
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
    showPointed(id);
  });
}
