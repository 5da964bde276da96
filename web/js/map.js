// The map: basemap, partner sites (clustered, by category), ranked results, the family's pin
// and the gap layers. Our own layers draw only icon symbols and circles; numbers (cluster
// counts, ranks) are drawn into images on demand. Text appears only in the deployment's own
// basemap, drawn from the shipped Noto Sans files: no glyph server either way.

import { Map as MapLibre, Marker, NavigationControl, ScaleControl, AttributionControl } from 'maplibre-gl';
import { offlineStyle, ownStyle, setLabelLanguage, BASEMAP_ATTRIBUTION } from './basemap.js';
import { categoryImage, numberImage, suggestionImage, CATEGORY_STYLE } from './symbols.js';
import { t, language } from './i18n.js';

const EMPTY = { type: 'FeatureCollection', features: [] };

/** Builds the map in `container`; resolves once the style and our layers are ready. */
export async function createMap(container, config) {
  const styleUrl = config.map && config.map.style_url;
  const own = Boolean(config.map && config.map.basemap && styleUrl);
  const style = own ? await ownStyle(styleUrl, language()) : styleUrl || (await offlineStyle());
  const bbox = (config.map && config.map.bbox) || [-125, 24, -66, 50];
  const map = new MapLibre({
    container,
    style,
    bounds: [
      [bbox[0], bbox[1]],
      [bbox[2], bbox[3]],
    ],
    fitBoundsOptions: { padding: 30 },
    attributionControl: false,
    locale: mapLocale(),
    maxZoom: 18,
  });
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  scale = new ScaleControl({ unit: 'metric' });
  map.addControl(scale, 'bottom-left');
  map.addControl(
    new AttributionControl({ compact: true, customAttribution: styleUrl ? undefined : BASEMAP_ATTRIBUTION }),
    'bottom-right',
  );
  map.setMissingStyleImageResolver((id) => {
    const ratio = 2;
    let m;
    if ((m = /^cat-(.+)$/.exec(id))) map.addImage(id, categoryImage(m[1], ratio), { pixelRatio: ratio });
    else if ((m = /^cluster-(\d+)$/.exec(id))) map.addImage(id, numberImage(m[1], { dark: true, ratio }), { pixelRatio: ratio });
    else if ((m = /^rank-(\d+)$/.exec(id))) map.addImage(id, numberImage(m[1], { dark: false, ratio }), { pixelRatio: ratio });
    else if ((m = /^suggest-(\d+)$/.exec(id))) map.addImage(id, suggestionImage(m[1], ratio), { pixelRatio: ratio });
  });
  await new Promise((resolve, reject) => {
    map.once('load', resolve);
    map.once('error', (e) => reject(e.error || e));
  });
  addLayers(map);
  return map;
}

let scale = null;

/** The scale bar in the units the page shows distances in. */
export function setUnits(units) {
  scale?.setUnit(units === 'mi' ? 'imperial' : 'metric');
}

/** MapLibre's own control labels in the UI language. */
export function mapLocale() {
  return {
    'NavigationControl.ZoomIn': t('ui.map.zoom_in'),
    'NavigationControl.ZoomOut': t('ui.map.zoom_out'),
    'Map.Title': t('ui.map.label'),
  };
}

/** Relabels the controls after a language change (MapLibre reads `locale` only at start). */
export function relabel(map) {
  const set = (selector, text) => {
    for (const el of map.getContainer().querySelectorAll(selector)) {
      el.setAttribute('aria-label', text);
      el.title = text;
    }
  };
  set('.maplibregl-ctrl-zoom-in', t('ui.map.zoom_in'));
  set('.maplibregl-ctrl-zoom-out', t('ui.map.zoom_out'));
  map.getCanvas().setAttribute('aria-label', t('ui.map.label'));
  setLabelLanguage(map, language());
}

function addLayers(map) {
  map.addSource('gaps', { type: 'geojson', data: EMPTY });
  map.addLayer({
    id: 'gap-cells',
    type: 'fill',
    source: 'gaps',
    layout: { visibility: 'none' },
    filter: ['!=', ['get', 'suppressed'], true],
    paint: { 'fill-color': ['get', 'fill'], 'fill-opacity': 0.72, 'fill-outline-color': 'rgba(40,40,40,0.35)' },
  });
  // Cells with a suppressed figure (fewer than 10 families): hatched, never shaded by a number.
  map.addImage('hatch', hatchPattern());
  map.addLayer({
    id: 'gap-cells-hidden',
    type: 'fill',
    source: 'gaps',
    layout: { visibility: 'none' },
    filter: ['==', ['get', 'suppressed'], true],
    paint: { 'fill-pattern': 'hatch', 'fill-opacity': 0.8, 'fill-outline-color': 'rgba(40,40,40,0.5)' },
  });
  map.addSource('sites', {
    type: 'geojson',
    data: EMPTY,
    cluster: true,
    clusterRadius: 40,
    clusterMaxZoom: 13,
  });
  map.addLayer({
    id: 'clusters',
    type: 'symbol',
    source: 'sites',
    filter: ['has', 'point_count'],
    layout: {
      'icon-image': ['concat', 'cluster-', ['to-string', ['get', 'point_count']]],
      'icon-allow-overlap': true,
    },
  });
  map.addLayer({
    id: 'site-points',
    type: 'symbol',
    source: 'sites',
    filter: ['!', ['has', 'point_count']],
    layout: {
      'icon-image': ['concat', 'cat-', ['get', 'cat']],
      'icon-allow-overlap': true,
      'icon-size': ['interpolate', ['linear'], ['zoom'], 9, 0.75, 14, 1],
    },
  });
  map.addSource('results', { type: 'geojson', data: EMPTY });
  map.addLayer({
    id: 'result-highlight',
    type: 'circle',
    source: 'results',
    filter: ['==', ['get', 'id'], ''],
    paint: {
      'circle-radius': 20,
      'circle-color': 'rgba(255, 200, 0, 0.35)',
      'circle-stroke-color': '#1a1a1a',
      'circle-stroke-width': 3,
    },
  });
  map.addLayer({
    id: 'result-ranks',
    type: 'symbol',
    source: 'results',
    layout: {
      'icon-image': ['concat', 'rank-', ['to-string', ['get', 'rank']]],
      'icon-allow-overlap': true,
      'icon-anchor': 'bottom',
      'icon-offset': [0, -7],
      'symbol-sort-key': ['-', 0, ['get', 'rank']],
    },
  });
  map.addSource('suggestions', { type: 'geojson', data: EMPTY });
  map.addLayer({
    id: 'gap-suggestions',
    type: 'symbol',
    source: 'suggestions',
    layout: {
      visibility: 'none',
      'icon-image': ['concat', 'suggest-', ['to-string', ['get', 'rank']]],
      'icon-allow-overlap': true,
    },
  });
}

/** The category a site is drawn as: the one searched for, else its first. */
function shownCategory(categories, selected) {
  if (selected && categories.includes(selected)) return selected;
  return categories.find((c) => c in CATEGORY_STYLE) || categories[0] || 'other';
}

/** Shows `features` (public, mapped sites) on the map, drawn as `selected` when they have it. */
export function setSites(map, features, selected) {
  const data = {
    type: 'FeatureCollection',
    features: features.map((f) => ({
      type: 'Feature',
      geometry: f.geometry,
      properties: { id: f.id, cat: shownCategory(f.properties.categories || [], selected) },
    })),
  };
  map.getSource('sites').setData(data);
}

/** Numbers the ranked results on the map (sites whose location is withheld are not drawn). */
export function setResults(map, results) {
  const features = results
    .filter((r) => typeof r.lon === 'number' && typeof r.lat === 'number')
    .map((r, i) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [r.lon, r.lat] },
      properties: { id: r.id, rank: results.indexOf(r) + 1 },
    }));
  map.getSource('results').setData({ type: 'FeatureCollection', features });
}

export function highlight(map, id) {
  map.setFilter('result-highlight', ['==', ['get', 'id'], id || '']);
}

let pin = null;

/** Puts the family's pin at `lonlat` (kept in this page only), or removes it. */
export function setPin(map, lonlat) {
  if (!lonlat) {
    pin?.remove();
    pin = null;
    return;
  }
  if (!pin) {
    // MapLibre positions the marker element with a transform, so the drawn pin is a child.
    const el = document.createElement('div');
    el.className = 'family-pin-marker';
    el.setAttribute('role', 'img');
    const shape = document.createElement('div');
    shape.className = 'family-pin';
    el.append(shape);
    pin = new Marker({ element: el, anchor: 'bottom' });
  }
  pin.getElement().setAttribute('aria-label', t('ui.map.family_pin'));
  pin.getElement().title = t('ui.map.family_pin');
  pin.setLngLat(lonlat).addTo(map);
}

/** Fits the view to the pin and the results. */
export function frame(map, origin, results) {
  const pts = [[origin.lon, origin.lat]];
  for (const r of results) if (typeof r.lon === 'number') pts.push([r.lon, r.lat]);
  const lons = pts.map((p) => p[0]);
  const lats = pts.map((p) => p[1]);
  const bounds = [
    [Math.min(...lons), Math.min(...lats)],
    [Math.max(...lons), Math.max(...lats)],
  ];
  const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  map.fitBounds(bounds, { padding: padding(map), maxZoom: 14, duration: reduce ? 0 : 600 });
}

/** Room around a framed area, leaving the open legend (on the inline-start side) uncovered. */
export function padding(map) {
  const pad = { top: 50, bottom: 50, left: 50, right: 50 };
  const legend = document.getElementById('legend');
  const width = map.getContainer().clientWidth;
  if (legend && legend.open && legend.offsetParent && width > 2 * legend.offsetWidth + 120) {
    pad[document.documentElement.dir === 'rtl' ? 'right' : 'left'] += legend.offsetWidth;
  }
  return pad;
}

/** 8×8 diagonal hatching (dark grey on transparent), as raw RGBA for addImage. */
function hatchPattern() {
  const size = 8;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if ((x + y) % size < 2) data.set([60, 60, 60, 255], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

export function showGaps(map, cells, suggestions) {
  map.getSource('gaps').setData(cells || EMPTY);
  map.getSource('suggestions').setData(suggestions || EMPTY);
  const v = cells ? 'visible' : 'none';
  map.setLayoutProperty('gap-cells', 'visibility', v);
  map.setLayoutProperty('gap-cells-hidden', 'visibility', v);
  map.setLayoutProperty('gap-suggestions', 'visibility', v);
}

export function setSitesVisible(map, visible) {
  const v = visible ? 'visible' : 'none';
  for (const id of ['clusters', 'site-points', 'result-highlight', 'result-ranks']) {
    map.setLayoutProperty(id, 'visibility', v);
  }
}
