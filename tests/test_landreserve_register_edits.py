"""A register edited outside zjgis (QGIS, DB Browser, a script), crash leftovers, areas.

Every edit is made with plain sqlite3 or pyogrio the way QGIS makes it; each case
must end in a zjgis error or a ``check()`` finding that names what was edited and
how to repair it, and no stored row may be lost.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.polygon import orient

from zjgis.errors import DataQualityWarning, RegisterBusyError, ValidationError
from zjgis.landreserve import STATUS_ZH, Register

sys.path.insert(0, str(Path(__file__).parent))
from _landreserve_helpers import LAT0, LON0, parcels  # noqa: E402


@pytest.fixture
def path(tmp_path):
    r = Register.create(tmp_path / "r.gpkg", study_area=None, user="tester")
    r.add(parcels(4), date="2024-01-01")
    r.close()
    return tmp_path / "r.gpkg"


def _sql(path, *statements):
    con = sqlite3.connect(path)
    for st in statements:
        con.execute(st)
    con.commit()
    con.close()


def _fids(path):
    con = sqlite3.connect(path)
    rows = dict(con.execute("SELECT parcel_id, fid FROM parcels").fetchall())
    n = con.execute("SELECT count(*) FROM parcels").fetchone()[0]
    con.close()
    return rows, n


def _cols():
    con_cols = ("geom, parcel_id, name, street_town, community, land_use_code, land_use, "
                "status, supply_year, area_m2, area_ha, area_mu, owner, accuracy, attributes, "
                "updated_at")
    return con_cols


# ------------------------------------------------------------------ a copied row
def test_copied_row_is_named_by_check_and_transition_refuses_with_the_repair(path):
    # QGIS copy/paste of a feature: the same parcel_id twice, a new fid
    _sql(path, f"INSERT INTO parcels ({_cols()}) SELECT {_cols()} FROM parcels "
               "WHERE parcel_id = 'P001'")
    _, n_before = _fids(path)
    with pytest.warns(DataQualityWarning, match="duplicate parcel_id P001"):
        r = Register(path, study_area=None)
    finding = r.problems[r.problems["parcel_id"] == "P001"]["problem"].str.cat(sep=" | ")
    assert "stored 2 times (fid 2, 5)" in finding and "Delete the extra copies" in finding
    for call in (lambda: r.transition("P001", "reserved"),
                 lambda: r.update("P001", {"owner": "x"}),
                 lambda: r.remove("P001")):
        with pytest.raises(ValidationError, match=r"P001.*stored 2 times \(fid 2, 5\)"):
            call()
    # the other parcels still work, nothing was lost
    assert r.transition("P000", "acquired")["status"] == "acquired"
    assert len(r) == n_before == 5
    r.close()
    # repaired as the message says: the copy deleted in QGIS
    _sql(path, "DELETE FROM parcels WHERE fid = 5")
    r = Register(path, study_area=None)
    assert r.problems.empty
    assert r.transition("P001", "reserved")["status"] == "reserved"
    r.close()


def test_copied_row_made_with_pyogrio_is_found(path):
    gdf = pyogrio.read_dataframe(path, layer="parcels")
    pyogrio.write_dataframe(gdf.iloc[[2]], path, layer="parcels", append=True)
    with pytest.warns(DataQualityWarning, match="duplicate parcel_id P002"):
        r = Register(path, study_area=None)
    with pytest.raises(ValidationError, match="P002"):
        r.transition("P002", "supplied")
    assert len(r) == 5
    r.close()


# ------------------------------------------------------------------ a deleted geometry
def test_deleted_geometry_is_found_and_as_of_still_works(path):
    _sql(path, "UPDATE parcels SET geom = NULL WHERE parcel_id = 'P002'")
    with pytest.warns(DataQualityWarning, match="P002: missing or empty geometry"):
        r = Register(path, study_area=None)
    r.transition("P002", "supplied", date="2024-02-01")
    snap = r.as_of("2024-03-01")
    assert len(snap) == 4
    row = snap.set_index("parcel_id").loc["P002"]
    assert row.geometry is None and row["status"] == "supplied"
    before = r.as_of("2024-01-15").set_index("parcel_id").loc["P002"]
    assert before.geometry is not None and before.geometry.area > 0
    assert len(r) == 4
    r.close()


# ------------------------------------------------------------------ attributes edited outside
@pytest.mark.parametrize("column, value", [
    ("owner", "'某公司'"), ("accuracy", "'official'"), ("name", "'改名'"),
    ("supply_year", "2031"), ("attributes", "'{\"note\": \"QGIS\"}'"),
])
def test_attribute_changed_outside_zjgis_is_noticed(path, column, value):
    _sql(path, f"UPDATE parcels SET {column} = {value} WHERE parcel_id = 'P003'")
    with pytest.warns(DataQualityWarning, match=f"P003: {column} changed outside zjgis"):
        r = Register(path, study_area=None)
    assert "not in the history" in r.problems["problem"].iloc[0]
    r.close()


def test_unchanged_register_has_no_findings(path):
    r = Register(path, study_area=None)
    assert r.problems.empty and r.check().empty
    r.update("P003", {"owner": "某公司"})  # through zjgis: recorded, so no finding
    assert r.check().empty
    r.close()


# ------------------------------------------------------------------ identity kept by update
def test_update_keeps_the_feature_id(path):
    fids, n = _fids(path)
    r = Register(path, study_area=None)
    r.update("P001", {"owner": "张江集团", "geometry": box(121.585, 31.183, 121.586, 31.184)})
    r.transition("P001", "reserved")
    r.close()
    after, n_after = _fids(path)
    assert after == fids and n_after == n
    gdf = pyogrio.read_dataframe(path, layer="parcels", fid_as_index=True)
    assert gdf.loc[fids["P001"], "owner"] == "张江集团"


# ------------------------------------------------------------------ a reader holding the file
def test_reader_holding_the_file_past_timeout_gives_register_busy_at_commit(path):
    r = Register(path, study_area=None, timeout_s=0.3)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM parcels").fetchone()  # holds a SHARED lock
    try:
        t0 = time.monotonic()
        with pytest.raises(RegisterBusyError, match="busy"):
            r.add(parcels(1, start=10))
        assert time.monotonic() - t0 >= 0.25
        with pytest.raises(RegisterBusyError):
            r.transition("P000", "acquired")
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert len(r) == 4  # nothing half-written, nothing lost
    r.add(parcels(1, start=10))
    assert r.transition("P000", "acquired")["status"] == "acquired"
    assert len(r) == 5
    r.close()


def test_reading_while_another_program_holds_an_exclusive_lock_gives_register_busy(path):
    r = Register(path, study_area=None, timeout_s=0.3)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        for read in (r.parcels, r.history, r.check, lambda: len(r), lambda: r.as_of("2025-01-01")):
            with pytest.raises(RegisterBusyError, match="busy"):
                read()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(r.parcels()) == 4
    r.close()


# ------------------------------------------------------------------ status label for QGIS
def test_status_label_is_stored_for_qgis(path):
    gdf = pyogrio.read_dataframe(path, layer="parcels")
    assert list(gdf["status_zh"]) == [STATUS_ZH[s] for s in gdf["status"]]
    r = Register(path, study_area=None)
    r.transition("P002", "supplied")
    r.close()
    gdf = pyogrio.read_dataframe(path, layer="parcels").set_index("parcel_id")
    assert gdf.loc["P002", "status_zh"] == "供应（出让）"


def test_older_register_gets_the_status_label_at_its_first_write(path):
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE parcels DROP COLUMN status_zh")
    con.commit()
    con.close()
    assert "status_zh" not in pyogrio.read_info(path, layer="parcels")["fields"]
    r = Register(path, study_area=None)
    assert r.problems.empty
    r.transition("P000", "acquired")
    r.close()
    gdf = pyogrio.read_dataframe(path, layer="parcels").set_index("parcel_id")
    assert gdf.loc["P000", "status_zh"] == "收储" and gdf.loc["P001", "status_zh"] == "收储"
    assert gdf.loc["P002", "status_zh"] == "储备"


# ------------------------------------------------------------------ crash leftovers
def _kill_mid_write(tmp_path, path):
    from test_landreserve_register import _script  # the crash writer of the register tests

    proc = subprocess.Popen([sys.executable, str(_script(tmp_path, path)), "crash"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "inserted"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()


def _is_hot(journal: Path) -> bool:
    """A journal SQLite must roll back: it exists and starts with the journal magic."""
    return journal.exists() and journal.read_bytes()[:8] == bytes.fromhex("d9d505f920a163d7")


def test_opening_a_just_killed_register_recovers_it_for_read_only_readers(tmp_path, path):
    before = pyogrio.read_dataframe(path, layer="parcels")
    _kill_mid_write(tmp_path, path)
    journal = Path(str(path) + "-journal")
    assert _is_hot(journal)  # the killed writer had already written pages to the file
    # GDAL/QGIS open GeoPackages read-only: they cannot roll the journal back
    with pytest.raises(Exception, match="readonly"):
        pyogrio.read_dataframe(path, layer="parcels")
    r = Register(path, study_area=None)  # opening with zjgis rolls it back
    assert len(r) == 4 and r.problems.empty
    r.close()
    assert not _is_hot(journal)
    after = pyogrio.read_dataframe(path, layer="parcels")  # read-only works again
    assert sorted(after["parcel_id"]) == sorted(before["parcel_id"])


# ------------------------------------------------------------------ areas and ring orientation
def _geod_area(geom) -> float:
    """Reference area: pyproj directly, on a copy with the standard orientation."""
    geod = Geod(ellps="WGS84")
    parts = geom.geoms if hasattr(geom, "geoms") else [geom]
    return float(sum(abs(geod.geometry_area_perimeter(orient(p, 1.0))[0]) for p in parts))


def _square(x, y, d=0.01, *, ccw=True):
    ring = [(x, y), (x + d, y), (x + d, y + d), (x, y + d)]
    return Polygon(ring if ccw else ring[::-1])


ORIENTED = {
    "ccw": _square(LON0, LAT0),
    "cw": _square(LON0, LAT0, ccw=False),
    "hole_same_way": Polygon(list(_square(LON0, LAT0).exterior.coords),
                             [list(_square(LON0 + 0.003, LAT0 + 0.003, 0.004).exterior.coords)]),
    "multi_mixed": MultiPolygon([_square(LON0, LAT0), _square(LON0 + 0.02, LAT0, ccw=False)]),
}


@pytest.mark.parametrize("case", sorted(ORIENTED))
def test_register_area_does_not_depend_on_ring_orientation(tmp_path, case):
    geom = ORIENTED[case]
    assert geom.is_valid
    expected = _geod_area(geom)
    r = Register.create(tmp_path / "r.gpkg", study_area=None)
    frame = gpd.GeoDataFrame({"parcel_id": ["A"], "land_use_code": ["100101"],
                              "status": ["reserved"]}, geometry=[geom], crs=4326)
    stored = r.add(frame)
    assert stored["area_m2"].iloc[0] == pytest.approx(expected, rel=1e-9)
    assert stored["area_mu"].iloc[0] == pytest.approx(expected / (10000 / 15), rel=1e-9)
    assert r.check().empty
    r.close()


def test_check_flags_stored_areas_that_disagree_with_the_geometry(path):
    # an area typed over in QGIS, and a geometry edited without its area (scaled ×2 in x)
    r = Register(path, study_area=None)
    g = r.get("P001").geometry
    r.close()
    wider = shapely.affinity.scale(g, xfact=2.0, origin=(g.bounds[0], g.bounds[1]))
    _sql(path, "UPDATE parcels SET area_m2 = area_m2 * 1.01 WHERE parcel_id = 'P000'")
    gdf = pyogrio.read_dataframe(path, layer="parcels", fid_as_index=True)
    fid = int(gdf.index[gdf["parcel_id"] == "P001"][0])
    con = sqlite3.connect(path)
    from zjgis.landreserve._gpkg import to_blobs

    con.execute("UPDATE parcels SET geom = ? WHERE fid = ?",
                (to_blobs(np.array([wider], dtype=object))[0], fid))
    con.commit()
    con.close()
    with pytest.warns(DataQualityWarning):
        r = Register(path, study_area=None)
    text = " | ".join(f"{p.parcel_id}: {p.problem}" for p in r.problems.itertuples())
    assert "P000: area_m2" in text and "P001: area_m2" in text
    assert "P001: geometry changed outside zjgis" in text
    # a 0.05 % difference is within the documented tolerance (0.1 % or 1 m²)
    r.close()
    _sql(path, "UPDATE parcels SET area_m2 = area_m2 / 1.01 * 1.0005 WHERE parcel_id = 'P000'")
    r = Register(path, study_area=None, check_on_open=False)
    assert not r.check()["problem"].str.startswith("area_m2").loc[
        r.check()["parcel_id"] == "P000"].any()
    r.close()
