// The browser tests' harness: the real assetmap server (demo data, its own SQLite file, a random
// port) and Debian's chromium driven by playwright-core. No browser is ever downloaded: the
// executable is CHROMIUM or /usr/bin/chromium, and the tests fail loudly when it is missing.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

/**
 * The server binary: ASSETMAP_BIN, else a debug build made now. Building the tests along with
 * the binaries gives the same feature set as `cargo test --workspace`, so cargo reuses its work
 * and only links the binary.
 */
export function serverBinary() {
  if (process.env.ASSETMAP_BIN) return process.env.ASSETMAP_BIN;
  execFileSync('cargo', ['build', '--locked', '--workspace', '--bins', '--tests'], { cwd: ROOT, stdio: 'inherit' });
  const meta = JSON.parse(
    execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: ROOT, encoding: 'utf8' }),
  );
  return join(meta.target_directory, 'debug', 'assetmap');
}

/** Starts `assetmap serve --demo` on a random port over a fresh database, with `args` added. */
export async function startServer(args = []) {
  const bin = serverBinary();
  const dir = mkdtempSync(join(tmpdir(), 'assetmap-e2e-'));
  const child = spawn(bin, ['serve', '--demo', '--addr', '127.0.0.1:0', '--database', join(dir, 'e2e.db'), ...args], {
    cwd: ROOT,
    env: { ...process.env, RUST_LOG: 'assetmap=info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const base = await new Promise((resolveBase, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 120 s:\n${log}`)), 120_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /assetmap is listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
  return {
    base,
    /** The server's SQLite file (for `assetmap admin create`). */
    database: join(dir, 'e2e.db'),
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function chromiumPath() {
  const path = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}: install Debian's chromium (apt-get install chromium) or set CHROMIUM`);
  }
  return path;
}

/** Headless Debian chromium with software WebGL (SwiftShader), a fresh profile, no background traffic. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // No network but the test server: every other host name fails to resolve.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

/**
 * A new page that records console errors, uncaught exceptions, failed requests and any request
 * leaving the test server (the page must need no network but its own server).
 */
export async function openPage(
  browser,
  base,
  { viewport = { width: 1280, height: 900 }, locale = 'en-US', alsoAllowed = [] } = {},
) {
  const context = await browser.newContext({ viewport, locale });
  const problems = [];
  // Every request the pages make, to check what they carry.
  const requests = [];
  // Every page of the context is watched, including tabs the page opens (the referral sheet).
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()} ${res.url()}`);
    });
  };
  context.on('page', watch);
  // Any request that is not to the test server is a failure (and, with the browser's host
  // rules, could not reach anything anyway). Recorded rather than intercepted: Playwright's
  // interception holds back the requests of a tab whose document the page writes itself.
  context.on('request', (req) => {
    const url = req.url();
    requests.push(url);
    const allowed = [`${base}/`, ...alsoAllowed, 'data:', 'blob:'];
    if (!allowed.some((prefix) => url.startsWith(prefix))) {
      problems.push(`outside request: ${url}`);
    }
  });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  return { page, context, problems, requests };
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

export function saveArtifact(name, text) {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, name), text);
}

export async function api(base, path) {
  const res = await fetch(`${base}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Waits until the map has drawn everything it was given (tiles, sources, images). */
export async function mapIdle(page) {
  await page.waitForFunction(() => window.assetmap?.map && window.assetmap.map.loaded() && !window.assetmap.map.isMoving(), null, {
    timeout: 30_000,
  });
  // `loaded()` can already be true when a GeoJSON source has just been given new data (the
  // sites, right after the map starts) and its tiles are not yet remade and drawn: wait for a
  // frame drawn with everything loaded — MapLibre's 'idle', after a repaint asked for now.
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const map = window.assetmap.map;
        map.once('idle', resolve);
        map.triggerRepaint();
      }),
  );
}

/**
 * For a `describe` block: one server and one browser shared by its tests, started before them
 * and stopped after. Read `env.server.base` and `env.browser` inside the tests.
 */
export function serverAndBrowser() {
  const env = {};
  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
