"""The one-call analysis and its Excel report with Chinese headers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from zjgis.jobshousing.balance import DEFAULT_THRESHOLDS, balance
from zjgis.jobshousing.commute import CommuteResult, commute
from zjgis.jobshousing.excess import ExcessCommuting, excess_commuting
from zjgis.layers import accuracy_zh, frame_accuracy

if TYPE_CHECKING:
    import networkx as nx

    from zjgis.network import RoadGraph

__all__ = ["COLUMNS_ZH", "RATIO_DECIMALS", "UNIT_ZH", "DISTANCE_DECIMALS", "JobsHousingReport",
           "analyse", "write_report"]

#: Chinese names of the units in the report (headers, the 单位 column).
UNIT_ZH: dict[str, str] = {"m": "米", "km": "公里", "min": "分钟", "h": "小时", "s": "秒",
                           "persons": "人", "%": "%"}

#: Decimals of commute distances/costs in the hand-out workbook, by cost unit (others: 1).
DISTANCE_DECIMALS: dict[str, int] = {"m": 0, "km": 2, "min": 1}

#: Decimals of ratios and shares in the Excel workbook (:func:`write_report`).
RATIO_DECIMALS: dict[str, int] = {
    "ratio": 2,
    "balance_index": 3,
    "self_containment": 3,
    "job_self_sufficiency": 3,
    "share": 3,
    "cumulative_share": 3,
}


#: Chinese display headers of every column this module produces (Excel report, maps).
COLUMNS_ZH: dict[str, str] = {
    "zone": "分区",
    "name": "名称",
    "jobs": "就业岗位",
    "workers": "居住就业人口",
    "dwellings": "住房套数",
    "ratio": "职住比",
    "balance_index": "职住平衡指数",
    "class": "类别(键)",
    "class_zh": "职住类别",
    "workers_resident": "居住地通勤人数",
    "jobs_filled": "工作地通勤人数",
    "internal": "本区内通勤人数",
    "self_containment": "居住自足率",
    "job_self_sufficiency": "就业自足率",
    "home": "居住地",
    "work": "工作地",
    "count": "人数",
    "cost": "通勤成本",
    "lower": "下限",
    "upper": "上限",
    "label": "区间",
    "share": "占比",
    "cumulative_share": "累计占比",
    "metric": "指标",
    "metric_zh": "指标(中文)",
    "value": "数值",
    "unit": "单位",
    "formula": "公式",
    "accuracy": "数据精度",
    "jobs_before": "现状岗位",
    "jobs_after": "方案岗位",
    "workers_before": "现状居住就业人口",
    "workers_after": "方案居住就业人口",
    "ratio_before": "现状职住比",
    "ratio_after": "方案职住比",
    "class_before": "现状类别(键)",
    "class_after": "方案类别(键)",
    "class_zh_before": "现状类别",
    "class_zh_after": "方案类别",
    "class_changed": "类别是否变化",
}



@dataclass
class JobsHousingReport:
    """Everything :func:`analyse` computes, ready for an Excel report or a map.

    Attributes
    ----------
    balance : pandas.DataFrame
        Output of :func:`balance` (geometry kept when the zones have one).
    commute : CommuteResult
    excess : ExcessCommuting
    accuracy : str or None
        Accuracy class of the zones (``"sample"`` for the generated sample); None
        when they do not say (written 未注明).
    """

    balance: Any
    commute: CommuteResult
    excess: ExcessCommuting
    accuracy: str | None = None

    def tables(
        self, *, name: str | None = None, round_ratios: bool = False
    ) -> dict[str, pd.DataFrame]:
        """Tables with Chinese headers, one per Excel sheet (sheet name → frame).

        Parameters
        ----------
        name : str, optional
            Column of the zones with display names, copied next to the zone id.
        round_ratios : bool
            Round for a hand-out: ratios and shares to :data:`RATIO_DECIMALS`
            decimals (职住比 2, indices and shares 3), commute distances to
            :data:`DISTANCE_DECIMALS` (米 0, 公里 2), percentages to 1; default
            False keeps full precision.

        Units (米, 公里, 人) and the accuracy class (样例, 官方 …) are written in
        Chinese.
        """
        unit = self.commute.unit
        uzh = UNIT_ZH.get(unit, unit)
        zh = dict(COLUMNS_ZH)
        zh.update({
            f"mean_commute_{unit}": f"居民平均通勤({uzh})",
            f"median_commute_{unit}": f"居民通勤中位数({uzh})",
            f"mean_commute_in_{unit}": f"就业者平均通勤({uzh})",
            "cost": f"通勤成本({uzh})",
            "lower": f"下限({uzh})",
            "upper": f"上限({uzh})",
        })
        bal = self.balance
        if hasattr(bal, "_geometry_column_name") and bal._geometry_column_name in bal.columns:
            bal = pd.DataFrame(bal.drop(columns=bal._geometry_column_name))
        keep = [c for c in ("jobs", "workers", "dwellings", "ratio", "balance_index", "class",
                            "class_zh") if c in bal.columns]
        front = [c for c in (name,) if c and c in bal.columns]
        zones_tab = self.commute.zones.copy()
        bal_tab = bal[front + keep].copy()
        bal_tab.insert(0, "zone", zones_tab["zone"].to_numpy())
        if name and name in bal.columns:
            zones_tab.insert(1, name, bal[name].to_numpy())
        acc = accuracy_zh(self.accuracy)
        bal_tab["accuracy"] = acc
        zones_tab["accuracy"] = acc
        overall = self.commute.overall.rename_axis("metric").reset_index(name="value")
        overall["metric_zh"] = overall["metric"].map(_overall_zh(unit, uzh))
        overall = overall[["metric", "metric_zh", "value"]]
        overall["accuracy"] = acc
        excess = self.excess.to_frame()
        excess["unit"] = excess["unit"].map(lambda u: UNIT_ZH.get(u, u))
        excess["accuracy"] = acc
        flows = self.commute.od.head(200).copy()
        flows["accuracy"] = acc
        optimal = self.excess.flows.sort_values("count", ascending=False).copy()
        optimal["accuracy"] = acc
        dist = self.commute.distribution.copy()
        dist["accuracy"] = acc
        note = pd.DataFrame({
            "item": ["数据精度", "说明", "职住比口径", "平衡区间", "通勤成本单位", "求解器"],
            "value": [
                acc,
                ("样例数据：由 scripts/make_sample_jobshousing.py 以重力模型生成，非统计数据，"
                 "不得作为事实引用" if self.accuracy == "sample" else "见输入数据来源"),
                str(getattr(self.balance, "attrs", {}).get("ratio_basis", "")),
                str(getattr(self.balance, "attrs", {}).get("thresholds", "")),
                uzh,
                f"{self.excess.solver} (精确解)",
            ],
        })
        sheets = {
            "说明": note.rename(columns={"item": "项目", "value": "内容"}),
            "职住平衡": bal_tab,
            "通勤分区统计": zones_tab,
            "通勤总体": overall,
            "通勤距离分布": dist,
            "过剩通勤": excess,
            "主要通勤流": flows,
            "最优通勤流": optimal,
        }
        if round_ratios:
            sheets = {k: _round_ratios(v, unit) for k, v in sheets.items()}
        return {k: v.rename(columns=lambda c: zh.get(c, c)).reset_index(drop=True)
                for k, v in sheets.items()}



def _overall_zh(unit: str, uzh: str) -> dict[str, str]:
    return {
        "commuters": "通勤人数", "internal": "本区内通勤人数", "self_containment": "居住自足率",
        f"mean_{unit}": f"平均通勤({uzh})", f"median_{unit}": f"通勤中位数({uzh})",
        f"p25_{unit}": f"25%分位通勤({uzh})", f"p75_{unit}": f"75%分位通勤({uzh})",
        f"p90_{unit}": f"90%分位通勤({uzh})",
    }



def analyse(
    zones: Any,
    od: Any,
    *,
    jobs: Any = "jobs",
    workers: Any = "workers",
    zone_id: str | None = None,
    home: str = "home",
    work: str = "work",
    count: str | None = "count",
    cost: Literal["euclidean", "network"] | pd.DataFrame = "euclidean",
    graph: RoadGraph | nx.Graph | None = None,
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS,
    missing: Literal["raise", "drop"] = "raise",
    tolerance: float = 0.05,
) -> JobsHousingReport:
    """Balance, commute and excess commuting in one call (what ``zjgis jobs-housing`` runs).

    Parameters are those of :func:`balance`, :func:`commute` and
    :func:`excess_commuting`; ``jobs`` and ``workers`` (when they are column
    names) are also compared with the OD totals (``tolerance``).

    Returns
    -------
    JobsHousingReport
        ``.tables()`` gives the sheets of the Excel report with Chinese headers.
        ``accuracy`` is the zones' class (:func:`zjgis.layers.frame_accuracy`:
        the worst of their ``accuracy`` column, else ``attrs["accuracy"]``; None,
        written 未注明, when they do not say).
    """
    bal = balance(zones, jobs=jobs, workers=workers, thresholds=thresholds)
    com = commute(od, zones, cost=cost, zone_id=zone_id, home=home, work=work, count=count,
                  graph=graph, missing=missing,
                  jobs=jobs if isinstance(jobs, str) else None,
                  workers=workers if isinstance(workers, str) else None,
                  tolerance=tolerance)
    exc = excess_commuting(com.od, com.cost, home="home", work="work", count="count",
                           unit=com.unit)
    return JobsHousingReport(bal, com, exc, frame_accuracy(zones))



def _round_ratios(frame: pd.DataFrame, unit: str = "m") -> pd.DataFrame:
    out = frame.copy()
    for column, decimals in RATIO_DECIMALS.items():
        if column in out.columns and pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].round(decimals)
    dist = DISTANCE_DECIMALS.get(unit, 1)
    for column in (f"mean_commute_{unit}", f"median_commute_{unit}", f"mean_commute_in_{unit}",
                   "cost", "lower", "upper"):
        if column in out.columns and pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].round(dist)
    if "metric" in out.columns and "value" in out.columns and "unit" in out.columns:
        values = pd.to_numeric(out["value"], errors="coerce")  # the excess sheet
        is_dist = out["unit"] == UNIT_ZH.get(unit, unit)
        is_pct = out["unit"] == "%"
        out.loc[is_dist, "value"] = values[is_dist].round(dist)
        out.loc[is_pct, "value"] = values[is_pct].round(1)
        return out
    if "metric" in out.columns and "value" in out.columns:  # the overall sheet: one row each
        is_ratio = out["metric"].isin(list(RATIO_DECIMALS))
        values = pd.to_numeric(out["value"], errors="coerce")
        out.loc[is_ratio, "value"] = values[is_ratio].round(3)
        is_dist = out["metric"].isin([f"{q}_{unit}" for q in ("mean", "median", "p25", "p75",
                                                              "p90")])
        out.loc[is_dist, "value"] = values[is_dist].round(dist)
    return out


def _decimals(values: list[object]) -> int | None:
    """Fewest decimals (0–3) that show every number of ``values``; None when none is a number."""
    nums = [float(v) for v in values
            if isinstance(v, int | float) and not isinstance(v, bool) and v == v]
    if not nums:
        return None
    for d in range(3):
        if all(abs(v - round(v, d)) < 1e-9 * max(1.0, abs(v)) for v in nums):
            return d
    return 3


def _number_formats(ws: Any) -> None:
    """Give every numeric cell a fixed-decimals format (per column; per row in 数值 columns)."""
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2))
    for j, name in enumerate(header):
        cells = [r[j] for r in rows if j < len(r)]
        groups = [[c] for c in cells] if name == COLUMNS_ZH["value"] else [cells]
        for group in groups:
            d = _decimals([c.value for c in group])
            if d is None:
                continue
            fmt = "0" if d == 0 else "0." + "0" * d
            for c in group:
                if isinstance(c.value, int | float) and not isinstance(c.value, bool):
                    c.number_format = fmt


def write_report(
    report: JobsHousingReport,
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the report as an Excel workbook, one sheet per table, Chinese headers.

    Parameters
    ----------
    report : JobsHousingReport
        Output of :func:`analyse`.
    path : str or path-like
        Target ``.xlsx`` file; written atomically (a crash leaves the old file).
    name : str, optional
        Zone column with display names, copied next to the zone id.
    overwrite : bool
        Replace an existing file; default False refuses (WriteError).

    Returns
    -------
    pathlib.Path
        The path written.  Ratios are rounded (:data:`RATIO_DECIMALS`), distances
        too (:data:`DISTANCE_DECIMALS`: 米 0, 公里 2), every number has a
        fixed-decimals format, units and the accuracy class are in Chinese.

    Raises
    ------
    WriteError
        The file exists (without ``overwrite``) or cannot be written.

    Examples
    --------
    >>> import tempfile, warnings
    >>> from pathlib import Path
    >>> from zjgis import jobshousing
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", jobshousing.SampleDataWarning)
    ...     zones, od = jobshousing.load_sample()
    >>> rep = jobshousing.analyse(zones, od, zone_id="code")
    >>> out = write_report(rep, Path(tempfile.mkdtemp()) / "jh.xlsx", name="name")
    >>> with pd.ExcelFile(out) as book:
    ...     book.sheet_names[:2]
    ['说明', '职住平衡']
    """
    from zjgis import io as _io

    tables = report.tables(name=name, round_ratios=True)
    target = Path(path)
    with _io.atomic_write(target, overwrite=overwrite) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for sheet, frame in tables.items():
                frame.to_excel(xw, sheet_name=sheet, index=False)
                _number_formats(xw.sheets[sheet])
    return target
