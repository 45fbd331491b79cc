"""Workbook sheets ready to hand out: title, Chinese headers, number formats, print setup.

Shared by the plan workbook (:mod:`zjgis.landreserve.plan`) and the matching
workbook (:mod:`zjgis.landreserve.matching`).  Every sheet prints on A3
landscape, fitted to the page width, with its header rows repeated on every page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["FORMATS", "print_setup", "table_sheet"]

#: Number formats by kind: counts, 2-decimal figures with thousands separators, text.
FORMATS = {"count": "#,##0", "number": "#,##0.00", "score": "0.00", "text": "@"}


def print_setup(ws: Any, *, header_rows: int) -> None:
    """A3 landscape, fit to one page wide, the first ``header_rows`` rows on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{header_rows}"
    ws.print_options.horizontalCentered = True


def _value(v: Any, kind: str) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if kind == "count":
        return int(v)
    if kind in ("number", "score"):
        return round(float(v), 2)
    return v if isinstance(v, (int, float)) and kind != "text" else str(v)


def table_sheet(
    wb: Any,
    name: str,
    df: pd.DataFrame,
    *,
    title: str,
    note: str = "",
    kinds: Mapping[str, str] | None = None,
    widths: Mapping[str, float] | None = None,
    total_label: str | None = None,
) -> Any:
    """Add a sheet: row 1 title, row 2 note, row 3 headers (the frame's columns), data.

    ``kinds`` gives each column's kind (``count``, ``number``, ``score``,
    ``text``; default text).  Numbers are written rounded to 2 decimals, so the
    sums a planner makes of the displayed cells are the sums of what he sees;
    with ``total_label`` a bold last row holds the sum of every ``count`` and
    ``number`` column of the rows as written.
    """
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    kinds = dict(kinds or {})
    ws = wb.create_sheet(name)
    ncols = max(len(df.columns), 1)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.cell(row=2, column=1, value=note)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for j, col in enumerate(df.columns, start=1):
        c = ws.cell(row=3, column=j, value=str(col))
        c.font = Font(bold=True)
        c.fill = fill
        c.border = border
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sums: dict[str, float] = {col: 0.0 for col in df.columns
                              if kinds.get(col) in ("count", "number")}
    r = 3
    for r, row in enumerate(df.itertuples(index=False), start=4):
        for j, (col, v) in enumerate(zip(df.columns, row, strict=True), start=1):
            kind = kinds.get(col, "text")
            value = _value(v, kind)
            cell = ws.cell(row=r, column=j, value=value)
            cell.border = border
            if kind in FORMATS and kind != "text":
                cell.number_format = FORMATS[kind]
            if col in sums and value is not None:
                sums[col] += value
    if total_label is not None:
        r += 1
        ws.cell(row=r, column=1, value=total_label)
        for j, col in enumerate(df.columns, start=1):
            cell = ws.cell(row=r, column=j)
            if col in sums:
                cell.value = round(sums[col], 2) if kinds[col] == "number" else int(sums[col])
                cell.number_format = FORMATS[kinds[col]]
            cell.font = Font(bold=True)
            cell.border = border
    for j, col in enumerate(df.columns, start=1):
        width = (widths or {}).get(col)
        if width is None:
            longest = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
            width = min(max(8, longest * 1.6 + 2), 60)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = "A4"
    print_setup(ws, header_rows=3)
    return ws
