//! PostgreSQL: the import's held records and term mappings
//! (`migrations/postgres/0009_held_records.sql`); same semantics as `sqlite_held.rs`.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Postgres, Row, Transaction};

use super::{Held, PgStore, StoreError};
use crate::domain::{HeldChange, HeldRecord, TermMapping};

/// Writes one change inside a batch's transaction.
pub(super) async fn write(tx: &mut Transaction<'_, Postgres>, c: &HeldChange) -> Result<(), StoreError> {
    match c {
        HeldChange::Hold(h) => {
            sqlx::query(
                "insert into held_records (key, name, file, terms, record, held_at) values ($1, $2, $3, $4, $5, $6) \
                 on conflict (key) do update set name = excluded.name, file = excluded.file, \
                 terms = excluded.terms, record = excluded.record, held_at = excluded.held_at",
            )
            .bind(&h.key)
            .bind(&h.name)
            .bind(&h.file)
            .bind(Json(&h.terms))
            .bind(Json(&h.record))
            .bind(h.held_at)
            .execute(&mut **tx)
            .await?;
        }
        HeldChange::Release(keys) => {
            sqlx::query("delete from held_records where key = any($1)").bind(keys).execute(&mut **tx).await?;
        }
        HeldChange::MapTerm(m) => {
            sqlx::query(
                "insert into term_mappings (term, label, categories, updated_at) values ($1, $2, $3, $4) \
                 on conflict (term) do update set label = excluded.label, categories = excluded.categories, \
                 updated_at = excluded.updated_at",
            )
            .bind(&m.term)
            .bind(&m.label)
            .bind(Json(&m.categories))
            .bind(m.updated_at)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

fn held_from_row(r: &PgRow) -> Result<HeldRecord, StoreError> {
    Ok(HeldRecord {
        key: r.try_get("key")?,
        name: r.try_get("name")?,
        file: r.try_get("file")?,
        terms: r.try_get::<Json<_>, _>("terms")?.0,
        record: r.try_get::<Json<_>, _>("record")?.0,
        held_at: r.try_get("held_at")?,
    })
}

fn mapping_from_row(r: &PgRow) -> Result<TermMapping, StoreError> {
    Ok(TermMapping {
        term: r.try_get("term")?,
        label: r.try_get("label")?,
        categories: r.try_get::<Json<_>, _>("categories")?.0,
        updated_at: r.try_get("updated_at")?,
    })
}

#[async_trait]
impl Held for PgStore {
    async fn held(&self) -> Result<Vec<HeldRecord>, StoreError> {
        let rows = sqlx::query(
            "select key, name, file, terms, record, held_at from held_records order by name, key",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(held_from_row).collect()
    }

    async fn term_mappings(&self) -> Result<Vec<TermMapping>, StoreError> {
        let rows = sqlx::query("select term, label, categories, updated_at from term_mappings order by term")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(mapping_from_row).collect()
    }
}
