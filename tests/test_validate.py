"""zjgis._validate: the shared door checks, each against a hand-computed expectation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely import LineString, Point, Polygon, box

from zjgis import _validate as v
from zjgis.errors import CRSError, GeometryError, ValidationError


@pytest.mark.parametrize("n, expected", [
    (0, ""), (1, "R0"), (5, "R0, R1, R2, R3, R4"), (6, "R0, R1, R2, R3, R4 and 1 more"),
    (13, "R0, R1, R2, R3, R4 and 8 more")])
def test_listing(n, expected):
    assert v.listing([f"R{i}" for i in range(n)]) == expected


def test_listing_most_and_non_strings():
    assert v.listing([1, 2.5, None], most=2) == "1, 2.5 and 1 more"


def test_feature_label_uses_position_or_index_and_id():
    df = pd.DataFrame({"pid": ["A", "B"]})
    assert v.feature_label(df, 1) == "feature 1"
    assert v.feature_label(df, 1, "pid") == "feature 1 (pid 'B')"
    named = df.set_index(pd.Index(["x", "y"]))
    assert v.feature_label(named, 0) == "feature 'x'"
    assert v.feature_label(named, 0, "missing_column") == "feature 'x'"


def _lines(*geoms, crs="EPSG:4326"):
    return gpd.GeoDataFrame({"id": [f"R{i}" for i in range(len(geoms))]},
                            geometry=list(geoms), crs=crs)


def test_require_finite_coords_lists_every_bad_feature():
    good = LineString([(121.6, 31.2), (121.61, 31.21)])
    with np.errstate(invalid="ignore"):
        nan = LineString([(121.6, 31.2), (np.nan, 31.21)])
        inf = Polygon([(121.6, 31.2), (np.inf, 31.2), (121.61, 31.21)])
    roads = _lines(good, nan, None, inf)
    with pytest.raises(GeometryError, match=r"roads: 2 feature\(s\) have NaN or infinite "
                                            r"coordinates — feature 1 \(id 'R1'\), feature 3") as e:
        v.require_finite_coords(roads, "roads", id_column="id")
    assert e.value.problems["position"].tolist() == [1, 3]
    v.require_finite_coords(_lines(good, None), "roads")  # a missing geometry is not NaN
    v.require_finite_coords(_lines(), "roads")


def test_require_lonlat_range_names_metres_and_swaps():
    ok = Point(121.6, 31.2)
    v.require_lonlat_range(_lines(ok), "pois")
    v.require_lonlat_range(_lines(ok, crs=None), "pois")  # no CRS: require_crs's job
    metres = gpd.GeoSeries([ok], crs=4326).to_crs(32651).iloc[0]
    with pytest.raises(CRSError, match=r"pois: 1 feature\(s\) lie outside the lon/lat range of "
                                       r"EPSG:4326 — feature 1; x ≈ 366,621.*look like metres"):
        v.require_lonlat_range(_lines(ok, metres), "pois")
    with pytest.raises(CRSError, match="lat/lon swapped"):
        v.require_lonlat_range(_lines(Point(31.2, 121.6)), "pois")
    # projected: outside the CRS's area of use (UTM 51N numbers labelled zone 40 GK)
    with pytest.raises(CRSError, match="outside the area where EPSG:4528 is valid"):
        v.require_lonlat_range(_lines(metres, crs="EPSG:4528"), "parcels.shp")
    v.require_lonlat_range(_lines(metres, crs="EPSG:32651"), "parcels.shp")


@pytest.mark.parametrize("code", list(range(4513, 4534)) + [4549])
def test_likely_projected_crs_finds_each_gauss_krueger_code(code):
    # a point on the zone's central meridian at Shanghai's latitude, projected by pyproj
    crs = pyproj.CRS.from_epsg(code)
    cm = next(p.value for p in crs.coordinate_operation.params
              if p.name == "Longitude of natural origin")
    x, y = pyproj.Transformer.from_crs(4326, code, always_xy=True).transform(cm + 0.3, 31.2)
    found = [c for c, _ in v.likely_projected_crs(x, y)]
    assert found and found[0] == f"EPSG:{code}"


def test_likely_projected_crs_six_degree_zone_and_nonsense():
    x, y = pyproj.Transformer.from_crs(4326, 4499, always_xy=True).transform(121.6, 31.2)
    assert v.likely_projected_crs(x, y)[0][0] == "EPSG:4499"  # 6-degree zone 21
    assert v.likely_projected_crs(99_000_000, 3_450_000) == []
    assert v.likely_projected_crs(float("nan"), 1.0) == []


def test_require_counts_one_policy():
    df = pd.DataFrame({"zone": ["Z1", "Z2", "Z3"], "jobs": [3, "4", 0]})
    np.testing.assert_array_equal(v.require_counts(df, "jobs", "zones"), [3.0, 4.0, 0.0])
    cases = {
        "missing": ([1, None, np.nan], r"zones: jobs is missing in 2 row\(s\) — Z2, Z3; fill"),
        "text": ([1, "十二", 2], r"jobs is not numeric in 1 row\(s\) — Z2: '十二'"),
        "inf": ([1, np.inf, 2], r"jobs is infinite in row\(s\) Z2"),
        "negative": ([-1, 2, -3], r"jobs must not be negative — 2 row\(s\): Z1, Z3"),
    }
    for values, match in cases.values():
        with pytest.raises(ValidationError, match=match):
            v.require_counts(df.assign(jobs=values), "jobs", "zones", id_column="zone")
    with pytest.raises(ValidationError, match="lacks column"):
        v.require_counts(df, "workers", "zones")


@pytest.mark.parametrize("value, ok", [(5, 5.0), ("2.5", 2.5), (0, None), (-1, None),
                                       (float("nan"), None), (float("inf"), None),
                                       ("abc", None), (None, None)])
def test_require_positive(value, ok):
    if ok is None:
        with pytest.raises(ValidationError, match="max_gap_m must be a"):
            v.require_positive(value, "max_gap_m", unit="metres")
    else:
        assert v.require_positive(value, "max_gap_m") == ok


def test_crs_and_table_checks():
    a = _lines(Point(121.6, 31.2))
    b = a.to_crs(32651)
    with pytest.raises(CRSError, match="roads is in EPSG:4326 but zones is in EPSG:32651"):
        v.require_same_crs(a, b, "roads", "zones")
    v.require_same_crs(a, a.copy(), "roads", "zones")
    with pytest.raises(CRSError, match="roads has no CRS"):
        v.require_crs(a.set_crs(None, allow_override=True), "roads")
    with pytest.raises(GeometryError, match="roads is empty"):
        v.require_not_empty(a.iloc[:0], "roads")
    with pytest.raises(ValidationError, match=r"roads lacks column\(s\) name; it has: id"):
        v.require_columns(a, ["id", "name"], "roads")
    dup = pd.DataFrame({"pid": ["A", "B", "A", "C", "C"]})
    with pytest.raises(ValidationError, match="parcels: duplicate pid values — A, C") as e:
        v.require_unique(dup, "pid", "parcels")
    assert e.value.problems["feature"].tolist() == [0, 2, 3, 4]


def test_geom_types_and_geometry_problems():
    x, y = 121.6, 31.2
    bow = Polygon([(x, y), (x + 1e-3, y + 1e-3), (x + 1e-3, y), (x, y + 1e-3)])
    g = gpd.GeoDataFrame({"pid": ["A", "B", "C", "D"]},
                         geometry=[box(x, y, x + 1e-3, y + 1e-3), bow, None, Polygon()],
                         crs=4326)
    mixed = gpd.GeoDataFrame({"pid": ["A", "B", "C", "D"]},
                             geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), None, LineString()])
    with pytest.raises(GeometryError, match=r"2 feature\(s\) are not Polygon — feature 2 "
                                            r"\(pid 'C'\): missing geometry, feature 3 "
                                            r"\(pid 'D'\): LineString"):
        v.require_geom_types(mixed, ["Polygon"], "parcels", id_column="pid")
    table = v.geometry_problems(g, id_column="pid")
    assert table["id"].tolist() == ["B", "C", "D"]
    assert table["reason"].tolist()[1:] == ["missing geometry", "empty geometry"]
    assert table["reason"].iloc[0].startswith("Self-intersection")
