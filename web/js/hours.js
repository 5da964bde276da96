// "Open now", read in the site's own time zone — the same rule as the server's `open_at` filter
// (server/src/domain/hours.rs): spans may run past midnight; opens == closes means all day.

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Day (`mon`…) and minute of the day at `instant` in `timeZone`. */
export function localClock(instant, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const get = (type) => parts.find((p) => p.type === type).value;
  const day = get('weekday').slice(0, 3).toLowerCase();
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

const minutes = (hhmm) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** true / false, or null when the site has no weekly hours (call for hours). */
export function isOpen(hours, instant = new Date()) {
  if (!hours || !Array.isArray(hours.weekly) || hours.weekly.length === 0) return null;
  let clock;
  try {
    clock = localClock(instant, hours.timezone);
  } catch {
    return null;
  }
  const previous = DAYS[(DAYS.indexOf(clock.day) + 6) % 7];
  return hours.weekly.some((s) => {
    const o = minutes(s.opens);
    const c = minutes(s.closes);
    if (s.day === clock.day) {
      if (o === c) return true;
      if (c > o) return clock.minute >= o && clock.minute < c;
      return clock.minute >= o;
    }
    return s.day === previous && c < o && clock.minute < c;
  });
}

/** The weekly spans grouped by day, Monday first. */
export function byDay(hours) {
  return DAYS.map((day) => ({ day, spans: (hours?.weekly || []).filter((s) => s.day === day) }));
}
