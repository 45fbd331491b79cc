"""The job–housing workbook a planner hands out: rounded distances, Chinese units and accuracy."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from openpyxl import load_workbook

from zjgis import jobshousing
from zjgis.errors import SampleDataWarning


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    with pytest.warns(SampleDataWarning):
        zones, od = jobshousing.load_sample()
    rep = jobshousing.analyse(zones, od, zone_id="code")
    out = jobshousing.write_report(rep, tmp_path_factory.mktemp("jh") / "jh.xlsx", name="name")
    return rep, load_workbook(out)


def _sheet(wb, name):
    ws = wb[name]
    header = [c.value for c in ws[1]]
    return ws, header, [list(r) for r in ws.iter_rows(min_row=2)]


def test_excess_sheet_units_are_chinese_and_distances_whole_metres(workbook):
    rep, wb = workbook
    assert rep.commute.unit == "m"
    ws, header, rows = _sheet(wb, "过剩通勤")
    i_metric, i_value, i_unit = header.index("指标"), header.index("数值"), header.index("单位")
    units = {r[i_metric].value: r[i_unit].value for r in rows}
    assert units["commuters"] == "人"
    assert units["observed"] == units["minimum"] == "米"
    assert not {"persons", "m"} & set(units.values())
    observed = next(r[i_value] for r in rows if r[i_metric].value == "observed")
    # hand check: observed = Σ T_ij c_ij / N from the OD and cost matrix, rounded to 1 m
    od, cost = rep.commute.od, rep.commute.cost
    c = [cost.loc[h, w] for h, w in zip(od["home"], od["work"], strict=True)]
    expected = sum(t * ci for t, ci in zip(od["count"], c, strict=True)) / od["count"].sum()
    assert observed.value == round(expected)
    assert observed.number_format == "0"
    pct = next(r[i_value] for r in rows if r[i_metric].value == "excess_pct")
    assert pct.value == round(pct.value, 1) and pct.number_format in ("0", "0.0")


def test_distance_columns_rounded_with_number_formats(workbook):
    _, wb = workbook
    ws, header, rows = _sheet(wb, "通勤分区统计")
    assert "居民平均通勤(米)" in header and not any("(m)" in str(h) for h in header)
    j = header.index("居民平均通勤(米)")
    for r in rows:
        assert r[j].value == round(r[j].value) and r[j].number_format == "0"
    ws, header, rows = _sheet(wb, "主要通勤流")
    j = header.index("通勤成本(米)")
    assert all(r[j].value == round(r[j].value) for r in rows)
    ws, header, rows = _sheet(wb, "职住平衡")
    j = header.index("职住比")
    assert all(r[j].number_format in ("0", "0.0", "0.00") for r in rows)
    assert all(abs(r[j].value - round(r[j].value, 2)) < 1e-12 for r in rows)


def test_accuracy_is_written_in_chinese_everywhere(workbook):
    _, wb = workbook
    for name in wb.sheetnames:
        for row in wb[name].iter_rows(values_only=True):
            assert "sample" not in [v for v in row if isinstance(v, str)], name
    note = pd.DataFrame(wb["说明"].iter_rows(min_row=2, values_only=True), columns=["k", "v"])
    assert note.set_index("k").loc["数据精度", "v"] == "样例"
    assert note.set_index("k").loc["通勤成本单位", "v"] == "米"
    ws, header, rows = _sheet(wb, "职住平衡")
    assert {r[header.index("数据精度")].value for r in rows} == {"样例"}


def test_km_costs_round_to_two_decimals(tmp_path):
    zones = pd.DataFrame({"code": ["A", "B"], "jobs": [5.0, 7.0], "workers": [5.0, 7.0]})
    od = pd.DataFrame({"home": ["A", "A", "B"], "work": ["A", "B", "B"], "count": [2, 3, 7]})
    cost = pd.DataFrame([[1.23456, 4.56789], [4.56789, 0.98765]], index=["A", "B"],
                        columns=["A", "B"])
    cost.attrs["unit"] = "km"
    rep = jobshousing.analyse(zones, od, zone_id="code", cost=cost, tolerance=1.0)
    out = jobshousing.write_report(rep, tmp_path / "km.xlsx")
    ws, header, rows = _sheet(load_workbook(out), "过剩通勤")
    obs = next(r for r in rows if r[0].value == "observed")
    expected = (2 * 1.23456 + 3 * 4.56789 + 7 * 0.98765) / 12
    assert obs[header.index("单位")].value == "公里"
    assert math.isclose(obs[header.index("数值")].value, round(expected, 2))
    assert obs[header.index("数值")].number_format in ("0", "0.0", "0.00")
