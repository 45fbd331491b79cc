"""Project–parcel matching (五个一批) on a hand-built case with a known answer."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from zjgis import crs
from zjgis.errors import ValidationError
from zjgis.landreserve import match_projects, normalize_projects
from zjgis.landreserve.matching import _assign, write_match_excel

# metric coordinates (EPSG:32651) around the science city, converted to 4326
X0, Y0 = 360_000.0, 3_450_000.0
MU = 10000 / 15


def _square(cx, cy, area_mu):
    half = np.sqrt(area_mu * MU) / 2
    return box(cx - half, cy - half, cx + half, cy + half)


def _gdf(data, geoms):
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs.METRIC).to_crs(crs.WGS84)


@pytest.fixture
def world():
    # west community: chips; east community: medicine. north zone y>0, south zone y<0.
    communities = _gdf({"community_id": ["W", "E"], "name": ["西区", "东区"],
                        "industries": ["integrated_circuits", "biomedicine"]},
                       [box(X0 - 5000, Y0 - 5000, X0, Y0 + 5000),
                        box(X0, Y0 - 5000, X0 + 5000, Y0 + 5000)])
    zones = _gdf({"zone": ["north", "south"], "label_zh": ["中国芯", "创新药"]},
                 [box(X0 - 5000, Y0, X0 + 5000, Y0 + 5000),
                  box(X0 - 5000, Y0 - 5000, X0 + 5000, Y0)])
    stations = _gdf({"station": ["S1"]}, [Point(X0 - 2000, Y0 + 2000)])
    geoms = [_square(X0 - 2000, Y0 + 2300, 30),   # Q1 west-north, next to the station
             _square(X0 + 2000, Y0 - 2000, 30),   # Q2 east-south
             _square(X0 + 2000, Y0 + 2000, 100),  # Q3 east-north, large
             _square(X0 - 2000, Y0 - 2000, 10),   # Q4 too small for anyone
             _square(X0 - 3000, Y0 + 3000, 30),   # Q5 already supplied
             _square(X0 + 3000, Y0 - 3000, 30)]   # Q6 commercial land
    geo = gpd.GeoSeries(geoms, crs=crs.METRIC).to_crs(crs.WGS84)
    parcels = gpd.GeoDataFrame({
        "parcel_id": ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"],
        "status": ["reserved", "reserved", "acquired", "reserved", "supplied", "reserved"],
        "land_use_code": ["100101", "0802", "SH-CYZH", "100101", "100101", "0902"],
        "area_mu": crs.geodesic_area(geo)["area_mu"].to_numpy(),
    }, geometry=geo)
    projects = pd.DataFrame({
        "project_id": ["IC1", "BIO1", "IC2", "AI1"],
        "name": ["芯片厂", "创新药", "大芯片", "机器人"],
        "status": ["新建", "储备", "新建", "储备"],
        "industry": ["integrated_circuits", "biomedicine", "integrated_circuits",
                     "artificial_intelligence"],
        "area_min_mu": [20, 20, 200, 60],
        "area_max_mu": [40, 40, 300, 120],
        "preferred_zone": [None, "创新药", None, "智能造"],
    })
    return projects, parcels, dict(communities=communities, axis_zones=zones, stations=stations)


def test_expected_assignment_and_reasons(world):
    projects, parcels, layers = world
    res = match_projects(projects, parcels, **layers)
    pairs = dict(zip(res.assignments["project_id"], res.assignments["parcel_id"], strict=True))
    assert pairs == {"IC1": "Q1", "BIO1": "Q2"}
    ic1 = res.assignments.set_index("project_id").loc["IC1"]
    assert ic1["industry_fit"] == pytest.approx(1.0)  # community and zone both fit
    assert ic1["area_fit"] == pytest.approx(1.0)
    assert ic1["rail_fit"] == pytest.approx(1.0)  # ~300 m from the station
    assert ic1["distance_to_rail_m"] < 500
    assert ic1["zone"] == "north" and ic1["community"] == "西区"
    assert ic1["score"] == pytest.approx(1.0)
    bio = res.assignments.set_index("project_id").loc["BIO1"]
    assert bio["industry_fit"] == pytest.approx(1.0)
    un = res.unmatched_projects.set_index("project_id")["reason"]
    assert set(un.index) == {"IC2", "AI1"}
    assert "every available parcel is too small" in un["IC2"]
    assert "the largest is 100.0 亩" in un["IC2"]  # Q3 is 100 亩, the demand 200–300 亩
    problem = res.unmatched_projects.set_index("project_id")["problem"]
    assert problem["IC2"] == "too_small" and problem["AI1"] == "zone"
    assert "偏小" in res.unmatched_projects.set_index("project_id").loc["IC2", "reason_zh"]
    assert "preferred zone middle" in un["AI1"]
    idle = res.idle_parcels.set_index("parcel_id")["reason"]
    assert set(idle.index) == {"Q3", "Q4", "Q5", "Q6"}
    assert "prefer another zone" in idle["Q3"]
    assert "fits no project" in idle["Q4"]
    assert "status supplied" in idle["Q5"]
    assert "0902" in idle["Q6"]
    assert res.assignments.crs.equals(crs.WGS84)


def test_competition_goes_to_the_better_total(world):
    projects, parcels, layers = world
    # two chip projects want 20–40 亩; Q1 is best for both, the other gets "taken" reason
    two = pd.DataFrame({"project_id": ["A", "B"], "status": ["新建", "新建"],
                        "industry": ["integrated_circuits", "integrated_circuits"],
                        "area_min_mu": [20, 20], "area_max_mu": [40, 40]})
    res = match_projects(two, parcels, **layers)
    assert len(res.assignments) == 2  # Q1 and Q2 (Q2: area fits, no industry fit)
    assert set(res.assignments["parcel_id"]) == {"Q1", "Q2"}
    one_parcel = parcels[parcels["parcel_id"] == "Q1"]
    res = match_projects(two, one_parcel, **layers)
    assert len(res.assignments) == 1
    assert "went to project" in res.unmatched_projects["reason"].iloc[0]


@pytest.mark.parametrize("objective", ["most_placed", "best_total"])
def test_assignment_maximises_total_score_bruteforce(world, objective):
    _, parcels, layers = world
    rng = np.random.default_rng(1)
    inds = ["integrated_circuits", "biomedicine", "artificial_intelligence"]
    projects = pd.DataFrame({
        "project_id": [f"R{i}" for i in range(4)], "status": "新建",
        "industry": rng.choice(inds, 4), "area_min_mu": rng.uniform(5, 25, 4).round(),
    })
    projects["area_max_mu"] = projects["area_min_mu"] + rng.uniform(10, 100, 4).round()
    res = match_projects(projects, parcels, **layers, objective=objective)
    sc = res.scores.pivot(index="project_id", columns="parcel_id", values="score")
    pids = list(projects["project_id"])
    qids = list(parcels["parcel_id"])
    score = {(p, q): sc.loc[p, q] for p in sc.index for q in sc.columns
             if not np.isnan(sc.loc[p, q])}
    best = (0, 0.0)  # most_placed: (pairs, total score); best_total: (0, total score)
    for qs in itertools.permutations(qids + [None] * len(pids), len(pids)):
        pairs = [(p, q) for p, q in zip(pids, qs, strict=True) if (p, q) in score]
        total = sum(score[x] for x in pairs)
        best = max(best, (len(pairs), total) if objective == "most_placed" else (0, total))
    if objective == "most_placed":
        assert len(res.assignments) == best[0]
    assert res.assignments["score"].sum() == pytest.approx(best[1])


def test_project_list_validation():
    bad = pd.DataFrame({"project_id": ["X"], "status": ["建设中"], "industry": ["芯片"],
                        "area_min_mu": [1], "area_max_mu": [2]})
    with pytest.raises(ValidationError, match="在建/新建/储备"):
        normalize_projects(bad)
    bad["status"] = "在建"
    bad["area_max_mu"] = 0.5
    with pytest.raises(ValidationError, match="inconsistent"):
        normalize_projects(bad)
    ok = normalize_projects(bad.assign(area_max_mu=3))
    assert ok["status"].iloc[0] == "under_construction" and ok["status_zh"].iloc[0] == "在建"


def _brute(score, feasible, objective):
    """Best (pairs, total) over every matching of the feasible pairs, by enumeration."""
    n_p, n_q = score.shape
    best = (0, 0.0)
    for qs in itertools.product([None, *range(n_q)], repeat=n_p):
        used = [q for q in qs if q is not None]
        if len(used) != len(set(used)):
            continue
        pairs = [(p, q) for p, q in enumerate(qs) if q is not None]
        if not all(feasible[p, q] for p, q in pairs):
            continue
        total = sum(score[p, q] for p, q in pairs)
        key = (len(pairs), total) if objective == "most_placed" else (0, total)
        if key[0] > best[0] or (key[0] == best[0] and total > best[1] + 1e-12):
            best = (key[0], total)
    return best


@pytest.mark.parametrize("objective", ["most_placed", "best_total"])
def test_objectives_against_brute_force(objective):
    rng = np.random.default_rng(7)
    for _ in range(60):
        n_p, n_q = rng.integers(1, 5, size=2)
        score = rng.uniform(0, 1, (n_p, n_q)).round(2)
        feasible = rng.uniform(0, 1, (n_p, n_q)) < 0.6
        rows, cols = _assign(score, feasible, objective)
        assert len(set(rows)) == len(rows) and len(set(cols)) == len(cols)
        assert feasible[rows, cols].all()
        pairs, total = _brute(score, feasible, objective)
        assert score[rows, cols].sum() == pytest.approx(total)
        if objective == "most_placed":
            assert len(rows) == pairs


def test_issue_12_example_two_objectives():
    # A fits q1 (0.70) and q2 (0.30); B fits only q1 (0.30)
    score = np.array([[0.70, 0.30], [0.30, 0.0]])
    feasible = np.array([[True, True], [True, False]])
    rows, cols = _assign(score, feasible, "most_placed")
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(0, 1), (1, 0)]  # 0.60, both placed
    rows, cols = _assign(score, feasible, "best_total")
    assert list(zip(rows.tolist(), cols.tolist())) == [(0, 0)]  # 0.70, A alone


def test_best_total_on_the_world_never_scores_less(world):
    projects, parcels, layers = world
    most = match_projects(projects, parcels, **layers)
    best = match_projects(projects, parcels, **layers, objective="best_total")
    assert best.objective == "best_total"
    assert best.assignments["score"].sum() >= most.assignments["score"].sum() - 1e-12
    with pytest.raises(ValidationError, match="objective"):
        match_projects(projects, parcels, **layers, objective="fastest")


def test_chinese_list_with_one_demand_figure(world):
    _, parcels, layers = world
    zh = pd.DataFrame({"项目名称": ["芯片厂", "创新药"], "产业类别": ["集成电路", "生物医药"],
                       "用地需求(亩)": [30, 30]})
    en = pd.DataFrame({"project_id": ["芯片厂", "创新药"],
                       "industry": ["integrated_circuits", "biomedicine"],
                       "area_min_mu": [24.0, 24.0], "area_max_mu": [36.0, 36.0]})
    a = match_projects(zh, parcels, **layers).assignments.set_index("project_id")
    b = match_projects(en, parcels, **layers).assignments.set_index("project_id")
    assert a.loc["芯片厂", "parcel_id"] == "Q1" and a.loc["创新药", "parcel_id"] == "Q2"
    for col in ("industry_fit", "area_fit", "score"):
        assert a[col].to_dict() == pytest.approx(b[col].to_dict())
    assert a.loc["芯片厂", "industry_fit"] == pytest.approx(1.0)  # not the silent 0 of issue 11
    norm = normalize_projects(zh, demand_tolerance=0.1)
    assert norm["area_min_mu"].tolist() == pytest.approx([27.0, 27.0])
    assert norm["area_max_mu"].tolist() == pytest.approx([33.0, 33.0])
    assert norm["status_zh"].tolist() == ["未注明", "未注明"]
    ha = normalize_projects(pd.DataFrame({"项目名称": ["x"], "产业类别": ["AI"],
                                          "用地需求（公顷）": [2.0]}))
    assert ha["demand_mu"].iloc[0] == pytest.approx(30.0)  # 2 公顷 = 30 亩


def test_too_big_reason_and_unknown_industry(world):
    _, parcels, layers = world
    tiny = pd.DataFrame({"项目名称": ["小项目"], "产业类别": ["集成电路"], "用地需求(亩)": [2]})
    res = match_projects(tiny, parcels[parcels["parcel_id"] != "Q4"], **layers)
    row = res.unmatched_projects.iloc[0]
    assert row["problem"] == "too_big" and "too big" in row["reason"] and "偏大" in row["reason_zh"]
    with pytest.raises(ValidationError, match="unknown industry '量子'.*accepted are"):
        match_projects(tiny.assign(产业类别="量子"), parcels, **layers)


def test_matching_workbook_is_chinese(world, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    projects, parcels, layers = world
    res = match_projects(projects, parcels, **layers)
    path = write_match_excel(res, tmp_path / "匹配.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["匹配结果", "未匹配项目", "闲置地块"]
    ws = wb["匹配结果"]
    headers = [c.value for c in ws[3]]
    assert headers[:4] == ["项目编号", "项目名称", "项目状态", "产业类别"]
    assert all(not str(h).isascii() for h in headers)
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    col = headers.index("产业类别")
    assert {v[col] for v in values} == {"集成电路", "生物医药"}
    assert {v[headers.index("地块状态")] for v in values} == {"储备"}
    reasons = [c.value for c in wb["未匹配项目"]["C"][3:]]
    assert reasons and all(not r.isascii() for r in reasons)
    # ECMA-376 paper size 8 is A3
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 8
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$3"
    fmt = ws.cell(row=4, column=headers.index("地块面积(亩)") + 1).number_format
    assert fmt == "#,##0.00"
