//! Weekly opening hours in the site's own IANA time zone, and the "open at" test behind the
//! `open_at` filter ("open Saturday at 10:00").

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Day of the week, serialised as `mon` … `sun`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// All days, Monday first.
    pub const ALL: [Weekday; 7] =
        [Self::Mon, Self::Tue, Self::Wed, Self::Thu, Self::Fri, Self::Sat, Self::Sun];

    fn from_chrono(d: chrono::Weekday) -> Self {
        Self::ALL[d.num_days_from_monday() as usize]
    }

    fn previous(self) -> Self {
        Self::ALL[(self as usize + 6) % 7]
    }

    /// The short lower-case name (`mon`).
    pub fn as_str(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self as usize]
    }

    /// Parses `mon`, `Monday`, `MO` (iCal) and similar, case-insensitively.
    pub fn parse(raw: &str) -> Option<Self> {
        let s = raw.trim().to_ascii_lowercase();
        let key = s.get(..2)?;
        Some(match key {
            "mo" => Self::Mon,
            "tu" => Self::Tue,
            "we" => Self::Wed,
            "th" => Self::Thu,
            "fr" => Self::Fri,
            "sa" => Self::Sat,
            "su" => Self::Sun,
            _ => return None,
        })
    }
}

/// A time of day as minutes since midnight, written `HH:MM`; `24:00` is allowed as a closing time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(u16);

impl ClockTime {
    /// Parses `HH:MM` (or `H:MM`, or `HH:MM:SS` with the seconds ignored).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut parts = raw.trim().split(':');
        let (h, m) = (parts.next(), parts.next());
        let parsed = h.zip(m).and_then(|(h, m)| Some((h.parse::<u16>().ok()?, m.parse::<u16>().ok()?)));
        match parsed {
            Some((h, m)) if (h < 24 && m < 60) || (h == 24 && m == 0) => Ok(Self(h * 60 + m)),
            _ => Err(format!("'{raw}' is not a time of day (HH:MM)")),
        }
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }

    /// `HH:MM` as ASCII bytes, with no formatting machinery: an answer carries dozens of these.
    pub fn hhmm(self) -> [u8; 5] {
        let (h, m) = (self.0 / 60, self.0 % 60);
        let digit = |v: u16| b'0' + (v % 10) as u8;
        [digit(h / 10), digit(h), b':', digit(m / 10), digit(m)]
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    /// `HH:MM` written into a stack buffer: an answer carries dozens of these, and going
    /// through `Display` (padding, `fmt::write`) cost more than the rest of the hours.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let buf = self.hhmm();
        s.serialize_str(std::str::from_utf8(&buf).map_err(serde::ser::Error::custom)?)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// One opening span. `closes` before `opens` runs past midnight into the next day;
/// `opens == closes` means open all day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// The day the span starts.
    pub day: Weekday,
    /// Local opening time.
    pub opens: ClockTime,
    /// Local closing time.
    pub closes: ClockTime,
}

/// A site's weekly hours in its IANA time zone, with free-text notes ("closed on holidays").
#[derive(Clone, Debug, PartialEq)]
pub struct Hours {
    /// The zone the spans are written in, e.g. `America/New_York`.
    pub timezone: Tz,
    /// Opening spans; several per day are fine.
    pub weekly: Vec<Span>,
    /// Notes for people ("second Saturday of the month only").
    pub notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursRepr {
    timezone: String,
    #[serde(default)]
    weekly: Vec<Span>,
    #[serde(default)]
    notes: Option<String>,
}

/// [`HoursRepr`] borrowed, for writing without copying the spans.
#[derive(Serialize)]
struct HoursOut<'a> {
    timezone: &'a str,
    weekly: &'a [Span],
    notes: Option<&'a str>,
}

impl Serialize for Hours {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        HoursOut { timezone: self.timezone.name(), weekly: &self.weekly, notes: self.notes.as_deref() }
            .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let repr = HoursRepr::deserialize(d)?;
        let timezone: Tz = repr
            .timezone
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("'{}' is not an IANA time zone", repr.timezone)))?;
        Ok(Self { timezone, weekly: repr.weekly, notes: repr.notes })
    }
}

/// The moment an `open_at` filter asks about.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OpenAt {
    /// A wall-clock time, read in each site's own zone (`2026-11-28T10:00`).
    Local(NaiveDateTime),
    /// An instant (`2026-11-28T10:00:00-05:00`), converted to each site's zone.
    Instant(DateTime<FixedOffset>),
}

impl OpenAt {
    /// Parses `YYYY-MM-DDTHH:MM[:SS]` (local at the site) or an RFC 3339 instant.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
            return Ok(Self::Instant(t));
        }
        for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
            if let Ok(t) = NaiveDateTime::parse_from_str(raw, fmt) {
                return Ok(Self::Local(t));
            }
        }
        Err(format!("'{raw}' is not a date and time (use 2026-11-28T10:00, local time at the site)"))
    }
}

impl Hours {
    /// Whether any span covers `at`, read in this site's time zone.
    pub fn is_open(&self, at: &OpenAt) -> bool {
        let local = match at {
            OpenAt::Local(t) => *t,
            OpenAt::Instant(t) => t.with_timezone(&self.timezone).naive_local(),
        };
        let day = Weekday::from_chrono(local.weekday());
        let minute = (local.hour() * 60 + local.minute()) as u16;
        self.weekly.iter().any(|s| {
            let (o, c) = (s.opens.minutes(), s.closes.minutes());
            if s.day == day {
                if o == c {
                    return true;
                }
                if c > o {
                    return (o..c).contains(&minute);
                }
                return minute >= o;
            }
            // A span from yesterday that runs past midnight.
            s.day == day.previous() && c < o && minute < c
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(spans: &[(Weekday, &str, &str)]) -> Hours {
        Hours {
            timezone: "America/New_York".parse().unwrap(),
            weekly: spans
                .iter()
                .map(|(d, o, c)| Span {
                    day: *d,
                    opens: ClockTime::parse(o).unwrap(),
                    closes: ClockTime::parse(c).unwrap(),
                })
                .collect(),
            notes: None,
        }
    }

    #[test]
    fn saturday_morning_clinic() {
        let h = hours(&[(Weekday::Sat, "09:00", "12:00"), (Weekday::Sat, "13:00", "17:00")]);
        // 2026-11-28 is a Saturday.
        assert!(h.is_open(&OpenAt::parse("2026-11-28T10:00").unwrap()));
        assert!(!h.is_open(&OpenAt::parse("2026-11-28T12:30").unwrap()));
        assert!(!h.is_open(&OpenAt::parse("2026-11-28T17:00").unwrap()));
        assert!(!h.is_open(&OpenAt::parse("2026-11-27T10:00").unwrap()));
    }

    #[test]
    fn overnight_span_counts_on_the_next_morning() {
        let h = hours(&[(Weekday::Fri, "22:00", "02:00")]);
        assert!(h.is_open(&OpenAt::parse("2026-11-27T23:00").unwrap()));
        assert!(h.is_open(&OpenAt::parse("2026-11-28T01:59").unwrap()));
        assert!(!h.is_open(&OpenAt::parse("2026-11-28T02:00").unwrap()));
    }

    #[test]
    fn an_instant_is_read_in_the_sites_zone() {
        let h = hours(&[(Weekday::Sat, "09:00", "12:00")]);
        // 15:00 UTC is 10:00 in Miami in November.
        assert!(h.is_open(&OpenAt::parse("2026-11-28T15:00:00Z").unwrap()));
        assert!(!h.is_open(&OpenAt::parse("2026-11-28T10:00:00Z").unwrap()));
    }

    #[test]
    fn bad_times_are_refused() {
        assert!(ClockTime::parse("25:00").is_err());
        assert!(ClockTime::parse("noon").is_err());
        assert_eq!(ClockTime::parse("24:00").unwrap().minutes(), 1440);
        assert!(OpenAt::parse("saturday").is_err());
        assert_eq!(Weekday::parse("Saturday"), Some(Weekday::Sat));
    }
}
