"""Missing links: candidate connectors at ``gap`` dead ends, ranked by priority.

Comparison with momepy and neatnet
----------------------------------
``momepy.extend_lines(gdf, tolerance, target=None, barrier=None)`` extends a
dangling line *geometrically* along its last segment's direction until it meets
another line within ``tolerance``; ``momepy.close_gaps(gdf, tolerance)`` snaps
nearby endpoints to their midpoint.  Both repair geometry for morphometrics and
never ask whether the two ends are already connected through the network.
zjgis differs in three ways: (1) a candidate connector goes to the *nearest
point* of any other road within ``max_gap_m`` (not only straight ahead), (2) it
is kept only when the current network distance between its ends is at least
``min_detour_ratio`` times the gap (bounded Dijkstra), so a cul-de-sac whose
neighbour is round the corner is not reported, and (3) connectors are ranked
and flagged for barriers rather than applied.  ``tests/test_network.py::
test_momepy_extend_lines_differs_where_documented`` checks both on one
hand-built network: a dead end whose only neighbour runs alongside it (60 m
away, 460 m by street) is left alone by ``extend_lines`` and gets a zjgis link
at right angles; a 5 m stub pointing at a loop 40 m ahead that is 90 m away by
street (ratio 2.25) is extended by momepy and is a zjgis ``cul_de_sac``; an
ordinary broken street is closed by both.  (Seen while writing that test, not
asserted: momepy 0.11 tilts its extrapolation by 1e-6 to avoid dividing by
zero, so an exactly axis-aligned, collinear facing gap is not closed.)  neatnet
(network simplification) is not installed in this environment; it simplifies
dual carriageways and intersections and does not propose links, so it was not
compared.

Examples
--------
>>> import geopandas as gpd
>>> from zjgis import network
>>> roads = gpd.read_file(network.sample_path("roads"))
>>> links = network.missing_links(roads)
>>> bool((links["detour_ratio"].dropna() >= 3).all())
True
>>> list(links["rank"][:3])
[1, 2, 3]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zjgis import _validate
from zjgis._log import get_logger
from zjgis.errors import ValidationError
from zjgis.network._candidates import _candidates
from zjgis.network._paths import _chain_labels, _far_pair_distances
from zjgis.network.deadends import EDGE_BUFFER_M, MAX_GAP_M, MIN_DETOUR_RATIO, _classify
from zjgis.network.graph import RoadGraph, _check_layer, as_graph

__all__ = ["missing_links", "dead_ends_and_links"]

log = get_logger("zjgis.network")

def missing_links(
    roads_or_graph: gpd.GeoDataFrame | RoadGraph,
    *,
    dead_ends: gpd.GeoDataFrame | None = None,
    max_gap_m: float | None = None,
    min_detour_ratio: float | None = None,
    barriers: gpd.GeoDataFrame | None = None,
    study_area: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    edge_buffer_m: float | None = None,
    weights: gpd.GeoDataFrame | None = None,
    weight_column: str | None = None,
    catchment_m: float = 500.0,
    barrier_factor: float = 0.5,
) -> gpd.GeoDataFrame:
    r"""Candidate links that would close gaps at dead ends, ranked by priority.

    Parameters
    ----------
    roads_or_graph : geopandas.GeoDataFrame or RoadGraph
        Road centrelines or a graph from :func:`build_graph`.
    dead_ends : geopandas.GeoDataFrame, optional
        The result of :func:`dead_ends` on the same graph: it is used as it
        is (not computed again), and its ``max_gap_m``, ``min_detour_ratio``
        and ``edge_buffer_m`` (in its ``attrs``) become the defaults here.
        Links start only at its ``gap`` dead ends.
    max_gap_m : float, optional
        Longest connector considered (metres, straight line).  Default: the
        value ``dead_ends`` was computed with, else :data:`MAX_GAP_M` (200 m),
        the default of :func:`dead_ends`.
    min_detour_ratio : float, optional
        Keep a connector only when the current network distance between its
        ends is at least this multiple of its length.  Default as
        ``max_gap_m`` (:data:`MIN_DETOUR_RATIO`, 3).
    barriers : geopandas.GeoDataFrame, optional
        Lines or polygons a connector should not cross cheaply (rivers, rail,
        expressways).  A ``kind`` or ``name`` column names the barrier crossed.
    study_area : GeoDataFrame or GeoSeries, optional
        As in :func:`dead_ends`; boundary dead ends get no connector.  Only
        without ``dead_ends`` (pass it to :func:`dead_ends` instead).
    edge_buffer_m : float, optional
        As in :func:`dead_ends` (default :data:`EDGE_BUFFER_M`, 500 m); only
        without ``dead_ends``.
    weights : geopandas.GeoDataFrame, optional
        Points of people or jobs (e.g. residential compounds, firms); with
        ``weight_column`` their total within ``catchment_m`` of a connector
        weights its priority.  Without it each point counts 1.
    weight_column : str, optional
        Column of ``weights`` holding counts.
    catchment_m : float
        Radius (metres) around a connector in which ``weights`` count.
    barrier_factor : float
        Multiplier of the priority of a connector that crosses a barrier
        (a bridge or underpass costs far more than a street).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per gap (two dead ends facing each other — node to node, or
        two stubs overlapping side by side — get one link, the shorter),
        sorted by ``priority`` (highest first), in the input CRS; columns
        ``rank`` (1 = first), ``dead_end_node``, ``target_node`` (−1 when the
        connector meets a road between nodes), ``target_edge``, ``name``,
        ``road_class``, ``target_name``, ``gap_m``, ``network_m`` (the true
        network distance between the connector's ends, however far; NaN only
        when they are in separate networks), ``beyond_limit`` (the distance
        exceeded the bounded search ``min_detour_ratio * max_gap_m`` and was
        computed by a wider search), ``disconnected`` (the link would join two
        separate networks), ``detour_ratio`` (``network_m / gap_m``),
        ``saving_m``, ``branch_length_m``, ``weight``, ``crosses_barrier``,
        ``barrier``, ``priority``, geometry (the connector LineString).

    Raises
    ------
    CRSError
        ``barriers`` or ``weights`` has no CRS.
    ValidationError
        ``dead_ends`` is not a :func:`dead_ends` result of this graph, or
        disagrees with ``max_gap_m`` / ``min_detour_ratio`` / ``edge_buffer_m``
        given here.

    Notes
    -----
    Candidates are found with an STRtree (``dwithin max_gap_m``) and network
    distances with bounded Dijkstra (see :func:`dead_ends`).  Only roads on
    the dead end's level are targets (a bridge deck above a ground road is
    not).  For each dead end the connector of shortest gap is kept.  The priority is a ranking
    heuristic, not a cost-benefit analysis:

    .. math::

        P = \frac{d_\mathrm{net} - g}{g}
            \left(1 + \frac{L_\mathrm{branch}}{1000}\right)
            \left(1 + \frac{W}{1000}\right) \, f_\mathrm{barrier}

    where :math:`d_\mathrm{net}` is the current network distance between the
    connector's ends (the true one: candidates are screened with the bounded
    search, and the distance of each link kept beyond it is searched for as
    far as needed; for a ``disconnected`` link, which has none, the search
    limit — a lower bound),
    :math:`g` the gap (so the first factor is metres of trip saved per metre
    built), :math:`L_\mathrm{branch}` the length of the dead-end branch in
    metres (how much network the link opens up), :math:`W` the weight within
    ``catchment_m`` (people or jobs; 0 without ``weights``) and
    :math:`f_\mathrm{barrier}` = ``barrier_factor`` for connectors that cross a
    barrier, else 1.
    """
    rg = as_graph(roads_or_graph)
    _check_extras(barriers, weights, weight_column)
    if dead_ends is None:
        max_gap_m = MAX_GAP_M if max_gap_m is None else max_gap_m
        min_detour_ratio = MIN_DETOUR_RATIO if min_detour_ratio is None else min_detour_ratio
        edge_buffer_m = EDGE_BUFFER_M if edge_buffer_m is None else edge_buffer_m
        ends_, cand = _classify(rg, study_area=study_area, max_gap_m=max_gap_m,
                                edge_buffer_m=edge_buffer_m, min_detour_ratio=min_detour_ratio)
        # every dead end that is not boundary was searched: those with a candidate are gaps
    else:
        if study_area is not None:
            msg = ("missing_links: study_area is applied when the dead ends are found; pass it "
                   "to dead_ends(...) and give that result as dead_ends=")
            raise ValidationError(msg)
        ends_ = _check_dead_ends(rg, dead_ends)
        given = {"max_gap_m": max_gap_m, "min_detour_ratio": min_detour_ratio,
                 "edge_buffer_m": edge_buffer_m}
        for key, value in given.items():
            used = ends_.attrs[key]
            if value is not None and float(value) != float(used):
                msg = (f"missing_links: dead_ends were found with {key}={used:g} but {key}="
                       f"{value:g} was given; links must start at the dead ends called 'gap' "
                       f"with the same settings: recompute dead_ends with {key}={value:g} or "
                       f"leave {key} out")
                raise ValidationError(msg)
        max_gap_m = float(ends_.attrs["max_gap_m"])
        min_detour_ratio = float(ends_.attrs["min_detour_ratio"])
        edge_buffer_m = float(ends_.attrs["edge_buffer_m"])
        sources = ends_.index[ends_["kind"] == "gap"].to_numpy(dtype=np.int64)
        cand = _candidates(rg, sources, max_gap_m=max_gap_m, min_detour_ratio=min_detour_ratio)
    return _rank_links(rg, ends_, cand, max_gap_m=max_gap_m, min_detour_ratio=min_detour_ratio,
                       barriers=barriers, weights=weights, weight_column=weight_column,
                       catchment_m=catchment_m, barrier_factor=barrier_factor)


def dead_ends_and_links(
    roads_or_graph: gpd.GeoDataFrame | RoadGraph,
    *,
    study_area: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    max_gap_m: float = MAX_GAP_M,
    min_detour_ratio: float = MIN_DETOUR_RATIO,
    edge_buffer_m: float = EDGE_BUFFER_M,
    barriers: gpd.GeoDataFrame | None = None,
    weights: gpd.GeoDataFrame | None = None,
    weight_column: str | None = None,
    catchment_m: float = 500.0,
    barrier_factor: float = 0.5,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """:func:`dead_ends` and :func:`missing_links` in one pass (one candidate search).

    The same as ``ends = dead_ends(g, ...)`` followed by
    ``missing_links(g, dead_ends=ends, ...)``, but the gap candidates found while
    classifying the dead ends are ranked directly instead of being searched
    for again.  Parameters as in :func:`dead_ends` and :func:`missing_links`.

    Returns
    -------
    (geopandas.GeoDataFrame, geopandas.GeoDataFrame)
        The dead ends and the ranked missing links.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from zjgis import network
    >>> g = network.build_graph(gpd.read_file(network.sample_path("roads")))
    >>> ends, links = network.dead_ends_and_links(g)
    >>> links.equals(network.missing_links(g, dead_ends=ends))
    True
    """
    rg = as_graph(roads_or_graph)
    _check_extras(barriers, weights, weight_column)
    ends, cand = _classify(rg, study_area=study_area, max_gap_m=max_gap_m,
                           edge_buffer_m=edge_buffer_m, min_detour_ratio=min_detour_ratio)
    links = _rank_links(rg, ends, cand, max_gap_m=max_gap_m, min_detour_ratio=min_detour_ratio,
                        barriers=barriers, weights=weights, weight_column=weight_column,
                        catchment_m=catchment_m, barrier_factor=barrier_factor)
    return ends, links


def _rank_links(rg: RoadGraph, ends_: gpd.GeoDataFrame, cand: pd.DataFrame, *,
                max_gap_m: float, min_detour_ratio: float, barriers, weights,
                weight_column: str | None, catchment_m: float,
                barrier_factor: float) -> gpd.GeoDataFrame:
    """One link per gap dead end from its candidates, scored and ranked (see missing_links)."""
    limit = min_detour_ratio * max_gap_m
    if len(cand):
        cand = cand.sort_values(["source", "gap_m", "network_m"], ascending=[True, True, False])
        cand = cand.drop_duplicates("source").reset_index(drop=True)
        cand = _one_link_per_gap(rg, cand)
    xy = rg.nodes[["x", "y"]].to_numpy()
    src = cand["source"].to_numpy(dtype=np.int64)
    te = cand["edge"].to_numpy(dtype=np.int64)
    tgt_xy = cand[["tx", "ty"]].to_numpy(dtype=float).reshape(-1, 2)
    conn = shapely.linestrings(np.stack([xy[src], tgt_xy], axis=1)) if len(cand) else \
        np.empty(0, dtype=object)
    gap = cand["gap_m"].to_numpy(dtype=float)
    network = cand["network_m"].to_numpy(dtype=float, copy=True)
    beyond = ~np.isfinite(network)
    if beyond.any():  # the true detour of the links kept, however far
        network[beyond] = _true_detour(rg, src[beyond], te[beyond],
                                       cand["along_m"].to_numpy(dtype=float)[beyond], limit)
    disconnected = ~np.isfinite(network)
    net_eff = np.where(disconnected, limit, network)
    saving = net_eff - gap
    crosses, barrier_name = _barrier_flags(conn, barriers, rg.crs)
    weight = _weights_near(conn, weights, weight_column, catchment_m, rg.crs)
    branch = ends_.loc[src, "branch_length_m"].to_numpy(dtype=float) if len(src) else \
        np.empty(0)
    priority = (saving / gap) * (1 + branch / 1000.0) * (1 + weight / 1000.0) * np.where(
        crosses, barrier_factor, 1.0)
    edges = rg.edges
    out = gpd.GeoDataFrame(
        {
            "dead_end_node": src,
            "target_node": cand["target_node"].to_numpy(dtype=np.int64),
            "target_edge": te,
            "name": ends_.loc[src, "name"].to_numpy() if len(src) else [],
            "road_class": ends_.loc[src, "road_class"].to_numpy() if len(src) else [],
            "target_name": edges["name"].to_numpy()[te],
            "gap_m": gap,
            "network_m": np.where(disconnected, np.nan, network),
            "beyond_limit": beyond,
            "disconnected": disconnected,
            "detour_ratio": np.where(disconnected, np.nan, network / gap),
            "saving_m": saving,
            "branch_length_m": branch,
            "weight": weight,
            "crosses_barrier": crosses,
            "barrier": barrier_name,
            "priority": priority,
        },
        geometry=gpd.array.from_shapely(conn, crs=rg.crs),
    )
    out = out.sort_values(["priority", "gap_m"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out = out.to_crs(rg.input_crs)
    out.attrs = {k: v for k, v in rg.attrs.items() if isinstance(v, str | int | float)}
    out.attrs.update(max_gap_m=max_gap_m, min_detour_ratio=min_detour_ratio,
                     search_limit_m=limit)
    log.info("%d missing-link candidate(s) (%d cross a barrier)", len(out), int(crosses.sum()))
    return out


def _one_link_per_gap(rg: RoadGraph, cand: pd.DataFrame) -> pd.DataFrame:
    """Keep one link of two dead ends that face each other (one gap, one link).

    Dead ends *a* and *b* face each other when *a*'s connector ends on *b*'s
    branch (the chain of edges from *b* to its junction) and *b*'s ends on
    *a*'s — at *b* itself (node to node) or anywhere along the other stub (two
    stubs overlapping side by side).  The shorter connector is kept (ties: the
    lower node id).
    """
    if len(cand) < 2:
        return cand
    lab = _chain_labels(rg)
    src = cand["source"].to_numpy(dtype=np.int64)
    own = lab[rg._incidence[src]]  # a dead end's only edge starts its branch
    tgt = lab[cand["edge"].to_numpy(dtype=np.int64)]
    a = pd.DataFrame({"i": np.arange(len(cand)), "own": own, "tgt": tgt})
    m = a.merge(a, left_on=["own", "tgt"], right_on=["tgt", "own"], suffixes=("", "_j"))
    m = m[m["i"] != m["i_j"]]
    if len(m) == 0:
        return cand
    gap = cand["gap_m"].to_numpy(dtype=float)
    i, j = m["i"].to_numpy(), m["i_j"].to_numpy()
    lose = (gap[i] > gap[j]) | ((gap[i] == gap[j]) & (src[i] > src[j]))
    drop = np.zeros(len(cand), dtype=bool)
    drop[i[lose]] = True
    return cand[~drop].reset_index(drop=True)


def _true_detour(rg: RoadGraph, src: np.ndarray, edge: np.ndarray, along: np.ndarray,
                 limit: float) -> np.ndarray:
    """Network distance from dead ends to points on edges beyond the search limit."""
    u = rg.edges["u"].to_numpy()[edge]
    v = rg.edges["v"].to_numpy()[edge]
    length = rg.edges["length_m"].to_numpy()[edge]
    d = _far_pair_distances(rg, np.concatenate([src, src]), np.concatenate([u, v]), limit)
    return np.minimum(d[: len(src)] + along, d[len(src):] + (length - along))


def _check_dead_ends(rg: RoadGraph, ends: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Refuse a ``dead_ends=`` frame that is not a :func:`dead_ends` result of ``rg``."""
    hint = ("pass the result of zjgis.network.dead_ends(graph) computed on the same graph "
            "(build the graph once and give it to both)")
    if not isinstance(ends, gpd.GeoDataFrame):
        msg = f"missing_links: dead_ends must be a GeoDataFrame, got {type(ends).__name__}; {hint}"
        raise ValidationError(msg)
    _validate.require_columns(ends, ["kind", "name", "road_class", "branch_length_m"],
                              "dead_ends")
    missing = [k for k in ("max_gap_m", "min_detour_ratio", "edge_buffer_m")
               if k not in ends.attrs]
    if missing:
        msg = (f"missing_links: dead_ends has no {_validate.listing(missing)} in its attrs "
               f"(it was not made by dead_ends, or lost its attrs); {hint}")
        raise ValidationError(msg)
    if len(ends) and ends["kind"].isna().all():
        msg = f"missing_links: dead_ends were not classified (classify=False); {hint}"
        raise ValidationError(msg)
    node = ends.index.to_numpy()
    deg = rg.degree
    ok = np.zeros(len(node), dtype=bool)
    if pd.api.types.is_integer_dtype(node):
        inside = (node >= 0) & (node < len(deg))
        ok[inside] = deg[node[inside]] == 1
        if ok.all() and len(node):  # same nodes: the points must be the graph's nodes
            pts = ends.geometry.to_crs(rg.crs) if ends.crs is not None else ends.geometry
            xy = rg.nodes[["x", "y"]].to_numpy()[node]
            ok = np.hypot(pts.x.to_numpy() - xy[:, 0], pts.y.to_numpy() - xy[:, 1]) <= 0.01
    if not ok.all():
        bad = [ends.index[i] for i in np.flatnonzero(~ok)]
        msg = (f"missing_links: {int((~ok).sum())} row(s) of dead_ends are not dead ends of "
               f"this graph (node {_validate.listing(bad)}); {hint}")
        raise ValidationError(msg)
    return ends


def _check_extras(barriers, weights, weight_column: str | None) -> None:
    """Barriers and weights are checked at the door, even when no link needs them."""
    if barriers is not None:
        _check_layer(barriers, "barriers", ("LineString", "MultiLineString", "Polygon",
                                            "MultiPolygon"), allow_empty=True)
    if weights is not None:
        _check_layer(weights, "weights", ("Point", "MultiPoint"),
                     hint="give people or jobs as points (e.g. zone centroids)",
                     allow_empty=True)
        if weight_column is not None:
            _validate.require_counts(weights, weight_column, "weights")
    elif weight_column is not None:
        msg = f"weight_column={weight_column!r} was given without weights; pass weights= too"
        raise ValidationError(msg)


def _barrier_flags(conn: np.ndarray, barriers, metric) -> tuple[np.ndarray, np.ndarray]:
    crosses = np.zeros(len(conn), dtype=bool)
    label = np.full(len(conn), None, dtype=object)
    if barriers is None or len(conn) == 0:
        return crosses, label
    _validate.require_crs(barriers, "barriers")
    b = barriers.to_crs(metric)
    col = next((c for c in ("name", "kind", "barrier") if c in b.columns), None)
    names = b[col].astype("string").fillna("barrier").to_numpy() if col else \
        np.full(len(b), "barrier", dtype=object)
    ci, bi = shapely.STRtree(b.geometry.values).query(conn, predicate="intersects")
    crosses[ci] = True
    order = np.argsort(ci, kind="stable")
    ci, bi = ci[order], bi[order]
    firsts = np.r_[True, ci[1:] != ci[:-1]] if len(ci) else np.empty(0, bool)
    label[ci[firsts]] = names[bi[firsts]]
    return crosses, label


def _weights_near(conn: np.ndarray, weights, column, catchment_m: float, metric) -> np.ndarray:
    out = np.zeros(len(conn))
    if weights is None or len(conn) == 0:
        return out
    _validate.require_crs(weights, "weights")
    w = weights.to_crs(metric)
    val = np.ones(len(w)) if column is None else _validate.require_counts(w, column, "weights")
    ci, wi = shapely.STRtree(w.geometry.values).query(conn, predicate="dwithin",
                                                      distance=catchment_m)
    np.add.at(out, ci, val[wi])
    return out
