"""Raster suitability: vector factors on a metre grid, weighted overlay, GeoTIFF, zonal stats.

A planner's suitability map in four steps::

    g = raster.grid(science_city, cell_m=50)                 # common grid in EPSG:32651
    near_rail = raster.distance(stations, g)                  # metres to the nearest station
    score = raster.weighted_overlay(
        {"rail": (raster.linear_score(near_rail, full_m=500, zero_m=3000), 0.6),
         "axis": (raster.linear_score(raster.distance(axis, g), full_m=300, zero_m=4000), 0.4)},
        constraints=[raster.mask(ecological_areas, g)],      # excluded cells → 0
    )
    raster.write_geotiff(score, g, "suitability.tif")
    raster.zonal_stats(parcels, score, g, threshold=0.6)      # per-parcel mean/min/max/share

Everything is computed in :data:`zjgis.crs.METRIC` (UTM 51N) so cells are square
metres; inputs in any CRS are reprojected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
from affine import Affine
from rasterio import features
from scipy import ndimage

from zjgis import crs as _crs
from zjgis import io as _io
from zjgis._log import get_logger
from zjgis._validate import require_crs
from zjgis.errors import ReadError, ValidationError, WriteError

__all__ = [
    "Grid",
    "grid",
    "distance",
    "mask",
    "linear_score",
    "weighted_overlay",
    "write_geotiff",
    "read_geotiff",
    "zonal_stats",
]

log = get_logger(__name__)


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid in metres.

    Attributes
    ----------
    transform : affine.Affine
        Pixel → map coordinates (top-left origin).
    width, height : int
        Columns and rows.
    crs : str
        CRS of the grid (default :data:`zjgis.crs.METRIC`).
    """

    transform: Affine
    width: int
    height: int
    crs: str = _crs.METRIC

    @property
    def cell_m(self) -> float:
        """Cell size in metres."""
        return float(self.transform.a)

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``."""
        return (self.height, self.width)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates (x, y) of the cell centres, each of shape :attr:`shape`."""
        cols, rows = np.meshgrid(np.arange(self.width) + 0.5, np.arange(self.height) + 0.5)
        x = self.transform.c + cols * self.transform.a
        y = self.transform.f + rows * self.transform.e
        return x, y


def grid(extent: gpd.GeoDataFrame | gpd.GeoSeries, *, cell_m: float = 50.0,
         margin_m: float = 0.0, max_cells: int = 50_000_000) -> Grid:
    """Make a grid in :data:`zjgis.crs.METRIC` covering a layer.

    Parameters
    ----------
    extent : GeoDataFrame or GeoSeries
        The area to cover (any CRS).
    cell_m : float
        Cell size in metres.
    margin_m : float
        Extra border around the layer's bounds, metres.
    max_cells : int
        Refuse grids larger than this (a wrong CRS or cell size otherwise eats the RAM).

    Raises
    ------
    CRSError
        ``extent`` has no CRS.
    ValidationError
        Non-positive cell size or a grid above ``max_cells``.
    """
    require_crs(extent, "extent")
    if cell_m <= 0:
        msg = f"cell_m must be positive, got {cell_m}"
        raise ValidationError(msg)
    minx, miny, maxx, maxy = extent.to_crs(_crs.METRIC).total_bounds
    minx, miny = minx - margin_m, miny - margin_m
    maxx, maxy = maxx + margin_m, maxy + margin_m
    # snap to whole cells so that grids of the same cell size line up
    minx = np.floor(minx / cell_m) * cell_m
    maxy = np.ceil(maxy / cell_m) * cell_m
    width = int(np.ceil((maxx - minx) / cell_m))
    height = int(np.ceil((maxy - miny) / cell_m))
    if width * height > max_cells:
        msg = (f"grid of {width}×{height} cells at {cell_m} m exceeds max_cells={max_cells:,}; "
               "use a larger cell_m")
        raise ValidationError(msg)
    return Grid(Affine(cell_m, 0, minx, 0, -cell_m, maxy), max(width, 1), max(height, 1))


def _shapes(layer: gpd.GeoDataFrame | gpd.GeoSeries, g: Grid, name: str):
    require_crs(layer, name)
    geoms = layer.to_crs(g.crs).geometry
    geoms = geoms[geoms.notna() & ~geoms.is_empty]
    return geoms


def mask(layer: gpd.GeoDataFrame | gpd.GeoSeries, g: Grid, *, all_touched: bool = True
         ) -> np.ndarray:
    """Boolean raster: True where a feature of ``layer`` covers the cell.

    ``all_touched=True`` (default) marks every cell a feature touches, the safe
    choice for constraints (ecological red lines, flood areas).
    """
    geoms = _shapes(layer, g, "layer")
    if geoms.empty:
        return np.zeros(g.shape, dtype=bool)
    burned = features.rasterize(((geom, 1) for geom in geoms.values), out_shape=g.shape,
                                transform=g.transform, fill=0, all_touched=all_touched,
                                dtype="uint8")
    return burned.astype(bool)


def distance(layer: gpd.GeoDataFrame | gpd.GeoSeries, g: Grid) -> np.ndarray:
    """Distance in metres from each cell centre to the nearest feature of ``layer``.

    Returns
    -------
    numpy.ndarray
        float64 of :attr:`Grid.shape`; ``inf`` everywhere when the layer is empty.

    Notes
    -----
    Point layers: exact Euclidean distance with a k-d tree
    (:class:`scipy.spatial.cKDTree`).  Lines and polygons are rasterised
    (``all_touched``) and measured with the Euclidean distance transform
    (:func:`scipy.ndimage.distance_transform_edt`, Maurer et al. 2003), exact to
    about half a cell.  Features outside the grid are not seen by the transform:
    give the grid a margin.
    """
    geoms = _shapes(layer, g, "layer")
    if geoms.empty:
        return np.full(g.shape, np.inf)
    if (geoms.geom_type == "Point").all():
        from scipy.spatial import cKDTree

        pts = np.column_stack([geoms.x.to_numpy(), geoms.y.to_numpy()])
        x, y = g.centres()
        d, _ = cKDTree(pts).query(np.column_stack([x.ravel(), y.ravel()]))
        return d.reshape(g.shape)
    burned = mask(geoms, g, all_touched=True)
    if not burned.any():
        return np.full(g.shape, np.inf)
    return ndimage.distance_transform_edt(~burned, sampling=(g.cell_m, g.cell_m))


def linear_score(dist_m: np.ndarray, *, full_m: float, zero_m: float) -> np.ndarray:
    """Score 1 up to ``full_m`` metres, falling linearly to 0 at ``zero_m``.

    ``score = clip((zero_m − d) / (zero_m − full_m), 0, 1)``.
    """
    if zero_m <= full_m:
        msg = f"zero_m ({zero_m}) must be larger than full_m ({full_m})"
        raise ValidationError(msg)
    return np.clip((zero_m - np.asarray(dist_m, dtype=float)) / (zero_m - full_m), 0.0, 1.0)


def weighted_overlay(
    factors: Mapping[str, tuple[np.ndarray, float]],
    *,
    constraints: Sequence[np.ndarray] = (),
    constrained_value: float = 0.0,
) -> np.ndarray:
    """Weighted linear combination of factor scores, with constraints.

    Parameters
    ----------
    factors : mapping
        name → (score array in 0–1, weight ≥ 0); all arrays of the same shape.
    constraints : sequence of bool arrays
        Cells True in any constraint are excluded.
    constrained_value : float
        Value of excluded cells (default 0; ``numpy.nan`` to leave them blank).

    Returns
    -------
    numpy.ndarray
        float64 ``S = Σ wᵢ·fᵢ / Σ wᵢ`` (Malczewski 2004, weighted linear
        combination), ``constrained_value`` where excluded.

    Raises
    ------
    ValidationError
        No factors, shapes differ, negative weights or scores outside 0–1.
    """
    if not factors:
        msg = "weighted_overlay needs at least one factor"
        raise ValidationError(msg)
    shapes = {np.shape(a) for a, _ in factors.values()} | {np.shape(c) for c in constraints}
    if len(shapes) != 1:
        msg = f"factor and constraint arrays differ in shape: {sorted(shapes)}"
        raise ValidationError(msg)
    total_w = 0.0
    out = None
    for name, (arr, weight) in factors.items():
        if weight < 0:
            msg = f"factor {name!r}: negative weight {weight}"
            raise ValidationError(msg)
        a = np.asarray(arr, dtype=float)
        finite = a[np.isfinite(a)]
        if finite.size and (finite.min() < -1e-9 or finite.max() > 1 + 1e-9):
            msg = f"factor {name!r}: scores must lie in 0–1 (got {finite.min():g}–{finite.max():g})"
            raise ValidationError(msg)
        out = a * weight if out is None else out + a * weight
        total_w += weight
    if total_w <= 0:
        msg = "the factor weights sum to zero"
        raise ValidationError(msg)
    out = out / total_w
    for c in constraints:
        out = np.where(np.asarray(c, dtype=bool), constrained_value, out)
    return out


def write_geotiff(array: np.ndarray, g: Grid, path: str | Path, *, nodata: float | None = np.nan,
                  overwrite: bool = False) -> Path:
    """Write a single-band float32 GeoTIFF with the grid's CRS and transform, atomically.

    Raises
    ------
    ValidationError
        The array does not have the grid's shape.
    WriteError
        The file exists and ``overwrite`` is False, or it cannot be written.
    """
    array = np.asarray(array)
    if array.shape != g.shape:
        msg = f"array shape {array.shape} does not match the grid {g.shape}"
        raise ValidationError(msg)
    with _io.atomic_write(path, overwrite=overwrite) as tmp:
        try:
            with rasterio.open(tmp, "w", driver="GTiff", width=g.width, height=g.height,
                               count=1, dtype="float32", crs=pyproj.CRS(g.crs).to_wkt(),
                               transform=g.transform, nodata=nodata, compress="deflate") as dst:
                dst.write(array.astype("float32"), 1)
        except rasterio.errors.RasterioError as exc:
            msg = f"could not write {path}: {exc}"
            raise WriteError(msg) from exc
    log.info("wrote %dx%d raster to %s", g.width, g.height, path)
    return Path(path)


def read_geotiff(path: str | Path) -> tuple[np.ndarray, Grid]:
    """Read band 1 of a raster as float64 (nodata → NaN) with its :class:`Grid`.

    Raises
    ------
    ReadError
        The file cannot be opened or has no CRS.
    """
    try:
        with rasterio.open(path) as src:
            arr = src.read(1, masked=True).astype("float64").filled(np.nan)
            if src.crs is None:
                msg = f"{path}: raster has no CRS"
                raise ReadError(msg)
            g = Grid(src.transform, src.width, src.height, src.crs.to_string())
    except rasterio.errors.RasterioIOError as exc:
        msg = f"cannot open raster {path}: {exc}"
        raise ReadError(msg) from exc
    return arr, g


def zonal_stats(
    zones: gpd.GeoDataFrame,
    raster: np.ndarray | str | Path,
    g: Grid | None = None,
    *,
    threshold: float = 0.5,
    all_touched: bool = False,
) -> pd.DataFrame:
    """Per-polygon statistics of a raster (e.g. suitability per parcel).

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Polygons (any CRS), assumed not to overlap (each cell counts for one zone).
    raster : ndarray or path
        Values on grid ``g``, or a GeoTIFF path (then ``g`` is read from it).
    g : Grid, optional
        Needed when ``raster`` is an array.
    threshold : float
        ``share_above`` is the share of a zone's cells with value ≥ this.
    all_touched : bool
        Count every cell a polygon touches instead of cells whose centre is
        inside; zones smaller than a cell get their centre cell either way.

    Returns
    -------
    pandas.DataFrame
        On ``zones``' index: ``cells``, ``mean``, ``min``, ``max``, ``share_above``
        (NaN cells ignored; NaN stats for zones with no valid cell).
    """
    require_crs(zones, "zones")
    if isinstance(raster, (str, Path)):
        arr, g = read_geotiff(raster)
    else:
        arr = np.asarray(raster, dtype=float)
        if g is None:
            msg = "zonal_stats needs the grid g when raster is an array"
            raise ValidationError(msg)
    if arr.shape != g.shape:
        msg = f"raster shape {arr.shape} does not match the grid {g.shape}"
        raise ValidationError(msg)
    geoms = zones.to_crs(g.crs).geometry.values
    n = len(geoms)
    labels = features.rasterize(
        ((geom, i + 1) for i, geom in enumerate(geoms) if geom is not None and not geom.is_empty),
        out_shape=g.shape, transform=g.transform, fill=0, all_touched=all_touched, dtype="int32",
    ) if n else np.zeros(g.shape, dtype="int32")
    # zones without any cell centre: take the cell under their representative point
    present = np.bincount(labels.ravel(), minlength=n + 1)[1:] > 0
    inv = ~g.transform
    for i in np.nonzero(~present)[0]:
        geom = geoms[i]
        if geom is None or geom.is_empty:
            continue
        p = geom.representative_point()
        col, row = inv @ (p.x, p.y)
        r, c = int(np.floor(row)), int(np.floor(col))
        if 0 <= r < g.height and 0 <= c < g.width and labels[r, c] == 0:
            labels[r, c] = i + 1
    lab = labels.ravel()
    val = arr.ravel()
    ok = (lab > 0) & np.isfinite(val)
    lab, val = lab[ok] - 1, val[ok]
    cells = np.bincount(lab, minlength=n).astype(float)
    total = np.bincount(lab, weights=val, minlength=n)
    above = np.bincount(lab, weights=(val >= threshold).astype(float), minlength=n)
    vmin = np.full(n, np.inf)
    vmax = np.full(n, -np.inf)
    np.minimum.at(vmin, lab, val)
    np.maximum.at(vmax, lab, val)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "cells": cells.astype("int64"),
            "mean": np.where(cells > 0, total / cells, np.nan),
            "min": np.where(cells > 0, vmin, np.nan),
            "max": np.where(cells > 0, vmax, np.nan),
            "share_above": np.where(cells > 0, above / cells, np.nan),
        }, index=zones.index)
    return out
