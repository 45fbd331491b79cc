"""Plan table (年度土地储备计划表), Excel export, efficiency (亩均), map layer."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from zjgis.errors import DataQualityWarning, ValidationError, WriteError
from zjgis.landreserve import (
    STATUS_COLOURS,
    STATUS_ZH,
    Register,
    briefing_layers,
    efficiency,
    write_plan_excel,
)
from zjgis.landreserve.register import STATUSES

sys.path.insert(0, str(Path(__file__).parent))
from _landreserve_helpers import parcels, study_area  # noqa: E402


@pytest.fixture
def reg(tmp_path):
    r = Register.create(tmp_path / "r.gpkg", study_area=study_area())
    p = parcels(40)
    p.loc[3, "street_town"] = None
    p.loc[4, "accuracy"] = "sample"
    r.add(p, date="2024-01-01")
    yield r
    r.close()


@pytest.mark.parametrize("by", ["street_town", "community"])
def test_plan_totals_equal_the_register(reg, by):
    table = reg.plan_table(2025, by=by)
    p = reg.parcels()
    total = table.loc["total"]
    assert total["parcels"] == len(p)
    assert total["area_ha"] == pytest.approx(p["area_ha"].sum())
    assert total["area_mu"] == pytest.approx(p["area_mu"].sum())
    for s in STATUSES:
        sub = p[p["status"] == s]
        assert total[f"{s}_parcels"] == len(sub)
        assert total[f"{s}_area_mu"] == pytest.approx(sub["area_mu"].sum())
    lu_cols = [c for c in table.columns if c.startswith("lu_") and c.endswith("_area_ha")]
    assert table.loc["total", lu_cols].sum() == pytest.approx(p["area_ha"].sum())
    supply = p[p["supply_year"] == 2025]
    assert total["supply_parcels"] == len(supply)
    pending = supply[supply["status"].isin(["pre_acquisition", "acquired", "reserved"])]
    assert total["supply_pending_area_ha"] == pytest.approx(pending["area_ha"].sum())
    # rows add up to the total, and each row matches the register's group
    body = table.drop(index="total")
    np.testing.assert_allclose(body.sum().to_numpy(dtype=float), total.to_numpy(dtype=float))
    if by == "street_town":
        assert "(unassigned)" in body.index
        bt = p[p["street_town"] == "北蔡镇"]
        assert body.loc["北蔡镇", "parcels"] == len(bt)
        assert body.loc["北蔡镇", "area_ha"] == pytest.approx(bt["area_ha"].sum())


def test_plan_as_of_a_past_date(reg):
    reg.transition("P002", "supplied", date="2024-06-01")
    before = reg.plan_table(2025, as_of="2024-03-01").loc["total"]
    after = reg.plan_table(2025).loc["total"]
    assert before["reserved_parcels"] == after["reserved_parcels"] + 1
    assert before["supplied_parcels"] == after["supplied_parcels"] - 1


def test_plan_rejects_unknown_grouping(reg):
    with pytest.raises(ValidationError, match="by must be"):
        reg.plan_table(2025, by="district")


def test_excel_has_title_headers_units_and_totals(reg, tmp_path):
    table = reg.plan_table(2025)
    out = write_plan_excel(table, tmp_path / "plan.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["计划表"]
    ws = wb["计划表"]
    assert "2025年度土地储备计划表" in ws["A1"].value
    assert "样例数据" in ws["A1"].value  # one parcel is labelled sample
    assert "公顷" in ws["A2"].value and "亩" in ws["A2"].value
    groups = [c.value for c in ws[3] if c.value]
    assert groups[:3] == ["街镇", "全部地块", "预收储"]
    assert "2025年计划供应" in groups
    headers = [c.value for c in ws[4]]
    assert headers[1:4] == ["地块数（块）", "面积（公顷）", "面积（亩）"]
    last = ws.max_row
    assert ws.cell(row=last, column=1).value == "合计"
    assert ws.cell(row=last, column=1).font.bold
    assert ws.cell(row=last, column=2).value == len(reg)
    assert ws.cell(row=last, column=3).value == pytest.approx(reg.parcels()["area_ha"].sum(),
                                                              abs=0.01)
    assert last == 4 + len(table)
    with pytest.raises(WriteError, match="exists"):
        write_plan_excel(table, out)
    write_plan_excel(table, out, overwrite=True)


def test_excel_needs_a_plan_table(tmp_path):
    with pytest.raises(ValidationError, match="plan_table"):
        write_plan_excel(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx")


# ------------------------------------------------------------------ efficiency
def _eff_parcels():
    return pd.DataFrame({"parcel_id": ["A", "B", "C"], "area_mu": [10.0, 30.0, 60.0],
                         "community": ["c1", "c1", "c2"], "street_town": ["t", "t", "t"]})


def test_efficiency_per_parcel_and_group_is_ratio_of_sums():
    ent = pd.DataFrame({"parcel_id": ["A", "A", "B", "C"],
                        "output_10k_yuan": [500.0, 500.0, 600.0, 1200.0],
                        "tax_10k_yuan": [50.0, 30.0, 15.0, 60.0]})
    per = efficiency(ent, _eff_parcels(), min_output_per_mu=50, min_tax_per_mu=1.0)
    assert per.loc["A", "output_per_mu"] == pytest.approx(100.0)
    assert per.loc["A", "tax_per_mu"] == pytest.approx(8.0)
    assert per.loc["A", "enterprises"] == 2
    assert per.loc["B", "output_per_mu"] == pytest.approx(20.0)
    assert bool(per.loc["B", "low_output"]) and not bool(per.loc["A", "low_efficiency"])
    assert bool(per.loc["B", "low_efficiency"])
    comm = efficiency(ent, _eff_parcels(), by="community")
    assert comm.loc["c1", "output_per_mu"] == pytest.approx(1600 / 40)  # not mean(100, 20)
    assert comm.loc["c1", "area_mu"] == pytest.approx(40.0)  # A counted once
    town = efficiency(ent, _eff_parcels(), by="street_town")
    assert town.loc["t", "tax_per_mu"] == pytest.approx(155 / 100)


def test_efficiency_warns_about_unknown_parcels_and_rejects_negatives():
    ent = pd.DataFrame({"parcel_id": ["A", "X"], "output_10k_yuan": [1.0, 2.0],
                        "tax_10k_yuan": [0.1, 0.2]})
    with pytest.warns(DataQualityWarning, match="not in the register"):
        out = efficiency(ent, _eff_parcels())
    assert list(out.index) == ["A"]
    ent.loc[0, "tax_10k_yuan"] = -1
    with pytest.raises(ValidationError, match="negative"):
        efficiency(ent.iloc[:1], _eff_parcels())


def test_briefing_layers_parcels_supply_and_matches(reg):
    p = reg.parcels()
    p.index = p.index + 100  # the input index is kept
    a = pd.DataFrame({"project_id": ["X1", "X2"], "project_name": ["芯片厂", None],
                      "project_status": ["new", "reserve"], "industry": ["integrated_circuits",
                                                                           "biomedicine"],
                      "parcel_id": ["P001", "P007"], "score": [0.876, 0.5]})
    layers = briefing_layers(p, assignments=a, year=2025, source="r.gpkg")
    (base, bs), (supply, ss), (matched, ms) = layers
    assert [f.attrs["layer"] for f, _ in layers] == ["landreserve_parcels", "landreserve_supply",
                                                       "landreserve_matched"]
    # parcels: every parcel, filled by the Chinese status label in lifecycle order
    assert len(base) == len(p) and list(base.index) == list(p.index)
    assert (base["status"] == p["status"].map(STATUS_ZH)).all()
    assert bs["column"] == "status" and bs["labels"] == [STATUS_ZH[s] for s in STATUSES]
    assert bs["aliases"]["status"] == "状态" and bs["aliases"]["area_mu"] == "面积（亩）"
    assert bs["categories"] == {STATUS_ZH[s]: STATUS_COLOURS[s] for s in STATUSES}
    assert set(bs["tooltip"]) <= set(base.columns) and "accuracy" in bs["tooltip"]
    assert base.loc[101, "project"] == "X1 芯片厂" and base.loc[107, "project"] == "X2"
    assert pd.isna(base.loc[100, "project"]) and bs["aliases"]["project"] == "匹配项目"
    assert base.loc[104, "accuracy"] == "sample" and base.attrs["accuracy"] == "sample"
    assert base.attrs["source"] == "r.gpkg"
    # the year's supply: supply_year == 2025, pending = not yet supplied
    due = p[p["supply_year"] == 2025]
    pending = due["status"].isin(["pre_acquisition", "acquired", "reserved"]).sum()
    assert list(supply.index) == list(due.index)
    assert f"{len(due)} 宗" in ss["title"] and f"其中待供应 {pending} 宗" in ss["title"]
    # matched: headed by the project's name (id when it has none), outlined in red
    assert list(matched["name"]) == ["芯片厂", "X2"]
    assert list(matched["parcel_id"]) == ["P001", "P007"]
    assert list(matched["industry"]) == ["集成电路", "生物医药"]
    assert list(matched["project_status"]) == ["新建", "储备"]
    assert matched["score"].iloc[0] == pytest.approx(0.88)
    assert ms["aliases"]["project_status"] == "项目类别（五个一批）"
    assert ms["color"] == "#d7191c" and ms["fill_opacity"] == 0
    assert set(ms["tooltip"]) <= set(matched.columns)
    assert set(p["status"]) <= set(STATUSES)  # input untouched: keys, not display labels


def test_briefing_layers_show_the_declared_area_only_where_a_file_declared_one(reg):
    p = reg.parcels()
    assert "declared_area_mu" not in briefing_layers(p)[0][1]["tooltip"]  # none declared
    p["declared_area_mu"] = np.nan
    p.loc[p.index[0], "declared_area_mu"] = 12.345
    base, style = briefing_layers(p)[0]
    assert "declared_area_mu" in style["tooltip"]
    assert style["aliases"]["declared_area_mu"] == "申报面积（亩）"
    assert base["declared_area_mu"].iloc[0] == pytest.approx(12.3)
    assert base["declared_area_mu"].iloc[1:].isna().all()
    en = briefing_layers(p, language="en")[0][1]
    assert en["aliases"]["declared_area_mu"] == "Declared area (mu)"


def test_briefing_layers_english_and_optional_layers(reg):
    p = reg.parcels()
    layers = briefing_layers(p, language="en", year=1990,
                             assignments=pd.DataFrame(columns=["project_id", "parcel_id"]))
    assert len(layers) == 1  # no parcel due in 1990, no match: only the parcels
    base, style = layers[0]
    assert style["aliases"]["status"] == "Status" and style["labels"][0] == "pre-acquisition"
    assert base.attrs["title_en"] == "Land-reserve parcels by status"
    with pytest.raises(ValidationError, match="language"):
        briefing_layers(p, language="fr")


def test_briefing_layers_draw_on_the_briefing_map(reg, tmp_path):
    maps = pytest.importorskip("zjgis.maps")
    p = reg.parcels()
    p.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    extra = briefing_layers(p, assignments=pd.DataFrame({"project_id": ["X1"],
                                                          "parcel_id": ["P001"]}))
    m = maps.briefing_map([], extra=extra, basemap="none", title="t")
    assert m.zjgis_layers == ["landreserve_parcels", "landreserve_matched"]
    text = maps.save(m, tmp_path / "m.html").path.read_text(encoding="utf-8")
    assert "<img src=x" not in text and r"\u003cimg src=x onerror=alert(1)\u003e" in text
    assert "预收储</div>" in text  # Chinese status labels in the legend


# ------------------------------------------------------------------ CLI
def test_cli_plan_import_and_overwrite(tmp_path):
    from zjgis.cli.main import main

    src = parcels(12)
    src_path = tmp_path / "in.gpkg"
    src.to_file(src_path, layer="in")
    reg_path = tmp_path / "R.gpkg"
    assert main(["reserve", "import", str(src_path), "--register", str(reg_path),
                 "--create", "--no-study-area"]) == 0
    out = tmp_path / "plan.xlsx"
    assert main(["reserve", "plan", "--register", str(reg_path), "--year", "2025",
                 "--out", str(out)]) == 0
    ws = load_workbook(out)["计划表"]
    assert ws.cell(row=ws.max_row, column=2).value == 12
    assert main(["reserve", "plan", "--register", str(reg_path), "--year", "2025",
                 "--out", str(out)]) == 1  # refuses to overwrite
    assert main(["reserve", "plan", "--register", str(reg_path), "--year", "2025",
                 "--out", str(out), "--overwrite"]) == 0
    # importing the same parcels again: all rejected, listed, exit code 1
    rej = tmp_path / "rejected.csv"
    assert main(["reserve", "import", str(src_path), "--register", str(reg_path),
                 "--no-study-area", "--rejected", str(rej)]) == 1
    assert len(pd.read_csv(rej)) == 12


@pytest.mark.parametrize("action, terms", [
    (None, ["土地储备台账", "预收储 → 收储 → 储备", "年度土地储备计划表", "--overwrite"]),
    ("plan", ["年度土地储备计划表", "合计", "待供应", "--as-of DATE"]),
    ("import", ["导入地块", "SCHEMATIC", "--study-area-buffer-m", "GCJ-02"]),
    ("match", ["五个一批", "中国芯 / 智能造 / 创新药", "闲置地块", "--demand-tolerance",
               "--objective"]),
    ("transition", ["状态变更", "已出让", "--date DATE", "--note TEXT"]),
    ("update", ["修改属性", "--set FIELD=VALUE", "计划供应年份"]),
    ("history", ["变更记录", "--out FILE.csv"]),
    ("map", ["挂图", "--projects", "样例", "--basemap"]),
])
def test_cli_help_reads_for_planners(action, terms, capsys):
    from zjgis.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["reserve", *([action] if action else []), "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for term in terms:
        assert term in out, term


def test_parcel_list_sheet_totals_formats_and_print_setup(reg, tmp_path):
    p = reg.parcels()
    table = reg.plan_table(2025)
    out = write_plan_excel(table, tmp_path / "plan.xlsx", parcels=p)
    wb = load_workbook(out)
    assert wb.sheetnames == ["计划表", "地块清单"]
    ws = wb["地块清单"]
    headers = [c.value for c in ws[3]]
    assert headers == ["编号", "名称", "街镇", "产业社区", "用地性质", "测量面积(公顷)",
                       "测量面积(亩)", "状态", "计划供应年份"]  # nothing declared: no 申报 columns
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    body, total = rows[:-1], rows[-1]
    assert len(body) == len(p) and total[0] == "合计"
    assert sorted(r[0] for r in body) == sorted(p["parcel_id"])
    ha, mu = headers.index("测量面积(公顷)"), headers.index("测量面积(亩)")
    # the total row is the sum of the displayed (2-decimal) cells
    assert total[ha] == pytest.approx(round(sum(r[ha] for r in body), 2), abs=1e-9)
    assert total[mu] == pytest.approx(round(sum(r[mu] for r in body), 2), abs=1e-9)
    by_id = p.set_index("parcel_id")
    for r in body[:5]:
        assert r[ha] == round(float(by_id.loc[r[0], "area_ha"]), 2)
        assert r[headers.index("状态")] == STATUS_ZH[by_id.loc[r[0], "status"]]
        assert r[headers.index("用地性质")].startswith(by_id.loc[r[0], "land_use_code"] + " ")
    assert ws.cell(row=4, column=ha + 1).number_format == "#,##0.00"
    for sheet in wb.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == 8  # A3 (ECMA-376 paper size code)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth == 1 and sheet.print_title_rows
    plan = wb["计划表"]
    body_rows = [[c.value for c in r] for r in plan.iter_rows(min_row=5)]
    col = [c.value for c in plan[4]].index("面积（公顷）")
    assert body_rows[-1][0] == "合计"
    assert body_rows[-1][col] == pytest.approx(round(sum(r[col] for r in body_rows[:-1]), 2),
                                               abs=1e-9)


def test_mining_and_salt_are_not_industrial_land(reg):
    from zjgis.landreserve.plan import LAND_USE_GROUPS, plan_table

    p = reg.parcels().copy()
    p.loc[p.index[:2], "land_use_code"] = ["1002", "1003"]
    table = plan_table(p, 2025)
    industrial = p["land_use_code"].astype(str).str.startswith("1001")
    assert table.loc["total", "lu_industrial_area_ha"] == pytest.approx(
        p.loc[industrial, "area_ha"].sum())
    assert table.loc["total", "lu_mining_area_ha"] == pytest.approx(p["area_ha"].iloc[:2].sum())
    assert LAND_USE_GROUPS["industrial"] == "工业用地(1001)"


@pytest.mark.parametrize("year", [1850, 1989, 2101, 20250, -2025, 2025.5, float("nan"), True,
                                  "twenty", None])
def test_plan_year_outside_1990_2100_is_refused_naming_the_option(reg, year):
    with pytest.raises(ValidationError, match=r"--year\b.*1990 to 2100"):
        reg.plan_table(year)


@pytest.mark.parametrize("year", [1990, 2100, 2025.0, "2025"])
def test_plan_year_edges_and_whole_numbers_are_accepted(reg, year):
    assert reg.plan_table(year).attrs["year"] == int(float(year))


def test_both_sheets_and_the_status_columns_give_one_total(tmp_path):
    # areas whose street/town sums round differently from their parcels (0.004 ha each):
    # every 合计 of the workbook must be one figure, as a planner adds them up
    import warnings

    from zjgis.landreserve import load_sample

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample register says it is sample data
        sample, _, _ = load_sample()
        p = sample.parcels()
    p["area_ha"] = 1.004
    p["area_mu"] = 15.06
    from zjgis.landreserve.plan import plan_table

    table = plan_table(p, 2025)
    out = write_plan_excel(table, tmp_path / "plan.xlsx", parcels=p)
    wb = load_workbook(out)
    plan = wb["计划表"]
    head = [c.value for c in plan[4]]
    groups = [c.value for c in plan[3]]
    total = [c.value for c in plan[plan.max_row]]
    listing = wb["地块清单"]
    lhead = [c.value for c in listing[3]]
    ltotal = [c.value for c in listing[listing.max_row]]
    ha = head.index("面积（公顷）")
    assert total[ha] == ltotal[lhead.index("测量面积(公顷)")] == pytest.approx(1.0 * len(p))
    # the status columns (each status group's 面积（公顷）) add up to the total
    group, of = None, []
    for g in groups:  # row 3: merged group headers, carried over their span
        group = g or group
        of.append(group)
    status_cols = [j for j, h in enumerate(head) if h == "面积（公顷）"
                   and of[j] in STATUS_ZH.values()]
    assert len(status_cols) == len(STATUS_ZH)
    assert sum(total[j] for j in status_cols) == pytest.approx(total[ha], abs=1e-9)
    # a table from other parcels is refused, not silently replaced
    with pytest.raises(ValidationError, match="not the parcels"):
        write_plan_excel(table, tmp_path / "other.xlsx", parcels=p.iloc[:10])


def test_a_project_named_by_its_id_is_shown_once(reg):
    # a project list without ids uses the name as id: the tooltip says it once
    a = pd.DataFrame({"project_id": ["芯片封测基地"], "project_name": ["芯片封测基地"],
                      "parcel_id": ["P001"]})
    (base, _), *_ = briefing_layers(reg.parcels(), assignments=a, year=2025)
    assert base.set_index("parcel_id").loc["P001", "project"] == "芯片封测基地"
