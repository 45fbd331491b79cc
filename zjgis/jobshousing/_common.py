"""Shared private helpers of :mod:`zjgis.jobshousing`: zone ids, counts, dask."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zjgis._log import get_logger
from zjgis._validate import (
    feature_label,
    geometry_problems,
    listing,
    require_columns,
    require_counts,
    require_crs,
    require_finite_coords,
    require_geom_types,
    require_lonlat_range,
)
from zjgis.errors import GeometryError, ValidationError

log = get_logger("zjgis.jobshousing")


def _is_dask(obj: Any) -> bool:
    """True for dask / dask-geopandas collections (checked without importing dask)."""
    return type(obj).__module__.split(".")[0] in ("dask", "dask_geopandas", "dask_expr")



def _import_dask() -> Any:
    try:
        import dask
        import dask.dataframe  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the test environment has dask
        msg = ("this needs dask: install the 'scale' extra, pip install 'zjgis[scale]' "
               "(dask[dataframe,distributed], dask-geopandas)")
        raise ImportError(msg) from exc
    return dask



def _zone_ids(zones: pd.DataFrame, zone_id: str | None, name: str = "zones") -> pd.Index:
    """The zone ids (column ``zone_id`` or the index), checked for uniqueness and gaps."""
    if zone_id is None:
        ids = pd.Index(zones.index)
    else:
        require_columns(zones, [zone_id], name)
        ids = pd.Index(zones[zone_id].to_numpy())
    if ids.hasnans:
        msg = f"{name}: {int(ids.isna().sum())} zone(s) have no id ({zone_id or 'index'})"
        raise ValidationError(msg)
    if not ids.is_unique:
        dup = sorted(set(map(str, ids[ids.duplicated()])))
        msg = f"{name}: duplicate zone ids in {zone_id or 'the index'} — {listing(dup)}"
        raise ValidationError(msg)
    return ids



def _counts(values: pd.Series, what: str, name: str) -> np.ndarray:
    """Counts as float64 under THE missing-count policy (:func:`zjgis._validate.require_counts`).

    Missing, non-numeric, infinite or negative values raise a ValidationError
    naming the rows by their index label; nothing becomes 0.
    """
    labels = [str(x) for x in values.index]
    frame = pd.DataFrame({"value": values.to_numpy(), "row": labels})
    return require_counts(frame, "value", name, what=what, id_column="row")


def _check_zone_geometry(
    zones: Any,
    name: str = "zones",
    *,
    zone_id: str | None = None,
    allowed: tuple[str, ...] = ("Polygon", "MultiPolygon"),
) -> None:
    """Refuse zone geometry that would give silent wrong numbers (at the door).

    No CRS, NaN/inf vertices, metres labelled as degrees, swapped lat/lon,
    missing, empty or invalid geometry (a bow-tie's centroid and area are
    meaningless: one bow-tie zone gave a mean commute of 8,815 km) and
    geometry of another type all raise, naming the zone and the fix.  Plain
    DataFrames (no geometry) pass.
    """
    if not hasattr(zones, "geometry") or not hasattr(zones, "crs"):
        return
    require_crs(zones, name)
    require_finite_coords(zones, name, id_column=zone_id)
    require_lonlat_range(zones, name, id_column=zone_id)
    require_geom_types(zones.dropna(subset=[zones.geometry.name])
                       if zones.geometry.isna().any() else zones, allowed, name,
                       id_column=zone_id,
                       hint="zones must be areas (streets/towns, communities)")
    _refuse_bad_geometry(zones, name, id_column=zone_id, what="zone(s)",
                         why="their centroid and area would be wrong. Repair them (QGIS: Fix "
                             "geometries, or zjgis.read(path, repair=True)) or drop them")


def _refuse_bad_geometry(layer: Any, name: str, *, id_column: str | None = None,
                         what: str = "feature(s)", why: str = "") -> None:
    """Raise GeometryError naming features with missing, empty or invalid geometry."""
    problems = geometry_problems(layer, id_column=id_column)
    if len(problems):
        labels = [f"{feature_label(layer, int(p), id_column)}: {r}"
                  for p, r in zip(problems["position"], problems["reason"])]
        msg = (f"{name}: {len(problems)} {what} have missing, empty or invalid geometry — "
               f"{listing(labels)}; {why}")
        err = GeometryError(msg)
        err.problems = problems  # type: ignore[attr-defined]
        raise err
