// The one client of the JSON API, for the map page and the account pages alike. Queries that
// carry the family's location go only here, as the query of one request; the server neither
// logs nor stores them (see server/src/telemetry.rs).
//
// Every refusal is an `ApiError` holding the RFC 9457 problem+json body the server sent. The
// account pages' CSRF token is held here, in memory only, and sent as X-CSRF-Token with every
// request that changes something.

import { coarse } from './place.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    /** The problem+json body (`type`, `title`, `detail`, `errors`); `{}` when there was none. */
    this.problem = problem || {};
  }
  /** The first field the server named as wrong (`zip`, `lat`, …). */
  get field() {
    return this.problem.errors?.[0]?.field;
  }
}

let csrfToken = null;

/**
 * Sends a text body (a PO file, say) with its media type; answers the parsed JSON, throws
 * `ApiError` on a refusal, as `request` does.
 */
export async function sendText(method, path, text, contentType) {
  const headers = { accept: 'application/json', 'content-type': contentType };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, body: text, credentials: 'same-origin' });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** The session's CSRF token (null when signed out), sent with every request that changes something. */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

/**
 * One API request: `params` become the query, `body` is sent as JSON, `ifMatch` names the
 * version an edit starts from. Answers the parsed JSON (null for 204 No Content); throws
 * `ApiError` for any status that is not a success.
 */
export async function request(method, path, { params, body, ifMatch } = {}) {
  const qs = params ? `?${new URLSearchParams(params)}` : '';
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (ifMatch !== undefined) headers['if-match'] = `"${ifMatch}"`;
  const res = await fetch(`${path}${qs}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (res.status === 204) return null;
  if (!res.ok) {
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      /* not problem+json */
    }
    throw new ApiError(res.status, problem);
  }
  return res.json();
}

/** `GET path?params` as JSON. */
export function getJson(path, params) {
  return request('GET', path, { params });
}

/** A request that changes something (`POST`, `PATCH`, `DELETE`), with an optional JSON body. */
export function send(method, path, body, { ifMatch } = {}) {
  return request(method, path, { body, ifMatch });
}

/**
 * `GET path?params` as an HTML page, answered as it is whatever its status: the server's error
 * pages (the referral sheet's, for one) are written for people, in their language.
 */
export async function getPage(path, params) {
  const qs = params ? `?${params}` : '';
  return (await fetch(`${path}${qs}`, { headers: { accept: 'text/html' } })).text();
}

/** The `/api/v1/nearest` query for a search: origin, category, filters, k. */
export function nearestParams({ origin, category, lang, free, openNow, walkIn, noId, k, now = new Date() }) {
  const p = {};
  if (origin.zip) p.zip = origin.zip;
  else {
    p.lon = String(coarse(origin.lon));
    p.lat = String(coarse(origin.lat));
  }
  if (category) p.category = category;
  if (lang) p.lang = lang;
  if (free) p.free = 'true';
  if (openNow) p.open_at = now.toISOString();
  if (walkIn) p.walk_in = 'true';
  if (noId) p.no_id = 'true';
  p.k = String(k);
  return p;
}
