// Units, distances and dates for the people reading them.

import { t, numberFormat, dateFormat } from './i18n.js';

const MILE_M = 1609.344;
// Where road distances are given in miles.
const MILE_REGIONS = new Set(['US', 'GB', 'LR', 'MM', 'PR', 'VI', 'GU', 'AS', 'MP']);

/** 'mi' or 'km' from the browser's locales: miles in the US (and the few other mile countries). */
export function defaultUnits(locales = navigator.languages || [navigator.language]) {
  for (const tag of locales) {
    try {
      const region = new Intl.Locale(tag).maximize().region;
      if (region) return MILE_REGIONS.has(region) ? 'mi' : 'km';
    } catch {
      /* an odd tag: try the next one */
    }
  }
  return 'km';
}

/** A distance in metres as "1.4 mi" / "2.3 km" in the UI language (`digits`: fixed decimals). */
export function formatDistance(metres, units, digits) {
  const value = units === 'mi' ? metres / MILE_M : metres / 1000;
  if (digits === undefined) digits = value < 10 ? 1 : 0;
  const text = numberFormat({ minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  return t(units === 'mi' ? 'units.mi' : 'units.km', { value: text });
}

export function formatDate(iso) {
  return dateFormat({ dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso));
}

export function formatCount(n) {
  return numberFormat().format(n);
}

export function formatPercent(share) {
  return numberFormat({ style: 'percent', maximumFractionDigits: 1 }).format(share);
}

/** `HH:MM` (a wall-clock time at the site) in the UI language's style. */
export function formatClock(hhmm) {
  const [h, m] = hhmm.split(':').map(Number);
  if (h === 24) return formatClock('00:00');
  return dateFormat({ hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(new Date(Date.UTC(1970, 0, 1, h, m)));
}
