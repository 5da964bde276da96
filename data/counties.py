#!/usr/bin/env python3
"""Writes data/counties.csv (fips,name,state): the name of every county (or county equivalent)
that has a populated 2020 census tract, for the gap analysis's county table.

    npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz      # in a scratch folder
    python3 data/counties.py /path/to/package                    # from the repository root

Names come from us-atlas 3.0.1 (`counties-10m.json` and `states-10m.json`, built from the
Census Bureau's 2017 cartographic boundary files; ISC licence for the package, the names are
Census public domain). Names are as us-atlas gives them, without "County", "Parish" or "city"
(so Baltimore County 24005 and Baltimore city 24510 are both "Baltimore": the FIPS code tells
them apart). Counties created after 2017 that the 2020 tracts use are added from the
Census Bureau's list of substantial changes (table SUPPLEMENT below). The script fails if a
county of `census_tracts.csv.gz` is still without a name. Standard library only; deterministic.
"""
import csv
import gzip
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# 2019: Valdez-Cordova Census Area (02261) was split in two
# (https://www.census.gov/programs-surveys/geography/technical-documentation/county-changes.html).
SUPPLEMENT = {
    "02063": "Chugach",
    "02066": "Copper River",
}

def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    pkg = sys.argv[1]
    with open(os.path.join(pkg, "counties-10m.json"), encoding="utf-8") as fh:
        counties = json.load(fh)["objects"]["counties"]["geometries"]
    with open(os.path.join(pkg, "states-10m.json"), encoding="utf-8") as fh:
        states = {g["id"]: g["properties"]["name"] for g in json.load(fh)["objects"]["states"]["geometries"]}
    names = {g["id"]: g["properties"]["name"] for g in counties}
    names.update(SUPPLEMENT)
    with gzip.open(os.path.join(HERE, "census_tracts.csv.gz"), "rt", encoding="utf-8-sig") as fh:
        used = sorted({r["STATEFP"] + r["COUNTYFP"] for r in csv.DictReader(fh) if int(r["POPULATION"]) > 0})
    missing = [f for f in used if f not in names or f[:2] not in states]
    if missing:
        sys.exit(f"no name for {len(missing)} county code(s): {', '.join(missing)}")
    out = os.path.join(HERE, "counties.csv")
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["fips", "name", "state"])
        for f in used:
            w.writerow([f, names[f], states[f[:2]]])
    print(f"wrote {out}: {len(used)} counties")


if __name__ == "__main__":
    main()
