"""``zjgis reserve`` — the land-reserve register: plan table, import, matching, map.

Examples::

    zjgis reserve plan --register R.gpkg --year 2025 --out plan.xlsx
    zjgis reserve import --register R.gpkg parcels.shp --create --rejected rejected.csv
    zjgis reserve match --register R.gpkg --projects projects.xlsx --out matches.xlsx
    zjgis reserve map --register R.gpkg --projects projects.xlsx --year 2025 --out map.html
    zjgis reserve transition --register R.gpkg ZJ-01 已出让 --date 2025-03-01 --note 挂牌出让
    zjgis reserve update --register R.gpkg ZJ-01 --set 街镇=张江镇 计划供应年份=2026
    zjgis reserve history --register R.gpkg ZJ-01

Each command parses its arguments, calls :mod:`zjgis.landreserve` (and
:mod:`zjgis.maps` for ``map``) and writes atomically, refusing to replace an
existing output without ``--overwrite``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zjgis import crs as _crs
from zjgis import schema as _schema
from zjgis.cli._common import (
    EXIT_OK,
    EXIT_PARTIAL,
    add_input_options,
    check_output_kinds,
    cli_words,
    read_input,
    read_table,
    refuse_existing,
    source_crs_for,
    write_csv,
)
from zjgis.cli.briefing import add_map_options, map_options
from zjgis.errors import DataQualityWarning, ReadError, ValidationError
from zjgis.landreserve import (
    STATUS_ZH,
    Register,
    briefing_layers,
    match_projects,
    plan_table,
    write_match_excel,
    write_plan_excel,
)
from zjgis.landreserve import values as _values

_RAW = argparse.RawDescriptionHelpFormatter
_REGISTER_HELP = "the register: a GeoPackage (.gpkg) made by zjgis (土地储备台账)"
_LIFECYCLE = "预收储 → 收储 → 储备 → 供应（出让） → 在建 → 投产"


def _add(rs: argparse._SubParsersAction, name: str, *, help: str, description: str,
         examples: str) -> argparse.ArgumentParser:
    """One action of ``zjgis reserve``: every action works on a register (--register)."""
    action = rs.add_parser(name, help=help, description=description, formatter_class=_RAW,
                           epilog="examples:\n" + examples)
    action.add_argument("--register", required=True, metavar="R.gpkg", help=_REGISTER_HELP)
    return action


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``reserve`` subcommand group."""
    p = sub.add_parser(
        "reserve",
        help="土地储备: land-reserve register — plan table, import, project matching, map",
        formatter_class=_RAW,
        description=(
            "土地储备台账 — the land-reserve parcel register of the science city.\n\n"
            "One GeoPackage file (.gpkg; open it in QGIS or ArcGIS) holds every parcel with\n"
            "its land use (2023 用地用海分类), area (公顷, 亩) and lifecycle status\n"
            f"  {_LIFECYCLE}\n"
            "and the full history of changes (who, when, before/after).  Record changes\n"
            "here (transition, update; history shows them) or from Python\n"
            "(zjgis.landreserve.Register) — both write the same transactions and history;\n"
            "the other actions import parcels and produce the documents for the meeting."),
        epilog=(
            "examples:\n"
            "  zjgis reserve import parcels.shp --register R.gpkg --create\n"
            "  zjgis reserve plan  --register R.gpkg --year 2025 --out 计划表2025.xlsx\n"
            "  zjgis reserve match --register R.gpkg --projects 五个一批.xlsx --out 匹配.xlsx\n"
            "  zjgis reserve map   --register R.gpkg --projects 五个一批.xlsx --year 2025 \\\n"
            "                      --out 储备地块.html\n"
            "  zjgis reserve transition --register R.gpkg ZJ-01 已出让 --date 2025-03-01\n"
            "  zjgis reserve update --register R.gpkg ZJ-01 --set 计划供应年份=2026\n"
            "  zjgis reserve history --register R.gpkg ZJ-01\n"
            "  zjgis reserve check --register R.gpkg        (after edits in QGIS)\n\n"
            "Outputs are never overwritten unless you pass --overwrite.  Exit codes: 0 done;\n"
            "1 an error (the message says what to fix; nothing was written); 2 bad\n"
            "arguments; 3 import: some rows rejected (listed), the others imported.\n"
            "Try it on the generated sample register (accuracy 'sample', nothing real):\n"
            "  data/sample_register/register.gpkg and projects.csv"),
    )
    rs = p.add_subparsers(dest="reserve_command", metavar="ACTION", title="actions")

    plan = _add(
        rs, "plan",
        help="年度土地储备计划表: the annual land-reserve plan table, as Excel",
        description=(
            "年度土地储备计划表 — the annual land-reserve plan table, ready to hand out.\n\n"
            "One row per 街镇 (or 社区 with --by community) and a 合计 row: parcels and area\n"
            "(公顷, 亩) by status (预收储/收储/储备/供应/在建/投产) and by land use\n"
            "(工业 1001, 科研 0802, 仓储 11, 产业综合用地, 采矿/盐田 1002/1003), the supply\n"
            "planned in YEAR (计划供应) and, of it, the land not yet supplied (待供应).\n"
            "Areas are geodesic; the 合计 row equals the register and the sum of the rows\n"
            "as printed.  Sheet 计划表 has a title row and Chinese headers with units;\n"
            "sheet 地块清单 lists every parcel (编号, 名称, 街镇, 产业社区, 用地性质, 面积\n"
            "declared and measured, 状态, 计划供应年份).  Both print on A3 landscape, one\n"
            "page wide.  Sample data is labelled as such in the title."),
        examples=("  zjgis reserve plan --register R.gpkg --year 2025 --out 计划表2025.xlsx\n"
                  "  zjgis reserve plan --register R.gpkg --year 2025 --by community \\\n"
                  "                     --as-of 2024-12-31 --out 计划表.xlsx"))
    plan.add_argument("--year", type=int, required=True, metavar="YEAR",
                      help="plan year (计划年度), e.g. 2025: parcels with supply_year = YEAR "
                           "form the year's supply")
    plan.add_argument("--out", required=True, metavar="FILE.xlsx", help="Excel file to write")
    plan.add_argument("--by", choices=["street_town", "community"], default="street_town",
                      help="rows: street_town = 街镇 (default), community = 产业社区")
    plan.add_argument("--as-of", default=None, metavar="DATE",
                      help="build the table from the register as it stood at the end of "
                           "DATE (YYYY-MM-DD), e.g. last year's table")
    plan.add_argument("--overwrite", action="store_true", help="replace FILE.xlsx if it exists")
    plan.set_defaults(func=_plan)

    imp = _add(
        rs, "import",
        help="导入地块: add parcels from a shapefile, GeoPackage, GeoJSON or Excel/CSV + WKT",
        description=(
            "导入地块 — add parcels to the register, all accepted rows in one transaction\n"
            "(an interrupted import leaves the register as it was).\n\n"
            "Each row needs parcel_id, land_use_code and status; name, street_town,\n"
            "community, supply_year, owner and a declared area are optional, other columns\n"
            "are kept as free attributes.  Chinese and shapefile-cut names are understood\n"
            "(地块编号/宗地号, 用地性质, 状态, 面积(亩), 街镇, 计划供应年份, land_use_c …;\n"
            "--columns 宗地号=parcel_id for others).  Land use by 2023 code or name\n"
            "(100101 / 一类工业用地), or an old GB 50137 code (M1, W1, A35; C65); status by\n"
            "key or Chinese word (储备, 已出让 …).  Areas are measured geodesically; a\n"
            "declared area (面积, unit from the header or --area-unit) is kept beside them\n"
            "and a difference above --area-tolerance is reported.  A missing 街镇 is\n"
            "taken from the streets_towns layer by location (and said so).  Rows with a\n"
            "problem (duplicate id, overlap with a registered parcel, invalid geometry,\n"
            "unknown status or land use, outside the science city) are rejected and\n"
            "listed with the reason; exit code 3 when some rows were rejected.\n\n"
            "The science-city boundary used for the check is SCHEMATIC (science_city_2022):\n"
            "real parcels near its edge may fall outside it; the message suggests a\n"
            "--study-area-buffer-m, or use --no-study-area."),
        examples=("  zjgis reserve import 地块.shp --register R.gpkg --create\n"
                  "  zjgis reserve import 台账.xlsx --layer 地块 --source-crs GCJ-02 \\\n"
                  "                       --register R.gpkg --rejected 未导入.csv"))
    imp.add_argument("source", metavar="FILE",
                     help="parcels: .shp/.zip, .gpkg, .geojson, or .xlsx/.csv with a WKT column")
    imp.add_argument("--date", default=None, metavar="DATE",
                     help="when the parcels entered the reserve (YYYY-MM-DD; default now): "
                          "later changes (transition, update) must not be earlier")
    imp.add_argument("--note", default="", metavar="TEXT",
                     help="note kept in the history (default: imported from FILE)")
    imp.add_argument("--create", action="store_true",
                     help="create the register if R.gpkg does not exist yet")
    imp.add_argument("--layer", default=None, metavar="NAME",
                     help="layer of a GeoPackage, or sheet of an Excel file")
    imp.add_argument("--wkt-column", default="wkt", metavar="COLUMN",
                     help="column with the WKT geometry in Excel/CSV input (default: wkt)")
    add_input_options(imp)
    _add_land_use_default(imp)
    imp.add_argument("--area-unit", default=None, metavar="UNIT",
                     help="unit of a declared area column whose header names none "
                          "(亩, 公顷, m²)")
    imp.add_argument("--area-tolerance", type=float, default=0.01, metavar="FRACTION",
                     help="declared and measured area differing by more than this share "
                          "is a data-quality warning (default 0.01 = 1 %%)")
    imp.add_argument("--no-study-area", action="store_true",
                     help="do not check that the parcels lie in the science city")
    imp.add_argument("--study-area-buffer-m", type=float, default=0.0, metavar="M",
                     help="tolerance in metres around the schematic science-city boundary "
                          "(default 0)")
    imp.add_argument("--rejected", default=None, metavar="FILE.csv",
                     help="also write the rejected rows with their reasons to this CSV")
    imp.add_argument("--overwrite", action="store_true", help="replace FILE.csv if it exists")
    imp.set_defaults(func=_import)

    match = _add(
        rs, "match",
        help="项目匹配: match 五个一批 projects to available parcels (让空间等项目)",
        description=(
            "项目匹配 — assign available parcels to the projects of the 五个一批 lists\n"
            "(在建/新建/储备), one parcel per project, so that space waits for projects.\n\n"
            "Available: parcels 收储 or 储备 on industrial, R&D, warehousing or 产业综合用地.\n"
            "Score = 0.5 industry fit (the community's and the axis zone's positioning:\n"
            "中国芯 / 智能造 / 创新药) + 0.3 area fit (the project's 亩 demand) + 0.2 distance\n"
            "to rail.  --objective most_placed (default) places as many projects as\n"
            "possible, then maximises the total score; best_total maximises the total\n"
            "score even if fewer projects are placed.  The Excel file (Chinese) has three\n"
            "sheets: 匹配结果 (with the score's parts), 未匹配项目 and 闲置地块 (each with\n"
            "the reason: too small, too big, wrong zone, taken …).\n\n"
            "Project list columns (Chinese or English; --columns for others): 项目名称 /\n"
            "name, 项目编号 / project_id (default: the name), 项目状态 / status (在建/新建/\n"
            "储备; optional), 产业类别 / industry (集成电路, 生物医药, 人工智能, 智能制造\n"
            "or their English keys; an unknown industry is an error), and the land\n"
            "demand: one figure 用地需求(亩) / demand_mu, accepted within ±TOLERANCE\n"
            "(--demand-tolerance, default 0.2 = ±20 %), or a range area_min_mu /\n"
            "area_max_mu; 意向区域 / preferred_zone (optional: 中国芯/智能造/创新药)."),
        examples=("  zjgis reserve match --register R.gpkg --projects 五个一批.xlsx "
                  "--out 匹配.xlsx\n"
                  "  zjgis reserve match --register R.gpkg --projects 项目.xlsx \\\n"
                  "      --columns 需求亩数=demand_mu --demand-tolerance 0.3 --out 匹配.xlsx\n"))
    match.add_argument("--projects", required=True, metavar="FILE",
                       help="project list, .xlsx or .csv (columns above)")
    _add_match_options(match)
    match.add_argument("--out", required=True, metavar="FILE.xlsx", help="Excel file to write")
    match.add_argument("--language", choices=("zh", "en"), default="zh",
                       help="language of sheets, headers, values and reasons (default zh)")
    match.add_argument("--overwrite", action="store_true", help="replace FILE.xlsx if it exists")
    match.set_defaults(func=_match)

    mp = _add(
        rs, "map",
        help="挂图: briefing map of the parcels by status (+ matched projects, planned supply)",
        description=(
            "挂图 — the register on the briefing map, as one HTML file that opens without\n"
            "internet (only basemap tiles are fetched; none with --basemap none).\n\n"
            f"Parcels are coloured by status ({_LIFECYCLE}),\n"
            "over the catalog layers (science-city boundary, 街镇, 主轴三区, 产业社区,\n"
            "stations …).  With --projects, the parcels matched to projects are outlined\n"
            "in red and headed by the project's name; with --year, the supply planned in\n"
            "that year is outlined dashed.  Tooltips and the legend state each layer's\n"
            "accuracy (sample data is labelled 样例)."),
        examples=("  zjgis reserve map --register R.gpkg --out 储备地块.html\n"
                  "  zjgis reserve map --register R.gpkg --enterprises 企业.geojson "
                  "--source-crs GCJ-02 --out 储备地块.html\n"
                  "  zjgis reserve map --register R.gpkg --projects 五个一批.xlsx --year 2025 \\\n"
                  "                    --basemap amap --out 储备地块.html --png 储备地块.png"))
    mp.add_argument("--out", required=True, type=Path, metavar="FILE.html",
                    help="HTML map to write")
    mp.add_argument("--projects", default=None, metavar="FILE",
                    help="五个一批 project list (.xlsx/.csv, as for `reserve match`): "
                         "match it and show the matched parcels")
    _add_match_options(mp)
    mp.add_argument("--enterprises", default=None, metavar="FILE",
                    help="also show enterprise points (企业名称, 产业类别, 就业岗位), "
                         "e.g. an Amap export with --source-crs GCJ-02")
    add_input_options(mp, columns=False)
    mp.add_argument("--year", type=int, default=None, metavar="YEAR",
                    help="outline the parcels planned for supply in YEAR (计划供应)")
    mp.add_argument("--as-of", default=None, metavar="DATE",
                    help="map the register as it stood at the end of DATE (YYYY-MM-DD)")
    add_map_options(mp)
    mp.add_argument("--layers", nargs="+", metavar="NAME", default=None,
                    help="catalog layers under the parcels (default: all; see `zjgis layers`)")
    mp.add_argument("--title", default=None, help="map title (default: 张江科学城 土地储备地块)")
    mp.add_argument("--language", choices=("zh", "en"), default="zh",
                    help="language of legend, tooltips and title (default zh)")
    mp.add_argument("--png", type=Path, default=None, metavar="FILE.png",
                    help="also save a static figure for slides (.png or .pdf)")
    mp.add_argument("--online", action="store_true",
                    help="link Leaflet from the internet instead of inlining it (smaller file)")
    mp.add_argument("--overwrite", action="store_true", help="replace existing output files")
    mp.set_defaults(func=_map)
    tr = _add(
        rs, "transition",
        help="状态变更: move a parcel to its next lifecycle status (with date and note)",
        description=(
            "状态变更 — move one parcel along the lifecycle\n"
            f"  {_LIFECYCLE}\n"
            "in one transaction, recorded in the history (who, when, note), exactly as\n"
            "Register.transition does.  STATUS is a key (acquired, reserved, supplied …)\n"
            "or a Chinese word (收储, 储备, 已出让, 已供应 …).  A step the lifecycle does not\n"
            "allow is refused with the allowed next statuses."),
        examples=("  zjgis reserve transition --register R.gpkg ZJ-01 已出让 --date 2025-03-01 "
                  "--note 挂牌出让\n"))
    tr.add_argument("parcel_id", metavar="PARCEL_ID", help="the parcel (地块编号)")
    tr.add_argument("status", metavar="STATUS", help="new status (key or Chinese word)")
    _add_change_options(tr)
    tr.set_defaults(func=_transition)

    up = _add(
        rs, "update",
        help="修改属性: change attributes of a parcel (--set 字段=值 ...)",
        description=(
            "修改属性 — change attributes of one parcel in one transaction, recorded in\n"
            "the history, exactly as Register.update does.  Fields by key or Chinese\n"
            "name: 名称/name, 街镇/street_town, 产业社区/community, 用地性质/land_use_code\n"
            "(2023 code or name, old GB 50137 code), 计划供应年份/supply_year, 权利人/owner,\n"
            "面积 (the declared area, unit in the header or after the figure: 面积(亩)=12.5,\n"
            "面积=0.8公顷; kept in declared_area_mu), or any free attribute.  An empty\n"
            "value clears the field.  The status changes with `zjgis reserve transition`,\n"
            "not here."),
        examples=("  zjgis reserve update --register R.gpkg ZJ-01 --set 计划供应年份=2026 "
                  "街镇=张江镇\n"
                  "  zjgis reserve update --register R.gpkg ZJ-01 --set 面积(亩)=12.5\n"))
    up.add_argument("parcel_id", metavar="PARCEL_ID", help="the parcel (地块编号)")
    up.add_argument("--set", dest="assignments", nargs="+", required=True,
                    metavar="FIELD=VALUE", help="new values, e.g. 计划供应年份=2026")
    _add_land_use_default(up)
    _add_change_options(up)
    up.set_defaults(func=_update)

    hi = _add(
        rs, "history",
        help="变更记录: the history of one parcel (or of all) — who, when, what",
        description=(
            "变更记录 — every recorded change of a parcel (or of every parcel): date,\n"
            "action, user, the fields before and after, and the note."),
        examples=("  zjgis reserve history --register R.gpkg ZJ-01\n"
                  "  zjgis reserve history --register R.gpkg --out 变更记录.csv\n"))
    hi.add_argument("parcel_id", nargs="?", default=None, metavar="PARCEL_ID",
                    help="the parcel (default: every parcel)")
    hi.add_argument("--out", default=None, metavar="FILE.csv",
                    help="also write the history as CSV (UTF-8 with BOM, opens in Excel)")
    hi.add_argument("--overwrite", action="store_true", help="replace FILE.csv if it exists")
    hi.set_defaults(func=_history)

    ck = _add(
        rs, "check",
        help="核查台账: re-check the register after it was edited in QGIS or ArcGIS",
        description=(
            "核查台账 — re-validate every stored parcel: invalid or missing geometry,\n"
            "overlaps, unknown status or land use, rows copied, parcels outside the study\n"
            "area, stale areas, and values changed outside zjgis (not in the history).\n"
            "Exit 0 when all is well, 1 with one line per problem."),
        examples=("  zjgis reserve check --register R.gpkg\n"
                  "  zjgis reserve check --register R.gpkg --out 核查.csv\n"))
    ck.add_argument("--out", default=None, metavar="FILE.csv",
                    help="also write the problems as CSV (UTF-8 with BOM, opens in Excel)")
    ck.add_argument("--no-study-area", action="store_true",
                    help="do not check the parcels against the science city's outline")
    ck.add_argument("--overwrite", action="store_true", help="replace FILE.csv if it exists")
    ck.set_defaults(func=_check)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _add_match_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sheet", default=None, metavar="NAME",
                        help="sheet of the project workbook (default: the first)")
    parser.add_argument("--columns", nargs="+", default=None, metavar="SOURCE=FIELD",
                        help="map project-list columns to fields, e.g. 需求亩数=demand_mu "
                             "(wins over the automatic mapping; see zjgis.schema)")
    parser.add_argument("--demand-tolerance", type=float, default=0.2, metavar="FRACTION",
                        help="a single demand figure D (用地需求(亩)) accepts parcels of "
                             "D×(1−F) to D×(1+F) 亩 (default 0.2)")
    parser.add_argument("--objective", choices=("most_placed", "best_total"),
                        default="most_placed",
                        help="most_placed: as many projects as possible, then the best "
                             "total score (default); best_total: the best total score")


def _add_change_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", default=None, metavar="DATE",
                        help="when the change took effect (YYYY-MM-DD; default now); not "
                             "earlier than the parcel's last change")
    parser.add_argument("--note", default="", metavar="TEXT",
                        help="note kept in the history (e.g. the decision's number)")
    parser.add_argument("--user", default=None, metavar="NAME",
                        help="who made the change (default: the login name)")


def _open(path: str, **options) -> Register:
    return Register(path, **options)


def _check(args: argparse.Namespace) -> int:
    check_output_kinds({args.out: "csv"})
    refuse_existing([args.out], overwrite=args.overwrite)
    with warnings.catch_warnings():
        # opening warns of what check lists below, one line each
        warnings.simplefilter("ignore", DataQualityWarning)
        reg = _open(args.register, **({"study_area": None} if args.no_study_area else {}))
    with reg:
        problems = reg.check()
        n = len(reg.parcels())
    if args.out:
        write_csv(problems.rename(columns={"parcel_id": "地块编号", "problem": "问题"})
                  .assign(问题=lambda t: t["问题"].map(cli_words)),
                  args.out, overwrite=args.overwrite)
    if problems.empty:
        print(f"{args.register}: {n} parcel(s), no problems found")
        return EXIT_OK
    print(f"{args.register}: {len(problems)} problem(s) in {n} parcel(s)")
    for row in problems.itertuples():
        print(f"  {row.parcel_id}: {cli_words(row.problem)}")
    if problems.attrs.get("hint"):
        print(f"  {cli_words(problems.attrs['hint'])}")
    return 1


def _plan(args: argparse.Namespace) -> int:
    out = Path(args.out)
    check_output_kinds({out: "xlsx"})
    refuse_existing([out], overwrite=args.overwrite)
    with _open(args.register, study_area=None) as reg:
        parcels = reg.parcels() if args.as_of is None else reg.as_of(args.as_of)
    table = plan_table(parcels, args.year, by=args.by)
    write_plan_excel(table, out, parcels=parcels, overwrite=args.overwrite)
    total = table.loc["total"]
    print(f"{out}: {int(total['parcels'])} parcels, {total['area_ha']:.2f} ha "
          f"({total['area_mu']:.1f} 亩); {int(total['supply_parcels'])} planned for {args.year}")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    reg_path = Path(args.register)
    opts: dict[str, Any] = ({"study_area": None} if args.no_study_area
                            else {"study_area_buffer_m": args.study_area_buffer_m})
    check_output_kinds({args.rejected: "csv"})
    refuse_existing([args.rejected], overwrite=args.overwrite)
    if not Path(args.source).exists():
        raise ReadError(f"{args.source}: file not found")
    created = not reg_path.exists()
    if created:
        if not args.create:
            raise ReadError(f"{reg_path}: no register; pass --create to make one")
        reg = Register.create(reg_path, **opts)
    else:
        reg = _open(args.register, **opts)
    try:
        with reg:
            report = reg.import_parcels(
                args.source, layer=args.layer, wkt_column=args.wkt_column,
                source_crs=source_crs_for(args.source, args), date=args.date, note=args.note,
                columns=_schema.parse_mapping(args.columns),
                land_use_defaults=_values.parse_defaults(args.land_use_default),
                area_unit=args.area_unit, area_tolerance=args.area_tolerance)
    except BaseException:
        if created:  # the register made for this import holds nothing: no empty file stays
            _remove_register(reg_path)
        raise
    if created and report.accepted.empty and not report.rejected.empty:
        _remove_register(reg_path)
    print(cli_words(report))
    for line in report.notes:
        if not line.startswith("warning: "):  # warnings are printed once, as warnings
            print(f"  {cli_words(line)}")
    where = _file_places(report.rejected["row"], args.source)
    for place, row in zip(where[:20], report.rejected.head(20).itertuples(), strict=False):
        print(f"  rejected {place} ({row.parcel_id}): {cli_words(row.reason)}")
    if len(report.rejected) > 20:
        print(f"  … and {len(report.rejected) - 20} more (--rejected FILE.csv lists them all)")
    if args.rejected:
        listed = report.rejected.assign(row=where, reason=report.rejected["reason"].map(cli_words))
        write_csv(listed.rename(columns={"row": "位置", "parcel_id": "地块编号",
                                         "reason": "原因"}),
                  args.rejected, overwrite=args.overwrite)
    if report.rejected.empty:
        return EXIT_OK
    if len(report.accepted):
        return EXIT_PARTIAL
    msg = f"{args.source}: every row was rejected ({len(report.rejected)}); nothing imported"
    if created:
        msg += f" and no register was created at {reg_path}"
    raise ValidationError(msg)


def _file_places(rows: pd.Series, source: str | os.PathLike) -> list[str]:
    """Rows (0-based positions) as a planner finds them: the sheet's row, or the feature."""
    if Path(source).suffix.lower() in (".xlsx", ".xlsm", ".xls", ".csv", ".txt"):
        return [f"row {int(r) + 2}" for r in rows]  # line 1 holds the headers
    return [f"feature {int(r) + 1}" for r in rows]


def _plain(value: object) -> object:
    """A stored value as Python shows it plainly (2027, not np.int64(2027))."""
    return value.item() if isinstance(value, np.generic) else value


def _remove_register(path: Path) -> None:
    """Remove a register this command created and left empty (with SQLite's side files)."""
    for p in (path, *(path.with_name(path.name + s) for s in ("-journal", "-wal", "-shm"))):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _read_projects(args: argparse.Namespace, *, strict: bool = True) -> pd.DataFrame:
    return read_table(args.projects, args, "projects", sheet=args.sheet, strict=strict)


def _enterprise_layer(args: argparse.Namespace) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """The --enterprises file as a point layer for the map (converted by --source-crs)."""
    gdf = read_input(args.enterprises, args, "enterprises", strict=False)
    if gdf.crs is not None and not gdf.crs.equals(_crs.WGS84):
        gdf = gdf.to_crs(_crs.WGS84)
    zh = args.language == "zh"
    shown = [c for c in ("name", "industry", "jobs") if c in gdf.columns]
    frame = gpd.GeoDataFrame(gdf[shown].copy(), geometry=gdf.geometry.values, crs=_crs.WGS84)
    if "industry" in frame:
        frame["industry"] = [_industry_zh(v) if zh else v for v in frame["industry"]]
    converted = gdf.attrs.get("coordinate_conversions") or []
    if converted:  # web-map points converted to WGS-84 (the catalog's word for it)
        frame["accuracy"] = "derived"
    note = f"（{'、'.join(converted)}）" if converted and zh else (
        f" ({', '.join(converted)})" if converted else "")
    title = ("企业" if zh else "Enterprises") + note
    aliases = ({"name": "企业名称", "industry": "产业类别", "jobs": "就业岗位"} if zh else {})
    frame.attrs["layer"] = "enterprises"
    return frame, {"title": title, "color": "#333333", "radius": 4.0,
                   "tooltip": [c for c in shown if c != "name"], "aliases": aliases}


def _industry_zh(value: object) -> object:
    """集成电路 for a known industry (key or any name), else the value as written."""
    try:
        return _values.INDUSTRY_NAMES[_values.industry_key(value)][0]
    except ValidationError:
        return value


def _match_options(args: argparse.Namespace) -> dict[str, Any]:
    return {"demand_tolerance": args.demand_tolerance, "objective": args.objective}


def _match(args: argparse.Namespace) -> int:
    out = Path(args.out)
    check_output_kinds({out: "xlsx"})
    refuse_existing([out], overwrite=args.overwrite)
    projects = _read_projects(args)
    with _open(args.register, study_area=None) as reg:
        result = match_projects(projects, reg, **_match_options(args))
    write_match_excel(result, out, language=args.language, overwrite=args.overwrite)
    print(f"{out}: {result}")
    return EXIT_OK


def _transition(args: argparse.Namespace) -> int:
    with _open(args.register, study_area=None) as reg:
        before = reg.get(args.parcel_id)["status"]
        after = reg.transition(args.parcel_id, args.status, date=args.date, note=args.note,
                               user=args.user)
    print(f"{args.parcel_id}: {STATUS_ZH.get(before, before)} → "
          f"{STATUS_ZH[after['status']]} ({before} → {after['status']}), "
          f"{after['updated_at']}")
    return EXIT_OK


def _parse_set(items: Sequence[str], *, land_use_defaults: dict[str, str] | None = None
               ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            msg = f"--set {item!r}: write FIELD=VALUE, e.g. 计划供应年份=2026"
            raise ValidationError(msg)
        field = _schema.canonical("parcels", key) or key.strip()
        text = value.strip()
        if field == "declared_area":  # 面积(亩)=12.5, 面积=0.8公顷, declared_area_mu=3
            try:
                read = _values.declared_area(text, _schema.header_unit(key.strip()))
            except ValidationError as exc:
                msg = (f"--set {item!r}: {exc}" if "names no unit" not in str(exc) else
                       f"--set {item!r}: the area names no unit; write it in the field or "
                       f"after the figure, e.g. --set 面积(亩)={text} or --set 面积={text}亩")
                raise ValidationError(msg) from exc
            out["declared_area"] = None if read is None else read[0]
            out["declared_area_unit"] = None if read is None else read[1]
        elif text == "":
            out[field] = None
        elif field == "supply_year":
            if not text.isdigit():
                msg = f"--set {item}: the supply year must be a year such as 2026"
                raise ValidationError(msg)
            out[field] = int(text)
        elif field == "land_use_code":
            out[field] = _values.land_use_code(text, defaults=land_use_defaults)
        else:
            out[field] = text
    return out


def _add_land_use_default(p: argparse.ArgumentParser) -> None:
    p.add_argument("--land-use-default", nargs="+", default=None, metavar="NAME=CODE",
                   help="class to use for a land-use name or old code that stands for "
                        "several, e.g. 工业用地=100101 M=100102")


def _update(args: argparse.Namespace) -> int:
    defaults = _values.parse_defaults(args.land_use_default)
    values = _parse_set(args.assignments, land_use_defaults=defaults)
    with _open(args.register, study_area=None) as reg:
        after = reg.update(args.parcel_id, values, date=args.date, note=args.note,
                           user=args.user, land_use_defaults=defaults)
    keys = list(values) + (["declared_area_mu"] if "declared_area" in values else [])
    shown = ", ".join(f"{k} = {_plain(after.get(k, values.get(k)))!r}" for k in keys)
    print(f"{args.parcel_id}: {shown} ({after['updated_at']})")
    return EXIT_OK


#: Chinese names of the register fields in the history hand-out (the schema's, and the rest).
_FIELD_ZH = {f.name: f.title_zh for f in _schema.TABLES["parcels"]} | {
    "land_use": "用地性质名称", "area_m2": "测量面积(平方米)", "area_ha": "测量面积(公顷)",
    "area_mu": "测量面积(亩)", "declared_area": "申报面积", "declared_area_unit": "申报面积单位",
    "declared_area_mu": "申报面积(亩)", "status_zh": "状态(中文)", "accuracy": "数据精度",
    "attributes": "其他属性", "updated_at": "更新时间"}


def _describe(change: object, *, zh: bool = False) -> str:
    """A history entry's fields as text: ``计划供应年份=2027`` (``zh``) or ``supply_year=2027``."""
    if not isinstance(change, dict):
        return ""
    parts = []
    for key, value in change.items():
        if key in ("geometry", "geometry_wkt", "geometry_wkb"):
            continue
        if key == "status":
            value = STATUS_ZH.get(str(value), value)
        elif key == "declared_area_unit" and zh:
            value = _schema.UNIT_ZH.get(str(value), value)
        value = _plain(value)
        if value is None or (isinstance(value, float) and value != value):
            value = "（空）" if zh else "(empty)"
        elif isinstance(value, float):
            value = f"{value:,.2f}"
        parts.append(f"{_FIELD_ZH.get(key, key) if zh else key}={value}")
    return ", ".join(parts)


#: The history CSV is a hand-out (Excel): Chinese headers and actions.
_HISTORY_HEADERS = {"parcel_id": "地块编号", "action": "操作", "changed_at": "生效时间",
                    "recorded_at": "记录时间", "user": "操作人", "before": "变更前",
                    "after": "变更后", "note": "备注"}
_ACTION_ZH = {"add": "入库", "update": "修改属性", "transition": "状态变更", "remove": "移除"}


def _history(args: argparse.Namespace) -> int:
    check_output_kinds({args.out: "csv"})
    refuse_existing([args.out], overwrite=args.overwrite)
    with _open(args.register, study_area=None) as reg:
        if args.parcel_id is not None:
            reg.get(args.parcel_id)  # unknown parcel: an error naming it
        hist = reg.history(args.parcel_id)
    if args.out:  # first, so the file is made even when the listing goes into `| head`
        table = hist.assign(action=hist["action"].map(lambda a: _ACTION_ZH.get(a, a)),
                            before=hist["before"].map(lambda c: _describe(c, zh=True)),
                            after=hist["after"].map(lambda c: _describe(c, zh=True)))
        write_csv(table.rename(columns=_HISTORY_HEADERS), args.out, overwrite=args.overwrite)
    for row in hist.itertuples():
        change = _describe(row.after)
        was = _describe(row.before)
        what = f"{was} → {change}" if was and row.action != "add" else change
        note = f"  「{row.note}」" if row.note else ""
        print(f"{row.changed_at}  {row.parcel_id}  {row.action}  {what}  ({row.user}){note}")
    if not len(hist):
        print("no recorded changes")
    return EXIT_OK


def reserve_map_parts(
    parcels: gpd.GeoDataFrame,
    *,
    assignments: pd.DataFrame | None = None,
    year: int | None = None,
    layers: Sequence[str] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    language: str = "zh",
    source: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments of ``zjgis.maps.briefing_map`` / ``maps.figure`` for a reserve map.

    Catalog ``layers`` (default all) with the land-reserve layers of
    :func:`zjgis.landreserve.briefing_layers` as ``extra``, a default title and
    a subtitle that states the status order, the plan year, the matches and,
    for sample data, that nothing is real.
    """
    extra = briefing_layers(parcels, assignments=assignments, year=year, language=language,
                            source=source)
    accuracy = extra[0][0].attrs.get("accuracy")
    zh = language == "zh"
    if title is None:
        title = "张江科学城 土地储备地块" if zh else "Zhangjiang Science City: land reserve"
    if subtitle is None:
        parts = [f"{len(parcels):,} 宗地块（按状态着色）" if zh
                 else f"{len(parcels):,} parcels by status"]
        if year is not None:
            parts.append(f"虚线：{year}年计划供应" if zh else f"dashed: planned supply {year}")
        if assignments is not None:
            parts.append(f"红框：已匹配项目 {len(assignments)} 个" if zh
                         else f"red: {len(assignments)} matched projects")
        if accuracy == "sample":
            parts.append("样例数据，非真实统计" if zh else "SAMPLE data, not real statistics")
        subtitle = " · ".join(parts)
    return {"layers": None if layers is None else list(layers), "extra": extra,
            "title": title, "subtitle": subtitle, "language": language}


def _map(args: argparse.Namespace) -> int:
    from zjgis import maps

    out = Path(args.out)
    check_output_kinds({out: "html", args.png: "figure"})
    refuse_existing([out, args.png], overwrite=args.overwrite)
    projects = _read_projects(args, strict=False) if args.projects else None
    enterprises = _enterprise_layer(args) if args.enterprises else None
    with _open(args.register, study_area=None) as reg:
        parcels = reg.parcels() if args.as_of is None else reg.as_of(args.as_of)
        result = (match_projects(projects, parcels, **_match_options(args))
                  if projects is not None else None)
        source = f"土地储备台账 {reg.path.name}" if args.language == "zh" else (
            f"land-reserve register {reg.path.name}")
    if args.as_of is not None:
        source += f" (as of {args.as_of})"
    parts = reserve_map_parts(parcels, assignments=None if result is None
                              else result.assignments, year=args.year, layers=args.layers,
                              title=args.title, language=args.language, source=source)
    if enterprises is not None:
        parts["extra"] = [*parts["extra"], enterprises]
    m = maps.briefing_map(**map_options(args), **parts)
    saved = maps.save(m, out, offline=not args.online, overwrite=args.overwrite)
    print(f"map: {saved}")
    if result is not None:
        print(f"projects: {result}")
    if args.png is not None:
        fig = maps.figure(**parts, fit_to=args.extent)
        maps.save_figure(fig, args.png, overwrite=args.overwrite)
        print(f"figure: {args.png}")
    return EXIT_OK
