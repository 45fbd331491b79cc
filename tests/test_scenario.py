"""Scenarios: parsing (errors name line and field) and evaluation on a hand-made base
where every before/after figure can be computed by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

import zjgis.scenario as zs
from zjgis.errors import ReadError, ValidationError

UTM = "EPSG:32651"
# a local frame in UTM 51N near Zhangjiang
X0, Y0 = 370_000.0, 3_452_000.0
to_ll = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def _ll(x, y):
    return to_ll.transform(X0 + x, Y0 + y)


@pytest.fixture()
def base(tmp_path):
    # two 1 km zones 4 km apart: A has 500 jobs and 1000 workers (ratio 0.5), B 800/800
    zones = gpd.GeoDataFrame(
        {"zone": ["A", "B"], "jobs": [500, 800], "workers": [1000, 800]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 4000, Y0, X0 + 5000, Y0 + 1000)],
        crs=UTM,
    ).to_crs("EPSG:4326")
    zones.to_file(tmp_path / "zones.geojson")
    # one station at the centre of A: its 300 m circle lies inside A, B is 3 km away
    stations = gpd.GeoDataFrame({"station": ["甲站"]}, geometry=[Point(*_ll(500, 500))],
                                crs="EPSG:4326")
    stations.to_file(tmp_path / "stations.geojson")
    # a 4 x 3 km road grid with one stub ending 60 m short of a cross street, far
    # (> 500 m) from the edge of the network: one `gap` dead end
    lines = [
        [(0, 0), (4000, 0)], [(0, 1000), (4000, 1000)], [(0, 3000), (4000, 3000)],
        [(0, 0), (0, 3000)], [(4000, 0), (4000, 3000)],
        [(2000, 1000), (2000, 1440)],  # the stub
        [(1600, 1500), (2400, 1500)],  # the cross street it falls 60 m short of
        [(1600, 1000), (1600, 3000)], [(2400, 1000), (2400, 3000)],
    ]
    roads = gpd.GeoDataFrame(
        {"road_id": [f"r{i}" for i in range(len(lines))], "name": [f"路{i}" for i in
                                                                   range(len(lines))]},
        geometry=[LineString([_ll(*p) for p in line]) for line in lines], crs="EPSG:4326")
    roads.to_file(tmp_path / "roads.geojson")
    return tmp_path


def _scenario(folder, changes: str, units='["zones"]'):
    text = f"""
name = "手算方案"
description = "A 区新增岗位；B 区新增车站；打通一条断头路"
[base]
zones = "zones.geojson"
stations = "stations.geojson"
roads = "roads.geojson"
units = {units}
{changes}
"""
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return zs.read_scenario(path)


def _value(result, unit_set, unit, indicator, state):
    t = result.indicators
    row = t[(t.unit_set == unit_set) & (t.unit == unit) & (t.indicator == indicator)]
    assert len(row) == 1, (unit_set, unit, indicator)
    return float(row[state].iloc[0])


def test_ratio_moves_from_half_to_one(base):
    sc = _scenario(base, '[[changes]]\ntype = "zone"\nzone = "A"\njobs = 500\n')
    r = zs.evaluate(sc)
    # by hand: A has 500 jobs / 1000 workers = 0.5; +500 jobs -> 1000 / 1000 = 1.0
    assert _value(r, "zones", "A", "ratio", "before") == pytest.approx(0.5)
    assert _value(r, "zones", "A", "ratio", "after") == pytest.approx(1.0)
    assert _value(r, "zones", "B", "ratio", "after") == pytest.approx(1.0)
    assert _value(r, "all", "全部", "jobs", "after") - _value(r, "all", "全部", "jobs",
                                                           "before") == pytest.approx(500)
    # the balance index of A: 1 - |J - W| / (J + W) = 1 - 500/1500 before, 1 after
    assert _value(r, "zones", "A", "balance_index", "before") == pytest.approx(1 - 500 / 1500)
    assert _value(r, "zones", "A", "balance_index", "after") == pytest.approx(1.0)


def test_a_new_station_covers_exactly_one_more_zone(base):
    lon, lat = _ll(4500, 500)
    sc = _scenario(base, f'[["变更"]]\n"类型" = "车站"\n"操作" = "新增"\n"站名" = "乙站"\n'
                         f'"经度" = {lon}\n"纬度" = {lat}\n')
    r = zs.evaluate(sc)
    # by hand: B (1 km box) is entirely within 800 m of its centre (corner at 707 m),
    # so all its 800 jobs are covered after and none before
    assert _value(r, "zones", "B", "jobs_in_800m", "before") == pytest.approx(0, abs=1e-6)
    assert _value(r, "zones", "B", "jobs_in_800m", "after") == pytest.approx(800, rel=1e-3)
    # A is unchanged: the share of a 1 km box within 300 m of its centre, pi*300^2 / 1e6
    share = np.pi * 300**2 / 1e6
    a300 = _value(r, "zones", "A", "jobs_in_300m", "before")
    assert a300 == pytest.approx(500 * share, rel=0.01)
    assert _value(r, "zones", "A", "jobs_in_300m", "after") == pytest.approx(a300)
    assert _value(r, "all", "全部", "stations", "after") == 2


def test_a_link_closes_exactly_one_gap(base):
    a, b = _ll(2000, 1440), _ll(2000, 1500)
    change = f'[[changes]]\ntype = "link"\nname = "打通"\ncoordinates = [[{a[0]}, {a[1]}], ' \
             f'[{b[0]}, {b[1]}]]\n'
    r = zs.evaluate(_scenario(base, change))
    gap_before = _value(r, "all", "全部", "gap_dead_ends", "before")
    gap_after = _value(r, "all", "全部", "gap_dead_ends", "after")
    # by hand: the stub's end is the only dead end of the grid, 60 m from the cross street
    assert (gap_before, gap_after) == (1, 0)
    assert _value(r, "all", "全部", "dead_ends", "before") == 1
    assert _value(r, "all", "全部", "dead_ends", "after") == 0


def test_workbook_has_chinese_sheets(base, tmp_path):
    from openpyxl import load_workbook

    sc = _scenario(base, '[[changes]]\ntype = "zone"\nzone = "A"\njobs = 500\n')
    r = zs.evaluate(sc)
    out = zs.write_excel(r, tmp_path / "s.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["方案说明", "指标对比"]
    headers = [c.value for c in wb["指标对比"][1]]
    assert headers == ["统计范围", "单元", "指标", "单位", "方案前", "方案后", "变化"]


def test_inputs_that_name_no_accuracy_are_not_stated_never_official(base, tmp_path):
    from openpyxl import load_workbook

    from zjgis.scenario.briefing import badges

    sc = _scenario(base, '[[changes]]\ntype = "zone"\nzone = "A"\njobs = 500\n')
    r = zs.evaluate(sc)
    # the planner's own zones, stations and roads say nothing about their accuracy
    assert r.accuracy["zones"] is None and r.accuracy["stations"] is None
    assert "未注明：zones" in badges(r) and not any("官方" in b for b in badges(r))
    wb = load_workbook(zs.write_excel(r, tmp_path / "s.xlsx"))
    about = {row[0]: row[1] for row in wb["方案说明"].iter_rows(values_only=True) if row[0]}
    assert about["数据精度：zones"] == "未注明"
    # one official row beside rows without an accuracy does not make the input official
    zones = gpd.read_file(base / "zones.geojson")
    zones["accuracy"] = ["official", None]
    zones.to_file(base / "zones.geojson", driver="GeoJSON")
    assert zs.evaluate(sc).accuracy["zones"] is None
    zones["accuracy"] = ["official", "derived"]
    zones.to_file(base / "zones.geojson", driver="GeoJSON")
    assert zs.evaluate(sc).accuracy["zones"] == "derived"


def test_outline_comparison_on_the_sample():
    sc = zs.parse_scenario('name = "扩区"\n[base]\nzones = "sample"\n'
                           'units = ["science_city_2017", "science_city_2022"]\n')
    r = zs.evaluate(sc)
    t = zs.outline_comparison(r).set_index("indicator")
    # the 2022 outline contains the 2017 one: it holds at least as many jobs
    assert t.loc["jobs", "science_city_2022"] >= t.loc["jobs", "science_city_2017"] > 0
    assert t.loc["jobs", "difference"] == pytest.approx(
        t.loc["jobs", "science_city_2022"] - t.loc["jobs", "science_city_2017"])


@pytest.mark.parametrize(("text", "match"), [
    ('name = "x"\n[[changes]]\ntype = "zone"\nzone = "A"\njobs = "十二"\n',
     r"line 5: change 1 \(zone\): 'jobs' must be a number"),
    ('name = "x"\n[[changes]]\ntype = "zonee"\nzone = "A"\n',
     r"line 3: change 1: type 'zonee' .*did you mean 'zone'"),
    ('name = "x"\n[[changes]]\ntype = "zone"\nzone = "A"\njbos = 3\n',
     r"line 5: .*unknown field 'jbos'.*did you mean 'jobs'"),
    ('name = "x"\n类型 = "区域"\n', r"line 2: .*Chinese key needs quotes"),
    ('[base]\nzones = "sample"\n', r"needs a name"),
    ('name = "x"\n[[changes]]\ntype = "station"\naction = "add"\nstation = "s"\nlon = 1\n'
     'lat = 2\n', r"not in China"),
    ('name = "x"\n[[changes]]\ntype = "link"\n', r"exactly one of missing_link"),
])
def test_bad_scenario_files_name_line_and_field(text, match):
    with pytest.raises(ValidationError, match=match):
        zs.parse_scenario(text)


def test_english_and_chinese_change_tables_keep_file_order():
    sc = zs.parse_scenario('name = "x"\n[[changes]]\ntype = "zone"\nzone = "A"\njobs = 1\n'
                           '[["变更"]]\n"类型" = "区域"\n"区域" = "B"\n"新增岗位" = 2\n'
                           '[[changes]]\ntype = "zone"\nzone = "C"\njobs = 3\n')
    assert [(c.fields["zone"], c.line) for c in sc.changes] == [("A", 2), ("B", 6), ("C", 10)]


def test_unknown_zone_and_missing_file(base):
    sc = _scenario(base, '[[changes]]\ntype = "zone"\nzone = "Z"\njobs = 5\n')
    with pytest.raises(ValidationError, match="zone 'Z' is not in the base zones"):
        zs.evaluate(sc)
    with pytest.raises(ReadError, match="not found"):
        zs.read_scenario(base / "nope.toml")


def test_hostile_scenario_text_stays_text(base):
    sc = _scenario(base, '[[changes]]\ntype = "zone"\nzone = "A"\njobs = 5\n'
                         'note = "{{7*7}} <script>alert(1)</script>"\n')
    assert sc.changes[0].fields["note"] == "{{7*7}} <script>alert(1)</script>"
