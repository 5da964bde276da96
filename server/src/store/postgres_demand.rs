//! PostgreSQL: saved demand sets (`migrations/postgres/0008_demand_sets.sql`).

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::demand_sets::{DemandSetInfo, DemandSets, StoredCell, NAME_TAKEN};
use super::{PgStore, StoreError};

const COLUMNS: &str = "id, name, label, group_column, cells, total, created_at, created_by";

fn info(r: &PgRow) -> Result<DemandSetInfo, StoreError> {
    Ok(DemandSetInfo {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        label: r.try_get("label")?,
        group_column: r.try_get("group_column")?,
        cells: r.try_get("cells")?,
        total: r.try_get("total")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

#[async_trait]
impl DemandSets for PgStore {
    async fn create_demand_set(&self, i: &DemandSetInfo, cells: &[StoredCell]) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "insert into demand_sets (name, label, group_column, cells, total, created_at, created_by) \
             values ($1, $2, $3, $4, $5, $6, $7) returning id",
        )
        .bind(&i.name)
        .bind(&i.label)
        .bind(&i.group_column)
        .bind(i.cells)
        .bind(i.total)
        .bind(i.created_at)
        .bind(&i.created_by)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(row) => row.try_get("id")?,
            Err(sqlx::Error::Database(db)) if db.constraint() == Some("demand_sets_name_key") => {
                return Err(StoreError::Constraint(NAME_TAKEN.into()));
            }
            Err(e) => return Err(e.into()),
        };
        for chunk in cells.chunks(1000) {
            let mut q =
                sqlx::QueryBuilder::new("insert into demand_set_cells (set_id, zip, language, count) ");
            q.push_values(chunk, |mut b, (zip, lang, count)| {
                b.push_bind(id).push_bind(zip).push_bind(lang).push_bind(count);
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn demand_sets(&self) -> Result<Vec<DemandSetInfo>, StoreError> {
        let sql = format!("select {COLUMNS} from demand_sets order by created_at desc, id desc");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(info).collect()
    }

    async fn demand_set(&self, id: i64) -> Result<Option<(DemandSetInfo, Vec<StoredCell>)>, StoreError> {
        let sql = format!("select {COLUMNS} from demand_sets where id = $1");
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let cells = sqlx::query(
            "select zip, language, count from demand_set_cells where set_id = $1 order by zip, language",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("zip")?, r.try_get("language")?, r.try_get("count")?)))
        .collect::<Result<Vec<StoredCell>, StoreError>>()?;
        Ok(Some((info(&row)?, cells)))
    }

    async fn delete_demand_set(&self, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from demand_set_cells where set_id = $1").bind(id).execute(&mut *tx).await?;
        let gone = sqlx::query("delete from demand_sets where id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(gone.rows_affected() > 0)
    }
}
