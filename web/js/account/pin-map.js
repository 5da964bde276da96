// The edit form's map: drag the pin or click to set a site's longitude and latitude.

import { Map as MapLibre, Marker, NavigationControl } from 'maplibre-gl';
import { offlineStyle } from '../basemap.js';
import { t } from '../i18n.js';
import { page } from './session.js';
import { announce } from './ui.js';

export async function pinMap(container, lonInput, latInput) {
  const style = page.config.map?.style_url || (await offlineStyle());
  const lon = Number(lonInput.value) || -80.2;
  const lat = Number(latInput.value) || 25.8;
  const map = new MapLibre({ container, style, center: [lon, lat], zoom: lonInput.value ? 13 : 9, attributionControl: false });
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.getCanvas().setAttribute('aria-label', t('acct.pin.map_label'));
  const marker = new Marker({ draggable: true }).setLngLat([lon, lat]);
  if (lonInput.value) marker.addTo(map);
  const put = (ll) => {
    lonInput.value = ll.lng.toFixed(6);
    latInput.value = ll.lat.toFixed(6);
    marker.setLngLat(ll).addTo(map);
    announce('acct.pin.moved', { lon: lonInput.value, lat: latInput.value });
  };
  marker.on('dragend', () => put(marker.getLngLat()));
  map.on('click', (e) => put(e.lngLat));
  const sync = () => {
    const [x, y] = [Number(lonInput.value), Number(latInput.value)];
    if (Number.isFinite(x) && Number.isFinite(y) && lonInput.value && latInput.value) {
      marker.setLngLat([x, y]).addTo(map);
      map.easeTo({ center: [x, y] });
    }
  };
  lonInput.addEventListener('change', sync);
  latInput.addEventListener('change', sync);
  return map;
}

