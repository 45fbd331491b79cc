"""``zjgis reserve`` — the land-reserve register: plan table, import, project matching.

Examples::

    zjgis reserve plan --register R.gpkg --year 2025 --out plan.xlsx
    zjgis reserve import --register R.gpkg parcels.shp --create --rejected rejected.csv
    zjgis reserve match --register R.gpkg --projects projects.xlsx --out matches.xlsx
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from zjgis import io as _io
from zjgis.errors import ReadError, WriteError
from zjgis.landreserve import Register, briefing_layers, match_projects, write_plan_excel


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``reserve`` subcommand group."""
    p = sub.add_parser("reserve", help="land-reserve register (土地储备): plan, import, match")
    rs = p.add_subparsers(dest="reserve_command", metavar="ACTION")

    plan = rs.add_parser("plan", help="annual reserve plan table (年度土地储备计划表) to Excel")
    plan.add_argument("--register", required=True, help="register GeoPackage (.gpkg)")
    plan.add_argument("--year", type=int, required=True, help="plan year, e.g. 2025")
    plan.add_argument("--out", required=True, help="output .xlsx")
    plan.add_argument("--by", choices=["street_town", "community"], default="street_town")
    plan.add_argument("--as-of", default=None, help="plan as the register stood on this date")
    plan.add_argument("--overwrite", action="store_true", help="replace an existing output")
    plan.set_defaults(func=_plan)

    imp = rs.add_parser("import", help="import parcels (shp/gpkg/geojson/xlsx+WKT)")
    imp.add_argument("source", help="file to import")
    imp.add_argument("--register", required=True, help="register GeoPackage (.gpkg)")
    imp.add_argument("--create", action="store_true", help="create the register if missing")
    imp.add_argument("--layer", default=None, help="layer (GeoPackage) or sheet (Excel)")
    imp.add_argument("--wkt-column", default="wkt", help="WKT column of Excel/CSV input")
    imp.add_argument("--source-crs", default=None,
                     help="CRS of the input when it does not say (e.g. GCJ-02, EPSG:4490)")
    imp.add_argument("--no-study-area", action="store_true",
                     help="do not check that parcels lie in the science city")
    imp.add_argument("--study-area-buffer-m", type=float, default=0.0, metavar="M",
                     help="tolerance in metres around the science-city boundary")
    imp.add_argument("--rejected", default=None, help="write rejected rows to this .csv")
    imp.add_argument("--overwrite", action="store_true", help="replace an existing --rejected file")
    imp.set_defaults(func=_import)

    match = rs.add_parser("match", help="match 五个一批 projects to available parcels")
    match.add_argument("--register", required=True, help="register GeoPackage (.gpkg)")
    match.add_argument("--projects", required=True, help="project list (.csv or .xlsx)")
    match.add_argument("--out", required=True, help="output .xlsx (3 sheets)")
    match.add_argument("--overwrite", action="store_true", help="replace an existing output")
    match.set_defaults(func=_match)

    mp = rs.add_parser("map", help="briefing map of the parcels by status (+ matched projects)")
    mp.add_argument("--register", required=True, help="register GeoPackage (.gpkg)")
    mp.add_argument("--out", required=True, type=Path, help="output .html")
    mp.add_argument("--projects", default=None, help="project list (.csv or .xlsx) to match")
    mp.add_argument("--year", type=int, default=None, help="outline the supply planned this year")
    mp.add_argument("--as-of", default=None, help="map the register as it stood on this date")
    mp.add_argument("--basemap", choices=("none", "osm", "amap"), default="osm")
    mp.add_argument("--layers", nargs="+", metavar="NAME", default=None,
                    help="catalog layers drawn under the parcels (default: all)")
    mp.add_argument("--title", default=None)
    mp.add_argument("--language", choices=("zh", "en"), default="zh")
    mp.add_argument("--png", type=Path, default=None, help="also save a static figure")
    mp.add_argument("--online", action="store_true", help="link Leaflet from its CDN")
    mp.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    mp.set_defaults(func=_map)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _open(path: str, **options) -> Register:
    return Register(path, **options)


def _plan(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise WriteError(f"{out} exists; pass --overwrite to replace it")
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
    if args.rejected and Path(args.rejected).exists() and not args.overwrite:
        raise WriteError(f"{args.rejected} exists; pass --overwrite to replace it")
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
        _io.write_text(report.rejected.to_csv(index=False), args.rejected, overwrite=True)
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
    if out.exists() and not args.overwrite:
        raise WriteError(f"{out} exists; pass --overwrite to replace it")
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


def _refuse_existing(paths: Sequence[Path | None], overwrite: bool) -> None:
    for path in paths:
        if path is not None and Path(path).exists() and not overwrite:
            msg = f"{path} exists; pass --overwrite to replace it"
            raise WriteError(msg)


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
    _refuse_existing([out, args.png], args.overwrite)
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
