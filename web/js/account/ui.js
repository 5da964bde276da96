// The account pages' building blocks: labelled fields, the error box that names what the
// server refused, headings, the view, dates.

import { h } from '../dom.js';
import { ApiError } from '../api.js';
import { t, tEl, language } from '../i18n.js';

const view = document.getElementById('view');

let uid = 0;
/** A labelled field: label + control (+ hint). */
export function field(labelKey, control, hintKey) {
  control.id ||= `f${++uid}`;
  const hint = hintKey ? tEl('p', hintKey, null, 'hint') : null;
  if (hint) {
    hint.id = `${control.id}-hint`;
    control.setAttribute('aria-describedby', hint.id);
  }
  return h('div', { class: 'field' }, h('label', { for: control.id, i18n: labelKey }), control, hint);
}

export function input(type, value = '', attrs = {}) {
  return h('input', { type, value: value ?? '', ...attrs });
}

export function announce(key, vars) {
  document.getElementById('announce').textContent = t(key, vars);
}

/** Shows a problem in `box`: each field the server named, or its detail. */
export function showError(box, e) {
  box.hidden = false;
  box.textContent = '';
  if (e instanceof ApiError) {
    if (e.status === 401 && e.problem?.type === '/problems/sign-in-failed') box.append(t('acct.signin.failed'));
    else if (e.status === 429) box.append(t('acct.signin.locked', { seconds: e.problem?.detail?.match(/\d+/)?.[0] ?? '?' }));
    else if (e.status === 409) box.append(t('acct.conflict'));
    else if (e.status === 403) box.append(t('acct.forbidden'));
    else if (e.status === 410) box.append(t('acct.invite.gone'));
    else if (e.problem?.errors?.length) box.append(h('ul', {}, e.problem.errors.map((x) => h('li', {}, `${x.field}: ${x.message}`))));
    else box.append(e.problem?.detail || e.message);
  } else {
    box.append(String(e.message || e));
  }
  box.focus?.();
}

export function errorBox() {
  return h('p', { class: 'error', role: 'alert', tabindex: '-1', hidden: true });
}

export function heading(key, vars) {
  const el = tEl('h2', key, vars);
  el.tabIndex = -1;
  return el;
}

export function show(...children) {
  view.replaceChildren(...children);
  const first = view.querySelector('h2');
  (first || view).focus();
}

export function date(ts) {
  if (!ts) return t('acct.never');
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium' }).format(new Date(ts));
}

export function datetime(ts) {
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ts));
}

/** A form whose submission runs `action`, showing its problem, if any, in `err`. */
export function apiForm(err, action, ...children) {
  return h('form', {
    novalidate: true,
    onsubmit: async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      try {
        await action();
      } catch (e) {
        showError(err, e);
      }
    },
  }, ...children);
}

/** An invitation or reset link just made, to pass on by hand. */
export function secretBox(inv) {
  return h('p', {}, t('acct.invite.made'), ' ', h('code', { class: 'secret' }, inv.url));
}

