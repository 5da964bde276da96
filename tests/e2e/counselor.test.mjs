// A counselor, with a family in front of her, finds help near them on the map page — in a real
// Chromium, against the real server with the Miami-Dade demo data.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverAndBrowser, openPage, screenshot, api, mapIdle, ROOT } from './harness.mjs';
import { auditNames, auditContrast } from './audit.mjs';

const i18n = (lang) => JSON.parse(readFileSync(join(ROOT, 'web', 'i18n', `${lang}.json`), 'utf8')).strings;
const miles = (m) => {
  const v = m / 1609.344;
  const d = v < 10 ? 1 : 0;
  return `${new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }).format(v)} mi`;
};

/** What the list shows: ids in order and the distance text of each row. */
async function listed(page) {
  return page.$$eval('#results-list > li', (lis) =>
    lis.map((li) => ({ id: li.dataset.id, distance: li.querySelector('.distance').textContent })),
  );
}

async function searchFor(page, place, category) {
  if (category !== undefined) await page.selectOption('#category', category);
  await page.fill('#place', place);
  await page.press('#place', 'Enter');
  await waitForList(page);
}

/** Waits for the search in flight to finish and the list to be drawn. */
async function waitForList(page, { some = true } = {}) {
  await page.waitForFunction(() => !document.getElementById('results').hasAttribute('aria-busy'));
  if (some) await page.waitForSelector('#results-list > li');
}

async function expectSameAsApi(page, base, query) {
  const answer = await api(base, `/api/v1/nearest?${query}`);
  const shown = await listed(page);
  assert.deepEqual(
    shown.map((r) => r.id),
    answer.results.map((r) => r.id),
    `the list is the API's answer to ${query}`,
  );
  answer.results.forEach((r, i) => {
    const text = r.location_withheld ? `about ${miles(r.distance_m)}` : miles(r.distance_m);
    assert.equal(shown[i].distance, text, `distance of rank ${i + 1}`);
  });
  return answer;
}

function assertNoProblems(problems) {
  assert.deepEqual(problems, [], 'no console errors, failed or outside requests');
}

describe('a counselor finds help near a family', () => {
  const env = serverAndBrowser();

  it('opens with no network: the offline basemap and the partner sites are drawn with WebGL', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await mapIdle(page);
    const drawn = await page.evaluate(async () => {
      const map = window.assetmap.map;
      const layers = map.getStyle().layers.map((l) => l.id);
      const features = map.queryRenderedFeatures({ layers: ['clusters', 'site-points'] }).length;
      // Read back the frame MapLibre just drew: a blank or failed canvas has one colour.
      const colours = await new Promise((resolve) => {
        map.once('render', () => {
          const gl = map.getCanvas().getContext('webgl2') || map.getCanvas().getContext('webgl');
          const w = gl.drawingBufferWidth;
          const h = gl.drawingBufferHeight;
          const px = new Uint8Array(w * h * 4);
          gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
          const seen = new Set();
          for (let i = 0; i < px.length; i += 4 * 97) seen.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
          resolve(seen.size);
        });
        map.triggerRepaint();
      });
      return { layers, features, colours, renderer: gl_renderer(map) };
      function gl_renderer(m) {
        const gl = m.getCanvas().getContext('webgl2') || m.getCanvas().getContext('webgl');
        const ext = gl.getExtension('WEBGL_debug_renderer_info');
        return ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
      }
    });
    assert.ok(drawn.layers.includes('land') && drawn.layers.includes('state-lines'), 'offline basemap layers');
    assert.ok(drawn.features > 10, `sites or clusters drawn: ${drawn.features}`);
    assert.ok(drawn.colours > 5, `the canvas shows a picture (${drawn.colours} colours, ${drawn.renderer})`);
    // The prompt invites a search; the results count is announced politely.
    assert.equal(await page.getAttribute('#results-status', 'aria-live'), 'polite');
    assert.match(await page.textContent('#results-status'), /ZIP code/);
    await screenshot(page, 'counselor-start');
    assertNoProblems(problems);
    await context.close();
  });

  it('ranks the same places as the API for a ZIP, nearest first, and keeps the ZIP out of the address bar', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await mapIdle(page);
    const before = page.url();
    await searchFor(page, '33125', 'legal');
    const answer = await expectSameAsApi(page, env.server.base, 'zip=33125&category=legal&k=10');
    assert.equal(answer.results.length, 10);
    assert.match(await page.textContent('#results-status'), /near ZIP 33125: 10, nearest first/);
    // The map numbers the same places (a withheld location is never drawn).
    await mapIdle(page);
    const ranks = await page.evaluate(() =>
      window.assetmap.map
        .querySourceFeatures('results')
        .map((f) => [f.properties.rank, f.properties.id])
        .sort((a, b) => a[0] - b[0]),
    );
    const mapped = answer.results.map((r, i) => [i + 1, r]).filter(([, r]) => !r.location_withheld);
    assert.deepEqual(
      [...new Map(ranks).entries()],
      mapped.map(([i, r]) => [i, r.id]),
    );
    // "Show more" asks for the next ten, and the keyboard continues at the eleventh.
    await page.click('#more-results');
    await page.waitForFunction(() => document.querySelectorAll('#results-list > li').length === 20);
    await expectSameAsApi(page, env.server.base, 'zip=33125&category=legal&k=20');
    assert.equal(
      await page.evaluate(() => document.activeElement.closest('li')?.dataset.id),
      await page.$eval('#results-list > li:nth-child(11)', (li) => li.dataset.id),
    );
    // Privacy: the family's ZIP is in no URL and in no storage.
    assert.equal(page.url(), before);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!stored.includes('33125'), stored);
    await screenshot(page, 'counselor-results');
    assertNoProblems(problems);
    await context.close();
  });

  it('changes the list exactly as the API changes its answer when a filter is toggled', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await searchFor(page, '33125', 'legal');
    const unfiltered = await listed(page);
    // The change starts a new search at once (the list is marked busy until it is answered).
    await page.check('#filter-walk-in');
    await waitForList(page);
    const walkIn = await expectSameAsApi(page, env.server.base, 'zip=33125&category=legal&walk_in=true&k=10');
    assert.notDeepEqual(
      walkIn.results.map((r) => r.id),
      unfiltered.map((r) => r.id),
      'the filter matters for this search',
    );
    await page.selectOption('#language-filter', 'ht');
    await waitForList(page);
    await expectSameAsApi(page, env.server.base, 'zip=33125&category=legal&walk_in=true&lang=ht&k=10');
    // Free legal help is not listed in the demo data: the page says so instead of showing nothing.
    await page.check('#filter-free');
    await page.waitForFunction(() => document.querySelectorAll('#results-list > li').length === 0);
    const none = await api(env.server.base, '/api/v1/nearest?zip=33125&category=legal&walk_in=true&lang=ht&free=true&k=10');
    assert.equal(none.results.length, 0);
    assert.match(await page.textContent('#results-status'), /No place matches/);

    // "Open now" asks the API about this instant, read in each site's time zone.
    await page.uncheck('#filter-free');
    await page.uncheck('#filter-walk-in');
    await page.selectOption('#language-filter', '');
    await page.selectOption('#category', 'health');
    await waitForList(page);
    const t0 = new Date().toISOString();
    await page.check('#filter-open');
    await waitForList(page, { some: false });
    const t1 = new Date().toISOString();
    const [a0, a1] = await Promise.all(
      [t0, t1].map((t) => api(env.server.base, `/api/v1/nearest?zip=33125&category=health&open_at=${encodeURIComponent(t)}&k=10`)),
    );
    const ids = (a) => a.results.map((r) => r.id);
    if (JSON.stringify(ids(a0)) === JSON.stringify(ids(a1))) {
      assert.deepEqual((await listed(page)).map((r) => r.id), ids(a0), 'open now: the API at this instant');
    }
    assert.equal(await page.locator('#results-list .badge.closed').count(), 0, 'no "closed now" place when open now is asked');
    assertNoProblems(problems);
    await context.close();
  });

  it('highlights on the map the result under the pointer or the keyboard focus', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await mapIdle(page);
    await searchFor(page, '33125', 'health');
    const [, second, third] = await listed(page);
    const highlighted = () => page.evaluate(() => JSON.stringify(window.assetmap.map.getFilter('result-highlight')));
    await page.hover('#results-list > li:nth-child(2)');
    assert.ok((await highlighted()).includes(second.id));
    assert.ok(await page.$eval('#results-list > li:nth-child(2)', (li) => li.classList.contains('hover')));
    // The pointer moves off the list; the keyboard goes to the third result.
    await page.mouse.move(5, 5);
    assert.equal(await page.locator('#results-list > li.hover').count(), 0);
    await page.focus('#results-list > li:nth-child(3) button.name');
    assert.ok((await highlighted()).includes(third.id));
    assert.ok(await page.$eval('#results-list > li:nth-child(3)', (li) => li.classList.contains('hover')));
    await mapIdle(page);
    await screenshot(page, 'counselor-highlight');

    // And the other way: the pointer on a numbered place on the map marks it in the list.
    await page.evaluate(() => document.activeElement.blur());
    const target = await page.evaluate(() => {
      const map = window.assetmap.map;
      const f = map.queryRenderedFeatures({ layers: ['result-ranks'] })[0];
      const p = map.project(f.geometry.coordinates);
      return { id: f.properties.id, x: p.x, y: p.y - 20 };
    });
    const box = await page.locator('#map canvas').boundingBox();
    await page.mouse.move(box.x + target.x, box.y + target.y);
    await page.waitForFunction((id) => document.getElementById(`result-${id}`).classList.contains('hover'), target.id);
    assert.equal(await page.locator('#results-list > li.hover').count(), 1);
    assertNoProblems(problems);
    await context.close();
  });

  it('shows the details a family needs, and returns to the same result', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await searchFor(page, '33125', 'legal');
    const answer = await api(env.server.base, '/api/v1/nearest?zip=33125&category=legal&k=10');
    // The first result that lists what to bring, to see every part of the panel.
    const rank = answer.results.findIndex((r) => r.required_documents.length > 0) + 1;
    assert.ok(rank > 0, 'a legal site near 33125 lists what to bring');
    const site = answer.results[rank - 1];
    await page.click(`#results-list > li:nth-child(${rank}) button.name`);
    await page.waitForSelector('#details:not([hidden]) #details-name');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'details-name', 'focus moves to the name');
    const text = await page.textContent('#details');
    assert.ok(text.includes(site.name));
    assert.ok(text.includes(site.street), 'address');
    for (const p of site.phones) assert.ok(text.includes(p.number), `phone ${p.number}`);
    for (const d of site.required_documents) assert.ok(text.includes(d), `what to bring: ${d}`);
    assert.ok(text.includes('What to bring') && text.includes('Hours') && text.includes('Languages spoken'));
    assert.ok(text.includes('Cost') && text.includes('Last checked'));
    const verified = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date(site.last_verified_at),
    );
    assert.ok(text.includes(verified), `last verified ${verified}`);
    assert.equal(site.stale, true, 'the demo listings were last verified in 2019');
    assert.equal(await page.locator('#details .badge.stale').count(), 1, 'stale badge');
    // One of: open now / closed now / call for hours.
    assert.equal(await page.locator('#details .badge.open, #details .badge.closed, #details .badge.neutral').count() >= 1, true);
    await screenshot(page, 'counselor-details');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#details', { state: 'hidden' });
    assert.equal(
      await page.evaluate(() => document.activeElement.closest('li')?.dataset.id),
      site.id,
      'focus returns to the result that was opened',
    );
    assertNoProblems(problems);
    await context.close();
  });

  it('opens a site clicked on the map, and a click on empty map sets the family there', async () => {
    const { page, problems, context, requests } = await openPage(env.browser, env.server.base);
    await mapIdle(page);
    // An empty spot on land near the middle of the view.
    const spot = await page.evaluate(() => {
      const map = window.assetmap.map;
      const { width, height } = map.getCanvas().getBoundingClientRect();
      for (let y = height * 0.3; y < height * 0.8; y += 15) {
        for (let x = width * 0.3; x < width * 0.8; x += 15) {
          const near = map.queryRenderedFeatures([[x - 25, y - 25], [x + 25, y + 25]]);
          if (near.every((f) => ['land', 'county-lines', 'state-lines'].includes(f.layer.id)) && near.some((f) => f.layer.id === 'land')) {
            return { x, y };
          }
        }
      }
      return null;
    });
    assert.ok(spot, 'an empty spot on the map');
    // The browser reports a click at whole CSS pixels (a pixel is ~100 m at this zoom), so click
    // at a whole pixel and ask the map where exactly that pixel is, before the map moves to
    // frame the results.
    const box = await page.locator('#map canvas').boundingBox();
    const click = { x: Math.round(box.x + spot.x), y: Math.round(box.y + spot.y) };
    const { lon, lat } = await page.evaluate(({ x, y }) => {
      const r = window.assetmap.map.getCanvas().getBoundingClientRect();
      const p = window.assetmap.map.unproject([x - r.left, y - r.top]);
      // The page keeps and sends the point to 3 decimals (about 100 m), never more.
      return { lon: Math.round(p.lng * 1e3) / 1e3, lat: Math.round(p.lat * 1e3) / 1e3 };
    }, click);
    await page.mouse.click(click.x, click.y);
    await waitForList(page);
    assert.match(await page.textContent('#results-status'), /near the point on the map/);
    await expectSameAsApi(page, env.server.base, `lon=${lon}&lat=${lat}&k=10`);
    assert.equal(await page.locator('.family-pin-marker').count(), 1, 'the pin marks the family');
    assert.ok(!page.url().includes(String(lat).slice(0, 5)), 'no coordinates in the address bar');
    // No request ever carried the clicked point at more than 3 decimals (about 100 m).
    const sent = requests
      .map((u) => new URL(u))
      .flatMap((u) => ['lon', 'lat', 'from'].map((k) => u.searchParams.get(k)).filter(Boolean));
    assert.ok(sent.length >= 2, `the search sent the point: ${sent}`);
    for (const v of sent) {
      for (const n of v.split(',')) {
        assert.ok(!/\.\d{4,}/.test(n), `a request carried ${n}: more than 3 decimals`);
      }
    }

    // A click on a numbered result opens its details.
    await mapIdle(page);
    const first = await page.evaluate(() => {
      const map = window.assetmap.map;
      const f = map.queryRenderedFeatures({ layers: ['result-ranks'] }).find((x) => x.properties.rank === 1);
      const p = map.project(f.geometry.coordinates);
      return { id: f.properties.id, x: p.x, y: p.y - 20 };
    });
    await page.mouse.click(box.x + first.x, box.y + first.y);
    await page.waitForSelector('#details:not([hidden])');
    const name = (await api(env.server.base, `/api/v1/sites/${first.id}`)).name;
    assert.equal(await page.textContent('#details-name'), name);
    assertNoProblems(problems);
    await context.close();
  });

  it('collects places in a referral list', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await searchFor(page, '33125', 'food');
    await page.click('#results-list > li:nth-child(1) button.basket-toggle');
    await page.click('#results-list > li:nth-child(3) button.basket-toggle');
    assert.equal(await page.textContent('#basket-count'), '(2)');
    assert.equal(await page.getAttribute('#results-list > li:nth-child(1) button.basket-toggle', 'aria-pressed'), 'true');
    const names = await page.$$eval('#basket-list li span', (s) => s.map((x) => x.textContent));
    const shown = await page.$$eval('#results-list > li button.name', (b) => b.map((x) => x.textContent));
    assert.deepEqual(names, [shown[0], shown[2]]);
    await page.click('#basket-list li:nth-child(1) button');
    assert.equal(await page.textContent('#basket-count'), '(1)');
    await page.click('#results-list > li:nth-child(2) button.basket-toggle');
    assert.match(await page.textContent('#basket-status'), /referral list: 2/);

    // The printed sheet opens in a new tab, in the family's language, with both places — and
    // the family's ZIP, used for the distances, appears in no address.
    await page.selectOption('#sheet-language', 'es');
    const [sheet] = await Promise.all([context.waitForEvent('page'), page.click('#print-sheet')]);
    await sheet.waitForFunction(() => document.documentElement.lang === 'es' && document.querySelector('main'));
    await sheet.waitForLoadState('load');
    const sheetText = await sheet.textContent('body');
    for (const name of [shown[1], shown[2]]) assert.ok(sheetText.includes(name), `the sheet lists ${name}`);
    assert.ok(!sheet.url().includes('33125'), `the sheet's address: ${sheet.url()}`);
    assert.ok(!page.url().includes('33125'));
    assert.ok(
      await sheet.evaluate(() => [...document.styleSheets].some((s) => s.href && s.href.includes('/referral/sheet.css'))),
      'the sheet has its stylesheet',
    );
    await sheet.setViewportSize({ width: 900, height: 1200 });
    await screenshot(sheet, 'counselor-referral-sheet');
    assertNoProblems(problems);
    await context.close();
  });

  it('works from the keyboard alone', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    let steps = 0;
    while ((await page.evaluate(() => document.activeElement.id)) !== 'place' && steps < 10) {
      await page.keyboard.press('Tab');
      steps += 1;
    }
    assert.equal(await page.evaluate(() => document.activeElement.id), 'place', 'Tab reaches the search box');
    await page.keyboard.type('33142');
    await page.keyboard.press('Enter');
    await waitForList(page);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'place', 'focus stays in the search box');
    // On through the filters into the list: the first result's name is a button.
    steps = 0;
    while (!(await page.evaluate(() => document.activeElement.classList.contains('name'))) && steps < 15) {
      await page.keyboard.press('Tab');
      steps += 1;
    }
    assert.equal(
      await page.evaluate(() => document.activeElement.closest('li')?.dataset.id),
      await page.$eval('#results-list > li', (li) => li.dataset.id),
      'Tab reaches the first result',
    );
    const focused = await page.evaluate(() => document.activeElement.closest('li').dataset.id);
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.equal(ring, 'solid', 'the focus is visible');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#details:not([hidden])');
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement.closest('li')?.dataset.id), focused);
    assertNoProblems(problems);
    await context.close();
  });

  it('names every control and meets WCAG AA contrast, in English and in Arabic', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await searchFor(page, '33125', 'legal');
    await page.click('#results-list > li:nth-child(1) button.basket-toggle');
    for (const lang of ['en', 'ar']) {
      await page.selectOption('#ui-language', lang);
      await page.waitForFunction((l) => document.documentElement.lang === l, lang);
      assert.deepEqual(await auditNames(page), [], `unnamed controls (${lang})`);
      assert.deepEqual(await auditContrast(page), [], `low contrast (${lang})`);
      await page.click('#results-list > li:nth-child(1) button.name');
      await page.waitForSelector('#details:not([hidden])');
      assert.deepEqual(await auditNames(page), [], `unnamed controls in details (${lang})`);
      assert.deepEqual(await auditContrast(page), [], `low contrast in details (${lang})`);
      await page.keyboard.press('Escape');
    }
    assertNoProblems(problems);
    await context.close();
  });

  it('speaks Spanish, and turns the whole layout right-to-left in Arabic', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await mapIdle(page);
    await searchFor(page, '33125', 'legal');
    const es = i18n('es');
    await page.selectOption('#ui-language', 'es');
    await page.waitForFunction(() => document.documentElement.lang === 'es');
    assert.equal(await page.textContent('#results-heading'), es['ui.results.heading'].text);
    assert.equal(await page.textContent('#tab-gaps'), es['ui.view.gaps'].text);
    assert.match(await page.textContent('#results-status'), /cerca del código postal 33125/);
    assert.equal(await page.locator('.i18n-fallback').count(), 0, 'Spanish is complete: no English stand-ins');
    assert.ok((await page.textContent('#results-list')).includes(es['category.legal'].text));
    await screenshot(page, 'counselor-spanish');

    const ar = i18n('ar');
    await page.selectOption('#ui-language', 'ar');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert.equal(await page.getAttribute('html', 'lang'), 'ar');
    assert.equal(await page.textContent('#results-heading'), ar['ui.results.heading'].text);
    assert.equal(await page.locator('.i18n-fallback').count(), 0, 'Arabic is complete: no English stand-ins');
    // Mirrored: the panel sits to the right of the map, the zoom buttons on the left.
    const side = await page.locator('.side').boundingBox();
    const map = await page.locator('#map').boundingBox();
    assert.ok(side.x > map.x, 'the panel is on the right');
    const zoom = await page.locator('.maplibregl-ctrl-zoom-in').boundingBox();
    assert.ok(zoom.x < map.x + map.width / 2, 'the zoom buttons are on the left');
    assert.equal(await page.getAttribute('.maplibregl-ctrl-zoom-in', 'aria-label'), ar['ui.map.zoom_in'].text);
    // The chosen language is remembered; nothing about the family is.
    const stored = await page.evaluate(() => ({ ...localStorage }));
    assert.deepEqual(Object.keys(stored), ['assetmap.prefs']);
    assert.deepEqual(JSON.parse(stored['assetmap.prefs']), { lang: 'ar' });
    await mapIdle(page);
    await screenshot(page, 'counselor-arabic');
    await page.click('#results-list > li:nth-child(1) button.name');
    await page.waitForSelector('#details:not([hidden])');
    await screenshot(page, 'counselor-arabic-details');
    assertNoProblems(problems);
    await context.close();
  });

  it('fits a phone screen', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base, { viewport: { width: 375, height: 812 } });
    await searchFor(page, '33125', 'health');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px too wide)`);
    for (const sel of ['#place', '#category', '#results-list > li:nth-child(1) button.name', '#map canvas']) {
      const b = await page.locator(sel).boundingBox();
      assert.ok(b && b.width > 0 && b.x >= 0 && b.x + b.width <= 375.5, `${sel} fits: ${JSON.stringify(b)}`);
    }
    await mapIdle(page);
    await page.screenshot({ path: join(ROOT, 'tests', 'artifacts', 'counselor-phone.png'), fullPage: true });
    assertNoProblems(problems);
    await context.close();
  });
});
