// A partner keeps its own listing current: an admin invites an editor, the editor sets a
// password, signs in, changes a site's Sunday hours on the edit form, and the change shows in
// the nearest answer and on the map page at once; the editor invites a colleague. The admin
// approves a new organization, revokes the colleague's link, deactivates and reactivates the
// editor, reverts the edit and reads the stale report.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, launchBrowser, openPage, screenshot, api, serverBinary, mapIdle } from './harness.mjs';
import { auditNames, auditContrast } from './audit.mjs';

const TOKEN = 'e2e-admin-token';
const PASSWORD = 'a long enough password';
// 2026-11-29 is a Sunday; open_at is read as local time at each site.
const SUNDAY = '2026-11-29T11:00';

async function adminPost(base, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

describe('a partner editor and an admin', () => {
  let server;
  let browser;
  let edited;
  before(async () => {
    server = await startServer(['--admin-token', TOKEN]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs in, changes a site\'s hours, and the change shows in nearest results and on the map page', async () => {
    // The place nearest ZIP 33125 that is closed on Sundays.
    const near = await api(server.base, '/api/v1/nearest?zip=33125&k=10');
    const site = (edited = near.results.find((r) => !(r.hours?.weekly || []).some((s) => s.day === 'sun') && !r.confidential));
    assert.ok(site, 'a site near 33125 closed on Sundays');
    const sundayBefore = await api(server.base, `/api/v1/nearest?zip=33125&k=100&open_at=${SUNDAY}`);
    assert.ok(!sundayBefore.results.some((r) => r.id === site.id), 'closed on Sunday before the edit');

    const invite = await adminPost(server.base, '/api/v1/admin/invitations', { partner_id: site.partner_id });
    const { page, problems } = await openPage(browser, server.base);

    // The invitation link: the editor chooses a password and is signed in.
    await page.goto(invite.url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.getByLabel('Email', { exact: true }).fill('editor@partner.example.org');
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('The new password again', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Save the password and sign in' }).click();
    await page.getByRole('heading', { name: 'My listings' }).waitFor();

    // Signs out and in again, with the keyboard.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // Next time, the editor comes through the map page's link for partners.
    await page.goto(`${server.base}/`);
    await mapIdle(page);
    await page.getByRole('link', { name: 'Partner organizations: sign in to update your listing, or list your organization' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email', { exact: true }).first().fill('editor@partner.example.org');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.getByRole('heading', { name: 'My listings' }).waitFor();
    await screenshot(page, 'partner-listings');

    // The editor invites a colleague of the same organization.
    await page.getByText('Invite a colleague', { exact: true }).click();
    await page.getByLabel('Email', { exact: true }).fill('colleague@partner.example.org');
    await page.getByRole('button', { name: 'Create the invitation link' }).click();
    await page.waitForSelector('code.secret');
    assert.match(await page.textContent('code.secret'), /\/account\.html#invite=[0-9a-f]{64}$/);
    await screenshot(page, 'partner-invite-colleague');

    // The edit form: Sunday 10:00-14:00.
    await page.click(`a[href="#edit=${site.id}"]`);
    await page.getByRole('heading', { name: `Edit ${site.name}` }).waitFor();
    await page.getByLabel('Sunday', { exact: true }).fill('10:00-14:00');
    assert.ok(await page.locator('.pin-map canvas').count(), 'a map to place the pin');
    assert.deepEqual(await auditNames(page), [], 'every control of the edit form has a name');
    assert.deepEqual(await auditContrast(page), [], 'WCAG AA contrast on the edit form');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.', { exact: true }).first().waitFor();
    await screenshot(page, 'partner-edit-saved');

    const after = await api(server.base, `/api/v1/nearest?zip=33125&k=100&open_at=${SUNDAY}`);
    assert.ok(after.results.some((r) => r.id === site.id), 'open on Sunday in the nearest answer');
    const record = await api(server.base, `/api/v1/sites/${site.id}`);
    assert.deepEqual(record.hours.weekly.filter((s) => s.day === 'sun'), [{ day: 'sun', opens: '10:00', closes: '14:00' }]);
    assert.equal(record.version, site.version + 1);

    // The map page: the same place among the ZIP's ten nearest, its hours showing Sunday.
    await page.goto(`${server.base}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#place', '33125');
    await page.press('#place', 'Enter');
    await page.waitForFunction(() => !document.getElementById('results').hasAttribute('aria-busy'));
    await page.waitForSelector('#results-list > li');
    const listed = await page.$$eval('#results-list > li', (lis) => lis.map((li) => li.dataset.id));
    // (Places at the same spot may swap: compare as sets.)
    assert.deepEqual([...listed].sort(), near.results.map((r) => r.id).sort(), 'the same ten places as the API');
    await page.click(`#results-list > li[data-id="${site.id}"] button.name`);
    await page.waitForSelector('#details:not([hidden]) #details-name');
    const sunday = await page.$$eval('#details table.hours tr', (rows) =>
      rows.map((r) => [r.querySelector('th').textContent, r.querySelector('td').textContent]).find(([d]) => d === 'Sunday'),
    );
    assert.ok(sunday, 'a Sunday row');
    assert.match(sunday[1], /10:00\s?AM–2:00\s?PM/);
    await screenshot(page, 'partner-change-on-map');
    assert.deepEqual(problems, []);
  });

  it('lets an admin approve a new organization, read the history, revert the edit and see the stale report', async () => {
    assert.ok(edited, 'runs after the editor test');
    execFileSync(serverBinary(), ['admin', 'create', '--email', 'staff@district.example.org', '--database', server.database], {
      input: `${PASSWORD}\n`,
    });
    const { page, problems } = await openPage(browser, server.base);

    // A new organization lists itself; it is pending.
    await page.goto(`${server.base}/account.html#signup`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.getByLabel('Organization name').fill('Esperanza Legal');
    await page.getByLabel('Your email').fill('intake@esperanza.example.org');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();

    // The admin signs in and approves it from the queue.
    await page.goto(`${server.base}/account.html#signin`);
    await page.getByLabel('Email', { exact: true }).first().fill('staff@district.example.org');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My listings' }).waitFor();
    await page.getByRole('link', { name: 'Admin queue' }).click();
    await page.getByRole('heading', { name: 'Admin queue' }).waitFor();
    assert.ok((await page.textContent('#view')).includes('Esperanza Legal'));
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForSelector('code.secret');
    assert.match(await page.textContent('code.secret'), /\/account\.html#invite=[0-9a-f]{64}$/);
    const partners = await api(server.base, '/api/v1/partners?limit=10000');
    assert.ok(partners.partners.some((p) => p.name === 'Esperanza Legal'), 'public once approved');
    await screenshot(page, 'admin-queue');

    // The colleague's link, made by the editor, is listed with its maker; the admin revokes it.
    const linkItem = page.locator('ul.invitations li', { hasText: 'colleague@partner.example.org' });
    assert.match(await linkItem.textContent(), /made by editor@partner\.example\.org/);
    await page.getByRole('button', { name: /Revoke the link for .*colleague@partner\.example\.org/ }).click();
    await linkItem.waitFor({ state: 'detached' });
    const open = await (await fetch(`${server.base}/api/v1/admin/invitations`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    assert.ok(!open.invitations.some((i) => i.email === 'colleague@partner.example.org'), 'revoked');

    // The editor leaves: deactivated, they cannot sign in; reactivated, they can.
    const signIn = () => fetch(`${server.base}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'editor@partner.example.org', password: PASSWORD }),
    });
    const editorRow = page.locator('li[data-email="editor@partner.example.org"]');
    await page.getByRole('button', { name: 'Deactivate editor@partner.example.org' }).click();
    await editorRow.getByText(/^Deactivated .* by staff@district\.example\.org$/).waitFor();
    assert.equal((await signIn()).status, 403);
    await screenshot(page, 'admin-people-deactivated');
    await page.getByRole('button', { name: 'Reactivate editor@partner.example.org' }).click();
    await editorRow.getByText('Active', { exact: true }).waitFor();
    assert.equal((await signIn()).status, 200);
    assert.deepEqual(await auditNames(page), [], 'every control of the admin queue has a name');

    // History of the edited site: the editor's change, reverted by the admin.
    await page.goto(`${server.base}/account.html#history=${edited.id}`);
    await page.getByRole('heading', { name: 'History of changes' }).waitFor();
    const firstRow = page.locator('tbody tr').first();
    assert.match(await firstRow.textContent(), /editor@partner\.example\.org/);
    assert.match(await firstRow.textContent(), /hours/);
    await firstRow.getByRole('button', { name: /Revert the change of/ }).click();
    await page.waitForFunction(() => document.querySelector('tbody tr')?.textContent.includes('Reverted'));
    const record = await api(server.base, `/api/v1/sites/${edited.id}`);
    assert.deepEqual(record.hours, edited.hours, 'the hours as they were before the edit');
    await screenshot(page, 'admin-history-reverted');

    // The stale report: the demo's 2019 listings, with contacts, still shown (--demo hides none).
    await page.getByRole('link', { name: 'Stale report' }).click();
    await page.getByRole('heading', { name: 'Stale listings' }).waitFor();
    assert.ok((await page.locator('tbody tr').count()) > 100);
    assert.match(await page.textContent('#view'), /this server hides none of them/);
    await screenshot(page, 'admin-stale-report');
    assert.deepEqual(await auditNames(page), []);
    assert.deepEqual(await auditContrast(page), []);
    assert.deepEqual(problems, []);
  });
});
