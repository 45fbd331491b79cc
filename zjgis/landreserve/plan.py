"""The annual land-reserve plan table (年度土地储备计划表) and its Excel export.

The science city's action plan asks to "全面梳理形成年度土地储备计划表，持续供应土地资源".
:func:`plan_table` turns the register into that table — per street/town (or
community): parcels and area by lifecycle status and by land-use group, and the
supply planned in the year — with a totals row; :func:`write_plan_excel` writes it
as a workbook ready to hand out: sheet 计划表 (title row, Chinese headers with
units, totals) and, given the parcels, sheet 地块清单 (one row per parcel:
:func:`parcel_list`).  Numbers are written with 2 decimals and thousands
separators, each 合计 row is the sum of the rows as displayed, and every sheet
prints on A3 landscape, fitted to the page width, header rows repeated.

>>> import warnings
>>> from zjgis.landreserve import load_sample
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")  # sample data
...     reg, _, _ = load_sample()
>>> listing = parcel_list(reg.parcels())
>>> list(listing.columns[:5])
['parcel_id', 'name', 'street_town', 'community', 'land_use']
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
import pandas as pd

from zjgis import io as _io
from zjgis._log import get_logger
from zjgis._validate import require_columns
from zjgis.errors import ValidationError
from zjgis.landreserve import _excel
from zjgis.landreserve._storage import lift_declared
from zjgis.landreserve.landuse import LAND_USE, SHANGHAI_MIXED_INDUSTRIAL
from zjgis.landreserve.lifecycle import NOT_SUPPLIED, STATUS_ZH, STATUSES
from zjgis.layers import accuracy_zh

__all__ = ["LAND_USE_GROUPS", "PARCEL_LIST_ZH", "PLAN_YEARS", "parcel_list", "plan_table",
           "write_plan_excel"]

log = get_logger(__name__)

#: Land-use groups of the plan table: key -> (Chinese label, test on the code).
LAND_USE_GROUPS: dict[str, str] = {
    "industrial": "工业用地(1001)",
    "research": "科研用地(0802)",
    "warehouse": "仓储用地(11)",
    "mixed_industrial": "产业综合用地(上海)",
    "mining": "采矿用地、盐田(1002、1003)及未细分工矿用地(10)",
    "other": "其他用地",
}
_UNASSIGNED = "(unassigned)"
TOTAL = "total"


def _land_use_group(codes: pd.Series) -> pd.Series:
    codes = codes.fillna("").astype(str)
    out = pd.Series("other", index=codes.index, dtype=object)
    out[codes.isin(["10", "1002", "1003"])] = "mining"
    out[codes.str.startswith("1001")] = "industrial"
    out[codes == "0802"] = "research"
    out[codes.str.startswith("11")] = "warehouse"
    out[codes == SHANGHAI_MIXED_INDUSTRIAL] = "mixed_industrial"
    return out


#: Plan years :func:`plan_table` accepts (first, last), inclusive.
PLAN_YEARS = (1990, 2100)


def _plan_year(year: object) -> int:
    """``year`` as an int in :data:`PLAN_YEARS`, else a ValidationError naming the option."""
    lo, hi = PLAN_YEARS
    value: int | None = None
    if isinstance(year, int | np.integer) and not isinstance(year, bool):
        value = int(year)
    elif isinstance(year, float | np.floating) and float(year).is_integer():
        value = int(year)
    elif isinstance(year, str) and year.strip().isdigit():
        value = int(year.strip())
    if value is None or not lo <= value <= hi:
        msg = (f"plan year (year=, zjgis reserve plan --year) {year!r} is not a year from "
               f"{lo} to {hi}: give the plan year as four digits, e.g. --year 2026")
        raise ValidationError(msg)
    return value


def plan_table(parcels: pd.DataFrame, year: int, *, by: str = "street_town") -> pd.DataFrame:
    """Build the annual land-reserve plan table (年度土地储备计划表).

    Parameters
    ----------
    parcels : pandas.DataFrame
        Register parcels (:meth:`Register.parcels` or :meth:`Register.as_of`) with
        ``parcel_id``, ``status``, ``land_use_code``, ``supply_year``, ``area_ha``,
        ``area_mu`` and the ``by`` column.
    year : int
        Plan year: parcels whose ``supply_year`` is this year form the year's supply.
    by : {"street_town", "community"}
        Rows of the table.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` value (missing values grouped as ``"(unassigned)"``),
        sorted, plus a last row ``"total"``; index named ``by``.  Columns:

        * ``parcels``, ``area_ha``, ``area_mu`` — every parcel;
        * ``<status>_parcels``, ``<status>_area_ha``, ``<status>_area_mu`` for each
          status of :data:`~zjgis.landreserve.lifecycle.STATUSES`;
        * ``lu_<group>_area_ha``, ``lu_<group>_area_mu`` for each group of
          :data:`LAND_USE_GROUPS`;
        * ``supply_parcels``, ``supply_area_ha``, ``supply_area_mu`` — supply
          planned in ``year`` (``supply_year == year``, any status);
        * ``supply_pending_parcels``, ``supply_pending_area_ha``,
          ``supply_pending_area_mu`` — of those, not yet supplied (预收储/收储/储备).

        ``attrs``: ``year``, ``by``, ``headers_zh`` (column → Chinese header with
        unit), ``groups_zh`` (column group → Chinese), ``accuracy`` (the set of
        accuracy classes in the data, e.g. ``["sample"]``).

    Raises
    ------
    ValidationError
        Missing columns, an unknown ``by``, or a ``year`` that is not a whole
        year in :data:`PLAN_YEARS` (1990–2100; ``zjgis reserve plan --year``).

    Notes
    -----
    Every area sum is over the register's geodesic areas, so the ``total`` row
    equals the register's totals exactly (up to float rounding).
    """
    year = _plan_year(year)
    if by not in ("street_town", "community"):
        msg = f"by must be 'street_town' or 'community', not {by!r}"
        raise ValidationError(msg)
    require_columns(parcels, ["parcel_id", "status", "land_use_code", "supply_year",
                              "area_ha", "area_mu", by], "parcels")
    df = pd.DataFrame({
        "group": parcels[by].where(parcels[by].notna() & (parcels[by].astype(str) != ""),
                                   _UNASSIGNED).astype(str),
        "status": parcels["status"].astype(str),
        "lu": _land_use_group(parcels["land_use_code"]),
        "supply": pd.to_numeric(parcels["supply_year"], errors="coerce").to_numpy() == int(year),
        "area_ha": parcels["area_ha"].astype(float).to_numpy(),
        "area_mu": parcels["area_mu"].astype(float).to_numpy(),
        "one": 1,
    })
    groups = sorted(df["group"].unique(), key=lambda g: (g == _UNASSIGNED, g))
    out = pd.DataFrame(index=pd.Index(groups, name=by))

    def add(prefix: str, mask: np.ndarray | pd.Series | None, *, count: bool = True) -> None:
        sub = df if mask is None else df[np.asarray(mask)]
        agg = sub.groupby("group")[["one", "area_ha", "area_mu"]].sum().reindex(groups,
                                                                              fill_value=0)
        if count:
            out[f"{prefix}parcels"] = agg["one"].astype("int64")
        out[f"{prefix}area_ha"] = agg["area_ha"].astype(float)
        out[f"{prefix}area_mu"] = agg["area_mu"].astype(float)

    add("", None)
    for status in STATUSES:
        add(f"{status}_", df["status"] == status)
    for group in LAND_USE_GROUPS:
        add(f"lu_{group}_", df["lu"] == group, count=False)
    add("supply_", df["supply"])
    add("supply_pending_", df["supply"] & df["status"].isin(NOT_SUPPLIED))
    total = out.sum(axis=0)
    out.loc[TOTAL] = total
    for col in out.columns:
        if col.endswith("parcels"):
            out[col] = out[col].astype("int64")
    headers, groups_zh = _headers(int(year))
    out.attrs.update({
        "year": int(year),
        "by": by,
        "headers_zh": headers,
        "groups_zh": groups_zh,
        "accuracy": sorted(set(parcels["accuracy"].dropna().astype(str)))
        if "accuracy" in parcels else [],
    })
    log.info("plan table %d by %s: %d rows, %d parcels, %.1f ha", year, by, len(groups),
             int(total["parcels"]), float(total["area_ha"]))
    return out


def _headers(year: int) -> tuple[dict[str, str], dict[str, str]]:
    headers: dict[str, str] = {}
    groups: dict[str, str] = {"": "全部地块"}
    unit = {"parcels": "地块数（块）", "area_ha": "面积（公顷）", "area_mu": "面积（亩）"}
    for key, label in unit.items():
        headers[key] = label
    for status in STATUSES:
        groups[f"{status}_"] = STATUS_ZH[status]
        for key, label in unit.items():
            headers[f"{status}_{key}"] = label
    for group, zh in LAND_USE_GROUPS.items():
        groups[f"lu_{group}_"] = zh
        headers[f"lu_{group}_area_ha"] = unit["area_ha"]
        headers[f"lu_{group}_area_mu"] = unit["area_mu"]
    groups["supply_"] = f"{year}年计划供应"
    groups["supply_pending_"] = f"{year}年计划供应中尚未供应"
    for key, label in unit.items():
        headers[f"supply_{key}"] = label
        headers[f"supply_pending_{key}"] = label
    return headers, groups


def _group_of(column: str, groups_zh: dict[str, str]) -> str:
    best = ""
    for prefix in groups_zh:
        if column.startswith(prefix) and len(prefix) > len(best):
            rest = column[len(prefix):]
            if rest in ("parcels", "area_ha", "area_mu"):
                best = prefix
    return best


#: Columns of :func:`parcel_list` -> (Chinese header, kind for the number format).
PARCEL_LIST_ZH: dict[str, tuple[str, str]] = {
    "parcel_id": ("编号", "text"),
    "name": ("名称", "text"),
    "street_town": ("街镇", "text"),
    "community": ("产业社区", "text"),
    "land_use": ("用地性质", "text"),
    "declared_area_ha": ("申报面积(公顷)", "number"),
    "declared_area_mu": ("申报面积(亩)", "number"),
    "area_ha": ("测量面积(公顷)", "number"),
    "area_mu": ("测量面积(亩)", "number"),
    "status_zh": ("状态", "text"),
    "supply_year": ("计划供应年份", "text"),
}


def parcel_list(parcels: pd.DataFrame, *, by: str = "street_town") -> pd.DataFrame:
    """One row per parcel for the 地块清单 sheet, sorted by ``by`` then id.

    Parameters
    ----------
    parcels : pandas.DataFrame
        Register parcels (:meth:`Register.parcels` or :meth:`Register.as_of`).
    by : {"street_town", "community"}
        Sort order (as the plan table's rows).

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`PARCEL_LIST_ZH`: ``land_use`` is the code and its
        Chinese name (``"100101 一类工业用地"``), ``status_zh`` the Chinese status,
        ``area_ha``/``area_mu`` the geodesic areas and ``declared_area_ha``/
        ``declared_area_mu`` what the planner's file declared (the register's
        ``declared_area_mu`` column; for frames of older registers, which kept it
        in ``attributes``, from there; empty when none was declared).
    """
    require_columns(parcels, ["parcel_id", "status", "land_use_code", "area_ha", "area_mu"],
                    "parcels")
    df = pd.DataFrame(parcels.drop(columns=[c for c in ("geometry",) if c in parcels]))
    declared = (pd.to_numeric(df["declared_area_mu"], errors="coerce").to_numpy(dtype=float,
                                                                               copy=True)
                if "declared_area_mu" in df else np.full(len(df), np.nan))
    for i, raw in enumerate(df.get("attributes", pd.Series([None] * len(df), index=df.index))):
        if np.isnan(declared[i]) and isinstance(raw, str):
            # a frame of a register made before the column: read as the migration reads it
            mu = lift_declared({"declared_area_mu": None, "attributes": raw})["declared_area_mu"]
            if mu is not None:
                declared[i] = float(mu)
    out = pd.DataFrame({
        "parcel_id": df["parcel_id"].astype(str),
        "name": df.get("name"),
        "street_town": df.get("street_town"),
        "community": df.get("community"),
        "land_use": [f"{c} {LAND_USE.get(str(c), '')}".strip() for c in df["land_use_code"]],
        "declared_area_ha": np.asarray(declared) / 15.0,
        "declared_area_mu": declared,
        "area_ha": df["area_ha"].astype(float),
        "area_mu": df["area_mu"].astype(float),
        "status_zh": df["status"].map(lambda k: STATUS_ZH.get(str(k), k)),
        "supply_year": [None if pd.isna(v) else str(int(v))
                        for v in pd.to_numeric(df.get("supply_year"), errors="coerce")]
        if "supply_year" in df else None,
    }, index=df.index)
    key = out[by].fillna("~") if by in out else pd.Series("", index=out.index)
    return out.assign(_k=key).sort_values(["_k", "parcel_id"]).drop(columns="_k").reset_index(
        drop=True)


def _as_listed(table: pd.DataFrame, parcels: pd.DataFrame, year: int, by: str
               ) -> pd.DataFrame:
    """The plan table summed from each parcel's area as 地块清单 writes it (to 0.01).

    Then the 合计 of 计划表, the sum of its status columns and the 合计 of 地块清单
    are one figure: rounding each street/town's sum instead would let them differ
    by 0.01 on paper.
    """
    listed = parcels.copy()
    for col in ("area_ha", "area_mu"):
        listed[col] = pd.to_numeric(listed[col], errors="coerce").round(2)
    out = plan_table(listed, year, by=by)
    counts = [c for c in table.columns if c.endswith("parcels")]
    if list(out.columns) != list(table.columns) or not out[counts].reindex(
            table.index).equals(table[counts]):
        msg = "parcels are not the parcels the plan table was made from; pass the same ones"
        raise ValidationError(msg)
    out.attrs = dict(table.attrs)
    return out


def write_plan_excel(
    table: pd.DataFrame,
    path: str | Path,
    *,
    parcels: pd.DataFrame | None = None,
    title: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a plan table to an Excel workbook ready to hand out.

    Sheet ``计划表``: row 1 the title, row 2 units, date and data accuracy, row 3
    column groups (全部地块, 预收储 … 投产, land-use groups, 年度计划供应), row 4
    Chinese headers with units, then one row per street/town (or community) and a
    bold 合计 row.  With ``parcels``, sheet ``地块清单``: one row per parcel
    (:func:`parcel_list`: 编号, 名称, 街镇, 产业社区, 用地性质, 面积 declared and
    measured in 公顷 and 亩, 状态, 计划供应年份) and its 合计 row.  Numbers are
    written rounded to 2 decimals (format ``#,##0.00``), and each 合计 row is the
    sum of the rows as written, so it adds up on paper; with ``parcels``, 计划表 is
    summed from each parcel's area as 地块清单 writes it, so the two sheets' 合计 and
    the status columns give one figure.  Both sheets print on
    A3 landscape, one page wide, header rows repeated.  Written atomically
    (:func:`zjgis.io.atomic_write`).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`plan_table`.
    path : str or path-like
        The ``.xlsx`` file.
    parcels : pandas.DataFrame, optional
        The parcels the table was made from, for the 地块清单 sheet.
    title : str, optional
        Default ``"张江科学城{year}年度土地储备计划表"`` (+ ``（样例数据）`` for sample data).
    overwrite : bool
        Replace an existing file (default False: raise WriteError).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValidationError
        ``table`` is not a plan table (no ``headers_zh`` in ``attrs``).
    WriteError
        The file exists and ``overwrite`` is False, or it cannot be written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    headers = table.attrs.get("headers_zh")
    groups_zh = table.attrs.get("groups_zh")
    if not headers or not groups_zh:
        msg = "table has no Chinese headers in attrs; build it with plan_table()"
        raise ValidationError(msg)
    year = table.attrs.get("year", "")
    by = table.attrs.get("by", "street_town")
    accuracy = table.attrs.get("accuracy", [])
    sample = "sample" in accuracy
    if parcels is not None and year != "":
        table = _as_listed(table, parcels, int(year), by)
    title = title or (f"张江科学城{year}年度土地储备计划表"
                      + ("（样例数据，非真实统计）" if sample else ""))
    wb = Workbook()
    ws = wb.active
    ws.title = "计划表"
    ncols = len(table.columns) + 1
    bold = Font(bold=True)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    note = (f"单位：面积 公顷、亩（1亩=666.67平方米，椭球面积）；地块数 块。"
            f"生成日期 {_dt.date.today().isoformat()}。"
            f"数据精度：{'、'.join(accuracy_zh(a) for a in accuracy) if accuracy else '未注明'}")
    if sample:
        note += "。本表由样例数据生成，数字不是真实统计。"
    ws.cell(row=2, column=1, value=note)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    row_label = "街镇" if by == "street_town" else "产业社区"
    ws.cell(row=3, column=1, value=row_label)
    ws.cell(row=4, column=1, value=row_label)
    ws.merge_cells(start_row=3, start_column=1, end_row=4, end_column=1)
    # group header row with merged spans
    cols = list(table.columns)
    start = 0
    while start < len(cols):
        g = _group_of(cols[start], groups_zh)
        end = start
        while end + 1 < len(cols) and _group_of(cols[end + 1], groups_zh) == g:
            end += 1
        ws.cell(row=3, column=start + 2, value=groups_zh[g])
        if end > start:
            ws.merge_cells(start_row=3, start_column=start + 2, end_row=3, end_column=end + 2)
        start = end + 1
    for j, col in enumerate(cols, start=2):
        ws.cell(row=4, column=j, value=headers.get(col, col))
    for r in (3, 4):
        for j in range(1, ncols + 1):
            c = ws.cell(row=r, column=j)
            c.font = bold
            c.fill = head_fill
            c.border = border
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    shown = {col: 0.0 for col in cols}  # sums of the values as written
    for i, (label, values) in enumerate(table.iterrows(), start=5):
        is_total = label == TOTAL
        ws.cell(row=i, column=1, value="合计" if is_total else
                ("未落位" if label == _UNASSIGNED else str(label)))
        for j, col in enumerate(cols, start=2):
            count = col.endswith("parcels")
            if is_total:
                v = int(shown[col]) if count else round(shown[col], 2)
            else:
                v = int(values[col]) if count else round(float(values[col]), 2)
                shown[col] += v
            cell = ws.cell(row=i, column=j, value=v)
            cell.number_format = _excel.FORMATS["count" if count else "number"]
        for j in range(1, ncols + 1):
            ws.cell(row=i, column=j).border = border
            if is_total:
                ws.cell(row=i, column=j).font = bold
    ws.column_dimensions["A"].width = 18
    for j in range(2, ncols + 1):
        ws.column_dimensions[get_column_letter(j)].width = 11
    ws.freeze_panes = "B5"
    _excel.print_setup(ws, header_rows=4)
    if parcels is not None:
        listing = parcel_list(parcels, by=by)
        shown_list = pd.DataFrame({PARCEL_LIST_ZH[c][0]: listing[c] for c in listing.columns})
        kinds = {PARCEL_LIST_ZH[c][0]: PARCEL_LIST_ZH[c][1] for c in listing.columns}
        if listing["declared_area_mu"].isna().all():  # nothing declared: no empty columns
            shown_list = shown_list.drop(columns=["申报面积(公顷)", "申报面积(亩)"])
        _excel.table_sheet(wb, "地块清单", shown_list,
                           title=f"{title} — 地块清单",
                           note=(f"共 {len(listing):,} 宗地块。测量面积为椭球面积；申报面积为"
                                 "导入文件所填（如有）。" + note.split("。", 1)[-1]),
                           kinds=kinds, total_label="合计")
    with _io.atomic_write(path, overwrite=overwrite) as tmp:
        wb.save(tmp)
    log.info("wrote plan table (%d rows) to %s", len(table), path)
    return Path(path)
