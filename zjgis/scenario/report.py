"""The scenario workbook: the same tables as the briefing, with Chinese headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from zjgis import io as zio
from zjgis.layers import accuracy_zh
from zjgis.scenario.evaluate import ScenarioResult, outline_comparison

__all__ = ["write_excel", "HEADERS_ZH"]

HEADERS_ZH = {
    "unit_set_zh": "统计范围", "unit": "单元", "indicator_zh": "指标", "unit_of_measure": "单位",
    "before": "方案前", "after": "方案后", "change": "变化",
    "year": "年份", "area_ha_before": "供应面积（公顷，方案前）",
    "area_ha_after": "供应面积（公顷，方案后）", "area_mu_before": "供应面积（亩，方案前）",
    "area_mu_after": "供应面积（亩，方案后）", "parcels_before": "地块数（方案前）",
    "parcels_after": "地块数（方案后）", "area_ha_change": "面积变化（公顷）",
    "science_city_2017": "2017年范围（约95平方公里）",
    "science_city_2022": "2022年范围（约220平方公里）", "difference": "差值",
}


def _sheet(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[[c for c in columns if c in frame.columns]].copy()
    return out.rename(columns=HEADERS_ZH)


def write_excel(result: ScenarioResult, path: str | Path, *, overwrite: bool = False) -> Path:
    r"""Write the scenario's tables to an Excel workbook (atomic; Chinese headers).

    Sheets: 方案说明 (name, description, changes, inputs and their accuracy, rules),
    指标对比 (every indicator before/after by area), 扩区对比 (2017 vs 2022 outline),
    土地供应 (land supplied per year), when the result has them.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from openpyxl import load_workbook
    >>> from zjgis.scenario import parse_scenario, evaluate
    >>> sc = parse_scenario('name = "示例"\n[base]\nzones = "sample"\nunits = ["zones"]\n')
    >>> out = write_excel(evaluate(sc), pathlib.Path(tempfile.mkdtemp()) / "s.xlsx")
    >>> load_workbook(out).sheetnames
    ['方案说明', '指标对比']
    """
    sc = result.scenario
    about = [("方案名称", sc.name), ("说明", sc.description)]
    for c in sc.changes:
        about.append((f"变更 {c.index}（{c.type}）",
                      "；".join(f"{k}={v}" for k, v in c.fields.items())))
    for name, acc in result.accuracy.items():
        about.append((f"数据精度：{name}", accuracy_zh(acc)))
    for note in result.notes:
        about.append(("计算规则", note))
    sheets = {"方案说明": pd.DataFrame(about, columns=["项目", "内容"]),
              "指标对比": _sheet(result.indicators, ["unit_set_zh", "unit", "indicator_zh",
                                                   "unit_of_measure", "before", "after",
                                                   "change"])}
    try:
        sheets["扩区对比"] = _sheet(outline_comparison(result),
                                ["indicator_zh", "science_city_2017", "science_city_2022",
                                 "difference"]).rename(columns={"indicator_zh": "指标"})
    except ValueError:
        pass
    if not result.land_supply.empty:
        sheets["土地供应"] = _sheet(result.land_supply, list(result.land_supply.columns))
    target = Path(path)
    with zio.atomic_write(target, overwrite=overwrite) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for name, frame in sheets.items():
                frame.to_excel(xw, sheet_name=name, index=False)
                ws = xw.sheets[name]
                for col in ws.columns:
                    width = max(len(str(c.value or "")) for c in col)
                    ws.column_dimensions[col[0].column_letter].width = min(60, 4 + width * 1.6)
                for row in ws.iter_rows(min_row=2):
                    for cell in row:
                        if isinstance(cell.value, float):
                            cell.number_format = "#,##0.00"
                ws.freeze_panes = "A2"
    return target
