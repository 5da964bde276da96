//! The text-message version of a sheet, and its length budget.
//!
//! Segments are counted the way phone networks count them (3GPP TS 23.038): when every
//! character is in the GSM 7-bit alphabet, a segment of a multi-part message holds 153
//! characters (extension-table characters such as `€` or `[` take two); otherwise the whole
//! message is sent as UCS-2 and a segment holds 67 UTF-16 code units. Arabic, Chinese and
//! Vietnamese are always UCS-2; so is any text with `á`, `í`, `ó`, `ç`, `ã`... (Spanish,
//! French, Portuguese, and partner names such as "Clínica"). Our own separators are ASCII
//! (`-`, `;`, `...`), so they never force UCS-2 on their own.
//!
//! **Budget: a sheet of `n` sites fits in `n + 1` segments as GSM-7, `2n + 1` as UCS-2** —
//! about one GSM segment (some 150 characters) per site plus one for the heading and the 2-1-1
//! line, which is the same amount of *text* per site in every language. Three places are 4
//! segments in English, at most 7 in Arabic. (Some phones turn long texts into MMS, which
//! needs mobile data: the sheet page shows the count, and three places per text is a good
//! habit.)
//!
//! What goes in, per site: its number and name, one phone (never shortened), the street address
//! or "call for the location", the weekly hours compacted (`Mon-Fri 9am-5pm`). Over budget, the
//! least useful text goes first, across all sites before the next step: hours are shortened;
//! the suite or floor is dropped from addresses; long names are shortened; hours are dropped;
//! the city is dropped; names are cut short; only then is an address shortened. Shortened text
//! ends in `...`; partner text is never otherwise rewritten (no transliteration, no
//! translation).
//!
//! **Right-to-left messages** (Arabic) mark directions, so a phone shows each line as it is
//! meant: every line starts with a RIGHT-TO-LEFT MARK (a line that begins with a digit or a
//! Latin name still runs right to left), and the list number with its period, the name, the
//! phone number and the address are each isolated (FIRST STRONG ISOLATE … POP DIRECTIONAL
//! ISOLATE), so `1.` stays `1.` at the start of the line instead of turning into `.1`, and a
//! Latin name or street keeps its own order. The marks count in the budget like any character.

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

/// The segment budget of a sheet with `sites` sites sent in `encoding`.
pub fn budget_segments(sites: usize, encoding: Encoding) -> usize {
    match encoding {
        Encoding::Gsm7 => sites.max(1) + 1,
        Encoding::Ucs2 => 2 * sites.max(1) + 1,
    }
}

/// One site as the text message shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SmsSite {
    /// Name.
    pub name: String,
    /// One phone number (with extension), if any.
    pub phone: Option<String>,
    /// Street address (`street, city`), or "call for the location".
    pub place: Option<String>,
    /// True when `place` is not an address ("call for the location"): never split.
    pub withheld: bool,
    /// Compact weekly hours, or "call for hours".
    pub hours: Option<String>,
}

/// One way of making a site's lines shorter, in the order they are tried.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Shorten the hours line (to no less than 14 characters).
    ShortenHours,
    /// `1401 SW 1st St, Suite 209, Miami` → `1401 SW 1st St, Miami`.
    DropSuite,
    /// Shorten a long name (to no less than 24 characters).
    ShortenName,
    /// Leave hours out ("call before you go" is on every sheet).
    DropHours,
    /// `1401 SW 1st St, Miami` → `1401 SW 1st St`.
    DropCity,
    /// Cut the name to 14 characters.
    CutName,
    /// Shorten the address (to no less than 14 characters): the last resort.
    ShortenPlace,
}

const STEPS: [Step; 7] = [
    Step::ShortenHours,
    Step::DropSuite,
    Step::ShortenName,
    Step::DropHours,
    Step::DropCity,
    Step::CutName,
    Step::ShortenPlace,
];

/// `line` cut to `max(len - over, floor)` characters, ending in `...` — unchanged if already
/// that short.
fn shorten(line: &str, over: usize, floor: usize) -> String {
    let len = line.chars().count();
    let keep = len.saturating_sub(over).max(floor);
    if keep >= len {
        return line.to_owned();
    }
    format!("{}...", line.chars().take(keep.saturating_sub(3)).collect::<String>().trim_end())
}

impl Step {
    fn apply(self, s: &mut SmsSite, over: usize) {
        let address = !s.withheld;
        match self {
            Self::ShortenHours => s.hours = s.hours.as_deref().map(|h| shorten(h, over, 14)),
            Self::DropSuite if address => {
                if let Some(p) = &s.place {
                    let parts: Vec<&str> = p.split(", ").collect();
                    if parts.len() > 2 {
                        s.place = Some(format!("{}, {}", parts[0], parts[parts.len() - 1]));
                    }
                }
            }
            Self::ShortenName => s.name = shorten(&s.name, over, 24),
            Self::DropHours => s.hours = None,
            Self::DropCity if address => {
                s.place = s.place.as_deref().and_then(|p| p.split(", ").next()).map(str::to_owned);
            }
            Self::CutName => s.name = shorten(&s.name, usize::MAX, 14),
            Self::ShortenPlace if address => s.place = s.place.as_deref().map(|p| shorten(p, over, 14)),
            _ => {}
        }
    }
}

/// The message: `title`, then each site numbered, then `footer`, within
/// [`budget_segments`] segments (left to right).
pub fn compose(title: &str, sites: &[SmsSite], footer: &str) -> String {
    compose_in(title, sites, footer, false)
}

/// [`compose`] in a language written right to left (`rtl`) or not.
pub fn compose_in(title: &str, sites: &[SmsSite], footer: &str, rtl: bool) -> String {
    let mut sites = sites.to_vec();
    let enc = Encoding::of(&render(title, &sites, footer, rtl));
    let budget = budget_segments(sites.len(), enc) * enc.capacity().1;
    for step in STEPS {
        // Within a step, the longest entries give first.
        let mut order: Vec<usize> = (0..sites.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(enc.units(&block(i + 1, &sites[i], rtl))));
        for i in order {
            let over = enc.units(&render(title, &sites, footer, rtl)).saturating_sub(budget);
            if over == 0 {
                return render(title, &sites, footer, rtl);
            }
            step.apply(&mut sites[i], over);
        }
    }
    render(title, &sites, footer, rtl)
}

fn block(number: usize, s: &SmsSite, rtl: bool) -> String {
    use crate::cldr::{isolate, RLM};
    if !rtl {
        let mut lines = vec![format!("{number}. {}", s.name)];
        lines.extend(s.phone.clone());
        lines.extend(s.place.clone());
        lines.extend(s.hours.clone());
        return lines.join("\n");
    }
    let mut lines = vec![format!("{RLM}{} {}", isolate(&format!("{number}.")), isolate(&s.name))];
    lines.extend(s.phone.as_deref().map(|p| format!("{RLM}{}", isolate(p))));
    lines.extend(s.place.as_deref().map(|p| format!("{RLM}{}", isolate(p))));
    lines.extend(s.hours.as_deref().map(|h| format!("{RLM}{h}")));
    lines.join("\n")
}

fn render(title: &str, sites: &[SmsSite], footer: &str, rtl: bool) -> String {
    let mark = if rtl { "\u{200F}" } else { "" };
    let mut parts = vec![format!("{mark}{title}")];
    parts.extend(sites.iter().enumerate().map(|(i, s)| block(i + 1, s, rtl)));
    parts.push(format!("{mark}{footer}"));
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str) -> SmsSite {
        SmsSite {
            name: name.into(),
            phone: Some("305-555-0100".into()),
            place: Some("1401 SW 1st Street, Suite 209, Miami".into()),
            withheld: false,
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

    /// The lines as a phone shows them, left to right on the screen: the Unicode bidirectional
    /// algorithm (the `unicode-bidi` crate, not our code) applied to each line, marks removed.
    fn shown(text: &str) -> Vec<String> {
        text.lines()
            .map(|line| {
                let info = unicode_bidi::BidiInfo::new(line, None);
                let para = &info.paragraphs[0];
                let visual = info.reorder_line(para, para.range.clone());
                visual.chars().filter(|c| !matches!(c, '\u{200F}' | '\u{2068}' | '\u{2069}')).collect()
            })
            .collect()
    }

    #[test]
    fn arabic_messages_keep_list_numbers_phones_and_latin_names_in_order() {
        let sites = vec![
            SmsSite { hours: None, ..site("Clinica Esperanza") },
            SmsSite { hours: None, place: None, ..site("مركز المساعدة") },
        ];
        let text = compose_in("أماكن يمكنها المساعدة:", &sites, "مساعدة إضافية: اتصل بالرقم 2-1-1", true);
        let lines = shown(&text);
        // On screen (left to right): the name, then the number at the right edge, where an
        // Arabic reader starts; "1." and not ".1".
        assert_eq!(lines[1], "Clinica Esperanza 1.", "{lines:?}");
        assert_eq!(lines[2], "305-555-0100");
        assert_eq!(lines[3], "1401 SW 1st Street, Suite 209, Miami");
        assert!(lines[4].ends_with(" 2."), "{lines:?}");
        // Without the marks the period lands on the wrong side of the number.
        let bare = shown(&compose_in("أماكن يمكنها المساعدة:", &sites, "اتصل 2-1-1", false));
        assert!(lines[4].ends_with(" 2.") && !bare[4].ends_with(" 2."), "{bare:?}");
        // Left-to-right messages carry no marks (they would cost GSM-7).
        assert!(!compose("Places that can help:", &sites[..1], "More help").contains('\u{2068}'));
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
                let budget = budget_segments(n, Encoding::of(&text));
                assert!(segments(&text) <= budget, "{n} sites: {} segments\n{text}", segments(&text));
                assert_eq!(text.matches("305-555-0100").count(), n, "{text}");
                assert!(text.ends_with("2-1-1"));
            }
        }
    }

    #[test]
    fn hours_suites_and_names_give_way_before_addresses() {
        let name = "CENTRO DE AYUDA LEGAL PARA FAMILIAS INMIGRANTES Y REFUGIADAS DEL CONDADO MIAMI-DADE, OFICINA NÚMERO";
        let sites: Vec<SmsSite> = (0..6)
            .map(|i| SmsSite {
                hours: Some(
                    "Lun 9-12, 13-17; Mar 9-12, 13-17; Mié 9-12, 13-17; Jue 9-12, 13-17; Vie 9-12".into(),
                ),
                ..site(&format!("{name} {i}"))
            })
            .collect();
        let text = compose("Lugares que pueden ayudar:", &sites, "Más ayuda: llame al 2-1-1");
        assert!(segments(&text) <= budget_segments(6, Encoding::Ucs2));
        assert_eq!(
            text.matches("1401 SW 1st Street, Miami").count(),
            6,
            "every street kept, suite dropped\n{text}"
        );
        assert_eq!(text.matches("Lun 9-12, 1...").count(), 6, "hours shortened\n{text}");
    }
}
