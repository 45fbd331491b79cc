"""Dead ends (断头路) of a road network and their kinds.

Examples
--------
>>> import geopandas as gpd
>>> from zjgis import network
>>> roads = gpd.read_file(network.sample_path("roads"))
>>> ends = network.dead_ends(roads)
>>> sorted(ends["kind"].unique())
['boundary', 'cul_de_sac', 'gap']
>>> bool((ends["branch_length_m"] > 0).all())
True
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import ConvexHull, QhullError

from zjgis import _validate
from zjgis._log import get_logger, stages
from zjgis.errors import GeometryError, ValidationError
from zjgis.network._candidates import _CAND_COLUMNS, _candidates
from zjgis.network._paths import _walk_branches
from zjgis.network.graph import RoadGraph, _check_layer, as_graph

__all__ = ["DEAD_END_KINDS", "MAX_GAP_M", "MIN_DETOUR_RATIO", "EDGE_BUFFER_M", "dead_ends"]

log = get_logger("zjgis.network")

#: Default gap search radius (metres, straight line), shared by :func:`dead_ends`
#: and :func:`~zjgis.network.missing_links` so that links start only at dead
#: ends called ``gap``.
MAX_GAP_M = 200.0
#: Default network distance / gap above which a nearby road is a gap.
MIN_DETOUR_RATIO = 3.0
#: Default distance (metres) from the data's edge within which a dead end is ``boundary``.
EDGE_BUFFER_M = 500.0

# graphs of at least this many edges show a stage bar (zjgis._log.stages)
_PROGRESS_MIN_EDGES = 100_000
_DEAD_END_STAGES = ("extent", "branches", "gaps", "table")

DEAD_END_KINDS: dict[str, str] = {
    "boundary": "边界截断",
    "cul_de_sac": "尽端路",
    "gap": "断头路(可打通)",
}


def dead_ends(
    roads_or_graph: gpd.GeoDataFrame | RoadGraph,
    *,
    study_area: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    max_gap_m: float = MAX_GAP_M,
    edge_buffer_m: float = EDGE_BUFFER_M,
    min_detour_ratio: float = MIN_DETOUR_RATIO,
    classify: bool = True,
) -> gpd.GeoDataFrame:
    """Dead ends (断头路) of a road network, with branch length and kind.

    Parameters
    ----------
    roads_or_graph : geopandas.GeoDataFrame or RoadGraph
        Road centrelines (noded with :func:`build_graph` defaults) or a graph.
    study_area : GeoDataFrame or GeoSeries of polygons, optional
        Only dead ends inside it are reported; its edge counts as the edge of
        the data.  Default: the convex hull of the roads' geometry (every
        vertex, so a ring road drawn as one closed line is the edge, not the
        few nodes on it).
    max_gap_m : float
        A dead end with another road within this straight distance (metres)
        that is at least ``min_detour_ratio`` times farther through the network
        is a ``gap``.  Default :data:`MAX_GAP_M` (200 m), the same as
        :func:`~zjgis.network.missing_links`.
    edge_buffer_m : float
        Dead ends within this distance (metres) of the data's edge are
        ``boundary`` (the road goes on beyond the data; osmnx buffers its
        downloads by 500 m for the same reason).
    min_detour_ratio : float
        Network distance / straight distance above which a nearby road is a gap.
    classify : bool
        ``False`` skips the kinds (``kind``, ``kind_zh``, ``nearest_gap_m`` and
        ``edge_distance_m`` are left empty): a fast count of dead ends.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per dead end, indexed by node id, in the CRS of the input
        roads, columns: ``kind`` (``boundary``, ``gap``, ``cul_de_sac``),
        ``kind_zh``, ``name``, ``road_class``, ``branch_length_m`` (length of
        the chain of edges back to the nearest junction, through degree-2
        nodes), ``junction_node`` (−1 when the branch ends in another dead end:
        an isolated road), ``nearest_gap_m`` (straight distance to the nearest
        gap target, NaN unless ``gap``), ``edge_distance_m`` (distance to the
        data's edge), geometry (Point).

    Notes
    -----
    A dead end is a node of degree 1 after noding — the same as osmnx's
    ``street_count <= 1`` on the same graph.  Kinds are decided in order:

    1. ``boundary`` if ``edge_distance_m <= edge_buffer_m``;
    2. ``gap`` if some point of another road *on the same level* (a bridge
       deck is no target for a ground road) lies within ``max_gap_m`` in a
       straight line that crosses no other road of the same level, and its
       network distance is at least ``min_detour_ratio`` times that line
       (bounded Dijkstra up to ``min_detour_ratio * max_gap_m``);
    3. ``cul_de_sac`` otherwise.

    On graphs of 100,000 edges or more a progress bar names the stage being
    run (extent, branches, gaps, table) in a terminal or a notebook; ``zjgis -q``
    and ``ZJGIS_PROGRESS=0`` turn it off.
    """
    return _classify(as_graph(roads_or_graph), study_area=study_area, max_gap_m=max_gap_m,
                     edge_buffer_m=edge_buffer_m, min_detour_ratio=min_detour_ratio,
                     classify=classify)[0]


def _classify(rg: RoadGraph, *, study_area, max_gap_m: float, edge_buffer_m: float,
              min_detour_ratio: float, classify: bool = True
              ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """:func:`dead_ends` and the gap candidates it found (``source`` = dead-end node).

    The candidates are those of :func:`~zjgis.network._candidates._candidates`
    for every dead end that is not ``boundary``; :func:`missing_links` reuses
    them instead of searching again.
    """
    _validate.require_positive(max_gap_m, "max_gap_m", unit="m")
    _validate.require_positive(min_detour_ratio, "min_detour_ratio")
    if not edge_buffer_m >= 0:
        msg = f"edge_buffer_m must be >= 0 metres, got {edge_buffer_m}"
        raise ValidationError(msg)
    with stages(_DEAD_END_STAGES, desc="dead ends", size=len(rg.edges),
                min_size=_PROGRESS_MIN_EDGES) as st:
        st.step("extent")
        deg = rg.degree
        de = np.nonzero(deg == 1)[0]
        area, extent = _extent(rg, study_area) if classify else (None, None)
        pts = rg.nodes.geometry.array.take(de)
        if area is not None:
            inside = shapely.intersects(area, pts)
            if (~inside).any():
                log.info("%d dead end(s) outside the study area left out", int((~inside).sum()))
            de, pts = de[inside], pts[inside]
        if not classify:
            edge_dist = np.full(len(de), np.nan)
        elif shapely.is_empty(extent):
            edge_dist = np.zeros(len(de))
        else:
            edge_dist = shapely.distance(shapely.boundary(extent), pts)
        st.step("branches")
        edges = rg.edges
        e_at, branch, junction = _walk_branches(rg, de)
        boundary = edge_dist <= edge_buffer_m
        st.step("gaps")
        cand = pd.DataFrame(columns=_CAND_COLUMNS)
        if classify:
            cand = _candidates(rg, de[~boundary], max_gap_m=max_gap_m,
                               min_detour_ratio=min_detour_ratio)
            nearest = cand.groupby("source")["gap_m"].min() if len(cand) else \
                pd.Series(dtype=float)
            near = pd.Series(de).map(nearest).to_numpy(dtype=float)
            kind = np.where(boundary, "boundary", np.where(~np.isnan(near), "gap", "cul_de_sac"))
        else:
            near = np.full(len(de), np.nan)
            kind = np.full(len(de), None, dtype=object)
        st.step("table")
        kind_zh = np.full(len(de), None, dtype=object)
        if classify:
            for k, zh in DEAD_END_KINDS.items():
                kind_zh[kind == k] = zh
        out = gpd.GeoDataFrame(
            {
                "kind": kind,
                "kind_zh": kind_zh,
                "name": edges["name"].array.take(e_at),
                "road_class": edges["road_class"].array.take(e_at),
                "branch_length_m": branch,
                "junction_node": junction,
                "nearest_gap_m": near,
                "edge_distance_m": edge_dist,
            },
            geometry=gpd.array.from_shapely(pts, crs=rg.crs),
            index=pd.Index(de, name="node"),
            copy=False,
        )
        if not rg.input_crs.equals(rg.crs):
            out = out.to_crs(rg.input_crs)
    out.attrs = {k: v for k, v in rg.attrs.items() if isinstance(v, str | int | float)}
    out.attrs.update(max_gap_m=max_gap_m, edge_buffer_m=edge_buffer_m,
                     min_detour_ratio=min_detour_ratio)
    if classify:
        counts = out["kind"].value_counts()
        log.info("%s dead ends: %s", f"{len(out):,}",
                 ", ".join(f"{k} {counts.get(k, 0):,}" for k in DEAD_END_KINDS))
    else:
        log.info("%s dead ends (not classified)", f"{len(out):,}")
    return out, cand


def _extent(rg: RoadGraph, study_area) -> tuple[Any, Any]:
    """(area dead ends must lie in or None, polygon whose edge marks ``boundary``)."""
    hull = _hull(rg._edge_vertices[0])  # the roads' extent, not only their nodes
    if study_area is None:
        return None, hull
    area = _area_geometry(study_area, rg.crs)
    return area, shapely.intersection(area, hull)


def _hull(xy: np.ndarray):
    """Convex hull of points (qhull; shapely for fewer than 3 or collinear points).

    Points strictly inside the octagon of the extreme points in eight
    directions cannot be hull vertices and are dropped first (Akl–Toussaint),
    which leaves qhull a few thousand of a city's million vertices.
    """
    if len(xy) > 1000:
        x, y = xy[:, 0], xy[:, 1]
        keys = (x, y, x + y, x - y)
        ext = np.unique([f(k) for k in keys for f in (np.argmin, np.argmax)])
        oct_ = xy[ext]
        if len(oct_) >= 3:
            try:
                poly = oct_[ConvexHull(oct_).vertices]  # counter-clockwise
            except QhullError:
                poly = None
            if poly is not None:
                inside = np.ones(len(xy), dtype=bool)
                nxt = np.roll(poly, -1, axis=0)
                for (ax, ay), (bx, by) in zip(poly, nxt, strict=True):
                    inside &= (bx - ax) * (y - ay) - (by - ay) * (x - ax) > 0
                xy = xy[~inside]
    if len(xy) >= 3:
        try:
            h = ConvexHull(xy)
        except QhullError:
            pass
        else:
            return shapely.Polygon(xy[h.vertices])
    return shapely.convex_hull(shapely.multipoints(xy))


def _area_geometry(study_area, metric: pyproj.CRS):
    if isinstance(study_area, gpd.GeoDataFrame | gpd.GeoSeries):
        _check_layer(study_area, "study_area", ("Polygon", "MultiPolygon"))
        return shapely.union_all(study_area.to_crs(metric).geometry.values)
    msg = ("study_area must be a GeoDataFrame or GeoSeries of polygons with a CRS "
           f"(got {type(study_area).__name__})")
    raise GeometryError(msg)
