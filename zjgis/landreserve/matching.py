"""Projects (五个一批) to parcels: "let space wait for projects" as an assignment problem.

The action plan keeps lists of projects under construction (在建), new (新建) and
in reserve (储备).  :func:`match_projects` scores every (project, available parcel)
pair explicitly and solves the assignment with
:func:`scipy.optimize.linear_sum_assignment` for the objective the planner names
(``"most_placed"``: as many projects as possible, then the best total score;
``"best_total"``: the best total score), then says why each unmatched project and
each idle parcel was left over — in English and in Chinese.
:func:`write_match_excel` writes the result as a Chinese workbook ready to hand out.

A project list may give its land demand as one figure (用地需求(亩), ``demand_mu``),
accepted within a tolerance band (``demand_tolerance``, default ±20 %), or as a
range (``area_min_mu`` … ``area_max_mu``); industries by key or by their Chinese or
English names (:func:`zjgis.landreserve.values.industry_key`; unknown is an error).

>>> import pandas as pd
>>> projects = pd.DataFrame({"项目名称": ["芯片厂"], "产业类别": ["集成电路"],
...                          "用地需求(亩)": [50]})
>>> normalize_projects(projects)[["project_id", "industry", "area_min_mu", "area_max_mu"]]
  project_id             industry  area_min_mu  area_max_mu
0        芯片厂  integrated_circuits         40.0         60.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.optimize import linear_sum_assignment

from zjgis import crs as _crs
from zjgis import schema as _schema
from zjgis._log import get_logger, progress
from zjgis._validate import blank, listing, require_columns, require_crs, require_unique
from zjgis.errors import ValidationError
from zjgis.landreserve import _excel
from zjgis.landreserve.landuse import INDUSTRIAL_CODES, LAND_USE, normalize_code
from zjgis.landreserve.lifecycle import STATUS_ZH
from zjgis.landreserve.values import INDUSTRY_NAMES, industry_keys

__all__ = [
    "DEFAULT_DEMAND_TOLERANCE",
    "OBJECTIVES",
    "PROJECT_STATUS_ZH",
    "ZONE_INDUSTRIES",
    "ZONE_ZH",
    "SHEETS",
    "MatchResult",
    "normalize_projects",
    "match_projects",
    "match_tables",
    "write_match_excel",
]

log = get_logger(__name__)

#: Project list statuses of the 五个一批 lists (a list without the column: 未注明).
PROJECT_STATUS_ZH = {"under_construction": "在建", "new": "新建", "reserve": "储备"}
#: A single demand figure D accepts parcels of D·(1 − t) … D·(1 + t) 亩.
DEFAULT_DEMAND_TOLERANCE = 0.2
#: Objectives of :func:`match_projects`.
OBJECTIVES = ("most_placed", "best_total")
#: Chinese names of the axis zones (主轴三区).
ZONE_ZH = {"north": "中国芯（北区）", "middle": "智能造（中区）", "south": "创新药（南区）",
           "innovation_source": "创新源"}
_PROJECT_STATUS_FROM_ZH = {v: k for k, v in PROJECT_STATUS_ZH.items()}
#: Industries each axis zone is positioned for (中国芯 / 智能造 / 创新药).
ZONE_INDUSTRIES: dict[str, frozenset[str]] = {
    "north": frozenset({"integrated_circuits"}),
    "middle": frozenset({"artificial_intelligence", "advanced_manufacturing",
                         "intelligent_manufacturing"}),
    "south": frozenset({"biomedicine"}),
}
_ZONE_FROM_ZH = {"中国芯": "north", "智能造": "middle", "创新药": "south",
                 "北": "north", "中": "middle", "南": "south"}
_INFEASIBLE = 1e6
_UNSPECIFIED = "未注明"


@dataclass
class MatchResult:
    """Result of :func:`match_projects`.

    Attributes
    ----------
    assignments : geopandas.GeoDataFrame
        One row per matched pair: ``project_id``, ``parcel_id``, ``score`` (0–1),
        ``industry_fit``, ``area_fit``, ``rail_fit``, ``distance_to_rail_m``,
        ``parcel_area_mu``, ``zone``, ``community`` and the parcel geometry (EPSG:4326).
    unmatched_projects : pandas.DataFrame
        ``project_id``, ``name``, ``problem`` (``too_small``: every available
        parcel is below the demand; ``too_big``: every one is above the band;
        ``zone``: none of the right size in the preferred zone; ``low_score``;
        ``taken``: the fitting parcels went to other projects; ``none``: no
        parcel available), ``reason`` and ``reason_zh``.
    idle_parcels : pandas.DataFrame
        ``parcel_id``, ``status``, ``area_mu``, ``reason``, ``reason_zh``.
    scores : pandas.DataFrame
        Every feasible pair with its components (for inspection).
    objective : str
        The objective solved (``"most_placed"`` or ``"best_total"``).
    projects : pandas.DataFrame
        The normalised project list (:func:`normalize_projects`).
    """

    assignments: gpd.GeoDataFrame
    unmatched_projects: pd.DataFrame
    idle_parcels: pd.DataFrame
    scores: pd.DataFrame = field(repr=False)
    objective: str = "most_placed"
    projects: pd.DataFrame | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return (f"{len(self.assignments)} project(s) matched, "
                f"{len(self.unmatched_projects)} unmatched, "
                f"{len(self.idle_parcels)} idle parcel(s)")


def normalize_projects(
    projects: pd.DataFrame,
    *,
    demand_tolerance: float = DEFAULT_DEMAND_TOLERANCE,
    columns: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Check and normalise a project list (五个一批).

    Parameters
    ----------
    projects : pandas.DataFrame
        Column names in English or Chinese (:func:`zjgis.schema.map_columns`,
        table ``"projects"``): ``name`` (项目名称), ``industry`` (产业类别: key such
        as ``integrated_circuits`` or its Chinese/English name such as 集成电路),
        the land demand in 亩 — one figure ``demand_mu`` (用地需求(亩); a header
        in 公顷 is converted) or a range ``area_min_mu`` / ``area_max_mu`` —
        and optionally ``project_id`` (default: the name), ``status`` (在建/新建/
        储备 or under_construction/new/reserve) and ``preferred_zone``
        (north/middle/south or 中国芯/智能造/创新药).
    demand_tolerance : float
        A single figure D accepts parcels of ``D·(1 − t)`` to ``D·(1 + t)`` 亩
        (default 0.2: ±20 %); a row with a range keeps its range.
    columns : dict, optional
        Explicit column mapping (source -> field), as in ``map_columns``.

    Returns
    -------
    pandas.DataFrame
        A copy on the input index with canonical columns, ``industry``,
        ``status`` and ``preferred_zone`` as keys, ``area_min_mu`` /
        ``area_max_mu`` filled, ``demand_mu`` (None for ranges), ``status_zh``
        and ``industry_zh`` added.

    Raises
    ------
    ValidationError
        No name or id, duplicate ids, unknown status, industry or zone (each
        listing the accepted values), a missing or non-positive demand, a bad
        tolerance.
    """
    if not 0 <= demand_tolerance < 1:
        msg = f"demand_tolerance must be in [0, 1) (a share, 0.2 = ±20 %), not {demand_tolerance}"
        raise ValidationError(msg)
    out = _schema.map_columns(projects, "projects", columns=columns)
    name = out.attrs.get("source_path") or "projects"
    if "project_id" not in out and "name" not in out:
        msg = (f"{name}: no project name or id column (项目名称 / name, 项目编号 / "
               f"project_id); columns are {listing([str(c) for c in out.columns])}")
        raise ValidationError(msg)
    if "project_id" not in out:
        out["project_id"] = out["name"]
    if "name" not in out:
        out["name"] = out["project_id"]
    out["project_id"] = [None if blank(v) else str(v).strip() for v in out["project_id"]]
    missing_id = [i + 1 for i, v in enumerate(out["project_id"]) if v is None]
    if missing_id:
        msg = f"{name}: row(s) {listing(missing_id)} have no project name or id"
        raise ValidationError(msg)
    require_unique(out, "project_id", name)
    require_columns(out, ["industry"], name)
    if "status" in out:
        status = [s if s in PROJECT_STATUS_ZH else _PROJECT_STATUS_FROM_ZH.get(str(s).strip())
                  for s in out["status"]]
        bad = [i for i, s in enumerate(status) if s is None]
        if bad:
            ids = listing([f"{out['project_id'].iloc[i]} ({out['status'].iloc[i]!r})"
                           for i in bad])
            msg = f"{name}: unknown status for {ids}; expected 在建/新建/储备"
            raise ValidationError(msg)
        out["status"] = status
        out["status_zh"] = out["status"].map(PROJECT_STATUS_ZH)
    else:
        out["status"] = None
        out["status_zh"] = _UNSPECIFIED
    out["industry"] = industry_keys(out["industry"], name=name, ids=out["project_id"])
    out["industry_zh"] = out["industry"].map(lambda k: INDUSTRY_NAMES[k][0])
    _demand(out, name, demand_tolerance)
    if "preferred_zone" in out:
        zones: list[str | None] = []
        for z in out["preferred_zone"]:
            if blank(z):
                zones.append(None)
            elif str(z) in ZONE_INDUSTRIES:
                zones.append(str(z))
            elif str(z).strip() in _ZONE_FROM_ZH:
                zones.append(_ZONE_FROM_ZH[str(z).strip()])
            else:
                msg = (f"{name}: unknown preferred_zone {z!r}; "
                       "use north/middle/south or 中国芯/智能造/创新药")
                raise ValidationError(msg)
        out["preferred_zone"] = zones
    else:
        out["preferred_zone"] = None
    return out


def _demand(out: pd.DataFrame, name: str, tolerance: float) -> None:
    """Fill area_min_mu/area_max_mu from a single demand figure or check the range."""
    factor = {"mu": 1.0, "ha": 15.0, "m2": 1 / _crs.MU_M2, "km2": 1e6 / _crs.MU_M2}
    units = out.attrs.get("column_units", {})
    n = len(out)
    demand = (pd.to_numeric(out["demand_mu"], errors="coerce").astype(float)
              * factor[units.get("demand_mu", "mu")]) if "demand_mu" in out else (
        pd.Series(np.nan, index=out.index))
    lo = (pd.to_numeric(out["area_min_mu"], errors="coerce").astype(float)
          if "area_min_mu" in out else pd.Series(np.nan, index=out.index))
    hi = (pd.to_numeric(out["area_max_mu"], errors="coerce").astype(float)
          if "area_max_mu" in out else pd.Series(np.nan, index=out.index))
    if "demand_mu" not in out and ("area_min_mu" not in out or "area_max_mu" not in out):
        msg = (f"{name}: no land demand — give one figure 用地需求(亩) (demand_mu) or a range "
               "area_min_mu / area_max_mu")
        raise ValidationError(msg)
    ranged = lo.notna() & hi.notna()
    lo = lo.where(ranged, demand * (1 - tolerance))
    hi = hi.where(ranged, demand * (1 + tolerance))
    bad = lo.isna() | hi.isna() | (lo <= 0) | (hi < lo) | ~np.isfinite(hi)
    if bad.any():
        ids = listing(out.loc[bad, "project_id"].tolist())
        msg = (f"{name}: land demand missing, not a finite positive number of 亩 or an "
               f"inconsistent range for {ids}")
        raise ValidationError(msg)
    out["demand_mu"] = demand.where(~ranged, np.nan) if n else demand
    out["area_min_mu"], out["area_max_mu"] = lo.astype(float), hi.astype(float)


def _assign(score: np.ndarray, feasible: np.ndarray, objective: str
            ) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the optimal assignment over the feasible pairs.

    ``most_placed``: infeasible pairs cost a large constant, so the number of
    feasible pairs is maximised first and the total score second (scores lie in
    [0, 1], so no score sum can outweigh one more pair).  ``best_total``:
    infeasible pairs cost 0, the same as leaving both unassigned, so the total
    score alone is maximised.
    """
    n_p, n_q = score.shape
    if not n_p or not n_q:
        return np.array([], dtype=int), np.array([], dtype=int)
    penalty = _INFEASIBLE if objective == "most_placed" else 0.0
    cost = np.where(feasible, -score, penalty)
    rows, cols = linear_sum_assignment(cost)
    good = feasible[rows, cols]
    if objective == "best_total":
        good &= score[rows, cols] > 0
    return rows[good], cols[good]


def _load_layer(name: str) -> gpd.GeoDataFrame:
    try:
        from zjgis import layers
    except ImportError as exc:  # pragma: no cover - depends on the catalog being present
        msg = f"layer {name!r} needed but zjgis.layers is not available; pass it explicitly"
        raise ValidationError(msg) from exc
    return layers.load(name)


def match_projects(
    projects: pd.DataFrame,
    parcels: Any,
    *,
    communities: gpd.GeoDataFrame | None = None,
    axis_zones: gpd.GeoDataFrame | None = None,
    stations: gpd.GeoDataFrame | None = None,
    available_statuses: tuple[str, ...] = ("acquired", "reserved"),
    weights: dict[str, float] | None = None,
    rail_full_m: float = 500.0,
    rail_zero_m: float = 3000.0,
    oversize_factor: float = 2.0,
    min_score: float = 0.0,
    demand_tolerance: float = DEFAULT_DEMAND_TOLERANCE,
    objective: str = "most_placed",
    columns: dict[str, str] | None = None,
) -> MatchResult:
    """Assign available parcels to projects by an explicit score (one parcel per project).

    Parameters
    ----------
    projects : pandas.DataFrame
        The project list, see :func:`normalize_projects` (Chinese or English
        headers; one demand figure or a range).
    parcels : Register or geopandas.GeoDataFrame
        Register parcels (``parcel_id``, ``status``, ``land_use_code``, ``area_mu``,
        geometry); only ``available_statuses`` on industrial-compatible land
        (:data:`~zjgis.landreserve.landuse.INDUSTRIAL_CODES`: 10xx, 0802, 11xx,
        产业综合用地) are offered.
    communities : geopandas.GeoDataFrame, optional
        Industrial communities with ``industries`` (';'-separated keys); default the
        catalog layer ``industrial_communities``.
    axis_zones : geopandas.GeoDataFrame, optional
        Polygons with ``zone`` (north/middle/south) and optionally ``industries``
        (';'-separated keys; otherwise :data:`ZONE_INDUSTRIES`); default layer
        ``axis_zones``.
    stations : geopandas.GeoDataFrame, optional
        Rail station points; default layer ``rail_stations``.
    available_statuses : tuple of str
        Parcel statuses that can take a project (default 收储, 储备).
    weights : dict, optional
        Weights of ``industry``, ``area`` and ``rail`` (default 0.5, 0.3, 0.2;
        normalised to sum 1).
    rail_full_m, rail_zero_m : float
        Rail fit is 1 within ``rail_full_m`` metres of a station and falls
        linearly to 0 at ``rail_zero_m``.
    oversize_factor : float
        Parcels larger than ``oversize_factor × area_max_mu`` are not offered
        to a project (land would be wasted).
    min_score : float
        Pairs scoring below this are not assigned.
    demand_tolerance : float
        Band around a single demand figure (default 0.2: ±20 %), see
        :func:`normalize_projects`.
    objective : {"most_placed", "best_total"}
        ``"most_placed"`` (default): place as many projects as possible, and
        among those placements take the best total score — "let space wait for
        projects".  ``"best_total"``: the largest total score, even if fewer
        projects are placed (with projects A, B and parcels q1, q2 where A fits
        both (0.70, 0.30) and B only q1 (0.30), most_placed gives A→q2, B→q1
        (0.60), best_total A→q1 alone (0.70)).
    columns : dict, optional
        Explicit column mapping of the project list (source -> field).

    Returns
    -------
    MatchResult
        Assignments, unmatched projects and idle parcels with reasons.

    Raises
    ------
    ValidationError
        Bad project list or parcels without the needed columns.
    CRSError
        A layer has no CRS.

    Notes
    -----
    For project *p* and parcel *q*:

    * industry fit ``I = 0.6·c + 0.4·z`` where ``c`` = 1 if *p*'s industry is among
      the industries of *q*'s community (centroid in community polygon), else 0;
      ``z`` = 1 if *q* lies in the project's ``preferred_zone``, or (no preference)
      in the axis zone positioned for its industry (north 中国芯 → integrated
      circuits, middle 智能造 → AI / advanced manufacturing, south 创新药 →
      biomedicine), else 0;
    * area fit ``A`` = 1 for ``area_min ≤ a ≤ area_max``, ``area_max / a`` above,
      infeasible below ``area_min`` or above ``oversize_factor·area_max``;
    * rail fit ``R = clip((rail_zero − d) / (rail_zero − rail_full), 0, 1)``,
      ``d`` the planar distance (EPSG:32651) from the parcel to the nearest station;
    * score ``S = w_I·I + w_A·A + w_R·R``.

    The assignment (Kuhn 1955; scipy's implementation after Crouse 2016) runs
    over the feasible pairs for the chosen ``objective``; a project with a
    preferred zone is only offered parcels in that zone.

    Examples
    --------
    >>> import warnings
    >>> from zjgis.landreserve import load_sample
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # sample data
    ...     reg, projects, _ = load_sample()
    ...     result = match_projects(projects, reg)
    >>> len(result.assignments) + len(result.unmatched_projects) == len(projects)
    True
    """
    if objective not in OBJECTIVES:
        msg = f"objective must be one of {', '.join(OBJECTIVES)}, not {objective!r}"
        raise ValidationError(msg)
    proj = normalize_projects(projects, demand_tolerance=demand_tolerance, columns=columns)
    gdf = _parcels_frame(parcels)
    require_crs(gdf, "parcels")
    w = {"industry": 0.5, "area": 0.3, "rail": 0.2} | (weights or {})
    total_w = sum(w.values())
    if total_w <= 0:
        msg = "weights must sum to a positive number"
        raise ValidationError(msg)
    w = {k: v / total_w for k, v in w.items()}

    codes = gdf["land_use_code"].map(normalize_code)
    status_ok = gdf["status"].isin(available_statuses).to_numpy()
    use_ok = codes.isin(INDUSTRIAL_CODES).to_numpy()
    avail = status_ok & use_ok
    cand = gdf[avail]
    idle_reasons: dict[int, str] = {}
    for i in np.nonzero(~status_ok)[0].tolist():
        idle_reasons[i] = f"not available: status {gdf['status'].iloc[i]}"
    for i in np.nonzero(status_ok & ~use_ok)[0].tolist():
        idle_reasons[i] = (f"land use {codes.iloc[i]} is not industrial/R&D land "
                           "(10xx, 0802, 11xx, SH-CYZH)")

    if communities is None:
        communities = _load_layer("industrial_communities")
    if axis_zones is None:
        axis_zones = _load_layer("axis_zones")
    if stations is None:
        stations = _load_layer("rail_stations")
    for layer, name in ((communities, "communities"), (axis_zones, "axis_zones"),
                        (stations, "stations")):
        require_crs(layer, name)
    require_columns(communities, ["industries"], "communities")
    require_columns(axis_zones, ["zone"], "axis_zones")

    n_p, n_q = len(proj), len(cand)
    metric = cand.to_crs(_crs.METRIC)
    points = metric.geometry.representative_point()
    comm_m = communities.to_crs(_crs.METRIC)
    comm_ind = _attach(points, comm_m, comm_m["industries"].fillna("").astype(str))
    comm_name = _attach(points, comm_m, comm_m["name"].astype(str)) if "name" in comm_m else (
        pd.Series([None] * n_q))
    zones_m = axis_zones.to_crs(_crs.METRIC)
    zone = _attach(points, zones_m, zones_m["zone"].astype(str))
    zone_industries = dict(ZONE_INDUSTRIES)
    if "industries" in zones_m:  # the catalog's own positioning wins over the default table
        for zkey, inds in zip(zones_m["zone"].astype(str), zones_m["industries"], strict=True):
            zone_industries[zkey] = frozenset(str(inds).split(";")) if isinstance(
                inds, str) and inds else frozenset()
    st = stations.to_crs(_crs.METRIC)
    if len(st) and n_q:
        tree = shapely.STRtree(np.asarray(st.geometry.values, dtype=object))
        _, dist = tree.query_nearest(np.asarray(metric.geometry.values, dtype=object),
                                     return_distance=True, all_matches=False)
    else:
        dist = np.full(n_q, np.inf)
    rail = np.clip((rail_zero_m - dist) / (rail_zero_m - rail_full_m), 0.0, 1.0)

    area = cand["area_mu"].astype(float).to_numpy()
    lo = proj["area_min_mu"].to_numpy()[:, None]
    hi = proj["area_max_mu"].to_numpy()[:, None]
    a = area[None, :]
    area_ok = (a >= lo) & (a <= hi * oversize_factor)
    area_fit = np.where(a <= hi, 1.0, hi / np.maximum(a, 1e-9))

    industries = proj["industry"].astype(str).to_numpy()
    comm_sets = [frozenset(s.split(";")) if s else frozenset() for s in comm_ind]
    # community fit: one boolean column per distinct industry, broadcast to projects
    uniq = sorted(set(industries))
    comm_hit = {ind: np.array([ind in s for s in comm_sets], dtype=float) for ind in uniq}
    zone_arr = np.asarray(zone, dtype=object)
    zone_hit = {ind: np.array([z is not None and ind in zone_industries.get(z, ())
                               for z in zone_arr], dtype=float) for ind in uniq}
    c = np.vstack([comm_hit[ind] for ind in industries]) if n_p and n_q else np.zeros((n_p, n_q))
    z = np.vstack([zone_hit[ind] for ind in industries]) if n_p and n_q else np.zeros((n_p, n_q))
    pref = np.array([None if pd.isna(v) else v for v in proj["preferred_zone"]], dtype=object)
    zone_ok = np.ones((n_p, n_q), dtype=bool)
    for i, pz in enumerate(pref):
        if pz is not None:
            in_zone = (zone_arr == pz).astype(float)
            z[i] = in_zone
            zone_ok[i] = in_zone.astype(bool)
    industry_fit = 0.6 * c + 0.4 * z
    score = w["industry"] * industry_fit + w["area"] * area_fit + w["rail"] * rail[None, :]
    feasible = area_ok & zone_ok & (score >= min_score)

    rows, cols = _assign(score, feasible, objective)

    assignments = gpd.GeoDataFrame({
        "project_id": proj["project_id"].to_numpy()[rows],
        "project_name": proj["name"].to_numpy()[rows],
        "project_status": proj["status"].to_numpy()[rows],
        "industry": industries[rows],
        "demand_mu": proj["demand_mu"].to_numpy()[rows],
        "area_min_mu": proj["area_min_mu"].to_numpy()[rows],
        "area_max_mu": proj["area_max_mu"].to_numpy()[rows],
        "parcel_id": cand["parcel_id"].to_numpy()[cols],
        "parcel_status": cand["status"].to_numpy()[cols],
        "land_use_code": codes[avail].to_numpy()[cols],
        "score": score[rows, cols],
        "industry_fit": industry_fit[rows, cols],
        "area_fit": area_fit[rows, cols],
        "rail_fit": rail[cols],
        "distance_to_rail_m": dist[cols],
        "parcel_area_mu": area[cols],
        "zone": zone_arr[cols],
        "community": np.asarray(comm_name, dtype=object)[cols],
    }, geometry=cand.geometry.to_numpy()[cols], crs=cand.crs)
    assignments = assignments.sort_values("project_id", kind="stable").reset_index(drop=True)

    matched_p = set(rows.tolist())
    matched_q = set(cols.tolist())
    unmatched = []
    for i in progress(range(n_p), desc="unmatched projects", min_items=1000):
        if i in matched_p:
            continue
        problem, en, zh = _unmatched_reason(i, proj, cand, rows, cols, score=score,
                                            feasible=feasible, area_ok=area_ok,
                                            zone_ok=zone_ok, area=area, lo=lo, hi=hi,
                                            oversize_factor=oversize_factor,
                                            min_score=min_score, pref=pref,
                                            objective=objective)
        unmatched.append({"project_id": proj["project_id"].iloc[i],
                          "name": proj["name"].iloc[i], "problem": problem, "reason": en,
                          "reason_zh": zh})
    idle = []
    idle_zh: dict[int, str] = {}
    for i in np.nonzero(~status_ok)[0].tolist():
        st = str(gdf["status"].iloc[i])
        idle_zh[i] = f"不可供匹配：状态为{STATUS_ZH.get(st, st)}（可匹配：收储、储备）"
    for i in np.nonzero(status_ok & ~use_ok)[0].tolist():
        code = codes.iloc[i]
        idle_zh[i] = (f"用地性质 {code} {LAND_USE.get(code, '')} 不是工业、科研、仓储或"
                      "产业综合用地")
    cand_pos = np.nonzero(avail)[0].tolist()
    for k, pos in enumerate(cand_pos):
        if k in matched_q:
            continue
        if not n_p:
            reason, zh = "no projects to place", "没有待落地项目"
        elif not area_ok[:, k].any():
            reason = f"{area[k]:,.1f} 亩 fits no project's land demand"
            zh = f"面积 {area[k]:,.1f} 亩，与所有项目的用地需求都不符"
        elif not (area_ok[:, k] & zone_ok[:, k]).any():
            reason = "the projects of its size prefer another zone"
            zh = "面积相符的项目意向其他片区"
        else:
            reason = "projects of its size were given better-scoring parcels"
            zh = "面积相符的项目已匹配到得分更高的地块"
        idle_reasons[pos] = reason
        idle_zh[pos] = zh
    for pos, reason in sorted(idle_reasons.items()):
        idle.append({"parcel_id": gdf["parcel_id"].iloc[pos], "status": gdf["status"].iloc[pos],
                     "area_mu": float(gdf["area_mu"].iloc[pos]), "reason": reason,
                     "reason_zh": idle_zh[pos]})
    pi, qj = np.nonzero(feasible)
    scores = pd.DataFrame({
        "project_id": proj["project_id"].to_numpy()[pi],
        "parcel_id": cand["parcel_id"].to_numpy()[qj],
        "score": score[pi, qj],
        "industry_fit": industry_fit[pi, qj],
        "area_fit": area_fit[pi, qj],
        "rail_fit": rail[qj],
    }) if len(pi) <= 2_000_000 else pd.DataFrame(
        columns=["project_id", "parcel_id", "score", "industry_fit", "area_fit", "rail_fit"])
    result = MatchResult(
        assignments,
        pd.DataFrame(unmatched, columns=["project_id", "name", "problem", "reason",
                                         "reason_zh"]),
        pd.DataFrame(idle, columns=["parcel_id", "status", "area_mu", "reason", "reason_zh"]),
        scores,
        objective,
        proj,
    )
    log.info("match_projects: %s", result)
    return result


def _unmatched_reason(i: int, proj: pd.DataFrame, cand: gpd.GeoDataFrame, rows: np.ndarray,
                      cols: np.ndarray, *, score: np.ndarray, feasible: np.ndarray,
                      area_ok: np.ndarray, zone_ok: np.ndarray, area: np.ndarray,
                      lo: np.ndarray, hi: np.ndarray, oversize_factor: float,
                      min_score: float, pref: np.ndarray, objective: str
                      ) -> tuple[str, str, str]:
    """Why project ``i`` was not placed: (problem key, English, Chinese)."""
    low, high = float(lo[i, 0]), float(hi[i, 0])
    top = high * oversize_factor
    if not len(cand):
        return ("none", "no parcel available (status 收储/储备 on industrial or R&D land)",
                "没有可供匹配的地块（收储或储备状态的工业、科研、仓储、产业综合用地）")
    if not area_ok[i].any():
        smaller, larger = area[area < low], area[area > top]
        if not len(larger):
            return ("too_small",
                    f"every available parcel is too small: the largest is {smaller.max():,.1f} "
                    f"亩, the demand needs at least {low:,.1f} 亩",
                    f"可用地块均偏小：最大 {smaller.max():,.1f} 亩，项目用地需求至少 {low:,.1f} 亩")
        if not len(smaller):
            return ("too_big",
                    f"every available parcel is too big: the smallest is {larger.min():,.1f} "
                    f"亩, more than {oversize_factor:g} × the demand's upper bound "
                    f"{high:,.1f} 亩",
                    f"可用地块均偏大：最小 {larger.min():,.1f} 亩，"
                    f"超过用地需求上限 {high:,.1f} 亩的 {oversize_factor:g} 倍")
        return ("size",
                f"no available parcel of {low:,.1f}–{top:,.1f} 亩: {len(smaller)} smaller "
                f"(largest {smaller.max():,.1f} 亩), {len(larger)} larger (smallest "
                f"{larger.min():,.1f} 亩)",
                f"没有 {low:,.1f}–{top:,.1f} 亩的可用地块：{len(smaller)} 块偏小（最大 "
                f"{smaller.max():,.1f} 亩），{len(larger)} 块偏大（最小 {larger.min():,.1f} 亩）")
    if not (area_ok[i] & zone_ok[i]).any():
        return ("zone", f"no parcel of the right size in the preferred zone {pref[i]}",
                f"意向片区 {ZONE_ZH.get(pref[i], pref[i])} 内没有面积相符的地块")
    if not feasible[i].any():
        return ("low_score", f"every fitting parcel scores below min_score {min_score:g}",
                f"面积相符的地块得分均低于 {min_score:g}")
    j = int(np.argmax(np.where(feasible[i], score[i], -np.inf)))
    taker = np.nonzero(cols == j)[0]
    pid = cand["parcel_id"].iloc[j]
    if len(taker):
        other = proj["project_id"].iloc[rows[taker[0]]]
        return ("taken",
                f"its best parcel {pid} (score {score[i, j]:.2f}) went to project {other}; "
                "all fitting parcels are taken",
                f"最合适的地块 {pid}（得分 {score[i, j]:.2f}）已匹配给项目 {other}，"
                "面积相符的地块均已被占用")
    return ("taken",
            f"placing it (best parcel {pid}, score {score[i, j]:.2f}) would lower the total "
            "score (objective best_total)",
            f"匹配该项目（最合适地块 {pid}，得分 {score[i, j]:.2f}）会降低总得分"
            "（目标：总得分最高）")


def _parcels_frame(parcels: Any) -> gpd.GeoDataFrame:
    if hasattr(parcels, "parcels") and callable(parcels.parcels):
        parcels = parcels.parcels()
    if not isinstance(parcels, gpd.GeoDataFrame):
        msg = "parcels must be a Register or a GeoDataFrame"
        raise ValidationError(msg)
    require_columns(parcels, ["parcel_id", "status", "land_use_code", "area_mu"], "parcels")
    return parcels.reset_index(drop=True)


def _attach(points: gpd.GeoSeries, polygons: gpd.GeoDataFrame, values: pd.Series) -> list:
    """Value of the polygon containing each point (first match), else None."""
    out: list = [None] * len(points)
    if not len(points) or not len(polygons):
        return out
    tree = shapely.STRtree(np.asarray(polygons.geometry.values, dtype=object))
    pi, gi = tree.query(np.asarray(points.values, dtype=object), predicate="within")
    vals = values.to_numpy(dtype=object)
    for p, g in zip(pi[::-1], gi[::-1], strict=True):  # reversed: first match wins
        out[p] = vals[g]
    return out


_MATCHED_ZH = {
    "project_id": ("项目编号", "text"), "project_name": ("项目名称", "text"),
    "project_status": ("项目状态", "text"), "industry": ("产业类别", "text"),
    "demand_mu": ("用地需求(亩)", "number"), "area_min_mu": ("可接受面积下限(亩)", "number"),
    "area_max_mu": ("可接受面积上限(亩)", "number"), "parcel_id": ("地块编号", "text"),
    "parcel_status": ("地块状态", "text"), "land_use_code": ("用地性质", "text"),
    "parcel_area_mu": ("地块面积(亩)", "number"), "score": ("总得分", "score"),
    "industry_fit": ("产业契合度", "score"), "area_fit": ("面积契合度", "score"),
    "rail_fit": ("轨交契合度", "score"), "distance_to_rail_m": ("距最近轨交站(米)", "number"),
    "zone": ("主轴片区", "text"), "community": ("产业社区", "text"),
}
_UNMATCHED_ZH = {"project_id": ("项目编号", "text"), "name": ("项目名称", "text"),
                 "reason_zh": ("未匹配原因", "text")}
_IDLE_ZH = {"parcel_id": ("地块编号", "text"), "status": ("状态", "text"),
            "area_mu": ("面积(亩)", "number"), "reason_zh": ("闲置原因", "text")}
_OBJECTIVE_ZH = {"most_placed": "尽可能多地落地项目，其次总得分最高",
                 "best_total": "总得分最高"}
#: Sheet names of the matching workbook, by language.
SHEETS = {"zh": ("匹配结果", "未匹配项目", "闲置地块"),
          "en": ("matched", "unmatched_projects", "idle_parcels")}


def _display(frame: pd.DataFrame, spec: dict[str, tuple[str, str]]
             ) -> tuple[pd.DataFrame, dict[str, str]]:
    cols = [c for c in spec if c in frame.columns]
    out = pd.DataFrame({spec[c][0]: frame[c].to_numpy() for c in cols})
    return out, {spec[c][0]: spec[c][1] for c in cols}


def match_tables(result: MatchResult, *, language: str = "zh"
                 ) -> dict[str, tuple[pd.DataFrame, dict[str, str]]]:
    """The three tables of the matching workbook, for display.

    Parameters
    ----------
    result : MatchResult
        Output of :func:`match_projects`.
    language : {"zh", "en"}
        ``"zh"``: Chinese sheet names, headers, values (储备, 集成电路, 中国芯 …)
        and reasons; ``"en"``: the result's own keys and English reasons.

    Returns
    -------
    dict
        Sheet name -> (table, column kinds for number formats).
    """
    if language not in SHEETS:
        msg = f"language must be 'zh' or 'en', not {language!r}"
        raise ValidationError(msg)
    a = pd.DataFrame(result.assignments.drop(columns="geometry"))
    names = SHEETS[language]
    if language == "en":
        kinds_a = {k: kind for k, (_, kind) in _MATCHED_ZH.items()}
        return {names[0]: (a, kinds_a),
                names[1]: (result.unmatched_projects.drop(columns="reason_zh"), {}),
                names[2]: (result.idle_parcels.drop(columns="reason_zh"),
                           {"area_mu": "number"})}
    a["project_status"] = a["project_status"].map(
        lambda s: PROJECT_STATUS_ZH.get(s, _UNSPECIFIED) if isinstance(s, str) else _UNSPECIFIED)
    a["industry"] = a["industry"].map(lambda k: INDUSTRY_NAMES[k][0] if k in INDUSTRY_NAMES
                                      else k)
    a["parcel_status"] = a["parcel_status"].map(lambda s: STATUS_ZH.get(s, s))
    a["land_use_code"] = a["land_use_code"].map(
        lambda c: f"{c} {LAND_USE[c]}" if c in LAND_USE else c)
    a["zone"] = a["zone"].map(lambda z: ZONE_ZH.get(z, z) if isinstance(z, str) else "")
    idle = result.idle_parcels.assign(
        status=result.idle_parcels["status"].map(lambda s: STATUS_ZH.get(s, s)))
    return {names[0]: _display(a, _MATCHED_ZH),
            names[1]: _display(result.unmatched_projects, _UNMATCHED_ZH),
            names[2]: _display(idle, _IDLE_ZH)}


def write_match_excel(result: MatchResult, path: str | Path, *, language: str = "zh",
                      title: str | None = None, overwrite: bool = False) -> Path:
    """Write a matching result as a workbook ready to hand out.

    Three sheets (Chinese: 匹配结果, 未匹配项目, 闲置地块), each with a title, a note
    (objective, demand band, weights), headers in the chosen language, number
    formats (2 decimals, thousands separators) and print setup (A3 landscape,
    fit to width, header rows repeated).  Written atomically.

    Parameters
    ----------
    result : MatchResult
        Output of :func:`match_projects`.
    path : str or path-like
        The ``.xlsx`` file.
    language : {"zh", "en"}
        Language of sheet names, headers, values and reasons (default Chinese).
    title : str, optional
        Default ``"张江科学城 项目与地块匹配"``.
    overwrite : bool
        Replace an existing file (default False: WriteError).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    from openpyxl import Workbook

    from zjgis import io as _io

    tables = match_tables(result, language=language)
    zh = language == "zh"
    title = title or ("张江科学城 项目与地块匹配" if zh else "Zhangjiang: projects and parcels")
    note = (f"匹配目标：{_OBJECTIVE_ZH[result.objective]}。"
            "得分 = 0.5×产业契合度 + 0.3×面积契合度 + 0.2×轨交契合度（0–1）。"
            f"共 {len(result.assignments)} 个项目已匹配，"
            f"{len(result.unmatched_projects)} 个未匹配，{len(result.idle_parcels)} 块地块闲置。"
            if zh else f"objective: {result.objective}; {result}")
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, (table, kinds) in tables.items():
        _excel.table_sheet(wb, sheet, table, title=f"{title} — {sheet}", note=note, kinds=kinds)
    with _io.atomic_write(path, overwrite=overwrite) as tmp:
        wb.save(tmp)
    log.info("wrote matching workbook to %s", path)
    return Path(path)
