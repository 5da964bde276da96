//! What the SQLite and PostgreSQL stores share: column lists, stored spellings, and the
//! messages a refused write gives the client (the same whichever database refused it).

use futures::{Stream, TryStreamExt};

use super::StoreError;
use crate::domain::Cost;

/// Decodes rows as they arrive, so a load of 100,000 sites never holds every raw row and every
/// decoded record at once (the peak memory of a start-up would otherwise stay as the
/// process's resident size).
pub(super) async fn decode_all<R, T>(
    mut rows: impl Stream<Item = Result<R, sqlx::Error>> + Unpin,
    decode: fn(&R) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(decode(&row)?);
    }
    Ok(out)
}

/// The `partners` columns, in the order both stores read them.
pub(super) const PARTNER_COLUMNS: &str =
    "id, source_id, name, description, description_lang, description_translations, \
     website, email, status, created_at, updated_at, version";

/// The `sites` columns, in the order both stores read them.
pub(super) const SITE_COLUMNS: &str = "id, partner_id, source_id, name, description, description_lang, description_translations, \
     street, city, state, postal_code, lon, lat, phones, hours, languages, categories, services, cost, cost_note, \
     eligibility, required_documents, accessibility, walk_in, appointment_required, no_id_required, confidential, \
     withhold_zip, last_verified_at, created_at, updated_at, version";

/// A unique `source_id` is taken.
pub(super) const SOURCE_ID_TAKEN: &str = "source_id is already used by another record";
/// An account with this email exists.
pub(super) const EMAIL_TAKEN: &str = "email is already used by an account";
/// A primary key is taken.
pub(super) const ID_TAKEN: &str = "id is already used by another record";
/// A foreign key points nowhere.
pub(super) const MISSING_REFERENCE: &str = "a referenced partner or category does not exist";

/// A check constraint refused a value; `detail` is the database's own words.
pub(super) fn out_of_range(detail: &str) -> String {
    format!("a value is out of range ({detail})")
}

/// The stored spelling of a cost (the API's spelling).
pub(super) fn cost_str(c: Cost) -> &'static str {
    c.as_str()
}

/// Reads a stored cost.
pub(super) fn cost_from_str(raw: &str) -> Result<Cost, StoreError> {
    Cost::ALL
        .into_iter()
        .find(|c| cost_str(*c) == raw)
        .ok_or_else(|| StoreError::Corrupt(format!("cost '{raw}'")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_read_back_as_written_and_match_the_api_spelling() {
        for c in [Cost::Free, Cost::SlidingScale, Cost::Fee] {
            assert_eq!(cost_from_str(cost_str(c)).unwrap(), c);
            assert_eq!(serde_json::to_value(c).unwrap(), cost_str(c));
        }
        assert!(cost_from_str("cheap").is_err());
    }
}
