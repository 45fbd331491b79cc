"""``zjgis coverage`` — rail-station catchments and the people and jobs beyond them.

Parses the arguments, reads every input through :func:`zjgis.cli._common.read_input`
(``--source-crs`` as in ``zjgis.read(..., source_crs=)``, for every input file or,
as ``FILE=CRS``, for one: an Amap station table beside OSM streets), calls
:func:`zjgis.transit.station_coverage`, writes the areas and zones (GeoPackage, CSV
with BOM) and reports.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd
import pyproj

from zjgis import io, transit
from zjgis.cli._common import (
    add_input_options,
    check_output_kinds,
    read_input,
    refuse_existing,
    write_csv,
)
from zjgis.errors import ValidationError
from zjgis.layers import accuracy_zh

#: Chinese names of the coverage variables and of the fixed zone columns (CSV headers).
_VAR_ZH = {"population": "人口", "jobs": "就业岗位"}
_FIXED_ZH = {"zone": "分区", "name": "名称", "accuracy": "数据精度"}
_MEASURE = re.compile(r"(?P<var>.+)_(?P<what>total|in|share|outside)(?:_(?P<d>[0-9.]+)m)?")


def zone_header_zh(column: str) -> str:
    """Chinese CSV header of a coverage zones column; other columns keep their name.

    >>> zone_header_zh("population_share_500m"), zone_header_zh("jobs_total")
    ('500米内人口占比', '就业岗位总数')
    """
    if column in _FIXED_ZH:
        return _FIXED_ZH[column]
    m = _MEASURE.fullmatch(column)
    if m is None or m["var"] not in _VAR_ZH or (m["what"] == "total") != (m["d"] is None):
        return column
    var, d = _VAR_ZH[m["var"]], m["d"]
    return {"total": f"{var}总数", "in": f"{d}米内{var}", "share": f"{d}米内{var}占比",
            "outside": f"{d}米外{var}"}[m["what"]]


def _zones_csv(zones: pd.DataFrame) -> pd.DataFrame:
    """The zones table of the CSV: no geometry, no unnamed index, Chinese headers and accuracy."""
    table = pd.DataFrame(zones.drop(columns=zones.geometry.name))
    if any(name is not None for name in table.index.names):  # a named index is data
        table = table.reset_index()
    else:
        table = table.reset_index(drop=True)
    if "accuracy" in table.columns:
        table["accuracy"] = table["accuracy"].map(accuracy_zh)
    return table.rename(columns=zone_header_zh)


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
    p.add_argument("--population",
                   help="points with a population column, or a column of --zones (常住人口: "
                        "each zone's figure shared by the covered part of its area)")
    p.add_argument("--jobs", help="points with a jobs column, or a column of --zones")
    p.add_argument("--population-column", default="population")
    p.add_argument("--jobs-column", default="jobs")
    p.add_argument("--walk-m", type=float, default=800.0)
    p.add_argument("--distances-m", default="300,500,600,800",
                   help="comma-separated distances in metres")
    p.add_argument("--out", required=True, help="output GeoPackage (.gpkg)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    add_input_options(p, columns=False)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    csv = out.with_suffix(".zones.csv")
    check_output_kinds({out: "vector"})
    refuse_existing([out, csv], overwrite=args.overwrite)
    distances = _distances(args.distances_m)

    def read(path: str | None):
        return read_input(path, args, None) if path else None

    zones_in = read(args.zones)

    def counts(value: str | None):
        # a column of --zones (常住人口), shared by area, or a file of points
        if value and zones_in is not None and value in zones_in.columns and \
                not Path(value).exists():
            return value
        return read(value)

    result = transit.station_coverage(
        read(args.stations), roads=read(args.roads), walk_m=args.walk_m,
        zones=zones_in, population=counts(args.population), jobs=counts(args.jobs),
        distances_m=distances, population_column=args.population_column,
        jobs_column=args.jobs_column)
    zones = result.zones
    with io.atomic_write(out, overwrite=args.overwrite) as tmp:  # both layers or nothing
        tmp.unlink()
        io.write(result.areas, tmp, layer="areas")
        if zones.geometry.notna().any():
            io.write(zones, tmp, layer="zones")
    write_csv(_zones_csv(zones), csv, overwrite=args.overwrite)
    areas = result.areas
    km2 = ", ".join(f"{int(d) if float(d).is_integer() else d} m {a:,.2f} km²" for d, a in
                    zip(result.distances_m, areas["area_km2"], strict=True))
    how = "along the streets" if result.method == "network" else "as the crow flies"
    epsg = pyproj.CRS.from_user_input(result.metric_crs).to_epsg()
    frame = f"EPSG:{epsg}" if epsg else "a transverse Mercator at the stations"
    print(f"{len(result.stations)} station(s), service areas {how}: {km2} "
          f"(measured in metres, {frame}) -> {out}")
    if args.zones and not (args.population or args.jobs):
        print(f"zones: no --population or --jobs given, so {csv} lists no coverage; give "
              "points, or a column of the zones such as --population 常住人口 (shared by area)")
    else:
        print(f"coverage by zone -> {csv}")
    return 0


def _distances(text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        msg = f"--distances-m must be comma-separated metres, e.g. 300,500,600,800; got {text!r}"
        raise ValidationError(msg) from None
