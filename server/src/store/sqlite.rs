//! SQLite: the embedded default. One file, WAL journal, foreign keys on.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use uuid::Uuid;

use super::common::{self, PARTNER_COLUMNS};
use super::sqlite_codec::{classify, from_json, json, parse_ts, ts, uuid};
use super::{Batch, Change, Snapshot, Store, StoreError};
use crate::domain::{Category, CategoryDef, Partner, PartnerStatus, Site};

/// The SQLite store.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path`, `sqlite::memory:` or
    /// a bare path) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let url = if url.starts_with("sqlite:") { url.to_owned() } else { format!("sqlite://{url}") };
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
                }
            }
        }
        let memory = url.contains(":memory:");
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(if memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives and dies with its one connection.
            .max_connections(if memory { 1 } else { 4 })
            .min_connections(if memory { 1 } else { 0 })
            .idle_timeout(if memory { None } else { Some(Duration::from_secs(600)) })
            .max_lifetime(if memory { None } else { Some(Duration::from_secs(3600)) })
            .connect_with(options)
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

fn partner_from_row(r: &SqliteRow) -> Result<Partner, StoreError> {
    let lang: Option<String> = r.try_get("description_lang")?;
    let status: String = r.try_get("status")?;
    Ok(Partner {
        id: uuid("partners.id", r.try_get("id")?)?,
        source_id: r.try_get("source_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        description_lang: lang.map(|l| from_json("description_lang", &format!("\"{l}\""))).transpose()?,
        description_translations: from_json(
            "description_translations",
            r.try_get("description_translations")?,
        )?,
        website: r.try_get("website")?,
        email: r.try_get("email")?,
        status: PartnerStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status '{status}'")))?,
        created_at: parse_ts("created_at", r.try_get("created_at")?)?,
        updated_at: parse_ts("updated_at", r.try_get("updated_at")?)?,
        version: r.try_get("version")?,
    })
}

/// Sites per chunk when loading: bounds the memory a load holds at once. Chunks of 5,000 (before)
/// were five times larger JSON strings, and once glibc had returned the first to the system it
/// served later ones from its heaps (it raises its mmap threshold to the size of a freed
/// block), which then stayed resident: 100,000 sites took a median 283 MiB after loading with
/// 5,000 a chunk and 273 MiB with 1,000, start-up unchanged (`cargo bench --bench startup`).
const LOAD_CHUNK: i64 = 1_000;

/// One chunk of sites as a JSON array whose members use `Site`'s field names, built by SQLite.
/// Loading this way hands the driver one row per 5,000 sites instead of one per site
/// (sqlx-sqlite moves every row from its worker thread through a channel), and the JSON columns
/// are pasted in as stored rather than re-parsed; `concat` builds each object in one pass (a chain of
/// `||` copies the growing string once per field). Text is quoted with `json_quote`; coordinates
/// are printed with 17 significant digits (`%!.17g`: without `!` SQLite stops at 16) so they
/// round-trip exactly; booleans stored as 0/1 become JSON booleans.
const SITE_CHUNK_SQL: &str = r#"select max(rowid) as last, '[' || group_concat(doc, ',') || ']' as doc from (
  select rowid, concat('{"id":', json_quote(id), ',"partner_id":', json_quote(partner_id),
    ',"source_id":', json_quote(source_id), ',"name":', json_quote(name),
    ',"description":', json_quote(description), ',"description_lang":', json_quote(description_lang),
    ',"description_translations":', description_translations,
    ',"street":', json_quote(street), ',"city":', json_quote(city),
    ',"state":', json_quote(state), ',"postal_code":', json_quote(postal_code),
    ',"lon":', case when lon is null then 'null' else printf('%!.17g', lon) end,
    ',"lat":', case when lat is null then 'null' else printf('%!.17g', lat) end,
    ',"phones":', phones, ',"hours":', coalesce(hours, 'null'), ',"languages":', languages,
    ',"categories":', categories, ',"services":', services,
    ',"cost":', json_quote(cost), ',"cost_note":', json_quote(cost_note),
    ',"eligibility":', json_quote(eligibility), ',"required_documents":', required_documents,
    ',"accessibility":', json_quote(accessibility),
    ',"walk_in":', case walk_in when 1 then 'true' when 0 then 'false' else 'null' end,
    ',"appointment_required":', case appointment_required when 1 then 'true' when 0 then 'false' else 'null' end,
    ',"no_id_required":', case no_id_required when 1 then 'true' when 0 then 'false' else 'null' end,
    ',"confidential":', case confidential when 1 then 'true' else 'false' end,
    ',"withhold_zip":', case withhold_zip when 1 then 'true' else 'false' end,
    ',"last_verified_at":', json_quote(last_verified_at), ',"created_at":', json_quote(created_at),
    ',"updated_at":', json_quote(updated_at), ',"version":', version, '}') as doc
  from sites where rowid > ?1 and rowid <= ?2 order by rowid limit ?3)"#;

/// Read connections that load sites at once (each builds and parses the chunks of its own range
/// of rowids; SQLite builds a chunk on one thread, so one connection leaves a core idle).
const LOAD_READERS: usize = 2;

/// Loads the sites with rowid in `(after, upto]`, chunk by chunk: chunk i is parsed on a
/// blocking thread while SQLite builds chunk i + 1. Each site is parsed straight into its `Arc`.
async fn load_sites(
    conn: &mut SqliteConnection,
    mut after: i64,
    upto: i64,
) -> Result<Vec<Arc<Site>>, StoreError> {
    let count: i64 = sqlx::query("select count(*) as n from sites where rowid > ?1 and rowid <= ?2")
        .bind(after)
        .bind(upto)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let mut sites = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut parsing: Option<tokio::task::JoinHandle<Result<Vec<Arc<Site>>, StoreError>>> = None;
    loop {
        let row =
            sqlx::query(SITE_CHUNK_SQL).bind(after).bind(upto).bind(LOAD_CHUNK).fetch_one(&mut *conn).await?;
        if let Some(done) = parsing.take() {
            sites.extend(done.await.map_err(|e| StoreError::Corrupt(format!("parsing sites: {e}")))??);
        }
        let Some(last) = row.try_get::<Option<i64>, _>("last")? else { break };
        let doc: String = row.try_get("doc")?;
        parsing = Some(tokio::task::spawn_blocking(move || from_json::<Vec<Arc<Site>>>("sites", &doc)));
        after = last;
    }
    Ok(sites)
}

/// Partners and sites from one moment of the database, the sites read by [`LOAD_READERS`]
/// connections at once. Consistency: a writer's lock (`begin immediate`) is held while each
/// reader opens its read transaction and reads once, so no write can commit between the
/// readers' snapshots; the lock is released before the long reads start.
async fn load_records(pool: &SqlitePool) -> Result<(Vec<Partner>, Vec<Arc<Site>>), StoreError> {
    let readers = if pool.options().get_max_connections() as usize > LOAD_READERS { LOAD_READERS } else { 1 };
    let mut conns = Vec::with_capacity(readers);
    // Dropped on any early return, which rolls it back.
    let lock = if readers > 1 { Some(pool.begin_with("begin immediate").await?) } else { None };
    let mut bounds: Vec<i64> = Vec::new();
    for _ in 0..readers {
        let mut tx = pool.begin().await?;
        if bounds.is_empty() {
            // The rowids that split the sites into `readers` ranges of equal size (the first
            // read also fixes this transaction's snapshot).
            let n: i64 =
                sqlx::query("select count(*) as n from sites").fetch_one(&mut *tx).await?.try_get("n")?;
            bounds.push(0);
            for i in 1..readers {
                let at: Option<i64> =
                    sqlx::query_scalar("select rowid from sites order by rowid limit 1 offset ?1")
                        .bind(n * i as i64 / readers as i64)
                        .fetch_optional(&mut *tx)
                        .await?;
                bounds.push(at.map_or(i64::MAX, |r| r - 1));
            }
            bounds.push(i64::MAX);
        } else {
            sqlx::query("select 1 from sites limit 1").fetch_optional(&mut *tx).await?;
        }
        conns.push(tx);
    }
    if let Some(lock) = lock {
        lock.rollback().await?;
    }
    let sql = format!("select {PARTNER_COLUMNS} from partners");
    let partners = common::decode_all(sqlx::query(&sql).fetch(&mut *conns[0]), partner_from_row).await?;
    let parts = futures::future::try_join_all(
        conns.iter_mut().zip(bounds.windows(2)).map(|(tx, w)| load_sites(tx, w[0], w[1])),
    )
    .await?;
    for tx in conns {
        tx.commit().await?;
    }
    let mut sites = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        sites.extend(part);
    }
    Ok((partners, sites))
}

async fn write_partner(
    tx: &mut Transaction<'_, Sqlite>,
    p: &Partner,
    update: bool,
) -> Result<(), StoreError> {
    let sql = if update {
        "update partners set source_id = ?2, name = ?3, description = ?4, description_lang = ?5, \
         description_translations = ?6, website = ?7, email = ?8, status = ?9, created_at = ?10, updated_at = ?11, \
         version = ?12 where id = ?1 and version = ?12 - 1"
    } else {
        "insert into partners (id, source_id, name, description, description_lang, description_translations, \
         website, email, status, created_at, updated_at, version) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    };
    let done = sqlx::query(sql)
        .bind(p.id.to_string())
        .bind(&p.source_id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(p.description_lang.as_ref().map(|l| l.as_str().to_owned()))
        .bind(json(&p.description_translations))
        .bind(&p.website)
        .bind(&p.email)
        .bind(p.status.as_str())
        .bind(ts(p.created_at))
        .bind(ts(p.updated_at))
        .bind(p.version)
        .execute(&mut **tx)
        .await
        .map_err(classify)?;
    if update && done.rows_affected() == 0 {
        return Err(missing_or_stale(tx, "partners", "partner", p.id).await);
    }
    Ok(())
}

async fn missing_or_stale(tx: &mut Transaction<'_, Sqlite>, table: &str, what: &str, id: Uuid) -> StoreError {
    let sql = format!("select 1 from {table} where id = ?1");
    match sqlx::query(&sql).bind(id.to_string()).fetch_optional(&mut **tx).await {
        Ok(Some(_)) => StoreError::Conflict(format!("{what} {id}")),
        Ok(None) => StoreError::NotFound(format!("{what} {id}")),
        Err(e) => StoreError::Database(e),
    }
}

async fn write_site(tx: &mut Transaction<'_, Sqlite>, s: &Site, update: bool) -> Result<(), StoreError> {
    let sql = if update {
        "update sites set partner_id = ?2, source_id = ?3, name = ?4, description = ?5, description_lang = ?6, \
         description_translations = ?7, street = ?8, city = ?9, state = ?10, postal_code = ?11, lon = ?12, lat = ?13, \
         phones = ?14, hours = ?15, languages = ?16, categories = ?17, services = ?18, cost = ?19, cost_note = ?20, \
         eligibility = ?21, required_documents = ?22, accessibility = ?23, walk_in = ?24, appointment_required = ?25, \
         no_id_required = ?26, confidential = ?27, withhold_zip = ?28, last_verified_at = ?29, created_at = ?30, \
         updated_at = ?31, version = ?32 where id = ?1 and version = ?32 - 1"
    } else {
        "insert into sites (id, partner_id, source_id, name, description, description_lang, description_translations, \
         street, city, state, postal_code, lon, lat, phones, hours, languages, categories, services, cost, cost_note, \
         eligibility, required_documents, accessibility, walk_in, appointment_required, no_id_required, confidential, \
         withhold_zip, last_verified_at, created_at, updated_at, version) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, \
         ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)"
    };
    let done = sqlx::query(sql)
        .bind(s.id.to_string())
        .bind(s.partner_id.to_string())
        .bind(&s.source_id)
        .bind(&s.name)
        .bind(&s.description)
        .bind(s.description_lang.as_ref().map(|l| l.as_str().to_owned()))
        .bind(json(&s.description_translations))
        .bind(&s.street)
        .bind(&s.city)
        .bind(&s.state)
        .bind(&s.postal_code)
        .bind(s.lon)
        .bind(s.lat)
        .bind(json(&s.phones))
        .bind(s.hours.as_ref().map(json))
        .bind(json(&s.languages))
        .bind(json(&s.categories))
        .bind(json(&s.services))
        .bind(s.cost.map(common::cost_str))
        .bind(&s.cost_note)
        .bind(&s.eligibility)
        .bind(json(&s.required_documents))
        .bind(&s.accessibility)
        .bind(s.walk_in)
        .bind(s.appointment_required)
        .bind(s.no_id_required)
        .bind(s.confidential)
        .bind(s.withhold_zip)
        .bind(s.last_verified_at.map(ts))
        .bind(ts(s.created_at))
        .bind(ts(s.updated_at))
        .bind(s.version)
        .execute(&mut **tx)
        .await
        .map_err(classify)?;
    if update && done.rows_affected() == 0 {
        return Err(missing_or_stale(tx, "sites", "site", s.id).await);
    }
    let id = s.id.to_string();
    if update {
        sqlx::query("delete from site_categories where site_id = ?1").bind(&id).execute(&mut **tx).await?;
    }
    for c in &s.categories {
        sqlx::query("insert into site_categories (site_id, category) values (?1, ?2)")
            .bind(&id)
            .bind(c.as_str())
            .execute(&mut **tx)
            .await
            .map_err(classify)?;
    }
    Ok(())
}

async fn delete(
    tx: &mut Transaction<'_, Sqlite>,
    table: &str,
    what: &str,
    id: Uuid,
) -> Result<(), StoreError> {
    let sql = format!("delete from {table} where id = ?1");
    let done = sqlx::query(&sql).bind(id.to_string()).execute(&mut **tx).await.map_err(classify)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("{what} {id}")));
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn load(&self) -> Result<Snapshot, StoreError> {
        let categories =
            sqlx::query("select slug, name, description from categories order by position, slug")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    let slug: String = r.try_get("slug")?;
                    Ok(CategoryDef {
                        slug: Category::parse(&slug).map_err(StoreError::Corrupt)?,
                        name: r.try_get("name")?,
                        description: r.try_get("description")?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
        let (partners, sites) = load_records(&self.pool).await?;
        Ok(Snapshot { categories, partners, sites, position: 0 })
    }

    async fn apply(&self, batch: &Batch) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for change in batch {
            match change {
                Change::CreatePartner(p) => write_partner(&mut tx, p, false).await?,
                Change::UpdatePartner(p) => write_partner(&mut tx, p, true).await?,
                Change::DeletePartner(id) => delete(&mut tx, "partners", "partner", *id).await?,
                Change::CreateSite(s) => write_site(&mut tx, s, false).await?,
                Change::UpdateSite(s) => write_site(&mut tx, s, true).await?,
                Change::DeleteSite(id) => delete(&mut tx, "sites", "site", *id).await?,
                Change::Record(r) => super::sqlite_accounts::write(&mut tx, r).await?,
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        let row = sqlx::query("select count(*) as n from partners").fetch_one(&self.pool).await?;
        Ok(row.try_get::<i64, _>("n")? == 0)
    }

    async fn backup(&self, path: &str) -> Result<(), StoreError> {
        // VACUUM INTO writes a consistent, compacted copy while readers and writers carry on.
        sqlx::query("vacuum into ?1").bind(path).execute(&self.pool).await?;
        Ok(())
    }
}
