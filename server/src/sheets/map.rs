//! The sheet's map, drawn by the server as inline SVG: Web Mercator, numbered markers, county
//! outlines from `data/boundaries/`, ZIP code labels from the shipped ZCTA points, a scale bar
//! and a north arrow; with `--basemap`, roads and place names read by the server from the
//! deployment's own tiles ([`crate::basemap::streets`]). The printed page fetches nothing.
//!
//! The map is a function of the *sites* only: the search origin is never drawn and never moves
//! the frame, so the same sites give the same map whoever asked. Confidential sites are never
//! drawn and never used to frame the map (the frame would reveal where they are).

use crate::basemap::streets::Streets;
use crate::domain::{LonLat, EARTH_RADIUS_M};
use crate::places::outlines::{Basemap, Merc};
use crate::places::zip::ZipIndex;

/// Width of the SVG viewBox, in SVG units (the page scales it to the column width).
pub const WIDTH: f64 = 1000.0;
/// Height of the SVG viewBox. 1000 × 270 fills the text column (about 180 mm) at 49 mm high,
/// leaving room for six entries on two pages.
pub const HEIGHT: f64 = 270.0;
/// Smallest ground extent shown, in metres, so one site still shows its neighbourhood and a
/// few ZIP code labels to find it by.
const MIN_EXTENT_M: f64 = 6_000.0;
/// Space kept free around the outermost markers, in SVG units.
const PAD: f64 = 40.0;
/// Marker radius in SVG units.
const MARKER_R: f64 = 17.0;
/// Most ZIP labels on one map.
const MAX_ZIP_LABELS: usize = 14;
/// Most place names on one map.
const MAX_PLACE_LABELS: usize = 10;

/// A numbered marker, in SVG units. `(x, y)` is where the badge is drawn; `(at_x, at_y)` is
/// the site itself, different when the badge was moved off another one (a leader line joins
/// them).
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// The site's number on the sheet.
    pub number: usize,
    /// Badge centre.
    pub x: f64,
    /// Badge centre.
    pub y: f64,
    /// The site's position.
    pub at_x: f64,
    /// The site's position.
    pub at_y: f64,
    /// True when the badge was moved to stay readable.
    pub moved: bool,
}

/// A ZIP code label.
#[derive(Clone, Debug, PartialEq)]
pub struct ZipLabel {
    /// Position in SVG units.
    pub x: f64,
    /// Position in SVG units.
    pub y: f64,
    /// The five digits.
    pub zip: String,
}

/// A road drawn from the basemap's tiles.
#[derive(Clone, Debug, PartialEq)]
pub struct RoadPath {
    /// SVG path data.
    pub d: String,
    /// Drawn wider.
    pub major: bool,
}

/// A place name from the basemap's tiles.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceLabel {
    /// Position in SVG units.
    pub x: f64,
    /// Position in SVG units.
    pub y: f64,
    /// The name.
    pub name: String,
    /// A neighbourhood rather than a city (drawn smaller).
    pub minor: bool,
}

/// Everything the `map.svg` template draws.
#[derive(Clone, Debug, PartialEq)]
pub struct MapView {
    /// viewBox width.
    pub width: f64,
    /// viewBox height.
    pub height: f64,
    /// One SVG path per outline ring in view.
    pub land: Vec<String>,
    /// Markers, in sheet order.
    pub markers: Vec<Marker>,
    /// ZIP code labels that do not collide with markers.
    pub zips: Vec<ZipLabel>,
    /// Roads from the basemap (empty without one).
    pub roads: Vec<RoadPath>,
    /// Place names from the basemap that do not collide with markers.
    pub places: Vec<PlaceLabel>,
    /// The basemap's credit, when roads or places are drawn.
    pub streets_credit: Option<String>,
    /// Scale bar length in SVG units.
    pub scale_px: f64,
    /// Its length in metres.
    pub scale_m: f64,
    /// True when the scale bar is in miles (else kilometres).
    pub scale_miles: bool,
}

const MILE_M: f64 = 1_609.344;

/// The frame [`draw`] gives `sites`: west, south, east, north in degrees (what a basemap is read
/// for). `None` when there is no site.
pub fn frame(sites: &[(usize, LonLat)]) -> Option<[f64; 4]> {
    let f = Frame::of(sites)?;
    Some([f.view_min.x.to_degrees(), f.view_min.lat(), f.view_max.x.to_degrees(), f.view_max.lat()])
}

struct Frame {
    centre: Merc,
    scale: f64,
    ground: f64,
    view_min: Merc,
    view_max: Merc,
}

impl Frame {
    fn of(sites: &[(usize, LonLat)]) -> Option<Self> {
        let first = sites.first()?;
        let (mut min, mut max) = (Merc::project(first.1), Merc::project(first.1));
        for (_, p) in sites {
            let p = Merc::project(*p);
            min = Merc { x: min.x.min(p.x), y: min.y.min(p.y) };
            max = Merc { x: max.x.max(p.x), y: max.y.max(p.y) };
        }
        let centre = Merc { x: (min.x + max.x) / 2.0, y: (min.y + max.y) / 2.0 };
        // Ground metres per Mercator unit at the centre's latitude.
        let ground = EARTH_RADIUS_M * centre.lat().to_radians().cos();
        let min_extent = MIN_EXTENT_M / ground;
        let dx = (max.x - min.x).max(min_extent);
        let dy = (max.y - min.y).max(min_extent * HEIGHT / WIDTH);
        let scale = ((WIDTH - 2.0 * PAD) / dx).min((HEIGHT - 2.0 * PAD) / dy);
        let view_min = Merc { x: centre.x - WIDTH / 2.0 / scale, y: centre.y - HEIGHT / 2.0 / scale };
        let view_max = Merc { x: centre.x + WIDTH / 2.0 / scale, y: centre.y + HEIGHT / 2.0 / scale };
        Some(Self { centre, scale, ground, view_min, view_max })
    }
}

/// Frames and draws `sites` (sheet number, position). `None` when no site can be drawn.
/// `miles` picks the scale bar's unit.
pub fn draw(sites: &[(usize, LonLat)], basemap: &Basemap, zips: &ZipIndex, miles: bool) -> Option<MapView> {
    draw_with_streets(sites, basemap, zips, None, miles)
}

/// [`draw`], with roads and place names from the deployment's basemap under the markers.
pub fn draw_with_streets(
    sites: &[(usize, LonLat)],
    basemap: &Basemap,
    zips: &ZipIndex,
    streets: Option<&Streets>,
    miles: bool,
) -> Option<MapView> {
    let Frame { centre, scale, ground, view_min, view_max } = Frame::of(sites)?;
    let pts: Vec<(usize, Merc)> = sites.iter().map(|(n, p)| (*n, Merc::project(*p))).collect();
    let to_px = |p: Merc| ((p.x - centre.x) * scale + WIDTH / 2.0, HEIGHT / 2.0 - (p.y - centre.y) * scale);

    let land = basemap
        .rings
        .iter()
        .filter(|r| {
            r.max.x >= view_min.x && r.min.x <= view_max.x && r.max.y >= view_min.y && r.min.y <= view_max.y
        })
        .map(|r| {
            let mut d = String::with_capacity(r.points.len() * 14);
            for (i, p) in r.points.iter().enumerate() {
                let (x, y) = to_px(*p);
                d.push_str(if i == 0 { "M" } else { "L" });
                d.push_str(&format!("{x:.1} {y:.1}"));
            }
            d.push('Z');
            d
        })
        .collect();

    let markers = place_markers(pts.iter().map(|(n, p)| (*n, to_px(*p))));

    let project = |lon: f64, lat: f64| {
        LonLat::new(lon.clamp(-180.0, 180.0), lat.clamp(-90.0, 90.0)).ok().map(|p| to_px(Merc::project(p)))
    };
    let in_view =
        |(x, y): (f64, f64)| (-WIDTH..2.0 * WIDTH).contains(&x) && (-HEIGHT..2.0 * HEIGHT).contains(&y);
    let mut roads = Vec::new();
    let mut places: Vec<PlaceLabel> = Vec::new();
    if let Some(streets) = streets {
        for road in &streets.roads {
            let pts: Vec<(f64, f64)> =
                road.line.iter().filter_map(|(lon, lat)| project(*lon, *lat)).collect();
            if !pts.iter().any(|p| (0.0..=WIDTH).contains(&p.0) && (0.0..=HEIGHT).contains(&p.1))
                || !pts.iter().all(|p| in_view(*p))
            {
                continue;
            }
            let mut d = String::with_capacity(pts.len() * 14);
            for (i, (x, y)) in pts.iter().enumerate() {
                d.push_str(if i == 0 { "M" } else { "L" });
                d.push_str(&format!("{x:.1} {y:.1}"));
            }
            roads.push(RoadPath { d, major: road.class == crate::basemap::streets::RoadClass::Major });
        }
        for place in &streets.places {
            let Some((x, y)) = project(place.lon, place.lat) else { continue };
            let half = 4.0 * place.name.chars().count() as f64 + 6.0;
            let inside = (half..WIDTH - half).contains(&x) && (16.0..HEIGHT - 40.0).contains(&y);
            let clear_of_markers =
                markers.iter().all(|m| (m.x - x).abs() > half + 20.0 || (m.y - y).abs() > 28.0);
            let clear = places.iter().all(|l| {
                let other = 4.0 * l.name.chars().count() as f64 + 6.0;
                (l.x - x).abs() > half + other || (l.y - y).abs() > 22.0
            });
            if inside && clear_of_markers && clear && places.len() < MAX_PLACE_LABELS {
                places.push(PlaceLabel {
                    x: r1(x),
                    y: r1(y),
                    name: place.name.clone(),
                    minor: place.rank > 0,
                });
            }
        }
    }

    let mut labels: Vec<ZipLabel> = Vec::new();
    // Only points inside the frame are projected: a cheap degree test first (33,000 ZIPs).
    let (lon_min, lon_max) = (view_min.x.to_degrees(), view_max.x.to_degrees());
    let (lat_min, lat_max) = (view_min.lat(), view_max.lat());
    let mut candidates: Vec<(String, f64, f64)> = zips
        .points()
        .filter(|(_, at)| (lon_min..=lon_max).contains(&at.lon()) && (lat_min..=lat_max).contains(&at.lat()))
        .filter_map(|(zip, at)| {
            let (x, y) = to_px(Merc::project(at));
            let inside = (30.0..WIDTH - 30.0).contains(&x) && (16.0..HEIGHT - 40.0).contains(&y);
            inside.then_some((zip.to_owned(), x, y))
        })
        .collect();
    // Deterministic: labels nearest the centre of the frame first.
    candidates.sort_by(|a, b| {
        let da = (a.1 - WIDTH / 2.0).powi(2) + (a.2 - HEIGHT / 2.0).powi(2);
        let db = (b.1 - WIDTH / 2.0).powi(2) + (b.2 - HEIGHT / 2.0).powi(2);
        da.total_cmp(&db).then_with(|| a.0.cmp(&b.0))
    });
    for (zip, x, y) in candidates {
        if labels.len() == MAX_ZIP_LABELS {
            break;
        }
        let clear_of_markers = markers.iter().all(|m| (m.x - x).abs() > 46.0 || (m.y - y).abs() > 30.0);
        let clear_of_labels = labels.iter().all(|l| (l.x - x).abs() > 70.0 || (l.y - y).abs() > 26.0);
        let clear_of_places = places.iter().all(|l| {
            let half = 4.0 * l.name.chars().count() as f64 + 6.0;
            (l.x - x).abs() > half + 30.0 || (l.y - y).abs() > 24.0
        });
        if clear_of_markers && clear_of_labels && clear_of_places {
            labels.push(ZipLabel { x: r1(x), y: r1(y), zip });
        }
    }

    let unit = if miles { MILE_M } else { 1_000.0 };
    let metres_per_px = ground / scale;
    let target_m = 160.0 * metres_per_px;
    let scale_m = [0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
        .iter()
        .map(|n| n * unit)
        .rev()
        .find(|m| *m <= target_m)
        .unwrap_or(0.1 * unit);
    Some(MapView {
        width: WIDTH,
        height: HEIGHT,
        land,
        markers,
        zips: labels,
        streets_credit: streets
            .filter(|_| !roads.is_empty() || !places.is_empty())
            .and_then(|s| s.attribution.clone()),
        roads,
        places,
        scale_px: r1(scale_m / metres_per_px),
        scale_m,
        scale_miles: miles,
    })
}

/// Rounds to a tenth of an SVG unit (a hundredth of a millimetre on paper): shorter markup.
fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Places numbered badges so none covers another: a badge that would overlap one already
/// placed moves outward on a spiral until it is clear, and keeps a leader line to its site.
fn place_markers(points: impl Iterator<Item = (usize, (f64, f64))>) -> Vec<Marker> {
    let mut placed: Vec<Marker> = Vec::new();
    let clear = 2.0 * MARKER_R + 4.0;
    for (number, (at_x, at_y)) in points {
        let (mut x, mut y) = (at_x, at_y);
        let mut step = 0u32;
        while placed.iter().any(|m| (m.x - x).hypot(m.y - y) < clear) && step < 200 {
            step += 1;
            let angle = f64::from(step) * 0.9 - std::f64::consts::FRAC_PI_2;
            let radius = clear * (1.0 + f64::from(step) / 8.0);
            x = (at_x + radius * angle.cos()).clamp(MARKER_R, WIDTH - MARKER_R);
            y = (at_y + radius * angle.sin()).clamp(MARKER_R, HEIGHT - MARKER_R);
        }
        placed.push(Marker { number, x: r1(x), y: r1(y), at_x: r1(at_x), at_y: r1(at_y), moved: step > 0 });
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    #[test]
    fn mercator_matches_epsg_3857() {
        // EPSG:3857 of (-80.2, 25.8) is (-8927823.16, 2974331.10) metres (R = 6378137).
        let m = Merc::project(p(-80.2, 25.8));
        assert!((m.x * 6_378_137.0 - -8_927_823.16).abs() < 0.01);
        assert!((m.y * 6_378_137.0 - 2_974_331.10).abs() < 0.01);
        assert!((m.lat() - 25.8).abs() < 1e-9);
    }

    /// Two sites in Miami about 15 km apart, scale bar in kilometres.
    fn two_sites() -> MapView {
        let sites = [(1, p(-80.30, 25.70)), (2, p(-80.20, 25.80))];
        draw(&sites, &Basemap::default(), &ZipIndex::default(), false).unwrap()
    }

    #[test]
    fn sites_fill_the_frame_and_north_is_up() {
        let map = two_sites();
        let (a, b) = (&map.markers[0], &map.markers[1]);
        assert!(a.x < b.x && a.y > b.y, "east is right, north is up");
        for m in &map.markers {
            assert!((PAD - 1.0..=WIDTH - PAD + 1.0).contains(&m.x));
            assert!((PAD - 1.0..=HEIGHT - PAD + 1.0).contains(&m.y));
        }
    }

    #[test]
    fn badges_at_one_address_do_not_cover_each_other() {
        let same = p(-80.2, 25.8);
        let map = draw(&[(1, same), (2, same), (3, same)], &Basemap::default(), &ZipIndex::default(), true)
            .unwrap();
        for (i, a) in map.markers.iter().enumerate() {
            for b in &map.markers[i + 1..] {
                assert!((a.x - b.x).hypot(a.y - b.y) >= 2.0 * MARKER_R, "{a:?} {b:?}");
            }
        }
        assert!(map.markers[1].moved && !map.markers[0].moved);
    }

    #[test]
    fn zip_codes_in_the_frame_are_labelled_clear_of_the_markers() {
        let zips = ZipIndex::load(&crate::config::default_dir("data").join("zcta_centroids.csv")).unwrap();
        // Little Havana and Downtown Miami.
        let sites = [(1, p(-80.2363, 25.7838)), (2, p(-80.1937, 25.7743))];
        let map = draw(&sites, &Basemap::default(), &zips, true).unwrap();
        let labels: Vec<&str> = map.zips.iter().map(|z| z.zip.as_str()).collect();
        assert!(labels.len() >= 3 && labels.len() <= MAX_ZIP_LABELS, "{labels:?}");
        assert!(labels.iter().all(|z| z.starts_with("331")), "Miami ZIP codes: {labels:?}");
        for z in &map.zips {
            assert!((0.0..WIDTH).contains(&z.x) && (0.0..HEIGHT).contains(&z.y));
            assert!(map.markers.iter().all(|m| (m.x - z.x).abs() > 46.0 || (m.y - z.y).abs() > 30.0));
        }
    }

    #[test]
    fn the_scale_bar_is_a_round_length() {
        let map = two_sites();
        assert!([1000.0, 2000.0, 5000.0].contains(&map.scale_m), "{}", map.scale_m);
        assert!(map.scale_px > 40.0 && map.scale_px <= 161.0);
    }
}
