"""What a project changes: jobs or dwellings added or removed in zones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from zjgis._validate import listing, require_columns
from zjgis.errors import ValidationError
from zjgis.jobshousing._common import _counts, _zone_ids, log
from zjgis.jobshousing.balance import CLASS_ZH, DEFAULT_THRESHOLDS, classify, jobs_housing_ratio
from zjgis.jobshousing.costs import _cost_from
from zjgis.jobshousing.excess import MinimumCommute, _ratio_pct, minimum_commute

__all__ = ["ScenarioResult", "scenario"]


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

    Examples
    --------
    >>> import warnings
    >>> from zjgis import jobshousing as jh
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", jh.SampleDataWarning)
    ...     zones, od = jh.load_sample()
    >>> first = zones["code"].iloc[0]
    >>> res = jh.scenario(zones, changes={first: {"jobs": 3000}}, zone_id="code")
    >>> float(res.summary["jobs_after"] - res.summary["jobs_before"])
    3000.0
    >>> after = res.zones.loc[res.zones["zone"] == first, "jobs_after"].iloc[0]
    >>> bool(after - 3000 == zones.loc[zones["code"] == first, "jobs"].iloc[0])
    True
    """
    ids = _zone_ids(zones, zone_id)
    require_columns(zones, [jobs, workers], "zones")
    j0 = _counts(zones[jobs], f"column {jobs!r}", "zones")
    w0 = _counts(zones[workers], f"column {workers!r}", "zones")
    delta = _changes_table(changes, ids, workers_per_dwelling)
    j1 = j0 + delta["jobs"].to_numpy()
    w1 = w0 + delta["workers"].to_numpy()
    for arr, what in ((j1, "jobs"), (w1, "workers")):
        if (arr < 0).any():
            bad = [f"{ids[i]} ({arr[i]:,.0f})" for i in np.nonzero(arr < 0)[0]]
            msg = f"the scenario leaves negative {what} in zone(s) {listing(bad)}"
            raise ValidationError(msg)
    cmat = _cost_from(cost, zones, ids, zone_id=zone_id, graph=None, intrazonal="disk")
    unit = cmat.attrs.get("unit") or "m"
    r0 = jobs_housing_ratio(j0, w0)
    r1 = jobs_housing_ratio(j1, w1)
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
        msg = f"changes name zone(s) not in the zones: {listing(list(frame.loc[bad, 'zone']))}"
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

