"""Checks every public zjgis function runs at its door.

Each check raises a :mod:`zjgis.errors` exception whose message names the layer
(or file), the offending features and what to do.  Checks that look at many
features collect all problems first and raise once with a summary; the full
table is on the exception's ``.problems``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import shapely

from zjgis.errors import CRSError, GeometryError, ValidationError, listing

__all__ = [
    "blank",
    "require_crs",
    "require_same_crs",
    "require_geom_types",
    "require_columns",
    "require_unique",
    "require_not_empty",
    "geometry_problems",
    "feature_label",
    "listing",
    "require_finite_coords",
    "require_lonlat_range",
    "require_counts",
    "require_positive",
    "likely_projected_crs",
]


def blank(value: object) -> bool:
    """Whether a cell holds nothing: None, NaN, pandas NA/NaT or text of only spaces.

    THE test of an empty cell for every reader of planners' files (a DBF's empty text
    reads as NaN, an Excel cell as None, a CSV one as "").

    >>> [blank(v) for v in (None, float("nan"), pd.NA, "  ", "0", 0)]
    [True, True, True, True, False, False]
    """
    if isinstance(value, str):
        return not value.strip()
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and bool(np.isnan(value))

def feature_label(df: pd.DataFrame, pos: int, id_column: str | None = None) -> str:
    """Describe feature number ``pos`` (0-based position) as ``feature 17 (id R-203)``."""
    label = f"feature {df.index[pos]!r}" if not isinstance(df.index, pd.RangeIndex) else (
        f"feature {pos}"
    )
    if id_column and id_column in df.columns:
        label += f" ({id_column} {df[id_column].iloc[pos]!r})"
    return label


_listing = listing  # old private name


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
        A missing geometry (None) is reported as ``missing geometry``.
    hint : str
        What the planner should do instead, appended to the message.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString, Point
    >>> roads = gpd.GeoDataFrame({"id": ["R1", "R2"]},
    ...                          geometry=[LineString([(0, 0), (1, 1)]), Point(0, 0)])
    >>> require_geom_types(roads, ["LineString"], "roads.gpkg", id_column="id",
    ...                    hint="export road centrelines")
    Traceback (most recent call last):
    ...
    zjgis.errors.GeometryError: roads.gpkg: 1 feature(s) are not LineString — feature 1 ...
    """
    allowed = set(allowed)
    types = np.asarray(gdf.geometry.geom_type.values, dtype=object)
    types = np.where(shapely.is_missing(np.asarray(gdf.geometry.values, dtype=object)),
                     "missing geometry", types)
    bad = np.nonzero([t not in allowed for t in types])[0]
    if bad.size:
        labels = [f"{feature_label(gdf, int(i), id_column)}: {types[i]}" for i in bad]
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


def _coords_per_feature(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All coordinates (x, y) and, for each, the position of its feature."""
    ok = ~shapely.is_missing(geoms)
    idx = np.nonzero(ok)[0]
    if idx.size == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.intp)
    coords, which = shapely.get_coordinates(geoms[idx], return_index=True)
    return coords, idx[which]


def require_finite_coords(gdf, name: str, *, id_column: str | None = None) -> None:
    """Raise :class:`GeometryError` naming features with NaN or infinite coordinates.

    GEOS, pyproj and scipy each treat a NaN vertex differently (silently
    dropped, a null geometry, a crash), so zjgis refuses it at the door.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> import numpy as np
    >>> with np.errstate(invalid="ignore"):
    ...     line = LineString([(0, 0), (float("nan"), 1)])
    >>> roads = gpd.GeoDataFrame(geometry=[line])
    >>> require_finite_coords(roads, "roads.gpkg")
    Traceback (most recent call last):
    ...
    zjgis.errors.GeometryError: roads.gpkg: 1 feature(s) have NaN or infinite coordinates...
    """
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    coords, which = _coords_per_feature(geoms)
    bad_v = ~np.isfinite(coords).all(axis=1)
    if bad_v.any():
        bad = np.unique(which[bad_v])
        labels = [feature_label(gdf, int(i), id_column) for i in bad]
        msg = (f"{name}: {len(bad)} feature(s) have NaN or infinite coordinates — "
               f"{listing(labels)}. Fix or drop those vertices (e.g. in QGIS: Vertex tool) "
               f"and read the file again")
        problems = pd.DataFrame({"feature": gdf.index[bad], "position": bad,
                                 "reason": "NaN or infinite coordinate"})
        raise _geometry_error(msg, problems)


def likely_projected_crs(x: float, y: float) -> list[tuple[str, str]]:
    """Guess the Chinese projected CRSs a metre coordinate ``(x, y)`` is likely in.

    CGCS2000 Gauss–Krüger eastings often carry the zone number in front
    (x ≈ 40 650 130 is zone 40 of the 3-degree series, EPSG:4528); without it
    (x ≈ 650 130) the central-meridian variants apply (EPSG:4549 for 120 °E,
    the one Shanghai uses) and UTM.  Only candidates that put the point in
    China (73–136 °E, 3–54 °N) are returned.

    Parameters
    ----------
    x, y : float
        A typical easting and northing of the layer, metres.

    Returns
    -------
    list of (str, str)
        ``("EPSG:4528", "CGCS2000 / 3-degree Gauss-Kruger zone 40")`` … most
        likely first, each checked to land in China.

    Examples
    --------
    >>> [code for code, _ in likely_projected_crs(40_650_130, 3_451_445)]
    ['EPSG:4528']
    >>> [code for code, _ in likely_projected_crs(650_130, 3_451_445)][:2]
    ['EPSG:4549', 'EPSG:4550']
    """
    from pyproj import CRS, Transformer

    candidates: list[int] = []
    if np.isfinite(x) and np.isfinite(y) and 0 < y < 10_000_000:
        zone = int(x // 1_000_000)
        if 25 <= zone <= 45:  # 3-degree zones 25–45 (75–135 °E)
            candidates.append(4513 + zone - 25)
        elif 13 <= zone <= 23:  # 6-degree zones 13–23 (75–135 °E)
            candidates.append(4491 + zone - 13)
        elif 0 < x < 1_000_000:  # no zone prefix: the central-meridian variants, then UTM
            candidates += [4549, 4550, 4548, 4508, 32651, 32650]
    out = []
    for code in candidates:
        try:
            lon, lat = Transformer.from_crs(code, 4326, always_xy=True).transform(x, y)
        except Exception:  # noqa: BLE001 - pyproj errors mean "not this one"  # pragma: no cover
            continue
        if np.isfinite(lon) and 73 <= lon <= 136 and 3 <= lat <= 54:
            out.append((f"EPSG:{code}", CRS.from_epsg(code).name))
    return out


def projected_hint(coords: np.ndarray) -> str:
    """A sentence naming the likely projected CRSs of metre coordinates (see above)."""
    finite = coords[np.isfinite(coords).all(axis=1)]
    if finite.size == 0:
        return ""
    x, y = np.median(finite[:, 0]), np.median(finite[:, 1])
    found = likely_projected_crs(float(x), float(y))
    if not found:
        return ("they look like metres of a projected CRS: name it with source_crs= "
                "(Shanghai: EPSG:4549 CGCS2000 3-degree Gauss–Krüger CM 120E, EPSG:32651 UTM 51N)")
    names = listing([f"{code} ({name})" for code, name in found], most=3)
    return (f"x ≈ {x:,.0f}, y ≈ {y:,.0f} look like metres, likely {names}: name it with "
            f"source_crs={found[0][0]!r}")


def require_lonlat_range(gdf, name: str, *, id_column: str | None = None) -> None:
    """Refuse coordinates that cannot be lon/lat when the layer says it is geographic.

    Catches metres labelled EPSG:4326 (x ≈ 380 000) and swapped lat/lon
    (latitude 121.6) with a message that names the likely cause.  Layers in a
    projected CRS are checked against the CRS's area of use instead.
    """
    crs = getattr(gdf, "crs", None)
    if crs is None or len(gdf) == 0:
        return
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    coords, which = _coords_per_feature(geoms)
    finite = np.isfinite(coords).all(axis=1)
    coords, which = coords[finite], which[finite]
    if coords.size == 0:
        return
    if crs.is_geographic:
        x, y = coords[:, 0], coords[:, 1]
        bad_v = (np.abs(x) > 180) | (np.abs(y) > 90)
        if not bad_v.any():
            return
        bad = np.unique(which[bad_v])
        labels = [feature_label(gdf, int(i), id_column) for i in bad]
        xs, ys = x[bad_v], y[bad_v]
        if (np.abs(xs) > 1000).any() or (np.abs(ys) > 1000).any():
            cause = projected_hint(np.column_stack([xs, ys]))
        else:
            cause = ("latitudes beyond ±90° look like lat/lon swapped: put longitude first "
                     "(x = lon ≈ 121.6, y = lat ≈ 31.2)")
        msg = (f"{name}: {len(bad)} feature(s) lie outside the lon/lat range of "
               f"{crs.to_string()} — {listing(labels)}; {cause}")
        problems = pd.DataFrame({"feature": gdf.index[bad], "position": bad,
                                 "reason": "coordinate outside lon/lat range"})
        err = CRSError(msg)
        err.problems = problems  # type: ignore[attr-defined]
        raise err
    aou = crs.area_of_use
    if aou is None:
        return
    try:
        from pyproj import Transformer

        tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        lon, lat = tr.transform(coords[:, 0], coords[:, 1])
    except Exception:  # pragma: no cover - exotic CRS
        return
    lon, lat = np.asarray(lon), np.asarray(lat)
    tol = 2.0  # degrees: areas of use are conservative; only refuse the plainly wrong
    bad_v = ~np.isfinite(lon) | (lon < aou.west - tol) | (lon > aou.east + tol) | (
        lat < aou.south - tol) | (lat > aou.north + tol)
    if bad_v.any():
        bad = np.unique(which[bad_v])
        labels = [feature_label(gdf, int(i), id_column) for i in bad]
        msg = (f"{name}: {len(bad)} feature(s) lie outside the area where {crs.to_string()} "
               f"is valid ({aou.name}) — {listing(labels)}; the file is probably in another "
               f"CRS: name it with source_crs=")
        raise CRSError(msg)


def require_counts(df: pd.DataFrame, column: str, name: str, *, what: str | None = None,
                   id_column: str | None = None) -> np.ndarray:
    """Return ``df[column]`` as float after checking it is a usable count.

    One rule for every analysis: a count (jobs, workers, population, dwellings)
    must be present, numeric, finite and not negative.  A missing value is an
    error (never silently 0), naming the rows and the fix.

    Examples
    --------
    >>> import pandas as pd
    >>> require_counts(pd.DataFrame({"jobs": [3, 4]}), "jobs", "zones")
    array([3., 4.])
    >>> require_counts(pd.DataFrame({"jobs": [3, None]}), "jobs", "zones")
    Traceback (most recent call last):
    ...
    zjgis.errors.ValidationError: zones: jobs is missing in 1 row(s) — row 1; fill them...
    """
    what = what or column
    require_columns(df, [column], name)
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    labels = (df[id_column].astype(str) if id_column and id_column in df.columns
              else pd.Series([f"row {i}" for i in range(len(df))], index=df.index))
    not_numeric = values.isna() & raw.notna()
    if not_numeric.any():
        shown = [f"{lab}: {v!r}" for lab, v in zip(labels[not_numeric], raw[not_numeric],
                                                   strict=True)]
        msg = (f"{name}: {what} is not numeric in {int(not_numeric.sum())} row(s) — "
               f"{listing(shown)}")
        raise ValidationError(msg)
    missing = raw.isna()
    if missing.any():
        msg = (f"{name}: {what} is missing in {int(missing.sum())} row(s) — "
               f"{listing(list(labels[missing]))}; fill them (0 where there are none) "
               f"or drop those rows")
        raise ValidationError(msg)
    arr = values.to_numpy(dtype=float)
    inf = ~np.isfinite(arr)
    if inf.any():
        msg = f"{name}: {what} is infinite in row(s) {listing(list(labels[inf]))}"
        raise ValidationError(msg)
    neg = arr < 0
    if neg.any():
        msg = (f"{name}: {what} must not be negative — {int(neg.sum())} row(s): "
               f"{listing(list(labels[neg]))}")
        raise ValidationError(msg)
    return arr


def require_positive(value: float, name: str, *, unit: str = "") -> float:
    """Raise :class:`ValidationError` unless ``value`` is a finite number > 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        msg = f"{name} must be a number{f' in {unit}' if unit else ''}, got {value!r}"
        raise ValidationError(msg) from None
    if not np.isfinite(v) or v <= 0:
        msg = f"{name} must be a positive number{f' in {unit}' if unit else ''}, got {value!r}"
        raise ValidationError(msg)
    return v
