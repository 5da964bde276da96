//! Offline ZIP code → point lookup from the Census ZCTA internal points shipped in `data/`.
//! A ZCTA approximates a ZIP code's area; its internal point is a point inside it, not a
//! population centre.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use crate::domain::LonLat;
use crate::search::kdtree::PointTree;

/// ZIP (ZCTA) code → internal point.
#[derive(Debug, Default)]
pub struct ZipIndex {
    points: HashMap<[u8; 5], LonLat>,
    /// The points as a tree, with their codes by key, built the first time one is searched
    /// (only confidential sites without a known ZIP code need it).
    tree: OnceLock<(PointTree, Vec<ZipPoint>)>,
}

/// A ZIP code's five digits and its internal point.
type ZipPoint = ([u8; 5], LonLat);

impl ZipIndex {
    /// Loads `zcta,lat,lng` rows.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let file = std::fs::File::open(path)
            .map_err(|e| anyhow::anyhow!("cannot open ZIP centroids {}: {e}", path.display()))?;
        let mut rdr = csv::Reader::from_reader(file);
        let mut points = HashMap::new();
        for (n, rec) in rdr.records().enumerate() {
            let rec = rec?;
            let (Some(z), Some(lat), Some(lng)) = (rec.get(0), rec.get(1), rec.get(2)) else {
                anyhow::bail!("{}: row {}: expected zcta,lat,lng", path.display(), n + 2);
            };
            let key = parse_zip(z)
                .ok_or_else(|| anyhow::anyhow!("{}: row {}: zcta '{z}'", path.display(), n + 2))?;
            let at = LonLat::new(lng.parse()?, lat.parse()?)
                .map_err(|e| anyhow::anyhow!("{}: row {}: {e}", path.display(), n + 2))?;
            points.insert(key, at);
        }
        Ok(Self { points, tree: OnceLock::new() })
    }

    /// The ZIP code whose internal point is nearest `at` (great-circle), with that point.
    pub fn nearest(&self, at: LonLat) -> Option<(&str, LonLat)> {
        let (tree, codes) = self.tree.get_or_init(|| {
            let mut codes: Vec<ZipPoint> = self.points.iter().map(|(z, p)| (*z, *p)).collect();
            codes.sort_unstable_by_key(|(z, _)| *z);
            let items = codes.iter().enumerate().map(|(i, (_, p))| (p.unit_vector(), i as u32)).collect();
            (PointTree::new(items), codes)
        });
        let (_, slot) = tree.nearest_from(&at.unit_vector(), None)?;
        let (zip, p) = codes.get(tree.key(slot) as usize)?;
        Some((std::str::from_utf8(zip).ok()?, *p))
    }

    /// The internal point of a five-digit ZIP code, if it has a ZCTA.
    pub fn lookup(&self, zip: &str) -> Option<LonLat> {
        self.points.get(&parse_zip(zip)?).copied()
    }

    /// Every ZIP code with its internal point, in no particular order (the referral sheet's map
    /// labels the ones in its frame).
    pub fn points(&self) -> impl Iterator<Item = (&str, LonLat)> + '_ {
        self.points.iter().map(|(zip, at)| (std::str::from_utf8(zip).unwrap_or_default(), *at))
    }

    /// Number of ZIP codes known.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// Five ASCII digits (a ZIP+4 is cut to its first five).
pub fn parse_zip(raw: &str) -> Option<[u8; 5]> {
    let raw = raw.trim();
    let five = raw.get(..5)?;
    let rest = &raw[5..];
    if !five.bytes().all(|b| b.is_ascii_digit())
        || !(rest.is_empty() || rest.len() == 5 && rest.starts_with('-'))
    {
        return None;
    }
    five.as_bytes().try_into().ok()
}
