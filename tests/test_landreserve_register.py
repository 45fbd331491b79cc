"""Register: GeoPackage layout, lifecycle, history, as_of, validation, crash safety, locking."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely import affinity
from shapely.geometry import Point, Polygon, box

from zjgis import crs
from zjgis.errors import (
    CRSError,
    DataQualityWarning,
    LifecycleError,
    RegisterBusyError,
    ValidationError,
    WriteError,
)
from zjgis.landreserve import STATUS_ZH, Register, land_use_name, land_use_table
from zjgis.landreserve.landuse import LAND_USE, SHANGHAI_MIXED_INDUSTRIAL, normalize_code

sys.path.insert(0, str(Path(__file__).parent))
from _landreserve_helpers import cell, parcels, study_area  # noqa: E402

TESTS = Path(__file__).parent


@pytest.fixture
def reg(tmp_path):
    r = Register.create(tmp_path / "r.gpkg", study_area=study_area(), user="tester")
    yield r
    r.close()


# ------------------------------------------------------------------ land-use codes
@pytest.mark.parametrize("code, name", [
    ("1001", "工业用地"), ("100101", "一类工业用地"), ("100102", "二类工业用地"),
    ("100103", "三类工业用地"), ("11", "仓储用地"), ("1101", "物流仓储用地"),
    ("1102", "储备库用地"), ("0802", "科研用地"), ("08", "公共管理与公共服务用地"),
    ("0903", "娱乐用地"), ("1207", "城镇村道路用地"), ("10", "工矿用地"),
])
def test_land_use_codes_of_the_2023_guideline(code, name):
    assert land_use_name(code) == name


def test_shanghai_local_code_is_marked_local_and_unknown_codes_fail():
    table = land_use_table()
    local = table[table["local"]]
    assert list(local["code"]) == [SHANGHAI_MIXED_INDUSTRIAL]
    assert local["name_zh"].iloc[0] == "产业综合用地"
    assert not SHANGHAI_MIXED_INDUSTRIAL.isdigit()
    with pytest.raises(ValidationError, match="unknown land-use code"):
        land_use_name("1004")
    # Excel drops the leading zero of 0802
    assert normalize_code(802) == "0802" and normalize_code("802") == "0802"
    assert table["code"].is_unique and len(LAND_USE) == len(table)


# ------------------------------------------------------------------ layout
def test_register_is_a_geopackage_read_by_gdal(reg):
    reg.add(parcels(6), date="2024-01-10")
    layers = {name for name, _ in pyogrio.list_layers(reg.path)}
    assert {"parcels", "history", "metadata"} <= layers
    gdf = gpd.read_file(reg.path, layer="parcels")
    assert gdf.crs.equals(crs.WGS84)
    for col in ("parcel_id", "name", "street_town", "community", "land_use_code", "land_use",
                "status", "supply_year", "area_m2", "area_ha", "area_mu"):
        assert col in gdf.columns
    assert sorted(gdf["parcel_id"]) == [f"P{k:03d}" for k in range(6)]
    assert (gdf.geometry.geom_type == "MultiPolygon").all()
    meta = dict(pd.read_sql("SELECT key, value FROM metadata",
                            sqlite3.connect(reg.path)).to_numpy())
    assert meta["schema_version"] == "1"
    hist = gpd.read_file(reg.path, layer="history")
    assert len(hist) == 6 and set(hist["action"]) == {"add"}


def test_areas_are_geodesic_in_m2_ha_mu(reg):
    stored = reg.add(parcels(2))
    expected = crs.geodesic_area(parcels(2))
    np.testing.assert_allclose(stored["area_m2"], expected["area_m2"])
    np.testing.assert_allclose(stored["area_ha"], expected["area_m2"] / 1e4)
    np.testing.assert_allclose(stored["area_mu"], expected["area_m2"] * 15 / 10000)
    back = reg.parcels()
    np.testing.assert_allclose(back["area_m2"], expected["area_m2"])


def test_create_refuses_to_overwrite(tmp_path):
    Register.create(tmp_path / "r.gpkg", study_area=None).close()
    with pytest.raises(WriteError, match="exists"):
        Register.create(tmp_path / "r.gpkg", study_area=None)


def test_free_attributes_and_chinese_status_labels(reg):
    p = parcels(1)
    p["status"] = "储备"
    p["investor"] = "某某集团"
    reg.add(p)
    row = reg.get("P000")
    assert row["status"] == "reserved" and row["status_zh"] == STATUS_ZH["reserved"]
    assert json.loads(row["attributes"]) == {"investor": "某某集团"}


# ------------------------------------------------------------------ lifecycle and history
def test_full_lifecycle_and_illegal_transitions(reg):
    p = parcels(1)
    p["status"] = "pre_acquisition"
    reg.add(p, date="2023-01-01")
    steps = ["acquired", "reserved", "supplied", "under_construction", "in_production"]
    for k, step in enumerate(steps):
        reg.transition("P000", step, date=f"2023-0{k + 2}-01", note=f"step {k}")
    assert reg.get("P000")["status"] == "in_production"
    with pytest.raises(LifecycleError, match="in_production"):
        reg.transition("P000", "reserved")
    h = reg.history("P000")
    assert list(h["action"]) == ["add"] + ["transition"] * 5
    assert h["before"].iloc[1]["status"] == "pre_acquisition"
    assert h["after"].iloc[1]["status"] == "acquired"
    assert (h["user"] == "tester").all() and h["note"].iloc[3] == "step 2"


@pytest.mark.parametrize("start, to", [("reserved", "in_production"), ("acquired",
                                       "pre_acquisition"), ("reserved", "reserved"),
                                       ("pre_acquisition", "supplied")])
def test_illegal_transition_raises_and_writes_nothing(reg, start, to):
    p = parcels(1)
    p["status"] = start
    reg.add(p)
    n_hist = len(reg.history())
    with pytest.raises(LifecycleError, match="cannot go from"):
        reg.transition("P000", to)
    assert reg.get("P000")["status"] == start
    assert len(reg.history()) == n_hist


def test_unknown_status_and_out_of_order_dates(reg):
    reg.add(parcels(3), date="2024-05-01")
    with pytest.raises(LifecycleError, match="unknown status"):
        reg.transition("P001", "sold")
    with pytest.raises(LifecycleError, match="earlier than its last"):
        reg.transition("P001", "reserved", date="2024-04-01")
    with pytest.raises(ValidationError, match="no parcel"):
        reg.transition("NOPE", "reserved")


def test_update_records_before_after_and_refuses_status(reg):
    reg.add(parcels(2), date="2024-01-01")
    reg.update("P000", {"name": "新名称", "land_use_code": "100102"}, date="2024-02-01",
               note="rename")
    row = reg.get("P000")
    assert row["name"] == "新名称" and row["land_use"] == "二类工业用地"
    h = reg.history("P000").iloc[-1]
    assert h["action"] == "update"
    assert h["before"]["name"] == "样例地块0" and h["after"]["name"] == "新名称"
    assert h["before"]["land_use_code"] == "100101"
    with pytest.raises(LifecycleError, match="transition"):
        reg.update("P000", {"status": "supplied"})
    # a geometry change that overlaps the neighbour is rejected
    with pytest.raises(ValidationError, match="overlaps"):
        reg.update("P000", {"geometry": cell(1, 0).buffer(0.001)})


def test_as_of_rebuilds_past_states(reg):
    p = parcels(3)
    p["status"] = "acquired"
    reg.add(p.iloc[:2], date="2024-01-01")
    reg.add(p.iloc[2:], date="2024-06-01")
    reg.transition("P000", "reserved", date="2024-03-01")
    reg.update("P001", {"name": "改名"}, date="2024-04-01")
    reg.transition("P000", "supplied", date="2024-09-01")
    reg.remove("P001", date="2024-10-01")

    def state(date):
        s = reg.as_of(date)
        return dict(zip(s["parcel_id"], zip(s["status"], s["name"], strict=True), strict=True))

    assert state("2023-12-31") == {}
    assert state("2024-01-01") == {"P000": ("acquired", "样例地块0"),
                                   "P001": ("acquired", "样例地块1")}
    assert state("2024-03-15") == {"P000": ("reserved", "样例地块0"),
                                   "P001": ("acquired", "样例地块1")}
    assert state("2024-07-01") == {"P000": ("reserved", "样例地块0"),
                                   "P001": ("acquired", "改名"), "P002": ("acquired", "样例地块2")}
    assert state("2025-01-01") == {"P000": ("supplied", "样例地块0"),
                                   "P002": ("acquired", "样例地块2")}
    now = reg.as_of("2030-01-01")
    cur = reg.parcels()
    assert sorted(now["parcel_id"]) == sorted(cur["parcel_id"])
    assert now.geometry.geom_equals(cur.set_index("parcel_id").loc[now["parcel_id"]]
                                    .geometry.reset_index(drop=True)).all()


# ------------------------------------------------------------------ validation on add
def test_rejections_name_every_parcel_and_write_nothing(reg):
    reg.add(parcels(2))
    bad = parcels(8, start=2)
    bad.loc[0, "parcel_id"] = "P000"  # already registered
    bad.loc[1, "parcel_id"] = bad.loc[2, "parcel_id"]  # duplicate within input
    bad.loc[3, "geometry"] = Polygon([(121.59, 31.19), (121.595, 31.195), (121.595, 31.19),
                                      (121.59, 31.195)])  # bow-tie
    bad.loc[4, "land_use_code"] = "9999"
    bad.loc[5, "status"] = "sold"
    bad.loc[6, "geometry"] = box(121.70, 31.30, 121.71, 31.31)  # outside the study area
    bad.loc[7, "geometry"] = cell(7, 0).union(cell(1, 0).buffer(-0.0005))  # overlaps P001
    with pytest.raises(ValidationError) as info:
        reg.add(bad)
    reasons = info.value.problems
    text = " | ".join(f"{r.parcel_id}: {r.reason}" for r in reasons.itertuples())
    assert "P000: parcel_id already in the register" in text
    assert "duplicate parcel_id" in text
    assert "P005: invalid geometry" in text and "Self-intersection" in text
    assert "P006: unknown land use '9999'" in text
    assert "P007: unknown status 'sold'" in text
    assert "P008: outside the study area" in text
    assert "P009: overlaps registered parcel P001" in text
    assert len(reg) == 2 and len(reg.history()) == 2


def test_slivers_below_tolerance_are_accepted(tmp_path):
    r = Register.create(tmp_path / "s.gpkg", study_area=None, sliver_m2=5.0)
    a = box(121.6, 31.2, 121.601, 31.201)
    b = box(121.601 - 1e-6, 31.2, 121.602, 31.201)  # ≈ 0.1 m × 111 m ≈ 10 m² -> too much
    c = box(121.601 - 2e-7, 31.2, 121.602, 31.201)  # ≈ 0.02 m × 111 m ≈ 2 m² -> sliver
    base = dict(land_use_code="1001", status="reserved")
    r.add(gpd.GeoDataFrame([dict(parcel_id="A", **base)], geometry=[a], crs=4326))
    with pytest.raises(ValidationError, match="overlaps registered parcel A"):
        r.add(gpd.GeoDataFrame([dict(parcel_id="B", **base)], geometry=[b], crs=4326))
    r.add(gpd.GeoDataFrame([dict(parcel_id="C", **base)], geometry=[c], crs=4326))
    assert len(r) == 2


def test_input_in_metric_crs_is_stored_in_wgs84(reg):
    p = parcels(2).to_crs(crs.METRIC)
    reg.add(p)
    back = reg.parcels()
    assert back.crs.equals(crs.WGS84)
    assert back.geometry.iloc[0].buffer(0).equals_exact(parcels(1).geometry.iloc[0], 1e-7) or \
        back.geometry.iloc[0].symmetric_difference(parcels(1).geometry.iloc[0]).area < 1e-12


def test_missing_register_and_bad_input(tmp_path):
    from zjgis.errors import CRSError, ReadError

    with pytest.raises(ReadError, match="Register.create"):
        Register(tmp_path / "nope.gpkg")
    r = Register.create(tmp_path / "r.gpkg", study_area=None)
    with pytest.raises(CRSError):
        r.add(parcels(1).set_crs(None, allow_override=True))
    with pytest.raises(ValidationError, match="lacks column"):
        r.add(parcels(1).drop(columns="status"))


# ------------------------------------------------------------------ import / export
def test_import_reports_accepted_and_rejected(reg, tmp_path):
    reg.add(parcels(1))
    src = parcels(4, start=1)
    src.loc[1, "land_use_code"] = "0000"
    src.loc[2, "geometry"] = cell(0, 0)  # overlaps P000
    table = pd.DataFrame(src.drop(columns="geometry"))
    table["wkt"] = src.geometry.to_wkt()
    xlsx = tmp_path / "in.xlsx"
    table.to_excel(xlsx, index=False)
    with pytest.raises(CRSError, match="source_crs"):  # a table carries no CRS (io policy)
        reg.import_parcels(xlsx)
    assert len(reg) == 1
    report = reg.import_parcels(xlsx, source_crs="WGS-84")
    assert sorted(report.accepted["parcel_id"]) == ["P001", "P004"]
    assert list(report.rejected["parcel_id"]) == ["P002", "P003"]
    first = report.rejected["reason"].iloc[0]
    assert "unknown land" in first and "'0000'" in first
    assert "overlaps registered parcel P000" in report.rejected["reason"].iloc[1]
    assert len(reg) == 3
    # GeoPackage round trip through export/import
    out = tmp_path / "export.gpkg"
    reg.export(out)
    other = Register.create(tmp_path / "other.gpkg", study_area=None)
    rep2 = other.import_parcels(out)
    assert len(rep2.accepted) == 3 and rep2.rejected.empty
    with pytest.raises(WriteError):
        reg.export(out)
    reg.export(tmp_path / "export.xlsx")


# ------------------------------------------------------------------ re-validation on open
def test_reopen_reports_edits_made_outside_zjgis(reg):
    reg.add(parcels(3), date="2024-01-01")
    path = reg.path
    reg.close()
    con = sqlite3.connect(path)
    con.execute("UPDATE parcels SET status = 'sold' WHERE parcel_id = 'P000'")
    con.execute("UPDATE parcels SET parcel_id = 'P002' WHERE parcel_id = 'P001'")
    con.commit()
    con.close()
    with pytest.warns(DataQualityWarning, match="problem"):
        r2 = Register(path, study_area=None)
    text = " | ".join(f"{r.parcel_id}: {r.problem}" for r in r2.problems.itertuples())
    assert "P000: unknown status 'sold'" in text
    assert "duplicate parcel_id" in text
    assert "status changed outside zjgis" in text
    r2.close()


# ------------------------------------------------------------------ crash safety and locking
WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from _landreserve_helpers import parcels
    from zjgis.landreserve import register as R
    reg = R.Register({path!r}, study_area=None, timeout_s=30)
    mode = sys.argv[1]
    if mode == "crash":
        reg._con.execute("PRAGMA cache_size = 5")  # pages reach the file: a hot journal
        original = R.Register._insert_rows
        def slow_insert(self, con, stored):
            original(self, con, stored)
            print("inserted", flush=True)
            time.sleep(60)
        R.Register._insert_rows = slow_insert
        reg.add(parcels(400, prefix="K", start=100))
    else:
        prefix = mode
        for k in range(8):
            reg.add(parcels(1, prefix=prefix, start=k + (0 if prefix == "A" else 50)))
            reg.transition(f"{{prefix}}{{k + (0 if prefix == 'A' else 50):03d}}", "reserved") \\
                if (k + (0 if prefix == "A" else 50)) % 6 == 1 else None
        print("done", flush=True)
""")


def _script(tmp_path, path):
    s = tmp_path / "writer.py"
    s.write_text(WRITER.format(tests=str(TESTS), path=str(path)))
    return s


def test_killed_writer_leaves_register_unchanged(tmp_path):
    path = tmp_path / "r.gpkg"
    r = Register.create(path, study_area=None)
    r.add(parcels(3, prefix="Z", start=90))
    before = r.parcels()
    r.close()
    proc = subprocess.Popen([sys.executable, str(_script(tmp_path, path)), "crash"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "inserted"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
    r2 = Register(path, study_area=None)
    after = r2.parcels()
    assert len(after) == 3
    pd.testing.assert_frame_equal(pd.DataFrame(after.drop(columns="geometry")),
                                  pd.DataFrame(before.drop(columns="geometry")))
    assert len(r2.history()) == 3
    assert r2.problems.empty
    r2.add(parcels(1))  # still writable
    r2.close()


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "r.gpkg"
    Register.create(path, study_area=None).close()
    script = _script(tmp_path, path)
    procs = [subprocess.Popen([sys.executable, str(script), p], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for p in ("A", "B")]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    r = Register(path, study_area=None)
    ids = sorted(r.parcels()["parcel_id"])
    assert ids == [f"A{k:03d}" for k in range(8)] + [f"B{k:03d}" for k in range(50, 58)]
    h = r.history()
    assert (h["action"] == "add").sum() == 16
    expected_transitions = sum(1 for k in list(range(8)) + list(range(50, 58)) if k % 6 == 1)
    assert (h["action"] == "transition").sum() == expected_transitions
    r.close()


def test_busy_register_raises_after_timeout(tmp_path):
    path = tmp_path / "r.gpkg"
    r = Register.create(path, study_area=None, timeout_s=0.3)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.monotonic()
        with pytest.raises(RegisterBusyError, match="busy"):
            r.add(parcels(1))
        assert time.monotonic() - t0 >= 0.25
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    r.add(parcels(1))
    assert len(r) == 1
    r.close()


def test_unloadable_study_area_raises_instead_of_switching_the_check_off(tmp_path, monkeypatch):
    # a parcel in Beijing was once accepted into a Zhangjiang register because the
    # default study area failed to load and the check was switched off with a log line
    from zjgis import layers
    from zjgis.errors import ReadError

    def broken(name, *args, **kwargs):
        raise ReadError(f"{name}: catalog file missing")

    Register.create(tmp_path / "r.gpkg", study_area=None).close()
    monkeypatch.setattr(layers, "load", broken)
    with pytest.raises(ReadError, match="study_area=None"):
        Register(tmp_path / "r.gpkg")
    with pytest.raises(ReadError, match="cannot be loaded"):
        Register(tmp_path / "r.gpkg", study_area="no_such_layer", check_on_open=False).add(
            parcels(1))
    # switched off on purpose: accepted
    r = Register(tmp_path / "r.gpkg", study_area=None)
    r.add(parcels(1))
    assert len(r) == 1
    r.close()


def test_default_study_area_refuses_a_parcel_in_beijing(tmp_path):
    r = Register.create(tmp_path / "r.gpkg")
    assert r.study_area is not None and r.study_area.geom_type in ("Polygon", "MultiPolygon")
    beijing = gpd.GeoDataFrame({"parcel_id": ["BJ1"], "land_use_code": ["100101"],
                                "status": ["reserved"]},
                               geometry=[box(116.39, 39.90, 116.40, 39.91)], crs=4326)
    with pytest.raises(ValidationError, match="BJ1: outside the study area"):
        r.add(beijing)
    assert len(r) == 0
    r.close()


def test_point_geometry_is_rejected(reg):
    p = parcels(1)
    p.loc[0, "geometry"] = Point(121.6, 31.2)
    with pytest.raises(ValidationError, match="not a polygon"):
        reg.add(p)


def _schematic_area() -> gpd.GeoDataFrame:
    sa = study_area()
    sa.attrs.update(layer="science_city_2022", accuracy="schematic")
    return sa


def test_outside_a_schematic_study_area_says_how_to_relax_the_check(tmp_path):
    path = tmp_path / "r.gpkg"
    Register.create(path, study_area=_schematic_area()).close()
    reg = Register(path, study_area=_schematic_area())
    p = parcels(2)
    p.loc[1, "geometry"] = affinity.translate(p.loc[1, "geometry"], xoff=0.05)  # ≈ 1.3 km out
    with pytest.raises(ValidationError) as info:
        reg.add(p)
    msg = str(info.value)
    assert "P001: outside the study area science_city_2022 (schematic boundary) by" in msg
    assert "SCHEMATIC boundary" in msg and "study_area=None" in msg and "--no-study-area" in msg
    suggested = float(re.search(r"study_area_buffer_m=(\d+)", msg).group(1))
    beyond = float(re.search(r"reaching ([\d,]+) m beyond", msg).group(1).replace(",", ""))
    assert beyond < suggested <= beyond + 100 and suggested % 50 == 0
    assert "wrong place" not in msg  # ≈ 1 km out: an edge case
    assert len(reg) == 0
    reg.close()
    # the suggested tolerance accepts the parcel; the check off accepts it too
    with Register(path, study_area=_schematic_area(), study_area_buffer_m=suggested) as relaxed:
        assert len(relaxed.add(p)) == 2
    # an official boundary is not called schematic
    official = study_area()
    official.attrs.update(layer="official_boundary", accuracy="official")
    r2 = Register.create(tmp_path / "o.gpkg", study_area=official)
    with pytest.raises(ValidationError) as info:
        r2.add(p)
    assert "SCHEMATIC" not in str(info.value) and "study_area_buffer_m=" in str(info.value)
    r2.close()


def test_import_report_and_cli_carry_the_study_area_hint(tmp_path, capsys):
    pytest.importorskip("zjgis.layers")
    from zjgis.cli.main import main

    src = parcels(2)
    src["geometry"] = [box(121.95, 31.05, 121.955, 31.055), box(121.96, 31.05, 121.965, 31.055)]
    src_path = tmp_path / "far.gpkg"
    src.to_file(src_path, layer="far")
    reg_path = tmp_path / "R.gpkg"
    # the default study area: the catalog's schematic science_city_2022
    assert main(["reserve", "import", str(src_path), "--register", str(reg_path),
                 "--create"]) == 1
    out = capsys.readouterr().out
    assert "science_city_2022 is a SCHEMATIC boundary" in out
    assert "--study-area-buffer-m" in out and "--no-study-area" in out
    assert "more likely in the wrong place" in out  # ~30 km out: misplaced, not an edge case
    suggested = re.search(r"--study-area-buffer-m (\d+)", out).group(1)
    assert not reg_path.exists()  # nothing imported: the register made for it is gone
    assert main(["reserve", "import", str(src_path), "--register", str(reg_path),
                 "--create", "--study-area-buffer-m", suggested]) == 0
    with Register(reg_path, study_area=None) as reg:
        assert len(reg) == 2
