"""Jobs, resident workers, the jobs–housing ratio and balance class per zone."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from zjgis._validate import (
    listing,
    require_columns,
    require_crs,
    require_finite_coords,
    require_lonlat_range,
    require_same_crs,
)
from zjgis.errors import DataQualityWarning, GeometryError, ValidationError
from zjgis.jobshousing._common import (
    _check_zone_geometry,
    _counts,
    _import_dask,
    _is_dask,
    _refuse_bad_geometry,
    log,
)

__all__ = ["CLASSES", "CLASS_ZH", "DEFAULT_THRESHOLDS", "balance", "classify",
           "jobs_housing_ratio"]


#: Default band of the jobs–housing ratio counted as balanced (inclusive).
DEFAULT_THRESHOLDS: tuple[float, float] = (0.8, 1.2)



#: Balance classes: English key (column ``class``) → Chinese display text (``class_zh``).
CLASS_ZH: dict[str, str] = {
    "housing_dominated": "居住主导",
    "balanced": "平衡",
    "jobs_dominated": "就业主导",
    "empty": "无就业无居住",
}



#: The class keys in display order.
CLASSES: tuple[str, ...] = tuple(CLASS_ZH)



def classify(
    ratio: Any, *, thresholds: tuple[float, float] = DEFAULT_THRESHOLDS
) -> np.ndarray:
    """Balance class of jobs–housing ratios.

    Parameters
    ----------
    ratio : array-like of float
        Jobs per resident worker (or per dwelling).  ``inf`` (jobs, no workers)
        is job-dominated; ``NaN`` (neither) is ``"empty"``.
    thresholds : (float, float)
        ``(low, high)``: ``ratio < low`` → ``housing_dominated`` (居住主导),
        ``low <= ratio <= high`` → ``balanced`` (平衡), ``ratio > high`` →
        ``jobs_dominated`` (就业主导).

    Returns
    -------
    numpy.ndarray of str
        Keys of :data:`CLASS_ZH`.
    """
    low, high = _thresholds(thresholds)
    r = np.asarray(ratio, dtype="float64")
    out = np.full(r.shape, "empty", dtype=object)
    out[r < low] = "housing_dominated"
    out[(r >= low) & (r <= high)] = "balanced"
    out[r > high] = "jobs_dominated"
    return out



def jobs_housing_ratio(jobs: Any, workers: Any) -> np.ndarray:
    """The jobs–housing ratio (职住比) ``jobs / workers`` — the one place zjgis computes it.

    Parameters
    ----------
    jobs, workers : array-like of float
        Jobs and resident workers (or dwellings) per zone, counts.

    Returns
    -------
    numpy.ndarray of float
        ``jobs / workers``; ``inf`` with jobs but no workers; ``NaN`` when both are 0.

    Examples
    --------
    >>> jobs_housing_ratio([120, 50, 5, 0], [100, 100, 0, 0]).tolist()
    [1.2, 0.5, inf, nan]
    """
    j = np.asarray(jobs, dtype="float64")
    w = np.asarray(workers, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w > 0, j / np.where(w > 0, w, 1), np.where(j > 0, np.inf, np.nan))


def _thresholds(thresholds: Sequence[float]) -> tuple[float, float]:
    try:
        low, high = (float(t) for t in thresholds)
    except (TypeError, ValueError):
        msg = f"thresholds must be two numbers (low, high), got {thresholds!r}"
        raise ValidationError(msg) from None
    if not (0 < low < high < math.inf):
        msg = f"thresholds must satisfy 0 < low < high, got {thresholds!r}"
        raise ValidationError(msg)
    return low, high



def _aggregate_points(points: Any, zones: Any, count: str, role: str) -> np.ndarray:
    """Sum ``points[count]`` per zone (by zone position) with one vectorised spatial join."""
    import geopandas as gpd

    label = f"{role} points"
    require_columns(points, [count], label)
    require_crs(zones, "zones")
    require_same_crs(points, zones, label, "zones")
    zgeom = gpd.GeoDataFrame(geometry=np.asarray(zones.geometry.values), crs=zones.crs)
    if _is_dask(points):
        _import_dask()
        import dask
        import dask_geopandas

        small = points[[count, points.geometry.name]]
        joined = dask_geopandas.sjoin(small, zgeom, how="inner", predicate="intersects")
        per_zone, n_neg, total, n_na = dask.compute(
            joined.groupby("index_right")[count].sum(),
            (small[count] < 0).sum(),
            small[count].sum(),
            small[count].isna().sum(),
        )
        if n_neg or n_na:
            msg = (f"{label}: column {count!r} has {int(n_neg)} negative and {int(n_na)} "
                   "missing value(s); counts must be non-negative numbers")
            raise ValidationError(msg)
        sums: np.ndarray = np.zeros(len(zones))
        sums[per_zone.index.to_numpy(dtype=int)] = per_zone.to_numpy(dtype="float64")
        joined_total = float(sums.sum())
        if joined_total > float(total) * (1 + 1e-9):
            warnings.warn(
                f"{label}: points on shared boundaries or in overlapping zones were counted "
                f"more than once ({joined_total:,.0f} joined vs {float(total):,.0f} in "
                "total); make the zones a partition or pass a pandas frame (which keeps "
                "the first zone)", DataQualityWarning, stacklevel=3)
        elif joined_total < float(total) * (1 - 1e-9):
            warnings.warn(
                f"{label}: {float(total) - joined_total:,.0f} of {float(total):,.0f} "
                f"{role} lie outside every zone and are not counted",
                DataQualityWarning, stacklevel=3)
        return sums

    geom_types = set(points.geometry.geom_type.dropna().unique())
    if not geom_types <= {"Point"}:
        msg = (f"{label}: expected Point geometries, found {', '.join(sorted(geom_types))}; "
               "use .representative_point() for polygons (e.g. residential compounds)")
        raise GeometryError(msg)
    require_finite_coords(points, label)
    require_lonlat_range(points, label)
    _refuse_bad_geometry(points, label, what="point(s)",
                         why=f"their {role} could not be placed in a zone: give them "
                             f"coordinates or drop them")
    values = _counts(points[count], f"column {count!r}", label)
    pts = gpd.GeoDataFrame({"_value": values}, geometry=np.asarray(points.geometry.values),
                           crs=points.crs)
    joined = gpd.sjoin(pts, zgeom, how="left", predicate="intersects")
    dup = joined.index.duplicated(keep="first")
    if dup.any():
        n_dup = int(pd.Index(joined.index[dup]).nunique())
        warnings.warn(
            f"{label}: {n_dup} point(s) lie in more than one zone (shared boundary or "
            "overlapping zones); each is counted once, in the first zone",
            DataQualityWarning, stacklevel=3)
        joined = joined[~dup]
    outside = joined["index_right"].isna().to_numpy()
    if outside.any():
        lost = float(joined["_value"].to_numpy()[outside].sum())
        warnings.warn(
            f"{label}: {int(outside.sum())} point(s) holding {lost:,.0f} {role} "
            f"({lost / max(values.sum(), 1e-12):.1%}) lie outside every zone and are not "
            "counted", DataQualityWarning, stacklevel=3)
    inside = joined[~outside]
    sums = np.bincount(inside["index_right"].to_numpy(dtype=int),
                       weights=inside["_value"].to_numpy(), minlength=len(zones))
    log.info("aggregated %d %s points into %d zones", len(points), role, len(zones))
    return sums



def _resolve_counts(zones: Any, spec: Any, role: str) -> np.ndarray:
    """Counts per zone from a column name, a point layer or (point layer, column)."""
    if isinstance(spec, str):
        require_columns(zones, [spec], "zones")
        return _counts(zones[spec], f"column {spec!r}", "zones")
    if isinstance(spec, tuple) and len(spec) == 2:
        points, column = spec
        return _aggregate_points(points, zones, column, role)
    if hasattr(spec, "geometry"):
        for column in (role, "count"):
            if column in spec.columns:
                return _aggregate_points(spec, zones, column, role)
        msg = (f"{role} points have no {role!r} or 'count' column; pass ({role}_points, "
               f"'column_with_counts') to say which column holds the number of {role}")
        raise ValidationError(msg)
    msg = (f"{role} must be a column name of zones, a point GeoDataFrame or "
           f"(points, count_column); got {type(spec).__name__}")
    raise ValidationError(msg)



def balance(
    zones: Any,
    *,
    jobs: Any,
    workers: Any = None,
    housing: Any = None,
    by: str | None = None,
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS,
) -> Any:
    r"""Jobs, resident workers, jobs–housing ratio, balance index and class per zone.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame or pandas.DataFrame
        The zones (streets/towns, industrial communities …).  A plain
        DataFrame is enough when every count is a column.
    jobs : str, GeoDataFrame or (GeoDataFrame, str)
        Jobs (就业岗位, persons employed at the workplace).  A column of
        ``zones``; or a point layer (firms) whose counts are summed per zone
        by a spatial join — its column ``jobs`` or ``count``, or the column
        named in the tuple form.  Point layers may be ``dask_geopandas``
        frames.  Counts must be non-negative.
    workers : str, GeoDataFrame or (GeoDataFrame, str), optional
        Resident workers (居住就业人口, employed persons living in the zone),
        in the same forms.  Preferred denominator of the ratio.
    housing : str, GeoDataFrame or (GeoDataFrame, str), optional
        Dwellings (住房套数), e.g. residential compounds (小区) with their
        dwelling counts.  The denominator when ``workers`` is not given
        (ratio = jobs per dwelling); otherwise reported alongside.
    by : str, optional
        Column of ``zones`` to aggregate by (e.g. ``street_town`` of the
        industrial communities, ``zone`` of the axis zones): counts are summed
        per group and geometries dissolved.  The result is then indexed by
        the group values.
    thresholds : (float, float)
        ``(low, high)`` band of the ratio counted as balanced, inclusive;
        default ``(0.8, 1.2)``.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        A copy of ``zones`` (same index, unless ``by``) with columns
        ``jobs``, ``workers`` and/or ``dwellings`` (counts), ``ratio`` (jobs
        per worker or per dwelling; ``inf`` with jobs but no workers; ``NaN``
        when both are 0), ``balance_index`` (0–1, 1 = balanced), ``class``
        (``housing_dominated`` / ``balanced`` / ``jobs_dominated`` /
        ``empty``) and ``class_zh`` (居住主导 / 平衡 / 就业主导 / 无就业无居住).
        ``attrs``: ``ratio_basis``, ``thresholds``.

    Raises
    ------
    ValidationError
        Missing columns, negative, missing or non-numeric counts, bad thresholds.
    CRSError
        Point layers without a CRS or in another CRS than the zones.
    GeometryError
        A point layer holds non-point geometries.

    Warns
    -----
    DataQualityWarning
        Points outside every zone or in several zones; zones with neither jobs
        nor workers (class ``empty``).

    Notes
    -----
    With jobs :math:`J` and resident workers :math:`W` of a zone,

    .. math:: r = J / W, \\qquad B = 1 - \\frac{|J - W|}{J + W}

    :math:`B` is symmetric (swapping jobs and workers leaves it unchanged),
    1 when :math:`J = W` and 0 when one side is empty; :math:`B = 2\\min(r,
    1/r)/(1 + \\min(r, 1/r))`, so the default band 0.8–1.2 corresponds to
    :math:`B \\ge 0.889` (0.8) and :math:`B \\ge 0.909` (1.2).  The 0.8–1.2
    band is a common planning convention (e.g. Cervero 1989 discusses
    jobs–housing ratios; Chinese planning studies use 0.8–1.2 for 职住平衡);
    it is a default, not a standard — pass ``thresholds=`` to use another.
    With dwellings instead of workers the ratio is jobs per dwelling and the
    band should be chosen accordingly (a dwelling houses more than one worker
    on average).

    Examples
    --------
    >>> import pandas as pd
    >>> z = pd.DataFrame({"jobs": [120, 50], "workers": [100, 100]}, index=["a", "b"])
    >>> out = balance(z, jobs="jobs", workers="workers")
    >>> out["ratio"].tolist(), out["class"].tolist()
    ([1.2, 0.5], ['balanced', 'housing_dominated'])
    >>> out["balance_index"].round(4).tolist()
    [0.9091, 0.6667]

    References
    ----------
    Cervero, R. (1989). Jobs-housing balancing and regional mobility.
    *Journal of the American Planning Association* 55(2), 136–150.
    """
    if workers is None and housing is None:
        msg = "balance() needs workers= (resident workers) or housing= (dwellings)"
        raise ValidationError(msg)
    low_high = _thresholds(thresholds)
    _check_zone_geometry(zones)
    if by is not None:
        require_columns(zones, [by], "zones")
    out = zones.copy()
    j = _resolve_counts(zones, jobs, "jobs")
    w = _resolve_counts(zones, workers, "workers") if workers is not None else None
    h = _resolve_counts(zones, housing, "dwellings") if housing is not None else None
    out["jobs"] = j
    if w is not None:
        out["workers"] = w
    if h is not None:
        out["dwellings"] = h
    counts = [c for c in ("jobs", "workers", "dwellings") if c in out.columns]
    if by is not None:
        grouped = out.groupby(by, sort=True)[counts].sum()
        if hasattr(zones, "geometry") and hasattr(zones, "dissolve"):
            geo = zones[[by, zones.geometry.name]].dissolve(by=by)
            out = geo.join(grouped)
        else:
            out = grouped
    denom_col = "workers" if "workers" in out.columns else "dwellings"
    jj = out["jobs"].to_numpy(dtype="float64")
    dd = out[denom_col].to_numpy(dtype="float64")
    ratio = jobs_housing_ratio(jj, dd)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = jj + dd
        index = np.where(total > 0, 1.0 - np.abs(jj - dd) / np.where(total > 0, total, 1),
                         np.nan)
    out["ratio"] = ratio
    out["balance_index"] = index
    cls = classify(ratio, thresholds=low_high)
    out["class"] = cls
    out["class_zh"] = [CLASS_ZH[c] for c in cls]
    empty = cls == "empty"
    if empty.any():
        labels = list(out.index[empty])
        warnings.warn(
            f"{int(empty.sum())} zone(s) have neither jobs nor {denom_col}: {listing(labels)}; "
            "their ratio and balance index are NaN (class 'empty')",
            DataQualityWarning, stacklevel=2)
    out.attrs = dict(zones.attrs)
    out.attrs["ratio_basis"] = f"jobs/{denom_col}"
    out.attrs["thresholds"] = low_high
    counts_by_class = pd.Series(cls).value_counts().to_dict()
    log.info("balance of %d zones (%s): %s", len(out), out.attrs["ratio_basis"],
             ", ".join(f"{k} {v}" for k, v in counts_by_class.items()))
    return out

