"""``zjgis reserve`` — the land-reserve register: plan table, import, matching, map.

Examples::

    zjgis reserve plan --register R.gpkg --year 2025 --out plan.xlsx
    zjgis reserve import --register R.gpkg parcels.shp --create --rejected rejected.csv
    zjgis reserve match --register R.gpkg --projects projects.xlsx --out matches.xlsx
    zjgis reserve map --register R.gpkg --projects projects.xlsx --year 2025 --out map.html

Each command parses its arguments, calls :mod:`zjgis.landreserve` (and
:mod:`zjgis.maps` for ``map``) and writes atomically, refusing to replace an
existing output without ``--overwrite``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from zjgis import io as _io
from zjgis.cli._common import refuse_existing
from zjgis.errors import ReadError, WriteError
from zjgis.landreserve import Register, briefing_layers, match_projects, write_plan_excel

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
            "from Python (zjgis.landreserve.Register: add, transition, update); these\n"
            "commands import parcels and produce the documents for the joint meeting."),
        epilog=(
            "examples:\n"
            "  zjgis reserve import parcels.shp --register R.gpkg --create\n"
            "  zjgis reserve plan  --register R.gpkg --year 2025 --out 计划表2025.xlsx\n"
            "  zjgis reserve match --register R.gpkg --projects 五个一批.xlsx --out 匹配.xlsx\n"
            "  zjgis reserve map   --register R.gpkg --projects 五个一批.xlsx --year 2025 \\\n"
            "                      --out 储备地块.html\n\n"
            "Outputs are never overwritten unless you pass --overwrite.  Exit code 0: done;\n"
            "1: an error (the message says what to fix) or rejected rows on import.\n"
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
            "(工业 10, 科研 0802, 仓储 11, 产业综合用地), the supply planned in YEAR (计划供应)\n"
            "and, of it, the land not yet supplied (待供应).  Areas are geodesic; the 合计\n"
            "row equals the register.  Sheet 计划表 has a title row and Chinese headers\n"
            "with units; sample data is labelled as such in the title."),
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
            "Each row needs parcel_id, land_use_code (e.g. 100101, 0802, 1101, SH-CYZH)\n"
            "and status (key such as reserved or the Chinese label such as 储备); name,\n"
            "street_town, community, supply_year and owner are optional, other columns are\n"
            "kept as free attributes.  Areas are computed.  Rows with a problem (duplicate\n"
            "id, overlap with a registered parcel, invalid geometry, unknown status or\n"
            "code, outside the science city) are rejected and listed with the reason.\n\n"
            "The science-city boundary used for the check is SCHEMATIC (science_city_2022):\n"
            "real parcels near its edge may fall outside it; the message suggests a\n"
            "--study-area-buffer-m, or use --no-study-area."),
        examples=("  zjgis reserve import 地块.shp --register R.gpkg --create\n"
                  "  zjgis reserve import 台账.xlsx --layer 地块 --source-crs GCJ-02 \\\n"
                  "                       --register R.gpkg --rejected 未导入.csv"))
    imp.add_argument("source", metavar="FILE",
                     help="parcels: .shp/.zip, .gpkg, .geojson, or .xlsx/.csv with a WKT column")
    imp.add_argument("--create", action="store_true",
                     help="create the register if R.gpkg does not exist yet")
    imp.add_argument("--layer", default=None, metavar="NAME",
                     help="layer of a GeoPackage, or sheet of an Excel file")
    imp.add_argument("--wkt-column", default="wkt", metavar="COLUMN",
                     help="column with the WKT geometry in Excel/CSV input (default: wkt)")
    imp.add_argument("--source-crs", default=None, metavar="CRS",
                     help="coordinate system when the file does not say: GCJ-02 (Amap/高德), "
                          "BD-09 (Baidu), EPSG:4490 (CGCS2000); default WGS-84")
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
            "中国芯 / 智能造 / 创新药) + 0.3 area fit (the project's 亩 range) + 0.2 distance\n"
            "to rail; the total score is maximised (assignment problem).  The Excel file\n"
            "has three sheets: matched (with the score's parts), unmatched_projects and\n"
            "idle_parcels (each with the reason).\n\n"
            "Project list columns: project_id, name, status (在建/新建/储备), industry\n"
            "(integrated_circuits, biomedicine, artificial_intelligence,\n"
            "advanced_manufacturing …), area_min_mu, area_max_mu, preferred_zone\n"
            "(optional: 中国芯/智能造/创新药 or north/middle/south)."),
        examples="  zjgis reserve match --register R.gpkg --projects 五个一批.xlsx "
                 "--out 匹配.xlsx\n")
    match.add_argument("--projects", required=True, metavar="FILE",
                       help="project list, .xlsx or .csv (columns above)")
    match.add_argument("--out", required=True, metavar="FILE.xlsx", help="Excel file to write")
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
                  "  zjgis reserve map --register R.gpkg --projects 五个一批.xlsx --year 2025 \\\n"
                  "                    --basemap amap --out 储备地块.html --png 储备地块.png"))
    mp.add_argument("--out", required=True, type=Path, metavar="FILE.html",
                    help="HTML map to write")
    mp.add_argument("--projects", default=None, metavar="FILE",
                    help="五个一批 project list (.xlsx/.csv, as for `reserve match`): "
                         "match it and show the matched parcels")
    mp.add_argument("--year", type=int, default=None, metavar="YEAR",
                    help="outline the parcels planned for supply in YEAR (计划供应)")
    mp.add_argument("--as-of", default=None, metavar="DATE",
                    help="map the register as it stood at the end of DATE (YYYY-MM-DD)")
    mp.add_argument("--basemap", choices=("none", "osm", "amap"), default="osm",
                    help="tiles: osm (default), amap = 高德 (layers shifted to GCJ-02), "
                         "none = blank, fully offline")
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
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _open(path: str, **options) -> Register:
    return Register(path, **options)


def _plan(args: argparse.Namespace) -> int:
    out = Path(args.out)
    refuse_existing([out], overwrite=args.overwrite)
    with _open(args.register, study_area=None) as reg:
        table = reg.plan_table(args.year, by=args.by, as_of=args.as_of)
    write_plan_excel(table, out, overwrite=args.overwrite)
    total = table.loc["total"]
    print(f"{out}: {int(total['parcels'])} parcels, {total['area_ha']:.2f} ha "
          f"({total['area_mu']:.1f} 亩); {int(total['supply_parcels'])} planned for {args.year}")
    return 0


def _import(args: argparse.Namespace) -> int:
    reg_path = Path(args.register)
    opts: dict[str, Any] = ({"study_area": None} if args.no_study_area
                            else {"study_area_buffer_m": args.study_area_buffer_m})
    refuse_existing([args.rejected], overwrite=args.overwrite)
    if not reg_path.exists():
        if not args.create:
            raise ReadError(f"{reg_path}: no register; pass --create to make one")
        reg = Register.create(reg_path, **opts)
    else:
        reg = _open(args.register, **opts)
    with reg:
        report = reg.import_parcels(args.source, layer=args.layer, wkt_column=args.wkt_column,
                                    source_crs=args.source_crs)
    print(report)
    for row in report.rejected.head(20).itertuples():
        print(f"  rejected row {row.row} ({row.parcel_id}): {row.reason}")
    if args.rejected:
        _io.write_text(report.rejected.to_csv(index=False), args.rejected,
                       overwrite=args.overwrite)
    return 0 if report.rejected.empty else 1


def _read_table(path: str) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise ReadError(f"{p}: file not found")
    if p.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(p, dtype={"project_id": str})
    return pd.read_csv(p, dtype={"project_id": str})


def _match(args: argparse.Namespace) -> int:
    out = Path(args.out)
    refuse_existing([out], overwrite=args.overwrite)
    projects = _read_table(args.projects)
    with _open(args.register, study_area=None) as reg:
        result = match_projects(projects, reg)
    with _io.atomic_write(out, overwrite=args.overwrite) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            pd.DataFrame(result.assignments.drop(columns="geometry")).to_excel(
                xl, sheet_name="matched", index=False)
            result.unmatched_projects.to_excel(xl, sheet_name="unmatched_projects", index=False)
            result.idle_parcels.to_excel(xl, sheet_name="idle_parcels", index=False)
    print(f"{out}: {result}")
    return 0


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
            parts.append("样例数据，非真实" if zh else "SAMPLE data, not real")
        subtitle = " · ".join(parts)
    return {"layers": None if layers is None else list(layers), "extra": extra,
            "title": title, "subtitle": subtitle, "language": language}


def _map(args: argparse.Namespace) -> int:
    from zjgis import maps

    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise WriteError(f"{out}: the map is an HTML file; use the .html suffix")
    refuse_existing([out, args.png], overwrite=args.overwrite)
    projects = _read_table(args.projects) if args.projects else None
    with _open(args.register, study_area=None) as reg:
        parcels = reg.parcels() if args.as_of is None else reg.as_of(args.as_of)
        result = match_projects(projects, parcels) if projects is not None else None
        source = f"土地储备台账 {reg.path.name}" if args.language == "zh" else (
            f"land-reserve register {reg.path.name}")
    if args.as_of is not None:
        source += f" (as of {args.as_of})"
    parts = reserve_map_parts(parcels, assignments=None if result is None
                              else result.assignments, year=args.year, layers=args.layers,
                              title=args.title, language=args.language, source=source)
    m = maps.briefing_map(basemap=args.basemap, **parts)
    saved = maps.save(m, out, offline=not args.online, overwrite=args.overwrite)
    print(f"map: {saved}")
    if result is not None:
        print(f"projects: {result}")
    if args.png is not None:
        fig = maps.figure(**parts)
        maps.save_figure(fig, args.png, overwrite=args.overwrite)
        print(f"figure: {args.png}")
    return 0
