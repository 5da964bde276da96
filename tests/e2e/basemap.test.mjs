// The deployment's own basemap (`--basemap FILE`) in Chromium: the page draws the archive's
// streets and place names (a pixel comparison with the outline-only page at the same view),
// every request stays on the server's origin, tiles answer as vector tiles with cache headers,
// and labels in Arabic are drawn right to left. The archive is made by the tests
// (tests/support/basemap.rs, run as a cargo example).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, launchBrowser, openPage, mapIdle, screenshot } from './harness.mjs';

/** Little Havana as the archive names it in Arabic (tests/support/basemap.rs). */
const HOOD_AR = 'هافانا الصغيرة';
const VIEW = { center: [-80.235, 25.787], zoom: 13.5 };

function makeArchive(dir) {
  const out = join(dir, 'miami.pmtiles');
  execFileSync('cargo', ['run', '--locked', '--quiet', '-p', 'assetmap-tests', '--example', 'make-basemap', '--', out], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return out;
}

/** Shows `VIEW` with the partner sites hidden (only the basemap left), then reads the frame back. */
async function basemapPixels(page, { hide = [] } = {}) {
  await page.evaluate(
    ({ view, hide }) => {
      const map = window.assetmap.map;
      document.getElementById('legend').open = false;
      for (const id of ['clusters', 'site-points', 'result-highlight', 'result-ranks', ...hide]) {
        if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', 'none');
      }
      map.jumpTo(view);
    },
    { view: VIEW, hide },
  );
  await mapIdle(page);
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const map = window.assetmap.map;
        map.once('render', () => {
          const gl = map.getCanvas().getContext('webgl2') || map.getCanvas().getContext('webgl');
          const w = gl.drawingBufferWidth;
          const h = gl.drawingBufferHeight;
          const px = new Uint8Array(w * h * 4);
          gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
          resolve({ w, h, px: Array.from(px) });
        });
        map.triggerRepaint();
      }),
  );
}

/**
 * The ink of a label around `at` (CSS pixels): where two frames (with and without it) differ
 * strongly. Returns how many pixels, how wide (CSS px) and how many gaps between columns of ink.
 */
function ink(withLabel, without, at, ratio) {
  const cx = Math.round(at.x * ratio);
  const cy = Math.round(withLabel.h - at.y * ratio); // GL rows count from the bottom
  const columns = new Set();
  let pixels = 0;
  for (let y = cy - 12 * ratio; y <= cy + 12 * ratio; y++) {
    for (let x = cx - 110 * ratio; x <= cx + 110 * ratio; x++) {
      const i = (y * withLabel.w + x) * 4;
      const d = Math.abs(withLabel.px[i] - without.px[i]) + Math.abs(withLabel.px[i + 1] - without.px[i + 1]);
      if (d > 60) {
        pixels++;
        columns.add(x);
      }
    }
  }
  const xs = [...columns].sort((a, b) => a - b);
  const gaps = xs.slice(1).filter((x, i) => x - xs[i] > 1).length;
  return { pixels, width: xs.length ? (xs.at(-1) - xs[0]) / ratio : 0, gaps };
}

/** Share of pixels whose colour differs by more than a little between two frames. */
function differing(a, b) {
  assert.equal(a.w, b.w);
  assert.equal(a.h, b.h);
  let n = 0;
  for (let i = 0; i < a.px.length; i += 4) {
    const d = Math.abs(a.px[i] - b.px[i]) + Math.abs(a.px[i + 1] - b.px[i + 1]) + Math.abs(a.px[i + 2] - b.px[i + 2]);
    if (d > 24) n++;
  }
  return n / (a.px.length / 4);
}

describe('the deployment’s own basemap', () => {
  const env = {};
  before(async () => {
    env.dir = mkdtempSync(join(tmpdir(), 'assetmap-basemap-'));
    const archive = makeArchive(env.dir);
    [env.withMap, env.outline] = await Promise.all([startServer(['--basemap', archive]), startServer()]);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await Promise.all([env.withMap?.stop(), env.outline?.stop()]);
    if (env.dir) rmSync(env.dir, { recursive: true, force: true });
  });

  it('draws streets and place names from the server’s own tiles, every request on the origin', async () => {
    const base = env.withMap.base;
    const { page, problems, requests, context } = await openPage(env.browser, base);
    const tiles = [];
    page.on('response', (res) => {
      if (res.url().includes('/basemap/tiles/') && res.status() === 200) tiles.push(res.headers());
    });
    const drawn = await basemapPixels(page);
    const rendered = await page.evaluate(() => {
      const map = window.assetmap.map;
      const count = (layers) => map.queryRenderedFeatures({ layers }).length;
      return {
        roads: count(['basemap-roads-major', 'basemap-roads-minor']),
        labels: count(['basemap-places', 'basemap-places-minor', 'basemap-roads-label']),
      };
    });
    assert.ok(rendered.roads > 5, `roads drawn: ${JSON.stringify(rendered)}`);
    assert.ok(rendered.labels > 0, `labels drawn: ${JSON.stringify(rendered)}`);
    await screenshot(page, 'basemap-own');

    // The same view on a server without --basemap: only the outline.
    const plain = await openPage(env.browser, env.outline.base);
    const outline = await basemapPixels(plain.page);
    await screenshot(plain.page, 'basemap-outline');
    const share = differing(drawn, outline);
    assert.ok(share > 0.05, `the streets change the picture: ${(share * 100).toFixed(1)} % of pixels differ`);

    // Tiles: vector tiles with cache headers; fonts and tiles from this origin only.
    assert.ok(tiles.length > 0, 'tiles were fetched');
    for (const h of tiles) {
      assert.equal(h['content-type'], 'application/vnd.mapbox-vector-tile');
      assert.equal(h['cache-control'], 'public, max-age=86400');
      assert.ok(h.etag);
    }
    assert.ok(requests.some((u) => u.startsWith(`${base}/basemap/style.json`)));
    assert.ok(requests.some((u) => u.includes('/node_modules/@fontsource/noto-sans/')), 'labels drawn with the shipped font');
    assert.deepEqual(problems, [], 'no request left the origin, nothing failed');
    assert.deepEqual(plain.problems, []);
    await plain.context.close();
    await context.close();
  });

  it('labels in Arabic where the tiles have them, drawn right to left', async () => {
    const base = env.withMap.base;
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ar' });
    await context.addInitScript(() => localStorage.setItem('assetmap.prefs', JSON.stringify({ lang: 'ar' })));
    const requests = [];
    const problems = [];
    context.on('request', (req) => {
      requests.push(req.url());
      if (!req.url().startsWith(`${base}/`) && !/^(data|blob):/.test(req.url())) problems.push(`outside request: ${req.url()}`);
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    const withLabels = await basemapPixels(page);
    const label = await page.evaluate((name) => {
      const map = window.assetmap.map;
      const field = map.getLayoutProperty('basemap-places-minor', 'text-field');
      const hit = map.queryRenderedFeatures({ layers: ['basemap-places-minor'] }).find((f) => f.properties['name:ar'] === name);
      return { field, at: hit ? map.project(hit.geometry.coordinates) : null };
    }, HOOD_AR);
    assert.deepEqual(label.field, ['coalesce', ['get', 'name:ar'], ['get', 'name']]);
    assert.ok(label.at, 'the neighbourhood’s label is placed');
    await screenshot(page, 'basemap-arabic');
    const without = await basemapPixels(page, { hide: ['basemap-places-minor'] });
    const shaped = ink(withLabels, without, label.at, await page.evaluate(() => window.devicePixelRatio));
    assert.ok(shaped.pixels > 50, `the Arabic label is drawn (${shaped.pixels} pixels of ink)`);
    assert.ok(shaped.width > 40, 'the label spans its words');

    // The control: the same letters kept apart by zero-width non-joiners, as unshaped text
    // would be drawn. Joined script leaves fewer gaps between its letters.
    await page.evaluate((name) => {
      const map = window.assetmap.map;
      map.setLayoutProperty('basemap-places-minor', 'visibility', 'visible');
      map.setLayoutProperty('basemap-places-minor', 'text-field', [...name].join('\u200c'));
    }, HOOD_AR);
    const apart = ink(await basemapPixels(page), without, label.at, await page.evaluate(() => window.devicePixelRatio));
    assert.ok(apart.pixels > 50, 'the control is drawn');
    assert.ok(shaped.gaps < apart.gaps, `letters are joined: ${shaped.gaps} gaps, ${apart.gaps} when kept apart`);
    assert.ok(shaped.width < apart.width, `joined forms are narrower: ${shaped.width} < ${apart.width} px`);
    assert.ok(requests.some((u) => u.includes('noto-sans-arabic-arabic-400-normal.woff2')), 'drawn with Noto Sans Arabic');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
