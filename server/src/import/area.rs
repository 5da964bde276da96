//! Are an import's coordinates where the deployment's sites are?
//!
//! The service area is the deployment's list of counties (`--service-area`, as for the gap
//! analysis). A point is *inside* when the populated 2020 census tract whose centre of
//! population is nearest to it lies in one of those counties and is at most
//! [`MAX_FROM_TRACT_M`] away (the same nearest-tract rule places uploaded demand points in
//! counties; within a few hundred metres of a county line it can name the neighbour). With the
//! service area `all`, every point within that distance of any US tract is inside.
//!
//! What is reported, and why:
//! - **lat and lon swapped** is an **error** (the row is refused, so `--commit` writes
//!   nothing): a latitude outside ±90 that is a valid longitude, or a point outside the service
//!   area that lands inside it once swapped. Such a site would be drawn on another continent,
//!   and a counselor would never find it nearby.
//! - **a missing minus sign** on the longitude (a point outside that lands inside once the
//!   longitude is negated) is an **error** for the same reason.
//! - **outside the service area** otherwise is a **warning**: the site is imported. Partners
//!   across a county line (a clinic in the next county, a statewide hotline's office) are real,
//!   and refusing them would make a district retype them by hand.

use std::sync::Arc;

use crate::domain::{FieldError, LonLat};
use crate::places::demand::ServiceArea;
use crate::places::Population;

use super::{Parsed, RowProblem};

/// Farthest a point may be from the nearest populated tract centre and still count as in the
/// tract's county: rural tracts are large, but 50 km off means at sea or abroad.
pub const MAX_FROM_TRACT_M: f64 = 50_000.0;

/// The service area and the census tracts that locate points in it.
#[derive(Clone, Debug)]
pub struct AreaCheck {
    area: ServiceArea,
    gaps: Arc<Population>,
}

/// Where a point is.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    /// In a county of the service area.
    Inside,
    /// In another county (FIPS), or (`None`) far from any populated tract.
    Outside(Option<u32>),
}

impl AreaCheck {
    /// A check against `area`, locating points by the census tracts of `gaps`.
    pub fn new(area: ServiceArea, gaps: Arc<Population>) -> Self {
        Self { area, gaps }
    }

    /// Where `at` is.
    pub fn place(&self, at: LonLat) -> Place {
        match self.gaps.census.nearest_tract(at) {
            Some((county, centre)) if at.distance_m(centre) <= MAX_FROM_TRACT_M => {
                if self.area.contains(county) {
                    Place::Inside
                } else {
                    Place::Outside(Some(county))
                }
            }
            _ => Place::Outside(None),
        }
    }

    fn county_name(&self, fips: u32) -> String {
        match self.gaps.counties.get(fips) {
            Some((name, state)) => format!("{name}, {state} ({fips:05})"),
            None => format!("county {fips:05}"),
        }
    }

    fn describe(&self, place: &Place) -> String {
        match place {
            Place::Inside => "inside the service area".to_owned(),
            Place::Outside(Some(c)) => format!("in {}", self.county_name(*c)),
            Place::Outside(None) => "more than 50 km from any populated US census tract".to_owned(),
        }
    }
}

/// What is wrong with a row's coordinates: an error (refuse the row) or a warning.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Fine.
    Ok,
    /// Refuse the row.
    Error(FieldError),
    /// Import it, but tell.
    Warning(FieldError),
}

/// Judges one `lon`, `lat` pair (before range validation, so swapped values are caught with a
/// useful message rather than "outside [-90, 90]").
pub fn judge(lon: f64, lat: f64, check: Option<&AreaCheck>) -> Verdict {
    if !lon.is_finite() || !lat.is_finite() {
        return Verdict::Ok; // range validation names it
    }
    let swapped = LonLat::new(lat, lon).ok();
    let Ok(at) = LonLat::new(lon, lat) else {
        if lat.abs() > 90.0 && swapped.is_some() {
            return Verdict::Error(FieldError::new(
                "lat",
                format!(
                    "{lat} is not a latitude (it must be within ±90): lon and lat look swapped \
                     (lon={lon}, lat={lat}); swap the two columns"
                ),
            ));
        }
        return Verdict::Ok; // range validation names it
    };
    let Some(check) = check else { return Verdict::Ok };
    let here = check.place(at);
    if here == Place::Inside {
        return Verdict::Ok;
    }
    if let Some(s) = swapped.filter(|s| check.place(*s) == Place::Inside) {
        return Verdict::Error(FieldError::new(
            "lat",
            format!(
                "lon and lat look swapped: lon={lon}, lat={lat} is {}, but lon={}, lat={} is in the service area \
                 ({}); swap the two columns",
                check.describe(&here),
                s.lon(),
                s.lat(),
                check.area
            ),
        ));
    }
    if let Some(n) = LonLat::new(-lon, lat).ok().filter(|n| lon > 0.0 && check.place(*n) == Place::Inside) {
        return Verdict::Error(FieldError::new(
            "lon",
            format!(
                "lon={lon} looks like it lost its minus sign: it is {}, but lon={} is in the service area ({})",
                check.describe(&here),
                n.lon(),
                check.area
            ),
        ));
    }
    Verdict::Warning(FieldError::new(
        "lon",
        format!(
            "lon={lon}, lat={lat} is outside the service area ({}): it is {}. Imported as it is; check the \
             coordinates, or start assetmap with a --service-area that includes it",
            check.area,
            check.describe(&here)
        ),
    ))
}

/// Judges every parsed row's coordinates: a row with swapped coordinates becomes a bad row,
/// one outside the service area gets a warning.
pub fn check_rows(parsed: &mut Parsed, check: Option<&AreaCheck>) {
    for (row, result) in &mut parsed.rows {
        let Ok(rec) = result else { continue };
        let (Some(lon), Some(lat)) = (rec.site.lon, rec.site.lat) else { continue };
        match judge(lon, lat, check) {
            Verdict::Ok => {}
            Verdict::Error(e) => *result = Err(vec![e]),
            Verdict::Warning(w) => parsed.warnings.push(RowProblem::new(&parsed.file, *row, w)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn miami_dade() -> AreaCheck {
        let settings = crate::Settings::new("sqlite::memory:");
        AreaCheck::new(ServiceArea::default(), Arc::new(Population::load(&settings).unwrap()))
    }

    #[test]
    fn a_latitude_beyond_90_that_is_a_longitude_is_called_swapped() {
        // San Mateo written [lat, lon].
        let Verdict::Error(e) = judge(37.48, -122.21, None) else { panic!("not an error") };
        assert_eq!(e.field, "lat");
        assert!(e.message.contains("swapped"), "{}", e.message);
        assert_eq!(judge(-122.21, 37.48, None), Verdict::Ok);
        // Out of range both ways: left to range validation.
        assert_eq!(judge(200.0, 95.0, None), Verdict::Ok);
    }

    #[test]
    fn swapped_or_unsigned_points_that_would_land_in_the_service_area_are_errors() {
        let check = miami_dade();
        assert_eq!(judge(-80.2, 25.77, Some(&check)), Verdict::Ok);
        // Swapped: both values are in range, so only the service area tells.
        let Verdict::Error(e) = judge(25.77, -80.2, Some(&check)) else { panic!("not an error") };
        assert!(e.message.contains("swapped") && e.message.contains("12086"), "{}", e.message);
        let Verdict::Error(e) = judge(80.2, 25.77, Some(&check)) else { panic!("not an error") };
        assert_eq!(e.field, "lon");
        assert!(e.message.contains("minus sign"), "{}", e.message);
        // Elsewhere in the US: a warning naming the county.
        let Verdict::Warning(w) = judge(-122.21, 37.48, Some(&check)) else { panic!("not a warning") };
        assert!(w.message.contains("San Mateo") && w.message.contains("06081"), "{}", w.message);
        // At sea (null island).
        let Verdict::Warning(w) = judge(0.0, 0.0, Some(&check)) else { panic!("not a warning") };
        assert!(w.message.contains("50 km"), "{}", w.message);
    }
}
