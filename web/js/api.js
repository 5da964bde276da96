// The JSON API. Queries that carry the family's location go only here, as the query of one
// request; the server neither logs nor stores them (see server/src/telemetry.rs).

import { coarse } from './place.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
  /** The first field the server named as wrong (`zip`, `lat`, …). */
  get field() {
    return this.problem.errors?.[0]?.field;
  }
}

export async function getJson(path, params) {
  const qs = params ? `?${new URLSearchParams(params)}` : '';
  const res = await fetch(`${path}${qs}`, { headers: { accept: 'application/json' } });
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
