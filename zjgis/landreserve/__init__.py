"""Land reserve (土地储备): the parcel register, the annual reserve plan, project matching.

* :class:`Register` — a GeoPackage parcel register with a lifecycle
  (预收储 → 收储 → 储备 → 供应 → 在建 → 投产, :mod:`zjgis.landreserve.lifecycle`),
  full history, ``as_of`` and crash-safe, lock-protected writes
  (:mod:`zjgis.landreserve.register`); :meth:`Register.import_parcels` reads
  planners' files (:mod:`zjgis.landreserve.importing`).
* :func:`plan_table` / :func:`write_plan_excel` — the 年度土地储备计划表
  (:mod:`zjgis.landreserve.plan`).
* :func:`match_projects` — 五个一批 projects to parcels as an assignment problem
  (:mod:`zjgis.landreserve.matching`).
* :func:`efficiency` — 亩均产值 / 亩均税收 (:mod:`zjgis.landreserve.efficiency`).
* :mod:`zjgis.landreserve.landuse` — land-use codes of the 2023 用地用海分类指南.
* :func:`briefing_layers` — parcels by status (and matched projects, the
  year's supply) as ``extra=`` layers of ``zjgis.maps.briefing_map``.

Examples
--------
>>> import warnings
>>> from zjgis import landreserve
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")  # SampleDataWarning: generated sample data
...     reg, projects, enterprises = landreserve.load_sample()
>>> parcels = reg.parcels()
>>> set(parcels["status"]) <= set(landreserve.STATUSES)
True
>>> table = landreserve.plan_table(parcels, 2026)
>>> "total" in table.index
True
"""

from __future__ import annotations

from zjgis.landreserve.efficiency import efficiency
from zjgis.landreserve.importing import ImportReport
from zjgis.landreserve.landuse import LAND_USE, land_use_name, land_use_table
from zjgis.landreserve.lifecycle import (
    NOT_SUPPLIED,
    STATUS_COLOURS,
    STATUS_EN,
    STATUS_ZH,
    STATUSES,
    TRANSITIONS,
    normalize_status,
)
from zjgis.landreserve.matching import (
    MatchResult,
    match_projects,
    normalize_projects,
    write_match_excel,
)
from zjgis.landreserve.plan import plan_table, write_plan_excel
from zjgis.landreserve.register import Register
from zjgis.landreserve.sample import SAMPLE_DIR, load_sample
from zjgis.landreserve.style import briefing_layers

__all__ = [
    "Register",
    "ImportReport",
    "STATUSES",
    "STATUS_ZH",
    "STATUS_EN",
    "NOT_SUPPLIED",
    "STATUS_COLOURS",
    "TRANSITIONS",
    "normalize_status",
    "plan_table",
    "write_plan_excel",
    "match_projects",
    "write_match_excel",
    "normalize_projects",
    "MatchResult",
    "efficiency",
    "LAND_USE",
    "land_use_name",
    "land_use_table",
    "briefing_layers",
    "load_sample",
    "SAMPLE_DIR",
]
