"""``zjgis reserve`` — the land-reserve register: plan table, import, project matching.

Examples::

    zjgis reserve plan --register R.gpkg --year 2025 --out plan.xlsx
    zjgis reserve import --register R.gpkg parcels.shp --create --rejected rejected.csv
    zjgis reserve match --register R.gpkg --projects projects.xlsx --out matches.xlsx
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from zjgis import io as _io
from zjgis.errors import ReadError, WriteError
from zjgis.landreserve import Register, match_projects, write_plan_excel


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
    imp.add_argument("--rejected", default=None, help="write rejected rows to this .csv")
    imp.add_argument("--overwrite", action="store_true", help="replace an existing --rejected file")
    imp.set_defaults(func=_import)

    match = rs.add_parser("match", help="match 五个一批 projects to available parcels")
    match.add_argument("--register", required=True, help="register GeoPackage (.gpkg)")
    match.add_argument("--projects", required=True, help="project list (.csv or .xlsx)")
    match.add_argument("--out", required=True, help="output .xlsx (3 sheets)")
    match.add_argument("--overwrite", action="store_true", help="replace an existing output")
    match.set_defaults(func=_match)
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
    opts = {"study_area": None} if args.no_study_area else {}
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
