// The basemaps. The deployment's own (`--basemap FILE`): a style and vector tiles from this
// server's origin, streets and place names in the page's language, text drawn from the Noto
// Sans files shipped beside the page (the style's `font-faces`; no glyph server). Otherwise the
// offline outline: land, state and county lines from the npm package `us-atlas` (US Census
// Bureau cartographic boundaries, 1:10,000,000), converted from TopoJSON to GeoJSON in the
// browser, needing no network, no tiles and no glyphs.

import { feature, mesh } from 'topojson-client';

const ATLAS_URL = 'node_modules/us-atlas/counties-10m.json';

export const BASEMAP_ATTRIBUTION = 'Boundaries: US Census Bureau, via us-atlas';

/** A MapLibre style (v8) drawing the US from the shipped atlas. */
export async function offlineStyle() {
  const res = await fetch(ATLAS_URL);
  if (!res.ok) throw new Error(`basemap ${ATLAS_URL}: HTTP ${res.status} (run npm ci --prefix web)`);
  const us = await res.json();
  const land = feature(us, us.objects.nation);
  const states = mesh(us, us.objects.states, (a, b) => a !== b);
  const counties = mesh(us, us.objects.counties, (a, b) => a !== b);
  const coast = mesh(us, us.objects.nation);
  return {
    version: 8,
    name: 'assetmap offline',
    sources: {
      land: { type: 'geojson', data: land, attribution: BASEMAP_ATTRIBUTION },
      states: { type: 'geojson', data: states },
      counties: { type: 'geojson', data: counties },
      coast: { type: 'geojson', data: coast },
    },
    layers: [
      { id: 'water', type: 'background', paint: { 'background-color': '#d4e4f1' } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#f6f4ee' } },
      {
        id: 'county-lines',
        type: 'line',
        source: 'counties',
        minzoom: 5,
        paint: { 'line-color': '#a9a49a', 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.4, 10, 1.2] },
      },
      {
        id: 'state-lines',
        type: 'line',
        source: 'states',
        paint: { 'line-color': '#6f6a60', 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.8, 10, 2] },
      },
      { id: 'coast', type: 'line', source: 'coast', paint: { 'line-color': '#7d98b3', 'line-width': 1 } },
    ],
  };
}

/** Resolves a root-relative URL of the server (`/basemap/...`) against the page's own base. */
function onOrigin(url) {
  // Joined as text: URL parsing would escape the template's braces ({z}/{x}/{y}).
  return typeof url === 'string' && url.startsWith('/') ? new URL('.', document.baseURI).href + url.slice(1) : url;
}

/**
 * The deployment's own basemap style (`config.map.style_url` when `config.map.basemap`), its
 * URLs made absolute on this origin, labels in `lang`.
 */
export async function ownStyle(url, lang) {
  const res = await fetch(onOrigin(`${url}?lang=${encodeURIComponent(lang)}`));
  if (!res.ok) throw new Error(`basemap style ${url}: HTTP ${res.status}`);
  const style = await res.json();
  for (const source of Object.values(style.sources || {})) {
    if (Array.isArray(source.tiles)) source.tiles = source.tiles.map(onOrigin);
    if (source.url) source.url = onOrigin(source.url);
  }
  for (const faces of Object.values(style['font-faces'] || {})) {
    for (const face of Array.isArray(faces) ? faces : []) face.url = onOrigin(face.url);
  }
  return style;
}

/** The expression a label reads: the name in `lang` where the tiles carry it, else the local one. */
export function nameField(lang) {
  return ['coalesce', ['get', `name:${lang}`], ['get', 'name']];
}

/** Relabels the basemap's names in `lang` (after a language change). */
export function setLabelLanguage(map, lang) {
  for (const layer of map.getStyle()?.layers || []) {
    if (layer.id.startsWith('basemap-') && layer.type === 'symbol' && layer.layout?.['text-field']) {
      map.setLayoutProperty(layer.id, 'text-field', nameField(lang));
    }
  }
}
