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
import shapely
from affine import Affine
from rasterio import features
from scipy import ndimage

from zjgis import crs as _crs
from zjgis import io as _io
from zjgis._log import get_logger, stages
from zjgis._validate import (
    feature_label,
    listing,
    require_crs,
    require_finite_coords,
    require_lonlat_range,
    require_positive,
)
from zjgis.errors import CRSError, GeometryError, ReadError, ValidationError, WriteError

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

# stage bars (zjgis._log.stages): zonal stats from this many zones, overlays from this many cells
_PROGRESS_MIN_ZONES = 10_000
_PROGRESS_MIN_CELLS = 10_000_000


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

    Returns
    -------
    Grid
        Snapped to whole multiples of ``cell_m`` so grids of one cell size line up.

    Raises
    ------
    CRSError
        ``extent`` has no CRS, or coordinates that are not in it (metres labelled
        EPSG:4326, lat/lon swapped).
    GeometryError
        ``extent`` has no geometry (empty layer), or NaN/infinite coordinates.
    ValidationError
        Non-positive cell size or a grid above ``max_cells``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> area = gpd.GeoSeries([box(360_000, 3_450_000, 361_000, 3_450_500)], crs="EPSG:32651")
    >>> g = grid(area, cell_m=100)
    >>> g.shape, g.cell_m
    ((5, 10), 100.0)
    """
    _check_layer(extent, "extent")
    cell_m = require_positive(cell_m, "cell_m", unit="metres")
    if not np.isfinite(margin_m) or margin_m < 0:
        msg = f"margin_m must be a number of metres ≥ 0, got {margin_m!r}"
        raise ValidationError(msg)
    geoms = extent.geometry
    geoms = geoms[~shapely.is_missing(geoms.values) & ~geoms.is_empty]
    if geoms.empty:
        msg = ("extent has no geometry to cover (no rows, or only missing/empty geometries); "
               "pass the layer the grid should cover, e.g. layers.load('science_city_2022')")
        raise GeometryError(msg)
    minx, miny, maxx, maxy = geoms.to_crs(_crs.METRIC).total_bounds
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        msg = (f"extent cannot be projected to {_crs.METRIC} (bounds {minx}, {miny}, {maxx}, "
               f"{maxy}); check its CRS")
        raise CRSError(msg)
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


def _check_layer(layer, name: str) -> None:
    """The door checks of every raster entry point: CRS, finite and plausible coordinates."""
    require_crs(layer, name)
    require_finite_coords(layer, name)
    require_lonlat_range(layer, name)


def _shapes(layer: gpd.GeoDataFrame | gpd.GeoSeries, g: Grid, name: str):
    _check_layer(layer, name)
    geoms = layer.to_crs(g.crs).geometry
    geoms = geoms[~shapely.is_missing(geoms.values) & ~geoms.is_empty]
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
    points = bool((geoms.geom_type == "Point").all())
    with stages(["nearest point"] if points else ["burn", "distance transform"],
                desc="distance", size=g.width * g.height, min_size=_PROGRESS_MIN_CELLS) as st:
        st.step()
        if points:
            from scipy.spatial import cKDTree

            pts = np.column_stack([geoms.x.to_numpy(), geoms.y.to_numpy()])
            x, y = g.centres()
            d, _ = cKDTree(pts).query(np.column_stack([x.ravel(), y.ravel()]))
            return d.reshape(g.shape)
        burned = mask(geoms, g, all_touched=True)
        if not burned.any():
            return np.full(g.shape, np.inf)
        st.step()
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
        combination), ``constrained_value`` where excluded.  From 10 million
        cells a progress bar names the factor being added.

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
    names = [str(name) for name in factors] + (["constraints"] if constraints else [])
    with stages(names, desc="weighted overlay", size=int(np.prod(next(iter(shapes)))),
                min_size=_PROGRESS_MIN_CELLS) as st:
        for name, (arr, weight) in factors.items():
            st.step(str(name))
            if weight < 0:
                msg = f"factor {name!r}: negative weight {weight}"
                raise ValidationError(msg)
            a = np.asarray(arr, dtype=float)
            finite = a[np.isfinite(a)]
            if finite.size and (finite.min() < -1e-9 or finite.max() > 1 + 1e-9):
                msg = (f"factor {name!r}: scores must lie in 0–1 "
                       f"(got {finite.min():g}–{finite.max():g})")
                raise ValidationError(msg)
            out = a * weight if out is None else out + a * weight
            total_w += weight
        if total_w <= 0 or out is None:
            msg = "the factor weights sum to zero"
            raise ValidationError(msg)
        out = out / total_w
        if constraints:
            st.step("constraints")
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


def _colour_groups(geoms: np.ndarray, all_touched: bool, cell_m: float) -> list[np.ndarray]:
    """Split zone positions into groups whose cells cannot coincide (greedy colouring).

    With ``all_touched`` two zones can share a cell when their bounding boxes,
    grown by one cell, meet; with the centre rule only when their interiors
    overlap.  Zones of one group are burned together in one rasterize pass.
    """
    n = len(geoms)
    if n == 0:
        return []
    if all_touched:
        boxes = shapely.box(*shapely.bounds(geoms).T)
        grown = shapely.buffer(boxes, cell_m, cap_style="square", join_style="mitre")
        tree = shapely.STRtree(boxes)
        left, right = tree.query(grown, predicate="intersects")
    else:
        try:
            with np.errstate(all="ignore"):
                if shapely.coverage_is_valid(geoms):  # a partition (no overlaps): one pass
                    return [np.arange(n)]
        except shapely.errors.GEOSException:  # invalid polygons: check the pairs below
            pass
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        keep = left != right
        left, right = left[keep], right[keep]
        if left.size:
            inner = shapely.relate_pattern(geoms[left], geoms[right], "T********")
            left, right = left[inner], right[inner]
    keep = left != right
    left, right = left[keep], right[keep]
    if left.size == 0:
        return [np.arange(n)]
    order = np.argsort(left, kind="stable")
    left, right = left[order], right[order]
    starts = np.searchsorted(left, np.arange(n + 1))
    colour = np.full(n, -1)
    for i in range(n):
        used = colour[right[starts[i]:starts[i + 1]]]
        c = 0
        taken = set(used[used >= 0].tolist())
        while c in taken:
            c += 1
        colour[i] = c
    return [np.flatnonzero(colour == c) for c in range(colour.max() + 1)]


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
        Polygons (any CRS).  Zones may touch or overlap: each zone counts its
        own cells, so a cell two zones share counts for both.
    raster : ndarray or path
        Values on grid ``g``, or a GeoTIFF path (then ``g`` is read from it).
    g : Grid, optional
        Needed when ``raster`` is an array.
    threshold : float
        ``share_above`` is the share of a zone's cells with value ≥ this.
    all_touched : bool
        Count every cell a polygon touches (as rasterstats does) instead of
        cells whose centre is inside; zones smaller than a cell get the cell
        under their representative point either way.

    Returns
    -------
    pandas.DataFrame
        On ``zones``' index: ``cells``, ``mean``, ``min``, ``max``, ``share_above``
        (NaN cells ignored; NaN stats for zones with no valid cell, and for
        missing or empty geometries).

    Raises
    ------
    CRSError
        ``zones`` has no CRS, or coordinates that are not in it.
    GeometryError
        A zone that is not a polygon, or NaN/infinite coordinates.
    ValidationError
        No grid for an array, or a raster whose shape is not the grid's.

    Notes
    -----
    Zones are burned in groups whose cells cannot coincide (a greedy colouring
    of the zones whose bounding boxes, grown by one cell, meet — or, with the
    centre rule, whose interiors overlap), one :func:`rasterio.features.rasterize`
    pass per group; a partition of parcels needs a handful of passes.
    From 10,000 zones a progress bar counts the stages (zones, each burn
    pass, statistics) in a terminal or a notebook; ``zjgis -q`` and
    ``ZJGIS_PROGRESS=0`` turn it off.

    Examples
    --------
    Two adjacent 100 m parcels on a 10 m grid whose value rises from west to east;
    with ``all_touched`` the column of cells on their common edge counts for both:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame(
    ...     {"id": ["W", "E"]},
    ...     geometry=[box(360_003, 3_450_000, 360_103, 3_450_100),
    ...               box(360_103, 3_450_000, 360_203, 3_450_100)],
    ...     crs="EPSG:32651").set_index("id")
    >>> g = grid(parcels, cell_m=10)
    >>> x, _ = g.centres()
    >>> values = (x - 360_000) / 200
    >>> z = zonal_stats(parcels, values, g)
    >>> z["cells"].tolist(), z["mean"].round(3).tolist()
    ([100, 100], [0.25, 0.75])
    >>> zonal_stats(parcels, values, g, all_touched=True)["cells"].tolist()
    [110, 110]
    """
    _check_layer(zones, "zones")
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
    with stages(["zones"], desc="zonal stats", size=len(zones),
                min_size=_PROGRESS_MIN_ZONES) as st:
        st.step("zones")
        geoms = np.asarray(zones.to_crs(g.crs).geometry.values, dtype=object)
        n = len(geoms)
        present = ~shapely.is_missing(geoms)
        present[present] = ~shapely.is_empty(geoms[present])
        kinds = shapely.get_type_id(geoms)
        wrong = present & ~np.isin(kinds, (3, 6))  # Polygon, MultiPolygon
        if wrong.any():
            bad = np.flatnonzero(wrong)
            labels = [f"{feature_label(zones, int(i))}: {geoms[i].geom_type}" for i in bad]
            msg = (f"zones: {bad.size} feature(s) are not polygons — {listing(labels)}; "
                   "zonal statistics need areas (buffer points or lines first)")
            raise GeometryError(msg)
        idx = np.flatnonzero(present)
        zone_parts, cell_parts = [], []
        groups = _colour_groups(geoms[idx], all_touched, g.cell_m)
        st.add([f"burn {k}/{len(groups)}" for k in range(1, len(groups) + 1)] + ["statistics"])
        for group in groups:
            st.step()
            members = idx[group]
            labels = features.rasterize(
                ((geoms[i], int(i) + 1) for i in members), out_shape=g.shape,
                transform=g.transform, fill=0, all_touched=all_touched, dtype="int32")
            flat = labels.ravel()
            cells = np.flatnonzero(flat)
            zone_parts.append(flat[cells] - 1)
            cell_parts.append(cells)
        zone_of = np.concatenate(zone_parts) if zone_parts else np.zeros(0, dtype=np.int64)
        cell_of = np.concatenate(cell_parts) if cell_parts else np.zeros(0, dtype=np.int64)
        # zones without any cell: take the cell under their representative point
        has_cell = np.bincount(zone_of, minlength=n) > 0
        inv = ~g.transform
        extra_zone, extra_cell = [], []
        for i in idx[~has_cell[idx]]:
            p = geoms[i].representative_point()
            col, row = inv @ (p.x, p.y)
            r, c = int(np.floor(row)), int(np.floor(col))
            if 0 <= r < g.height and 0 <= c < g.width:
                extra_zone.append(i)
                extra_cell.append(r * g.width + c)
        if extra_zone:
            zone_of = np.concatenate([zone_of, np.asarray(extra_zone, dtype=zone_of.dtype)])
            cell_of = np.concatenate([cell_of, np.asarray(extra_cell, dtype=cell_of.dtype)])
        st.step()
        val = arr.ravel()[cell_of]
        ok = np.isfinite(val)
        lab, val = zone_of[ok], val[ok]
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
