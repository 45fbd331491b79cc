"""``zjgis briefing`` — the joint meeting's briefing map as one offline HTML file (and a PNG)."""

from __future__ import annotations

import argparse
from pathlib import Path

from zjgis.cli._common import check_output_kinds, refuse_existing


def add_map_options(p: argparse.ArgumentParser) -> None:
    """Add ``--basemap``, ``--basemap-frame``, ``--basemap-attribution`` and ``--extent``.

    Every map command takes them; pass the parsed values on with :func:`map_options`.
    """
    p.add_argument("--basemap", default="none", metavar="none|osm|amap|NAME|URL",
                   help="tiles: none (default: offline, nothing fetched), osm, amap (layers "
                        "shifted to GCJ-02), an xyzservices name such as CartoDB.Positron, "
                        "or a URL template https://…/{z}/{x}/{y}.png (give --basemap-frame)")
    p.add_argument("--basemap-frame", default=None, choices=("WGS-84", "GCJ-02"),
                   help="coordinate frame of a URL template's tiles (Amap/Tencent: GCJ-02)")
    p.add_argument("--basemap-attribution", default=None, metavar="TEXT",
                   help="credit of a URL template's tiles, shown on the map")
    p.add_argument("--extent", default=None, metavar="LAYER|BBOX|FILE",
                   help="what the map opens on: a layer name, a lon/lat bbox "
                        "minx,miny,maxx,maxy, or a file (default: the analysis layers, "
                        "else the science city)")


def map_options(args: argparse.Namespace) -> dict:
    """Keyword arguments of :func:`zjgis.maps.briefing_map` from :func:`add_map_options`."""
    return {"basemap": args.basemap, "basemap_frame": args.basemap_frame,
            "basemap_attribution": args.basemap_attribution, "fit_to": args.extent}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``briefing`` subcommand."""
    p = sub.add_parser(
        "briefing",
        help="make the briefing map (self-contained HTML, optional PNG figure)",
        description="Draw the catalog layers as a briefing map and save one self-contained "
                    "HTML file that opens without internet (only basemap tiles are fetched; "
                    "none with --basemap none).",
    )
    p.add_argument("--out", required=True, type=Path, help="output .html file")
    add_map_options(p)
    p.add_argument("--layers", nargs="+", metavar="NAME",
                   help="catalog layer names (default: all; see `zjgis layers`)")
    p.add_argument("--title", default=None, help="map title (default: 张江科学城 规划图)")
    p.add_argument("--subtitle", default=None, help="subtitle line")
    p.add_argument("--language", choices=("zh", "en"), default="zh", help="legend language")
    p.add_argument("--png", type=Path, default=None,
                   help="also save a static figure (PNG or PDF by suffix) for slides")
    p.add_argument("--online", action="store_true",
                   help="link Leaflet from its CDN instead of inlining it (smaller file)")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from zjgis import maps

    check_output_kinds({args.out: "html", args.png: "figure"})
    refuse_existing([args.out, args.png], overwrite=args.overwrite)
    options = {"language": args.language, "subtitle": args.subtitle}
    if args.title:
        options["title"] = args.title
    m = maps.briefing_map(args.layers, **options, **map_options(args))
    saved = maps.save(m, args.out, offline=not args.online, overwrite=args.overwrite)
    print(f"briefing map: {saved}")
    if args.png is not None:
        fig = maps.figure(args.layers, **options, fit_to=args.extent)
        maps.save_figure(fig, args.png, overwrite=args.overwrite)
        print(f"figure: {args.png} ({args.png.stat().st_size / 2**20:.2f} MB)")
    return 0
