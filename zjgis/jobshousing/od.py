"""Origin–destination tables: aggregation, zone checks and flow lines."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from zjgis import crs as _crs
from zjgis._validate import listing, require_columns, require_crs
from zjgis.errors import DataQualityWarning, ValidationError
from zjgis.jobshousing._common import (
    _check_zone_geometry,
    _counts,
    _import_dask,
    _is_dask,
    _zone_ids,
    log,
)

__all__ = ["aggregate_od", "flow_lines"]


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

    Examples
    --------
    >>> import warnings
    >>> from zjgis import jobshousing as jh
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", jh.SampleDataWarning)
    ...     zones, od = jh.load_sample()
    >>> agg = jh.aggregate_od(od)
    >>> list(agg.columns), len(agg) <= len(zones) ** 2
    (['home', 'work', 'count'], True)
    >>> float(agg["count"].sum()) == float(od["count"].sum())
    True
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
                   f"{listing(labels)}")
            raise ValidationError(msg)
        values = (np.ones(len(od)) if count is None
                  else _counts(od[count], f"column {count!r}", "OD table"))
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
            f"{listing(list(unknown))} ({trips:,.0f} of {total:,.0f} commuters, "
            f"{trips / max(total, 1e-12):.1%}){hint}")
    if missing == "raise":
        problems = pd.DataFrame({"feature": list(unknown), "reason": f"not in the {name}"})
        msg = text + "; fix the ids or pass missing='drop' to leave those trips out"
        raise ValidationError(msg, problems)
    warnings.warn(text + "; those trips are left out (missing='drop')", DataQualityWarning,
                  stacklevel=3)
    return agg[~bad].reset_index(drop=True)



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

    Examples
    --------
    >>> import warnings
    >>> from zjgis import jobshousing as jh
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", jh.SampleDataWarning)
    ...     zones, od = jh.load_sample()
    >>> lines = jh.flow_lines(od, zones, zone_id="code", top=5)
    >>> len(lines), lines.geom_type.unique().tolist(), lines.attrs["accuracy"]
    (5, ['LineString'], 'sample')
    """
    import geopandas as gpd
    import shapely

    ids = _zone_ids(zones, zone_id)
    require_crs(zones, "zones")
    _check_zone_geometry(zones, zone_id=zone_id,
                         allowed=("Polygon", "MultiPolygon", "Point", "MultiPoint"))
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

