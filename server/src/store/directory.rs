//! The directory's statements on which SQLite and PostgreSQL agree, written once (see `sql.rs`):
//! the categories, a partner row, "missing or stale?", deletes and the emptiness check. How each
//! database loads and writes sites and partners in bulk stays in `sqlite.rs`/`postgres.rs`.

use uuid::Uuid;

use super::sql::{Arg, Columns, Exec, Stmt};
use super::StoreError;
use crate::domain::{Category, CategoryDef, LanguageCode, Partner, PartnerStatus};

/// The category taxonomy, in its order.
pub(super) async fn categories(db: &mut impl Exec) -> Result<Vec<CategoryDef>, StoreError> {
    let stmt = Stmt::new("select slug, name, description from categories order by position, slug", []);
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(CategoryDef {
                slug: Category::parse(&r.text("slug")?).map_err(StoreError::Corrupt)?,
                name: r.text("name")?,
                description: r.opt_text("description")?,
            })
        })
        .collect()
}

/// A stored language code.
pub(super) fn language(field: &str, raw: Option<String>) -> Result<Option<LanguageCode>, StoreError> {
    raw.map(|l| LanguageCode::parse(&l).map_err(|e| StoreError::Corrupt(format!("{field} '{l}': {e}"))))
        .transpose()
}

/// A `partners` row, its columns as `common::PARTNER_COLUMNS` lists them.
pub(super) fn partner_from_row(r: &impl Columns) -> Result<Partner, StoreError> {
    let status = r.text("status")?;
    Ok(Partner {
        id: r.id("id")?,
        source_id: r.opt_text("source_id")?,
        name: r.text("name")?,
        description: r.opt_text("description")?,
        description_lang: language("description_lang", r.opt_text("description_lang")?)?,
        description_translations: r.json("description_translations")?,
        website: r.opt_text("website")?,
        email: r.opt_text("email")?,
        status: PartnerStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status '{status}'")))?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// Why a version-checked update changed nothing: the record is gone, or someone else changed it.
pub(super) async fn missing_or_stale(db: &mut impl Exec, table: &str, what: &str, id: Uuid) -> StoreError {
    let stmt = Stmt::new(format!("select 1 from {table} where id = $1"), [Arg::Id(id)]);
    match db.fetch_optional(&stmt).await {
        Ok(Some(_)) => StoreError::Conflict(format!("{what} {id}")),
        Ok(None) => StoreError::NotFound(format!("{what} {id}")),
        Err(e) => e,
    }
}

/// Deletes one record (a partner's sites go with it, by cascade).
pub(super) async fn delete(db: &mut impl Exec, table: &str, what: &str, id: Uuid) -> Result<(), StoreError> {
    let stmt = Stmt::new(format!("delete from {table} where id = $1"), [Arg::Id(id)]);
    if db.execute(&stmt).await? == 0 {
        return Err(StoreError::NotFound(format!("{what} {id}")));
    }
    Ok(())
}

/// Whether there are no partners yet.
pub(super) async fn is_empty(db: &mut impl Exec) -> Result<bool, StoreError> {
    let row = db.fetch_optional(&Stmt::new("select count(*) as n from partners", [])).await?;
    Ok(row.map_or(Ok(0), |r| r.int("n"))? == 0)
}
