// The API documentation page (/api/docs: Swagger UI over /api/openapi.json, from the npm package
// vendored beside the map page's libraries) and the OGC API – Features HTML view, in Chromium,
// with no network but the test server.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, screenshot, api } from './harness.mjs';

describe('the API documentation and the OGC HTML view', () => {
  const env = serverAndBrowser();

  it('shows every operation of the OpenAPI document, offline', async () => {
    const doc = await api(env.server.base, '/api/openapi.json');
    const methods = ['get', 'put', 'post', 'delete', 'patch'];
    const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).filter((k) => methods.includes(k)).length, 0);
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await page.goto(`${env.server.base}/api/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    assert.equal(await page.locator('.opblock').count(), operations, 'one block per documented operation');
    // Open the items operation: its parameters are listed, bbox and the queryables among them.
    // The OGC paths are written relative to /ogc (a path-level server), as OGC clients read them.
    const items = page.locator('.opblock', { hasText: '/collections/{collectionId}/items' }).first();
    await items.locator('.opblock-summary').click();
    await items.locator('.parameters').waitFor();
    for (const name of ['bbox', 'limit', 'offset', 'datetime', 'language', 'cost']) {
      assert.ok(await items.locator(`tr[data-param-name="${name}"]`).count(), `parameter ${name} shown`);
    }
    await screenshot(page, 'api-docs');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('lets a person browse the sites of a category as HTML', async () => {
    const { page, problems, context } = await openPage(env.browser, env.server.base);
    await page.goto(`${env.server.base}/ogc`);
    await page.getByRole('link', { name: 'Collections' }).first().click();
    await page.getByRole('link', { name: 'Legal services' }).click();
    await page.getByRole('link', { name: 'Browse the sites' }).click();
    const legal = await api(env.server.base, '/ogc/collections/legal/items?f=json&limit=1');
    await page.waitForSelector('table');
    assert.equal(await page.locator('table tr').count(), Math.min(legal.numberMatched, 100) + 1, 'a row per site and a header');
    await page.locator('table a').first().click();
    await page.waitForSelector('th:text("categories")');
    assert.match(await page.locator('table').innerText(), /legal/);
    await screenshot(page, 'ogc-html-item');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
