// DOM helpers shared by every page: find an element, build one, fill a <select>.

import { setText } from './i18n.js';

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/**
 * `h('p', {class: 'x'}, child, 'text')`: a new element. `on…` attributes add listeners,
 * `i18n` sets the text from a translation key, `true` sets an empty attribute, and `false`,
 * `null` or `undefined` leave it out.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'i18n') setText(el, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}

/** An <option>, in language `lang` if given (a language's own name). */
export function option(value, text, lang) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  if (lang) o.lang = lang;
  return o;
}

/** Replaces a <select>'s options, keeping its choice when it is still offered. */
export function fillSelect(select, options) {
  const keep = select.value;
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}
