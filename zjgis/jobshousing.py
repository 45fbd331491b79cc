"""Job–housing balance (职住平衡): ratios, commutes and excess commuting.

The science city's action plan names job–housing separation (职住分离) as a
problem to solve.  This module answers four questions a planner asks of each
street/town (街镇) or industrial community (产业社区):

* **Is the zone job- or housing-dominated?** :func:`balance` — jobs, resident
  workers (or dwellings), the jobs–housing ratio, a symmetric balance index
  and a class 居住主导 / 平衡 / 就业主导.
* **How far do people commute?** :func:`commute` — from an origin–destination
  table (home zone, work zone, count, e.g. mobile-signalling aggregates
  手机信令): self-containment, job self-sufficiency, mean and median commute,
  and the distribution of commute lengths.
* **How far would they have to, at best and at worst?**
  :func:`excess_commuting` — the theoretical minimum and maximum commute
  (the transportation problem, solved exactly), excess commuting and
  commuting potential utilised, with the optimal flows.
* **What would a project change?** :func:`scenario` — add or remove jobs or
  dwellings in a zone and see the ratio, class and theoretical minimum move.

Zones are identified by a column (``zone_id=``) or by the index; OD tables
have one row per (home zone, work zone) pair or per person, with configurable
column names.  Costs are metres (straight line between zone centroids in
:data:`zjgis.crs.METRIC`, see :func:`cost_matrix`) or any square matrix of
commute costs (network metres, minutes …) built elsewhere — e.g. with
``zjgis.network`` or a travel-time model — and passed as a DataFrame.

Scale: :func:`aggregate_od`, :func:`commute` and the point aggregation of
:func:`balance` accept dask (``dask.dataframe`` / ``dask_geopandas``)
frames and then run out-of-core or on a dask cluster; install the ``scale``
extra (``pip install 'zjgis[scale]'``).  The aggregated OD table has at most
one row per pair of zones, so everything after the aggregation is in memory.

Bad input is never turned into silent wrong numbers: negative or missing
counts, OD zones that are not in the zone layer, costs missing for a used
pair raise :class:`~zjgis.errors.ValidationError`; totals that disagree and
zones without jobs or workers give a :class:`~zjgis.errors.DataQualityWarning`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from zjgis import crs as _crs
from zjgis._data import data_path
from zjgis._log import get_logger
from zjgis._validate import require_columns, require_crs, require_same_crs
from zjgis.errors import (
    CRSError,
    DataQualityWarning,
    GeometryError,
    SampleDataWarning,
    ValidationError,
    ZjgisError,
)

__all__ = [
    "CLASSES",
    "CLASS_ZH",
    "COLUMNS_ZH",
    "DEFAULT_THRESHOLDS",
    "balance",
    "classify",
    "aggregate_od",
    "cost_matrix",
    "commute",
    "CommuteResult",
    "excess_commuting",
    "ExcessCommuting",
    "minimum_commute",
    "MinimumCommute",
    "scenario",
    "ScenarioResult",
    "flow_lines",
    "analyse",
    "JobsHousingReport",
    "load_sample",
    "SAMPLE_DIR",
]

log = get_logger(__name__)

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

#: Chinese display headers of every column this module produces (Excel report, maps).
COLUMNS_ZH: dict[str, str] = {
    "zone": "分区",
    "name": "名称",
    "jobs": "就业岗位",
    "workers": "居住就业人口",
    "dwellings": "住房套数",
    "ratio": "职住比",
    "balance_index": "职住平衡指数",
    "class": "类别(键)",
    "class_zh": "职住类别",
    "workers_resident": "居住地通勤人数",
    "jobs_filled": "工作地通勤人数",
    "internal": "本区内通勤人数",
    "self_containment": "居住自足率",
    "job_self_sufficiency": "就业自足率",
    "home": "居住地",
    "work": "工作地",
    "count": "人数",
    "cost": "通勤成本",
    "lower": "下限",
    "upper": "上限",
    "label": "区间",
    "share": "占比",
    "cumulative_share": "累计占比",
    "metric": "指标",
    "metric_zh": "指标(中文)",
    "value": "数值",
    "unit": "单位",
    "formula": "公式",
    "accuracy": "数据精度",
    "jobs_before": "现状岗位",
    "jobs_after": "方案岗位",
    "workers_before": "现状居住就业人口",
    "workers_after": "方案居住就业人口",
    "ratio_before": "现状职住比",
    "ratio_after": "方案职住比",
    "class_before": "现状类别(键)",
    "class_after": "方案类别(键)",
    "class_zh_before": "现状类别",
    "class_zh_after": "方案类别",
    "class_changed": "类别是否变化",
}

#: Where the generated sample (``scripts/make_sample_jobshousing.py``) lives.
SAMPLE_DIR = data_path("sample_jobshousing")

_DISK_MEAN = 128.0 / (45.0 * math.pi)  # mean distance of two random points in a unit disk
_DEFAULT_BINS_M = (0.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 15_000.0, 20_000.0, 30_000.0,
                   math.inf)
_DEFAULT_BINS_MIN = (0.0, 15.0, 30.0, 45.0, 60.0, 90.0, math.inf)
_MAX_LISTED = 5


# --------------------------------------------------------------------------- helpers


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


def _listing(values: Sequence[Any]) -> str:
    shown = ", ".join(map(str, values[:_MAX_LISTED]))
    more = len(values) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


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
        msg = f"{name}: duplicate zone ids in {zone_id or 'the index'} — {_listing(dup)}"
        raise ValidationError(msg)
    return ids


def _check_counts(values: pd.Series, what: str, name: str) -> np.ndarray:
    """Return counts as float64; raise on non-numeric, missing or negative values."""
    numeric = pd.to_numeric(values, errors="coerce")
    bad_na = numeric.isna() & values.notna()
    if bad_na.any():
        labels = list(values.index[bad_na.to_numpy()])
        msg = f"{name}: {what} is not numeric in row(s) {_listing(labels)}"
        raise ValidationError(msg, pd.DataFrame({"feature": labels, "reason": "not numeric"}))
    if numeric.isna().any():
        labels = list(values.index[numeric.isna().to_numpy()])
        msg = (f"{name}: {what} is missing in {len(labels)} row(s) — {_listing(labels)}; "
               "fill them (0 if there truly are none) before the analysis")
        raise ValidationError(msg, pd.DataFrame({"feature": labels, "reason": "missing"}))
    arr = numeric.to_numpy(dtype="float64")
    if not np.isfinite(arr).all():
        labels = list(values.index[~np.isfinite(arr)])
        msg = f"{name}: {what} is infinite in row(s) {_listing(labels)}"
        raise ValidationError(msg, pd.DataFrame({"feature": labels, "reason": "infinite"}))
    neg = arr < 0
    if neg.any():
        labels = list(values.index[neg])
        shown = [f"{lab} ({arr[i]:g})" for lab, i in zip(labels, np.nonzero(neg)[0])]
        msg = f"{name}: {what} must not be negative — {len(labels)} row(s): {_listing(shown)}"
        raise ValidationError(msg, pd.DataFrame({"feature": labels, "reason": "negative"}))
    return arr


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


# --------------------------------------------------------------------------- balance


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
        sums = np.zeros(len(zones))
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
    values = _check_counts(points[count], f"column {count!r}", label)
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
        return _check_counts(zones[spec], f"column {spec!r}", "zones")
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
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(dd > 0, jj / np.where(dd > 0, dd, 1), np.where(jj > 0, np.inf, np.nan))
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
            f"{int(empty.sum())} zone(s) have neither jobs nor {denom_col}: {_listing(labels)}; "
            "their ratio and balance index are NaN (class 'empty')",
            DataQualityWarning, stacklevel=2)
    out.attrs = dict(zones.attrs)
    out.attrs["ratio_basis"] = f"jobs/{denom_col}"
    out.attrs["thresholds"] = low_high
    counts_by_class = pd.Series(cls).value_counts().to_dict()
    log.info("balance of %d zones (%s): %s", len(out), out.attrs["ratio_basis"],
             ", ".join(f"{k} {v}" for k, v in counts_by_class.items()))
    return out


# --------------------------------------------------------------------------- OD tables


def aggregate_od(
    od: Any,
    *,
    home: str = "home",
    work: str = "work",
    count: str | None = "count",
) -> pd.DataFrame:
    """Sum an OD table to one row per (home zone, work zone) pair.

    Parameters
    ----------
    od : pandas.DataFrame or dask.dataframe.DataFrame
        Origin–destination records: one row per pair or per person (e.g.
        mobile-signalling home/work detections, 手机信令).  A dask frame is
        aggregated out-of-core (or on the active dask cluster); only the
        aggregate (at most zones² rows) is brought into memory.
    home, work : str
        Columns with the home (residence) zone id and the work zone id.
    count : str or None
        Column with the number of commuters of each row (may be fractional
        expansion weights); ``None`` counts each row as one commuter.

    Returns
    -------
    pandas.DataFrame
        Columns ``home``, ``work``, ``count`` (float64), sorted by home and
        work, with a fresh RangeIndex; pairs with zero total are dropped.

    Raises
    ------
    ValidationError
        Missing columns; missing zone ids; negative, missing or non-numeric counts.
    """
    columns = [home, work] + ([count] if count is not None else [])
    require_columns(od, columns, "OD table")
    if _is_dask(od):
        dask = _import_dask()
        frame = od[columns]
        if count is None:
            frame = frame.assign(_count=1.0)
            cname = "_count"
        else:
            cname = count
            frame = frame.assign(**{cname: frame[cname].astype("float64")})
        agg, n_neg, n_na_count, n_na_ids, n_rows = dask.compute(
            frame.groupby([home, work])[cname].sum(),
            (frame[cname] < 0).sum(),
            frame[cname].isna().sum(),
            (frame[home].isna() | frame[work].isna()).sum(),
            frame.shape[0],
        )
        if n_na_ids:
            msg = f"OD table: {int(n_na_ids)} row(s) have no {home} or {work} zone id"
            raise ValidationError(msg)
        if n_neg or n_na_count:
            msg = (f"OD table: column {count!r} has {int(n_neg)} negative and "
                   f"{int(n_na_count)} missing value(s); counts must be non-negative numbers")
            raise ValidationError(msg)
        out = agg.reset_index()
        out.columns = ["home", "work", "count"]
    else:
        ids_na = od[home].isna() | od[work].isna()
        if ids_na.any():
            labels = list(od.index[ids_na.to_numpy()])
            msg = (f"OD table: {len(labels)} row(s) have no {home} or {work} zone id — "
                   f"{_listing(labels)}")
            raise ValidationError(msg)
        values = (np.ones(len(od)) if count is None
                  else _check_counts(od[count], f"column {count!r}", "OD table"))
        n_rows = len(od)
        frame = pd.DataFrame({"home": od[home].to_numpy(), "work": od[work].to_numpy(),
                              "count": values})
        out = frame.groupby(["home", "work"], sort=False, observed=True)["count"].sum()
        out = out.reset_index()
    out = out[out["count"] > 0].sort_values(["home", "work"], kind="stable")
    out = out.reset_index(drop=True)
    out["count"] = out["count"].astype("float64")
    log.info("aggregated %s OD rows into %d zone pairs (%s commuters)", f"{int(n_rows):,}",
             len(out), f"{out['count'].sum():,.0f}")
    return out


def _check_od_zones(
    agg: pd.DataFrame, ids: pd.Index, *, missing: str, name: str = "zone layer"
) -> pd.DataFrame:
    """Raise (or warn and drop) when OD zone ids are not in ``ids``."""
    if missing not in ("raise", "drop"):
        msg = f"missing must be 'raise' or 'drop', got {missing!r}"
        raise ValidationError(msg)
    bad = ~agg["home"].isin(ids) | ~agg["work"].isin(ids)
    if not bad.any():
        return agg
    unknown = pd.Index(pd.concat([agg.loc[~agg["home"].isin(ids), "home"],
                                  agg.loc[~agg["work"].isin(ids), "work"]]).unique())
    trips = float(agg.loc[bad, "count"].sum())
    total = float(agg["count"].sum())
    hint = ""
    od_kind = agg["home"].dtype
    if not agg["home"].isin(ids).any() and od_kind != ids.dtype:
        hint = (f"; the OD ids are {od_kind} but the zone ids are {ids.dtype} — "
                "convert one of them (e.g. .astype(str))")
    text = (f"{unknown.size} zone id(s) of the OD table are not in the {name}: "
            f"{_listing(list(unknown))} ({trips:,.0f} of {total:,.0f} commuters, "
            f"{trips / max(total, 1e-12):.1%}){hint}")
    if missing == "raise":
        problems = pd.DataFrame({"feature": list(unknown), "reason": f"not in the {name}"})
        msg = text + "; fix the ids or pass missing='drop' to leave those trips out"
        raise ValidationError(msg, problems)
    warnings.warn(text + "; those trips are left out (missing='drop')", DataQualityWarning,
                  stacklevel=3)
    return agg[~bad].reset_index(drop=True)


# --------------------------------------------------------------------------- costs


def cost_matrix(
    zones: Any,
    *,
    zone_id: str | None = None,
    method: Literal["euclidean", "network"] = "euclidean",
    graph: Any = None,
    weight: str = "length",
    intrazonal: Literal["disk", "zero"] | float = "disk",
) -> pd.DataFrame:
    r"""Square matrix of commute costs between zone centroids.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Zones with a CRS (polygons, or points).
    zone_id : str, optional
        Column with the zone ids; default the index.
    method : {"euclidean", "network"}
        ``"euclidean"``: straight-line metres between centroids, planar in
        :data:`zjgis.crs.METRIC` (UTM 51N).  ``"network"``: shortest-path
        cost on ``graph`` between the graph nodes nearest to each centroid
        (Dijkstra, :func:`scipy.sparse.csgraph.dijkstra`), plus the straight
        access and egress legs to those nodes when ``weight == "length"``.
    graph : networkx.Graph, optional
        Road graph for ``method="network"``, osmnx-style: nodes with ``x``,
        ``y`` in a projected CRS in metres (``graph.graph["crs"]``), edges with
        the ``weight`` attribute.  Build it with ``zjgis.network`` or osmnx
        (project it with ``osmnx.project_graph``); this module does not import
        ``zjgis.network``.  For travel times from another model, pass your own
        matrix to :func:`commute` instead.
    weight : str
        Edge attribute used as cost (``"length"`` in metres, or e.g.
        ``"travel_time"`` in seconds).
    intrazonal : {"disk", "zero"} or float
        Cost of commuting within a zone (the diagonal).  ``"disk"`` (default):
        the mean distance between two random points of a disk with the zone's
        area, :math:`\\frac{128}{45\\pi}\\sqrt{A/\\pi} \\approx 0.511\\sqrt{A}`;
        ``"zero"``; or a constant in the cost's units.

    Returns
    -------
    pandas.DataFrame
        Rows = home zones, columns = work zones (both the zone ids), float64,
        metres for ``euclidean`` and network ``length``.  Unreachable pairs are
        ``inf``.

    Raises
    ------
    CRSError
        Zones or graph without a CRS; a graph in degrees.
    ValidationError
        Duplicate zone ids, unknown ``method`` or ``intrazonal``.

    Notes
    -----
    Using the zone centroid is the usual zonal approximation; its error grows
    with zone size (Hamilton 1982 noted the zonal effect on the minimum
    commute).  The disk formula is the exact mean distance for two points
    drawn uniformly from a disk (e.g. Ghosh 1951).
    """
    ids = _zone_ids(zones, zone_id)
    require_crs(zones, "zones")
    metric = _crs.to_metric(zones.geometry, name="zones")
    cent = metric.centroid
    xy = np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])
    area = metric.area.to_numpy()
    if method == "euclidean":
        from scipy.spatial.distance import cdist

        c = cdist(xy, xy)
    elif method == "network":
        c = _network_costs(zones, graph, weight)
    else:
        msg = f"method must be 'euclidean' or 'network', got {method!r}"
        raise ValidationError(msg)
    if isinstance(intrazonal, str):
        if intrazonal == "disk":
            diag = _DISK_MEAN * np.sqrt(area / math.pi)
        elif intrazonal == "zero":
            diag = np.zeros(len(ids))
        else:
            msg = f"intrazonal must be 'disk', 'zero' or a number, got {intrazonal!r}"
            raise ValidationError(msg)
    else:
        diag = np.full(len(ids), float(intrazonal))
    np.fill_diagonal(c, diag)
    out = pd.DataFrame(c, index=ids, columns=ids)
    out.index.name, out.columns.name = "home", "work"
    out.attrs["unit"] = "m" if (method == "euclidean" or weight == "length") else weight
    out.attrs["method"] = method
    return out


def _network_costs(zones: Any, graph: Any, weight: str) -> np.ndarray:
    """Shortest-path costs between the graph nodes nearest to the zone centroids."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    if graph is None:
        msg = ("cost='network' needs graph= (a road graph with node x/y and edge lengths, "
               "e.g. from zjgis.network or osmnx) — or pass a precomputed cost matrix")
        raise ValidationError(msg)
    gcrs = graph.graph.get("crs")
    if gcrs is None:
        msg = "the road graph has no CRS (graph.graph['crs']); set it to the CRS of x/y"
        raise CRSError(msg)
    import pyproj

    gcrs = pyproj.CRS.from_user_input(gcrs)
    if not gcrs.is_projected:
        msg = (f"the road graph is in {gcrs.to_string()} (degrees); project it to metres first "
               "(osmnx.project_graph(G, to_crs='EPSG:32651'))")
        raise CRSError(msg)
    nodes = list(graph.nodes)
    if not nodes:
        msg = "the road graph has no nodes"
        raise ValidationError(msg)
    pos = {n: i for i, n in enumerate(nodes)}
    try:
        nxy = np.array([[graph.nodes[n]["x"], graph.nodes[n]["y"]] for n in nodes], dtype=float)
    except KeyError:
        msg = "every node of the road graph needs 'x' and 'y' coordinates"
        raise ValidationError(msg) from None
    rows, cols, vals = [], [], []
    for u, v, data in graph.edges(data=True):
        if weight not in data:
            msg = f"edge ({u}, {v}) of the road graph has no {weight!r} attribute"
            raise ValidationError(msg)
        rows.append(pos[u])
        cols.append(pos[v])
        vals.append(float(data[weight]))
    n = len(nodes)
    r, c, w = np.asarray(rows), np.asarray(cols), np.asarray(vals)
    if not graph.is_directed():
        r, c, w = np.concatenate([r, c]), np.concatenate([c, r]), np.concatenate([w, w])
    # keep the cheapest of parallel edges: sort by cost, drop later duplicates
    order = np.lexsort((w, c, r))
    r, c, w = r[order], c[order], w[order]
    keep = np.ones(len(r), dtype=bool)
    keep[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    csr = coo_matrix((w[keep], (r[keep], c[keep])), shape=(n, n)).tocsr()
    cent = zones.geometry.to_crs(gcrs).centroid
    cxy = np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])
    snap, nearest = cKDTree(nxy).query(cxy)
    uniq, inv = np.unique(nearest, return_inverse=True)
    dist = dijkstra(csr, directed=True, indices=uniq)[:, uniq]
    cost = dist[np.ix_(inv, inv)]
    if weight == "length":
        cost = cost + snap[:, None] + snap[None, :]
    log.info("network costs between %d zones on a graph of %d nodes", len(zones), n)
    return cost


def _cost_from(
    cost: Any, zones: Any, ids: pd.Index, *, zone_id: str | None, graph: Any,
    intrazonal: Any,
) -> pd.DataFrame:
    if isinstance(cost, pd.DataFrame):
        return cost
    if isinstance(cost, str) and cost in ("euclidean", "network"):
        if not hasattr(zones, "geometry"):
            msg = f"cost={cost!r} needs zones with geometry; or pass a cost matrix DataFrame"
            raise ValidationError(msg)
        return cost_matrix(zones, zone_id=zone_id, method=cost, graph=graph,
                           intrazonal=intrazonal)
    msg = ("cost must be 'euclidean', 'network' (with graph=) or a square DataFrame of costs "
           f"indexed by zone id; got {type(cost).__name__}")
    raise ValidationError(msg)


def _pair_costs(cost: pd.DataFrame, home: np.ndarray, work: np.ndarray) -> np.ndarray:
    """Cost of each (home, work) pair; raise naming pairs that have no finite cost."""
    rows = cost.index.get_indexer(home)
    cols = cost.columns.get_indexer(work)
    miss_r = np.unique(home[rows < 0])
    miss_c = np.unique(work[cols < 0])
    if miss_r.size or miss_c.size:
        msg = (f"the cost matrix lacks zone(s) used by the OD table: rows (home) "
               f"{_listing(list(miss_r)) or 'none'}; columns (work) "
               f"{_listing(list(miss_c)) or 'none'}")
        raise ValidationError(msg)
    values = cost.to_numpy(dtype="float64")[rows, cols]
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        pairs = [f"{h}→{w}" for h, w in zip(home[bad], work[bad])]
        msg = (f"the cost matrix has no finite non-negative cost for {int(bad.sum())} pair(s) "
               f"with commuters: {_listing(pairs)} (unreachable in the network?)")
        raise ValidationError(msg)
    return values


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Smallest value whose cumulative weight share reaches ``q`` (lower weighted quantile)."""
    if weights.sum() <= 0:
        return math.nan
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    k = int(np.searchsorted(cum, q * cum[-1] * (1 - 1e-12), side="left"))
    return float(v[min(k, len(v) - 1)])


# --------------------------------------------------------------------------- commute


@dataclass
class CommuteResult:
    """What :func:`commute` returns.

    Attributes
    ----------
    zones : pandas.DataFrame
        One row per zone, aligned with the input zones' index; columns
        ``zone``, ``workers_resident``, ``jobs_filled``, ``internal``,
        ``self_containment``, ``job_self_sufficiency``,
        ``mean_commute_<unit>``, ``median_commute_<unit>`` (of the zone's
        residents) and ``mean_commute_in_<unit>`` (of the zone's workers).
    overall : pandas.Series
        ``commuters``, ``internal``, ``self_containment``, ``mean_<unit>``,
        ``median_<unit>``, ``p25_<unit>``, ``p75_<unit>``, ``p90_<unit>``.
    distribution : pandas.DataFrame
        Commute lengths in bins: ``lower``, ``upper``, ``label``, ``count``,
        ``share``, ``cumulative_share``.
    od : pandas.DataFrame
        Aggregated OD (``home``, ``work``, ``count``, ``cost``), largest first.
    cost : pandas.DataFrame
        The cost matrix used (reuse it in :func:`excess_commuting`).
    unit : str
        Unit of the costs (``"m"`` for metres).
    """

    zones: pd.DataFrame
    overall: pd.Series
    distribution: pd.DataFrame
    od: pd.DataFrame
    cost: pd.DataFrame
    unit: str = "m"


def commute(
    od: Any,
    zones: Any,
    *,
    cost: Literal["euclidean", "network"] | pd.DataFrame = "euclidean",
    zone_id: str | None = None,
    home: str = "home",
    work: str = "work",
    count: str | None = "count",
    graph: Any = None,
    unit: str | None = None,
    bins: Sequence[float] | None = None,
    intrazonal: Literal["disk", "zero"] | float = "disk",
    missing: Literal["raise", "drop"] = "raise",
    jobs: str | None = None,
    workers: str | None = None,
    tolerance: float = 0.05,
) -> CommuteResult:
    r"""Self-containment, job self-sufficiency and commute lengths from an OD table.

    Parameters
    ----------
    od : pandas.DataFrame or dask.dataframe.DataFrame
        Origin–destination table (see :func:`aggregate_od`); dask frames are
        aggregated out-of-core / on the active cluster.
    zones : geopandas.GeoDataFrame or pandas.DataFrame
        The zones; every zone id of the OD table must be one of them.  Needs
        geometry unless ``cost`` is a matrix.
    cost : "euclidean", "network" or pandas.DataFrame
        ``"euclidean"``: straight-line metres between centroids in
        :data:`zjgis.crs.METRIC`; ``"network"``: shortest paths on ``graph``
        (see :func:`cost_matrix`); a DataFrame: a precomputed square matrix
        (rows home, columns work, indexed by zone id), e.g. network distances
        from ``zjgis.network`` or travel minutes from a transport model.
    zone_id : str, optional
        Column of ``zones`` with the ids used in the OD table; default the index.
    home, work, count : str
        OD column names; ``count=None`` counts rows.
    graph : networkx.Graph, optional
        Road graph for ``cost="network"``.
    unit : str, optional
        Unit of the costs, used in column names (``mean_commute_m``); default
        ``"m"``, or ``cost.attrs["unit"]`` of a matrix that carries one.
    bins : sequence of float, optional
        Bin edges of the commute distribution in cost units; default 0, 1, 2,
        5, 10, 15, 20, 30 km, ∞ for metres and 0, 15, 30, 45, 60, 90 min, ∞
        for minutes.
    intrazonal : {"disk", "zero"} or float
        Diagonal of computed cost matrices (see :func:`cost_matrix`).
    missing : {"raise", "drop"}
        What to do with OD zone ids that are not in ``zones``: raise a
        ValidationError (default) or drop those trips with a warning.
    jobs, workers : str, optional
        Columns of ``zones`` with jobs and resident workers from another
        source (census, enterprise register): compared with the OD totals.
    tolerance : float
        Relative difference between those totals and the OD totals above which
        a DataQualityWarning is given (default 5 %).

    Returns
    -------
    CommuteResult
        Per-zone table aligned with ``zones``' index, overall figures, the
        distribution, the aggregated OD with costs and the cost matrix.

    Raises
    ------
    ValidationError
        Negative/missing counts, OD zones not in the zone layer, costs missing
        for a used pair, duplicate zone ids.

    Warns
    -----
    DataQualityWarning
        Totals differing from ``jobs``/``workers`` by more than ``tolerance``;
        dropped trips (``missing="drop"``).

    Notes
    -----
    With :math:`T_{ij}` commuters living in zone *i* and working in *j*,
    :math:`O_i = \\sum_j T_{ij}`, :math:`D_j = \\sum_i T_{ij}`:

    * self-containment :math:`SC_i = T_{ii} / O_i` — share of the zone's
      resident workers who work in the zone (居住自足率);
    * job self-sufficiency :math:`JS_i = T_{ii} / D_j|_{j=i}` — share of the
      zone's jobs held by its residents (就业自足率);
    * mean commute of residents :math:`\\bar c_i = \\sum_j T_{ij} c_{ij} / O_i`;
      medians and quantiles are lower weighted quantiles over commuters.

    Overall self-containment is :math:`\\sum_i T_{ii} / \\sum_{ij} T_{ij}`.
    Zone-level costs ignore where in the zone people live and work (zonal
    effect); intrazonal trips get the ``intrazonal`` cost.
    """
    ids = _zone_ids(zones, zone_id)
    agg = aggregate_od(od, home=home, work=work, count=count)
    agg = _check_od_zones(agg, ids, missing=missing)
    cmat = _cost_from(cost, zones, ids, zone_id=zone_id, graph=graph, intrazonal=intrazonal)
    unit = unit or cmat.attrs.get("unit") or "m"
    h = agg["home"].to_numpy()
    w = agg["work"].to_numpy()
    t = agg["count"].to_numpy()
    c = _pair_costs(cmat, h, w)
    hpos = ids.get_indexer(h)
    wpos = ids.get_indexer(w)
    n = len(ids)
    o = np.bincount(hpos, weights=t, minlength=n)
    d = np.bincount(wpos, weights=t, minlength=n)
    internal = np.bincount(hpos, weights=t * (hpos == wpos), minlength=n)
    tc_home = np.bincount(hpos, weights=t * c, minlength=n)
    tc_work = np.bincount(wpos, weights=t * c, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(o > 0, internal / np.where(o > 0, o, 1), np.nan)
        js = np.where(d > 0, internal / np.where(d > 0, d, 1), np.nan)
        mean_home = np.where(o > 0, tc_home / np.where(o > 0, o, 1), np.nan)
        mean_work = np.where(d > 0, tc_work / np.where(d > 0, d, 1), np.nan)
    # weighted medians per home zone, vectorised: sort by (zone, cost), cumulative shares
    order = np.lexsort((c, hpos))
    hs, cs, ts = hpos[order], c[order], t[order]
    cum = np.cumsum(ts)
    start_cum = np.concatenate([[0.0], cum])[np.searchsorted(hs, np.arange(n), side="left")]
    within = cum - start_cum[hs]
    reached = within >= 0.5 * o[hs] * (1 - 1e-12)
    median_home = np.full(n, np.nan)
    first = np.ones(len(hs), dtype=bool)
    first[1:] = ~((hs[1:] == hs[:-1]) & reached[:-1])  # first row of each zone reaching 50 %
    pick = reached & first
    median_home[hs[pick]] = cs[pick]
    table = pd.DataFrame(
        {
            "zone": ids.to_numpy(),
            "workers_resident": o,
            "jobs_filled": d,
            "internal": internal,
            "self_containment": sc,
            "job_self_sufficiency": js,
            f"mean_commute_{unit}": mean_home,
            f"median_commute_{unit}": median_home,
            f"mean_commute_in_{unit}": mean_work,
        },
        index=zones.index,
    )
    total = float(t.sum())
    overall = pd.Series(
        {
            "commuters": total,
            "internal": float(internal.sum()),
            "self_containment": float(internal.sum()) / total if total else math.nan,
            f"mean_{unit}": float((t * c).sum() / total) if total else math.nan,
            f"median_{unit}": _weighted_quantile(c, t, 0.5),
            f"p25_{unit}": _weighted_quantile(c, t, 0.25),
            f"p75_{unit}": _weighted_quantile(c, t, 0.75),
            f"p90_{unit}": _weighted_quantile(c, t, 0.9),
        },
        name="overall",
    )
    edges = np.asarray(bins if bins is not None else
                       (_DEFAULT_BINS_MIN if unit in ("min", "minutes") else _DEFAULT_BINS_M),
                       dtype="float64")
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        msg = f"bins must be increasing edges, got {list(edges)}"
        raise ValidationError(msg)
    which = np.searchsorted(edges, c, side="right") - 1
    inside = (which >= 0) & (which < len(edges) - 1)
    counts = np.bincount(which[inside], weights=t[inside], minlength=len(edges) - 1)
    share = counts / total if total else np.full(len(counts), np.nan)
    dist = pd.DataFrame(
        {
            "lower": edges[:-1],
            "upper": edges[1:],
            "label": [_bin_label(lo, hi, unit) for lo, hi in zip(edges[:-1], edges[1:])],
            "count": counts,
            "share": share,
            "cumulative_share": np.cumsum(share),
        }
    )
    od_out = agg.assign(cost=c).sort_values("count", ascending=False, kind="stable")
    od_out = od_out.reset_index(drop=True)
    _compare_totals(zones, table, jobs=jobs, workers=workers, tolerance=tolerance)
    log.info("commute: %s commuters in %d zones, self-containment %.1f%%, mean %.0f %s",
             f"{total:,.0f}", n, 100 * overall["self_containment"], overall[f"mean_{unit}"],
             unit)
    return CommuteResult(table, overall, dist, od_out, cmat, unit)


def _bin_label(lo: float, hi: float, unit: str) -> str:
    if unit == "m":
        a, b, u = lo / 1000, hi / 1000, "km"
    else:
        a, b, u = lo, hi, unit
    if math.isinf(b):
        return f"≥{a:g} {u}"
    return f"{a:g}–{b:g} {u}"


def _compare_totals(
    zones: Any, table: pd.DataFrame, *, jobs: str | None, workers: str | None, tolerance: float
) -> None:
    for column, od_col, what in ((workers, "workers_resident", "resident workers"),
                                 (jobs, "jobs_filled", "jobs")):
        if column is None:
            continue
        require_columns(zones, [column], "zones")
        ref = _check_counts(zones[column], f"column {column!r}", "zones")
        got = table[od_col].to_numpy()
        tot_ref, tot_od = float(ref.sum()), float(got.sum())
        rel = (tot_od - tot_ref) / tot_ref if tot_ref else math.inf
        with np.errstate(divide="ignore", invalid="ignore"):
            zrel = np.where(ref > 0, (got - ref) / np.where(ref > 0, ref, 1),
                            np.where(got > 0, np.inf, 0.0))
        off = np.abs(zrel) > tolerance
        if abs(rel) > tolerance or off.any():
            worst = np.argsort(-np.abs(zrel))[: min(_MAX_LISTED, int(off.sum()))]
            detail = ", ".join(f"{table['zone'].iloc[i]} ({zrel[i]:+.0%})" for i in worst)
            warnings.warn(
                f"OD {what} ({tot_od:,.0f}) differ from zones[{column!r}] ({tot_ref:,.0f}) by "
                f"{rel:+.1%} overall; {int(off.sum())} zone(s) differ by more than "
                f"{tolerance:.0%}: {detail}. The OD table may be a sample, cover other "
                "commuters or another year — scale it or check the sources",
                DataQualityWarning, stacklevel=3)


# --------------------------------------------------------------------------- transport problem


def _solve_transport(
    supply: np.ndarray,
    demand: np.ndarray,
    cost: np.ndarray,
    *,
    maximize: bool = False,
    solver: str = "emd",
    max_iter: int = 100_000_000,
) -> np.ndarray:
    """Exact transportation problem; returns the flow matrix (supply × demand).

    Unequal totals are balanced with a dummy row or column at zero cost, so the
    surplus stays unassigned.  Integer supplies and demands give integer flows
    (a vertex of the transportation polytope); this is verified.
    """
    supply = np.asarray(supply, dtype="float64")
    demand = np.asarray(demand, dtype="float64")
    cost = np.asarray(cost, dtype="float64")
    s_tot, d_tot = supply.sum(), demand.sum()
    scale = max(s_tot, d_tot, 1.0)
    m, n = len(supply), len(demand)
    a, b, c = supply, demand, cost
    if maximize:
        c = (c.max() if c.size else 0.0) - c  # maximise Σ x c == minimise Σ x (cmax − c)
    if abs(s_tot - d_tot) > 1e-9 * scale:
        if s_tot > d_tot:
            b = np.append(b, s_tot - d_tot)
            c = np.column_stack([c, np.zeros(m)])
        else:
            a = np.append(a, d_tot - s_tot)
            c = np.vstack([c, np.zeros(n)])
    if solver == "emd":
        import ot

        g, info = ot.emd(a, b, c, numItermax=max_iter, log=True)
        if info.get("result_code") != 1:
            msg = (f"the network simplex (ot.emd) did not reach the optimum: "
                   f"{info.get('warning')}; raise max_iter")
            raise ZjgisError(msg)
    elif solver == "linprog":
        g = _linprog_transport(a, b, c)
    else:
        msg = f"solver must be 'emd' or 'linprog', got {solver!r}"
        raise ValidationError(msg)
    g = np.asarray(g)[:m, :n]
    integer = bool(np.all(supply == np.rint(supply)) and np.all(demand == np.rint(demand)))
    if integer:
        r = np.rint(g)
        if np.abs(g - r).max(initial=0.0) > 1e-6 * max(1.0, scale) ** 0.5:
            msg = "the transport solver returned non-integer flows for integer counts (bug)"
            raise ZjgisError(msg)
        g = r
        rows, cols = g.sum(axis=1), g.sum(axis=0)
        ok = (np.all(rows == supply) if s_tot <= d_tot else np.all(rows <= supply)) and (
            np.all(cols == demand) if d_tot <= s_tot else np.all(cols <= demand))
        if not ok or g.sum() != min(s_tot, d_tot):
            msg = "rounded optimal flows do not reproduce the marginals (solver failure)"
            raise ZjgisError(msg)
    return g


def _linprog_transport(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Transportation problem with scipy's HiGHS dual simplex (vertex solution)."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, vstack

    m, n = c.shape
    idx = np.arange(m * n)
    rows = csr_matrix((np.ones(m * n), (idx // n, idx)), shape=(m, m * n))
    cols = csr_matrix((np.ones(m * n), (idx % n, idx)), shape=(n, m * n))
    res = linprog(c.ravel(), A_eq=vstack([rows, cols]).tocsr(), b_eq=np.concatenate([a, b]),
                  bounds=(0, None), method="highs-ds")
    if res.status != 0:
        msg = f"scipy linprog failed: {res.message}"
        raise ZjgisError(msg)
    return res.x.reshape(m, n)


@dataclass
class MinimumCommute:
    """Theoretical minimum (or maximum) commute given workers and jobs per zone.

    Attributes
    ----------
    mean : float
        Mean cost per assigned worker (cost units).
    total : float
        Total cost of the optimal assignment.
    assigned : float
        Workers assigned to jobs, ``min(Σ workers, Σ jobs)``.
    unassigned_workers, unassigned_jobs : float
        The surplus side when totals differ (workers who must commute out of
        the area, vacant jobs); their commute is not counted.
    flows : pandas.DataFrame
        Optimal flows ``home``, ``work``, ``count``, ``cost`` (non-zero only).
    """

    mean: float
    total: float
    assigned: float
    unassigned_workers: float
    unassigned_jobs: float
    flows: pd.DataFrame


def minimum_commute(
    workers: pd.Series,
    jobs: pd.Series,
    cost: pd.DataFrame,
    *,
    maximize: bool = False,
    solver: Literal["emd", "linprog"] = "emd",
) -> MinimumCommute:
    r"""Theoretical minimum (or maximum) commute: the transportation problem.

    Parameters
    ----------
    workers : pandas.Series
        Resident workers per zone, indexed by zone id (non-negative).
    jobs : pandas.Series
        Jobs per zone, indexed by zone id (non-negative).
    cost : pandas.DataFrame
        Square cost matrix, rows home, columns work, indexed by zone id.
    maximize : bool
        Solve for the theoretical maximum instead.
    solver : {"emd", "linprog"}
        ``"emd"``: POT's network simplex (default, fast and exact);
        ``"linprog"``: scipy's HiGHS dual simplex (slow; for cross-checks).

    Returns
    -------
    MinimumCommute

    Raises
    ------
    ValidationError
        Negative counts, zones missing from ``cost``, non-finite or negative
        costs between zones with workers and jobs.

    Notes
    -----
    Minimise :math:`\\sum_{ij} c_{ij} x_{ij}` subject to
    :math:`\\sum_j x_{ij} = W_i`, :math:`\\sum_i x_{ij} = J_j`,
    :math:`x_{ij} \\ge 0` (Hitchcock's transportation problem; White 1988).
    When :math:`\\sum W \\ne \\sum J` the larger side gets ``≤`` constraints
    (a zero-cost dummy zone): only :math:`\\min(\\sum W, \\sum J)` workers are
    assigned and the mean is over them.  Zones with no workers (no jobs) are
    dropped from the rows (columns) before solving.
    """
    w = pd.Series(_check_counts(workers, "workers", "workers"), index=workers.index)
    j = pd.Series(_check_counts(jobs, "jobs", "jobs"), index=jobs.index)
    w, j = w[w > 0], j[j > 0]
    missing_r = w.index.difference(cost.index)
    missing_c = j.index.difference(cost.columns)
    if len(missing_r) or len(missing_c):
        msg = (f"the cost matrix lacks zone(s): rows {_listing(list(missing_r)) or 'none'}; "
               f"columns {_listing(list(missing_c)) or 'none'}")
        raise ValidationError(msg)
    c = cost.loc[w.index, j.index].to_numpy(dtype="float64")
    bad = ~np.isfinite(c) | (c < 0)
    if bad.any():
        r_i, c_i = np.nonzero(bad)
        pairs = [f"{w.index[a]}→{j.index[b]}" for a, b in zip(r_i, c_i)]
        msg = (f"the cost matrix has {int(bad.sum())} missing, infinite or negative cost(s) "
               f"between zones with workers and jobs: {_listing(pairs)}")
        raise ValidationError(msg)
    g = _solve_transport(w.to_numpy(), j.to_numpy(), c, maximize=maximize, solver=solver)
    total = float((g * c).sum())
    assigned = float(g.sum())
    r_i, c_i = np.nonzero(g)
    flows = pd.DataFrame({"home": w.index.to_numpy()[r_i], "work": j.index.to_numpy()[c_i],
                          "count": g[r_i, c_i], "cost": c[r_i, c_i]})
    return MinimumCommute(
        mean=total / assigned if assigned else math.nan,
        total=total,
        assigned=assigned,
        unassigned_workers=float(w.sum()) - assigned,
        unassigned_jobs=float(j.sum()) - assigned,
        flows=flows,
    )


@dataclass
class ExcessCommuting:
    """Result of :func:`excess_commuting` (mean costs per commuter, in ``unit``).

    Attributes
    ----------
    observed : float
        Observed mean commute :math:`T_{obs}`.
    minimum : float
        Theoretical minimum mean commute :math:`T_{min}`.
    maximum : float
        Theoretical maximum mean commute :math:`T_{max}`.
    random : float
        Mean commute if workers took jobs at random, :math:`T_{rand}`.
    excess_pct : float
        Excess commuting, % (Hamilton 1982; White 1988).
    cpu : float
        Commuting potential utilised, % (Horner 2002).
    commuting_economy : float
        Commuting economy, % (Murphy & Killen 2011).
    normalised_commuting_economy : float
        Normalised commuting economy, % (Murphy & Killen 2011).
    commuters : float
        Number of commuters :math:`N`.
    flows : pandas.DataFrame
        Optimal (minimum) flows ``home``, ``work``, ``count``, ``cost``.
    flows_max : pandas.DataFrame
        Flows of the theoretical maximum.
    unit : str
        Unit of the costs.
    solver : str
        Solver used.
    """

    observed: float
    minimum: float
    maximum: float
    random: float
    excess_pct: float
    cpu: float
    commuting_economy: float
    normalised_commuting_economy: float
    commuters: float
    flows: pd.DataFrame
    flows_max: pd.DataFrame = field(repr=False)
    unit: str = "m"
    solver: str = "emd"

    def to_frame(self) -> pd.DataFrame:
        """The figures as a table: ``metric``, ``metric_zh``, ``value``, ``unit``, ``formula``."""
        u = self.unit
        rows = [
            ("commuters", "通勤人数", self.commuters, "persons", "N = Σ T_ij"),
            ("observed", "实际平均通勤", self.observed, u, "T_obs = Σ T_ij c_ij / N"),
            ("minimum", "理论最小平均通勤", self.minimum, u, "T_min: min Σ x_ij c_ij / N"),
            ("maximum", "理论最大平均通勤", self.maximum, u, "T_max: max Σ x_ij c_ij / N"),
            ("random", "随机分配平均通勤", self.random, u, "T_rand = Σ O_i D_j c_ij / N²"),
            ("excess_pct", "过剩通勤率", self.excess_pct, "%",
             "100 (T_obs − T_min) / T_obs"),
            ("cpu", "通勤潜力利用率", self.cpu, "%",
             "100 (T_obs − T_min) / (T_max − T_min)"),
            ("commuting_economy", "通勤经济性", self.commuting_economy, "%",
             "100 (T_rand − T_obs) / T_rand"),
            ("normalised_commuting_economy", "标准化通勤经济性",
             self.normalised_commuting_economy, "%",
             "100 (T_rand − T_obs) / (T_rand − T_min)"),
        ]
        return pd.DataFrame(rows, columns=["metric", "metric_zh", "value", "unit", "formula"])


def _ratio_pct(num: float, den: float) -> float:
    return 100.0 * num / den if den > 0 else math.nan


def excess_commuting(
    od: Any,
    cost: pd.DataFrame,
    *,
    home: str = "home",
    work: str = "work",
    count: str | None = "count",
    unit: str | None = None,
    solver: Literal["emd", "linprog"] = "emd",
) -> ExcessCommuting:
    r"""Observed, minimum and maximum commute; excess commuting and commuting potential used.

    Parameters
    ----------
    od : pandas.DataFrame or dask.dataframe.DataFrame
        OD table with columns ``home``, ``work``, ``count`` (names configurable).
    cost : pandas.DataFrame
        Square matrix of commute costs indexed by zone id, rows home and
        columns work — metres (:func:`cost_matrix`, network distances) or
        minutes.  ``CommuteResult.cost`` from :func:`commute` fits.
    home, work, count : str
        OD column names; ``count=None`` counts rows.
    unit : str, optional
        Unit of the costs for display; default ``cost.attrs["unit"]`` or ``"m"``.
    solver : {"emd", "linprog"}
        Exact solver of the transportation problem, see Notes.

    Returns
    -------
    ExcessCommuting
        ``observed``, ``minimum``, ``maximum``, ``random`` (mean cost per
        commuter), ``excess_pct``, ``cpu``, ``commuting_economy``,
        ``normalised_commuting_economy`` (%), ``flows`` (optimal minimum
        flows; integer when the counts are), ``flows_max``;
        ``.to_frame()`` tabulates them.

    Raises
    ------
    ValidationError
        Negative/missing counts; OD zones missing from ``cost``; missing,
        infinite or negative costs between zones with commuters.

    Notes
    -----
    With :math:`T_{ij}` commuters, :math:`O_i = \\sum_j T_{ij}` (workers living
    in *i*), :math:`D_j = \\sum_i T_{ij}` (jobs filled in *j*),
    :math:`N = \\sum_{ij} T_{ij}` and costs :math:`c_{ij}`:

    * :math:`T_{obs} = \\frac1N \\sum_{ij} T_{ij} c_{ij}`;
    * :math:`T_{min} = \\frac1N \\min_x \\sum_{ij} x_{ij} c_{ij}` s.t.
      :math:`\\sum_j x_{ij} = O_i, \\sum_i x_{ij} = D_j, x \\ge 0` — the
      transportation problem (White 1988; Hamilton 1982 estimated it from
      density gradients); :math:`T_{max}` the same with max (Horner 2002);
    * :math:`T_{rand} = \\frac1{N^2} \\sum_{ij} O_i D_j c_{ij}`, the expected
      commute when jobs are taken at random (Murphy & Killen 2011);
    * excess commuting :math:`E = 100\\,(T_{obs} - T_{min}) / T_{obs}`;
    * commuting potential utilised
      :math:`C_u = 100\\,(T_{obs} - T_{min}) / (T_{max} - T_{min})`
      (Horner 2002);
    * commuting economy :math:`CE = 100\\,(T_{rand} - T_{obs}) / T_{rand}` and
      normalised commuting economy
      :math:`NCE = 100\\,(T_{rand} - T_{obs}) / (T_{rand} - T_{min})`
      (Murphy & Killen 2011).

    **Solvers.**  The transportation problem is a min-cost flow on a complete
    bipartite graph.  POT's ``ot.emd`` (default) is a C++ network simplex made
    for exactly this: the minimum and maximum for 1,000 × 1,000 zones take
    ≈ 0.4 s together on a 2-core machine, 5,000 × 5,000 ≈ 15 s and 1.9 GB peak
    (``benchmarks/bench_jobshousing.py``).  On one 200 × 200 instance it took
    0.012 s against 0.5 s for scipy's ``linprog`` (HiGHS dual simplex,
    ``solver="linprog"``; exact too, but a generic sparse LP with m·n columns
    whose time grows much faster — the issue reports ≈ 75 s at 1,000 zones)
    and 0.95 s for networkx's ``min_cost_flow`` (pure Python, integer costs
    only; ≈ 5 s at 1,000 zones), which is the independent check in the tests.
    A network simplex returns a vertex of the transportation polytope, and
    with integer :math:`O_i, D_j` every vertex is integral (the constraint
    matrix is totally unimodular): ``ot.emd`` returns floats, so flows are
    rounded with ``np.rint`` and the rounding is verified (exact marginals)
    before being returned.

    Examples
    --------
    Two zones, costs in minutes; 12 commuters:

    >>> import pandas as pd
    >>> cost = pd.DataFrame([[1.0, 10.0], [10.0, 2.0]], index=["A", "B"], columns=["A", "B"])
    >>> od = pd.DataFrame({"home": ["A", "A", "B", "B"], "work": ["A", "B", "A", "B"],
    ...                    "count": [2, 3, 1, 6]})
    >>> r = excess_commuting(od, cost, unit="min")
    >>> round(r.observed, 3), round(r.minimum, 3), round(r.maximum, 3)
    (4.5, 3.083, 7.333)
    >>> round(r.excess_pct, 1), round(r.cpu, 1)
    (31.5, 33.3)
    >>> r.flows[["home", "work", "count"]].values.tolist()
    [['A', 'A', 3.0], ['A', 'B', 2.0], ['B', 'B', 7.0]]

    References
    ----------
    Hamilton, B. W. (1982). Wasteful commuting. *Journal of Political Economy*
    90(5), 1035–1053.
    White, M. J. (1988). Urban commuting journeys are not "wasteful".
    *Journal of Political Economy* 96(5), 1097–1110.
    Horner, M. W. (2002). Extensions to the concept of excess commuting.
    *Environment and Planning A* 34(3), 543–566.
    Murphy, E., & Killen, J. E. (2011). Commuting economy: an alternative
    approach for assessing regional commuting efficiency. *Urban Studies*
    48(6), 1255–1272.
    """
    agg = aggregate_od(od, home=home, work=work, count=count)
    if not len(agg):
        msg = "OD table has no commuters"
        raise ValidationError(msg)
    unit = unit or cost.attrs.get("unit") or "m"
    h, w, t = agg["home"].to_numpy(), agg["work"].to_numpy(), agg["count"].to_numpy()
    c = _pair_costs(cost, h, w)
    n_tot = float(t.sum())
    observed = float((t * c).sum()) / n_tot
    o = agg.groupby("home")["count"].sum()
    d = agg.groupby("work")["count"].sum()
    lo = minimum_commute(o, d, cost, solver=solver)
    hi = minimum_commute(o, d, cost, maximize=True, solver=solver)
    sub = cost.loc[o.index, d.index].to_numpy(dtype="float64")
    rand = float(o.to_numpy() @ sub @ d.to_numpy()) / n_tot**2
    t_min, t_max = lo.mean, hi.mean
    result = ExcessCommuting(
        observed=observed,
        minimum=t_min,
        maximum=t_max,
        random=rand,
        excess_pct=_ratio_pct(observed - t_min, observed),
        cpu=_ratio_pct(observed - t_min, t_max - t_min),
        commuting_economy=_ratio_pct(rand - observed, rand),
        normalised_commuting_economy=_ratio_pct(rand - observed, rand - t_min),
        commuters=n_tot,
        flows=lo.flows,
        flows_max=hi.flows,
        unit=unit,
        solver=solver,
    )
    log.info("excess commuting: observed %.0f, minimum %.0f, maximum %.0f %s; excess %.1f%%, "
             "CPU %.1f%%", observed, t_min, t_max, unit, result.excess_pct, result.cpu)
    return result


# --------------------------------------------------------------------------- scenario


@dataclass
class ScenarioResult:
    """Result of :func:`scenario`.

    Attributes
    ----------
    zones : pandas.DataFrame
        Per zone (input index): ``zone``, ``jobs_before``, ``jobs_after``,
        ``workers_before``, ``workers_after``, ``ratio_before``,
        ``ratio_after``, ``class_before``, ``class_after``, ``class_zh_before``,
        ``class_zh_after``, ``class_changed``.
    summary : pandas.Series
        Totals and the theoretical minimum mean commute before and after:
        ``jobs_before``, ``jobs_after``, ``workers_before``, ``workers_after``,
        ``minimum_before``, ``minimum_after``, ``minimum_change``,
        ``minimum_change_pct``, ``unassigned_before``, ``unassigned_after``,
        ``zones_changed_class``.
    minimum_before, minimum_after : MinimumCommute
        The two optimal assignments.
    unit : str
        Unit of the costs.
    """

    zones: pd.DataFrame
    summary: pd.Series
    minimum_before: MinimumCommute
    minimum_after: MinimumCommute
    unit: str = "m"


def scenario(
    zones: Any,
    *,
    changes: Mapping[Any, Mapping[str, float]] | pd.DataFrame,
    cost: Literal["euclidean"] | pd.DataFrame = "euclidean",
    jobs: str = "jobs",
    workers: str = "workers",
    zone_id: str | None = None,
    workers_per_dwelling: float | None = None,
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS,
    solver: Literal["emd", "linprog"] = "emd",
) -> ScenarioResult:
    """Add or remove jobs or dwellings in zones and see ratio, class and minimum commute change.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame or pandas.DataFrame
        Zones with columns of jobs and resident workers (e.g. the output of
        :func:`balance`).
    changes : mapping or pandas.DataFrame
        ``{zone_id: {"jobs": +3000, "dwellings": +1200}}`` or a DataFrame with
        a ``zone`` column and any of ``jobs``, ``workers``, ``dwellings``
        (signed changes; negative removes).  Several rows for one zone add up.
    cost : "euclidean" or pandas.DataFrame
        Commute costs between zones (see :func:`cost_matrix`).
    jobs, workers : str
        Columns of ``zones`` with jobs and resident workers.
    zone_id : str, optional
        Column with zone ids; default the index.
    workers_per_dwelling : float, optional
        Resident workers per new dwelling, required when ``changes`` has
        dwellings (e.g. from the local household survey; no default because
        it differs between talent apartments and family housing).
    thresholds : (float, float)
        Balance band of the ratio, as in :func:`balance`.
    solver : {"emd", "linprog"}
        Transport solver, as in :func:`excess_commuting`.

    Returns
    -------
    ScenarioResult

    Raises
    ------
    ValidationError
        Unknown zones in ``changes``; unknown change keys; dwellings without
        ``workers_per_dwelling``; a change that leaves negative jobs or workers.

    Notes
    -----
    The theoretical minimum mean commute is that of :func:`minimum_commute`
    on the zones' workers and jobs (not on an OD table).  If jobs and workers
    totals differ, the surplus (vacant jobs, or workers who must find work
    outside the area) is left unassigned and the mean is over assigned
    workers; ``summary`` reports how many.  A new project mostly changes the
    minimum when it adds the scarce side near the other: housing beside a
    job-dominated zone lowers it, more jobs there raise it.
    """
    ids = _zone_ids(zones, zone_id)
    require_columns(zones, [jobs, workers], "zones")
    j0 = _check_counts(zones[jobs], f"column {jobs!r}", "zones")
    w0 = _check_counts(zones[workers], f"column {workers!r}", "zones")
    delta = _changes_table(changes, ids, workers_per_dwelling)
    j1 = j0 + delta["jobs"].to_numpy()
    w1 = w0 + delta["workers"].to_numpy()
    for arr, what in ((j1, "jobs"), (w1, "workers")):
        if (arr < 0).any():
            bad = [f"{ids[i]} ({arr[i]:,.0f})" for i in np.nonzero(arr < 0)[0]]
            msg = f"the scenario leaves negative {what} in zone(s) {_listing(bad)}"
            raise ValidationError(msg)
    cmat = _cost_from(cost, zones, ids, zone_id=zone_id, graph=None, intrazonal="disk")
    unit = cmat.attrs.get("unit") or "m"
    with np.errstate(divide="ignore", invalid="ignore"):
        r0 = np.where(w0 > 0, j0 / np.where(w0 > 0, w0, 1), np.where(j0 > 0, np.inf, np.nan))
        r1 = np.where(w1 > 0, j1 / np.where(w1 > 0, w1, 1), np.where(j1 > 0, np.inf, np.nan))
    c0 = classify(r0, thresholds=thresholds)
    c1 = classify(r1, thresholds=thresholds)
    table = pd.DataFrame(
        {
            "zone": ids.to_numpy(),
            "jobs_before": j0, "jobs_after": j1,
            "workers_before": w0, "workers_after": w1,
            "ratio_before": r0, "ratio_after": r1,
            "class_before": c0, "class_after": c1,
            "class_zh_before": [CLASS_ZH[c] for c in c0],
            "class_zh_after": [CLASS_ZH[c] for c in c1],
            "class_changed": c0 != c1,
        },
        index=zones.index,
    )
    m0 = minimum_commute(pd.Series(w0, index=ids), pd.Series(j0, index=ids), cmat,
                         solver=solver)
    m1 = minimum_commute(pd.Series(w1, index=ids), pd.Series(j1, index=ids), cmat,
                         solver=solver)
    summary = pd.Series(
        {
            "jobs_before": float(j0.sum()), "jobs_after": float(j1.sum()),
            "workers_before": float(w0.sum()), "workers_after": float(w1.sum()),
            f"minimum_before_{unit}": m0.mean, f"minimum_after_{unit}": m1.mean,
            f"minimum_change_{unit}": m1.mean - m0.mean,
            "minimum_change_pct": _ratio_pct(m1.mean - m0.mean, m0.mean),
            "unassigned_before": m0.unassigned_workers + m0.unassigned_jobs,
            "unassigned_after": m1.unassigned_workers + m1.unassigned_jobs,
            "zones_changed_class": int(table["class_changed"].sum()),
        },
        name="scenario",
    )
    log.info("scenario: %d zone(s) changed; minimum commute %.0f → %.0f %s",
             int((delta != 0).any(axis=1).sum()), m0.mean, m1.mean, unit)
    return ScenarioResult(table, summary, m0, m1, unit)


def _changes_table(
    changes: Any, ids: pd.Index, workers_per_dwelling: float | None
) -> pd.DataFrame:
    if isinstance(changes, pd.DataFrame):
        require_columns(changes, ["zone"], "changes")
        frame = changes.copy()
    elif isinstance(changes, Mapping):
        frame = pd.DataFrame([{"zone": z, **dict(v)} for z, v in changes.items()])
    else:
        msg = "changes must be a mapping {zone: {'jobs': ..., 'dwellings': ...}} or a DataFrame"
        raise ValidationError(msg)
    allowed = {"zone", "jobs", "workers", "dwellings", "name", "note"}
    unknown = [c for c in frame.columns if c not in allowed]
    if unknown:
        msg = (f"changes: unknown key(s) {', '.join(map(str, unknown))}; use jobs, workers "
               "or dwellings")
        raise ValidationError(msg)
    bad = ~frame["zone"].isin(ids)
    if bad.any():
        msg = f"changes name zone(s) not in the zones: {_listing(list(frame.loc[bad, 'zone']))}"
        raise ValidationError(msg)
    for col in ("jobs", "workers", "dwellings"):
        if col not in frame.columns:
            frame[col] = 0.0
        frame[col] = pd.to_numeric(frame[col], errors="coerce").fillna(0.0)
    if (frame["dwellings"] != 0).any():
        if workers_per_dwelling is None or not workers_per_dwelling > 0:
            msg = ("changes add or remove dwellings: pass workers_per_dwelling= (resident "
                   "workers per dwelling, from a local survey) to turn them into workers")
            raise ValidationError(msg)
        frame["workers"] = frame["workers"] + frame["dwellings"] * float(workers_per_dwelling)
    per_zone = frame.groupby("zone")[["jobs", "workers"]].sum()
    return per_zone.reindex(ids, fill_value=0.0)


def flow_lines(
    od: pd.DataFrame,
    zones: Any,
    *,
    zone_id: str | None = None,
    home: str = "home",
    work: str = "work",
    count: str = "count",
    top: int | None = 30,
    internal: bool = False,
) -> Any:
    """Straight lines from home-zone to work-zone centroids for the largest OD pairs.

    Parameters
    ----------
    od : pandas.DataFrame
        OD table (e.g. ``CommuteResult.od`` or ``ExcessCommuting.flows``).
    zones : geopandas.GeoDataFrame
        The zones, with a CRS.
    zone_id : str, optional
        Column with the zone ids; default the index.
    home, work, count : str
        OD column names.
    top : int or None
        Keep the ``top`` largest pairs (None keeps all).
    internal : bool
        Keep pairs within one zone (drawn as zero-length lines) — default False.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``home``, ``work``, ``count`` (+ other OD columns), and
        ``accuracy`` when the zones carry one (attrs or a uniform column);
        LineString geometry in the zones' CRS (centroids computed in
        :data:`zjgis.crs.METRIC`); ``attrs`` copies ``accuracy``, ``source``,
        ``licence`` of the zones and sets ``title_zh``/``title_en``.
    """
    import geopandas as gpd
    import shapely

    ids = _zone_ids(zones, zone_id)
    require_crs(zones, "zones")
    agg = od.rename(columns={home: "home", work: "work", count: "count"})
    agg = _check_od_zones(agg, ids, missing="raise")
    if not internal:
        agg = agg[agg["home"] != agg["work"]]
    agg = agg.sort_values("count", ascending=False, kind="stable")
    if top is not None:
        agg = agg.head(int(top))
    cent = _crs.to_metric(zones.geometry, name="zones").centroid.to_crs(zones.crs)
    xy = np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])
    a = xy[ids.get_indexer(agg["home"].to_numpy())]
    b = xy[ids.get_indexer(agg["work"].to_numpy())]
    coords = np.stack([a, b], axis=1)
    lines = shapely.linestrings(coords) if len(coords) else []
    out = gpd.GeoDataFrame(agg.reset_index(drop=True), geometry=lines, crs=zones.crs)
    out.attrs = {k: zones.attrs[k] for k in ("accuracy", "source", "licence") if k in zones.attrs}
    out.attrs.update(title_zh="主要通勤流", title_en="Largest commuting flows",
                     layer="commute_flows")
    accuracy = zones.attrs.get("accuracy")
    if accuracy is None and "accuracy" in zones.columns:
        values = pd.unique(zones["accuracy"].astype(str))
        accuracy = values[0] if len(values) == 1 else None
    if accuracy is not None and "accuracy" not in out.columns:
        out["accuracy"] = accuracy
        out.attrs["accuracy"] = accuracy
    return out


# --------------------------------------------------------------------------- one-call report


@dataclass
class JobsHousingReport:
    """Everything :func:`analyse` computes, ready for an Excel report or a map.

    Attributes
    ----------
    balance : pandas.DataFrame
        Output of :func:`balance` (geometry kept when the zones have one).
    commute : CommuteResult
    excess : ExcessCommuting
    accuracy : str
        Accuracy class of the inputs (``"sample"`` for the generated sample).
    """

    balance: Any
    commute: CommuteResult
    excess: ExcessCommuting
    accuracy: str = "unknown"

    def tables(self, *, name: str | None = None) -> dict[str, pd.DataFrame]:
        """Tables with Chinese headers, one per Excel sheet (sheet name → frame).

        Parameters
        ----------
        name : str, optional
            Column of the zones with display names, copied next to the zone id.
        """
        unit = self.commute.unit
        zh = dict(COLUMNS_ZH)
        zh.update({
            f"mean_commute_{unit}": f"居民平均通勤({unit})",
            f"median_commute_{unit}": f"居民通勤中位数({unit})",
            f"mean_commute_in_{unit}": f"就业者平均通勤({unit})",
            "cost": f"通勤成本({unit})",
        })
        bal = self.balance
        if hasattr(bal, "_geometry_column_name") and bal._geometry_column_name in bal.columns:
            bal = pd.DataFrame(bal.drop(columns=bal._geometry_column_name))
        keep = [c for c in ("jobs", "workers", "dwellings", "ratio", "balance_index", "class",
                            "class_zh") if c in bal.columns]
        front = [c for c in (name,) if c and c in bal.columns]
        zones_tab = self.commute.zones.copy()
        bal_tab = bal[front + keep].copy()
        bal_tab.insert(0, "zone", zones_tab["zone"].to_numpy())
        if name and name in bal.columns:
            zones_tab.insert(1, name, bal[name].to_numpy())
        acc = self.accuracy
        bal_tab["accuracy"] = acc
        zones_tab["accuracy"] = acc
        overall = self.commute.overall.rename_axis("metric").reset_index(name="value")
        overall["metric_zh"] = overall["metric"].map(_overall_zh(unit))
        overall = overall[["metric", "metric_zh", "value"]]
        overall["accuracy"] = acc
        excess = self.excess.to_frame()
        excess["accuracy"] = acc
        flows = self.commute.od.head(200).copy()
        flows["accuracy"] = acc
        optimal = self.excess.flows.sort_values("count", ascending=False).copy()
        optimal["accuracy"] = acc
        dist = self.commute.distribution.copy()
        dist["accuracy"] = acc
        note = pd.DataFrame({
            "item": ["数据精度", "说明", "职住比口径", "平衡区间", "通勤成本单位", "求解器"],
            "value": [
                acc,
                ("样例数据：由 scripts/make_sample_jobshousing.py 以重力模型生成，非统计数据，"
                 "不得作为事实引用" if acc == "sample" else "见输入数据来源"),
                str(getattr(self.balance, "attrs", {}).get("ratio_basis", "")),
                str(getattr(self.balance, "attrs", {}).get("thresholds", "")),
                unit,
                f"{self.excess.solver} (精确解)",
            ],
        })
        sheets = {
            "说明": note.rename(columns={"item": "项目", "value": "内容"}),
            "职住平衡": bal_tab,
            "通勤分区统计": zones_tab,
            "通勤总体": overall,
            "通勤距离分布": dist,
            "过剩通勤": excess,
            "主要通勤流": flows,
            "最优通勤流": optimal,
        }
        return {k: v.rename(columns=lambda c: zh.get(c, c)).reset_index(drop=True)
                for k, v in sheets.items()}


def _overall_zh(unit: str) -> dict[str, str]:
    return {
        "commuters": "通勤人数", "internal": "本区内通勤人数", "self_containment": "居住自足率",
        f"mean_{unit}": f"平均通勤({unit})", f"median_{unit}": f"通勤中位数({unit})",
        f"p25_{unit}": f"25%分位通勤({unit})", f"p75_{unit}": f"75%分位通勤({unit})",
        f"p90_{unit}": f"90%分位通勤({unit})",
    }


def analyse(
    zones: Any,
    od: Any,
    *,
    jobs: Any = "jobs",
    workers: Any = "workers",
    zone_id: str | None = None,
    home: str = "home",
    work: str = "work",
    count: str | None = "count",
    cost: Literal["euclidean", "network"] | pd.DataFrame = "euclidean",
    graph: Any = None,
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS,
    missing: Literal["raise", "drop"] = "raise",
    tolerance: float = 0.05,
) -> JobsHousingReport:
    """Balance, commute and excess commuting in one call (what ``zjgis jobs-housing`` runs).

    Parameters are those of :func:`balance`, :func:`commute` and
    :func:`excess_commuting`; ``jobs`` and ``workers`` (when they are column
    names) are also compared with the OD totals (``tolerance``).

    Returns
    -------
    JobsHousingReport
        ``.tables()`` gives the sheets of the Excel report with Chinese headers.
        ``accuracy`` is taken from ``zones.attrs["accuracy"]`` or an
        ``accuracy`` column whose values are all equal (``"sample"`` for the
        shipped sample).
    """
    bal = balance(zones, jobs=jobs, workers=workers, thresholds=thresholds)
    com = commute(od, zones, cost=cost, zone_id=zone_id, home=home, work=work, count=count,
                  graph=graph, missing=missing,
                  jobs=jobs if isinstance(jobs, str) else None,
                  workers=workers if isinstance(workers, str) else None,
                  tolerance=tolerance)
    exc = excess_commuting(com.od, com.cost, home="home", work="work", count="count",
                           unit=com.unit)
    accuracy = zones.attrs.get("accuracy")
    if accuracy is None and "accuracy" in getattr(zones, "columns", []):
        values = pd.unique(zones["accuracy"].astype(str))
        accuracy = values[0] if len(values) == 1 else "mixed"
    return JobsHousingReport(bal, com, exc, str(accuracy or "unknown"))


# --------------------------------------------------------------------------- sample data


def load_sample() -> tuple[Any, pd.DataFrame]:
    """The generated sample: zones with jobs and workers, and an OD table.

    The numbers are **invented** by ``scripts/make_sample_jobshousing.py`` (a
    doubly-constrained gravity model on the catalog's ``streets_towns``
    zones, scaled with the district-level 2020 census of Pudong) — for
    trying the functions, never for briefings as facts.  See
    ``data/sample_jobshousing/PROVENANCE.md``.

    Returns
    -------
    zones : geopandas.GeoDataFrame
        EPSG:4326; columns ``code``, ``name``, ``jobs``, ``workers``,
        ``accuracy`` (``"sample"``), ``geometry_source`` (where the zone
        geometry was copied from, with its own accuracy class);
        ``attrs["accuracy"] == "sample"``.
    od : pandas.DataFrame
        ``home``, ``work`` (zone ``code``), ``count``, ``accuracy``
        (``"sample"``).

    Raises
    ------
    ReadError
        The sample files are missing (regenerate them with the script).

    Warns
    -----
    SampleDataWarning
        Always: the figures are generated, not statistics.
    """
    from zjgis import io as _io
    from zjgis.errors import ReadError

    zpath, opath = SAMPLE_DIR / "zones.geojson", SAMPLE_DIR / "od.csv"
    if not zpath.exists() or not opath.exists():
        msg = (f"sample data not found in {SAMPLE_DIR}; run "
               "python scripts/make_sample_jobshousing.py")
        raise ReadError(msg)
    zones = _io.read(zpath)
    zones["code"] = zones["code"].astype(str)
    od = pd.read_csv(opath, dtype={"home": str, "work": str})
    zones.attrs.update(accuracy="sample", layer="sample_jobshousing",
                       title_zh="职住样例数据（模型生成，非统计数据）",
                       title_en="Job-housing sample (generated, not statistics)",
                       source="scripts/make_sample_jobshousing.py",
                       licence="generated; geometry licence as its source layer")
    od.attrs["accuracy"] = "sample"
    warnings.warn(
        "jobs, workers and OD counts of the job-housing sample are generated by a gravity "
        "model (scripts/make_sample_jobshousing.py), not statistics; label results 'sample'",
        SampleDataWarning, stacklevel=2)
    return zones, od
