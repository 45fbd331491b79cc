"""Projects (五个一批) to parcels: "let space wait for projects" as an assignment problem.

The action plan keeps lists of projects under construction (在建), new (新建) and
in reserve (储备).  :func:`match_projects` scores every (project, available parcel)
pair explicitly and solves the assignment with
:func:`scipy.optimize.linear_sum_assignment`, then says why each unmatched project
and each idle parcel was left over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.optimize import linear_sum_assignment

from zjgis import crs as _crs
from zjgis._log import get_logger
from zjgis._validate import require_columns, require_crs, require_unique
from zjgis.errors import ValidationError
from zjgis.landreserve.landuse import INDUSTRIAL_CODES, normalize_code

__all__ = [
    "PROJECT_STATUS_ZH",
    "ZONE_INDUSTRIES",
    "MatchResult",
    "normalize_projects",
    "match_projects",
]

log = get_logger(__name__)

#: Project list statuses of the 五个一批 lists.
PROJECT_STATUS_ZH = {"under_construction": "在建", "new": "新建", "reserve": "储备"}
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
        ``project_id``, ``name``, ``reason``.
    idle_parcels : pandas.DataFrame
        ``parcel_id``, ``status``, ``area_mu``, ``reason``.
    scores : pandas.DataFrame
        Every feasible pair with its components (for inspection).
    """

    assignments: gpd.GeoDataFrame
    unmatched_projects: pd.DataFrame
    idle_parcels: pd.DataFrame
    scores: pd.DataFrame = field(repr=False)

    def __str__(self) -> str:
        return (f"{len(self.assignments)} project(s) matched, "
                f"{len(self.unmatched_projects)} unmatched, "
                f"{len(self.idle_parcels)} idle parcel(s)")


def normalize_projects(projects: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise a project list (五个一批).

    Parameters
    ----------
    projects : pandas.DataFrame
        Columns ``project_id``, ``status`` (在建/新建/储备 or
        under_construction/new/reserve), ``industry`` (key such as
        ``integrated_circuits``, ``biomedicine``, ``artificial_intelligence``,
        ``advanced_manufacturing``), ``area_min_mu`` and ``area_max_mu`` (land
        demand in 亩); optional ``name`` and ``preferred_zone`` (north/middle/south
        or 中国芯/智能造/创新药).

    Returns
    -------
    pandas.DataFrame
        A copy on the input index with ``status`` and ``preferred_zone`` as keys and
        ``status_zh`` added.

    Raises
    ------
    ValidationError
        Missing columns, duplicate ids, unknown status or zone, bad area range.
    """
    require_columns(projects, ["project_id", "status", "industry", "area_min_mu",
                               "area_max_mu"], "projects")
    require_unique(projects, "project_id", "projects")
    out = projects.copy()
    out["project_id"] = out["project_id"].astype(str)
    status = [s if s in PROJECT_STATUS_ZH else _PROJECT_STATUS_FROM_ZH.get(str(s).strip())
              for s in out["status"]]
    bad = [i for i, s in enumerate(status) if s is None]
    if bad:
        ids = ", ".join(f"{out['project_id'].iloc[i]} ({out['status'].iloc[i]!r})" for i in bad[:5])
        msg = f"projects: unknown status for {ids}; expected 在建/新建/储备"
        raise ValidationError(msg)
    out["status"] = status
    out["status_zh"] = out["status"].map(PROJECT_STATUS_ZH)
    if "name" not in out:
        out["name"] = out["project_id"]
    lo = pd.to_numeric(out["area_min_mu"], errors="coerce")
    hi = pd.to_numeric(out["area_max_mu"], errors="coerce")
    bad_area = lo.isna() | hi.isna() | (lo <= 0) | (hi < lo)
    if bad_area.any():
        ids = ", ".join(out.loc[bad_area, "project_id"].head(5))
        msg = f"projects: area_min_mu/area_max_mu missing or inconsistent for {ids}"
        raise ValidationError(msg)
    out["area_min_mu"], out["area_max_mu"] = lo.astype(float), hi.astype(float)
    if "preferred_zone" in out:
        zones = []
        for z in out["preferred_zone"]:
            if z is None or (isinstance(z, float) and math.isnan(z)) or str(z).strip() == "":
                zones.append(None)
            elif str(z) in ZONE_INDUSTRIES:
                zones.append(str(z))
            elif str(z).strip() in _ZONE_FROM_ZH:
                zones.append(_ZONE_FROM_ZH[str(z).strip()])
            else:
                msg = (f"projects: unknown preferred_zone {z!r}; "
                       "use north/middle/south or 中国芯/智能造/创新药")
                raise ValidationError(msg)
        out["preferred_zone"] = zones
    else:
        out["preferred_zone"] = None
    return out


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
) -> MatchResult:
    """Assign available parcels to projects by an explicit score (one parcel per project).

    Parameters
    ----------
    projects : pandas.DataFrame
        The project list, see :func:`normalize_projects`.
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

    The assignment maximises the total score over feasible pairs (Kuhn 1955;
    scipy's implementation after Crouse 2016); a project with a preferred zone is
    only offered parcels in that zone.
    """
    proj = normalize_projects(projects)
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
    for i in np.nonzero(~status_ok)[0]:
        idle_reasons[i] = f"not available: status {gdf['status'].iloc[i]}"
    for i in np.nonzero(status_ok & ~use_ok)[0]:
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

    cost = np.where(feasible, -score, _INFEASIBLE)
    rows, cols = linear_sum_assignment(cost) if n_p and n_q else (np.array([], int),
                                                                  np.array([], int))
    good = feasible[rows, cols]
    rows, cols = rows[good], cols[good]

    assignments = gpd.GeoDataFrame({
        "project_id": proj["project_id"].to_numpy()[rows],
        "project_name": proj["name"].to_numpy()[rows],
        "project_status": proj["status"].to_numpy()[rows],
        "industry": industries[rows],
        "parcel_id": cand["parcel_id"].to_numpy()[cols],
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
    best_other = {}
    for i in range(n_p):
        if i in matched_p:
            continue
        pid = proj["project_id"].iloc[i]
        if n_q == 0:
            reason = "no parcel available (status 收储/储备 on industrial or R&D land)"
        elif not area_ok[i].any():
            big = area.max()
            reason = (f"no available parcel of {lo[i, 0]:g}–{hi[i, 0] * oversize_factor:g} 亩 "
                      f"(largest available {big:,.1f} 亩)")
        elif not (area_ok[i] & zone_ok[i]).any():
            reason = f"no parcel of the right size in the preferred zone {pref[i]}"
        elif not feasible[i].any():
            reason = f"every fitting parcel scores below min_score {min_score:g}"
        else:
            j = int(np.argmax(np.where(feasible[i], score[i], -np.inf)))
            taker = np.nonzero(cols == j)[0]
            other = proj["project_id"].iloc[rows[taker[0]]] if len(taker) else None
            best_other[i] = j
            reason = (f"its best parcel {cand['parcel_id'].iloc[j]} (score {score[i, j]:.2f}) "
                      f"went to project {other}; all fitting parcels are taken"
                      if other else "all fitting parcels are taken by other projects")
        unmatched.append({"project_id": pid, "name": proj["name"].iloc[i], "reason": reason})
    idle = []
    cand_pos = np.nonzero(avail)[0]
    for k, pos in enumerate(cand_pos):
        if k in matched_q:
            continue
        if not n_p:
            reason = "no projects to place"
        elif not area_ok[:, k].any():
            reason = f"{area[k]:,.1f} 亩 fits no project's land demand"
        elif not (area_ok[:, k] & zone_ok[:, k]).any():
            reason = "the projects of its size prefer another zone"
        else:
            reason = "projects of its size were given better-scoring parcels"
        idle_reasons[pos] = reason
    for pos, reason in sorted(idle_reasons.items()):
        idle.append({"parcel_id": gdf["parcel_id"].iloc[pos], "status": gdf["status"].iloc[pos],
                     "area_mu": float(gdf["area_mu"].iloc[pos]), "reason": reason})
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
        pd.DataFrame(unmatched, columns=["project_id", "name", "reason"]),
        pd.DataFrame(idle, columns=["parcel_id", "status", "area_mu", "reason"]),
        scores,
    )
    log.info("match_projects: %s", result)
    return result


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
