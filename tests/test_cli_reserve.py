"""``zjgis reserve``: register work from the command line, one-line errors, exit codes."""

from __future__ import annotations

import contextlib
import io
import sqlite3
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from zjgis.cli._common import EXIT_PARTIAL, read_input, read_table, write_csv
from zjgis.cli.main import main
from zjgis.landreserve import Register

sys.path.insert(0, str(Path(__file__).parent))
from _landreserve_helpers import parcels  # noqa: E402


def run(*argv) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning is expected from these commands
        code = main([str(a) for a in argv])
    return code, out.getvalue() + err.getvalue()


@pytest.fixture
def reg_path(tmp_path):
    path = tmp_path / "r.gpkg"
    with Register.create(path, study_area=None) as reg:
        reg.add(parcels(6), date="2024-01-01")
    return path


def test_transition_records_date_note_and_user(reg_path):
    code, said = run("reserve", "transition", "--register", reg_path, "P002", "已出让",
                     "--date", "2024-06-30", "--note", "沪土拍 2024-17", "--user", "王工")
    assert code == 0 and "储备 → 供应（出让）" in said
    with Register(reg_path, study_area=None) as reg:
        assert reg.get("P002")["status"] == "supplied"
        last = reg.history("P002").iloc[-1]
    assert last["action"] == "transition" and last["user"] == "王工"
    assert last["note"] == "沪土拍 2024-17" and last["changed_at"].startswith("2024-06-30")
    assert last["before"]["status"] == "reserved" and last["after"]["status"] == "supplied"


def test_transition_the_lifecycle_forbids_is_one_line(reg_path):
    code, said = run("reserve", "transition", "--register", reg_path, "P000", "投产")
    assert code == 1 and said.startswith("zjgis: error:") and "Traceback" not in said
    assert said.count("\n") == 1 and "P000" in said
    with Register(reg_path, study_area=None) as reg:
        assert reg.get("P000")["status"] == "pre_acquisition"  # nothing written


def test_update_by_chinese_field_names(reg_path):
    code, said = run("reserve", "update", "--register", reg_path, "P001", "--set",
                     "计划供应年份=2030", "街镇=唐镇", "用地性质=M2", "备注=会议纪要12号",
                     "--date", "2024-02-01")
    assert code == 0, said
    with Register(reg_path, study_area=None) as reg:
        row = reg.get("P001")
        last = reg.history("P001").iloc[-1]
    assert row["supply_year"] == 2030 and row["street_town"] == "唐镇"
    assert row["land_use_code"] == "100102" and row["land_use"] == "二类工业用地"  # GB 50137 M2
    assert "会议纪要12号" in row["attributes"]
    assert last["action"] == "update" and last["after"]["supply_year"] == 2030


@pytest.mark.parametrize(("assignment", "mu", "value", "unit"), [
    ("面积(亩)=12.5", 12.5, 12.5, "mu"),
    ("面积=0.8公顷", 0.8 * 15, 0.8, "ha"),          # 1 公顷 = 15 亩
    ("declared_area_mu=3", 3.0, 3.0, "mu"),
    ("用地面积（平方米）=2000", 2000 * 15 / 10_000, 2000.0, "m2"),
])
def test_update_sets_the_declared_area_column(reg_path, assignment, mu, value, unit):
    code, said = run("reserve", "update", "--register", reg_path, "P001", "--set", assignment)
    assert code == 0, said
    assert "declared_area_mu" in said
    with Register(reg_path, study_area=None) as reg:
        row = reg.get("P001")
        last = reg.history("P001").iloc[-1]
    assert row["declared_area_mu"] == pytest.approx(mu)
    assert (row["declared_area"], row["declared_area_unit"]) == (pytest.approx(value), unit)
    assert last["after"]["declared_area_mu"] == pytest.approx(mu)
    code, said = run("reserve", "update", "--register", reg_path, "P001", "--set", "面积=")
    assert code == 0, said
    with Register(reg_path, study_area=None) as reg:
        assert reg.get("P001")[["declared_area_mu", "declared_area"]].isna().all()


@pytest.mark.parametrize(("assignment", "match"), [
    ("面积=12", "unit"),                     # 亩 or 公顷? the header or the figure must say
    ("面积(亩)=约12", "not a number"),
    ("状态=储备", "transition"),            # the status changes with `reserve transition`
    ("计划供应年份=明年", "year"),
    ("用地性质=工业用地", "100101"),         # ambiguous: the choices are listed
    ("计划供应年份", "FIELD=VALUE"),
])
def test_update_refuses_with_one_line(reg_path, assignment, match):
    code, said = run("reserve", "update", "--register", reg_path, "P001", "--set", assignment)
    assert code == 1 and match in said and "Traceback" not in said


def test_update_says_the_command_line_way_to_give_a_unit(reg_path):
    # the library's advice (declared_area_unit='亩') is no use on the command line
    code, said = run("reserve", "update", "--register", reg_path, "P001", "--set", "面积=12")
    assert code == 1
    assert "--set 面积(亩)=12" in said and "--set 面积=12亩" in said
    assert "declared_area_unit=" not in said and "Traceback" not in said
    code, said = run("reserve", "update", "--register", reg_path, "P001", "--set", "面积=12英亩")
    assert code == 1 and "unknown area unit" in said and "公顷" in said


def test_update_takes_the_land_use_default_its_refusal_advises(reg_path):
    # the refusal of 工业用地 names --land-use-default: update must accept it too
    code, said = run("reserve", "update", "--register", reg_path, "P001", "--set",
                     "用地性质=工业用地")
    assert code == 1 and "--land-use-default 工业用地=100101" in said
    code, said = run("reserve", "update", "--register", reg_path, "P001", "--set",
                     "用地性质=工业用地", "--land-use-default", "工业用地=100102")
    assert code == 0, said
    with Register(reg_path, study_area=None) as reg:
        assert reg.get("P001")["land_use_code"] == "100102"


def test_history_all_and_one_and_csv_with_bom(reg_path, tmp_path):
    run("reserve", "transition", "--register", reg_path, "P001", "储备", "--date", "2024-03-01")
    code, said = run("reserve", "history", "--register", reg_path, "P001",
                     "--out", tmp_path / "h.csv")
    assert code == 0 and "transition" in said and "储备" in said
    raw = (tmp_path / "h.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(tmp_path / "h.csv", encoding="utf-8-sig")
    assert table["操作"].tolist() == ["入库", "状态变更"]  # a hand-out: Chinese headers
    # … and Chinese field names, values as a planner reads them
    assert table["变更后"].iloc[1].startswith("状态=储备, 更新时间=2024-03-01")
    added = table["变更后"].iloc[0]
    assert "地块编号=P001" in added and "测量面积(公顷)=" in added
    assert "None" not in added and "area_m2" not in added
    code, said = run("reserve", "history", "--register", reg_path)
    assert code == 0 and all(f"P00{i}" in said for i in range(6))
    code, said = run("reserve", "history", "--register", reg_path, "NOPE")
    assert code == 1 and "NOPE" in said and "Traceback" not in said


def test_import_exit_codes_and_columns(tmp_path):
    src = parcels(3).rename(columns={"parcel_id": "宗地号", "land_use_code": "用途"})
    src.loc[2, "用途"] = "不存在的用地"
    path = tmp_path / "地块.geojson"
    src.to_file(path, driver="GeoJSON")
    reg = tmp_path / "r.gpkg"
    code, said = run("reserve", "import", path, "--register", reg, "--create",
                     "--no-study-area", "--columns", "宗地号=parcel_id", "用途=land_use_code",
                     "--date", "2024-01-01")
    assert code == EXIT_PARTIAL == 3
    assert "2 parcel(s) accepted, 1 rejected" in said and "不存在的用地" in said
    assert "宗地号 → parcel_id" in said
    code, said = run("reserve", "import", path, "--register", reg, "--no-study-area",
                     "--columns", "宗地=parcel_id")
    assert code == 1 and "did you mean '宗地号'" in said and said.count("\n") == 1
    code, said = run("reserve", "import", tmp_path / "nothing.shp", "--register", reg)
    assert code == 1 and "nothing.shp" in said and said.count("\n") == 1


def test_common_readers_map_columns_and_keep_ids(tmp_path):
    csv = tmp_path / "projects.csv"
    csv.write_bytes("项目编号,项目名称,产业类别,用地需求(亩)\n007,芯片,集成电路,30\n".encode("gbk"))
    df = read_table(csv, None, "projects")
    assert list(df.columns) == ["project_id", "name", "industry", "demand_mu"]
    assert df["project_id"].iloc[0] == "007"  # an id stays text
    gdf = gpd.GeoDataFrame({"道路名称": ["张江路"]}, geometry=gpd.points_from_xy([121.6], [31.2]),
                           crs=4326)
    gdf.to_file(tmp_path / "roads.geojson", driver="GeoJSON")
    got = read_input(tmp_path / "roads.geojson", None, "roads")
    assert list(got.columns) == ["name", "geometry"]
    write_csv(df, tmp_path / "out.csv", overwrite=False)
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_import_excel_with_chinese_headers_numeric_ids_and_old_codes(tmp_path):
    ring = "POLYGON(({x} 31.2, {y} 31.2, {y} 31.201, {x} 31.201, {x} 31.2))"
    pd.DataFrame({"宗地编号": [1001.0, 1002.0], "用地性质": ["M1", "科研用地"],
                  "状态": ["已收储", "拟收储"], "面积（公顷）": [0.5, 0.5],
                  "wkt": [ring.format(x=121.600, y=121.601),
                          ring.format(x=121.610, y=121.611)]}).to_excel(tmp_path / "t.xlsx",
                                                                     index=False)
    reg = tmp_path / "r.gpkg"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings():
        warnings.simplefilter("always")
        code = main(["reserve", "import", str(tmp_path / "t.xlsx"), "--register", str(reg),
                     "--create", "--no-study-area", "--source-crs", "WGS-84"])
    assert code == 0, err.getvalue()
    # 0.001° × 0.001° at 31.2° N is about 95 m × 111 m ≈ 1.06 ha, not the declared 0.5 ha
    assert "DataQualityWarning" in err.getvalue() and "公顷" in err.getvalue()
    with Register(reg, study_area=None) as r:
        p = r.parcels().set_index("parcel_id")
    assert sorted(p.index) == ["1001", "1002"]
    assert p.loc["1001", "land_use_code"] == "100101" and p.loc["1001", "status"] == "acquired"
    assert p.loc["1002", "status"] == "pre_acquisition"


@pytest.mark.parametrize("year", ["1850", "2101"])
def test_plan_year_out_of_range_is_one_line_and_writes_nothing(reg_path, tmp_path, year):
    out = tmp_path / "plan.xlsx"
    code, said = run("reserve", "plan", "--register", reg_path, "--year", year, "--out", out)
    assert code == 1 and said.startswith("zjgis: error:") and "Traceback" not in said
    assert "--year" in said and year in said and not out.exists()


@pytest.mark.parametrize(("bad", "status"), [(["--date", "2025-13-01"], None),
                                             (["--land-use-default", "工业用地=一类"], None),
                                             ([], "卖掉了")])  # every row rejected
def test_a_failed_import_with_create_leaves_no_empty_register(tmp_path, bad, status):
    # a bad date, a bad default or every row rejected: no register file stays behind
    src = tmp_path / "地块.gpkg"
    gdf = parcels(2)
    if status:
        gdf["status"] = status
    gdf.to_file(src)
    reg = tmp_path / "新台账.gpkg"
    code, said = run("reserve", "import", src, "--register", reg, "--create",
                     "--no-study-area", *bad)
    assert code == 1 and "Traceback" not in said
    assert not reg.exists() and not list(tmp_path.glob("新台账*"))
    if status:
        assert "no register was created" in said and "卖掉了" in said


def test_outputs_of_the_wrong_kind_are_refused_before_any_work(reg_path, tmp_path):
    code, said = run("reserve", "plan", "--register", reg_path, "--year", "2025",
                     "--out", tmp_path / "x.csv")
    assert code == 1 and "x.csv: this output is an Excel workbook" in said
    code, said = run("reserve", "map", "--register", reg_path, "--out", tmp_path / "m.html",
                     "--png", tmp_path / "m.jpg")
    assert code == 1 and "m.jpg: this output is a figure" in said
    assert list(tmp_path.glob("x.csv")) == [] and list(tmp_path.glob("m.*")) == []


def test_messages_speak_the_command_line(tmp_path, reg_path):
    code, said = run("reserve", "plan", "--register", tmp_path / "无.gpkg", "--year", "2025",
                     "--out", tmp_path / "p.xlsx")
    assert code == 1 and "Register.create" not in said
    code, said = run("reserve", "update", "--register", reg_path, "P001", "--set",
                     "计划供应年份=2027")
    assert code == 0 and "supply_year = 2027" in said and "np." not in said


def test_cli_words_translates_the_library_advice():
    from zjgis.cli._common import cli_words

    assert cli_words("pass overwrite=True (CLI: --overwrite) to replace it") == \
        "pass --overwrite to replace it"
    assert cli_words("give source_crs='GCJ-02'") == "give --source-crs GCJ-02"
    said = cli_words("a default: land_use_defaults={'工业用地': '100101'} "
                     "(command line: --land-use-default 工业用地=100101)")
    assert said == "a default: --land-use-default 工业用地=100101"
    hint = ("To relax the check, open the register with a tolerance in metres: "
            "Register(path, study_area_buffer_m=650) accepts these 2 parcel(s) (they reach "
            "up to 600 m beyond it; tolerance now 0 m); pass the official boundary as "
            "study_area=<GeoDataFrame>; or switch the check off with study_area=None (CLI: "
            "zjgis reserve import --study-area-buffer-m 650, or --no-study-area)")
    assert cli_words(hint) == ("To relax the check: zjgis reserve import "
                               "--study-area-buffer-m 650, or --no-study-area")


def test_check_after_an_edit_in_qgis_names_the_parcel(reg_path, tmp_path):
    code, said = run("reserve", "check", "--register", reg_path)
    assert code == 0 and "6 parcel(s), no problems found" in said
    # QGIS edits a status behind zjgis' back: check names the parcel, in CLI words
    con = sqlite3.connect(reg_path)
    con.execute("UPDATE parcels SET status = 'supplied' WHERE parcel_id = 'P001'")
    con.commit()
    con.close()
    out = tmp_path / "核查.csv"
    code, said = run("reserve", "check", "--register", reg_path, "--out", out)
    assert code == 1 and "P001: status changed outside zjgis" in said
    assert "zjgis reserve update/transition" in said and "Register.update" not in said
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert list(table.columns) == ["地块编号", "问题"] and table["地块编号"].tolist() == ["P001"]
