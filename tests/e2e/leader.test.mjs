// A leader looks for the gaps: where people live farther than a chosen distance from a kind of
// help, and where a new partner would reach the most of them — on the real gaps API.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, screenshot, api, mapIdle } from './harness.mjs';
import { auditNames, auditContrast } from './audit.mjs';

const MILE = 1609.344;
const percent = (x, lang = 'en-US') => new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(x);
const count = (n, lang = 'en-US') => new Intl.NumberFormat(lang).format(n);

async function showGaps(page) {
  await page.click('#gaps-form button[type="submit"]');
  await page.waitForFunction(() => !document.getElementById('gaps-output').hasAttribute('aria-busy'));
  await page.waitForSelector('#gaps-share');
  await mapIdle(page);
}

/** The distinct H3 cells the map holds in its gap source, and those it drew. */
function mapCells(page) {
  return page.evaluate(() => {
    const map = window.assetmap.map;
    const held = new Set(map.querySourceFeatures('gaps').map((f) => f.properties.h3));
    const drawn = new Set(map.queryRenderedFeatures({ layers: ['gap-cells'] }).map((f) => f.properties.h3));
    const stars = new Set(map.querySourceFeatures('suggestions').map((f) => f.properties.rank));
    return { held: [...held].sort(), drawn: drawn.size, stars: [...stars].sort() };
  });
}

describe('a leader sees the gaps', () => {
  const env = serverAndBrowser();

  it('shades the cells beyond the threshold, with the numbers, worst places, suggestions and coverage of the API', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await mapIdle(page);
    // The view is a tab, reachable from the keyboard.
    await page.focus('#tab-find');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute('#tab-gaps', 'aria-selected'), 'true');
    assert.equal(await page.isVisible('#panel-gaps'), true);
    await page.selectOption('#gaps-category', 'legal');
    await page.selectOption('#gaps-threshold', String(Math.round(3 * MILE)));
    await showGaps(page);

    const threshold = Math.round(3 * MILE);
    const gaps = await api(env.server.base, `/api/v1/gaps?category=legal&threshold_m=${threshold}&suggest=3`);
    assert.ok(gaps.population_beyond > 0 && gaps.population_beyond < gaps.population_total);
    assert.equal(await page.textContent('#gaps-share'), percent(gaps.share_beyond));
    const text = await page.textContent('#gaps-output');
    assert.ok(text.includes(`${count(gaps.population_beyond)} of ${count(gaps.population_total)} people`), 'summary');
    assert.ok(text.includes('3 mi'), 'the threshold in the page units');
    assert.ok(
      text.includes(`${count(gaps.demand.population)} residents of ${count(gaps.demand.points)} census tracts`),
      'where the people counted come from',
    );
    assert.ok(text.includes(`Matching places: ${count(gaps.sites)}.`), 'how many places the analysis counted');

    // The map holds exactly the API's cells with people beyond the threshold, and draws them.
    const expected = gaps.cells.features.filter((f) => f.properties.population_beyond > 0).map((f) => f.properties.h3).sort();
    assert.ok(expected.length > 20, `${expected.length} cells beyond`);
    const cells = await mapCells(page);
    assert.deepEqual(cells.held, expected);
    assert.ok(cells.drawn > 20, `${cells.drawn} cells drawn`);
    assert.deepEqual(cells.stars, gaps.suggestions.map((_, i) => i + 1), 'a numbered star per suggestion');

    // Suggestions and worst places, in the API's order.
    const suggestions = await page.$$eval('#gaps-output ol.suggestions > li', (li) => li.map((x) => x.textContent));
    assert.equal(suggestions.length, gaps.suggestions.length);
    gaps.suggestions.forEach((s, i) => assert.ok(suggestions[i].includes(count(s.population_covered)), `suggestion ${i + 1}`));
    const worst = await page.$$eval('#gaps-output ol.worst > li', (li) => li.map((x) => x.textContent));
    assert.equal(worst.length, gaps.worst.length);
    gaps.worst.forEach((w, i) => {
      assert.ok(worst[i].includes(count(w.population)), `worst place ${i + 1}`);
      assert.ok(worst[i].includes('Census tract') && worst[i].includes('Miami-Dade'), worst[i]);
    });

    // The coverage table: every category, the share within each threshold.
    const thresholds = [1, 2, 3, 5, 10].map((v) => Math.round(v * MILE));
    const coverage = await api(env.server.base, `/api/v1/coverage?thresholds=${thresholds.join(',')}`);
    const rows = await page.$$eval('#coverage-table tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent)),
    );
    const categories = (await api(env.server.base, '/api/v1/categories')).categories;
    assert.equal(rows.length, categories.length);
    coverage.categories.forEach((c, i) => {
      assert.deepEqual(rows[i].slice(1), c.thresholds.map((t) => percent(t.share_within)), c.category);
    });
    await screenshot(page, 'leader-gaps');

    // "Show on map" goes to the first suggestion.
    await page.click('#gaps-output ol.suggestions > li:first-child button');
    const center = await page.evaluate(() => window.assetmap.map.getCenter());
    assert.ok(Math.abs(center.lng - gaps.suggestions[0].lon) < 1e-4 && Math.abs(center.lat - gaps.suggestions[0].lat) < 1e-4);
    await mapIdle(page);

    // A click on a shaded cell reads its numbers out.
    const hit = await page.evaluate(() => {
      const map = window.assetmap.map;
      const { width, height } = map.getCanvas().getBoundingClientRect();
      for (let y = 20; y < height; y += 20) {
        for (let x = 20; x < width; x += 20) {
          const f = map.queryRenderedFeatures([x, y], { layers: ['gap-cells'] })[0];
          if (f && !map.queryRenderedFeatures([x, y], { layers: ['gap-suggestions', 'site-points', 'clusters'] }).length) {
            return { x, y, h3: f.properties.h3 };
          }
        }
      }
      return null;
    });
    assert.ok(hit, 'a shaded cell in view');
    const box = await page.locator('#map canvas').boundingBox();
    await page.mouse.click(box.x + hit.x, box.y + hit.y);
    const cell = gaps.cells.features.find((f) => f.properties.h3 === hit.h3).properties;
    assert.ok((await page.textContent('#gaps-cell')).includes(`${count(cell.population_beyond)} of ${count(cell.population)} people`));
    await screenshot(page, 'leader-gaps-cell');

    assert.deepEqual(await auditNames(page), []);
    assert.deepEqual(await auditContrast(page), []);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('answers again as the API does when a filter changes, and in Arabic right-to-left', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await page.click('#tab-gaps');
    await page.selectOption('#gaps-category', 'health');
    await page.selectOption('#gaps-threshold', String(Math.round(2 * MILE)));
    await showGaps(page);
    const before = await page.textContent('#gaps-share');
    await page.check('#gaps-walk-in');
    await showGaps(page);
    const threshold = Math.round(2 * MILE);
    const gaps = await api(env.server.base, `/api/v1/gaps?category=health&threshold_m=${threshold}&walk_in=true&suggest=3`);
    assert.equal(await page.textContent('#gaps-share'), percent(gaps.share_beyond));
    assert.notEqual(await page.textContent('#gaps-share'), before, 'walk-ins only leaves more people beyond reach');
    const expected = gaps.cells.features.filter((f) => f.properties.population_beyond > 0).map((f) => f.properties.h3).sort();
    assert.deepEqual((await mapCells(page)).held, expected);

    await page.selectOption('#ui-language', 'ar');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert.equal(await page.getAttribute('html', 'lang'), 'ar');
    assert.equal(await page.textContent('#gaps-share'), percent(gaps.share_beyond, 'ar'));
    assert.equal(await page.locator('#panel-gaps .i18n-fallback').count(), 0, 'the gap view is complete in Arabic');
    assert.deepEqual(await auditContrast(page), []);
    await mapIdle(page);
    await screenshot(page, 'leader-gaps-arabic');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
