"""Commute cost matrices between zones: straight line or along a road network."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import networkx as nx

from zjgis import crs as _crs
from zjgis._csgraph import adjacency
from zjgis._validate import listing, require_crs
from zjgis.errors import CRSError, ValidationError
from zjgis.jobshousing._common import _check_zone_geometry, _zone_ids, log
from zjgis.network import RoadGraph

__all__ = ["cost_matrix"]


_ZONE_TYPES = ("Polygon", "MultiPolygon", "Point", "MultiPoint")
_DISK_MEAN = 128.0 / (45.0 * math.pi)  # mean distance of two random points in a unit disk


def cost_matrix(
    zones: Any,
    *,
    zone_id: str | None = None,
    method: Literal["euclidean", "network"] = "euclidean",
    graph: RoadGraph | nx.Graph | None = None,
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
        cost on ``graph`` (Dijkstra, :func:`scipy.sparse.csgraph.dijkstra`):
        on a RoadGraph in metres each centroid joins the nearest point of the
        nearest street (the edge split there), with the straight access leg
        added; on a networkx graph it joins the nearest node (plus the
        straight legs when ``weight == "length"``).
    graph : zjgis.network.RoadGraph or networkx.Graph, optional
        Road graph for ``method="network"``: a :class:`~zjgis.network.RoadGraph`
        (from :func:`zjgis.network.build_graph`, in the zones' CRS), or an
        osmnx-style networkx graph: nodes with ``x``, ``y`` in a projected CRS
        in metres (``graph.graph["crs"]``), edges with the ``weight``
        attribute (project it with ``osmnx.project_graph``).  Directed graphs
        keep their one-ways.  For travel times from another model, pass your
        own matrix to :func:`commute` instead.
    weight : str
        Edge attribute used as cost (``"length"`` in metres — ``length_m`` on
        a RoadGraph, which is what ``"length"`` means there — or e.g.
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
        Zones or graph without a CRS; a graph in degrees; a RoadGraph built
        from roads in another CRS than the zones.
    ValidationError
        Duplicate zone ids, unknown ``method`` or ``intrazonal``; edges
        without the ``weight`` column (the message lists the ones present).

    Notes
    -----
    Using the zone centroid is the usual zonal approximation; its error grows
    with zone size (Hamilton 1982 noted the zonal effect on the minimum
    commute).  The disk formula is the exact mean distance for two points
    drawn uniformly from a disk (e.g. Ghosh 1951).

    Examples
    --------
    >>> import warnings
    >>> from zjgis import jobshousing as jh
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", jh.SampleDataWarning)
    ...     zones, od = jh.load_sample()
    >>> cost = jh.cost_matrix(zones, zone_id="code")
    >>> cost.shape, cost.attrs["unit"]
    ((11, 11), 'm')
    >>> bool((cost.to_numpy() >= 0).all())
    True
    """
    ids = _zone_ids(zones, zone_id)
    require_crs(zones, "zones")
    _check_zone_geometry(zones, zone_id=zone_id, allowed=_ZONE_TYPES)
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
    metres = method == "euclidean" or weight in ("length", "length_m")
    out.attrs["unit"] = "m" if metres else weight
    out.attrs["method"] = method
    return out



def _network_costs(zones: Any, graph: Any, weight: str) -> np.ndarray:
    """Shortest-path costs between the graph nodes nearest to the zone centroids."""
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    if graph is None:
        msg = ("cost='network' needs graph= (a zjgis.network.RoadGraph, or a networkx road "
               "graph with node x/y and edge lengths, e.g. from osmnx) — or pass a "
               "precomputed cost matrix")
        raise ValidationError(msg)
    if isinstance(graph, RoadGraph):
        gcrs, nxy, csr, weight_used = _roadgraph_arrays(zones, graph, weight)
    elif hasattr(graph, "nodes") and hasattr(graph, "edges") and hasattr(graph, "graph"):
        gcrs, nxy, csr, weight_used = _networkx_arrays(graph, weight)
    else:
        msg = (f"graph must be a zjgis.network.RoadGraph or a networkx graph, got "
               f"{type(graph).__name__}")
        raise ValidationError(msg)
    n = len(nxy)
    cent = zones.geometry.to_crs(gcrs).centroid
    cxy = np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])
    if isinstance(graph, RoadGraph) and weight_used == "length_m":
        cost = _edge_point_costs(graph, csr, cxy)
        log.info("network costs between %d zones on a graph of %d nodes (joined at the "
                 "nearest street points)", len(zones), n)
        return cost
    snap, nearest = cKDTree(nxy).query(cxy)
    uniq, inv = np.unique(nearest, return_inverse=True)
    dist = dijkstra(csr, directed=True, indices=uniq)[:, uniq]
    cost = dist[np.ix_(inv, inv)]
    if weight_used in ("length", "length_m"):
        cost = cost + snap[:, None] + snap[None, :]
    log.info("network costs between %d zones on a graph of %d nodes", len(zones), n)
    return cost


def _edge_point_costs(graph: RoadGraph, csr: Any, cxy: np.ndarray) -> np.ndarray:
    """Metres between points joined at their nearest street point (the edge split there).

    Each point walks straight to the nearest point of the nearest edge, then
    along it to either end (or directly along it to another point on the same
    edge); the cost of a pair is the shortest of those combinations.
    """
    from scipy.sparse.csgraph import dijkstra

    e, off, access = graph.edge_points(cxy)
    length = graph.edges["length_m"].to_numpy(dtype="float64")[e]
    ends = np.stack([graph.edges["u"].to_numpy()[e], graph.edges["v"].to_numpy()[e]])
    legs = np.stack([off, length - off])  # (2, k): to u, to v
    uniq, inv = np.unique(ends, return_inverse=True)
    inv = inv.reshape(ends.shape)
    dist = dijkstra(csr, directed=True, indices=uniq)[:, uniq]
    cost = np.full((len(cxy), len(cxy)), np.inf)
    for a in (0, 1):  # the end each side leaves / arrives by: four combinations
        for b in (0, 1):
            via = legs[a][:, None] + dist[np.ix_(inv[a], inv[b])] + legs[b][None, :]
            cost = np.minimum(cost, via)
    same = e[:, None] == e[None, :]
    cost = np.where(same, np.minimum(cost, np.abs(off[:, None] - off[None, :])), cost)
    return cost + access[:, None] + access[None, :]


def _missing_weight(weight: str, present: list[str], where: str) -> ValidationError:
    msg = (f"{where} has no edge column {weight!r} for weight=; it has: "
           f"{listing(sorted(map(str, present)), most=12) or 'no attributes'} — pass "
           f"weight= one of those (metres: 'length_m' on a zjgis RoadGraph, 'length' on "
           f"an osmnx graph)")
    return ValidationError(msg)


def _roadgraph_arrays(zones: Any, graph: RoadGraph, weight: str):
    """Node coordinates and the csgraph matrix of a :class:`~zjgis.network.RoadGraph`."""
    zcrs = require_crs(zones, "zones")
    if not zcrs.equals(graph.input_crs) and not zcrs.equals(graph.crs):
        msg = (f"zones are in {zcrs.to_string()} but the road graph was built from roads in "
               f"{graph.input_crs.to_string()}; reproject one of them (gdf.to_crs(...)) "
               f"before combining them")
        raise CRSError(msg)
    edges = graph.edges
    column = "length_m" if weight == "length" and "length" not in edges.columns else weight
    if column not in edges.columns:
        present = [c for c in edges.columns if c != edges.geometry.name]
        raise _missing_weight(weight, present, "the RoadGraph")
    if len(graph.nodes) == 0:
        msg = "the road graph has no nodes"
        raise ValidationError(msg)
    w = pd.to_numeric(edges[column], errors="coerce").to_numpy(dtype="float64")
    nxy = graph.nodes[["x", "y"]].to_numpy(dtype="float64")
    csr = adjacency(edges["u"].to_numpy(), edges["v"].to_numpy(), w, len(nxy))
    return graph.crs, nxy, csr, column


def _networkx_arrays(graph: Any, weight: str):
    """Node coordinates and the csgraph matrix of an osmnx-style networkx graph."""
    import pyproj

    gcrs = graph.graph.get("crs")
    if gcrs is None:
        msg = "the road graph has no CRS (graph.graph['crs']); set it to the CRS of x/y"
        raise CRSError(msg)
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
    edges = list(graph.edges(data=True))
    column = weight
    if (weight == "length" and edges and "length" not in edges[0][2]
            and "length_m" in edges[0][2]):
        column = "length_m"  # RoadGraph.graph and other zjgis graphs carry length_m
    rows, cols, vals = [], [], []
    for u, v, data in edges:
        if column not in data:
            raise _missing_weight(weight, list(data), f"edge ({u}, {v}) of the road graph")
        rows.append(pos[u])
        cols.append(pos[v])
        vals.append(data[column])
    try:
        w = np.asarray(vals, dtype="float64")
    except (TypeError, ValueError):
        msg = f"edge attribute {column!r} of the road graph must be numeric"
        raise ValidationError(msg) from None
    csr = adjacency(np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), w,
                    len(nodes), directed=graph.is_directed())
    return gcrs, nxy, csr, column


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
        method: Literal["euclidean", "network"] = (
            "network" if cost == "network" else "euclidean")
        return cost_matrix(zones, zone_id=zone_id, method=method, graph=graph,
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

