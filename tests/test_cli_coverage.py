"""``zjgis coverage``: thin CLI over transit.station_coverage."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from zjgis.cli.main import main

UTM = "EPSG:32651"


def _write(tmp_path, *, crs=UTM):
    st = gpd.GeoDataFrame({"station": ["S"]}, geometry=[Point(0, 40)], crs=UTM)
    roads = gpd.GeoDataFrame(geometry=[LineString([(-1000, 0), (1000, 0)])], crs=UTM)
    pop = gpd.GeoDataFrame({"population": [10, 20]},
                           geometry=[Point(200, 0), Point(700, 0)], crs=UTM)
    zones = gpd.GeoDataFrame({"name": ["z"]}, geometry=[box(-1000, -500, 1000, 500)], crs=UTM)
    paths = {}
    for key, gdf in (("stations", st), ("roads", roads), ("population", pop), ("zones", zones)):
        paths[key] = tmp_path / f"{key}.gpkg"
        gdf.to_crs(crs).to_file(paths[key])
    return paths


def test_network_coverage_writes_layers_and_a_bom_csv(tmp_path, capsys):
    p = _write(tmp_path)
    out = tmp_path / "cov.gpkg"
    assert main(["coverage", str(p["stations"]), "--roads", str(p["roads"]), "--zones",
                 str(p["zones"]), "--population", str(p["population"]),
                 "--distances-m", "300,500", "--walk-m", "500", "--out", str(out)]) == 0
    assert "EPSG:32651" in capsys.readouterr().out
    csv = out.with_suffix(".zones.csv")
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(csv, encoding="utf-8-sig")
    # hand: 40 m access + 200 m → in at 300; 40 + 700 → out at 500
    assert table["300米内人口"].iloc[0] == 10
    assert table["500米内人口"].iloc[0] == 10
    assert not [c for c in table.columns if c.startswith("Unnamed")]  # no blank index column
    assert {"人口总数", "300米内人口占比", "500米外人口"} <= set(table.columns)
    assert not [c for c in table.columns if "population" in c]
    assert table["数据精度"].iloc[0] == "未注明"  # the test inputs carry no accuracy class
    assert len(gpd.read_file(out, layer="areas")) == 2


def test_inputs_in_different_crss_are_one_line(tmp_path, capsys):
    p = _write(tmp_path)
    gpd.read_file(p["zones"]).to_crs("EPSG:4326").to_file(tmp_path / "z4326.gpkg")
    assert main(["coverage", str(p["stations"]), "--zones", str(tmp_path / "z4326.gpkg"),
                 "--out", str(tmp_path / "c.gpkg")]) == 1
    err = capsys.readouterr().err
    assert "EPSG:4326" in err and "Traceback" not in err


def test_bad_distances_are_one_line(tmp_path, capsys):
    p = _write(tmp_path)
    assert main(["coverage", str(p["stations"]), "--distances-m", "300,abc",
                 "--out", str(tmp_path / "c.gpkg")]) == 1
    assert "--distances-m" in capsys.readouterr().err


def test_an_amap_station_sheet_beside_wgs84_streets_with_one_source_crs_each(tmp_path, capsys):
    # the planner's files: stations from Amap in an Excel sheet (站名/经度/纬度, GCJ-02),
    # streets and zones in WGS-84; --source-crs FILE=CRS converts the sheet alone
    from zjgis import crs

    p = _write(tmp_path, crs="EPSG:4326")
    st = gpd.read_file(p["stations"])
    glon, glat = crs.wgs84_to_gcj02(st.geometry.x.to_numpy(), st.geometry.y.to_numpy())
    sheet = tmp_path / "车站_高德.xlsx"
    pd.DataFrame({"站名": ["{{ 7*7 }}<b>S</b>"], "经度": glon, "纬度": glat}).to_excel(
        sheet, index=False)
    out = tmp_path / "cov.gpkg"
    args = ["coverage", str(sheet), "--roads", str(p["roads"]), "--zones", str(p["zones"]),
            "--population", str(p["population"]), "--distances-m", "300,500",
            "--walk-m", "500", "--out", str(out), "--source-crs", "车站_高德.xlsx=GCJ-02"]
    assert main(args) == 0
    capsys.readouterr()
    table = pd.read_csv(out.with_suffix(".zones.csv"), encoding="utf-8-sig")
    # the same hand figures as in metres: the station is back 40 m from the street
    assert table["300米内人口"].iloc[0] == 10
    assert table["500米内人口"].iloc[0] == 10
    # a FILE that is none of the inputs is refused by name, and a second plain CRS too
    assert main([*args[:-1], "stations.xlsx=GCJ-02", "--overwrite"]) == 1
    assert "'stations.xlsx', which is not one of this command's files" in capsys.readouterr().err
    assert main([*args, "--source-crs", "GCJ-02", "--source-crs", "BD-09", "--overwrite"]) == 1
    assert "--source-crs given twice for every file" in capsys.readouterr().err


def test_a_zones_column_is_the_population_shared_by_area(tmp_path, capsys):
    # --population 常住人口 names a column of --zones: each zone's figure times the covered
    # share of its area; the message says what was measured, in plain words
    p = _write(tmp_path)
    zones = gpd.read_file(p["zones"])
    zones["常住人口"] = [1000]
    zones.to_file(p["zones"])
    out = tmp_path / "cov.gpkg"
    assert main(["coverage", str(p["stations"]), "--roads", str(p["roads"]), "--zones",
                 str(p["zones"]), "--population", "常住人口", "--distances-m", "300",
                 "--walk-m", "300", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "service areas along the streets: 300 m" in said and "StationCoverage(" not in said
    areas = gpd.read_file(out, layer="areas").to_crs(UTM)
    share = float(areas.intersection(box(-1000, -500, 1000, 500)).area.iloc[0]) / 2e6
    table = pd.read_csv(out.with_suffix(".zones.csv"), encoding="utf-8-sig")
    assert table["人口总数"].iloc[0] == 1000
    assert table["300米内人口"].iloc[0] == pytest.approx(1000 * share, rel=1e-3)


def test_zones_without_counts_say_the_table_has_no_coverage(tmp_path, capsys):
    p = _write(tmp_path)
    assert main(["coverage", str(p["stations"]), "--zones", str(p["zones"]),
                 "--out", str(tmp_path / "c.gpkg")]) == 0
    assert "lists no coverage" in capsys.readouterr().out


def test_points_without_the_count_column_warn_instead_of_counting_silently(tmp_path, capsys):
    p = _write(tmp_path)
    pop = gpd.read_file(p["population"]).rename(columns={"population": "常住人口"})
    pop.to_file(p["population"])
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # shown as the command shows it, not raised
        code = main(["coverage", str(p["stations"]), "--zones", str(p["zones"]),
                     "--population", str(p["population"]), "--out", str(tmp_path / "c.gpkg")])
    err = capsys.readouterr().err
    assert code == 0 and "each point counts as 1" in err and "--population-column" in err
    assert "population_column=" not in err
