"""Bulk creation of geometries without Python's cyclic garbage collector (private).

Noding a city network creates millions of shapely objects (points, line pieces,
edge geometries) in a few vectorised calls.  Each allocation counts towards the
cyclic collector's thresholds, so CPython runs full collections over an ever
larger heap while they are made: at a million lines that was about a fifth of
:func:`zjgis.network.build_graph` (1.5M node points: 1.25 s with the collector,
0.49 s without).  Shapely geometries hold no reference cycles, so nothing is
left for the collector to find; reference counting frees them as usual.

:func:`collector_paused` switches the collector off for the duration of a
``with`` block and restores the state it found (a caller who had switched it
off keeps it off).

Examples
--------
>>> import gc
>>> from zjgis._bulk import collector_paused
>>> with collector_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (see the module notes)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
