//! Outlines drawn under the referral sheet's map: every Polygon and MultiPolygon of the shipped
//! `data/boundaries/*.geojson` (states, counties), projected to Web Mercator once at start.

use std::f64::consts::FRAC_PI_4;
use std::path::Path;

use serde_json::Value;

use crate::domain::LonLat;

/// A point in Web Mercator on the unit sphere: `x` = longitude in radians, `y` = ln tan(π/4 +
/// φ/2). Multiply by the Earth's radius for EPSG:3857 metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Merc {
    pub(crate) x: f64,
    pub(crate) y: f64,
}

impl Merc {
    /// Projects a WGS84 point (latitude clamped to ±85.05°, Web Mercator's limit).
    pub fn project(p: LonLat) -> Self {
        let lat = p.lat().clamp(-85.051_129, 85.051_129).to_radians();
        Self { x: p.lon().to_radians(), y: (FRAC_PI_4 + lat / 2.0).tan().ln() }
    }

    /// The latitude of this point, in degrees.
    pub(crate) fn lat(self) -> f64 {
        (2.0 * self.y.exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees()
    }
}

/// One outline ring, projected, with its bounding box.
#[derive(Debug)]
pub(crate) struct Ring {
    pub(crate) points: Vec<Merc>,
    pub(crate) min: Merc,
    pub(crate) max: Merc,
}

/// Outlines to draw under the markers: every Polygon and MultiPolygon of every
/// `data/boundaries/*.geojson`, projected once at start.
#[derive(Debug, Default)]
pub struct Basemap {
    pub(crate) rings: Vec<Ring>,
}

impl Basemap {
    /// Reads every `*.geojson` in `dir`. A missing folder gives an empty basemap (markers
    /// only); a malformed file is an error naming it.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let mut rings = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            tracing::warn!(dir = %dir.display(), "no boundaries folder: sheet maps show markers only");
            return Ok(Self::default());
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "geojson")) {
            let v: Value = serde_json::from_slice(&std::fs::read(path)?)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            collect_rings(&v, &mut rings).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        Ok(Self { rings })
    }

    /// Number of outline rings loaded.
    pub fn rings(&self) -> usize {
        self.rings.len()
    }
}

fn collect_rings(v: &Value, out: &mut Vec<Ring>) -> Result<(), String> {
    match v["type"].as_str() {
        Some("FeatureCollection") => {
            for f in v["features"].as_array().ok_or("features is not a list")? {
                collect_rings(f, out)?;
            }
        }
        Some("Feature") => collect_rings(&v["geometry"], out)?,
        Some("Polygon") => polygon(&v["coordinates"], out)?,
        Some("MultiPolygon") => {
            for p in v["coordinates"].as_array().ok_or("coordinates is not a list")? {
                polygon(p, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn polygon(v: &Value, out: &mut Vec<Ring>) -> Result<(), String> {
    for ring in v.as_array().ok_or("polygon is not a list of rings")? {
        let mut points = Vec::new();
        for pos in ring.as_array().ok_or("ring is not a list")? {
            let (Some(lon), Some(lat)) = (pos[0].as_f64(), pos[1].as_f64()) else {
                return Err("position is not [lon, lat]".into());
            };
            points.push(Merc::project(LonLat::new(lon, lat).map_err(|e| e.to_string())?));
        }
        if points.len() < 3 {
            continue;
        }
        let min = points
            .iter()
            .fold(Merc { x: f64::MAX, y: f64::MAX }, |m, p| Merc { x: m.x.min(p.x), y: m.y.min(p.y) });
        let max = points
            .iter()
            .fold(Merc { x: f64::MIN, y: f64::MIN }, |m, p| Merc { x: m.x.max(p.x), y: m.y.max(p.y) });
        out.push(Ring { points, min, max });
    }
    Ok(())
}
