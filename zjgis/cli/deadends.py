"""``zjgis deadends`` — dead ends (断头路) and missing links of a road network."""

from __future__ import annotations

import argparse
from pathlib import Path

from zjgis import io, network
from zjgis.cli._common import refuse_existing

_KIND_COLOURS = {"boundary": "#9e9e9e", "cul_de_sac": "#1f78b4", "gap": "#e31a1c"}


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
    p.add_argument("--max-gap-m", type=float, default=200.0, help="gap search radius (m)")
    p.add_argument("--edge-buffer-m", type=float, default=500.0,
                   help="dead ends this close to the data's edge are 'boundary' (m)")
    p.add_argument("--out", required=True, help="output GeoPackage (.gpkg)")
    p.add_argument("--map", help="also write a briefing map (HTML)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    refuse_existing([out, args.map], overwrite=args.overwrite)
    roads = io.read(args.roads, layer=args.layer)
    area = io.read(args.study_area) if args.study_area else None
    barriers = io.read(args.barriers) if args.barriers else None
    graph = network.build_graph(roads, snap_m=args.snap_m)
    ends = network.dead_ends(graph, study_area=area, max_gap_m=args.max_gap_m,
                             edge_buffer_m=args.edge_buffer_m)
    links = network.missing_links(graph, max_gap_m=args.max_gap_m, barriers=barriers,
                                  study_area=area, edge_buffer_m=args.edge_buffer_m)
    with io.atomic_write(out, overwrite=args.overwrite) as tmp:  # both layers or nothing
        tmp.unlink()
        io.write(ends.reset_index(), tmp, layer="dead_ends")
        io.write(links, tmp, layer="missing_links")
    counts = ends["kind"].value_counts()
    print(f"{len(ends)} dead ends ("
          + ", ".join(f"{k} {counts.get(k, 0)}" for k in network.DEAD_END_KINDS)
          + f"), {len(links)} missing-link candidates -> {out}")
    if args.map:
        _write_map(ends, links, roads, Path(args.map), overwrite=args.overwrite)
        print(f"map -> {args.map}")
    return 0


def _write_map(ends, links, roads, path: Path, *, overwrite: bool) -> None:
    from zjgis import maps

    extra = [(roads, {"title": "道路 roads", "color": "#777777", "weight": 1.0})]
    for kind, colour in _KIND_COLOURS.items():
        sub = ends[ends["kind"] == kind].reset_index()
        if len(sub):
            extra.append((sub, {"title": f"{network.DEAD_END_KINDS[kind]} {kind}",
                                "color": colour, "fill_color": colour, "radius": 5.0,
                                "tooltip": ["node", "name", "kind", "branch_length_m"]}))
    if len(links):
        extra.append((links, {"title": "候选连通 missing links", "color": "#ff7f00",
                              "weight": 3.0, "dash_array": "6 4",
                              "tooltip": ["rank", "name", "gap_m", "detour_ratio",
                                          "crosses_barrier", "priority"]}))
    m = maps.briefing_map(extra=extra, title="断头路与候选连通 Dead ends and missing links")
    maps.save(m, path, overwrite=overwrite)  # re-checked here: it may have appeared since
