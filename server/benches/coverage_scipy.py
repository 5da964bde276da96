#!/usr/bin/env python3
"""Reference for benches/coverage.rs: SciPy's cKDTree over 3-D unit vectors.

    python3 server/benches/coverage_scipy.py target/bench-data [threshold_m] [runs]

Prints, per category, the population whose nearest site of that category is farther than
threshold_m (great-circle on a sphere of radius 6,371,008.7714 m), then the median time of
`runs` runs of the searches (trees built once, outside the timing) for 1 and 2 workers, and the
median with tree building included. Loading the CSV files is never timed.
"""
import csv
import math
import statistics
import sys
import time

import numpy as np
from scipy.spatial import cKDTree

R = 6_371_008.7714


def unit(lon, lat):
    lon, lat = np.radians(lon), np.radians(lat)
    c = np.cos(lat)
    return np.column_stack([c * np.cos(lon), c * np.sin(lon), np.sin(lat)])


def main():
    folder = sys.argv[1]
    threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 5000.0
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 11
    with open(f"{folder}/demand.csv") as fh:
        rows = list(csv.DictReader(fh))
    pop = np.array([int(r["population"]) for r in rows], dtype=np.int64)
    demand = unit(np.array([float(r["lon"]) for r in rows]), np.array([float(r["lat"]) for r in rows]))
    by_cat = {}
    with open(f"{folder}/partners.csv") as fh:
        for r in csv.DictReader(fh):
            by_cat.setdefault(r["category"], []).append((float(r["lon"]), float(r["lat"])))
    cats = ["legal", "health", "housing", "library", "faith", "advocacy"]
    pts = {c: unit(*np.array(by_cat[c]).T) for c in cats}
    limit = 2.0 * math.sin(threshold / R / 2.0)

    def build():
        return {c: cKDTree(pts[c]) for c in cats}

    def search(trees, workers):
        return {c: int(pop[trees[c].query(demand, k=1, workers=workers)[0] > limit].sum()) for c in cats}

    trees = build()
    answer = search(trees, 1)
    for c in cats:
        print(f"scipy {c:<9} {answer[c]:>12,}")
    for workers in (1, 2):
        times, with_build = [], []
        for _ in range(runs):
            t = time.perf_counter()
            search(trees, workers)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            search(build(), workers)
            with_build.append(time.perf_counter() - t)
        print(f"scipy cKDTree workers={workers}: median {statistics.median(times) * 1e3:.1f} ms searches, "
              f"{statistics.median(with_build) * 1e3:.1f} ms with tree building ({runs} runs)")


if __name__ == "__main__":
    main()
