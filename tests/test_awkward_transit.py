"""The shared awkward-input table (tests/awkward.py) over transit.station_coverage.

Stations (points), zones (polygons) and population points each get every awkward
variant; each case ends in a correct result or a zjgis error, never a library
traceback.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from tests.awkward import LAT0, LON0, MUST_REFUSE, D, base, cases, run_case
from zjgis import transit
from zjgis.errors import ZjgisError

POINTS = cases("point", population=lambda i: 10.0 * (i + 1))
POLYS = cases("polygon", population=lambda i: 100.0)
# a station layer without a location, or with a line among points, is refused
STATION_REFUSE = MUST_REFUSE | {"empty", "none_geom", "empty_geom", "wrong_type"}


@pytest.mark.parametrize(("case_id", "gdf"), POINTS, ids=[c for c, _ in POINTS])
def test_stations(case_id, gdf):
    out = run_case(lambda g: transit.station_coverage(g, distances_m=[300], walk_m=300),
                   gdf, case_id, must_refuse=STATION_REFUSE | {"multipart"})
    if not isinstance(out, ZjgisError):
        n = len(gdf)
        # n circles of 300 m, some overlapping (stations 200-280 m apart): at most n × π r²
        area = out.areas["area_km2"].iloc[0]
        assert np.pi * 0.09 * 0.99 < area <= n * np.pi * 0.09 * 1.001


@pytest.mark.parametrize(("case_id", "pts"), POINTS, ids=[c for c, _ in POINTS])
def test_population_points(case_id, pts):
    st = base("point", 1)
    out = run_case(lambda p: transit.station_coverage(st, population=p, distances_m=[300],
                                                      walk_m=300),
                   pts, case_id, must_refuse=MUST_REFUSE | {"none_geom", "empty_geom",
                                                            "wrong_type"})
    if not isinstance(out, ZjgisError) and case_id not in ("multipart", "gcj_as_4326"):
        # hand: F0 is the station itself, F1 292 m away, the rest beyond 300 m
        expected = 0.0 if case_id == "empty" else 10.0 + 20.0
        assert out.zones["population_in_300m"].iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize(("case_id", "zones"), POLYS, ids=[c for c, _ in POLYS])
def test_zones(case_id, zones):
    st = gpd.GeoDataFrame(geometry=gpd.points_from_xy([LON0 + D], [LAT0 + D]), crs=4326)
    out = run_case(lambda z: transit.station_coverage(st, zones=z, population="population",
                                                      distances_m=[100], walk_m=100),
                   zones, case_id, must_refuse=MUST_REFUSE | {"empty", "wrong_type",
                                                              "none_geom", "empty_geom",
                                                              "bowtie"})
    if not isinstance(out, ZjgisError):
        assert (out.zones["population_in_100m"] <= out.zones["population_total"] + 1e-9).all()


def test_a_station_far_from_every_zone_covers_nothing():
    st = gpd.GeoDataFrame(geometry=gpd.points_from_xy([LON0 + 1], [LAT0]), crs=4326)
    z = gpd.GeoDataFrame({"population": [5.0]}, geometry=[box(LON0, LAT0, LON0 + D, LAT0 + D)],
                         crs=4326)
    cov = transit.station_coverage(st, zones=z, population="population", distances_m=[500])
    assert cov.zones["population_in_500m"].iloc[0] == 0
