"""``zjgis jobs-housing`` — job–housing balance and commuting report (Excel) and map (HTML).

Usage::

    zjgis jobs-housing ZONES OD --out report.xlsx [--map m.html] [--overwrite]

``ZONES`` is any vector file zjgis reads (GeoJSON, GeoPackage, Shapefile …)
with a zone id column and jobs/workers columns; ``OD`` a CSV (or Parquet)
with home zone, work zone and count.  The analysis is
:func:`zjgis.jobshousing.analyse` and the workbook
:func:`zjgis.jobshousing.write_report` (ratios rounded); this module only
parses, calls them, draws the map and reports.  ``--source-crs`` means what
``zjgis.read(..., source_crs=)`` means, for ZONES.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from zjgis import io, jobshousing, maps
from zjgis import schema as _schema
from zjgis.cli._common import add_input_options, check_output_kinds, read_input, refuse_existing
from zjgis.cli.briefing import add_map_options, map_options
from zjgis.errors import ReadError

#: Colours of the balance classes on maps (housing = blue, balanced = green, jobs = orange).
CLASS_COLOURS = {
    "housing_dominated": "#4575b4",
    "balanced": "#1a9850",
    "jobs_dominated": "#f46d43",
    "empty": "#bdbdbd",
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``jobs-housing`` subcommand."""
    p = sub.add_parser(
        "jobs-housing",
        help="job-housing balance, commutes and excess commuting → Excel report (+ map)",
        description="Per zone: jobs, resident workers, jobs-housing ratio and class "
                    "(居住主导/平衡/就业主导); from the OD table: self-containment, commute "
                    "lengths, theoretical minimum/maximum commute, excess commuting. Writes "
                    "an Excel workbook with one sheet per table (Chinese headers) and, with "
                    "--map, an offline HTML map.",
    )
    p.add_argument("zones", type=Path, help="zone layer (GeoJSON, GeoPackage, Shapefile …)")
    p.add_argument("od", type=Path,
                   help="OD table, CSV, Excel or Parquet (home, work, count; 起点, 终点, 人数)")
    p.add_argument("--out", required=True, type=Path, help="output .xlsx report")
    p.add_argument("--map", type=Path, default=None, help="also write an HTML map")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--zone-id", default="code", help="zone id column of ZONES (default code)")
    p.add_argument("--name", default="name", help="zone name column (default name)")
    p.add_argument("--jobs", default="jobs", help="jobs column of ZONES (default jobs)")
    p.add_argument("--workers", default="workers",
                   help="resident workers column of ZONES (default workers)")
    p.add_argument("--home", default="home", help="home zone column of OD (default home)")
    p.add_argument("--work", default="work", help="work zone column of OD (default work)")
    p.add_argument("--count", default="count",
                   help="count column of OD (default count; 'none' counts rows)")
    p.add_argument("--cost", type=Path, default=None,
                   help="precomputed cost matrix CSV (first column home zone id, header = "
                        "work zone ids), e.g. network metres; default straight-line metres")
    p.add_argument("--cost-unit", default=None, help="unit of --cost (default m)")
    p.add_argument("--thresholds", nargs=2, type=float, default=(0.8, 1.2),
                   metavar=("LOW", "HIGH"), help="balanced band of the ratio (default 0.8 1.2)")
    p.add_argument("--drop-unknown", action="store_true",
                   help="drop OD trips whose zones are not in ZONES (default: error)")
    p.add_argument("--top-flows", type=int, default=30,
                   help="number of OD pairs drawn on the map (default 30)")
    add_map_options(p)
    add_input_options(p, columns=False)
    p.set_defaults(func=_run)


def _read_od(path: Path, columns: list[str]) -> pd.DataFrame:
    """The OD table through zjgis.io (CSV in UTF-8/GBK, Excel) or Parquet; ids as text."""
    if path.suffix.lower() in (".parquet", ".pq"):
        if not path.exists():
            msg = f"{path}: no such file"
            raise ReadError(msg)
        try:
            od = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many kinds for a broken file
            msg = f"{path}: cannot read the Parquet file ({type(exc).__name__}: {exc})"
            raise ReadError(msg) from None
    else:
        # zone ids as text (007 stays 007), under the option's name or the schema's
        ids = [*columns, *(a for f in _schema.TABLES["od"] if f.name in ("home", "work")
                           for a in (f.name, *f.aliases))]
        od = io.read_table(path, dtype=dict.fromkeys(ids, str))
    for c in columns:
        if c in od.columns:
            od[c] = od[c].astype(str)
    return _schema.map_columns(od, "od", name=str(path))


def _read_cost(path: Path, unit: str | None) -> pd.DataFrame:
    """A square cost matrix: first column home zone ids, header work zone ids."""
    table = io.read_table(path)
    first = table.columns[0]
    cost = table.set_index(first)
    cost.index = cost.index.astype(str)
    cost.columns = cost.columns.astype(str)
    cost.attrs["unit"] = unit or "m"
    return cost


def _column(df: pd.DataFrame, given: str, default: str, field: str) -> str:
    """The column an option names, after the planner's headers were mapped.

    ``given`` as it is when present; a header the mapping renamed (``--jobs 就业岗位``)
    its field; the default option (``code``) the mapped field (``zone_id``) when the
    file has no column of the default name.
    """
    if given in df.columns:
        return given
    renamed = df.attrs.get("column_mapping", {})
    if given in renamed:
        return renamed[given]
    if given == default and field in df.columns:
        return field
    return given


def _run(args: argparse.Namespace) -> int:
    check_output_kinds({args.out: "xlsx", args.map: "html"})
    refuse_existing([args.out, args.map], overwrite=args.overwrite)
    # 分区编号/就业岗位/就业人口 and 起点/终点/人数 are read as the schema names them
    zones = read_input(args.zones, args, "zones")
    zone_id = _column(zones, args.zone_id, "code", "zone_id")
    jobs = _column(zones, args.jobs, "jobs", "jobs")
    workers = _column(zones, args.workers, "workers", "workers")
    if zone_id in zones.columns:
        zones[zone_id] = zones[zone_id].astype(str)
    name_col = _column(zones, args.name, "name", "name")
    name = name_col if name_col in zones.columns else None
    od = _read_od(args.od, [args.home, args.work])
    home = _column(od, args.home, "home", "home")
    work = _column(od, args.work, "work", "work")
    for c in (home, work):
        if c in od.columns:
            od[c] = od[c].astype(str)
    count = None if args.count.lower() == "none" else _column(od, args.count, "count", "count")
    cost: Any = _read_cost(args.cost, args.cost_unit) if args.cost else "euclidean"
    report = jobshousing.analyse(
        zones, od, jobs=jobs, workers=workers, zone_id=zone_id,
        home=home, work=work, count=count, cost=cost,
        thresholds=tuple(args.thresholds),
        missing="drop" if args.drop_unknown else "raise",
    )
    # the map is made before anything is written: a bad --basemap or --extent leaves no
    # report behind
    m = (jobs_housing_map(report, zones, zone_id=zone_id, top=args.top_flows, name=name,
                          **map_options(args)) if args.map is not None else None)
    jobshousing.write_report(report, args.out, name=name, overwrite=args.overwrite)
    e = report.excess
    print(f"report: {args.out} ({len(report.tables())} sheets)")
    print(f"commuters {e.commuters:,.0f}; mean {e.observed:,.0f} {e.unit}, minimum "
          f"{e.minimum:,.0f}, maximum {e.maximum:,.0f}; excess {e.excess_pct:.1f}%, "
          f"CPU {e.cpu:.1f}%")
    if report.accuracy == "sample":
        print("note: the inputs are labelled accuracy=sample (generated, not statistics)",
              file=sys.stderr)
    if m is not None:
        saved = maps.save(m, args.map, overwrite=args.overwrite)
        print(f"map: {saved}")
    return 0


def _flow_classes(counts: pd.Series) -> tuple[list[float], list[str]]:
    """Upper bounds (median, 80th percentile, max; people) of the flow classes, and colours.

    Equal bounds are one class (one flow, or flows of one size), coloured as the largest,
    so the legend never lists 800 – 800 three times.
    """
    palette = ["#c2a5cf", "#9970ab", "#40004b"]
    if not len(counts):
        return [1.0], palette[-1:]
    bounds = sorted({float(v) for v in counts.quantile([0.5, 0.8]).tolist()}
                    | {float(counts.max())})
    return bounds, palette[-len(bounds):]


def jobs_housing_map(
    report: Any,
    zones: Any,
    *,
    zone_id: str | None = "code",
    top: int = 30,
    basemap: str = "none",
    basemap_frame: str | None = None,
    basemap_attribution: str | None = None,
    fit_to: Any = None,
    name: str | None = "name",
    title: str = "张江科学城 职住平衡",
) -> Any:
    """Briefing map of a :class:`~zjgis.jobshousing.JobsHousingReport` (zjgis.maps).

    Layers: the balance class (categorical), the jobs–housing ratio (classed
    choropleth, off at start) and the ``top`` largest inter-zone OD flows.
    Every layer carries the report's accuracy class, so sample data are
    labelled "sample" in the legend.  ``basemap`` (default ``"none"``: offline,
    nothing fetched), ``basemap_frame``, ``basemap_attribution`` and ``fit_to``
    are passed to :func:`zjgis.maps.briefing_map` (the map opens on the zones
    unless ``fit_to`` says otherwise).
    """
    acc = report.accuracy
    bal = report.balance.copy()
    bal.attrs = {"accuracy": acc, "source": zones.attrs.get("source", "zjgis.jobshousing")}
    suffix = "（样例数据）" if acc == "sample" else ""
    cols = [c for c in (name, zone_id, "jobs", "workers", "ratio", "class_zh", "accuracy")
            if c and c in bal.columns]
    if "accuracy" not in bal.columns:
        bal["accuracy"] = acc
        cols.append("accuracy")
    present = [k for k in jobshousing.CLASSES if k in set(bal["class"])]
    class_style = maps.Style(
        column="class", categories={k: CLASS_COLOURS[k] for k in present},
        labels=[jobshousing.CLASS_ZH[k] for k in present], fill_opacity=0.6,
        title=f"职住类别{suffix}", tooltip=cols, popup=cols)
    ratio_gdf = bal.assign(ratio=bal["ratio"].where(bal["ratio"].abs() < float("inf")))
    ratio_layer = maps.choropleth(ratio_gdf, "ratio", scheme="quantiles",
                                  k=min(5, max(2, int(ratio_gdf["ratio"].notna().sum()) - 1)),
                                  cmap="RdYlBu_r", title=f"职住比（岗位/居住就业人口）{suffix}",
                                  show=False, tooltip=cols)
    flows = jobshousing.flow_lines(report.commute.od, zones, zone_id=zone_id, top=top)
    flows["accuracy"] = acc
    flows.attrs["accuracy"] = acc
    bins, colours = _flow_classes(flows["count"])
    flow_style = maps.Style(
        color="#7b3294", weight=3, column="count", bins=bins, colors=colours, fill=False,
        title=f"主要通勤流（前{len(flows)}对，人）{suffix}",
        tooltip=["home", "work", "count", "accuracy"])
    return maps.briefing_map(
        ["science_city_2022"], title=title,
        subtitle=("样例数据，非统计数据" if acc == "sample" else None),
        basemap=basemap, basemap_frame=basemap_frame, basemap_attribution=basemap_attribution,
        fit_to=fit_to,
        extra=[(bal, class_style), ratio_layer, (flows, flow_style)])
