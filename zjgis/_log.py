"""Logging and progress for zjgis.

The library logs and never configures logging; applications (the ``zjgis``
command line, a notebook) choose the level.  Long loops report progress through
:func:`progress`, which uses ``tqdm`` when it is installed and falls back to
log lines every 10 %.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

logger = logging.getLogger("zjgis")
logger.addHandler(logging.NullHandler())


def get_logger(name: str) -> logging.Logger:
    """Return the logger of a zjgis module (``zjgis.<module>``)."""
    return logging.getLogger(name)


def progress(
    iterable: Iterable[T],
    *,
    total: int | None = None,
    desc: str = "",
    enable: bool = True,
) -> Iterator[T]:
    """Iterate with a progress bar (tqdm) or with log lines every 10 %.

    Parameters
    ----------
    iterable : iterable
        What to iterate over.
    total : int, optional
        Number of items, when ``len(iterable)`` is not available.
    desc : str
        Short label shown before the bar.
    enable : bool
        ``False`` iterates silently.
    """
    if not enable:
        yield from iterable
        return
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is usually present
        tqdm = None
    if tqdm is not None:
        yield from tqdm(iterable, total=total, desc=desc)
        return
    step = max(1, (total or 10) // 10)  # pragma: no cover
    for i, item in enumerate(iterable, 1):  # pragma: no cover
        if i % step == 0:
            logger.info("%s: %d/%s", desc, i, total if total is not None else "?")
        yield item
