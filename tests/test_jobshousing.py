"""Tests of zjgis.jobshousing; expected numbers are worked out by hand from the formulas."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from zjgis import crs, jobshousing
from zjgis.errors import (
    CRSError,
    DataQualityWarning,
    GeometryError,
    SchematicDataWarning,
    ValidationError,
)

# --------------------------------------------------------------------------- fixtures
#
# Two zones A and B; costs (rows home, columns work) c = [[1, 10], [10, 2]];
# commuters A→A 2, A→B 3, B→A 1, B→B 6.  N = 12, O = (5, 7), D = (3, 9).
# Feasible flows: x_AA = a, x_AB = 5 − a, x_BA = 3 − a, x_BB = 4 + a, a ∈ [0, 3];
# total cost = a + 10(5 − a) + 10(3 − a) + 2(4 + a) = 88 − 17a.
# → minimum 37 (a = 3), maximum 88 (a = 0).  Observed total 2 + 30 + 10 + 12 = 54.
# Random: Σ O_i D_j c_ij = 5·3·1 + 5·9·10 + 7·3·10 + 7·9·2 = 801, over N² = 144.

COST = pd.DataFrame([[1.0, 10.0], [10.0, 2.0]], index=["A", "B"], columns=["A", "B"])
OD = pd.DataFrame({"home": ["A", "A", "B", "B"], "work": ["A", "B", "A", "B"],
                   "count": [2, 3, 1, 6]})


def square(x0: float, y0: float, side: float = 1000.0):
    return shapely.box(x0, y0, x0 + side, y0 + side)


@pytest.fixture
def zones_metric():
    # A and B are 1 km squares whose centroids are 5 km apart (3-4-5 triangle), in metres
    return gpd.GeoDataFrame(
        {"code": ["A", "B"], "jobs": [3.0, 9.0], "workers": [5.0, 7.0]},
        geometry=[square(0, 0), square(3000, 4000)], crs=crs.METRIC, index=[10, 20])


# --------------------------------------------------------------------------- balance


def test_balance_hand_computed():
    zones = pd.DataFrame({"jobs": [120, 50, 300, 10], "workers": [100, 100, 100, 0]},
                         index=list("pqrs"))
    out = jobshousing.balance(zones, jobs="jobs", workers="workers")
    assert list(out.index) == list("pqrs")
    np.testing.assert_allclose(out["ratio"], [1.2, 0.5, 3.0, math.inf])
    np.testing.assert_allclose(out["balance_index"],
                               [1 - 20 / 220, 1 - 50 / 150, 1 - 200 / 400, 0.0])
    assert list(out["class"]) == ["balanced", "housing_dominated", "jobs_dominated",
                                  "jobs_dominated"]
    assert list(out["class_zh"]) == ["平衡", "居住主导", "就业主导", "就业主导"]
    assert out.attrs["ratio_basis"] == "jobs/workers"
    assert "ratio" not in zones.columns  # input not mutated


def test_balance_thresholds_configurable_and_checked():
    zones = pd.DataFrame({"jobs": [120.0], "workers": [100.0]})
    out = jobshousing.balance(zones, jobs="jobs", workers="workers", thresholds=(0.9, 1.1))
    assert out["class"].iloc[0] == "jobs_dominated"
    with pytest.raises(ValidationError, match="low < high"):
        jobshousing.balance(zones, jobs="jobs", workers="workers", thresholds=(1.2, 0.8))


def test_balance_empty_zone_warns():
    zones = pd.DataFrame({"jobs": [0.0, 5.0], "workers": [0.0, 5.0]}, index=["x", "y"])
    with pytest.warns(DataQualityWarning, match="neither jobs nor workers: x"):
        out = jobshousing.balance(zones, jobs="jobs", workers="workers")
    assert out.loc["x", "class"] == "empty" and math.isnan(out.loc["x", "ratio"])


@settings(max_examples=50, deadline=None)
@given(j=st.floats(0.001, 1e7), w=st.floats(0.001, 1e7))
def test_balance_index_symmetric(j, w):
    a = jobshousing.balance(pd.DataFrame({"j": [j], "w": [w]}), jobs="j", workers="w")
    b = jobshousing.balance(pd.DataFrame({"j": [w], "w": [j]}), jobs="j", workers="w")
    assert a["balance_index"].iloc[0] == pytest.approx(b["balance_index"].iloc[0])
    assert 0 <= a["balance_index"].iloc[0] <= 1


def test_balance_with_housing_only():
    zones = pd.DataFrame({"jobs": [100.0], "homes": [50.0]})
    out = jobshousing.balance(zones, jobs="jobs", housing="homes")
    assert out["dwellings"].iloc[0] == 50 and out["ratio"].iloc[0] == 2.0
    assert out.attrs["ratio_basis"] == "jobs/dwellings"


def test_balance_rejects_negative_and_missing_counts():
    with pytest.raises(ValidationError, match="must not be negative.*row\\(s\\): b$"):
        jobshousing.balance(pd.DataFrame({"j": [1, -5], "w": [1, 1]}, index=["a", "b"]),
                            jobs="j", workers="w")
    with pytest.raises(ValidationError, match="missing in 1 row"):
        jobshousing.balance(pd.DataFrame({"j": [1, None], "w": [1, 1]}), jobs="j", workers="w")
    with pytest.raises(ValidationError, match="workers="):
        jobshousing.balance(pd.DataFrame({"j": [1]}), jobs="j")


def test_balance_aggregates_points(zones_metric):
    firms = gpd.GeoDataFrame(
        {"employees": [100, 40, 60, 7]},
        geometry=shapely.points([(500, 500), (3500, 4500), (3100, 4100), (9000, 9000)]),
        crs=crs.METRIC)
    homes = gpd.GeoDataFrame({"workers": [80, 90]},
                             geometry=shapely.points([(100, 100), (3900, 4900)]),
                             crs=crs.METRIC)
    with pytest.warns(DataQualityWarning, match="1 point\\(s\\) holding 7 jobs"):
        out = jobshousing.balance(zones_metric, jobs=(firms, "employees"), workers=homes)
    assert list(out.index) == [10, 20]
    np.testing.assert_array_equal(out["jobs"], [100, 100])
    np.testing.assert_array_equal(out["workers"], [80, 90])
    np.testing.assert_allclose(out["ratio"], [100 / 80, 100 / 90])


def test_balance_points_checks(zones_metric):
    pts = gpd.GeoDataFrame({"jobs": [1]}, geometry=shapely.points([(5, 5)]), crs=crs.WGS84)
    with pytest.raises(CRSError, match="jobs points is in EPSG:4326"):
        jobshousing.balance(zones_metric, jobs=pts, workers="workers")
    polys = gpd.GeoDataFrame({"jobs": [1]}, geometry=[square(0, 0, 10)], crs=crs.METRIC)
    with pytest.raises(GeometryError, match="representative_point"):
        jobshousing.balance(zones_metric, jobs=polys, workers="workers")
    nocount = gpd.GeoDataFrame({"x": [1]}, geometry=shapely.points([(5, 5)]), crs=crs.METRIC)
    with pytest.raises(ValidationError, match="no 'jobs' or 'count' column"):
        jobshousing.balance(zones_metric, jobs=nocount, workers="workers")


def test_balance_points_on_shared_boundary_counted_once():
    zones = gpd.GeoDataFrame(geometry=[square(0, 0), square(1000, 0)], crs=crs.METRIC)
    zones["workers"] = [1.0, 1.0]
    pts = gpd.GeoDataFrame({"jobs": [5.0]}, geometry=shapely.points([(1000, 500)]),
                           crs=crs.METRIC)
    with pytest.warns(DataQualityWarning, match="more than one zone"):
        out = jobshousing.balance(zones, jobs=pts, workers="workers")
    assert out["jobs"].sum() == 5


def test_balance_by_group(zones_metric):
    z = zones_metric.assign(group=["g", "g"])
    out = jobshousing.balance(z, jobs="jobs", workers="workers", by="group")
    assert list(out.index) == ["g"] and out["jobs"].iloc[0] == 12
    assert out["ratio"].iloc[0] == pytest.approx(1.0) and out["class"].iloc[0] == "balanced"
    assert out.geometry.iloc[0].area == pytest.approx(2e6)


# --------------------------------------------------------------------------- OD and commute


def test_aggregate_od_sums_pairs_and_counts_rows():
    raw = pd.DataFrame({"h": ["A", "A", "B", "A"], "w": ["B", "B", "A", "A"],
                        "n": [1.5, 2.5, 1.0, 0.0]})
    agg = jobshousing.aggregate_od(raw, home="h", work="w", count="n")
    assert agg.to_dict("list") == {"home": ["A", "B"], "work": ["B", "A"],
                                   "count": [4.0, 1.0]}
    rows = jobshousing.aggregate_od(raw, home="h", work="w", count=None)
    assert rows.set_index(["home", "work"])["count"].to_dict() == {
        ("A", "A"): 1.0, ("A", "B"): 2.0, ("B", "A"): 1.0}


def test_commute_hand_computed():
    zones = pd.DataFrame(index=["A", "B"])
    res = jobshousing.commute(OD, zones, cost=COST, unit="min", bins=[0, 1.5, 5, math.inf])
    z = res.zones
    np.testing.assert_allclose(z["workers_resident"], [5, 7])
    np.testing.assert_allclose(z["jobs_filled"], [3, 9])
    np.testing.assert_allclose(z["self_containment"], [2 / 5, 6 / 7])
    np.testing.assert_allclose(z["job_self_sufficiency"], [2 / 3, 6 / 9])
    np.testing.assert_allclose(z["mean_commute_min"], [(2 + 30) / 5, (10 + 12) / 7])
    # residents of A: cost 1 (2 people) and 10 (3): the 50 % point is reached at 10
    np.testing.assert_allclose(z["median_commute_min"], [10, 2])
    np.testing.assert_allclose(z["mean_commute_in_min"], [(2 + 10) / 3, (30 + 12) / 9])
    assert res.overall["commuters"] == 12
    assert res.overall["self_containment"] == pytest.approx(8 / 12)
    assert res.overall["mean_min"] == pytest.approx(54 / 12)
    assert res.overall["median_min"] == 2  # cumulative 2, 8 ≥ 6 at cost 2
    np.testing.assert_allclose(res.distribution["count"], [2, 6, 4])
    np.testing.assert_allclose(res.distribution["cumulative_share"], [2 / 12, 8 / 12, 1])
    assert res.od["count"].iloc[0] == 6  # largest flow first


def test_commute_euclidean_in_metric_crs(zones_metric):
    od = pd.DataFrame({"home": ["A", "B"], "work": ["B", "B"], "count": [4, 6]})
    res = jobshousing.commute(od, zones_metric, zone_id="code")
    intra = 128 / (45 * math.pi) * math.sqrt(1e6 / math.pi)
    assert res.cost.loc["A", "B"] == pytest.approx(5000.0)
    assert res.cost.loc["B", "B"] == pytest.approx(intra)
    assert res.overall["mean_m"] == pytest.approx((4 * 5000 + 6 * intra) / 10)
    assert list(res.zones.index) == [10, 20]
    zero = jobshousing.commute(od, zones_metric, zone_id="code", intrazonal="zero")
    assert zero.overall["mean_m"] == pytest.approx(2000.0)


def test_commute_same_in_wgs84(zones_metric):
    od = pd.DataFrame({"home": ["A"], "work": ["B"], "count": [1]})
    a = jobshousing.commute(od, zones_metric, zone_id="code")
    b = jobshousing.commute(od, zones_metric.to_crs(crs.WGS84), zone_id="code")
    assert b.overall["mean_m"] == pytest.approx(a.overall["mean_m"], abs=0.01)


def test_commute_network_graph(zones_metric):
    # a road that goes round: centroid A (500, 500) → node 0, B (3500, 4500) → node 2
    g = nx.Graph(crs=crs.METRIC)
    g.add_node(0, x=500, y=500)
    g.add_node(1, x=3500, y=500)
    g.add_node(2, x=3500, y=4500)
    g.add_edge(0, 1, length=3000.0)
    g.add_edge(1, 2, length=4000.0)
    od = pd.DataFrame({"home": ["A"], "work": ["B"], "count": [1]})
    res = jobshousing.commute(od, zones_metric, zone_id="code", cost="network", graph=g)
    assert res.cost.loc["A", "B"] == pytest.approx(7000.0)
    with pytest.raises(ValidationError, match="needs graph="):
        jobshousing.commute(od, zones_metric, zone_id="code", cost="network")
    g.graph["crs"] = crs.WGS84
    with pytest.raises(CRSError, match="degrees"):
        jobshousing.commute(od, zones_metric, zone_id="code", cost="network", graph=g)


def test_commute_bad_input(zones_metric):
    od = pd.DataFrame({"home": ["A", "X"], "work": ["B", "B"], "count": [4, 6]})
    with pytest.raises(ValidationError, match="1 zone id\\(s\\) of the OD table are not in the "
                       "zone layer: X \\(6 of 10 commuters"):
        jobshousing.commute(od, zones_metric, zone_id="code")
    with pytest.warns(DataQualityWarning, match="left out"):
        res = jobshousing.commute(od, zones_metric, zone_id="code", missing="drop")
    assert res.overall["commuters"] == 4
    neg = pd.DataFrame({"home": ["A"], "work": ["B"], "count": [-1]})
    with pytest.raises(ValidationError, match="must not be negative"):
        jobshousing.commute(neg, zones_metric, zone_id="code")
    ints = pd.DataFrame({"home": [1], "work": [2], "count": [1]})
    with pytest.raises(ValidationError, match="astype\\(str\\)"):
        jobshousing.commute(ints, zones_metric, zone_id="code")
    cost = COST.copy()
    cost.loc["A", "B"] = np.inf
    with pytest.raises(ValidationError, match="A→B"):
        jobshousing.commute(OD, pd.DataFrame(index=["A", "B"]), cost=cost)
    dup = zones_metric.assign(code=["A", "A"])
    with pytest.raises(ValidationError, match="duplicate zone ids"):
        jobshousing.commute(od.iloc[:1], dup, zone_id="code")


def test_commute_totals_mismatch_warns(zones_metric):
    # zones say A has 5 workers, B 7; the OD has 4 and 6 → −20 % and −14 %
    od = pd.DataFrame({"home": ["A", "B"], "work": ["B", "B"], "count": [4, 6]})
    with pytest.warns(DataQualityWarning, match="differ from zones\\['workers'\\].*-16.7%"):
        jobshousing.commute(od, zones_metric, zone_id="code", workers="workers")
    # within tolerance: no warning
    jobshousing.commute(od, zones_metric, zone_id="code", workers="workers", tolerance=0.5)


# --------------------------------------------------------------------------- excess commuting


def test_excess_commuting_hand_computed():
    res = jobshousing.excess_commuting(OD, COST)
    assert res.observed == pytest.approx(54 / 12)
    assert res.minimum == pytest.approx(37 / 12)
    assert res.maximum == pytest.approx(88 / 12)
    assert res.random == pytest.approx(801 / 144)
    assert res.excess_pct == pytest.approx(100 * (54 - 37) / 54)
    assert res.cpu == pytest.approx(100 * (54 - 37) / (88 - 37))
    assert res.commuting_economy == pytest.approx(100 * (801 / 144 - 54 / 12) / (801 / 144))
    assert res.normalised_commuting_economy == pytest.approx(
        100 * (801 / 144 - 54 / 12) / (801 / 144 - 37 / 12))
    flows = res.flows.set_index(["home", "work"])["count"].to_dict()
    assert flows == {("A", "A"): 3, ("A", "B"): 2, ("B", "B"): 7}
    table = res.to_frame()
    assert set(table["metric"]) >= {"observed", "minimum", "maximum", "excess_pct", "cpu"}


def test_excess_commuting_linprog_agrees():
    a = jobshousing.excess_commuting(OD, COST)
    b = jobshousing.excess_commuting(OD, COST, solver="linprog")
    assert b.minimum == pytest.approx(a.minimum) and b.maximum == pytest.approx(a.maximum)


def test_excess_commuting_bad_input():
    with pytest.raises(ValidationError, match="lacks zone"):
        jobshousing.excess_commuting(OD.assign(home=["A", "A", "C", "B"]), COST)
    with pytest.raises(ValidationError, match="must not be negative"):
        jobshousing.excess_commuting(OD.assign(count=[1, -1, 1, 1]), COST)
    cost = COST.copy()
    cost.loc["B", "A"] = np.nan
    with pytest.raises(ValidationError, match="B→A"):
        jobshousing.excess_commuting(OD, cost)


def _nx_minimum(supply: np.ndarray, demand: np.ndarray, cost: np.ndarray) -> int:
    g = nx.DiGraph()
    for i, s in enumerate(supply):
        g.add_node(("h", i), demand=-int(s))
    for j, d in enumerate(demand):
        g.add_node(("w", j), demand=int(d))
    for i in range(len(supply)):
        for j in range(len(demand)):
            g.add_edge(("h", i), ("w", j), weight=int(cost[i, j]))
    return nx.min_cost_flow_cost(g)


@pytest.mark.parametrize("seed", range(25))
def test_minimum_equals_networkx_min_cost_flow(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    ids = [f"z{i}" for i in range(n)]
    cost = pd.DataFrame(rng.integers(0, 100, (n, n)).astype(float), index=ids, columns=ids)
    k = int(rng.integers(n, 4 * n))
    od = pd.DataFrame({"home": rng.choice(ids, k), "work": rng.choice(ids, k),
                       "count": rng.integers(1, 50, k)})
    res = jobshousing.excess_commuting(od, cost)
    o = od.groupby("home")["count"].sum()
    d = od.groupby("work")["count"].sum()
    c = cost.loc[o.index, d.index].to_numpy()
    expected = _nx_minimum(o.to_numpy(), d.to_numpy(), c)
    assert res.minimum * res.commuters == pytest.approx(expected, abs=1e-6)
    expected_max = -_nx_minimum(o.to_numpy(), d.to_numpy(), -c)
    assert res.maximum * res.commuters == pytest.approx(expected_max, abs=1e-6)
    # integer counts → integer flows that reproduce the marginals exactly
    f = res.flows
    assert (f["count"] == np.rint(f["count"])).all()
    assert f.groupby("home")["count"].sum().to_dict() == o.astype(float).to_dict()
    assert f.groupby("work")["count"].sum().to_dict() == d.astype(float).to_dict()
    assert res.minimum <= res.observed + 1e-9 <= res.maximum + 2e-9


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_minimum_vs_linprog_property(data):
    n = data.draw(st.integers(2, 6))
    m = data.draw(st.integers(2, 6))
    w = np.array(data.draw(st.lists(st.integers(0, 30), min_size=n, max_size=n)), float)
    j = np.array(data.draw(st.lists(st.integers(0, 30), min_size=m, max_size=m)), float)
    if w.sum() == 0 or j.sum() == 0:
        return
    cost = np.array(data.draw(st.lists(st.floats(0, 1e4), min_size=n * m, max_size=n * m)))
    ids_h = [f"h{i}" for i in range(n)]
    ids_w = [f"w{i}" for i in range(m)]
    cmat = pd.DataFrame(cost.reshape(n, m), index=ids_h, columns=ids_w)
    a = jobshousing.minimum_commute(pd.Series(w, index=ids_h), pd.Series(j, index=ids_w), cmat)
    b = jobshousing.minimum_commute(pd.Series(w, index=ids_h), pd.Series(j, index=ids_w), cmat,
                                    solver="linprog")
    assert a.total == pytest.approx(b.total, rel=1e-9, abs=1e-5)  # HiGHS primal tolerance
    assert a.assigned == min(w.sum(), j.sum())
    assert (a.flows["count"] == np.rint(a.flows["count"])).all()


# --------------------------------------------------------------------------- scenario


def test_scenario_hand_computed():
    zones = pd.DataFrame({"jobs": [3.0, 9.0], "workers": [5.0, 7.0]}, index=["A", "B"])
    res = jobshousing.scenario(zones, changes={"A": {"jobs": 2}}, cost=COST)
    # before: minimum total 37 over 12 workers; after: A's 5 workers work in A (cost 1),
    # B's 7 in B (cost 2) → 19 over 12; 2 jobs stay vacant
    assert res.summary["minimum_before_m"] == pytest.approx(37 / 12)
    assert res.summary["minimum_after_m"] == pytest.approx(19 / 12)
    assert res.summary["unassigned_after"] == 2
    assert res.zones.loc["A", "class_before"] == "housing_dominated"  # 3/5 = 0.6
    assert res.zones.loc["A", "class_after"] == "balanced"  # 5/5
    assert bool(res.zones.loc["A", "class_changed"]) and not res.zones.loc["B", "class_changed"]
    assert res.summary["zones_changed_class"] == 1


def test_scenario_dwellings_and_errors():
    zones = pd.DataFrame({"jobs": [3.0, 9.0], "workers": [5.0, 7.0]}, index=["A", "B"])
    with pytest.raises(ValidationError, match="workers_per_dwelling"):
        jobshousing.scenario(zones, changes={"B": {"dwellings": 100}}, cost=COST)
    res = jobshousing.scenario(zones, changes=pd.DataFrame({"zone": ["B"], "dwellings": [2]}),
                               cost=COST, workers_per_dwelling=1.5)
    assert res.zones.loc["B", "workers_after"] == 10
    with pytest.raises(ValidationError, match="negative jobs in zone\\(s\\) A"):
        jobshousing.scenario(zones, changes={"A": {"jobs": -4}}, cost=COST)
    with pytest.raises(ValidationError, match="not in the zones: Q"):
        jobshousing.scenario(zones, changes={"Q": {"jobs": 1}}, cost=COST)
    with pytest.raises(ValidationError, match="unknown key"):
        jobshousing.scenario(zones, changes={"A": {"employees": 1}}, cost=COST)


# --------------------------------------------------------------------------- report


def test_analyse_tables_have_chinese_headers(zones_metric):
    od = pd.DataFrame({"home": ["A", "A", "B"], "work": ["A", "B", "B"], "count": [2, 3, 7]})
    rep = jobshousing.analyse(zones_metric, od, zone_id="code", tolerance=1.0)
    tables = rep.tables()
    assert "职住平衡" in tables and "过剩通勤" in tables
    bal = tables["职住平衡"]
    assert {"职住比", "职住类别", "分区", "数据精度"} <= set(bal.columns)
    assert list(bal["分区"]) == ["A", "B"]
    assert "居民平均通勤(米)" in tables["通勤分区统计"].columns


# --------------------------------------------------------------------------- dask


def test_dask_commute_equals_pandas_on_local_cluster(zones_metric):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    rng = np.random.default_rng(1)
    k = 5000
    od = pd.DataFrame({"home": rng.choice(["A", "B"], k), "work": rng.choice(["A", "B"], k),
                       "count": rng.integers(1, 5, k).astype(float)})
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        lazy = dd.from_pandas(od, npartitions=4)
        a = jobshousing.commute(lazy, zones_metric, zone_id="code")
        e = jobshousing.excess_commuting(lazy, a.cost)
    b = jobshousing.commute(od, zones_metric, zone_id="code")
    pd.testing.assert_frame_equal(a.zones, b.zones)
    pd.testing.assert_series_equal(a.overall, b.overall)
    pd.testing.assert_frame_equal(a.distribution, b.distribution)
    assert e.minimum == pytest.approx(jobshousing.excess_commuting(od, b.cost).minimum)
    with pytest.raises(ValidationError, match="negative"):
        jobshousing.aggregate_od(dd.from_pandas(od.assign(count=-od["count"]), npartitions=2))


def test_dask_geopandas_point_aggregation(zones_metric):
    dgpd = pytest.importorskip("dask_geopandas")
    rng = np.random.default_rng(2)
    xy = np.vstack([rng.uniform(0, 1000, (50, 2)), rng.uniform([3000, 4000], [4000, 5000],
                                                               (30, 2))])
    pts = gpd.GeoDataFrame({"jobs": rng.integers(1, 9, 80).astype(float)},
                           geometry=shapely.points(xy), crs=crs.METRIC)
    a = jobshousing.balance(zones_metric, jobs=dgpd.from_geopandas(pts, npartitions=3),
                            workers="workers")
    b = jobshousing.balance(zones_metric, jobs=pts, workers="workers")
    np.testing.assert_allclose(a["jobs"], b["jobs"])
    assert a["jobs"].sum() == pts["jobs"].sum()


# --------------------------------------------------------------------------- sample and CLI


def test_load_sample_is_labelled_and_consistent():
    with pytest.warns(jobshousing.SampleDataWarning, match="not statistics"):
        zones, od = jobshousing.load_sample()
    assert zones.attrs["accuracy"] == "sample" and od.attrs["accuracy"] == "sample"
    assert (zones["accuracy"] == "sample").all() and (od["accuracy"] == "sample").all()
    assert zones.crs.equals(crs.WGS84)
    # the generator writes workers/jobs as the OD's row/column sums: totals must agree
    res = jobshousing.commute(od, zones, zone_id="code", jobs="jobs", workers="workers",
                              tolerance=0.0)
    assert res.overall["commuters"] == zones["workers"].sum() == zones["jobs"].sum()


def _small_inputs(tmp_path):
    zones = gpd.GeoDataFrame(
        {"code": ["A", "B", "C"], "name": ["甲", "乙", "丙"], "jobs": [30, 10, 20],
         "workers": [10, 30, 20]},
        geometry=[square(0, 0), square(3000, 0), square(0, 3000)], crs=crs.METRIC,
    ).to_crs(crs.WGS84)
    zones.to_file(tmp_path / "zones.geojson")
    # consistent with the zones: row sums 10, 30, 20 (workers), column sums 30, 10, 20 (jobs)
    od = pd.DataFrame({"home": ["A", "B", "B", "B", "C", "C"],
                       "work": ["A", "A", "B", "C", "A", "C"],
                       "count": [10, 15, 10, 5, 5, 15]})
    od.to_csv(tmp_path / "od.csv", index=False)
    return tmp_path / "zones.geojson", tmp_path / "od.csv"


def test_cli_writes_report_and_map(tmp_path, capsys):
    from zjgis.cli.main import main

    zpath, opath = _small_inputs(tmp_path)
    out, html = tmp_path / "r.xlsx", tmp_path / "m.html"
    args = ["jobs-housing", str(zpath), str(opath), "--out", str(out), "--map", str(html),
            "--basemap", "none"]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert main(args) == 0
    # the only warnings come from drawing the catalog's schematic boundary, none from the data
    assert {w.category for w in record} <= {SchematicDataWarning}
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"说明", "职住平衡", "通勤分区统计", "过剩通勤", "主要通勤流"} <= set(sheets)
    bal = sheets["职住平衡"]
    assert list(bal["职住类别"]) == ["就业主导", "居住主导", "平衡"]
    assert list(bal["名称"]) == ["甲", "乙", "丙"]
    text = html.read_text(encoding="utf-8")
    assert "职住类别" in text and "主要通勤流" in text
    # refuses to overwrite without --overwrite, leaves the file alone
    before = out.read_bytes()
    assert main(args) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert out.read_bytes() == before


def test_cli_unknown_od_zone_is_an_error(tmp_path, capsys):
    from zjgis.cli.main import main

    zpath, opath = _small_inputs(tmp_path)
    pd.DataFrame({"home": ["A", "Z"], "work": ["B", "A"], "count": [1, 2]}).to_csv(
        opath, index=False)
    assert main(["jobs-housing", str(zpath), str(opath), "--out",
                 str(tmp_path / "r.xlsx")]) == 1
    assert "not in the zone layer: Z" in capsys.readouterr().err
    assert not (tmp_path / "r.xlsx").exists()


# ---------------------------------------------------------------- progress (issue 14.6)

def _zones_od(n, rows, seed=0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20_000, (n, 2))
    ids = [f"z{i:04d}" for i in range(n)]
    cost = pd.DataFrame(np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]),
                        index=ids, columns=ids)
    od = pd.DataFrame({"home": rng.choice(ids, rows), "work": rng.choice(ids, rows),
                       "count": rng.integers(1, 5, rows)})
    return od, cost


def test_excess_commuting_over_1000_zones_shows_a_stage_bar_when_forced(monkeypatch, capsys):
    from zjgis import _log

    od, cost = _zones_od(1000, 1500)
    monkeypatch.setenv(_log.ENV_VAR, "1")
    res = jobshousing.excess_commuting(od, cost)
    err = capsys.readouterr().err
    assert "excess commuting" in err and "%" in err
    for stage in ("observed", "minimum", "maximum", "random"):
        assert f", {stage}]" in err
    # the figures by hand (numpy), bar or no bar
    agg = od.groupby(["home", "work"], as_index=False)["count"].sum()
    c = cost.to_numpy()[cost.index.get_indexer(agg["home"]), cost.columns.get_indexer(agg["work"])]
    n = agg["count"].sum()
    assert res.observed == pytest.approx((agg["count"] * c).sum() / n, rel=1e-12)
    o = agg.groupby("home")["count"].sum()
    d = agg.groupby("work")["count"].sum()
    rand = o.to_numpy() @ cost.loc[o.index, d.index].to_numpy() @ d.to_numpy() / n**2
    assert res.random == pytest.approx(rand, rel=1e-12)
    assert res.minimum <= res.observed <= res.maximum


def test_excess_commuting_bar_threshold_quiet_and_tests(monkeypatch, capsys):
    from zjgis import _log
    from zjgis.jobshousing import excess

    od, cost = _zones_od(40, 120, seed=1)
    plain = jobshousing.excess_commuting(od, cost)
    assert capsys.readouterr().err == ""  # under pytest: no bar
    monkeypatch.setenv(_log.ENV_VAR, "1")
    monkeypatch.setattr(excess, "_PROGRESS_MIN_ZONES", 41)
    jobshousing.excess_commuting(od, cost)
    assert capsys.readouterr().err == ""  # 40 zones < 41
    monkeypatch.setattr(excess, "_PROGRESS_MIN_ZONES", 40)
    old = _log.logger.level
    _log.logger.setLevel("ERROR")  # zjgis -q
    try:
        jobshousing.excess_commuting(od, cost)
    finally:
        _log.logger.setLevel(old)
    assert capsys.readouterr().err == ""
    res = jobshousing.excess_commuting(od, cost)
    assert "excess commuting" in capsys.readouterr().err
    pd.testing.assert_frame_equal(res.to_frame(), plain.to_frame())
    pd.testing.assert_frame_equal(res.flows, plain.flows)
