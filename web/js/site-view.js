// Pieces of a listing shared by the results list and the details panel.

import { t, tEl, setText, languageName, language } from './i18n.js';
import { categorySvg } from './symbols.js';
import { isOpen } from './hours.js';

/** All languages a site speaks: its own and those of its phone lines. */
export function siteLanguages(site) {
  const all = new Set(site.languages || []);
  for (const p of site.phones || []) for (const l of p.languages || []) all.add(l);
  return [...all];
}

export function categoryChip(slug) {
  const span = document.createElement('span');
  span.className = 'cat-chip';
  span.append(categorySvg(slug), tEl('span', `category.${slug}`));
  return span;
}

/** "Open now" / "Closed now" / "Call for hours", read in the site's time zone. */
export function openBadge(site, now = new Date()) {
  const open = isOpen(site.hours, now);
  const key = open === null ? 'status.hours_unknown' : open ? 'status.open_now' : 'status.closed_now';
  const cls = open === null ? 'badge neutral' : open ? 'badge open' : 'badge closed';
  return tEl('span', key, null, cls);
}

export function staleBadge(site) {
  if (!site.stale) return null;
  const b = tEl('span', 'status.stale', null, 'badge stale');
  return b;
}

export function costText(site) {
  const key = site.cost ? `cost.${site.cost}` : 'cost.unknown';
  return t(key);
}

export function languageList(codes) {
  const names = codes.map((c) => languageName(c));
  try {
    return new Intl.ListFormat(language(), { style: 'short', type: 'unit' }).format(names);
  } catch {
    return names.join(', ');
  }
}

/** The street address, or "Call for the location" for a confidential site. */
export function addressEl(site) {
  const p = document.createElement('span');
  if (site.location_withheld) return setText(p, 'status.call_for_location');
  const line = [site.street, site.city, [site.state, site.postal_code].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
  return isolate(p, line);
}

/**
 * Text written by a partner: marked with its language, so a screen reader pronounces it right,
 * and with its own direction, so an English address reads correctly inside an Arabic page.
 */
export function sourceText(tag, text, lang) {
  const el = document.createElement(tag);
  isolate(el, text);
  if (lang) el.lang = lang;
  return el;
}

/**
 * Puts `text` in `el` inside a <bdi>: the text keeps its own direction (an English address in an
 * Arabic page reads left to right), while `el` lines up with the page like everything else.
 */
export function isolate(el, text) {
  const bdi = document.createElement('bdi');
  bdi.textContent = text;
  el.replaceChildren(bdi);
  return el;
}

/** The map shows the sites the current category and filters let through (as the API would). */
export function siteMatches(p, f, now = new Date()) {
  if (f.category && !(p.categories || []).includes(f.category)) return false;
  if (f.lang && !siteLanguages(p).includes(f.lang)) return false;
  if (f.free && p.cost !== 'free') return false;
  if (f.walkIn && p.walk_in !== true) return false;
  if (f.noId && p.no_id_required !== true) return false;
  if (f.openNow && isOpen(p.hours, now) !== true) return false;
  return true;
}
