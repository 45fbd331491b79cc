"""Self-containment, job self-sufficiency and commute lengths from an OD table."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from zjgis._validate import require_columns
from zjgis.errors import DataQualityWarning, ValidationError
from zjgis.jobshousing._common import _check_zone_geometry, _counts, _zone_ids, log
from zjgis.jobshousing.costs import _cost_from, _pair_costs
from zjgis.jobshousing.od import _check_od_zones, aggregate_od

if TYPE_CHECKING:
    import networkx as nx

    from zjgis.network import RoadGraph

__all__ = ["CommuteResult", "commute"]

_MAX_LISTED = 5

_DEFAULT_BINS_M = (0.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 15_000.0, 20_000.0, 30_000.0,
                   math.inf)



_DEFAULT_BINS_MIN = (0.0, 15.0, 30.0, 45.0, 60.0, 90.0, math.inf)



def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Smallest value whose cumulative weight share reaches ``q`` (lower weighted quantile)."""
    if weights.sum() <= 0:
        return math.nan
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    k = int(np.searchsorted(cum, q * cum[-1] * (1 - 1e-12), side="left"))
    return float(v[min(k, len(v) - 1)])



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
    graph: RoadGraph | nx.Graph | None = None,
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
    graph : zjgis.network.RoadGraph or networkx.Graph, optional
        Road graph for ``cost="network"`` (see :func:`cost_matrix`): a
        RoadGraph built once can be shared with the other analyses.
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

    Examples
    --------
    >>> import warnings
    >>> from zjgis import jobshousing as jh
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", jh.SampleDataWarning)
    ...     zones, od = jh.load_sample()
    >>> res = jh.commute(od, zones, zone_id="code")
    >>> int(res.overall["commuters"]) == int(od["count"].sum())
    True
    >>> bool(0 < res.overall["self_containment"] < 1), res.unit
    (True, 'm')
    """
    ids = _zone_ids(zones, zone_id)
    _check_zone_geometry(zones, zone_id=zone_id)
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
        ref = _counts(zones[column], f"column {column!r}", "zones")
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

