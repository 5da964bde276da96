// A school leader brings the district's own counts — families by ZIP code and home language —
// picks Haitian Creole, sees the gaps for those families with small cells hatched, and
// downloads the printable report for the school board packet.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { serverAndBrowser, openPage, screenshot, mapIdle } from './harness.mjs';

const FAMILIES = [
  'zip,language,count,grade',
  '33150,Haitian Creole,2,K',
  '33150,Haitian Creole,1,1',
  '33150,Spanish,40,K',
  '33138,ht,25,K',
  '33161,Haitian Creole,31,K',
  '33133,Haitian Creole,6,K',
  '33127,Haitian Creole,40,K',
  '33142,Haitian Creole,55,K',
  '33157,Haitian Creole,70,K',
  '33127,Portuguese,4,K',
  '',
].join('\n');

async function openGaps(page) {
  await page.click('#tab-gaps');
  await page.waitForSelector('#panel-gaps:not([hidden])');
}

async function upload(page, text = FAMILIES, name = 'families.csv') {
  await page.selectOption('#gaps-demand', 'upload');
  await page.setInputFiles('#gaps-demand-file', { name, mimeType: 'text/csv', buffer: Buffer.from(text) });
}

async function submit(page) {
  await page.click('#gaps-form button[type="submit"]');
  await page.waitForFunction(() => !document.getElementById('gaps-output').hasAttribute('aria-busy'));
}

describe('a leader plans with the school’s own families', () => {
  const env = serverAndBrowser();

  it('uploads counts, picks Haitian Creole, sees suppressed cells hatched and downloads the report', async () => {
    const { page, problems } = await openPage(env.browser, env.server.base);
    await mapIdle(page);
    await openGaps(page);
    await upload(page);
    await page.selectOption('#gaps-category', 'legal');
    await page.selectOption('#gaps-language', 'ht');
    await page.selectOption('#gaps-threshold', String(Math.round(1609.344)));
    await page.selectOption('#gaps-suggest', '2');
    await page.selectOption('#gaps-candidates', 'library,faith');
    await submit(page);
    await page.waitForSelector('#gaps-share');
    await mapIdle(page);

    const text = await page.textContent('#gaps-output');
    // Only the Haitian Creole families count: 3 + 25 + 31 + 6 + 40 + 55 + 70 = 230.
    assert.match(text, /of 230 families live farther than 1 mi/, text);
    assert.match(text, /Families counted: 230 in 7 ZIP code and language groups/, text);
    assert.match(text, /fewer than 10/, 'the suppression rule is said');
    // No figure below 10 anywhere in the answer shown.
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9]) {
      assert.doesNotMatch(text, new RegExp(`: ${n} (people|families)`), `a figure of ${n} is shown`);
    }
    // Suggestions at candidate hosts (libraries, houses of worship), two of them at most.
    const suggestions = await page.$$eval('#gaps-output ol.suggestions > li', (li) => li.map((x) => x.textContent));
    assert.ok(suggestions.length >= 1 && suggestions.length <= 2, suggestions.join('\n'));
    // The per-language coverage view.
    assert.equal(await page.locator('table.coverage[data-language="ht"]').count(), 1);

    // The map: cells with fewer than 10 families are hatched, not shaded by a number.
    const layer = await page.evaluate(() => {
      const map = window.assetmap.map;
      const held = map.querySourceFeatures('gaps').map((f) => f.properties);
      return {
        hidden: held.filter((p) => p.suppressed === true).length,
        small: held.filter((p) => typeof p.population === 'number' && p.population > 0 && p.population < 10).length,
        visible: map.getLayoutProperty('gap-cells-hidden', 'visibility'),
        drawn: map.queryRenderedFeatures({ layers: ['gap-cells-hidden'] }).length,
      };
    });
    assert.ok(layer.hidden >= 1, JSON.stringify(layer));
    assert.equal(layer.small, 0, 'no cell shows a number under 10');
    assert.equal(layer.visible, 'visible');
    await screenshot(page, 'families-haitian-creole');

    // The printable report, for the school board packet.
    const [report] = await Promise.all([page.waitForEvent('download'), page.click('#gaps-download-html')]);
    assert.equal(report.suggestedFilename(), 'gaps-report.html');
    const html = readFileSync(await report.path(), 'utf8');
    assert.match(html, /speaking ht/);
    assert.match(html, /Prepared \w+ \d+, \d{4}/, 'dated');
    assert.match(html, /Our families: request body/, 'the source');
    assert.match(html, /fewer than 10/, 'the suppression rule');
    assert.match(html, /url\(#hatch\)/, 'suppressed cells hatched on the printed map');
    assert.match(html, /<svg/, 'a map');
    // And the CSV.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#gaps-download-csv')]);
    const rows = readFileSync(await csv.path(), 'utf8').trim().split('\n');
    assert.equal(rows.length, 1 + 7, 'a row per Haitian Creole ZIP');
    assert.ok(rows.some((r) => r.startsWith('33150:ht,') && r.includes('fewer than 10')), rows.join('\n'));
    assert.deepEqual(problems, []);
  });

  it('names every bad row and field of a table and uses none of it', async () => {
    const { page, problems } = await openPage(env.browser, env.server.base);
    await openGaps(page);
    await upload(page, 'zip,language,count\n33150,ht,12\n99999,ht,5\n33138,Elvish,-3\n');
    await submit(page);
    const listed = await page.$$eval('#gaps-problems li', (li) => li.map((x) => x.textContent));
    assert.equal(listed.length, 3, listed.join('\n'));
    assert.ok(listed[0].startsWith('row 3: zip:'), listed[0]);
    assert.ok(listed[1].startsWith('row 4: language:'), listed[1]);
    assert.ok(listed[2].startsWith('row 4: count:'), listed[2]);
    assert.equal(await page.locator('#gaps-share').count(), 0, 'no answer from a bad table');
    // The two 422 answers (gaps and coverage) are the only problems.
    assert.deepEqual(problems.filter((p) => !/422/.test(p)), []);
  });
});
