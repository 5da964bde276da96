//! File-to-file nearest search with no database, for analysts and for side-by-side measurement
//! against other tools: `assetmap nearest --sites SITES.csv --queries QUERIES.csv --k 5`.
//!
//! Both files have the columns `id,category,lon,lat`. The output is one CSV line per query and
//! neighbour: `query_id,rank,site_id,distance_m`.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::domain::{Category, FieldError, LonLat};
use crate::search::index::{Attrs, Filter, Hit, Item, SpatialIndex};

/// A row of an `id,category,lon,lat` file.
#[derive(Clone, Debug)]
pub struct PointRow {
    /// The row's id, as written.
    pub id: String,
    /// Its category.
    pub category: Category,
    /// Where it is.
    pub at: LonLat,
}

/// A problem in an input file, naming the row (1-based, counting the header as row 1) and field.
#[derive(Debug, thiserror::Error)]
#[error("{file}: row {row}: {problem}")]
pub struct RowError {
    /// The file's name as given.
    pub file: String,
    /// 1-based line number (the header is line 1).
    pub row: usize,
    /// Field and message.
    pub problem: FieldError,
}

/// Reads an `id,category,lon,lat` CSV (a byte-order mark is tolerated). Stops at the first bad
/// row with an error naming the row and the field.
pub fn read_points(file: &str, reader: impl Read) -> Result<Vec<PointRow>, RowError> {
    let err = |row, field: &str, msg: String| RowError {
        file: file.to_owned(),
        row,
        problem: FieldError::new(field, msg),
    };
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(reader);
    let headers = rdr.headers().map_err(|e| err(1, "header", e.to_string()))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
            .ok_or_else(|| err(1, name, format!("missing column '{name}' (need id,category,lon,lat)")))
    };
    let (ci, cc, clon, clat) = (col("id")?, col("category")?, col("lon")?, col("lat")?);
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let row = n + 2;
        let rec = rec.map_err(|e| err(row, "row", e.to_string()))?;
        let get = |i: usize| rec.get(i).unwrap_or("");
        let num = |i: usize, name: &str| {
            get(i).parse::<f64>().map_err(|_| err(row, name, format!("'{}' is not a number", get(i))))
        };
        let category = Category::parse(get(cc)).map_err(|m| err(row, "category", m))?;
        let at = LonLat::new(num(clon, "lon")?, num(clat, "lat")?).map_err(|e| RowError {
            file: file.to_owned(),
            row,
            problem: e,
        })?;
        out.push(PointRow { id: get(ci).to_owned(), category, at });
    }
    Ok(out)
}

/// Indexes `sites` and answers `k`-nearest of the same category for every query, writing CSV
/// to `out`. Returns the time spent answering (index building and I/O excluded).
pub fn nearest_csv(
    sites: Vec<PointRow>,
    queries: &[PointRow],
    k: usize,
    out: &mut impl Write,
) -> std::io::Result<Duration> {
    let index = SpatialIndex::bulk_load(
        sites
            .into_iter()
            .map(|s| Item { key: s.id, at: s.at, categories: vec![s.category], attrs: Attrs::default() })
            .collect(),
    );
    let filter = Filter::default();
    let mut hits: Vec<Hit> = Vec::with_capacity(k);
    let mut answers: Vec<(u32, Hit)> = Vec::with_capacity(queries.len() * k);
    // Answer the queries grouped by category and in Hilbert-curve order, so consecutive
    // searches walk the same tree nodes while they are still in cache; the output keeps the
    // input order.
    let started = Instant::now();
    let mut order: Vec<(u16, u64, u32)> = Vec::with_capacity(queries.len());
    let mut cats: Vec<&Category> = Vec::new();
    for (qi, q) in queries.iter().enumerate() {
        let c = match cats.iter().position(|c| **c == q.category) {
            Some(c) => c,
            None => {
                cats.push(&q.category);
                cats.len() - 1
            }
        };
        order.push((c as u16, crate::search::curve::hilbert(q.at), qi as u32));
    }
    order.sort_unstable();
    let mut per_query: Vec<(u32, u32)> = vec![(0, 0); queries.len()];
    for &(_, _, qi) in &order {
        let q = &queries[qi as usize];
        index.nearest(q.at, Some(&q.category), k, None, &filter, &mut hits);
        per_query[qi as usize] = (answers.len() as u32, hits.len() as u32);
        answers.extend(hits.iter().map(|h| (qi, *h)));
    }
    let spent = started.elapsed();
    let answers: Vec<(u32, Hit)> = per_query
        .iter()
        .flat_map(|&(start, n)| answers[start as usize..(start + n) as usize].iter().copied())
        .collect();
    writeln!(out, "query_id,rank,site_id,distance_m")?;
    let mut rank = 0;
    let mut last = u32::MAX;
    for (qi, h) in answers {
        rank = if qi == last { rank + 1 } else { 1 };
        last = qi;
        writeln!(out, "{},{},{},{:.3}", queries[qi as usize].id, rank, index.key(h.slot), h.distance_m())?;
    }
    Ok(spent)
}
