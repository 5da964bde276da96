// Reading the family's place from the search box: a ZIP code, or "latitude, longitude".

/**
 * A coordinate of the family's place as the page keeps and sends it: 3 decimals, about 100 m
 * (0.001° of latitude is 111 m). Enough to rank the places near a family; not a front door.
 * Every point the page takes (typed or clicked) is rounded here before it is used, so no
 * request, address bar or sheet ever carries more.
 */
export const coarse = (x) => Math.round(x * 1e3) / 1e3;

/** `{zip}`, `{lon, lat}` (decimal degrees, [coarse]), or `{error}` naming the translation key to show. */
export function parsePlace(raw) {
  const s = raw.trim();
  if (/^\d{5}$/.test(s)) return { zip: s };
  const m = /^(-?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)$/.exec(s);
  if (m) {
    const lat = Number(m[1]);
    const lon = Number(m[2]);
    if (Math.abs(lat) > 90) return { error: 'ui.search.error_latitude' };
    if (Math.abs(lon) > 180) return { error: 'ui.search.error_longitude' };
    return { lon: coarse(lon), lat: coarse(lat) };
  }
  return { error: s ? 'ui.search.error_format' : 'ui.search.error_empty' };
}
