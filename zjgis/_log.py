"""Logging and progress for zjgis.

The library logs and never configures logging; applications (the ``zjgis``
command line, a notebook) choose the level.  Long loops report progress through
:func:`progress`, the one helper for it: a ``tqdm`` bar on a terminal's stderr
or in a Jupyter notebook, and nothing anywhere else.

A bar is shown only when all of these hold:

- the loop has at least ``min_items`` items (short loops never flicker a bar);
- the ``zjgis`` logger is not silenced to ERROR or above (``zjgis -q``);
- the environment variable ``ZJGIS_PROGRESS`` is not ``0`` (``1`` forces bars on);
- not under pytest (``PYTEST_CURRENT_TEST`` is set), unless forced on;
- stderr is a terminal, or the code runs in a Jupyter kernel: output redirected to
  a file or a log never receives bars.

Examples
--------
>>> from zjgis._log import progress
>>> sum(progress(range(10), desc="counting"))  # silent here: short loop, and doctest
45
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

__all__ = ["ENV_VAR", "get_logger", "logger", "progress", "progress_enabled"]

#: Environment variable that switches progress bars off (``0``) or forces them on (``1``).
ENV_VAR = "ZJGIS_PROGRESS"

logger = logging.getLogger("zjgis")
logger.addHandler(logging.NullHandler())


def get_logger(name: str) -> logging.Logger:
    """Return the logger of a zjgis module (``zjgis.<module>``)."""
    return logging.getLogger(name)


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    ip = shell.get_ipython()  # type: ignore[attr-defined]
    return ip is not None and getattr(ip, "kernel", None) is not None


def progress_enabled() -> bool:
    """Whether :func:`progress` would draw a bar now (see the module notes).

    Examples
    --------
    >>> import os
    >>> os.environ.get("ZJGIS_PROGRESS") == "1" or not progress_enabled()
    True
    """
    setting = os.environ.get(ENV_VAR, "").strip().lower()
    if setting in ("0", "off", "false", "no"):
        return False
    if logger.getEffectiveLevel() >= logging.ERROR:
        return False
    if setting in ("1", "on", "true", "yes"):
        return True
    if "PYTEST_CURRENT_TEST" in os.environ:
        return False
    if _in_notebook():
        return True
    stream = sys.stderr
    return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


def progress(
    iterable: Iterable[T],
    *,
    total: int | None = None,
    desc: str = "",
    min_items: int = 1000,
) -> Iterator[T]:
    """Iterate, with a progress bar on long loops in a terminal or a notebook.

    Parameters
    ----------
    iterable : iterable
        What to iterate over; its items are passed through unchanged.
    total : int, optional
        Number of items, when ``len(iterable)`` is not available (a generator).
    desc : str
        Short label before the bar, e.g. ``"noding"`` or ``"excess commuting"``.
    min_items : int
        No bar for loops with fewer items (default 1,000); a loop of unknown
        length always qualifies.

    Returns
    -------
    iterator
        The items of ``iterable``.

    Examples
    --------
    >>> list(progress(["a", "b"], desc="letters", min_items=1))
    ['a', 'b']
    """
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    if (total is not None and total < min_items) or not progress_enabled():
        return iter(iterable)
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar needs it)
            from tqdm.notebook import tqdm as bar
        except ImportError:
            from tqdm import tqdm as bar
    else:
        from tqdm import tqdm as bar
    return iter(bar(iterable, total=total, desc=desc, leave=False, file=sys.stderr,
                    mininterval=0.5, dynamic_ncols=True))
