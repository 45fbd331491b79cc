"""Land-reserve benchmarks: bulk add, as_of over 100k changes, plan table, matching."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from _harness import case
from shapely.geometry import Point, box

from zjgis import crs
from zjgis.landreserve import Register, match_projects, plan_table
from zjgis.landreserve.register import STATUSES

X0, Y0 = 350_000.0, 3_440_000.0


def _parcels(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """n non-overlapping ≈ 60 m × 60 m squares on a 100 m lattice (EPSG:32651 → 4326)."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    x, y = X0 + (i % side) * 100.0, Y0 + (i // side) * 100.0
    s = rng.uniform(40, 90, n)
    geoms = [box(a, b, a + w, b + w) for a, b, w in zip(x, y, s, strict=True)]
    return gpd.GeoDataFrame({
        "parcel_id": [f"B{k:06d}" for k in i],
        "street_town": rng.choice(["张江镇", "唐镇", "北蔡镇", "康桥镇", "周浦镇"], n),
        "community": rng.choice([f"C{k:02d}" for k in range(15)], n),
        "land_use_code": rng.choice(["100101", "0802", "SH-CYZH", "1101"], n),
        "status": rng.choice(STATUSES, n),
        "supply_year": rng.integers(2023, 2028, n),
    }, geometry=geoms, crs=crs.METRIC).to_crs(crs.WGS84)


def _fresh(tmp: Path) -> Register:
    return Register.create(tmp / "r.gpkg", study_area=None, overwrite=True)


def setup_add():
    tmp = Path(tempfile.mkdtemp())
    return tmp, _parcels(10_000)


@case("landreserve.add[10k parcels, 1 transaction]", setup=setup_add, target_s=5.0)
def bench_add(arg):
    tmp, parcels = arg
    reg = _fresh(tmp)
    reg.add(parcels, date="2024-01-01")
    n = len(reg)
    reg.close()
    return {"parcels": n}


def setup_history():
    """A register with 10,000 parcels and 100,000 history rows (adds + updates + transitions)."""
    tmp = Path(tempfile.mkdtemp())
    reg = _fresh(tmp)
    p = _parcels(10_000)
    p["status"] = "pre_acquisition"
    reg.add(p, date="2020-01-01")
    # 90,000 further changes written in bulk through SQL with valid snapshots (as the
    # register would write them), so the setup takes seconds instead of 90,000 commits
    snaps = pd.read_sql("SELECT parcel_id, snapshot, before, after FROM history",
                        sqlite3.connect(reg.path))
    rows = []
    import json

    for k in range(9):
        status = STATUSES[(k % 5) + 1]
        day = f"2021-{(k % 12) + 1:02d}-01T00:00:00" if k < 6 else f"2022-{k:02d}-01T00:00:00"
        for pid, snap in zip(snaps["parcel_id"], snaps["snapshot"], strict=True):
            s = json.loads(snap)
            s["status"] = status
            s["updated_at"] = day
            rows.append((pid, "transition", day, day, "bench", None, None, "",
                         json.dumps(s, ensure_ascii=False)))
    con = sqlite3.connect(reg.path)
    con.executemany("INSERT INTO history (parcel_id, action, changed_at, recorded_at, user, "
                    "before, after, note, snapshot) VALUES (?,?,?,?,?,?,?,?,?)", rows)
    con.commit()
    n = con.execute("SELECT count(*) FROM history").fetchone()[0]
    con.close()
    reg.close()
    return tmp / "r.gpkg", n


@case("landreserve.as_of[100k changes]", setup=setup_history, target_s=5.0)
def bench_as_of(arg):
    path, n = arg
    reg = Register(path, study_area=None, check_on_open=False)
    gdf = reg.as_of("2021-06-15")
    reg.close()
    return {"history_rows": n, "parcels": len(gdf)}


def setup_plan():
    p = _parcels(10_000)
    p["area_ha"] = crs.geodesic_area(p)["area_ha"]
    p["area_mu"] = p["area_ha"] * 15
    p["accuracy"] = "sample"
    return p


@case("landreserve.plan_table[10k parcels]", setup=setup_plan, target_s=5.0)
def bench_plan(p):
    t = plan_table(p, 2025)
    return {"rows": len(t)}


def setup_match():
    p = _parcels(10_000)
    p["status"] = np.random.default_rng(1).choice(["reserved", "acquired"], len(p))
    p["area_mu"] = crs.geodesic_area(p)["area_mu"]
    rng = np.random.default_rng(2)
    lo = rng.uniform(2, 8, 1000).round(1)
    projects = pd.DataFrame({
        "project_id": [f"J{k:04d}" for k in range(1000)],
        "status": rng.choice(["新建", "储备"], 1000),
        "industry": rng.choice(["integrated_circuits", "biomedicine",
                                "artificial_intelligence"], 1000),
        "area_min_mu": lo, "area_max_mu": lo * 1.8,
    })
    minx, miny, maxx, maxy = p.to_crs(crs.METRIC).total_bounds
    midy = (miny + maxy) / 2
    comm = gpd.GeoDataFrame({"name": ["W", "E"], "industries": ["integrated_circuits",
                                                               "biomedicine;artificial_intelligence"]},
                            geometry=[box(minx, miny, (minx + maxx) / 2, maxy),
                                      box((minx + maxx) / 2, miny, maxx, maxy)],
                            crs=crs.METRIC)
    zones = gpd.GeoDataFrame({"zone": ["north", "south"]},
                             geometry=[box(minx, midy, maxx, maxy), box(minx, miny, maxx, midy)],
                             crs=crs.METRIC)
    stations = gpd.GeoDataFrame(geometry=[Point(x, y) for x in np.linspace(minx, maxx, 6)
                                          for y in np.linspace(miny, maxy, 6)], crs=crs.METRIC)
    return projects, p, dict(communities=comm, axis_zones=zones, stations=stations)


@case("landreserve.match_projects[10k parcels x 1k projects]", setup=setup_match, target_s=5.0)
def bench_match(arg):
    projects, parcels, layers = arg
    r = match_projects(projects, parcels, **layers)
    return {"matched": len(r.assignments), "unmatched": len(r.unmatched_projects)}
