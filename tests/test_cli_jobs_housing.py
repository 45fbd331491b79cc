"""``zjgis jobs-housing``: thin CLI over jobshousing.analyse / write_report."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from zjgis import crs
from zjgis.cli.main import main


def _inputs(tmp_path, *, od_encoding="utf-8"):
    def square(x, y):
        return box(x, y, x + 1000, y + 1000)

    zones = gpd.GeoDataFrame(
        {"code": ["A", "B", "C"], "name": ["甲", "乙", "丙"], "jobs": [30.0, 10.0, 20.0],
         "workers": [9.0, 30.0, 21.0]},
        geometry=[square(0, 0), square(3000, 0), square(0, 3000)], crs=crs.METRIC)
    zones.to_file(tmp_path / "zones.gpkg")
    od = pd.DataFrame({"home": ["A", "B", "B", "B", "C", "C"],
                       "work": ["A", "A", "B", "C", "A", "C"],
                       "count": [9, 15, 10, 5, 6, 15]})
    (tmp_path / "od.csv").write_bytes(od.to_csv(index=False).encode(od_encoding))
    return tmp_path / "zones.gpkg", tmp_path / "od.csv"


def test_workbook_rounds_ratios(tmp_path):
    zpath, opath = _inputs(tmp_path)
    out = tmp_path / "r.xlsx"
    assert main(["jobs-housing", str(zpath), str(opath), "--out", str(out)]) == 0
    bal = pd.read_excel(out, sheet_name="职住平衡")
    # hand: 30/9 = 3.333…, 10/30 = 0.333…, 20/21 = 0.952… → two decimals in the hand-out
    assert bal["职住比"].tolist() == [3.33, 0.33, 0.95]
    idx = bal["职住平衡指数"].tolist()
    assert idx == [round(1 - 21 / 39, 3), round(1 - 20 / 40, 3), round(1 - 1 / 41, 3)]


def test_gbk_od_table_is_read_through_zjgis_io(tmp_path):
    zpath, opath = _inputs(tmp_path)
    od = pd.read_csv(opath)
    od["备注"] = "手机信令"
    opath.write_bytes(od.to_csv(index=False).encode("gbk"))
    assert main(["jobs-housing", str(zpath), str(opath), "--out",
                 str(tmp_path / "r.xlsx")]) == 0


def test_source_crs_is_applied_to_the_zones(tmp_path, capsys):
    zpath, opath = _inputs(tmp_path)
    # the same zones written without a CRS: refused, then named with --source-crs
    bare = gpd.read_file(zpath).set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="crs"):  # pyogrio: writing without a CRS
        bare.to_file(tmp_path / "bare.shp")
    (tmp_path / "bare.prj").unlink(missing_ok=True)
    out = tmp_path / "r.xlsx"
    assert main(["jobs-housing", str(tmp_path / "bare.shp"), str(opath), "--out",
                 str(out)]) == 1
    assert "source_crs" in capsys.readouterr().err
    assert main(["jobs-housing", str(tmp_path / "bare.shp"), str(opath), "--out", str(out),
                 "--source-crs", crs.METRIC]) == 0
    assert out.exists()


@pytest.mark.parametrize("content", [b"", b"home,work\n\xff\xfe\x00"])
def test_broken_od_file_is_one_line(tmp_path, capsys, content):
    zpath, opath = _inputs(tmp_path)
    opath.write_bytes(content)
    assert main(["jobs-housing", str(zpath), str(opath), "--out",
                 str(tmp_path / "r.xlsx")]) == 1
    err = capsys.readouterr().err.strip()
    assert "od.csv" in err and "Traceback" not in err


def test_chinese_headers_the_readme_documents_need_no_options(tmp_path):
    # a bureau's zones (分区编号/分区名称/就业岗位/就业人口) and an Excel OD (起点/终点/人数)
    # give the same figures as the English columns, ids kept as text (007 stays 007)
    zpath, opath = _inputs(tmp_path)
    zones = gpd.read_file(zpath).rename(columns={"code": "分区编号", "name": "分区名称",
                                                 "jobs": "就业岗位", "workers": "就业人口"})
    zones["分区编号"] = ["007", "B", "C"]
    zones.to_file(tmp_path / "分区.gpkg")
    od = pd.read_csv(opath).replace({"A": "007"}).rename(
        columns={"home": "起点", "work": "终点", "count": "人数"})
    od.to_excel(tmp_path / "OD.xlsx", index=False)
    out = tmp_path / "职住.xlsx"
    assert main(["jobs-housing", str(tmp_path / "分区.gpkg"), str(tmp_path / "OD.xlsx"),
                 "--out", str(out)]) == 0
    bal = pd.read_excel(out, sheet_name="职住平衡", dtype=object)
    assert bal["职住比"].tolist() == [3.33, 0.33, 0.95]
    assert "007" in bal.astype(str).to_numpy().ravel().tolist()
    # an option naming the planner's own header still works after the mapping
    out2 = tmp_path / "职住2.xlsx"
    assert main(["jobs-housing", str(tmp_path / "分区.gpkg"), str(tmp_path / "OD.xlsx"),
                 "--out", str(out2), "--jobs", "就业岗位", "--zone-id", "分区编号"]) == 0
    assert pd.read_excel(out2, sheet_name="职住平衡")["职住比"].tolist() == [3.33, 0.33, 0.95]


def test_a_bad_map_option_writes_no_report(tmp_path, capsys):
    zpath, opath = _inputs(tmp_path)
    out = tmp_path / "r.xlsx"
    code = main(["jobs-housing", str(zpath), str(opath), "--out", str(out),
                 "--map", str(tmp_path / "m.html"), "--basemap", "高德"])
    assert code == 1 and "Traceback" not in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "m.html").exists()


def test_flow_classes_have_distinct_bounds():
    from zjgis.cli.jobs_housing import _flow_classes

    assert _flow_classes(pd.Series([800])) == ([800.0], ["#40004b"])
    bins, colours = _flow_classes(pd.Series([100, 200, 300, 400, 1000]))
    assert bins == sorted(set(bins)) and bins[-1] == 1000.0 and len(colours) == len(bins) == 3
    assert _flow_classes(pd.Series([], dtype=float)) == ([1.0], ["#40004b"])
