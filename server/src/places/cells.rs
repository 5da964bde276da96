//! H3 cells as GeoJSON polygons (RFC 7946): what the map draws.
//!
//! Vertices come from `h3o`'s own cell boundary. A cell that straddles the antimeridian (the
//! Aleutians) is cut in two along it, as RFC 7946 §3.1.9 asks, so no polygon spans the globe.

use h3o::CellIndex;
use serde_json::{json, Value};

/// The finest resolution served (cells of about 0.74 km², edges of about 0.5 km). Finer cells
/// would draw single tract centres rather than areas and, once every cell holds one point, say
/// no more than the tract list; a coarse grid also keeps the map from outlining any one site.
pub const FINEST: u8 = 8;
/// The coarsest resolution served (cells of about 12,000 km²): coarser cells span hundreds of
/// kilometres, where counties say more.
pub const COARSEST: u8 = 3;

/// The cell's boundary as a GeoJSON `Polygon`, or a `MultiPolygon` cut at the antimeridian.
/// Coordinates are `[lon, lat]`, rounded to 1e-6 degrees (about 10 cm).
pub fn geometry(cell: CellIndex) -> Value {
    let boundary = cell.boundary();
    // Unwrap longitudes so the ring is continuous, starting from the first vertex.
    let mut ring: Vec<[f64; 2]> = Vec::with_capacity(boundary.len() + 1);
    for ll in boundary.iter() {
        let mut lon = ll.lng();
        if let Some(prev) = ring.last() {
            while lon - prev[0] > 180.0 {
                lon -= 360.0;
            }
            while lon - prev[0] < -180.0 {
                lon += 360.0;
            }
        }
        ring.push([lon, ll.lat()]);
    }
    let (min, max) =
        ring.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p[0]), b.max(p[0])));
    if min >= -180.0 && max <= 180.0 {
        return json!({"type": "Polygon", "coordinates": [closed(ring)]});
    }
    // Straddles ±180: cut at the meridian, shift the outer part back into range.
    let cut = if max > 180.0 { 180.0 } else { -180.0 };
    let inside = clip(&ring, cut, max > 180.0);
    let outside: Vec<[f64; 2]> = clip(&ring, cut, max <= 180.0)
        .into_iter()
        .map(|p| [if cut > 0.0 { p[0] - 360.0 } else { p[0] + 360.0 }, p[1]])
        .collect();
    let parts: Vec<Value> =
        [inside, outside].into_iter().filter(|r| r.len() >= 3).map(|r| json!([closed(r)])).collect();
    json!({"type": "MultiPolygon", "coordinates": parts})
}

/// Keeps the part of the ring with `lon <= cut` (or `>= cut` when `keep_below` is false):
/// Sutherland–Hodgman against one meridian, interpolating linearly in lon/lat.
fn clip(ring: &[[f64; 2]], cut: f64, keep_below: bool) -> Vec<[f64; 2]> {
    let inside = |p: &[f64; 2]| if keep_below { p[0] <= cut } else { p[0] >= cut };
    let mut out = Vec::new();
    for i in 0..ring.len() {
        let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
        let (ia, ib) = (inside(&a), inside(&b));
        if ia {
            out.push(a);
        }
        if ia != ib {
            let t = (cut - a[0]) / (b[0] - a[0]);
            out.push([cut, a[1] + t * (b[1] - a[1])]);
        }
    }
    out
}

fn closed(mut ring: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    for p in &mut ring {
        p[0] = (p[0] * 1e6).round() / 1e6;
        p[1] = (p[1] * 1e6).round() / 1e6;
    }
    if let Some(first) = ring.first().copied() {
        ring.push(first);
    }
    ring
}

#[cfg(test)]
mod tests {
    use super::*;
    use h3o::{LatLng, Resolution};

    #[test]
    fn a_miami_cell_is_a_closed_hexagon_around_its_point() {
        let cell = LatLng::new(25.77, -80.2).unwrap().to_cell(Resolution::Seven);
        let g = geometry(cell);
        assert_eq!(g["type"], "Polygon");
        let ring = g["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.len(), 7);
        assert_eq!(ring.first(), ring.last());
        for p in ring {
            let (lon, lat) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
            assert!((lon + 80.2).abs() < 0.05 && (lat - 25.77).abs() < 0.05, "{p}");
        }
    }

    #[test]
    fn cells_on_the_antimeridian_are_cut_in_two() {
        let cell = LatLng::new(52.0, 179.999).unwrap().to_cell(Resolution::Three);
        let g = geometry(cell);
        assert_eq!(g["type"], "MultiPolygon", "{g}");
        for part in g["coordinates"].as_array().unwrap() {
            let ring = part[0].as_array().unwrap();
            let lons: Vec<f64> = ring.iter().map(|p| p[0].as_f64().unwrap()).collect();
            assert!(lons.iter().all(|l| (-180.0..=180.0).contains(l)), "{lons:?}");
            assert!(lons.iter().all(|l| *l > 170.0) || lons.iter().all(|l| *l < -170.0), "{lons:?}");
            assert_eq!(ring.first(), ring.last());
        }
    }
}
