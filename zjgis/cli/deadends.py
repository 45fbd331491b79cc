"""``zjgis deadends`` — dead ends (断头路) and missing links of a road network.

Thin: parse the arguments, run :func:`zjgis.network.dead_ends_and_links` once
(one graph, one candidate search), write both layers, report.  The roads are read
through :func:`zjgis.cli._common.read_input` with the table ``"roads"`` of
:mod:`zjgis.schema`, so planners' columns (道路名称, 道路等级, 桥梁, 隧道, 层 …)
become ``name``, ``road_class``, ``bridge``, ``tunnel``, ``layer`` and the dead
ends carry the road's name; ``--columns`` names any other column, ``--source-crs``
says what the input files are really in (GCJ-02 / BD-09 are converted).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from zjgis import io, network
from zjgis.cli._common import add_input_options, check_output_kinds, read_input, refuse_existing
from zjgis.cli.briefing import add_map_options, map_options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``deadends`` subcommand."""
    p = sub.add_parser(
        "deadends",
        help="find dead ends (断头路) and candidate missing links in a road network",
        description="Node a road-centreline file, classify its dead ends (boundary / "
                    "cul_de_sac / gap) and rank missing links. Writes layers dead_ends and "
                    "missing_links to a GeoPackage.",
    )
    p.add_argument("roads", help="road centrelines (GeoPackage, GeoJSON, Shapefile …)")
    p.add_argument("--layer", help="layer of ROADS to read")
    p.add_argument("--study-area", help="polygon file: report dead ends inside it only")
    p.add_argument("--barriers", help="rivers / rail / expressways (lines or polygons)")
    p.add_argument("--snap-m", type=float, default=1.0, help="snap endpoints closer (m)")
    p.add_argument("--max-gap-m", type=float, default=network.MAX_GAP_M,
                   help="gap search radius (m), for dead ends and links alike")
    p.add_argument("--edge-buffer-m", type=float, default=network.EDGE_BUFFER_M,
                   help="dead ends this close to the data's edge are 'boundary' (m)")
    p.add_argument("--out", required=True, help="output GeoPackage (.gpkg)")
    p.add_argument("--map", help="also write a briefing map (HTML)")
    p.add_argument("--language", choices=("zh", "en"), default="zh",
                   help="language of the map's title, legend and tooltips (default zh)")
    add_map_options(p)
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    add_input_options(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    check_output_kinds({out: "vector", args.map: "html"})
    refuse_existing([out, args.map], overwrite=args.overwrite)
    roads = read_input(args.roads, args, "roads", layer=args.layer)
    area = read_input(args.study_area, args, None) if args.study_area else None
    barriers = read_input(args.barriers, args, None) if args.barriers else None
    graph = network.build_graph(roads, snap_m=args.snap_m)
    ends, links = network.dead_ends_and_links(
        graph, study_area=area, max_gap_m=args.max_gap_m, edge_buffer_m=args.edge_buffer_m,
        barriers=barriers)
    m = None
    if args.map:  # made before anything is written: a bad --basemap or --extent writes nothing
        from zjgis import maps

        m = maps.briefing_map(extra=network.briefing_layers(ends, links, roads=roads,
                                                            language=args.language),
                              title=network.map_title(args.language),
                              language=args.language, **map_options(args))
    with io.atomic_write(out, overwrite=args.overwrite) as tmp:  # both layers or nothing
        tmp.unlink()
        io.write(ends.reset_index(), tmp, layer="dead_ends")
        io.write(links, tmp, layer="missing_links")
    counts = ends["kind"].value_counts()
    print(f"{len(ends)} dead ends ("
          + ", ".join(f"{k} {counts.get(k, 0)}" for k in network.DEAD_END_KINDS)
          + f"), {len(links)} missing-link candidates -> {out}")
    if m is not None:
        from zjgis import maps

        maps.save(m, Path(args.map), overwrite=args.overwrite)  # refuses a map made meanwhile
        print(f"map -> {args.map}")
    return 0
