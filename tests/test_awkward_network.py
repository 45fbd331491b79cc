"""The shared awkward-input table (tests/awkward.py) through every network entry point.

Every case ends in a correct result or a zjgis error; the refused ones name the feature.
"""

import geopandas as gpd
import numpy as np
import pytest
from awkward import MUST_REFUSE, cases, run_case
from shapely.geometry import LineString

from zjgis import network
from zjgis.errors import CRSError, GeometryError, ZjgisError

LINE_CASES = cases("line")
ENTRY_POINTS = {
    "build_graph": network.build_graph,
    "dead_ends": network.dead_ends,
    "missing_links": network.missing_links,
    "dead_ends_and_links": network.dead_ends_and_links,
}


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize(("case_id", "gdf"), LINE_CASES, ids=[c for c, _ in LINE_CASES])
def test_entry_point_over_awkward_lines(entry, case_id, gdf):
    result = run_case(ENTRY_POINTS[entry], gdf, case_id)
    if case_id in MUST_REFUSE:
        assert isinstance(result, ZjgisError)
    if case_id in {"nan_coord", "inf_coord", "none_geom", "empty_geom", "wrong_type"}:
        assert "feature 1" in str(result)  # the feature is named
    if case_id in {"multipart", "z", "duplicate_ids", "gcj_as_4326"}:
        assert not isinstance(result, ZjgisError), f"{case_id}: refused valid input: {result}"


def test_nan_and_inf_vertices_are_refused_not_a_different_network():
    with np.errstate(invalid="ignore"):
        broken = LineString([(50, -50), (50, np.nan), (50, 50)])
    roads = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[LineString([(0, 0), (100, 0)]), broken],
                             crs="EPSG:32651")
    for fn in ENTRY_POINTS.values():
        with pytest.raises(GeometryError, match=r"NaN or infinite coordinates — feature 1"):
            fn(roads)
    with np.errstate(invalid="ignore"):
        geoms = [LineString([(0, 0), (100, 0)]), LineString([(50, -50), (50, np.inf)])]
    roads = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=geoms, crs="EPSG:32651")
    with pytest.raises(GeometryError, match="NaN or infinite coordinates — feature 1"):
        network.dead_ends(roads)


def test_metres_labelled_lonlat_are_refused_with_the_cause():
    metres = gpd.GeoDataFrame(geometry=[LineString([(380_000, 3_450_000), (380_100, 3_450_000)])],
                              crs="EPSG:4326")
    with pytest.raises(CRSError, match="look like metres"):
        network.build_graph(metres)
    # UTM 51N metres of Shanghai labelled as UTM 50N: far outside that zone's area of use
    wrong_zone = gpd.GeoDataFrame(geometry=[LineString([(980_000, 3_450_000),
                                                        (980_100, 3_450_000)])],
                                  crs="EPSG:32650")
    with pytest.raises(CRSError, match="outside the area"):
        network.dead_ends(wrong_zone)


def test_barriers_and_weights_are_checked_at_the_door():
    roads = gpd.read_file(network.sample_path("roads"))
    g = network.build_graph(roads)
    no_crs = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])])
    with pytest.raises(CRSError, match="barriers"):
        network.missing_links(g, barriers=no_crs)
    pts = gpd.read_file(network.sample_path("population_jobs"))
    num = next(c for c in pts.columns if c != "geometry" and np.issubdtype(pts[c].dtype,
                                                                           np.number))
    bad = pts.copy()
    bad[num] = bad[num].astype(float)
    bad.loc[bad.index[0], num] = np.nan
    with pytest.raises(ZjgisError, match="missing"):  # never silently 0
        network.missing_links(g, weights=bad, weight_column=num)
    with pytest.raises(ZjgisError, match="weights="):
        network.missing_links(g, weight_column=num)
