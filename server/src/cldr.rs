//! Numbers, times and plural categories as each language writes them, from the Unicode CLDR
//! through ICU4X (compiled data, no files at run time): `2,3 km` in Spanish, `9:00 AM` in
//! English, `09:00` in French, Arabic's six plural categories, Russian's four. Direction marks
//! for right-to-left text are here too: [`isolate`] wraps a number, a phone number or a Latin
//! name in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE so it keeps its own order inside
//! Arabic text.

use icu_datetime::fieldsets::T;
use icu_datetime::input::Time;
use icu_datetime::NoCalendarFormatter;
use icu_decimal::input::Decimal;
use icu_decimal::DecimalFormatter;
use icu_locale_core::Locale;
use icu_plurals::{PluralCategory, PluralRules};

/// U+2068 FIRST STRONG ISOLATE: the text up to [`PDI`] takes its direction from its own first
/// strong letter and does not reorder what is around it.
pub const FSI: char = '\u{2068}';
/// U+2069 POP DIRECTIONAL ISOLATE: ends an isolate.
pub const PDI: char = '\u{2069}';
/// U+200F RIGHT-TO-LEFT MARK: starts a right-to-left line, so a line that begins with a number
/// still runs right to left.
pub const RLM: char = '\u{200F}';

/// `text` isolated from the text around it (FSI … PDI).
pub fn isolate(text: &str) -> String {
    format!("{FSI}{text}{PDI}")
}

/// One language's formatters.
pub struct LocaleFormat {
    decimal: DecimalFormatter,
    plurals: PluralRules,
    time: NoCalendarFormatter<T>,
}

impl std::fmt::Debug for LocaleFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocaleFormat")
    }
}

impl LocaleFormat {
    /// The formatters of `language` (a BCP 47 tag such as `es`); CLDR's root data for a tag ICU4X
    /// does not know, so a number is always written.
    pub fn new(language: &str) -> Self {
        let locale = Locale::try_from_str(language).unwrap_or(Locale::UNKNOWN);
        let root = || Locale::UNKNOWN;
        let decimal = DecimalFormatter::try_new((&locale).into(), Default::default())
            .or_else(|_| DecimalFormatter::try_new((&root()).into(), Default::default()));
        let plurals = PluralRules::try_new_cardinal((&locale).into())
            .or_else(|_| PluralRules::try_new_cardinal((&root()).into()));
        let time = NoCalendarFormatter::try_new((&locale).into(), T::hm())
            .or_else(|_| NoCalendarFormatter::try_new((&root()).into(), T::hm()));
        match (decimal, plurals, time) {
            (Ok(decimal), Ok(plurals), Ok(time)) => Self { decimal, plurals, time },
            // The compiled data has the root locale: this does not happen.
            _ => unreachable_root(),
        }
    }

    /// `value` with `fraction_digits` digits after the separator (rounded half to even is not
    /// needed here: distances round half away from zero), in this language's digits and
    /// separators: `2,3` in Spanish, `2.3` in English.
    pub fn decimal(&self, value: f64, fraction_digits: u8) -> String {
        let scale = 10_f64.powi(i32::from(fraction_digits));
        let scaled = (value * scale).round();
        // Distances and counts: far inside i64.
        let mut d = Decimal::from(scaled as i64);
        d.multiply_pow10(-i16::from(fraction_digits));
        d.pad_end(-i16::from(fraction_digits));
        self.decimal.format(&d).to_string()
    }

    /// A whole number in this language's digits and grouping (`1,234`; `1 234` in French).
    pub fn integer(&self, n: i64) -> String {
        self.decimal.format(&Decimal::from(n)).to_string()
    }

    /// A time of day (minutes since midnight) as this language writes it: `9:00 AM` in English,
    /// `9:00` in Spanish, `09:00` in French.
    pub fn time(&self, minutes: u16) -> String {
        let (h, m) = ((minutes / 60 % 24) as u8, (minutes % 60) as u8);
        match Time::try_new(h, m, 0, 0) {
            Ok(t) => self.time.format(&t).to_string(),
            Err(_) => format!("{h}:{m:02}"),
        }
    }

    /// The plural category of `n` (`one`, `few`, `many`, `other`, ...), as CLDR names it.
    pub fn plural(&self, n: u64) -> &'static str {
        category_name(self.plurals.category_for(n))
    }

    /// Every category this language distinguishes, in CLDR order (zero, one, two, few, many,
    /// other).
    pub fn categories(&self) -> Vec<&'static str> {
        let mut cats: Vec<PluralCategory> = self.plurals.categories().collect();
        cats.sort_by_key(|c| *c as u8);
        cats.into_iter().map(category_name).collect()
    }
}

fn unreachable_root() -> ! {
    panic!("ICU4X compiled data lacks the root locale")
}

/// CLDR's name of a plural category.
pub fn category_name(c: PluralCategory) -> &'static str {
    match c {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

/// The categories CLDR defines, in order: a key ending in one of these is a plural form.
pub const CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_times_as_cldr_writes_them() {
        assert_eq!(LocaleFormat::new("es").decimal(2.345, 1), "2,3");
        assert_eq!(LocaleFormat::new("en").decimal(2.345, 1), "2.3");
        assert_eq!(LocaleFormat::new("en").decimal(12.0, 0), "12");
        assert_eq!(LocaleFormat::new("en").decimal(0.96, 1), "1.0");
        // English: 12-hour with AM/PM (CLDR puts a narrow no-break space before it).
        assert_eq!(LocaleFormat::new("en").time(9 * 60).replace('\u{202f}', " "), "9:00 AM");
        assert_eq!(LocaleFormat::new("en").time(17 * 60 + 30).replace('\u{202f}', " "), "5:30 PM");
        assert_eq!(LocaleFormat::new("fr").time(9 * 60), "09:00");
        assert_eq!(LocaleFormat::new("es").time(17 * 60), "17:00");
        assert_eq!(LocaleFormat::new("en").integer(1234), "1,234");
        // A tag ICU4X has no data for still gives a number.
        assert_eq!(LocaleFormat::new("xx").decimal(2.3, 1), "2.3");
    }

    #[test]
    fn plural_categories_of_english_arabic_and_russian() {
        let en = LocaleFormat::new("en");
        assert_eq!(en.categories(), ["one", "other"]);
        assert_eq!((en.plural(1), en.plural(2), en.plural(0)), ("one", "other", "other"));
        let ar = LocaleFormat::new("ar");
        assert_eq!(ar.categories(), ["zero", "one", "two", "few", "many", "other"]);
        let got: Vec<&str> = [0, 1, 2, 3, 11, 100].iter().map(|n| ar.plural(*n)).collect();
        assert_eq!(got, ["zero", "one", "two", "few", "many", "other"]);
        let ru = LocaleFormat::new("ru");
        assert_eq!(ru.categories(), ["one", "few", "many", "other"]);
        let got: Vec<&str> = [1, 2, 5, 21, 22, 25, 11].iter().map(|n| ru.plural(*n)).collect();
        assert_eq!(got, ["one", "few", "many", "one", "few", "many", "many"]);
    }
}
