//! Reference places shipped in `data/`: ZIP code areas ([`zip`], Census ZCTA internal points)
//! and census tracts, counties, the service area and the demand built from them ([`demand`]).
//! Read at start-up, never written, never fetched.

pub mod cells;
pub mod demand;
pub mod outlines;
pub mod zip;

use std::sync::Arc;

use self::demand::{Census, CountyNames, Demand, DemandSource};
use crate::config::Settings;

/// Where people live, as the gap analysis and the import's area check read it: the census tracts,
/// county names and the deployment's demand.
#[derive(Debug)]
pub struct Population {
    /// Every populated tract of the US and Puerto Rico.
    pub census: Arc<Census>,
    /// County names by FIPS.
    pub counties: CountyNames,
    /// The deployment's demand: the service area's tracts, or the `--demand` file.
    pub demand: Arc<Demand>,
}

impl Population {
    /// Loads the census tracts and county names from the data folder and builds the demand
    /// set the settings name. A bad demand file or an unknown county stops the start.
    pub fn load(settings: &Settings) -> anyhow::Result<Self> {
        let census = Arc::new(Census::load(&settings.data_dir.join("census_tracts.csv.gz"))?);
        let counties = CountyNames::load(&settings.data_dir.join("counties.csv"))?;
        let demand = match &settings.demand_file {
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                let name = path
                    .file_name()
                    .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
                upload_demand(&census, &name, &bytes).map_err(|problems| {
                    let lines: Vec<String> =
                        problems.iter().map(|p| format!("{}: {p}", path.display())).collect();
                    anyhow::anyhow!("the demand file was not loaded:\n{}", lines.join("\n"))
                })?
            }
            None => {
                census.demand(&settings.service_area).map_err(|e| anyhow::anyhow!("--service-area: {e}"))?
            }
        };
        Ok(Self { census, counties, demand: Arc::new(demand) })
    }
}

/// Parses an uploaded demand CSV into a demand set (all rows or none).
pub fn upload_demand(census: &Census, name: &str, bytes: &[u8]) -> Result<Demand, Vec<demand::RowProblem>> {
    let (points, left_out) = demand::parse_demand_csv(bytes, &|at| census.county_near(at))?;
    Ok(Demand::new(DemandSource::Upload { name: name.to_owned() }, points, left_out))
}
