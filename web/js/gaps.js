// The leader's view: where people live farther than a chosen distance from a kind of help.
// Reads `GET /api/v1/gaps` (H3 cells with the population beyond the threshold, the worst
// places and suggested spots to recruit a partner) and `GET /api/v1/coverage` (every category).

import { $, option } from './dom.js';
import { getJson, ApiError } from './api.js';
import { t, tEl, setText } from './i18n.js';
import { formatCount, formatDistance, formatPercent } from './format.js';
import { siteMatches } from './site-view.js';

const MILE_M = 1609.344;
/** Thresholds offered, in the units the page shows. */
const THRESHOLDS = { km: [1, 2, 5, 10, 20], mi: [1, 2, 3, 5, 10] };
const DEFAULT_THRESHOLD = { km: 5, mi: 3 };
/** Sequential, colour-blind-safe classes (viridis), light to dark = fewer to more people. */
const CLASS_COLOURS = ['#fde725', '#5ec962', '#21918c', '#3b528b', '#440154'];

let ctx = null;
let active = false;
let last = null; // {query, gaps, coverage, upload}

export function init(context) {
  ctx = context;
  renderControls();
  $('gaps-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  $('gaps-demand').addEventListener('change', () => {
    $('gaps-demand-upload').hidden = $('gaps-demand').value !== 'upload';
  });
}

let setsAsked = false;

/** Saved demand sets, asked once the view is first opened: admins only (anyone else sees the
 * census and the upload). */
async function loadDemandSets() {
  if (setsAsked) return;
  setsAsked = true;
  let sets = [];
  try {
    const me = await getJson('api/v1/auth/me');
    if (me.user?.role !== 'admin') return;
    sets = (await getJson('api/v1/demand-sets')).demand_sets || [];
  } catch {
    return;
  }
  const select = $('gaps-demand');
  for (const s of sets) {
    const o = option(`set:${s.id}`, s.name);
    select.insertBefore(o, select.querySelector('option[value="upload"]'));
  }
}

/** A count as shown: a number, or the server's "fewer than 10" for a suppressed figure. */
function figure(v) {
  if (typeof v === 'string') return t('ui.gaps.fewer', { n: formatCount(10) });
  return formatCount(v ?? 0);
}

/** A number for shading: a suppressed figure shades nothing (it is hatched instead). */
function num(v) {
  return typeof v === 'number' ? v : 0;
}

/** GET, or POST of the chosen file, of an analysis endpoint; the parsed answer or the text. */
async function request(path, params, upload, as = 'json') {
  const qs = `?${new URLSearchParams(params)}`;
  const init = upload
    ? { method: 'POST', body: upload, headers: { 'content-type': upload.type || 'text/csv' } }
    : { headers: { accept: as === 'json' ? 'application/json' : '*/*' } };
  const res = await fetch(`${path}${qs}`, init);
  if (!res.ok) {
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      /* not problem+json */
    }
    throw new ApiError(res.status, problem);
  }
  return as === 'json' ? res.json() : res.blob();
}

function thresholdMetres(value, units) {
  return Math.round(units === 'mi' ? value * MILE_M : value * 1000);
}

function renderControls() {
  const { state } = ctx;
  const cat = $('gaps-category');
  const keepCat = cat.value || 'legal';
  cat.replaceChildren(...state.categories.map((c) => option(c, t(`category.${c}`))));
  cat.value = state.categories.includes(keepCat) ? keepCat : state.categories[0];
  const th = $('gaps-threshold');
  const keepTh = Number(th.dataset.metres) || thresholdMetres(DEFAULT_THRESHOLD[state.units], state.units);
  th.replaceChildren(
    ...THRESHOLDS[state.units].map((v) => {
      const m = thresholdMetres(v, state.units);
      return option(String(m), formatDistance(m, state.units, 0));
    }),
  );
  const closest = [...th.options].reduce((a, o) => (Math.abs(o.value - keepTh) < Math.abs(a.value - keepTh) ? o : a));
  th.value = closest.value;
  th.onchange = () => (th.dataset.metres = th.value);
  const lang = $('gaps-language');
  const keepLang = lang.value;
  lang.replaceChildren(...[...$('language-filter').options].map((o) => option(o.value, o.textContent)));
  lang.value = keepLang;
}

export function rerender() {
  if (!ctx) return;
  renderControls();
  if (last) renderOutput(last);
}

export function setActive(on) {
  active = on;
  const map = ctx.state.map;
  if (!map) return;
  if (on) {
    loadDemandSets();
    showCategorySites();
    if (last) draw(last);
  } else {
    ctx.mapView.showGaps(map, null, null);
  }
}

/** While looking at gaps, the map shows where the help the analysis counted already is. */
function showCategorySites() {
  const { state, mapView } = ctx;
  const f = {
    category: $('gaps-category').value,
    lang: $('gaps-language').value,
    free: $('gaps-free').checked,
    walkIn: $('gaps-walk-in').checked,
    noId: $('gaps-no-id').checked,
  };
  mapView.setSites(
    state.map,
    state.sites.filter((s) => siteMatches(s.properties, f)),
    f.category,
  );
  mapView.setResults(state.map, []);
}

function query() {
  const q = {
    category: $('gaps-category').value,
    threshold_m: $('gaps-threshold').value,
    suggest: $('gaps-suggest').value,
  };
  if ($('gaps-candidates').value !== 'tracts') q.candidates = $('gaps-candidates').value;
  const demand = $('gaps-demand').value;
  if (demand.startsWith('set:')) q.demand_set = demand.slice(4);
  if ($('gaps-language').value) q.lang = $('gaps-language').value;
  if ($('gaps-free').checked) q.free = 'true';
  if ($('gaps-walk-in').checked) q.walk_in = 'true';
  if ($('gaps-no-id').checked) q.no_id = 'true';
  return q;
}

/** The filters of a gap query, which the coverage table applies to every category too. */
function filterParams(q) {
  const f = {};
  for (const k of ['lang', 'free', 'walk_in', 'no_id', 'demand_set']) if (q[k]) f[k] = q[k];
  return f;
}

async function run() {
  const out = $('gaps-output');
  out.setAttribute('aria-busy', 'true');
  out.replaceChildren(tEl('p', 'ui.gaps.loading', null, 'status'));
  const q = query();
  const thresholds = THRESHOLDS[ctx.state.units].map((v) => thresholdMetres(v, ctx.state.units));
  const upload = $('gaps-demand').value === 'upload' ? $('gaps-demand-file').files[0] : null;
  if ($('gaps-demand').value === 'upload' && !upload) {
    out.replaceChildren(tEl('p', 'ui.gaps.choose_file', null, 'error'));
    out.removeAttribute('aria-busy');
    return;
  }
  try {
    const [gaps, coverage] = await Promise.all([
      request('api/v1/gaps', q, upload),
      request('api/v1/coverage', { ...filterParams(q), thresholds: thresholds.join(',') }, upload),
    ]);
    last = { query: q, gaps, coverage, thresholds, upload };
    renderOutput(last);
    if (active) draw(last);
  } catch (e) {
    last = null;
    const key = e instanceof ApiError && e.status === 404 ? 'ui.gaps.unavailable' : 'ui.gaps.failed';
    out.replaceChildren(tEl('p', key, null, 'error'));
    // A bad table: every problem by row and field, as the server named them.
    const errors = (e instanceof ApiError && e.status === 422 && e.problem.errors) || [];
    if (errors.length) {
      out.replaceChildren(tEl('p', 'ui.gaps.bad_file', null, 'error'));
      const ul = document.createElement('ul');
      ul.id = 'gaps-problems';
      for (const p of errors) {
        const li = document.createElement('li');
        li.textContent = `${p.field}: ${p.message}`;
        ul.append(li);
      }
      out.append(ul);
    }
    if (ctx.state.map) ctx.mapView.showGaps(ctx.state.map, null, null);
  } finally {
    out.removeAttribute('aria-busy');
  }
}

/** Class breaks over the cells' population beyond the threshold (quantiles of non-empty cells). */
function classBreaks(values) {
  const v = values.filter((x) => x > 0).sort((a, b) => a - b);
  if (v.length === 0) return [];
  const breaks = [];
  for (let i = 1; i < CLASS_COLOURS.length; i++) breaks.push(v[Math.floor((i * v.length) / CLASS_COLOURS.length)]);
  return [...new Set(breaks)];
}

function classOf(x, breaks) {
  let i = 0;
  while (i < breaks.length && x >= breaks[i]) i++;
  return Math.min(i, CLASS_COLOURS.length - 1);
}

function beyond(props) {
  return num(props.population_beyond);
}

/** A cell with a suppressed figure: hatched, never shaded by a number. */
function hidden(props) {
  return props.suppressed === true || props.suppressed === 'true';
}

function draw({ gaps }) {
  const map = ctx.state.map;
  if (!map) return;
  const cells = gaps.cells?.features || [];
  const breaks = classBreaks(cells.map((f) => beyond(f.properties)));
  const shown = {
    type: 'FeatureCollection',
    features: cells
      .filter((f) => beyond(f.properties) > 0 || hidden(f.properties))
      .map((f) => ({
        ...f,
        properties: hidden(f.properties)
          ? { ...f.properties, suppressed: true }
          : { ...f.properties, fill: CLASS_COLOURS[classOf(beyond(f.properties), breaks)] },
      })),
  };
  const suggestions = {
    type: 'FeatureCollection',
    features: (gaps.suggestions || []).map((s, i) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
      properties: { rank: i + 1 },
    })),
  };
  showCategorySites();
  ctx.mapView.showGaps(map, shown, suggestions);
  if (shown.features.length) {
    let [w, s, e, n] = [180, 90, -180, -90];
    for (const f of shown.features) {
      for (const ring of f.geometry.coordinates) {
        for (const [x, y] of ring) {
          w = Math.min(w, x);
          e = Math.max(e, x);
          s = Math.min(s, y);
          n = Math.max(n, y);
        }
      }
    }
    map.fitBounds([[w, s], [e, n]], { padding: 40, duration: 0 });
  }
}

/** A section with a heading, for one part of the answer. */
function section(id, headingKey, vars) {
  const sec = document.createElement('section');
  sec.setAttribute('aria-labelledby', id);
  const h = tEl('h3', headingKey, vars);
  h.id = id;
  sec.append(h);
  return sec;
}

/** "Census tract 27.01, Miami-Dade" for a tract GEOID (state 2 + county 3 + tract 6 digits). */
function placeName(kind, id, countyFips, counties) {
  const county = counties.get(countyFips || (kind === 'tract' ? id.slice(0, 5) : '')) || '';
  if (kind === 'tract' && /^\d{11}$/.test(id)) {
    const code = id.slice(5);
    const tract = `${Number(code.slice(0, 4))}${code.slice(4) === '00' ? '' : `.${code.slice(4)}`}`;
    return t(county ? 'ui.gaps.tract_in' : 'ui.gaps.tract', { tract, county });
  }
  return county ? `${id}, ${county}` : id;
}

/** A button that centres the map on a place of the answer. */
function showButton(place, lon, lat) {
  const b = tEl('button', 'ui.gaps.show_on_map', null, 'secondary small');
  b.type = 'button';
  b.setAttribute('aria-label', t('ui.gaps.show_named', { place }));
  b.addEventListener('click', () => {
    const map = ctx.state.map;
    if (!map) return;
    map.easeTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 11), duration: 0 });
    map.getContainer().scrollIntoView({ block: 'nearest' });
  });
  return b;
}

function renderOutput({ query: q, gaps, coverage, thresholds }) {
  const out = $('gaps-output');
  out.replaceChildren();
  const units = ctx.state.units;
  const distance = formatDistance(Number(q.threshold_m), units, 0);
  const category = t(`category.${q.category}`);
  const counties = new Map((gaps.counties || []).map((c) => [c.fips, c.name]));

  // The summary: one figure, one sentence, where the people come from.
  const summary = section('gaps-summary-h', 'ui.gaps.summary_heading');
  const fig = document.createElement('p');
  fig.className = 'summary-figure';
  fig.id = 'gaps-share';
  fig.textContent = gaps.share_beyond == null ? '—' : formatPercent(gaps.share_beyond);
  const d = gaps.demand || {};
  const families = d.source === 'counts';
  summary.append(
    fig,
    tEl('p', families ? 'ui.gaps.summary_families' : 'ui.gaps.summary', {
      beyond: figure(gaps.population_beyond),
      total: figure(gaps.population_total),
      distance,
      category,
    }),
  );
  const sourceKey = { census: 'ui.gaps.source_census', counts: 'ui.gaps.source_counts' }[d.source] || 'ui.gaps.source_upload';
  summary.append(
    tEl(
      'p',
      sourceKey,
      { people: figure(d.population), points: formatCount(d.points ?? 0), sites: formatCount(gaps.sites ?? 0), name: d.name || '' },
      'hint',
    ),
  );
  if (gaps.suppression) summary.append(tEl('p', 'ui.gaps.suppressed_note', { n: formatCount(gaps.suppression.min_cell) }, 'hint'));
  summary.append(downloads());
  out.append(summary);

  // Legend of the shaded cells and the stars.
  const cells = gaps.cells?.features || [];
  const breaks = classBreaks(cells.map((f) => beyond(f.properties)));
  const legend = section('gaps-legend-h', 'ui.gaps.legend_heading', { distance });
  const ul = document.createElement('ul');
  ul.className = 'swatches';
  const edges = [1, ...breaks];
  edges.forEach((lo, i) => {
    const hi = edges[i + 1];
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = CLASS_COLOURS[Math.min(i, CLASS_COLOURS.length - 1)];
    sw.setAttribute('aria-hidden', 'true');
    const label = hi
      ? t('ui.gaps.legend_range', { from: formatCount(lo), to: formatCount(hi - 1) })
      : t('ui.gaps.legend_from', { from: formatCount(lo) });
    li.append(sw, document.createTextNode(label));
    ul.append(li);
  });
  const star = document.createElement('li');
  const mark = document.createElement('span');
  mark.className = 'swatch star';
  mark.setAttribute('aria-hidden', 'true');
  star.append(mark, tEl('span', 'ui.gaps.legend_suggestion'));
  ul.append(star);
  if (cells.some((f) => hidden(f.properties))) {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch hatched';
    sw.setAttribute('aria-hidden', 'true');
    li.append(sw, tEl('span', 'ui.gaps.legend_hidden', { n: formatCount(10) }));
    ul.append(li);
  }
  legend.append(breaks.length || cells.some((f) => beyond(f.properties) > 0) ? ul : tEl('p', 'ui.gaps.no_cells', null, 'hint'));
  out.append(legend);

  // Where to recruit, then the places with the most people beyond reach.
  if (gaps.suggestions?.length) {
    const sec = section('gaps-suggest-h', 'ui.gaps.suggest_heading');
    const ol = document.createElement('ol');
    ol.className = 'suggestions';
    for (const sg of gaps.suggestions) {
      const place = sg.name || placeName(sg.kind, sg.id, null, counties);
      const li = document.createElement('li');
      li.append(
        tEl('span', 'ui.gaps.suggest_item', {
          place,
          people: figure(sg.population_covered),
          distance,
          remaining: figure(sg.population_beyond_after),
        }),
        ' ',
        showButton(place, sg.lon, sg.lat),
      );
      ol.append(li);
    }
    sec.append(tEl('p', 'ui.gaps.suggest_hint', null, 'hint'), ol);
    out.append(sec);
  }
  if (gaps.worst?.length) {
    const sec = section('gaps-worst-h', 'ui.gaps.worst_heading', { distance });
    const ol = document.createElement('ol');
    ol.className = 'worst';
    for (const w of gaps.worst) {
      const place = w.zip ? `${w.zip} · ${languageName(w.language)}` : placeName(d.source === 'census' ? 'tract' : 'point', w.id, w.county, counties);
      const li = document.createElement('li');
      const key = w.nearest_m == null ? 'ui.gaps.worst_item_none' : 'ui.gaps.worst_item';
      li.append(
        tEl('span', key, {
          place,
          people: figure(w.population),
          nearest: w.nearest_m == null ? '' : formatDistance(w.nearest_m, units),
        }),
        ' ',
        showButton(place, w.lon, w.lat),
      );
      ol.append(li);
    }
    sec.append(ol);
    out.append(sec);
  }

  if ((gaps.counties || []).length) out.append(countyTable(gaps.counties, distance));
  out.append(coverageTable(coverage, thresholds));
  for (const l of coverage.by_language || []) {
    out.append(coverageTable(l, thresholds, t('ui.gaps.coverage_language', { language: languageName(l.language), families: figure(l.population_total) })));
  }
}

/** A language's name as the page's language writes it (the server's code otherwise). */
function languageName(code) {
  const o = [...$('language-filter').options].find((x) => x.value === code);
  return o ? o.textContent : code;
}

/** Download the answer as CSV, or as the printable one-page report. */
function downloads() {
  const p = document.createElement('p');
  p.className = 'downloads';
  for (const [key, f, name] of [
    ['ui.gaps.download_csv', 'csv', 'gaps.csv'],
    ['ui.gaps.download_report', 'html', 'gaps-report.html'],
  ]) {
    const b = tEl('button', key, null, 'secondary small');
    b.type = 'button';
    b.id = `gaps-download-${f}`;
    b.addEventListener('click', async () => {
      if (!last) return;
      const blob = await request('api/v1/gaps', { ...last.query, f }, last.upload, 'blob');
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    });
    p.append(b, ' ');
  }
  return p;
}

/** Per county: people, and the share farther than the threshold. */
function countyTable(rows, distance) {
  const table = document.createElement('table');
  table.className = 'coverage';
  table.id = 'county-table';
  table.append(tEl('caption', 'ui.gaps.counties_caption', { distance }));
  const head = document.createElement('tr');
  for (const key of ['ui.gaps.county', 'ui.gaps.people', 'ui.gaps.share_beyond']) {
    const th = tEl('th', key);
    th.scope = 'col';
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  for (const c of rows) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = [c.name, c.state].filter(Boolean).join(', ') || c.fips || '—';
    const people = document.createElement('td');
    people.textContent = figure(c.population);
    const share = document.createElement('td');
    share.textContent = c.share_beyond == null ? '—' : formatPercent(c.share_beyond);
    tr.append(th, people, share);
    tbody.append(tr);
  }
  table.append(thead, tbody);
  const wrap = document.createElement('section');
  wrap.append(table);
  return wrap;
}

/** Share of people within each threshold of each category — one table for all categories. */
function coverageTable(coverage, thresholds, caption) {
  const units = ctx.state.units;
  const table = document.createElement('table');
  table.className = 'coverage';
  if (caption) {
    const c = document.createElement('caption');
    c.textContent = caption;
    table.append(c);
    table.dataset.language = coverage.language;
  } else {
    table.id = 'coverage-table';
    table.append(tEl('caption', 'ui.gaps.coverage_caption'));
  }
  const thead = document.createElement('thead');
  const hr = document.createElement('tr');
  const corner = tEl('th', 'ui.filter.category');
  corner.scope = 'col';
  hr.append(corner);
  for (const m of thresholds) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = t('ui.gaps.within', { distance: formatDistance(m, units, 0) });
    hr.append(th);
  }
  thead.append(hr);
  const tbody = document.createElement('tbody');
  for (const row of coverage.categories || []) {
    const tr = document.createElement('tr');
    const th = tEl('th', `category.${row.category}`);
    th.scope = 'row';
    tr.append(th);
    for (const m of thresholds) {
      const cell = (row.thresholds || []).find((x) => Math.abs(Number(x.threshold_m) - m) < 1);
      const td = document.createElement('td');
      td.textContent = cell && cell.share_within != null ? formatPercent(cell.share_within) : '—';
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.append(thead, tbody);
  const wrap = document.createElement('section');
  wrap.append(table);
  return wrap;
}

/** A click on a shaded cell reads its numbers out in the panel. */
export function onMapClick(e) {
  const map = ctx.state.map;
  const hit = map.queryRenderedFeatures(e.point, { layers: ['gap-cells'] })[0];
  const box = $('gaps-cell') || document.createElement('p');
  box.id = 'gaps-cell';
  box.className = 'status';
  box.setAttribute('role', 'status');
  if (!hit) {
    box.remove();
    return;
  }
  const p = hit.properties;
  setText(box, 'ui.gaps.cell', {
    beyond: figure(p.population_beyond),
    people: figure(p.population),
    threshold: formatDistance(Number(last.query.threshold_m), ctx.state.units, 0),
    distance: formatDistance(Number(p.mean_distance_m ?? 0), ctx.state.units),
  });
  $('gaps-output').prepend(box);
}
