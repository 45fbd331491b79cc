"""Checks every public zjgis function runs at its door.

Each check raises a :mod:`zjgis.errors` exception whose message names the layer
(or file), the offending features and what to do.  Checks that look at many
features collect all problems first and raise once with a summary; the full
table is on the exception's ``.problems``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import shapely

from zjgis.errors import CRSError, GeometryError, ValidationError

__all__ = [
    "require_crs",
    "require_same_crs",
    "require_geom_types",
    "require_columns",
    "require_unique",
    "require_not_empty",
    "geometry_problems",
    "feature_label",
]

_MAX_LISTED = 5


def feature_label(df: pd.DataFrame, pos: int, id_column: str | None = None) -> str:
    """Describe feature number ``pos`` (0-based position) as ``feature 17 (id R-203)``."""
    label = f"feature {df.index[pos]!r}" if not isinstance(df.index, pd.RangeIndex) else (
        f"feature {pos}"
    )
    if id_column and id_column in df.columns:
        label += f" ({id_column} {df[id_column].iloc[pos]!r})"
    return label


def _listing(labels: Sequence[str]) -> str:
    shown = ", ".join(labels[:_MAX_LISTED])
    more = len(labels) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def require_not_empty(gdf: pd.DataFrame, name: str) -> None:
    """Raise :class:`GeometryError` when ``gdf`` has no rows."""
    if len(gdf) == 0:
        msg = f"{name} is empty: it has no features"
        raise GeometryError(msg)


def require_crs(gdf, name: str):
    """Return the CRS of ``gdf`` or raise :class:`CRSError` naming the layer."""
    crs = getattr(gdf, "crs", None)
    if crs is None:
        msg = (
            f"{name} has no CRS. Set the one the coordinates are in, e.g. "
            f"gdf.set_crs('EPSG:4326'), or read the file with "
            f"zjgis.io.read(path, source_crs=...)"
        )
        raise CRSError(msg)
    return crs


def require_same_crs(a, b, name_a: str, name_b: str) -> None:
    """Raise :class:`CRSError` when two layers are in different CRSs (never just warn)."""
    ca, cb = require_crs(a, name_a), require_crs(b, name_b)
    if not ca.equals(cb):
        msg = (
            f"{name_a} is in {ca.to_string()} but {name_b} is in {cb.to_string()}; "
            f"reproject one of them (gdf.to_crs(...)) before combining them"
        )
        raise CRSError(msg)


def require_geom_types(
    gdf,
    allowed: Iterable[str],
    name: str,
    *,
    hint: str = "",
    id_column: str | None = None,
) -> None:
    """Raise :class:`GeometryError` listing features whose type is not allowed.

    Parameters
    ----------
    allowed : iterable of str
        Geometry type names, e.g. ``("LineString", "MultiLineString")``.
    hint : str
        What the planner should do instead, appended to the message.
    """
    allowed = set(allowed)
    types = np.asarray(gdf.geometry.geom_type.values, dtype=object)
    bad = np.nonzero([t not in allowed for t in types])[0]
    if bad.size:
        labels = [f"{feature_label(gdf, i, id_column)}: {types[i]}" for i in bad]
        expected = " or ".join(sorted(allowed))
        msg = f"{name}: {len(bad)} feature(s) are not {expected} — {_listing(labels)}"
        if hint:
            msg += f". {hint}"
        problems = pd.DataFrame({"feature": gdf.index[bad], "reason": types[bad]})
        raise _geometry_error(msg, problems)


def _geometry_error(msg: str, problems: pd.DataFrame) -> GeometryError:
    err = GeometryError(msg)
    err.problems = problems  # type: ignore[attr-defined]
    return err


def require_columns(df: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise :class:`ValidationError` naming missing columns and the ones present."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        present = ", ".join(map(str, df.columns[:20]))
        msg = f"{name} lacks column(s) {', '.join(missing)}; it has: {present}"
        raise ValidationError(msg)


def require_unique(df: pd.DataFrame, column: str, name: str) -> None:
    """Raise :class:`ValidationError` listing duplicated values of ``column``."""
    dup = df[column][df[column].duplicated(keep=False)]
    if len(dup):
        values = sorted(set(map(str, dup)))
        msg = f"{name}: duplicate {column} values — {_listing(values)}"
        problems = pd.DataFrame({"feature": dup.index, "reason": f"duplicate {column}"})
        raise ValidationError(msg, problems)


def geometry_problems(gdf, *, id_column: str | None = None) -> pd.DataFrame:
    """Table of missing, empty and invalid geometries.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature`` (index label), ``position`` (0-based row), ``id``
        (value of ``id_column`` when given) and ``reason`` (from
        :func:`shapely.is_valid_reason`, or ``"missing geometry"`` /
        ``"empty geometry"``).  Empty when every geometry is valid.
    """
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms)
    empty = np.zeros(len(geoms), dtype=bool)
    empty[~missing] = shapely.is_empty(geoms[~missing])
    valid = np.ones(len(geoms), dtype=bool)
    ok = ~missing & ~empty
    valid[ok] = shapely.is_valid(geoms[ok])
    bad = np.nonzero(missing | empty | ~valid)[0]
    reasons = []
    for i in bad:
        if missing[i]:
            reasons.append("missing geometry")
        elif empty[i]:
            reasons.append("empty geometry")
        else:
            reasons.append(shapely.is_valid_reason(geoms[i]))
    out = pd.DataFrame(
        {
            "feature": gdf.index[bad],
            "position": bad,
            "id": gdf[id_column].iloc[bad].to_numpy() if id_column in gdf.columns else None,
            "reason": reasons,
        }
    )
    return out
