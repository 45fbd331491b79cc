"""The shared awkward-input table (tests/awkward.py) over the job–housing entry points.

Each case ends in a correct result or a zjgis error — never a library traceback; the
cases that must be refused (no CRS, metres labelled degrees, swapped lat/lon, NaN/inf
vertices, and here also an invalid bow-tie zone) raise.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from tests.awkward import LAT0, LON0, MUST_REFUSE, D, cases, frame_cases, run_case
from zjgis import jobshousing
from zjgis.errors import DataQualityWarning, GeometryError, ZjgisError

COUNTS = {"jobs": lambda i: 100.0 * (i + 1), "workers": lambda i: 80.0 * (6 - i)}
ZONE_REFUSE = MUST_REFUSE | {"bowtie"}
# cases whose geometry the commute needs (centroids): refused too
GEOM_REFUSE = ZONE_REFUSE | {"none_geom", "empty_geom", "wrong_type"}


def _od(ids) -> pd.DataFrame:
    ids = list(ids)
    rows = [(h, w, 1.0 + (i + j) % 3) for i, h in enumerate(ids) for j, w in enumerate(ids)]
    return pd.DataFrame(rows, columns=["home", "work", "count"])


POLY = cases("polygon", **COUNTS)


@pytest.mark.parametrize(("case_id", "gdf"), POLY, ids=[c for c, _ in POLY])
def test_balance(case_id, gdf):
    out = run_case(lambda g: jobshousing.balance(g, jobs="jobs", workers="workers"), gdf,
                   case_id, must_refuse=ZONE_REFUSE)
    if not isinstance(out, ZjgisError):
        j, w = gdf["jobs"].to_numpy(), gdf["workers"].to_numpy()
        np.testing.assert_allclose(out["ratio"].to_numpy(), j / w)  # hand: jobs / workers


@pytest.mark.parametrize(("case_id", "gdf"), POLY, ids=[c for c, _ in POLY])
def test_commute(case_id, gdf):
    od = _od(gdf["id"].unique()) if len(gdf) else _od([])
    out = run_case(lambda g: jobshousing.commute(od, g, zone_id="id"), gdf, case_id,
                   must_refuse=GEOM_REFUSE | {"duplicate_ids"})
    if not isinstance(out, ZjgisError):
        # every commute is shorter than the extent of the six 200 m boxes (plus a far part)
        assert out.overall["commuters"] == od["count"].sum()
        if len(gdf):
            assert 0 < out.overall["mean_m"] < 5_000
        else:
            assert np.isnan(out.overall["mean_m"])


@pytest.mark.parametrize(("case_id", "gdf"), POLY, ids=[c for c, _ in POLY])
def test_cost_matrix_and_flow_lines(case_id, gdf):
    out = run_case(lambda g: jobshousing.cost_matrix(g, zone_id="id"), gdf, case_id,
                   must_refuse=GEOM_REFUSE | {"duplicate_ids"})
    if not isinstance(out, ZjgisError):
        assert out.shape == (len(gdf), len(gdf))
        assert np.isfinite(out.to_numpy()).all()
    od = _od(gdf["id"].unique()) if len(gdf) else _od([])
    run_case(lambda g: jobshousing.flow_lines(od, g, zone_id="id"), gdf, case_id,
             must_refuse=GEOM_REFUSE | {"duplicate_ids"})


def test_bowtie_zone_is_refused_by_name():
    gdf = dict(POLY)["bowtie"]
    od = _od(gdf["id"])
    with pytest.raises(GeometryError, match=r"F1.*Self-intersection.*repair=True"):
        jobshousing.commute(od, gdf, zone_id="id")


PTS = cases("point", jobs=lambda i: 10.0 * (i + 1))


def _two_zones():
    # two boxes holding every base point in their interior (none on a boundary)
    x0, y0 = LON0 - D / 2, LAT0 - D / 2
    geoms = [box(x0, y0, x0 + 3 * D, y0 + 2 * D), box(x0 + 3 * D, y0, x0 + 6 * D, y0 + 2 * D)]
    return gpd.GeoDataFrame({"workers": [100.0, 200.0]}, geometry=geoms, crs="EPSG:4326")


@pytest.mark.parametrize(("case_id", "pts"), PTS, ids=[c for c, _ in PTS])
def test_balance_with_job_points(case_id, pts):
    zones = _two_zones()

    def run(p):
        if case_id == "gcj_as_4326":  # shifted ~500 m: some points leave the zones, said so
            with pytest.warns(DataQualityWarning, match="outside every zone"):
                return jobshousing.balance(zones, jobs=(p, "jobs"), workers="workers")
        return jobshousing.balance(zones, jobs=(p, "jobs"), workers="workers")

    out = run_case(run, pts, case_id)
    if not isinstance(out, ZjgisError) and case_id != "gcj_as_4326":
        # hand count: F0-F2 in the west box, F3-F5 in the east one
        expected = pts.assign(x=pts.geometry.representative_point().x)
        west = expected.loc[expected["x"] < LON0 + 2.5 * D, "jobs"].sum()
        assert out["jobs"].tolist() == [west, expected["jobs"].sum() - west]


OD_CASES = frame_cases({"home": ["A", "A", "B"], "work": ["A", "B", "B"],
                        "count": [3.0, 2.0, 7.0]}, id_column="none")
COST = pd.DataFrame([[100.0, 900.0], [900.0, 100.0]], index=["A", "B"], columns=["A", "B"])


@pytest.mark.parametrize(("case_id", "od"), OD_CASES, ids=[c for c, _ in OD_CASES])
def test_excess_commuting_and_aggregate_od(case_id, od):
    refuse = {"nan_value", "inf_value", "negative", "text_value", "missing_column"}
    out = run_case(lambda t: jobshousing.excess_commuting(t, COST), od, case_id,
                   must_refuse=refuse | {"empty"})
    if not isinstance(out, ZjgisError):
        assert out.minimum <= out.observed <= out.maximum
    run_case(lambda t: jobshousing.aggregate_od(t), od, case_id, must_refuse=refuse)
