//! What the public may learn of a confidential site (a shelter): that it exists, what it offers,
//! how to call it, its city and (unless withheld) its ZIP code — and never where it is.
//!
//! Rounding a distance measured from the true point does not hide it: the places where a
//! rounded distance changes are exact circles around the site, and a hundred probes find it
//! within a metre. So every public answer about a confidential site is computed from a
//! **stand-in**, one public position derived from the record alone:
//!
//! 1. the internal point of its ZIP code's area (the shipped Census ZCTA points), when the
//!    record gives a ZIP code that has one;
//! 2. otherwise the internal point of the ZIP area it lies in — the nearest ZCTA point within
//!    [`ZIP_AREA_REACH_M`] (no ZCTA polygons are shipped; in a city the nearest internal
//!    point is that of the area around it, or of its neighbour);
//! 3. otherwise (outside the US, or far from every ZIP area) the centre of its H3
//!    resolution-7 cell (about 5 km², 1.2 km edges).
//!
//! A site whose ZIP code itself would say too much ([`Site::withhold_zip`]) skips the first
//! two: its ZIP code is not shown and it stands at its H3 cell's centre.
//!
//! The stand-in is a pure function of the record and the shipped ZIP points: the same record
//! always stands at the same place, so asking again and again, from anywhere, learns nothing
//! more than the stand-in itself. It changes only when the site's ZIP code or position is
//! edited. Nearest ranking and distances, gaps and coverage, the Open Referral proximity
//! search and the distances on a referral sheet all see the stand-in (the spatial index holds
//! a confidential site at its stand-in, never at its true point); the true point stays in the
//! store and in the record, shown to admins and the site's own editors.

use h3o::{LatLng, Resolution};
use serde::Serialize;

use crate::domain::{LonLat, Site};
use crate::places::zip::ZipIndex;

/// How far the nearest ZIP internal point may be for a site without a ZIP code to stand at it,
/// metres. The largest ZIP areas in populated places are tens of kilometres across.
pub const ZIP_AREA_REACH_M: f64 = 40_000.0;

/// The H3 resolution of the last-resort stand-in (and of a withheld ZIP code's).
pub const H3_RESOLUTION: Resolution = Resolution::Seven;

/// Where a stand-in comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The internal point of the ZIP code the record gives.
    Zip,
    /// The internal point of the ZIP area the site lies in (the record gives no known ZIP).
    ZipArea,
    /// The centre of the site's H3 resolution-7 cell.
    H3,
}

/// The one public position of a confidential site.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StandIn {
    /// Longitude, WGS84 degrees.
    pub lon: f64,
    /// Latitude, WGS84 degrees.
    pub lat: f64,
    /// Where it comes from.
    pub basis: Basis,
    /// The ZIP code whose area it is the internal point of (not for [`Basis::H3`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

impl StandIn {
    /// The position.
    pub fn at(&self) -> LonLat {
        LonLat::new(self.lon, self.lat).unwrap_or_else(|_| unreachable!("built from valid points"))
    }
}

/// The stand-in of a confidential, mapped site; `None` for a public or unmapped one.
pub fn stand_in(site: &Site, zips: &ZipIndex) -> Option<StandIn> {
    if !site.confidential {
        return None;
    }
    let at = site.location()?;
    let of = |p: LonLat, basis, zip: Option<&str>| StandIn {
        lon: p.lon(),
        lat: p.lat(),
        basis,
        zip: zip.map(|z| z.get(..5).unwrap_or(z).to_owned()),
    };
    if !site.withhold_zip {
        if let Some(zip) = site.postal_code.as_deref() {
            if let Some(p) = zips.lookup(zip) {
                return Some(of(p, Basis::Zip, Some(zip)));
            }
        }
        if let Some((zip, p)) = zips.nearest(at).filter(|(_, p)| p.distance_m(at) <= ZIP_AREA_REACH_M) {
            return Some(of(p, Basis::ZipArea, Some(zip)));
        }
    }
    Some(of(h3_centre(at), Basis::H3, None))
}

/// The centre of the H3 resolution-7 cell `at` lies in.
fn h3_centre(at: LonLat) -> LonLat {
    LatLng::new(at.lat(), at.lon())
        .ok()
        .map(|ll| LatLng::from(ll.to_cell(H3_RESOLUTION)))
        .and_then(|c| LonLat::new(c.lng(), c.lat()).ok())
        .unwrap_or(at)
}

/// Whether the public may not learn where `s` is (its coordinates and street).
pub fn location_withheld(s: &Site, public: bool) -> bool {
    public && s.confidential
}

/// The ZIP code `s` shows: none to the public for a confidential site that withholds it.
pub fn shown_postal_code(s: &Site, public: bool) -> Option<&str> {
    if public && s.confidential && s.withhold_zip {
        None
    } else {
        s.postal_code.as_deref()
    }
}

/// A distance to a confidential site as the public is told it: to its stand-in, rounded to the
/// whole kilometre (the stand-in is public, so the rounding only says how approximate it is).
pub fn shown_distance(metres_to_stand_in: f64) -> f64 {
    (metres_to_stand_in / 1000.0).round() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zips() -> ZipIndex {
        ZipIndex::load(&crate::config::default_dir("data").join("zcta_centroids.csv")).unwrap()
    }

    fn shelter(zip: Option<&str>, withhold: bool) -> Site {
        let input: crate::domain::SiteInput = serde_json::from_value(serde_json::json!({
            "name": "Shelter", "lon": -80.2130, "lat": 25.7991, "postal_code": zip, "confidential": true,
            "withhold_zip": withhold, "categories": ["housing"]
        }))
        .unwrap();
        input.validate(uuid::Uuid::nil(), uuid::Uuid::nil(), chrono::Utc::now(), None, &|_| true).unwrap()
    }

    #[test]
    fn a_shelter_stands_at_its_zip_areas_internal_point() {
        let z = zips();
        let s = stand_in(&shelter(Some("33125"), false), &z).unwrap();
        assert_eq!((s.basis, s.zip.as_deref()), (Basis::Zip, Some("33125")));
        assert_eq!(s.at(), z.lookup("33125").unwrap());
        // ZIP+4 is read as its five digits.
        assert_eq!(stand_in(&shelter(Some("33125-1234"), false), &z).unwrap().at(), s.at());
    }

    #[test]
    fn without_a_known_zip_it_stands_at_the_nearest_zip_area() {
        let z = zips();
        for zip in [None, Some("00000"), Some("not a zip")] {
            let s = stand_in(&shelter(zip, false), &z).unwrap();
            assert_eq!(s.basis, Basis::ZipArea);
            let at = LonLat::new(-80.2130, 25.7991).unwrap();
            let nearest = z.points().map(|(_, p)| p.distance_m(at)).fold(f64::INFINITY, f64::min);
            assert_eq!(s.at().distance_m(at), nearest, "{zip:?}");
        }
    }

    #[test]
    fn a_withheld_zip_or_no_zip_area_gives_the_h3_cell_centre() {
        let z = zips();
        let s = stand_in(&shelter(Some("33125"), true), &z).unwrap();
        assert_eq!((s.basis, s.zip.as_deref()), (Basis::H3, None));
        let d = s.at().distance_m(LonLat::new(-80.2130, 25.7991).unwrap());
        assert!(d > 0.0 && d < 1_500.0, "{d}");
        // Far from every ZIP area (the middle of the Atlantic).
        let mut far = shelter(None, false);
        (far.lon, far.lat) = (Some(-40.0), Some(30.0));
        assert_eq!(stand_in(&far, &z).unwrap().basis, Basis::H3);
        // The same record always stands at the same place.
        assert_eq!(stand_in(&shelter(Some("33125"), true), &z), Some(s));
    }

    #[test]
    fn public_and_unmapped_sites_have_no_stand_in() {
        let z = zips();
        let mut s = shelter(Some("33125"), false);
        s.confidential = false;
        assert_eq!(stand_in(&s, &z), None);
        let mut s = shelter(Some("33125"), false);
        (s.lon, s.lat) = (None, None);
        assert_eq!(stand_in(&s, &z), None);
    }

    #[test]
    fn only_the_public_loses_a_withheld_zip() {
        let s = shelter(Some("33125"), true);
        assert_eq!(shown_postal_code(&s, true), None);
        assert_eq!(shown_postal_code(&s, false), Some("33125"));
        assert_eq!(shown_postal_code(&shelter(Some("33125"), false), true), Some("33125"));
    }
}
