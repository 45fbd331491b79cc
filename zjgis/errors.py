"""Exceptions and warnings raised by zjgis.

Every exception derives from :class:`ZjgisError` and also from the builtin a
generic handler would expect (``ValueError``, ``OSError``, ``TimeoutError``), so
``except ValueError`` in a planner's script still catches a bad input.  Messages
name the file, the feature and the problem, and say what to do about it.

Warnings are classes too, so that a planner can silence exactly one kind
(``warnings.simplefilter("ignore", zjgis.errors.SchematicDataWarning)``) and tests
can expect each one with ``pytest.warns``.

Examples
--------
A file that is not there is a :class:`ReadError`, which ``except OSError`` catches too:

>>> import zjgis
>>> try:
...     zjgis.io.read("no/such/parcels.gpkg")
... except OSError as exc:
...     print(type(exc).__name__, isinstance(exc, ZjgisError), "-", exc)
ReadError True - no/such/parcels.gpkg: no such file
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ZjgisError",
    "CRSError",
    "GeometryError",
    "ReadError",
    "EncodingError",
    "WriteError",
    "ValidationError",
    "LifecycleError",
    "RegisterBusyError",
    "ZjgisWarning",
    "SchematicDataWarning",
    "SampleDataWarning",
    "CoordinateShiftWarning",
    "InvalidGeometryWarning",
    "DataQualityWarning",
    "listing",
]

_MAX_LISTED = 5


def listing(labels: Sequence[object], *, most: int = _MAX_LISTED) -> str:
    """Join the first ``most`` labels and say how many more there are.

    The one place zjgis writes "a, b, c, d, e and 12 more" into a message
    (here, at the bottom of the package, so that :mod:`zjgis.crs` can use it
    too; :func:`zjgis._validate.listing` is the same function).

    Examples
    --------
    >>> listing(["R-1", "R-2"])
    'R-1, R-2'
    >>> listing([f"R-{i}" for i in range(8)])
    'R-0, R-1, R-2, R-3, R-4 and 3 more'
    """
    texts = [str(x) for x in labels]
    shown = ", ".join(texts[:most])
    more = len(texts) - most
    return shown + (f" and {more} more" if more > 0 else "")


class ZjgisError(Exception):
    """Base class of every error zjgis raises on purpose."""


class CRSError(ZjgisError, ValueError):
    """A coordinate reference system is missing, unknown or does not match."""


class GeometryError(ZjgisError, ValueError):
    """Geometries of the wrong type, invalid, empty or missing."""


class ReadError(ZjgisError, OSError):
    """A file could not be read as geodata (missing, unsupported, corrupt)."""


class EncodingError(ZjgisError, ValueError):
    """Text in a file is not in the encoding it was read with (e.g. GBK read as UTF-8)."""


class WriteError(ZjgisError, OSError):
    """A file could not be written; the previous version is left in place."""


class ValidationError(ZjgisError, ValueError):
    """Input data break a rule (duplicate ids, unknown status, overlaps …).

    Parameters
    ----------
    message : str
        Summary for the planner.
    problems : pandas.DataFrame, optional
        One row per offending feature, with at least the columns ``feature``
        and ``reason``; kept on the exception as ``.problems``.
    """

    def __init__(self, message: str, problems: Any = None) -> None:
        super().__init__(message)
        self.problems = problems


class LifecycleError(ValidationError):
    """A land-reserve parcel was asked to make a transition its lifecycle forbids."""


class RegisterBusyError(ZjgisError, TimeoutError):
    """Another process holds the write lock of a register for longer than the timeout."""


class ZjgisWarning(UserWarning):
    """Base class of zjgis warnings."""


class SchematicDataWarning(ZjgisWarning):
    """A result rests on a schematic (not official) geometry."""


class SampleDataWarning(ZjgisWarning):
    """A result rests on generated sample data, not on real statistics."""


class CoordinateShiftWarning(ZjgisWarning):
    """Coordinates were (or must be) shifted between WGS-84, GCJ-02 and BD-09."""


class InvalidGeometryWarning(ZjgisWarning):
    """Invalid geometries were found (and not repaired, unless asked)."""


class DataQualityWarning(ZjgisWarning):
    """Input data are usable but suspicious (totals that differ, empty zones …)."""
