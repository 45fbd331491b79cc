"""``zjgis coverage`` — rail-station catchments and the people and jobs beyond them."""

from __future__ import annotations

import argparse
from pathlib import Path

from zjgis import io, transit
from zjgis.cli._common import refuse_existing


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``coverage`` subcommand."""
    p = sub.add_parser(
        "coverage",
        help="station catchments (300/500/600/800 m) and population/jobs coverage by zone",
        description="Service areas around rail stations (network distance with --roads, "
                    "circles otherwise) and, per zone, the share of population/jobs inside. "
                    "Writes layers areas and zones to a GeoPackage and zones to CSV beside it.",
    )
    p.add_argument("stations", help="station points file")
    p.add_argument("--roads", help="walkable road network (lines)")
    p.add_argument("--zones", help="zone polygons (e.g. streets/towns)")
    p.add_argument("--population", help="points with a population column")
    p.add_argument("--jobs", help="points with a jobs column")
    p.add_argument("--population-column", default="population")
    p.add_argument("--jobs-column", default="jobs")
    p.add_argument("--walk-m", type=float, default=800.0)
    p.add_argument("--distances-m", default="300,500,600,800",
                   help="comma-separated distances in metres")
    p.add_argument("--out", required=True, help="output GeoPackage (.gpkg)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    csv = out.with_suffix(".zones.csv")
    refuse_existing([out, csv], overwrite=args.overwrite)
    read = lambda p: io.read(p) if p else None  # noqa: E731
    distances = [float(x) for x in args.distances_m.split(",") if x.strip()]
    result = transit.station_coverage(
        io.read(args.stations), roads=read(args.roads), walk_m=args.walk_m,
        zones=read(args.zones), population=read(args.population), jobs=read(args.jobs),
        distances_m=distances, population_column=args.population_column,
        jobs_column=args.jobs_column)
    zones = result.zones
    with io.atomic_write(out, overwrite=args.overwrite) as tmp:  # both layers or nothing
        tmp.unlink()
        io.write(result.areas, tmp, layer="areas")
        if zones.geometry.notna().any():
            io.write(zones, tmp, layer="zones")
    io.write_text(zones.drop(columns=zones.geometry.name).to_csv(index=True), csv,
                  overwrite=args.overwrite)
    print(f"{result!r} -> {out}, {csv}")
    return 0
