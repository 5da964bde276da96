// The offline basemap: land, state and county lines from the npm package `us-atlas` (US Census
// Bureau cartographic boundaries, 1:10,000,000), converted from TopoJSON to GeoJSON in the
// browser. It needs no network, no tiles and no glyphs. A deployment that has a tile server
// sets `map.style_url` instead (see the README).

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
