// A deployment with its own tile server points the page at that style (`--map-style-url`);
// the page draws it under its own layers instead of the built-in offline basemap.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, launchBrowser, openPage, screenshot, api, mapIdle } from './harness.mjs';

/** A stand-in for a tile server: one MapLibre style (a coloured background and a GeoJSON box). */
function styleServer() {
  const style = {
    version: 8,
    name: 'district tiles',
    sources: {
      district: {
        type: 'geojson',
        data: { type: 'Polygon', coordinates: [[[-80.5, 25.4], [-80.1, 25.4], [-80.1, 26.0], [-80.5, 26.0], [-80.5, 25.4]]] },
      },
    },
    layers: [
      { id: 'district-background', type: 'background', paint: { 'background-color': '#e8e4d8' } },
      { id: 'district-area', type: 'fill', source: 'district', paint: { 'fill-color': '#cfe3c8' } },
    ],
  };
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    if (req.url !== '/style.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
    res.end(JSON.stringify(style));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, requests, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

describe('a deployment with its own map tiles', () => {
  let tiles;
  let server;
  let browser;
  before(async () => {
    tiles = await styleServer();
    server = await startServer(['--map-style-url', `${tiles.origin}/style.json`]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    tiles?.server.close();
  });

  it('draws the configured style under the sites instead of the offline basemap', async () => {
    const config = await api(server.base, '/api/v1/config');
    assert.equal(config.map.style_url, `${tiles.origin}/style.json`);
    const { page, problems, context } = await openPage(browser, server.base, { alsoAllowed: [`${tiles.origin}/`] });
    await mapIdle(page);
    const style = await page.evaluate(() => {
      const map = window.assetmap.map;
      return {
        name: map.getStyle().name,
        layers: map.getStyle().layers.map((l) => l.id),
        sites: map.queryRenderedFeatures({ layers: ['clusters', 'site-points'] }).length,
      };
    });
    assert.equal(style.name, 'district tiles');
    assert.ok(!style.layers.includes('land'), 'the offline basemap is not drawn');
    assert.ok(style.layers.includes('district-area') && style.layers.includes('site-points'));
    assert.ok(style.sites > 10, 'the sites are drawn over the configured style');
    assert.deepEqual(tiles.requests, ['/style.json']);
    await screenshot(page, 'deployment-style-url');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
