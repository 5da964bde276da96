// The page's own logic, run in node against the real server: what the map shows matches what
// the API answers; "open now" follows the server's rule; the search box reads places right; the
// translation files are complete where they must be, and every string the page uses exists.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, ROOT } from './harness.mjs';
import { siteMatches } from '../../web/js/site-view.js';
import { isOpen } from '../../web/js/hours.js';
import { parsePlace } from '../../web/js/place.js';
import { defaultUnits } from '../../web/js/format.js';

const WEB = join(ROOT, 'web');
const files = Object.fromEntries(
  readdirSync(join(WEB, 'i18n'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.slice(0, -5), JSON.parse(readFileSync(join(WEB, 'i18n', f), 'utf8'))]),
);

/** Every script of the pages, as paths under web/js (modules in folders included). */
function scripts() {
  return readdirSync(join(WEB, 'js'), { recursive: true })
    .filter((f) => f.endsWith('.js'))
    .sort();
}

describe('the search box', () => {
  it('reads a ZIP code or "latitude, longitude", and names what is wrong otherwise', () => {
    assert.deepEqual(parsePlace(' 33125 '), { zip: '33125' });
    // Kept to 3 decimals (about 100 m): the family's place is never held or sent more exactly.
    assert.deepEqual(parsePlace('25.7838, -80.2363'), { lon: -80.236, lat: 25.784 });
    assert.deepEqual(parsePlace('25.7712345 -80.2298765'), { lon: -80.23, lat: 25.771 });
    assert.deepEqual(parsePlace('95, 10'), { error: 'ui.search.error_latitude' });
    assert.deepEqual(parsePlace('10, 190'), { error: 'ui.search.error_longitude' });
    assert.deepEqual(parsePlace('3312'), { error: 'ui.search.error_format' });
    assert.deepEqual(parsePlace('Little Haiti'), { error: 'ui.search.error_format' });
    assert.deepEqual(parsePlace('  '), { error: 'ui.search.error_empty' });
  });
});

describe('distances', () => {
  it("are in miles where the browser's locale uses miles, else in kilometres", () => {
    assert.equal(defaultUnits(['en-US']), 'mi');
    assert.equal(defaultUnits(['es-US', 'es']), 'mi');
    assert.equal(defaultUnits(['en']), 'mi', 'plain English is taken as American English');
    assert.equal(defaultUnits(['es-ES']), 'km');
    assert.equal(defaultUnits(['fr-HT']), 'km');
    assert.equal(defaultUnits(['en-CA']), 'km');
    assert.equal(defaultUnits(['ar']), 'km');
  });
});

describe('"open now" uses the server\'s rule, in the site\'s time zone', () => {
  const hours = (weekly) => ({ timezone: 'America/New_York', weekly });
  it('reads spans, overnight spans and all-day spans like server/src/domain/hours.rs', () => {
    const sat = hours([
      { day: 'sat', opens: '09:00', closes: '12:00' },
      { day: 'sat', opens: '13:00', closes: '17:00' },
    ]);
    // 2026-11-28 is a Saturday; 15:00 UTC is 10:00 in Miami.
    assert.equal(isOpen(sat, new Date('2026-11-28T15:00:00Z')), true);
    assert.equal(isOpen(sat, new Date('2026-11-28T17:30:00Z')), false);
    assert.equal(isOpen(sat, new Date('2026-11-28T22:00:00Z')), false);
    assert.equal(isOpen(sat, new Date('2026-11-27T15:00:00Z')), false);
    const night = hours([{ day: 'fri', opens: '22:00', closes: '02:00' }]);
    assert.equal(isOpen(night, new Date('2026-11-28T04:00:00Z')), true); // Fri 23:00
    assert.equal(isOpen(night, new Date('2026-11-28T06:59:00Z')), true); // Sat 01:59
    assert.equal(isOpen(night, new Date('2026-11-28T07:00:00Z')), false); // Sat 02:00
    assert.equal(isOpen(hours([{ day: 'mon', opens: '00:00', closes: '00:00' }]), new Date('2026-11-30T20:00:00Z')), true);
    assert.equal(isOpen(hours([]), new Date()), null, 'no weekly hours: call for hours');
    assert.equal(isOpen(null, new Date()), null);
  });
});

describe('the map shows what the API would answer', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.stop());

  it('for every category small enough to list and every filter', async () => {
    const all = (await api(server.base, '/api/v1/sites?f=geojson&limit=10000')).features;
    const mapped = all.filter((f) => f.geometry);
    assert.ok(mapped.length > 500, 'the demo sites');
    assert.ok(all.some((f) => !f.geometry), 'confidential sites come without a location');
    // Far from everything: every matching site is within k=100 of it, ranked by distance.
    const origin = 'lon=-80.3&lat=25.7&k=100';
    const now = new Date();
    const filters = [
      {},
      { walkIn: true },
      { lang: 'ht' },
      { lang: 'es', walkIn: true },
      { noId: true },
      { free: true },
      { openNow: true },
    ];
    let compared = 0;
    for (const category of ['legal', 'housing', 'advocacy', 'education', 'library', 'faith']) {
      for (const f of filters) {
        const q = new URLSearchParams({ category });
        if (f.walkIn) q.set('walk_in', 'true');
        if (f.lang) q.set('lang', f.lang);
        if (f.noId) q.set('no_id', 'true');
        if (f.free) q.set('free', 'true');
        if (f.openNow) q.set('open_at', now.toISOString());
        const answer = await api(server.base, `/api/v1/nearest?${origin}&${q}`);
        assert.ok(answer.results.length < 100, `${category}: all matches fit in one answer`);
        const fromApi = answer.results.filter((r) => !r.location_withheld).map((r) => r.id).sort();
        const onMap = mapped.filter((s) => siteMatches(s.properties, { category, ...f }, now)).map((s) => s.id).sort();
        assert.deepEqual(onMap, fromApi, `${category} ${JSON.stringify(f)}`);
        compared += 1;
      }
    }
    assert.equal(compared, 42);
  });
});

describe('the translation files', () => {
  const en = files.en.strings;
  const used = new Set();
  for (const f of ['index.html', ...scripts().map((f) => join('js', f))]) {
    const text = readFileSync(join(WEB, f), 'utf8');
    for (const m of text.matchAll(/data-i18n="([a-z_]+\.[a-z_.]+)"/g)) used.add(m[1]);
    for (const m of text.matchAll(/:((?:ui|app)\.[a-z_.]+)/g)) used.add(m[1]);
    for (const m of text.matchAll(/['"`]((?:ui|app|field|status|cost|units)\.[a-z_]+(?:\.[a-z_]+)*)['"`]/g)) used.add(m[1]);
  }

  it('hold every string the page uses, in English', () => {
    assert.ok(used.size > 80, `${used.size} keys found in the page`);
    assert.deepEqual([...used].filter((k) => !en[k]).sort(), []);
  });

  it('are complete for the map page in Spanish, Arabic and Haitian Creole; Arabic is right-to-left', () => {
    // sheet.* and language.* belong to the printed sheet, which checks its own; acct.* to the
    // partner account pages (checked below); review.* to the translators' page, which is in
    // English (translators work from the English) until a translator supplies a language.
    const page = Object.keys(en).filter((k) => !/^(sheet|language|acct|review)\./.test(k));
    assert.ok(page.length > 130);
    for (const lang of ['es', 'ar', 'ht']) {
      const missing = page.filter((k) => !files[lang].strings[k]?.text);
      assert.deepEqual(missing, [], `${lang} is missing strings`);
    }
    assert.equal(files.ar.dir, 'rtl');
  });

  it('hold the partner account pages in English, with Spanish and Haitian Creole drafts', () => {
    const acct = Object.keys(en).filter((k) => k.startsWith('acct.'));
    assert.ok(acct.length > 100);
    for (const lang of ['es', 'ht']) {
      assert.deepEqual(acct.filter((k) => !files[lang].strings[k]?.text), [], `${lang} is missing account strings`);
    }
    const used = ['account.html', ...scripts().filter((f) => /^account[./]/.test(f)).map((f) => join('js', f))]
      .map((f) => readFileSync(join(WEB, f), 'utf8'))
      .join('\n');
    const keys = [...used.matchAll(/['"]((?:acct|review)\.[a-z_.]+[a-z_])['"]/g)].map((m) => m[1]);
    // A plural message is named by its base: its forms are `base.one`, `base.other`, ...
    assert.deepEqual(keys.filter((k) => !en[k] && !en[`${k}.other`]), []);
  });

  it('keep the placeholders of English, one key per line in order, and mark what a person reviewed', () => {
    for (const [lang, file] of Object.entries(files)) {
      const keys = Object.keys(file.strings);
      assert.deepEqual(keys, [...keys].sort(), `${lang}: keys sorted`);
      for (const [key, s] of Object.entries(file.strings)) {
        assert.equal(typeof s.reviewed, 'boolean', `${lang} ${key}: reviewed`);
        assert.ok(s.text.trim(), `${lang} ${key}: not empty`);
        const ph = (t) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        if (en[key]) assert.deepEqual(ph(s.text), ph(en[key].text), `${lang} ${key}: placeholders`);
      }
      if (lang === 'en') assert.ok(Object.values(file.strings).every((s) => s.reviewed), 'English is the source');
    }
  });
});
