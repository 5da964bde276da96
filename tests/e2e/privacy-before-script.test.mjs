// The family's place never reaches the address bar, not even when the counselor presses Enter
// before the page's script is ready (a slow machine, a slow network): the browser's own form
// submission then carries nothing, because no control of the search form has a name.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './harness.mjs';

describe('a counselor who types before the page is ready', () => {
  const env = serverAndBrowser();

  it('sends no ZIP code in the address when the browser submits the search form itself', async () => {
    const context = await env.browser.newContext();
    // The page's modules never arrive: the form is plain HTML, as in the first moments of a
    // slow load.
    await context.route('**/*.js', (route) => route.abort());
    const page = await context.newPage();
    const requests = [];
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(`${env.server.base}/`);
    await page.fill('#place', '33125');
    await Promise.all([page.waitForNavigation({ timeout: 10_000 }).catch(() => {}), page.press('#place', 'Enter')]);
    assert.ok(!page.url().includes('33125'), `the address bar shows the ZIP: ${page.url()}`);
    const carrying = requests.filter((u) => u.includes('33125'));
    assert.deepEqual(carrying, [], 'no request carries the ZIP');
    await context.close();
  });
});
