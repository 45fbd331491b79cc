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

The package has one file per concern: :mod:`~zjgis.jobshousing.balance`,
:mod:`~zjgis.jobshousing.od` (OD tables), :mod:`~zjgis.jobshousing.costs`
(cost matrices), :mod:`~zjgis.jobshousing.commute`,
:mod:`~zjgis.jobshousing.excess` (excess commuting),
:mod:`~zjgis.jobshousing.scenario`, :mod:`~zjgis.jobshousing.report` (the
one-call analysis and its Excel workbook) and :mod:`~zjgis.jobshousing.sample`.
Every public name is importable from ``zjgis.jobshousing``.

Examples
--------
On the shipped sample (invented numbers, hence the warning):

>>> import warnings
>>> from zjgis import jobshousing
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", jobshousing.SampleDataWarning)
...     zones, od = jobshousing.load_sample()
>>> bal = jobshousing.balance(zones, jobs="jobs", workers="workers")
>>> set(bal["class"]) <= set(jobshousing.CLASSES)
True
>>> res = jobshousing.commute(od, zones, zone_id="code")
>>> bool(0 < res.overall["self_containment"] < 1)
True
"""

from __future__ import annotations

from zjgis.errors import DataQualityWarning, SampleDataWarning  # noqa: F401 (0.1 names)
from zjgis.jobshousing.balance import (
    CLASS_ZH,
    CLASSES,
    DEFAULT_THRESHOLDS,
    balance,
    classify,
    jobs_housing_ratio,
)
from zjgis.jobshousing.commute import CommuteResult, commute
from zjgis.jobshousing.costs import cost_matrix
from zjgis.jobshousing.excess import (
    ExcessCommuting,
    MinimumCommute,
    excess_commuting,
    minimum_commute,
)
from zjgis.jobshousing.od import aggregate_od, flow_lines
from zjgis.jobshousing.report import COLUMNS_ZH, JobsHousingReport, analyse, write_report
from zjgis.jobshousing.sample import SAMPLE_DIR, load_sample
from zjgis.jobshousing.scenario import ScenarioResult, scenario

__all__ = [
    "CLASSES",
    "CLASS_ZH",
    "COLUMNS_ZH",
    "DEFAULT_THRESHOLDS",
    "balance",
    "classify",
    "jobs_housing_ratio",
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
    "write_report",
    "load_sample",
    "SAMPLE_DIR",
]
