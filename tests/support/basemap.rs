//! A small basemap archive made by the tests: a few synthetic roads and place names over the
//! Miami-Dade demo area, in the Protomaps basemap's layer names (`earth`, `water`, `roads`,
//! `places`), encoded as Mapbox Vector Tiles with `prost` (the vector_tile.proto 2.1 messages
//! below) and packed into a PMTiles v3 archive with the `pmtiles` crate's writer.
//!
//! Shared by the API tests (`tests/api/basemap.rs`) and the browser tests, which run it as
//! `cargo run -p assetmap-tests --example make-basemap -- OUT.pmtiles`.

#![allow(dead_code, unreachable_pub)]

use std::f64::consts::PI;
use std::path::Path;

use pmtiles::{PmTilesWriter, TileCoord, TileType};
use prost::Message;

/// vector_tile.proto (MVT 2.1), the parts written here.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Tile {
    #[prost(message, repeated, tag = "3")]
    pub layers: Vec<Layer>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    #[prost(string, optional, tag = "1")]
    pub string_value: Option<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Feature {
    #[prost(uint64, optional, tag = "1")]
    pub id: Option<u64>,
    #[prost(uint32, repeated, tag = "2")]
    pub tags: Vec<u32>,
    /// 1 point, 2 line string, 3 polygon.
    #[prost(int32, optional, tag = "3")]
    pub kind: Option<i32>,
    #[prost(uint32, repeated, tag = "4")]
    pub geometry: Vec<u32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Layer {
    #[prost(uint32, required, tag = "15")]
    pub version: u32,
    #[prost(string, required, tag = "1")]
    pub name: String,
    #[prost(message, repeated, tag = "2")]
    pub features: Vec<Feature>,
    #[prost(string, repeated, tag = "3")]
    pub keys: Vec<String>,
    #[prost(message, repeated, tag = "4")]
    pub values: Vec<Value>,
    #[prost(uint32, optional, tag = "5")]
    pub extent: Option<u32>,
}

const EXTENT: u32 = 4096;

/// A synthetic feature in degrees.
pub enum Shape {
    Point(f64, f64),
    Line(Vec<(f64, f64)>),
    Area(Vec<(f64, f64)>),
}

pub struct Thing {
    pub layer: &'static str,
    pub shape: Shape,
    pub props: Vec<(&'static str, &'static str)>,
}

/// The roads' names, as the sheet test looks for them.
pub const MAJOR_ROAD: &str = "Flagler Street";
pub const MINOR_ROAD: &str = "Test Avenue";
/// The city label in English, Spanish and Arabic.
pub const CITY: &str = "Miami";
pub const CITY_AR: &str = "ميامي";
pub const HOOD: &str = "Little Havana";
pub const HOOD_AR: &str = "هافانا الصغيرة";

/// West, south, east, north of the archive.
pub const BOUNDS: [f64; 4] = [-80.60, 25.40, -80.05, 26.00];

/// The synthetic map: land with a bay, two avenues and streets in a grid, a city and a
/// neighbourhood.
pub fn things() -> Vec<Thing> {
    let [w, s, e, n] = BOUNDS;
    let mut out = vec![
        Thing {
            layer: "earth",
            shape: Shape::Area(vec![(w, s), (-80.17, s), (-80.17, n), (w, n)]),
            props: vec![("kind", "earth")],
        },
        Thing {
            layer: "water",
            shape: Shape::Area(vec![(-80.17, s), (e, s), (e, n), (-80.17, n)]),
            props: vec![("kind", "water")],
        },
        Thing {
            layer: "roads",
            shape: Shape::Line(vec![(-80.45, 25.774), (-80.19, 25.774)]),
            props: vec![("kind", "major_road"), ("name", MAJOR_ROAD)],
        },
        Thing {
            layer: "roads",
            shape: Shape::Line(vec![(-80.25, 25.55), (-80.25, 25.95)]),
            props: vec![("kind", "major_road"), ("name", "NW 27th Avenue")],
        },
    ];
    for i in 0..12 {
        let lat = 25.70 + f64::from(i) * 0.012;
        out.push(Thing {
            layer: "roads",
            shape: Shape::Line(vec![(-80.40, lat), (-80.18, lat)]),
            props: vec![("kind", "minor_road"), ("name", MINOR_ROAD)],
        });
        let lon = -80.40 + f64::from(i) * 0.018;
        out.push(Thing {
            layer: "roads",
            shape: Shape::Line(vec![(lon, 25.68), (lon, 25.86)]),
            props: vec![("kind", "minor_road")],
        });
    }
    out.push(Thing {
        layer: "places",
        shape: Shape::Point(-80.20, 25.792),
        props: vec![("kind", "locality"), ("name", CITY), ("name:es", CITY), ("name:ar", CITY_AR)],
    });
    out.push(Thing {
        layer: "places",
        shape: Shape::Point(-80.245, 25.783),
        props: vec![
            ("kind", "neighbourhood"),
            ("name", HOOD),
            ("name:es", "La Pequeña Habana"),
            ("name:ar", HOOD_AR),
        ],
    });
    out
}

fn world(lon: f64, lat: f64) -> (f64, f64) {
    let x = (lon + 180.0) / 360.0;
    let r = lat.to_radians();
    let y = (1.0 - (r.tan() + 1.0 / r.cos()).ln() / PI) / 2.0;
    (x, y)
}

fn zigzag(v: i64) -> u32 {
    ((v << 1) ^ (v >> 63)) as u32
}

fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

/// Encodes one feature's points (tile units) as MVT commands.
fn encode(points: &[(i64, i64)], kind: i32) -> Vec<u32> {
    let mut out = Vec::new();
    let (mut cx, mut cy) = (0i64, 0i64);
    let mut pts = points.to_vec();
    if kind == 3 {
        // Exterior rings wind clockwise on screen (positive area with y down).
        let area: i64 = pts.iter().zip(pts.iter().cycle().skip(1)).map(|(a, b)| a.0 * b.1 - b.0 * a.1).sum();
        if area < 0 {
            pts.reverse();
        }
    }
    for (i, (x, y)) in pts.iter().enumerate() {
        if i == 0 {
            out.push(command(1, 1));
        } else if i == 1 {
            out.push(command(2, (pts.len() - 1) as u32));
        }
        out.push(zigzag(x - cx));
        out.push(zigzag(y - cy));
        (cx, cy) = (*x, *y);
    }
    if kind == 3 {
        out.push(command(7, 1));
    }
    out
}

/// The tile `z/x/y` of `things`, or `None` where nothing reaches it.
pub fn tile(things: &[Thing], z: u8, x: u32, y: u32) -> Option<Vec<u8>> {
    let n = f64::from(1u32 << z);
    let mut layers: Vec<Layer> = Vec::new();
    for t in things {
        let (pts, kind): (Vec<(f64, f64)>, i32) = match &t.shape {
            Shape::Point(lon, lat) => (vec![(*lon, *lat)], 1),
            Shape::Line(p) => (p.clone(), 2),
            Shape::Area(p) => (p.clone(), 3),
        };
        let local: Vec<(f64, f64)> = pts
            .iter()
            .map(|(lon, lat)| world(*lon, *lat))
            .map(|(wx, wy)| ((wx * n - f64::from(x)), (wy * n - f64::from(y))))
            .collect();
        // Only features whose box meets the tile (with a small buffer).
        let (min_x, max_x) = local.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (min_y, max_y) = local.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        if max_x < -0.05 || min_x > 1.05 || max_y < -0.05 || min_y > 1.05 {
            continue;
        }
        // Clamp far points so coordinates stay small at high zooms (lines are axis-aligned here).
        let units: Vec<(i64, i64)> = local
            .iter()
            .map(|(lx, ly)| {
                (
                    (lx.clamp(-1.0, 2.0) * f64::from(EXTENT)).round() as i64,
                    (ly.clamp(-1.0, 2.0) * f64::from(EXTENT)).round() as i64,
                )
            })
            .collect();
        let layer = match layers.iter_mut().position(|l| l.name == t.layer) {
            Some(i) => &mut layers[i],
            None => {
                layers.push(Layer {
                    version: 2,
                    name: t.layer.to_owned(),
                    extent: Some(EXTENT),
                    ..Layer::default()
                });
                layers.last_mut().unwrap()
            }
        };
        let mut tags = Vec::new();
        for (k, v) in &t.props {
            let ki = layer.keys.iter().position(|x| x == k).unwrap_or_else(|| {
                layer.keys.push((*k).to_owned());
                layer.keys.len() - 1
            });
            let vi =
                layer.values.iter().position(|x| x.string_value.as_deref() == Some(v)).unwrap_or_else(|| {
                    layer.values.push(Value { string_value: Some((*v).to_owned()) });
                    layer.values.len() - 1
                });
            tags.extend([ki as u32, vi as u32]);
        }
        layer.features.push(Feature { id: None, tags, kind: Some(kind), geometry: encode(&units, kind) });
    }
    (!layers.is_empty()).then(|| Tile { layers }.encode_to_vec())
}

/// Writes the archive (zooms 0 to `max_zoom`) to `path`.
pub fn write(path: &Path, max_zoom: u8) -> anyhow::Result<()> {
    let things = things();
    let [w, s, e, n] = BOUNDS;
    let metadata = serde_json::json!({
        "name": "assetmap test basemap",
        "attribution": "Test streets © assetmap tests",
        "vector_layers": [
            {"id": "earth", "fields": {}}, {"id": "water", "fields": {}},
            {"id": "roads", "fields": {"kind": "String", "name": "String"}},
            {"id": "places", "fields": {"kind": "String", "name": "String"}},
        ],
    });
    let file = std::fs::File::create(path)?;
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(0)
        .max_zoom(max_zoom)
        .bounds(w, s, e, n)
        .center(-80.2, 25.77)
        .center_zoom(11)
        .metadata(metadata.to_string())
        .create(file)?;
    // Tiles in tile-id order (by zoom, then along the Hilbert curve): collect and sort.
    let mut coords = Vec::new();
    for z in 0..=max_zoom {
        let side = f64::from(1u32 << z);
        let (x0, y0) = world(w, n);
        let (x1, y1) = world(e, s);
        for x in (x0 * side).floor() as u32..=((x1 * side).floor() as u32).min((1 << z) - 1) {
            for y in (y0 * side).floor() as u32..=((y1 * side).floor() as u32).min((1 << z) - 1) {
                coords.push((pmtiles::TileId::from(TileCoord::new(z, x, y)?).value(), z, x, y));
            }
        }
    }
    coords.sort_unstable();
    for (_, z, x, y) in coords {
        if let Some(data) = tile(&things, z, x, y) {
            writer.add_tile(TileCoord::new(z, x, y)?, &data)?;
        }
    }
    writer.finalize()?;
    Ok(())
}
