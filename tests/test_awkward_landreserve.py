"""The shared awkward-input table (tests/awkward.py) over the land-reserve entry points.

Every case ends in a correct result or a zjgis error — never a library traceback —
and a refused ``Register.add`` writes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry.polygon import orient

from zjgis.errors import (
    CRSError,
    DataQualityWarning,
    GeometryError,
    ValidationError,
    ZjgisError,
)
from zjgis.landreserve import Register, briefing_layers, efficiency

sys.path.insert(0, str(Path(__file__).parent))
from awkward import CASE_IDS, MUST_REFUSE, cases, frame_cases, run_case  # noqa: E402

POLYGONS = dict(cases("polygon", id_column="parcel_id", land_use_code="100101",
                      status="reserved", area_mu=lambda i: 10.0 + i, street_town="张江镇"))
# refused by the register: bad coordinates (MUST_REFUSE) and the rule breakers
ADD_REFUSES = {"none_geom": ValidationError, "empty_geom": ValidationError,
               "bowtie": ValidationError, "wrong_type": ValidationError,
               "duplicate_ids": ValidationError, "no_crs": CRSError,
               "metres_as_4326": CRSError, "swapped_latlon": CRSError,
               "nan_coord": GeometryError, "inf_coord": GeometryError}


def _geod_area(geom) -> float:
    geod = Geod(ellps="WGS84")
    geom = shapely.force_2d(geom)
    parts = geom.geoms if hasattr(geom, "geoms") else [geom]
    return float(sum(abs(geod.geometry_area_perimeter(orient(p, 1.0))[0]) for p in parts))


def test_the_table_covers_every_case():
    assert set(POLYGONS) == set(CASE_IDS)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_register_add(tmp_path, case_id):
    gdf = POLYGONS[case_id]
    reg = Register.create(tmp_path / "r.gpkg", study_area=None)
    try:
        result = run_case(reg.add, gdf, case_id,
                          must_refuse=MUST_REFUSE | set(ADD_REFUSES))
        if case_id in ADD_REFUSES:
            assert isinstance(result, ADD_REFUSES[case_id]), (case_id, result)
            assert len(reg) == 0 and reg.history().empty  # nothing written
            return
        assert not isinstance(result, ZjgisError), (case_id, result)
        assert len(reg) == len(gdf)
        expected = [_geod_area(g) for g in gdf.geometry]
        assert list(result["area_m2"]) == pytest.approx(expected, rel=1e-9)
        assert reg.check().empty
    finally:
        reg.close()


def test_duplicate_ids_are_named(tmp_path):
    reg = Register.create(tmp_path / "r.gpkg", study_area=None)
    with pytest.raises(ValidationError, match="F0: duplicate parcel_id"):
        reg.add(POLYGONS["duplicate_ids"])
    reg.close()


@pytest.mark.parametrize("case_id, match", [
    ("metres_as_4326", "look like metres"), ("swapped_latlon", "swapped"),
    ("nan_coord", "F1"), ("inf_coord", "NaN or infinite")])
def test_bad_coordinates_are_refused_at_the_door_with_the_cause(tmp_path, case_id, match):
    reg = Register.create(tmp_path / "r.gpkg", study_area=None)
    with pytest.raises(ZjgisError, match=match):
        reg.validate(POLYGONS[case_id])
    reg.close()


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_register_validate(tmp_path, case_id):
    reg = Register.create(tmp_path / "r.gpkg", study_area=None)
    result = run_case(reg.validate, POLYGONS[case_id], case_id)
    if case_id in ADD_REFUSES and not isinstance(result, ZjgisError):
        assert len(result) > 0, case_id  # the table names the problem
    reg.close()


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_briefing_layers(case_id):
    gdf = POLYGONS[case_id]
    result = run_case(briefing_layers, gdf, case_id)
    if not isinstance(result, ZjgisError):
        frame, style = result[0]
        assert len(frame) == len(gdf)


# ------------------------------------------------------------------ efficiency
ENTERPRISES = {"parcel_id": ["F0", "F0", "F1"], "enterprise": ["甲", "乙", "丙"],
               "output_10k_yuan": [100.0, 50.0, 30.0], "tax_10k_yuan": [10.0, 5.0, 3.0]}


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_efficiency_over_awkward_parcels(case_id):
    # efficiency reads no geometry: the coordinate cases give the plain result
    parcels = POLYGONS[case_id]
    ent = pd.DataFrame(ENTERPRISES)
    if case_id == "empty":  # every enterprise names a parcel that is not there
        with pytest.warns(DataQualityWarning, match="3 enterprise row"):
            result = efficiency(ent, parcels)
        assert len(result) == 0
        return
    result = run_case(lambda p: efficiency(ent, p), parcels, case_id, must_refuse=())
    if case_id == "duplicate_ids":
        assert isinstance(result, ValidationError) and "F0" in str(result)
    else:
        # hand computation: F0 hosts 甲 and 乙 (150 万元 on 10 亩), F1 丙 (30 on 11)
        assert result.loc["F0", "output_per_mu"] == pytest.approx(150 / 10.0)
        assert result.loc["F1", "output_per_mu"] == pytest.approx(30 / 11.0)
        assert result.loc["F0", "enterprises"] == 2


def test_efficiency_refuses_a_parcel_counted_twice():
    # one enterprise row of 100 万元 would count as 200 万元 with the parcel row copied
    parcels = pd.DataFrame({"parcel_id": ["P1", "P1"], "area_mu": [10.0, 10.0]})
    ent = pd.DataFrame({"parcel_id": ["P1"], "output_10k_yuan": [100.0],
                        "tax_10k_yuan": [1.0]})
    with pytest.raises(ValidationError, match="duplicate parcel_id values — P1"):
        efficiency(ent, parcels)


@pytest.mark.parametrize("case_id, table", frame_cases(ENTERPRISES, id_column="parcel_id"))
def test_efficiency_over_awkward_enterprise_tables(case_id, table):
    parcels = POLYGONS["multipart"]
    result = run_case(lambda t: efficiency(t, parcels), table, case_id,
                      must_refuse={"nan_value", "inf_value", "negative", "text_value",
                                   "missing_column"})
    if case_id == "empty":
        assert len(result) == 0 and list(result.columns)[:2] == ["area_mu", "enterprises"]
    elif case_id == "duplicate_ids":  # several enterprises on one parcel is normal
        assert result["enterprises"].sum() == 3


# ------------------------------------------------------------------ awkward values in add
# land use as planners' files write it: (value, the 2023 code, or None = refused);
# codes from 自然资发〔2023〕234号 附录A and GB 50137-2011 表3.3.2
LAND_USE_VALUES = [
    ("100101", "100101"), (100101, "100101"), (802, "0802"), (802.0, "0802"),
    (" 科研用地 ", "0802"), ("m1", "100101"), ("Ｍ１", "100101"), ("A35", "0802"),
    ("SH-CYZH", "SH-CYZH"), ("产业综合用地", "SH-CYZH"),
    ("工业用地", None), ("M", None), ("", None), (None, None), (float("nan"), None),
    ("1004", None), ("一类工业", None), (True, None),
]


@pytest.mark.parametrize(("value", "code"), LAND_USE_VALUES,
                         ids=[repr(v) for v, _ in LAND_USE_VALUES])
def test_register_add_over_awkward_land_use_values(tmp_path, value, code):
    gdf = POLYGONS["multipart"].iloc[:1].copy()
    gdf["land_use_code"] = pd.Series([value], index=gdf.index, dtype=object)
    with Register.create(tmp_path / "r.gpkg", study_area=None) as reg:
        if code is None:
            with pytest.raises(ValidationError, match="land use") as err:
                reg.add(gdf)
            assert "F0" in str(err.value) and len(reg) == 0
        else:
            assert reg.add(gdf)["land_use_code"].iloc[0] == code


DECLARED_VALUES = [  # (declared_area, unit, 亩 by hand, or None = refused)
    (10.0, "亩", 10.0), ("1.5公顷", None, 22.5), ("3,000", "m²", 4.5), (None, None, "blank"),
    (float("nan"), "亩", "blank"), ("", "亩", "blank"), ("十亩", "亩", None),
    (-5.0, "亩", None), (float("inf"), "亩", None), (5.0, None, None), (5.0, "里", None),
]


@pytest.mark.parametrize(("value", "unit", "mu"), DECLARED_VALUES,
                         ids=[repr(v) for v, _, _ in DECLARED_VALUES])
def test_register_add_over_awkward_declared_areas(tmp_path, value, unit, mu):
    gdf = POLYGONS["multipart"].iloc[:1].copy()
    gdf["declared_area"] = pd.Series([value], index=gdf.index, dtype=object)
    gdf["declared_area_unit"] = unit
    with Register.create(tmp_path / "r.gpkg", study_area=None) as reg:
        if mu is None:
            with pytest.raises(ValidationError, match="F0: declared area"):
                reg.add(gdf)
            assert len(reg) == 0
            return
        stored = reg.add(gdf).iloc[0]
        if mu == "blank":
            assert pd.isna(stored["declared_area_mu"]) and stored["declared_area_unit"] is None
        else:
            assert stored["declared_area_mu"] == pytest.approx(mu)
