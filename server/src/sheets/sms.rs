//! The text-message version of a sheet, and its length budget.
//!
//! **Budget: a sheet of `n` sites fits in `n + 1` SMS segments** — about one message per site
//! plus one for the heading and the 2-1-1 line — counted the way phone networks count them
//! (3GPP TS 23.038): when every character is in the GSM 7-bit alphabet a segment of a
//! multi-part message holds 153 characters (characters from the extension table, such as `€`
//! or `[`, take two); otherwise the whole message is sent as UCS-2 and a segment holds 67
//! UTF-16 code units. Spanish, Haitian Creole, French and Portuguese with accents such as
//! `á` or `ò`, and Arabic, Chinese or Vietnamese, are UCS-2. Our own separators are ASCII
//! (`-`, `;`, `...`) so they never force UCS-2 on their own.
//!
//! What goes in, per site, in this order of priority: its number and name, one phone (never
//! shortened), the street address or "call for the location", the weekly hours compacted
//! (`Mon-Fri 9am-5pm`). When the text would exceed the budget, the longest of name, address
//! and hours is shortened first (ending in `...`), then hours and address lines are dropped;
//! partner text is never rewritten otherwise.

/// How a text message is encoded on the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// GSM 03.38 7-bit default alphabet (with its extension table).
    Gsm7,
    /// UCS-2 (UTF-16 code units).
    Ucs2,
}

/// The GSM 03.38 default alphabet, as Unicode.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters of the GSM extension table (each costs two septets: escape + character).
const GSM_EXTENDED: &str = "^{}\\[~]|€\u{000C}";

impl Encoding {
    /// The encoding a phone would use for `text`.
    pub fn of(text: &str) -> Self {
        if text.chars().all(|c| GSM_BASIC.contains(c) || GSM_EXTENDED.contains(c)) {
            Self::Gsm7
        } else {
            Self::Ucs2
        }
    }

    /// Length of `text` in this encoding's units: septets for GSM-7, UTF-16 code units for UCS-2.
    pub fn units(self, text: &str) -> usize {
        match self {
            Self::Gsm7 => text.chars().map(|c| if GSM_EXTENDED.contains(c) { 2 } else { 1 }).sum(),
            Self::Ucs2 => text.encode_utf16().count(),
        }
    }

    /// Units in a single-segment message and in each segment of a multi-part one.
    fn capacity(self) -> (usize, usize) {
        match self {
            Self::Gsm7 => (160, 153),
            Self::Ucs2 => (70, 67),
        }
    }
}

/// Number of SMS segments `text` takes.
pub fn segments(text: &str) -> usize {
    let enc = Encoding::of(text);
    let units = enc.units(text);
    let (single, multi) = enc.capacity();
    if units <= single {
        1
    } else {
        units.div_ceil(multi)
    }
}

/// The segment budget of a sheet with `sites` sites.
pub fn budget_segments(sites: usize) -> usize {
    sites.max(1) + 1
}

/// One site as the text message shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SmsSite {
    /// Name.
    pub name: String,
    /// One phone number (with extension), if any.
    pub phone: Option<String>,
    /// Street address, or "call for the location".
    pub place: Option<String>,
    /// Compact weekly hours, or "call for hours".
    pub hours: Option<String>,
}

/// Shortest a shortened line may become, in characters (including the `...`).
const MIN_LINE: usize = 14;

/// The message: `title`, then each site numbered, then `footer`, within
/// [`budget_segments`]`(sites.len())` segments.
pub fn compose(title: &str, sites: &[SmsSite], footer: &str) -> String {
    let full = render(title, sites, footer);
    let enc = Encoding::of(&full);
    let (_, multi) = enc.capacity();
    let budget = budget_segments(sites.len()) * multi;
    if enc.units(&full) <= budget {
        return full;
    }
    // Each site gets an equal share of what the title and footer leave.
    let frame = enc.units(title) + enc.units(footer) + 2;
    let share = budget.saturating_sub(frame) / sites.len().max(1);
    let fitted: Vec<SmsSite> = sites.iter().enumerate().map(|(i, s)| fit(enc, i + 1, s, share)).collect();
    render(title, &fitted, footer)
}

fn block(number: usize, s: &SmsSite) -> String {
    let mut lines = vec![format!("{number}. {}", s.name)];
    lines.extend(s.phone.clone());
    lines.extend(s.place.clone());
    lines.extend(s.hours.clone());
    lines.join("\n")
}

fn render(title: &str, sites: &[SmsSite], footer: &str) -> String {
    let mut parts = vec![title.to_owned()];
    parts.extend(sites.iter().enumerate().map(|(i, s)| block(i + 1, s)));
    parts.push(footer.to_owned());
    parts.join("\n")
}

/// Shortens one site's lines until its block (plus one newline) takes at most `share` units.
fn fit(enc: Encoding, number: usize, site: &SmsSite, share: usize) -> SmsSite {
    let mut s = site.clone();
    loop {
        let over = (enc.units(&block(number, &s)) + 1).saturating_sub(share);
        if over == 0 {
            return s;
        }
        // The longest line that may still be shortened.
        let mut lines: Vec<&mut String> = vec![&mut s.name];
        lines.extend(s.place.as_mut());
        lines.extend(s.hours.as_mut());
        if let Some(line) =
            lines.into_iter().filter(|l| l.chars().count() > MIN_LINE).max_by_key(|l| l.chars().count())
        {
            let keep = line.chars().count().saturating_sub(over + 3).max(MIN_LINE - 3);
            *line = format!("{}...", line.chars().take(keep).collect::<String>().trim_end());
            continue;
        }
        // Everything is as short as it may be: drop hours, then the address line.
        if s.hours.take().is_none() && s.place.take().is_none() {
            // Only the number, a short name and the phone are left.
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str) -> SmsSite {
        SmsSite {
            name: name.into(),
            phone: Some("305-555-0100".into()),
            place: Some("1401 SW 1st Street, Suite 209, Miami".into()),
            hours: Some("Mon-Fri 9am-5pm; Sat 9am-1pm".into()),
        }
    }

    #[test]
    fn encodings_and_segments_follow_the_network_rules() {
        assert_eq!(Encoding::of("Clinica Esperanza 305-555-0100"), Encoding::Gsm7);
        assert_eq!(Encoding::of("Clínica"), Encoding::Ucs2, "í is not in GSM-7");
        assert_eq!(Encoding::of("Sábado"), Encoding::Ucs2);
        assert_eq!(Encoding::of("Lundi à vendredi, Niños, Ça"), Encoding::Gsm7);
        assert_eq!(Encoding::Gsm7.units("a€b"), 4);
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"a".repeat(306)), 2);
        assert_eq!(segments(&"a".repeat(307)), 3);
        assert_eq!(segments(&"ع".repeat(70)), 1);
        assert_eq!(segments(&"ع".repeat(71)), 2);
        assert_eq!(segments("😀"), 1, "one emoji is two UTF-16 units");
    }

    #[test]
    fn a_short_sheet_is_left_alone() {
        let text = compose("Places that can help:", &[site("CLINIC")], "More help: call 2-1-1");
        assert!(text.contains("1. CLINIC\n305-555-0100\n1401 SW 1st Street, Suite 209, Miami\nMon-Fri"));
    }

    #[test]
    fn long_sheets_are_shortened_to_the_budget_and_keep_every_phone() {
        let long = "M-DC CAHS - ACCION COMMUNITY RESOURCE CENTER AND FAMILY EMPOWERMENT PROGRAM".repeat(3);
        for n in 1..=10 {
            for name in [long.clone(), format!("مركز المساعدة القانونية {long}"), format!("Clínica {long}")]
            {
                let sites: Vec<SmsSite> = (0..n).map(|_| site(&name)).collect();
                let text = compose("Lugares que pueden ayudar:", &sites, "Más ayuda: llame al 2-1-1");
                assert!(
                    segments(&text) <= budget_segments(n),
                    "{n} sites: {} segments\n{text}",
                    segments(&text)
                );
                assert_eq!(text.matches("305-555-0100").count(), n, "{text}");
                assert!(text.ends_with("2-1-1"));
            }
        }
    }
}
