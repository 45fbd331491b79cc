"""Commute cost matrices between zones: straight line or along a road network."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from zjgis import crs as _crs
from zjgis._validate import listing, require_crs
from zjgis.errors import CRSError, ValidationError
from zjgis.jobshousing._common import _zone_ids, log

__all__ = ["cost_matrix"]


_DISK_MEAN = 128.0 / (45.0 * math.pi)  # mean distance of two random points in a unit disk



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
               f"{listing(list(miss_r)) or 'none'}; columns (work) "
               f"{listing(list(miss_c)) or 'none'}")
        raise ValidationError(msg)
    values = cost.to_numpy(dtype="float64")[rows, cols]
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        pairs = [f"{h}→{w}" for h, w in zip(home[bad], work[bad])]
        msg = (f"the cost matrix has no finite non-negative cost for {int(bad.sum())} pair(s) "
               f"with commuters: {listing(pairs)} (unreachable in the network?)")
        raise ValidationError(msg)
    return values

