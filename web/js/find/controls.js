// The page's controls: interface language and units, the filters, the legend, the two tabs
// (find help, gaps), and drawing everything again in a new language.

import { $, option, fillSelect } from '../dom.js';
import { setLanguage, translatePage, t, tEl, setText, languageName, reviewStats, language } from '../i18n.js';
import { parsePlace } from '../place.js';
import { state, savePrefs } from '../state.js';
import { categoryChip } from '../site-view.js';
import * as gaps from '../gaps.js';
import { refreshMapSites } from './filters.js';
import { showPlaceError, setOrigin, search } from './search.js';
import { K_STEP, K_MAX, renderResults, rerenderDetails, closeDetails } from './results.js';
import { renderBasket, wireBasket } from './basket.js';

/** "Haitian Creole — Kreyòl ayisyen": the name in the UI language and the language's own. */
function languageLabel(code) {
  const here = languageName(code);
  let own = here;
  try {
    own = new Intl.DisplayNames([code], { type: 'language', fallback: 'code' }).of(code) || here;
  } catch {
    /* unknown to the browser */
  }
  return own && own.toLowerCase() !== here.toLowerCase() ? `${here} — ${own}` : here;
}

function categoryOptions(allKey) {
  const cats = state.categories.map((c) => option(c, t(`category.${c}`)));
  return allKey ? [option('', t(allKey)), ...cats] : cats;
}

function languageFilterOptions() {
  const codes = new Set([...state.siteLanguages.keys(), ...state.config.languages.map((l) => l.code)]);
  const sorted = [...codes].sort((a, b) => languageName(a).localeCompare(languageName(b), language()));
  return [option('', t('ui.filter.any_language')), ...sorted.map((c) => option(c, languageLabel(c)))];
}

function renderControls() {
  fillSelect(
    $('ui-language'),
    state.config.languages.map((l) => option(l.code, l.name || l.code, l.code)),
  );
  $('ui-language').value = language();
  $('units').value = state.units;
  fillSelect($('category'), categoryOptions('ui.filter.any_category'));
  fillSelect($('language-filter'), languageFilterOptions());
  fillSelect(
    $('sheet-language'),
    state.config.languages.map((l) => option(l.code, l.name || l.code, l.code)),
  );
  renderLegend();
  renderTranslationNote();
}

function renderLegend() {
  const list = $('legend-list');
  list.replaceChildren();
  for (const c of state.categories) {
    const li = document.createElement('li');
    li.append(categoryChip(c));
    list.append(li);
  }
  const li = document.createElement('li');
  const dot = document.createElement('span');
  dot.className = 'legend-cluster';
  dot.setAttribute('aria-hidden', 'true');
  dot.textContent = '12';
  li.append(dot, ' ', tEl('span', 'ui.legend.cluster'));
  const pin = document.createElement('li');
  const p = document.createElement('span');
  p.className = 'family-pin legend-pin';
  p.setAttribute('aria-hidden', 'true');
  pin.append(p, ' ', tEl('span', 'ui.map.family_pin'));
  list.append(li, pin);
}

function renderTranslationNote() {
  const note = $('translation-note');
  if (language() === 'en') {
    note.hidden = true;
    return;
  }
  const s = reviewStats();
  setText(note, 'ui.footer.translation_status', { reviewed: s.reviewed, total: s.total });
  note.hidden = false;
}

export function wireControls() {
  $('ui-language').addEventListener('change', async (e) => {
    await setLanguage(e.target.value);
    savePrefs({ lang: e.target.value });
    renderAll();
    if (state.map) state.mapView.relabel(state.map);
    gaps.rerender();
  });
  $('units').addEventListener('change', (e) => {
    state.units = e.target.value;
    savePrefs({ units: state.units });
    if (state.map) state.mapView.setUnits(state.units);
    renderResults();
    rerenderDetails();
    gaps.rerender();
  });
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const place = parsePlace($('place').value);
    if (place.error) {
      showPlaceError(place.error, place.vars);
      return;
    }
    setOrigin(place);
  });
  $('place').addEventListener('input', () => showPlaceError(null));
  for (const id of ['category', 'language-filter', 'filter-free', 'filter-open', 'filter-walk-in', 'filter-no-id']) {
    $(id).addEventListener('change', () => {
      state.k = K_STEP;
      refreshMapSites();
      if (state.origin) search();
    });
  }
  $('more-results').addEventListener('click', async () => {
    const shown = state.results.length;
    state.k = Math.min(K_MAX, state.k + K_STEP);
    await search();
    // Keyboard users continue at the first new place.
    $('results-list').children[shown]?.querySelector('button.name')?.focus();
  });
  wireBasket({ removed: renderResults });
  wireTabs();
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('details').hidden) closeDetails();
  });
}

function wireTabs() {
  const tabs = [$('tab-find'), $('tab-gaps')];
  const select = (tab) => {
    for (const t2 of tabs) {
      const on = t2 === tab;
      t2.setAttribute('aria-selected', String(on));
      t2.tabIndex = on ? 0 : -1;
      $(t2.getAttribute('aria-controls')).hidden = !on;
    }
    const view = tab.id === 'tab-gaps' ? 'gaps' : 'find';
    document.body.dataset.view = view;
    gaps.setActive(view === 'gaps');
    if (view === 'find') refreshMapSites();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1, Home: -99, End: 99 }[e.key];
      if (step === undefined) return;
      e.preventDefault();
      const rtl = document.documentElement.dir === 'rtl' && Math.abs(step) === 1 ? -1 : 1;
      const next = tabs[Math.max(0, Math.min(tabs.length - 1, i + step * rtl))];
      next.focus();
      select(next);
    });
  });
  document.body.dataset.view = 'find';
}

/** Draws the whole page again (after the interface language changed). */
export function renderAll() {
  document.title = t('app.title');
  translatePage();
  renderControls();
  renderResults();
  rerenderDetails();
  renderBasket();
}
