"""The planner's folder: bureau files in, Chinese hand-out tables out, from the CLI alone.

A folder as a district bureau hands it over (issue 11):

* ``储备地块.shp`` — GBK, no ``.cpg``, EPSG:4528 (CGCS2000 Gauss–Krüger zone 40),
  fields 地块编号 / 地块名称 / 用地性质 (Chinese 2023 names) / 状态 / 面积 (亩) /
  计划供应年份 (cut to 10 bytes by the DBF), no 街镇;
* ``老地块.shp`` — an older file with GB 50137-2011 / GBJ 137-90 codes (M1, W1, A35,
  C65) and shapefile-truncated English names (``land_use_c``, ``street_tow``);
* ``项目清单.xlsx`` — 项目名称 / 产业类别 / 用地需求(亩) (one figure), with a 集成电路
  project;
* ``企业.geojson`` — an Amap export of enterprises: GCJ-02 that claims EPSG:4326.

The walk-through runs ``zjgis`` subcommands only, with no column renamed by hand.
Expected values come from pyproj (geodesic areas, the GCJ-02 offset), openpyxl
(what the planner sees) and the files as written.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import warnings

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod

from zjgis.cli.main import main
from zjgis.landreserve import Register

MU_M2 = 10_000 / 15  # 1 亩 = 1/15 公顷, by definition
_GEOD = Geod(ellps="WGS84")

# 12 bureau parcels: (用地性质 as the bureau writes it, 状态 as the bureau writes it)
BUREAU = [
    ("一类工业用地", "储备"), ("二类工业用地", "储备"), ("科研用地", "储备"),
    ("物流仓储用地", "收储"), ("产业综合用地", "储备"), ("工业用地", "拟收储"),
    ("一类工业用地", "已出让"), ("科研用地", "收储"), ("一类工业用地", "储备"),
    ("产业综合用地", "收储"), ("二类工业用地", "已供应"), ("一类工业用地", "储备"),
]
OLD = [("M1", "reserved"), ("W1", "acquired"), ("A35", "reserved"), ("C65", "储备")]
OLD_EXPECTED = ["100101", "110101", "0802", "0802"]
STATUS_EXPECTED = {"储备": "reserved", "收储": "acquired", "拟收储": "pre_acquisition",
                   "已出让": "supplied", "已供应": "supplied", "reserved": "reserved",
                   "acquired": "acquired"}
NAME_EXPECTED = {"一类工业用地": "100101", "二类工业用地": "100102", "科研用地": "0802",
                 "物流仓储用地": "1101", "产业综合用地": "SH-CYZH",
                 "工业用地": "100101"}  # ambiguous: the walk-through names 100101 as default


def _geodesic_m2(geom) -> float:
    return abs(_GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))[0])


def _sample_parcels(n: int) -> gpd.GeoDataFrame:
    """Disjoint parcel shapes of the shipped sample register, well inside the science city."""
    from zjgis import layers
    from zjgis.landreserve import SAMPLE_DIR

    parcels = pyogrio.read_dataframe(SAMPLE_DIR / "register.gpkg", layer="parcels")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        area = layers.load("science_city_2022").to_crs(32651).union_all().buffer(-200)
    inside = parcels.to_crs(32651).within(area)
    parcels = parcels[inside.to_numpy()].sort_values("parcel_id").reset_index(drop=True)
    return parcels.iloc[:n][["geometry"]].copy()


def _gcj02_from_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """The published GCJ-02 forward formula (as in coordTransform), written out here."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
            + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3)
    radlat = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (a / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Write the bureau's folder; return its path and what was written."""
    root = tmp_path_factory.mktemp("规划局")
    shapes = _sample_parcels(len(BUREAU) + len(OLD))
    wgs = shapes.geometry.to_numpy()
    measured_mu = np.array([_geodesic_m2(g) / MU_M2 for g in wgs])
    declared = np.round(measured_mu, 2)
    declared[3] = round(measured_mu[3] * 1.05, 2)  # one declared area 5 % off
    n = len(BUREAU)
    bureau = gpd.GeoDataFrame({
        "地块编号": [f"PD-2025-{i + 1:03d}" for i in range(n)],
        "地块名称": [f"张江{i + 1}号地块" for i in range(n)],
        "用地性质": [lu for lu, _ in BUREAU],
        "状态": [st for _, st in BUREAU],
        "面积": declared[:n],
        "计划供应年份": [2025 if i % 2 else 2026 for i in range(n)],
    }, geometry=wgs[:n], crs=4326).to_crs(4528)
    shp = root / "储备地块.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL: field name cut to 10 bytes
        pyogrio.write_dataframe(bureau, shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    old = gpd.GeoDataFrame({
        "parcel_id": [f"OLD-{i + 1}" for i in range(len(OLD))],
        "land_use_c": [c for c, _ in OLD],
        "status": [s for _, s in OLD],
        "street_tow": ["张江镇"] * len(OLD),
        "supply_yea": [2025] * len(OLD),
    }, geometry=wgs[n:], crs=4326)
    old_shp = root / "老地块.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL: field names truncated
        pyogrio.write_dataframe(old.rename(columns={"land_use_c": "land_use_code",
                                                    "street_tow": "street_town",
                                                    "supply_yea": "supply_year"}),
                                old_shp, encoding="UTF-8")
    projects = pd.DataFrame({
        "项目名称": ["芯片制造基地", "创新药研发中心", "智能装备产业园", "人工智能算力中心"],
        "产业类别": ["集成电路", "生物医药", "智能制造", "人工智能"],
        "用地需求(亩)": [round(float(measured_mu[0]), 1), round(float(measured_mu[2]), 1),
                      round(float(measured_mu[4]), 1), round(float(measured_mu[8]), 1)],
    })
    xlsx = root / "项目清单.xlsx"
    projects.to_excel(xlsx, index=False, sheet_name="五个一批")
    english = projects.assign(产业类别=["integrated_circuits", "biomedicine",
                                     "advanced_manufacturing", "artificial_intelligence"])
    english.to_excel(root / "projects_en.xlsx", index=False)
    points = [shapely.Point(_gcj02_from_wgs84(*g.representative_point().coords[0]))
              for g in wgs[:3]]
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(p),
         "properties": {"企业名称": f"企业{i + 1}", "产业类别": "集成电路",
                        "就业岗位": 100 * (i + 1)}}
        for i, p in enumerate(points)]}
    (root / "企业.geojson").write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return {"root": root, "bureau": bureau, "old": old, "projects": projects,
            "measured_mu": measured_mu, "declared": declared, "wgs": wgs}


def test_the_folder_is_what_a_bureau_hands_over(folder):
    root = folder["root"]
    shp = root / "储备地块.shp"
    assert not shp.with_suffix(".cpg").exists()
    raw = shp.with_suffix(".dbf").read_bytes()
    assert "地块编号".encode("gbk") in raw and "一类工业用地".encode("gbk") in raw
    assert "计划供应年".encode("gbk") in raw  # the DBF cut 计划供应年份 to 10 bytes
    assert "EPSG" in pyogrio.read_info(shp)["crs"] and "4528" in pyogrio.read_info(shp)["crs"]
    names = pyogrio.read_info(root / "老地块.shp")["fields"].tolist()
    assert {"land_use_c", "street_tow", "supply_yea"} <= set(names)


def _run(*argv: str, log: list | None = None, warns: tuple[str, ...] = ()) -> int:
    """Run ``zjgis``; its warnings come out as printed lines, each one expected in ``warns``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings():
        warnings.simplefilter("always")  # the CLI prints them; the suite's "error" would not
        code = main([str(a) for a in argv])
    said = out.getvalue() + err.getvalue()
    printed = set(re.findall(r"zjgis: warning: .*\[(\w+)\]", said))
    assert printed <= set(warns), (argv[:2], said)
    if log is not None:
        log.append(said)
    return code


@pytest.fixture(scope="module")
def walked(folder, tmp_path_factory):
    """Run the README walk-through on the folder, from the CLI alone."""
    root, out = folder["root"], tmp_path_factory.mktemp("成果")
    reg = out / "台账.gpkg"
    codes, said = {}, []
    codes["import"] = _run("reserve", "import", root / "储备地块.shp", "--register", reg,
                           "--create", "--date", "2025-01-02",
                           "--land-use-default", "工业用地=100101",
                           "--area-unit", "亩", log=said, warns=("DataQualityWarning",))
    codes["import_old"] = _run("reserve", "import", root / "老地块.shp", "--register", reg,
                               "--date", "2025-01-02")
    codes["transition"] = _run("reserve", "transition", "--register", reg, "PD-2025-001",
                               "已出让", "--date", "2025-03-01", "--note", "挂牌出让", log=said)
    codes["update"] = _run("reserve", "update", "--register", reg, "PD-2025-003",
                           "--set", "计划供应年份=2027", "街镇=张江镇")
    codes["history"] = _run("reserve", "history", "--register", reg, "PD-2025-001",
                            "--out", out / "变更记录.csv")
    codes["plan"] = _run("reserve", "plan", "--register", reg, "--year", "2025",
                         "--out", out / "计划表2025.xlsx")
    codes["match"] = _run("reserve", "match", "--register", reg, "--projects",
                          root / "项目清单.xlsx", "--out", out / "匹配.xlsx")
    codes["match_en"] = _run("reserve", "match", "--register", reg, "--projects",
                             root / "projects_en.xlsx", "--out", out / "match_en.xlsx")
    codes["map"] = _run("reserve", "map", "--register", reg, "--projects",
                        root / "项目清单.xlsx", "--enterprises", root / "企业.geojson",
                        "--source-crs", "GCJ-02", "--year", "2025", "--basemap", "none",
                        "--out", out / "储备地块.html", warns=("CoordinateShiftWarning",))
    return {"out": out, "reg": reg, "codes": codes, "import_said": said[0], "said": said}


def test_every_command_succeeds(walked):
    assert walked["codes"] == dict.fromkeys(walked["codes"], 0), walked["said"]


def test_import_report_says_what_it_did(walked):
    said = walked["import_said"]
    assert "12 parcel(s) accepted, 0 rejected" in said
    assert "地块编号 → parcel_id" in said and "用地性质 → land_use_code" in said
    assert "计划供应年 → supply_year" in said  # the DBF's 10-byte cut of 计划供应年份
    assert "streets_towns" in said  # 街镇 derived by location, and said so
    # the declared area 5 % off is a data-quality warning (one line, class named)
    assert "PD-2025-004" in said and "+5.0%" in said and "DataQualityWarning" in said


def test_every_parcel_arrives_with_its_values(folder, walked):
    with Register(walked["reg"], study_area=None) as reg:
        p = reg.parcels().set_index("parcel_id")
        hist = reg.history("PD-2025-001")
    bureau = folder["bureau"]
    assert len(p) == len(BUREAU) + len(OLD)
    for i, pid in enumerate(bureau["地块编号"]):
        lu, st = BUREAU[i]
        assert p.loc[pid, "land_use_code"] == NAME_EXPECTED[lu]
        expected = "supplied" if pid == "PD-2025-001" else STATUS_EXPECTED[st]
        assert p.loc[pid, "status"] == expected, pid
        assert p.loc[pid, "name"] == bureau["地块名称"].iloc[i]
        # geodesic area from pyproj on the WGS-84 shape the bureau started from
        assert p.loc[pid, "area_mu"] == pytest.approx(folder["measured_mu"][i], rel=1e-6)
        # the declared 面积 in its own columns beside the geodesic area, not in attributes
        assert p.loc[pid, "declared_area_mu"] == pytest.approx(folder["declared"][i])
        assert p.loc[pid, "declared_area"] == pytest.approx(folder["declared"][i])
        assert p.loc[pid, "declared_area_unit"] == "mu"
        assert "declared_area_mu" not in json.loads(p.loc[pid, "attributes"])
    for i, pid in enumerate(folder["old"]["parcel_id"]):
        assert p.loc[pid, "land_use_code"] == OLD_EXPECTED[i]
        assert p.loc[pid, "street_town"] == "张江镇"
    assert p.loc["PD-2025-003", "supply_year"] == 2027
    assert list(hist["action"]) == ["add", "transition"]
    assert hist["note"].iloc[-1] == "挂牌出让" and hist["changed_at"].iloc[-1].startswith(
        "2025-03-01")


def test_declared_area_is_a_real_column_for_qgis(folder, walked):
    """The GeoPackage as QGIS reads it: declared_area_mu a REAL field beside area_mu."""
    import sqlite3

    con = sqlite3.connect(walked["reg"])
    types = {r[1]: r[2] for r in con.execute("PRAGMA table_info(parcels)")}
    con.close()
    assert types["declared_area_mu"] == "REAL" and types["declared_area"] == "REAL"
    assert types["declared_area_unit"] == "TEXT"
    names = list(types)
    assert names.index("declared_area_mu") == names.index("area_mu") + 1
    info = pyogrio.read_info(walked["reg"], layer="parcels")
    kinds = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert kinds["declared_area_mu"] == "float64"
    gdf = pyogrio.read_dataframe(walked["reg"], layer="parcels").set_index("parcel_id")
    bureau = folder["bureau"]
    for i, pid in enumerate(bureau["地块编号"]):
        assert gdf.loc[pid, "declared_area_mu"] == pytest.approx(bureau["面积"].iloc[i])
    assert gdf.loc[folder["old"]["parcel_id"], "declared_area_mu"].isna().all()


def test_street_town_derived_by_location(folder, walked):
    from zjgis import layers

    towns = gpd.read_file(layers.info("streets_towns")["path"]) if "path" in layers.info(
        "streets_towns") else layers.load("streets_towns")
    pts = gpd.GeoDataFrame(geometry=shapely.point_on_surface(folder["wgs"][:len(BUREAU)]),
                           crs=4326)
    joined = gpd.sjoin(pts, towns[["name", "geometry"]].to_crs(4326), predicate="within")
    expected = joined["name"].groupby(level=0).first()
    with Register(walked["reg"], study_area=None) as reg:
        p = reg.parcels().set_index("parcel_id")
    for k, pid in enumerate(folder["bureau"]["地块编号"]):
        if pid == "PD-2025-003":
            assert p.loc[pid, "street_town"] == "张江镇"  # set by `reserve update`
        elif k in expected.index:
            assert p.loc[pid, "street_town"] == expected[k]


def test_plan_workbook_totals_and_parcel_list(folder, walked):
    wb = openpyxl.load_workbook(walked["out"] / "计划表2025.xlsx")
    assert wb.sheetnames == ["计划表", "地块清单"]
    plan = wb["计划表"]
    rows = [[c.value for c in r] for r in plan.iter_rows(min_row=5)]
    assert rows[-1][0] == "合计" and rows[-1][1] == len(BUREAU) + len(OLD)
    ws = wb["地块清单"]
    headers = [c.value for c in ws[3]]
    assert headers == ["编号", "名称", "街镇", "产业社区", "用地性质", "申报面积(公顷)",
                       "申报面积(亩)", "测量面积(公顷)", "测量面积(亩)", "状态", "计划供应年份"]
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=4)][:-1]
    assert len(body) == len(BUREAU) + len(OLD)
    first = next(r for r in body if r[0] == "PD-2025-001")
    assert first[headers.index("状态")] == "供应（出让）"
    assert first[headers.index("用地性质")] == "100101 一类工业用地"
    assert first[headers.index("申报面积(亩)")] == pytest.approx(folder["declared"][0])
    for sheet in wb.worksheets:
        assert all(not str(h).isascii() for h in [c.value for c in sheet[3]] if h)


def test_matching_workbook_chinese_and_ic_fit_as_english(folder, walked):
    wb = openpyxl.load_workbook(walked["out"] / "匹配.xlsx")
    assert wb.sheetnames == ["匹配结果", "未匹配项目", "闲置地块"]
    for sheet in wb.worksheets:
        headers = [c.value for c in sheet[3] if c.value]
        assert headers and all(not h.isascii() for h in headers), sheet.title

    def projects_of(book):
        out = {}
        for name in ("匹配结果", "未匹配项目"):
            ws = book[name]
            headers = [c.value for c in ws[3]]
            for r in ws.iter_rows(min_row=4, values_only=True):
                out[r[headers.index("项目名称")]] = dict(zip(headers, r, strict=True))
        return out

    zh = projects_of(wb)
    assert set(zh) == set(folder["projects"]["项目名称"])  # every project arrives
    en = projects_of(openpyxl.load_workbook(walked["out"] / "match_en.xlsx"))
    chip = zh["芯片制造基地"]
    assert "产业契合度" in chip, "the 集成电路 project was placed"
    assert chip["产业类别"] == "集成电路"
    assert chip["产业契合度"] == en["芯片制造基地"]["产业契合度"]
    assert chip["总得分"] == en["芯片制造基地"]["总得分"]


def test_history_csv_has_bom_and_map_converts_gcj02(folder, walked):
    raw = (walked["out"] / "变更记录.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "挂牌出让".encode() in raw
    html = (walked["out"] / "储备地块.html").read_text(encoding="utf-8")
    assert "企业1" in html
    # the enterprise points come back to WGS-84: the true position, not the GCJ-02 one
    true_lon, true_lat = folder["wgs"][0].representative_point().coords[0]
    gcj_lon, _ = _gcj02_from_wgs84(true_lon, true_lat)
    assert f"{true_lon:.5f}"[:-1] in html
    assert f"{gcj_lon:.5f}"[:-1] not in html


def test_partial_import_exit_code_3(folder, tmp_path):
    reg = tmp_path / "r.gpkg"
    code = _run("reserve", "import", folder["root"] / "老地块.shp", "--register", reg,
                "--create")
    assert code == 0
    said: list[str] = []
    code = _run("reserve", "import", folder["root"] / "储备地块.shp", "--register", reg,
                "--area-unit", "亩", "--rejected", tmp_path / "未导入.csv", log=said,
                warns=("DataQualityWarning",))
    assert code == 3  # the 工业用地 row is rejected with its choices, the others imported
    err = said[0]
    assert "一类工业用地" in err and "--land-use-default" in err
    assert "land_use_defaults=" not in err  # the library's keyword is not the CLI's
    rejected = pd.read_csv(tmp_path / "未导入.csv", encoding="utf-8-sig")
    assert list(rejected.columns) == ["位置", "地块编号", "原因"]
    assert rejected["地块编号"].tolist() == ["PD-2025-006"]
    # the place as the planner finds it: the shapefile's feature, counted from 1
    assert rejected["位置"].iloc[0].startswith("feature ")
    assert rejected["位置"].iloc[0] in err
