"""``zjgis layers`` — the layer catalog: list, check, info.

Examples::

    zjgis layers                      # the catalog (name, accuracy, source, features)
    zjgis layers check                # containment, overlaps, areas vs the policy texts
    zjgis layers info science_city_2022
    ZJGIS_LAYER_DIR=bureau/ zjgis layers check    # check the bureau's replacement files
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from zjgis import layers


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``layers`` subcommand (``list`` by default, ``check``, ``info NAME``)."""
    p = sub.add_parser("layers", help="list, check and describe the layer catalog",
                       description="The science city's layers with their provenance. Replace a "
                                   "layer by setting ZJGIS_LAYER_DIR to a folder of "
                                   "<name>.geojson|.gpkg|.shp (+ <name>.provenance.json).")
    p.set_defaults(func=_list)
    cmds = p.add_subparsers(dest="layers_command", metavar="{list,check,info}")
    pl = cmds.add_parser("list", help="the catalog (default)")
    pl.add_argument("--full", action="store_true", help="also show licence and path")
    pl.set_defaults(func=_list)
    pc = cmds.add_parser("check", help="consistency checks; exit code 1 when one fails")
    pc.add_argument("--tolerance-m", type=float, default=50.0,
                    help="how far a feature may reach outside its container, metres (50)")
    pc.add_argument("--area-tolerance", type=float, default=0.10,
                    help="relative tolerance of areas vs the stated figures (0.10)")
    pc.set_defaults(func=_check)
    pi = cmds.add_parser("info", help="everything known about one layer")
    pi.add_argument("name", metavar="NAME",
                    help="a layer name, its Chinese title or a short Chinese name "
                         "(街镇, 车站, 产业社区 …); see `zjgis layers list`")
    pi.set_defaults(func=_info)


def _print(df: pd.DataFrame) -> None:
    with pd.option_context("display.width", 200, "display.max_colwidth", 90,
                           "display.max_rows", 500):
        print(df.to_string(index=False))


def _list(args: argparse.Namespace) -> int:
    cat = layers.list_layers()
    cols = ["name", "kind", "accuracy", "feature_count", "origin", "source"]
    if getattr(args, "full", False):
        cols += ["licence", "path"]
    else:
        cat["source"] = cat["source"].str.slice(0, 60).where(cat["source"].str.len() <= 60,
                                                             cat["source"].str.slice(0, 59) + "…")
    if (cat["problem"] != "").any():
        cols.append("problem")
    _print(cat[cols])
    return 0


def _check(args: argparse.Namespace) -> int:
    result = layers.check(tolerance_m=args.tolerance_m, area_tolerance=args.area_tolerance)
    shown = result.assign(passed=result["passed"].map({True: "ok", False: "FAIL"}))
    _print(shown[["passed", "check", "layer", "detail", "expected", "unit"]])
    failed = int((~result["passed"]).sum())
    print(f"\n{len(result) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _info(args: argparse.Namespace) -> int:
    print(json.dumps(layers.info(args.name), ensure_ascii=False, indent=2, default=str))
    return 0
