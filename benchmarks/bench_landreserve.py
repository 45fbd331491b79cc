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


# ---------------------------------------------------------------------- crash safety
# Not speed: these cases re-measure the register's robustness figures (issue 18):
# writers killed mid-write (rows lost, half-written states, hot journals left and
# recovered on open) and concurrent writers (updates lost).  Figures in the result.
_WRITER = r"""
import sys, random
from zjgis.landreserve import Register
sys.path.insert(0, {bench!r})
from bench_landreserve import _parcels
mode, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
reg = Register({path!r}, study_area=None, timeout_s=120, check_on_open=False)
if mode == "crash":
    reg._con.execute("PRAGMA cache_size = %d" % rng.choice([5, 50, 2000]))
    print("ready", flush=True)
    k = 0
    while True:
        batch = _parcels(rng.choice([1, 20, 200]), seed=seed * 1000 + k)
        batch["parcel_id"] = [f"S{{seed}}-{{k}}-{{i}}" for i in range(len(batch))]
        batch["status"] = "pre_acquisition"
        batch = batch.set_geometry(batch.geometry.translate(0.02 * (k + 1), 0.02 * (seed + 1)))
        reg.add(batch, date="2024-01-01")
        for pid in batch["parcel_id"][:3]:
            reg.transition(pid, "acquired", date="2024-02-01")
            reg.update(pid, {{"owner": f"o{{k}}"}}, date="2024-02-02")
        k += 1
else:
    n_edits = int(sys.argv[3])
    mine = [p for p in reg.parcels()["parcel_id"] if p.startswith(mode)]
    done = 0
    while done < n_edits:
        pid = mine[done % len(mine)]
        reg.update(pid, {{"owner": f"{{mode}}-{{done}}"}}, date="2024-06-01")
        done += 1
    print(done, flush=True)
"""


_KILLS = 60


def _is_hot(journal: Path) -> bool:
    return journal.exists() and journal.read_bytes()[:8] == bytes.fromhex("d9d505f920a163d7")


def _writer_setup(ids: list[str], seed: int) -> tuple[Path, Path]:
    """A register holding parcels ``ids`` and the writer script that edits it."""
    tmp = Path(tempfile.mkdtemp())
    reg = _fresh(tmp)
    base = _parcels(len(ids), seed=seed)
    base["parcel_id"] = ids
    reg.add(base, date="2023-01-01")
    reg.close()
    script = tmp / "writer.py"
    script.write_text(_WRITER.format(bench=str(Path(__file__).parent), path=str(tmp / "r.gpkg")))
    return tmp, script


def setup_crash():
    return _writer_setup([f"BASE{k}" for k in range(50)], seed=99)


@case("landreserve.crash_safety[60 SIGKILLs]", setup=setup_crash,
      note="robustness figures, not speed: rows lost, half-written states, hot journals")
def bench_crash(arg):
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    import pyogrio

    tmp, script = arg
    path = tmp / "r.gpkg"
    journal = Path(str(path) + "-journal")
    rng = random.Random(20261201)
    lost = half = hot = refused_read_only = read_after_open = died_early = 0
    kills = _KILLS
    for k in range(kills):
        reg = Register(path, study_area=None, check_on_open=False)
        before = set(reg.parcels()["parcel_id"])
        reg.close()
        proc = subprocess.Popen([sys.executable, str(script), "crash", str(k)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 2.0))
        died_early += proc.poll() is not None  # a writer that failed on its own
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        if _is_hot(journal):
            hot += 1
            try:
                pyogrio.read_dataframe(path, layer="parcels")
            except Exception:  # noqa: BLE001 - "attempt to write a readonly database"
                refused_read_only += 1
        reg = Register(path, study_area=None, check_on_open=False)
        rows = reg.parcels()
        after = set(rows["parcel_id"])
        lost += len(before - after)
        # half-written: a parcel row without its history, or a history add without its row
        last = {pid for pid, action, _ in reg._store.latest_changes() if action != "remove"}
        half += len(after ^ last) + int(rows["parcel_id"].duplicated().sum())
        reg.close()
        try:
            pyogrio.read_dataframe(path, layer="parcels")
            read_after_open += 1
        except Exception:  # noqa: BLE001
            pass
    return {"kills": kills, "writers_died_before_kill": died_early, "rows_lost": lost,
            "half_written": half, "hot_journals": hot,
            "hot_refused_read_only_before_open": refused_read_only,
            "read_only_ok_after_zjgis_open": read_after_open,
            "parcels_at_end": len(after)}


def setup_concurrent():
    return _writer_setup([f"{w}{k:02d}" for w in "ABCD" for k in range(10)], seed=7)


@case("landreserve.concurrent_writers[4 x 600 edits]", setup=setup_concurrent,
      note="robustness figures, not speed: updates lost among concurrent writers")
def bench_concurrent(arg):
    import subprocess
    import sys

    tmp, script = arg
    edits = 600
    procs = [subprocess.Popen([sys.executable, str(script), w, "0", str(edits)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in "ABCD"]
    reported = 0
    failed = 0
    for p in procs:
        out, err = p.communicate(timeout=3600)
        failed += p.returncode != 0
        reported += int(out.strip() or 0)
    reg = Register(tmp / "r.gpkg", study_area=None, check_on_open=False)
    h = reg.history()
    recorded = int((h["action"] == "update").sum())
    # each writer's last owner value must be the one stored
    rows = reg.parcels().set_index("parcel_id")
    stale = 0
    for w in "ABCD":
        last_by_pid = {}
        for k in range(edits):
            last_by_pid[f"{w}{k % 10:02d}"] = f"{w}-{k}"
        stale += sum(rows.loc[pid, "owner"] != v for pid, v in last_by_pid.items())
    problems = len(reg.check())
    reg.close()
    return {"writers": 4, "edits": 4 * edits, "edits_done": reported,
            "lost": 4 * edits - recorded, "stale_rows": stale, "failed_writers": failed,
            "check_problems": problems}
