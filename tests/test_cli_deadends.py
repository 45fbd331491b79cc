"""``zjgis deadends``: outputs, refusals, one candidate search, bad input in one line."""

import warnings
from pathlib import Path

import geopandas as gpd
import pyproj
import pytest
import shapely

from zjgis import network
from zjgis.cli.main import main
from zjgis.errors import CoordinateShiftWarning


def test_cli_deadends_refuses_to_replace_a_map_without_overwrite(tmp_path, monkeypatch, capsys):
    roads = str(network.sample_path("roads"))
    out, html = tmp_path / "ends.gpkg", tmp_path / "map.html"
    args = ["deadends", roads, "--out", str(out), "--map", str(html)]
    html.write_text("old map")
    assert main(args) == 1
    assert "map.html exists; pass --overwrite" in capsys.readouterr().err
    assert html.read_text() == "old map" and not out.exists()  # nothing written
    # a map that appears while the analysis runs is not replaced either: the save
    # itself refuses (the CLI used to save with overwrite=True)
    html.unlink()
    real = network.dead_ends_and_links

    def racing(*a, **k):
        html.write_text("someone else's map")
        return real(*a, **k)

    monkeypatch.setattr(network, "dead_ends_and_links", racing)
    assert main(args) == 1
    assert "map.html" in capsys.readouterr().err
    assert html.read_text() == "someone else's map"
    monkeypatch.undo()
    assert main([*args, "--overwrite"]) == 0
    assert "断头路" in html.read_text(encoding="utf-8")
    ends = gpd.read_file(out, layer="dead_ends")
    assert set(ends["kind"]) == set(network.DEAD_END_KINDS)




DEAD_END_ZH_TITLES = set(network.DEAD_END_KINDS.values())


def test_cli_deadends_map_in_english_has_no_chinese_legend(tmp_path):
    import html as _html

    roads = str(network.sample_path("roads"))
    out, page = tmp_path / "ends.gpkg", tmp_path / "map.html"
    assert main(["deadends", roads, "--out", str(out), "--map", str(page),
                 "--language", "en"]) == 0
    text = _html.unescape(page.read_text(encoding="utf-8"))
    title = network.map_title("en")
    assert title != network.map_title("zh") and title in text
    assert network.map_title("zh") not in text
    # the legend titles of the dead-end layers are the English ones
    layers = network.briefing_layers(network.dead_ends(network.build_graph(
        gpd.read_file(roads))), language="en")
    for _, style in layers:
        assert style["title"] in text
        assert DEAD_END_ZH_TITLES.isdisjoint({style["title"]})


def test_cli_searches_candidates_once_and_writes_what_the_library_returns(
        tmp_path, monkeypatch, capsys):
    from zjgis.network import _candidates, deadends, links

    calls = []
    real = _candidates._candidates

    def counting(*a, **k):
        calls.append(len(a[1]))
        return real(*a, **k)

    monkeypatch.setattr(deadends, "_candidates", counting)
    monkeypatch.setattr(links, "_candidates", counting)
    out = tmp_path / "ends.gpkg"
    assert main(["deadends", str(network.sample_path("roads")), "--out", str(out),
                 "--map", str(tmp_path / "m.html"), "--basemap", "none"]) == 0
    assert len(calls) == 1  # was 3: dead_ends, then missing_links' dead_ends and its own search
    monkeypatch.undo()
    roads = gpd.read_file(network.sample_path("roads"))
    ends = network.dead_ends(roads)
    want = network.missing_links(roads, dead_ends=ends)
    got_ends = gpd.read_file(out, layer="dead_ends")
    got_links = gpd.read_file(out, layer="missing_links")
    assert sorted(got_ends["node"]) == sorted(ends.index)
    assert list(got_links["dead_end_node"]) == list(want["dead_end_node"])
    # links start only at dead ends called gap (one max_gap_m for both)
    gap_nodes = set(got_ends.loc[got_ends["kind"] == "gap", "node"])
    assert set(got_links["dead_end_node"]) <= gap_nodes
    assert f"{len(want)} missing-link candidates" in capsys.readouterr().out


def test_cli_bad_roads_give_one_line_and_exit_1(tmp_path, capsys):
    bad = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=gpd.points_from_xy([121.6, 121.61], [31.2, 31.2]),
                     crs="EPSG:4326").to_file(bad)
    assert main(["deadends", str(bad), "--out", str(tmp_path / "o.gpkg")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Point" in err and "centrelines" in err
    assert not (tmp_path / "o.gpkg").exists()


def _geodesic_m(line):
    return pyproj.Geod(ellps="WGS84").geometry_length(line)


def _planner_roads(path, bridge_values=("否", "否", "是")):
    """A GeoJSON (UTF-8, no GBK) with a planner's Chinese field names, in lon/lat.

    By hand: 科苑路 runs east-west; 碧波路 runs north from it and stops (a dead end at
    its north tip); 高架 crosses 科苑路 at its middle.  Marked 桥梁=是 the viaduct passes
    over 科苑路 (two more dead ends, its own tips), marked 否 it is noded there.
    """
    x0, y0 = 121.60, 31.20
    d = 0.005  # ~480 m east-west, ~550 m north-south
    lines = [shapely.LineString([(x0, y0), (x0 + 2 * d, y0)]),
             shapely.LineString([(x0 + 0.5 * d, y0), (x0 + 0.5 * d, y0 + d)]),
             shapely.LineString([(x0 + 1.5 * d, y0 - d), (x0 + 1.5 * d, y0 + d)])]
    gdf = gpd.GeoDataFrame({"道路名称": ["科苑路", "碧波路", "高架"],
                            "道路等级": ["主干路", "支路", "快速路"],
                            "桥梁": list(bridge_values)}, geometry=lines, crs="EPSG:4326")
    gdf.to_file(path, driver="GeoJSON")
    text = path.read_text(encoding="utf-8")
    assert "道路名称" in text  # written as UTF-8 text, not escaped or GBK
    return lines


def test_cli_deadends_maps_chinese_road_fields_and_names_the_dead_ends(tmp_path, capsys):
    src = tmp_path / "道路.geojson"
    lines = _planner_roads(src)
    out = tmp_path / "ends.gpkg"
    assert main(["deadends", str(src), "--out", str(out)]) == 0
    ends = gpd.read_file(out, layer="dead_ends")
    # by hand: the free tips are 科苑路's two ends, 碧波路's north end and the two
    # ends of the viaduct, which passes over 科苑路 (桥梁=是)
    tips = {(round(x, 6), round(y, 6)): name for name, line in zip(["科苑路", "碧波路", "高架"],
                                                                   lines)
            for x, y in [line.coords[0], line.coords[-1]]}
    del tips[(round(lines[1].coords[0][0], 6), round(lines[1].coords[0][1], 6))]  # the T
    got = {(round(p.x, 6), round(p.y, 6)): n for p, n in zip(ends.geometry, ends["name"])}
    assert got == tips
    assert set(ends["road_class"]) == {"主干路", "支路", "快速路"}
    # not noded with 科苑路: each viaduct tip's branch is the whole viaduct (pyproj geodesic)
    viaduct_m = _geodesic_m(lines[2])
    assert ends.loc[ends["name"] == "高架", "branch_length_m"].to_numpy() == pytest.approx(
        [viaduct_m] * 2, rel=2e-3)
    assert "5 dead ends" in capsys.readouterr().out


def test_cli_deadends_bridge_no_is_noded_and_columns_option_maps_other_names(tmp_path):
    src = tmp_path / "roads.geojson"
    lines = _planner_roads(src, bridge_values=("否", "否", "否"))
    out = tmp_path / "ends.gpkg"
    assert main(["deadends", str(src), "--out", str(out)]) == 0
    # 否 is not a bridge: the viaduct is noded with 科苑路 at its middle, so each of its
    # two tips ends a branch of half its length (pyproj geodesic)
    ends = gpd.read_file(out, layer="dead_ends")
    assert len(ends) == 5
    assert ends.loc[ends["name"] == "高架", "branch_length_m"].to_numpy() == pytest.approx(
        [_geodesic_m(lines[2]) / 2] * 2, rel=2e-3)
    # a column name the schema does not know is mapped with --columns
    renamed = tmp_path / "renamed.geojson"
    gdf = gpd.read_file(src).rename(columns={"道路名称": "路段"})
    gdf.to_file(renamed, driver="GeoJSON")
    out2 = tmp_path / "ends2.gpkg"
    assert main(["deadends", str(renamed), "--out", str(out2), "--columns", "路段=name"]) == 0
    assert set(gpd.read_file(out2, layer="dead_ends")["name"]) == {"科苑路", "碧波路", "高架"}


def test_cli_deadends_columns_naming_a_missing_column_is_one_line(tmp_path, capsys):
    src = tmp_path / "roads.geojson"
    _planner_roads(src)
    assert main(["deadends", str(src), "--out", str(tmp_path / "o.gpkg"),
                 "--columns", "路名称=name"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "路名称" in err and "道路名称" in err


def test_cli_deadends_source_crs_gcj02_moves_the_dead_ends_to_wgs84(tmp_path, capsys):
    src = tmp_path / "amap.geojson"
    _planner_roads(src)
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    assert main(["deadends", str(src), "--out", str(a)]) == 0
    capsys.readouterr()
    with warnings.catch_warnings():  # the CLI prints its warnings as one line each
        warnings.simplefilter("default", CoordinateShiftWarning)
        assert main(["deadends", str(src), "--out", str(b), "--source-crs", "GCJ-02"]) == 0
    err = capsys.readouterr().err
    assert "GCJ-02 -> WGS-84" in err and "[CoordinateShiftWarning]" in err
    raw = gpd.read_file(a, layer="dead_ends").sort_values("name", kind="stable")
    wgs = gpd.read_file(b, layer="dead_ends").sort_values("name", kind="stable")
    assert len(raw) == len(wgs) == 5
    # the GCJ-02 offset in Shanghai (published figure): WGS-84 lies ~0.004-0.005° west
    # and ~0.002° north of the Amap coordinate
    dx = wgs.geometry.x.to_numpy() - raw.geometry.x.to_numpy()
    dy = wgs.geometry.y.to_numpy() - raw.geometry.y.to_numpy()
    assert ((dx > -0.0050) & (dx < -0.0040)).all() and ((dy > 0.0015) & (dy < 0.0025)).all()


def test_cli_deadends_source_crs_sets_the_crs_of_a_shapefile_without_prj(tmp_path, capsys):
    # a bureau shapefile in CGCS2000 Gauss-Krüger zone 40 (EPSG:4528) that lost its .prj
    lines = _planner_roads(tmp_path / "wgs.geojson")
    # 路名 (6 bytes in UTF-8) fits a dBase field name; 道路名称 (12 bytes) would be cut
    gk = gpd.GeoDataFrame({"路名": ["科苑路", "碧波路", "高架"], "桥梁": ["否", "否", "是"]},
                          geometry=lines, crs="EPSG:4326").to_crs("EPSG:4528")
    shp = tmp_path / "roads.shp"
    gk.to_file(shp, encoding="utf-8")
    shp.with_suffix(".prj").unlink()
    assert main(["deadends", str(shp), "--out", str(tmp_path / "x.gpkg")]) == 1
    assert "Traceback" not in capsys.readouterr().err
    out = tmp_path / "ends.gpkg"
    assert main(["deadends", str(shp), "--out", str(out), "--source-crs", "EPSG:4528"]) == 0
    ends = gpd.read_file(out, layer="dead_ends")
    # back at the lon/lat tips drawn (pyproj round trip, sub-millimetre)
    tips = {(round(x, 6), round(y, 6)) for line in (lines[0], lines[2])
            for x, y in (line.coords[0], line.coords[-1])} | {
        (round(lines[1].coords[-1][0], 6), round(lines[1].coords[-1][1], 6))}
    assert {(round(p.x, 6), round(p.y, 6)) for p in ends.to_crs("EPSG:4326").geometry} == tips
    assert set(ends["name"]) == {"科苑路", "碧波路", "高架"}


def test_cli_deadends_bar_is_silenced_by_q_even_when_forced(tmp_path):
    """``zjgis deadends`` on 102,604 edges: a stage bar on stderr when forced, none with -q."""
    import os
    import subprocess
    import sys

    n, step = 226, 50.0  # n long streets each way, crossing: 2·n·(n−1) + 4·n edges
    far = n * step
    lines = ([shapely.LineString([(-20, i * step), (far, i * step)]) for i in range(n)]
             + [shapely.LineString([(i * step, -20), (i * step, far)]) for i in range(n)])
    roads = tmp_path / "grid.gpkg"
    gpd.GeoDataFrame({"name": ["路"] * len(lines)}, geometry=lines,
                     crs="EPSG:32651").to_file(roads)
    assert 2 * n * (n - 1) + 4 * n >= 100_000
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["ZJGIS_PROGRESS"] = "1"
    runs = {}
    for flags in ([], ["-q"]):
        out = tmp_path / f"ends{len(flags)}.gpkg"
        proc = subprocess.run([sys.executable, "-m", "zjgis.cli.main", *flags, "deadends",
                               str(roads), "--out", str(out)],
                              env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        runs[tuple(flags)] = proc
        assert len(gpd.read_file(out, layer="dead_ends")) == 4 * n  # the stubs' free ends
    loud = runs[()].stderr
    assert "dead ends" in loud and "%" in loud and ", gaps]" in loud
    assert runs[("-q",)].stderr == ""
    assert f"{4 * n} dead ends" in runs[()].stdout  # the bar is on stderr, not in the output
    assert "%|" not in runs[()].stdout


@pytest.mark.parametrize(("extra", "said"), [
    (["--basemap", "高德"], "basemap"),
    (["--extent", "不存在"], "--extent"),
])
def test_a_bad_map_option_leaves_the_earlier_result_as_it_was(tmp_path, capsys, extra, said):
    roads = Path(__file__).parents[1] / "data" / "sample_roads" / "roads.geojson"
    out, page = tmp_path / "断头路.gpkg", tmp_path / "断头路.html"
    out.write_bytes(b"the planner's earlier result")
    code = main(["deadends", str(roads), "--out", str(out), "--map", str(page),
                 "--overwrite", *extra])
    err = capsys.readouterr().err
    assert code == 1 and said in err and "Traceback" not in err
    assert out.read_bytes() == b"the planner's earlier result" and not page.exists()


@pytest.mark.parametrize(("flag", "name", "said"), [
    ("--out", "断头路.shp", ".gpkg or .geojson or .json or .fgb"),
    ("--map", "断头路.png", ".html or .htm"),
])
def test_an_output_of_the_wrong_kind_is_refused_by_its_own_name(tmp_path, capsys, flag, name,
                                                                said):
    roads = Path(__file__).parents[1] / "data" / "sample_roads" / "roads.geojson"
    argv = {"--out": str(tmp_path / "a.gpkg"), "--map": None}
    argv[flag] = str(tmp_path / name)
    args = ["deadends", str(roads), "--out", argv["--out"]]
    if argv["--map"]:
        args += ["--map", argv["--map"]]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 1 and f"{tmp_path / name}: this output is" in err and said in err
    assert ".tmp" not in err and list(tmp_path.iterdir()) == []
