"""Generate the sample land-reserve register (accuracy ``sample``) in data/sample_register/.

Usage::

    .venv/bin/python scripts/make_sample_register.py [--parcels 300] [--seed 20261125]

What it does (deterministic for a given seed):

1. Loads the catalog's ``science_city_2022`` boundary, ``streets_towns``,
   ``industrial_communities`` and ``axis_zones`` (``zjgis.layers``; their accuracy
   classes are in ``data/boundaries/PROVENANCE.md``).
2. Places ``--parcels`` rectangles in EPSG:32651: 75 % centred in industrial
   communities, the rest anywhere in the science city; sizes log-normal around
   40 亩 (clipped to 8–250 亩), random orientation; a candidate is dropped if it
   leaves the boundary or comes closer than 20 m to an earlier parcel.
3. Gives each parcel an invented final status (预收储 15 %, 收储 15 %, 储备 25 %,
   供应 15 %, 在建 15 %, 投产 15 %), a land-use code (100101 40 %, 100102 10 %,
   0802 科研 20 %, SH-CYZH 产业综合 15 %, 1101 物流仓储 10 %, 100103 5 %),
   street/town and community by spatial join of its centroid.
4. Builds the register through the public API: each parcel is added as 预收储
   on a date in 2021–2023 and moved step by step to its final status (3–9 months
   per step), so the history and ``as_of`` have something to show.  supply_year is
   the year of the 供应 step, or 2025–2027 for parcels not yet supplied.
5. Writes ``projects.csv`` (60 invented 五个一批 projects) and ``enterprises.csv``
   (invented output/tax of the enterprises on 投产 parcels).

Every name carries 样例 / SAMPLE, every row ``accuracy = sample``.  Nothing is real.
Re-run it when the catalog's boundaries change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry import box

from zjgis import crs, layers
from zjgis.landreserve import STATUSES, Register

OUT = Path(__file__).resolve().parents[1] / "data" / "sample_register"
STATUS_P = [0.15, 0.15, 0.25, 0.15, 0.15, 0.15]
CODES = ["100101", "100102", "0802", "SH-CYZH", "1101", "100103"]
CODE_P = [0.40, 0.10, 0.20, 0.15, 0.10, 0.05]
INDUSTRIES = ["integrated_circuits", "biomedicine", "artificial_intelligence",
              "advanced_manufacturing"]


def _load(name: str) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return layers.load(name)


def _place(rng, n, area, comms):
    placed, tree_geoms = [], []
    area_m = area.to_crs(crs.METRIC).geometry.union_all()
    comm_m = comms.to_crs(crs.METRIC).geometry.to_numpy()
    minx, miny, maxx, maxy = area_m.bounds
    attempts = 0
    while len(placed) < n and attempts < n * 200:
        attempts += 1
        if rng.random() < 0.75:
            c = comm_m[rng.integers(len(comm_m))]
            cx0, cy0, cx1, cy1 = c.bounds
            x, y = rng.uniform(cx0, cx1), rng.uniform(cy0, cy1)
            if not c.contains(shapely.Point(x, y)):
                continue
        else:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        mu = float(np.clip(rng.lognormal(np.log(40), 0.6), 8, 250))
        a = mu * crs.MU_M2
        ratio = rng.uniform(0.5, 1.0)
        w, h = np.sqrt(a / ratio), np.sqrt(a * ratio)
        g = affinity.rotate(box(x - w / 2, y - h / 2, x + w / 2, y + h / 2),
                            rng.uniform(0, 90), origin="center")
        if not area_m.contains(g):
            continue
        if tree_geoms:
            tree = shapely.STRtree(tree_geoms)
            if len(tree.query(g.buffer(20), predicate="intersects")):
                continue
        placed.append(g)
        tree_geoms.append(g)
    return gpd.GeoSeries(placed, crs=crs.METRIC).to_crs(crs.WGS84)


def _join(geoms, polys, column):
    pts = gpd.GeoDataFrame(geometry=geoms.to_crs(crs.METRIC).representative_point())
    j = gpd.sjoin(pts, polys.to_crs(crs.METRIC)[[column, "geometry"]], how="left",
                  predicate="within")
    return j[~j.index.duplicated()][column].reindex(pts.index)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parcels", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20261125)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    area = _load("science_city_2022")
    towns = _load("streets_towns")
    comms = _load("industrial_communities")
    geoms = _place(rng, args.parcels, area, comms)
    n = len(geoms)
    final = rng.choice(len(STATUSES), size=n, p=STATUS_P)
    frame = gpd.GeoDataFrame({
        "parcel_id": [f"SAMPLE-{i + 1:04d}" for i in range(n)],
        "name": [f"样例地块{i + 1:04d}" for i in range(n)],
        "street_town": _join(geoms, towns, "name").to_numpy(),
        "community": _join(geoms, comms, "name").to_numpy(),
        "land_use_code": rng.choice(CODES, size=n, p=CODE_P),
        "status": "pre_acquisition",
        "supply_year": pd.array([pd.NA] * n, dtype="Int64"),
        "owner": "储备机构（样例）",
        "accuracy": "sample",
    }, geometry=geoms.to_numpy(), crs=crs.WGS84)
    start = [dt.date(2021, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 3 * 365, n)]
    # step dates; supply_year = year of the supplied step or a planned year
    steps = []
    supply_year = []
    for i in range(n):
        d = start[i]
        seq = []
        for k in range(1, final[i] + 1):
            d = d + dt.timedelta(days=int(rng.integers(90, 270)))
            seq.append((STATUSES[k], d))
        steps.append(seq)
        sup = [d for s, d in seq if s == "supplied"]
        supply_year.append(sup[0].year if sup else int(rng.integers(2025, 2028)))
    frame["supply_year"] = pd.array(supply_year, dtype="Int64")

    tmpdir = Path(tempfile.mkdtemp(prefix="zjgis_sample_register_"))
    path = tmpdir / "register.gpkg"
    reg = Register.create(path, user="make_sample_register.py", study_area=area)
    order = np.argsort(np.array(start, dtype="datetime64[D]"))
    # add in monthly batches (one transaction each), dated at the batch's first day
    months = pd.Series([s.strftime("%Y-%m") for s in start])
    for month in sorted(months.unique()):
        idx = np.nonzero((months == month).to_numpy())[0]
        reg.add(frame.iloc[idx], date=min(start[i] for i in idx), note="样例数据：批量入库")
    events = sorted((d, i, s) for i in order for s, d in steps[i])
    for d, i, s in events:
        reg.transition(frame["parcel_id"].iloc[i], s, date=d, note="样例数据")
    reg.close()
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("VACUUM")
    con.close()

    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, OUT / "register.gpkg")
    shutil.rmtree(tmpdir)

    # projects (五个一批), invented
    m = 60
    inds = rng.choice(INDUSTRIES, size=m, p=[0.4, 0.3, 0.15, 0.15])
    lo = np.clip(rng.lognormal(np.log(30), 0.6, m), 5, 200).round()
    zone_pref = {"integrated_circuits": "north", "biomedicine": "south",
                 "artificial_intelligence": "middle", "advanced_manufacturing": "middle"}
    projects = pd.DataFrame({
        "project_id": [f"SAMPLE-PRJ-{i + 1:03d}" for i in range(m)],
        "name": [f"样例项目{i + 1:03d}" for i in range(m)],
        "status": rng.choice(["在建", "新建", "储备"], size=m, p=[0.2, 0.4, 0.4]),
        "industry": inds,
        "area_min_mu": lo,
        "area_max_mu": (lo * rng.uniform(1.3, 2.5, m)).round(),
        "preferred_zone": [zone_pref[x] if rng.random() < 0.3 else "" for x in inds],
        "accuracy": "sample",
    })
    projects.to_csv(OUT / "projects.csv", index=False, encoding="utf-8")

    # enterprises on producing parcels, invented output and tax (万元)
    reg = Register(OUT / "register.gpkg", study_area=area)
    prod = reg.parcels(status="in_production")
    reg.close()
    rows = []
    for pid, mu in zip(prod["parcel_id"], prod["area_mu"], strict=True):
        for k in range(int(rng.integers(1, 4))):
            per_mu = rng.lognormal(np.log(600), 0.8)  # 万元/亩, invented
            rows.append({"parcel_id": pid, "enterprise": f"样例企业{pid[-4:]}-{k + 1}",
                         "year": 2025,
                         "output_10k_yuan": round(per_mu * mu / 2, 1),
                         "tax_10k_yuan": round(per_mu * mu / 2 * rng.uniform(0.03, 0.08), 1),
                         "accuracy": "sample"})
    pd.DataFrame(rows).to_csv(OUT / "enterprises.csv", index=False, encoding="utf-8")
    print(f"{n} parcels, {len(events)} transitions, {m} projects, {len(rows)} enterprises "
          f"-> {OUT}")


if __name__ == "__main__":
    main()
