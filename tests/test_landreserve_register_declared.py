"""Issue 11 leftovers: the declared area (面积) as register columns, land-use names in add/update.

Expected figures are hand calculations (1 公顷 = 15 亩 and 1 亩 = 10 000/15 m² by the
definition of the 市亩) and codes from the 2023 用地用海分类指南 (自然资发〔2023〕234号,
附录A: 100101 一类工业用地, 0802 科研用地, 1101 物流仓储用地) and GB 50137-2011
(M1 一类工业用地, A35 科研用地, W1 一类物流仓储用地 → 110101).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from zjgis.errors import DataQualityWarning, ValidationError
from zjgis.landreserve import Register
from zjgis.landreserve.plan import parcel_list

sys.path.insert(0, str(Path(__file__).parent))
from _landreserve_helpers import parcels  # noqa: E402


@pytest.fixture
def reg(tmp_path):
    r = Register.create(tmp_path / "r.gpkg", study_area=None, user="tester")
    yield r
    r.close()


def _sql_types(path):
    con = sqlite3.connect(path)
    try:
        return {r[1]: r[2] for r in con.execute("PRAGMA table_info(parcels)")}
    finally:
        con.close()


# ------------------------------------------------------------------ declared area columns
def test_declared_area_is_stored_as_written_and_in_mu(reg):
    gdf = parcels(4)
    gdf["declared_area"] = [12.5, 0.8, 533.3, None]
    gdf["declared_area_unit"] = ["亩", "公顷", "m²", None]
    reg.add(gdf, date="2024-01-01")
    p = reg.parcels().set_index("parcel_id")
    assert list(p.columns[list(p.columns).index("area_mu") + 1:][:3]) == [
        "declared_area_mu", "declared_area", "declared_area_unit"]
    assert p.loc["P000", "declared_area_mu"] == pytest.approx(12.5)
    assert p.loc["P001", "declared_area_mu"] == pytest.approx(0.8 * 15)  # 1 公顷 = 15 亩
    assert p.loc["P002", "declared_area_mu"] == pytest.approx(533.3 * 15 / 10_000)
    assert (p.loc["P001", "declared_area"], p.loc["P001", "declared_area_unit"]) == (0.8, "ha")
    assert p.loc[["P000", "P002"], "declared_area_unit"].tolist() == ["mu", "m2"]
    assert p.loc["P003", ["declared_area_mu", "declared_area"]].isna().all()
    assert p.loc["P003", "declared_area_unit"] is None
    for pid in p.index:  # nothing about the declared area left in the free attributes
        assert "declared" not in p.loc[pid, "attributes"]
    # the file as QGIS reads it: REAL columns with the figures, NULL where none declared
    types = _sql_types(reg.path)
    assert types["declared_area_mu"] == "REAL" and types["declared_area"] == "REAL"
    raw = pyogrio.read_dataframe(reg.path, layer="parcels").set_index("parcel_id")
    assert raw.loc["P001", "declared_area_mu"] == pytest.approx(12.0)
    assert raw.loc["P003", "declared_area_mu"] != raw.loc["P003", "declared_area_mu"]  # NaN
    # the history snapshot has it too, so as_of rebuilds it
    assert reg.as_of("2024-01-01").set_index("parcel_id").loc[
        "P001", "declared_area_mu"] == pytest.approx(12.0)
    assert reg.history("P001")["after"].iloc[0]["declared_area_mu"] == pytest.approx(12.0)


def test_declared_area_mu_alone_and_figures_with_their_unit(reg):
    gdf = parcels(3)
    gdf["declared_area_mu"] = [7.5, None, None]
    gdf["declared_area"] = [None, "0.8公顷", "1,200 平方米"]
    reg.add(gdf)
    p = reg.parcels().set_index("parcel_id")
    assert p.loc["P000", ["declared_area", "declared_area_mu"]].tolist() == [7.5, 7.5]
    assert p.loc["P000", "declared_area_unit"] == "mu"
    assert p.loc["P001", "declared_area_mu"] == pytest.approx(12.0)
    assert p.loc["P002", "declared_area_mu"] == pytest.approx(1200 * 15 / 10_000)
    assert p.loc["P002", "declared_area_unit"] == "m2"


@pytest.mark.parametrize(("value", "unit", "words"), [
    ("约12", "亩", "not a number"),
    (12.0, None, "names no unit"),
    (-3.0, "亩", ">= 0"),
    (12.0, "furlong", "unknown area unit"),
])
def test_an_unreadable_declared_area_is_refused_naming_the_parcel(reg, value, unit, words):
    gdf = parcels(2)
    gdf["declared_area"] = [value, 1.0]
    gdf["declared_area_unit"] = [unit, "亩"]
    with pytest.raises(ValidationError, match=words) as err:
        reg.add(gdf)
    assert "P000" in str(err.value) and len(reg) == 0


def test_declared_figures_that_disagree_are_refused(reg):
    gdf = parcels(1)
    gdf["declared_area"], gdf["declared_area_unit"], gdf["declared_area_mu"] = 1.0, "ha", 12.0
    with pytest.raises(ValidationError, match="disagrees"):
        reg.add(gdf)
    gdf["declared_area_mu"] = 15.0  # 1 ha is 15 亩: consistent, accepted
    assert reg.add(gdf)["declared_area_mu"].iloc[0] == pytest.approx(15.0)


def test_update_sets_and_clears_the_declared_area_in_the_history(reg):
    gdf = parcels(2)
    gdf["declared_area"], gdf["declared_area_unit"] = [1.0, 2.0], ["公顷", "公顷"]
    reg.add(gdf, date="2024-01-01")
    after = reg.update("P000", {"declared_area_mu": 16.0}, date="2024-02-01")
    # a new figure replaces the old one and its unit entirely
    assert (after["declared_area_mu"], after["declared_area"], after["declared_area_unit"]) == (
        16.0, 16.0, "mu")
    last = reg.history("P000").iloc[-1]
    assert last["before"]["declared_area_mu"] == pytest.approx(15.0)
    assert last["after"]["declared_area_mu"] == pytest.approx(16.0)
    after = reg.update("P000", {"declared_area": 4000, "declared_area_unit": "m2"})
    assert after["declared_area_mu"] == pytest.approx(4000 * 15 / 10_000)
    after = reg.update("P000", {"declared_area_mu": None})
    assert after[["declared_area_mu", "declared_area"]].isna().all()
    assert after["declared_area_unit"] is None
    with pytest.raises(ValidationError, match="unit alone"):
        reg.update("P001", {"declared_area_unit": "亩"})
    assert reg.get("P001")["declared_area_mu"] == pytest.approx(30.0)
    with Register(reg.path, study_area=None) as again:
        assert again.problems.empty


# ------------------------------------------------------------------ an older register
def _make_older_register(path: Path) -> None:
    """A register as the previous zjgis wrote it: the declared area in ``attributes`` only."""
    r = Register.create(path, study_area=None, user="tester")
    r.add(parcels(3), date="2024-01-01")
    r.close()
    declared = {"P000": {"declared_area_mu": 12.0, "declared_area": 0.8,
                         "declared_area_unit": "ha"},
                "P001": {"declared_area_mu": 7.5, "declared_area": 7.5,
                         "declared_area_unit": "mu"},
                # a figure the older import could not read: it kept the text, no 亩
                "P002": {"declared_area": "约12", "declared_area_unit": "mu"}}
    con = sqlite3.connect(path)
    for pid, keys in declared.items():
        (raw,) = con.execute("SELECT attributes FROM parcels WHERE parcel_id = ?",
                             (pid,)).fetchone()
        attrs = json.loads(raw) | keys
        con.execute("UPDATE parcels SET attributes = ? WHERE parcel_id = ?",
                    (json.dumps(attrs, ensure_ascii=False), pid))
    for fid, pid, snap in con.execute("SELECT fid, parcel_id, snapshot FROM history").fetchall():
        rec = json.loads(snap)
        for key in ("declared_area_mu", "declared_area", "declared_area_unit"):
            rec.pop(key, None)
        if pid in declared:
            rec["attributes"] = json.dumps(json.loads(rec["attributes"]) | declared[pid],
                                           ensure_ascii=False)
        con.execute("UPDATE history SET snapshot = ? WHERE fid = ?",
                    (json.dumps(rec, ensure_ascii=False), fid))
    for col in ("declared_area_mu", "declared_area", "declared_area_unit"):
        con.execute(f"ALTER TABLE parcels DROP COLUMN {col}")
    con.commit()
    con.close()


def test_older_register_reads_and_gets_the_columns_at_its_first_write(tmp_path):
    path = tmp_path / "old.gpkg"
    _make_older_register(path)
    assert "declared_area_mu" not in _sql_types(path)
    r = Register(path, study_area=None)
    assert r.problems.empty  # nothing looks edited outside zjgis
    p = r.parcels().set_index("parcel_id")  # read before any write: from attributes
    assert p.loc["P000", "declared_area_mu"] == pytest.approx(12.0)
    assert p.loc["P001", "declared_area_unit"] == "mu"
    assert p["declared_area_mu"].isna().tolist() == [False, False, True]
    assert p.loc["P002", "declared_area_unit"] is None  # nothing readable was declared
    assert json.loads(p.loc["P002", "attributes"])["declared_area_text"] == "约12"
    assert "declared_area_mu" not in _sql_types(path)  # reading does not change the file
    r.transition("P002", "supplied", date="2024-06-01")
    r.close()
    types = _sql_types(path)
    assert types["declared_area_mu"] == "REAL" and types["declared_area_unit"] == "TEXT"
    raw = pyogrio.read_dataframe(path, layer="parcels").set_index("parcel_id")
    assert raw.loc["P000", "declared_area_mu"] == pytest.approx(12.0)
    assert raw.loc["P000", "declared_area"] == pytest.approx(0.8)
    assert raw.loc["P001", "declared_area_mu"] == pytest.approx(7.5)
    assert "declared_area" not in raw.loc["P000", "attributes"]  # moved, not copied
    with Register(path, study_area=None) as again:
        assert again.problems.empty  # the old snapshots are read the same way
        then = again.as_of("2024-01-01").set_index("parcel_id")
        assert then.loc["P000", "declared_area_mu"] == pytest.approx(12.0)
        assert again.update("P001", {"owner": "张江集团"})["declared_area_mu"] == 7.5
        after = again.update("P002", {"owner": "张江集团"})  # the unread text is no obstacle
        assert pd.isna(after["declared_area_mu"]) and "约12" in after["attributes"]
        assert again.check().empty


def test_plan_list_reads_the_column_and_falls_back_to_attributes(reg):
    gdf = parcels(2)
    gdf["declared_area_mu"] = [9.0, None]
    reg.add(gdf)
    listing = parcel_list(reg.parcels()).set_index("parcel_id")
    assert listing.loc["P000", "declared_area_mu"] == 9.0
    assert listing.loc["P000", "declared_area_ha"] == pytest.approx(9.0 / 15)
    # a frame of an older register: no column, the figure in attributes
    old = reg.parcels().drop(columns=["declared_area_mu", "declared_area",
                                      "declared_area_unit"])
    old.loc[1, "attributes"] = json.dumps({"declared_area_mu": 4.5})
    listing = parcel_list(old).set_index("parcel_id")
    assert listing.loc["P001", "declared_area_mu"] == 4.5
    assert listing["declared_area_mu"].isna().tolist() == [True, False]


# ------------------------------------------------------------------ land use by name
@pytest.mark.parametrize(("column", "given", "code"), [
    ("land_use_code", "一类工业用地", "100101"),
    ("land_use_code", "科研用地", "0802"),
    ("land_use_code", "M1", "100101"),
    ("land_use_code", "A35", "0802"),
    ("land_use_code", "W1", "110101"),
    ("land_use", "物流仓储用地", "1101"),
])
def test_add_takes_land_use_names_and_old_codes(reg, column, given, code):
    gdf = parcels(1).drop(columns="land_use_code")
    gdf[column] = given
    stored = reg.add(gdf)
    assert stored["land_use_code"].iloc[0] == code
    assert reg.get("P000")["land_use_code"] == code


def test_an_ambiguous_name_lists_the_classes_and_a_default_picks_one(reg):
    gdf = parcels(2)
    gdf.loc[1, "land_use_code"] = "工业用地"
    with pytest.raises(ValidationError) as err:
        reg.add(gdf)
    text = str(err.value)
    for code, name in (("100101", "一类工业用地"), ("100102", "二类工业用地"),
                       ("100103", "三类工业用地")):
        assert f"{code} {name}" in text
    assert "P001" in text and "land_use_defaults" in text and len(reg) == 0
    stored = reg.add(gdf, land_use_defaults={"工业用地": "100102"})
    assert stored["land_use_code"].tolist() == ["100101", "100102"]


def test_an_unknown_land_use_suggests_the_closest(reg):
    gdf = parcels(1)
    gdf["land_use_code"] = "一类工业用"
    with pytest.raises(ValidationError, match="did you mean '一类工业用地'"):
        reg.add(gdf)
    assert reg.validate(gdf)["problem"].str.contains("unknown land use").all()


def test_update_takes_land_use_names_and_refuses_ambiguity(reg):
    reg.add(parcels(2))
    assert reg.update("P000", {"land_use_code": "科研用地"})["land_use_code"] == "0802"
    after = reg.update("P000", {"land_use": "物流仓储用地"})
    assert (after["land_use_code"], after["land_use"]) == ("1101", "物流仓储用地")
    with pytest.raises(ValidationError, match="100103 三类工业用地"):
        reg.update("P001", {"land_use_code": "工业用地"})
    with pytest.raises(ValidationError, match="not both"):
        reg.update("P001", {"land_use_code": "0802", "land_use": "科研用地"})
    assert reg.get("P001")["land_use_code"] == "0802"  # unchanged by the refusals


@pytest.mark.parametrize("suffix", [".csv", ".gpkg"])
def test_export_and_import_keep_the_declared_area(reg, tmp_path, suffix):
    gdf = parcels(3)
    gdf["declared_area"] = [0.8, None, 12.0]
    gdf["declared_area_unit"] = ["公顷", None, "亩"]
    reg.add(gdf)
    out = reg.export(tmp_path / f"export{suffix}")
    with Register.create(tmp_path / "other.gpkg", study_area=None) as other:
        # the cells are ≈ 235 亩, not the 12 亩 declared: a data-quality warning
        with pytest.warns(DataQualityWarning, match="declared area"):
            report = other.import_parcels(out, source_crs="WGS-84" if suffix == ".csv" else None,
                                          street_towns=None)
        assert report.rejected.empty
        p = other.parcels().set_index("parcel_id")
    assert p.loc["P000", ["declared_area", "declared_area_unit"]].tolist() == [0.8, "ha"]
    assert p.loc["P000", "declared_area_mu"] == pytest.approx(0.8 * 15)
    assert p.loc["P002", "declared_area_mu"] == pytest.approx(12.0)
    assert p.loc["P001", ["declared_area_mu", "declared_area"]].isna().all()


def test_two_programs_on_an_older_register_migrate_it_once(tmp_path):
    path = tmp_path / "old.gpkg"
    _make_older_register(path)
    a = Register(path, study_area=None)
    b = Register(path, study_area=None)
    try:
        b.transition("P002", "supplied", date="2024-06-01")  # b adds the columns
        assert a.get("P000")["declared_area_mu"] == pytest.approx(12.0)  # a reads them
        a.update("P001", {"declared_area_mu": 8.0})  # and writes without adding them again
        assert b.get("P001")["declared_area_mu"] == 8.0
    finally:
        a.close()
        b.close()
    assert _sql_types(path)["declared_area_mu"] == "REAL"


def test_an_older_register_keeps_every_declared_figure_it_held(tmp_path):
    # older Register.add kept the figure and its unit without 亩, or 亩 as text; an older
    # import kept text it could not read with its unit: none of it may be lost at migration
    path = tmp_path / "older.gpkg"
    _make_older_register(path)
    held = {"P000": {"declared_area": 12.5, "declared_area_unit": "亩"},
            "P001": {"declared_area": 0.8, "declared_area_unit": "公顷"},
            "P002": {"declared_area": "约1.2", "declared_area_unit": "ha",
                     "declared_area_mu": "about 18"}}
    con = sqlite3.connect(path)
    for pid, keys in held.items():
        (raw,) = con.execute("SELECT attributes FROM parcels WHERE parcel_id = ?",
                             (pid,)).fetchone()
        attrs = {k: v for k, v in json.loads(raw).items() if not k.startswith("declared")}
        new = json.dumps(attrs | keys, ensure_ascii=False)
        con.execute("UPDATE parcels SET attributes = ? WHERE parcel_id = ?", (new, pid))
        for fid, snap in con.execute("SELECT fid, snapshot FROM history WHERE parcel_id = ?",
                                     (pid,)).fetchall():  # as that zjgis recorded it
            con.execute("UPDATE history SET snapshot = ? WHERE fid = ?",
                        (json.dumps(json.loads(snap) | {"attributes": new},
                                    ensure_ascii=False), fid))
    con.commit()
    con.close()
    with Register(path, study_area=None) as r:
        assert r.problems.empty
        r.update("P002", {"owner": "张江集团"})  # the first write adds the columns
        p = r.parcels().set_index("parcel_id")
        assert "declared_area_mu" in _sql_types(path)
    assert p.loc["P000", "declared_area_mu"] == pytest.approx(12.5)
    assert p.loc["P000", "declared_area_unit"] == "mu"
    assert p.loc["P001", "declared_area_mu"] == pytest.approx(12.0)  # 0.8 公顷 = 12 亩
    assert (p.loc["P001", "declared_area"], p.loc["P001", "declared_area_unit"]) == (0.8, "ha")
    assert pd.isna(p.loc["P002", "declared_area_mu"])
    kept = json.loads(p.loc["P002", "attributes"])
    assert kept["declared_area_text"] == "约1.2"
    assert kept["declared_area_unit_text"] == "ha"
    assert kept["declared_area_mu_text"] == "about 18"


def test_a_refused_write_on_an_older_register_leaves_it_readable_and_writable(tmp_path):
    # the write that would add the columns is refused and rolled back: the register must
    # still know they are not there
    path = tmp_path / "older.gpkg"
    _make_older_register(path)
    with Register(path, study_area=None) as r:
        with pytest.raises(ValidationError):
            r.update("P002", {"land_use_code": "nonsense"})
        assert "declared_area_mu" not in _sql_types(path)
        assert r.parcels().set_index("parcel_id").loc["P000", "declared_area_mu"] == 12.0
        assert r.update("P001", {"owner": "张江集团"})["declared_area_mu"] == 7.5
        assert r.check().empty


def test_update_takes_a_land_use_default_as_add_does(reg):
    reg.add(parcels(1), date="2024-01-01")
    with pytest.raises(ValidationError, match="land_use_defaults"):
        reg.update("P000", {"land_use": "工业用地"})
    after = reg.update("P000", {"land_use": "工业用地"},
                       land_use_defaults={"工业用地": "100103"})
    assert (after["land_use_code"], after["land_use"]) == ("100103", "三类工业用地")


def test_import_reads_units_written_in_the_cells_and_refuses_a_contradicting_unit(reg, tmp_path):
    # a bureau sheet whose 面积 cells say their unit (0.8公顷, 12亩): no --area-unit needed;
    # a header 面积(亩) beside a declared_area_unit column saying 公顷 is refused, named
    gdf = parcels(2)
    table = pd.DataFrame({"地块编号": gdf["parcel_id"], "用地性质": gdf["land_use_code"],
                          "状态": gdf["status"], "面积": ["0.8公顷", "12亩"],
                          "wkt": gdf.geometry.to_wkt()})
    path = tmp_path / "地块.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.warns(DataQualityWarning, match="declared area"):
        report = reg.import_parcels(path, source_crs="WGS-84", street_towns=None)
    assert report.rejected.empty
    p = reg.parcels().set_index("parcel_id")
    assert p.loc["P000", ["declared_area", "declared_area_unit"]].tolist() == [0.8, "ha"]
    assert p.loc["P000", "declared_area_mu"] == pytest.approx(12.0)
    assert p.loc["P001", "declared_area_mu"] == pytest.approx(12.0)
    bare = table.assign(面积=["0.8公顷", "12"])  # a bare figure: its unit is unknown
    bare.to_csv(path, index=False, encoding="utf-8-sig")
    with Register.create(tmp_path / "b.gpkg", study_area=None) as other:
        with pytest.raises(ValidationError, match=r"unit in some cells but not in 1: P001: '12'"):
            other.import_parcels(path, source_crs="WGS-84", street_towns=None)
        table.assign(面积=["0.8", "12"]).to_csv(path, index=False, encoding="utf-8-sig")
        with pytest.raises(ValidationError, match="names no unit"):  # no cell says one
            other.import_parcels(path, source_crs="WGS-84", street_towns=None)
        both = table.drop(columns="面积").assign(**{"面积(亩)": [12.0, 12.0],
                                                   "declared_area_unit": ["亩", "公顷"]})
        both.to_csv(path, index=False, encoding="utf-8-sig")
        with pytest.raises(ValidationError, match=r"in mu .* P001: '公顷'; drop one"):
            other.import_parcels(path, source_crs="WGS-84", street_towns=None)


def test_import_fills_a_blank_street_town_cell_of_a_gbk_shapefile(reg, tmp_path):
    # an empty 街镇 text in a DBF reads as NaN: it is blank, and filled by location
    import geopandas as gpd
    import shapely

    gdf = parcels(2)
    shp = gpd.GeoDataFrame({"地块编号": gdf["parcel_id"], "用地性质": gdf["land_use_code"],
                            "状态": gdf["status"], "街镇": ["唐镇", None]},
                           geometry=gdf.geometry.values, crs=gdf.crs)
    path = tmp_path / "地块.shp"
    shp.to_file(path, encoding="gbk")
    towns = gpd.GeoDataFrame({"name": ["张江镇"]}, crs="EPSG:4326",
                             geometry=[shapely.box(*gdf.total_bounds).buffer(0.01)])
    report = reg.import_parcels(path, street_towns=towns)
    assert report.rejected.empty
    p = reg.parcels().set_index("parcel_id")
    assert p.loc["P000", "street_town"] == "唐镇"      # given: kept
    assert p.loc["P001", "street_town"] == "张江镇"    # blank: taken from the polygons
    assert any("1 parcel(s)" in n and "street" in n for n in report.notes), report.notes


def test_the_area_warning_names_only_the_parcels_stored(reg, tmp_path):
    # two parcels declare 0.01 亩 (far from their outline); one of them is rejected
    # (no status): the warning and report.area_check name only the stored one
    gdf = parcels(3)
    table = pd.DataFrame({"地块编号": gdf["parcel_id"], "用地性质": gdf["land_use_code"],
                          "状态": [gdf["status"].iloc[0], gdf["status"].iloc[1], ""],
                          "面积(亩)": [0.01, None, 0.01], "wkt": gdf.geometry.to_wkt()})
    path = tmp_path / "地块.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.warns(DataQualityWarning, match="for 1 parcel") as said:
        report = reg.import_parcels(path, source_crs="WGS-84", street_towns=None)
    assert report.rejected["parcel_id"].tolist() == ["P002"]
    assert "状态 is empty" in report.rejected["reason"].iloc[0]
    assert report.area_check["parcel_id"].tolist() == ["P000"]
    text = str(said[0].message)
    assert "P000" in text and "P002" not in text


def test_import_rejects_only_the_parcel_in_metres_and_keeps_the_others(reg, tmp_path):
    # one parcel digitised in metres (EPSG:4528) in a lon/lat file: that row is rejected
    # with the likely cause, the others are imported; a whole file in metres stays one
    # error naming the CRS to give
    import shapely

    gdf = parcels(3)
    metres = shapely.affinity.translate(shapely.box(0, 0, 100, 100), 40_500_000, 3_450_000)
    gdf.loc[1, "geometry"] = metres
    path = tmp_path / "地块.gpkg"
    gdf.to_file(path)
    report = reg.import_parcels(path, street_towns=None)
    assert sorted(report.accepted["parcel_id"]) == ["P000", "P002"]
    assert report.rejected["parcel_id"].tolist() == ["P001"]
    reason = report.rejected["reason"].iloc[0]
    assert "outside lon/lat range" in reason and "look like metres" in reason
    assert "missing or empty geometry" not in reason
    gdf["geometry"] = [shapely.affinity.translate(metres, 200 * i) for i in range(3)]
    gdf.to_file(path)
    with Register.create(tmp_path / "b.gpkg", study_area=None) as other:
        with pytest.raises(Exception, match="EPSG:45"):
            other.import_parcels(path, street_towns=None)
