"""``zjgis layers`` — placeholder until the layer catalog (zjgis.layers) exists."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``layers`` subcommand."""
    p = sub.add_parser("layers", help="list the layer catalog (not built yet)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    print("zjgis layers: the layer catalog is not available in this version yet.")
    return 3
