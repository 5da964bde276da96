//! Bounding boxes in WGS84 degrees, as query parameters give them (`bbox=minLon,minLat,maxLon,maxLat`).

use serde::Serialize;

use super::LonLat;

/// `[minLon, minLat, maxLon, maxLat]` in WGS84 degrees. A box with `minLon > maxLon` crosses the
/// antimeridian (RFC 7946 §5.2, OGC API – Features `bbox`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(into = "[f64; 4]")]
pub struct BBox([f64; 4]);

impl From<BBox> for [f64; 4] {
    fn from(b: BBox) -> Self {
        b.0
    }
}

impl BBox {
    /// Parses `minLon,minLat,maxLon,maxLat`; with `allow_3d`, also the OGC six-number form
    /// `minLon,minLat,minZ,maxLon,maxLat,maxZ` (heights are ignored: sites have none).
    pub fn parse(raw: &str, allow_3d: bool) -> Result<Self, String> {
        let n: Vec<f64> = raw
            .split(',')
            .map(|x| x.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                if allow_3d { "must be four or six numbers" } else { "must be four numbers" }.to_owned()
            })?;
        let [a, b, c, d] = match n[..] {
            [a, b, c, d] => [a, b, c, d],
            [a, b, _, c, d, _] if allow_3d => [a, b, c, d],
            _ if allow_3d => {
                return Err("must be minLon,minLat,maxLon,maxLat (or six numbers with heights)".to_owned())
            }
            _ => return Err("must be minLon,minLat,maxLon,maxLat".to_owned()),
        };
        if ![a, b, c, d].iter().all(|x| (-180.0..=180.0).contains(x)) {
            return Err("is out of range (every number in [-180, 180])".to_owned());
        }
        // A latitude past a pole reaches the pole; a box whose south edge is north of its north
        // edge holds nothing (it is empty, not an error: no reading of it is more right).
        let (b, d) = (b.clamp(-90.0, 90.0), d.clamp(-90.0, 90.0));
        Ok(Self([a, b, c, d]))
    }

    /// The smallest box around `points` (not crossing the antimeridian); `None` for no points.
    pub fn around(points: impl Iterator<Item = LonLat>) -> Option<Self> {
        points
            .fold(None, |acc: Option<[f64; 4]>, p| {
                let [a, b, c, d] = acc.unwrap_or([p.lon(), p.lat(), p.lon(), p.lat()]);
                Some([a.min(p.lon()), b.min(p.lat()), c.max(p.lon()), d.max(p.lat())])
            })
            .map(Self)
    }

    /// Whether the box holds a point (edges included).
    pub fn contains(&self, at: LonLat) -> bool {
        let [w, s, e, n] = self.0;
        let (lon, lat) = (at.lon(), at.lat());
        let lon_ok = if w <= e { (w..=e).contains(&lon) } else { lon >= w || lon <= e };
        lon_ok && (s..=n).contains(&lat)
    }

    /// `[minLon, minLat, maxLon, maxLat]`.
    pub fn corners(&self) -> [f64; 4] {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    #[test]
    fn parses_four_or_six_numbers() {
        assert_eq!(BBox::parse("-81,25,-80,26", false).unwrap().corners(), [-81.0, 25.0, -80.0, 26.0]);
        assert!(BBox::parse("-81,25,0,-80,26,10", false).is_err());
        assert_eq!(BBox::parse("-81,25,0,-80,26,10", true).unwrap().corners(), [-81.0, 25.0, -80.0, 26.0]);
        for bad in ["1,2,3", "a,b,c,d", "-181,0,0,1", "0,0,NaN,1", "1,2,3,4,5", "0,0,0,181"] {
            assert!(BBox::parse(bad, true).is_err(), "{bad}");
        }
        // Past a pole is the pole; south of north is an empty box.
        assert_eq!(BBox::parse("-10,-120,10,95", false).unwrap().corners(), [-10.0, -90.0, 10.0, 90.0]);
        let empty = BBox::parse("0,10,1,5", false).unwrap();
        assert!(!empty.contains(at(0.5, 7.0)) && !empty.contains(at(0.5, 10.0)));
    }

    #[test]
    fn contains_includes_edges_and_crosses_the_antimeridian() {
        let b = BBox::parse("-81,25,-80,26", false).unwrap();
        assert!(b.contains(at(-80.0, 26.0)) && b.contains(at(-80.5, 25.5)));
        assert!(!b.contains(at(-79.99, 25.5)));
        let across = BBox::parse("170,-10,-170,10", false).unwrap();
        assert!(across.contains(at(179.5, 0.0)) && across.contains(at(-175.0, 0.0)));
        assert!(!across.contains(at(0.0, 0.0)));
    }

    #[test]
    fn around_points() {
        assert_eq!(BBox::around(std::iter::empty()), None);
        let b = BBox::around([at(-80.0, 25.0), at(-81.0, 26.0)].into_iter()).unwrap();
        assert_eq!(b.corners(), [-81.0, 25.0, -80.0, 26.0]);
    }
}
