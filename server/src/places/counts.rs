//! Demand from a school's own counts: a table of `zip,language,count` — how many families (or
//! students) live in each ZIP code and speak each home language — as a student information
//! system's report prints it, in CSV or XLSX.
//!
//! Optional columns: one grouping column (`grade`, `group`, `school`, `program`, `level`,
//! `grade_band` or `age_group`), whose rows are summed into their ZIP × language cell, and a
//! `label` naming the report (the same on every row, or empty). Nothing else is accepted, so a
//! file about persons is refused rather than loaded.
//!
//! Every row is checked and every problem is reported by row and field (the header being row
//! 1): a ZIP code with no ZIP area, a language that is neither an ISO 639 code nor a name this
//! server knows, a count that is negative or not a whole number. A file with any problem gives
//! nothing at all. Each ZIP × language cell stands at its ZIP area's internal point (the
//! shipped Census ZCTA points, [`super::zip::ZipIndex`]) and speaks its one language.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::demand::{Demand, DemandPoint, DemandSource, RowProblem};
use super::zip::{parse_zip, ZipIndex};
use crate::domain::{LanguageCode, LonLat};

/// Grouping columns accepted (at most one per file); rows are summed over it.
pub const GROUP_COLUMNS: [&str; 7] =
    ["grade", "group", "school", "program", "level", "grade_band", "age_group"];

/// Largest count of one row.
pub const MAX_COUNT: u64 = 10_000_000;

/// Most problems listed for one file (the count of the rest is given).
const MAX_PROBLEMS: usize = 50;

/// One ZIP × language cell of a count table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CountCell {
    /// Five-digit ZIP code.
    pub zip: [u8; 5],
    /// Home language.
    pub language: LanguageCode,
    /// Families (or students), summed over the grouping column.
    pub count: u64,
}

impl CountCell {
    /// The ZIP code as text.
    pub fn zip_str(&self) -> &str {
        std::str::from_utf8(&self.zip).unwrap_or("00000")
    }

    /// The demand point id of the cell: `33150:ht`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.zip_str(), self.language)
    }
}

/// A checked count table: ZIP × language cells (sorted, each once, zero counts kept), with
/// what the file said about itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CountTable {
    /// The cells, by ZIP then language.
    pub cells: Vec<CountCell>,
    /// The report's label, when the file has a `label` column.
    pub label: Option<String>,
    /// The grouping column's name, when the file has one.
    pub group_column: Option<String>,
}

impl CountTable {
    /// Total count.
    pub fn total(&self) -> u64 {
        self.cells.iter().map(|c| c.count).sum()
    }

    /// The languages of the table, each once, sorted.
    pub fn languages(&self) -> Vec<LanguageCode> {
        let mut v: Vec<LanguageCode> = self.cells.iter().map(|c| c.language).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The table as demand: each cell with people in it at its ZIP area's internal point,
    /// placed in the county of the nearest census tract. Cells whose ZIP code has no point
    /// (which a checked table does not have) are left out.
    pub fn demand(
        &self,
        source: DemandSource,
        zips: &ZipIndex,
        county_near: &dyn Fn(LonLat) -> Option<u32>,
    ) -> Demand {
        let mut left_out = 0;
        let mut points = Vec::with_capacity(self.cells.len());
        let mut counties: HashMap<[u8; 5], Option<u32>> = HashMap::new();
        for c in &self.cells {
            let Some(at) = zips.lookup(c.zip_str()) else {
                left_out += 1;
                continue;
            };
            if c.count == 0 {
                left_out += 1;
                continue;
            }
            let county = *counties.entry(c.zip).or_insert_with(|| county_near(at));
            points.push(DemandPoint {
                id: c.id(),
                at,
                weight: c.count,
                county,
                languages: vec![c.language.packed()],
            });
        }
        Demand::new(source, points, left_out)
    }
}

/// Whether a body is an XLSX workbook (a ZIP archive).
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Whether a body is a count table: an XLSX workbook, or a CSV whose header names a `zip`
/// column (the point layout has `lon` and `lat` instead).
pub fn is_count_table(bytes: &[u8]) -> bool {
    if is_xlsx(bytes) {
        return true;
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(head).split(',').any(|h| h.trim().trim_matches('"').eq_ignore_ascii_case("zip"))
}

/// The header and rows of a file, as text; each row with its number (the header is row 1).
type Rows = (Vec<String>, Vec<(usize, Result<Vec<String>, String>)>);

fn problem(row: usize, field: &str, message: impl Into<String>) -> RowProblem {
    RowProblem { row, field: field.into(), message: message.into() }
}

fn csv_rows(bytes: &[u8]) -> Result<Rows, Vec<RowProblem>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        return Err(vec![problem(0, "file", format!("is not UTF-8 text (first bad byte on line {line})"))]);
    }
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(bytes);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| vec![problem(1, "header", e.to_string())])?
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = rdr
        .records()
        .enumerate()
        .map(|(n, rec)| {
            (n + 2, rec.map(|r| r.iter().map(str::to_owned).collect()).map_err(|e| e.to_string()))
        })
        .collect();
    Ok((header, rows))
}

/// A spreadsheet cell as the text a CSV export would hold: whole numbers without a decimal
/// point (a ZIP code typed as a number loses its leading zeros, so ZIP columns are padded
/// later), other numbers as they are.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn xlsx_rows(bytes: &[u8]) -> Result<Rows, Vec<RowProblem>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| vec![problem(0, "file", format!("is not a readable XLSX workbook ({e})"))])?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| vec![problem(0, "file", "has no worksheet")])?
        .map_err(|e| vec![problem(0, "file", format!("its first worksheet cannot be read ({e})"))])?;
    // Row numbers as the spreadsheet shows them: the range may start below row 1.
    let first = range.start().map_or(0, |(r, _)| r as usize);
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| vec![problem(0, "file", "its first worksheet is empty")])?
        .iter()
        .map(cell_text)
        .collect();
    let body = rows
        .enumerate()
        .filter(|(_, r)| r.iter().any(|d| *d != Data::Empty))
        .map(|(n, r)| (first + n + 2, Ok(r.iter().map(cell_text).collect())))
        .collect();
    Ok((header, body))
}

/// Parses a count table from CSV or XLSX bytes, checking every ZIP code against `zips`.
pub fn parse(bytes: &[u8], zips: &ZipIndex) -> Result<CountTable, Vec<RowProblem>> {
    let (header, rows) = if is_xlsx(bytes) { xlsx_rows(bytes)? } else { csv_rows(bytes)? };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let col = |name: &str| names.iter().position(|h| h == name);
    let mut group = None;
    for (i, h) in names.iter().enumerate() {
        if ["zip", "language", "count", "label"].contains(&h.as_str()) {
            continue;
        }
        if h.is_empty()
            && rows.iter().all(|(_, r)| r.as_ref().is_ok_and(|r| r.get(i).is_none_or(String::is_empty)))
        {
            continue;
        }
        if GROUP_COLUMNS.contains(&h.as_str()) && group.is_none() {
            group = Some(i);
            continue;
        }
        return Err(vec![problem(
            1,
            if h.is_empty() { "header" } else { h },
            format!(
                "unknown column '{h}': a count table holds zip, language, count, an optional label and \
                 at most one grouping column ({}) — counts of families, never records about a person",
                GROUP_COLUMNS.join(", ")
            ),
        )]);
    }
    let (Some(cz), Some(cl), Some(cc)) = (col("zip"), col("language"), col("count")) else {
        let missing: Vec<&str> =
            ["zip", "language", "count"].into_iter().filter(|n| col(n).is_none()).collect();
        return Err(vec![problem(
            1,
            missing[0],
            format!("missing column(s) {} (need zip, language, count)", missing.join(", ")),
        )]);
    };
    let clabel = col("label");
    let mut problems = Vec::new();
    let mut more = 0usize;
    let mut cells: BTreeMap<([u8; 5], LanguageCode), u64> = BTreeMap::new();
    let mut label: Option<(String, usize)> = None;
    for (row, rec) in rows {
        let mut bad = |field: &str, message: String| {
            if problems.len() < MAX_PROBLEMS {
                problems.push(problem(row, field, message));
            } else {
                more += 1;
            }
        };
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                bad("row", e);
                continue;
            }
        };
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |i: usize| rec.get(i).map_or("", |s| s.trim());
        let raw_zip = get(cz);
        // A ZIP code typed as a number in a spreadsheet loses its leading zeros: 2134 is 02134.
        let padded = if (3..5).contains(&raw_zip.len()) && raw_zip.bytes().all(|b| b.is_ascii_digit()) {
            format!("{raw_zip:0>5}")
        } else {
            raw_zip.to_owned()
        };
        let zip = match parse_zip(&padded) {
            None => {
                bad("zip", format!("'{raw_zip}' is not a five-digit ZIP code"));
                None
            }
            Some(z) if zips.lookup(&padded).is_none() => {
                bad(
                    "zip",
                    format!("'{raw_zip}' is not a ZIP code with a ZIP area (Census ZCTA) this server knows"),
                );
                let _ = z;
                None
            }
            Some(z) => Some(z),
        };
        let language = match LanguageCode::parse_code_or_name(get(cl)) {
            Ok(l) => Some(l),
            Err(m) => {
                bad("language", m);
                None
            }
        };
        let raw_count = get(cc);
        let count = match raw_count.parse::<i64>() {
            Ok(n) if n < 0 => {
                bad("count", format!("{n} is negative: a count is a whole number from 0"));
                None
            }
            Ok(n) if n as u64 > MAX_COUNT => {
                bad("count", format!("{n} is more than {MAX_COUNT}"));
                None
            }
            Ok(n) => Some(n as u64),
            Err(_) if raw_count.parse::<f64>().is_ok_and(f64::is_finite) => {
                bad(
                    "count",
                    format!("'{raw_count}' is not a whole number: counts are of families, not shares"),
                );
                None
            }
            Err(_) => {
                bad("count", format!("'{raw_count}' is not a whole number from 0"));
                None
            }
        };
        if let Some(c) = clabel {
            let l = get(c);
            if l.chars().count() > 200 {
                bad("label", "is longer than 200 characters".into());
            } else if !l.is_empty() {
                match &label {
                    None => label = Some((l.to_owned(), row)),
                    Some((first, at)) if first != l => {
                        bad(
                            "label",
                            format!(
                                "'{l}' differs from '{first}' on row {at}: one label names the whole report"
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
        if let (Some(zip), Some(language), Some(count)) = (zip, language, count) {
            // The same cell on several rows (one per school of the district, say) is summed,
            // as the rows of a grouping column are.
            *cells.entry((zip, language)).or_default() += count;
        }
    }
    if more > 0 {
        problems.push(problem(0, "file", format!("and {more} more problem(s)")));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let cells: Vec<CountCell> =
        cells.into_iter().map(|((zip, language), count)| CountCell { zip, language, count }).collect();
    if cells.iter().all(|c| c.count == 0) {
        return Err(vec![problem(0, "file", "has no row counting anyone")]);
    }
    Ok(CountTable { cells, label: label.map(|(l, _)| l), group_column: group.map(|g| names[g].clone()) })
}

/// Parses a count table and turns it into demand, named `name`.
pub fn demand_from_bytes(
    bytes: &[u8],
    name: &str,
    zips: &ZipIndex,
    county_near: &dyn Fn(LonLat) -> Option<u32>,
) -> Result<(CountTable, Demand), Vec<RowProblem>> {
    let table = parse(bytes, zips)?;
    let source = DemandSource::Counts { name: name.to_owned(), label: table.label.clone(), set_id: None };
    let demand = table.demand(source, zips, county_near);
    Ok((table, demand))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn zips() -> ZipIndex {
        ZipIndex::from_points([
            ("33150", LonLat::new(-80.2067, 25.8513).unwrap()),
            ("33138", LonLat::new(-80.1836, 25.8512).unwrap()),
            ("02134", LonLat::new(-71.1108, 42.3588).unwrap()),
        ])
    }

    #[test]
    fn a_report_with_names_groups_and_a_label_becomes_cells() {
        let csv = "\u{feff}ZIP,Language,Grade,Count,Label\n\
                   33150,Haitian Creole,K,12,Fall 2026\n\
                   33150,ht,1,30,Fall 2026\n\
                   33150,Spanish,K,4,\n\
                   2134,por,2,0,Fall 2026\n";
        let t = parse(csv.as_bytes(), &zips()).unwrap();
        let got: Vec<(String, &str, u64)> =
            t.cells.iter().map(|c| (c.id(), c.language.as_str(), c.count)).collect();
        assert_eq!(
            got,
            vec![("02134:pt".into(), "pt", 0), ("33150:es".into(), "es", 4), ("33150:ht".into(), "ht", 42)]
        );
        assert_eq!(t.label.as_deref(), Some("Fall 2026"));
        assert_eq!(t.group_column.as_deref(), Some("grade"));
        let d =
            t.demand(DemandSource::Counts { name: "x".into(), label: None, set_id: None }, &zips(), &|_| {
                Some(12086)
            });
        assert_eq!((d.len(), d.total(), d.left_out()), (2, 46, 1));
    }

    #[test]
    fn every_bad_row_is_named_by_row_and_field_and_nothing_is_used() {
        let csv = "zip,language,count\n\
                   33150,ht,12\n\
                   99999,ht,5\n\
                   33138,Elvish,-3\n\
                   3315,es,2.5\n";
        let p = parse(csv.as_bytes(), &zips()).unwrap_err();
        let got: Vec<String> = p.iter().map(ToString::to_string).collect();
        let want = [
            "row 3: zip:",
            "row 4: language:",
            "row 4: count: -3 is negative",
            "row 5: zip: '3315' is not a ZIP code with a ZIP area",
            "row 5: count: '2.5' is not a whole number",
        ];
        for w in want {
            assert!(got.iter().any(|g| g.starts_with(w)), "{w} not in {got:?}");
        }
        assert_eq!(got.len(), want.len(), "{got:?}");
    }

    #[test]
    fn the_same_cell_on_several_rows_is_summed() {
        let t = parse(b"zip,language,count\n33150,ht,12\n33150,Haitian Creole,5\n", &zips()).unwrap();
        assert_eq!(t.cells.len(), 1);
        assert_eq!(t.cells[0].count, 17);
    }

    #[test]
    fn person_columns_and_missing_columns_are_refused() {
        let p = parse(b"zip,language,count,student_name\n33150,ht,1,Ana\n", &zips()).unwrap_err();
        assert_eq!((p[0].row, p[0].field.as_str()), (1, "student_name"));
        let p = parse(b"zip,count\n33150,1\n", &zips()).unwrap_err();
        assert_eq!(p[0].field, "language");
        let p = parse(b"zip,language,count\n33150,ht,0\n", &zips()).unwrap_err();
        assert!(p[0].message.contains("no row"));
        assert!(is_count_table(b"ZIP,language,count\n"));
        assert!(!is_count_table(b"lon,lat,weight\n"));
    }
}
