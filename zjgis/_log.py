"""Logging and progress for zjgis.

The library logs and never configures logging; applications (the ``zjgis``
command line, a notebook) choose the level.  Long loops report progress through
:func:`progress`, vectorised work in named stages through :func:`stages`: a
``tqdm`` bar on a terminal's stderr or a widget in a Jupyter notebook, and
nothing anywhere else (never a log line).  Both follow one rule, a bar is
shown only when all of these hold:

- the loop has at least ``min_items`` items, the work at least ``min_size``
  (short work never flickers a bar);
- the ``zjgis`` logger is not silenced to ERROR or above (``zjgis -q``);
- the environment variable ``ZJGIS_PROGRESS`` is not ``0`` (``1`` forces bars on);
- not under pytest (``PYTEST_CURRENT_TEST`` is set), unless forced on;
- stderr is a terminal, or the code runs in a Jupyter kernel: output redirected to
  a file or a log never receives bars.

While a text bar is drawn, log lines that an application sends to the console
(``zjgis -v``) are printed above it (``tqdm.write``) instead of on the bar's
line; the application's handlers are swapped only for the bar's lifetime.

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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["ENV_VAR", "Stages", "get_logger", "logger", "progress", "progress_enabled",
           "stages"]

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


def _bar_class() -> type:
    """The bar to draw: tqdm's notebook widget in a Jupyter kernel, else the text bar.

    The widget needs ``ipywidgets`` (the ``notebook`` extra); without it a kernel
    gets the text bar, which Jupyter shows as plain output.
    """
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar needs it)
            from tqdm.notebook import tqdm as notebook_bar
        except ImportError:
            pass
        else:
            return notebook_bar
    from tqdm import tqdm as text_bar

    return text_bar


def _new_bar(iterable: Iterable[Any] | None, *, total: int | None, desc: str,
             **options: Any) -> Any:
    """A tqdm bar on stderr (or a notebook widget) that clears itself when done.

    The one place bars are made: :func:`progress` and :class:`Stages` differ only
    in what they count.  Bars go to ``sys.stderr`` as it is *now* (a test's
    capture, a terminal), never to a logging handler.
    """
    return _bar_class()(iterable, total=total, desc=desc, leave=False, file=sys.stderr,
                        mininterval=0.5, dynamic_ncols=True, **options)


def _wanted(size: int | None, min_size: int) -> bool:
    """Whether work of ``size`` items (None: unknown) gets a bar: big enough, and enabled."""
    return (size is None or size >= min_size) and progress_enabled()


class _AboveBars(logging.StreamHandler):
    """A console handler's twin that prints each record above the text bars (``tqdm.write``)."""

    def __init__(self, original: logging.StreamHandler) -> None:
        super().__init__(original.stream)
        self.setLevel(original.level)
        self.setFormatter(original.formatter)
        for f in original.filters:
            self.addFilter(f)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from tqdm import tqdm

            tqdm.write(self.format(record), file=self.stream)
            self.flush()
        except RecursionError:  # pragma: no cover - as logging.StreamHandler does
            raise
        except Exception:  # pragma: no cover
            self.handleError(record)


def _on_console(handler: logging.Handler) -> bool:
    return (type(handler) is logging.StreamHandler  # not a file, not a test's capture
            and getattr(handler, "stream", None) in (sys.stdout, sys.stderr))


@contextmanager
def _logs_above_bars() -> Iterator[None]:
    """While a text bar is drawn, console log lines (``zjgis -v``) print above it.

    Without this a log line lands on the bar's line.  Only handlers already
    writing to the console are swapped, for the duration of the bar, and put back
    after: files, other streams and loggers without handlers are left alone
    (nothing is added, the application's logging configuration is not changed).
    """
    swapped = []
    for lg in {id(x): x for x in (logging.root, logger)}.values():
        old = lg.handlers
        if any(_on_console(h) for h in old):
            swapped.append((lg, old))
            lg.handlers = [_AboveBars(h) if isinstance(h, logging.StreamHandler) and _on_console(h)
                           else h for h in old]
    try:
        yield
    finally:
        for lg, old in swapped:
            lg.handlers = old


def _iterate(bar: Any) -> Iterator[Any]:
    with ExitStack() as logs:
        if not _in_notebook():  # a widget is not on the console's line
            logs.enter_context(_logs_above_bars())
        try:
            yield from bar
        finally:
            bar.close()


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
    if not _wanted(total, min_items):
        return iter(iterable)
    return _iterate(_new_bar(iterable, total=total, desc=desc))


#: Layout of a stage bar: no rate and no ETA (stages differ in length), the stage named.
_STAGE_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} stages [{elapsed}{postfix}]"


class Stages:
    """Stage-level progress of vectorised work: one bar step per stage, the stage named.

    Most long zjgis work is a few vectorised numpy/GEOS calls with no Python
    loop to count, so the bar counts *stages* ("segments", "crossings" …), shows
    the running one after the bar and the elapsed time, and no rate or ETA.
    Make one with :func:`stages`; the rules of :func:`progress` decide whether a
    bar is drawn (a terminal or a notebook, not under ``zjgis -q``, pytest or
    ``ZJGIS_PROGRESS=0``), once, when it is made.  Without a bar every method is
    a no-op, so it costs nothing on small inputs.

    Use it as a context manager so that the bar is cleared when the work ends
    or fails.
    """

    def __init__(self, names: Sequence[str], *, desc: str, enabled: bool) -> None:
        self.names = list(names)
        self.current: str | None = None
        self._next = 0
        self._bar = _new_bar(None, total=len(self.names), desc=_printable(desc), unit="stage",
                             bar_format=_STAGE_FORMAT) if enabled and self.names else None
        self._logs = ExitStack()
        if self._bar is not None and not _in_notebook():  # widgets are not on the console
            self._logs.enter_context(_logs_above_bars())

    @property
    def shown(self) -> bool:
        """Whether a bar is drawn."""
        return self._bar is not None

    def step(self, name: str | None = None) -> None:
        """Start the next stage (the previous one counts as done).

        Parameters
        ----------
        name : str, optional
            Label shown after the bar; default the next of the names given.
        """
        if self._next >= len(self.names):  # more steps than stages: grow the bar
            self.add([name or "…"])
        label = _printable(name or self.names[self._next])
        if self._bar is not None:  # one redraw per stage, with the new name
            self._bar.set_postfix_str(label, refresh=False)
            if self.current is not None:
                self._bar.n += 1
            self._bar.refresh()
        self.current = label
        self._next += 1

    def add(self, names: Sequence[str]) -> None:
        """Append stages known only once the work has started (one per pass, say)."""
        self.names.extend(names)
        if self._bar is not None:
            self._bar.total = len(self.names)
            self._bar.refresh()

    def close(self) -> None:
        """Finish the bar and clear it (the work is done, or failed)."""
        if self._bar is not None:
            if self.current is not None:
                self._bar.update(1)
            self._bar.close()
            self._bar = None
            self._logs.close()

    def __enter__(self) -> Stages:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _printable(text: str) -> str:
    """``text`` for a terminal line: control characters (escape sequences) become ``?``."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))


def stages(names: Sequence[str], *, desc: str, size: int, min_size: int) -> Stages:
    """Progress of vectorised work in named stages (a bar only when ``size >= min_size``).

    Parameters
    ----------
    names : sequence of str
        The stages in order, e.g. ``("segments", "snap", "crossings", "split", "graph")``.
    desc : str
        Label before the bar, e.g. ``"noding"``.
    size : int
        Size of the input that makes the work long (lines, edges, zones, cells).
    min_size : int
        No bar below this size (small inputs never flicker a bar).

    Returns
    -------
    Stages
        Call :meth:`Stages.step` as each stage starts; use it in a ``with`` block.

    Examples
    --------
    >>> with stages(["read", "count"], desc="demo", size=10, min_size=1) as st:
    ...     st.step()
    ...     n = len("read")
    ...     st.step()
    ...     n += 1
    >>> n, st.current, st.shown   # no bar in a doctest (not a terminal)
    (5, 'count', False)
    """
    return Stages(names, desc=desc, enabled=_wanted(size, min_size))
