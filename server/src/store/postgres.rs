//! PostgreSQL: the store for several `assetmap serve` instances behind a load balancer.
//!
//! Same semantics as the SQLite store (one transaction per batch, version-checked updates,
//! constraint violations named for the client), plus the change feed that keeps every
//! instance's in-memory index in step (see `migrations/postgres/0002_change_feed.sql`):
//!
//! - [`Store::apply`] appends one `changes` row per change at the end of its transaction,
//!   numbered from the single `change_head` row, whose row lock serialises the numbering in
//!   commit order; `pg_notify` is delivered when (and only if) the transaction commits.
//! - [`Store::watch`] runs a `LISTEN` on its own connection and wakes the reader on each
//!   notification and after each reconnection (after `LISTEN` is in place again, so nothing
//!   committed in between is missed).
//! - [`Store::changes_since`] reads, in one snapshot, the entries after a position and the
//!   records they name as they are now.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions, PgRow};
use sqlx::query_builder::Separated;
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder, Row, Transaction};
use tokio::sync::Notify;
use uuid::Uuid;

use super::postgres_codec::classify;
use super::{common, Batch, Change, Changed, Snapshot, Store, StoreError};
use crate::domain::{Category, CategoryDef, LanguageCode, Partner, PartnerStatus, Site};

/// The channel instances listen on.
const CHANNEL: &str = "assetmap_changes";

/// Connections per instance for ordinary work. Reads are answered from memory and writes are
/// serialised per instance, so a few connections are plenty; the feed listener has its own.
const POOL_SIZE: u32 = 4;

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PgStore {
    pub(super) pool: PgPool,
    /// One connection, only for `LISTEN`, named `<instance>:feed`.
    listen_pool: PgPool,
    /// The URL connected to (for `pg_dump`); may hold a password, so never printed.
    url: Arc<str>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`), names the sessions after `instance`
    /// (PostgreSQL's `application_name`: `assetmap:<instance>`, and `assetmap:<instance>:feed`
    /// for the listener) and applies the migrations.
    pub async fn connect(url: &str, instance: &str) -> Result<Self, StoreError> {
        let name = application_name(instance);
        let options = PgConnectOptions::from_str(url)?.application_name(&name);
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(Duration::from_secs(10))
            .idle_timeout(Some(Duration::from_secs(600)))
            .connect_with(options.clone())
            .await?;
        let listen_pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with(options.application_name(&format!("{name}:feed")));
        // Concurrent starts are safe: sqlx takes an advisory lock around the migrations.
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        Ok(Self { pool, listen_pool, url: url.into() })
    }
}

/// `assetmap:<instance>`, cut to what PostgreSQL keeps (63 bytes, leaving room for `:feed`).
fn application_name(instance: &str) -> String {
    let mut name = format!("assetmap:{instance}");
    while name.len() > 58 {
        name.pop();
    }
    name
}

fn language(field: &str, raw: Option<String>) -> Result<Option<LanguageCode>, StoreError> {
    raw.map(|l| LanguageCode::parse(&l).map_err(|e| StoreError::Corrupt(format!("{field} '{l}': {e}"))))
        .transpose()
}

fn partner_from_row(r: &PgRow) -> Result<Partner, StoreError> {
    let status: String = r.try_get("status")?;
    Ok(Partner {
        id: r.try_get("id")?,
        source_id: r.try_get("source_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        description_lang: language("description_lang", r.try_get("description_lang")?)?,
        description_translations: r.try_get::<Json<_>, _>("description_translations")?.0,
        website: r.try_get("website")?,
        email: r.try_get("email")?,
        status: PartnerStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status '{status}'")))?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

fn site_from_row(r: &PgRow) -> Result<Site, StoreError> {
    let cost: Option<String> = r.try_get("cost")?;
    Ok(Site {
        id: r.try_get("id")?,
        partner_id: r.try_get("partner_id")?,
        source_id: r.try_get("source_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        description_lang: language("description_lang", r.try_get("description_lang")?)?,
        description_translations: r.try_get::<Json<_>, _>("description_translations")?.0,
        street: r.try_get("street")?,
        city: r.try_get("city")?,
        state: r.try_get("state")?,
        postal_code: r.try_get("postal_code")?,
        lon: r.try_get("lon")?,
        lat: r.try_get("lat")?,
        phones: r.try_get::<Json<_>, _>("phones")?.0,
        hours: r.try_get::<Option<Json<_>>, _>("hours")?.map(|h| h.0),
        languages: r.try_get::<Json<_>, _>("languages")?.0,
        categories: r.try_get::<Json<_>, _>("categories")?.0,
        services: r.try_get::<Json<_>, _>("services")?.0,
        cost: cost.map(|c| common::cost_from_str(&c)).transpose()?,
        cost_note: r.try_get("cost_note")?,
        eligibility: r.try_get("eligibility")?,
        required_documents: r.try_get::<Json<_>, _>("required_documents")?.0,
        accessibility: r.try_get("accessibility")?,
        walk_in: r.try_get("walk_in")?,
        appointment_required: r.try_get("appointment_required")?,
        no_id_required: r.try_get("no_id_required")?,
        confidential: r.try_get("confidential")?,
        withhold_zip: r.try_get("withhold_zip")?,
        last_verified_at: r.try_get("last_verified_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

/// The most rows one `insert` carries (32 parameters each, under PostgreSQL's 65,535).
const ROWS_PER_INSERT: usize = 1000;

fn bind_partner<'a>(mut b: Separated<'_, 'a, Postgres, &'static str>, p: &'a Partner) {
    b.push_bind(p.id)
        .push_bind(&p.source_id)
        .push_bind(&p.name)
        .push_bind(&p.description)
        .push_bind(p.description_lang.as_ref().map(LanguageCode::as_str))
        .push_bind(Json(&p.description_translations))
        .push_bind(&p.website)
        .push_bind(&p.email)
        .push_bind(p.status.as_str())
        .push_bind(p.created_at)
        .push_bind(p.updated_at)
        .push_bind(p.version);
}

fn bind_site<'a>(mut b: Separated<'_, 'a, Postgres, &'static str>, s: &'a Site) {
    b.push_bind(s.id)
        .push_bind(s.partner_id)
        .push_bind(&s.source_id)
        .push_bind(&s.name)
        .push_bind(&s.description)
        .push_bind(s.description_lang.as_ref().map(LanguageCode::as_str))
        .push_bind(Json(&s.description_translations))
        .push_bind(&s.street)
        .push_bind(&s.city)
        .push_bind(&s.state)
        .push_bind(&s.postal_code)
        .push_bind(s.lon)
        .push_bind(s.lat)
        .push_bind(Json(&s.phones))
        .push_bind(s.hours.as_ref().map(Json))
        .push_bind(Json(&s.languages))
        .push_bind(Json(&s.categories))
        .push_bind(Json(&s.services))
        .push_bind(s.cost.map(common::cost_str))
        .push_bind(&s.cost_note)
        .push_bind(&s.eligibility)
        .push_bind(Json(&s.required_documents))
        .push_bind(&s.accessibility)
        .push_bind(s.walk_in)
        .push_bind(s.appointment_required)
        .push_bind(s.no_id_required)
        .push_bind(s.confidential)
        .push_bind(s.withhold_zip)
        .push_bind(s.last_verified_at)
        .push_bind(s.created_at)
        .push_bind(s.updated_at)
        .push_bind(s.version);
}

/// Inserts rows a thousand to a statement: an import of 50,000 sites is 50 round trips to the
/// database, not 50,000.
async fn insert<'a, T: 'a>(
    tx: &mut Transaction<'_, Postgres>,
    table: &str,
    columns: &str,
    rows: &[&'a T],
    bind: fn(Separated<'_, 'a, Postgres, &'static str>, &'a T),
) -> Result<(), StoreError> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::new(format!("insert into {table} ({columns}) "));
        q.push_values(chunk.iter().copied(), bind);
        q.build().execute(&mut **tx).await.map_err(classify)?;
    }
    Ok(())
}

/// Replaces the row whose stored version is one less than the new one; names the record as
/// missing or stale when there is none.
async fn update<'a, T>(
    tx: &mut Transaction<'_, Postgres>,
    (table, what, id): (&str, &str, Uuid),
    columns: &str,
    row: &'a T,
    bind: fn(Separated<'_, 'a, Postgres, &'static str>, &'a T),
) -> Result<(), StoreError> {
    let names: Vec<&str> = columns.split(',').map(str::trim).filter(|c| *c != "id").collect();
    let mut q = QueryBuilder::new(format!(
        "update {table} set ({}) = ({}) from (",
        names.join(", "),
        names.iter().map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", ")
    ));
    q.push_values([row], bind);
    q.push(format!(") as v ({columns}) where {table}.id = v.id and {table}.version = v.version - 1"));
    let done = q.build().execute(&mut **tx).await.map_err(classify)?;
    if done.rows_affected() == 0 {
        return Err(missing_or_stale(tx, table, what, id).await);
    }
    Ok(())
}

async fn missing_or_stale(
    tx: &mut Transaction<'_, Postgres>,
    table: &str,
    what: &str,
    id: Uuid,
) -> StoreError {
    let sql = format!("select 1 from {table} where id = $1");
    match sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await {
        Ok(Some(_)) => StoreError::Conflict(format!("{what} {id}")),
        Ok(None) => StoreError::NotFound(format!("{what} {id}")),
        Err(e) => StoreError::Database(e),
    }
}

/// Files sites under their categories (the rows that let the database refuse an unknown one).
async fn file_categories(
    tx: &mut Transaction<'_, Postgres>,
    sites: &[&Site],
    replace: bool,
) -> Result<(), StoreError> {
    if replace {
        let ids: Vec<Uuid> = sites.iter().map(|s| s.id).collect();
        sqlx::query("delete from site_categories where site_id = any($1)")
            .bind(&ids)
            .execute(&mut **tx)
            .await?;
    }
    let (ids, categories): (Vec<Uuid>, Vec<&str>) =
        sites.iter().flat_map(|s| s.categories.iter().map(move |c| (s.id, c.as_str()))).unzip();
    sqlx::query(
        "insert into site_categories (site_id, category) select * from unnest($1::uuid[], $2::text[])",
    )
    .bind(&ids)
    .bind(&categories)
    .execute(&mut **tx)
    .await
    .map_err(classify)?;
    Ok(())
}

/// The records of the run of consecutive changes of one kind at the start of `changes`.
fn run<'a, T>(changes: &'a [Change], pick: fn(&'a Change) -> Option<&'a T>) -> Vec<&'a T> {
    changes.iter().map_while(pick).collect()
}

async fn delete(
    tx: &mut Transaction<'_, Postgres>,
    table: &str,
    what: &str,
    id: Uuid,
) -> Result<(), StoreError> {
    let sql = format!("delete from {table} where id = $1");
    let done = sqlx::query(&sql).bind(id).execute(&mut **tx).await.map_err(classify)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("{what} {id}")));
    }
    Ok(())
}

/// Appends the batch's entries to the change feed and signals the listeners; the last thing a
/// writing transaction does, so the `change_head` row lock is held only until its commit.
async fn record_changes(tx: &mut Transaction<'_, Postgres>, batch: &Batch) -> Result<(), StoreError> {
    let (mut entities, mut ids, mut ops) = (Vec::new(), Vec::new(), Vec::new());
    for change in batch {
        let (entity, id, op) = match change {
            Change::CreatePartner(p) | Change::UpdatePartner(p) => ("partner", p.id, "upsert"),
            Change::DeletePartner(id) => ("partner", *id, "delete"),
            Change::CreateSite(s) | Change::UpdateSite(s) => ("site", s.id, "upsert"),
            Change::DeleteSite(id) => ("site", *id, "delete"),
            // Accounts and history are not in the directory's memory: nothing to follow.
            Change::Record(_) => continue,
        };
        entities.push(entity);
        ids.push(id);
        ops.push(op);
    }
    let n = i64::try_from(ids.len()).unwrap_or(i64::MAX);
    // Waits here while another writer's transaction holds the row, i.e. until it has committed.
    let head: i64 = sqlx::query_scalar("update change_head set seq = seq + $1 returning seq")
        .bind(n)
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query(
        "insert into changes (seq, entity, id, op) \
         select $1 + c.n, c.entity, c.id, c.op \
         from unnest($2::text[], $3::uuid[], $4::text[]) with ordinality as c (entity, id, op, n)",
    )
    .bind(head - n)
    .bind(&entities)
    .bind(&ids)
    .bind(&ops)
    .execute(&mut **tx)
    .await?;
    sqlx::query("select pg_notify($1, $2)").bind(CHANNEL).bind(head.to_string()).execute(&mut **tx).await?;
    Ok(())
}

/// Listens on [`CHANNEL`] until the process ends, waking `wake` on every notification and after
/// every (re)connection. A dropped connection is retried every second or two; the catch-up
/// that follows a reconnection reads everything missed meanwhile.
async fn listen(pool: PgPool, wake: Arc<Notify>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let mut listener = match connect_listener(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, retry_ms = backoff.as_millis() as u64, "change feed: cannot listen");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        // LISTEN is in place: whatever committed while we were away is read now.
        wake.notify_one();
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => wake.notify_one(),
                Ok(None) => {
                    // Lost and already re-established (with LISTEN) by the driver.
                    tracing::info!("change feed: reconnected");
                    wake.notify_one();
                }
                Err(e) => {
                    tracing::warn!(error = %e, "change feed: connection lost");
                    break;
                }
            }
        }
    }
}

/// Runs `pg_dump --format=custom` (restore with `pg_restore`): a consistent snapshot of the
/// whole database taken while instances keep serving and writing. The password, if the URL
/// has one, goes through the environment rather than the command line (visible to `ps`).
async fn pg_dump(url: &str, path: &str) -> Result<(), StoreError> {
    let failed = |m: String| StoreError::Database(sqlx::Error::Io(std::io::Error::other(m)));
    let mut parsed = url::Url::parse(url).map_err(|e| failed(format!("database URL: {e}")))?;
    let password = parsed.password().map(percent_decode);
    let _ = parsed.set_password(None);
    let mut cmd = tokio::process::Command::new("pg_dump");
    cmd.args(["--format=custom", "--no-owner", "--file", path, "--dbname", parsed.as_str()])
        .env("PGAPPNAME", "assetmap:backup")
        .stdin(std::process::Stdio::null());
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd.output().await.map_err(|e| {
        failed(format!(
            "cannot run pg_dump ({e}); install the PostgreSQL client tools (Debian: postgresql-client)"
        ))
    })?;
    if !out.status.success() {
        return Err(failed(format!("pg_dump failed: {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(())
}

/// Decodes `%XX` escapes (a URL's user-info part).
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn connect_listener(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn load(&self) -> Result<Snapshot, StoreError> {
        // One snapshot for everything, so sites, partners and the feed position agree.
        let mut tx = self.pool.begin().await?;
        sqlx::query("set transaction isolation level repeatable read, read only").execute(&mut *tx).await?;
        let position: i64 = sqlx::query_scalar("select seq from change_head").fetch_one(&mut *tx).await?;
        let categories =
            sqlx::query("select slug, name, description from categories order by position, slug")
                .fetch_all(&mut *tx)
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
        let sql = format!("select {} from partners", common::PARTNER_COLUMNS);
        let partners = common::decode_all(sqlx::query(&sql).fetch(&mut *tx), partner_from_row).await?;
        let sql = format!("select {} from sites", common::SITE_COLUMNS);
        let sites =
            common::decode_all(sqlx::query(&sql).fetch(&mut *tx), |r| site_from_row(r).map(Arc::new)).await?;
        tx.commit().await?;
        Ok(Snapshot { categories, partners, sites, position })
    }

    async fn apply(&self, batch: &Batch) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut rest = batch.as_slice();
        while let Some(change) = rest.first() {
            // Consecutive creations go in bulk; everything else one by one, in batch order.
            let done = match change {
                Change::CreatePartner(_) => {
                    let partners =
                        run(rest, |c| if let Change::CreatePartner(p) = c { Some(p) } else { None });
                    insert(&mut tx, "partners", common::PARTNER_COLUMNS, &partners, bind_partner).await?;
                    partners.len()
                }
                Change::CreateSite(_) => {
                    let sites = run(rest, |c| if let Change::CreateSite(s) = c { Some(s) } else { None });
                    insert(&mut tx, "sites", common::SITE_COLUMNS, &sites, bind_site).await?;
                    file_categories(&mut tx, &sites, false).await?;
                    sites.len()
                }
                Change::UpdatePartner(p) => {
                    let key = ("partners", "partner", p.id);
                    update(&mut tx, key, common::PARTNER_COLUMNS, p, bind_partner).await?;
                    1
                }
                Change::UpdateSite(s) => {
                    update(&mut tx, ("sites", "site", s.id), common::SITE_COLUMNS, s, bind_site).await?;
                    file_categories(&mut tx, &[s], true).await?;
                    1
                }
                Change::DeletePartner(id) => {
                    delete(&mut tx, "partners", "partner", *id).await?;
                    1
                }
                Change::DeleteSite(id) => {
                    delete(&mut tx, "sites", "site", *id).await?;
                    1
                }
                Change::Record(r) => {
                    super::postgres_accounts::write(&mut tx, r).await?;
                    1
                }
            };
            rest = &rest[done..];
        }
        if batch.iter().any(|c| !matches!(c, Change::Record(_))) {
            record_changes(&mut tx, batch).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("select count(*) from partners").fetch_one(&self.pool).await?;
        Ok(n == 0)
    }

    async fn backup(&self, path: &str) -> Result<(), StoreError> {
        pg_dump(&self.url, path).await
    }

    fn watch(&self, wake: Arc<Notify>) -> bool {
        tokio::spawn(listen(self.listen_pool.clone(), wake));
        true
    }

    async fn changes_since(&self, after: i64) -> Result<Option<Changed>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("set transaction isolation level repeatable read, read only").execute(&mut *tx).await?;
        let head: i64 = sqlx::query_scalar("select seq from change_head").fetch_one(&mut *tx).await?;
        if head == after {
            return Ok(Some(Changed { position: head, ..Changed::default() }));
        }
        let oldest: Option<i64> =
            sqlx::query_scalar("select min(seq) from changes").fetch_one(&mut *tx).await?;
        // Positions are gap-free, so entries are missing exactly when the oldest kept one is
        // past the next we need (pruned), or the database is behind us (restored from a backup).
        if head < after || oldest.is_none_or(|o| o > after + 1) {
            return Ok(None);
        }
        let rows = sqlx::query("select entity, id from changes where seq > $1 order by seq")
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
        let (mut partner_ids, mut site_ids) = (Vec::new(), Vec::new());
        for r in &rows {
            let id: Uuid = r.try_get("id")?;
            if r.try_get::<&str, _>("entity")? == "partner" {
                partner_ids.push(id);
            } else {
                site_ids.push(id);
            }
        }
        partner_ids.sort_unstable();
        partner_ids.dedup();
        site_ids.sort_unstable();
        site_ids.dedup();
        let sql = format!("select {} from partners where id = any($1)", common::PARTNER_COLUMNS);
        let rows = sqlx::query(&sql).bind(&partner_ids).fetch(&mut *tx);
        let partners = common::decode_all(rows, partner_from_row).await?;
        let sql = format!("select {} from sites where id = any($1)", common::SITE_COLUMNS);
        let sites =
            common::decode_all(sqlx::query(&sql).bind(&site_ids).fetch(&mut *tx), site_from_row).await?;
        tx.commit().await?;
        Ok(Some(Changed::from_rows(head, &partner_ids, partners, &site_ids, sites)))
    }

    async fn prune_changes(&self, older_than: Duration) -> Result<u64, StoreError> {
        let secs = older_than.as_secs_f64();
        let done = sqlx::query("delete from changes where changed_at < now() - make_interval(secs => $1)")
            .bind(secs)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::{application_name, percent_decode};

    #[test]
    fn passwords_from_urls_are_decoded_for_pg_dump() {
        assert_eq!(percent_decode("p%40ss%2Bw%20rd+"), "p@ss+w rd+");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn application_names_fit_postgres_limit_with_the_feed_suffix() {
        assert_eq!(application_name("a"), "assetmap:a");
        let long = application_name(&"x".repeat(100));
        assert!(format!("{long}:feed").len() <= 63);
    }
}
