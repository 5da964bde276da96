//! The spreadsheet template: our CSV's columns with one example row, for a partner or a
//! district to fill in (`GET /api/v1/import/template.csv`, `assetmap import --template`).

use super::CSV_COLUMNS;

/// The example row, by column; columns not listed are left empty.
const EXAMPLE: &[(&str, &str)] = &[
    ("source_id", "esperanza-1"),
    ("partner_source_id", "esperanza"),
    ("partner_name", "Esperanza Legal Aid"),
    ("partner_website", "https://esperanza.example.org"),
    ("partner_email", "intake@esperanza.example.org"),
    ("name", "Esperanza Legal Aid – Little Havana"),
    ("description", "Free immigration legal advice and representation."),
    ("description_lang", "en"),
    ("street", "1500 SW 8th St"),
    ("city", "Miami"),
    ("state", "FL"),
    ("postal_code", "33135"),
    ("lon", "-80.2201"),
    ("lat", "25.7652"),
    ("categories", "legal;advocacy"),
    ("languages", "en;es;ht"),
    ("phone", "305-555-0100"),
    ("phone_type", "voice"),
    ("phone_languages", "es;ht"),
    ("timezone", "America/New_York"),
    ("hours_mon", "09:00-12:00, 13:00-17:00"),
    ("hours_sat", "09:00-13:00"),
    ("hours_notes", "Closed on federal holidays"),
    ("services", "Asylum applications;Know-your-rights workshops"),
    ("cost", "free"),
    ("eligibility", "Anyone in Miami-Dade County"),
    ("required_documents", "Any papers you have received from immigration"),
    ("accessibility", "Wheelchair accessible"),
    ("walk_in", "yes"),
    ("appointment_required", "no"),
    ("no_id_required", "yes"),
    ("confidential", "no"),
    ("last_verified_at", "2026-10-01"),
    ("description_es", "Asesoría legal de inmigración gratuita."),
];

/// The template: a header of every column (and a Spanish translation column) and one example
/// row, UTF-8 with a byte-order mark so spreadsheet programs read the accents right.
pub fn template_csv() -> String {
    let mut columns: Vec<&str> =
        CSV_COLUMNS.iter().copied().filter(|c| *c != "id" && *c != "partner_id").collect();
    columns.push("description_es");
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let example: Vec<&str> =
        columns.iter().map(|c| EXAMPLE.iter().find(|(k, _)| k == c).map_or("", |(_, v)| *v)).collect();
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&columns);
    let _ = w.write_record(&example);
    let bytes = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_imports_as_it_is() {
        let text = template_csv();
        let rows = super::super::parse_csv("template.csv", text.as_bytes(), None).unwrap();
        assert_eq!(rows.len(), 1);
        let rec = rows[0].1.as_ref().unwrap();
        assert_eq!(rec.site.name.as_deref(), Some("Esperanza Legal Aid – Little Havana"));
        assert_eq!(rec.site.phones[0].languages.len(), 2);
        assert!(
            rec.site.hours.is_some()
                && rec
                    .site
                    .description_translations
                    .contains_key(&crate::domain::LanguageCode::parse("es").unwrap())
        );
        // Every example names a real column.
        for (k, _) in EXAMPLE {
            assert!(CSV_COLUMNS.contains(k) || *k == "description_es", "{k}");
        }
    }
}
