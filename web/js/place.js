// Reading the family's place from the search box: a ZIP code, or "latitude, longitude".

/** `{zip}`, `{lon, lat}` (decimal degrees), or `{error}` naming the translation key to show. */
export function parsePlace(raw) {
  const s = raw.trim();
  if (/^\d{5}$/.test(s)) return { zip: s };
  const m = /^(-?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)$/.exec(s);
  if (m) {
    const lat = Number(m[1]);
    const lon = Number(m[2]);
    if (Math.abs(lat) > 90) return { error: 'ui.search.error_latitude' };
    if (Math.abs(lon) > 180) return { error: 'ui.search.error_longitude' };
    return { lon, lat };
  }
  return { error: s ? 'ui.search.error_format' : 'ui.search.error_empty' };
}
