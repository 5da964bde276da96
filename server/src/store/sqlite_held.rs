//! SQLite: the import's held records and term mappings (`migrations/sqlite/0009_held_records.sql`).

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use super::sqlite_codec::{from_json, json, parse_ts, ts};
use super::{Held, SqliteStore, StoreError};
use crate::domain::{HeldChange, HeldRecord, TermMapping};

/// Writes one change inside a batch's transaction.
pub(super) async fn write(tx: &mut Transaction<'_, Sqlite>, c: &HeldChange) -> Result<(), StoreError> {
    match c {
        HeldChange::Hold(h) => {
            sqlx::query(
                "insert into held_records (key, name, file, terms, record, held_at) values (?1, ?2, ?3, ?4, ?5, ?6) \
                 on conflict (key) do update set name = excluded.name, file = excluded.file, \
                 terms = excluded.terms, record = excluded.record, held_at = excluded.held_at",
            )
            .bind(&h.key)
            .bind(&h.name)
            .bind(&h.file)
            .bind(json(&h.terms))
            .bind(json(&h.record))
            .bind(ts(h.held_at))
            .execute(&mut **tx)
            .await?;
        }
        HeldChange::Release(keys) => {
            for k in keys {
                sqlx::query("delete from held_records where key = ?1").bind(k).execute(&mut **tx).await?;
            }
        }
        HeldChange::MapTerm(m) => {
            sqlx::query(
                "insert into term_mappings (term, label, categories, updated_at) values (?1, ?2, ?3, ?4) \
                 on conflict (term) do update set label = excluded.label, categories = excluded.categories, \
                 updated_at = excluded.updated_at",
            )
            .bind(&m.term)
            .bind(&m.label)
            .bind(json(&m.categories))
            .bind(ts(m.updated_at))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

fn held_from_row(r: &SqliteRow) -> Result<HeldRecord, StoreError> {
    Ok(HeldRecord {
        key: r.try_get("key")?,
        name: r.try_get("name")?,
        file: r.try_get("file")?,
        terms: from_json("held_records.terms", r.try_get("terms")?)?,
        record: from_json("held_records.record", r.try_get("record")?)?,
        held_at: parse_ts("held_records.held_at", r.try_get("held_at")?)?,
    })
}

fn mapping_from_row(r: &SqliteRow) -> Result<TermMapping, StoreError> {
    Ok(TermMapping {
        term: r.try_get("term")?,
        label: r.try_get("label")?,
        categories: from_json("term_mappings.categories", r.try_get("categories")?)?,
        updated_at: parse_ts("term_mappings.updated_at", r.try_get("updated_at")?)?,
    })
}

#[async_trait]
impl Held for SqliteStore {
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
