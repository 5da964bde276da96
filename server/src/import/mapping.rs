//! Category mapping files: how a source's own taxonomy (AIRS/211 codes, Open Eligibility
//! terms, a district's labels) becomes our categories.
//!
//! A mapping file is a CSV with the columns `match,field,pattern,category,note` (`note` is free
//! text for people), as `data/mappings/open211-miami-categories.csv`. The rules are exactly those
//! of `data/build.py` (`CategoryMapping`), which builds the demo data with the same file:
//!
//! * `code_prefix` (field `taxonomy_code`): a code matches a pattern if it equals it or continues
//!   it at a segment boundary (`FT-3600` matches `FT-3600` and `FT-3600.1500`, not `FT-36001`).
//!   For each code only the **longest** matching pattern counts; every row with that pattern
//!   applies; category `none` means "deliberately unmapped" and so blocks shorter patterns.
//!   A pattern ending in `*` matches every code starting with the rest (`L*`: AIRS's whole
//!   top-level branch L).
//! * `regex` (field `name`, `organization_name` or `taxonomy_name`): a case-insensitive search;
//!   a match adds the category.
//! * `exclude_code_prefix` (field `taxonomy_code`) / `exclude_regex` (field `name` or
//!   `organization_name`): if any code / the name matches, the category is removed (`*`: every
//!   category) from that record. Exclusions apply after every addition, in file order.
//!
//! ```no_run
//! # use assetmap::import::mapping::{CategoryMapping, Names};
//! let mapping = CategoryMapping::load("data/mappings/open211-miami-categories.csv".as_ref())?;
//! let names = Names { name: "Legal Aid Society", ..Names::default() };
//! let categories = mapping.categories(&["FT-3600.1500"], &names);
//! # Ok::<(), assetmap::import::mapping::MappingError>(())
//! ```

use std::collections::HashMap;
use std::path::Path;

use regex::{Regex, RegexBuilder};

use crate::domain::Category;

/// A mapping file that cannot be used; names the file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct MappingError {
    /// The file.
    pub file: String,
    /// The line (the header is line 1; 0 for the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The texts of one source record that `regex` rules look at. Missing ones are empty.
#[derive(Clone, Copy, Debug, Default)]
pub struct Names<'a> {
    /// The site's (location's) name.
    pub name: &'a str,
    /// Its organization's name.
    pub organization_name: &'a str,
    /// The names of its taxonomy terms.
    pub taxonomy_names: &'a [&'a str],
}

/// Which text a `regex` rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameField {
    Name,
    OrganizationName,
    TaxonomyName,
}

impl NameField {
    fn values<'a>(self, names: &Names<'a>) -> Vec<&'a str> {
        match self {
            Self::Name => vec![names.name],
            Self::OrganizationName => vec![names.organization_name],
            Self::TaxonomyName => names.taxonomy_names.to_vec(),
        }
    }
}

/// A category a rule adds or removes: one, or (`none` / `*`) nothing / every one.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    One(Category),
    /// `none` in an addition rule, `*` in an exclusion rule.
    NoneOrAll,
}

/// Loaded rules. Cheap to share; matching allocates only the answer.
#[derive(Clone, Debug, Default)]
pub struct CategoryMapping {
    /// `code_prefix` rules grouped by pattern, patterns in file order.
    code_rules: Vec<(String, Vec<Target>)>,
    regex_rules: Vec<(NameField, Regex, Category)>,
    exclude_code: Vec<(String, Target)>,
    exclude_regex: Vec<(NameField, Regex, Target)>,
    /// Every category the file names, in order of first mention (the order of answers).
    order: Vec<Category>,
}

/// Whether `code` is `pattern` or continues it at a segment boundary (`.` or `-`). A pattern
/// ending in `*` matches every code that starts with what precedes the `*` (`L*`: the AIRS
/// top level, `LD-1500`, `LT-8000`, ...).
pub fn prefix_matches(code: &str, pattern: &str) -> bool {
    if let Some(stem) = pattern.strip_suffix('*') {
        return code.starts_with(stem);
    }
    code == pattern
        || (code.len() > pattern.len()
            && code.starts_with(pattern)
            && matches!(code.as_bytes()[pattern.len()], b'.' | b'-'))
}

impl CategoryMapping {
    /// Reads and checks a mapping file.
    pub fn load(path: &Path) -> Result<Self, MappingError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| MappingError {
            file: file.clone(),
            line: 0,
            message: format!("cannot be read: {e}"),
        })?;
        Self::parse(&file, &bytes)
    }

    /// Parses a mapping file's bytes (UTF-8; a byte-order mark is fine). `file` names it in errors.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Self, MappingError> {
        let err = |line: usize, message: String| MappingError { file: file.to_owned(), line, message };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|_| err(0, "is not UTF-8 text".to_owned()))?;
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let headers: Vec<String> =
            rdr.headers().map_err(|e| err(1, e.to_string()))?.iter().map(|h| h.trim().to_owned()).collect();
        let col = |name: &str| {
            headers.iter().position(|h| h == name).ok_or_else(|| {
                err(1, format!("missing column '{name}' (the columns are match,field,pattern,category,note)"))
            })
        };
        let (c_match, c_field, c_pattern, c_category) =
            (col("match")?, col("field")?, col("pattern")?, col("category")?);
        let mut m = Self::default();
        let mut by_pattern: HashMap<String, usize> = HashMap::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| err(line, e.to_string()))?;
            let get = |c: usize| rec.get(c).unwrap_or("").trim();
            let (kind, field, pattern, cat) =
                (get(c_match), get(c_field), rec.get(c_pattern).unwrap_or(""), get(c_category));
            if kind.is_empty() && field.is_empty() && pattern.is_empty() {
                continue;
            }
            if pattern.is_empty() {
                return Err(err(line, "pattern is empty".to_owned()));
            }
            let bad = |what: &str| err(line, format!("bad {kind} rule: {what}"));
            let target = |wildcard: &str| -> Result<Target, MappingError> {
                if cat == wildcard {
                    return Ok(Target::NoneOrAll);
                }
                if cat == "none" || cat == "*" {
                    return Err(bad(&format!("category '{cat}' cannot be used here")));
                }
                Category::parse(cat).map(Target::One).map_err(|e| bad(&format!("category {e}")))
            };
            let regex = || {
                RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| bad(&format!("pattern is not a regular expression: {e}")))
            };
            let name_field = |allowed: &[NameField]| {
                let f = match field {
                    "name" => NameField::Name,
                    "organization_name" => NameField::OrganizationName,
                    "taxonomy_name" => NameField::TaxonomyName,
                    _ => {
                        return Err(bad(&format!(
                            "field '{field}' is not one of name, organization_name, taxonomy_name"
                        )))
                    }
                };
                if allowed.contains(&f) {
                    Ok(f)
                } else {
                    Err(bad(&format!("field '{field}' cannot be used here")))
                }
            };
            let code_field = || {
                if field == "taxonomy_code" {
                    Ok(())
                } else {
                    Err(bad(&format!("field must be taxonomy_code, not '{field}'")))
                }
            };
            let t = match kind {
                "code_prefix" => {
                    code_field()?;
                    let t = target("none")?;
                    let pattern = pattern.trim().to_owned();
                    match by_pattern.get(&pattern) {
                        Some(&k) => m.code_rules[k].1.push(t.clone()),
                        None => {
                            by_pattern.insert(pattern.clone(), m.code_rules.len());
                            m.code_rules.push((pattern, vec![t.clone()]));
                        }
                    }
                    t
                }
                "regex" => {
                    let f = name_field(&[NameField::Name, NameField::OrganizationName, NameField::TaxonomyName])?;
                    let Target::One(c) = target("")? else { return Err(bad("category is required")) };
                    m.regex_rules.push((f, regex()?, c.clone()));
                    Target::One(c)
                }
                "exclude_code_prefix" => {
                    code_field()?;
                    let t = target("*")?;
                    m.exclude_code.push((pattern.trim().to_owned(), t.clone()));
                    t
                }
                "exclude_regex" => {
                    let f = name_field(&[NameField::Name, NameField::OrganizationName])?;
                    let t = target("*")?;
                    m.exclude_regex.push((f, regex()?, t.clone()));
                    t
                }
                other => return Err(err(line, format!("unknown match type '{other}' (code_prefix, regex, exclude_code_prefix, exclude_regex)"))),
            };
            if let Target::One(c) = t {
                if !m.order.contains(&c) {
                    m.order.push(c);
                }
            }
        }
        Ok(m)
    }

    /// Every category the file can give, in order of first mention.
    pub fn known_categories(&self) -> &[Category] {
        &self.order
    }

    /// The categories of one source record, from its taxonomy codes and names, in the order
    /// the file first names them. Empty when nothing maps.
    pub fn categories<S: AsRef<str>>(&self, codes: &[S], names: &Names<'_>) -> Vec<Category> {
        let mut found = vec![false; self.order.len()];
        let add = |c: &Category, found: &mut Vec<bool>| {
            if let Some(i) = self.order.iter().position(|o| o == c) {
                found[i] = true;
            }
        };
        for code in codes {
            let code = code.as_ref().trim();
            let best = self.code_rules.iter().filter(|(p, _)| prefix_matches(code, p)).fold(
                None::<&(String, Vec<Target>)>,
                |best, r| match best {
                    Some(b) if b.0.len() >= r.0.len() => Some(b),
                    _ => Some(r),
                },
            );
            for t in best.map(|b| b.1.as_slice()).unwrap_or_default() {
                if let Target::One(c) = t {
                    add(c, &mut found);
                }
            }
        }
        for (field, rx, c) in &self.regex_rules {
            if field.values(names).iter().any(|v| rx.is_match(v)) {
                add(c, &mut found);
            }
        }
        let remove = |t: &Target, found: &mut Vec<bool>| match t {
            Target::NoneOrAll => found.iter_mut().for_each(|f| *f = false),
            Target::One(c) => {
                if let Some(i) = self.order.iter().position(|o| o == c) {
                    found[i] = false;
                }
            }
        };
        for (pattern, t) in &self.exclude_code {
            if codes.iter().any(|c| prefix_matches(c.as_ref().trim(), pattern)) {
                remove(t, &mut found);
            }
        }
        for (field, rx, t) in &self.exclude_regex {
            if field.values(names).iter().any(|v| rx.is_match(v)) {
                remove(t, &mut found);
            }
        }
        self.order.iter().zip(found).filter(|(_, f)| *f).map(|(c, _)| c.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = "match,field,pattern,category,note
code_prefix,taxonomy_code,FT-3600,legal,immigration legal services
code_prefix,taxonomy_code,FT-3000,legal,family law
code_prefix,taxonomy_code,FT-3000.1600,none,child support enforcement: blocks FT-3000
code_prefix,taxonomy_code,FT-4500.1800,legal,eviction
code_prefix,taxonomy_code,FT-4500.1800,housing,eviction
code_prefix,taxonomy_code,FT-4500,housing,tenant
code_prefix,taxonomy_code,LD,health,care
regex,name,\\b(church|iglesia)\\b,faith,worship
regex,taxonomy_name,food pantr,food,pantries
exclude_code_prefix,taxonomy_code,FC,*,courts
exclude_regex,organization_name,\\bchurch world service\\b,faith,resettlement NGO
exclude_regex,organization_name,^u\\.s\\. ,legal,federal agencies
";

    fn cats(m: &CategoryMapping, codes: &[&str], names: Names<'_>) -> Vec<String> {
        m.categories(codes, &names).iter().map(|c| c.as_str().to_owned()).collect()
    }

    fn rules() -> CategoryMapping {
        CategoryMapping::parse("rules.csv", RULES.as_bytes()).unwrap()
    }

    #[test]
    fn prefixes_match_at_segment_boundaries_only() {
        assert!(prefix_matches("FT-3600", "FT-3600"));
        assert!(prefix_matches("FT-3600.1500", "FT-3600"));
        assert!(prefix_matches("LD-1500", "LD"));
        assert!(prefix_matches("LD-1500", "L*"));
        assert!(!prefix_matches("BD-1500", "L*"));
        assert!(!prefix_matches("FT-36001", "FT-3600"));
        assert!(!prefix_matches("FT-36", "FT-3600"));
        let m = rules();
        assert_eq!(cats(&m, &["FT-3600.1500-300"], Names::default()), ["legal"]);
        assert!(cats(&m, &["FT-36001"], Names::default()).is_empty());
    }

    #[test]
    fn the_longest_pattern_wins_and_none_blocks_shorter_ones() {
        let m = rules();
        assert_eq!(cats(&m, &["FT-3000.1500"], Names::default()), ["legal"]);
        assert!(cats(&m, &["FT-3000.1600"], Names::default()).is_empty());
        assert!(cats(&m, &["FT-3000.1600-500"], Names::default()).is_empty());
        // every row with the winning pattern applies; the shorter FT-4500 does not add again
        assert_eq!(cats(&m, &["FT-4500.1800"], Names::default()), ["legal", "housing"]);
        assert_eq!(cats(&m, &["FT-4500.2000"], Names::default()), ["housing"]);
        // several codes: union
        assert_eq!(cats(&m, &["FT-3000.1600", "LD-1500"], Names::default()), ["health"]);
    }

    #[test]
    fn regexes_search_case_insensitively_in_their_field() {
        let m = rules();
        let n = Names { name: "First Baptist CHURCH of Miami", ..Names::default() };
        assert_eq!(cats(&m, &[], n), ["faith"]);
        let n = Names { name: "Churchill Hall", ..Names::default() };
        assert!(cats(&m, &[], n).is_empty());
        let n = Names { organization_name: "Iglesia Bautista", ..Names::default() };
        assert!(cats(&m, &[], n).is_empty(), "the rule looks at the site name only");
        let terms = ["Shelters", "Food Pantries"];
        let n = Names { taxonomy_names: &terms, ..Names::default() };
        assert_eq!(cats(&m, &[], n), ["food"]);
    }

    #[test]
    fn exclusions_remove_after_additions() {
        let m = rules();
        assert!(cats(&m, &["FT-3600", "FC-8200"], Names::default()).is_empty());
        let n = Names {
            name: "Church World Service",
            organization_name: "Church World Service",
            ..Names::default()
        };
        assert_eq!(cats(&m, &["FT-3600"], n), ["legal"]);
        let n = Names { organization_name: "U.S. Department of Labor", ..Names::default() };
        assert_eq!(cats(&m, &["FT-3600", "LD"], n), ["health"]);
    }

    #[test]
    fn bad_files_name_the_line() {
        let bad = |body: &str| CategoryMapping::parse("m.csv", body.as_bytes()).unwrap_err();
        let e = bad("match,field,pattern\ncode_prefix,taxonomy_code,X\n");
        assert_eq!((e.line, e.message.contains("'category'")), (1, true), "{e}");
        let e = bad("match,field,pattern,category\ncode_prefix,taxonomy_code,X,legal\nregex,name,(,legal\n");
        assert_eq!(e.line, 3);
        assert!(e.to_string().starts_with("m.csv:3: bad regex rule"), "{e}");
        let e = bad("match,field,pattern,category\ncode_prefix,name,X,legal\n");
        assert!(e.message.contains("taxonomy_code"), "{e}");
        let e = bad("match,field,pattern,category\nfuzzy,name,X,legal\n");
        assert!(e.message.contains("unknown match type 'fuzzy'"), "{e}");
        let e = bad("match,field,pattern,category\nregex,name,x,Not A Slug\n");
        assert!(e.message.contains("category"), "{e}");
        let e = bad("match,field,pattern,category\nexclude_regex,taxonomy_name,x,*\n");
        assert!(e.message.contains("cannot be used here"), "{e}");
        let e = bad("match,field,pattern,category\nregex,name,x,none\n");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn csv_categories_are_mapped_as_source_labels() {
        let m = CategoryMapping::parse(
            "m.csv",
            b"match,field,pattern,category,note\nregex,taxonomy_name,^legal aid$,legal,\nregex,name,church,faith,\n",
        )
        .unwrap();
        let csv = "name,categories,partner_name,lon,lat\nSt Mary Church,Legal Aid;Other,St Mary,-80.2,25.8\n";
        let rows = crate::import::parse_csv("f.csv", csv.as_bytes(), Some(&m)).unwrap();
        let rec = rows[0].1.as_ref().unwrap();
        let got: Vec<&str> = rec.site.categories.iter().map(Category::as_str).collect();
        assert_eq!(got, ["legal", "faith"]);
    }

    #[test]
    fn the_shipped_miami_mapping_loads_and_agrees_with_build_py() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mappings/open211-miami-categories.csv");
        let m = CategoryMapping::load(&path).unwrap();
        // Cases whose answers data/build.py gives for the same file.
        assert_eq!(cats(&m, &["FT-3600.1500"], Names::default()), ["legal"]);
        assert!(cats(&m, &["FT-3500"], Names::default()).is_empty(), "USCIS offices are not legal help");
        assert!(cats(&m, &["FT-3600", "FF-1500.3400"], Names::default()).is_empty(), "detention");
        let n = Names { name: "SDA - Bethel", ..Names::default() };
        assert_eq!(cats(&m, &[], n), ["faith"]);
    }
}
