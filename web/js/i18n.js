// UI strings from the translation files in web/i18n/ (see web/i18n/README.md). Nothing is ever
// machine-translated: a string missing from the chosen language shows the English text, marked
// with lang="en" and the class `i18n-fallback`, never nothing.

const cache = new Map();
let english = {};
let current = { language: 'en', dir: 'ltr', strings: {} };

async function fetchLanguage(code) {
  if (!cache.has(code)) {
    cache.set(
      code,
      fetch(`i18n/${encodeURIComponent(code)}.json`).then((r) => {
        if (!r.ok) throw new Error(`translation file ${code}: HTTP ${r.status}`);
        return r.json();
      }),
    );
  }
  return cache.get(code);
}

/** Loads `code` (and English, the fallback) and makes it current. */
export async function setLanguage(code) {
  const [en, file] = await Promise.all([fetchLanguage('en'), fetchLanguage(code)]);
  english = en.strings;
  current = file;
  const html = document.documentElement;
  html.lang = file.language;
  html.dir = file.dir === 'rtl' ? 'rtl' : 'ltr';
  return file;
}

export function language() {
  return current.language;
}

/** Counts of strings in the current file and how many a person has reviewed. */
export function reviewStats() {
  const all = Object.values(current.strings);
  return { total: Object.keys(english).length, present: all.length, reviewed: all.filter((s) => s.reviewed).length };
}

function fill(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** `{text, fallback}`: `fallback` is true when the English text stands in. */
export function lookup(key, vars) {
  const own = current.strings[key];
  if (own && own.text) return { text: fill(own.text, vars), fallback: false };
  const en = english[key];
  if (en) return { text: fill(en.text, vars), fallback: current.language !== 'en' };
  console.warn(`missing translation key ${key}`);
  return { text: key, fallback: true };
}

/**
 * A plural message (`base.one`, `base.few`, `base.other`, ... in the translation file): the form
 * of `count`'s category in the current language (CLDR rules, through the browser's
 * Intl.PluralRules), else the language's `.other`, else English's form, marked as a fallback.
 * `{count}` is written as the language writes numbers (Intl.NumberFormat).
 */
export function plural(base, count, vars = {}) {
  const all = { ...vars, count: new Intl.NumberFormat(current.language).format(count) };
  const cat = new Intl.PluralRules(current.language).select(count);
  for (const form of [cat, 'other']) {
    const own = current.strings[`${base}.${form}`];
    if (own?.text) return { text: fill(own.text, all), fallback: false };
  }
  return lookup(`${base}.${new Intl.PluralRules('en').select(count)}`, all);
}

/** The text of `key` in the current language (English when missing). */
export function t(key, vars) {
  return lookup(key, vars).text;
}

/** Sets an element's text to `key`, marking an English stand-in so it is seen and pronounced as such. */
export function setText(el, key, vars) {
  const { text, fallback } = lookup(key, vars);
  el.textContent = text;
  if (fallback) {
    el.lang = 'en';
    el.classList.add('i18n-fallback');
  } else {
    el.removeAttribute('lang');
    el.classList.remove('i18n-fallback');
  }
  return el;
}

/** A new element holding the text of `key`. */
export function tEl(tag, key, vars, className) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  return setText(el, key, vars);
}

/**
 * Translates the static page: `data-i18n="key"` sets the text, `data-i18n-attr="attr:key;…"`
 * sets attributes (aria-label, placeholder, title).
 */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) setText(el, el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

/**
 * The name of a language (ISO 639 code) in the UI language: from the translation file
 * (`language.<code>`, the names the printed sheet uses) when it has one, else from the
 * browser's CLDR data (written by people, not machine-translated).
 */
export function languageName(code) {
  const own = current.strings[`language.${code}`];
  if (own?.text) return own.text;
  try {
    const names = new Intl.DisplayNames([current.language, 'en'], { type: 'language', fallback: 'code' });
    return names.of(code) || code;
  } catch {
    return code;
  }
}

export function numberFormat(options) {
  return new Intl.NumberFormat(current.language, options);
}

export function dateFormat(options) {
  return new Intl.DateTimeFormat(current.language, options);
}
