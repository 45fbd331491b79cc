"""Generate the job–housing SAMPLE (invented numbers) in data/sample_jobshousing/.

Run:  .venv/bin/python scripts/make_sample_jobshousing.py [--zones FILE --id COL --name COL]

What it makes (everything labelled accuracy = "sample"):

* ``zones.geojson`` — the zones (geometry copied from the catalog layer
  ``streets_towns``, its 11 ``expansion_11`` units; if that layer is not in the catalog yet, a 2.5 km grid over
  the schematic ``science_city_2022`` boundary) with ``jobs`` and ``workers``;
* ``od.csv`` — home zone, work zone, count: an OD table as mobile-signalling
  aggregates (手机信令) would give it.

How the numbers are invented (all parameters below, seeded, reproducible):

1. **Residents.**  Pudong's 2020 census population (5,681,512, read from
   ../shared/data/stats/shanghai_districts_census2020_leiii.csv) over its
   official land area (1,210.41 km², see ../shared/data/PROVENANCE.md) gives a
   mean density; each zone gets area × density × a log-normal factor
   (σ = RESIDENT_SIGMA).  This only makes the *order of magnitude* plausible:
   there are no street/town population statistics in the shared data.
2. **Resident workers** = residents × WORKERS_PER_RESIDENT (an assumption,
   not a statistic).
3. **Jobs**: the same total as workers (the sample is a closed system: all
   residents of the zones work in the zones), spread by area × log-normal
   factor (σ = JOB_SIGMA) × JOB_CENTRE_FACTOR for zones whose name names a
   known job centre (张江, 金桥, 保税, 陆家嘴, 开发区, 园区).
4. **OD**: doubly-constrained gravity model
   T_ij = A_i W_i B_j J_j exp(−c_ij / DECAY_M), c = straight-line metres between
   zone centroids in EPSG:32651 (intrazonal: mean distance in a disk of the
   zone's area), balanced by Furness iterations, then drawn as integers with a
   multinomial sample of Σ W commuters.  ``workers`` and ``jobs`` written to
   ``zones.geojson`` are the row and column sums of the integer OD, so the
   files agree exactly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zjgis import crs, io, jobshousing

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "sample_jobshousing"
SHARED = ROOT.parent / "shared" / "data"

SEED = 20261125
PUDONG_AREA_KM2 = 1210.41  # official land area (shared/data/PROVENANCE.md)
PUDONG_RESIDENTS_FALLBACK = 5_681_512  # 2020 census, used if the CSV is absent
WORKERS_PER_RESIDENT = 0.55  # assumption
RESIDENT_SIGMA = 0.35
JOB_SIGMA = 0.6
JOB_CENTRE_FACTOR = 3.0
JOB_CENTRE_WORDS = ("张江", "金桥", "保税", "陆家嘴", "开发区", "园区")
DECAY_M = 4_000.0  # distance decay of the gravity model (assumption)
GRID_M = 2_500.0


def pudong_residents() -> int:
    path = SHARED / "stats" / "shanghai_districts_census2020_leiii.csv"
    if not path.exists():
        print(f"note: {path} not found; using {PUDONG_RESIDENTS_FALLBACK}", file=sys.stderr)
        return PUDONG_RESIDENTS_FALLBACK
    census = pd.read_csv(path, dtype={"区划代码": str})
    row = census[census["区县"] == "浦东新区"]
    return int(row["人口数_合计"].iloc[0])


def catalog_zones() -> tuple[gpd.GeoDataFrame, str]:
    from zjgis import layers

    if "streets_towns" in set(layers.list_layers()["name"]) and _loadable("streets_towns"):
        z = layers.load("streets_towns")
        acc = z.attrs.get("accuracy", "unknown")
        if "expansion_11" in z.columns:
            # the 11 streets/towns of the 220 km² expansion (a documented, replaceable
            # rule of scripts/make_boundaries.py, not an official list)
            z = z[z["expansion_11"].astype(bool)].reset_index(drop=True)
            acc = f"{acc}; the expansion_11 selection rule"
        return (z[["code", "name", "geometry"]].assign(code=lambda d: d["code"].astype(str)),
                f"zjgis.layers streets_towns (accuracy {acc})")
    area = layers.load("science_city_2022")
    metric = crs.to_metric(area)
    shape = shapely.union_all(metric.geometry.values)
    x0, y0, x1, y1 = shape.bounds
    xs = np.arange(x0, x1, GRID_M)
    ys = np.arange(y0, y1, GRID_M)
    cells = [shapely.box(x, y, x + GRID_M, y + GRID_M) for y in ys[::-1] for x in xs]
    cells = shapely.intersection(np.array(cells), shape)
    keep = shapely.area(cells) > 0.25 * GRID_M**2
    cells = cells[keep]
    codes = [f"G{i + 1:02d}" for i in range(len(cells))]
    grid = gpd.GeoDataFrame({"code": codes, "name": [f"格网{c[1:]}" for c in codes]},
                            geometry=cells, crs=crs.METRIC).to_crs(crs.WGS84)
    return grid, ("2.5 km grid over zjgis.layers science_city_2022 (schematic); "
                  "streets_towns was not in the catalog when this sample was made")


def _loadable(name: str) -> bool:
    from zjgis import layers

    try:
        layers.load(name)
    except Exception:  # noqa: BLE001 - catalog lists it but it is not built yet
        return False
    return True


def furness(w: np.ndarray, j: np.ndarray, f: np.ndarray, iters: int = 500) -> np.ndarray:
    b = np.ones_like(j)
    for _ in range(iters):
        a = 1.0 / (f @ (b * j))
        b_new = 1.0 / (f.T @ (a * w))
        if np.allclose(b_new, b, rtol=1e-12):
            b = b_new
            break
        b = b_new
    return (a * w)[:, None] * (b * j)[None, :] * f


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--zones", help="zone file instead of the catalog layer")
    p.add_argument("--id", default="code", help="zone id column of --zones")
    p.add_argument("--name", default="name", help="zone name column of --zones")
    p.add_argument("--out", default=str(OUT))
    args = p.parse_args(argv)
    if args.zones:
        z = io.read(args.zones).to_crs(crs.WGS84)
        zones = gpd.GeoDataFrame({"code": z[args.id].astype(str), "name": z[args.name]},
                                 geometry=z.geometry.values, crs=crs.WGS84)
        geometry_source = f"{args.zones}"
    else:
        zones, geometry_source = catalog_zones()
    zones = zones.reset_index(drop=True)
    rng = np.random.default_rng(SEED)
    area_km2 = crs.geodesic_area(zones)["area_km2"].to_numpy()
    residents_total_pd = pudong_residents()
    density = residents_total_pd / PUDONG_AREA_KM2
    residents = area_km2 * density * rng.lognormal(0.0, RESIDENT_SIGMA, len(zones))
    workers = residents * WORKERS_PER_RESIDENT
    centre = zones["name"].astype(str).str.contains("|".join(JOB_CENTRE_WORDS)).to_numpy()
    jw = area_km2 * rng.lognormal(0.0, JOB_SIGMA, len(zones)) * np.where(centre,
                                                                         JOB_CENTRE_FACTOR, 1.0)
    jobs = jw / jw.sum() * workers.sum()
    cost = jobshousing.cost_matrix(zones, zone_id="code").to_numpy()
    t = furness(workers, jobs, np.exp(-cost / DECAY_M))
    n = int(round(workers.sum()))
    counts = rng.multinomial(n, (t / t.sum()).ravel()).reshape(t.shape)
    hi, wi = np.nonzero(counts)
    codes = zones["code"].to_numpy()
    od = pd.DataFrame({"home": codes[hi], "work": codes[wi], "count": counts[hi, wi],
                       "accuracy": "sample"})
    out_zones = zones.assign(
        jobs=counts.sum(axis=0), workers=counts.sum(axis=1), accuracy="sample",
        geometry_source=geometry_source)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    io.write(out_zones, out / "zones.geojson", overwrite=True)
    io.write_text(od.to_csv(index=False), out / "od.csv", overwrite=True)
    mean = float((counts * cost).sum() / counts.sum())
    print(f"zones: {len(zones)} ({geometry_source})")
    print(f"Pudong density used: {density:,.0f} residents/km² ({residents_total_pd:,} / "
          f"{PUDONG_AREA_KM2} km²)")
    print(f"commuters: {n:,}; OD pairs: {len(od):,}; mean straight-line commute: {mean:,.0f} m")
    print(f"job-centre zones: {', '.join(zones.loc[centre, 'name']) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
