//! The directory in memory: partners, sites and the spatial index, mirrored from the store.
//!
//! Reads (nearest, listings, sheets) never touch the database. Writes go to the store first, in
//! one transaction, and are mirrored here only once it has committed ([`Directory::commit`]),
//! so memory never shows what the database refused.
//!
//! On a shared PostgreSQL store, other instances write too: [`Directory::follow`] applies what
//! they committed ([`Catalog::apply_remote`]), woken by the store's change feed.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use parking_lot::{RwLock, RwLockReadGuard};
use uuid::Uuid;

use crate::domain::{BBox, Category, CategoryDef, Cost, LanguageCode, LonLat, Partner, PartnerStatus, Site};
use crate::places::zip::ZipIndex;
use crate::search::index::{Attrs, Filter, Hit, Item, SpatialIndex};
use crate::search::NearestQuery;
use crate::store::{Batch, Change, Changed, Snapshot, Store, StoreError};
use crate::visibility::confidential::{self, StandIn};

/// Partners, sites and the index, consistent with each other.
#[derive(Debug, Default)]
pub struct Catalog {
    categories: Vec<CategoryDef>,
    category_set: HashSet<Category>,
    partners: HashMap<Uuid, Arc<Partner>>,
    sites: HashMap<Uuid, Arc<Site>>,
    site_by_source: HashMap<String, Uuid>,
    partner_by_source: HashMap<String, Uuid>,
    index: SpatialIndex<Uuid>,
    /// ZIP code areas' internal points, where confidential sites stand for the public.
    zips: Arc<ZipIndex>,
    /// The stand-in of every confidential, mapped site (see [`crate::visibility::confidential`]): the index
    /// holds such a site here, never at its true point.
    stand_ins: HashMap<Uuid, StandIn>,
    /// Listings not verified for this many days are hidden from the public (`None`: never).
    hide_after_days: Option<i64>,
}

/// Attributes the index filters on, taken from a site.
pub fn attrs_of(site: &Site) -> Attrs {
    let mut languages: Vec<u32> = site.all_languages().map(|l| l.packed()).collect();
    languages.sort_unstable();
    languages.dedup();
    Attrs {
        free: site.cost == Some(Cost::Free),
        walk_in: site.walk_in == Some(true),
        no_id: site.no_id_required == Some(true),
        languages: languages.into(),
        hours: site.hours.clone(),
        verified: site.last_verified_at.unwrap_or(site.created_at).timestamp(),
    }
}

/// What a listing of sites asks for (`GET /api/v1/sites`, OGC API – Features items).
#[derive(Clone, Debug, Default)]
pub struct SiteQuery {
    /// Only sites in this category.
    pub category: Option<Category>,
    /// Only sites where a family is helped in this language (at the site or on a phone line).
    pub language: Option<LanguageCode>,
    /// Only this partner's sites.
    pub partner: Option<Uuid>,
    /// Only mapped sites inside this box.
    pub bbox: Option<BBox>,
    /// An admin's listing: sites of inactive partners and hidden listings too, and
    /// confidential sites in boxes.
    pub admin: bool,
    /// A partner editor's organisation: its own sites are listed as for an admin.
    pub own_partner: Option<Uuid>,
}

impl SiteQuery {
    /// Whether the reader sees this partner's sites whole (as an admin or its editor).
    fn sees_all_of(&self, partner_id: Uuid) -> bool {
        self.admin || self.own_partner == Some(partner_id)
    }
}

impl Catalog {
    /// Builds the catalog from a full load of the store, bulk-loading the index; confidential
    /// sites stand at their stand-ins, found with `zips`.
    pub fn from_snapshot(s: Snapshot, zips: Arc<ZipIndex>) -> Self {
        let mut c = Self {
            category_set: s.categories.iter().map(|d| d.slug.clone()).collect(),
            categories: s.categories,
            zips,
            ..Self::default()
        };
        for p in s.partners {
            if let Some(src) = &p.source_id {
                c.partner_by_source.insert(src.clone(), p.id);
            }
            c.partners.insert(p.id, Arc::new(p));
        }
        let mut items = Vec::with_capacity(s.sites.len());
        for site in s.sites {
            c.place_stand_in(&site);
            if let Some(item) = c.index_item(&site) {
                items.push(item);
            }
            if let Some(src) = &site.source_id {
                c.site_by_source.insert(src.clone(), site.id);
            }
            c.sites.insert(site.id, site);
        }
        c.index = SpatialIndex::bulk_load(items);
        c
    }

    /// The index entry for a site, if the public can find it: it is mapped and its partner is
    /// active. A confidential site is entered at its stand-in.
    fn index_item(&self, site: &Site) -> Option<Item<Uuid>> {
        let at = self.public_location(site)?;
        if self.partners.get(&site.partner_id)?.status != PartnerStatus::Active {
            return None;
        }
        Some(Item { key: site.id, at, categories: site.categories.clone(), attrs: attrs_of(site) })
    }

    /// Records (or forgets) the stand-in of a site, before it is indexed.
    fn place_stand_in(&mut self, site: &Site) {
        match confidential::stand_in(site, &self.zips) {
            Some(s) => self.stand_ins.insert(site.id, s),
            None => self.stand_ins.remove(&site.id),
        };
    }

    fn put_site(&mut self, site: Site) {
        self.place_stand_in(&site);
        if let Some(old) = self.sites.get(&site.id) {
            if let Some(src) = &old.source_id {
                self.site_by_source.remove(src);
            }
        }
        match self.index_item(&site) {
            Some(item) => self.index.upsert(item),
            None => {
                self.index.remove(&site.id);
            }
        }
        if let Some(src) = &site.source_id {
            self.site_by_source.insert(src.clone(), site.id);
        }
        self.sites.insert(site.id, Arc::new(site));
    }

    fn drop_site(&mut self, id: Uuid) {
        self.stand_ins.remove(&id);
        if let Some(old) = self.sites.remove(&id) {
            if let Some(src) = &old.source_id {
                self.site_by_source.remove(src);
            }
        }
        self.index.remove(&id);
    }

    fn put_partner(&mut self, p: Partner) {
        let status_changed = self.partners.get(&p.id).is_some_and(|old| old.status != p.status);
        if let Some(old) = self.partners.get(&p.id) {
            if let Some(src) = &old.source_id {
                self.partner_by_source.remove(src);
            }
        }
        if let Some(src) = &p.source_id {
            self.partner_by_source.insert(src.clone(), p.id);
        }
        let id = p.id;
        self.partners.insert(id, Arc::new(p));
        if status_changed {
            let sites: Vec<Arc<Site>> = self.sites.values().filter(|s| s.partner_id == id).cloned().collect();
            for s in sites {
                self.put_site(Site::clone(&s));
            }
        }
    }

    /// Mirrors a batch the store has committed.
    pub fn apply(&mut self, batch: &Batch) {
        for change in batch {
            match change {
                Change::CreatePartner(p) | Change::UpdatePartner(p) => self.put_partner(p.clone()),
                Change::DeletePartner(id) => {
                    let gone: Vec<Uuid> =
                        self.sites.values().filter(|s| s.partner_id == *id).map(|s| s.id).collect();
                    for s in gone {
                        self.drop_site(s);
                    }
                    if let Some(p) = self.partners.remove(id) {
                        if let Some(src) = &p.source_id {
                            self.partner_by_source.remove(src);
                        }
                    }
                }
                Change::CreateSite(s) | Change::UpdateSite(s) => self.put_site(s.clone()),
                Change::DeleteSite(id) => self.drop_site(*id),
                Change::Record(_) => {}
            }
        }
    }

    /// Applies what other processes committed: each record as it is now in the store, or
    /// `None` where it was deleted. Applying a change this process made itself (and already
    /// mirrored) again changes nothing.
    pub fn apply_remote(&mut self, changed: Changed) {
        // Partners first, so new sites find their partner; partner deletions last, so a site
        // moved away from a deleted partner in the same window stays.
        let mut batch = Vec::with_capacity(changed.len());
        let mut deleted = Vec::new();
        for (id, p) in changed.partners {
            match p {
                Some(p) => batch.push(Change::UpdatePartner(p)),
                None => deleted.push(Change::DeletePartner(id)),
            }
        }
        batch.extend(
            changed.sites.into_iter().map(|(id, s)| s.map_or(Change::DeleteSite(id), Change::UpdateSite)),
        );
        batch.extend(deleted);
        self.apply(&batch);
    }

    /// The category taxonomy, in display order.
    pub fn categories(&self) -> &[CategoryDef] {
        &self.categories
    }

    /// Whether a category is in the taxonomy.
    pub fn is_category(&self, c: &Category) -> bool {
        self.category_set.contains(c)
    }

    /// A partner by id.
    pub fn partner(&self, id: Uuid) -> Option<&Arc<Partner>> {
        self.partners.get(&id)
    }

    /// A site by id.
    pub fn site(&self, id: Uuid) -> Option<&Arc<Site>> {
        self.sites.get(&id)
    }

    /// Where public answers measure `site` from: its position, or a confidential site's
    /// stand-in (never its true point). `None` for an unmapped site.
    pub fn public_location(&self, site: &Site) -> Option<LonLat> {
        if site.confidential {
            self.stand_ins.get(&site.id).map(StandIn::at)
        } else {
            site.location()
        }
    }

    /// A confidential, mapped site's stand-in.
    pub fn stand_in(&self, id: Uuid) -> Option<&StandIn> {
        self.stand_ins.get(&id)
    }

    /// A site by its source system's id.
    pub fn site_by_source(&self, source_id: &str) -> Option<&Arc<Site>> {
        self.site_by_source.get(source_id).and_then(|id| self.sites.get(id))
    }

    /// A partner by its source system's id.
    pub fn partner_by_source(&self, source_id: &str) -> Option<&Arc<Partner>> {
        self.partner_by_source.get(source_id).and_then(|id| self.partners.get(id))
    }

    /// A partner by exact name (case-insensitive), for imports that name partners.
    pub fn partner_by_name(&self, name: &str) -> Option<&Arc<Partner>> {
        self.partners.values().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Every partner.
    pub fn partners(&self) -> impl Iterator<Item = &Arc<Partner>> {
        self.partners.values()
    }

    /// Every site.
    pub fn sites(&self) -> impl Iterator<Item = &Arc<Site>> {
        self.sites.values()
    }

    /// Whether the public may see a site: its partner is active and the listing is not hidden
    /// for want of verification (see [`is_hidden`]).
    pub fn is_public(&self, site: &Site) -> bool {
        self.partners.get(&site.partner_id).is_some_and(|p| p.status == PartnerStatus::Active)
            && !is_hidden(site, Utc::now(), self.hide_after_days)
    }

    /// Hides listings not verified for `days` from the public (`None`: never).
    pub fn set_hide_after_days(&mut self, days: Option<i64>) {
        self.hide_after_days = days;
    }

    /// The hiding threshold in force.
    pub fn hide_after_days(&self) -> Option<i64> {
        self.hide_after_days
    }

    /// One page of the sites a listing shows, ordered by name then id, and how many there are
    /// in all: public ones only (active partner) unless the query is an admin's, that `keep`
    /// also accepts. A confidential site is never placed in a box for the public.
    ///
    /// The page is selected, not sorted out of the whole list: O(n) to filter and select plus
    /// O(limit log limit) to order the page, so walking a large directory page by page does not
    /// sort it once per page.
    pub fn select_page(
        &self,
        q: &SiteQuery,
        keep: impl Fn(&Site) -> bool,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<&Arc<Site>>) {
        let matched: Vec<_> = self
            .sites()
            .filter(|s| q.sees_all_of(s.partner_id) || self.is_public(s))
            .filter(|s| q.category.as_ref().is_none_or(|c| s.categories.contains(c)))
            .filter(|s| q.language.as_ref().is_none_or(|l| s.all_languages().any(|x| x == l)))
            .filter(|s| q.partner.is_none_or(|p| s.partner_id == p))
            .filter(|s| match q.bbox {
                Some(b) => {
                    s.location().is_some_and(|at| b.contains(at))
                        && (q.sees_all_of(s.partner_id) || !s.confidential)
                }
                None => true,
            })
            .filter(|s| keep(s))
            .collect();
        let total = matched.len();
        (total, page_by(matched, offset, limit, |a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id))))
    }

    /// The box around the public sites (of `category`, or all) whose location may be shown:
    /// mapped and not confidential, so no edge of the box ever sits on a shelter.
    pub fn public_extent(&self, category: Option<&Category>) -> Option<BBox> {
        BBox::around(
            self.sites()
                .filter(|s| self.is_public(s) && !s.confidential)
                .filter(|s| category.is_none_or(|c| s.categories.contains(c)))
                .filter_map(|s| s.location()),
        )
    }

    /// Number of sites (O(1)).
    pub fn site_count(&self) -> usize {
        self.sites.len()
    }

    /// Number of partners (O(1)).
    pub fn partner_count(&self) -> usize {
        self.partners.len()
    }

    /// Number of sites the public can find on the map.
    pub fn indexed(&self) -> usize {
        self.index.len()
    }

    /// The public sites a [`NearestQuery`] asks for, nearest first by great-circle distance
    /// (see [`SpatialIndex::nearest`]), with their distances in metres.
    pub fn nearest(&self, q: &NearestQuery) -> Vec<(Arc<Site>, f64)> {
        let mut hits: Vec<Hit> = Vec::with_capacity(q.k);
        let hiding = self.public_filter(&q.filter);
        let filter = hiding.as_ref().unwrap_or(&q.filter);
        self.index.nearest(q.at, q.category.as_ref(), q.k, q.max_m, filter, &mut hits);
        hits.iter()
            .filter_map(|h| self.sites.get(self.index.key(h.slot)).map(|s| (Arc::clone(s), h.distance_m())))
            .collect()
    }

    /// `filter` as public answers apply it, when listings not verified for a while are hidden:
    /// the same filter that also leaves those out (`None`: `filter` as it is). Nearest searches
    /// and gap analyses both go through it, so a hidden listing neither shows nor counts.
    pub fn public_filter(&self, filter: &Filter) -> Option<Filter> {
        let days = self.hide_after_days?;
        if filter.verified_since.is_some() {
            return None;
        }
        let since = (Utc::now() - chrono::Duration::days(days)).timestamp();
        Some(Filter { verified_since: Some(since), ..filter.clone() })
    }

    /// The spatial index itself (gap analysis runs its own searches on it).
    pub fn index(&self) -> &SpatialIndex<Uuid> {
        &self.index
    }
}

/// How long change-feed entries are kept. An instance cut off from the database for longer
/// reloads everything when it is back.
pub const CHANGES_KEPT: Duration = Duration::from_secs(24 * 3600);

/// How often an instance prunes the change feed.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The store and its in-memory mirror, with writes serialised so both see them in one order.
pub struct Directory {
    store: Arc<dyn Store>,
    catalog: RwLock<Catalog>,
    /// Serialises this process's writes and its application of other processes' changes, and
    /// holds the change-feed position memory is at. A local commit mirrors its batch while
    /// holding it, and a catch-up reads the store while holding it, so neither can overwrite
    /// the other with an older state.
    writes: tokio::sync::Mutex<i64>,
    /// The feed position, readable without the lock (health checks).
    position: AtomicI64,
    /// Wakes the follower: the store's feed signals it, and so does a write the store refused
    /// as stale (memory is behind: catch up now rather than at the next signal).
    wake: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory").field("backend", &self.store.backend()).finish_non_exhaustive()
    }
}

impl Directory {
    /// Loads everything from the store and builds the index (confidential sites at their
    /// stand-ins, found with `zips`).
    pub async fn open(store: Arc<dyn Store>, zips: Arc<ZipIndex>) -> Result<Self, StoreError> {
        let snapshot = store.load().await?;
        let position = snapshot.position;
        Ok(Self {
            catalog: RwLock::new(Catalog::from_snapshot(snapshot, zips)),
            store,
            writes: tokio::sync::Mutex::new(position),
            position: AtomicI64::new(position),
            wake: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// The change-feed position memory has caught up to (0 without a feed).
    pub fn position(&self) -> i64 {
        self.position.load(Ordering::Relaxed)
    }

    /// Follows the changes other instances commit, if the store has a change feed (PostgreSQL):
    /// applies them within moments of each commit, after every reconnection, and at least
    /// every `poll` as a safety net. Returns `false` (and does nothing) for a store without a
    /// feed. The task ends once the directory is dropped.
    pub fn follow(self: &Arc<Self>, poll: Duration) -> bool {
        if !self.store.watch(Arc::clone(&self.wake)) {
            return false;
        }
        let directory = Arc::downgrade(self);
        let wake = Arc::clone(&self.wake);
        tokio::spawn(async move {
            let mut pruned = Instant::now();
            let mut retry = Duration::from_millis(250);
            loop {
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(poll) => {}
                }
                let Some(dir) = directory.upgrade() else { break };
                match dir.catch_up().await {
                    Ok(_) => retry = Duration::from_millis(250),
                    Err(e) => {
                        tracing::warn!(error = %e, retry_ms = retry.as_millis() as u64, "change feed: catching up failed");
                        tokio::time::sleep(retry).await;
                        retry = (retry * 2).min(Duration::from_secs(5));
                        wake.notify_one();
                        continue;
                    }
                }
                if pruned.elapsed() >= PRUNE_EVERY {
                    pruned = Instant::now();
                    match dir.store.prune_changes(CHANGES_KEPT).await {
                        Ok(n) => tracing::debug!(deleted = n, "change feed pruned"),
                        Err(e) => tracing::warn!(error = %e, "change feed: pruning failed"),
                    }
                }
            }
        });
        true
    }

    /// Applies everything other processes committed since the last catch-up; returns how many
    /// records were refreshed. If the entries needed were pruned meanwhile, reloads the whole
    /// directory from the store instead.
    pub async fn catch_up(&self) -> Result<usize, StoreError> {
        let mut position = self.writes.lock().await;
        let refreshed = match self.store.changes_since(*position).await? {
            Some(changed) => {
                let (n, to) = (changed.len(), changed.position);
                if n > 0 {
                    self.catalog.write().apply_remote(changed);
                    tracing::debug!(
                        records = n,
                        feed_was = *position,
                        feed_now = to,
                        "applied changes from other instances"
                    );
                }
                *position = to;
                n
            }
            None => {
                let snapshot = self.store.load().await?;
                let to = snapshot.position;
                let zips = Arc::clone(&self.catalog.read().zips);
                let mut fresh = Catalog::from_snapshot(snapshot, zips);
                let n = fresh.sites.len() + fresh.partners.len();
                let mut catalog = self.catalog.write();
                fresh.hide_after_days = catalog.hide_after_days;
                *catalog = fresh;
                drop(catalog);
                tracing::warn!(
                    feed_was = *position,
                    feed_now = to,
                    "change feed entries were pruned; reloaded the directory"
                );
                *position = to;
                n
            }
        };
        self.position.store(*position, Ordering::Relaxed);
        Ok(refreshed)
    }

    /// The store behind the directory.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Hides listings not verified for `days` from the public (`None`: never).
    pub fn set_hide_after_days(&self, days: Option<i64>) {
        self.catalog.write().set_hide_after_days(days);
    }

    /// A read view. Hold it briefly and never across an `.await`.
    pub fn read(&self) -> RwLockReadGuard<'_, Catalog> {
        self.catalog.read()
    }

    /// Plans a batch against the current catalog and commits it: store first, then memory.
    /// `plan` runs while other writers wait, so what it reads is still current when the batch
    /// lands. Nothing is written if `plan` fails or the store refuses the batch.
    pub async fn commit<T, E>(&self, plan: impl FnOnce(&Catalog) -> Result<(Batch, T), E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let _serial = self.writes.lock().await;
        let (batch, out) = {
            let catalog = self.catalog.read();
            plan(&catalog)?
        };
        if !batch.is_empty() {
            if let Err(e) = self.store.apply(&batch).await {
                if matches!(e, StoreError::Conflict(_) | StoreError::NotFound(_) | StoreError::Constraint(_))
                {
                    // Another instance got there first: bring memory up to date for the retry.
                    self.wake.notify_one();
                }
                return Err(e.into());
            }
            self.catalog.write().apply(&batch);
        }
        Ok(out)
    }
}

/// Items `offset..offset + limit` of `items` in `order`, without sorting them all: O(n) to select
/// the page (on average) and O(limit log limit) to order it.
fn page_by<T>(
    mut items: Vec<T>,
    offset: usize,
    limit: usize,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    if offset >= items.len() || limit == 0 {
        return Vec::new();
    }
    if offset > 0 {
        // Everything before `offset` is now no later than anything after it.
        items.select_nth_unstable_by(offset, &order);
        items.drain(..offset);
    }
    if limit < items.len() {
        items.select_nth_unstable_by(limit, &order);
        items.truncate(limit);
    }
    items.sort_unstable_by(&order);
    items
}

/// Whether a listing is stale: never verified, or verified more than `stale_after_days` ago.
pub fn is_stale(site: &Site, now: DateTime<Utc>, stale_after_days: i64) -> bool {
    site.last_verified_at.is_none_or(|t| now - t > chrono::Duration::days(stale_after_days))
}

/// Whether a listing is hidden from the public: not verified for more than `hide_after_days`
/// (one never verified counts from its creation). `None` hides nothing.
pub fn is_hidden(site: &Site, now: DateTime<Utc>, hide_after_days: Option<i64>) -> bool {
    hide_after_days
        .is_some_and(|d| now - site.last_verified_at.unwrap_or(site.created_at) > chrono::Duration::days(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_the_slice_of_the_sorted_list() {
        // Repeated keys included: the order must be total for pages to tile the list.
        let items: Vec<(u32, u32)> = (0..500u32).map(|i| ((i * 7919) % 97, i)).collect();
        let mut sorted = items.clone();
        sorted.sort();
        for offset in [0, 1, 5, 96, 97, 250, 499, 500, 501, 10_000] {
            for limit in [0, 1, 2, 10, 100, 499, 500, 1000] {
                let page = page_by(items.clone(), offset, limit, |a, b| a.cmp(b));
                let want: Vec<_> = sorted.iter().copied().skip(offset).take(limit).collect();
                assert_eq!(page, want, "offset {offset}, limit {limit}");
            }
        }
    }
}
