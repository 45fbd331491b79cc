"""Coordinate systems planners meet in Shanghai, and every conversion between them.

zjgis stores data as WGS-84 longitude/latitude (EPSG:4326), measures in metres
in :data:`METRIC` (UTM zone 51N) and reports official areas geodesically on
the WGS-84 ellipsoid.

Chinese web maps do not use WGS-84:

* **GCJ-02** ("Mars coordinates") — Amap/Gaode, Tencent, Apple in China and most
  files exported from them.  Around Shanghai it is about 0.0045° east and
  0.0020° south of WGS-84 … i.e. roughly 450–550 m off.
* **BD-09** — Baidu, a further rotation/offset of GCJ-02 (≈ 700 m more).

GeoJSON cannot say "GCJ-02", so such files claim EPSG:4326.  zjgis never
guesses: a conversion happens only when the caller names the source frame
(:func:`convert`, ``zjgis.io.read(..., source_crs="GCJ-02")``), and it is
recorded in ``gdf.attrs["coordinate_conversions"]``.

Why our own implementation
--------------------------
Two PyPI packages implement the published GCJ-02 algorithm: ``coordTransform``
(the widely copied ``a = 6378245.0`` Krasovsky-ellipsoid version, now with a C
batch path) and ``eviltransform`` (pure-Python loops, uses ``a = 6378137.0``
and so differs from the published constants by up to ~5e-6°).  Neither offers
what zjgis needs: their GCJ-02 → WGS-84 is the one-step approximation (errors of
1–2 m) or a per-point bisection loop, and both work point by point in Python.
The formulas are a few lines of arithmetic, so zjgis writes them once with
numpy (≈ 0.1 s per million points forward) and solves the inverse exactly by
fixed-point iteration to 1e-10° (≈ 1e-5 m).  ``coordTransform`` is the
independent reference in the test suite and in ``benchmarks/``.

"Outside China" uses the same rectangle as ``coordTransform``
(73.66–135.05 °E, 3.86–53.55 °N): a point is shifted when its source position
lies inside it.  The inverses ask the same question of their solution, so a
point just inside the edge whose GCJ-02 position falls just outside still
round-trips (``coordTransform`` tests the shifted point and is off by up to
1.3 km there).  In the strip of ≤ 0.01° just *outside* an edge where the shift
points outwards, two WGS-84 points share one GCJ-02 position (the published
forward formula is not one-to-one there); the inverse returns the one inside.
These strips lie in the Pamirs, the Amur, the sea and the Malay peninsula.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import pandas as pd
import pyproj
import shapely

from zjgis._log import get_logger
from zjgis.errors import CRSError, listing

__all__ = [
    "WGS84",
    "CGCS2000",
    "METRIC",
    "MU_M2",
    "FRAMES",
    "normalize_frame",
    "out_of_china",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "wgs84_to_bd09",
    "bd09_to_wgs84",
    "transform_lonlat",
    "convert",
    "to_metric",
    "geodesic_area",
    "geodesic_length",
    "snap_centimetre",
]

log = get_logger(__name__)

#: WGS-84 longitude/latitude, the storage CRS of zjgis.
WGS84 = "EPSG:4326"
#: China Geodetic Coordinate System 2000 (geographic), the national datum.
#: It differs from WGS-84 by centimetres: zjgis treats them as equal at map scale.
CGCS2000 = "EPSG:4490"
#: Default metric CRS for the science city: UTM zone 51N.  Its central meridian
#: is 123 °E; at 121.6 °E, 31.2 °N the point scale factor is 0.99982 (pyproj
#: ``Proj("EPSG:32651").get_factors``: lengths 0.018 % or 18 cm per km short,
#: areas 0.036 %), small against planning accuracy, and areas are reported geodesically.
METRIC = "EPSG:32651"
#: One 亩 (mu) in square metres (10000 / 15).
MU_M2 = 10000.0 / 15.0

FRAMES = ("WGS-84", "GCJ-02", "BD-09")
Frame = Literal["WGS-84", "GCJ-02", "BD-09"]

_A = 6378245.0  # semi-major axis of the Krasovsky ellipsoid used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
# Iteration stops once the last correction is below 1e-8° (1 mm); the error
# left after that correction is ~1e-3 of it (the offset field varies by metres
# over tens of kilometres), i.e. ~1e-11° or 1e-6 m.
_INVERSE_TOL_DEG = 1e-8
_INVERSE_MAX_ITER = 30

_FRAME_ALIASES = {
    "wgs84": "WGS-84",
    "epsg4326": "WGS-84",
    "4326": "WGS-84",
    "gcj02": "GCJ-02",
    "gcj": "GCJ-02",
    "mars": "GCJ-02",
    "amap": "GCJ-02",
    "gaode": "GCJ-02",
    "bd09": "BD-09",
    "bd09ll": "BD-09",
    "baidu": "BD-09",
}


def normalize_frame(name: str) -> Frame:
    """Return the canonical name of a lon/lat frame (``"WGS-84"``, ``"GCJ-02"``, ``"BD-09"``).

    Case, hyphens, underscores, colons and spaces are ignored, so ``"gcj02"``,
    ``"GCJ_02"`` and ``"Gcj-02"`` all mean GCJ-02; ``"EPSG:4326"`` means WGS-84.

    Parameters
    ----------
    name : str
        A frame name or alias (``"amap"``, ``"gaode"`` → GCJ-02; ``"baidu"`` → BD-09).

    Returns
    -------
    str
        ``"WGS-84"``, ``"GCJ-02"`` or ``"BD-09"``.

    Raises
    ------
    CRSError
        If the name is none of these frames.
    """
    key = re.sub(r"[\s\-_:.]", "", str(name)).lower()
    if key in _FRAME_ALIASES:
        return _FRAME_ALIASES[key]  # type: ignore[return-value]
    msg = (
        f"unknown coordinate frame {name!r}; expected one of 'WGS-84', 'GCJ-02' "
        "(Amap/Gaode, Tencent) or 'BD-09' (Baidu)"
    )
    raise CRSError(msg)


def is_frame(name: object) -> bool:
    """Return True when ``name`` names WGS-84, GCJ-02 or BD-09 (see :func:`normalize_frame`)."""
    if not isinstance(name, str):
        return False
    key = re.sub(r"[\s\-_:.]", "", name).lower()
    return key in _FRAME_ALIASES


def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    if lon.shape != lat.shape:
        msg = f"lon and lat must have the same shape, got {lon.shape} and {lat.shape}"
        raise ValueError(msg)
    return lon, lat


_CHUNK = 1 << 16


def _parallel(kernel, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run an elementwise lon/lat kernel over chunks on all cores (numpy releases the GIL)."""
    n = lon.size
    flat_lon, flat_lat = lon.ravel(), lat.ravel()
    workers = min(os.cpu_count() or 1, 8)
    if n <= _CHUNK or workers == 1:
        out_lon, out_lat = kernel(flat_lon, flat_lat)
    else:
        out_lon = np.empty(n)
        out_lat = np.empty(n)

        def run(start: int) -> None:
            sl = slice(start, start + _CHUNK)
            out_lon[sl], out_lat[sl] = kernel(flat_lon[sl], flat_lat[sl])

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, range(0, n, _CHUNK)))
    return out_lon.reshape(lon.shape), out_lat.reshape(lat.shape)


def out_of_china(lon, lat) -> np.ndarray:
    """Return a boolean array: True where a point is outside China's rectangle.

    The rectangle is 73.66–135.05 °E, 3.86–53.55 °N (as in ``coordTransform``).
    Points outside it are never shifted.

    Parameters
    ----------
    lon, lat : float or array-like
        Longitudes and latitudes in degrees (any of the three frames), same shape.

    Returns
    -------
    numpy.ndarray of bool
        The input's shape.
    """
    lon, lat = _arrays(lon, lat)
    return ~((lon > 73.66) & (lon < 135.05) & (lat > 3.86) & (lat < 53.55))


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the GCJ-02 offset (dlon, dlat) in degrees at WGS-84 positions."""
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    xpi = x * np.pi
    ypi = y * np.pi
    common = (20.0 * np.sin(6.0 * xpi) + 20.0 * np.sin(2.0 * xpi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
    dlat += (20.0 * np.sin(ypi) + 40.0 * np.sin(ypi / 3.0)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(ypi / 12.0) + 320.0 * np.sin(ypi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
    dlon += (20.0 * np.sin(xpi) + 40.0 * np.sin(xpi / 3.0)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(xpi / 12.0) + 300.0 * np.sin(xpi / 30.0)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _k_wgs_to_gcj(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_delta(lon, lat)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS-84 lon/lat arrays (degrees) to GCJ-02 (Amap/Gaode, Tencent).

    Points outside China are returned unchanged.
    """
    return _parallel(_k_wgs_to_gcj, *_arrays(lon, lat))


def _solve_inverse(forward, tlon: np.ndarray, tlat: np.ndarray, glon, glat):
    """Solve ``forward(w) = target`` by fixed-point iteration from a first guess."""
    lon = np.array(glon, dtype="float64", copy=True)
    lat = np.array(glat, dtype="float64", copy=True)
    idx = np.arange(lon.size)
    for _ in range(_INVERSE_MAX_ITER):
        flon, flat = forward(lon[idx], lat[idx])
        elon = flon - tlon[idx]
        elat = flat - tlat[idx]
        lon[idx] -= elon
        lat[idx] -= elat
        idx = idx[(np.abs(elon) >= _INVERSE_TOL_DEG) | (np.abs(elat) >= _INVERSE_TOL_DEG)]
        if idx.size == 0:
            break
    return lon, lat


def _forward_gcj_raw(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def _pass_through(glon, glat, wlon, wlat) -> np.ndarray:
    """Where the inverse must return its input unchanged.

    The forward conversions shift a point when *its own* position is in China
    (:func:`out_of_china` of the source).  So the inverse asks the same
    question of the solution ``w``, not of the shifted input ``g``: near the
    rectangle's edges a point inside shifts to one outside (and back).  Only
    when both ``g`` and ``w`` are outside is ``g`` passed through.
    """
    return out_of_china(glon, glat) & out_of_china(wlon, wlat)


def _raw_gcj_inverse(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_delta(lon, lat)
    return _solve_inverse(_forward_gcj_raw, lon, lat, lon - dlon, lat - dlat)


def _k_gcj_to_wgs(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    wlon, wlat = _raw_gcj_inverse(lon, lat)
    outside = _pass_through(lon, lat, wlon, wlat)
    return np.where(outside, lon, wlon), np.where(outside, lat, wlat)


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 lon/lat arrays to WGS-84, solved exactly (round trip < 1e-6 m).

    Starts from the one-step approximation ``w = g - delta(g)`` (off by 1–2 m)
    and iterates ``w <- w - (gcj(w) - g)`` until the correction is below 1e-8°;
    the offset field is smooth, so this takes 2–3 steps.  Points outside China
    are unchanged.
    """
    return _parallel(_k_gcj_to_wgs, *_arrays(lon, lat))


def _forward_bd_raw(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _k_gcj_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    blon, blat = _forward_bd_raw(lon, lat)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, blon), np.where(outside, lat, blat)


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 lon/lat arrays to BD-09 (Baidu).  Points outside China are unchanged."""
    return _parallel(_k_gcj_to_bd, *_arrays(lon, lat))


def _raw_bd_inverse(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 0.0065
    y = lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _solve_inverse(_forward_bd_raw, lon, lat, z * np.cos(theta), z * np.sin(theta))


def _k_bd_to_gcj(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    glon, glat = _raw_bd_inverse(lon, lat)
    outside = _pass_through(lon, lat, glon, glat)
    return np.where(outside, lon, glon), np.where(outside, lat, glat)


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert BD-09 lon/lat arrays to GCJ-02, solved exactly.

    The published closed form is only approximate (errors of a few cm); it is
    the first guess, refined by the same iteration as :func:`gcj02_to_wgs84`.
    """
    return _parallel(_k_bd_to_gcj, *_arrays(lon, lat))


def _k_wgs_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    blon, blat = _forward_bd_raw(*_forward_gcj_raw(lon, lat))
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, blon), np.where(outside, lat, blat)


def _k_bd_to_wgs(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    wlon, wlat = _raw_gcj_inverse(*_raw_bd_inverse(lon, lat))
    outside = _pass_through(lon, lat, wlon, wlat)
    return np.where(outside, lon, wlon), np.where(outside, lat, wlat)


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS-84 lon/lat arrays to BD-09 (through GCJ-02).

    Both shifts apply when the WGS-84 point is in China, also where its GCJ-02
    position falls just outside the rectangle.
    """
    return _parallel(_k_wgs_to_bd, *_arrays(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert BD-09 lon/lat arrays to WGS-84 (through GCJ-02, both steps exact)."""
    return _parallel(_k_bd_to_wgs, *_arrays(lon, lat))


_LONLAT_PARAMS = """

    Parameters
    ----------
    lon, lat : float or array-like
        Longitudes and latitudes in degrees in the source frame, same shape
        (scalars give 0-d arrays).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Longitudes and latitudes in degrees in the target frame, float64, the
        input's shape.  Points outside China's rectangle (:func:`out_of_china`)
        are returned unchanged.

    Raises
    ------
    ValueError
        ``lon`` and ``lat`` differ in shape.
"""

for _f in (wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09,
           bd09_to_wgs84):
    _f.__doc__ = (_f.__doc__ or "").rstrip() + _LONLAT_PARAMS

_CONVERTERS = {
    ("WGS-84", "GCJ-02"): wgs84_to_gcj02,
    ("GCJ-02", "WGS-84"): gcj02_to_wgs84,
    ("GCJ-02", "BD-09"): gcj02_to_bd09,
    ("BD-09", "GCJ-02"): bd09_to_gcj02,
    ("WGS-84", "BD-09"): wgs84_to_bd09,
    ("BD-09", "WGS-84"): bd09_to_wgs84,
}


def transform_lonlat(lon, lat, *, source: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert lon/lat arrays between ``"WGS-84"``, ``"GCJ-02"`` and ``"BD-09"``.

    Parameters
    ----------
    lon, lat : array-like
        Longitudes and latitudes in degrees, same shape.
    source, target : str
        Frame names, case and hyphen insensitive (see :func:`normalize_frame`).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Converted longitudes and latitudes.
    """
    src, dst = normalize_frame(source), normalize_frame(target)
    lon, lat = _arrays(lon, lat)
    if src == dst:
        return lon.copy(), lat.copy()
    return _CONVERTERS[(src, dst)](lon, lat)


def _geometry_array(geoms: np.ndarray, crs: str):
    """Wrap shapely geometries as a GeometryArray (geopandas imported lazily)."""
    from geopandas.array import from_shapely

    return from_shapely(geoms, crs=crs)


def _is_lonlat(crs) -> bool:
    if crs is None:
        return False
    crs = pyproj.CRS.from_user_input(crs)
    return crs.is_geographic


def _refuse_non_lonlat(geoms: np.ndarray, index: pd.Index, label: str, *,
                       check_range: bool = True) -> None:
    """Raise when a vertex is NaN/inf or (``check_range``) beyond ±180°/±90°.

    The lon/lat door check of the crs functions themselves (``crs`` sits below
    :mod:`zjgis._validate`, whose ``require_finite_coords`` and
    ``require_lonlat_range`` the other modules use).
    """
    from zjgis.errors import GeometryError

    present = np.flatnonzero(~shapely.is_missing(geoms))
    if present.size == 0:
        return
    coords, which = shapely.get_coordinates(geoms[present], return_index=True)
    if coords.size == 0:
        return
    finite = np.isfinite(coords).all(axis=1)
    if not finite.all():
        bad = np.unique(present[which[~finite]])
        msg = (f"{label}: {bad.size} feature(s) have NaN or infinite coordinates — "
               f"{_feature_names(index, bad)}; fix or drop those vertices before converting")
        raise GeometryError(msg)
    if not check_range:
        return
    beyond = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    if beyond.any():
        bad = np.unique(present[which[beyond]])
        msg = (f"{label}: {bad.size} feature(s) are not longitude/latitude (beyond ±180°/±90°) — "
               f"{_feature_names(index, bad)}; metres labelled EPSG:4326, or lat/lon swapped? "
               f"Name the CRS the data are really in (zjgis.io.read(..., source_crs=...))")
        raise CRSError(msg)


def _keep_valid(geoms: np.ndarray, was_valid: np.ndarray, label: str) -> int:
    """Repair, in place, geometries the shift made invalid; return how many.

    The offset field is smooth but not linear: over kilometres a vertex that
    lies centimetres from another edge can cross it.  Such a geometry is
    rebuilt with :func:`shapely.make_valid` (``method="structure"``, which
    keeps polygons polygons) so a valid input gives a valid output.
    """
    idx = np.flatnonzero(was_valid)
    if idx.size == 0:
        return 0
    broken = idx[~shapely.is_valid(geoms[idx])]
    if broken.size == 0:
        return 0
    geoms[broken] = shapely.make_valid(geoms[broken], method="structure", keep_collapsed=False)
    log.info("%s: %d geometries became invalid in the shift (a vertex within centimetres of "
             "another edge) and were repaired with make_valid", label, broken.size)
    return int(broken.size)


def convert(gdf, *, source: str, target: str, name: str | None = None):
    """Shift a GeoDataFrame's coordinates between WGS-84, GCJ-02 and BD-09.

    Works for every geometry type (points, lines, polygons, multi-parts,
    collections; Z values are kept).  The frame is a property of the numbers,
    not of the declared CRS: GeoJSON from Chinese web maps is GCJ-02 while it
    says EPSG:4326, so the caller names ``source`` explicitly.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or geopandas.GeoSeries
        Lon/lat geometries.  The declared CRS must be geographic (or absent);
        the result declares EPSG:4326.
    source, target : str
        ``"WGS-84"``, ``"GCJ-02"`` or ``"BD-09"`` (case and hyphen insensitive).
    name : str, optional
        Layer name used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        A new frame with shifted coordinates, same index and columns.  The
        conversion is appended to ``attrs["coordinate_conversions"]`` and
        ``attrs["frame"]`` is set to the target frame.  A valid geometry stays
        valid: the few the shift would make invalid (a vertex centimetres from
        another edge of a kilometres-long polygon) are repaired with
        :func:`shapely.make_valid`, counted in ``attrs["repaired_after_conversion"]``
        and logged.

    Raises
    ------
    CRSError
        If the frames are unknown, the data are in a projected CRS, or
        coordinates lie beyond ±180°/±90° (metres labelled EPSG:4326).
    GeometryError
        A vertex is NaN or infinite.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(121.5937, 31.2033)], crs="EPSG:4326")
    >>> w = convert(g, source="GCJ-02", target="WGS-84")
    >>> print(f"{w.geometry.x.iloc[0]:.4f} {w.geometry.y.iloc[0]:.4f}")
    121.5895 31.2055
    """
    src, dst = normalize_frame(source), normalize_frame(target)
    label = name or "layer"
    if gdf.crs is not None and not _is_lonlat(gdf.crs):
        msg = (
            f"{label}: GCJ-02/BD-09 conversion needs longitude/latitude, but the data are in "
            f"{gdf.crs.to_string()}; reproject to EPSG:4326 first"
        )
        raise CRSError(msg)
    out = gdf.copy()
    if src != dst:
        _refuse_non_lonlat(_geom_values(gdf), gdf.index, label)
        func = _CONVERTERS[(src, dst)]

        def _shift(coords: np.ndarray) -> np.ndarray:
            shifted = coords.copy()
            shifted[:, 0], shifted[:, 1] = func(coords[:, 0], coords[:, 1])
            return shifted  # a Z column, when present, is kept as it is

        geoms = np.asarray(out.geometry.values, dtype=object).copy()
        has_z = np.zeros(len(geoms), dtype=bool)
        present = ~shapely.is_missing(geoms)
        has_z[present] = shapely.has_z(geoms[present])
        flat = present & ~has_z
        was_valid = np.zeros(len(geoms), dtype=bool)
        was_valid[present] = shapely.is_valid(geoms[present])
        geoms[flat] = shapely.transform(geoms[flat], _shift, include_z=False)
        if has_z.any():
            geoms[has_z] = shapely.transform(geoms[has_z], _shift, include_z=True)
        repaired = _keep_valid(geoms, was_valid, label)
        if hasattr(out, "set_geometry"):
            out = out.set_geometry(_geometry_array(geoms, crs=WGS84), crs=WGS84)
            if out.geometry.name != gdf.geometry.name:
                out = out.rename_geometry(gdf.geometry.name)
        else:
            out = type(out)(geoms, index=out.index, crs=WGS84)
    elif out.crs is None:
        out = out.set_crs(WGS84)
    conversions = list(gdf.attrs.get("coordinate_conversions", []))
    if src != dst:
        conversions.append(f"{src} -> {dst}")
    out.attrs = dict(gdf.attrs)
    out.attrs["coordinate_conversions"] = conversions
    out.attrs["frame"] = dst
    if src != dst:
        out.attrs["repaired_after_conversion"] = repaired
    log.info("%s: converted %d features %s -> %s", label, len(out), src, dst)
    return out


def to_metric(gdf, *, crs: str | pyproj.CRS = METRIC, name: str | None = None):
    """Project a GeoDataFrame to metres (default :data:`METRIC`, UTM 51N).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or geopandas.GeoSeries
        Data with a CRS.
    crs : str or pyproj.CRS
        Target projected CRS; must have metre units.
    name : str, optional
        Layer name used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        A projected copy (the input is not changed), same index.

    Raises
    ------
    CRSError
        If ``gdf`` has no CRS, the target is not in metres, or lon/lat
        coordinates lie beyond ±180°/±90° (metres labelled EPSG:4326).
    GeometryError
        A vertex is NaN or infinite, before or after the projection.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> p = to_metric(gpd.GeoSeries([Point(121.6, 31.2)], crs="EPSG:4326"))
    >>> p.crs.to_epsg(), round(p.iloc[0].x), round(p.iloc[0].y)
    (32651, 366621, 3452612)
    """
    label = name or "layer"
    if gdf.crs is None:
        msg = f"{label} has no CRS; set one with .set_crs(...) or read it with zjgis.io.read"
        raise CRSError(msg)
    target = pyproj.CRS.from_user_input(crs)
    unit = target.axis_info[0].unit_name if target.axis_info else ""
    if not target.is_projected or unit not in ("metre", "meter"):
        msg = f"{target.to_string()} is not a projected CRS in metres"
        raise CRSError(msg)
    _refuse_non_lonlat(_geom_values(gdf), gdf.index, label, check_range=gdf.crs.is_geographic)
    if gdf.crs.equals(target):
        return gdf.copy()
    out = gdf.to_crs(target)
    _refuse_non_lonlat(_geom_values(out), out.index, f"{label} (in {target.to_string()})",
                       check_range=False)
    return out


def _geom_values(gdf) -> np.ndarray:
    return np.asarray(gdf.geometry.values if hasattr(gdf, "geometry") else gdf.values,
                      dtype=object)


_GEOD = pyproj.Geod(ellps="WGS84")


def _lonlat_geoms(gdf, name: str | None):
    label = name or "layer"
    if gdf.crs is None:
        msg = f"{label} has no CRS; geodesic measures need to know where the coordinates are"
        raise CRSError(msg)
    series = gdf.geometry if hasattr(gdf, "geometry") else gdf
    lonlat = _is_lonlat(series.crs)
    _refuse_non_lonlat(_geom_values(series), series.index, label, check_range=lonlat)
    if not lonlat:
        series = series.to_crs(WGS84)
        _refuse_non_lonlat(_geom_values(series), series.index,
                           f"{label} (projected to EPSG:4326)")
    return series


_POLYGONAL = ("Polygon", "MultiPolygon")


def _polygon_parts(geom) -> list:
    """The polygons inside ``geom`` (a Polygon, MultiPolygon or a collection of them)."""
    kind = geom.geom_type
    if kind == "Polygon":
        return [geom]
    if kind == "MultiPolygon" or kind == "GeometryCollection":
        out = []
        for part in geom.geoms:
            out.extend(_polygon_parts(part))
        return out
    return []


def _ring_area_sums(geoms: np.ndarray) -> np.ndarray:
    """Signed geodesic area of every ring, summed per geometry (rings already oriented).

    The same as ``Geod.geometry_area_perimeter`` over each polygon part, but the
    coordinates of all rings are taken in one vectorised call: pyproj's own
    walk reads them vertex by vertex in Python, which dominated the measure of a
    service area with thousands of holes.
    """
    out = np.zeros(len(geoms))
    polys, owner = [], []
    for i, geom in enumerate(geoms):  # one item per feature: the parts of collections
        found = _polygon_parts(geom)
        polys.extend(found)
        owner.extend([i] * len(found))
    if not polys:
        return out
    rings, of_poly = shapely.get_rings(np.asarray(polys, dtype=object), return_index=True)
    xy, of_ring = shapely.get_coordinates(rings, return_index=True)
    cuts = np.searchsorted(of_ring, np.arange(1, len(rings)))
    ring_area = np.array([_GEOD.polygon_area_perimeter(r[:, 0], r[:, 1])[0]
                          for r in np.split(xy, cuts)])
    np.add.at(out, np.asarray(owner)[of_poly], ring_area)
    return out


def snap_centimetre(geoms, crs) -> np.ndarray:
    """Geometries on a 1 cm grid of their own CRS, valid there (GEOS snap-rounding).

    Parameters
    ----------
    geoms : array_like of shapely geometries
        Geometries in ``crs``.
    crs : pyproj.CRS or str
        Their CRS: lon/lat (the grid is 1e-7°, about 1.1 cm) or projected (1 cm
        in the CRS's own unit of length).

    Returns
    -------
    numpy.ndarray
        The snapped geometries (:func:`shapely.set_precision`, mode
        ``valid_output``): vertices a few nanometres apart are merged, so rings
        that nearly touch after a reprojection touch exactly instead of crossing.
        A valid geometry stays valid; an invalid one may be refused by GEOS
        (repair it first with :func:`shapely.make_valid`).

    Raises
    ------
    CRSError
        No CRS given.

    Examples
    --------
    A vertex 0.04 mm off the metre grid line moves onto it:

    >>> import shapely
    >>> from shapely import Polygon
    >>> g = snap_centimetre([Polygon([(0, 0), (1.00004, 0), (1, 1)])], "EPSG:32651")
    >>> shapely.get_coordinates(g[0])[:, 0].max(), bool(g[0].is_valid)
    (np.float64(1.0), True)
    """
    if crs is None:
        msg = "snap_centimetre needs the geometries' CRS (the grid is 1 cm in its units)"
        raise CRSError(msg)
    crs = pyproj.CRS.from_user_input(crs)
    if crs.is_geographic:
        grid = 1e-7
    else:
        unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        grid = 0.01 / (unit or 1.0)
    return shapely.set_precision(np.asarray(geoms, dtype=object), grid)


def _feature_names(index: pd.Index, positions: np.ndarray) -> str:
    return listing([f"feature {index[int(i)]!r}" for i in positions])


def geodesic_area(gdf, *, name: str | None = None, repair: bool = False,
                  assume_valid: bool = False) -> pd.DataFrame:
    """Geodesic areas on the WGS-84 ellipsoid in m², km², ha and 亩.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or geopandas.GeoSeries
        Polygons in any CRS (reprojected to EPSG:4326 for the computation).
    name : str, optional
        Layer name used in error messages.
    repair : bool
        Measure invalid polygons (a bow-tie, a ring that crosses itself) after
        :func:`shapely.make_valid` instead of refusing them; the number
        repaired is in ``result.attrs["repaired_geometries"]`` and logged.
    assume_valid : bool
        Skip the validity check, for polygons the caller has just made valid
        (:func:`snap_centimetre` output): on a service area with a thousand
        holes the check costs more than the measure.  An invalid polygon is
        then measured as pyproj's signed sum of its rings.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_m2``, ``area_km2``, ``area_ha``, ``area_mu`` on the input's
        index (1 亩 = 10000/15 m²).  Points, lines (a LineString has no area,
        closed or not) and missing or empty geometries get 0.

    Raises
    ------
    CRSError
        No CRS, or coordinates that are not longitude/latitude (metres labelled
        EPSG:4326, lat/lon swapped).
    GeometryError
        An invalid polygon (unless ``repair=True``): its area is not defined —
        a bow-tie's two lobes cancel to 0 m².  Or a NaN/infinite vertex.

    Notes
    -----
    Uses :meth:`pyproj.Geod.geometry_area_perimeter` (Karney 2013), accurate to
    millimetres.  pyproj's area is signed by ring orientation, so every part is
    first oriented (:func:`shapely.orient_polygons`: shells counter-clockwise,
    holes clockwise): a MultiPolygon mixing orientations, or a hole drawn the
    same way as its shell, gets its true area.

    Examples
    --------
    A 1 km² box in Zhangjiang drawn clockwise, and a MultiPolygon of it and a
    counter-clockwise box (pyproj alone would give the MultiPolygon 0 m²):

    >>> import geopandas as gpd
    >>> from shapely import MultiPolygon, box
    >>> a = box(121.60, 31.20, 121.6105, 31.209, ccw=False)
    >>> b = box(121.62, 31.20, 121.6305, 31.209)
    >>> g = gpd.GeoSeries([a, MultiPolygon([a, b])], crs="EPSG:4326")
    >>> geodesic_area(g)["area_km2"].round(3).tolist()
    [0.999, 1.997]
    """
    from zjgis.errors import GeometryError

    label = name or "layer"
    series = _lonlat_geoms(gdf, name)
    geoms = np.asarray(series.values, dtype=object)
    n = len(geoms)
    area = np.zeros(n, dtype="float64")
    present = ~shapely.is_missing(geoms)
    present[present] = ~shapely.is_empty(geoms[present])
    kinds = np.array([g.geom_type if ok else "" for g, ok in zip(geoms, present, strict=True)],
                     dtype=object)
    polygonal = present & np.isin(kinds, [*_POLYGONAL, "GeometryCollection"])
    idx = np.flatnonzero(polygonal)
    parts = geoms[idx]
    if assume_valid:
        valid = np.ones(idx.size, dtype=bool)
    else:
        valid = shapely.is_valid(parts) if idx.size else np.zeros(0, dtype=bool)
    repaired = 0
    if idx.size and not valid.all():
        bad = idx[~valid]
        if not repair:
            reasons = [shapely.is_valid_reason(g) for g in parts[~valid][:5]]
            msg = (f"{label}: {bad.size} invalid polygon(s) have no defined area — "
                   f"{_feature_names(series.index, bad)} ({'; '.join(reasons)}). Repair them "
                   f"(QGIS: Fix geometries; zjgis.io.read(..., repair=True)) or pass repair=True")
            err = GeometryError(msg)
            err.problems = pd.DataFrame({"feature": series.index[bad], "position": bad,  # type: ignore[attr-defined]
                                         "reason": [shapely.is_valid_reason(g)
                                                    for g in parts[~valid]]})
            raise err
        parts = parts.copy()
        parts[~valid] = shapely.make_valid(parts[~valid])
        repaired = int((~valid).sum())
        log.info("%s: measured %d invalid polygon(s) after make_valid", label, repaired)
    if idx.size:
        oriented = shapely.orient_polygons(parts, exterior_cw=False)
        area[idx] = _ring_area_sums(oriented)
    bad = np.flatnonzero(~np.isfinite(area))
    if bad.size:
        where = _feature_names(series.index, bad)
        msg = (f"{label}: {bad.size} feature(s) have coordinates that are NaN, infinite or not "
               f"longitude/latitude in {series.crs.to_string()} — {where}"
               f". Fix those vertices, or name the CRS the file is really in (metres from a "
               f"projected CRS labelled EPSG:4326, or lat/lon swapped)")
        raise GeometryError(msg)
    out = pd.DataFrame(
        {
            "area_m2": area,
            "area_km2": area / 1e6,
            "area_ha": area / 1e4,
            "area_mu": area / MU_M2,
        },
        index=series.index,
    )
    if repair:
        out.attrs["repaired_geometries"] = repaired
    return out


def geodesic_length(gdf, *, name: str | None = None) -> pd.Series:
    """Geodesic length in metres of lines (perimeter for polygons) on the WGS-84 ellipsoid.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or geopandas.GeoSeries
        Lines or polygons in any CRS (reprojected to EPSG:4326 for the computation).
    name : str, optional
        Layer name used in error messages.

    Returns
    -------
    pandas.Series
        ``length_m`` on the input's index; points and missing geometries get 0.

    Raises
    ------
    CRSError
        If ``gdf`` has no CRS, or coordinates beyond ±180°/±90° in a lon/lat CRS.
    GeometryError
        A vertex is NaN or infinite.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> road = gpd.GeoSeries([LineString([(121.60, 31.20), (121.61, 31.20)])], crs="EPSG:4326")
    >>> round(float(geodesic_length(road).iloc[0]), 1)
    953.0
    """
    series = _lonlat_geoms(gdf, name)
    values = [
        _GEOD.geometry_length(g) if g is not None and not g.is_empty else 0.0
        for g in series.values
    ]
    return pd.Series(values, index=series.index, name="length_m", dtype="float64")
