// The referral basket: the places chosen for a family, and their printable sheet.

import { $ } from '../dom.js';
import { getPage } from '../api.js';
import { t, setText } from '../i18n.js';
import { coarse } from '../place.js';
import { state } from '../state.js';
import { isolate } from '../site-view.js';

/** Most places on one printed sheet (the sheet's own limit, server/src/sheets). */
const SHEET_MAX = 10;

/** Called after places left the basket (the results list shows "add" again). */
let onRemoved = () => {};

/** Wires the basket's buttons; `removed` runs after places left it. */
export function wireBasket({ removed }) {
  onRemoved = removed;
  $('clear-basket').addEventListener('click', () => {
    state.basket.clear();
    renderBasket();
    onRemoved();
    $('basket-heading').focus?.();
  });
  $('print-sheet').addEventListener('click', printSheet);
  $('sheet-language').addEventListener('change', (e) => (e.target.dataset.touched = 'true'));
}

/** Adds a place to the basket or takes it out; answers whether it is in now. */
export function toggleBasket(site) {
  const status = $('basket-status');
  if (state.basket.has(site.id)) state.basket.delete(site.id);
  else if (state.basket.size >= SHEET_MAX) {
    setText(status, 'ui.basket.full', { max: SHEET_MAX });
    return false;
  } else state.basket.set(site.id, site);
  setText(status, 'ui.basket.updated', { count: state.basket.size, max: SHEET_MAX });
  renderBasket();
  return state.basket.has(site.id);
}

export function renderBasket() {
  const list = $('basket-list');
  list.replaceChildren();
  const n = state.basket.size;
  $('basket-count').textContent = n ? `(${n})` : '';
  $('basket-empty').hidden = n > 0;
  $('basket-actions').hidden = n === 0;
  for (const site of state.basket.values()) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    isolate(name, site.name);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'secondary small';
    remove.textContent = t('ui.basket.remove_short');
    remove.setAttribute('aria-label', t('ui.basket.remove_named', { name: site.name }));
    remove.addEventListener('click', () => {
      state.basket.delete(site.id);
      renderBasket();
      onRemoved();
      $('basket-heading').focus?.();
    });
    li.append(name, ' ', remove);
    list.append(li);
  }
  const lang = $('language-filter').value;
  if (lang && state.config.languages.some((l) => l.code === lang) && !$('sheet-language').dataset.touched) {
    $('sheet-language').value = lang;
  }
}

/**
 * Opens the printable referral sheet (GET /referral) for the list, in the family's language, in
 * a new tab. The family's place goes only into the request (for the distances on the sheet):
 * the sheet is fetched here and written into the new tab, so the place never appears in an
 * address bar, the browser's history or a printout's header.
 */
async function printSheet() {
  const params = new URLSearchParams({
    sites: [...state.basket.keys()].join(','),
    lang: $('sheet-language').value,
    units: state.units,
    paper: state.units === 'mi' ? 'letter' : 'a4',
  });
  if (state.origin) {
    params.set('from', state.origin.zip || `${coarse(state.origin.lat)},${coarse(state.origin.lon)}`);
  }
  // Opened now, within the click, so that pop-up blockers let it through; filled when it arrives.
  const tab = window.open('', '_blank');
  if (!tab) {
    setText($('basket-status'), 'ui.basket.print_failed');
    return;
  }
  tab.opener = null;
  try {
    // An error comes back as a readable page in the family's language too: show it as it is.
    const html = await getPage('referral', params);
    tab.document.open();
    tab.document.write(html);
    tab.document.close();
  } catch {
    tab.close();
    setText($('basket-status'), 'ui.basket.print_failed');
  }
}
