//! The roads and place names of a printed sheet's frame, read from the basemap's tiles (the
//! sheet stays one inline SVG: nothing is fetched by the printed page).
//!
//! A zoom is picked so that the frame is about as many tile pixels wide as the sheet's map is
//! SVG units wide, at most [`MAX_TILES`] tiles are read, and their features are turned back
//! into longitude and latitude for the sheet's own projection.

use std::collections::HashMap;
use std::f64::consts::PI;

use geo_types::Geometry;
use mvt_reader::feature::Value as MvtValue;
use mvt_reader::Reader;

use super::TileArchive;

/// Most tiles read for one sheet map.
pub const MAX_TILES: usize = 16;

/// How prominent a road is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoadClass {
    /// Highways and main roads.
    Major,
    /// Streets.
    Minor,
}

/// A road as a line of (longitude, latitude).
#[derive(Clone, Debug, PartialEq)]
pub struct Road {
    /// Major or minor.
    pub class: RoadClass,
    /// Its points, in degrees.
    pub line: Vec<(f64, f64)>,
}

/// A place name (a city, a neighbourhood) at a point.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// The name, in the sheet's language where the tiles have it.
    pub name: String,
    /// 0 for cities and towns, 1 for neighbourhoods (drawn smaller, placed after).
    pub rank: u8,
}

/// What a sheet map draws from the basemap.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Streets {
    /// Roads, major ones last (drawn on top).
    pub roads: Vec<Road>,
    /// Place names, most prominent first.
    pub places: Vec<Place>,
    /// The archive's credit, printed under the map.
    pub attribution: Option<String>,
}

/// The zoom whose tiles show `west..east` at about `width_px` pixels, within the archive's zooms.
pub fn zoom_for(archive_min: u8, archive_max: u8, west: f64, east: f64, width_px: f64) -> u8 {
    let fraction = ((east - west) / 360.0).clamp(1e-9, 1.0);
    let z = (width_px / (256.0 * fraction)).log2().round().clamp(0.0, 22.0) as u8;
    z.clamp(archive_min, archive_max.max(archive_min))
}

fn tile_x(lon: f64, n: f64) -> f64 {
    (lon + 180.0) / 360.0 * n
}

fn tile_y(lat: f64, n: f64) -> f64 {
    let lat = lat.clamp(-85.051_129, 85.051_129).to_radians();
    (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * n
}

fn lat_of(ty: f64, n: f64) -> f64 {
    (PI * (1.0 - 2.0 * ty / n)).sinh().atan().to_degrees()
}

/// Reads the roads and places inside `[west, south, east, north]` for a map `width_px` wide.
/// A tile that cannot be read or decoded is skipped (logged): the sheet still prints.
pub async fn for_frame(archive: &TileArchive, bounds: [f64; 4], width_px: f64, lang: &str) -> Streets {
    let [west, south, east, north] = bounds;
    let mut z = zoom_for(archive.info.min_zoom, archive.info.max_zoom, west, east, width_px);
    let range = |z: u8| {
        let n = f64::from(1u32 << z);
        let last = (1u32 << z) - 1;
        let x0 = (tile_x(west, n).floor().max(0.0) as u32).min(last);
        let x1 = (tile_x(east, n).floor().max(0.0) as u32).min(last);
        let y0 = (tile_y(north, n).floor().max(0.0) as u32).min(last);
        let y1 = (tile_y(south, n).floor().max(0.0) as u32).min(last);
        (x0, x1, y0, y1)
    };
    let (mut x0, mut x1, mut y0, mut y1) = range(z);
    while z > archive.info.min_zoom && ((x1 - x0 + 1) * (y1 - y0 + 1)) as usize > MAX_TILES {
        z -= 1;
        (x0, x1, y0, y1) = range(z);
    }
    let mut out = Streets { attribution: archive.info.attribution.clone(), ..Streets::default() };
    for y in y0..=y1 {
        for x in x0..=x1 {
            match archive.tile(z, x, y).await {
                Ok(Some(stored)) => match stored.inflate() {
                    Ok(bytes) => decode(&bytes, z, x, y, lang, &mut out),
                    Err(e) => tracing::warn!(z, x, y, error = %e, "basemap tile is not valid gzip"),
                },
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "basemap tile not read for a sheet"),
            }
        }
    }
    out.roads.sort_by_key(|r| r.class == RoadClass::Major);
    out.places.sort_by_key(|p| p.rank);
    // The same place in several tiles (a label repeated in each tile's buffer) once.
    let mut seen = std::collections::HashSet::new();
    out.places.retain(|p| seen.insert(p.name.clone()));
    out
}

fn text(props: &HashMap<String, MvtValue>, key: &str) -> Option<String> {
    match props.get(key)? {
        MvtValue::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn decode(bytes: &[u8], z: u8, x: u32, y: u32, lang: &str, out: &mut Streets) {
    let reader = match Reader::new(bytes.to_vec()) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(z, x, y, error = %e, "basemap tile is not a vector tile");
            return;
        }
    };
    let Ok(layers) = reader.get_layer_metadata() else { return };
    let n = f64::from(1u32 << z);
    for layer in layers {
        let extent = f64::from(layer.extent.max(1));
        let to_deg = |px: f32, py: f32| {
            let gx = f64::from(x) + f64::from(px) / extent;
            let gy = f64::from(y) + f64::from(py) / extent;
            (gx / n * 360.0 - 180.0, lat_of(gy, n))
        };
        let roads = matches!(layer.name.as_str(), "roads" | "transportation");
        let places = matches!(layer.name.as_str(), "places" | "place");
        if !roads && !places {
            continue;
        }
        let Ok(features) = reader.get_features(layer.layer_index) else { continue };
        for f in features {
            let empty = HashMap::new();
            let props = f.properties.as_ref().unwrap_or(&empty);
            let kind = text(props, "kind").or_else(|| text(props, "class")).unwrap_or_default();
            if roads {
                let class = match kind.as_str() {
                    "highway" | "major_road" | "medium_road" | "motorway" | "trunk" | "primary"
                    | "secondary" | "tertiary" => RoadClass::Major,
                    "minor_road" | "other" | "minor" | "service" | "residential" | "" => RoadClass::Minor,
                    _ => continue,
                };
                let mut push = |ls: &geo_types::LineString<f32>| {
                    let line: Vec<(f64, f64)> = ls.0.iter().map(|c| to_deg(c.x, c.y)).collect();
                    if line.len() >= 2 {
                        out.roads.push(Road { class, line });
                    }
                };
                match &f.geometry {
                    Geometry::LineString(ls) => push(ls),
                    Geometry::MultiLineString(mls) => mls.0.iter().for_each(&mut push),
                    _ => {}
                }
            }
            if places {
                let point = match &f.geometry {
                    Geometry::Point(p) => Some(p.0),
                    Geometry::MultiPoint(mp) => mp.0.first().map(|p| p.0),
                    _ => None,
                };
                let rank = match kind.as_str() {
                    "locality" | "city" | "town" | "village" => 0,
                    "neighbourhood" | "macrohood" | "suburb" | "quarter" => 1,
                    _ => continue,
                };
                let name = text(props, &format!("name:{lang}")).or_else(|| text(props, "name"));
                if let (Some(c), Some(name)) = (point, name) {
                    let (lon, lat) = to_deg(c.x, c.y);
                    out.places.push(Place { lon, lat, name, rank });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_numbering_round_trips() {
        let n = 1024.0;
        let ty = tile_y(25.77, n);
        assert!((lat_of(ty, n) - 25.77).abs() < 1e-9);
        // Miami at zoom 10 is tile x 283.
        assert_eq!(tile_x(-80.19, n).floor(), 283.0);
    }

    #[test]
    fn zoom_follows_the_frame_width() {
        // A frame 0.1° wide on a 1000-unit map: about zoom 14 (256 px tiles), within the archive.
        assert_eq!(zoom_for(0, 15, -80.3, -80.2, 1000.0), 14);
        assert_eq!(zoom_for(0, 12, -80.3, -80.2, 1000.0), 12);
        assert_eq!(zoom_for(5, 15, -120.0, -70.0, 1000.0), 5);
    }
}
