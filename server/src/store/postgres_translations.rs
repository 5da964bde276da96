//! PostgreSQL: translators' languages and the strings people reviewed
//! (`migrations/postgres/0007_translations.sql`).

use async_trait::async_trait;
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use super::postgres_codec::classify;
use super::{PgStore, StoreError, Translations};
use crate::domain::account::Actor;
use crate::translations::Reviewed;

/// Replaces the languages of a translator.
pub(super) async fn write_languages(
    tx: &mut Transaction<'_, Postgres>,
    user_id: Uuid,
    languages: &[String],
) -> Result<(), StoreError> {
    sqlx::query("delete from translator_languages where user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for language in languages {
        sqlx::query("insert into translator_languages (user_id, language) values ($1, $2)")
            .bind(user_id)
            .bind(language)
            .execute(&mut **tx)
            .await
            .map_err(classify)?;
    }
    Ok(())
}

/// Stores reviewed strings, each replacing the one of its language and key.
pub(super) async fn write_reviewed(
    tx: &mut Transaction<'_, Postgres>,
    all: &[Reviewed],
) -> Result<(), StoreError> {
    for r in all {
        sqlx::query(
            "insert into translations (language, key, text, source, reviewed_by_id, reviewed_by, reviewed_at) \
             values ($1, $2, $3, $4, $5, $6, $7) \
             on conflict (language, key) do update set text = excluded.text, source = excluded.source, \
             reviewed_by_id = excluded.reviewed_by_id, reviewed_by = excluded.reviewed_by, \
             reviewed_at = excluded.reviewed_at",
        )
        .bind(&r.language)
        .bind(&r.key)
        .bind(&r.text)
        .bind(&r.source)
        .bind(r.by.id)
        .bind(&r.by.label)
        .bind(r.at)
        .execute(&mut **tx)
        .await
        .map_err(classify)?;
    }
    Ok(())
}

#[async_trait]
impl Translations for PgStore {
    async fn reviewed_translations(&self) -> Result<Vec<Reviewed>, StoreError> {
        let rows = sqlx::query(
            "select language, key, text, source, reviewed_by_id, reviewed_by, reviewed_at from translations \
             order by language, key",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Reviewed {
                    language: r.try_get("language")?,
                    key: r.try_get("key")?,
                    text: r.try_get("text")?,
                    source: r.try_get("source")?,
                    by: Actor { id: r.try_get("reviewed_by_id")?, label: r.try_get("reviewed_by")? },
                    at: r.try_get("reviewed_at")?,
                })
            })
            .collect()
    }

    async fn translator_languages(&self, user_id: Uuid) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("select language from translator_languages where user_id = $1 order by language")
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok(r.try_get("language")?)).collect()
    }
}
