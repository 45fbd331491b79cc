"""Tiny benchmark harness: each case runs in its own process; time, peak memory, versions.

A benchmark module ``benchmarks/bench_<topic>.py`` declares cases::

    from _harness import case

    def make_points():            # setup, not timed
        return np.random.default_rng(0).uniform(121, 122, (1_000_000, 2))

    @case("crs.gcj02_to_wgs84[1M]", setup=make_points, target_s=2.0, repeat=3)
    def gcj_inverse(points):      # timed; may return a dict of extra figures
        zjgis.crs.gcj02_to_wgs84(points[:, 0], points[:, 1])
        return {"points": len(points)}

``python benchmarks/run.py`` runs every case (``-k pattern`` selects), each in a
fresh subprocess, and appends one JSON line per case to
``benchmarks/results/results.jsonl``: name, seconds (best of ``repeat``),
all run times, peak RSS of the process (MB) and its growth during the timed
part, target and whether it was met, extra figures, versions and machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CASES: dict[str, Case] = {}


@dataclass
class Case:
    """One benchmark case (see module docstring)."""

    name: str
    func: Callable[..., Any]
    setup: Callable[[], Any] | None = None
    target_s: float | None = None
    repeat: int = 1
    note: str = ""
    module: str = field(default="")


def case(
    name: str,
    *,
    setup: Callable[[], Any] | None = None,
    target_s: float | None = None,
    repeat: int = 1,
    note: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a benchmark case; the decorated function receives ``setup()``'s result."""

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        CASES[name] = Case(name, func, setup, target_s, repeat, note, func.__module__)
        return func

    return deco
